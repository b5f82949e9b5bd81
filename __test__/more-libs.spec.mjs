// More libraries, unmodified, on rhttp through rhttp/register versus on
// core's http (the oracle).
//
// Clients: superagent 10, needle 3 and global-agent 4
// (fixtures/more-libs-clients.js, run by client-libs-run.js with the harness
// client-libs-harness.js, as client-libs.spec.mjs does). Each scenario runs in
// a child process twice, on core and under `-r ./register.js`, one after the
// other, against scripted raw `net` servers in the child (a forward proxy on
// `net` for global-agent); each run prints one JSON line and they must be
// deep-equal: every ClientRequest's events in order (socket, finish,
// response with raw headers and server connection, error, close, the
// response's data / end / aborted / close), what the library's calls gave
// (resolved values, rejections, stream events), the exact bytes every
// server connection received and how the client left it, uncaught errors.
// Only the listening ports are masked.
//
// Servers: polka 0.5, connect 3 and serve-handler 6 apps
// (fixtures/more-libs-{polka,connect,serve}.js), each started twice, on
// core and under register; this process sends both the same raw requests
// (exact bytes) on `net` connections and compares the bytes it got back
// (Date values and the port masked), whether the server closed, and the
// events each fixture logged about each request ({ id, at, ev } lines).
//
// Each test also checks, on core's observations, that the scenario saw what
// it is about, so that one doing nothing fails. Where a library starts its
// next request from the previous one's listeners (redirects, retries), the
// logs are compared request by request (byRequest), and the order across
// those two requests, which rhttp might show only at times, is checked over
// repeated rounds (orders).

import anyTest from 'ava';
import { createRequire } from 'node:module';
import { differentialScenario } from './fixtures/apps.mjs';
import { rawClient, complete } from './helpers/raw-client.mjs';
import { runScenario, scenarioDifferential, entry } from './helpers/client-scenario.mjs';

const require = createRequire(import.meta.url);
const crypto = require('node:crypto');

// Serial: the scenarios depend on timing (timeouts of 120-250 ms, servers
// stalling), and the two runs of a scenario should see the same load.
const test = anyTest.serial;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------------------
// Client harness (as client-libs.spec.mjs)

const CLIENTS = 'more-libs-clients.js';
/** Both runs of a client scenario (`view`: see `byRequest`). */
const differential = (t, scenario, opts) => scenarioDifferential(t, CLIENTS, scenario, opts);
const run = (t, mode, scenario, opts) => runScenario(t, mode, CLIENTS, scenario, opts);

/** The log split by who logged each entry (the request `rN`, or the
 * library call's label: the text before the first ':'), each part in
 * order; the rest of the observations as they are. */
function byRequest(obs) {
  const parts = {};
  for (const e of obs.log) {
    const name = Array.isArray(e) ? e[0] : e;
    (parts[name.split(':')[0]] ||= []).push(e);
  }
  return { ...obs, log: parts };
}


/** Each connection's complete requests, for server `name`. */
const reqs = (obs, name = 'SRV0') => obs.servers[name].map((c) => c.requests);

/** A scenario repeated ITERATIONS times on each side (core fewer: it does
 * not vary); the sets of orders seen must be the same. */
async function orders(t, scenario) {
  t.timeout(10000);
  const core = await run(t, 'core', scenario, { env: { ITERATIONS: '20' } });
  const reg = await run(t, 'rhttp', scenario, { env: { ITERATIONS: '60' } });
  t.false(core.rhttp);
  t.true(reg.rhttp);
  t.is(Object.keys(core.result.orders).length, 1, 'core: one order');
  t.deepEqual(Object.keys(reg.result.orders).sort(), Object.keys(core.result.orders).sort());
}

// ---------------------------------------------------------------------------
// superagent 10

test('superagent: GET with query and headers, POST / PUT JSON, form and text bodies, chunked JSON, HEAD, 404, 500', async (t) => {
  const core = await differential(t, 'superagentBasics');
  t.deepEqual(entry(core, 'get:resolved').body, { hello: 'world', path: '/json?y=2&z=a%20b' });
  t.like(entry(core, 'postJson:resolved').body, { method: 'POST', type: 'application/json' });
  t.is(entry(core, 'putForm:resolved').body.got, 'a=x%20y&b=%26');
  t.deepEqual(entry(core, 'chunked:resolved').body, { parts: [1, 2, 3] });
  t.like(entry(core, '404:rejected'), { status: 404, response: { status: 404, text: '{"error":"nope"}' } });
  t.like(entry(core, '500:rejected'), { status: 500, message: 'Internal Server Error' });
  t.regex(reqs(core)[0][0], /^GET \/json\?y=2&z=a%20b HTTP\/1\.1\r\nX-Custom: v\r\nAccept: application\/json\r\nHost: 127\.0\.0\.1:<SRV0>\r\nAccept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n$/);
  t.is(core.result.conns, 9);
});

test('superagent: redirects 301/302/303 (to GET), 307/308 (body again), a chain, to another server, .redirects(1) and (0)', async (t) => {
  const core = await differential(t, 'superagentRedirects', { view: byRequest });
  t.like(entry(core, '301:resolved'), { status: 200, body: { final: 'GET /a HTTP/1.1', body: '' } });
  t.like(entry(core, '307:resolved').body, { final: 'POST /d HTTP/1.1', body: '{"n":4}' });
  t.like(entry(core, '308:resolved').body, { final: 'PUT /e HTTP/1.1', body: '{"n":5}' });
  t.deepEqual(entry(core, 'chain:resolved').redirects.length, 3);
  t.is(entry(core, 'cross:resolved').text, 'other got GET /other/g HTTP/1.1');
  t.notRegex(reqs(core, 'SRV1')[0][0], /Authorization|Cookie/i);
  t.like(entry(core, 'tooMany:rejected'), { status: 302 });
  t.like(entry(core, 'none:rejected'), { status: 301 });
});

