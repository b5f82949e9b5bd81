// Real frameworks, unmodified, through rhttp/register. Each app runs in a
// child process twice, once on core's http and once with rhttp/register
// preloaded, and the same requests (made with fetch, which does not use the
// http module) must get the same answers. Under register the clients (got,
// axios, supertest, http-proxy-style forwarding) are rhttp's too.

import test from 'ava';
import { createRequire } from 'node:module';
import { startApp, differential, fetchBounded, view, ROOT } from './fixtures/apps.mjs';

const require = createRequire(import.meta.url);
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const json = (body) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

// ---------------------------------------------------------------------------
// Express 5

const EXPRESS_REQUESTS = [
  ['/hello'],
  ['/json?a=1&b=two'],
  ['/echo', json({ name: 'rhttp', list: [1, 2, 3] })],
  ['/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }, 'bad json'],
  ['/users/42'],
  ['/file'],
  ['/file', { headers: { range: 'bytes=6-9' } }, 'file range'],
  ['/redirect'],
  ['/boom'],
  ['/async-boom'],
  ['/stream'],
  ['/compressed', { headers: { 'accept-encoding': 'gzip' } }],
  ['/socket'],
  ['/nowhere'],
  ['/hello', { method: 'HEAD' }],
];

test('Express 5 (-r rhttp/register): routing, json, sendFile, redirect, errors, streaming, compression', async (t) => {
  const { core, rhttp } = await differential(t, 'express-app.js', EXPRESS_REQUESTS);
  // ETag and Last-Modified of sendFile are the file's, so equal too.
  t.deepEqual(rhttp, core);
  t.is(core['GET /hello'].body, 'hello express');
  t.is(core['GET /file'].body, fs.readFileSync(path.join(ROOT, '__test__/fixtures/static.txt'), 'utf8'));
  t.is(core['file range'].status, 206);
  t.is(core['file range'].body, 'from');
  t.is(core['bad json'].status, 400);
  t.is(core['GET /redirect'].status, 302);
  t.is(core['GET /boom'].status, 500);
  t.is(core['GET /compressed'].headers['content-encoding'], 'gzip');
  t.is(core['GET /stream'].body, 'chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
});

test('Express 5 as ESM (--import rhttp/register): import from "http" and Express both get rhttp', async (t) => {
  const app = await startApp(t, 'express-app.mjs', { mode: 'import' });
  t.true(app.info.rhttp);
  const hello = await view(await fetchBounded(`${app.url}/hello`));
  t.is(hello.body, 'hello esm true');
  const echo = await view(await fetchBounded(`${app.url}/echo`, json({ esm: 1 })));
  t.deepEqual(JSON.parse(echo.body), { esm: 1 });
});

test('Express 5 under register, driven by supertest from this process (core client)', async (t) => {
  const request = require('supertest');
  const app = await startApp(t, 'express-app.js');
  const agent = request(app.url);
  await agent.get('/hello').expect(200, 'hello express').expect('x-powered', 'test');
  const echo = await agent.post('/echo').send({ a: [1, 2] }).expect(201);
  t.deepEqual(echo.body, { body: { a: [1, 2] }, type: 'application/json', length: '11' });
  await agent.get('/redirect').expect(302).expect('location', '/hello');
  await agent.get('/boom').expect(500, { error: 'sync boom' });
  const file = await agent.get('/file').expect(200);
  t.is(file.text, 'hello from a file\n');
});

test('got and axios (core client, this process) against Express under register', async (t) => {
  const app = await startApp(t, 'express-app.js');
  const { default: got } = await import('got');
  const axios = require('axios');
  t.is(await got(`${app.url}/hello`).text(), 'hello express');
  t.deepEqual(await got.post(`${app.url}/echo`, { json: { g: 1 } }).json(),
    { body: { g: 1 }, type: 'application/json', length: '7' });
  const r = await axios.post(`${app.url}/echo`, { x: 'y' }, { adapter: 'http' });
  t.is(r.status, 201);
  t.deepEqual(r.data.body, { x: 'y' });
});

// ---------------------------------------------------------------------------
// Koa 3

test('Koa 3 (-r rhttp/register): middleware, bodies, streams, errors, redirect', async (t) => {
  const { core, rhttp } = await differential(t, 'koa-app.js', [
    ['/hello'],
    ['/json?x=1'],
    ['/echo', json({ koa: true })],
    ['/stream'],
    ['/teapot'],
    ['/redirect'],
    ['/missing'],
    ['/hello', { method: 'HEAD' }],
  ]);
  t.deepEqual(rhttp, core);
  t.is(core['GET /hello'].body, 'hello koa');
  t.is(core['GET /teapot'].status, 418);
  t.is(core['GET /stream'].body, 'part 0\npart 1\npart 2\n');
});

// ---------------------------------------------------------------------------
// Fastify 5

const FASTIFY_REQUESTS = [
  ['/hello'],
  ['/json/7?q=1'],
  ['/echo', json({ fastify: 5 })],
  ['/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{broken' }, 'bad json'],
  ['/stream'],
  ['/boom'],
  ['/raw'],
  ['/nope'],
];

test('Fastify 5 with serverFactory (-r rhttp/register)', async (t) => {
  const { core, rhttp } = await differential(t, 'fastify-app.js', FASTIFY_REQUESTS, { env: { FACTORY: '1' } });
  t.deepEqual(rhttp, core);
  t.is(core['GET /hello'].body, 'hello fastify');
  t.is(core['GET /boom'].status, 503);
  t.is(core['GET /raw'].body, 'raw reply');
});

test('Fastify 5 with its own server (require("node:http") inside Fastify)', async (t) => {
  const { core, rhttp } = await differential(t, 'fastify-app.js', FASTIFY_REQUESTS);
  t.deepEqual(rhttp, core);
});

// ---------------------------------------------------------------------------
// Server-sent events: req.on('close') when the client goes away

for (const mode of ['core', 'require']) {
  test(`SSE [${mode === 'core' ? 'node:http' : 'rhttp/register'}]: req 'close' fires when the client aborts`, async (t) => {
    const app = await startApp(t, 'sse-app.js', { mode });
    t.is(app.info.rhttp, mode !== 'core');
    const ac = new AbortController();
    const res = await fetchBounded(`${app.url}/events`, { signal: ac.signal });
    t.is(res.status, 200);
    t.is(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body.getReader();
    let text = '';
    while ((text.match(/\n\n/g) || []).length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    t.true(text.startsWith('id: 0\ndata: tick 0\n\nid: 1\ndata: tick 1\n\n'));
    ac.abort();
    const closed = await app.waitLine((l) => l.event === 'req close', 3000, "req 'close'");
    t.true(closed.sent >= 3);
    // As core: the connection is gone, so the response is closed too.
    t.like(closed, { aborted: true, resClosed: true, destroyed: true });
    const resClose = await app.waitLine((l) => l.event === 'res close', 3000, "res 'close'");
    t.false(resClose.finished);
  });
}

// ---------------------------------------------------------------------------
// http-proxy-style forwarding

async function proxyRoundTrip(t, app) {
  const body = crypto.randomBytes(1024 * 1024 + 7);
  const res = await fetchBounded(`${app.url}/upload?x=1`, { method: 'PUT', body, headers: { 'x-test': '1' } });
  const seen = await view(res);
  t.is(seen.status, 200);
  t.is(seen.headers['x-upstream'], 'yes');
  t.deepEqual(JSON.parse(seen.body), {
    method: 'PUT',
    url: '/upload?x=1',
    received: body.length,
    sha256: crypto.createHash('sha256').update(body).digest('hex'),
    via: '1.1 test-proxy',
  });
}

test('proxy under register: req.pipe(proxyReq) to an upstream, with a core client', async (t) => {
  const app = await startApp(t, 'proxy-app.js', { env: { CLIENT: 'core' } });
  t.true(app.info.rhttp);
  await proxyRoundTrip(t, app);
});

test('proxy under register: req.pipe(proxyReq) with require("http").request (rhttp client)', async (t) => {
  const app = await startApp(t, 'proxy-app.js');
  t.true(app.info.rhttp);
  await proxyRoundTrip(t, app);
});

// ---------------------------------------------------------------------------
// ws and a CONNECT tunnel with both ends on rhttp (server and client)

test('ws (both ends) and a CONNECT tunnel through register; the process exits by itself', async (t) => {
  const run = async (mode) => {
    const app = await startApp(t, 'ws-app.js', { mode });
    const line = await app.waitLine((l) => 'result' in l, 20000, 'result');
    const exit = await Promise.race([app.exited, new Promise((resolve) => setTimeout(resolve, 3000, 'still running'))]);
    return { rhttp: app.info.rhttp, result: line.result, exit };
  };
  const [core, reg] = await Promise.all([run('core'), run('require')]);
  t.deepEqual(core, {
    rhttp: false,
    result: {
      ws: { small: 10000, inOrder: true, bigEqual: true, closeCode: 1000 },
      connect: { status: 200, echoed: true },
    },
    exit: { code: 0, signal: null },
  });
  t.deepEqual(reg, { ...core, rhttp: true });
});

// ---------------------------------------------------------------------------
// Clients through register: both ends rhttp

for (const client of ['supertest', 'got', 'axios']) {
  test(`${client} through register against an rhttp server in the same process`, async (t) => {
    const app = await startApp(t, 'clients-app.js', { args: [client] });
    t.true(app.info.rhttp);
    const line = await app.waitLine((l) => 'result' in l || 'error' in l, 8000, 'result');
    t.is(line.error, undefined);
    t.deepEqual(line.result, ['hello clients', { echoed: { x: 1 } }]);
    t.true(line.rhttpRequests >= 2, 'the requests went through rhttp\'s ClientRequest');
  });
}
