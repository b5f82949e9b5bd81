// nock 15 and undici 7 with rhttp, against core's http as the oracle.
//
// Part 1, nock (client side). Each scenario of fixtures/nock-client.js runs
// in a child twice, on core and under `-r ./register.js`, through
// client-libs-run.js and client-libs-harness.js (the client-libs.spec.mjs
// machinery): it mocks with nock and makes requests with http.request /
// http.get, axios or got; the runs print their observations as one JSON line
// each (every req / res event in order, errors as class / name / code /
// message, the libraries' results, nock's pending mocks, the bytes any real
// local server got) and they must be deep-equal. Ports are masked.
//   nock 15 intercepts through @mswjs/interceptors 0.44, which patches core's
// net.Socket.prototype.connect (not http.request / ClientRequest). rhttp's
// client sockets connect through Rust; while that method is patched rhttp's
// agent connects through net instead, so nock sees rhttp's requests with the
// default agent too. With an agent whose createConnection is
// net.createConnection (NOCK_TRANSPORT=net) the sockets are core's in both
// runs, and rhttp's ClientRequest / IncomingMessage are compared over msw's
// socket.
//
// Part 2, undici (server side). fixtures/undici-server.js, a plain
// http.createServer app, runs on core and under register
// (apps.mjs differentialScenario); this process drives both with the undici
// package (Client, Pool with pipelining, upgrade, connect) and Node's global
// fetch, neither of which uses the `http` module. Compared: what undici
// reports (status, headers but Date, body or its size and hash, trailers,
// errors as class / code / message) and the server's notes per request
// ({ id, at, ev } lines) and per connection.
//
// Besides, each test checks on core that the scenario saw what it is about.
// Where core itself varies (how pipelined bytes are read), what is compared
// is what core always shows; the test says so.
//
// Known differences, kept as `test.failing` (standalone scripts in
// /tmp/nock-repro/, each run as `node x.js` and `node -r register.js x.js`):
// - nock loaded with require() under register patches core's Agent, not
//   rhttp's: a socket kept alive while nock was restored bypasses the mock
//   after activate() (require-esm.js);
// - a request at the keep-alive deadline of an idle connection while the
//   server is busy: core resets it unread, rhttp answers it
//   (keepalive-deadline.js).

import anyTest from 'ava';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import crypto from 'node:crypto';
import * as undici from 'undici';
import { differentialScenario } from './fixtures/apps.mjs';
import { scenarioDifferential, entry } from './helpers/client-scenario.mjs';

// Serial: the scenarios have delays and timeouts of 100-400 ms.
const test = anyTest.serial;
const failing = anyTest.serial.failing;


const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);

// ---------------------------------------------------------------------------
// Part 1 harness (as client-libs.spec.mjs)

/** Both runs of a nock scenario; asserts they are equal and returns core's. */
const nockDifferential = (t, scenario, env) => scenarioDifferential(t, 'nock-client.js', scenario, { env });

const NET = { NOCK_TRANSPORT: 'net' };


/** The log entries (names only) of request `label`, in order. */
const eventsOf = (obs, label) => obs.log
  .map((e) => (Array.isArray(e) ? e[0] : e))
  .filter((name) => name.startsWith(`${label}:`))
  .map((name) => name.slice(label.length + 1));

// ---------------------------------------------------------------------------
// Part 1: nock over net sockets (msw intercepts both runs)

test('nock (net sockets): replies with status / headers / bodies, JSON body matching, no match (501), times / persist, pending mocks', async (t) => {
  const core = await nockDifferential(t, 'reply', NET);
  t.like(entry(core, 'text:response'), { statusCode: 200, rawHeaders: ['X-One', 'a', 'x-two', 'b', 'x-two', 'c'] });
  t.deepEqual(entry(core, 'json:res:data'), { bytes: 21, text: '{"id":1,"list":[1,2]}' });
  t.is(entry(core, 'buffer:response').statusCode, 203);
  t.deepEqual(JSON.parse(entry(core, 'post:res:data').text).body, { name: 'rhttp', tags: ['x'] });
  t.is(entry(core, 'nomatch:response').statusCode, 501);
  t.regex(entry(core, 'nomatch:res:data').text, /ERR_NOCK_NO_MATCH/);
  t.deepEqual(eventsOf(core, 'head'), ['socket', 'finish', 'response', 'res:end', 'close', 'res:close']);
  t.deepEqual(entry(core, 'midway').pending, ['GET http://127.0.0.1:<CLOSED>/twice', 'GET http://127.0.0.1:<CLOSED>/never']);
  t.like(entry(core, 'end'), { pending: ['GET http://127.0.0.1:<CLOSED>/never'], done: [false, true] });
});

