// Differential tests for lib/internal/keys.js and the option copies in
// ClientRequest: rhttp hands out one string object per header name and per
// pool name, and copies a request's options with a spread. None of this
// may show: header names past the key cache's bound, names that differ only
// in case, a program's getName returning a non-string, and options with an
// own `__proto__` key must give what core gives.

import anyTest from 'ava';
import {
  same, HOST, scripted, respond, ok, record, reqState, agent, poolView, delay,
} from './helpers/client-diff.mjs';

const test = anyTest.serial;

// More distinct names than the cache holds (512), in mixed case.
const NAMES = Array.from({ length: 700 }, (_, i) => `X-Name-${i}-${i % 2 ? 'Up' : 'dn'}`);

/** Every header API call on one message, and what it then reports. */
function exerciseHeaders(msg) {
  const seen = [];
  for (const name of NAMES) msg.setHeader(name, name.length);
  // Same names, other case: replaces the entries, keeps the new spelling.
  for (let i = 0; i < NAMES.length; i += 7) msg.setHeader(NAMES[i].toUpperCase(), 'upper');
  for (let i = 0; i < NAMES.length; i += 11) msg.removeHeader(NAMES[i].toLowerCase());
  for (let i = 0; i < NAMES.length; i += 13) msg.appendHeader(NAMES[i], 'more');
  for (let i = 0; i < NAMES.length; i += 5) {
    seen.push([msg.getHeader(NAMES[i]), msg.hasHeader(NAMES[i].toLowerCase()), msg.hasHeader(NAMES[i])]);
  }
  return {
    seen,
    names: msg.getHeaderNames(),
    raw: msg.getRawHeaderNames(),
    headers: { ...msg.getHeaders() },
  };
}

test('setHeader/getHeader/hasHeader/removeHeader/appendHeader past the key cache', async (t) => {
  await same(t, async (http) => {
    const res = new http.ServerResponse(new http.IncomingMessage(null));
    const first = exerciseHeaders(res);
    // A second message gets the same answers from the now full cache.
    const second = exerciseHeaders(new http.ServerResponse(new http.IncomingMessage(null)));
    return { first, same: JSON.stringify(first) === JSON.stringify(second) };
  });
});

test('headers set in many spellings reach the wire as core sends them', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond([ok('a')]));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, headers: { 'X-One': '1', 'x-ONE': '2', Host: 'h' } });
    req.setHeader('content-TYPE', 'text/plain');
    req.setHeader('Content-Type', 'text/html');
    req.removeHeader('HOST');
    req.setHeader('hOsT', 'other');
    const r = record(req, ctx.log);
    req.end();
    await r.closed(3000);
    return { wire: srv.received(), state: reqState(req) };
  });
});

test('options with an own __proto__ key, a null prototype, or inherited properties', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => ok('b')));
    const a = agent(http, ctx, { keepAlive: true });
    const out = [];
    const variants = [
      // JSON.parse makes an own "__proto__": core's Object.assign sets it
      // as the copy's prototype, so its path is inherited.
      JSON.parse(`{"__proto__": {"path": "/from-proto"}, "host": "${HOST}", "port": ${srv.port}}`),
      Object.assign(Object.create(null), { host: HOST, port: srv.port, path: '/null-proto' }),
      Object.assign(Object.create({ path: '/inherited' }), { host: HOST, port: srv.port }),
    ];
    for (const options of variants) {
      options.agent = a;
      const req = http.request(options);
      const r = record(req, ctx.log);
      req.end();
      await r.closed(3000);
      out.push({ path: req.path, host: req.host, state: reqState(req) });
    }
    return { out, wire: srv.received() };
  });
});

test('an agent whose getName returns a non-string still pools its sockets', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => ok('c')));
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    a.getName = () => 42;
    const states = [];
    const reqs = [0, 1, 2].map(() => {
      const req = http.request({ host: HOST, port: srv.port, agent: a });
      const r = record(req, ctx.log);
      req.end();
      return r;
    });
    for (const r of reqs) await r.closed(3000);
    await delay(30);
    states.push(poolView(a));
    return { states, conns: srv.conns.length, wire: srv.received() };
  });
});

test('Agent options copy: null prototype, own properties, an own __proto__ key', async (t) => {
  await same(t, async (http) => {
    const out = [];
    const variants = [
      JSON.parse('{"__proto__": {"keepAlive": true}, "maxSockets": 3}'),
      Object.assign(Object.create({ keepAlive: true }), { maxFreeSockets: 2 }),
      { keepAlive: true, timeout: 10, socketPath: '/tmp/x.sock' },
      undefined,
    ];
    for (const options of variants) {
      const a = new http.Agent(options);
      const o = a.options;
      out.push({
        proto: Object.getPrototypeOf(o),
        keys: Object.keys(o),
        own: Object.getOwnPropertyNames(o).map((k) => [k, typeof Object.getOwnPropertyDescriptor(o, k).value]),
        keepAlive: a.keepAlive,
        maxSockets: a.maxSockets,
        name: a.getName({ host: 'h', port: 1 }),
      });
      a.destroy();
    }
    return out;
  });
});

test('header order on the wire: integer-like names, removed and re-added names, many names', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond([ok('d')]));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    for (const name of ['b', '2', 'A', '1', 'x-y', '10', '007', '4294967295', '4294967294']) req.setHeader(name, name);
    req.removeHeader('a');
    req.setHeader('a', 'again');
    req.removeHeader('2');
    for (let i = 0; i < 300; i++) req.setHeader(`h${i % 2 ? i : 300 - i}`, String(i));
    req.removeHeader('h1');
    const names = req.getHeaderNames();
    const raw = req.getRawHeaderNames();
    const r = record(req, ctx.log);
    req.end();
    await r.closed(3000);
    return { names, raw, wire: srv.received() };
  });
});
