// The last response on a connection (`Connection: close`, HTTP/1.0): rhttp
// sends its bytes with MSG_MORE and shuts the socket down from res.end(),
// so the response and the FIN leave in one segment (Socket#_rhttpFinWithLast);
// core shuts down a few ticks later, from resOnFinish. What a raw client
// receives, and what the server's socket and response emit, must not
// differ. Differential: node:http vs rhttp.

import test from 'ava';
import { same, get, delay } from './helpers/diff.mjs';

/** Serves `handler`, sends `bytes` from a raw client, and logs what the
 * server's socket and response emit and what the client received. */
async function closeScenario(http, ctx, handler, bytes, { read = 'close', paused = false } = {}) {
  const server = ctx.server((req, res) => {
    ctx.record(res, 'res', ['finish', 'close']);
    handler(req, res);
  });
  server.on('connection', (socket) => {
    ctx.record(socket, 'socket', ['finish', 'close']);
    socket.on('error', (e) => ctx.push(['socket error', e.code]));
  });
  const port = await ctx.listen(server);
  const c = ctx.connect(port, { paused });
  await c.connected;
  c.write(bytes);
  if (paused) {
    await delay(100);
    c.resume();
  }
  await c.waitClose(3000);
  await delay(50);
  return { text: c.text, ended: c.ended, closed: c.closed, length: c.raw.length };
}

const CLOSE = { Connection: 'close' };

test('Connection: close: a Content-Length response, then the FIN', async (t) => {
  const { result: node } = await same(t, (http, ctx) => closeScenario(http, ctx,
    (req, res) => res.end('hello world'), get('/', CLOSE)));
  t.true(node.ended && node.text.endsWith('hello world'));
});

test('HTTP/1.0: a response without a length, ended by the FIN', async (t) => {
  const { result: node } = await same(t, (http, ctx) => closeScenario(http, ctx,
    (req, res) => { res.write('part one, '); res.end('part two'); }, 'GET / HTTP/1.0\r\n\r\n'));
  t.true(node.ended && node.text.endsWith('part one, part two'));
});

test('Connection: close: a chunked response written in pieces, then end() with its last chunk', async (t) => {
  const { result: node } = await same(t, (http, ctx) => closeScenario(http, ctx, (req, res) => {
    res.write('a');
    setTimeout(() => { res.write('b'); res.end('c'); }, 20);
  }, get('/', CLOSE)));
  t.true(node.text.includes('Transfer-Encoding: chunked') && node.text.endsWith('0\r\n\r\n'));
});

test('Connection: close: end() with no data after the head was flushed', async (t) => {
  const { result: node } = await same(t, (http, ctx) => closeScenario(http, ctx, (req, res) => {
    res.setHeader('Content-Length', '0');
    res.flushHeaders();
    setTimeout(() => res.end(), 20);
  }, get('/', CLOSE)));
  t.true(node.ended);
});

test('Connection: close: 4 MB the client does not read for 100 ms arrive whole before the FIN', async (t) => {
  const body = Buffer.alloc(4 * 1024 * 1024, 'x');
  const { result: node } = await same(t, (http, ctx) => closeScenario(http, ctx,
    (req, res) => res.end(body), get('/', CLOSE), { paused: true }));
  t.true(node.ended && node.length > body.length);
});

test('pipelined, the second request Connection: close: both responses, then the FIN', async (t) => {
  const { result: node } = await same(t, (http, ctx) => closeScenario(http, ctx,
    (req, res) => res.end(`r ${req.url}`), get('/1') + get('/2', CLOSE)));
  t.true(node.text.includes('r /1') && node.text.endsWith('r /2'));
});

test('the server sets Connection: close on a keep-alive request', async (t) => {
  const { result: node } = await same(t, (http, ctx) => closeScenario(http, ctx, (req, res) => {
    res.setHeader('Connection', 'close');
    res.end('bye');
  }, get('/')));
  t.true(node.ended && node.text.endsWith('bye'));
});

// The handler blocks the event loop right after res.end(): the client, in
// another process, has the whole response before the block is over, as
// from core (which wrote it within end()); rhttp does not hold it for the
// shutdown that follows a few ticks on. (rhttp's FIN comes with it; core's
// after the block: the FIN's timing is not compared.)
test('res.end() then a 400 ms block: the client has the response before the block ends', async (t) => {
  const { result: node } = await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => {
      res.end('hello world');
      const until = Date.now() + 400;
      while (Date.now() < until);
    });
    const port = await ctx.listen(server);
    const r = await ctx.spawnNode(`
      const net = require('node:net');
      const c = net.connect(${port}, '127.0.0.1', () => {
        const sent = Date.now();
        c.write('GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n');
        let got = '';
        c.on('data', (d) => {
          got += d;
          if (got.endsWith('hello world')) {
            process.stdout.write(JSON.stringify({ whole: true, early: Date.now() - sent < 300 }));
            c.destroy();
          }
        });
      });
    `, { ms: 3000 });
    return r.stdout;
  });
  t.deepEqual(JSON.parse(node), { whole: true, early: true });
});

// Known difference, kept as `test.failing`: bytes written to the socket
// itself right after the last response's end() (an HTTP/1.0 body, say,
// which the FIN delimits). Core sends them before its FIN, a few ticks on;
// rhttp's FIN left with the response, and the write is dropped (as a
// write to a connection that is gone). Writing past res.end() is a bug in
// the caller; the FIN in end() saves a packet on every such response.
test.failing('bytes written to res.socket right after the last response\'s end() still go before the FIN', async (t) => {
  const { result: node } = await same(t, (http, ctx) => closeScenario(http, ctx, (req, res) => {
    res.end('hello');
    res.socket.write(' and more');
  }, 'GET / HTTP/1.0\r\n\r\n'));
  t.true(node.text.endsWith('hello and more'));
});