test('nock (net sockets): .delay() holds the body end; a slow reply function holds the head', async (t) => {
  const core = await nockDifferential(t, 'delay', NET);
  t.is(entry(core, '/delayed:took'), 'at least the delay');
  t.is(entry(core, '/slow-head:took'), 'at least the delay');
  t.deepEqual(entry(core, '/delayed:res:data'), { bytes: 9, text: 'late body' });
});

test('nock (net sockets): replyWithError (Error with a code, string, after a delay; a plain object never settles)', async (t) => {
  const core = await nockDifferential(t, 'replyWithError', NET);
  t.like(entry(core, 'error:error'), { class: 'Error', code: 'ECONNRESET', message: 'mock reset' });
  t.like(entry(core, 'string:error'), { message: 'something awful happened' });
  t.like(entry(core, 'delayed:error'), { code: 'ETIMEDOUT' });
  t.deepEqual(eventsOf(core, 'delayed'), ['socket', 'finish', 'error', 'close']);
  t.false(entry(core, 'object:settled'));
});

test('nock (net sockets): streamed reply bodies (close-delimited, chunked, with a length), piece by piece', async (t) => {
  const core = await nockDifferential(t, 'streamed', NET);
  for (const p of ['/stream', '/chunked', '/length']) {
    t.deepEqual(core.log.filter((e) => e[0] === `${p}:piece`).map((e) => e[1]), ['first,', 'second,', 'third'], p);
    t.deepEqual(entry(core, `${p}:res:end`), { complete: true });
  }
  t.deepEqual(entry(core, '/chunked:response').rawHeaders, ['Transfer-Encoding', 'chunked']);
});

test('nock (net sockets): disableNetConnect: NetConnectNotAllowedError through http.get, axios and got; enableNetConnect(host)', async (t) => {
  const core = await nockDifferential(t, 'netConnect', NET);
  const notAllowed = { class: 'NetConnectNotAllowedError', name: 'NetConnectNotAllowedError', code: 'ENETUNREACH' };
  t.like(entry(core, 'http:error'), notAllowed);
  t.like(entry(core, 'axios:rejected'), { class: 'AxiosError', code: 'ENETUNREACH', cause: notAllowed });
  t.like(entry(core, 'got:rejected'), { class: 'RequestError', code: 'ENETUNREACH', cause: notAllowed });
  t.deepEqual(entry(core, 'enabled:res:data'), { bytes: 11, text: 'real server' });
});

test('nock (net sockets): allowUnmocked passes what is not mocked through to the real server', async (t) => {
  const core = await nockDifferential(t, 'allowUnmocked', NET);
  t.is(entry(core, 'mocked:res:data').text, 'from nock');
  t.is(entry(core, 'real:res:data').text, 'real /real?x=1');
  t.is(entry(core, 'postReal:res:data').text, 'real /mocked-post');
  t.is(entry(core, 'postMocked:response').statusCode, 202);
  t.deepEqual(core.servers.SRV0[0].requests.map((r) => r.split('\r\n')[0]), ['GET /real?x=1 HTTP/1.1', 'POST /mocked-post HTTP/1.1']);
});

test('nock (net sockets): req.setTimeout with a delayed head and a delayed body end', async (t) => {
  const core = await nockDifferential(t, 'timeout', NET);
  // msw connects the socket when the answer is ready: the timer of a
  // request whose head is late starts then, so it does not fire.
  t.deepEqual(eventsOf(core, 'head'), ['socket', 'finish', 'response', 'res:data', 'res:end', 'close', 'res:close']);
  t.deepEqual(eventsOf(core, 'body'), ['socket', 'finish', 'response', 'res:data', 'timeout', 'res:aborted', 'close', 'res:error', 'res:close']);
});

test('nock (net sockets): req.abort(), req.destroy() and res.destroy() while the body streams in', async (t) => {
  const core = await nockDifferential(t, 'abort', NET);
  t.deepEqual(eventsOf(core, 'abort'), ['socket', 'finish', 'response', 'res:data', 'abort', 'res:aborted', 'close', 'res:error', 'res:close']);
  t.like(entry(core, 'destroy:res:error'), { code: 'ECONNRESET', message: 'aborted' });
  t.deepEqual(eventsOf(core, 'resDestroy').slice(-3), ['res:aborted', 'close', 'res:close']);
});