test('superagent: .timeout({ response }), .timeout({ deadline }), both, in time, .timeout(ms)', async (t) => {
  const core = await differential(t, 'superagentTimeouts');
  t.like(entry(core, 'response:rejected'), { code: 'ECONNABORTED', timeout: 150, errno: 'ETIMEDOUT', message: 'Response timeout of 150ms exceeded' });
  t.like(entry(core, 'deadline:rejected'), { code: 'ECONNABORTED', timeout: 250, errno: 'ETIME' });
  t.like(entry(core, 'both:rejected'), { timeout: 200, errno: 'ETIME' });
  t.deepEqual(entry(core, 'inTime:resolved').body, { quick: true });
  t.like(entry(core, 'plain:rejected'), { timeout: 120 });
});

test('superagent: .retry(n) after resets, a 503, a response timeout; retries used up', async (t) => {
  const core = await differential(t, 'superagentRetry', { view: byRequest });
  t.deepEqual(entry(core, 'reset:resolved').body, { attempt: 3 });
  t.deepEqual(entry(core, '503:resolved').body, { attempt: 2 });
  t.deepEqual(entry(core, 'stall:resolved').body, { attempt: 2 });
  t.like(entry(core, 'usedUp:rejected'), { code: 'ECONNRESET' });
  t.deepEqual(core.result.seen, { '/reset': 3, '/503': 2, '/stall': 2, '/always-reset': 2 });
});

test('superagent: .abort() waiting for the answer, during the body, before .end()', async (t) => {
  const core = await differential(t, 'superagentAbort');
  t.true(entry(core, 'waiting:abort event'));
  t.true(entry(core, 'waiting:no callback'));
  t.deepEqual(entry(core, 'during:callback'), [null, { status: 200, text: 'first part' }]);
  t.like(entry(core, 'early:callback')[0], { message: 'The request has been aborted even before .end() was called' });
});

// On core, req.abort() closes the descriptor at once: a server in the same
// process reads the EOF in that turn's poll phase, before the request's
// 'close' (close phase). Repeated, as an order rhttp might show only at
// times. Repro: /tmp/morelibs-repro/abort-close-before-peer-sees-it.js
test('superagent: .abort() during the body: the server sees the close before the request\'s close', async (t) => {
  await orders(t, 'abortPeerOrder');
});

test('superagent: .pipe() of a chunked answer, a gzip answer, a redirect', async (t) => {
  const core = await differential(t, 'superagentPipe');
  for (const p of ['/plain', '/gzip', '/redirect']) t.is(entry(core, `${p}:piped`), 'whole', p);
  t.is(entry(core, '/redirect:redirect event'), 302);
});

test('superagent: multipart .field() and .attach() (Buffer, file path, 100 KiB)', async (t) => {
  const core = await differential(t, 'superagentAttach');
  const [[fields], [attach]] = reqs(core);
  t.regex(fields, /\r\ncontent-type: multipart\/form-data; boundary=----fixedBoundaryForTheTest\r\n/);
  t.true(fields.includes('name="list"\r\n\r\na\r\n') && fields.includes('name="list"\r\n\r\nb\r\n'));
  // Over 8 KiB: the server's record is the head, the body's size and hash.
  t.is(attach.bodyBytes, Number(/\r\nContent-Length: (\d+)\r\n/.exec(attach.head)[1]));
  t.deepEqual(entry(core, 'attach:resolved').body.parts, [
    ['Content-Disposition: form-data; name="title"', 5],
    ['Content-Disposition: form-data; name="buf"; filename="a.txt"\r\nContent-Type: text/plain', 35],
    ['Content-Disposition: form-data; name="file"; filename="static.txt"\r\nContent-Type: text/plain', entry(core, 'static.txt bytes')],
    ['Content-Disposition: form-data; name="big"; filename="big.bin"\r\nContent-Type: application/octet-stream', 100 * 1024],
  ]);
});

// ---------------------------------------------------------------------------
// needle 3

test('needle: GET, POST JSON / form / Buffer / multipart / stream, HEAD, text and binary answers, 404', async (t) => {
  const core = await differential(t, 'needleBasics');
  t.like(entry(core, 'get:resolved'), { statusCode: 200, parser: 'json', body: { line: 'GET /json?x=1 HTTP/1.1' } });
  t.is(entry(core, 'postJson:resolved').body.body, '{"a":1,"s":"é"}');
  t.is(entry(core, 'postForm:resolved').body.body, 'a=x%20y&b=%26');
  t.regex(entry(core, 'multipart:resolved').body.body, /^----------------------NODENEEDLEHTTPCLIENT\r\n/);
  t.is(entry(core, 'stream:resolved').body.body, '9\r\nstreamed \r\n4\r\nbody\r\n0\r\n\r\n');
  t.is(entry(core, 'text:resolved').body, 'café in latin1');
  t.deepEqual(entry(core, 'binary:resolved').body, { buffer: '\u0000\u0001\u00ff\u00fe' });
  t.is(entry(core, '404:resolved').statusCode, 404);
});

test('needle: stream mode (header, data, done) for a chunked answer, parsed JSON, piped', async (t) => {
  const core = await differential(t, 'needleStream');
  t.is(entry(core, 'text:data'), 'one two three');
  t.is(entry(core, 'json:data'), '{"a":[1,2]}');
  t.is(entry(core, 'piped into'), 'one two three');
  t.is(entry(core, 'piped:done'), null);
});

test('needle: follow_max (within, over, 0), POST turned GET and kept, cookies, another server, stream mode', async (t) => {
  const core = await differential(t, 'needleFollow', { view: byRequest });
  t.like(entry(core, 'chain:resolved'), { statusCode: 200, body: { final: 'GET /a HTTP/1.1' } });
  t.like(entry(core, 'over:rejected'), { message: 'Max redirects reached. Possible loop in: /b' });
  t.is(entry(core, 'none:resolved').statusCode, 302);
  t.like(entry(core, 'keep:resolved').body, { final: 'POST /e HTTP/1.1', body: '{"n":2}' });
  // A relative Location is not "the same host" to needle: no cookies.
  t.regex(reqs(core).flat().find((r) => r.startsWith('GET /302/f ')), /\r\ncookie: mine=1\r\n/);
  t.is(entry(core, 'cookies:resolved').body.cookie, null);
  t.is(entry(core, 'stream:redirect'), '/h');
  // needle leaves the redirect answers unread: those requests stay open.
  t.true(entry(core, 'r0:still open'));
});

