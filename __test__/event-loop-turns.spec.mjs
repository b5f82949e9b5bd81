// Differential tests: core reads each socket at most once per event-loop
// turn, so a timer that falls due while a server (or a client) is busy runs
// within a turn or two, whatever the load. rhttp's events cross from Rust
// in batches; taking them for at most 1 ms a turn keeps that promise.
// (Ringing the JS thread after every batch did not: Node runs up to 1,000
// queued threadsafe-function calls back to back, and a busy server's
// timers waited a second.)
//
// Load comes from a worker thread, 8 keep-alive connections with one
// request in flight each, so a turn handles at most 8 messages and the
// count of messages before the timer fires is bounded without timing.

import test from 'ava';
import { sameInChild } from './helpers/child-scenario.mjs';

// Messages handled between arming a 1 ms timer and its firing. Core: at
// most two turns of 8; with a starved loop, hundreds.
const WITHIN = 64;

// A worker thread's keep-alive GET loops on `conns` connections to `port`,
// each counting responses (`ok` bodies) until told to stop.
const loadWorker = `
  const { Worker } = require('node:worker_threads');
  function load(port, conns) {
    return new Worker(\`
      const { workerData, parentPort } = require('node:worker_threads');
      const net = require('node:net');
      let stop = false;
      parentPort.on('message', () => { stop = true; });
      for (let i = 0; i < workerData.conns; i++) {
        const c = net.connect(workerData.port, '127.0.0.1');
        let buf = '';
        const next = () => { if (stop) c.destroy(); else c.write('GET / HTTP/1.1\\\\r\\\\nHost: x\\\\r\\\\n\\\\r\\\\n'); };
        c.on('connect', next);
        c.on('data', (d) => {
          buf += d;
          for (let at; (at = buf.indexOf('ok')) !== -1;) { buf = buf.slice(at + 2); next(); }
        });
        c.on('error', () => {});
      }
    \`, { eval: true, workerData: { port, conns } });
  }
  function spin(us) { const end = process.hrtime.bigint() + BigInt(us) * 1000n; while (process.hrtime.bigint() < end); }
`;

test('a busy server\'s timers run within a turn or two, as in core', async (t) => {
  const lines = await sameInChild(t, `
    ${loadWorker}
    let handled = 0;
    let worker;
    const s = http.createServer((req, res) => {
      spin(300);
      res.end('ok');
      if (++handled !== 300) return;
      const armed = handled;
      setTimeout(() => {
        log('timer', handled - armed < ${WITHIN} || handled - armed);
        worker.postMessage('stop');
        worker.terminate().then(() => process.exit(0));
      }, 1);
    });
    worker = load(await listen(s), 8);
    await new Promise(() => {});
  `, { ms: 20000 });
  t.deepEqual(lines, [['timer', true]]);
});

test('a busy client\'s timers run within a turn or two, as in core', async (t) => {
  // The server, in a worker, is core's: only the client is under test.
  const lines = await sameInChild(t, `
    const { Worker } = require('node:worker_threads');
    const server = new Worker(\`
      const { parentPort } = require('node:worker_threads');
      const s = require('node:http').createServer((req, res) => res.end('ok'));
      s.listen(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));
    \`, { eval: true });
    const port = await new Promise((resolve) => server.once('message', resolve));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let received = 0;
    let stop = false;
    const get = () => http.get({ port, host: '127.0.0.1', agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const end = process.hrtime.bigint() + 300000n;
        while (process.hrtime.bigint() < end);
        if (++received === 300) {
          const armed = received;
          setTimeout(() => {
            log('timer', received - armed < ${WITHIN} || received - armed);
            stop = true;
            server.terminate().then(() => process.exit(0));
          }, 1);
        }
        if (!stop) get();
      });
    }).on('error', () => {});
    for (let i = 0; i < 8; i++) get();
    await new Promise(() => {});
  `, { ms: 20000 });
  t.deepEqual(lines, [['timer', true]]);
});

// A server that speaks first: its response is there when the connect
// completes. Core runs the connect in a callback of its own, so what a
// 'connect' listener queues (the 'finish' of an end() there) runs before
// the response is read. The client's loop is held up while both arrive.
test('an end() in a \'connect\' listener finishes before a response that came with the connection', async (t) => {
  const lines = await sameInChild(t, `
    const { Worker } = require('node:worker_threads');
    const server = new Worker(\`
      const { parentPort } = require('node:worker_threads');
      const s = require('node:net').createServer((c) => {
        c.end('HTTP/1.1 200 OK\\\\r\\\\nContent-Length: 5\\\\r\\\\n\\\\r\\\\nhello');
        c.on('error', () => {});
      });
      s.listen(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));
    \`, { eval: true });
    const port = await new Promise((resolve) => server.once('message', resolve));
    const req = http.request({ host: '127.0.0.1', port, agent: false });
    req.on('socket', (s) => {
      const end = Date.now() + 150;
      while (Date.now() < end);
      s.on('connect', () => { log('connect'); req.end(); });
    });
    req.on('finish', () => log('finish'));
    req.on('response', (res) => { log('response'); res.resume(); res.on('end', () => log('res end')); });
    req.on('close', () => { log('close'); server.terminate().then(() => process.exit(0)); });
    await new Promise(() => {});
  `, { ms: 10000 });
  t.deepEqual(lines, [['connect'], ['finish'], ['response'], ['res end'], ['close']]);
});