// nock is loaded with require() here: on Node 20, require(esm) does not run
// register's ESM resolve hook, so @mswjs/interceptors' `import http from
// 'node:http'` is core's http and its patch of Agent.prototype.addRequest
// (drop free sockets made while not intercepting) lands on core's Agent,
// not on rhttp's. The keep-alive socket the restored request left in
// rhttp's agent is then reused after nock.activate() and that request goes
// to the real server instead of the mock. /tmp/nock-repro/require-esm.js.
failing('nock (net sockets): restore() lets requests through, activate() intercepts again (nock loaded with require)', async (t) => {
  await nockDifferential(t, 'restore', NET);
});

// Loaded by import(), msw's node:http is rhttp under register: it patches
// rhttp's Agent, and the mocked answers are written by rhttp's ServerResponse.
test('nock (net sockets): restore() / activate() with nock loaded by import()', async (t) => {
  const core = await nockDifferential(t, 'restore', { ...NET, NOCK_LOAD: 'import' });
  t.is(entry(core, 'active:res:data').text, 'mocked');
  t.is(entry(core, 'restored:res:data').text, 'real server');
  t.is(entry(core, 'reactivated:res:data').text, 'mocked');
  t.deepEqual([entry(core, 'restored'), entry(core, 'activated')], [false, true]);
  t.is(core.servers.SRV0[0].requests.length, 1);
});

test('nock (net sockets): axios: JSON GET / POST, 404, replyWithError, axios timeout against .delay()', async (t) => {
  const core = await nockDifferential(t, 'axios', NET);
  t.like(entry(core, 'get:resolved'), { status: 200, data: { id: 7 }, headers: { 'x-api': 'v1' } });
  t.deepEqual(entry(core, 'post:resolved').data, { created: { name: 'n', n: 3 } });
  t.like(entry(core, 'missing:rejected'), { class: 'AxiosError', code: 'ERR_BAD_REQUEST', status: 404 });
  t.like(entry(core, 'broken:rejected'), { class: 'AxiosError', code: 'ECONNRESET' });
  t.like(entry(core, 'timeout:rejected'), { class: 'AxiosError', message: 'stream has been aborted' });
});

test('nock (net sockets): got: JSON GET / POST, HTTPError, RequestError, got timeout against .delay()', async (t) => {
  const core = await nockDifferential(t, 'got', NET);
  t.like(entry(core, 'get:resolved'), { status: 200, body: { id: 7 } });
  t.deepEqual(entry(core, 'post:resolved').body, { created: { name: 'n', n: 3 } });
  t.like(entry(core, 'fail:rejected'), { class: 'HTTPError', status: 500 });
  t.like(entry(core, 'broken:rejected'), { class: 'RequestError', code: 'ECONNRESET' });
  t.like(entry(core, 'timeout:rejected'), { class: 'ReadError', code: 'ECONNRESET' });
});

// ---------------------------------------------------------------------------
// Part 1: nock with the default agent. rhttp's own sockets connect through
// Rust and never call net.Socket.prototype.connect, the one place msw
// patches: while it is patched, rhttp's agent connects through net
// (lib/net_stock.js), so nock sees every request as on core. (Before that,
// every mocked request went to the network and disableNetConnect did not
// apply: /tmp/nock-repro/default-agent.js.)

for (const [scenario, what, env] of [
  ['reply', 'http.get / http.request replies'],
  ['netConnect', 'disableNetConnect through http.get, axios and got'],
  ['allowUnmocked', 'allowUnmocked lets an unmocked path through to a real server'],
  ['abort', 'abort and destroy mid-reply'],
  ['restore', 'restore() lets requests through, activate() intercepts again (nock loaded by import())', { NOCK_LOAD: 'import' }],
]) {
  test(`nock (default agent): ${what}`, async (t) => {
    await nockDifferential(t, scenario, env);
  });
}

// ---------------------------------------------------------------------------
// Part 2 harness: undici and fetch against undici-server.js

const SERVER = 'undici-server.js';

/** What a user sees of an error: class, name, code, message, and its cause
 * one level down. */
function errView(err) {
  if (!(err instanceof Error)) return { notAnError: String(err) };
  const out = { class: err.constructor.name, name: err.name, code: err.code, message: err.message };
  if (err.cause instanceof Error) out.cause = errView(err.cause);
  return out;
}

/** Headers without Date. */
function headersOf(headers) {
  const out = {};
  for (const [k, v] of headers instanceof Headers ? headers : Object.entries(headers)) if (k !== 'date') out[k] = v;
  return out;
}

/** A body as text, or as its size and hash when large. */
const bodyOf = (buf) => (buf.length > 256 ? { bytes: buf.length, sha: sha(buf) } : buf.toString('latin1'));

/** undici's `dispatcher.request(opts)` (bounded: 5 s): status, headers,
 * body (read by `read(body)`, default all at once), trailers, or the error. */
