// Differential tests for client errors: connection failures (ECONNREFUSED,
// ENOTFOUND, ENOENT), the server hanging up or resetting before or during the
// response, timeouts, and the synchronous argument / header validation
// errors. Errors are compared with core's shape: class, name, code, errno,
// syscall, address, port, message.

import anyTest from 'ava';
import { createRequire } from 'node:module';
import {
  same, delay, HOST, scripted, respond, ok, record, reqState,
  agent, poolView, tryCall, errView, until, onceOr, closedPort, scrub, nodeHttp, rhttp, RHTTP_PATH,
} from './helpers/client-diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');
const dns = require('node:dns');

const test = anyTest.serial;

// ---------------------------------------------------------------------------
// Connection failures

test('ECONNREFUSED: error shape and event order', async (t) => {
  await same(t, async (http, ctx) => {
    const port = await closedPort();
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port, agent: a });
    const r = record(req, ctx.log, { subst: { [port]: '<PORT>' } });
    req.end();
    await r.closed();
    await delay(10);
    return { state: reqState(req), pool: poolView(a) };
  });
});

test('ECONNREFUSED with agent: false and with the global agent', async (t) => {
  await same(t, async (http, ctx) => {
    const port = await closedPort();
    for (const agentOpt of [false, undefined]) {
      const req = http.request({ host: HOST, port, agent: agentOpt });
      const r = record(req, ctx.log, { label: String(agentOpt), subst: { [port]: '<PORT>' } });
      req.end();
      await r.closed();
    }
  });
});

test('ECONNREFUSED via a URL with "localhost" (family 4)', async (t) => {
  await same(t, async (http, ctx) => {
    const port = await closedPort();
    const req = http.get(`http://localhost:${port}/`, { family: 4, agent: false });
    const r = record(req, ctx.log, { subst: { [port]: '<PORT>' } });
    await r.closed();
  });
});

test('ENOENT: socketPath that does not exist', async (t) => {
  await same(t, async (http, ctx) => {
    const path = ctx.socketPath();
    const req = http.request({ socketPath: path, agent: false });
    const r = record(req, ctx.log, { subst: { [path]: '<PATH>' } });
    req.end();
    await r.closed();
  });
});

test('ENOTFOUND: custom lookup failing like dns does', async (t) => {
  await same(t, async (http, ctx) => {
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({
      host: 'no.such.host', port: 80, agent: a,
      lookup(hostname, options, cb) {
        const err = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        err.errno = -3008;
        err.code = 'ENOTFOUND';
        err.syscall = 'getaddrinfo';
        err.hostname = hostname;
        process.nextTick(cb, err);
      },
    });
    const r = record(req, ctx.log);
    req.on('error', (e) => ctx.log.push(['hostname', e.hostname]));
    req.end();
    await r.closed();
    await delay(10);
    return { pool: poolView(a), state: reqState(req) };
  });
});

test('ENOTFOUND: a .invalid hostname through the real resolver', async (t) => {
  await same(t, async (http, ctx) => {
    const req = http.get({ host: 'rhttp-test.invalid', port: 80, agent: false });
    const r = record(req, ctx.log);
    req.on('error', (e) => ctx.log.push(['hostname', e.hostname]));
    await r.closed(5000);
  }, { timeout: 15000 });
});

test('lookup returning an invalid address / family', async (t) => {
  await same(t, async (http, ctx) => {
    for (const [i, answer] of [['not-an-ip', 4], ['127.0.0.1', 5]].entries()) {
      const req = http.get({
        host: 'x.example', port: 80, agent: false, family: 4,
        lookup: (h, o, cb) => cb(null, ...answer),
      });
      const r = record(req, ctx.log, { label: `r${i}` });
      await r.closed();
    }
  });
});

// ---------------------------------------------------------------------------
// The server hangs up

test('server destroys before responding: ECONNRESET socket hang up', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => { await conn.waitRequests(1); conn.destroy(); });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await delay(10);
    return { state: reqState(req), pool: poolView(a) };
  });
});

test('server ends (FIN) before responding: socket hang up', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => { await conn.waitRequests(1); conn.end(); });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await srv.settle(1000);
    return { state: reqState(req), pool: poolView(a), conns: srv.snapshot() };
  });
});

test('server resets (RST) before responding: read ECONNRESET', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => { await conn.waitRequests(1); conn.reset(); });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    return reqState(req);
  });
});

