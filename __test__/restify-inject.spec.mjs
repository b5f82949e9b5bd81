// restify 11, and in-process injection (light-my-request, fastify.inject),
// under rhttp/register versus under core's http.
//
// restify: fixtures/restify-app.js runs in a child process twice, on core
// and with register preloaded (restify then patches rhttp's ServerResponse
// and IncomingMessage prototypes). This process drives both with the same
// raw `net` requests (exact bytes) and compares, core against rhttp: the
// bytes the client got (Date values and ports masked), whether and how the
// server closed the connection, and the events the fixture logged about
// each request (req/res lifecycle and restify's own events).
//
// Injection: fixtures/inject-app.js runs a list of cases through
// light-my-request (straight against a (req, res) handler, SUITE=plain) and
// fastify.inject() (SUITE=fastify). No sockets: light-my-request's response
// subclasses http.ServerResponse (rhttp's, under register) and writes to a
// fake socket. Compared: what inject() resolved or rejected with (status,
// headers, raw payload, trailers), the events the handler's req/res
// emitted, every write/cork/uncork made on the fake socket with its bytes,
// and what each call in the handler returned, threw (class, code, message,
// stack line) or called back with.
//
// Where rhttp differs from core the test is `test.failing` with a comment,
// and /tmp/restify-repro/ has a standalone script showing the difference.

import test from 'ava';
import { createRequire } from 'node:module';
import { differentialScenario } from './fixtures/apps.mjs';
import { complete } from './helpers/raw-client.mjs';
import {
  sleep, connect, head, typed, jsonHead, exchange, notes, all, bodyOf, jsonOf, statusOf, inTurn, stopWithIdleAndBusy,
} from './helpers/lib-scenario.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');
const zlib = require('node:zlib');


// ---------------------------------------------------------------------------
// Harness (as in server-libs.spec.mjs)

/** `scenario` run against `fixture` on core, then on rhttp. */
const differential = differentialScenario;

/** A chunked body (latin1 text) without its framing, as bytes. */
function unchunk(body) {
  const out = [];
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) return Buffer.concat(out);
    out.push(Buffer.from(body.slice(eol + 2, eol + 2 + size), 'latin1'));
    at = eol + 2 + size + 2;
  }
}
/** The first response's status code. */

// ---------------------------------------------------------------------------
// restify 11

const RESTIFY = 'restify-app.js';

