// The client parsers' free list (lib/http_parser.js
// FreeList, generation counter, initialize() resetting a pooled native
// parser): keep-alive reuse, parsers freed by upgrades, CONNECT, aborts and
// parse errors and then reused, two responses in one chunk.
//
// The native parser's result array may end in holes (it is created with a
// capacity): the dispatch loop must stop there, or a keep-alive socket's
// next response is never read.

import anyTest from 'ava';
import { createRequire } from 'node:module';
import { same, delay, HOST, nodeHttp } from './helpers/diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');

const test = anyTest.serial;

/** A raw server answering each request by its path from `replies` (a
 * string, or a function (conn) => void for scripted replies). Requests are
 * framed by their head only (no request bodies here). */
async function rawServer(ctx, replies) {
  const conns = new Set();
  ctx.defer(() => { for (const c of conns) c.destroy(); });
  const server = net.createServer((conn) => {
    conns.add(conn);
    conn.on('close', () => conns.delete(conn));
    let buf = '';
    conn.on('error', () => {});
    conn.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const [method, url] = head.split(' ');
        const r = replies[url];
        if (typeof r === 'function') r(conn, method);
        else conn.write(Buffer.from(r, 'latin1'));
      }
    });
  });
  ctx.track(server);
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return server.address().port;
}

/** Runs one request and logs what user code sees; resolves when it is over. */
function run(http, ctx, parserIds, opts, { onResponse, readBody = true } = {}) {
  return new Promise((resolve) => {
    const entry = { path: opts.path, events: [] };
    ctx.push(entry);
    const ev = (e) => entry.events.push(e);
    const req = http.request(opts);
    const idOf = (p) => {
      if (!p) return null;
      if (!parserIds.has(p)) parserIds.set(p, parserIds.size);
      return parserIds.get(p);
    };
    let settled = false;
    const done = () => { if (!settled) { settled = true; setTimeout(resolve, 20); } };
    req.on('socket', () => ev(['socket', idOf(req.parser)]));
    req.on('information', (i) => ev(['information', i.statusCode, idOf(req.parser)]));
    req.on('response', (res) => {
      ev(['response', res.statusCode, res.headers, idOf(req.parser)]);
      if (onResponse) onResponse(req, res, ev);
      const body = [];
      if (readBody) res.on('data', (d) => body.push(d));
      res.on('end', () => ev(['end', Buffer.concat(body).toString('latin1'), res.trailers, res.complete]));
      res.on('aborted', () => ev(['aborted']));
      res.on('error', (e) => ev(['res error', e.code]));
      res.on('close', () => { ev(['res close']); done(); });
    });
    req.on('upgrade', (res, socket, head) => {
      ev(['upgrade', res.statusCode, head.toString('latin1'), req.parser === null]);
      socket.destroy();
      done();
    });
    req.on('connect', (res, socket, head) => {
      ev(['connect', res.statusCode, head.toString('latin1'), req.parser === null]);
      socket.destroy();
      done();
    });
    req.on('error', (e) => { ev(['error', e.code, e.message]); });
    req.on('close', () => { ev(['req close']); setTimeout(done, 50); });
    setTimeout(done, 2000);
    req.end();
  });
}

const CHUNKED_TRAILERS = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n'
  + '3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: done\r\n\r\n';

test('one keep-alive socket, every kind of response: the parser is reused as core\'s and parses each right', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const port = await rawServer(ctx, {
      '/chunked': CHUNKED_TRAILERS,
      '/head': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n',
      '/204': 'HTTP/1.1 204 No Content\r\n\r\n',
      '/304': 'HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n',
      '/cl': 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody',
      '/early': 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      '/split': (conn) => {
        conn.write('HTTP/1.1 200 OK\r\nContent-');
        setTimeout(() => conn.write('Length: 3\r\n\r\nx'), 20);
        setTimeout(() => conn.write('yz'), 40);
      },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => agent.destroy());
    const ids = new Map();
    for (const [path, method] of [['/chunked'], ['/head', 'HEAD'], ['/204'], ['/304'], ['/cl'], ['/early'], ['/split'], ['/chunked']]) {
      await run(http, ctx, ids, { host: HOST, port, agent, path, method: method || 'GET' });
    }
    agent.destroy();
    return { parsers: ids.size };
  });
  t.is(node.result.parsers, 1);
});