test('server resets right after accepting, while the client is still writing a body', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => { await conn.waitFor('\r\n\r\n'); conn.reset(); });
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'POST' });
    const r = record(req, ctx.log);
    req.flushHeaders();
    await until(() => srv.conns.length === 1 && srv.conns[0].closed, 2000);
    await delay(50);
    req.write('more', (err) => ctx.log.push(['writeCb', errView(err)?.code]));
    req.end();
    await r.closed();
    return reqState(req);
  });
});

test('server closes in the middle of the head', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond([['HTTP/1.1 200 OK\r\nContent-Le', 20, 'END']]));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    return reqState(req);
  });
});

for (const [name, pieces] of [
  ['Content-Length body cut by FIN', ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', 30, 'END']],
  ['Content-Length body cut by RST', ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', 30, 'RESET']],
  ['chunked body cut by FIN', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n', 30, 'END']],
  ['chunked body cut by RST', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n', 30, 'RESET']],
  ['chunked body cut inside a chunk', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\npart', 30, 'END']],
  ['close-delimited body cut by RST', ['HTTP/1.1 200 OK\r\n\r\npartial', 30, 'RESET']],
]) {
  test(`mid-body: ${name}: res aborted / error / close sequence`, async (t) => {
    await same(t, async (http, ctx) => {
      const srv = await scripted(ctx, respond([pieces]));
      const a = agent(http, ctx, { keepAlive: true });
      const req = http.request({ host: HOST, port: srv.port, agent: a });
      const r = record(req, ctx.log);
      req.end();
      await r.closed();
      await delay(20);
      const res = r.res;
      return {
        state: reqState(req),
        res: res && { aborted: res.aborted, complete: res.complete, destroyed: res.destroyed, readableEnded: res.readableEnded },
        pool: poolView(a),
      };
    });
  });
}

test('mid-body cut with the response not being read', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond([['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', 30, 'END']]));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log, { read: false });
    req.end();
    await r.reqClosed();
    await delay(50);
    const res = r.res;
    return { state: reqState(req), res: res && { aborted: res.aborted, complete: res.complete, destroyed: res.destroyed } };
  });
});

test('socket hang up after a 100 Continue but before the final response', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond([['HTTP/1.1 100 Continue\r\n\r\n', 20, 'END']]));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    return reqState(req);
  });
});

// ---------------------------------------------------------------------------
// Timeouts

test('timeout option: only a timeout event, no error until destroy', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, () => {});
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, timeout: 100 });
    const r = record(req, ctx.log);
    req.end();
    await onceOr(req, 'timeout', 2000);
    await delay(150);
    ctx.log.push(['afterTimeout', reqState(req)]);
    req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' }));
    await r.closed();
    return reqState(req);
  });
});

test('timeout on a connection that never connects (blackhole) is bounded by destroy', async (t) => {
  await same(t, async (http, ctx) => {
    // A listening socket with a backlog the test never accepts from still
    // completes the TCP handshake, so use a lookup that never answers.
    const req = http.request({ host: 'never.example', port: 80, agent: false, timeout: 100, lookup: () => {} });
    const r = record(req, ctx.log);
    req.on('timeout', () => req.destroy());
    req.end();
    await r.closed();
    return reqState(req);
  });
});

// ---------------------------------------------------------------------------
// Synchronous validation

function syncCases(http, port) {
  const base = { host: HOST, port, agent: false };
  const cases = {
    'invalid path (space)': { ...base, path: '/a b' },
    'invalid path (tab)': { ...base, path: '/a\tb' },
    'invalid path (non-latin1)': { ...base, path: '/\u0100' },
    'path with latin1 is allowed': { ...base, path: '/\u00ff' },
    'invalid method token': { ...base, method: 'GE T' },
    'method not a string': { ...base, method: 42 },
    'empty method defaults to GET': { ...base, method: '' },
    'invalid header name': { ...base, headers: { 'bad name': 'x' } },
    'invalid header value (CR LF)': { ...base, headers: { 'X-A': 'a\r\nb' } },
    'header value undefined': { ...base, headers: { 'X-A': undefined } },
    'invalid header in array form': { ...base, headers: ['bad name', 'x'] },
    'invalid header value in array form': { ...base, headers: ['X-A', 'a\nb'] },
    'https: protocol': { ...base, protocol: 'https:' },
    'ftp: protocol': { ...base, protocol: 'ftp:' },
    'hostname not a string': { ...base, hostname: 42 },
    'host not a string': { port, host: {}, agent: false },
    'agent of the wrong type': { ...base, agent: 'yes' },
    'agent null': { ...base, agent: null },
    'maxHeaderSize negative': { ...base, maxHeaderSize: -1 },
    'maxHeaderSize not a number': { ...base, maxHeaderSize: '1' },
    'insecureHTTPParser not a boolean': { ...base, insecureHTTPParser: 1 },
    'joinDuplicateHeaders not a boolean': { ...base, joinDuplicateHeaders: 'yes' },
    'timeout not a number': { ...base, timeout: '10' },
    'timeout negative': { ...base, timeout: -5 },
    'signal not a signal': { ...base, signal: {} },
    'port out of range': { host: HOST, port: 70000, agent: false },
    'port negative': { host: HOST, port: -1, agent: false },
    'localAddress not an IP': { ...base, localAddress: 'not-ip' },
    'uniqueHeaders not an array': { ...base, uniqueHeaders: 'x' },
  };
  return cases;
}

