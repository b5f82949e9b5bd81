// Differential tests for http.IncomingMessage on the server (properties,
// headers, streaming, trailers, aborts) and for the connection lifecycle
// (keep-alive timeout, closing connections, ref/unref). Each scenario runs
// against node:http and rhttp; the recordings must match.

import test from 'ava';
import { createRequire } from 'node:module';
import {
  same, delay, describeError, get, withTimeout, RHTTP_PATH, nodeHttp,
} from './helpers/diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');
const { Readable, Writable } = require('node:stream');

async function serve(ctx, optsOrHandler, handler) {
  const server = handler === undefined ? ctx.server(optsOrHandler) : ctx.server(optsOrHandler, handler);
  const port = await ctx.listen(server);
  return { server, port };
}

const chunkedBody = (...parts) => parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('');

// ---------------------------------------------------------------------------
// IncomingMessage properties and headers

test('request properties: method, url, httpVersion, complete, socket, readable state', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      const snap = (when) => ctx.push([when, {
        complete: req.complete, aborted: req.aborted, readable: req.readable,
        readableEnded: req.readableEnded, destroyed: req.destroyed,
      }]);
      ctx.push({
        method: req.method, url: req.url, httpVersion: req.httpVersion,
        major: req.httpVersionMajor, minor: req.httpVersionMinor,
        isReadable: req instanceof Readable, isIncoming: req instanceof http.IncomingMessage,
        socketIsNet: req.socket instanceof net.Socket, connectionSame: req.connection === req.socket,
        statusCode: req.statusCode, statusMessage: req.statusMessage, upgrade: req.upgrade,
        readableHighWaterMark: req.readableHighWaterMark, readableObjectMode: req.readableObjectMode,
        readableFlowing: req.readableFlowing,
      });
      snap('handler');
      req.on('end', () => snap('end'));
      req.on('close', () => snap('close'));
      req.resume();
      res.end();
    });
    await ctx.raw(port, get('/path?x=1&y=%20#frag', { Connection: 'close' }));
    await ctx.raw(port, 'OPTIONS * HTTP/1.0\r\n\r\n');
    await ctx.raw(port, get('/a', { 'Content-Length': 3, Connection: 'close' }, { method: 'DELETE', body: 'abc' }));
    await delay(20);
  });
  t.is(node.log[0].url, '/path?x=1&y=%20#frag');
});

test('request headers: duplicate rules, headersDistinct, rawHeaders case and order', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push({ headers: req.headers, distinct: req.headersDistinct, raw: req.rawHeaders,
        proto: Object.getPrototypeOf(req.headers) === Object.prototype });
      res.end();
    });
    await ctx.raw(port,
      'GET / HTTP/1.1\r\n' +
      'Host: first.example\r\n' +
      'host: second.example\r\n' +
      'Content-Type: text/a\r\n' +
      'content-type: text/b\r\n' +
      'User-Agent: ua1\r\n' +
      'USER-AGENT: ua2\r\n' +
      'Set-Cookie: a=1\r\n' +
      'set-cookie: b=2\r\n' +
      'Cookie: c=1\r\n' +
      'cookie: d=2\r\n' +
      'X-Custom: 1\r\n' +
      'x-custom: 2\r\n' +
      'Accept: a\r\n' +
      'Accept: b\r\n' +
      'Authorization: one\r\n' +
      'Authorization: two\r\n' +
      'Referer: r1\r\n' +
      'Referer: r2\r\n' +
      'Content-Length: 0\r\n' +
      'X-Empty:\r\n' +
      'X-Spaces:   padded value   \r\n' +
      'Connection: close\r\n' +
      '\r\n');
  });
  t.deepEqual(node.log[0].headers['set-cookie'], ['a=1', 'b=2']);
  t.is(node.log[0].headers['content-type'], 'text/a');
});

test('request body: pipe into a Writable', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      const chunks = [];
      const sink = new Writable({ write(c, e, cb) { chunks.push(Buffer.from(c).toString()); cb(); } });
      sink.on('finish', () => { ctx.push(['piped', chunks.join('')]); res.end(`len=${chunks.join('').length}`); });
      req.on('end', () => ctx.push('req end'));
      req.pipe(sink);
    });
    return ctx.raw(port, [
      get('/', { 'Content-Length': 11, Connection: 'close' }, { method: 'POST', body: 'hello' }), 30, ' world',
    ]);
  });
  t.deepEqual(node.log.find((e) => e[0] === 'piped'), ['piped', 'hello world']);
});

