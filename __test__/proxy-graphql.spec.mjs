// express-http-proxy 2 (Express 5, in front of an upstream http server in
// the same process: its client side is http.request) and graphql-http 1
// with graphql 16 (use/http on a plain server, use/express on Express 5),
// unmodified, under rhttp/register versus under core's http (the oracle).
//
// Each fixture (fixtures/proxy-graphql-*.js) runs in a child process twice,
// on core and with register preloaded. This process drives both with the
// same raw `net` requests (exact bytes) and compares, core against rhttp:
// the bytes the client got (Date values and ports masked), whether the
// server FIN'd or reset the connection, and the `{ id, at, ev }` notes the
// fixture logged about each request: the Express request/response events,
// the proxy's client-side ClientRequest / response events and hooks, the
// exact bytes the proxy's client sent upstream (a `net` tap between proxy
// and upstream) and how it left that connection, the upstream's view; for
// GraphQL the resolvers' and how the handler left the response.
//
// Each test also checks, on core's observations, that the scenario saw what
// it is about. http-proxy-middleware in Express is covered by
// express-libs.spec.mjs; this file does not repeat it.
//
// Where rhttp differs from core the test is `.failing` with a comment, and
// /tmp/proxygql-repro/ has a standalone script showing the difference.

import anyTest from 'ava';
import { createRequire } from 'node:module';
import { differentialScenario } from './fixtures/apps.mjs';
import { complete } from './helpers/raw-client.mjs';
import {
  sleep, connect, head, typed, jsonHead, exchange, notes, all, inTurn, bodyOf, unchunkedBody, pieces, chunked,
} from './helpers/lib-scenario.mjs';

const require = createRequire(import.meta.url);
const crypto = require('node:crypto');

// Serial: upstream timeouts (200 ms), slow resolvers and clients going away
// mid-request; the two runs of a scenario should see the same load.
const test = anyTest.serial;

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
/** `scenario` run against `fixture` on core, then on rhttp. */
const differential = differentialScenario;

/** The first response's body as JSON (UTF-8), chunked framing undone. */
const jsonOf = (got) => JSON.parse(Buffer.from(unchunkedBody(got), 'latin1').toString('utf8'));



// ---------------------------------------------------------------------------
// express-http-proxy 2 in Express 5

const EHP = 'proxy-graphql-ehp.js';

/** The proxy's own groups of notes, for `order`: when the upstream (and
 * the tap in front of it) hears a request, relative to the proxy's events,
 * depends on how soon bytes cross the loopback, in core too. */
const proxySide = (at) => !/^(upstream|wire|tap)/.test(at);

/** `value` with the tap's connection numbers masked: requests run at once
 * get theirs in whatever order they connect. */