async function ask(dispatcher, opts, { read } = {}) {
  let res;
  try {
    res = await dispatcher.request({ signal: AbortSignal.timeout(5000), ...opts });
  } catch (err) {
    return { error: errView(err) };
  }
  const out = { status: res.statusCode, headers: headersOf(res.headers) };
  try {
    out.body = bodyOf(read ? await read(res.body) : Buffer.from(await res.body.arrayBuffer()));
  } catch (err) {
    out.bodyError = errView(err);
  }
  if (Object.keys(res.trailers).length) out.trailers = { ...res.trailers };
  return out;
}

/** Node's global fetch: status, headers, body, or the errors. */
async function fetchView(url, init = {}) {
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000), ...init });
  } catch (err) {
    return { error: errView(err) };
  }
  const out = { status: res.status, statusText: res.statusText, headers: headersOf(res.headers) };
  try {
    out.body = bodyOf(Buffer.from(await res.arrayBuffer()));
  } catch (err) {
    out.bodyError = errView(err);
  }
  return out;
}

/** The server's notes about each request of `ids` ({ at: [ev] }), once
 * every id has a note matching `until` (bounded) and the rest had `settle`
 * ms; the connection notes ('open n' / 'close n'); and, for each regex of
 * `orders`, the notes ('id at: ev') matching it across requests in the
 * order they came (by default all of them). */
async function serverNotes(app, ids, { until = /^res: close$/, ms = 3000, settle = 100, orders = { all: /./ } } = {}) {
  const matched = (id) => app.lines.some((l) => l.id === id && until.test(`${l.at}: ${l.ev}`));
  const end = Date.now() + ms;
  while (!ids.every(matched) && Date.now() < end) await sleep(10);
  await sleep(settle);
  const out = { conns: [], orders: {} };
  for (const name of Object.keys(orders)) out.orders[name] = [];
  for (const l of app.lines) {
    if (l.at === 'conn') out.conns.push(l.ev);
    if (!ids.includes(l.id)) continue;
    ((out[l.id] ||= {})[l.at] ||= []).push(l.ev);
    for (const [name, re] of Object.entries(orders)) if (re.test(`${l.at}: ${l.ev}`)) out.orders[name].push(`${l.id} ${l.at}: ${l.ev}`);
  }
  // A connection's close and the next one's open race in core too (the
  // client closes, then connects at once): in number order.
  const key = (ev) => { const [what, n] = ev.split(' '); return Number(n) * 2 + (what === 'close'); };
  out.conns.sort((a, b) => key(a) - key(b));
  return out;
}

/** `scenario` against the server on core then under register; asserts the
 * two are deep-equal and returns core's. */
async function serverDifferential(t, scenario, env) {
  const { core, rhttp } = await differentialScenario(t, SERVER, scenario, { env });
  t.deepEqual(rhttp, core);
  return core;
}

const xid = (id) => ({ 'x-id': id });

// ---------------------------------------------------------------------------
// Part 2: undici against the server

test('undici: keep-alive Client (sequential reuse, HEAD, 204, 304, chunked, trailers, 404) and global fetch', async (t) => {
  const core = await serverDifferential(t, async (app) => {
    const client = new undici.Client(app.url);
    const out = {};
    for (const id of ['k1', 'k2', 'k3']) out[id] = await ask(client, { path: '/hello', method: 'GET', headers: xid(id) });
    out.head = await ask(client, { path: '/hello', method: 'HEAD', headers: xid('head') });
    out.s204 = await ask(client, { path: '/status/204', method: 'GET', headers: xid('s204') });
    out.s304 = await ask(client, { path: '/status/304', method: 'GET', headers: { ...xid('s304'), 'if-none-match': '"v1"' } });
    out.chunked = await ask(client, { path: '/chunked', method: 'GET', headers: xid('chunked') });
    out.trailers = await ask(client, { path: '/trailers', method: 'GET', headers: xid('trailers') });
    out.missing = await ask(client, { path: '/nowhere', method: 'DELETE', headers: xid('missing') });
    out.headChunked = await ask(client, { path: '/chunked', method: 'HEAD', headers: xid('head-chunked') });
    await client.close();
    // Global fetch (its own undici): a pause after each, so that its pool
    // has taken the connection back before the next one.
    for (const [id, p, init] of [['f-get', '/hello'], ['f-head', '/hello', { method: 'HEAD' }], ['f-trailers', '/trailers'], ['f-204', '/status/204']]) {
      out[id] = await fetchView(app.url + p, { ...init, headers: xid(id) });
      await sleep(20);
    }
    out.notes = await serverNotes(app, ['k1', 'k2', 'k3', 'head', 's204', 's304', 'chunked', 'trailers', 'missing', 'head-chunked', 'f-get', 'f-head', 'f-trailers', 'f-204']);
    return out;
  });
  t.like(core.k3, { status: 200, body: 'hello undici' });
  t.deepEqual(core.notes.k3.req[0], 'request GET /hello conn=1 no-body');
  t.is(core.head.body, '');
  t.like(core.s204, { status: 204, body: '' });
  t.like(core.s304, { status: 304, body: '' });
  t.is(core.chunked.headers['transfer-encoding'], 'chunked');
  t.is(core.chunked.body, 'alpha,beta,gamma');
  t.deepEqual(core.trailers.trailers, { 'x-sum': sha('with trailers'), 'x-count': '2' });
  t.is(core.missing.status, 404);
  // undici sends Connection: close with a HEAD: the connection ends there.
  t.like(core.head.headers, { connection: 'close', 'content-length': '12' });
  t.deepEqual(core.notes.conns.slice(0, 3), ['open 1', 'close 1', 'open 2']);
  t.like(core['f-trailers'], { status: 200, body: 'with trailers' });
  t.deepEqual(['f-get', 'f-head', 'f-trailers', 'f-204'].map((id) => core.notes[id].req[0].split(' ')[3]), ['conn=3', 'conn=3', 'conn=4', 'conn=4']);
});

