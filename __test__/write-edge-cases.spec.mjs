// The write paths: lib/socket.js _write/_writev/
// _rhttpWriteChunk and src/binding/write.rs (strings straight from V8 into a
// per-thread buffer), checked against node:http for every encoding, empty
// chunks, writev shapes, lone surrogates, NULs, big strings and what
// socket.bytesWritten reports.

import test from 'ava';
import { createRequire } from 'node:module';
import {
  same, get, delay, once, HOST, nodeHttp, RHTTP_PATH,
} from './helpers/diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');

const UPGRADE_HEAD = get('/u', { Upgrade: 'echo', Connection: 'Upgrade' });
const LATIN1_HIGH = 'caf\u00e9 \u00ff \u0100\u20ac';
const SURROGATES = 'a\ud800b\udc00c\ud83d'; // lone high, lone low, high at the end

/** One request per path on its own connection: bytes received, and the
 * socket's bytesWritten at the response's 'finish' and at the socket's close. */
async function perPath(http, ctx, handlers) {
  const server = ctx.server((req, res) => {
    const socket = req.socket;
    res.on('finish', () => ctx.push([req.url, 'finish', socket.bytesWritten]));
    socket.on('close', () => ctx.push([req.url, 'close', socket.bytesWritten]));
    handlers[req.url](req, res);
  });
  const port = await ctx.listen(server);
  const out = {};
  for (const p of Object.keys(handlers)) {
    const snap = await ctx.raw(port, get(p, { Connection: 'close' }));
    out[p] = { bytes: snap.data.length, data: snap.data.length > 2000 ? snap.data.slice(0, 300) : snap.data };
  }
  await delay(30);
  return out;
}

test('response bodies: lone surrogates, NULs, latin1 header values, big strings; bytesWritten as core', async (t) => {
  await same(t, async (http, ctx) => perPath(http, ctx, {
    '/surrogates-utf8': (req, res) => res.end(SURROGATES),
    '/surrogates-latin1': (req, res) => res.end(SURROGATES, 'latin1'),
    '/surrogates-write': (req, res) => { res.write(SURROGATES); res.end(SURROGATES.slice(1)); },
    '/nul': (req, res) => res.end('a\0b\0\u00e9\0'),
    '/nul-latin1': (req, res) => res.end('a\0b\0\u00e9\0', 'latin1'),
    // A header value with latin1 characters: core joins the head to a utf8
    // body string (utf8 on the wire) but sends it alone in latin1 before a
    // Buffer body.
    '/latin1-header-utf8-body': (req, res) => { res.setHeader('X-V', 'caf\u00e9'); res.end('b\u00fc'); },
    '/latin1-header-buffer-body': (req, res) => { res.setHeader('X-V', 'caf\u00e9'); res.end(Buffer.from('b\u00fc')); },
    '/latin1-header-latin1-body': (req, res) => { res.setHeader('X-V', 'caf\u00e9'); res.end('b\u00fc', 'latin1'); },
    '/latin1-header-hex-body': (req, res) => { res.setHeader('X-V', 'caf\u00e9'); res.end('c3bc', 'hex'); },
    '/head-ucs2': (req, res) => { res.setHeader('Content-Type', 'text/plain'); res.end('h\u00e9\u20ac', 'utf16le'); },
    '/head-base64url': (req, res) => res.end('aGk_-w', 'base64url'),
    '/uppercase-encoding': (req, res) => { res.write('\u00e9', 'UTF8'); res.write('\u00e9', 'Latin1'); res.end('\u00e9', 'BINARY'); },
    '/uint8-offset': (req, res) => {
      const ab = new ArrayBuffer(16);
      new Uint8Array(ab).set(Buffer.from('0123456789abcdef'));
      res.end(new Uint8Array(ab, 3, 5));
    },
    '/uint8-write-then-end': (req, res) => { res.write(new Uint8Array([65, 66])); res.end(new Uint8Array([67])); },
    '/dataview': (req, res) => {
      try { res.write(new DataView(new ArrayBuffer(2))); } catch (e) { res.setHeader('X-Err', e.code); }
      res.end('after');
    },
    '/empty-writes': (req, res) => { res.write(''); res.write(Buffer.alloc(0)); res.write('', 'hex'); res.end(''); },
    '/empty-writes-length': (req, res) => {
      res.setHeader('Content-Length', '3');
      res.write('');
      res.write('a');
      res.write(Buffer.alloc(0));
      res.end('bc');
    },
    '/big-latin1': (req, res) => res.end('\u00e9x'.repeat(300000), 'latin1'),
    '/big-mixed': (req, res) => res.end('\ud83d\ude00\u00e9a\ud800'.repeat(100000)),
  }));
});