const anyConn = (value) => JSON.parse(JSON.stringify(value).replace(/conn#\d+/g, 'conn#N'));

/** The one 'wire' note of a request: the bytes the proxy's client sent. */
const wire = (n) => n.wire?.[0]?.replace(/^conn#\w+: /, '');

const BIG = Buffer.alloc(300 * 1024);
for (let i = 0; i < BIG.length; i += 4) BIG.writeUInt32LE((i * 2654435761) >>> 0, i);
const BIG_TEXT = Buffer.from(BIG.toString('base64').slice(0, 300 * 1024));
/** What the scripted upstream's /big-slow sends (the fixture builds the same). */
const BIG_SLOW = Buffer.alloc(2 * 1024 * 1024, 'two megabytes, slowly read ');

test('express-http-proxy: bodies (JSON, 300 KB, chunked, in pieces, form), proxyReqPathResolver, proxyReqOptDecorator, filter, HEAD, 204/304, chunked and big responses', async (t) => {
  const json = '{"a":1,"list":["x","y"],"utf8":"héllo ✓"}';
  const { core, rhttp } = await differential(t, EHP, async (app) => anyConn(await all(t, app, {
    json: [jsonHead('POST', '/plain/echo?q=1', 'json', json)],
    big: [typed('POST', '/plain/echo', 'big', 'text/plain', BIG_TEXT.toString('latin1'))],
    bigPieces: [head('POST', '/plain/echo', 'big-pieces', { 'Content-Type': 'text/plain', 'Content-Length': BIG_TEXT.length }), ...pieces(BIG_TEXT, 64 * 1024, 2)],
    chunkedUpload: [head('POST', '/plain/echo', 'chunked-up', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }), ...chunked(Buffer.from(json), 7, 3)],
    form: [typed('POST', '/plain/echo', 'form', 'application/x-www-form-urlencoded', 'a=1&b=two+words')],
    rewrite: [head('GET', '/rewrite/some/path?x=y', 'rewrite')],
    optdec: [jsonHead('POST', '/optdec/echo', 'optdec', '{"put":true}', { 'X-As-Put': '1' })],
    filterGet: [head('GET', '/filter/echo', 'filter-get')],
    filterPost: [jsonHead('POST', '/filter/echo', 'filter-post', '{}')],
    head: [head('HEAD', '/plain/echo', 'head')],
    noContent: [head('GET', '/plain/status?code=204', 'no-content')],
    notModified: [head('GET', '/plain/status?code=304', 'not-modified', { 'If-None-Match': '"v1"' })],
    notFound: [head('GET', '/plain/status?code=404', 'not-found')],
    chunkedRes: [head('GET', '/plain/chunked', 'chunked-res')],
    bigRes: [head('GET', '/plain/big', 'big-res')],
  }, { ordered: proxySide })));
  t.deepEqual(rhttp, core);
  const got = (k) => jsonOf(core[k].client.got);
  t.like(got('json'), { method: 'POST', url: '/echo?q=1', body: json, received: Buffer.byteLength(json) });
  t.regex(wire(core.json.notes), /^POST \/echo\?q=1 HTTP\/1\.1\r\nx-id: json\r\ncontent-type: application\/json\r\nContent-Length: 4\d\r\nconnection: close\r\nAccept-Charset: utf-8\r\nHost: 127\.0\.0\.1:<tap>\r\n\r\n\{"a":1/);
  t.like(got('big'), { received: BIG_TEXT.length, sha256: sha(BIG_TEXT) });
  t.like(got('bigPieces'), { received: BIG_TEXT.length, sha256: sha(BIG_TEXT) });
  // raw-body read it; the proxy copies Transfer-Encoding: chunked and adds
  // a Content-Length, so the body goes chunked with both headers: the
  // upstream's parser answers 400 and closes.
  t.regex(core.chunkedUpload.client.got, /^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\nContent-Length: 0\r\n\r\n$/);
  t.regex(core.chunkedUpload.notes.wire[0], /^rest conn#N: POST \/echo HTTP\/1\.1\r\n[^]*\r\ntransfer-encoding: chunked\r\nconnection: close\r\nContent-Length: 44\r\n[^]*\r\n\r\n2c\r\n\{"a":1[^]*\r\n0\r\n\r\n$/);
  t.like(got('form'), { body: 'a=1&b=two+words' });
  t.like(got('rewrite'), { url: '/echo/rewritten/some/path?x=y' });
  t.like(got('optdec'), { method: 'PUT', body: '{"put":true}' });
  t.true(got('optdec').rawHeaders.includes('x-opt'));
  t.like(got('filterGet'), { method: 'GET' });
  t.deepEqual(got('filterPost'), { notFound: '/filter/echo' });
  t.is(core.filterPost.notes.upstream, undefined);
  // The upstream's answer to a HEAD has no Content-Length: nor has the proxy's.
  t.regex(core.head.client.got, /^HTTP\/1\.1 200 OK\r\nX-Powered-By: Express\r\nx-upstream: yes\r\ncontent-type: application\/json; charset=utf-8\r\ndate: <date>\r\nconnection: close\r\n\r\n$/);
  t.deepEqual(core.head.notes.upstream, ['HEAD /echo']);
  t.regex(core.noContent.client.got, /^HTTP\/1\.1 204 No Content\r\n[^]*\r\n\r\n$/);
  t.regex(core.notModified.client.got, /^HTTP\/1\.1 304 Not Modified\r\n[^]*etag: "v1"\r\n[^]*\r\n\r\n$/);
  t.regex(core.notFound.client.got, /^HTTP\/1\.1 404 Not Found\r\n[^]*status 404/);
  t.regex(core.chunkedRes.client.got, /\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n$/i);
  t.is(bodyOf(core.bigRes.client.got).length, 200 * 1024);
  t.deepEqual(core.json.notes.tap, ['conn#N proxy FIN']);
});

test('express-http-proxy: userResDecorator (JSON rewritten, text upper-cased, gzip unzipped and zipped again, chunked, 404, 304 skipped, HEAD, a POST body)', async (t) => {
  const { core, rhttp } = await differential(t, EHP, async (app) => anyConn(await all(t, app, {
    json: [head('GET', '/decorate/echo?d=1', 'd-json')],
    text: [head('GET', '/decorate/text', 'd-text')],
    gzip: [head('GET', '/decorate/gzip', 'd-gzip', { 'Accept-Encoding': 'gzip' })],
    chunked: [head('GET', '/decorate/chunked', 'd-chunked')],
    status: [head('GET', '/decorate/status?code=404', 'd-status')],
    notModified: [head('GET', '/decorate/status?code=304', 'd-304')],
    head: [head('HEAD', '/decorate/echo', 'd-head')],
    post: [jsonHead('POST', '/decorate/echo', 'd-post', '{"posted":1}')],
    big: [head('GET', '/decorate/big', 'd-big')],
  }, { ordered: proxySide })));
  t.deepEqual(rhttp, core);
  t.like(jsonOf(core.json.client.got), { url: '/echo?d=1', decorated: true });
  t.regex(core.json.client.got, /\r\nx-decorated: yes\r\n/);
  t.is(bodyOf(core.text.client.got), 'SOME TEXT');
  t.regex(core.gzip.client.got, /\r\ncontent-encoding: gzip\r\n/);
  t.deepEqual(core.gzip.notes.hook.slice(-1), ['userResDecorator 200 15 bytes, headersSent=false']);
  t.regex(core.chunked.client.got, /\r\ncontent-length: 6\r\n[^]*\r\n\r\nABBCCC$/i);
  t.regex(core.status.client.got, /^HTTP\/1\.1 404 Not Found\r\n[^]*\r\n\r\nSTATUS 404$/);
  t.regex(core.notModified.client.got, /^HTTP\/1\.1 304 Not Modified\r\n/);
  t.false(core.notModified.notes.hook.some((h) => h.startsWith('userResDecorator')));
  // HEAD: nothing to JSON.parse, the decorator throws: the app's error handler (502, no body).
  t.regex(core.head.client.got, /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*\r\nContent-Length: 14\r\n[^]*\r\n\r\n$/);
  t.deepEqual(core.head.notes.error, ['  Unexpected end of JSON input']);
  t.like(jsonOf(core.post.client.got), { body: '{"posted":1}', decorated: true });
  t.is(bodyOf(core.big.client.got), Buffer.alloc(200 * 1024, 'big response ').toString().toUpperCase());
});

test('express-http-proxy: upstream refused, reset before and mid-response (buffered and streamed), timeout -> 504, a body over the limit -> 413', async (t) => {
  const { core, rhttp } = await differential(t, EHP, async (app) => {
    const out = anyConn(await all(t, app, {
      refused: [head('GET', '/refused/x', 'refused')],
      resetBefore: [head('GET', '/plain/reset-before', 'reset-before')],
      resetMidBuffered: [head('GET', '/decorate/reset-mid', 'reset-mid-buffered')],
      timeout: [head('GET', '/timeout/slow', 'timeout')],
      limited: [typed('POST', '/limited/echo', 'limited', 'text/plain', 'x'.repeat(100))],
      resetUpload: [head('POST', '/stream/reset-before', 'reset-upload', { 'Content-Length': 100 }), 'x'.repeat(40)],
    }, { ordered: proxySide }));
    // Streamed: the head and 'partial ' went out, then the response stalls.
    const c = connect(t, app);
    await c.send(head('GET', '/plain/reset-mid', 'reset-mid-stream'));
    await app.waitLine((l) => l.id === 'reset-mid-stream' && l.at === 'proxyRes' && l.ev === 'close', 2000).catch(() => {});
    await c.closes(300);
    c.socket.destroy();
    out.resetMidStream = anyConn({ client: c.view(), notes: await notes(app, 'reset-mid-stream', /^res: close/, { ordered: proxySide }) });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core.refused.client.got, /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*\{"error":"ECONNREFUSED"\}$/);
  t.deepEqual(core.refused.notes.error, [' ECONNREFUSED connect ECONNREFUSED 127.0.0.1:<dead>']);
  t.regex(core.resetBefore.client.got, /^HTTP\/1\.1 504 Gateway Timeout\r\nX-Powered-By: Express\r\nX-Timeout-Reason: express-http-proxy reset the request\.\r\n[^]*\r\n\r\n0\r\n\r\n$/);
  t.deepEqual(core.resetBefore.notes.proxyReq.slice(-2), ['error ECONNRESET read ECONNRESET', 'close']);
  t.regex(core.resetMidBuffered.client.got, /^HTTP\/1\.1 504 /);
  t.deepEqual(core.resetMidBuffered.notes.proxyRes, ['aborted', 'close']);
  t.regex(core.timeout.client.got, /^HTTP\/1\.1 504 Gateway Timeout\r\nX-Powered-By: Express\r\nX-Timeout-Reason: /);
  t.deepEqual(core.timeout.notes['upstream req'], ['aborted', 'error ECONNRESET aborted', 'close']);
  t.deepEqual(core.timeout.notes.tap, ['conn#N proxy FIN']);
  t.regex(core.limited.client.got, /^HTTP\/1\.1 413 Payload Too Large\r\n[^]*"error":"entity\.too\.large"/);
  t.is(core.limited.notes.upstream, undefined);
  t.regex(core.resetUpload.client.got, /^HTTP\/1\.1 504 /);
  t.regex(core.resetMidStream.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n8\r\npartial \r\n$/);
  t.false(core.resetMidStream.client.closed);
  t.deepEqual(core.resetMidStream.notes.proxyRes, ['aborted', 'close']);
});

for (const [how, label] of [['destroy', 'FIN'], ['reset', 'RST']]) {
  test(`express-http-proxy: the client goes away (${label}) while the upstream is slow: the proxy aborts its request`, async (t) => {
    const { core, rhttp } = await differential(t, EHP, async (app) => {
      const out = {};
      for (const path of ['/plain/slow', '/decorate/slow']) {
        const id = `gone-${how}-${path.split('/')[1]}`;
        const c = connect(t, app);
        await c.send(head('GET', path, id));
        await app.waitLine((l) => l.id === id && l.at === 'upstream', 2000, 'upstream').catch(() => {});
        await sleep(30);
        if (how === 'reset') c.socket.resetAndDestroy();
        else c.socket.destroy();
        out[path] = { client: c.view(), notes: await notes(app, id, /^upstream req: close/, { ordered: proxySide, settle: 150 }) };
      }
      return out;
    });
    t.deepEqual(rhttp, core);
    for (const path of ['/plain/slow', '/decorate/slow']) {
      // abort() on a connected socket: a FIN upstream.
      t.deepEqual(core[path].notes['upstream req'], ['aborted', 'error ECONNRESET aborted', 'close'], path);
      t.deepEqual(core[path].notes.tap.map((n) => n.replace(/#\d+/, '#N')), ['conn#N proxy FIN'], path);
      t.deepEqual(core[path].notes.proxyReq.slice(-2), ['error ECONNRESET socket hang up', 'close'], path);
    }
  });
}

test('express-http-proxy: parseReqBody: false pipes the request: chunked in pieces, Content-Length in pieces, a client that stops mid-body', async (t) => {
  const { core, rhttp } = await differential(t, EHP, async (app) => {
    const out = await all(t, app, {
      chunked: [head('POST', '/stream/echo', 's-chunked', { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }), ...chunked(Buffer.from('hello streaming world'), 6, 15)],
      length: [head('POST', '/stream/echo', 's-length', { 'Content-Type': 'text/plain', 'Content-Length': 21 }), 'hello ', 15, 'streaming ', 15, 'world'],
      big: [head('POST', '/stream/echo', 's-big', { 'Content-Type': 'application/octet-stream', 'Content-Length': BIG.length }), ...pieces(BIG, 100 * 1024, 10)],
    }, { ordered: proxySide });
    // Half the body, then the client goes.
    const c = connect(t, app);
    await c.send(head('POST', '/stream/echo', 's-gone', { 'Content-Length': 100 }), 'x'.repeat(50));
    await app.waitLine((l) => l.id === 's-gone' && l.at === 'upstream', 2000, 'upstream').catch(() => {});
    await sleep(30);
    c.socket.destroy();
    out.gone = { client: c.view(), notes: await notes(app, 's-gone', /^upstream req: close/, { ordered: proxySide, settle: 150 }) };
    return anyConn(out);
  });
  t.deepEqual(rhttp, core);
  t.like(jsonOf(core.chunked.client.got), { body: 'hello streaming world', received: 21 });
  t.regex(wire(core.chunked.notes), /\r\ntransfer-encoding: chunked\r\n[^]*\r\n\r\n6\r\nhello \r\n/);
  t.like(jsonOf(core.length.client.got), { body: 'hello streaming world' });
  t.regex(wire(core.length.notes), /\r\ncontent-length: 21\r\n[^]*\r\n\r\nhello streaming world$/);
  t.like(jsonOf(core.big.client.got), { received: BIG.length, sha256: sha(BIG) });
  t.deepEqual(core.gone.notes['upstream req'], ['aborted', 'error ECONNRESET aborted', 'close']);
  t.true(core.gone.notes.wire[0].startsWith('rest conn#N: POST /echo HTTP/1.1\r\n'));
});

test('express-http-proxy: a keep-alive Agent (maxSockets 1): requests in turn reuse one upstream connection, two at once queue', async (t) => {
  const { core, rhttp } = await differential(t, EHP, async (app) => {
    const inTurnSeen = await inTurn(t, app, [
      head('GET', '/ka/echo?n=1', 'ka-1'),
      jsonHead('POST', '/ka/echo?n=2', 'ka-2', '{"n":2}'),
      head('GET', '/ka/echo?n=3', 'ka-3'),
    ]);
    const together = await Promise.all(['ka-4', 'ka-5'].map((id, i) => exchange(t, app, [head('GET', `/ka/echo?n=${4 + i}`, id)])));
    const out = { inTurn: inTurnSeen, together };
    out.tapClosed = app.lines.filter((l) => l.at === 'tap').map((l) => `${l.id}: ${l.ev}`);
    for (const id of ['ka-1', 'ka-2', 'ka-3']) out[id] = await notes(app, id, /^res: close/, { ordered: proxySide });
    // At once: which one the Agent sends first depends on which reached the proxy first.
    for (const id of ['ka-4', 'ka-5']) out[id] = await notes(app, id, /^res: close/, { ordered: false });
    return out;
  });
  t.deepEqual(rhttp, core);
  t.is(complete(core.inTurn.got), 3);
  for (const id of ['ka-1', 'ka-2', 'ka-3']) t.regex(core[id].wire[0], /^conn#1: /, id);
  t.deepEqual([core['ka-4'].wire[0].slice(0, 7), core['ka-5'].wire[0].slice(0, 7)], ['conn#1:', 'conn#1:']);
  t.is(core['ka-1'].tap, undefined);
  t.like(jsonOf(core.together[1].got), { url: '/echo?n=5' });
  t.deepEqual(core.tapClosed, []);
});

// ---------------------------------------------------------------------------
// graphql-http 1 (graphql 16): use/http on a plain server, use/express on
// Express 5 (/graphql reads the body itself, /parsed after express.json())

const GQL = 'proxy-graphql-gql.js';

/** `app` as seen on its plain http server's port. */
const plainOf = (app) => ({ ...app, info: { ...app.info, port: app.info.ports.plain, ports: { express: app.info.port } } });

const GQL_JSON = 'application/graphql-response+json';
const q = (params) => `?${new URLSearchParams(params)}`;

const MOUNTS = {
  'use/http': { path: '/graphql', on: plainOf },
  'use/express': { path: '/graphql', on: (app) => app },
  'use/express after express.json()': { path: '/parsed', on: (app) => app },
};

for (const [mount, { path, on }] of Object.entries(MOUNTS)) {
  test(`graphql-http ${mount}: GET and POST queries, variables, operationName, errors, Accept negotiation, mutation over GET -> 405, bad JSON, invalid query -> 400, 415, 406`, async (t) => {
    const post = (id, body, accept = GQL_JSON, extra = {}) => [jsonHead('POST', path, id, typeof body === 'string' ? body : JSON.stringify(body), { Accept: accept, ...extra })];
    const { core, rhttp } = await differential(t, GQL, async (app) => all(t, on(app), {
      get: [head('GET', path + q({ query: '{ hello }' }), 'get', { Accept: GQL_JSON })],
      getVars: [head('GET', path + q({ query: 'query Q($n: String) { hello(name: $n) }', variables: '{"n":"ada"}' }), 'get-vars', { Accept: 'application/json' })],
      post: post('post', { query: 'query A { hello } query B { hello(name: "b") }', operationName: 'B' }),
      postVars: post('post-vars', { query: 'query ($n: String) { hello(name: $n) }', variables: { n: 'héllo ✓' } }, 'application/json'),
      mutation: post('mutation', { query: 'mutation { add(a: 2, b: 3) }' }),
      mutationGet: [head('GET', path + q({ query: 'mutation { add(a: 1, b: 1) }' }), 'mutation-get', { Accept: GQL_JSON })],
      resolverError: post('resolver-error', { query: '{ hello boom }' }),
      invalidGqlJson: post('invalid-gql', { query: '{ nope }' }),
      invalidJson: post('invalid-json', { query: '{ nope }' }, 'application/json'),
      syntax: post('syntax', { query: '{ hello' }),
      badJson: post('bad-json', '{"query": '),
      notObject: post('not-object', '[1,2]'),
      missingQuery: post('missing-query', { variables: {} }),
      unsupported: [typed('POST', path, 'unsupported', 'text/plain', '{ hello }', { Accept: GQL_JSON })],
      unacceptable: [head('GET', path + q({ query: '{ hello }' }), 'unacceptable', { Accept: 'text/html' })],
      put: [jsonHead('PUT', path, 'put', '{"query":"{ hello }"}')],
    }, { ordered: true }));
    t.deepEqual(rhttp, core);
    const got = (k) => core[k].client.got;
    t.regex(got('get'), /^HTTP\/1\.1 200 OK\r\n[^]*content-type: application\/graphql-response\+json; charset=utf-8\r\n/i);
    t.deepEqual(jsonOf(got('get')), { data: { hello: 'hello world' } });
    t.deepEqual(jsonOf(got('getVars')), { data: { hello: 'hello ada' } });
    t.regex(got('getVars'), /content-type: application\/json; charset=utf-8\r\n/i);
    t.deepEqual(jsonOf(got('post')), { data: { hello: 'hello b' } });
    t.deepEqual(jsonOf(got('postVars')), { data: { hello: 'hello héllo ✓' } });
    t.deepEqual(jsonOf(got('mutation')), { data: { add: 5 } });
    t.deepEqual(core.mutation.notes.resolver, ['add 2 3']);
    t.regex(got('mutationGet'), /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*allow: POST\r\n[^]*Cannot perform mutations over GET/i);
    t.is(core.mutationGet.notes.resolver, undefined);
    t.like(jsonOf(got('resolverError')), { data: { hello: 'hello world', boom: null }, errors: [{ message: 'resolver exploded', path: ['boom'] }] });
    t.regex(got('invalidGqlJson'), /^HTTP\/1\.1 400 Bad Request\r\n[^]*graphql-response\+json[^]*Cannot query field \\"nope\\" on type \\"Query\\"/);
    t.regex(got('invalidJson'), /^HTTP\/1\.1 200 OK\r\n[^]*Cannot query field/);
    t.regex(got('syntax'), /^HTTP\/1\.1 400 Bad Request\r\n[^]*Syntax Error: Expected Name, found <EOF>/);
    if (path === '/parsed') {
      t.regex(got('badJson'), /^HTTP\/1\.1 400 Bad Request\r\n[^]*\{"error":"entity\.parse\.failed"\}$/);
    } else {
      t.regex(got('badJson'), /^HTTP\/1\.1 400 Bad Request\r\n[^]*Unparsable JSON body/);
    }
    // An array is an object to graphql-http's check: then the query is missing.
    t.regex(got('notObject'), /^HTTP\/1\.1 400 [^]*\{"errors":\[\{"message":"Missing query"\}\]\}/);
    t.regex(got('missingQuery'), /^HTTP\/1\.1 400 [^]*Missing query/);
    t.regex(got('unsupported'), /^HTTP\/1\.1 415 Unsupported Media Type\r\n/);
    t.regex(got('unacceptable'), /^HTTP\/1\.1 406 Not Acceptable\r\n[^]*accept: application\/graphql-response\+json; charset=utf-8, application\/json; charset=utf-8\r\n/i);
    t.regex(got('put'), /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*allow: GET, POST\r\n/i);
  });
}

test('graphql-http: slow async resolvers, two at once and in turn on one keep-alive connection (use/http and use/express)', async (t) => {
  const slowBody = (ms) => JSON.stringify({ query: `{ slow(ms: ${ms}) hello }` });
  const { core, rhttp } = await differential(t, GQL, async (app) => {
    const out = {};
    for (const [mount, view] of [['http', plainOf(app)], ['express', app]]) {
      out[mount] = await all(t, view, {
        a: [jsonHead('POST', '/graphql', `${mount}-slow-a`, slowBody(150), { Accept: GQL_JSON })],
        b: [head('GET', `/graphql${q({ query: '{ slow(ms: 60) }' })}`, `${mount}-slow-b`, { Accept: GQL_JSON })],
      });
      // Pipelined in one write: the slow one first, the quick one waits its turn.
      out[mount].pipelined = await exchange(t, view, [
        jsonHead('POST', '/graphql', `${mount}-pipe-1`, slowBody(80)) +
        head('GET', `/graphql${q({ query: '{ hello(name: "second") }' })}`, `${mount}-pipe-2`),
      ], { n: 2 });
      out[mount].pipeNotes = await notes(app, `${mount}-pipe-2`, /^res: close/);
      // A query in 1-byte pieces.
      const body = JSON.stringify({ query: '{ hello(name: "pieces") }' });
      out[mount].pieces = await exchange(t, view, [jsonHead('POST', '/graphql', `${mount}-pieces`, body).slice(0, -body.length), ...pieces(Buffer.from(body), 1, 1)]);
      out[mount].inTurn = await inTurn(t, view, [
        jsonHead('POST', '/graphql', `${mount}-turn-1`, slowBody(40)),
        head('GET', `/graphql${q({ query: '{ hello }' })}`, `${mount}-turn-2`),
        jsonHead('POST', '/graphql', `${mount}-turn-3`, slowBody(20), { Connection: 'close' }),
      ]);
    }
    return out;
  });
  t.deepEqual(rhttp, core);
  for (const mount of ['http', 'express']) {
    t.deepEqual(jsonOf(core[mount].a.client.got), { data: { slow: 'slept 150', hello: 'hello world' } });
    t.deepEqual(core[mount].b.notes.resolver, ['slow start 60', `slow end aborted=false destroyed=false closed=false`]);
    t.is(complete(core[mount].inTurn.got), 3);
    t.is(complete(core[mount].pipelined.got), 2);
    t.regex(core[mount].pipelined.got, /slept 80[^]*hello second/);
    t.deepEqual(jsonOf(core[mount].pieces.got), { data: { hello: 'hello pieces' } });
    t.true(core[mount].inTurn.closed);
  }
});

for (const [how, label] of [['destroy', 'FIN'], ['reset', 'RST'], ['end', 'half-close']]) {
  test(`graphql-http: the client goes away (${label}) during a slow async resolver; the handler then answers a closed response`, async (t) => {
    const { core, rhttp } = await differential(t, GQL, async (app) => {
      const out = {};
      for (const [mount, view] of [['http', plainOf(app)], ['express', app]]) {
        const id = `${mount}-gone-${how}`;
        const c = connect(t, view, { allowHalfOpen: how === 'end' });
        await c.send(jsonHead('POST', '/graphql', id, JSON.stringify({ query: '{ slow(ms: 200) }' }), { Accept: GQL_JSON }));
        await app.waitLine((l) => l.id === id && l.at === 'resolver', 2000, 'resolver').catch(() => {});
        await sleep(20);
        if (how === 'reset') c.socket.resetAndDestroy();
        else if (how === 'end') c.socket.end();
        else c.socket.destroy();
        await c.closes(600);
        c.socket.destroy();
        out[mount] = { client: c.view(), notes: await notes(app, id, /^handler: done/, { settle: 100 }) };
      }
      return out;
    });
    t.deepEqual(rhttp, core);
    for (const mount of ['http', 'express']) {
      t.is(core[mount].notes.resolver[0], 'slow start 200', mount);
      t.is(core[mount].notes.handler.length, 1, mount);
      if (how === 'end') {
        // Half-closed: the server (no httpAllowHalfOpen) ends at once: no answer.
        t.like(core[mount].client, { got: '', ended: true, closed: true }, mount);
      } else {
        t.is(core[mount].client.got, '', mount);
        t.true(core[mount].notes.res.includes('close'), mount);
      }
    }
  });
}

// ---------------------------------------------------------------------------
// express-http-proxy against a scripted upstream (core's net): responses an
// http server would not write, through the proxy's client parser.

test('express-http-proxy: odd upstream responses (close-delimited, HTTP/1.0, duplicate headers, 103, a head in pieces, bad length, short body, extra bytes, chunk extensions and trailers, LF only, reasons, garbage, nothing)', async (t) => {
  const paths = ['close-delimited', 'http10', 'dup-headers', 'early-hints', 'split-head', 'bad-length', 'short-body', 'short-body-rst',
    'extra-bytes', 'chunk-ext', 'lf-only', 'no-reason', 'custom-reason', 'garbage', 'nothing', 'nothing-rst'];
  const { core, rhttp } = await differential(t, EHP, async (app) => {
    const cases = {};
    for (const p of paths) {
      cases[p] = [head('GET', `/raw/${p}`, `raw-${p}`)];
      cases[`${p} (decorated)`] = [head('GET', `/raw-decorate/${p}`, `rawd-${p}`)];
    }
    const out = await all(t, app, cases, { until: /^raw wire: /, ordered: (at) => !at.startsWith('raw') });
    out.logged = app.lines.filter((l) => l.id === null).map((l) => `${l.at}: ${l.ev}`).sort();
    return out;
  });
  t.deepEqual(rhttp, core);
  const got = (k) => core[k].client.got;
  t.regex(got('close-delimited'), /\r\n\r\n[0-9a-f]+\r\nbody until \r\n[0-9a-f]+\r\nthe close\r\n0\r\n\r\n$/);
  t.regex(got('close-delimited (decorated)'), /\r\n\r\nBODY UNTIL THE CLOSE$/);
  t.regex(got('http10'), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nhello$/);
  t.regex(got('dup-headers'), /\r\nx-dup: a, b\r\nset-cookie: a=1\r\nset-cookie: b=2\r\ncontent-type: text\/plain; charset=utf-8\r\n/);
  t.deepEqual(core['early-hints'].notes.proxyReq.slice(0, 4), ['socket', 'finish', 'information 103', 'response 200']);
  t.regex(got('split-head'), /^HTTP\/1\.1 201 Created\r\n[^]*x-split: yes\r\n[^]*\r\n\r\nsplit$/);
  t.regex(core['bad-length'].notes.error[0], /HPE_INVALID_CONTENT_LENGTH/);
  t.regex(got('bad-length'), /^HTTP\/1\.1 502 Bad Gateway\r\n/);
  t.deepEqual(core['short-body'].notes.proxyRes, ['aborted', 'close']);
  t.regex(got('short-body (decorated)'), /^HTTP\/1\.1 504 /);
  t.regex(got('extra-bytes'), /\r\n\r\nok$/);
  t.regex(core['chunk-ext (decorated)'].notes.hook[1], /^userResDecorator 200 OK 5 bytes .* trailers=\["X-T","trailer"\]$/);
  // llhttp (strict) refuses a head with bare LFs.
  t.regex(got('lf-only'), /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*\{"error":"HPE_CR_EXPECTED"\}$/);
  t.regex(got('no-reason'), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
  t.regex(got('custom-reason'), /^HTTP\/1\.1 299 [^]*\r\n\r\nok$/);
  t.regex(core.garbage.notes.error[0], /HPE_/);
  t.regex(got('nothing'), /^HTTP\/1\.1 504 /);
  t.regex(got('nothing-rst'), /^HTTP\/1\.1 504 /);
  t.deepEqual(core.logged, []);
});

test('express-http-proxy: timeout with a keep-alive Agent: fast, slow (504), fast again; the timeout listeners on the reused socket', async (t) => {
  const { core, rhttp } = await differential(t, EHP, async (app) => {
    const ids = ['kt-1', 'kt-2', 'kt-3', 'kt-4', 'kt-5'];
    const paths = ['/echo', '/echo', '/echo', '/slow', '/echo'];
    const out = {};
    for (let i = 0; i < ids.length; i++) {
      out[ids[i]] = await exchange(t, app, [head('GET', `/ka-timeout${paths[i]}`, ids[i])]);
      out[`${ids[i]} notes`] = await notes(app, ids[i], /^res: close/, { ordered: proxySide, settle: 50 });
    }
    // Idle longer than the timeout: the pooled socket's listener must not fire into a finished request.
    await sleep(350);
    out.logged = app.lines.filter((l) => l.id === null).map((l) => `${l.at}: ${l.ev}`);
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core['kt-1'].got, /^HTTP\/1\.1 200 /);
  t.regex(core['kt-4'].got, /^HTTP\/1\.1 504 /);
  t.regex(core['kt-5'].got, /^HTTP\/1\.1 200 /);
  t.regex(core['kt-3 notes'].wire[0], /^conn#1: /);
  t.regex(core['kt-5 notes'].wire[0], /^conn#2: /);
});

test('express-http-proxy: Expect: 100-continue through parseReqBody: false; a slow client reading a 2 MB streamed response', async (t) => {
  const { core, rhttp } = await differential(t, EHP, async (app) => {
    const c = connect(t, app);
    await c.send(head('POST', '/stream/echo', 'expect', { 'Content-Length': 11, Expect: '100-continue' }));
    const continued = await c.sees('\r\n\r\n', 2000);
    const interim = c.text();
    await c.send('hello', 10, ' world');
    await c.until(() => complete(c.text().replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '')) > 0 || c.state.closed, 3000);
    c.socket.destroy();
    const expect = { continued, interim, client: c.view(), notes: await notes(app, 'expect', /^res: close/, { ordered: proxySide }) };
    // The client reads nothing for a while: backpressure from the proxy's response into its upstream response.
    const s = connect(t, app);
    s.socket.pause();
    await s.send(head('GET', '/raw/big-slow', 'slow-reader'));
    await sleep(300);
    s.socket.resume();
    await s.until(() => complete(s.text()) > 0 || s.state.closed, 3000);
    await s.closes(150);
    s.socket.destroy();
    const sum = sha(Buffer.from(unchunkedBody(s.text()), 'latin1'));
    const v = s.view();
    return { expect, slow: { size: s.size(), sum, ended: v.ended, closed: v.closed, error: v.error, notes: await notes(app, 'slow-reader', /^raw wire: /, { ordered: (at) => !at.startsWith('raw') }) } };
  });
  t.deepEqual(rhttp, core);
  t.true(core.expect.continued);
  t.is(core.expect.interim, 'HTTP/1.1 100 Continue\r\n\r\n');
  t.like(jsonOf(core.expect.client.got.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '')), { body: 'hello world' });
  t.is(core.slow.sum, sha(BIG_SLOW));
});