test('undici: Pool with pipelining 10 on one connection: 20 requests in flight, answered in order, bodies intact', async (t) => {
  const core = await serverDifferential(t, async (app) => {
    const pool = new undici.Pool(app.url, { connections: 1, pipelining: 10 });
    const done = [];
    const ids = [];
    const asks = [];
    for (let i = 0; i < 20; i++) {
      const id = `p${i}`;
      ids.push(id);
      // Slow answers first: a later request must still wait for them.
      const opts = [
        { path: `/slow?ms=${(20 - i) * 2}`, method: 'GET' },
        { path: '/hello', method: 'GET' },
        // idempotent: undici pipelines no other request with a PUT / POST.
        { path: '/echo', method: 'PUT', idempotent: true, body: Buffer.alloc(i * 1000, `body ${i} `) },
        { path: '/chunked', method: 'GET' },
      ][i % 4];
      // blocking: false, or undici 7 waits for each head before the next.
      asks.push(ask(pool, { ...opts, blocking: false, headers: xid(id) }).then((v) => { done.push(id); return v; }));
    }
    // How many were in flight at once on the connection (pipelined).
    let maxRunning = 0;
    const poll = setInterval(() => { maxRunning = Math.max(maxRunning, pool.stats.running); }, 2);
    const answers = await Promise.all(asks).finally(() => clearInterval(poll));
    await pool.close();
    // Which pipelined requests the server has parsed by the time it notes
    // one's end or answer depends on how the bytes were read, in core too:
    // the orders compared are those of the requests and of the answers.
    const orders = { requests: /^req: request /, answers: /^res: finish$/ };
    return { answers, done, maxRunning, notes: await serverNotes(app, ids, { orders }) };
  });
  t.deepEqual(core.done, Array.from({ length: 20 }, (_, i) => `p${i}`));
  t.true(core.answers.every((a) => a.status === 200));
  t.deepEqual(JSON.parse(core.answers[18].body), { method: 'PUT', framing: 'cl=18000', bytes: 18000, sha: sha(Buffer.alloc(18000, 'body 18 ')) });
  t.deepEqual(core.notes.orders.requests.map((l) => l.split(' ')[0]), core.done);
  t.true(core.notes.orders.requests.every((l) => l.includes(' conn=1 ')));
  t.deepEqual(core.notes.orders.answers.map((l) => l.split(' ')[0]), core.done);
  t.deepEqual(core.notes.conns, ['open 1', 'close 1']);
  t.is(core.maxRunning, 10);
});

/** `n` pieces of `size` bytes, `gap` ms apart, as an async iterable. */
async function* piecesOf(n, size, gap) {
  for (let i = 0; i < n; i++) {
    yield Buffer.alloc(size, `piece ${i} `);
    if (gap) await sleep(gap);
  }
}
const piecesSha = (n, size) => sha(Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.alloc(size, `piece ${i} `))));