test('needle: response_timeout, read_timeout (stream and promise), in time', async (t) => {
  const core = await differential(t, 'needleTimeouts');
  t.is(entry(core, 'response:timeout'), 'response');
  t.like(entry(core, 'response:done'), { code: 'ECONNRESET', message: 'socket hang up' });
  t.is(entry(core, 'read:timeout'), 'read');
  t.like(entry(core, 'read:done'), { message: 'read timeout' });
  t.like(entry(core, 'readPromise:rejected'), { message: 'read timeout' });
  t.is(entry(core, 'inTime:resolved').body, 'quick');
});

test('needle: compressed answers (gzip, deflate, br, chunked gzip, broken gzip), without `compressed`', async (t) => {
  const core = await differential(t, 'needleCompressed');
  for (const p of ['/gzip', '/deflate', '/br', '/gzip-chunked']) t.is(entry(core, `${p}:resolved`)[1], 'decoded', p);
  // needle resolves a body its gunzip failed on, empty.
  t.deepEqual(entry(core, '/broken:resolved'), [200, 0, 35]);
  t.regex(reqs(core)[0][0], /\r\naccept-encoding: gzip, deflate, br\r\n/);
});

test('needle: malformed answers, reset / FIN mid-body, a FIN in a chunked body, no answer', async (t) => {
  const core = await differential(t, 'needleBroken');
  t.like(entry(core, '/bad-status:rejected'), { code: 'HPE_INVALID_STATUS' });
  t.like(entry(core, '/bad-header:rejected'), { code: 'HPE_INVALID_HEADER_TOKEN' });
  t.like(entry(core, '/rst:rejected'), { code: 'ECONNRESET', syscall: 'read' });
  // needle never settles an answer a FIN cut short.
  t.true(entry(core, '/fin:pending'));
  t.true(entry(core, '/chunked-fin:pending'));
  t.like(entry(core, '/hang-up:rejected'), { message: 'socket hang up' });
  t.like(entry(core, 'streamRst:done'), { code: 'ECONNRESET' });
});

// ---------------------------------------------------------------------------
// global-agent 4

test('global-agent: bootstrap() sends http.get / http.request / superagent / needle through a forward proxy (absolute URIs)', async (t) => {
  const core = await differential(t, 'globalAgentProxy');
  t.deepEqual(entry(core, 'globalAgent replaced'), ['BoundHttpProxyAgent', 'function']);
  const proxied = reqs(core, 'PROXY').map((r) => r[0].split('\r\n')[0]);
  t.deepEqual(proxied, [
    'GET http://127.0.0.1:<SRV0>/get?q=1 HTTP/1.1',
    'POST http://127.0.0.1:<SRV0>/post HTTP/1.1',
    'PUT http://127.0.0.1:<SRV0>/options HTTP/1.1',
    'POST http://127.0.0.1:<SRV0>/superagent HTTP/1.1',
    'GET http://127.0.0.1:<SRV0>/needle HTTP/1.1',
  ]);
  t.regex(reqs(core, 'PROXY')[1][0], /\r\nproxy-authorization: Basic dXNlcjpwJTQwc3M=\r\nConnection: close\r\nContent-Length: 11\r\n\r\nposted body$/);
  t.true(reqs(core)[0][0].startsWith('GET /get?q=1 HTTP/1.1\r\n'));
  t.is(entry(core, 'superagent:resolved').text, 'target got POST /superagent HTTP/1.1 {"via":"proxy"}');
  t.deepEqual(core.result, { proxied: 5, target: 5 });
});

test('global-agent: NO_PROXY goes direct (through the original globalAgent); NO_PROXY / HTTP_PROXY changed at run time', async (t) => {
  const core = await differential(t, 'globalAgentNoProxy');
  t.deepEqual(core.result, { proxied: 2, direct: 3, proxy: 1 });
  // Origin form, and Connection: close: the request's agent is
  // global-agent's, which has no keepAlive, even when it hands the request
  // to the original agent.
  t.deepEqual(reqs(core, 'SRV1'), ['one', 'two', 'three'].map((p) => [`GET /${p} HTTP/1.1\r\nHost: 127.0.0.1:<SRV1>\r\nConnection: close\r\n\r\n`]));
  t.is(reqs(core, 'PROXY')[0][0], 'GET http://127.0.0.1:<SRV0>/one HTTP/1.1\r\nHost: 127.0.0.1:<SRV0>\r\nConnection: close\r\n\r\n');
  t.is(entry(core, 'noProxyAll:res:data').text, 'proxied /three');
  t.is(entry(core, 'proxyOff:res:data').text, 'direct /three');
});

test('global-agent: a refused target (502), the proxy resets / closes / answers 407 / cuts the body, a proxy port refusing', async (t) => {
  const core = await differential(t, 'globalAgentErrors');
  t.is(entry(core, 'refusedTarget:response').statusCode, 502);
  t.like(entry(core, 'rst:error'), { code: 'ECONNRESET', syscall: 'read' });
  t.like(entry(core, 'fin:error'), { code: 'ECONNRESET', message: 'socket hang up' });
  t.is(entry(core, 'auth:response').statusCode, 407);
  t.true(entry(core, 'cut:res:aborted'));
  t.like(entry(core, 'refusedProxy:error'), { code: 'ECONNREFUSED', port: '<CLOSED>' });
});

// ---------------------------------------------------------------------------
// Server harness (as server-libs.spec.mjs)

/** `text` with Date values, the app's port and its temporary directory
 * (serve-handler's JSON listing names it) masked. */
function normalise(text, app) {
  text = text
    .replace(/^(date: ).*$/gim, '$1<date>')
    .replace(new RegExp(`\\b${app.info.port}\\b`, 'g'), '<port>');
  return app.info.tmp ? text.split(app.info.tmp).join('<tmp>') : text;
}

/** A raw client connection to `app`. */
function connect(t, app) {
  const c = rawClient(t, app.info.port);
  /** What the client saw: the bytes, whether the server ended (FIN) the
   * connection, and any socket error (ECONNRESET: the server reset it). */
  c.view = () => ({ got: normalise(c.text(), app), ended: c.state.ended, closed: c.state.closed, error: c.state.error });
  return c;
}

