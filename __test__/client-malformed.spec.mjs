// Differential tests for malformed responses (the client side of
// /work/shared/reference/malformed-input-checklist.md): bad status lines and
// versions, invalid header tokens and values, Content-Length together with
// Transfer-Encoding, duplicate / invalid Content-Length, heads over the size
// limit, bad chunked framing, connections closed mid-head / mid-body,
// garbage after a response on a keep-alive socket and responses nobody asked
// for. For each: the 'error' (code, reason, bytesParsed, rawPacket, message)
// and the ClientRequest / response event sequence must be core's.

import anyTest from 'ava';
import {
  same, delay, HOST, scripted, respond, ok, record, reqState, agent, poolView, until,
} from './helpers/client-diff.mjs';

const test = anyTest.serial;

/** Sends one request on a keep-alive agent; the server answers with
 * `reply` (string or pieces). Returns the request state, the pool and the
 * response's flags; the log holds the events. */
async function scenario(http, ctx, reply, { reqOpts = {}, method = 'GET', settle = 50, read = true } = {}) {
  const srv = await scripted(ctx, respond([reply]));
  const a = agent(http, ctx, { keepAlive: true });
  const req = http.request({ host: HOST, port: srv.port, agent: a, method, ...reqOpts });
  const r = record(req, ctx.log, { read });
  req.end();
  await r.closed(2500);
  await delay(settle);
  const res = r.res;
  return {
    state: reqState(req),
    res: res && { complete: res.complete, aborted: res.aborted, destroyed: res.destroyed },
    pool: poolView(a),
    serverSawClose: srv.conns.map((c) => c.closed),
  };
}

const CASES = {
  // status line
  'status code not a number': 'HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n',
  'status code four digits': 'HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n',
  'status code two digits': 'HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n',
  'status code 000': 'HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n',
  'status code 999': 'HTTP/1.1 999 Nine\r\nContent-Length: 2\r\n\r\nok',
  'no reason phrase': 'HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok',
  'no space after status code': 'HTTP/1.1 200OK\r\nContent-Length: 2\r\n\r\nok',
  'reason with obs-text and tabs': 'HTTP/1.1 200 \xe9t\xe9\tfine\r\nContent-Length: 2\r\n\r\nok',
  'reason with a control char': 'HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nok',
  'lowercase protocol': 'http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
  'wrong protocol name': 'HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
  'garbage instead of a status line': 'hello world\r\n\r\n',
  'leading CRLF before the status line': '\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'leading space before the status line': ' HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  // versions
  'HTTP/2.0': 'HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.2': 'HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/0.9': 'HTTP/0.9 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.10': 'HTTP/1.10 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/3.0': 'HTTP/3.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.0 response': 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
  // line endings
  'bare LF line endings': 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok',
  'bare CR in the head': 'HTTP/1.1 200 OK\rContent-Length: 2\r\n\r\nok',
  // header tokens
  'space in a header name': 'HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 0\r\n\r\n',
  'space before the colon': 'HTTP/1.1 200 OK\r\nX-Foo : x\r\nContent-Length: 0\r\n\r\n',
  'control char in a header name': 'HTTP/1.1 200 OK\r\nX-F\x01oo: x\r\nContent-Length: 0\r\n\r\n',
  'header line without a colon': 'HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0\r\n\r\n',
  'empty header name': 'HTTP/1.1 200 OK\r\n: value\r\nContent-Length: 0\r\n\r\n',
  'NUL in a header value': 'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n',
  'DEL in a header value': 'HTTP/1.1 200 OK\r\nX-A: a\x7fb\r\nContent-Length: 0\r\n\r\n',
  'obs-text in a header value': 'HTTP/1.1 200 OK\r\nX-A: caf\xe9\r\nContent-Length: 0\r\n\r\n',
  'tab inside a header value': 'HTTP/1.1 200 OK\r\nX-A: a\tb\r\nContent-Length: 0\r\n\r\n',
  'obs-fold continuation line': 'HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n',
  // framing
  'Content-Length and Transfer-Encoding: chunked': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  'Transfer-Encoding: chunked then Content-Length': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  'duplicate Content-Length, different values': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
  'duplicate Content-Length, same value': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok',
  'Content-Length list "2, 2"': 'HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok',
  'Content-Length not a number': 'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok',
  'Content-Length negative': 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok',
  'Content-Length with a plus sign': 'HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok',
  'Content-Length huge': 'HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nok',
  'Content-Length with trailing space': 'HTTP/1.1 200 OK\r\nContent-Length: 2 \r\n\r\nok',
  'Transfer-Encoding: gzip (not chunked): close-delimited': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw', 20, 'END'],
  'Transfer-Encoding: chunked, gzip': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw', 20, 'END'],
  'Transfer-Encoding: gzip, chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  'Transfer-Encoding: CHUNKED (case)': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  'two Transfer-Encoding headers': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  // chunked body
  'invalid chunk size': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n',
  'chunk size with leading space': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 2\r\nok\r\n0\r\n\r\n',
  'chunk size overflow': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nok\r\n0\r\n\r\n',
  'chunk data longer than its size': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokk\r\n0\r\n\r\n',
  'chunk missing CRLF after data': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok0\r\n\r\n',
  'chunk extension': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;name=value\r\nok\r\n0;last\r\n\r\n',
  'chunk extension with a quoted string': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a="b c"\r\nok\r\n0\r\n\r\n',
  'bare LF in chunked framing': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\n0\n\n',
  'invalid trailer line': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nBad Trailer: x\r\n\r\n',
  // cut short
  'closed in the status line': ['HTTP/1.1 20', 20, 'END'],
  'closed after the head, before a Content-Length body': ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', 20, 'END'],
  'closed before the last chunk': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n', 20, 'END'],
  'closed inside the trailers': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n', 20, 'END'],
  'empty response, FIN': [20, 'END'],
  // status-specific
  '204 with a body': 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello',
  '304 with a chunked header': 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n',
  '101 without an upgrade request': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n',
  '1xx with a body': 'HTTP/1.1 102 Processing\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  '100 Continue then garbage': 'HTTP/1.1 100 Continue\r\n\r\ngarbage\r\n\r\n',
};

