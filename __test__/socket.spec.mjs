// The server's Socket: one object for 'connection', req.socket and
// res.socket, a real net.Socket/Duplex backed by the Rust connection.
// Differential against node:http: same scenario, same observations.

import test from 'ava';
import { createRequire } from 'node:module';
import {
  same, get, delay, tick, once, withTimeout, RHTTP_PATH,
} from './helpers/diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');
const stream = require('node:stream');
const childProcess = require('node:child_process');

async function serve(ctx, handler) {
  const server = ctx.server(handler);
  const port = await ctx.listen(server);
  return { server, port };
}

/** A raw client that sends one GET /, reads its response, then ends and
 * waits for the connection's close. */
async function getOnceAndEnd(ctx, port) {
  const c = ctx.connect(port);
  await c.connected;
  c.write(get('/'));
  await c.waitResponses(1);
  c.end();
  await c.waitClose();
  return c;
}

const PROPS = [
  'remoteAddress', 'remoteFamily', 'localAddress', 'bytesRead', 'bytesWritten',
  'readyState', 'pending', 'connecting', 'destroyed', 'encrypted', 'readable', 'writable',
  'allowHalfOpen', 'timeout', 'readableHighWaterMark', 'writableHighWaterMark',
  'writableLength', 'readableEnded', 'writableEnded', 'writableFinished', 'bufferSize',
];

/** The socket as user code sees it; ports are random, so only their type. */
function view(socket) {
  const out = {};
  for (const k of PROPS) out[k] = socket[k];
  out.remotePort = typeof socket.remotePort;
  out.localPort = typeof socket.localPort;
  const a = socket.address();
  out.address = a && { ...a, port: typeof a.port };
  out.handle = !!socket._handle;
  return out;
}

// ---------------------------------------------------------------------------
// Identity and properties

test('one socket object: connection argument, req.socket, res.socket, req.connection', async (t) => {
  const node = await same(t, async (http, ctx) => {
    let fromConnection = null;
    const { server, port } = await serve(ctx, (req, res) => {
      const s = req.socket;
      ctx.push(['identity', s === fromConnection, res.socket === s, req.connection === s,
        res.connection === s, s instanceof net.Socket, s instanceof stream.Duplex,
        s.server === server]);
      res.end('ok');
    });
    server.on('connection', (s) => { fromConnection = s; });
    return ctx.raw(port, get('/', { Connection: 'close' }));
  });
  t.deepEqual(node.log[0], ['identity', true, true, true, true, true, true, true]);
});

test('properties in the handler, after the response, and after close', async (t) => {
  const node = await same(t, async (http, ctx) => {
    let socket = null;
    const finished = new Promise((resolve) => {
      serve(ctx, (req, res) => {
        socket = req.socket;
        ctx.push(['in handler', view(socket)]);
        res.end('hello', () => resolve());
      }).then(({ port }) => {
        const c = ctx.connect(port);
        c.write(get('/'));
      });
    });
    await withTimeout(finished, 2000, 'response');
    await delay(50);
    ctx.push(['after response', view(socket)]);
    const closed = once(socket, 'close');
    socket.destroy();
    await closed;
    ctx.push(['after close', view(socket)]);
    return null;
  });
  t.true(node.log[0][1].handle);
  t.false(node.log[2][1].handle);
});

test('IPv6: remoteAddress, remoteFamily, localAddress, address()', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => {
      ctx.push(view(req.socket));
      res.end();
    });
    const port = await ctx.listen(server, 0, '::1');
    return ctx.raw({ port, host: '::1' }, get('/', { Connection: 'close' }));
  });
});

test('setNoDelay, setKeepAlive, ref, unref, pause, resume, cork, uncork return the socket', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      const s = req.socket;
      ctx.push([
        s.setNoDelay(true) === s, s.setNoDelay(false) === s, s.setNoDelay() === s,
        s.setKeepAlive(true, 1000) === s, s.setKeepAlive(false) === s,
        s.unref() === s, s.ref() === s,
        s.pause() === s, s.isPaused(), s.resume() === s, s.isPaused(),
        s.setTimeout(0) === s,
      ]);
      s.cork();
      ctx.push(['corked', s.writableCorked]);
      s.uncork();
      ctx.push(['uncorked', s.writableCorked]);
      res.end('ok');
    });
    return ctx.raw(port, get('/', { Connection: 'close' }));
  });
  t.true(node.log[0].every((x, i) => (i === 8 ? x === true : i === 10 ? x === false : x === true)));
});