/** A request head; `x-id` names the request in the fixture's notes. */
function head(method, target, id, headers = {}, version = '1.1') {
  const lines = [`${method} ${target} HTTP/${version}`, 'Host: 127.0.0.1', `x-id: ${id}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A request with a body, in one write. */
const withBody = (method, target, id, type, body, extra = {}) =>
  head(method, target, id, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra }) + body;

/** One connection: send the pieces, wait (bounded by `ms`) for an answer
 * to each request in them, then up to `linger` ms more for the server to
 * close. */
async function exchange(t, app, pieces, { ms = 3000, linger = 150 } = {}) {
  const heads = methodsOf(pieces).map((m) => m === 'HEAD');
  const c = connect(t, app);
  await c.send(...pieces);
  if (await c.until(() => responses(c.text(), heads) >= heads.length || c.state.closed, ms)) await c.closes(linger);
  c.socket.destroy();
  return c.view();
}

/** The fixture's notes about request `id` grouped by who heard them, once
 * a note matching `until` came (bounded) and the rest had `settle` ms; and
 * every note as 'at: ev' in the order they came (`order`). */
async function notes(app, id, until, { ms = 3000, settle = 100 } = {}) {
  if (until) await app.waitLine((l) => l.id === id && until.test(`${l.at}: ${l.ev}`), ms, String(until)).catch(() => {});
  await sleep(settle);
  const out = { order: [] };
  for (const l of app.lines) {
    if (l.id !== id) continue;
    (out[l.at] ||= []).push(l.ev);
    out.order.push(`${l.at}: ${l.ev}`);
  }
  return out;
}

/** Runs each case ({ name: pieces }) on its own connection, all at once
 * (each names its request with x-id), and returns what the client saw and
 * the notes of each once its response closed. */
async function all(t, app, cases, { until = /^res: close/ } = {}) {
  const entries = await Promise.all(Object.entries(cases).map(async ([name, pieces]) => {
    const id = pieces[0].match(/x-id: (.*)\r\n/)[1];
    const client = await exchange(t, app, pieces);
    return [name, { client, notes: await notes(app, id, until) }];
  }));
  return Object.fromEntries(entries);
}

/** Sends `requests` one after the other on one connection, each once the
 * previous answer is complete (bounded); then waits `linger` ms for a close. */
async function serial(t, app, requests, { linger = 150 } = {}) {
  const heads = requests.map((r) => r.startsWith('HEAD '));
  const c = connect(t, app);
  for (let i = 0; i < requests.length; i++) {
    await c.send(requests[i]);
    if (!await c.until(() => responses(c.text(), heads) > i || c.state.closed, 2000)) break;
  }
  await c.closes(linger);
  c.socket.destroy();
  return c.view();
}

/** The request methods in `pieces` (the strings among them), in order. */
const methodsOf = (pieces) => [...pieces.filter((p) => typeof p === 'string').join('')
  .matchAll(/^([A-Z]+) \S+ HTTP\/1\.\d\r$/gm)].map((m) => m[1]);

/** How many complete responses `text` starts with, the k-th answering a
 * HEAD when heads[k] (answers to GET and HEAD mixed on one connection). */
const responses = (text, heads = []) => complete(text, { head: heads });

/** How many status lines `got` holds. */
const answers = (got) => got.split(/HTTP\/1\.1 \d{3} /).length - 1;

/** The body of the first response in `got`. */
const bodyOf = (got) => got.slice(got.indexOf('\r\n\r\n') + 4);
/** The first response's body, as JSON in UTF-8. */
const jsonOf = (got) => JSON.parse(Buffer.from(bodyOf(got), 'latin1').toString('utf8'));

// ---------------------------------------------------------------------------
// polka 0.5

const POLKA = 'more-libs-polka.js';

test('polka: middleware, params and query, a mounted app, bodies, statusCode / writeHead / end paths, next(err), 404, HEAD', async (t) => {
  const { core, rhttp } = await differentialScenario(t, POLKA, (app) => all(t, app, {
    users: [head('GET', '/users/42?sort=asc&tag=a&tag=b', 'users')],
    apiParams: [head('GET', '/api/users/7/posts/9?x=1', 'api')],
    apiDenied: [head('GET', '/api/users/7/posts/9', 'api-deny', { 'x-deny': '1' })],
    sub: [head('GET', '/sub/items/abc?x=1', 'sub')],
    subRoot: [head('GET', '/sub', 'sub-root')],
    echo: [withBody('POST', '/echo', 'echo', 'text/plain', 'hello polka')],
    echoChunked: [head('POST', '/echo', 'echo-chunked', { 'Transfer-Encoding': 'chunked' }), '5\r\nhello\r\n', 20, '6\r\n polka\r\n0\r\n\r\n'],
    status: [head('GET', '/status', 'status')],
    empty: [head('GET', '/empty', 'empty')],
    writeHead: [head('GET', '/write-head', 'write-head')],
    nextError: [head('GET', '/next-error', 'next-error')],
    nextErrorCode: [head('GET', '/next-error-code', 'next-error-code')],
    nextString: [head('GET', '/next-string', 'next-string')],
    notFound: [head('GET', '/nowhere', 'not-found')],
    wrongMethod: [head('DELETE', '/status', 'wrong-method')],
    headRoute: [head('HEAD', '/ping', 'head-ping')],
    headNoRoute: [head('HEAD', '/users/1', 'head-users')],
    get: [head('GET', '/ping', 'get-ping')],
  }));
  t.deepEqual(rhttp, core);
  t.deepEqual(jsonOf(core.users.client.got), { id: '42', query: { sort: 'asc', tag: ['a', 'b'] }, path: '/users/42', search: '?sort=asc&tag=a&tag=b' });
  t.regex(core.users.client.got, /^HTTP\/1\.1 200 OK\r\nX-Powered: polka\r\nContent-Type: application\/json\r\nContent-Length: \d+\r\n/);
  t.deepEqual(jsonOf(core.apiParams.client.got).params, { id: '7', post: '9' });
  t.regex(core.apiDenied.client.got, /^HTTP\/1\.1 403 Forbidden\r\n[^]*\r\n\r\ndenied by middleware$/);
  t.like(jsonOf(core.sub.client.got), { item: 'abc', url: '/items/abc?x=1', originalUrl: '/sub/items/abc?x=1' });
  t.like(jsonOf(core.echoChunked.client.got), { bytes: 11, body: 'hello polka' });
  t.regex(core.status.client.got, /^HTTP\/1\.1 201 Created\r\n[^]*Content-Length: 7\r\n\r\ncreated$/);
  t.regex(core.empty.client.got, /^HTTP\/1\.1 204 No Content\r\n/);
  t.regex(core.writeHead.client.got, /^HTTP\/1\.1 202 Accepted For Later\r\n[^]*X-Multi: a\r\nX-Multi: b\r\n[^]*Transfer-Encoding: chunked\r\n\r\na\r\npart one, \r\n8\r\npart two\r\n0\r\n\r\n$/);
  t.regex(core.nextError.client.got, /^HTTP\/1\.1 500 Internal Server Error\r\n[^]*\r\n\r\nnext got an error$/);
  t.regex(core.nextErrorCode.client.got, /^HTTP\/1\.1 418 I'm a Teapot\r\n/);
  t.regex(core.nextString.client.got, /\r\n\r\na string error$/);
  t.regex(core.notFound.client.got, /^HTTP\/1\.1 404 Not Found\r\n[^]*\r\n\r\nNot Found$/);
  t.regex(core.headRoute.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 4\r\n[^]*\r\n\r\n$/);
  t.regex(core.headNoRoute.client.got, /^HTTP\/1\.1 404 /);
  t.deepEqual(core.echo.notes.req, ['end', 'close']);
});

test('polka: a handler that throws (before and after the head) and one that rejects: uncaught, unanswered; the connection and the server after', async (t) => {
  const { core, rhttp } = await differentialScenario(t, POLKA, async (app) => {
    const out = {};
    // Each on its own connection: wait a little for an answer that does not
    // come, then send another request on the same connection.
    for (const [name, target] of [['throw', '/throw'], ['afterHead', '/throw-after-head'], ['reject', '/reject']]) {
      const c = connect(t, app);
      await c.send(head('GET', target, name));
      await app.waitLine((l) => l.id === name && /uncaught|rejection/.test(l.at), 2000, `${name} noted`).catch(() => {});
      await sleep(50);
      const first = c.view();
      await c.send(head('GET', '/ping', `${name}-next`));
      await c.until(() => c.state.closed || responses(c.text()) > 0, 250);
      await c.closes(100);
      // (the rejected one's connection stays open: no close to wait for)
      const closed = name === 'reject' ? null : /^req: close/;
      out[name] = { first, then: c.view(), notes: await notes(app, name, closed, { settle: 0 }), next: await notes(app, `${name}-next`, null, { settle: 0 }) };
      c.socket.destroy();
    }
    // Pipelined behind a throwing request.
    out.pipelined = await exchange(t, app, [head('GET', '/throw', 'p-throw') + head('GET', '/ping', 'p-next')], { ms: 400 });
    out.pipelinedNotes = { throw: await notes(app, 'p-throw', null, { settle: 50 }), next: await notes(app, 'p-next', null, { settle: 0 }) };
    // The server still answers a new connection.
    out.after = await exchange(t, app, [head('GET', '/ping', 'after')]);
    return out;
  });
  t.deepEqual(rhttp, core);
  t.deepEqual(core.throw.notes.uncaught, ['Error thrown in a handler']);
  t.is(core.throw.first.got, '');
  t.deepEqual(core.afterHead.notes.uncaught, ['TypeError thrown after the head']);
  t.regex(core.afterHead.first.got, /^HTTP\/1\.1 200 OK\r\n[^]*Transfer-Encoding: chunked\r\n\r\n7\r\nstarted\r\n$/);
  t.deepEqual(core.reject.notes.rejection, ['rejected in an async handler']);
  t.regex(core.after.got, /\r\n\r\npong$/);
});

test('polka: keep-alive and pipelining, HTTP/1.0, Connection: close, a client gone before a slow answer', async (t) => {
  const { core, rhttp } = await differentialScenario(t, POLKA, async (app) => {
    const ka = await serial(t, app, [
      head('GET', '/users/1', 'ka-0'),
      withBody('POST', '/echo', 'ka-1', 'application/json', '{"n":1}'),
      head('GET', '/nowhere', 'ka-2'),
      head('HEAD', '/ping', 'ka-3'),
      head('GET', '/write-head', 'ka-4'),
      head('GET', '/next-error', 'ka-5'),
    ]);
    const pipelined = await exchange(t, app, [head('GET', '/status', 'p-0') + withBody('POST', '/echo', 'p-1', 'text/plain', 'piped') +
      head('GET', '/write-head', 'p-2') + head('GET', '/sub/items/x', 'p-3')]);
    const http10 = await exchange(t, app, [head('GET', '/ping', 'h10', {}, '1.0')]);
    const close = await exchange(t, app, [head('GET', '/ping', 'cc', { Connection: 'close' })]);
    const gone = connect(t, app);
    await gone.send(head('GET', '/slow', 'gone'));
    await sleep(50);
    gone.socket.destroy();
    const out = { ka, pipelined, http10, close, notes: {} };
    for (const id of ['ka-1', 'ka-4', 'p-1', 'p-3', 'h10', 'cc']) out.notes[id] = await notes(app, id, /^res: close/, { settle: 0 });
    out.notes.gone = await notes(app, 'gone', /^res: close/, { settle: 250 });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.is(answers(core.ka.got), 6);
  t.false(core.ka.closed);
  t.is(answers(core.pipelined.got), 4);
  t.true(core.http10.closed);
  t.true(core.close.closed);
  t.deepEqual(core.notes.gone.res, ['close finished=false']);
  t.false(core.notes.gone.order.includes('route: slow done'));
});

// ---------------------------------------------------------------------------
// connect 3

const CONNECT = 'more-libs-connect.js';

test('connect: mounted middleware, statusCode / end paths, thrown and next(err) errors, error middleware, finalhandler 404 / 500, HEAD', async (t) => {
  const { core, rhttp } = await differentialScenario(t, CONNECT, (app) => all(t, app, {
    api: [head('GET', '/api/users/b%C3%B6b?x=1', 'api')],
    apiMiss: [head('GET', '/api/other', 'api-miss')],
    status: [head('GET', '/status', 'status')],
    echo: [withBody('POST', '/echo', 'echo', 'text/plain', 'hello connect')],
    echoChunked: [head('POST', '/echo', 'echo-chunked', { 'Transfer-Encoding': 'chunked' }), '5\r\nhello\r\n', 20, '8\r\n connect\r\n0\r\n\r\n'],
    echoGet: [head('GET', '/echo', 'echo-get')],
    chunks: [head('GET', '/chunks', 'chunks')],
    throw: [head('GET', '/throw', 'throw')],
    nextError: [head('GET', '/next-error', 'next-error')],
    nextExpose: [head('GET', '/next-expose', 'next-expose')],
    handled: [head('GET', '/handled', 'handled')],
    handlerThrows: [head('GET', '/handler-throws', 'handler-throws')],
    notFound: [head('GET', '/nowhere?q=<x>', 'not-found')],
    headNotFound: [head('HEAD', '/nowhere', 'head-not-found')],
    headStatus: [head('HEAD', '/status', 'head-status')],
    // finalhandler answers once the body it drains has ended.
    notFoundBody: [head('POST', '/nowhere', 'not-found-body', { 'Content-Type': 'text/plain', 'Content-Length': 20 }), 'first half', 60, 'secondhalf'],
  }));
  t.deepEqual(rhttp, core);
  t.deepEqual(jsonOf(core.api.client.got), { user: 'böb', url: '/users/b%C3%B6b?x=1', originalUrl: '/api/users/b%C3%B6b?x=1' });
  t.regex(core.apiMiss.client.got, /^HTTP\/1\.1 404 Not Found\r\n[^]*Content-Security-Policy: default-src 'none'\r\n[^]*Cannot GET \/api\/other/);
  t.regex(core.status.client.got, /^HTTP\/1\.1 202 Accepted\r\nX-Status: set\r\n[^]*Content-Length: 0\r\n/);
  t.regex(core.echoChunked.client.got, /\r\n\r\necho: hello connect$/);
  t.regex(core.chunks.client.got, /Transfer-Encoding: chunked\r\n\r\n4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n$/);
  t.regex(core.throw.client.got, /^HTTP\/1\.1 500 Internal Server Error\r\n[^]*<pre>Internal Server Error<\/pre>/);
  t.regex(core.nextError.client.got, /^HTTP\/1\.1 418 I'm a teapot\r\n[^]*<pre>I&#39;m a teapot<\/pre>/);
  t.regex(core.nextExpose.client.got, /^HTTP\/1\.1 422 Unprocessable Entity\r\nX-Error: yes\r\n/);
  t.regex(core.handled.client.got, /^HTTP\/1\.1 503 Service Unavailable\r\nRetry-After: 1\r\n[^]*\r\n\r\nhandled: to be handled$/);
  t.regex(core.handlerThrows.client.got, /^HTTP\/1\.1 500 /);
  t.regex(core.notFound.client.got, /<pre>Cannot GET \/nowhere<\/pre>/);
  t.regex(core.headNotFound.client.got, /^HTTP\/1\.1 404 [^]*\r\n\r\n$/);
  t.regex(core.notFoundBody.client.got, /^HTTP\/1\.1 404 /);
  t.deepEqual(core.notFoundBody.notes.order.slice(0, 2), ['mw: first POST /nowhere', 'req: end']);
});

test('connect: an error after the head (socket destroyed), keep-alive and pipelining, a client gone mid-body and before a slow answer', async (t) => {
  const { core, rhttp } = await differentialScenario(t, CONNECT, async (app) => {
    const late = await exchange(t, app, [head('GET', '/late-error', 'late')], { ms: 1000 });
    const ka = await serial(t, app, [
      head('GET', '/api/users/1', 'ka-0'),
      withBody('POST', '/echo', 'ka-1', 'text/plain', 'one'),
      head('GET', '/throw', 'ka-2'),
      head('GET', '/nowhere', 'ka-3'),
      head('GET', '/chunks', 'ka-4'),
      withBody('POST', '/nowhere', 'ka-5', 'text/plain', 'drained'),
      head('GET', '/status', 'ka-6'),
    ]);
    const pipelined = await exchange(t, app, [head('GET', '/throw', 'p-0') + head('GET', '/chunks', 'p-1') +
      withBody('POST', '/echo', 'p-2', 'text/plain', 'two') + head('HEAD', '/nowhere', 'p-3')]);
    // A 404 whose body stops coming, then the client leaves.
    const midBody = connect(t, app);
    await midBody.send(head('POST', '/nowhere', 'mid-body', { 'Content-Length': 100 }), 'ten bytes!');
    await sleep(50);
    midBody.socket.destroy();
    const gone = connect(t, app);
    await gone.send(head('GET', '/slow', 'gone'));
    await sleep(50);
    gone.socket.destroy();
    const out = { late, ka, pipelined, notes: {} };
    out.notes.late = await notes(app, 'late', /^res: close/);
    for (const id of ['ka-2', 'ka-5', 'p-0', 'p-3']) out.notes[id] = await notes(app, id, /^res: close/, { settle: 0 });
    out.notes.midBody = await notes(app, 'mid-body', /^req: close/, { settle: 100 });
    out.notes.gone = await notes(app, 'gone', /^res: close/, { settle: 250 });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core.late.got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ne\r\npartial answer\r\n$/);
  t.true(core.late.closed);
  t.is(answers(core.ka.got), 7);
  t.false(core.ka.closed);
  t.is(answers(core.pipelined.got), 4);
  t.true(core.notes.midBody.req.includes('aborted'));
  t.deepEqual(core.notes.gone.res, ['close finished=false']);
});

// ---------------------------------------------------------------------------
// serve-handler 6

const SERVE = 'more-libs-serve.js';
const HELLO = 'hello from serve-handler\n'.repeat(20);

test('serve-handler: files, HEAD, ranges, ETag / If-None-Match 304, If-Modified-Since, listings (HTML, JSON), 404s, bad paths', async (t) => {
  const { core, rhttp } = await differentialScenario(t, SERVE, async (app) => {
    const get = (id, target, headers) => [head('GET', target, id, headers)];
    const etag = (await exchange(t, app, get('etag', '/hello.txt'))).got.match(/^ETag: (.*)$/im)[1];
    return all(t, app, {
      get: get('get', '/hello.txt'),
      lastModified: get('lm', '/hello.txt', { 'x-conf': 'lastModified' }),
      html: get('html', '/page.html', { 'x-conf': 'noClean' }),
      head: [head('HEAD', '/hello.txt', 'head')],
      range: get('range', '/hello.txt', { Range: 'bytes=6-9' }),
      suffix: get('suffix', '/hello.txt', { Range: 'bytes=-10' }),
      multiple: get('multi', '/hello.txt', { Range: 'bytes=0-4,10-14' }),
      unsatisfiable: get('unsat', '/hello.txt', { Range: 'bytes=1000-2000' }),
      ifNoneMatch: get('inm', '/hello.txt', { 'If-None-Match': etag }),
      ifNoneMatchOther: get('inm-other', '/hello.txt', { 'If-None-Match': '"other"' }),
      ifNoneMatchRange: get('inm-range', '/hello.txt', { 'If-None-Match': etag, Range: 'bytes=0-4' }),
      ifModifiedSince: get('ims', '/hello.txt', { 'x-conf': 'lastModified', 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:05 GMT' }),
      listing: get('list', '/list/'),
      listingJson: get('list-json', '/list/', { Accept: 'application/json' }),
      listingSub: get('list-sub', '/list/sub/'),
      root: get('root', '/'),
      index: get('index', '/dir/'),
      missing: get('missing', '/missing.txt'),
      missingJson: get('missing-json', '/missing.txt', { Accept: 'application/json' }),
      traversal: get('trav', '/%2e%2e/outside.txt'),
      badEncoding: get('bad-enc', '/%E0%A4%A'),
      post: [head('POST', '/hello.txt', 'post', { 'Content-Length': 0 })],
    });
  });
  t.deepEqual(rhttp, core);
  t.regex(core.get.client.got, /^HTTP\/1\.1 200 OK\r\nContent-Length: 500\r\nContent-Disposition: inline; filename="hello.txt"\r\nAccept-Ranges: bytes\r\nETag: "[0-9a-f]{40}"\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
  t.is(bodyOf(core.get.client.got), HELLO);
  t.regex(core.lastModified.client.got, /\r\nLast-Modified: Tue, 02 Jan 2024 03:04:05 GMT\r\n/);
  t.regex(core.head.client.got, /Content-Length: 500\r\n[^]*\r\n\r\n$/);
  t.regex(core.range.client.got, /^HTTP\/1\.1 206 Partial Content\r\n[^]*Content-Range: bytes 6-9\/500\r\n[^]*\r\n\r\nfrom$/);
  t.is(bodyOf(core.suffix.client.got), HELLO.slice(-10));
  t.regex(core.multiple.client.got, /Content-Range: bytes 0-4\/500\r\n[^]*\r\n\r\nhello$/); // the first range only
  t.regex(core.unsatisfiable.client.got, /^HTTP\/1\.1 416 Range Not Satisfiable\r\nContent-Range: bytes \*\/500\r\n/);
  t.regex(core.ifNoneMatch.client.got, /^HTTP\/1\.1 304 Not Modified\r\n/);
  t.regex(core.ifNoneMatchOther.client.got, /^HTTP\/1\.1 200 /);
  t.regex(core.ifNoneMatchRange.client.got, /^HTTP\/1\.1 206 /);
  t.regex(core.ifModifiedSince.client.got, /^HTTP\/1\.1 200 /); // serve-handler ignores it
  t.regex(core.listing.client.got, /<title>Files within site&#47;list&#47;<\/title>/);
  t.deepEqual(jsonOf(core.listingJson.client.got).files.map((f) => f.base), ['..', 'a.txt', 'b.json', 'sub/']);
  t.regex(core.index.client.got, /\r\n\r\n<p>index of dir<\/p>\n$/);
  t.regex(core.missing.client.got, /^HTTP\/1\.1 404 Not Found\r\nContent-Type: text\/html; charset=utf-8\r\n/);
  t.deepEqual(jsonOf(core.missingJson.client.got), { error: { code: 'not_found', message: 'The requested path could not be found' } });
  t.regex(core.traversal.client.got, /^HTTP\/1\.1 (400|404) /);
  t.regex(core.badEncoding.client.got, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.notRegex(JSON.stringify(core), /outside the root/);
});

test('serve-handler: trailingSlash / cleanUrls (its default) redirects, symlinks refused and allowed, no listing, custom headers', async (t) => {
  const { core, rhttp } = await differentialScenario(t, SERVE, (app) => {
    const get = (id, target, conf, headers = {}) => [head('GET', target, id, { 'x-conf': conf, ...headers })];
    return all(t, app, {
      slashAdd: get('slash-add', '/dir', 'slash'),
      slashFile: get('slash-file', '/hello.txt', 'slash'),
      slashDouble: get('slash-double', '//dir//', 'slash'),
      slashRemove: get('slash-remove', '/dir/', 'noSlash'),
      slashRemoveQuery: get('slash-remove-q', '/list/?a=1', 'noSlash'),
      noSlashListing: get('noslash-list', '/list', 'noSlash'),
      cleanRedirect: get('clean-redirect', '/page.html', 'etag'),
      cleanIndex: get('clean-index', '/dir/index', 'etag'),
      cleanServe: get('clean-serve', '/about', 'etag'),
      cleanMissing: get('clean-missing', '/nothing', 'etag'),
      noClean: get('no-clean', '/page.html', 'noClean'),
      noCleanServe: get('no-clean-serve', '/about', 'noClean'),
      linkRefused: get('link', '/link.txt', 'etag'),
      linkDirRefused: get('link-dir', '/linkdir', 'noClean'),
      // Through the link: with a trailing slash (lstat follows it), and by
      // cleanUrls looking for linkdir/index.html.
      linkDirSlash: get('link-dir-slash', '/linkdir/', 'etag'),
      linkDirClean: get('link-dir-clean', '/linkdir', 'etag'),
      linkAllowed: get('link-ok', '/link.txt', 'symlinks'),
      linkDirAllowed: get('link-dir-ok', '/linkdir/', 'symlinks'),
      dangling: get('dangling', '/dangling.txt', 'symlinks'),
      noListing: get('no-listing', '/list/', 'noListing'),
      customHeaders: get('headers', '/list/a.txt', 'headers'),
      customHeadersJson: get('headers-json', '/list/b.json', 'headers'),
    });
  });
  t.deepEqual(rhttp, core);
  t.regex(core.slashAdd.client.got, /^HTTP\/1\.1 301 Moved Permanently\r\nLocation: \/dir\/\r\n/);
  t.regex(core.slashFile.client.got, /^HTTP\/1\.1 200 /);
  t.regex(core.slashDouble.client.got, /^HTTP\/1\.1 301 [^]*Location: \/dir\/\r\n/);
  t.regex(core.slashRemove.client.got, /^HTTP\/1\.1 301 [^]*Location: \/dir\r\n/);
  t.regex(core.cleanRedirect.client.got, /^HTTP\/1\.1 301 [^]*Location: \/page\r\n/);
  t.regex(core.cleanServe.client.got, /\r\n\r\n<p>about<\/p>\n$/);
  t.regex(core.noClean.client.got, /^HTTP\/1\.1 200 [^]*\r\n\r\n<!doctype html>/);
  t.regex(core.noCleanServe.client.got, /^HTTP\/1\.1 404 /);
  t.regex(core.linkRefused.client.got, /^HTTP\/1\.1 404 /);
  t.regex(core.linkDirRefused.client.got, /^HTTP\/1\.1 404 /);
  t.regex(core.linkDirSlash.client.got, /\r\n\r\n<p>index of dir<\/p>\n$/);
  t.regex(core.linkDirClean.client.got, /\r\n\r\n<p>index of dir<\/p>\n$/);
  t.is(bodyOf(core.linkAllowed.client.got), HELLO);
  t.regex(core.dangling.client.got, /^HTTP\/1\.1 404 /);
  t.regex(core.noListing.client.got, /^HTTP\/1\.1 404 /);
  t.regex(core.customHeaders.client.got, /\r\nCache-Control: max-age=60\r\n/);
  t.notRegex(core.customHeaders.client.got, /Content-Disposition/);
  t.notRegex(core.customHeadersJson.client.got, /Cache-Control/);
});

test('serve-handler: keep-alive and pipelining (304, 206, 404, redirect, 200), a client gone mid-download of 8 MB, one reading slowly', async (t) => {
  const { core, rhttp } = await differentialScenario(t, SERVE, async (app) => {
    const etag = (await exchange(t, app, [head('GET', '/hello.txt', 'etag')])).got.match(/^ETag: (.*)$/im)[1];
    const pipelined = await exchange(t, app, [
      head('GET', '/hello.txt', 'p-0', { 'If-None-Match': etag }) + head('GET', '/hello.txt', 'p-1', { Range: 'bytes=-5' }) +
      head('GET', '/missing', 'p-2') + head('GET', '/dir', 'p-3', { 'x-conf': 'slash' }) + head('GET', '/page', 'p-4')]);
    const ka = await serial(t, app, [
      head('GET', '/list/', 'ka-0'), head('HEAD', '/big.bin', 'ka-1'), head('GET', '/hello.txt', 'ka-2', { Range: 'bytes=0-0' })]);
    const out = { pipelined, ka, notes: {} };
    for (const id of ['p-0', 'p-1', 'p-4', 'ka-1']) out.notes[id] = await notes(app, id, /^res: close/, { settle: 0 });
    // Not reading (paused), then gone.
    const gone = connect(t, app);
    gone.socket.pause();
    await gone.send(head('GET', '/big.bin', 'gone'));
    await app.waitLine((l) => l.id === 'gone' && l.at === 'handler', 2000, 'handler').catch(() => {});
    await sleep(50);
    gone.socket.destroy();
    out.notes.gone = await notes(app, 'gone', /^req: close/, { settle: 100 });
    // The whole file, read in bursts.
    const slow = connect(t, app);
    await slow.send(head('GET', '/big.bin', 'slow'));
    const timer = setInterval(() => (slow.socket.isPaused() ? slow.socket.resume() : slow.socket.pause()), 10);
    await slow.until(() => responses(slow.text()) > 0, 6000);
    clearInterval(timer);
    const bytes = slow.bytes();
    out.slow = { bytes: bytes.length - bytes.indexOf('\r\n\r\n') - 4, sha256: sha(bytes.subarray(bytes.indexOf('\r\n\r\n') + 4)) };
    slow.socket.destroy();
    out.notes.slow = await notes(app, 'slow', /^res: close/, { settle: 50 });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.is(answers(core.pipelined.got), 5);
  t.regex(core.pipelined.got, /^HTTP\/1\.1 304 Not Modified\r\n[^]*HTTP\/1\.1 206 Partial Content\r\n[^]*HTTP\/1\.1 404 Not Found\r\n[^]*HTTP\/1\.1 301 Moved Permanently\r\n[^]*HTTP\/1\.1 200 OK\r\n/);
  t.is(answers(core.ka.got), 3);
  t.regex(core.ka.got, /Content-Range: bytes 0-0\/500\r\n[^]*\r\n\r\nh$/);
  t.deepEqual(core.notes.gone.res, ['close finished=false']);
  // pipe() leaves the file stream open, unfinished, when the response closes.
  t.is(core.notes.gone.file, undefined);
  t.deepEqual(core.notes.slow.file, ['end big.bin 8388608', 'close big.bin destroyed=true']);
  t.is(core.slow.bytes, 8 * 1024 * 1024);
});

// ---------------------------------------------------------------------------
// A request started from the previous one's listeners

// superagent (and needle) follow a redirect from the first request's
// 'response' listener: a new request (agent: false) at once. On core the
// first request's 'close' always comes before the second's 'finish': the
// first socket's handle closes in this turn's close phase, while the new
// connection's connect is seen in a later turn's poll phase. rhttp's io
// thread connects within the turn; the client holds that connect for the
// next turn (lib/client_socket.js deferEvent), which it once did not.
// Repro: /tmp/morelibs-repro/redirect-close-vs-next-finish.js
test('superagent: a redirect: the first request\'s close before the next one\'s finish', async (t) => {
  await orders(t, 'redirectOrder');
});

// superagent's .retry() starts the new request from the 'error' listener of
// the one the server reset: as above, its 'close' before the retry's 'finish'.
// Repro: /tmp/morelibs-repro/reset-close-vs-next-finish.js
test('superagent: .retry() after a reset: the reset request\'s close before the retry\'s finish', async (t) => {
  await orders(t, 'retryOrder');
});
