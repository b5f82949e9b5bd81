// Differential tests for the HTTP client API: http.request / http.get and
// their options, the exact request bytes on the wire, ClientRequest methods,
// properties and events, and how responses are surfaced. Each scenario runs
// against node:http and rhttp against a scripted raw `net` server; the
// recordings must match.

import anyTest from 'ava';

// Serial: several scenarios depend on timing (timeouts, held bodies).
const test = anyTest.serial;
import { createRequire } from 'node:module';
import {
  same, RHTTP_PATH, nodeHttp, rhttp, delay, tick, HOST, scripted, respond, ok, record, reqState, resView,
  agent, poolView, tryCall, errView, until, onceOr, scrub,
} from './helpers/client-diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');
const { Duplex } = require('node:stream');

/** One request against a server answering each request with `replies`;
 * `make(http, port, agent)` creates (and usually ends) the request. */
async function one(http, ctx, replies, make, { agentOpts = { keepAlive: true }, read = true, settle = 30, closeMs = 3000 } = {}) {
  const srv = await scripted(ctx, respond(replies));
  const a = agentOpts === false ? false : agent(http, ctx, agentOpts);
  const req = make(http, srv.port, a, srv);
  const r = record(req, ctx.log, { read });
  await r.closed(closeMs);
  await delay(settle);
  return { wire: srv.received(), state: reqState(req), srv, req, a };
}

const OK = ok('hello');

// ---------------------------------------------------------------------------
// request() / get() call forms

test('request(url string): wire bytes, events, response', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request(`http://${HOST}:${port}/some/path?x=1&y=%20`, { agent: a });
      req.end();
      return req;
    });
    return { wire: o.wire, state: o.state };
  });
});

test('request(URL object) with username:password, search and hash', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const url = new URL(`http://user:p%40ss@${HOST}:${port}/p?q=1#frag`);
      const req = h.request(url, { agent: a });
      req.end();
      return req;
    });
    return { wire: o.wire, state: o.state };
  });
});

test('request(url, options, cb): options override the URL, cb is a response listener', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request(`http://${HOST}:${port}/from-url`, {
        agent: a, method: 'put', path: '/from-options', headers: { 'X-A': '1' },
      }, (res) => { ctx.log.push(['cb', res.statusCode]); });
      req.end('body');
      return req;
    });
    return { wire: o.wire, state: o.state };
  });
});

test('request(options, cb) and get(options, cb): defaults for method and path', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    const r1 = http.request({ host: HOST, port: srv.port, agent: a }, (res) => ctx.log.push(['cb1', res.statusCode]));
    const rec1 = record(r1, ctx.log, { label: 'r1', rlabel: 'res1' });
    r1.end();
    await rec1.closed();
    const r2 = http.get({ host: HOST, port: srv.port, agent: a, path: '/g' }, (res) => ctx.log.push(['cb2', res.statusCode]));
    const rec2 = record(r2, ctx.log, { label: 'r2', rlabel: 'res2' });
    await rec2.closed();
    const r3 = http.get(`http://${HOST}:${srv.port}/g3`, { agent: a }, (res) => { ctx.log.push(['cb3', res.statusCode]); res.resume(); });
    await onceOr(r3, 'close');
    await delay(20);
    return { wire: srv.received(), s1: reqState(r1), s2: reqState(r2), s3: reqState(r3) };
  });
});

test('new ClientRequest(url) directly', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = new h.ClientRequest(`http://${HOST}:${port}/direct`, { agent: a });
      req.end();
      return req;
    });
    return { wire: o.wire, state: o.state, isOutgoing: o.req instanceof http.OutgoingMessage };
  });
});

test('host vs hostname (hostname wins), family 4, localAddress', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({
        hostname: HOST, host: 'ignored.invalid', port, family: 4, localAddress: '127.0.0.1', agent: a,
      });
      req.on('socket', (s) => s.on('connect', () => ctx.log.push(['local', s.localAddress, s.remoteAddress, s.remotePort === port])));
      req.end();
      return req;
    });
    return { wire: o.wire, state: o.state };
  });
});

test('hostname "localhost" with the default lookup', async (t) => {
  await same(t, async (http, ctx) => {
    // Listen on both families' loopback when possible: just 127.0.0.1 here;
    // "localhost" may resolve to ::1 first, which node 20 falls back from.
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ hostname: 'localhost', port, agent: a, family: 4 });
      req.end();
      return req;
    });
    return { wire: o.wire, state: o.state };
  });
});

test('socketPath: a request over a Unix socket', async (t) => {
  await same(t, async (http, ctx) => {
    const path = ctx.socketPath();
    const srv = await scripted(ctx, respond([OK]), { path });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ socketPath: path, path: '/unix', agent: a });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await delay(20);
    return { wire: srv.received(), state: reqState(req), names: Object.keys(a.freeSockets).map((n) => n.replace(path, '<PATH>')) };
  });
});

test('socketPath with agent: false', async (t) => {
  await same(t, async (http, ctx) => {
    const path = ctx.socketPath();
    const srv = await scripted(ctx, respond([OK]), { path });
    const req = http.request({ socketPath: path, path: '/unix', agent: false });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await srv.settle(1000);
    return { conns: srv.snapshot(), state: reqState(req) };
  });
});

// ---------------------------------------------------------------------------
// Request bytes on the wire

