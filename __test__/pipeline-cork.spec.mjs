// Differential tests for the corked pipeline (REQ_PIPELINED, Socket
// _rhttpCorkForTick, Conn::cork/uncork): when a client pipelines, rhttp
// holds a turn's responses in Rust and sends them in one writev at the end
// of the turn (or on end/destroy). Whatever the handler does within that
// turn, a raw peer and the user must observe what they observe with core.

import test from 'ava';
import {
  same, delay, get, withTimeout,
} from './helpers/diff.mjs';

async function serve(ctx, optsOrHandler, handler) {
  const server = handler === undefined ? ctx.server(optsOrHandler) : ctx.server(optsOrHandler, handler);
  const port = await ctx.listen(server);
  return { server, port };
}

const pipelined = (n, last = {}, opts) => Array.from({ length: n },
  (_, i) => get(`/${i}`, i === n - 1 ? last : {}, opts)).join('');

const count = (text) => (text.match(/HTTP\/1\.[01] \d{3}/g) || []).length;

// ---------------------------------------------------------------------------
// Destroying the socket in the corked turn: bytes already "written" must go.
// Conn::destroy sends every buffer the cork held (one per write) as far as
// the kernel takes them; a first version sent one writev of at most 64
// buffers and the peer lost responses core delivered.

const closers = {
  'socket.destroy()': (server, req) => req.socket.destroy(),
  'server.closeIdleConnections()': (server) => server.closeIdleConnections(),
  'server.closeAllConnections()': (server) => server.closeAllConnections(),
};

for (const [how, close] of Object.entries(closers)) {
  test(`many pipelined: ${how} when the 100th response finishes`, async (t) => {
    const node = await same(t, async (http, ctx) => {
      const { server, port } = await serve(ctx, (req, res) => {
        res.end(`r ${req.url}`);
        if (req.url === '/99') res.on('finish', () => close(server, req));
      });
      const snap = await ctx.raw(port, pipelined(100), { ms: 3000 });
      return { responses: count(snap.data), closed: snap.closed, tail: snap.data.slice(-40) };
    });
    t.is(node.result.responses, 100);
  });
}

test('many pipelined: Connection: close on the 100th request', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => res.end(`r ${req.url}`));
    const snap = await ctx.raw(port, pipelined(100, { Connection: 'close' }), { ms: 3000 });
    return { responses: count(snap.data), closed: snap.closed, ended: snap.ended };
  });
  t.is(node.result.responses, 100);
});

test('many pipelined: socket.end() then socket.destroy() when the 100th response finishes', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      res.end(`r ${req.url}`);
      if (req.url === '/99') res.on('finish', () => { req.socket.end(); req.socket.destroy(); });
    });
    const snap = await ctx.raw(port, pipelined(100), { ms: 3000 });
    return { responses: count(snap.data), closed: snap.closed };
  });
  t.is(node.result.responses, 100);
});

test('pipelined: chunked responses of many small writes, socket.destroy() at the end', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      if (req.url !== '/0') { res.end(`r ${req.url}`); return; }
      let i = 0;
      const step = () => {
        if (i++ < 80) { res.write(`c${i};`); process.nextTick(step); return; }
        res.end('.');
        res.on('finish', () => req.socket.destroy());
      };
      step();
    });
    const snap = await ctx.raw(port, pipelined(2), { ms: 3000 });
    return { ...snap, len: snap.data.length };
  });
  t.regex(node.result.data, /c80;\r\n1\r\n\.\r\n0\r\n\r\n/);
});

test('pipelined (16): socket.destroy() when the last response finishes', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      res.end(`r ${req.url}`);
      if (req.url === '/15') res.on('finish', () => req.socket.destroy());
    });
    return ctx.raw(port, pipelined(16), { ms: 3000 });
  });
  t.is(count(node.result.data), 16);
});

test('many pipelined: 150 requests, every response arrives in order', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => res.end(`r ${req.url}`));
    const snap = await ctx.raw(port, pipelined(150), { until: { responses: 150 }, ms: 4000, settle: 20 });
    return { responses: count(snap.data), order: [...snap.data.matchAll(/r \/(\d+)/g)].map((m) => +m[1]).join(',') };
  });
  t.is(node.result.responses, 150);
});

// ---------------------------------------------------------------------------
// FIN in the same read as the request(s)

test('FIN with the request: an async handler answers after an await', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, async (req, res) => {
      req.on('end', () => ctx.push('req end'));
      req.resume();
      await null;
      ctx.push(['answer', res.socket ? res.socket.writable : null]);
      res.end('ok');
    });
    return ctx.raw(port, get('/'), { end: true });
  });
  t.regex(node.result.data, /ok$/);
});