test('undici / fetch: request bodies streamed (chunked), with a Content-Length, empty, 2 MB in pieces', async (t) => {
  const core = await serverDifferential(t, async (app) => {
    const client = new undici.Client(app.url);
    const out = {};
    out.iterable = await ask(client, { path: '/echo', method: 'POST', headers: xid('iterable'), body: piecesOf(5, 10, 10) });
    out.readableLength = await ask(client, {
      path: '/echo', method: 'PUT', headers: { ...xid('readable-cl'), 'content-length': '50' }, body: Readable.from(piecesOf(5, 10, 10)),
    });
    out.buffer = await ask(client, { path: '/echo', method: 'POST', headers: xid('buffer'), body: Buffer.alloc(100 * 1024, 'b') });
    out.string = await ask(client, { path: '/echo', method: 'POST', headers: xid('string'), body: 'héllo' });
    out.empty = await ask(client, { path: '/echo', method: 'POST', headers: xid('empty'), body: '' });
    out.large = await ask(client, { path: '/echo', method: 'PUT', headers: xid('large'), body: piecesOf(32, 64 * 1024, 0) });
    await client.close();
    out.fetchStream = await fetchView(`${app.url}/echo`, {
      method: 'POST', headers: xid('f-stream'), duplex: 'half', body: Readable.toWeb(Readable.from(piecesOf(3, 7, 10))),
    });
    out.fetchString = await fetchView(`${app.url}/echo`, { method: 'POST', headers: xid('f-string'), body: 'fetch body' });
    out.notes = await serverNotes(app, ['iterable', 'readable-cl', 'buffer', 'string', 'empty', 'large', 'f-stream', 'f-string']);
    return out;
  });
  const echo = (a) => JSON.parse(a.body);
  t.like(echo(core.iterable), { framing: 'te=chunked', bytes: 50, sha: piecesSha(5, 10) });
  t.like(echo(core.readableLength), { framing: 'cl=50', bytes: 50 });
  t.like(echo(core.buffer), { framing: 'cl=102400', bytes: 102400 });
  t.like(echo(core.string), { framing: 'cl=6', bytes: 6 });
  t.like(echo(core.empty), { framing: 'cl=0', bytes: 0 });
  t.like(echo(core.large), { framing: 'te=chunked', bytes: 2 * 1024 * 1024, sha: piecesSha(32, 64 * 1024) });
  t.like(echo(core.fetchStream), { framing: 'te=chunked', bytes: 21 });
  t.like(echo(core.fetchString), { framing: 'cl=10', bytes: 10 });
});

/** The notes of `id` in the order they came, split per attempt (each
 * 'request' note starts one): [{ conn, evs }]. */
function attempts(notes, id) {
  const out = [];
  for (const l of notes.orders.all) {
    if (!l.startsWith(`${id} `)) continue;
    const ev = l.slice(id.length + 1);
    const m = / conn=(\d+) /.exec(ev);
    if (ev.startsWith('req: request ') && m) out.push({ conn: Number(m[1]), evs: [] });
    else out[out.length - 1].evs.push(ev);
  }
  return out;
}

test('undici: Connection: close answers end reuse; what was pipelined behind one is dropped by the server', async (t) => {
  const { core, rhttp } = await differentialScenario(t, SERVER, async (app) => {
    const client = new undici.Client(app.url);
    const serial = [];
    for (const [id, p] of [['c1', '/hello'], ['c2', '/close'], ['c3', '/hello']]) serial.push(await ask(client, { path: p, method: 'GET', headers: xid(id) }));
    await client.close();
    const pool = new undici.Pool(app.url, { connections: 1, pipelining: 10 });
    const ids = ['q1', 'q2', 'q3', 'q4'];
    const answers = await Promise.all(ids.map((id, i) => ask(pool, { path: i === 1 ? '/close' : '/hello', method: 'GET', blocking: false, headers: xid(id) })));
    await pool.close();
    const notes = await serverNotes(app, ['c1', 'c2', 'c3', ...ids], { ms: 1000 });
    // The closing connection is the one q2 was answered on.
    const closing = attempts(notes, 'q2').find((a) => a.evs.includes('res: finish'))?.conn;
    return {
      serial,
      serialConns: ['c1', 'c2', 'c3'].map((id) => attempts(notes, id).map((a) => a.conn)),
      pipelined: {
        // Nothing the server took after q2 on its connection was answered there.
        droppedAfterClose: ['q3', 'q4'].every((id) => attempts(notes, id).filter((a) => a.conn === closing).every((a) => !a.evs.includes('res: finish'))),
        // Each request answered right (q3 / q4 on a later connection), or
        // failed. (When undici lost an answer it sends the request again:
        // the server may have answered it twice.)
        outcomes: answers.map((a, i) => {
          if (a.error) return `failed ${a.error.code}`;
          const done = attempts(notes, ids[i]).filter((x) => x.evs.includes('res: finish'));
          const right = a.status === 200 && a.body === (i === 1 ? 'bye' : 'hello undici') &&
            done.some((x) => i < 2 || x.conn > closing);
          return right ? 'answered' : `wrong ${JSON.stringify(a)}`;
        }),
      },
    };
  });
  t.deepEqual(rhttp.serial, core.serial);
  t.deepEqual(rhttp.serialConns, core.serialConns);
  t.deepEqual(core.serial.map((a) => [a.status, a.headers.connection]), [[200, 'keep-alive'], [200, 'close'], [200, 'keep-alive']]);
  t.deepEqual(core.serialConns, [[1], [1], [2]]);
  // Pipelined behind the Connection: close answer, how much of q3 / q4 the
  // server had read when it closed depends on how the bytes came, in core
  // too; and core closes with q3 / q4 unread now and then, so the kernel
  // resets the connection and undici loses even q1 / q2's answers (write
  // EPIPE). rhttp reads them all (a FIN, no reset). Compared: what both
  // always satisfy.
  const allowed = /^(answered|failed (EPIPE|ECONNRESET|UND_ERR_SOCKET))$/;
  for (const [name, p] of [['core', core.pipelined], ['rhttp', rhttp.pipelined]]) {
    t.true(p.droppedAfterClose, name);
    t.true(p.outcomes.every((o) => allowed.test(o)), `${name}: ${p.outcomes}`);
  }
});

