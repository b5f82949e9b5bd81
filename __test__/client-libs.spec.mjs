// Client libraries, unmodified, on rhttp's client through rhttp/register:
// agentkeepalive 4 (an http.Agent subclass with its own timers and
// counters), http-proxy-agent 7 (agent-base: overrides addRequest /
// createSocket / createConnection, connects with net.connect, rewrites the
// request head through ClientRequest internals) and node-fetch 2.
//
// Each scenario (__test__/fixtures/client-libs-{agentkeepalive,proxy,fetch}.js,
// run by client-libs-run.js with the harness client-libs-harness.js) runs in
// a child process twice, once on core's http and once under
// `-r ./register.js`, one after the other, against the same scripted raw
// `net` servers (in the child; never the http module under test). Each run
// prints its observations and they must be deep-equal:
//   - every event in order: request 'socket' (reusedSocket), 'finish',
//     'response' (status, raw headers, which server connection), 'error'
//     (class, code, message, errno, syscall), 'close'; response 'data'
//     (summed), 'end', 'aborted', 'close'; agent 'free' (which connection);
//     node-fetch's promise and body outcomes (FetchError type / code);
//   - the agents' pool counts (sockets / freeSockets / requests,
//     totalSocketCount) and agentkeepalive's getCurrentStatus() at defined
//     points;
//   - per server connection, in accept order: the exact bytes of every
//     request received, whether the client ended / the connection closed;
//   - uncaught exceptions and unhandled rejections.
// Masked: only the listening ports (`:<SRV0>`, `:<PROXY>`, `:<CLOSED>`,
// wherever they appear: Host headers, URLs, error messages, pool names),
// which differ per run in core too. The scripted servers send no Date.
//
// Besides, each test checks on core's observations that the scenario saw
// what it is about (a request reused a socket, a timer fired, ...).

import anyTest from 'ava';
import { scenarioDifferential as differential, runScenario as run, entry } from './helpers/client-scenario.mjs';

// Serial: the scenarios depend on timing (idle timers of 200 ms, servers
// stalling), and the two runs of a scenario should see the same load.
const test = anyTest.serial;



const reqs = (obs, server = 'SRV0') => obs.servers[server].map((c) => c.requests);

// ---------------------------------------------------------------------------
// agentkeepalive

const AK = 'client-libs-agentkeepalive.js';

test('agentkeepalive: sequential requests reuse one socket; counters, socket bookkeeping, destroy', async (t) => {
  const core = await differential(t, AK, 'sequential');
  t.is(core.result.conns, 1);
  t.deepEqual(core.result.sockets.map((s) => [s.requests, s.finished]), [[1, 1], [2, 2], [3, 3]]);
  t.deepEqual([entry(core, 'r1:socket'), entry(core, 'r2:socket')], [{ reusedSocket: true }, { reusedSocket: true }]);
  t.like(entry(core, 'status'), { createSocketCount: 1, requestCount: 3, freeSockets: { '127.0.0.1:<SRV0>:': 1 } });
  t.like(entry(core, 'after destroy')[0], { closeSocketCount: 1 });
});

test('agentkeepalive: 5 concurrent requests, maxSockets 2, maxFreeSockets 1', async (t) => {
  const core = await differential(t, AK, 'concurrent');
  t.is(core.result.conns, 2);
  t.like(entry(core, 'queued')[0], { sockets: { '127.0.0.1:<SRV0>:': 2 }, requests: { '127.0.0.1:<SRV0>:': 3 } });
  t.like(entry(core, 'done')[1], { createSocketCount: 2, closeSocketCount: 1, requestCount: 5, freeSockets: { '127.0.0.1:<SRV0>:': 1 } });
  t.deepEqual(reqs(core).map((r) => r.length), [4, 1]);
});

test('agentkeepalive: freeSocketTimeout 200 ms: reuse before it, a new connection after it expired', async (t) => {
  const core = await differential(t, AK, 'freeSocketTimeout');
  t.is(core.result.conns, 2);
  t.deepEqual(entry(core, 'f1:socket'), { reusedSocket: true });
  t.like(entry(core, 'expired')[1], { timeoutSocketCount: 1, closeSocketCount: 1, freeSockets: {} });
  t.deepEqual(entry(core, 'f2:socket'), { reusedSocket: false });
  t.true(core.servers.SRV0[0].clientEnded);
});

