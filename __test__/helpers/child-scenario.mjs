// Differential scenarios that run in a child process of their own, for
// what a test worker cannot host: uncaught exceptions (a handler that
// throws), a client thread that writes while the server's thread is busy.
//
// The child's preamble gives the scenario body:
//   http                 the implementation under test
//   log(...values)       one observation (a JSON line on stdout)
//   mask(text)           the Date header masked
//   sleep(ms), busy(ms)  wait, or block the thread
//   raw(port, writes, { quiet, wait })
//                        a net client sending each write (a string, a number
//                        of ms to wait, or 'END' to half-close), resolving
//                        with { got, closed } once the peer closed or `wait`
//                        ms (sameInChild's `rawWait`, default 250) passed;
//                        `quiet`: its error unlogged
//   rawWorker(port, writes, wait)
//                        the same from a worker thread, which keeps writing
//                        while the main thread is busy
//   throwingServer(when) a server answering 'r <url>' to each request (logged
//                        as 'req'), then throwing 'boom' if when(req)
//   listen(server)       resolves with the port on 127.0.0.1
//   clientErrors(server, withRaw)
//                        logs each clientError (code, message and, with
//                        `withRaw`, the rawPacket) and destroys the socket

import { same, nodeHttp, RHTTP_PATH } from './diff.mjs';

const PRELUDE = `
  const net = require('node:net');
  const log = (...a) => console.log(JSON.stringify(a));
  process.on('uncaughtException', (err) => log('uncaught', err.message));
  const mask = (s) => s.replace(/Date: [^\\r]*/g, 'Date: X');
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  function busy(ms) { const end = Date.now() + ms; while (Date.now() < end); }
  function raw(port, writes, { quiet = false, wait = RAW_WAIT } = {}) {
    return new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      let got = '';
      let closed = false;
      c.on('data', (d) => { got += d; });
      c.on('error', (e) => { if (!quiet) log('raw error', e.code); });
      c.on('close', () => { closed = true; resolve({ got: mask(got), closed }); });
      c.on('connect', async () => {
        for (const w of writes) {
          if (typeof w === 'number') await sleep(w);
          else if (w === 'END') c.end();
          else c.write(w);
        }
        setTimeout(() => { resolve({ got: mask(got), closed }); c.destroy(); }, wait);
      });
    });
  }
  const { Worker } = require('node:worker_threads');
  function rawWorker(port, writes, wait = 400) {
    const w = new Worker(\`
      const { workerData, parentPort } = require('node:worker_threads');
      const net = require('node:net');
      const c = net.connect(workerData.port, '127.0.0.1');
      let got = ''; let closed = false; let sent = false;
      c.on('data', (d) => { got += d; });
      c.on('error', () => {});
      const done = () => { if (sent) return; sent = true; parentPort.postMessage({ got: got.replace(/Date: [^\\\\r]*/g, 'Date: X'), closed }); c.destroy(); };
      c.on('close', () => { closed = true; done(); });
      c.on('connect', async () => {
        for (const x of workerData.writes) {
          if (typeof x === 'number') await new Promise((r) => setTimeout(r, x));
          else c.write(x);
        }
        setTimeout(done, workerData.wait);
      });
    \`, { eval: true, workerData: { port, writes, wait } });
    return new Promise((resolve) => w.once('message', (m) => { resolve(m); w.terminate(); }));
  }
  function throwingServer(when) {
    return http.createServer((req, res) => {
      log('req', req.url);
      res.end('r ' + req.url);
      if (when(req)) throw new Error('boom');
    });
  }
  const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
  function clientErrors(server, withRaw = false) {
    server.on('clientError', (err, socket) => {
      if (withRaw) log('clientError', err.code, err.message, err.rawPacket && String(err.rawPacket));
      else log('clientError', err.code, err.message);
      socket.destroy();
    });
  }
`;

/** Runs `body` (after the preamble) in a child of each implementation and
 * asserts the same exit and output; returns node's logged lines. `env`:
 * extra environment of both children. */
export async function sameInChild(t, body, { ms = 4000, rawWait = 250, env } = {}) {
  const node = await same(t, async (http, ctx) => {
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const code = `const http = require(${JSON.stringify(mod)});\nconst RAW_WAIT = ${rawWait};\n${PRELUDE}\n` +
      `(async () => {\n${body}\n})().then(() => process.exit(0));`;
    const r = await ctx.spawnNode(code, { ms, env });
    return { code: r.code, timedOut: r.timedOut, lines: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  }, { timeout: ms + 6000 });
  t.is(node.result.code, 0);
  return node.result.lines;
}