test.serial('restify: routing, res.send of each kind, Accept negotiation, redirects, pre, 404/405, conditional, gzip, stream, HEAD', async (t) => {
  const { core, rhttp } = await differential(t, RESTIFY, async (app) => {
    const get = (path, id, headers) => [head('GET', path, id, headers)];
    const cases = {
      params: get('/users/42/posts/7?sort=asc&tag=a&tag=b&deep[x]=1', 'params'),
      dedupe: get('//users//42///posts/7', 'dedupe'),
      headParams: [head('HEAD', '/users/42/posts/7', 'head-params')],
      headGetOnly: [head('HEAD', '/send/object', 'head-get-only')],
      preStop: get('/pre-stop', 'pre-stop'),
      notFound: get('/nowhere', 'not-found'),
      wrongMethod: [head('DELETE', '/users/1/posts/2', 'wrong-method')],
      onlyPut: get('/only-put', 'only-put'),
      options: [head('OPTIONS', '/only-put', 'options')],
      redirect: get('/redirect', 'redirect'),
      redirectPerm: get('/redirect-perm', 'redirect-perm'),
      redirectObj: get('/redirect-obj', 'redirect-obj'),
      cond: get('/cond', 'cond'),
      condMatch: get('/cond', 'cond-inm', { 'If-None-Match': '"v1"' }),
      condNoMatch: get('/cond', 'cond-inm-other', { 'If-None-Match': '"v2"' }),
      condIfMatch: get('/cond', 'cond-im', { 'If-Match': '"nope"' }),
      condSince: get('/cond', 'cond-ims', { 'If-Modified-Since': 'Wed, 03 Jan 2024 00:00:00 GMT' }),
      gzip: get('/gzip', 'gzip', { 'Accept-Encoding': 'gzip' }),
      noGzip: get('/gzip', 'no-gzip'),
      stream: get('/stream', 'stream'),
    };
    for (const kind of ['object', 'string', 'buffer', 'status', 'empty', 'null', 'number', 'error', 'plain-error',
      'json', 'sendRaw', 'header', 'charset', 'write', 'unknown']) {
      cases[`send-${kind}`] = get(`/send/${kind}`, `send-${kind}`);
    }
    const accepts = {
      none: null,
      json: 'application/json',
      text: 'text/plain',
      octet: 'application/octet-stream',
      any: '*/*',
      weighted: 'application/*;q=0.2, text/plain;q=0.9',
      html: 'text/html',
      wildcardType: 'text/*',
    };
    for (const [name, accept] of Object.entries(accepts)) {
      const headers = accept ? { Accept: accept } : {};
      cases[`nego-${name}`] = get('/nego', `nego-${name}`, headers);
      cases[`nego-buffer-${name}`] = get('/nego?what=buffer', `nego-buffer-${name}`, headers);
    }
    return { ...await all(t, app, cases), patched: app.info.patched };
  });
  t.deepEqual(rhttp, core);
  t.true(core.patched);
  t.regex(core.params.client.got, /^HTTP\/1\.1 200 OK\r\nServer: rhttp-restify\r\n/);
  t.deepEqual(jsonOf(core.params.client.got),
    { params: { id: '42', post: '7' }, query: { sort: 'asc', tag: ['a', 'b'], deep: { x: '1' } } });
  t.deepEqual(jsonOf(core.dedupe.client.got).params, { id: '42', post: '7' });
  t.regex(core.headParams.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n$/);
  t.regex(core.preStop.client.got, /^HTTP\/1\.1 418 /);
  t.regex(core.notFound.client.got, /^HTTP\/1\.1 404 /);
  t.regex(core.wrongMethod.client.got, /^HTTP\/1\.1 405 [^]*Allow: GET, HEAD\r\n/);
  t.regex(core.redirectPerm.client.got, /^HTTP\/1\.1 301 [^]*Location: \/elsewhere\r\n/);
  t.regex(core.condMatch.client.got, /^HTTP\/1\.1 304 /);
  t.regex(core.condIfMatch.client.got, /^HTTP\/1\.1 412 /);
  t.regex(core.gzip.client.got, /Content-Encoding: gzip\r\n[^]*Transfer-Encoding: chunked\r\n/);
  t.is(zlib.gunzipSync(unchunk(bodyOf(core.gzip.client.got))).toString(), bodyOf(core.noGzip.client.got));
  t.regex(core.stream.client.got, /\r\n\r\n6\r\nalpha\n\r\n5\r\nbeta\n\r\n6\r\ngamma\n\r\n0\r\n\r\n$/);
  t.deepEqual(jsonOf(core['send-buffer'].client.got), { type: 'Buffer', data: [0, 1, 2, 255] });
  t.regex(core['nego-buffer-octet'].client.got, /Content-Type: application\/octet-stream\r\n[^]*\r\n\r\nbytes$/);
  t.regex(core['send-error'].client.got, /^HTTP\/1\.1 409 /);
  t.regex(core['nego-html'].client.got, /^HTTP\/1\.1 406 /);
  t.regex(core['nego-buffer-weighted'].client.got, /Content-Type: text\/plain\r\n[^]*\r\n\r\nbytes$/);
  t.deepEqual(core['send-object'].notes.order,
    ['res: finish', 'restify: after 200 /send/:kind -', 'res: close', 'req: close']);
});