test('agentkeepalive: active timeout with a stalling server and no timeout listener: ERR_SOCKET_TIMEOUT', async (t) => {
  const core = await differential(t, AK, 'activeTimeout');
  t.like(entry(core, 's0:error'), { code: 'ERR_SOCKET_TIMEOUT', message: 'Socket timeout', timeout: 300 });
  t.like(entry(core, 'after')[1], { timeoutSocketCount: 1, errorSocketCount: 1, closeSocketCount: 1 });
});

test('agentkeepalive: active timeout with a request timeout listener that destroys', async (t) => {
  const core = await differential(t, AK, 'activeTimeoutListener');
  t.true(entry(core, 't0:timeout'));
  t.like(entry(core, 't0:error'), { code: 'ECONNRESET', message: 'socket hang up' });
  t.like(entry(core, 'after')[1], { timeoutSocketCount: 1, errorSocketCount: 0 });
});

test('agentkeepalive: the server FINs the idle socket; the next request opens a new connection', async (t) => {
  const core = await differential(t, AK, 'serverFinIdle');
  t.is(core.result.conns, 2);
  t.like(entry(core, 'after fin')[1], { closeSocketCount: 1, freeSockets: {} });
  t.deepEqual(entry(core, 'x1:socket'), { reusedSocket: false });
});

test('agentkeepalive: the server resets the idle socket; the error is counted, not thrown', async (t) => {
  const core = await differential(t, AK, 'serverRstIdle');
  t.like(entry(core, 'after rst')[1], { errorSocketCount: 1, freeSockets: {} });
  t.deepEqual(entry(core, 'y1:socket'), { reusedSocket: false });
});

test('agentkeepalive: the server closes (FIN) on the reused socket\'s request: hang up, retried on a new socket', async (t) => {
  const core = await differential(t, AK, 'closeOnReuseFin');
  t.deepEqual(entry(core, 'z1:socket'), { reusedSocket: true });
  t.like(entry(core, 'z1:error'), { code: 'ECONNRESET', message: 'socket hang up' });
  t.true(core.log.some((e) => Array.isArray(e) && e[0] === 'z1+retry:response'));
  t.is(core.result.conns, 2);
});

test('agentkeepalive: the server resets on the reused socket\'s request: read ECONNRESET, retried', async (t) => {
  const core = await differential(t, AK, 'closeOnReuseRst');
  t.like(entry(core, 'w1:error'), { code: 'ECONNRESET', message: 'read ECONNRESET', syscall: 'read' });
  t.like(entry(core, 'end')[1], { errorSocketCount: 1, requestCount: 2 });
});

test('agentkeepalive: Keep-Alive: timeout=N hint (1 s: not kept; 5 s: kept with freeSocketTimeout)', async (t) => {
  const core = await differential(t, AK, 'keepAliveHint');
  t.is(core.result.conns, 3);
  t.deepEqual(core.result.timeouts.map((x) => x.destroyed), [true, true, false, false]);
  t.deepEqual(entry(core, 'k3:socket'), { reusedSocket: true });
});

test('agentkeepalive: socketActiveTTL: not kept past it, idle timer cut to what is left of it', async (t) => {
  const core = await differential(t, AK, 'socketTtl');
  t.is(core.result.conns, 3);
  t.like(entry(core, 'after slow')[1], { closeSocketCount: 1, timeoutSocketCount: 0 });
  t.like(entry(core, 'ttl expired')[1], { timeoutSocketCount: 1, closeSocketCount: 2 });
});

test('agentkeepalive: lifo / fifo scheduling picks which free socket is reused', async (t) => {
  const core = await differential(t, AK, 'scheduling');
  const conn = (label) => entry(core, `${label}:response`).conn;
  t.is(conn('lifo-next'), conn('lifo-b'));
  t.is(conn('fifo-next'), conn('fifo-a'));
});

test('agentkeepalive: active timeout on a reused socket', async (t) => {
  const core = await differential(t, AK, 'reusedStall');
  t.is(entry(core, 'free socket timeout'), 1000);
  t.like(entry(core, 'stall:error'), { code: 'ERR_SOCKET_TIMEOUT', timeout: 250 });
  t.is(entry(core, 'reused'), true);
});