test('method is upper-cased; headers keep their case; Host has the port', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({
        host: HOST, port, agent: a, method: 'patch', path: '/x?y',
        headers: { 'X-Mixed-Case': 'A', 'lower-case': 'b', 'X-Multi': ['1', '2'], 'X-Num': 42 },
      });
      req.end();
      return req;
    });
    return { wire: o.wire, state: o.state };
  });
});

test('headers as a flat array: sent verbatim, in order, duplicates kept', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({
        host: HOST, port, agent: a,
        headers: ['Host', 'custom.example', 'X-Dup', 'a', 'x-dup', 'b', 'Content-Length', '3'],
        method: 'POST',
      });
      req.end('abc');
      return req;
    });
    return { wire: o.wire, state: o.state };
  });
});

test('setHost: false omits Host; an explicit Host header is kept', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    for (const [i, opts] of [{ setHost: false }, { headers: { host: 'given:1' } }, { setHost: 0 }, { setHost: 'yes' }].entries()) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, ...opts });
      const r = record(req, ctx.log, { label: `r${i}`, rlabel: `res${i}` });
      req.end();
      await r.closed();
    }
    return srv.received();
  });
});

test('auth option becomes Basic Authorization unless one is given', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    for (const [i, opts] of [{ auth: 'user:pa ss' }, { auth: 'u:p', headers: { authorization: 'Bearer x' } }, { auth: 'ünï' }].entries()) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, ...opts });
      const r = record(req, ctx.log, { label: `r${i}`, rlabel: `res${i}` });
      req.end();
      await r.closed();
    }
    return srv.received();
  });
});

test('default agent (undefined) is globalAgent: Connection keep-alive', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    ctx.defer(() => http.globalAgent.destroy());
    const req = http.request({ host: HOST, port: srv.port });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await delay(20);
    const name = `${HOST}:${srv.port}:`;
    return {
      wire: srv.received(),
      isGlobal: req.agent === http.globalAgent,
      globalKeepAlive: http.globalAgent.keepAlive,
      free: (http.globalAgent.freeSockets[name] || []).length,
    };
  });
});

test('agent: false: Connection close, a one-off connection the client ends', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const req = http.request({ host: HOST, port: srv.port, agent: false });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await srv.settle(1000);
    return { conns: srv.snapshot(), agentType: typeof req.agent, keepAlive: req.agent && req.agent.keepAlive, state: reqState(req) };
  });
});

test('a non-keep-alive Agent (default options): Connection close', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a });
      req.end();
      return req;
    }, { agentOpts: {} });
    await o.srv.settle(1000);
    return { conns: o.srv.snapshot(), state: o.state };
  });
});

test('createConnection returning a net.Socket from net.createConnection', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const calls = [];
    const req = http.request({
      host: HOST, port: srv.port, path: '/cc',
      createConnection(opts, cb) {
        calls.push({ host: opts.host, port: opts.port === srv.port, path: opts.path, cbType: typeof cb });
        return net.createConnection({ host: opts.host, port: opts.port });
      },
    });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await srv.settle(1000);
    return { calls, conns: srv.snapshot(), state: reqState(req), agent: req.agent };
  });
});

test('createConnection calling back asynchronously with a socket', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const req = http.request({
      host: HOST, port: srv.port,
      createConnection(opts, cb) {
        setTimeout(() => cb(null, net.createConnection({ host: opts.host, port: opts.port })), 10);
      },
    });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await srv.settle(1000);
    return { conns: srv.snapshot(), state: reqState(req) };
  });
});

test('createConnection returning an in-memory Duplex', async (t) => {
  await same(t, async (http, ctx) => {
    let written = '';
    const duplex = new Duplex({
      read() {},
      write(chunk, enc, cb) {
        written += chunk.toString('latin1');
        if (written.includes('\r\n\r\n')) {
          setImmediate(() => {
            this.push('HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX-Duplex: 1\r\n\r\nduplex'.slice(0, -2));
            this.push(null);
          });
        }
        cb();
      },
    });
    const req = http.request({ host: 'in.memory', path: '/mem', createConnection: () => duplex });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    return { written, state: reqState(req) };
  });
});

test('GET sends no body framing; POST with write() is chunked', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    const g = http.request({ host: HOST, port: srv.port, agent: a, path: '/get' });
    let r = record(g, ctx.log, { label: 'get', rlabel: 'gres' });
    g.end();
    await r.closed();
    const p = http.request({ host: HOST, port: srv.port, agent: a, path: '/post', method: 'POST' });
    r = record(p, ctx.log, { label: 'post', rlabel: 'pres' });
    p.write('ab');
    p.write(Buffer.from('cd'));
    await delay(20);
    p.write('');
    p.end('ef');
    await r.closed();
    return srv.received();
  });
});

test('end(data) alone sends Content-Length; an explicit Content-Length is used', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    const cases = [
      (req) => req.end('whole body'),
      (req) => { req.setHeader('Content-Length', 6); req.write('abc'); req.end('def'); },
      (req) => { req.end(); },
      (req) => { req.setHeader('Transfer-Encoding', 'chunked'); req.end('te'); },
    ];
    for (const [i, fn] of cases.entries()) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'POST', path: `/${i}` });
      const r = record(req, ctx.log, { label: `r${i}`, rlabel: `res${i}` });
      fn(req);
      await r.closed();
    }
    return srv.received();
  });
});

test('DELETE / OPTIONS with a streamed body', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    for (const method of ['DELETE', 'OPTIONS']) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, method, path: `/${method}` });
      const r = record(req, ctx.log, { label: method, rlabel: `res-${method}` });
      req.write('part1');
      req.end('part2');
      await r.closed();
      await delay(20);
    }
    return { conns: srv.snapshot() };
  });
});