test('request body: async iteration over a chunked body', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      ctx.push(['iterated', body, req.complete, req.readableEnded]);
      res.end(body.toUpperCase());
    });
    return ctx.raw(port, [
      get('/', { 'Transfer-Encoding': 'chunked', Connection: 'close' }, { method: 'POST' }),
      chunkedBody('abc'), 20, chunkedBody('def', 'g'), 20, '0\r\n\r\n',
    ]);
  });
  t.is(node.log[0][1], 'abcdefg');
});

test('request body: setEncoding joins a multibyte character split across packets', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      const ret = req.setEncoding('utf8');
      ctx.push(['returnsReq', ret === req]);
      const parts = [];
      req.on('data', (d) => parts.push(typeof d === 'string' ? d : 'buffer!'));
      req.on('end', () => { ctx.push(['text', parts.join('')]); res.end(); });
    });
    const euro = Buffer.from('€'); // 3 bytes
    return ctx.raw(port, [
      get('/', { 'Content-Length': 5, Connection: 'close' }, { method: 'POST', body: 'a' }),
      30, euro.subarray(0, 1), 30, euro.subarray(1), 30, 'b',
    ]);
  });
  t.deepEqual(node.log[1], ['text', 'a€b']);
});

test('request body: pause and resume', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      let total = 0;
      let paused = false;
      req.on('data', (d) => {
        total += d.length;
        if (!paused) {
          paused = true;
          req.pause();
          ctx.push(['paused', req.isPaused(), req.readableFlowing]);
          setTimeout(() => { ctx.push(['resume', req.resume() === req, req.isPaused(), req.readableFlowing]); }, 100);
        }
      });
      req.on('end', () => { ctx.push(['end', total]); res.end(String(total)); });
    });
    return ctx.raw(port, [
      get('/', { 'Content-Length': 200000, Connection: 'close' }, { method: 'POST' }),
      'x'.repeat(100000), 20, 'y'.repeat(100000),
    ], { ms: 4000 });
  });
  t.deepEqual(node.log.at(-1), ['end', 200000]);
});

test('chunked request with trailers: trailers, rawTrailers, trailersDistinct', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push(['before', req.trailers, req.rawTrailers, req.trailersDistinct]);
      req.resume();
      req.on('end', () => {
        ctx.push(['after', req.trailers, req.rawTrailers, req.trailersDistinct, req.complete]);
        res.end();
      });
    });
    return ctx.raw(port, [
      get('/', { 'Transfer-Encoding': 'chunked', Trailer: 'X-Sum, X-Dup', Connection: 'close' }, { method: 'POST' }),
      chunkedBody('data'),
      '0\r\nX-Sum: 123\r\nx-dup: a\r\nX-Dup: b\r\nSet-Cookie: t=1\r\n\r\n',
    ]);
  });
  t.is(node.log[1][1]['x-sum'], '123');
});

test('request with a body that the handler never reads: keep-alive continues', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push(['request', req.url]);
      res.end(`r${req.url}`);
    });
    return ctx.raw(port,
      get('/1', { 'Content-Length': 5 }, { method: 'POST', body: 'ignor' }) + get('/2', { Connection: 'close' }));
  });
  t.deepEqual(node.log, [['request', '/1'], ['request', '/2']]);
});

test('req.setTimeout(ms, cb): returns req, fires on an idle request', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      const ret = req.setTimeout(100, (...args) => {
        ctx.push(['req timeout cb', args.length, args[0] instanceof net.Socket]);
        res.end('late');
      });
      ctx.push(['returnsReq', ret === req]);
    });
    return ctx.raw(port, get('/', { 'Content-Length': 10, Connection: 'close' }, { method: 'POST', body: 'part' }), { ms: 3000 });
  });
  t.true(node.log.some((e) => e[0] === 'req timeout cb'));
});