test('agentkeepalive: Connection: close and HTTP/1.0 answers end reuse', async (t) => {
  const core = await differential(t, AK, 'connectionClose');
  t.is(core.result.conns, 3);
  t.like(entry(core, 'status'), { createSocketCount: 3, closeSocketCount: 2, requestCount: 3 });
});

test('agentkeepalive: a request-level timeout on a reused socket; socket timeouts when free', async (t) => {
  const core = await differential(t, AK, 'requestTimeout');
  t.deepEqual([entry(core, 'free timeout'), entry(core, 'free timeout again')], [2000, 2000]);
  t.true(entry(core, 'stall:timeout'));
  t.like(entry(core, 'stall:error'), { code: 'ECONNRESET', message: 'socket hang up' });
  t.is(core.result.conns, 2);
});

// ---------------------------------------------------------------------------
// http-proxy-agent

const PROXY = 'client-libs-proxy.js';

test('http-proxy-agent: GET goes to the proxy with an absolute URI (exact head)', async (t) => {
  const core = await differential(t, PROXY, 'get');
  t.deepEqual(reqs(core, 'PROXY'), [
    ['GET http://example.invalid:1234/path?q=1&r=%20 HTTP/1.1\r\nX-Custom: a\r\nAccept: text/plain\r\nHost: example.invalid:1234\r\nProxy-Connection: close\r\nConnection: close\r\n\r\n'],
    ['GET http://example.invalid/default-port HTTP/1.1\r\nHost: example.invalid\r\nProxy-Connection: close\r\nConnection: close\r\n\r\n'],
  ]);
});

test('http-proxy-agent: POST / PUT bodies (string writes, Buffer, chunked) after the rewritten head', async (t) => {
  const core = await differential(t, PROXY, 'post');
  const [[form], [chunked], [buffer]] = reqs(core, 'PROXY');
  t.true(form.startsWith('POST http://example.invalid:8080/form HTTP/1.1\r\n'));
  t.true(form.endsWith('\r\n\r\nhello world'));
  t.true(chunked.endsWith('Transfer-Encoding: chunked\r\n\r\n3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n'));
  t.true(buffer.endsWith('\r\n\r\nbinary'));
});

test('http-proxy-agent: 407 from the proxy, then Proxy-Authorization from the proxy URL', async (t) => {
  const core = await differential(t, PROXY, 'auth407');
  t.is(entry(core, 'anon:response').statusCode, 407);
  t.is(entry(core, 'authed:response').statusCode, 200);
  t.regex(reqs(core, 'PROXY')[1][0], /\r\nProxy-Authorization: Basic dXNlcjpwQHNz\r\n/);
});

test('http-proxy-agent: the proxy closes / resets / refuses the connection', async (t) => {
  const core = await differential(t, PROXY, 'proxyFails');
  t.like(entry(core, 'fin:error'), { code: 'ECONNRESET', message: 'socket hang up' });
  t.like(entry(core, 'rst:error'), { code: 'ECONNRESET', message: 'read ECONNRESET' });
  t.like(entry(core, 'refused:error'), { code: 'ECONNREFUSED', syscall: 'connect', port: '<CLOSED>' });
  t.is(entry(core, 'refused:socket'), undefined);
});

test('http-proxy-agent: keepAlive proxy agent reuses its proxy connection per target', async (t) => {
  const core = await differential(t, PROXY, 'keepAlive');
  t.is(core.result.conns, 2);
  t.deepEqual(entry(core, 'a2:socket'), { reusedSocket: true });
  t.regex(reqs(core, 'PROXY')[0][0], /\r\nProxy-Connection: Keep-Alive\r\nConnection: keep-alive\r\n/);
});

test('http-proxy-agent: keepAlive with maxSockets 1 (agent-base placeholder socket) queues and reuses', async (t) => {
  const core = await differential(t, PROXY, 'maxSockets');
  t.is(core.result.conns, 1);
  t.deepEqual(entry(core, 'queued'), { sockets: { 'a.invalid:80:': 1 }, freeSockets: {}, requests: { 'a.invalid:80:': 2 }, totalSocketCount: 1 });
  t.is(reqs(core, 'PROXY')[0].length, 3);
});

