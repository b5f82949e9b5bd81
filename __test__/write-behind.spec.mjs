// Write-behind (src/binding/js_load.rs): a busy JS thread whose writes are
// slow hands them to the io thread, which sends them. The bytes on the wire,
// their order against a close, and what a writer sees must be core's either
// way: the scenarios here run with the mode forced on (RHTTP_WRITE_BEHIND=1),
// and the automatic switch is checked in a process of its own.
// (CI also runs the whole suite with the mode forced on.)

import test from 'ava';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { sameInChild } from './helpers/child-scenario.mjs';
import { RHTTP_PATH } from './helpers/diff.mjs';

const FORCED = { env: { RHTTP_WRITE_BEHIND: '1' } };
const GET = (p, extra = '') => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

test('forced: keep-alive, pipelined and chunked responses are the same bytes as core', async (t) => {
  const lines = await sameInChild(t, `
    const server = http.createServer((req, res) => {
      if (req.url === '/chunked') { res.write('one'); res.write(Buffer.from('two')); res.end('three'); return; }
      res.end('r ' + req.url);
    });
    const port = await listen(server);
    log(await raw(port, [${JSON.stringify(GET('/a'))}, 30, ${JSON.stringify(GET('/b') + GET('/chunked') + GET('/c', 'Connection: close\r\n'))}]));
    server.close();
  `, FORCED);
  const { got, closed } = lines[0][0];
  t.true(closed);
  t.deepEqual(got.match(/r \/\w|one|three/g), ['r /a', 'r /b', 'one', 'three', 'r /c']);
});

test('forced: a response past the queue limit and one after it keep their order', async (t) => {
  const lines = await sameInChild(t, `
    const big = 'x'.repeat(200 * 1024);
    const server = http.createServer((req, res) => {
      if (req.url === '/big') { res.write(big.slice(0, 1000)); res.write(big); res.end('tail'); return; }
      res.end('small');
    });
    const port = await listen(server);
    const r = await raw(port, [${JSON.stringify(GET('/big') + GET('/small', 'Connection: close\r\n'))}], { wait: 2000 });
    log(r.closed, r.got.length, r.got.slice(-120));
    server.close();
  `, { ...FORCED, ms: 6000 });
  t.true(lines[0][0]);
  t.true(lines[0][1] > 201 * 1024);
  t.regex(lines[0][2], /x\r\n4\r\ntail\r\n0\r\n\r\nHTTP\/1.1 200 OK\r\n.*small$/s);
});

test('forced: bytes written just before a destroy or an end still go out first', async (t) => {
  const lines = await sameInChild(t, `
    const server = http.createServer((req, res) => {
      if (req.url === '/destroy') {
        req.socket.write('HTTP/1.1 200 OK\\r\\nContent-Length: 10\\r\\n\\r\\n12345');
        req.socket.destroy();
        return;
      }
      if (req.url === '/socket-end') {
        req.socket.write('HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok');
        req.socket.end();
        return;
      }
      res.setHeader('Connection', 'close');
      res.end('closing');
    });
    const port = await listen(server);
    for (const p of ['/destroy', '/socket-end', '/close']) log(p, await raw(port, [${JSON.stringify('GET ')} + p + ${JSON.stringify(' HTTP/1.1\r\nHost: x\r\n\r\n')}]));
    server.close();
  `, FORCED);
  t.regex(lines[0][1].got, /\r\n\r\n12345$/);
  t.regex(lines[1][1].got, /\r\n\r\nok$/);
  t.regex(lines[2][1].got, /closing$/);
  t.true(lines.every((l) => l[1].closed));
});

test('forced: a response written later, from a timer, goes out at once', async (t) => {
  // Nothing else wakes the connection's task here: the write itself must.
  const lines = await sameInChild(t, `
    const server = http.createServer((req, res) => {
      setTimeout(() => res.end('late ' + req.url), 20);
    });
    const port = await listen(server);
    log(await raw(port, [${JSON.stringify(GET('/1'))}, 100, ${JSON.stringify(GET('/2'))}], { wait: 300 }));
    server.close();
  `, FORCED);
  t.deepEqual(lines[0][0].got.match(/late \/\d/g), ['late /1', 'late /2']);
});