test('undici: the server ends an idle kept-alive connection (keepAliveTimeout 1 ms + 1 s): undici opens a new one', async (t) => {
  const core = await serverDifferential(t, async (app) => {
    // keepAliveTimeoutThreshold: undici keeps the socket past the server's
    // Keep-Alive: timeout=0 hint (otherwise it would not reuse it at all).
    const client = new undici.Client(app.url, { keepAliveTimeoutThreshold: -5000 });
    const out = {};
    out.first = await ask(client, { path: '/hello', method: 'GET', headers: xid('i1') });
    await sleep(50);
    out.soon = await ask(client, { path: '/hello', method: 'GET', headers: xid('i2') });
    await sleep(1200);
    out.late = await ask(client, { path: '/hello', method: 'GET', headers: xid('i3') });
    await client.close();
    out.notes = await serverNotes(app, ['i1', 'i2', 'i3']);
    return out;
  }, { KEEP_ALIVE_TIMEOUT: '1' });
  t.is(core.first.headers['keep-alive'], 'timeout=0');
  t.deepEqual(['i1', 'i2', 'i3'].map((id) => core.notes[id].req[0].split(' ')[3]), ['conn=1', 'conn=1', 'conn=2']);
  t.deepEqual(core.notes.conns, ['open 1', 'close 1', 'open 2', 'close 2']);
  t.like(core.late, { status: 200, body: 'hello undici' });
});

// A request that arrives just before the idle connection's keep-alive
// deadline while the server's event loop is busy across it (/block). Core
// runs its timer first: the connection is destroyed with the request unread
// and the kernel resets it: undici reports read ECONNRESET, the server
// never emits 'request'. rhttp's io thread read the request before the
// deadline, so its idle timer (which runs in Rust) saw the connection
// active and never fired: the server answers. (When Rust's timeout did come
// first in the batch, rhttp emitted 'request' on the destroyed socket; that
// is fixed and covered in timeouts.spec.mjs.)
// /tmp/nock-repro/keepalive-deadline-blocked.js, keepalive-deadline.js.
failing('undici: a request at the keep-alive deadline while the server is busy: core resets it unread', async (t) => {
  await serverDifferential(t, async (app) => {
    const client = new undici.Client(app.url, { keepAliveTimeoutThreshold: -5000 });
    const out = {};
    out.first = await ask(client, { path: '/hello', method: 'GET', headers: xid('d1') });
    const blocker = new undici.Client(app.url);
    const blocked = sleep(800).then(() => ask(blocker, { path: '/block?ms=500', method: 'GET', headers: xid('block') }));
    await sleep(900);
    out.second = await ask(client, { path: '/hello', method: 'GET', headers: xid('d2') });
    out.blocked = await blocked;
    await Promise.all([client.close(), blocker.close()]);
    out.notes = await serverNotes(app, ['d1', 'd2'], { until: /^res: close$/, ms: 500 });
    return out;
  }, { KEEP_ALIVE_TIMEOUT: '1' });
});