test('http-proxy-agent: Expect: 100-continue and flushHeaders() (core sends the head twice: agent-base regenerates a head already queued)', async (t) => {
  const core = await differential(t, PROXY, 'continueAndFlush');
  t.true(entry(core, 'expect:continue'));
  const raw = core.servers.PROXY.map((c) => c.requests.join('') + (c.incomplete || ''));
  t.is(raw[0].split('POST http://example.invalid/expect HTTP/1.1\r\n').length - 1, 2);
  t.is(raw[1].split('PUT http://example.invalid/flushed HTTP/1.1\r\n').length - 1, 2);
});

test('http-proxy-agent: keepAlive proxy agent, the proxy answers Connection: close', async (t) => {
  const core = await differential(t, PROXY, 'keepAliveProxyCloses');
  t.is(core.result.conns, 2);
  t.deepEqual(entry(core, 'k2:socket'), { reusedSocket: false });
});

// ---------------------------------------------------------------------------
// node-fetch

const FETCH = 'client-libs-fetch.js';
const NF_HEAD = 'Accept: */*\r\nUser-Agent: node-fetch/1.0 (+https://github.com/bitinn/node-fetch)\r\nAccept-Encoding: gzip,deflate\r\nHost: 127.0.0.1:<SRV0>\r\nConnection: keep-alive\r\n\r\n';

test('node-fetch: GET with headers and HEAD (exact request heads)', async (t) => {
  const core = await differential(t, FETCH, 'get');
  t.deepEqual(reqs(core), [[
    `GET /get?x=1 HTTP/1.1\r\nX-Custom: v\r\nCookie: c=2\r\n${NF_HEAD}`,
    `HEAD /head HTTP/1.1\r\n${NF_HEAD}`,
  ]]);
  t.is(entry(core, 'get:body'), 'hello fetch');
  t.is(entry(core, 'get:resolved').statusText, 'Fine');
});

test('node-fetch: POST string / Buffer / stream / URLSearchParams bodies', async (t) => {
  const core = await differential(t, FETCH, 'postBodies');
  const [string, buffer, stream, form] = reqs(core)[0];
  t.regex(string, /\r\nContent-Type: text\/plain;charset=UTF-8\r\n.*\r\nContent-Length: 13\r\n/s);
  t.true(string.endsWith('\r\n\r\na string body'));
  t.true(buffer.endsWith('\r\n\r\n\u0000\u0001\u0002\u00ff'));
  t.true(stream.endsWith('Transfer-Encoding: chunked\r\n\r\na\r\npart one, \r\n8\r\npart two\r\n0\r\n\r\n'));
  t.true(form.endsWith('\r\n\r\na=1&b=x+y'));
});

test('node-fetch: redirects 301/302/303/307 with bodies, manual, error, stream body, max redirects', async (t) => {
  const core = await differential(t, FETCH, 'redirects');
  t.like(entry(core, '301:resolved'), { status: 200, redirected: true });
  t.is(entry(core, '301:body'), 'final GET /a HTTP/1.1');
  t.is(entry(core, '303:body'), 'final GET /c HTTP/1.1');
  t.is(entry(core, '307:body'), 'final POST /d HTTP/1.1');
  t.deepEqual(entry(core, 'manual:resolved').headers.location, ['http://127.0.0.1:<SRV0>/e']);
  t.like(entry(core, 'error:rejected'), { type: 'no-redirect' });
  t.like(entry(core, 'stream307:rejected'), { type: 'unsupported-redirect' });
  t.like(entry(core, 'max:rejected'), { type: 'max-redirect' });
});

test('node-fetch: gzip / deflate / raw deflate / br / chunked gzip / broken gzip / compress: false', async (t) => {
  const core = await differential(t, FETCH, 'compressed');
  for (const p of ['/gzip', '/deflate', '/raw-deflate', '/br', '/gzip-chunked']) t.is(entry(core, `${p}:text`), 'decoded', p);
  t.like(entry(core, '/broken:text error'), { class: 'FetchError', code: 'Z_DATA_ERROR' });
  t.deepEqual(entry(core, 'raw:body'), { bytes: 58 });
});

test('node-fetch: AbortController before the request, before the answer, during the body', async (t) => {
  const core = await differential(t, FETCH, 'abort');
  t.like(entry(core, 'before:rejected'), { name: 'AbortError', type: 'aborted' });
  t.is(entry(core, 'conns after early abort'), 0);
  t.like(entry(core, 'waiting:rejected'), { name: 'AbortError' });
  t.like(entry(core, 'during:text error'), { name: 'AbortError' });
  t.true(entry(core, 'req1:res:aborted'));
});