test('socket.setTimeout(ms, cb) while HTTP owns the socket: timeout on socket, req and res', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      req.on('timeout', () => ctx.push('req:timeout'));
      res.on('timeout', () => ctx.push('res:timeout'));
      req.socket.setTimeout(100, () => {
        ctx.push(['socket timeout cb', req.socket.timeout]);
        res.end('late');
      });
    });
    return ctx.raw(port, get('/', { Connection: 'close' }), { ms: 3000 });
  });
});

test('bytesRead and bytesWritten count raw socket writes and every request on the connection', async (t) => {
  await same(t, async (http, ctx) => {
    let socket = null;
    const { port } = await serve(ctx, (req, res) => {
      socket = req.socket;
      if (req.url === '/raw') {
        req.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nraw');
        ctx.push(['after raw write', req.socket.bytesWritten]);
        res.detachSocket(req.socket);
        return;
      }
      ctx.push(['request', req.url, req.socket.bytesRead]);
      res.end('ü-utf8');
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/a'));
    await c.waitResponses(1);
    c.write(get('/b', { 'X-Long': 'x'.repeat(1000) }));
    await c.waitResponses(2);
    ctx.push(['counters', socket.bytesRead, socket.bytesWritten]);
    c.write(get('/raw'));
    await c.waitResponses(3);
    ctx.push(['counters', socket.bytesRead, socket.bytesWritten]);
    c.end();
    await c.waitClose();
    await new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', resolve)));
    ctx.push(['after close', socket.bytesRead, socket.bytesWritten, socket.destroyed]);
    return c.snapshot();
  });
});

test('bytesWritten counts UTF-8 string writes in bytes: multi-byte, surrogate pairs, lone surrogates', async (t) => {
  await same(t, async (http, ctx) => {
    const pieces = ['plain', 'ü', '✓✓', '\u{1F600}', '\ud800', 'x\udfffy', 'é'.repeat(5000), ''];
    const { port } = await serve(ctx, (req, res) => {
      // A Content-Length body: each write is one string chunk (chunked
      // framing would join it with the chunk's size line).
      const length = pieces.reduce((n, p) => n + Buffer.byteLength(p), 0) + 3;
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': length });
      res.flushHeaders();
      const counts = [req.socket.bytesWritten];
      for (const piece of pieces) {
        res.write(piece, 'utf8');
        counts.push(req.socket.bytesWritten);
      }
      res.end('end', 'utf-8', () => {
        counts.push(req.socket.bytesWritten);
        ctx.push(['counts', counts]);
      });
    });
    const c = await getOnceAndEnd(ctx, port);
    return c.snapshot();
  });
});

// The Rust connection is gone before JS hears of the reset: its final read
// count travels in the close record.
test('bytesRead survives a connection reset by the peer', async (t) => {
  await same(t, async (http, ctx) => {
    let closed;
    const { port } = await serve(ctx, (req, res) => {
      const s = req.socket;
      s.on('error', (e) => ctx.push(['socket error', e.code]));
      closed = new Promise((resolve) => s.on('close', () => resolve([s.bytesRead, s.bytesWritten])));
      res.write('partial');
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/'));
    await c.waitFor('partial');
    c.socket.resetAndDestroy();
    return withTimeout(closed, 2000, 'close');
  });
});

// ---------------------------------------------------------------------------
// Raw writes while HTTP owns the connection

test('a handler answers by writing raw bytes to req.socket and ending it', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      SERVER_EVENTS(ctx, req, res);
      req.socket.write('HTTP/1.1 200 OK\r\n');
      req.socket.write('Content-Length: 4\r\nConnection: close\r\n\r\n');
      req.socket.end('done');
    });
    const r = await ctx.raw(port, get('/'));
    await ctx.closed;
    return r;
  });
  t.true(node.result.data.endsWith('done'));
});