test('req.destroy(err): events on req and res, client sees the connection close', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => {
      ctx.record(req, 'req', ['error', 'close', 'aborted', 'end'], (ev, a) => (ev === 'error' ? describeError(a) : undefined));
      ctx.record(res, 'res', ['error', 'close', 'finish'], (ev, a) => (ev === 'error' ? describeError(a) : undefined));
      const ret = req.destroy(new Error('stop'));
      ctx.push(['returnsReq', ret === req, req.destroyed]);
    });
    server.on('clientError', (e) => ctx.push(['clientError', describeError(e)]));
    const raw = await ctx.raw(port, get('/', { 'Content-Length': 10 }, { method: 'POST', body: 'part' }));
    await delay(30);
    return raw;
  });
  t.true(node.result.closed);
});

test('client disconnects mid-body: aborted, error and close events in order', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const seen = new Promise((resolve) => {
      ctx.server((req, res) => {
        ctx.record(req, 'req', ['aborted', 'error', 'close', 'end'], (ev, a) => (ev === 'error' ? describeError(a) : undefined));
        ctx.record(res, 'res', ['close', 'finish', 'error']);
        req.on('data', () => {});
        req.on('close', () => {
          ctx.push(['state', { aborted: req.aborted, complete: req.complete, destroyed: req.destroyed,
            resFinished: res.writableFinished, resDestroyed: res.destroyed }]);
          setTimeout(resolve, 30);
        });
        ctx.push('request');
      });
    });
    const server = [...ctx._servers][0];
    const port = await ctx.listen(server);
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/', { 'Content-Length': 100 }, { method: 'POST', body: 'only a part' }));
    await delay(50);
    c.destroy();
    await withTimeout(seen, 2000, 'req close');
  });
  t.true(node.log.includes('req:aborted'));
});

test('client disconnects before the response: res close with writableFinished false', async (t) => {
  const node = await same(t, async (http, ctx) => {
    let done;
    const finished = new Promise((resolve) => { done = resolve; });
    const { port } = await serve(ctx, (req, res) => {
      ctx.record(req, 'req', ['aborted', 'close', 'end']);
      res.on('close', () => {
        ctx.push(['res close', res.writableFinished, res.writableEnded, res.headersSent]);
        setTimeout(done, 20);
      });
      req.resume();
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/'));
    await delay(50);
    c.destroy();
    await withTimeout(finished, 2000, 'res close');
  });
  t.true(node.log.some((e) => e[0] === 'res close'));
});

// The handler answers a turn after the request's 'end': core reads the FIN
// in a later callback, so the response goes out before socketOnEnd ends the
// socket (a timer instead of setImmediate would race the FIN in core too).
test('client half-closes right after its request: event order across req, res and socket', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const s = ctx.server();
    s.on('connection', (socket) => {
      ctx.record(socket, 'socket', ['end', 'close', 'error']);
    });
    s.on('request', (req, res) => {
      ctx.record(req, 'req', ['data', 'end', 'close', 'aborted']);
      ctx.record(res, 'res', ['finish', 'close']);
      req.on('end', () => setImmediate(() => res.end('ok')));
    });
    const port = await ctx.listen(s);
    const raw = await ctx.raw(port, get('/', { 'Content-Length': 4 }, { method: 'PUT', body: 'body' }), { until: { responses: 1 }, end: true, settle: 100 });
    return raw;
  });
  t.regex(node.result.data, /^HTTP\/1\.1 200 OK/);
});

// ---------------------------------------------------------------------------
// Connection lifecycle

test.serial('keepAliveTimeout closes an idle keep-alive connection', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, { keepAliveTimeout: 300 }, (req, res) => res.end('k'));
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/'));
    await c.waitResponses(1);
    const start = Date.now();
    await delay(100);
    const openAt100 = !c.closed;
    const closed = await c.waitClose(3000);
    const elapsed = Date.now() - start;
    // Core closes after keepAliveTimeout plus its 1s buffer.
    return { openAt100, closed, inTime: elapsed > 250 && elapsed < 2300, ...c.snapshot() };
  });
  t.true(node.result.openAt100);
  t.true(node.result.closed);
});

