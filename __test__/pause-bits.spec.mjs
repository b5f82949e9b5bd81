// The pause bits mirrored on the Socket (lib/socket.js
// setPaused, applyPauseBits in lib/client_socket.js) and of the raw streams'
// single 64 KiB read in flight (src/server/conn.rs RAW_INFLIGHT_LIMIT):
// pause/resume sequences on server, upgraded and client sockets, and that
// backpressure still stops reading.

import anyTest from 'ava';
import { createRequire } from 'node:module';
import { same, get, delay, HOST } from './helpers/diff.mjs';

const require = createRequire(import.meta.url);

// Backpressure scenarios move megabytes: one at a time.
const test = anyTest.serial;

const SIZE = 16 * 1024 * 1024;
const MB = 1024 * 1024;

test('req.pause() during a large upload stops reading (the client cannot finish), resume gets every byte', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => {
      let got = 0;
      req.on('data', (d) => {
        got += d.length;
        if (got === d.length) {
          // pause/resume/pause in one tick: the last one holds
          req.pause(); req.resume(); req.pause();
          setTimeout(() => {
            ctx.push(['paused', { lessThanHalf: got < SIZE / 2, isPaused: req.isPaused() }]);
            req.resume();
          }, 500);
        }
      });
      req.on('end', () => { ctx.push(['end', got]); res.end('ok'); });
    });
    const port = await ctx.listen(server);
    const c = ctx.connect(port);
    await c.connected;
    let writeDone = false;
    c.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${SIZE}\r\nConnection: close\r\n\r\n`);
    c.socket.write(Buffer.alloc(SIZE, 7), () => { writeDone = true; });
    await delay(400);
    const doneWhilePaused = writeDone;
    await c.waitClose(4000);
    return { doneWhilePaused, data: c.text };
  }, { timeout: 10000 });
  t.false(node.result.doneWhilePaused);
});

// FINDING (predates these commits): when a paused request's buffer is
// full, core's parserOnBody calls readStop(socket) -> socket.pause(), so
// req.socket.isPaused() is true and the socket emits 'pause' (and 'resume'
// when the body flows again). rhttp's readStop only sets the connection's
// PAUSE_BODY bit (lib/incoming.js readStop -> lib/socket.js
// _rhttpReadStop): the socket stays unpaused and emits neither event.
test('req.pause() with a full body buffer pauses the socket as core does (isPaused, pause/resume events)', async (t) => {
  await same(t, async (http, ctx) => {
    const size = 2 * MB;
    const server = ctx.server((req, res) => {
      const s = req.socket;
      req.pause();
      setImmediate(() => ctx.record(s, 'socket', ['pause', 'resume']));
      setTimeout(() => {
        ctx.push(['while paused', { socketPaused: s.isPaused(), reqPaused: req.isPaused() }]);
        let got = 0;
        req.on('data', (d) => { got += d.length; });
        req.resume();
        req.on('end', () => { ctx.push(['end', { socketPaused: s.isPaused() }]); res.end(String(got)); });
      }, 300);
    });
    const port = await ctx.listen(server);
    const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`;
    // One write: core's first read has head and body, and its readStop comes
    // before the setImmediate. (Two writes let rhttp's io thread read the
    // head alone, now and then: the body's pause then came a turn later.)
    return ctx.raw(port, [Buffer.concat([Buffer.from(head), Buffer.alloc(size, 1)])], { ms: 3000 });
  });
});