test('forced: writes after the peer reset fail as in core', async (t) => {
  const lines = await sameInChild(t, `
    const server = http.createServer((req, res) => {
      res.writeHead(200);
      res.write('first');
      req.socket.once('close', () => {
        const results = [];
        for (const d of ['x', Buffer.from('y')]) {
          try { results.push(res.write(d)); } catch (err) { results.push(err.code); }
        }
        log('after close', results, res.destroyed);
      });
    });
    const port = await listen(server);
    await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.write(${JSON.stringify(GET('/'))}));
      c.once('data', () => { c.resetAndDestroy(); setTimeout(resolve, 200); });
      c.on('error', () => {});
    });
    server.close();
  `, FORCED);
  t.is(lines[0][0], 'after close');
});

/** Runs an rhttp server with `handler` (source) in a child, loads it with
 * keep-alive requests, `depth` pipelined at a time, from a worker thread
 * (its CPU time is not the JS thread's) until writes go behind or `ms`
 * passed; resolves with the responses and the time the switch took. */
async function modeUnderLoad(t, handler, { ms, depth = 1 }) {
  const client = `
    const { workerData, parentPort } = require('node:worker_threads');
    const net = require('node:net');
    let stop = false;
    let ok = 0;
    parentPort.on('message', () => { stop = true; });
    const one = () => new Promise((resolve) => {
      const c = net.connect(workerData.port, '127.0.0.1');
      let buf = '';
      let waiting = 0;
      const next = () => {
        if (stop) { c.end(); resolve(); return; }
        waiting = workerData.depth;
        c.write('GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'.repeat(waiting));
      };
      c.on('connect', next);
      c.on('data', (d) => {
        buf += d;
        for (let at; (at = buf.indexOf('ok')) !== -1;) { buf = buf.slice(at + 2); ok++; if (--waiting === 0) next(); }
      });
      c.on('error', resolve);
    });
    Promise.all(Array.from({ length: 8 }, one)).then(() => parentPort.postMessage(ok));
  `;
  const code = `
    const http = require(${JSON.stringify(RHTTP_PATH)});
    const { writeBehindActive } = require(${JSON.stringify(path.join(path.dirname(RHTTP_PATH), 'binding.js'))});
    const { Worker } = require('node:worker_threads');
    const server = http.createServer(${handler});
    server.listen(0, '127.0.0.1', () => {
      const worker = new Worker(${JSON.stringify(client)}, { eval: true, workerData: { port: server.address().port, depth: ${depth} } });
      const start = Date.now();
      let switchedAfter = null;
      const watch = setInterval(() => {
        if (writeBehindActive()) switchedAfter = Date.now() - start;
        if (switchedAfter !== null || Date.now() - start > ${ms}) { clearInterval(watch); worker.postMessage('stop'); }
      }, 5);
      worker.once('message', (ok) => {
        console.log(JSON.stringify({ ok, switchedAfter }));
        process.exit(0);
      });
    });
  `;
  const { RHTTP_WRITE_BEHIND, ...env } = process.env; // the automatic mode
  const stdout = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], { env, timeout: ms + 5000 }, (err, out, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(out);
    });
  });
  t.pass();
  return JSON.parse(stdout);
}

test.serial('auto: a busy JS thread whose writes are slow tries writing behind', async (t) => {
  // ~300 µs of JS per response: the JS thread is the bottleneck. (Whether
  // the trial keeps writing behind depends on the gain it measures.)
  // (The JS thread's load is CPU time over wall time: on a machine this
  // test shares with others it can take a while to measure it busy.)
  const { ok, switchedAfter } = await modeUnderLoad(t, `(req, res) => {
    const stop = process.hrtime.bigint() + 300000n;
    while (process.hrtime.bigint() < stop);
    res.end('ok');
  }`, { ms: 10000 });
  t.true(ok > 10, `${ok} responses`);
  t.not(switchedAfter, null, `no switch in ${ok} responses`);
  t.log(`switched after ${switchedAfter} ms, ${ok} responses`);
});

test.serial('auto: a busy JS thread whose writes are fast writes itself', async (t) => {
  // Pipelined requests keep the thread busy at a few µs per write.
  const { ok, switchedAfter } = await modeUnderLoad(t, `(req, res) => res.end('ok')`, { ms: 1500, depth: 16 });
  t.true(ok > 1000, `${ok} responses`);
  t.is(switchedAfter, null);
});