test.serial('the keep-alive timer restarts at each response and fires on time', async (t) => {
  // rhttp arms a timer of 1 s or more without waking the connection task
  // (it looks again within 1 s): the close must still come on time.
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, { keepAliveTimeout: 300 }, (req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('slow'), 700);
      else res.end('k');
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/slow'));
    await c.waitResponses(1, 3000);
    await delay(600);
    const openAfterFirst = !c.closed;
    c.write(get('/'));
    await c.waitResponses(2);
    const start = Date.now();
    const closed = await c.waitClose(4000);
    const elapsed = Date.now() - start;
    // keepAliveTimeout plus core's 1 s buffer, from the second response.
    return { openAfterFirst, closed, onTime: elapsed >= 1200 && elapsed < 2000, ...c.snapshot() };
  });
  t.true(node.result.openAfterFirst);
  t.true(node.result.onTime);
});

test.serial('keepAliveTimeout = 0 keeps an idle connection open (socket timeout disabled)', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, { keepAliveTimeout: 0 }, (req, res) => res.end('k'));
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/'));
    await c.waitResponses(1);
    await delay(300);
    return c.snapshot();
  });
});

test('closeIdleConnections closes idle keep-alive sockets only', async (t) => {
  const node = await same(t, async (http, ctx) => {
    let release;
    const { server, port } = await serve(ctx, (req, res) => {
      ctx.push(['request', req.url]);
      if (req.url === '/slow') release = () => res.end('slow done');
      else res.end('fast');
    });
    const idle = ctx.connect(port);
    await idle.connected;
    idle.write(get('/fast'));
    await idle.waitResponses(1);
    const busy = ctx.connect(port);
    await busy.connected;
    busy.write(get('/slow'));
    await delay(50);
    const ret = server.closeIdleConnections();
    ctx.push(['returned', ret === undefined ? 'undefined' : typeof ret]);
    const idleClosed = await idle.waitClose(500);
    ctx.push(['idle closed', idleClosed, 'busy closed', busy.closed]);
    release();
    await busy.waitResponses(1);
    await delay(50);
    return { idle: idle.snapshot(), busy: busy.snapshot() };
  });
  t.true(node.result.idle.closed);
  t.false(node.result.busy.closed);
});

test('closeAllConnections closes active and idle sockets', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => {
      ctx.push(['request', req.url]);
      if (req.url === '/fast') res.end('fast');
      else res.on('close', () => ctx.push(['slow res close', res.writableFinished]));
    });
    const idle = ctx.connect(port);
    await idle.connected;
    idle.write(get('/fast'));
    await idle.waitResponses(1);
    const busy = ctx.connect(port);
    await busy.connected;
    busy.write(get('/slow'));
    await delay(50);
    server.closeAllConnections();
    const closed = [await idle.waitClose(1000), await busy.waitClose(1000)];
    await delay(20);
    return { closed, idle: idle.snapshot(), busy: busy.snapshot(), listening: server.listening };
  });
  t.deepEqual(node.result.closed, [true, true]);
});

test('server.close() also closes idle keep-alive connections and waits for active ones', async (t) => {
  const node = await same(t, async (http, ctx) => {
    let release;
    const { server, port } = await serve(ctx, (req, res) => {
      if (req.url === '/slow') release = () => res.end('slow');
      else res.end('fast');
    });
    const idle = ctx.connect(port);
    await idle.connected;
    idle.write(get('/fast'));
    await idle.waitResponses(1);
    const busy = ctx.connect(port);
    await busy.connected;
    busy.write(get('/slow', { Connection: 'close' }));
    await delay(50);
    const closedP = new Promise((resolve) => server.close(() => { ctx.push('close cb'); resolve(); }));
    const idleClosed = await idle.waitClose(500);
    ctx.push(['idle closed', idleClosed, 'busy closed', busy.closed]);
    release();
    await busy.waitResponses(1);
    await withTimeout(closedP, 3000, 'close cb');
    await busy.waitClose(1000);
    return { idle: idle.snapshot(), busy: busy.snapshot() };
  }, { timeout: 10000 });
  t.true(node.result.idle.closed);
});