test('HEAD: response Content-Length is not read as a body; the socket is reused', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond([
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Type: text/plain\r\n\r\n',
      ok('after-head'),
    ]));
    const a = agent(http, ctx, { keepAlive: true });
    const h = http.request({ host: HOST, port: srv.port, agent: a, method: 'HEAD' });
    let r = record(h, ctx.log, { label: 'head', rlabel: 'hres' });
    h.end();
    await r.closed();
    await delay(10);
    const g = http.request({ host: HOST, port: srv.port, agent: a });
    r = record(g, ctx.log, { label: 'get', rlabel: 'gres' });
    g.end();
    await r.closed();
    return { conns: srv.conns.length, wire: srv.received(), reused: g.reusedSocket };
  });
});

test('Expect: 100-continue: body held until the server sends 100', async (t) => {
  await same(t, async (http, ctx) => {
    let beforeContinue;
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitFor('\r\n\r\n');
      await delay(50);
      beforeContinue = conn.text;
      conn.write('HTTP/1.1 100 Continue\r\n\r\n');
      await conn.waitRequests(1);
      conn.write(ok('done'));
    });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({
      host: HOST, port: srv.port, agent: a, method: 'POST',
      headers: { Expect: '100-continue', 'Content-Length': 4 },
    });
    const r = record(req, ctx.log);
    req.on('continue', () => req.end('body'));
    await r.closed();
    return { beforeContinue, wire: srv.received() };
  });
});

test('Expect: 100-continue via setHeader after construction, chunked body', async (t) => {
  await same(t, async (http, ctx) => {
    let beforeContinue;
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitFor('\r\n\r\n');
      await delay(50);
      beforeContinue = conn.text;
      conn.write('HTTP/1.1 100 Continue\r\nX-Info: yes\r\n\r\n');
      await conn.waitRequests(1);
      conn.write(ok('done'));
    });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'POST' });
    req.setHeader('Expect', '100-continue');
    req.flushHeaders();
    const r = record(req, ctx.log);
    req.on('continue', () => { req.write('a'); req.end('b'); });
    await r.closed();
    return { beforeContinue, wire: srv.received() };
  });
});

test('flushHeaders sends the head before the body', async (t) => {
  await same(t, async (http, ctx) => {
    let headOnly;
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitFor('\r\n\r\n');
      await delay(50);
      headOnly = conn.text;
      await conn.waitRequests(1);
      conn.write(ok());
    });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'PUT' });
    const r = record(req, ctx.log);
    req.flushHeaders();
    const sent = req.headersSent;
    await delay(200);
    req.end('late body');
    await r.closed();
    return { headOnly, sent, wire: srv.received() };
  });
});

test('uniqueHeaders: array values sent as one joined line', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({
        host: HOST, port, agent: a, uniqueHeaders: ['x-unique', 'X-Also'],
        headers: { 'X-Unique': ['a', 'b'], 'X-Also': ['c', 'd'], 'X-Other': ['e', 'f'] },
      });
      req.end();
      return req;
    });
    return o.wire;
  });
});

// ---------------------------------------------------------------------------
// Header API on ClientRequest

test('setHeader/getHeader/removeHeader/getHeaders/getHeaderNames/getRawHeaderNames/hasHeader', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a, headers: { 'X-Init': 'i' } });
      req.setHeader('X-Foo', 'bar');
      req.setHeader('x-ARR', ['1', '2']);
      req.setHeader('X-Gone', 'g');
      ctx.log.push(['before', {
        foo: req.getHeader('x-foo'), arr: req.getHeader('X-Arr'), host: req.getHeader('host'),
        has: [req.hasHeader('X-FOO'), req.hasHeader('nope')],
        headers: req.getHeaders(), names: req.getHeaderNames(), raw: req.getRawHeaderNames(),
      }]);
      req.removeHeader('x-gone');
      req.removeHeader('Host');
      ctx.log.push(['afterRemove', { headers: req.getHeaders(), raw: req.getRawHeaderNames() }]);
      req.end();
      ctx.log.push(['afterEnd', {
        set: tryCall(() => req.setHeader('X-Late', '1')),
        remove: tryCall(() => req.removeHeader('X-Foo')),
        get: req.getHeader('x-foo'), sent: req.headersSent,
      }]);
      return req;
    });
    return scrub({ wire: o.wire, log: ctx.log.splice(0) }, { [o.srv.port]: '<PORT>' });
  });
});

test('setHeader after flushHeaders throws ERR_HTTP_HEADERS_SENT', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a, method: 'POST' });
      req.flushHeaders();
      ctx.log.push(['set', tryCall(() => req.setHeader('X', '1'))]);
      ctx.log.push(['flushAgain', tryCall(() => req.flushHeaders())]);
      req.end();
      return req;
    });
    return { wire: o.wire };
  });
});

// ---------------------------------------------------------------------------
// Writing

test('write backpressure before the socket connects: false, then one drain', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'POST' });
    const r = record(req, ctx.log);
    const big = Buffer.alloc(1024 * 1024, 'x');
    ctx.log.push(['write1', req.write(big)]);
    ctx.log.push(['needDrain', req.writableNeedDrain]);
    const drained = await onceOr(req, 'drain', 3000);
    ctx.log.push(['drained', drained !== null]);
    ctx.log.push(['write2', req.write('small')]);
    req.end();
    await r.closed(5000);
    const wire = srv.received()[0] || '';
    return { len: wire.length, head: wire.slice(0, wire.indexOf('\r\n\r\n')) };
  });
});

