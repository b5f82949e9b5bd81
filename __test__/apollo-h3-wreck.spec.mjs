// @apollo/server 5 (startStandaloneServer), h3 1 (createApp / createRouter
// on http.createServer(toNodeListener(app))) and @hapi/wreck 18 (a
// client), unmodified, on rhttp through rhttp/register versus on core's
// http (the oracle).
//
// Servers (fixtures/apollo-h3-wreck-{apollo,h3}.js): each fixture runs in a
// child process twice, on core and with `-r ./register.js`; this process
// sends both the same raw requests (exact bytes) on `net` connections and
// compares the bytes it got back (Date values and ports masked), whether
// the server ended (FIN) or reset the connection, and the { id, at, ev }
// lines each fixture logged about each request (req/res lifecycle, the
// library's hooks, resolvers and handlers, stream ends, the drain on stop).
//
// The client (fixtures/apollo-h3-wreck-wreck.js, run by client-libs-run.js
// with the harness client-libs-harness.js): each scenario runs in a child
// twice against scripted raw `net` servers in the child; each run prints
// one JSON line and they must be deep-equal: every ClientRequest's events in
// order, Wreck's own events, what each call gave (responses, payloads, Boom
// errors), the exact bytes every server connection received and how the
// client left it. Only the listening ports are masked.
//
// Each test also checks, on core's observations, that the scenario saw what
// it is about, so that one doing nothing fails. Where rhttp differs from
// core the test is `.failing`, with a comment, and /tmp/ahw-repro/ has a
// standalone script showing it.

import anyTest from 'ava';
import { createRequire } from 'node:module';
import { differentialScenario } from './fixtures/apps.mjs';
import { complete } from './helpers/raw-client.mjs';
import {
  sleep, connect, head, typed, jsonHead, exchange as exchangeWithin, notes as notesWithin, all, inTurn, bodyOf, jsonOf,
  unchunkedBody, multipartBody, statusOf, keepAliveAndPipelined,
} from './helpers/lib-scenario.mjs';
import { runScenario, scenarioDifferential, entry } from './helpers/client-scenario.mjs';

const require = createRequire(import.meta.url);
const crypto = require('node:crypto');
const zlib = require('node:zlib');

// Serial: several scenarios are about timing (clients leaving, slow
// resolvers, timeouts), and the two runs of a scenario should see the same load.
const test = anyTest.serial;

const sha16 = (b) => crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);
/** How many status lines `got` holds. */
const answers = (got) => got.split(/HTTP\/1\.1 \d{3} /).length - 1;
const chunk = (s) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
// The helpers' waits, bounded at 2 s here.
const exchange = (t, app, pieces, opts) => exchangeWithin(t, app, pieces, { ms: 2000, ...opts });
const notes = (app, id, until, opts) => notesWithin(app, id, until, { ms: 2000, ...opts });

// ---------------------------------------------------------------------------
// @apollo/server 5, startStandaloneServer

const APOLLO = 'apollo-h3-wreck-apollo.js';
const gql = (id, body, extra) => [jsonHead('POST', '/', id, JSON.stringify(body), extra)];
const getGql = (id, params, headers = { 'apollo-require-preflight': 'true' }) =>
  [head('GET', `/?${new URLSearchParams(params)}`, id, headers)];
// The landing page carries a random nonce: it differs between two runs of
// core itself.
const maskNonce = (o) => JSON.parse(JSON.stringify(o).replace(/\b[0-9a-f]{64}\b/g, '<nonce>'));