test('raw socket writes interleaved with the response', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      // A 100-continue by hand, then an ordinary response.
      res.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      res.setHeader('Content-Length', 4);
      res.write('ab');
      req.socket.write('');
      res.end('cd');
    });
    return ctx.raw(port, get('/', { Connection: 'close' }));
  });
});

test('res.socket.cork() around writeHead/write/end: one write on the wire', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      const s = res.socket;
      s.cork();
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('one ');
      res.write(Buffer.from('two '));
      res.end('three');
      ctx.push(['corked', s.writableCorked, s.writableLength > 0]);
      process.nextTick(() => s.uncork());
    });
    return ctx.raw(port, get('/', { Connection: 'close' }));
  });
});

test('socket.write() backpressure while HTTP owns the connection: false, then drain', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const total = 8 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x63);
    const written = new Promise((resolve) => {
      serve(ctx, (req, res) => {
        const s = req.socket;
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\nConnection: close\r\n\r\n`);
        let sent = 0;
        let sawFalse = false;
        let drains = 0;
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            if (!s.write(chunk)) {
              sawFalse = true;
              s.once('drain', () => { drains++; pump(); });
              return;
            }
          }
          s.end();
          resolve({ sawFalse, drained: drains > 0 });
        };
        pump();
      }).then(({ port }) => {
        const c = ctx.connect(port, { paused: true });
        c.write(get('/'));
        setTimeout(() => c.resume(), 200);
        ctx.client = c;
      });
    });
    const seen = await withTimeout(written, 5000, 'writer');
    await ctx.client.waitClose(5000);
    const body = ctx.client.raw.length - ctx.client.raw.indexOf('\r\n\r\n') - 4;
    return { seen, body };
  }, { timeout: 15000 });
  t.deepEqual(node.result, { seen: { sawFalse: true, drained: true }, body: 8 * 1024 * 1024 });
});

// ---------------------------------------------------------------------------
// Ending and destroying from a handler

/** Records what the server sees; `ctx.closed` settles when every one of
 * req, res and the socket has emitted 'close' (bounded by the scenario). */
const SERVER_EVENTS = (ctx, req, res) => {
  ctx.record(req, 'req', ['end', 'close', 'aborted', 'error'], (ev, e) => (ev === 'error' ? e.code : undefined));
  ctx.record(res, 'res', ['finish', 'close', 'error'], (ev, e) => (ev === 'error' ? e.code : undefined));
  ctx.record(req.socket, 'socket', ['end', 'finish', 'close', 'error'],
    (ev, a) => (ev === 'error' ? a.code : ev === 'close' ? a : undefined));
  const closed = (e) => new Promise((resolve) => e.once('close', resolve));
  ctx.closed = Promise.all([closed(req), closed(res), closed(req.socket)]).then(tick);
};

test('socket.destroy() in a handler of a complete GET aborts like core', async (t) => {
  await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => {
      SERVER_EVENTS(ctx, req, res);
      req.socket.destroy();
      ctx.push(['after destroy', req.socket.destroyed, res.writable, res.writableEnded, req.destroyed]);
    });
    server.on('clientError', (e) => ctx.push(['clientError', e.code]));
    const r = await ctx.raw(port, get('/'));
    await ctx.closed;
    return r;
  });
});

test('socket.destroy() in a handler while the request body is still arriving', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      SERVER_EVENTS(ctx, req, res);
      req.on('data', (d) => {
        ctx.push(['data', d.length]);
        req.socket.destroy();
      });
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/', { 'Content-Length': 10 }, { method: 'POST' }) + 'abc');
    await c.waitClose();
    await ctx.closed;
    return c.snapshot();
  });
});

test('socket.destroy(err) in a handler: the error reaches the socket, req and res', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      SERVER_EVENTS(ctx, req, res);
      const err = new Error('boom');
      err.code = 'EBOOM';
      req.socket.destroy(err);
    });
    const r = await ctx.raw(port, get('/'));
    await ctx.closed;
    return r;
  });
});

test('socket.end() in a handler before any response', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      SERVER_EVENTS(ctx, req, res);
      req.socket.end();
    });
    const r = await ctx.raw(port, get('/'));
    await ctx.closed;
    return r;
  });
});

test('socket.destroySoon() after raw bytes, in a handler', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      SERVER_EVENTS(ctx, req, res);
      req.socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      req.socket.destroySoon();
    });
    const r = await ctx.raw(port, get('/'));
    await ctx.closed;
    return r;
  });
});

test('the peer closes while a response is pending: req/res/socket close events', async (t) => {
  await same(t, async (http, ctx) => {
    let closed;
    const { port } = await serve(ctx, (req, res) => {
      SERVER_EVENTS(ctx, req, res);
      closed = once(req.socket, 'close');
      res.write('partial');
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/'));
    await c.waitFor('partial');
    c.end();
    await closed;
    await ctx.closed;
    return null;
  });
});

test('keep-alive socket: client FIN gives end, then the server ends and closes', async (t) => {
  await same(t, async (http, ctx) => {
    let closed;
    const { port } = await serve(ctx, (req, res) => {
      if (!closed) {
        ctx.record(req.socket, 'socket', ['end', 'finish', 'close'], (ev, a) => (ev === 'close' ? a : undefined));
        closed = once(req.socket, 'close');
      }
      res.end('ok');
    });
    const c = await getOnceAndEnd(ctx, port);
    await closed;
    return c.snapshot();
  });
});

// ---------------------------------------------------------------------------
// ref / unref: an open connection keeps the process alive unless unref'd

for (const unrefSocket of [false, true]) {
  test(`a connection ${unrefSocket ? 'whose socket is unref()ed does not keep' : 'keeps'} the process alive after server.unref()`, async (t) => {
    await same(t, async (http, ctx) => {
      const mod = http === require('node:http') ? 'node:http' : RHTTP_PATH;
      const code = `
        const http = require(${JSON.stringify(mod)});
        const server = http.createServer((req, res) => {
          res.end('ok');
          ${unrefSocket ? 'req.socket.unref();' : ''}
          server.unref();
          process.stdout.write('served\\n');
        });
        server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
      `;
      const child = childProcess.spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      ctx.defer(() => child.kill('SIGKILL'));
      let stdout = '';
      const [port] = await once(child.stdout, 'data', 3000);
      stdout = '';
      child.stdout.on('data', (d) => { stdout += d; });
      const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
      // Hold a keep-alive connection open from this process.
      const c = ctx.connect(Number(String(port).trim()));
      await c.connected;
      c.write(get('/'));
      await c.waitResponses(1);
      const result = await Promise.race([exited.then((code) => ({ exited: true, code })), delay(1000).then(() => ({ exited: false }))]);
      return { ...result, stdout };
    }, { timeout: 5000 });
  });
}

test('setTimeout validates as core: Infinity, -1, NaN are ERR_OUT_OF_RANGE, a string ERR_INVALID_ARG_TYPE', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      for (const v of [Infinity, -1, NaN, -Infinity, '5', 1.5, 0]) {
        for (const [name, target] of [['res', res], ['socket', req.socket]]) {
          try {
            target.setTimeout(v);
            ctx.push([name, String(v), 'ok', target.timeout]);
          } catch (e) {
            ctx.push([name, String(v), e.name, e.code, e.message]);
          }
        }
      }
      res.end('x');
    });
    await getOnceAndEnd(ctx, port);
  });
});

test('resetAndDestroy(): the client gets a reset and none of the response', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      res.write('part');
      ctx.push(['returns socket', req.socket.resetAndDestroy() === req.socket, req.socket.destroyed]);
      res.on('close', () => ctx.push('res close'));
      req.socket.on('close', (hadError) => ctx.push(['socket close', hadError]));
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/'));
    const error = await new Promise((resolve) => {
      c.socket.on('error', (e) => resolve(e.code));
      c.socket.on('close', () => resolve('closed without error'));
    });
    await delay(50);
    return { error, received: c.text };
  });
});