test('parsers freed by an upgrade, CONNECT, aborts mid-head and mid-body and a parse error are reused cleanly', async (t) => {
  await same(t, async (http, ctx) => {
    const port = await rawServer(ctx, {
      '/upgrade': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nEXTRA-BYTES',
      [`${HOST}:1`]: 'HTTP/1.1 200 Connection Established\r\n\r\nTUNNEL',
      '/mid-head': 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Partial: ',
      '/mid-body': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789',
      '/mid-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n01234',
      '/bad': 'HTTP/1.1 abc\r\n\r\n',
      '/chunked': CHUNKED_TRAILERS,
      '/cl': 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody',
      '/head': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n',
    });
    const ids = new Map();
    const base = { host: HOST, port, agent: false };
    await run(http, ctx, ids, { ...base, path: '/upgrade', headers: { Connection: 'Upgrade', Upgrade: 'x' } });
    await run(http, ctx, ids, { ...base, method: 'CONNECT', path: `${HOST}:1` });
    // Abort while the head is incomplete: the request is destroyed after 100 ms.
    await new Promise((resolve) => {
      const req = http.request({ ...base, path: '/mid-head' });
      req.on('error', (e) => { ctx.push(['mid-head error', e.code]); });
      req.on('close', () => setTimeout(resolve, 20));
      req.end();
      setTimeout(() => req.destroy(), 100);
    });
    await run(http, ctx, ids, { ...base, path: '/mid-body' }, {
      onResponse: (req, res) => res.once('data', () => setTimeout(() => req.destroy(), 20)),
    });
    await run(http, ctx, ids, { ...base, path: '/mid-chunk' }, {
      onResponse: (req, res) => res.once('data', () => setTimeout(() => req.destroy(), 20)),
    });
    await run(http, ctx, ids, { ...base, path: '/bad' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => agent.destroy());
    for (const [path, method] of [['/chunked'], ['/cl'], ['/head', 'HEAD'], ['/chunked']]) {
      await run(http, ctx, ids, { host: HOST, port, agent, path, method: method || 'GET' });
    }
    agent.destroy();
    return {};
  }, { timeout: 12000 });
});

test('two responses in one chunk, a response handler that destroys the request; the next request still parses', async (t) => {
  await same(t, async (http, ctx) => {
    const port = await rawServer(ctx, {
      '/double': 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb',
      '/destroy-in-response': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb',
      '/cl': 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody',
    });
    const ids = new Map();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => agent.destroy());
    await run(http, ctx, ids, { host: HOST, port, agent, path: '/double' });
    await run(http, ctx, ids, { host: HOST, port, agent, path: '/cl' });
    await run(http, ctx, ids, { host: HOST, port, agent, path: '/destroy-in-response' }, {
      onResponse: (req) => req.destroy(),
    });
    await run(http, ctx, ids, { host: HOST, port, agent, path: '/cl' });
    await run(http, ctx, ids, { host: HOST, port, agent, path: '/cl' });
    agent.destroy();
    return {};
  });
});

// FINDING (minor): http.setMaxIdleHTTPParsers(max) sizes core's parser
// FreeList (_http_common parsers.max). rhttp now has a FreeList of its own
// (lib/http_parser.js `parsers`, max 1000) but index.js
// setMaxIdleHTTPParsers still only validates its argument, so the knob has
// no effect on the pool (each pooled parser keeps its native half).
test('setMaxIdleHTTPParsers sizes the client parser free list', (t) => {
  const rhttp = require('../index.js');
  const { parsers } = require('../lib/http_parser.js');
  const coreParsers = require('_http_common').parsers;
  const before = [coreParsers.max, parsers.max];
  try {
    nodeHttp.setMaxIdleHTTPParsers(7);
    rhttp.setMaxIdleHTTPParsers(7);
    t.deepEqual({ name: parsers.name, max: parsers.max }, { name: coreParsers.name, max: coreParsers.max });
  } finally {
    coreParsers.max = before[0];
    parsers.max = before[1];
  }
});
