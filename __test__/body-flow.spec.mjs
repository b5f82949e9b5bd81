// The client's FIN behind a request body that the server has not taken yet.
// Core reads a connection only while the request stream wants data: a FIN
// (or a pipelined request) behind an unread body waits in the kernel until
// the body is consumed. Differential: node:http vs rhttp, the request's
// events and the bytes a raw client receives.

import test from 'ava';
import { same, delay } from './helpers/diff.mjs';

async function finBehindBody(http, ctx, bytes, handler) {
  const server = ctx.server((req, res) => {
    req.on('aborted', () => ctx.push(['aborted', req.complete]));
    req.on('error', (e) => ctx.push(['req error', e.code, e.message]));
    req.on('close', () => ctx.push(['req close', req.complete]));
    handler(req, res, ctx);
  });
  server.on('clientError', (e, socket) => {
    ctx.push(['clientError', e.code]);
    socket.destroy();
  });
  const port = await ctx.listen(server);
  const c = ctx.connect(port);
  await c.connected;
  c.end(bytes);
  await c.waitClose(2000).catch(() => {});
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

test('a 100 kB body and the FIN in one write, read once in an immediate, then flowing', async (t) => {
  await same(t, (http, ctx) => finBehindBody(http, ctx,
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(100000)}`,
    (req, res, ctx) => {
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
    }));
});
