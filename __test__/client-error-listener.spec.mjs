// A 'clientError' listener that leaves the socket open (does nothing, only
// writes, or answers with socket.end(data) as Node's docs show): core's
// parser stays in its error, so each later read is a 'clientError' again,
// and the peer's FIN ends the socket and closes it. Differential: node:http
// vs rhttp, server events and the bytes a raw client receives.

import test from 'ava';
import { same, get, delay } from './helpers/diff.mjs';

const CLOSE_THEN_MORE = get('/', { Connection: 'close' }) + 'X';

/** The client half-closes; what it received, and the connections the
 * server still counts once the socket had its chance to close. */
async function endAndObserve(server, c) {
  c.end();
  await c.waitClose(2000);
  await delay(50);
  const connections = await new Promise((resolve) => server.getConnections((e, n) => resolve(n)));
  return { received: c.text.replace(/Date: [^\r]*\r\n/g, ''), connections };
}

async function scenario(http, ctx, mode, first, { packet = true } = {}) {
  const server = ctx.server((req, res) => {
    ctx.push(['request', req.url]);
    res.end('x');
  });
  server.on('connection', (socket) => {
    ctx.record(socket, 'socket', ['end', 'close']);
    socket.on('error', (e) => ctx.push(['socket error', e.code]));
  });
  server.on('clientError', (err, socket) => {
    ctx.push(['clientError', err.code, err.bytesParsed, packet ? String(err.rawPacket) : '-']);
    if (mode === 'write') socket.write('HTTP/1.1 400 X\r\n\r\n');
    if (mode === 'end(data)') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  const port = await ctx.listen(server);
  const c = ctx.connect(port);
  await c.connected;
  c.write(first);
  await delay(100);
  if (c.socket.writable) c.write(get('/2'));
  await delay(100);
  if (c.socket.writable) c.write('more');
  await delay(100);
  return endAndObserve(server, c);
}

for (const mode of ['nothing', 'write', 'end(data)']) {
  test(`clientError listener that does ${mode}: later reads error again, the FIN closes`, async (t) => {
    await same(t, (http, ctx) => scenario(http, ctx, mode, 'G@T / HTTP/1.1\r\n\r\n'));
  });
}

// Not rawPacket: core's is the whole read, the request before included;
// rhttp's starts after the request (noted as a known difference).
test('clientError listener that does nothing, after bytes behind a Connection: close request', async (t) => {
  await same(t, (http, ctx) => scenario(http, ctx, 'nothing', CLOSE_THEN_MORE, { packet: false }));
});

// A head that arrives in pieces and fails in the latest: core's rawPacket
// (and bytesParsed) is that read alone, its parser having consumed the
// earlier ones. So is a repeat's, for the read after.
test('clientError of a head in two reads: rawPacket is the failing read', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => res.end('x'));
    server.on('clientError', (err) => ctx.push(['clientError', err.code, err.bytesParsed, String(err.rawPacket)]));
    const port = await ctx.listen(server);
    const c = ctx.connect(port);
    await c.connected;
    for (const piece of ['GET / HTTP/1.1\r\nHo', 'st: x\r\nBad Header\r\n\r\n', 'more']) {
      c.write(piece);
      await delay(100);
    }
    return endAndObserve(server, c);
  });
});

// A request timeout reported to a listener that leaves the socket open:
// core parses on (the request, completed later, is served) and takes the
// connection off its timeout list until the next message; an end(data)
// answer closes once the peer's FIN comes (an EOF mid-head, reported too).
async function timedOut(http, ctx, mode) {
  const server = ctx.server({ requestTimeout: 1000, headersTimeout: 1000, connectionsCheckingInterval: 100 },
    (req, res) => {
      ctx.push(['request', req.url]);
      req.resume();
      req.on('end', () => res.end('x'));
    });
  server.on('connection', (socket) => ctx.record(socket, 'socket', ['end', 'close']));
  server.on('clientError', (err, socket) => {
    ctx.push(['clientError', err.code]);
    if (mode === 'end(data)') socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  });
  const port = await ctx.listen(server);
  const c = ctx.connect(port);
  await c.connected;
  c.write('GET /slow HTTP/1.1\r\nHost: a\r\n');
  await delay(1600);
  if (c.socket.writable) c.write('\r\n');
  await delay(300);
  return endAndObserve(server, c);
}

for (const mode of ['nothing', 'end(data)']) {
  test(`request timeout, clientError listener that does ${mode}: parsing goes on, the FIN closes`, async (t) => {
    await same(t, (http, ctx) => timedOut(http, ctx, mode), { timeout: 10000 });
  });
}