test('node-fetch: timeout before the answer (request-timeout) and during the body (body-timeout)', async (t) => {
  const core = await differential(t, FETCH, 'timeouts');
  t.like(entry(core, 'stall:rejected'), { class: 'FetchError', type: 'request-timeout' });
  t.like(entry(core, 'slowBody:body error'), { class: 'FetchError', type: 'body-timeout' });
});

test('node-fetch: the connection lost mid-body (RST, FIN with Content-Length, FIN in a chunked body)', async (t) => {
  const core = await differential(t, FETCH, 'lostMidBody');
  t.like(entry(core, 'clRst:body error'), { class: 'FetchError', type: 'system', code: 'ECONNRESET' });
  // node-fetch 2 never settles a Content-Length body cut by a FIN.
  t.true(entry(core, 'clFin:body pending'));
  t.like(entry(core, 'chunkedFin:body error'), { type: 'system', code: 'ERR_STREAM_PREMATURE_CLOSE' });
});

test('node-fetch: chunked answers in pieces, with a trailer, with Connection: close', async (t) => {
  const core = await differential(t, FETCH, 'chunked');
  for (const l of ['plain', 'trailer', 'close']) t.is(entry(core, `${l}:body`), 'first second third');
});

test('node-fetch: a keep-alive http.Agent and an agentkeepalive agent passed as agent', async (t) => {
  const core = await differential(t, FETCH, 'keepAliveAgent');
  t.is(core.result.conns, 2);
  t.deepEqual(reqs(core).map((r) => r.length), [3, 3]);
  t.like(entry(core, 'ak status'), { createSocketCount: 1, requestCount: 3 });
});

test('node-fetch: a 3 MB answer and a 2 MB stream upload', async (t) => {
  const core = await differential(t, FETCH, 'largeBodies');
  t.like(entry(core, 'download:body'), { bytes: 3 * 1024 * 1024, same: true });
  t.regex(entry(core, 'upload:body'), /^received 2097445 [0-9a-f]{16} true$/);
});

test('node-fetch: size limit, 204 and 304 with Content-Encoding', async (t) => {
  const core = await differential(t, FETCH, 'sizeAndEmpty');
  t.like(entry(core, 'size:body error'), { type: 'max-size' });
  t.is(entry(core, '204:body'), '');
  t.is(entry(core, '304:resolved').status, 304);
});

test('node-fetch: concurrent fetches with redirects through agentkeepalive (maxSockets 2)', async (t) => {
  const core = await differential(t, FETCH, 'concurrentAgent');
  t.is(entry(core, 'redirect3:body'), 'at /three');
  t.like(entry(core, 'pool')[1], { createSocketCount: 4, closeSocketCount: 2 });
});

test('node-fetch: duplicate / latin1 / empty answer headers; a Connection: close request on a keep-alive agent', async (t) => {
  const core = await differential(t, FETCH, 'headers');
  t.deepEqual(entry(core, 'h:get'), { dup: 'one, two', cookie: 'a=1, b=2', latin: 'caf\u00e9', empty: '' });
  t.regex(reqs(core)[0][1], /^GET \/close HTTP\/1.1\r\nConnection: close\r\n/);
});

// node-fetch's `timeout` calls req.abort() on a request the server never
// answered, and the program fetches again at once: on core the new
// request's 'finish' always comes before the aborted request's 'error'
// (socket hang up) and 'close' (the aborted socket's handle closes in
// libuv's close phase, after the new connection's connect and write in the
// poll phase). rhttp once showed the other order in 5-25 % of the
// iterations: its connect completed on the io thread, and the first write
// waited for the reactor. Core runs 20 iterations, rhttp 150 (~4 s), and the
// sets of orders seen must be the same.
// Repro: /tmp/clientlibs-repro/abort-then-new-request-order.js
anyTest.serial('node-fetch: request-timeout then an immediate fetch: event order across the two requests', async (t) => {
  t.timeout(10000);
  const core = await run(t, 'core', FETCH, 'abortThenNext', { env: { ITERATIONS: '20' } });
  const reg = await run(t, 'rhttp', FETCH, 'abortThenNext', { env: { ITERATIONS: '150' } });
  t.false(core.rhttp);
  t.true(reg.rhttp);
  t.deepEqual(Object.keys(reg.result.orders), Object.keys(core.result.orders));
});