test('apollo: queries, variables, mutations, GET (preflight header), errors (resolver, parse, validation, variables, no query), batches, invalid JSON, CSRF 400s, 405s, CORS preflight, landing page', async (t) => {
  const { core, rhttp } = await differentialScenario(t, APOLLO, async (app) => maskNonce(await all(t, app, {
    query: gql('query', { query: '{ hello }' }),
    variables: gql('variables', { query: 'query Q($n: String, $id: ID!) { hello(name: $n) user(id: $id) { id name } }', variables: { n: 'wörld', id: '7' }, operationName: 'Q' }),
    mutation: gql('mutation', { query: 'mutation { add(a: 2, b: 3) }' }),
    getQuery: getGql('get-query', { query: 'query Q($n: String) { hello(name: $n) }', variables: '{"n":"via get"}' }),
    getOpName: getGql('get-op-name', { query: '{ hello }' }, { 'x-apollo-operation-name': 'anything' }),
    getMutation: getGql('get-mutation', { query: 'mutation { add(a: 1, b: 1) }' }),
    getCsrf: getGql('get-csrf', { query: '{ hello }' }, {}),
    textPlain: [typed('POST', '/', 'text-plain', 'text/plain', '{"query":"{ hello }"}')],
    boom: gql('boom', { query: '{ boom hello }' }),
    parse: gql('parse', { query: '{ hello ' }),
    validation: gql('validation', { query: '{ nope }' }),
    badVariables: gql('bad-variables', { query: 'mutation M($a: Int!) { add(a: $a, b: 1) }', variables: { a: 'x' } }),
    noQuery: gql('no-query', { variables: {} }),
    nullUser: gql('null-user', { query: '{ user(id: "404") { id } }' }),
    batch: [jsonHead('POST', '/', 'batch', '[{"query":"{ hello }"},{"query":"mutation { add(a: 1, b: 2) }"},{"query":"{ nope }"}]')],
    emptyBatch: [jsonHead('POST', '/', 'empty-batch', '[]')],
    invalidJson: [jsonHead('POST', '/', 'invalid-json', '{"query":')],
    put: [jsonHead('PUT', '/', 'put', '{"query":"{ hello }"}')],
    preflight: [head('OPTIONS', '/', 'preflight', { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' })],
    landing: [head('GET', '/', 'landing', { Accept: 'text/html' })],
    http10: [jsonHead('POST', '/', 'http10', '{"query":"{ hello }"}').replace('HTTP/1.1', 'HTTP/1.0')],
  })));
  t.deepEqual(rhttp, core);
  t.regex(core.query.client.got, /^HTTP\/1\.1 200 OK\r\nAccess-Control-Allow-Origin: \*\r\ncache-control: no-store\r\ncontent-type: application\/json; charset=utf-8\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 33\r\n\r\n\{"data":\{"hello":"hello world"\}\}\n$/);
  t.deepEqual(jsonOf(core.variables.client.got), { data: { hello: 'hello wörld', user: { id: '7', name: 'user 7' } } });
  t.deepEqual(core.variables.notes.apollo, ['start POST op=Q', 'send 200']);
  t.deepEqual(jsonOf(core.mutation.client.got), { data: { add: 5 } });
  t.deepEqual(core.mutation.notes.resolver, ['add 2 3']);
  t.deepEqual(jsonOf(core.getQuery.client.got), { data: { hello: 'hello via get' } });
  t.regex(core.getOpName.client.got, /^HTTP\/1\.1 200 /);
  t.regex(core.getMutation.client.got, /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*\r\nallow: POST\r\n/i);
  for (const k of ['getCsrf', 'textPlain']) t.regex(core[k].client.got, /^HTTP\/1\.1 400 [^]*Cross-Site Request Forgery/, k);
  t.like(jsonOf(core.boom.client.got), { data: { boom: null, hello: 'hello world' } });
  t.is(jsonOf(core.boom.client.got).errors[0].extensions.code, 'INTERNAL_SERVER_ERROR');
  t.regex(core.parse.client.got, /^HTTP\/1\.1 400 [^]*GRAPHQL_PARSE_FAILED/);
  t.regex(core.validation.client.got, /^HTTP\/1\.1 400 [^]*GRAPHQL_VALIDATION_FAILED/);
  t.regex(core.badVariables.client.got, /^HTTP\/1\.1 400 [^]*BAD_USER_INPUT/);
  t.regex(core.noQuery.client.got, /^HTTP\/1\.1 400 [^]*must contain a non-empty `query`/);
  t.deepEqual(jsonOf(core.nullUser.client.got), { data: { user: null } });
  t.is(jsonOf(core.batch.client.got).length, 3);
  t.is(core.batch.notes.apollo.filter((e) => e.startsWith('start')).length, 3);
  t.regex(core.emptyBatch.client.got, /^HTTP\/1\.1 400 /);
  // body-parser's error through finalhandler (production: no stack).
  t.regex(core.invalidJson.client.got, /^HTTP\/1\.1 400 Bad Request\r\n[^]*Content-Security-Policy: default-src 'none'\r\n[^]*<pre>Bad Request<\/pre>/);
  t.regex(core.put.client.got, /^HTTP\/1\.1 405 /);
  t.regex(core.preflight.client.got, /^HTTP\/1\.1 204 No Content\r\nAccess-Control-Allow-Origin: \*\r\nAccess-Control-Allow-Methods: GET,HEAD,PUT,PATCH,POST,DELETE\r\nVary: Access-Control-Request-Headers\r\nAccess-Control-Allow-Headers: content-type\r\n/);
  t.regex(core.landing.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*content-type: text\/html\r\n[^]*nonce-<nonce>/);
  t.true(core.http10.client.closed);
  t.deepEqual(core.query.notes.order, ['req: end', 'req: close', 'apollo: start POST op=-', 'apollo: send 200', 'res: finish', 'res: close finished=true']);
});

test('apollo: request bodies in pieces, chunked, gzip-encoded, 1 MiB of variables, Expect: 100-continue, empty, other types, a bad charset (415), a body cut short', async (t) => {
  const query = JSON.stringify({ query: 'query Q($n: String) { hello(name: $n) }', variables: { n: 'in pieces' } });
  const gz = zlib.gzipSync(JSON.stringify({ query: '{ hello(name: "gzip") }' }));
  const big = JSON.stringify({ query: 'query Q($n: String) { hello(name: $n) }', variables: { n: 'é'.repeat(512 * 1024) } });
  const { core, rhttp } = await differentialScenario(t, APOLLO, async (app) => {
    const out = await all(t, app, {
      pieces: [head('POST', '/', 'pieces', { 'Content-Type': 'application/json', 'Content-Length': query.length }), query.slice(0, 10), 20, query.slice(10, 30), 20, query.slice(30)],
      chunked: [head('POST', '/', 'chunked', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }), chunk(query.slice(0, 25)), 20, chunk(query.slice(25)), '0\r\n\r\n'],
      gzip: [head('POST', '/', 'gzip', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': gz.length }), gz],
      big: [head('POST', '/', 'big', { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(big) }), big],
      empty: [jsonHead('POST', '/', 'empty', '')],
      graphqlType: [typed('POST', '/', 'graphql-type', 'application/graphql', '{ hello }')],
      charset: [typed('POST', '/', 'charset', 'application/json; charset=latin1', '{"query":"{ hello }"}')],
    });
    // Big answers: compared by size and hash.
    const raw = Buffer.from(bodyOf(out.big.client.got), 'latin1');
    out.big.client.got = `${out.big.client.got.slice(0, out.big.client.got.indexOf('\r\n\r\n'))} [${raw.length} ${sha16(raw)}]`;
    out.bigHello = JSON.parse(raw.toString()).data.hello === `hello ${'é'.repeat(512 * 1024)}`;
    // Expect: 100-continue: the body once the interim answer came.
    const cont = connect(t, app);
    await cont.send(head('POST', '/', 'continue', { 'Content-Type': 'application/json', 'Content-Length': query.length, Expect: '100-continue' }));
    out.continued = await cont.sees('\r\n\r\n', 1000);
    await cont.send(query);
    await cont.until(() => complete(cont.text()) > 0, 2000);
    out.continue = { client: cont.view(), notes: await notes(app, 'continue', /^res: close/) };
    cont.socket.destroy();
    // Half a body, then gone, while body-parser reads it.
    const cut = connect(t, app);
    await cut.send(head('POST', '/', 'cut', { 'Content-Type': 'application/json', 'Content-Length': 100 }), '{"query":');
    await sleep(50);
    cut.socket.destroy();
    out.cut = await notes(app, 'cut', /^res: close/, { settle: 150 });
    out.console = await notes(app, 'console', null, { settle: 0 });
    return out;
  });
  t.deepEqual(rhttp, core);
  for (const k of ['pieces', 'chunked']) t.deepEqual(jsonOf(core[k].client.got), { data: { hello: 'hello in pieces' } }, k);
  t.deepEqual(jsonOf(core.gzip.client.got), { data: { hello: 'hello gzip' } });
  t.regex(core.big.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 1048604 \[1048604 /);
  t.true(core.bigHello);
  t.regex(core.empty.client.got, /^HTTP\/1\.1 400 [^]*POST body missing/);
  t.regex(core.graphqlType.client.got, /^HTTP\/1\.1 400 /);
  t.regex(core.charset.client.got, /^HTTP\/1\.1 415 Unsupported Media Type\r\n[^]*<pre>Unsupported Media Type<\/pre>/);
  t.true(core.continued);
  t.regex(core.continue.client.got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*hello in pieces/);
  t.deepEqual(core.cut.req, ['aborted', 'error ECONNRESET', 'close']);
  t.is(core.cut.res.length, 1);
  t.deepEqual(core.console.console, ['error UnsupportedMediaTypeError: unsupported charset "LATIN1"', 'error BadRequestError: request aborted']);
});

test('apollo: a slow resolver answered; its client leaving before the answer; a FIN after the request; keep-alive and pipelined queries', async (t) => {
  const slow = (id, ms) => gql(id, { query: `{ slow(ms: ${ms}) }` });
  const { core, rhttp } = await differentialScenario(t, APOLLO, async (app) => {
    const out = { notes: {} };
    out.slow = await exchange(t, app, slow('slow', 100));
    out.notes.slow = await notes(app, 'slow', /^res: close/);
    // Gone once the resolver started.
    const gone = connect(t, app);
    await gone.send(...slow('gone', 200));
    await app.waitLine((l) => l.id === 'gone' && l.at === 'resolver', 2000, 'resolver start').catch(() => {});
    gone.socket.destroy();
    out.notes.gone = await notes(app, 'gone', /^resolver: slow end/, { settle: 50 });
    // A FIN once the request is sent.
    const fin = connect(t, app, { allowHalfOpen: true });
    await fin.send(...slow('fin', 150));
    await app.waitLine((l) => l.id === 'fin' && l.at === 'resolver', 2000, 'resolver start').catch(() => {});
    fin.socket.end();
    await fin.closes(1000);
    out.fin = fin.view();
    out.notes.fin = await notes(app, 'fin', /^resolver: slow end/, { settle: 50 });
    fin.socket.destroy();
    out.ka = await inTurn(t, app, [
      ...gql('ka-0', { query: '{ hello }' }),
      jsonHead('POST', '/', 'ka-1', '{"query":'),
      ...slow('ka-2', 30),
      ...gql('ka-3', { query: '{ boom }' }),
      ...getGql('ka-4', { query: '{ hello }' }, {}),
      head('OPTIONS', '/', 'ka-5', { Origin: 'http://a.test', 'Access-Control-Request-Method': 'POST' }),
      ...gql('ka-6', { query: 'mutation { add(a: 4, b: 4) }' }),
    ]);
    out.pipelined = await exchange(t, app, [
      gql('p-0', { query: '{ slow(ms: 40) }' })[0] + gql('p-1', { query: '{ hello }' })[0] + jsonHead('POST', '/', 'p-2', '{"query":') +
      getGql('p-3', { query: '{ hello(name: "get") }' })[0] + gql('p-4', { query: '{ nope }' })[0],
    ], { n: 5 });
    for (const id of ['ka-1', 'ka-2', 'p-0', 'p-1', 'p-2']) out.notes[id] = await notes(app, id, /^res: close/, { settle: 0 });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.deepEqual(jsonOf(core.slow.got), { data: { slow: 'slept 100' } });
  t.deepEqual(core.notes.slow.resolver, ['slow start 100', 'slow end aborted=false destroyed=true closed=false']);
  // The client left: the resolver ends on a closed response.
  t.true(core.notes.gone.order.indexOf('res: close finished=false') < core.notes.gone.order.findIndex((e) => e.startsWith('resolver: slow end')));
  t.regex(core.notes.gone.resolver[1], /^slow end aborted=false destroyed=true closed=true$/);
  // A FIN after the whole request: core closes the connection, unanswered.
  t.like(core.fin, { got: '', ended: true, closed: true });
  t.deepEqual(core.notes.fin.res, ['close finished=false']);
  t.is(answers(core.ka.got), 7);
  t.false(core.ka.closed);
  t.regex(core.ka.got, /^HTTP\/1\.1 200 [^]*HTTP\/1\.1 400 [^]*HTTP\/1\.1 200 [^]*HTTP\/1\.1 200 [^]*HTTP\/1\.1 400 [^]*HTTP\/1\.1 204 [^]*HTTP\/1\.1 200 /);
  t.is(answers(core.pipelined.got), 5);
  t.regex(core.pipelined.got, /^HTTP\/1\.1 200 [^]*slept 40[^]*HTTP\/1\.1 200 [^]*HTTP\/1\.1 400 [^]*HTTP\/1\.1 200 [^]*hello get[^]*HTTP\/1\.1 400 /);
});

test('apollo: stop() drains: an idle keep-alive connection is ended, an in-flight slow query answered and its connection ended, the listener closed', async (t) => {
  const { core, rhttp } = await differentialScenario(t, APOLLO, async (app) => {
    const idle = connect(t, app);
    await idle.send(...gql('idle', { query: '{ hello }' }));
    await idle.until(() => complete(idle.text()) > 0, 2000);
    const busy = connect(t, app);
    await busy.send(...gql('busy', { query: '{ slow(ms: 300) }' }));
    await app.waitLine((l) => l.id === 'busy' && l.at === 'resolver', 2000, 'resolver start').catch(() => {});
    app.child.kill('SIGUSR2');
    await app.waitLine((l) => l.at === 'stop' && l.ev === 'stopped', 2000, 'stopped').catch(() => {});
    await idle.closes(500);
    await busy.closes(500);
    const late = connect(t, app);
    await late.closes(1000);
    return { idle: idle.view(), busy: busy.view(), late: late.view(), stop: await notes(app, null, null, { settle: 50 }), busyNotes: await notes(app, 'busy', null, { settle: 0 }) };
  });
  t.deepEqual(rhttp, core);
  t.true(core.idle.ended);
  t.is(answers(core.idle.got), 1);
  t.regex(core.busy.got, /^HTTP\/1\.1 200 OK\r\n[^]*"slept 300"/);
  t.true(core.busy.ended);
  t.is(core.late.error, 'ECONNREFUSED');
  t.deepEqual(core.stop.stop, ['stopping', 'server close', 'stopped']);
  t.deepEqual(core.busyNotes.res, ['finish', 'close finished=true']);
});

// Development error pages (NODE_ENV=development for finalhandler) print
// body-parser's error with its stack. Its last frame is the tick flush that
// ran the request's 'end': core runs the ticks a read queued as that read's
// MakeCallback returns, calling the tick callback on `process` (V8 names
// the frame `process.processTicksAndRejections`); rhttp, handling several
// connections' events in one batch, flushes them between connections with
// process._tickCallback(), which calls it plainly
// (`processTicksAndRejections`): those pages differ by 8 bytes and their
// Content-Length (4-5 of the 6 at once, every run here; pipelined or
// kept-alive requests at times). The tests above run finalhandler in
// production: no stack. Repro: /tmp/ahw-repro/concurrent-body-end-stack.js
test.failing('apollo: development error pages for invalid JSON bodies (on connections at once, pipelined, in turn) hold core\'s stack', async (t) => {
  const bad = (id) => jsonHead('POST', '/', id, '{"query":');
  const { core, rhttp } = await differentialScenario(t, APOLLO, async (app) => {
    const cases = {};
    for (let i = 0; i < 6; i++) cases[`at once ${i}`] = [bad(`once-${i}`)];
    const out = await all(t, app, cases);
    out.pipelined = await exchange(t, app, [gql('p-0', { query: '{ hello }' })[0] + bad('p-1')], { n: 2 });
    out.inTurn = await inTurn(t, app, [gql('t-0', { query: '{ hello }' })[0], bad('t-1')]);
    return out;
  }, { env: { APOLLO_NODE_ENV: 'development' } });
  const frames = (o) => JSON.stringify(o).match(/at (process\.)?processTicksAndRejections/g);
  t.log(`core: ${frames(core).join(', ')}`);
  t.log(`rhttp: ${frames(rhttp).join(', ')}`);
  t.is(frames(core).length, 8);
  t.regex(core['at once 0'].client.got, /^HTTP\/1\.1 400 Bad Request\r\n[^]*<pre>SyntaxError: Unexpected end of JSON input<br>[^]*at process\.processTicksAndRejections /);
  t.deepEqual(rhttp, core);
});

// ---------------------------------------------------------------------------
// h3 1

const H3 = 'apollo-h3-wreck-h3.js';
const get = (path, id, headers) => [head('GET', path, id, headers)];
const BOUNDARY = '----h3Boundary9q';
const BIG = Buffer.alloc(2 * 1024 * 1024);
for (let i = 0; i < BIG.length; i += 4) BIG.writeUInt32LE((i * 2654435761) >>> 0, i);

test('h3: text / JSON / HTML / Buffer answers, params and query, headers and cookies, redirect, status text, 204s, a node-style handler and middleware, createError, throws, 404 / 405-as-404, HEAD, a bad request', async (t) => {
  const { core, rhttp } = await differentialScenario(t, H3, async (app) => {
    const out = await all(t, app, {
      text: get('/text', 'text'),
      json: get('/json?a=1&b=x%20y&b=2', 'json'),
      html: get('/html', 'html'),
      buffer: get('/buffer', 'buffer'),
      params: get('/params/h%C3%A9llo', 'params'),
      headers: get('/headers', 'headers', { 'User-Agent': 'raw/1', 'X-Multi': 'one', 'x-multi': 'two' }),
      redirect: get('/redirect', 'redirect'),
      status: get('/status', 'status'),
      noContent: get('/no-content', 'no-content'),
      nothing: get('/nothing', 'nothing'),
      nodeRes: get('/node-res', 'node-res'),
      middleware: get('/middleware', 'middleware'),
      teapot: get('/teapot', 'teapot'),
      throw: get('/throw', 'throw'),
      throwAsync: get('/throw-async', 'throw-async'),
      fatal: get('/fatal', 'fatal'),
      notFound: get('/nowhere', 'not-found'),
      wrongMethod: [typed('POST', '/text', 'wrong-method', 'text/plain', 'x')],
      head: [head('HEAD', '/text', 'head')],
      http10: [head('GET', '/text', 'http10', {}, '1.0')],
    });
    out.malformed = await exchange(t, app, ['GET /text HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n']);
    out.clientError = await notes(app, null, null, { settle: 50 });
    out.console = await notes(app, 'console', null, { settle: 0, unordered: ['console'] });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core.text.client.got, /^HTTP\/1\.1 200 OK\r\ncontent-type: text\/html\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 8\r\n\r\nhello h3$/);
  t.deepEqual(jsonOf(core.json.client.got), { hello: 'wörld', query: { a: '1', b: ['x y', '2'] } });
  t.is(bodyOf(core.buffer.client.got), '\u0000\u0001\u0002\u00ff');
  t.is(Buffer.from(bodyOf(core.params.client.got), 'latin1').toString(), 'param héllo');
  t.regex(core.headers.client.got, /\r\nset-cookie: a=1; Path=\/\r\nset-cookie: b=two%20words; Max-Age=60; Path=\/; HttpOnly\r\nVary: Accept\r\nVary: Cookie\r\n/);
  t.deepEqual(jsonOf(core.headers.client.got), { ua: 'raw/1', multi: 'one, two' });
  t.regex(core.redirect.client.got, /^HTTP\/1\.1 301 Moved Permanently\r\nlocation: \/text\?a="b"\r\n[^]*url=\/text\?a=%22b%22/);
  t.regex(core.status.client.got, /^HTTP\/1\.1 202 Taken Over\r\n/);
  t.regex(core.noContent.client.got, /^HTTP\/1\.1 204 No Content\r\n[^]*\r\n\r\n$/);
  t.regex(core.nothing.client.got, /^HTTP\/1\.1 204 /);
  t.regex(core.nodeRes.client.got, /X-Raw: yes\r\n[^]*Transfer-Encoding: chunked\r\n\r\n8\r\nwritten \r\n7\r\nby hand\r\n0\r\n\r\n$/);
  t.regex(core.middleware.client.got, /\r\nX-Mw: connect-style\r\n[^]*after the middleware$/);
  t.regex(core.teapot.client.got, /^HTTP\/1\.1 418 Short And Stout\r\n/);
  t.deepEqual(jsonOf(core.teapot.client.got).data, { spout: true });
  t.regex(core.throw.client.got, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
  t.deepEqual(core.throwAsync.notes.hook.slice(0, 2), ['request GET /throw-async', 'error 500 async throw']);
  t.regex(core.fatal.client.got, /^HTTP\/1\.1 503 /);
  t.regex(core.notFound.client.got, /^HTTP\/1\.1 404 Cannot find any path matching \/nowhere\.\r\n/);
  t.regex(core.wrongMethod.client.got, /^HTTP\/1\.1 404 /);
  t.regex(core.head.client.got, /^HTTP\/1\.1 404 [^]*\r\n\r\n$/);
  t.true(core.http10.client.closed);
  t.is(core.malformed.got, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  t.deepEqual(core.clientError.clientError, ['HPE_INVALID_HEADER_TOKEN']);
  t.deepEqual(core.console.console, ['error [h3] [fatal] fatal one', 'error [h3] [unhandled] async throw', 'error [h3] [unhandled] sync throw']);
  t.deepEqual(core.text.notes.res, ['finish', 'close finished=true']);
});

test('h3: request bodies: readBody (JSON, urlencoded, text, invalid JSON), readRawBody (2 MiB, in pieces, chunked, empty), multipart, readFormData, a web-stream echo, bodies never read', async (t) => {
  const form = multipartBody([
    { name: 'title', value: 'héllo' },
    { name: 'doc', filename: 'a.txt', type: 'text/plain', data: 'file body\r\n--not the boundary' },
    { name: 'bin', filename: 'b.bin', data: BIG.subarray(0, 100 * 1024) },
  ], BOUNDARY);
  const mp = `multipart/form-data; boundary=${BOUNDARY}`;
  const { core, rhttp } = await differentialScenario(t, H3, async (app) => all(t, app, {
    json: [jsonHead('POST', '/body', 'json', '{"a":[1,2],"b":"ü"}')],
    urlencoded: [typed('POST', '/body', 'urlencoded', 'application/x-www-form-urlencoded', 'a=1&b=x%20y&a=2')],
    text: [typed('POST', '/body', 'text', 'text/plain; charset=utf-8', 'hello wörld')],
    badJson: [jsonHead('POST', '/body', 'bad-json', '{"a":')],
    raw: [head('POST', '/raw', 'raw', { 'Content-Length': BIG.length }), BIG],
    rawPieces: [head('POST', '/raw', 'raw-pieces', { 'Content-Length': 30000 }), BIG.subarray(0, 10000), 10, BIG.subarray(10000, 20000), 10, BIG.subarray(20000, 30000)],
    rawChunked: [head('POST', '/raw-text', 'raw-chunked', { 'Transfer-Encoding': 'chunked' }), chunk('one '), 20, chunk('two'), '0\r\n\r\n'],
    rawEmpty: [typed('POST', '/raw', 'raw-empty', 'text/plain', '')],
    multipart: [head('POST', '/multipart', 'multipart', { 'Content-Type': mp, 'Content-Length': form.length }), form],
    formData: [head('POST', '/form-data', 'form-data', { 'Content-Type': mp, 'Content-Length': form.length }), form.subarray(0, 500), 10, form.subarray(500)],
    echo: [head('PUT', '/echo', 'echo', { 'Transfer-Encoding': 'chunked' }), chunk('echo '), 20, chunk('me back'), '0\r\n\r\n'],
    ignore: [typed('POST', '/ignore', 'ignore', 'text/plain', 'nobody reads this')],
    ignoreBig: [head('POST', '/ignore', 'ignore-big', { 'Content-Length': BIG.length }), BIG],
  }));
  t.deepEqual(rhttp, core);
  t.deepEqual(jsonOf(core.json.client.got), { body: { a: [1, 2], b: 'ü' }, type: 'application/json' });
  t.deepEqual(jsonOf(core.urlencoded.client.got).body, { a: ['1', '2'], b: 'x y' });
  t.is(jsonOf(core.text.client.got).body, 'hello wörld');
  t.regex(core.badJson.client.got, /^HTTP\/1\.1 400 /);
  t.deepEqual(jsonOf(core.raw.client.got), { bytes: BIG.length, sha: sha16(BIG) });
  t.deepEqual(jsonOf(core.rawPieces.client.got), { bytes: 30000, sha: sha16(BIG.subarray(0, 30000)) });
  t.deepEqual(jsonOf(core.rawChunked.client.got), { text: 'one two' });
  t.deepEqual(jsonOf(core.rawEmpty.client.got), { bytes: null, sha: null });
  t.deepEqual(jsonOf(core.multipart.client.got), [
    { name: 'title', filename: null, type: null, size: 6, sha: sha16('héllo') },
    { name: 'doc', filename: 'a.txt', type: 'text/plain', size: 29, sha: sha16('file body\r\n--not the boundary') },
    { name: 'bin', filename: 'b.bin', type: 'application/octet-stream', size: 102400, sha: sha16(BIG.subarray(0, 102400)) },
  ]);
  t.deepEqual(jsonOf(core.formData.client.got), [['title', 'héllo'], ['doc', 'a.txt', 29], ['bin', 'b.bin', 102400]]);
  t.is(unchunkedBody(core.echo.client.got), 'echo me back');
  t.regex(core.ignoreBig.client.got, /\r\n\r\nignored your body$/);
  t.true(core.ignoreBig.notes.req.includes('end'));
});

test('h3: sendStream of a node stream, a web stream, one failing after the head, an event stream (SSE), 4 MiB', async (t) => {
  const { core, rhttp } = await differentialScenario(t, H3, async (app) => {
    const out = await all(t, app, {
      stream: get('/stream', 'stream'),
      web: get('/web-stream', 'web'),
      sse: get('/sse', 'sse'),
      big: get('/big-stream', 'big'),
    });
    const raw = Buffer.from(unchunkedBody(out.big.client.got), 'latin1');
    out.big.client.got = `${out.big.client.got.slice(0, out.big.client.got.indexOf('\r\n\r\n'))} [${raw.length} ${sha16(raw)}]`;
    // (no end comes: the client leaves after 500 ms)
    out.error = { client: await exchange(t, app, get('/stream-error', 'stream-error'), { ms: 500 }) };
    out.error.notes = await notes(app, 'stream-error', /^req: close/);
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core.stream.client.got, /Transfer-Encoding: chunked\r\n\r\n4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n$/);
  t.deepEqual(core.stream.notes.stream, ['done after 3', 'close after 3 destroyed=true ended=true']);
  t.is(unchunkedBody(core.web.client.got), 'web stream parts');
  t.regex(core.sse.client.got, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/event-stream\r\n/);
  t.is(unchunkedBody(core.sse.client.got), [0, 1, 2].map((i) => `id: ${i}\nevent: tick\ndata: tick ${i}\n\n`).join(''));
  t.regex(core.big.client.got, /Transfer-Encoding: chunked \[4194304 /);
  // The stream broke: its first part, then nothing (h3 leaves the
  // response open; the client's leaving closes it).
  t.regex(core.error.client.got, /Transfer-Encoding: chunked\r\n\r\nb\r\nfirst part \r\n$/);
  t.false(core.error.client.closed);
  t.true(core.error.notes.order.indexOf('hook: error 500 stream broke') < core.error.notes.order.indexOf('req: aborted'));
  t.deepEqual(core.error.notes.res, ['close finished=false']);
});

test('h3: clients gone: mid-stream, during a slow handler, mid-body of readRawBody; a FIN after the request; a slow reader of 4 MiB', async (t) => {
  const { core, rhttp } = await differentialScenario(t, H3, async (app) => {
    const out = { notes: {} };
    const mid = connect(t, app);
    await mid.send(head('GET', '/endless', 'endless'));
    await mid.sees('chunk 2\n', 2000);
    mid.socket.destroy();
    out.notes.endless = await notes(app, 'endless', /^stream: done/, { settle: 50 });
    const slow = connect(t, app);
    await slow.send(head('GET', '/slow?ms=200', 'slow'));
    await app.waitLine((l) => l.id === 'slow' && l.at === 'hook', 2000, 'hook').catch(() => {});
    await sleep(30);
    slow.socket.destroy();
    out.notes.slow = await notes(app, 'slow', /^handler: slept/, { settle: 100 });
    const cut = connect(t, app);
    await cut.send(head('POST', '/read-cut', 'read-cut', { 'Content-Length': 100 }), 'only some of it');
    await sleep(50);
    cut.socket.destroy();
    out.notes.readCut = await notes(app, 'read-cut', /^res: close/, { settle: 100 });
    const fin = connect(t, app, { allowHalfOpen: true });
    await fin.send(head('GET', '/slow?ms=150', 'fin-early'));
    await sleep(30);
    fin.socket.end();
    out.notes.finEarly = await notes(app, 'fin-early', /^handler: slept/, { settle: 100 });
    await fin.closes(300);
    out.finEarly = fin.view();
    fin.socket.destroy();
    const reader = connect(t, app);
    await reader.send(head('GET', '/big-stream', 'slow-reader'));
    const timer = setInterval(() => (reader.socket.isPaused() ? reader.socket.resume() : reader.socket.pause()), 10);
    await reader.until(() => complete(reader.text()) > 0, 2000);
    clearInterval(timer);
    out.slowReader = Buffer.from(unchunkedBody(reader.text()), 'latin1').length;
    reader.socket.destroy();
    out.notes.slowReader = await notes(app, 'slow-reader', /^res: close/, { settle: 50 });
    return out;
  });
  t.deepEqual(rhttp, core);
  // The piped stream is unpiped, not destroyed, when the response closes:
  // it is read to its end, never consumed.
  t.true(core.notes.endless.order.indexOf('res: close finished=false') < core.notes.endless.order.indexOf('stream: done after 100'));
  t.deepEqual(core.notes.endless.stream, ['done after 100']);
  t.deepEqual(core.notes.slow.handler, ['slept aborted=true destroyed=true closed=true writable=true']);
  t.deepEqual(core.notes.readCut.body, ['rejected ECONNRESET aborted']);
  // A FIN after a whole GET: the request is aborted, its answer never sent.
  t.regex(core.notes.finEarly.handler[0], /^slept aborted=true /);
  t.is(core.finEarly.got, '');
  t.is(core.slowReader, 4 * 1024 * 1024);
  t.deepEqual(core.notes.slowReader.stream, ['done after 64', 'close after 64 destroyed=true ended=true']);
});

test('h3: keep-alive and pipelining (GET, POST bodies read and unread, streams, SSE, errors, 404, 204)', async (t) => {
  const { core, rhttp } = await differentialScenario(t, H3, (app) => keepAliveAndPipelined(t, app, {
    requests: [
      head('GET', '/text', 'ka-0'),
      jsonHead('POST', '/body', 'ka-1', '{"n":1}'),
      head('GET', '/stream', 'ka-2'),
      typed('POST', '/ignore', 'ka-3', 'text/plain', 'unread body'),
      head('GET', '/throw', 'ka-4'),
      head('GET', '/no-content', 'ka-5'),
      head('GET', '/sse', 'ka-6'),
      head('GET', '/nowhere', 'ka-7'),
    ],
    pipelined:
      head('GET', '/stream', 'p-0') + typed('POST', '/raw-text', 'p-1', 'text/plain', 'piped') +
      typed('POST', '/ignore', 'p-2', 'text/plain', 'unread') + head('GET', '/teapot', 'p-3') + head('GET', '/web-stream', 'p-4'),
    n: 4,
    ids: ['ka-1', 'ka-2', 'ka-3', 'ka-6', 'p-0', 'p-2', 'p-4'],
  }));
  t.deepEqual(rhttp, core);
  t.is(answers(core.ka.got), 8);
  t.false(core.ka.closed);
  // sendStream of a queued pipelined response (no res.socket yet) sends
  // nothing: p-4 is never answered.
  t.is(answers(core.pipelined.got), 4);
  t.regex(core.pipelined.got, /^HTTP\/1\.1 200 [^]*HTTP\/1\.1 200 [^]*"text":"piped"[^]*HTTP\/1\.1 200 [^]*ignored your body[^]*HTTP\/1\.1 418 /);
  t.deepEqual(core.notes['p-4'].res, ['close finished=false']);
  t.true(core.notes['ka-3'].req.includes('end'));
  t.is(statusOf(core.ka.got), 200);
});

// ---------------------------------------------------------------------------
// @hapi/wreck 18 (a client)

const WRECK = 'apollo-h3-wreck-wreck.js';
const differential = (t, scenario, opts) => scenarioDifferential(t, WRECK, scenario, opts);
/** Each connection's complete requests, for server `name`. */
const reqs = (obs, name = 'SRV0') => obs.servers[name].map((c) => c.requests);

test('wreck: get / post / put / patch / delete with string, Buffer, object and stream payloads, json, gunzip, baseUrl, 404 / 500 / 406 rejections, invalid JSON, HEAD, request + read', async (t) => {
  const core = await differential(t, 'wreckBasics');
  t.deepEqual(entry(core, 'getJson:resolved').payload, { hello: 'world', line: 'GET /json?x=1 HTTP/1.1' });
  t.is(reqs(core)[0][0], 'GET /json?x=1 HTTP/1.1\r\nX-Custom: v\r\nhost: 127.0.0.1:<SRV0>\r\nConnection: close\r\n\r\n');
  t.is(entry(core, 'postString:resolved').payload.body, 'a string body');
  // (the echo is read as UTF-8 JSON: 0xff is not UTF-8)
  t.is(entry(core, 'postBuffer:resolved').payload.body, 'a\u0000\ufffd');
  t.like(entry(core, 'putObject:resolved').payload, { type: 'application/json', body: '{"a":1,"s":"é"}' });
  t.like(entry(core, 'patchStream:resolved').payload, { te: 'chunked', body: '9\r\nstreamed \r\n4\r\nbody\r\n0\r\n\r\n' });
  t.is(entry(core, 'gzip:resolved').payload.buffer, 'wreck gzip body '.repeat(100));
  t.is(entry(core, 'baseUrl:resolved').payload.buffer, 'in pieces');
  t.like(entry(core, '404:rejected'), { status: 404, message: 'Response Error: 404 Not Found', data: { isResponseError: true, payload: { error: 'nope' } } });
  t.like(entry(core, '500:rejected'), { status: 500, data: { payload: { buffer: 'it broke' } } });
  t.like(entry(core, 'strict:rejected'), { status: 406 });
  t.like(entry(core, 'badJson:rejected'), { status: 502, message: 'Unexpected end of JSON input' });
  t.deepEqual(entry(core, 'head:resolved').payload, { buffer: '' });
  t.is(entry(core, 'requestRead:resolved').payload.readRejected.status, 502);
  t.is(core.result.conns, 15);
});

test('wreck: redirects 301 / 302 (kept or redirectMethod) / 303 (redirect303) / 307 stream / 308, a chain, too many, no Location, off, cross-origin, beforeRedirect and redirected', async (t) => {
  const core = await differential(t, 'wreckRedirects');
  t.deepEqual(entry(core, '301:resolved').payload, { final: 'POST /a HTTP/1.1', body: 'body a', auth: null });
  t.deepEqual(entry(core, '301:redirected'), [301, 'http://127.0.0.1:<SRV0>/a']);
  t.is(entry(core, '302get:resolved').payload.final, 'GET /b HTTP/1.1');
  t.is(entry(core, '303:resolved').payload.final, 'GET /c HTTP/1.1');
  t.is(entry(core, '303off:resolved').res.statusCode, 303);
  // The stream payload, sent again from wreck's copy of it.
  t.is(entry(core, '307stream:resolved').payload.body, 'c\r\nstream again\r\n0\r\n\r\n');
  t.like(entry(core, '308:resolved').payload, { final: 'PUT /e HTTP/1.1', body: '{"n":5}' });
  t.like(entry(core, 'chain:resolved').payload, { final: 'GET /f HTTP/1.1', auth: 'Bearer kept' });
  t.like(entry(core, 'tooMany:rejected'), { status: 502, message: 'Maximum redirections reached' });
  t.like(entry(core, 'noLocation:rejected'), { message: 'Received redirection without location' });
  t.is(entry(core, 'off:resolved').res.statusCode, 302);
  t.deepEqual(entry(core, 'cross:resolved').payload, { other: 'GET /other/i HTTP/1.1', auth: null, cookie: null });
  t.deepEqual(entry(core, 'before:beforeRedirect'), ['GET', 301, 'http://127.0.0.1:<SRV0>/j', '/j']);
  t.deepEqual(core.result, { conns: 22, other: 1 });
});

test('wreck: timeout with no answer (504), read timeouts (408), maxBytes over a Content-Length and a chunked body (413), in time', async (t) => {
  const core = await differential(t, 'wreckLimits');
  t.like(entry(core, 'timeout:rejected'), { status: 504, message: 'Client request timeout' });
  t.true(entry(core, 'r0:abort'));
  t.like(entry(core, 'readTimeout:rejected'), { status: 408 });
  t.like(entry(core, 'getTimeout:rejected'), { status: 408, data: { res: { statusCode: 200 } } });
  t.like(entry(core, 'maxBytes:rejected'), { status: 413, message: 'Payload content length greater than maximum allowed: 1000' });
  t.like(entry(core, 'maxBytesChunked:rejected'), { status: 500, message: 'Payload stream closed prematurely' });
  t.is(entry(core, 'inTime:resolved').payload.buffer, 'quick');
  t.is(entry(core, 'bigInTime:resolved').payload.buffer.length, 5000);
  t.true(core.servers.SRV0[0].clientEnded);
});

// wreck's maxBytes destroys the response from its 'data' listener, in the
// read that overflows it. On core, the rest of a chunked body and its last
// chunk, written back to back (one tick) by a server in the same process,
// come in one read: the parser reaches the last chunk in the same
// execute(), and the response is complete when wreck rejects (every round
// of every run). Under rhttp the two writes now and then come in two reads
// (its io thread reads the socket as the bytes arrive, while this
// process's JS is still writing): the response is destroyed before its
// last chunk, `res.complete` is false (13-25 of 800 rounds a run here).
// Repro: /tmp/ahw-repro/split-reads.js
test.failing('wreck: maxBytes over a chunked body whose last chunk is written right after, 800 rounds: the response complete when wreck rejects, as on core', async (t) => {
  t.timeout(12000);
  const core = await runScenario(t, 'core', WRECK, 'wreckMaxBytesRounds');
  const reg = await runScenario(t, 'rhttp', WRECK, 'wreckMaxBytesRounds');
  t.log(`core: ${JSON.stringify(core.result.seen)}; rhttp: ${JSON.stringify(reg.result.seen)}`);
  t.false(core.rhttp);
  t.true(reg.rhttp);
  t.deepEqual(core.result, { seen: { 'rejected complete=true': 800 }, conns: 800 });
  const { rhttp: _a, ...coreObs } = core;
  const { rhttp: _b, ...regObs } = reg;
  t.deepEqual(regObs, coreObs);
});

test('wreck: a keep-alive agent (maxSockets 1): reuse, queued requests, Connection: close retiring a socket, agent: false, `agents`', async (t) => {
  const core = await differential(t, 'wreckAgent');
  t.deepEqual(entry(core, 'pool while queued'), { sockets: { '127.0.0.1:<SRV0>:': 1 }, freeSockets: {}, requests: { '127.0.0.1:<SRV0>:': 2 }, totalSocketCount: 1 });
  t.is(entry(core, '/b:resolved').payload.buffer, '/b on conn 0 #1');
  t.is(entry(core, 'concurrent /d:resolved').payload.buffer, '/d on conn 0 #4');
  t.is(entry(core, 'afterClose:resolved').payload.buffer, '/after-close on conn 1 #0');
  t.is(entry(core, 'agents:resolved').payload.buffer, '/agents on conn 1 #1');
  t.deepEqual(reqs(core).map((c) => c.length), [7, 2, 1]);
  t.regex(reqs(core)[2][0], /\r\nConnection: close\r\n/);
  t.is(core.result.conns, 3);
});

test('wreck: the server resets / ends mid-body / ends a chunked body / hangs up / sends a bad status line; a refused port; the client aborting mid-body', async (t) => {
  const core = await differential(t, 'wreckBroken');
  t.like(entry(core, 'r0:error'), { code: 'ECONNRESET', syscall: 'read' });
  for (const p of ['/rst', '/fin', '/chunked-fin']) t.like(entry(core, `${p}:rejected`), { status: 500, message: 'Payload stream closed prematurely' }, p);
  t.like(entry(core, '/bad-status:rejected'), { status: 502, code: 'HPE_INVALID_STATUS' });
  t.like(entry(core, '/hang-up:rejected'), { status: 502, code: 'ECONNRESET', message: 'Client request error: socket hang up' });
  t.like(entry(core, '/head-rst:rejected'), { code: 'ECONNRESET', syscall: 'read' });
  t.like(entry(core, 'refused:rejected'), { code: 'ECONNREFUSED', port: '<CLOSED>' });
  t.like(entry(core, 'abort:rejected'), { message: 'Payload stream closed prematurely' });
  t.like(entry(core, 'resDestroy:rejected'), { message: 'Payload stream closed prematurely' });
  t.is(core.result.conns, 8);
});