test('writes on an upgraded socket in every encoding and writev shape: bytes and bytesWritten as core', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => res.end('plain'));
    server.on('upgrade', (req, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      const seen = [];
      const w = (...args) => { socket.write(...args); seen.push(socket.bytesWritten); };
      w('utf8:\u00e9\ud800|');
      w('latin1:\u00e9\u0100|', 'latin1');
      w('ascii:\u00e9|', 'ascii');
      w('6865783a7c', 'hex');
      w('YjY0Onw=', 'base64');
      w('u\u00e9|', 'ucs2');
      w('');
      w(Buffer.alloc(0));
      w(new Uint8Array([85, 56, 124]));
      // Corked batches go through _writev.
      socket.cork(); w('head\u00e9', 'latin1'); w(Buffer.from('|buf')); socket.uncork();
      socket.cork(); w('s1\u00e9|'); w('s2\u00e9|', 'latin1'); socket.uncork();
      socket.cork(); w('only\u00e9|', 'latin1'); w(''); socket.uncork();
      socket.cork(); w(''); w('after-empty|'); socket.uncork();
      socket.cork(); w(Buffer.from('b1|')); w('s\u00e9|'); socket.uncork();
      socket.cork(); w('x|', 'hex'); w('7c', 'hex'); w(Buffer.from('|')); socket.uncork();
      socket.cork(); w(Buffer.alloc(0)); w(Buffer.alloc(0)); socket.uncork();
      socket.cork(); w('\ud83d'); w('\ude00|'); socket.uncork();
      let dv;
      try { socket.write(new DataView(new ArrayBuffer(1))); } catch (e) { dv = e.code; }
      ctx.push({ seen, dv });
      socket.end('END', () => ctx.push(['end-cb', socket.bytesWritten]));
      socket.on('close', () => ctx.push(['close', socket.bytesWritten]));
    });
    const port = await ctx.listen(server);
    const snap = await ctx.raw(port, UPGRADE_HEAD, { ms: 3000 });
    await delay(30);
    return snap;
  });
});

// FINDING: an empty write while the tick's cork holds writes (pipelined
// requests) leaves an empty buffer last in the connection's queue; the
// connection task's flush() then loops on writev() returning 0 forever: one
// io thread spins at 100% CPU and the task never looks at its commands
// again, so socket.destroy() never closes the connection.
// Core: the second response's handler destroys the socket and the client
// sees the close. rhttp: the client never sees it, and the process burns CPU.
// Run in child processes so a spinning thread cannot outlive the test.
const EMPTY_UNDER_CORK = `
const http = require(process.env.HTTP_MOD);
const net = require('node:net');
const server = http.createServer((req, res) => {
  if (req.url === '/2') { setTimeout(() => req.socket.destroy(), 600); return; }
  res.setHeader('Content-Length', '2');
  res.write('ab');
  process.nextTick(() => process.nextTick(() => { res.write(''); res.end(); }));
});
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1');
  let data = '';
  let closed = false;
  c.on('data', (d) => { data += d; });
  c.on('error', () => {});
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const done = () => {
    const cpu = process.cpuUsage(cpu0);
    const wall = Date.now() - t0;
    console.log(JSON.stringify({
      responses: (data.match(/HTTP\\/1\\.1 200/g) || []).length,
      closed,
      // a spinning thread: CPU time close to the wall time
      spinning: (cpu.user + cpu.system) / 1000 > wall * 0.6,
    }));
    process.exit(0);
  };
  c.on('close', () => { closed = true; done(); });
  setTimeout(done, 1800);
  c.write('GET /1 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\nGET /2 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');
});
`;

test('an empty write under the pipelining cork: the connection still closes and nothing spins', async (t) => {
  await same(t, async (http, ctx) => {
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const r = await ctx.spawnNode(EMPTY_UNDER_CORK, { ms: 4000, env: { HTTP_MOD: mod } });
    return { out: r.stdout.trim(), timedOut: r.timedOut, stderr: r.stderr.trim() };
  });
});

test('a large utf8 string write that queues in Rust, then more writes: bytes and bytesWritten as core', async (t) => {
  await same(t, async (http, ctx) => {
    const big = '\u00e9\ud83d\ude00x'.repeat(400000); // ~3.6 MB of UTF-8
    const server = ctx.server((req, res) => {
      const s = req.socket;
      const first = res.write(big);
      const after1 = s.bytesWritten;
      res.write('tail\ud800');
      const after2 = s.bytesWritten;
      res.end(Buffer.from('!'), () => ctx.push(['end-cb', s.bytesWritten]));
      ctx.push({ first, after1, after2 });
    });
    const port = await ctx.listen(server);
    const c = ctx.connect(port);
    await c.connected;
    c.pause();
    c.write(get('/', { Connection: 'close' }));
    await delay(200);
    c.resume();
    await c.waitClose(4000);
    const raw = c.raw;
    return { length: raw.length, tail: raw.subarray(raw.length - 12).toString('hex'), closed: c.closed };
  });
});

// A write still queued when the socket is destroyed (the peer does not read):
// core's libuv cancels it and calls it back with no error, before 'close';
// the writes buffered behind it fail with the destroy's error, or with
// ERR_STREAM_DESTROYED.
for (const how of ['destroy()', 'destroy(err)']) {
  test(`${how} with a write queued and one buffered: their callbacks as core`, async (t) => {
    await same(t, async (http, ctx) => {
      const closed = new Promise((resolve) => {
        const server = ctx.server((req) => {
          const s = req.socket;
          s.write(Buffer.alloc(8 * 1024 * 1024, 0x61), (e) => ctx.push(['queued cb', e ? e.code || e.message : null]));
          s.write('x', (e) => ctx.push(['buffered cb', e ? e.code || e.message : null]));
          s.on('error', (e) => ctx.push(['error', e.code || e.message]));
          s.on('close', () => { ctx.push('close'); resolve(); });
          if (how === 'destroy()') s.destroy();
          else s.destroy(new Error('boom'));
          ctx.push('destroyed');
        });
        ctx.listen(server).then((port) => {
          const c = ctx.connect(port, { paused: true });
          c.connected.then(() => c.write(get('/')));
        });
      });
      await closed;
    });
  });
}