for (const [name, reply] of Object.entries(CASES)) {
  test(`malformed response: ${name}`, async (t) => {
    await same(t, (http, ctx) => scenario(http, ctx, reply));
  });
}

test('malformed response with insecureHTTPParser: bare LF, CL+TE, NUL value, obs-fold, space before colon', async (t) => {
  await same(t, async (http, ctx) => {
    const out = {};
    for (const key of ['bare LF line endings', 'Content-Length and Transfer-Encoding: chunked', 'NUL in a header value',
      'obs-fold continuation line', 'space before the colon', 'invalid chunk size', 'chunk missing CRLF after data']) {
      ctx.log.push(['case', key]);
      out[key] = await scenario(http, ctx, CASES[key], { reqOpts: { insecureHTTPParser: true } });
    }
    return out;
  });
});

test('HEAD response carrying body bytes: the bytes are read as the next message', async (t) => {
  await same(t, (http, ctx) => scenario(http, ctx, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', { method: 'HEAD' }));
});

// ---------------------------------------------------------------------------
// Header size limits

// A second response in the HEAD response's packet: core skips only the
// HEAD response's body; the second is a double response, framed by its own
// headers (its body is not read as a third message).
for (const [name, second] of [
  ['with a Content-Length body', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'],
  ['read to the close', 'HTTP/1.1 200 OK\r\n\r\nbody'],
]) {
  test(`HEAD: a second response ${name} in the same packet`, async (t) => {
    await same(t, (http, ctx) => scenario(http, ctx, `HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n${second}`, { method: 'HEAD' }));
  });
}

test('HEAD: a 100 Continue, then the response, then a second one in the same packet', async (t) => {
  await same(t, (http, ctx) => scenario(http, ctx,
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    { method: 'HEAD' }));
});

for (const [name, head, opts] of [
  ['head just under the default limit', 'HTTP/1.1 200 OK\r\nX-Big: ' + 'a'.repeat(16 * 1024 - 200) + '\r\nContent-Length: 2\r\n\r\nok', {}],
  ['head over the default limit (HPE_HEADER_OVERFLOW)', 'HTTP/1.1 200 OK\r\nX-Big: ' + 'a'.repeat(17 * 1024) + '\r\nContent-Length: 2\r\n\r\nok', {}],
  ['many small headers over the default limit', 'HTTP/1.1 200 OK\r\n' + 'X-H: v\r\n'.repeat(3000) + 'Content-Length: 2\r\n\r\nok', {}],
  ['head over maxHeaderSize: 1000', 'HTTP/1.1 200 OK\r\nX-Big: ' + 'b'.repeat(1200) + '\r\nContent-Length: 2\r\n\r\nok', { maxHeaderSize: 1000 }],
  ['head under maxHeaderSize: 32768 but over the default', 'HTTP/1.1 200 OK\r\nX-Big: ' + 'c'.repeat(20000) + '\r\nContent-Length: 2\r\n\r\nok', { maxHeaderSize: 32768 }],
  ['trailers over the default limit', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: ' + 't'.repeat(17 * 1024) + '\r\n\r\n', {}],
]) {
  test(`header size: ${name}`, async (t) => {
    await same(t, async (http, ctx) => {
      const o = await scenario(http, ctx, head, { reqOpts: opts });
      // rawPacket of a 17 kB head is long: keep only its length
      for (const e of ctx.log) {
        if (Array.isArray(e) && e[1] && typeof e[1].rawPacket === 'string') e[1].rawPacket = `<${e[1].rawPacket.length} bytes>`;
      }
      return o;
    });
  });
}

test('head over the limit arriving in small pieces', async (t) => {
  await same(t, async (http, ctx) => {
    const pieces = ['HTTP/1.1 200 OK\r\n'];
    for (let i = 0; i < 20; i++) pieces.push(`X-P${i}: ${'p'.repeat(1000)}\r\n`, 2);
    pieces.push('Content-Length: 0\r\n\r\n');
    const o = await scenario(http, ctx, pieces);
    for (const e of ctx.log) {
      if (Array.isArray(e) && e[1] && typeof e[1].rawPacket === 'string') e[1].rawPacket = `<${e[1].rawPacket.length} bytes>`;
    }
    return o;
  });
});

// ---------------------------------------------------------------------------
// Keep-alive sockets: extra bytes, unsolicited responses

test('garbage after a complete response in the same packet', async (t) => {
  await same(t, (http, ctx) => scenario(http, ctx, ok('first') + 'GARBAGE\r\n\r\n'));
});

test('a second response in the same packet, without a request', async (t) => {
  await same(t, (http, ctx) => scenario(http, ctx, ok('first') + ok('second')));
});

test('a second response after a delay on the idle pooled socket, then a new request', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write(ok('first'));
      await delay(40);
      conn.write(ok('unsolicited'));
      if (await conn.waitRequests(2, 400)) conn.write(ok('third'));
    });
    const a = agent(http, ctx, { keepAlive: true });
    const r1 = http.request({ host: HOST, port: srv.port, agent: a, path: '/1' });
    const rec1 = record(r1, ctx.log, { label: 'r1', rlabel: 'res1' });
    r1.end();
    await rec1.closed();
    await delay(120);
    ctx.log.push(['pool', poolView(a)]);
    const r2 = http.request({ host: HOST, port: srv.port, agent: a, path: '/2' });
    const rec2 = record(r2, ctx.log, { label: 'r2', rlabel: 'res2' });
    r2.end();
    await rec2.closed();
    await delay(20);
    return { conns: srv.conns.length, reused: r2.reusedSocket, pool: poolView(a) };
  });
});

test('garbage after a delay on the idle pooled socket', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write(ok('first'));
      await delay(40);
      conn.write('\x00\x01garbage');
    });
    const a = agent(http, ctx, { keepAlive: true });
    const r1 = http.request({ host: HOST, port: srv.port, agent: a });
    const rec1 = record(r1, ctx.log);
    r1.end();
    await rec1.closed();
    await delay(150);
    return { pool: poolView(a), serverSawClose: srv.conns.map((c) => c.closed) };
  });
});

test('response bytes arriving before the request was written', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => { conn.write(ok('early')); });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'POST' });
    const r = record(req, ctx.log);
    await delay(100);
    req.end('late');
    await r.closed();
    await delay(20);
    return { state: reqState(req), pool: poolView(a) };
  });
});

test('a response split byte by byte', async (t) => {
  await same(t, async (http, ctx) => {
    const text = 'HTTP/1.1 200 OK\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: t\r\n\r\n';
    const pieces = [];
    for (const ch of text) pieces.push(ch, 1);
    return scenario(http, ctx, pieces);
  });
});
