// Hono 4 on @hono/node-server 2 (the Node req/res <-> Fetch bridge) and
// http-server 14 (union, its static core, corser, http-proxy), unmodified,
// on rhttp through rhttp/register versus on core's http (the oracle).
//
// Each fixture (fixtures/hono-static-{hono,http-server}.js) runs in a child
// process twice, on core and with `-r ./register.js`. This process sends
// both the same raw requests (exact bytes) on `net` connections and
// compares the bytes it got back (Date values and ports masked), whether
// the server ended (FIN) or reset the connection, and the { id, at, ev }
// lines each fixture logged about each request (req/res lifecycle, the
// app's steps: body reads, stream pulls and cancels, c.req.raw.signal,
// the upstream's view of proxied requests). Each test also checks, on
// core's observations, that the scenario saw what it is about.
//
// Where rhttp differs from core the test is `.failing`, with a comment,
// and /tmp/honostatic-repro/ has a standalone script showing it.

import anyTest from 'ava';
import { createRequire } from 'node:module';
import { differentialScenario } from './fixtures/apps.mjs';
import { complete } from './helpers/raw-client.mjs';
import {
  sleep, connect, head, typed, exchange, notes, all, inTurn, keepAliveAndPipelined, bodyOf, jsonOf, statusOf, multipartBody,
} from './helpers/lib-scenario.mjs';

const require = createRequire(import.meta.url);
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

// Serial: several scenarios are about timing (clients leaving mid-stream,
// a slow reader), and the two runs of a scenario should see the same load.
const test = anyTest.serial;

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const sha16 = (b) => sha(b).slice(0, 16);
/** How many status lines `got` holds. */
const answers = (got) => got.split(/HTTP\/1\.1 \d{3} /).length - 1;
/** A chunked body, as the client got it, decoded. */
function unchunk(body) {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) return out;
    const size = parseInt(body.slice(at, eol), 16);
    if (!size) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

// ---------------------------------------------------------------------------
// Hono on @hono/node-server

const HONO = 'hono-static-hono.js';
const get = (path, id, headers) => [head('GET', path, id, headers)];
const BOUNDARY = '----honoStaticBoundary7x';
const BIG = Buffer.alloc(2 * 1024 * 1024);
for (let i = 0; i < BIG.length; i += 4) BIG.writeUInt32LE((i * 2654435761) >>> 0, i);