test.serial('restify: bodyParser and queryParser (JSON, form, multipart, text, gzip, too large, bad JSON), Expect: 100-continue, pre.pause', async (t) => {
  const gz = zlib.gzipSync('{"zipped":true}');
  const BOUNDARY = 'rhttpRestifyBoundary';
  const form = [`--${BOUNDARY}`, 'Content-Disposition: form-data; name="a"', '', 'one',
    `--${BOUNDARY}`, 'Content-Disposition: form-data; name="b"', '', 'twö', `--${BOUNDARY}--`, ''].join('\r\n');
  const { core, rhttp } = await differential(t, RESTIFY, async (app) => all(t, app, {
    json: [jsonHead('POST', '/echo?x=1', 'json', '{"name":"rhttp","list":[1,2,3],"u":"ü"}')],
    form: [typed('POST', '/echo', 'form', 'application/x-www-form-urlencoded', 'a=1&b=two+words&c=%26x&c=y')],
    multipart: [typed('POST', '/echo', 'multipart', `multipart/form-data; boundary=${BOUNDARY}`, form)],
    text: [typed('POST', '/echo', 'text', 'text/plain', 'just text')],
    octet: [typed('POST', '/echo', 'octet', 'application/octet-stream', 'unread bytes')],
    badJson: [jsonHead('POST', '/echo', 'bad-json', '{"name":')],
    gzip: [head('POST', '/echo', 'gzip', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': gz.length }), gz],
    unsupportedEncoding: [jsonHead('POST', '/echo', 'br', '{}', { 'Content-Encoding': 'br' })],
    chunked: [head('POST', '/echo', 'chunked', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }),
      '6\r\n{"a":1\r\n', 10, '1\r\n}\r\n0\r\n\r\n'],
    tooLarge: [jsonHead('POST', '/echo', 'too-large', JSON.stringify({ big: 'x'.repeat(2000) }))],
    tooLargeChunked: [head('POST', '/echo', 'too-large-chunked', { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }),
      '400\r\n' + 'c'.repeat(1024) + '\r\n', 10, '10\r\n' + 'd'.repeat(16) + '\r\n0\r\n\r\n'],
    continue: [head('POST', '/echo', 'continue', { 'Content-Type': 'application/json', 'Content-Length': 9, Expect: '100-continue' }),
      50, '{"c":100}'],
    paused: [head('POST', '/paused', 'paused', { 'Content-Type': 'application/json', 'Content-Length': 15 }),
      '{"paused":', 60, 'true}'],
    pausedOneWrite: [jsonHead('POST', '/paused', 'paused-one', '{"paused":1}')],
  }));
  t.deepEqual(rhttp, core);
  t.deepEqual(jsonOf(core.json.client.got), { body: { name: 'rhttp', list: [1, 2, 3], u: 'ü' }, type: 'application/json', length: 40 });
  t.deepEqual(jsonOf(core.form.client.got).body, { a: '1', b: 'two words', c: ['&x', 'y'] });
  t.deepEqual(jsonOf(core.multipart.client.got).body, { a: 'one', b: 'twö' });
  t.deepEqual(jsonOf(core.gzip.client.got).body, { zipped: true });
  t.regex(core.badJson.client.got, /^HTTP\/1\.1 400 /);
  t.regex(core.unsupportedEncoding.client.got, /^HTTP\/1\.1 415 [^]*Accept-Encoding: gzip\r\n/);
  t.regex(core.tooLarge.client.got, /^HTTP\/1\.1 413 /);
  t.regex(core.tooLargeChunked.client.got, /^HTTP\/1\.1 413 /);
  t.regex(core.continue.client.got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  t.deepEqual(jsonOf(core.paused.client.got), { body: { paused: true } });
  t.true(core.paused.notes.order.includes('handler: awake'));
});

test.serial('restify: handleUncaughtExceptions (sync throw, throw from a timer, from a req listener), next(err), no response', async (t) => {
  const { core, rhttp } = await differential(t, RESTIFY, async (app) => {
    const out = await all(t, app, {
      throw: [head('GET', '/throw', 'throw')],
      throwLater: [head('GET', '/throw-later', 'throw-later')],
      nextError: [head('GET', '/next-error', 'next-error')],
      noResponse: [head('GET', '/no-response', 'no-response')],
      sendNumber: [head('GET', '/send/number', 'send-number')],
    });
    // On its own: in one batch with another request's throw is the test
    // below.
    Object.assign(out, await all(t, app, { throwOnEnd: [typed('POST', '/throw-on-end', 'throw-on-end', 'text/plain', 'body')] }));
    return out;
  });
  t.deepEqual(rhttp, core);
  for (const name of ['throw', 'throwLater', 'throwOnEnd', 'sendNumber']) {
    t.regex(core[name].client.got, /^HTTP\/1\.1 500 [^]*"message":"caught: /, name);
    t.true(core[name].notes.restify.some((e) => e.startsWith('uncaughtException ')), name);
  }
  t.regex(core.nextError.client.got, /^HTTP\/1\.1 400 [^]*"message":"bad thing"/);
  t.regex(core.noResponse.client.got, /reached the end of the handler chain/);
});

// A POST on one connection, read in the same batch as another
// connection's request whose handler chain throws from a process.nextTick
// (restify answers res.send(42) from its chain's ticks; writeHead throws
// ERR_HTTP_INVALID_STATUS_CODE). rhttp ran those ticks inside the POST's
// body callback and blamed the throw on the POST's connection, which then
// never got its body's 'end'. In core each connection's read is its own
// libuv callback: the tick runs, and throws, before the POST is read.
// Repro without restify: /tmp/restify-repro/tick-throw-blamed.js.
test.serial('restify: a throw from another request\'s tick does not cost a POST its body\'s end', async (t) => {
  const { core, rhttp } = await differential(t, RESTIFY, async (app) => {
    // Pairs, all at once, so that rhttp reads a pair in one batch (one
    // pair alone sometimes comes in two).
    const requests = {};
    for (let i = 0; i < 5; i++) {
      requests[`thrower-${i}`] = head('GET', '/send/number', `thrower-${i}`);
      requests[`bystander-${i}`] = jsonHead('POST', '/echo', `bystander-${i}`, `{"innocent":${i}}`);
    }
    const conns = Object.fromEntries(Object.keys(requests).map((name) => [name, connect(t, app)]));
    await Promise.all(Object.entries(requests).map(([name, bytes]) => conns[name].send(bytes)));
    await Promise.all(Object.values(conns).map((c) => c.until(() => complete(c.text()) > 0 || c.state.closed, 1500)));
    const out = {};
    for (const [name, c] of Object.entries(conns)) out[name] = { client: c.view(), answered: complete(c.text()) };
    for (const c of Object.values(conns)) c.socket.destroy();
    await sleep(100); // the last notes, after the destroys
    for (const name of Object.keys(conns)) out[name].notes = await notes(app, name, /^res: close/, { settle: 0 });
    return out;
  });
  t.regex(core['bystander-0'].client.got, /^HTTP\/1\.1 200 OK\r\n[^]*"innocent":0/);
  t.deepEqual(rhttp, core);
});

test.serial('restify: throttle answers 429 once the burst is spent', async (t) => {
  const { core, rhttp } = await differential(t, RESTIFY, async (app) => {
    const out = [];
    // One after another: the token bucket is about order.
    for (let i = 0; i < 4; i++) {
      const id = `throttle-${i}`;
      out.push({ client: await exchange(t, app, [head('GET', '/throttled', id)], { linger: 0 }), notes: await notes(app, id, /^req: close/, { settle: 30 }) });
    }
    return out;
  });
  t.deepEqual(rhttp, core);
  t.deepEqual(core.map((r) => statusOf(r.client.got)), [200, 200, 429, 429]);
});

test.serial('restify: keep-alive, several requests on one connection, pipelined, HTTP/1.0 and Connection: close', async (t) => {
  const { core, rhttp } = await differential(t, RESTIFY, async (app) => {
    const serial = (requests) => inTurn(t, app, requests);
    const ka = await serial([
      head('GET', '/users/1/posts/2', 'ka-0'),
      jsonHead('POST', '/echo', 'ka-1', '{"n":1}'),
      head('GET', '/throw', 'ka-2'),
      head('GET', '/nowhere', 'ka-3'),
      head('GET', '/stream', 'ka-4'),
      jsonHead('POST', '/echo', 'ka-5', JSON.stringify({ big: 'y'.repeat(1500) })),
      typed('POST', '/echo', 'ka-6', 'application/octet-stream', 'not read by restify'),
      jsonHead('POST', '/paused', 'ka-7', '{"p":7}'),
      head('GET', '/send/empty', 'ka-8'),
      head('GET', '/redirect', 'ka-9'),
    ]);
    const pipelined = await exchange(t, app, [
      head('GET', '/send/string', 'p-0') + jsonHead('POST', '/echo', 'p-1', '{"p":1}') + head('GET', '/stream', 'p-2') +
      head('GET', '/throw-later', 'p-3') + head('GET', '/cond', 'p-4', { 'If-None-Match': '"v1"' }),
    ], { n: 5 });
    const http10 = await exchange(t, app, [head('GET', '/send/object', 'h10', {}, '1.0')]);
    const http10ka = await exchange(t, app, [head('GET', '/send/object', 'h10ka', { Connection: 'keep-alive' }, '1.0')]);
    const http10stream = await exchange(t, app, [head('GET', '/stream', 'h10stream', {}, '1.0')], { n: 0, linger: 1000 });
    const close = await exchange(t, app, [head('GET', '/send/object', 'cc', { Connection: 'close' })]);
    const out = { ka, pipelined, http10, http10ka, http10stream, close, notes: {} };
    await sleep(100); // the last notes of the last exchange
    for (const id of ['ka-0', 'ka-5', 'ka-6', 'ka-7', 'p-0', 'p-3', 'h10', 'h10stream', 'cc']) {
      out.notes[id] = await notes(app, id, /^res: close/, { settle: 0 });
    }
    return out;
  });
  t.deepEqual(rhttp, core);
  t.is(complete(core.ka.got), 10);
  t.false(core.ka.closed);
  t.regex(core.ka.got, /HTTP\/1\.1 413 Payload Too Large\r\n/);
  t.is(complete(core.pipelined.got), 5);
  t.true(core.http10.closed);
  t.regex(core.http10stream.got, /\r\n\r\nalpha\nbeta\ngamma\n$/);
  t.true(core.close.closed);
});

test.serial('restify: a client that goes away mid-upload (FIN, destroy, RST) and while its handler waits', async (t) => {
  const { core, rhttp } = await differential(t, RESTIFY, async (app) => {
    const upload = async (id, how) => {
      const c = connect(t, app);
      await c.send(head('POST', '/echo', id, { 'Content-Type': 'text/plain', 'Content-Length': 64 * 1024 }), 'u'.repeat(500), 30);
      if (how === 'end') c.socket.end();
      else if (how === 'reset') c.socket.resetAndDestroy();
      else c.socket.destroy();
      await c.closes(1000);
      return { client: c.view(), notes: await notes(app, id, /^res: close/, { settle: 150 }) };
    };
    const waiting = async (id, how) => {
      const c = connect(t, app);
      await c.send(head('GET', '/slow?ms=200', id));
      await app.waitLine((l) => l.id === id && l.ev === 'start', 1000, 'handler start').catch(() => {});
      if (how === 'reset') c.socket.resetAndDestroy();
      else c.socket.destroy();
      return notes(app, id, /^handler: done/, { settle: 100 });
    };
    return {
      fin: await upload('up-fin', 'end'),
      destroy: await upload('up-destroy', 'destroy'),
      reset: await upload('up-reset', 'reset'),
      waitDestroy: await waiting('wait-destroy', 'destroy'),
      waitReset: await waiting('wait-reset', 'reset'),
    };
  });
  t.deepEqual(rhttp, core);
  t.true(core.reset.notes.req.includes('aborted'));
  t.true(core.reset.notes.restify.some((e) => /^after 444 .*RequestCloseError$/.test(e)));
  t.deepEqual(core.waitDestroy.handler, ['start', 'done closed=true']);
});

test.serial('restify: server.close() ends idle keep-alive connections, lets an in-flight request finish, then stops', async (t) => {
  const { core, rhttp } = await differential(t, RESTIFY, async (app) => {
    const { idle, busy } = await stopWithIdleAndBusy(t, app, '/send/string', '/slow?ms=250');
    await idle.closes(1000);
    await busy.until(() => complete(busy.text()) > 0, 2000);
    // Core keeps the answered connection (keep-alive) until its client or
    // its keep-alive timeout (5 s) ends it; 'close' waits for that.
    await busy.closes(200);
    const busyAfter = busy.view();
    const early = app.lines.some((l) => l.at === 'stop' && l.ev === 'stopped');
    busy.socket.end();
    const stopped = await app.waitLine((l) => l.at === 'stop' && l.ev === 'stopped', 2000, 'stopped').then(() => true, () => false);
    const late = net.connect({ port: app.info.port, host: '127.0.0.1' });
    const refused = await new Promise((resolve) => {
      late.on('error', (e) => resolve(e.code));
      late.on('connect', () => resolve('connected'));
    });
    late.destroy();
    return {
      idle: idle.view(),
      busy: busyAfter,
      early,
      stopped,
      refused,
      notes: { idle: await notes(app, 'idle', null, { settle: 0 }), busy: await notes(app, 'busy', /^res: close/) },
    };
  });
  t.deepEqual(rhttp, core);
  t.like(core.idle, { ended: true, closed: true });
  t.like(core.busy, { ended: false, closed: false });
  t.regex(core.busy.got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n"waited 250"$/);
  t.false(core.early);
  t.true(core.stopped);
  t.is(core.refused, 'ECONNREFUSED');
});

// ---------------------------------------------------------------------------
// light-my-request and fastify.inject()

const INJECT = 'inject-app.js';

/** The cases' lines once the fixture says it is done, per case: every note
 * as [at, ev] in order, and inject()'s outcome. */
async function injected(app) {
  await app.waitLine((l) => l.at === 'done', 5000, 'done');
  const out = {};
  for (const l of app.lines) {
    if (l.id === undefined || l.id === null) continue;
    const c = (out[l.id] ||= { order: [], result: null });
    if (l.at === 'result') c.result = l.ev;
    else c.order.push([l.at, l.ev]);
  }
  return out;
}

/** The notes of one case at `at`. */
const at = (c, where) => c.order.filter(([a]) => a === where).map(([, ev]) => ev);
/** The bytes the case's response put on the fake socket. */
const wire = (c) => at(c, 'wire').filter((ev) => ev !== 'cork' && ev !== 'uncork').join('');
/** What a handler call named `what` did. */
const did = (c, what) => at(c, 'handler').find((ev) => ev.what === what);

test.serial('light-my-request: a plain handler (headers, chunked writes, trailers, HEAD, 1xx, flushHeaders, cork, pipes, payloadAsStream)', async (t) => {
  const { core, rhttp } = await differential(t, INJECT, (app) => injected(app), { env: { SUITE: 'plain' } });
  t.deepEqual(rhttp, core);
  t.is(Object.keys(core).length, 19);
  t.deepEqual(core.basic.result.ok, {
    statusCode: 200,
    statusMessage: 'OK',
    headers: { 'content-type': 'text/plain', date: '<date>', connection: 'keep-alive', 'transfer-encoding': 'chunked' },
    rawPayload: 'hello',
    trailers: {},
  });
  t.is(wire(core.basic), 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: <date>\r\nConnection: keep-alive\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
  t.deepEqual(core.chunked.result.ok.trailers, { 'x-t': 'v' });
  t.regex(wire(core.chunked), /\r\n0\r\nX-T: v\r\n\r\n$/);
  t.is(core.chunked.result.ok.rawPayload, Buffer.from('abbünïhiz').toString('latin1'));
  t.is(core.writeHeadArray.result.ok.headers['x-b'], '2');
  t.regex(wire(core.head), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n$/);
  t.regex(wire(core.headEndOnly), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n$/);
  t.is(core.noContent.result.ok.rawPayload, '');
  t.regex(wire(core.writeContinue), /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 102 Processing\r\n\r\nHTTP\/1\.1 103 Early Hints\r\n/);
  t.regex(wire(core.flushHeaders), /^HTTP\/1\.1 200 OK\r\nX-Early: yes\r\n[^]*\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n$/);
  t.deepEqual(at(core.cork, 'wire').filter((ev) => ev === 'cork' || ev === 'uncork'), ['cork', 'uncork', 'uncork']);
  t.is(core.pipeReadable.result.ok.rawPayload, 'one two three');
  t.is(core.pipeFile.result.ok.rawPayload, 'hello from a file\n');
  t.is(core.payloadAsStream.result.stream, 'first second last');
  t.is(core.connectionCloseResponse.result.ok.headers.connection, 'close');
});

test.serial('light-my-request: errors (handler throws, writes after end, invalid status, reason, headers and trailers, bad write arguments, destroy)', async (t) => {
  const { core, rhttp } = await differential(t, INJECT, (app) => injected(app), { env: { SUITE: 'errors' } });
  t.deepEqual(rhttp, core);
  t.is(Object.keys(core).length, 12);
  const threw = (c, what) => did(c, what).threw;
  t.like(threw(core.invalidStatus, 'writeHead 1000'), { base: 'RangeError', code: 'ERR_HTTP_INVALID_STATUS_CODE' });
  t.like(threw(core.invalidReason, 'end'), { base: 'TypeError', code: 'ERR_INVALID_CHAR' });
  t.like(threw(core.invalidWriteHeadHeaders, 'writeHead bad name'), { code: 'ERR_INVALID_HTTP_TOKEN' });
  t.like(threw(core.invalidSetHeader, 'setHeader undefined'), { code: 'ERR_HTTP_INVALID_HEADER_VALUE' });
  t.like(threw(core.invalidTrailers, 'addTrailers bad name'), { code: 'ERR_INVALID_HTTP_TOKEN' });
  t.like(threw(core.invalidTrailers, 'addTrailers LF'), { code: 'ERR_INVALID_CHAR' });
  t.regex(wire(core.invalidTrailers), /\r\n0\r\nX-T: fine\r\n\r\n$/);
  t.like(did(core.afterEnd, 'cb write after end').err, { code: 'ERR_STREAM_WRITE_AFTER_END' });
  t.like(threw(core.afterEnd, 'setHeader after end'), { code: 'ERR_HTTP_HEADERS_SENT' });
  t.like(threw(core.writeHeadTwice, 'writeHead again'), { code: 'ERR_HTTP_HEADERS_SENT' });
  t.like(core.throws.result.rejected, { message: 'handler blew up' });
  t.like(core.throwsAfterWrite.result.rejected, { base: 'TypeError', message: 'blew up midway' });
  t.like(threw(core.badWriteArgs, 'write null'), { code: 'ERR_STREAM_NULL_VALUES' });
  t.like(threw(core.badWriteArgs, 'write number'), { code: 'ERR_INVALID_ARG_TYPE' });
  t.like(threw(core.strictContentLength, 'end too much'), { code: 'ERR_HTTP_CONTENT_LENGTH_MISMATCH' });
  t.like(core.destroyMidway.result.rejected, { message: 'gave up' });
});

test.serial('fastify.inject(): routes, hooks, errors from inside writeHead, hijacked raw writes, trailers, HEAD, streams', async (t) => {
  const { core, rhttp } = await differential(t, INJECT, (app) => injected(app), { env: { SUITE: 'fastify' } });
  t.deepEqual(rhttp, core);
  t.is(Object.keys(core).length, 21);
  t.deepEqual(JSON.parse(core.json.result.ok.rawPayload), { params: { id: '42' }, query: { a: '1', b: 'two' } });
  t.like(core.head.result.ok, { statusCode: 200, rawPayload: '' });
  t.like(core.tooLarge.result.ok, { statusCode: 413 });
  t.like(core.rawBadStatus.result.ok, { statusCode: 500 });
  t.regex(core.rawBadStatus.result.ok.rawPayload, /ERR_HTTP_INVALID_STATUS_CODE/);
  // core's quirk: the failed writeHead left statusMessage 'OK' behind.
  t.regex(wire(core.badHeader), /^HTTP\/1\.1 500 OK\r\n[^]*ERR_INVALID_CHAR/);
  t.deepEqual(core.trailer.result.ok.trailers, { 'x-t': 'trailed' });
  t.is(core.stream.result.ok.rawPayload, 'alpha\nbeta\n');
  t.like(did(core.hijack, 'cb write after end').err, { code: 'ERR_STREAM_WRITE_AFTER_END' });
  t.deepEqual(at(core.json, 'fastify'), ['onRequest', 'onSend 200 string', 'onResponse 200']);
});