test('FIN with pipelined requests: answered from a microtask', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      queueMicrotask(() => res.end(`r ${req.url}`));
    });
    return ctx.raw(port, pipelined(3), { end: true });
  });
  t.regex(node.result.data, /r \/0/);
});

test('FIN with pipelined requests: answered from nextTick', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      process.nextTick(() => res.end(`r ${req.url}`));
    });
    return ctx.raw(port, pipelined(3), { end: true });
  });
  t.regex(node.result.data, /r \/0/);
});

// ---------------------------------------------------------------------------
// Answering later in the turn, and from the socket directly

test('pipelined: answers from nextTick, microtask and setImmediate mixed', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      const n = +req.url.slice(1);
      const answer = () => res.end(`r ${req.url}`);
      if (n % 3 === 0) process.nextTick(answer);
      else if (n % 3 === 1) Promise.resolve().then(answer);
      else setImmediate(answer);
    });
    return ctx.raw(port, pipelined(9), { until: { responses: 9 }, settle: 20 });
  });
});

test('pipelined: socket.write of a raw response and bytesWritten', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      if (req.url === '/1') {
        const ok = req.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nraw');
        ctx.push(['socket.write', ok, req.socket.bytesWritten, req.socket.writableLength]);
      }
      res.end(`r ${req.url}`, () => ctx.push(['end cb', req.url, res.socket && res.socket.bytesWritten]));
      res.on('finish', () => ctx.push(['finish', req.url, res.writableFinished]));
    });
    return ctx.raw(port, pipelined(3), { until: 100 });
  });
});

test('pipelined: res.write streaming, return values and drain', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      if (req.url !== '/0') { res.end(`r ${req.url}`); return; }
      const rets = [];
      for (let i = 0; i < 6; i++) rets.push(res.write('y'.repeat(16 * 1024)));
      res.on('drain', () => ctx.push('drain'));
      ctx.push(['rets', rets, res.writableLength, res.writableNeedDrain]);
      setImmediate(() => { ctx.push(['later', res.writableLength, res.writableNeedDrain]); res.end(); });
    });
    const snap = await ctx.raw(port, pipelined(2), { until: { responses: 2 }, ms: 3000, settle: 20 });
    return { ...snap, data: snap.data.replace(/y{100,}/g, (m) => `<${m.length}y>`) };
  });
});

// ---------------------------------------------------------------------------
// Connection semantics in a pipeline

test('pipelined HTTP/1.0 requests (no keep-alive)', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push(['req', req.url]);
      res.end(`r ${req.url}`);
    });
    return ctx.raw(port, pipelined(3, {}, { version: '1.0' }));
  });
});

test('pipelined: Connection: close on the middle request', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push(['req', req.url]);
      res.end(`r ${req.url}`);
    });
    return ctx.raw(port, get('/0') + get('/1', { Connection: 'close' }) + get('/2'));
  });
});

test('pipelined: response with Connection: close set by the handler', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push(['req', req.url]);
      if (req.url === '/1') res.setHeader('Connection', 'close');
      res.end(`r ${req.url}`);
    });
    return ctx.raw(port, pipelined(3));
  });
});

test('pipelined: server.maxRequestsPerSocket = 2', async (t) => {
  await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => {
      ctx.push(['req', req.url]);
      res.end(`r ${req.url}`);
    });
    server.maxRequestsPerSocket = 2;
    return ctx.raw(port, pipelined(4), { until: 300 });
  });
});

test('pipelined: Expect: 100-continue behind a bodiless request', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push(['req', req.url]);
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => res.end(`r ${req.url} ${body}`));
    });
    return ctx.raw(port, [
      get('/0') + get('/1', { Expect: '100-continue', 'Content-Length': 3 }, { method: 'POST' }),
      50, 'abc' + get('/2', { Connection: 'close' }),
    ], { ms: 2000 });
  });
});

test('pipelined: upgrade request behind a normal one', async (t) => {
  await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => res.end(`r ${req.url}`));
    server.on('upgrade', (req, socket, head) => {
      ctx.push(['upgrade', req.url, head.toString()]);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d) => socket.write(`echo:${d}`));
      socket.on('end', () => socket.end());
    });
    return ctx.raw(port, [get('/0') + get('/1') + get('/up', { Upgrade: 'x', Connection: 'Upgrade' }) + 'tail',
      50, 'more'], { until: 'echo:more', settle: 20 });
  });
});

test('pipelined: a malformed request behind valid ones', async (t) => {
  await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => res.end(`r ${req.url}`));
    server.on('clientError', (err, socket) => {
      ctx.push(['clientError', err.code]);
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    return ctx.raw(port, pipelined(2) + 'GARBAGE\r\n\r\n');
  });
});