test('hono: text / json / html, several Set-Cookie, redirect, 204 / 304, HEAD, bytes / Blob / raw Response, etag 304, 404, onError and HTTPException', async (t) => {
  const { core, rhttp } = await differentialScenario(t, HONO, async (app) => {
    const tag = (await exchange(t, app, get('/etag/a', 'tag'))).got.match(/^ETag: (.*)$/im)[1];
    return all(t, app, {
      text: get('/text', 'text'),
      json: get('/json?q=%C3%A9&t=1&t=2', 'json'),
      html: get('/html', 'html'),
      cookies: get('/cookies', 'cookies'),
      redirect: get('/redirect', 'redirect'),
      empty: get('/empty', 'empty'),
      notModified: get('/not-modified', 'not-modified'),
      headText: [head('HEAD', '/text', 'head-text')],
      headJson: [head('HEAD', '/json', 'head-json')],
      headStream: [head('HEAD', '/stream', 'head-stream')],
      headers: get('/headers', 'headers', { 'User-Agent': 'raw/1', 'X-Multi': 'one', 'x-multi': 'two', Cookie: 'a=1', cookie: 'b=2' }),
      uint8: get('/uint8', 'uint8'),
      blob: get('/response-blob', 'blob'),
      raw: get('/raw-response', 'raw'),
      env: get('/env', 'env'),
      etag: get('/etag/a', 'etag'),
      etagMatch: get('/etag/a', 'etag-match', { 'If-None-Match': tag }),
      etagOther: get('/etag/a', 'etag-other', { 'If-None-Match': '"nope"' }),
      notFound: get('/nowhere', 'not-found'),
      wrongMethod: [head('DELETE', '/text', 'wrong-method')],
      throw: get('/throw', 'throw'),
      throwAsync: get('/throw-async', 'throw-async'),
      httpException: get('/http-exception', 'http-exception'),
      httpExceptionRes: get('/http-exception-res', 'http-exception-res'),
      http10: [head('GET', '/text', 'http10', {}, '1.0')],
      absolute: [`GET http://example.test/text?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nx-id: absolute\r\n\r\n`],
      badHost: ['GET /text HTTP/1.1\r\nHost: a b\r\nx-id: bad-host\r\n\r\n'],
    });
  });
  t.deepEqual(rhttp, core);
  t.regex(core.text.client.got, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain; charset=UTF-8\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 10\r\n\r\nhello hono$/);
  t.deepEqual(jsonOf(core.json.client.got), { hello: 'wörld', q: 'é', all: ['1', '2'] });
  t.regex(core.json.client.got, /^HTTP\/1\.1 201 Created\r\n[^]*x-custom: a\r\n/);
  t.regex(core.cookies.client.got, /\r\nset-cookie: a=1; Path=\/; HttpOnly\r\nset-cookie: b=two%20words; Max-Age=60; Path=\/; SameSite=Lax\r\nset-cookie: c=3; Secure\r\n/);
  t.regex(core.cookies.client.got, /\r\nvary: Accept, Cookie\r\n/);
  t.regex(core.redirect.client.got, /^HTTP\/1\.1 301 Moved Permanently\r\nlocation: \/text\r\n/);
  t.regex(core.empty.client.got, /^HTTP\/1\.1 204 No Content\r\n[^]*\r\n\r\n$/);
  t.regex(core.notModified.client.got, /^HTTP\/1\.1 304 Not Modified\r\nETag: "x"\r\n[^]*\r\n\r\n$/);
  t.regex(core.headText.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n$/);
  t.regex(core.headStream.notes.order.join('\n'), /mw: HEAD \/stream/);
  t.deepEqual(jsonOf(core.headers.client.got), { ua: 'raw/1', multi: 'one, two', cookie: 'a=1; b=2', host: '127.0.0.1' });
  t.is(bodyOf(core.uint8.client.got), '\u0000\u0001\u0002\u00ff');
  t.regex(core.blob.client.got, /content-type: application\/x-blob\r\n[^]*\r\n\r\nblob body$/i);
  // (the adaptor drops a Response's statusText)
  t.regex(core.raw.client.got, /^HTTP\/1\.1 202 Accepted\r\nX-Raw: 1\r\n/);
  t.regex(core.env.client.got, /\r\nX-From-Outgoing: set\r\n[^]*\r\n\r\nremote 127\.0\.0\.1 http 1\.1$/);
  t.regex(core.etagMatch.client.got, /^HTTP\/1\.1 304 Not Modified\r\n/);
  t.regex(core.etagOther.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*tagged \/etag\/a$/);
  t.regex(core.notFound.client.got, /^HTTP\/1\.1 404 Not Found\r\n[^]*no route for GET \/nowhere$/);
  t.regex(core.throw.client.got, /^HTTP\/1\.1 500 Internal Server Error\r\n[^]*x-error: yes\r\n[^]*custom error: sync throw$/);
  t.deepEqual(core.throwAsync.notes.onError, ['TypeError async throw']);
  t.regex(core.httpException.client.got, /^HTTP\/1\.1 401 Unauthorized\r\n[^]*\r\n\r\ngo away$/);
  t.regex(core.httpExceptionRes.client.got, /^HTTP\/1\.1 418 I'm a Teapot\r\n[^]*x-teapot: short\r\n[^]*Transfer-Encoding: chunked\r\n\r\nb\r\nteapot body\r\n0\r\n\r\n$/);
  t.true(core.http10.client.closed);
  t.regex(core.absolute.notes.order.join('\n'), /mw: GET \/text/);
  t.regex(core.badHost.client.got, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.deepEqual(core.text.notes.res, ['finish', 'close finished=true']);
});

test('hono: streamed answers: c.body(ReadableStream) slow, ready at once, sized, empty; stream() / streamText() / streamSSE(); a stream failing after the head', async (t) => {
  const { core, rhttp } = await differentialScenario(t, HONO, async (app) => {
    const out = await all(t, app, {
      stream: get('/stream', 'stream'),
      quick: get('/stream-quick', 'quick'),
      sized: get('/stream-sized', 'sized'),
      empty: get('/stream-empty', 'stream-empty'),
      helper: get('/stream-helper', 'helper'),
      text: get('/stream-text', 'stream-text'),
      sse: get('/sse', 'sse', { Connection: 'close' }),
      helperThrows: get('/helper-throws', 'helper-throws'),
      bigStream: get('/big-stream', 'big-stream'),
      big: get('/big', 'big'),
    });
    // (On a connection of its own, after the others: what it logs through
    // console.error is not tagged with its id.)
    out.error = { client: await exchange(t, app, get('/stream-error', 'stream-error'), { ms: 1500 }) };
    out.error.notes = await notes(app, 'stream-error', /^req: close/);
    out.console = await notes(app, 'console', null, { settle: 0 });
    // Big answers: compared by size and hash.
    for (const k of ['bigStream', 'big']) {
      const raw = bodyOf(out[k].client.got);
      const body = Buffer.from(k === 'bigStream' ? unchunk(raw) : raw, 'latin1');
      out[k].client.got = `${out[k].client.got.slice(0, out[k].client.got.indexOf('\r\n\r\n'))} [${body.length} ${sha16(body)}]`;
    }
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core.stream.client.got, /Transfer-Encoding: chunked\r\n\r\n4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n$/);
  t.is(unchunk(bodyOf(core.quick.client.got)), 'all at once');
  t.regex(core.sized.client.got, /\r\ncontent-length: 10\r\n[^]*\r\n\r\n1234567890$/i);
  t.regex(core.empty.client.got, /^HTTP\/1\.1 200 OK\r\n/);
  t.is(unchunk(bodyOf(core.helper.client.got)), 'alpha beta gamma');
  t.is(unchunk(bodyOf(core.text.client.got)), 'line one\nline two');
  t.is(unchunk(bodyOf(core.sse.client.got)), [0, 1, 2].map((i) => `event: tick\ndata: tick ${i}\nid: ${i}\n\n`).join(''));
  t.is(unchunk(bodyOf(core.helperThrows.client.got)), 'before the throw [handled]');
  t.deepEqual(core.helperThrows.notes.stream, ['onError thrown inside stream()']);
  t.deepEqual(core.stream.notes.stream, ['done after 3']);
  // The stream that broke: its first part, then the connection ends.
  t.regex(core.error.client.got, /Transfer-Encoding: chunked\r\n\r\nb\r\nfirst part \r\n$/);
  t.true(core.error.client.closed);
  t.true(core.error.notes.order.includes('signal: abort Error: aborted'));
  t.deepEqual(core.console.console, ['error stream broke']);
  t.regex(core.bigStream.client.got, /Transfer-Encoding: chunked \[4194304 /);
  t.regex(core.big.client.got, /Content-Length: 1048576 \[1048576 /);
});

test('hono: request bodies: text, json, arrayBuffer, formData (urlencoded, multipart with files), parseBody, the body as a stream, echoed; chunked and in pieces; invalid JSON; bodyLimit; bodies never read', async (t) => {
  const form = multipartBody([
    { name: 'title', value: 'héllo' },
    { name: 'doc', filename: 'a.txt', type: 'text/plain', data: 'file body\r\n--not the boundary' },
    { name: 'bin', filename: 'b.bin', data: BIG.subarray(0, 100 * 1024) },
  ], BOUNDARY);
  const mp = `multipart/form-data; boundary=${BOUNDARY}`;
  const chunk = (s) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
  const { core, rhttp } = await differentialScenario(t, HONO, async (app) => all(t, app, {
    text: [typed('POST', '/text', 'text', 'text/plain; charset=utf-8', 'hello wörld')],
    textChunked: [head('POST', '/text', 'text-chunked', { 'Transfer-Encoding': 'chunked' }), chunk('one '), 20, chunk('two'), 20, '0\r\n\r\n'],
    textEmpty: [typed('POST', '/text', 'text-empty', 'text/plain', '')],
    json: [typed('POST', '/json', 'json', 'application/json', '{"a":[1,2],"b":"ü"}')],
    badJson: [typed('POST', '/json', 'bad-json', 'application/json', '{"a":')],
    arrayBuffer: [head('POST', '/array-buffer', 'array-buffer', { 'Content-Length': BIG.length }), BIG],
    arrayBufferPieces: [head('POST', '/array-buffer', 'ab-pieces', { 'Content-Length': 30000 }), BIG.subarray(0, 10000), 10, BIG.subarray(10000, 20000), 10, BIG.subarray(20000, 30000)],
    urlencoded: [typed('POST', '/form', 'urlencoded', 'application/x-www-form-urlencoded', 'a=1&b=x%20y&a=2')],
    multipart: [head('POST', '/form', 'multipart', { 'Content-Type': mp, 'Content-Length': form.length }), form],
    parseBody: [head('POST', '/parse-body', 'parse-body', { 'Content-Type': mp, 'Content-Length': form.length }), form.subarray(0, 500), 10, form.subarray(500)],
    streamBody: [head('POST', '/stream-body', 'stream-body', { 'Content-Length': BIG.length }), BIG],
    echo: [head('PUT', '/echo', 'echo', { 'Content-Type': 'text/x-echo', 'Transfer-Encoding': 'chunked' }), chunk('echo '), 20, chunk('me back'), '0\r\n\r\n'],
    limitOk: [typed('POST', '/limited', 'limit-ok', 'text/plain', 'short')],
    limitOver: [typed('POST', '/limited', 'limit-over', 'text/plain', 'this body is longer than sixteen bytes')],
    ignore: [typed('POST', '/ignore', 'ignore', 'text/plain', 'nobody reads this')],
    ignoreBig: [head('POST', '/ignore', 'ignore-big', { 'Content-Length': BIG.length }), BIG],
    ignoreAsync: [typed('POST', '/ignore-async', 'ignore-async', 'text/plain', 'nor this')],
  }));
  t.deepEqual(rhttp, core);
  t.deepEqual(jsonOf(core.text.client.got), { text: 'hello wörld', type: 'text/plain; charset=utf-8' });
  t.is(jsonOf(core.textChunked.client.got).text, 'one two');
  t.deepEqual(jsonOf(core.json.client.got), { json: { a: [1, 2], b: 'ü' } });
  t.regex(core.badJson.client.got, /^HTTP\/1\.1 500 [^]*custom error: /);
  t.deepEqual(jsonOf(core.arrayBuffer.client.got), { bytes: BIG.length, sha: sha16(BIG) });
  t.deepEqual(jsonOf(core.arrayBufferPieces.client.got), { bytes: 30000, sha: sha16(BIG.subarray(0, 30000)) });
  t.deepEqual(jsonOf(core.urlencoded.client.got).form, [['a', '1'], ['b', 'x y'], ['a', '2']]);
  t.deepEqual(jsonOf(core.multipart.client.got).form, [
    ['title', 'héllo'],
    ['doc', { name: 'a.txt', type: 'text/plain', size: 29, sha: sha16('file body\r\n--not the boundary') }],
    ['bin', { name: 'b.bin', type: 'application/octet-stream', size: 102400, sha: sha16(BIG.subarray(0, 102400)) }],
  ]);
  t.is(jsonOf(core.parseBody.client.got).body.title, 'héllo');
  t.deepEqual(jsonOf(core.streamBody.client.got), { bytes: BIG.length, some: true });
  t.is(unchunk(bodyOf(core.echo.client.got)), 'echo me back');
  t.regex(core.limitOk.client.got, /\r\n\r\nok 5$/);
  t.regex(core.limitOver.client.got, /^HTTP\/1\.1 413 [^]*too big$/);
  t.regex(core.ignoreBig.client.got, /\r\n\r\nignored your body$/);
  t.true(core.ignoreBig.notes.req.includes('end'));
});

test('hono: clients gone: mid-stream, before a handler waiting on c.req.raw.signal, mid-body of a read, a slow reader of 4 MiB', async (t) => {
  const { core, rhttp } = await differentialScenario(t, HONO, async (app) => {
    const out = { notes: {} };
    // Mid-stream: after the first few chunks.
    const mid = connect(t, app);
    await mid.send(head('GET', '/endless', 'endless'));
    await mid.sees('chunk 2\n', 2000);
    mid.socket.destroy();
    // (how many chunks were pulled before the cancel is a matter of timing)
    out.notes.endless = JSON.parse(JSON.stringify(await notes(app, 'endless', /^stream: cancel/, { settle: 100 }))
      .replace(/cancel after \d+/g, 'cancel after <n>'));
    // Before the answer of a handler waiting on the signal.
    const wait = connect(t, app);
    await wait.send(head('GET', '/wait-signal', 'wait-signal'));
    await app.waitLine((l) => l.id === 'wait-signal' && l.at === 'mw', 2000, 'mw').catch(() => {});
    await sleep(30);
    wait.socket.destroy();
    out.notes.waitSignal = await notes(app, 'wait-signal', /^handler: waited/, { settle: 100, ms: 2000 });
    // Half a body, then gone, while the handler reads it.
    const cut = connect(t, app);
    await cut.send(head('POST', '/read-cut', 'read-cut', { 'Content-Length': 100 }), 'only some of it');
    await sleep(50);
    cut.socket.destroy();
    out.notes.readCut = await notes(app, 'read-cut', /^body: /, { settle: 100 });
    // An ended half: a FIN after the whole request, before the answer.
    const fin = connect(t, app, { allowHalfOpen: true });
    await fin.send(head('GET', '/wait-signal', 'fin-early'));
    await sleep(30);
    fin.socket.end();
    out.notes.finEarly = await notes(app, 'fin-early', /^handler: waited/, { settle: 100, ms: 2000 });
    await fin.closes(200);
    out.finEarly = fin.view();
    fin.socket.destroy();
    // All 4 MiB, read in bursts.
    const slow = connect(t, app);
    await slow.send(head('GET', '/big-stream', 'slow'));
    const timer = setInterval(() => (slow.socket.isPaused() ? slow.socket.resume() : slow.socket.pause()), 10);
    await slow.until(() => complete(slow.text()) > 0, 6000);
    clearInterval(timer);
    const body = slow.bytes().subarray(slow.bytes().indexOf('\r\n\r\n') + 4);
    out.slow = unchunk(body.toString('latin1')).length;
    slow.socket.destroy();
    out.notes.slow = await notes(app, 'slow', /^res: close/, { settle: 50 });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core.notes.endless.stream.at(-1), /^cancel after <n> /);
  t.true(core.notes.endless.order.includes('res: close finished=false'));
  // (the reason is the request's error, as a string)
  t.deepEqual(core.notes.waitSignal.signal, ['abort Error: aborted']);
  t.deepEqual(core.notes.waitSignal.handler, ['waited aborted=true reason=Error: aborted']);
  t.deepEqual(core.notes.readCut.body, ['rejected Error aborted']);
  // A FIN after a whole GET aborts it too (the request errors 'aborted').
  t.deepEqual(core.notes.finEarly.handler, ['waited aborted=true reason=Error: aborted']);
  t.is(core.slow, 4 * 1024 * 1024);
  t.deepEqual(core.notes.slow.stream, ['done 64']);
});

test('hono: keep-alive and pipelining (GET, POST bodies read and unread, streams, errors, HEAD, 304, 404)', async (t) => {
  const { core, rhttp } = await differentialScenario(t, HONO, (app) => keepAliveAndPipelined(t, app, {
    requests: [
      head('GET', '/text', 'ka-0'),
      typed('POST', '/json', 'ka-1', 'application/json', '{"n":1}'),
      head('GET', '/stream', 'ka-2'),
      typed('POST', '/ignore', 'ka-3', 'text/plain', 'unread body'),
      head('GET', '/throw', 'ka-4'),
      head('GET', '/not-modified', 'ka-5'),
      head('GET', '/sse', 'ka-6'),
      head('GET', '/cookies', 'ka-7'),
    ],
    pipelined:
      head('GET', '/stream', 'p-0') + typed('POST', '/text', 'p-1', 'text/plain', 'piped') +
      typed('POST', '/ignore', 'p-2', 'text/plain', 'unread') + head('GET', '/nowhere', 'p-3') + head('GET', '/stream-quick', 'p-4'),
    n: 5,
    ids: ['ka-1', 'ka-2', 'ka-3', 'ka-6', 'p-0', 'p-2', 'p-4'],
  }));
  t.deepEqual(rhttp, core);
  t.is(answers(core.ka.got), 8);
  t.false(core.ka.closed);
  t.is(answers(core.pipelined.got), 5);
  t.regex(core.pipelined.got, /^HTTP\/1\.1 200 [^]*HTTP\/1\.1 200 [^]*"text":"piped"[^]*HTTP\/1\.1 200 [^]*ignored your body[^]*HTTP\/1\.1 404 [^]*HTTP\/1\.1 200 /);
  t.true(core.notes['ka-3'].req.includes('end'));
});

// @hono/node-server answers with a stream that fails after the head by
// destroying the response (outgoing.destroy(err), after flushHeaders() and a
// first chunk). On core the socket's fd is closed in destroy(), and the
// request's 'aborted' / 'close' (and the signal's abort) come in that same
// loop turn, while a connection the client opens once it saw the close is
// read no sooner than the turn after its accept: its request comes after
// them (0 of 40-60 rounds otherwise, in every run). rhttp once handled that
// request first in 2-13 of 40 rounds: its io thread accepted and read the
// new connection, and the request came in the same poll phase. Many rounds,
// as it was an order rhttp showed at times. (Had the next connection been
// opened beforehand, core too would show the other order at times.)
// Repro: /tmp/honostatic-repro/destroy-close-after-next-request.js
anyTest.serial('hono: a stream failing after the head: its request\'s close events before the next connection\'s request', async (t) => {
  const ROUNDS = 150;
  const { core, rhttp } = await differentialScenario(t, HONO, async (app) => {
    t.timeout(30000); // (each run takes a few seconds)
    const orders = [];
    for (let i = 0; i < ROUNDS; i++) {
      const c = connect(t, app);
      await c.send(head('GET', '/stream-error', `e-${i}`));
      await c.closes(1500);
      c.socket.destroy();
      await exchange(t, app, get('/text', `n-${i}`, { Connection: 'close' }));
      await app.waitLine((l) => l.id === `e-${i}` && l.at === 'req' && l.ev === 'close', 1000, 'close').catch(() => {});
      const first = app.lines.findIndex((l) => l.id === `e-${i}` && l.at === 'req' && l.ev === 'close');
      const next = app.lines.findIndex((l) => l.id === `n-${i}`);
      orders.push(first !== -1 && first < next ? 'close first' : 'next first');
    }
    return orders;
  });
  const count = (orders) => orders.filter((o) => o === 'next first').length;
  t.log(`the next request first in ${count(core)} (core) and ${count(rhttp)} (rhttp) of ${ROUNDS} rounds`);
  t.deepEqual(core, Array(ROUNDS).fill('close first'));
  t.deepEqual(rhttp, core);
});

// ---------------------------------------------------------------------------
// http-server

const STATIC = 'hono-static-http-server.js';
const MTIME = new Date('2024-01-02T03:04:05Z');
const HELLO = 'hello from http-server\n'.repeat(20);
const APP_JS = 'console.log("app");\n'.repeat(50);
const DATA = Buffer.alloc(6 * 1024 * 1024);
for (let i = 0; i < DATA.length; i++) DATA[i] = 97 + (i % 26);
let SITE = null;

// One site for both runs of every test (http-server's ETag holds the inode).
anyTest.before(() => {
  SITE = fs.mkdtempSync(path.join(os.tmpdir(), 'rhttp-hono-static-'));
  const put = (rel, content) => {
    const file = path.join(SITE, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    fs.utimesSync(file, MTIME, MTIME);
  };
  put('hello.txt', HELLO);
  put('page.html', '<!doctype html><title>page</title><p>a page</p>\n');
  put('app.js', APP_JS);
  put('app.js.gz', zlib.gzipSync(APP_JS));
  put('app.js.br', zlib.brotliCompressSync(APP_JS));
  put('only-gz.css', 'body { color: red }\n'.repeat(10));
  put('only-gz.css.gz', zlib.gzipSync('body { color: red }\n'.repeat(10)));
  put('dir/index.html', '<p>index of dir</p>\n');
  put('list/a.txt', 'file a\n');
  put('list/b.json', '{"b":true}\n');
  put('list/.hidden', 'dot file\n');
  put('space name.txt', 'spaced\n');
  put('data.bin', DATA);
  for (const d of ['dir', 'list', '.']) fs.utimesSync(path.join(SITE, d), MTIME, MTIME);
});
anyTest.after.always(() => { if (SITE) fs.rmSync(SITE, { recursive: true, force: true }); });

const run = (t, scenario) => differentialScenario(t, STATIC, scenario, { env: { SITE } });
const conf = (method, path, id, name, headers = {}) => [head(method, path, id, { 'x-conf': name, ...headers })];

test('http-server: files, precompressed gzip / br, ranges, ETag / If-Modified-Since 304s, HEAD, listings, 404 / 405 / 403 / 400, CORS, cache -1, ext', async (t) => {
  const { core, rhttp } = await run(t, async (app) => {
    const etag = (await exchange(t, app, get('/hello.txt', 'etag'))).got.match(/^etag: (.*)$/im)[1];
    const out = await all(t, app, {
      get: get('/hello.txt', 'get'),
      html: get('/page.html', 'html'),
      gzip: get('/app.js', 'gzip', { 'Accept-Encoding': 'gzip' }),
      br: get('/app.js', 'br', { 'Accept-Encoding': 'gzip, deflate, br' }),
      identity: get('/app.js', 'identity'),
      onlyGz: get('/only-gz.css', 'only-gz', { 'Accept-Encoding': 'br, gzip' }),
      range: get('/hello.txt', 'range', { Range: 'bytes=6-9' }),
      rangeOpen: get('/hello.txt', 'range-open', { Range: 'bytes=450-' }),
      rangeBad: get('/hello.txt', 'range-bad', { Range: 'bytes=300-200' }),
      rangeGz: get('/app.js', 'range-gz', { Range: 'bytes=0-9', 'Accept-Encoding': 'gzip' }),
      inm: get('/hello.txt', 'inm', { 'If-None-Match': etag }),
      inmOther: get('/hello.txt', 'inm-other', { 'If-None-Match': 'W/"other"' }),
      ims: get('/hello.txt', 'ims', { 'If-Modified-Since': 'Wed, 03 Jan 2024 00:00:00 GMT' }),
      imsOld: get('/hello.txt', 'ims-old', { 'If-Modified-Since': 'Mon, 01 Jan 2024 00:00:00 GMT' }),
      head: [head('HEAD', '/hello.txt', 'head')],
      headBig: [head('HEAD', '/data.bin', 'head-big')],
      listing: get('/list/', 'listing'),
      listingRedirect: get('/list?x=1', 'listing-redirect'),
      index: get('/dir/', 'index'),
      spaced: get('/space%20name.txt', 'spaced'),
      missing: get('/missing.txt', 'missing'),
      post: [typed('POST', '/hello.txt', 'post', 'text/plain', 'a body')],
      traversal: get('/../outside', 'traversal'),
      badEncoding: get('/%E0%A4%A', 'bad-encoding'),
      corsGet: conf('GET', '/hello.txt', 'cors-get', 'cors', { Origin: 'http://example.test' }),
      corsPreflight: conf('OPTIONS', '/hello.txt', 'cors-preflight', 'cors', { Origin: 'http://example.test', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'X-Extra' }),
      nocache: conf('GET', '/hello.txt', 'nocache', 'nocache'),
      nocacheDir: conf('GET', '/list/', 'nocache-dir', 'nocache'),
      ext: conf('GET', '/page', 'ext', 'ext'),
    });
    out.warnings = app.lines.filter((l) => l.at === 'warning').map((l) => l.ev);
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core.get.client.got, /^HTTP\/1\.1 200 OK\r\naccept-ranges: bytes\r\ncache-control: max-age=3600\r\nlast-modified: Tue, 02 Jan 2024 03:04:05 GMT\r\netag: W\/"\d+-460-2024-01-02T03:04:05\.000Z"\r\ncontent-length: 460\r\ncontent-type: text\/plain; charset=UTF-8\r\n/);
  t.is(bodyOf(core.get.client.got), HELLO);
  t.regex(core.gzip.client.got, /\r\nContent-Encoding: gzip\r\n/);
  t.is(zlib.gunzipSync(Buffer.from(bodyOf(core.gzip.client.got), 'latin1')).toString(), APP_JS);
  t.is(zlib.brotliDecompressSync(Buffer.from(bodyOf(core.br.client.got), 'latin1')).toString(), APP_JS);
  t.is(bodyOf(core.identity.client.got), APP_JS);
  t.regex(core.onlyGz.client.got, /\r\nContent-Encoding: gzip\r\n/);
  t.regex(core.range.client.got, /^HTTP\/1\.1 206 Partial Content\r\n[^]*Content-Range: bytes 6-9\/460\r\n[^]*\r\n\r\nfrom$/);
  t.is(bodyOf(core.rangeOpen.client.got), HELLO.slice(450));
  t.regex(core.rangeBad.client.got, /^HTTP\/1\.1 416 /);
  t.regex(core.inm.client.got, /^HTTP\/1\.1 304 Not Modified\r\n/);
  t.regex(core.inmOther.client.got, /^HTTP\/1\.1 200 /);
  t.regex(core.ims.client.got, /^HTTP\/1\.1 304 /);
  t.regex(core.imsOld.client.got, /^HTTP\/1\.1 200 /);
  t.regex(core.head.client.got, /content-length: 460\r\n[^]*\r\n\r\n$/);
  t.regex(core.listing.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*Transfer-Encoding: chunked\r\n[^]*b\.json/);
  t.regex(core.listingRedirect.client.got, /^HTTP\/1\.1 302 Found\r\n[^]*location: \/list\/\?x=1\r\n/);
  t.regex(core.index.client.got, /\r\n\r\n<p>index of dir<\/p>\n$/);
  t.is(bodyOf(core.spaced.client.got), 'spaced\n');
  t.regex(core.missing.client.got, /^HTTP\/1\.1 404 Not Found\r\n/);
  t.regex(core.post.client.got, /^HTTP\/1\.1 405 /);
  t.regex(core.badEncoding.client.got, /^HTTP\/1\.1 400 /);
  t.regex(core.corsGet.client.got, /\r\nAccess-Control-Allow-Origin: \*\r\n/);
  t.regex(core.corsPreflight.client.got, /^HTTP\/1\.1 204 No Content\r\n[^]*Access-Control-Allow-Headers: origin,x-requested-with,content-type,accept,range,x-extra\r\n/);
  t.regex(core.nocache.client.got, /\r\ncache-control: no-cache, no-store, must-revalidate\r\n/);
  t.regex(core.nocacheDir.client.got, /^HTTP\/1\.1 404 /);
  t.regex(core.ext.client.got, /\r\n\r\n<!doctype html>/);
  t.deepEqual(core.get.notes.logFn, ['GET /hello.txt']);
  t.deepEqual(core.warnings, ['DEP0066']);
});

test('http-server: proxy to an upstream: GET / POST / chunked POST, a chunked answer with Set-Cookie, 204, the upstream resetting / cutting the body / slow, a client gone', async (t) => {
  const chunk = (s) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
  const { core, rhttp } = await run(t, async (app) => {
    const out = await all(t, app, {
      file: conf('GET', '/hello.txt', 'file', 'proxy'),
      json: conf('GET', '/api/json?x=1', 'json', 'proxy'),
      post: [head('POST', '/api/json', 'post', { 'x-conf': 'proxy', 'Content-Type': 'text/plain', 'Content-Length': 9 }) + 'post body'],
      postChunked: [head('POST', '/api/chunked', 'post-chunked', { 'x-conf': 'proxy', 'Transfer-Encoding': 'chunked' }), chunk('in '), 20, chunk('pieces'), '0\r\n\r\n'],
      chunked: conf('GET', '/api/chunked', 'chunked', 'proxy'),
      noContent: conf('GET', '/api/204', 'no-content', 'proxy'),
      headProxied: conf('HEAD', '/api/json', 'head-proxied', 'proxy'),
      reset: conf('GET', '/api/reset', 'reset', 'proxy'),
    });
    // The upstream cuts its body short: the answer never completes.
    out.cut = { client: await exchange(t, app, conf('GET', '/api/cut', 'cut', 'proxy'), { ms: 600 }) };
    out.cut.notes = await notes(app, 'cut', /^res: close/);
    const gone = connect(t, app);
    await gone.send(head('GET', '/api/slow', 'gone', { 'x-conf': 'proxy' }));
    await gone.sees('slow ', 2000);
    gone.socket.destroy();
    out.gone = await notes(app, 'gone', /^upstream: close/, { settle: 100 });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.is(bodyOf(core.file.client.got), HELLO);
  t.deepEqual(jsonOf(core.json.client.got), { method: 'GET', url: '/api/json?x=1', body: '' });
  t.deepEqual(core.json.notes.upstream, ['GET /api/json?x=1 host=127.0.0.1:<upstream> te=- cl=- body=0']);
  t.deepEqual(jsonOf(core.post.client.got), { method: 'POST', url: '/api/json', body: 'post body' });
  t.regex(core.postChunked.client.got, /answer to POST in pieces/);
  t.regex(core.chunked.client.got, /^HTTP\/1\.1 201 Created\r\n[^]*set-cookie: u=1\r\nset-cookie: v=2\r\n[^]*transfer-encoding: chunked\r\n\r\n9\r\nupstream \r\n/);
  t.regex(core.noContent.client.got, /^HTTP\/1\.1 204 No Content\r\n/);
  t.regex(core.cut.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nonly part of it$/);
  t.false(core.cut.client.closed);
  t.deepEqual(core.cut.notes.res, ['close finished=false']);
  t.regex(core.reset.client.got, /^HTTP\/1\.1 404 Not Found\r\n/);
  t.deepEqual(core.reset.notes.logFn.slice(0, 2), ['GET /api/reset', 'GET /api/reset error 404 socket hang up']);
  // The request was read whole: http-proxy lets the upstream answer finish.
  t.is(core.gone.upstream.at(-1), 'close finished=true');
  t.deepEqual(core.gone.res, ['close finished=false']);
});

test('http-server: keep-alive and pipelining (200, 206, 304, 404, 302, HEAD, listing), a client gone mid-download of 6 MiB, one reading slowly', async (t) => {
  const { core, rhttp } = await run(t, async (app) => {
    const etag = (await exchange(t, app, get('/hello.txt', 'etag'))).got.match(/^etag: (.*)$/im)[1];
    const ka = await inTurn(t, app, [
      head('GET', '/hello.txt', 'ka-0'),
      head('GET', '/hello.txt', 'ka-1', { Range: 'bytes=0-4' }),
      head('GET', '/hello.txt', 'ka-2', { 'If-None-Match': etag }),
      head('GET', '/missing', 'ka-3'),
      head('GET', '/list', 'ka-4'),
      head('GET', '/list/', 'ka-5'),
      head('GET', '/app.js', 'ka-6', { 'Accept-Encoding': 'gzip' }),
    ]);
    const pipelined = await exchange(t, app, [
      head('GET', '/hello.txt', 'p-0', { 'If-None-Match': etag }) + head('GET', '/hello.txt', 'p-1', { Range: 'bytes=-5' }) +
      head('GET', '/missing', 'p-2') + head('GET', '/dir', 'p-3') + head('GET', '/page.html', 'p-4'),
    ], { n: 5 });
    const out = { ka, pipelined, notes: {} };
    for (const id of ['ka-1', 'ka-5', 'p-0', 'p-4']) out.notes[id] = await notes(app, id, /^res: close/, { settle: 0 });
    // Not reading, then gone.
    const gone = connect(t, app);
    gone.socket.pause();
    await gone.send(head('GET', '/data.bin', 'gone'));
    await app.waitLine((l) => l.id === 'gone' && l.at === 'logFn', 2000, 'logFn').catch(() => {});
    await sleep(80);
    gone.socket.destroy();
    out.notes.gone = await notes(app, 'gone', /^res: close/, { settle: 100 });
    // The whole file, read in bursts.
    const slow = connect(t, app);
    await slow.send(head('GET', '/data.bin', 'slow'));
    const timer = setInterval(() => (slow.socket.isPaused() ? slow.socket.resume() : slow.socket.pause()), 10);
    await slow.until(() => complete(slow.text()) > 0, 8000);
    clearInterval(timer);
    const bytes = slow.bytes();
    const body = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
    out.slow = { bytes: body.length, sha256: sha(body) };
    slow.socket.destroy();
    out.notes.slow = await notes(app, 'slow', /^res: close/, { settle: 50 });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.is(answers(core.ka.got), 7);
  t.false(core.ka.closed);
  t.regex(core.ka.got, /^HTTP\/1\.1 200 [^]*HTTP\/1\.1 206 [^]*HTTP\/1\.1 304 [^]*HTTP\/1\.1 404 [^]*HTTP\/1\.1 302 [^]*HTTP\/1\.1 200 [^]*HTTP\/1\.1 200 /);
  t.is(answers(core.pipelined.got), 5);
  // (no suffix ranges: 416)
  t.regex(core.pipelined.got, /^HTTP\/1\.1 304 [^]*HTTP\/1\.1 416 [^]*HTTP\/1\.1 404 [^]*HTTP\/1\.1 302 [^]*HTTP\/1\.1 200 /);
  t.deepEqual(core.notes.gone.res, ['close finished=false']);
  t.deepEqual(core.slow, { bytes: DATA.length, sha256: sha(DATA) });
  t.is(statusOf(core.ka.got), 200);
});