test('undici: server requestTimeout (300 ms) against a request body that stalls: the server answers 408 and closes', async (t) => {
  const core = await serverDifferential(t, async (app) => {
    const client = new undici.Client(app.url);
    const out = {};
    // One piece, then nothing for 1 s (undici keeps the request open).
    const stalled = Readable.from((async function* stall() { yield 'first piece'; await sleep(1000); yield 'too late'; })());
    out.stalled = await ask(client, { path: '/wait-body', method: 'POST', headers: xid('stalled'), body: stalled });
    await client.close().catch(() => {});
    // A request in time on a new client still works.
    const again = new undici.Client(app.url);
    out.inTime = await ask(again, { path: '/wait-body', method: 'POST', headers: xid('in-time'), body: 'quick' });
    await again.close();
    out.notes = await serverNotes(app, ['stalled', 'in-time'], { until: /^req: close$/ });
    return out;
    // (headersTimeout may not exceed requestTimeout; the checks run every 50 ms.)
  }, { REQUEST_TIMEOUT: '300', HEADERS_TIMEOUT: '200', CHECK_INTERVAL: '50' });
  t.like(core.stalled, { status: 408 });
  t.like(core.inTime, { status: 200, body: 'got 5' });
  t.true(core.notes.stalled.req.includes('aborted'));
  t.deepEqual(core.notes.stalled.res, ['close']);
});

test('undici / fetch: an 8 MB answer read slowly (the server meets backpressure), and read at once', async (t) => {
  const expected = (mb) => {
    const block = Buffer.alloc(64 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31 + (i >> 8)) & 0xff;
    return bodyOf(Buffer.concat(Array(mb * 16).fill(block)));
  };
  const core = await serverDifferential(t, async (app) => {
    const client = new undici.Client(app.url);
    const out = {};
    // Nothing read for 200 ms, then a pause every 16 chunks.
    out.slow = await ask(client, { path: '/big?mb=8', method: 'GET', headers: xid('slow') }, {
      read: async (body) => {
        await sleep(200);
        const chunks = [];
        for await (const c of body) {
          chunks.push(c);
          if (chunks.length % 16 === 0) await sleep(1);
        }
        return Buffer.concat(chunks);
      },
    });
    await client.close();
    out.fetch = await fetchView(`${app.url}/big?mb=4`, { headers: xid('f-big') });
    out.notes = await serverNotes(app, ['slow', 'f-big']);
    return out;
  });
  t.deepEqual(core.slow.body, expected(8));
  t.deepEqual(core.fetch.body, expected(4));
  t.deepEqual(core.notes.slow.res, ['backpressure true', 'finish', 'close']);
});

test('undici / fetch: res.destroy() in the middle of a Content-Length body', async (t) => {
  const core = await serverDifferential(t, async (app) => {
    const client = new undici.Client(app.url);
    const out = {};
    out.request = await ask(client, { path: '/destroy', method: 'GET', headers: xid('destroy') });
    // The connection is gone: the next request gets a new one.
    out.after = await ask(client, { path: '/hello', method: 'GET', headers: xid('after') });
    await client.close();
    out.fetch = await fetchView(`${app.url}/destroy`, { headers: xid('f-destroy') });
    out.notes = await serverNotes(app, ['destroy', 'after', 'f-destroy']);
    return out;
  });
  t.like(core.request, { status: 200, bodyError: { class: 'SocketError', code: 'UND_ERR_SOCKET', message: 'other side closed' } });
  t.like(core.fetch, { status: 200, bodyError: { class: 'TypeError', message: 'terminated', cause: { code: 'UND_ERR_SOCKET' } } });
  t.deepEqual(core.notes.destroy.res, ['close']);
  t.regex(core.notes.after.req[0], /conn=2 /);
});

test('undici: upgrade (101, then an echo) and CONNECT (a tunnel)', async (t) => {
  const core = await serverDifferential(t, async (app) => {
    /** Writes `text`, gathers what comes back until the socket closes
     * after end() (bounded). */
    const talk = async (socket, text) => {
      let got = '';
      socket.on('data', (d) => { got += d; });
      socket.write(text);
      await sleep(50);
      socket.end();
      await Promise.race([once(socket, 'close'), sleep(1000)]);
      return got;
    };
    const client = new undici.Client(app.url);
    const out = {};
    const signal = AbortSignal.timeout(3000);
    const up = await client.upgrade({ path: '/up', protocol: 'shout', headers: xid('up'), signal });
    out.upgrade = { headers: headersOf(up.headers), echo: await talk(up.socket, 'ping') };
    const tunnel = await client.connect({ path: '/', headers: xid('tunnel'), signal });
    out.connect = { status: tunnel.statusCode, headers: headersOf(tunnel.headers), echo: await talk(tunnel.socket, 'hello tunnel') };
    await client.close();
    out.notes = await serverNotes(app, ['up', 'tunnel'], { until: /^tunnel: close$/ });
    return out;
  });
  t.deepEqual(core.upgrade, { headers: { upgrade: 'shout', connection: 'Upgrade' }, echo: 'PING' });
  t.like(core.connect, { status: 200, echo: 'HELLO TUNNEL' });
  t.deepEqual(core.notes.up.tunnel, ['end', 'close']);
});