test.serial('unref: a child with an unref\'d listening server exits by itself; a ref\'d one does not', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const script = (body) => `
      const http = require(${JSON.stringify(mod)});
      const s = http.createServer((req, res) => res.end());
      ${body}
    `;
    const run = (body) => ctx.spawnNode(script(body), { ms: 1500 }).then((r) => ({ code: r.code, timedOut: r.timedOut, stdout: r.stdout }));
    return {
      unrefAfterListen: await run("s.listen(0, '127.0.0.1', () => { console.log('listening', s.unref() === s); });"),
      unrefBeforeListen: await run("s.unref(); s.listen(0, '127.0.0.1', () => console.log('listening'));"),
      listening: await run("s.listen(0, '127.0.0.1', () => console.log('listening'));"),
      refAgain: await run("s.listen(0, '127.0.0.1', () => { s.unref(); console.log('ref', s.ref() === s); });"),
      closed: await run("s.listen(0, '127.0.0.1', () => s.close(() => console.log('closed')));"),
    };
  }, { timeout: 15000 });
  t.false(node.result.unrefAfterListen.timedOut);
  t.true(node.result.listening.timedOut);
});

test.serial('unref: an unref\'d server whose keep-alive connection times out lets the process exit', async (t) => {
  await same(t, async (http, ctx) => {
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const code = `
      const http = require(${JSON.stringify(mod)});
      const net = require('node:net');
      const s = http.createServer({ keepAliveTimeout: 500 }, (req, res) => res.end('x'));
      s.listen(0, '127.0.0.1', () => {
        const c = net.connect(s.address().port, '127.0.0.1');
        c.write('GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n');
        c.once('data', () => { console.log('response'); c.unref(); s.unref(); });
      });
    `;
    const r = await ctx.spawnNode(code, { ms: 3000 });
    return { code: r.code, timedOut: r.timedOut, stdout: r.stdout };
  }, { timeout: 10000 });
});

// ---------------------------------------------------------------------------
// Socket use from handlers

// Pipelined requests: rhttp holds the responses of one read's requests and
// writes them together at the end of the event-loop turn. Whatever the
// handler does after writing, the peer must get the same bytes as core's.
const pipelined = (n, last = {}) => Array.from({ length: n }, (_, i) => get(`/${i}`, i === n - 1 ? last : {})).join('');

test('pipelined requests: every response, in order, in one connection', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => res.end(`r ${req.url}`));
    return ctx.raw(port, pipelined(16), { until: { responses: 16 }, settle: 20 });
  });
  t.is((node.result.data.match(/HTTP\/1\.1 200/g) || []).length, 16);
});

test('pipelined requests: the socket destroyed after the second response', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      res.end(`r ${req.url}`);
      if (req.url === '/1') req.socket.destroy();
    });
    return ctx.raw(port, pipelined(4));
  });
  // Core had not written /1 yet (it waits for /0 to finish): only /0 arrives.
  t.regex(node.result.data, /r \/0$/);
});

test('pipelined requests: the socket destroyed a turn after the second response', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      res.end(`r ${req.url}`);
      if (req.url === '/1') setImmediate(() => req.socket.destroy());
    });
    return ctx.raw(port, pipelined(4));
  });
  t.regex(node.result.data, /r \/0[^]*r \/1/);
});

test('pipelined requests: Connection: close on the last one ends after all responses', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => res.end(`r ${req.url}`));
    return ctx.raw(port, pipelined(3, { Connection: 'close' }));
  });
});

test('pipelined requests: answered later (setImmediate, timers) and socket.end() in a handler', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      if (req.url === '/0') setImmediate(() => res.end('late 0'));
      else if (req.url === '/1') setTimeout(() => res.end('later 1'), 20);
      else {
        res.end('r 2');
        req.socket.end();
      }
    });
    return ctx.raw(port, pipelined(3));
  });
});

test('pipelined requests: a large response in the middle (past the cork limit)', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      res.end(req.url === '/1' ? 'x'.repeat(200000) : `r ${req.url}`);
    });
    const snap = await ctx.raw(port, pipelined(3), { until: { responses: 3 }, ms: 4000, settle: 20 });
    return { ...snap, data: snap.data.replace(/x{1000,}/, (m) => `<${m.length} x>`) };
  });
});

test('handler writes a raw response on req.socket and ends it', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      const s = req.socket;
      ctx.push(['write returned', s.write('HTTP/1.1 299 Raw\r\nX-Raw: 1\r\nContent-Length: 3\r\n\r\nraw')]);
      s.end();
      res.on('close', () => ctx.push(['res close', res.writableFinished]));
    });
    const raw = await ctx.raw(port, get('/'));
    await delay(20);
    return raw;
  });
  t.regex(node.result.data, /^HTTP\/1\.1 299 Raw/);
});