test('write backpressure on a connected socket with a paused server', async (t) => {
  await same(t, async (http, ctx) => {
    let conn;
    const srv = await scripted(ctx, (c) => { conn = c; c.socket.pause(); });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'POST' });
    const r = record(req, ctx.log);
    req.flushHeaders();
    await onceOr(req, 'socket');
    await until(() => req.socket && !req.socket.connecting, 2000);
    await until(() => conn, 2000);
    const chunk = Buffer.alloc(64 * 1024, 'y');
    let written = 0;
    let blocked = false;
    // Write until write() returns false and no 'drain' comes for 300 ms:
    // the paused server's kernel buffers are full.
    while (written < 64 * 1024 * 1024) {
      written += chunk.length;
      if (!req.write(chunk)) {
        const d = await onceOr(req, 'drain', 300);
        if (d === null) { blocked = true; break; }
      }
    }
    conn.socket.resume();
    const drained = await onceOr(req, 'drain', 5000);
    req.end();
    // the head, `written` bytes of chunks with their framing, the last chunk
    await conn.waitBytes(written + 5, 10000);
    await delay(50);
    conn.write(ok());
    await r.closed(5000);
    // how many times 'drain' fired depends on kernel buffer sizes
    ctx.log = ctx.log.filter((e) => e !== 'req:drain');
    return {
      blocked,
      drainedAfterResume: drained !== null,
      receivedAll: conn.bytes > written,
    };
  }, { timeout: 20000 });
});

test('write after end: ERR_STREAM_WRITE_AFTER_END via callback and error event', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a });
      req.end();
      ctx.log.push(['write', req.write('x', (err) => ctx.log.push(['writeCb', errView(err)]))]);
      return req;
    });
    return { wire: o.wire };
  });
});

test('end() callback and finish ordering', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a, method: 'POST' });
      req.write('a', () => ctx.log.push('writeCb'));
      req.end('b', () => ctx.log.push('endCb'));
      ctx.log.push(['sync', { finished: req.finished, writableEnded: req.writableEnded, writableFinished: req.writableFinished }]);
      return req;
    });
    return { wire: o.wire, state: o.state };
  });
});

// ---------------------------------------------------------------------------
// Socket-level methods

test('setNoDelay / setSocketKeepAlive are forwarded once connected', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a });
      req.on('socket', (s) => {
        for (const m of ['setNoDelay', 'setKeepAlive']) {
          const orig = s[m];
          s[m] = function (...args) {
            ctx.log.push([`socket.${m}`, args.map((x) => (x === undefined ? 'undef' : x))]);
            return orig.apply(this, args);
          };
        }
      });
      ctx.log.push(['ret', req.setNoDelay(false), req.setSocketKeepAlive(true, 1234)]);
      req.end();
      return req;
    });
    return o.wire;
  });
});

test('setTimeout(ms, cb): timeout event with no response, then destroy()', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, () => {});
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    const ret = req.setTimeout(100, () => { ctx.log.push('cb'); req.destroy(); });
    ctx.log.push(['returnsThis', ret === req]);
    req.end();
    await r.closed();
    return { state: reqState(req), wire: srv.received() };
  });
});

test('timeout option: timeout event, socket timeout value, destroy', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, () => {});
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, timeout: 150 });
    const r = record(req, ctx.log);
    req.on('socket', (s) => ctx.log.push(['socketTimeoutAtSocket', s.timeout]));
    req.on('timeout', () => { ctx.log.push(['socketTimeout', req.socket.timeout]); req.destroy(); });
    ctx.log.push(['reqTimeout', req.timeout]);
    req.end();
    await r.closed();
    return reqState(req);
  });
});

test('setTimeout during a slow response: res timeout / req timeout', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
      await delay(400);
      conn.write('defghij');
    });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.setTimeout(150);
    req.end();
    await r.closed();
    return reqState(req);
  });
});

test('setTimeout(0) clears the timeout; clearTimeout-like', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      await delay(200);
      conn.write(OK);
    });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.setTimeout(50);
    req.setTimeout(0);
    req.end();
    await r.closed();
    return reqState(req);
  });
});

// ---------------------------------------------------------------------------
// abort() / destroy() / signal

test('abort() before a socket is assigned', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    req.abort();
    req.abort();
    ctx.log.push(['sync', reqState(req)]);
    await r.closed();
    await delay(50);
    return { state: reqState(req), conns: srv.conns.length, pool: poolView(a) };
  });
});

test('abort() after the socket connected, before a response', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, () => {});
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    await srv.waitConns(1);
    await srv.conns[0].waitRequests(1);
    req.abort();
    await r.closed();
    await srv.settle(1000);
    return { state: reqState(req), conns: srv.snapshot(), pool: poolView(a) };
  });
});

test('abort() mid-response', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst');
    });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.on('response', (res) => res.once('data', () => setTimeout(() => req.abort(), 10)));
    req.end();
    await r.closed();
    await delay(30);
    return { state: reqState(req), resAborted: r.res && r.res.aborted, resComplete: r.res && r.res.complete, pool: poolView(a) };
  });
});

