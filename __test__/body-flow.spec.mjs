// The client's FIN behind a request body that the server has not taken yet.
// Core reads a connection only while the request stream wants data: a FIN
// (or a pipelined request) behind an unread body waits in the kernel until
// the body is consumed. Differential: node:http vs rhttp, the request's
// events and the bytes a raw client receives.

import test from 'ava';
import { same, delay } from './helpers/diff.mjs';

async function finBehindBody(http, ctx, bytes, handler, { finAfter = 0 } = {}) {
  let reqClosed;
  const closed = new Promise((resolve) => { reqClosed = resolve; });
  const server = ctx.server((req, res) => {
    req.on('aborted', () => ctx.push(['aborted', req.complete]));
    req.on('error', (e) => ctx.push(['req error', e.code, e.message]));
    req.on('close', () => {
      ctx.push(['req close', req.complete]);
      reqClosed();
    });
    handler(req, res, ctx);
  });
  server.on('clientError', (e, socket) => {
    ctx.push(['clientError', e.code]);
    socket.destroy();
  });
  const port = await ctx.listen(server);
  const c = ctx.connect(port);
  await c.connected;
  if (finAfter === 0) {
    c.end(bytes);
  } else {
    c.write(bytes);
    await delay(finAfter);
    c.end();
  }
  await c.waitClose(finAfter + 1000).catch(() => {});
  // A request still open (core never read the FIN, nor would it read a
  // reset): closing the server's connections ends it.
  server.closeAllConnections();
  await Promise.race([closed, delay(1000)]);
  await delay(50);
  return c.text.replace(/Date: [^\r]*\r\n/g, '');
}

const BODY = 'x'.repeat(65536);

// Rust held the rest of a body (its first 64 KiB went to JS) and read the
// FIN before JS took it: the request was reported cut short
// (HPE_INVALID_EOF_STATE) though every byte had come.
test('a chunked body and the FIN in one write, answered without reading it', async (t) => {
  await same(t, (http, ctx) => finBehindBody(http, ctx,
    `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n${BODY}\r\n0\r\n\r\n`,
    (req, res) => res.end('ok')));
});

/** Reads once in an immediate, then flows from 50 ms on; answers at 'end'. */
function readOnceThenFlow(req, res, ctx) {
  let total = 0;
  req.on('end', () => {
    ctx.push(['end', total]);
    res.end('ok');
  });
  setImmediate(() => {
    const d = req.read();
    if (d) total += d.length;
  });
  setTimeout(() => req.on('data', (d) => { total += d.length; }), 50);
}

test('a 100 kB body and the FIN in one write, read once in an immediate, then flowing', async (t) => {
  await same(t, (http, ctx) => finBehindBody(http, ctx,
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(100000)}`, readOnceThenFlow));
});

// More body than core reads at once is still unread when the FIN comes:
// core has not read the FIN yet, so the request completes and is answered.
// rhttp read ahead and ended the socket: the request was aborted.
test('a 200 kB body and the FIN in one write, read once in an immediate, then flowing', async (t) => {
  await same(t, (http, ctx) => finBehindBody(http, ctx,
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n${'x'.repeat(200000)}`, readOnceThenFlow));
});

// Nobody reads a 64 KiB body; the client half-closes later. Core never
// reads the FIN: no 'aborted', the request stays open.
test('a 64 KiB body nobody reads, the FIN 200 ms later', async (t) => {
  await same(t, (http, ctx) => finBehindBody(http, ctx,
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n${BODY}`,
    (req, res, ctx) => setTimeout(() => ctx.push(['at 400 ms', req.destroyed, req.complete]), 400),
    { finAfter: 200 }));
});

// A request cut short, with the FIN in the same write, answered from an
// immediate with Connection: close: core writes the response and closes
// before its next read finds the FIN, so no 'clientError'.
test('a truncated Connection: close request with the FIN, answered from an immediate', async (t) => {
  await same(t, (http, ctx) => finBehindBody(http, ctx,
    'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 20\r\n\r\nabcde',
    (req, res) => setImmediate(() => res.end('ok'))));
});

// A paused request with a 64 KiB body, a pipelined request behind it: core
// read only the first 64 KiB of the stream, so the body does not complete
// and the next request waits until the response dumps the body.
test('a paused 64 KiB body with a pipelined request behind it', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => {
      ctx.push(['request', req.url]);
      if (req.url === '/2') {
        res.end('second');
        return;
      }
      req.pause();
      req.on('end', () => ctx.push(['end', req.url]));
      req.on('close', () => ctx.push(['req close', req.complete]));
      setTimeout(() => ctx.push(['at 200 ms', req.complete]), 200);
      setTimeout(() => res.end('ok'), 250);
    });
    const port = await ctx.listen(server);
    const c = ctx.connect(port);
    await c.connected;
    c.write(`POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n${BODY}GET /2 HTTP/1.1\r\nHost: x\r\n\r\n`);
    await c.waitResponses(2, 2000).catch(() => {});
    return c.text.replace(/Date: [^\r]*\r\n/g, '');
  });
});

// A Connection: close answer to a request whose 64 KiB body nobody read:
// core destroys the socket after the response, before reading the rest of
// the body, so the request never ends.
test('a Connection: close answer from an immediate, the 64 KiB body unread', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => {
      req.on('end', () => ctx.push(['end', req.complete]));
      req.on('close', () => ctx.push(['req close', req.complete]));
      setImmediate(() => res.end('ok'));
    });
    server.on('connection', (socket) => socket.on('close', () => ctx.push(['socket close'])));
    const port = await ctx.listen(server);
    const c = ctx.connect(port);
    await c.connected;
    c.write(`POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 65536\r\n\r\n${BODY}`);
    await c.waitClose(2000).catch(() => {});
    await delay(50);
    return c.text.replace(/Date: [^\r]*\r\n/g, '');
  });
});
