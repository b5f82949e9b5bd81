// AsyncLocalStorage across a request's callbacks. rhttp delivers the events
// of many connections in one native callback; each connection's events must
// still run in that connection's own async context, as core's parser
// resource (HTTPINCOMINGMESSAGE) gives them.

import test from 'ava';
import { createRequire } from 'node:module';
import { same, get, delay, withTimeout } from './helpers/diff.mjs';

const require = createRequire(import.meta.url);
const { AsyncLocalStorage } = require('node:async_hooks');

/** Per-request observations, keyed by URL: the order within one request is
 * core's, while the interleaving of concurrent connections is the network's. */
function perRequest(entries) {
  const out = {};
  for (const [url, what, store] of entries) (out[url] ??= []).push([what, store ?? null]);
  return out;
}

/** Three concurrent POSTs whose bodies arrive in two packets each. */
async function threeUploads(ctx, port) {
  const clients = ['/a', '/b', '/c'].map((url) => {
    const c = ctx.connect(port);
    c.url = url;
    return c;
  });
  await Promise.all(clients.map((c) => c.connected));
  for (const c of clients) {
    c.write(get(c.url, { 'Content-Length': 8, Connection: 'close' }, { method: 'POST' }));
  }
  await delay(50);
  for (const c of clients) c.write('1234');
  await delay(50);
  for (const c of clients) c.write('5678');
  await Promise.all(clients.map((c) => c.waitClose()));
}

function recordRequest(als, log, req, res) {
  const url = req.url;
  req.on('data', (d) => log.push([url, `data ${d}`, als.getStore()]));
  req.on('end', () => {
    log.push([url, 'end', als.getStore()]);
    setTimeout(() => {
      log.push([url, 'timer after end', als.getStore()]);
      res.end('ok');
    }, 5);
  });
  req.on('close', () => log.push([url, 'req close', als.getStore()]));
  res.on('finish', () => log.push([url, 'finish', als.getStore()]));
  res.on('close', () => log.push([url, 'res close', als.getStore()]));
}

test('enterWith() in a handler: its request\'s data, end, finish and close callbacks see the store', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const als = new AsyncLocalStorage();
    const log = [];
    const server = ctx.server((req, res) => {
      // Nothing leaks in from another connection's handler.
      log.push([req.url, 'handler', als.getStore()]);
      als.enterWith(`store${req.url}`);
      recordRequest(als, log, req, res);
    });
    const port = await ctx.listen(server);
    await threeUploads(ctx, port);
    await delay(20);
    return perRequest(log);
  });
  t.deepEqual(node.result['/b'], [
    ['handler', null],
    ['data 1234', 'store/b'],
    ['data 5678', 'store/b'],
    ['end', 'store/b'],
    ['req close', 'store/b'],
    ['timer after end', 'store/b'],
    ['finish', 'store/b'],
    ['res close', 'store/b'],
  ]);
});

test('run() around a handler: the store is scoped to the call, as in core', async (t) => {
  await same(t, async (http, ctx) => {
    const als = new AsyncLocalStorage();
    const log = [];
    const server = ctx.server((req, res) => {
      als.run(`store${req.url}`, () => {
        log.push([req.url, 'handler', als.getStore()]);
        process.nextTick(() => log.push([req.url, 'tick', als.getStore()]));
        recordRequest(als, log, req, res);
      });
      log.push([req.url, 'after run', als.getStore()]);
    });
    const port = await ctx.listen(server);
    await threeUploads(ctx, port);
    await delay(20);
    return perRequest(log);
  });
});

test('a store around createServer/listen reaches connections and handlers', async (t) => {
  await same(t, async (http, ctx) => {
    const als = new AsyncLocalStorage();
    const log = [];
    const port = await als.run('outer', async () => {
      const server = ctx.server((req, res) => {
        log.push(['handler', als.getStore()]);
        req.on('end', () => log.push(['end', als.getStore()]));
        req.resume();
        res.end('ok', () => log.push(['end callback', als.getStore()]));
      });
      server.on('connection', () => log.push(['connection', als.getStore()]));
      return ctx.listen(server);
    });
    await als.run('client', () => ctx.raw(port, get('/', { Connection: 'close' })));
    await withTimeout(new Promise((resolve) => {
      const poll = setInterval(() => { if (log.length >= 4) { clearInterval(poll); resolve(); } }, 5);
    }), 2000, 'callbacks');
    return log;
  });
});

test('keep-alive: a store entered for one request is seen by the next on the same connection, as in core', async (t) => {
  await same(t, async (http, ctx) => {
    const als = new AsyncLocalStorage();
    const log = [];
    const server = ctx.server((req, res) => {
      log.push([req.url, 'handler', als.getStore() ?? null]);
      als.enterWith(req.url);
      res.end('ok');
    });
    const port = await ctx.listen(server);
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/first'));
    await c.waitResponses(1);
    c.write(get('/second', { Connection: 'close' }));
    await c.waitClose();
    return log;
  });
});