test('destroy(err) before socket, after socket, mid-response', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      if (conn.text.includes('/mid')) conn.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst');
    });
    const a = agent(http, ctx, { keepAlive: true });
    // before a socket
    let req = http.request({ host: HOST, port: srv.port, agent: a, path: '/before' });
    let r = record(req, ctx.log, { label: 'b', rlabel: 'bres' });
    req.end();
    req.destroy(new Error('boom-before'));
    ctx.log.push(['b.sync', req.destroyed]);
    await r.closed();
    // after the socket connected
    req = http.request({ host: HOST, port: srv.port, agent: a, path: '/after' });
    r = record(req, ctx.log, { label: 'a', rlabel: 'ares' });
    req.end();
    await onceOr(req, 'finish');
    await delay(30);
    req.destroy(new Error('boom-after'));
    await r.closed();
    // mid-response
    req = http.request({ host: HOST, port: srv.port, agent: a, path: '/mid' });
    r = record(req, ctx.log, { label: 'm', rlabel: 'mres' });
    req.on('response', (res) => res.once('data', () => setTimeout(() => req.destroy(new Error('boom-mid')), 10)));
    req.end();
    await r.closed();
    // destroy() with no error mid-response
    await delay(20);
    return { pool: poolView(a), conns: srv.conns.length };
  });
});

test('destroy() without error before the response: socket hang up', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, () => {});
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    await srv.waitConns(1);
    await srv.conns[0].waitRequests(1);
    const ret = req.destroy();
    ctx.log.push(['returnsThis', ret === req, req.destroyed]);
    await r.closed();
    return reqState(req);
  });
});

test('signal: aborted before the request is made', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    const ac = new AbortController();
    ac.abort();
    const req = http.request({ host: HOST, port: srv.port, agent: a, signal: ac.signal });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await delay(30);
    return { state: reqState(req), conns: srv.conns.length };
  });
});

test('signal: abort right after request(), before the socket', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    const ac = new AbortController();
    const req = http.request({ host: HOST, port: srv.port, agent: a, signal: ac.signal });
    const r = record(req, ctx.log);
    req.end();
    ac.abort();
    await r.closed();
    await delay(30);
    return { state: reqState(req), pool: poolView(a) };
  });
});

test('signal: abort after the socket, before a response; custom reason', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, () => {});
    const a = agent(http, ctx, { keepAlive: true });
    const ac = new AbortController();
    const req = http.request({ host: HOST, port: srv.port, agent: a, signal: ac.signal });
    const r = record(req, ctx.log);
    req.end();
    await srv.waitConns(1);
    await srv.conns[0].waitRequests(1);
    ac.abort(new Error('my reason'));
    await r.closed();
    return reqState(req);
  });
});

test('signal: abort mid-response', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n');
    });
    const a = agent(http, ctx, { keepAlive: true });
    const ac = new AbortController();
    const req = http.request({ host: HOST, port: srv.port, agent: a, signal: ac.signal });
    const r = record(req, ctx.log);
    req.on('response', (res) => res.once('data', () => setTimeout(() => ac.abort(), 10)));
    req.end();
    await r.closed();
    return { state: reqState(req), resAborted: r.res && r.res.aborted, resDestroyed: r.res && r.res.destroyed };
  });
});

// ---------------------------------------------------------------------------
// lookup

test('lookup: custom function called with node\'s arguments', async (t) => {
  await same(t, async (http, ctx) => {
    const calls = [];
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({
        host: 'my.custom.host', port, agent: a,
        lookup(hostname, options, cb) {
          calls.push({ hostname, options: { ...options }, cbType: typeof cb });
          if (options.all) cb(null, [{ address: HOST, family: 4 }]);
          else cb(null, HOST, 4);
        },
      });
      req.end();
      return req;
    });
    return { calls, wire: o.wire };
  });
});

test('lookup with family: 4 and a non-all answer', async (t) => {
  await same(t, async (http, ctx) => {
    const calls = [];
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({
        host: 'fam4.example', port, agent: a, family: 4,
        lookup(hostname, options, cb) {
          calls.push({ hostname, options: { ...options } });
          setTimeout(() => cb(null, HOST, 4), 5);
        },
      });
      req.on('socket', (s) => s.on('lookup', (...args) => ctx.log.push(['socket:lookup', args.map((x) => (x === undefined ? 'undef' : x))])));
      req.end();
      return req;
    });
    return { calls, wire: o.wire };
  });
});

// ---------------------------------------------------------------------------
// Responses

test('1xx informational: 102 and 103 (with headers) before 200', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [[
      'HTTP/1.1 102 Processing\r\n\r\n', 20,
      'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nLink: </app.js>; rel=preload\r\n\r\n', 20,
      ok('final'),
    ]], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a });
      req.end();
      return req;
    });
    return o.state;
  });
});

test('1xx informational in one packet with the final response', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nX-Hint: 1\r\n\r\n' + ok('x'),
    ], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a });
      req.end();
      return req;
    });
    return o.state;
  });
});

test('response headers: duplicate rules, rawHeaders, statusMessage', async (t) => {
  await same(t, async (http, ctx) => {
    const head = 'HTTP/1.1 201 Created Just Now\r\n' +
      'Set-Cookie: a=1\r\nset-cookie: b=2\r\n' +
      'Content-Type: text/a\r\ncontent-type: text/b\r\n' +
      'X-Multi: 1\r\nx-multi: 2\r\nX-MULTI: 3\r\n' +
      'Cookie: c=1\r\nCookie: d=2\r\n' +
      'Age: 1\r\nAge: 2\r\nHost: h1\r\nHost: h2\r\nFrom: f\r\nfrom: g\r\n' +
      'Empty:\r\nSpaces:   padded   \r\nCONTENT-LENGTH: 2\r\n\r\nhi';
    const o = await one(http, ctx, [head], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a });
      req.end();
      return req;
    });
    return o.state;
  });
});