// The cases run in a child process: besides the error thrown, whether the
// process still exits by itself afterwards is part of the observation (a
// request that threw must not leave anything behind keeping the loop alive).
async function syncInChild(http, ctx, cases, port) {
  const path = http === nodeHttp ? 'node:http' : RHTTP_PATH;
  const r = await ctx.spawnNode(`
    const http = require(${JSON.stringify(path)});
    const cases = ${JSON.stringify(cases)};
    const out = {};
    for (const [name, opts] of Object.entries(cases)) {
      const events = [];
      try {
        const req = http.request(opts);
        for (const ev of ['error', 'close', 'response']) {
          req.on(ev, (x) => {
            events.push(ev === 'error' ? x.code : ev);
            if (ev === 'response') x.resume();
          });
        }
        req.end();
        out[name] = { returned: 'object', events };
      } catch (e) {
        out[name] = { threw: { class: e.constructor.name, name: e.name, code: e.code, message: e.message }, events };
      }
    }
    setTimeout(() => console.log(JSON.stringify(out).split(String(${port})).join('<PORT>')), 300);
  `, { ms: 4000 });
  let result;
  try { result = JSON.parse(r.stdout); } catch { result = r.stdout; }
  return { result, exitCode: r.code, timedOut: r.timedOut, stderr: r.stderr };
}

test('synchronous option errors thrown by request(); the process still exits', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => ok()));
    return syncInChild(http, ctx, syncCases(http, srv.port), srv.port);
  });
});

test('lookup that is not a function throws; the process still exits', async (t) => {
  await same(t, async (http, ctx) => {
    return syncInChild(http, ctx, {
      'agent false': { host: 'x.example', port: 80, agent: false, lookup: 42 },
      'global agent': { host: 'x.example', port: 80, lookup: 'no' },
    }, 80);
  });
});

test('invalid URL strings', async (t) => {
  await same(t, async (http, ctx) => {
    return ['not a url', 'http://', '', 'https://127.0.0.1/', 'file:///etc/passwd']
      .map((u) => tryCall(() => { const r = http.request(u); r.on('error', () => {}); r.destroy(); }));
  });
});

test('setHeader / write argument errors on a ClientRequest', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => ok()));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'POST' });
    const r = record(req, ctx.log);
    const out = {
      badName: tryCall(() => req.setHeader('bad name', 'x')),
      badValue: tryCall(() => req.setHeader('X-A', 'a\u0000b')),
      undefValue: tryCall(() => req.setHeader('X-A', undefined)),
      emptyName: tryCall(() => req.setHeader('', 'x')),
      getNonString: tryCall(() => req.getHeader(1)),
      removeNonString: tryCall(() => req.removeHeader(1)),
      writeNumber: tryCall(() => req.write(1)),
      writeNull: tryCall(() => req.write(null)),
      writeObject: tryCall(() => req.write({})),
      setTimeoutBad: tryCall(() => req.setTimeout('x')),
    };
    req.end();
    await r.closed();
    return out;
  });
});

test('ERR_HTTP_HEADERS_SENT from setHeader after the head went out', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => ok()));
    const a = agent(http, ctx, { keepAlive: true });
    const req = http.request({ host: HOST, port: srv.port, agent: a, method: 'POST' });
    const r = record(req, ctx.log);
    req.write('x');
    const out = { set: tryCall(() => req.setHeader('A', '1')), remove: tryCall(() => req.removeHeader('Host')) };
    req.end();
    await r.closed();
    return out;
  });
});

test('createConnection throwing / calling back with an error', async (t) => {
  await same(t, async (http, ctx) => {
    const thrower = http.request({ host: HOST, port: 1, createConnection() { throw new Error('cc threw'); } });
    const r1 = record(thrower, ctx.log, { label: 'throw' });
    thrower.end();
    await r1.closed(300); // core emits no 'close' here
    const cbErr = http.request({ host: HOST, port: 1, createConnection(opts, cb) { setImmediate(cb, new Error('cc cb error')); } });
    const r2 = record(cbErr, ctx.log, { label: 'cb' });
    cbErr.end();
    await r2.closed(300);
    return [reqState(thrower), reqState(cbErr)];
  });
});

