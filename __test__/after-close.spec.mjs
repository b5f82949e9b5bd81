// Bytes after a request that is not keep-alive (Connection: close, or
// HTTP/1.0), arriving in a later read while its response is still pending:
// llhttp sits in its closed state, so anything but CR/LF is
// HPE_CLOSED_CONNECTION (a bare 400, the pending response lost, or a
// 'clientError'). CR/LF alone is ignored. Differential: node:http vs rhttp.

import test from 'ava';
import { same, get, delay } from './helpers/diff.mjs';

async function scenario(http, ctx, first, later, { listener = false } = {}) {
  const server = ctx.server((req, res) => {
    ctx.push(['request', req.url]);
    setTimeout(() => res.end('late'), 300);
  });
  server.on('connection', (socket) => {
    ctx.record(socket, 'socket', ['close']);
    socket.on('error', (e) => ctx.push(['socket error', e.code]));
  });
  if (listener) {
    server.on('clientError', (err, socket) => {
      ctx.push(['clientError', err.code, err.bytesParsed]);
      socket.destroy();
    });
  }
  const port = await ctx.listen(server);
  const c = ctx.connect(port);
  await c.connected;
  c.write(first);
  await delay(100);
  c.write(later);
  await c.waitClose(2000).catch(() => {});
  await delay(50);
  return c.text.replace(/Date: [^\r]*\r\n/g, '');
}

const CLOSE = get('/first', { Connection: 'close' });
const HTTP10 = 'GET /first HTTP/1.0\r\n\r\n';

for (const [name, first, later, opts] of [
  ['Connection: close, then a request', CLOSE, get('/second'), {}],
  ['Connection: close, then a request, clientError listener', CLOSE, get('/second'), { listener: true }],
  ['HTTP/1.0, then garbage', HTTP10, 'xyz', {}],
  ['Connection: close, then CR/LF only', CLOSE, '\r\n\r\n', {}],
]) {
  test(`${name}, in a later read while the response is pending`, async (t) => {
    await same(t, (http, ctx) => scenario(http, ctx, first, later, opts));
  });
}