test('joinDuplicateHeaders: true joins duplicates with ", "', async (t) => {
  await same(t, async (http, ctx) => {
    const head = 'HTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\nContent-Type: a\r\nContent-Type: b\r\nSet-Cookie: s=1\r\nSet-Cookie: s=2\r\nContent-Length: 0\r\n\r\n';
    const o = await one(http, ctx, [head], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a, joinDuplicateHeaders: true });
      req.end();
      return req;
    });
    return o.state;
  });
});

test('maxHeadersCount limits the response headers kept', async (t) => {
  await same(t, async (http, ctx) => {
    const head = 'HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nContent-Length: 0\r\n\r\n';
    const o = await one(http, ctx, [head], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a });
      req.maxHeadersCount = 2;
      req.end();
      return req;
    });
    return o.state;
  });
});

test('chunked response with trailers', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [[
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n',
      '3\r\nabc\r\n', 10, '4;ext=1\r\ndefg\r\n', 10,
      '0\r\nX-T: one\r\nx-t: two\r\nX-Other: o\r\n\r\n',
    ]], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a });
      req.end();
      return req;
    });
    return o.state;
  });
});

test('close-delimited body (no Content-Length, no chunked), HTTP/1.0 and 1.1', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond((req) => (req.includes('/10')
      ? ['HTTP/1.0 200 OK\r\nX: 1\r\n\r\npart1', 20, 'part2', 'END']
      : ['HTTP/1.1 200 OK\r\n\r\nbody-until-close', 20, 'END'])));
    const a = agent(http, ctx, { keepAlive: true });
    for (const p of ['/10', '/11']) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, path: p });
      const r = record(req, ctx.log, { label: p, rlabel: `res${p}` });
      req.end();
      await r.closed();
    }
    await delay(20);
    return { conns: srv.conns.length, pool: poolView(a) };
  });
});

test('HTTP/1.0 response with keep-alive header on a keep-alive agent', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok'));
    const a = agent(http, ctx, { keepAlive: true });
    for (const p of ['/a', '/b']) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, path: p });
      const r = record(req, ctx.log, { label: p, rlabel: `res${p}` });
      req.end();
      await r.closed();
      await delay(10);
      ctx.log.push(['reused', p, req.reusedSocket]);
    }
    return { conns: srv.conns.length };
  });
});

test('Connection: close in the response closes the socket', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => ok('c', { Connection: 'close' })));
    const a = agent(http, ctx, { keepAlive: true });
    for (const p of ['/a', '/b']) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, path: p });
      const r = record(req, ctx.log, { label: p, rlabel: `res${p}` });
      req.end();
      await r.closed();
      await delay(20);
      ctx.log.push(['pool', poolView(a), req.reusedSocket]);
    }
    await srv.settle(1000);
    return { conns: srv.snapshot() };
  });
});

test('204 and 304 have no body; the connection is reused', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond([
      'HTTP/1.1 204 No Content\r\nX: 1\r\n\r\n',
      'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 50\r\n\r\n',
      ok('third'),
    ]));
    const a = agent(http, ctx, { keepAlive: true });
    for (const p of ['/204', '/304', '/200']) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, path: p });
      const r = record(req, ctx.log, { label: p, rlabel: `res${p}` });
      req.end();
      await r.closed();
      await delay(10);
    }
    return { conns: srv.conns.length, wire: srv.received() };
  });
});

test('a response nobody listens for is dumped; the socket is reused', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => ok('x'.repeat(1000))));
    const a = agent(http, ctx, { keepAlive: true });
    const r1 = http.request({ host: HOST, port: srv.port, agent: a, path: '/1' });
    r1.on('close', () => ctx.log.push('r1:close'));
    r1.end();
    await onceOr(r1, 'close');
    await delay(20);
    const r2 = http.request({ host: HOST, port: srv.port, agent: a, path: '/2' });
    const rec = record(r2, ctx.log);
    r2.end();
    await rec.closed();
    return { conns: srv.conns.length, reused: r2.reusedSocket };
  });
});

test('keep-alive reuse only once the previous response was read', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond((req, i) => ok(`resp${i}-` + 'z'.repeat(100))));
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    const r1 = http.request({ host: HOST, port: srv.port, agent: a, path: '/1' });
    let res1;
    r1.on('response', (res) => { res1 = res; ctx.log.push('r1:response'); });
    r1.on('close', () => ctx.log.push('r1:close'));
    r1.end();
    await until(() => res1, 2000);
    await delay(50);
    const r2 = http.request({ host: HOST, port: srv.port, agent: a, path: '/2' });
    const rec2 = record(r2, ctx.log, { label: 'r2', rlabel: 'res2' });
    r2.end();
    await delay(50);
    ctx.log.push(['queued', poolView(a), srv.conns[0].requests.length]);
    res1.on('data', () => {});
    res1.on('end', () => ctx.log.push('res1:end'));
    await rec2.closed();
    await delay(10);
    return { conns: srv.conns.length, reused: r2.reusedSocket, pool: poolView(a) };
  });
});