test('socket bytesRead and bytesWritten after a response', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      req.on('end', () => {
        res.end('0123456789', () => {
          setImmediate(() => ctx.push({ bytesRead: req.socket.bytesRead, bytesWritten: req.socket.bytesWritten }));
        });
      });
      req.resume();
    });
    const raw = await ctx.raw(port, get('/', { 'Content-Length': 4, Connection: 'close' }, { method: 'POST', body: 'abcd' }));
    await delay(20);
    return raw;
  });
  t.true(node.log[0].bytesWritten > 10);
});

test('handler destroys the socket after a partial chunked response', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      res.on('close', () => ctx.push(['res close', res.writableFinished, res.destroyed]));
      res.on('error', (e) => ctx.push(['res error', describeError(e)]));
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const raw = await ctx.raw(port, get('/'));
    await delay(20);
    return raw;
  });
});

test('request body read in paused mode with readable/read()', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      let body = '';
      req.on('readable', () => {
        let chunk;
        while ((chunk = req.read()) !== null) body += chunk;
      });
      req.on('end', () => { ctx.push(['body', body]); res.end(body.length.toString()); });
    });
    return ctx.raw(port, [
      get('/', { 'Transfer-Encoding': 'chunked', Connection: 'close' }, { method: 'POST' }),
      chunkedBody('one'), 20, chunkedBody('two'), '0\r\n\r\n',
    ]);
  });
  t.deepEqual(node.log[0], ['body', 'onetwo']);
});

test('empty chunked body and zero Content-Length: end without data', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.record(req, `req${req.url}`, ['data', 'end']);
      req.resume();
      req.on('end', () => res.end(`${req.url} ${req.complete}`));
    });
    return {
      chunked: await ctx.raw(port, get('/c', { 'Transfer-Encoding': 'chunked', Connection: 'close' }, { method: 'POST', body: '0\r\n\r\n' })),
      zero: await ctx.raw(port, get('/z', { 'Content-Length': 0, Connection: 'close' }, { method: 'POST' })),
      get: await ctx.raw(port, get('/g', { Connection: 'close' })),
    };
  });
});

test('early response before the request body is complete, then the next request', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push(['request', req.url]);
      ctx.record(req, `req${req.url}`, ['end', 'close']);
      res.statusCode = req.url === '/big' ? 413 : 200;
      res.end(`r${req.url}`);
    });
    return ctx.raw(port, [
      get('/big', { 'Content-Length': 10 }, { method: 'POST', body: 'abcde' }),
      50, 'fghij',
      get('/next', { Connection: 'close' }),
    ], { ms: 3000 });
  });
  t.true(node.log.some((e) => e[0] === 'request' && e[1] === '/big'));
});

test('keep-alive: the same socket object serves consecutive requests; getConnections counts open sockets', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const sockets = [];
    const { server, port } = await serve(ctx, (req, res) => {
      sockets.push(req.socket);
      res.end(req.url);
    });
    server.on('connection', (s) => ctx.push(['connection', sockets.length]));
    const a = ctx.connect(port);
    await a.connected;
    a.write(get('/1'));
    await a.waitResponses(1);
    a.write(get('/2'));
    await a.waitResponses(2);
    const b = ctx.connect(port);
    await b.connected;
    b.write(get('/3'));
    await b.waitResponses(1);
    const count = await withTimeout(new Promise((resolve, reject) => {
      server.getConnections((err, n) => (err ? reject(err) : resolve(n)));
    }), 1000, 'getConnections');
    a.destroy();
    await delay(50);
    const after = await withTimeout(new Promise((resolve) => server.getConnections((err, n) => resolve(n))), 1000);
    return { sameSocket: sockets[0] === sockets[1], otherSocket: sockets[0] !== sockets[2], count, after, connections: server._connections };
  });
  t.true(node.result.sameSocket);
});

test('address() is null after close', async (t) => {
  await same(t, async (http, ctx) => {
    const { server } = await serve(ctx, () => {});
    await new Promise((resolve) => server.close(resolve));
    return { address: server.address(), listening: server.listening };
  });
});