test('error after the response completed is not emitted on the request', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond([[ok('done'), 30, 'RESET']]));
    const a = agent(http, ctx, { keepAlive: false, maxSockets: 1 });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await delay(100);
    return reqState(req);
  });
});

test('no error listener: an ECONNREFUSED error is thrown as uncaught (child process)', async (t) => {
  await same(t, async (http, ctx) => {
    const port = await closedPort();
    const path = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const r = await ctx.spawnNode(`
      const http = require(${JSON.stringify(path)});
      process.on('uncaughtException', (e) => { console.log('uncaught', e.code, e.syscall, e.message.replace(/\\d{2,5}$/, 'PORT')); process.exit(3); });
      http.get({ host: '127.0.0.1', port: ${port}, agent: false });
    `, { ms: 4000 });
    return { stdout: r.stdout, code: r.code, timedOut: r.timedOut };
  });
});

// Node 20 asks the lookup for all addresses (autoSelectFamily); one that
// answers (err, address, family) anyway gives ERR_INVALID_IP_ADDRESS on
// the request, as net reads the string as a list. A lookup giving a list
// with duplicates and a bad entry connects to the first valid address.
for (const [name, answer] of [
  ['a single address', (cb) => cb(null, '127.0.0.1', 4)],
  ['a single address, later', (cb) => setImmediate(cb, null, '127.0.0.1', 4)],
  ['a list with a bad entry and a duplicate', (cb) => cb(null, [
    { address: 'nope', family: 4 }, { address: '127.0.0.1', family: 4 }, { address: '127.0.0.1', family: 4 },
  ])],
]) {
  test(`custom lookup answering ${name}: events as core`, async (t) => {
    const run = async (http) => {
      const target = http.createServer((req, res) => res.end('ok'));
      await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
      const log = [];
      await new Promise((resolve) => {
        const req = http.get({
          host: 'example.invalid', port: target.address().port, agent: false,
          lookup: (host, opts, cb) => { log.push(['lookup all', !!opts.all]); answer(cb); },
        }, (res) => {
          log.push(['response', res.statusCode]);
          res.resume();
        });
        req.on('socket', (s) => s.on('lookup', (err, address, family) => log.push(['lookup event', address, family])));
        req.on('error', (e) => log.push(['error', e.name, e.code, e.message]));
        req.on('close', () => { log.push('close'); resolve(); });
      });
      await new Promise((resolve) => target.close(resolve));
      return log;
    };
    t.deepEqual(await run(rhttp), await run(nodeHttp));
  });
}

// A localAddress the socket cannot bind: net binds in internalConnect and
// destroys the socket at once with a `bind` error (the target's family
// decides bind or bind6: an address of the other family is EINVAL).
for (const localAddress of ['10.255.255.1', '::1']) {
  test(`localAddress ${localAddress} that cannot be bound: a bind error, as core's`, async (t) => {
    const run = async (http) => {
      const target = http.createServer((req, res) => res.end('ok'));
      await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
      const log = [];
      await new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: target.address().port, agent: false, localAddress });
        req.on('socket', (s) => log.push(['socket', s.connecting]));
        req.on('error', (e) => log.push(['error', e.code, e.syscall, e.address, e.port, e.message]));
        req.on('close', () => { log.push('close'); resolve(); });
      });
      await new Promise((resolve) => target.close(resolve));
      return log;
    };
    t.deepEqual(await run(rhttp), await run(nodeHttp));
  });
}

// A write made while connecting waits for 'connect'; a 'connect' listener
// added first destroys the request, so the write then finds the handle
// gone: net's _writeGeneric calls it back with ERR_SOCKET_CLOSED.
test('a write held for connect, the request destroyed at connect: ERR_SOCKET_CLOSED, as core', async (t) => {
  const run = async (http) => {
    const target = net.createServer((s) => s.resume());
    await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
    const log = [];
    await new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: target.address().port, method: 'POST', agent: false });
      req.write('abc', (e) => log.push(['write cb', e ? e.code : null]));
      req.on('socket', (s) => s.on('connect', () => { log.push('connect'); req.destroy(); }));
      req.on('error', (e) => log.push(['error', e.code, e.message]));
      req.on('close', () => { log.push('close'); resolve(); });
    });
    await new Promise((resolve) => target.close(resolve));
    return log;
  };
  t.deepEqual(await run(rhttp), await run(nodeHttp));
});