test('an unread response stops reading: the server write blocks', async (t) => {
  await same(t, async (http, ctx) => {
    let blocked = null;
    let written = 0;
    let drained = null;
    let waited = false;
    const total = 64 * 1024 * 1024;
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      const chunk = Buffer.alloc(256 * 1024, 'q');
      blocked = false;
      while (written < total) {
        written += chunk.length;
        if (!conn.write(chunk)) { blocked = true; break; }
        if (written % (4 * 1024 * 1024) === 0) await delay(1);
      }
      drained = await onceOr(conn.socket, 'drain', 400);
      conn.drainedWhilePaused = drained !== null;
      waited = true;
    });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    let res;
    req.on('response', (r) => { res = r; });
    req.end();
    await until(() => res, 2000);
    await until(() => waited || written >= total, 5000);
    const conn = srv.conns[0];
    const obs = { blocked, drainedWhilePaused: conn.drainedWhilePaused };
    res.destroy();
    return obs;
  }, { timeout: 20000 });
});

test('pausing the response stops the server, resuming continues to the end', async (t) => {
  await same(t, async (http, ctx) => {
    const total = 32 * 1024 * 1024;
    let paused = null;
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      const chunk = Buffer.alloc(256 * 1024, 'r');
      let written = 0;
      while (written < total) {
        written += chunk.length;
        if (!conn.write(chunk)) {
          const d = await onceOr(conn.socket, 'drain', 5000);
          if (d === null) return;
        }
      }
    });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    let got = 0;
    let ended = false;
    req.on('response', (res) => {
      res.on('data', (d) => {
        got += d.length;
        if (paused === null && got > 1024 * 1024) {
          res.pause();
          const at = got;
          paused = false;
          setTimeout(() => { paused = got === at; res.resume(); }, 200);
        }
      });
      res.on('end', () => { ended = true; });
    });
    req.end();
    await until(() => ended, 10000);
    return { got, ended, paused };
  }, { timeout: 20000 });
});

test('reusedSocket and Agent keep-alive over three sequential requests', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond((req, i) => ok(`n${i}`)));
    const a = agent(http, ctx, { keepAlive: true });
    for (let i = 0; i < 3; i++) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, path: `/${i}` });
      const r = record(req, ctx.log, { label: `r${i}`, rlabel: `res${i}` });
      ctx.log.push(['reusedBefore', req.reusedSocket]);
      req.end();
      await r.closed();
      ctx.log.push(['reusedAfter', req.reusedSocket]);
      await delay(10);
    }
    return { conns: srv.conns.length, wire: srv.received() };
  });
});

test('request properties: path, method, host, protocol, socket, res.req', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ hostname: HOST, port, agent: a, path: '/p?q', method: 'options' });
      ctx.log.push(['initial', reqState(req), req.socket, req.res, req.agent === a]);
      req.on('response', (res) => ctx.log.push(['resReq', res.req === req, res.socket === req.socket, !!res.socket]));
      req.end();
      return req;
    });
    return o.state;
  });
});

test('insecureHTTPParser accepts what the strict parser rejects', async (t) => {
  await same(t, async (http, ctx) => {
    const bad = 'HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok';
    const srv = await scripted(ctx, respond(() => bad));
    for (const insecure of [false, true]) {
      const a = agent(http, ctx, { keepAlive: true });
      const req = http.request({ host: HOST, port: srv.port, agent: a, insecureHTTPParser: insecure });
      const r = record(req, ctx.log, { label: `i${insecure}`, rlabel: `res${insecure}` });
      req.end();
      await r.closed();
    }
    return srv.conns.length;
  });
});

test('maxHeaderSize option: a head that fits and one that does not', async (t) => {
  await same(t, async (http, ctx) => {
    const big = 'HTTP/1.1 200 OK\r\nX-Big: ' + 'v'.repeat(2000) + '\r\nContent-Length: 2\r\n\r\nok';
    const srv = await scripted(ctx, respond(() => big));
    for (const size of [4096, 1024]) {
      const a = agent(http, ctx, { keepAlive: true });
      const req = http.request({ host: HOST, port: srv.port, agent: a, maxHeaderSize: size });
      const r = record(req, ctx.log, { label: `m${size}`, rlabel: `res${size}` });
      req.end();
      await r.closed();
    }
    return srv.conns.length;
  });
});

test('upgrade: 101 with and without an upgrade listener', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nraw-bytes'));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, headers: { Connection: 'Upgrade', Upgrade: 'foo' } });
    const r = record(req, ctx.log);
    req.on('upgrade', (res, socket, head) => {
      ctx.log.push(['req:upgrade', resView(res), head.toString('latin1'), socket instanceof net.Socket]);
      socket.destroy();
    });
    req.end();
    await r.closed();
    const req2 = http.request({ host: HOST, port: srv.port, agent: a, headers: { Connection: 'Upgrade', Upgrade: 'foo' } });
    const r2 = record(req2, ctx.log, { label: 'r2', rlabel: 'res2' });
    req2.end();
    await r2.closed();
    await delay(20);
    return { wire: srv.received(), pool: poolView(a) };
  });
});

test('CONNECT: connect event with the socket and the bytes after the head', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => 'HTTP/1.1 200 Connection Established\r\n\r\ntunnel'));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'CONNECT', path: 'example.com:443' });
    const r = record(req, ctx.log);
    req.on('connect', (res, socket, head) => {
      ctx.log.push(['req:connect', resView(res), head.toString('latin1')]);
      socket.destroy();
    });
    req.end();
    await r.closed();
    return srv.received();
  });
});