test('pipelined: a malformed request behind valid ones, default clientError', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => res.end(`r ${req.url}`));
    return ctx.raw(port, pipelined(2) + 'GARBAGE\r\n\r\n');
  });
});

// ---------------------------------------------------------------------------
// A large response in the corked turn, the peer slow to read

test('pipelined: responses past the cork limit to a paused client', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      res.on('finish', () => ctx.push(['finish', req.url]));
      res.end(req.url === '/0' ? 'a'.repeat(40000) : 'b'.repeat(40000));
    });
    const c = ctx.connect(port);
    await withTimeout(c.connected, 2000, 'connect');
    c.pause();
    c.write(pipelined(4));
    await delay(100);
    c.resume();
    await c.waitResponses(4, 3000);
    await delay(20);
    return { responses: count(c.text), len: c.raw.length };
  });
});

// ---------------------------------------------------------------------------
// The peer goes away with responses held

test('pipelined: the peer closes right after sending, handler answers in the turn', async (t) => {
  await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => {
      ctx.push(['req', req.url]);
      res.on('finish', () => ctx.push(['finish', req.url]));
      res.on('close', () => ctx.push(['res close', req.url]));
      res.end(`r ${req.url}`);
    });
    server.on('clientError', (err) => ctx.push(['clientError', err.code]));
    const c = ctx.connect(port);
    await withTimeout(c.connected, 2000, 'connect');
    c.write(pipelined(3));
    c.end();
    await c.waitClose(2000);
    await delay(50);
    return c.snapshot();
  });
});

// Peers that reset right after sending, and a known difference:
// test.failing passes while rhttp still differs, and fails once it matches
// core — then make it a plain test. Pipelined, core finishes a response
// queued behind another in a later loop turn (its libuv write completes
// then), after the reset; rhttp's write completes at once.
/** Records server events while a peer sends `bytes` and resets at once. */
function resetRightAfter(bytes) {
  return async (http, ctx) => {
    let closed;
    const socketClosed = new Promise((resolve) => { closed = resolve; });
    const { server, port } = await serve(ctx, (req, res) => {
      ctx.push(['req', req.url]);
      res.on('finish', () => ctx.push(['finish', req.url]));
      res.on('close', () => ctx.push(['res close', req.url]));
      req.socket.on('error', (e) => ctx.push(['socket error', e.code]));
      req.socket.on('close', closed);
      res.end(`r ${req.url}`);
    });
    server.on('clientError', (err) => ctx.push(['clientError', err.code]));
    const c = ctx.connect(port);
    await withTimeout(c.connected, 2000, 'connect');
    c.write(bytes);
    c.socket.resetAndDestroy();
    // The reset reaches the server's socket a while later on a loaded
    // machine: wait for that socket to close, not a fixed time.
    await withTimeout(socketClosed, 3000, 'the server socket to close');
    await delay(20);
    return null;
  };
}

test.failing('pipelined: the peer resets right after sending: a response queued behind another finishes before the reset (core: after)', async (t) => {
  await same(t, resetRightAfter(pipelined(3)));
});

// More on throwing handlers in callback-errors.spec.mjs.
test('pipelined: a request handler that throws (child process; not cork-specific)', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { nodeHttp: core, RHTTP_PATH: rpath } = await import('./helpers/diff.mjs');
    const mod = http === core ? 'node:http' : rpath;
    const code = `
      const http = require(${JSON.stringify(mod)});
      const net = require('node:net');
      process.on('uncaughtException', (err) => console.log('uncaught ' + err.message));
      const s = http.createServer((req, res) => {
        console.log('req ' + req.url);
        res.end('r ' + req.url);
        if (req.url === '/1') throw new Error('boom');
      });
      s.listen(0, '127.0.0.1', () => {
        const c = net.connect(s.address().port, '127.0.0.1');
        let got = '';
        c.on('data', (d) => { got += d; });
        c.on('close', () => { console.log(JSON.stringify(got.replace(/Date: [^\\r]*/g, 'Date: X'))); process.exit(0); });
        c.write(${JSON.stringify(pipelined(3))});
        setTimeout(() => { console.log(JSON.stringify(got.replace(/Date: [^\\r]*/g, 'Date: X'))); process.exit(0); }, 300);
      });
    `;
    const r = await ctx.spawnNode(code, { ms: 3000 });
    return { code: r.code, timedOut: r.timedOut, stdout: r.stdout };
  }, { timeout: 10000 });
  t.is(node.result.code, 0);
});

test('control (not pipelined): one request, the peer resets right after sending', async (t) => {
  await same(t, resetRightAfter(get('/0')));
});