// A request paused before its body came holds one read's worth, as core's
// (src/server/conn.rs PAUSE_GATE: the first 64 KiB of each body, then Rust
// waits for the request stream to take them). It was ~1 MiB: everything in
// flight was pushed before the pause reached Rust.
test('a paused request buffers no more than core (one 64 KiB read)', async (t) => {
  await same(t, async (http, ctx) => {
    const size = 16 * MB;
    const server = ctx.server((req, res) => {
      req.pause();
      setTimeout(() => {
        ctx.push(['buffered', { atMost128K: req.readableLength <= 128 * 1024 }]);
        req.socket.destroy();
      }, 400);
    });
    const port = await ctx.listen(server);
    const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`;
    await ctx.raw(port, [head, Buffer.alloc(size, 1)], { ms: 2000 });
    return {};
  });
});

test('client: res.pause() holds a large response (the server cannot finish), resume gets every byte', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const chunk = Buffer.alloc(64 * 1024, 3);
    let finished = false;
    const server = ctx.track(require('node:http').createServer((req, res) => {
      res.setHeader('Content-Length', String(SIZE));
      let sent = 0;
      const pump = () => {
        while (sent < SIZE) {
          sent += chunk.length;
          if (!res.write(chunk)) { res.once('drain', pump); return; }
        }
        res.end();
      };
      res.on('finish', () => { finished = true; });
      pump();
    }));
    const port = await ctx.listen(server);
    const agent = new http.Agent({ keepAlive: false });
    ctx.defer(() => agent.destroy());
    const res = await new Promise((resolve, reject) => {
      const req = http.get({ host: HOST, port, agent }, resolve);
      req.on('error', reject);
    });
    let got = 0;
    res.on('data', (d) => {
      got += d.length;
      if (got === d.length) {
        res.pause(); res.resume(); res.pause();
      }
    });
    await delay(600);
    const whilePaused = { finished, lessThanHalf: got < SIZE / 2, isPaused: res.isPaused() };
    res.resume();
    await new Promise((resolve) => { res.on('end', resolve); setTimeout(resolve, 4000); });
    return { whilePaused, got, complete: res.complete };
  }, { timeout: 12000 });
  t.false(node.result.whilePaused.finished);
  t.is(node.result.got, SIZE);
});

test('client: a socket paused on connect (after it connected) gets no response until resumed', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.track(require('node:http').createServer((req, res) => res.end('hello')));
    const port = await ctx.listen(server);
    const req = http.request({ host: HOST, port, agent: false });
    let sock;
    let res = null;
    req.on('socket', (s) => {
      sock = s;
      s.once('connect', () => {
        s.pause();
        ctx.push(['paused on connect', s.isPaused()]);
      });
    });
    req.on('response', (r) => { res = r; });
    req.end();
    await delay(300);
    ctx.push(['response while paused', res !== null]);
    sock.resume();
    const deadline = Date.now() + 2000;
    while (res === null && Date.now() < deadline) await delay(5);
    const body = [];
    if (res) {
      res.on('data', (d) => body.push(d));
      await new Promise((resolve) => { res.on('end', resolve); setTimeout(resolve, 2000); });
    }
    return { body: Buffer.concat(body).toString() };
  });
});

test('upgraded socket: pause/resume/pause in one tick holds the data, resume gets every byte', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => res.end('plain'));
    let got = 0;
    let upgraded;
    const ready = new Promise((resolve) => {
      server.on('upgrade', (req, socket, head) => {
        upgraded = socket;
        got += head.length;
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
        socket.pause(); socket.resume(); socket.pause();
        socket.on('data', (d) => { got += d.length; });
        resolve();
      });
    });
    const port = await ctx.listen(server);
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/u', { Upgrade: 'echo', Connection: 'Upgrade' }));
    await ready;
    let writeDone = false;
    c.socket.write(Buffer.alloc(SIZE, 5), () => { writeDone = true; });
    await delay(400);
    const whilePaused = { got, writeDone, isPaused: upgraded.isPaused() };
    upgraded.resume();
    const deadline = Date.now() + 4000;
    while (got < SIZE && Date.now() < deadline) await delay(10);
    upgraded.destroy();
    return { whilePaused, got };
  }, { timeout: 10000 });
});

test('upgraded socket: backpressure by a slow reader (no pause) stops reading, then every byte arrives', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => res.end('plain'));
    let got = 0;
    let consumed = 0;
    let upgraded;
    server.on('upgrade', (req, socket, head) => {
      upgraded = socket;
      got += head.length;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      // 'readable' without reading for 500 ms: the buffer fills up to the
      // high-water mark and reading must stop.
      setTimeout(() => {
        consumed = got;
        socket.on('data', (d) => { got += d.length; });
      }, 500);
      socket.once('readable', () => {});
    });
    const port = await ctx.listen(server);
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/u', { Upgrade: 'echo', Connection: 'Upgrade' }));
    await c.waitFor('101');
    let writeDone = false;
    c.socket.write(Buffer.alloc(SIZE, 9), () => { writeDone = true; });
    await delay(400);
    const whileStopped = writeDone;
    const deadline = Date.now() + 4000;
    while (got < SIZE && Date.now() < deadline) await delay(10);
    upgraded.destroy();
    return { whileStopped, got, consumedBeforeData: consumed < SIZE / 2 };
  }, { timeout: 10000 });
});

// The body gate must open on every path that takes a body, or the
// connection stalls: a handler that never reads it, one that starts late,
// a chunked body, a fed stream, many paused uploads at once.
test('body gate: a large body left unread, the response ends, the next keep-alive request is served', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => res.end(`r ${req.url}`));
    const port = await ctx.listen(server);
    const size = 1 * MB;
    const head = `POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`;
    const snap = await ctx.raw(port, [head, Buffer.alloc(size, 2), 100, get('/next')], { until: { responses: 2 }, ms: 4000 });
    return { data: snap.data.replace(/Date: [^\r]*/g, 'Date: X') };
  });
});

test('body gate: a handler that starts reading later, a chunked body, many paused uploads at once', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const sizes = {};
    const server = ctx.server((req, res) => {
      // Later: after the gate closed on a stream nobody reads yet.
      setTimeout(() => {
        let got = 0;
        req.on('data', (d) => { got += d.length; });
        req.on('end', () => { sizes[req.url] = got; res.end(String(got)); });
      }, 150);
    });
    const port = await ctx.listen(server);
    const size = 3 * MB / 2;
    const fixed = (u) => [`POST ${u} HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`, Buffer.alloc(size, 3)];
    const chunk = Buffer.alloc(100000, 4);
    const chunked = [`POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      ...Array.from({ length: 12 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])),
      '0\r\n\r\n'];
    const runs = [ctx.raw(port, chunked, { ms: 5000 })];
    for (let i = 0; i < 20; i++) runs.push(ctx.raw(port, fixed(`/u${i}`), { ms: 5000 }));
    const snaps = await Promise.all(runs);
    return { sizes, closed: snaps.every((s) => s.closed) };
  }, { timeout: 15000 });
  t.is(node.result.sizes['/chunked'], 1200000);
  t.is(node.result.sizes['/u19'], 3 * MB / 2);
});

test('body gate: a stream handed to the server (fed) with a large body', async (t) => {
  await same(t, async (http, ctx) => {
    const { PassThrough, Duplex } = require('node:stream');
    const server = ctx.server((req, res) => {
      let got = 0;
      req.pause();
      setTimeout(() => {
        req.on('data', (d) => { got += d.length; });
        req.on('end', () => res.end(String(got)));
        req.resume();
      }, 100);
    });
    const input = new PassThrough();
    let out = '';
    const duplex = new Duplex({
      read() {},
      write(chunk, enc, cb) { out += chunk.toString('latin1'); cb(); },
    });
    input.on('data', (d) => duplex.push(d));
    server.emit('connection', duplex);
    const size = 1 * MB;
    input.write(`POST /fed HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
    input.write(Buffer.alloc(size, 5));
    await delay(600);
    return { out: out.replace(/Date: [^\r]*/g, 'Date: X') };
  });
});