test('an upgraded socket left alone does not keep the process alive once the peer closed', async (t) => {
  await same(t, async (http, ctx) => {
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const code = `
      const http = require(${JSON.stringify(mod)});
      const net = require('net');
      const srv = net.createServer((s) => s.once('data', () => {
        s.end('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: foo\\r\\nConnection: Upgrade\\r\\n\\r\\n');
      })).listen(0, '127.0.0.1', () => {
        const req = http.request({ port: srv.address().port, host: '127.0.0.1', headers: { Connection: 'Upgrade', Upgrade: 'foo' } });
        req.on('upgrade', (res, socket) => { console.log('upgrade', res.statusCode); srv.close(); });
        req.end();
      });
    `;
    const r = await ctx.spawnNode(code, { ms: 4000 });
    return { code: r.code, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr };
  });
});

test('addTrailers on a chunked request body', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a, method: 'POST', headers: { Trailer: 'X-Sum' } });
      req.write('abc');
      req.addTrailers({ 'X-Sum': '3', 'x-other': 'o' });
      req.end();
      return req;
    });
    return o.wire;
  });
});

test('user Connection: close header on a keep-alive agent closes after the response', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => OK));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, headers: { Connection: 'close' } });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await srv.settle(1000);
    return { conns: srv.snapshot(), pool: poolView(a), keepAlive: req.shouldKeepAlive };
  });
});

test('user sets both Content-Length and Transfer-Encoding', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a, method: 'POST', headers: { 'Content-Length': '3', 'Transfer-Encoding': 'chunked' } });
      req.end('abc');
      return req;
    });
    return o.wire;
  });
});

test('res.destroy() mid-body: the socket is not reused', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond((req, i) => (i === 0
      ? ['HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nfirst', 200, 'rest-of-body-xxx']
      : ok('second'))));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, path: '/1' });
    const r = record(req, ctx.log);
    req.on('response', (res) => res.once('data', () => res.destroy()));
    req.end();
    await r.closed();
    await delay(30);
    ctx.log.push(['pool', poolView(a)]);
    const r2 = http.request({ host: HOST, port: srv.port, agent: a, path: '/2' });
    const rec2 = record(r2, ctx.log, { label: 'r2', rlabel: 'res2' });
    r2.end();
    await rec2.closed();
    return { conns: srv.conns.length };
  });
});

test('res.resume() without a data listener still frees the socket', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => ok('x'.repeat(5000))));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log, { read: false });
    req.on('response', (res) => res.resume());
    req.end();
    await r.reqClosed();
    await delay(30);
    return { pool: poolView(a), res: { complete: r.res.complete, readableEnded: r.res.readableEnded, socket: r.res.socket } };
  });
});

test('response socket properties: remoteAddress/remotePort/localAddress, instanceof net.Socket', async (t) => {
  await same(t, async (http, ctx) => {
    const o = await one(http, ctx, [OK], (h, port, a) => {
      const req = h.request({ host: HOST, port, agent: a });
      req.on('response', (res) => {
        const s = res.socket;
        ctx.log.push(['sock', {
          isNetSocket: s instanceof net.Socket, remoteAddress: s.remoteAddress, remotePort: s.remotePort === port,
          remoteFamily: s.remoteFamily, localAddress: s.localAddress, sameAsReq: s === req.socket,
          encrypted: s.encrypted, readyState: s.readyState,
        }]);
      });
      req.end();
      return req;
    });
    return o.wire;
  });
});

// net binds and connects an IP host in a tick before 'socket', so the
// local address is there already; the request bytes waiting for 'connect'
// count in bytesWritten (net's _pendingData).
for (const method of ['GET', 'POST']) {
  test(`${method}: the socket's local address at 'socket', bytesWritten at 'connect'`, async (t) => {
    await same(t, async (http, ctx) => {
      const o = await one(http, ctx, [OK], (h, port) => {
        const req = h.request({ host: HOST, port, method, agent: false });
        const snap = (at, s) => {
          const { address, family, port: localPort } = s.address();
          ctx.log.push([at, {
            localAddress: s.localAddress, address, family, samePort: localPort === s.localPort,
            hasPort: localPort > 0, bytesWritten: s.bytesWritten, writableLength: s.writableLength,
            connecting: s.connecting, remoteAddress: s.remoteAddress,
          }]);
        };
        req.on('socket', (s) => {
          snap('socket', s);
          s.on('connect', () => snap('connect', s));
        });
        req.on('response', () => snap('response', req.socket));
        req.end(method === 'POST' ? 'abc' : undefined);
        return req;
      }, { agentOpts: false });
      return o.wire;
    });
  });
}

test('a request with a body to a server that answers before reading it', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitFor('\r\n\r\n');
      conn.write(ok('early'));
    });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'POST' });
    const r = record(req, ctx.log);
    req.write('part1');
    await onceOr(req, 'response', 2000);
    await delay(30);
    req.end('part2');
    await r.closed();
    await delay(30);
    return { pool: poolView(a), wire: srv.received() };
  });
});

test('a socket paused before it connects reads nothing until resumed', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond([ok('paused-body')]));
    const req = http.request({ host: HOST, port: srv.port, agent: false });
    let sock;
    req.on('socket', (s) => { sock = s; ctx.log.push(['connecting', s.connecting]); s.pause(); });
    let res = null;
    req.on('response', (r) => { res = r; });
    req.end();
    await delay(200);
    ctx.log.push(['response while paused', res !== null]);
    sock.resume();
    await until(() => res, 2000);
    const body = [];
    res.on('data', (d) => body.push(d));
    await onceOr(res, 'end', 2000);
    return { body: Buffer.concat(body).toString() };
  });
});
