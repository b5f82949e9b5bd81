// Differential tests: where in the event loop a destroyed socket's 'close'
// comes. Core emits it from the libuv handle's close callback: in the close
// phase, after the I/O and the immediates of that turn, the sockets closed
// in one turn last-in first-out, each in its handle's async context and
// with its ticks run before the next. rhttp's sockets have no libuv handle:
// each closes a bare one to get the same callback (lib/close_phase.js).

import test from 'ava';
import { sameInChild } from './helpers/child-scenario.mjs';

// A server whose handler hands each request's socket to `onRequest`, and a
// net client that sends one GET on each of `n` connections, in turn.
const SERVER = `
  function serve(onRequest) {
    return http.createServer((req, res) => onRequest(req, res));
  }
  async function gets(port, n) {
    const done = [];
    for (let i = 0; i < n; i++) {
      const c = net.connect(port, '127.0.0.1', () => c.write('GET /' + i + ' HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'));
      c.on('error', () => {});
      done.push(new Promise((resolve) => c.on('close', resolve)));
      await sleep(20);
    }
    await Promise.all(done);
    await sleep(30);
  }
`;

test('a destroyed server socket closes after the immediates of its turn, its ticks first', async (t) => {
  const lines = await sameInChild(t, `${SERVER}
    const server = serve((req, res) => {
      setImmediate(() => log('immediate before'));
      req.socket.on('close', (hadError) => { log('socket close', hadError); process.nextTick(() => log('tick of close')); });
      res.on('close', () => log('res close'));
      req.on('close', () => log('req close'));
      req.socket.destroy();
      process.nextTick(() => log('tick'));
      setImmediate(() => { log('immediate after'); setImmediate(() => log('next turn')); });
    });
    await gets(await listen(server), 1);
    server.close();
  `);
  t.deepEqual(lines, [
    ['tick'], ['immediate before'], ['immediate after'],
    ['res close'], ['socket close', false], ['tick of close'], ['req close'],
    ['next turn'],
  ]);
});

test('sockets destroyed in one turn close last-in first-out, each with its ticks', async (t) => {
  const lines = await sameInChild(t, `${SERVER}
    const held = [];
    const server = serve((req) => {
      held.push(req.socket);
      if (held.length < 3) return;
      held.forEach((s, i) => {
        s.on('close', () => { log('close', i); process.nextTick(() => log('tick', i)); });
        s.destroy();
      });
      setImmediate(() => log('immediate'));
    });
    await gets(await listen(server), 3);
    server.close();
  `);
  t.deepEqual(lines, [['immediate'], ['close', 2], ['tick', 2], ['close', 1], ['tick', 1], ['close', 0], ['tick', 0]]);
});

test('a destroyed client request: error and close after the turn\'s immediates, in the request\'s async context', async (t) => {
  const lines = await sameInChild(t, `${SERVER}
    const { AsyncLocalStorage } = require('node:async_hooks');
    const als = new AsyncLocalStorage();
    const server = serve((req, res) => res.writeHead(200).write('partial'));
    const port = await listen(server);
    await new Promise((resolve) => {
      const req = als.run('made', () => http.get({ port, host: '127.0.0.1', agent: false }));
      req.on('error', (e) => log('req error', e.code, als.getStore()));
      req.on('close', () => { log('req close', als.getStore()); resolve(); });
      req.on('response', (res) => {
        res.on('data', () => {
          als.run('destroyer', () => {
            res.socket.on('close', () => log('socket close', als.getStore()));
            res.on('close', () => log('res close', als.getStore()));
            setImmediate(() => log('immediate', als.getStore()));
            req.destroy(new Error('stop'));
          });
        });
      });
    });
    server.close();
    server.closeAllConnections();
  `);
  t.deepEqual(lines, [
    ['req error', null, 'destroyer'], ['immediate', 'destroyer'],
    ['req close', 'made'], ['socket close', 'made'], ['res close', 'made'],
  ]);
});

test('a throw in a close listener is an uncaught exception; the next socket still closes', async (t) => {
  const lines = await sameInChild(t, `${SERVER}
    const held = [];
    const server = serve((req) => {
      held.push(req.socket);
      if (held.length < 2) return;
      held[0].on('close', () => log('close 0'));
      held[1].on('close', () => { log('close 1'); throw new Error('from close'); });
      held[0].destroy();
      held[1].destroy();
    });
    await gets(await listen(server), 2);
    server.close();
  `);
  t.deepEqual(lines, [['close 1'], ['uncaught', 'from close'], ['close 0']]);
});

test('a write the destroy cancels calls back before the immediates; the socket closes after them', async (t) => {
  const lines = await sameInChild(t, `${SERVER}
    const server = serve((req, res) => {
      const s = req.socket;
      s.on('close', () => log('close'));
      // Far more than the kernel takes while the client reads nothing.
      res.write(Buffer.alloc(8 << 20), (err) => log('write cb', err ? err.code : null));
      setImmediate(() => log('immediate'));
      s.destroy();
    });
    const port = await listen(server);
    await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'));
      c.pause();
      c.on('error', () => {});
      c.on('close', resolve);
      setTimeout(() => c.destroy(), 200);
    });
    await sleep(30);
    server.close();
  `);
  t.deepEqual(lines, [['write cb', 'ERR_STREAM_DESTROYED'], ['immediate'], ['close']]);
});

test('a worker whose socket is closing exits cleanly', async (t) => {
  const lines = await sameInChild(t, `
    const { Worker } = require('node:worker_threads');
    // The module under test, for the worker to load too.
    const mod = Object.keys(require.cache).find((k) => require.cache[k].exports === http) || 'node:http';
    const w = new Worker(\`
      const { workerData } = require('node:worker_threads');
      const http = require(workerData.mod);
      const net = require('node:net');
      const { parentPort } = require('node:worker_threads');
      const server = http.createServer((req) => {
        req.socket.on('close', () => parentPort.postMessage('close'));
        req.socket.destroy();
        parentPort.postMessage('destroyed');
        process.exit(0);
      });
      server.listen(0, '127.0.0.1', () => {
        const c = net.connect(server.address().port, '127.0.0.1', () => c.write('GET / HTTP/1.1\\\\r\\\\nHost: x\\\\r\\\\n\\\\r\\\\n'));
        c.on('error', () => {});
      });
    \`, { eval: true, workerData: { mod } });
    w.on('message', (m) => log('worker', m));
    w.on('error', (e) => log('worker error', e.message));
    const code = await new Promise((resolve) => w.on('exit', resolve));
    log('exit', code);
  `);
  t.deepEqual(lines, [['worker', 'destroyed'], ['exit', 0]]);
});

// A program that loads the module afresh (its require cache cleared, as
// test runners and hot reloaders do) gets a second copy of rhttp's JS over
// the same addon: sockets of both copies close.
test('sockets of a module loaded twice both close', async (t) => {
  const lines = await sameInChild(t, `${SERVER}
    const mod = Object.keys(require.cache).find((k) => require.cache[k].exports === http) || 'node:http';
    for (const k of Object.keys(require.cache)) delete require.cache[k];
    const again = require(mod);
    for (const [name, impl] of [['first', http], ['second', again]]) {
      const server = impl.createServer((req) => {
        req.socket.on('close', () => log(name, 'close'));
        req.socket.destroy();
      });
      await gets(await listen(server), 1);
      server.close();
    }
  `);
  t.deepEqual(lines, [['first', 'close'], ['second', 'close']]);
});
