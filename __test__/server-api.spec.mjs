// Differential tests for the module surface, http.Server construction and
// options, every form of listen(), server-level methods and server events.
// Each scenario runs against node:http and rhttp; the recordings must match.

import test from 'ava';
import { sameInChild } from './helpers/child-scenario.mjs';
import { createRequire } from 'node:module';
import {
  nodeHttp, rhttp, RHTTP_PATH, HOST, same, delay, tick, once, attempt,
  describeError, get, withTimeout,
} from './helpers/diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');
const fs = require('node:fs');

/** A server from the implementation under test, listening on 127.0.0.1:0. */
async function serve(ctx, optsOrHandler, handler) {
  const server = handler === undefined ? ctx.server(optsOrHandler) : ctx.server(optsOrHandler, handler);
  const port = await ctx.listen(server);
  return { server, port };
}

/** Public (non-underscore) own properties and their values. */
function publicProps(obj) {
  const out = {};
  for (const k of Object.keys(obj).sort()) {
    if (k.startsWith('_')) continue;
    const v = obj[k];
    out[k] = typeof v === 'function' ? 'function' : v;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Module surface

test('module exports the same names as node:http', (t) => {
  t.deepEqual(Object.keys(rhttp).sort(), Object.keys(nodeHttp).sort());
});

test('METHODS, STATUS_CODES and maxHeaderSize equal core', (t) => {
  t.deepEqual(rhttp.METHODS, nodeHttp.METHODS);
  t.deepEqual(rhttp.STATUS_CODES, nodeHttp.STATUS_CODES);
  t.is(rhttp.maxHeaderSize, nodeHttp.maxHeaderSize);
});

test('exported classes have the same type and prototype chain shape', (t) => {
  const shape = (http) => ({
    Server: [typeof http.Server, http.Server.length, Object.getPrototypeOf(http.Server.prototype) === net.Server.prototype],
    IncomingMessage: [typeof http.IncomingMessage, http.IncomingMessage.length,
      Object.getPrototypeOf(http.IncomingMessage.prototype) === require('node:stream').Readable.prototype],
    ServerResponse: [typeof http.ServerResponse, http.ServerResponse.length,
      Object.getPrototypeOf(http.ServerResponse.prototype) === http.OutgoingMessage.prototype],
    OutgoingMessage: [typeof http.OutgoingMessage,
      Object.getPrototypeOf(http.OutgoingMessage.prototype) === require('node:stream').Stream.prototype],
    createServer: [typeof http.createServer, http.createServer.length],
  });
  t.deepEqual(shape(rhttp), shape(nodeHttp));
});

test('validateHeaderName and validateHeaderValue throw the same errors', (t) => {
  const names = ['x-ok', 'Content-Type', '', 'bad name', 'bad:name', 'ünï', undefined, 42, 'x\r\n', '!#$%&\'*+-.^_`|~'];
  const values = ['ok', '', 'a\tb', 'a\r\nb', 'a\nb', 'a\0b', '\u0100', undefined, 42, ['a', 'b'], ['a', 'b\n']];
  const run = (http) => ({
    names: names.map((n) => attempt(() => http.validateHeaderName(n))),
    values: values.map((v) => attempt(() => http.validateHeaderValue('x-h', v))),
  });
  t.deepEqual(run(rhttp), run(nodeHttp));
});

test('setMaxIdleHTTPParsers validates its argument like core', (t) => {
  const run = (http) => [5, 0, -1, 'x', 1.5].map((v) => attempt(() => http.setMaxIdleHTTPParsers(v)));
  t.deepEqual(run(rhttp), run(nodeHttp));
});

// ---------------------------------------------------------------------------
// createServer / new Server

test('createServer and Server forms: instances, listeners, default properties', async (t) => {
  await same(t, (http) => {
    const listener = () => {};
    const forms = {
      none: http.createServer(),
      listener: http.createServer(listener),
      optsListener: http.createServer({}, listener),
      nullOpts: http.createServer(null, listener),
      newServer: new http.Server(listener),
      callServer: http.Server(listener),
    };
    const out = {};
    for (const [name, s] of Object.entries(forms)) {
      out[name] = {
        isServer: s instanceof http.Server,
        isNetServer: s instanceof net.Server,
        requestListeners: s.listenerCount('request'),
        hasOurListener: s.listeners('request').includes(listener),
        listening: s.listening,
        address: s.address(),
        props: publicProps(s),
      };
    }
    return out;
  });
});

test('createServer stores every option core knows', async (t) => {
  await same(t, (http) => {
    const s = http.createServer({
      maxHeaderSize: 2048,
      insecureHTTPParser: false,
      requestTimeout: 10_000,
      headersTimeout: 5_000,
      keepAliveTimeout: 1234,
      connectionsCheckingInterval: 500,
      requireHostHeader: false,
      joinDuplicateHeaders: true,
      rejectNonStandardBodyWrites: true,
      noDelay: false,
      keepAlive: true,
      keepAliveInitialDelay: 1000,
      highWaterMark: 1024,
      uniqueHeaders: ['x-a'],
    });
    return publicProps(s);
  });
});

test('createServer rejects invalid options with the same errors', async (t) => {
  await same(t, (http) => {
    const bad = [
      'string',
      42,
      { maxHeaderSize: -1 },
      { maxHeaderSize: 'big' },
      { insecureHTTPParser: 'yes' },
      { requestTimeout: -5 },
      { headersTimeout: 1.5 },
      { requestTimeout: 1000, headersTimeout: 2000 },
      { keepAliveTimeout: 'x' },
      { connectionsCheckingInterval: -1 },
      { requireHostHeader: 1 },
      { joinDuplicateHeaders: 'true' },
      { rejectNonStandardBodyWrites: null },
      { uniqueHeaders: 'x-a' },
      { highWaterMark: -1 },
    ];
    return bad.map((o) => attempt(() => http.createServer(o)));
  });
});

test('IncomingMessage and ServerResponse options: the subclasses serve each request', async (t) => {
  const node = await same(t, async (http, ctx) => {
    class MyReq extends http.IncomingMessage {
      constructor(...args) { super(...args); this.tag = 'req'; }
      hello() { return `hello ${this.url}`; }
    }
    class MyRes extends http.ServerResponse {
      constructor(...args) { super(...args); this.tag = 'res'; }
      send(body) { this.setHeader('X-Sent', 'yes'); this.end(body); }
    }
    const { port } = await serve(ctx, { IncomingMessage: MyReq, ServerResponse: MyRes }, (req, res) => {
      ctx.push({
        reqIsMine: req instanceof MyReq,
        resIsMine: res instanceof MyRes,
        reqIsIncoming: req instanceof http.IncomingMessage,
        resIsServerResponse: res instanceof http.ServerResponse,
        tags: [req.tag, res.tag],
        ctorArgs: [MyReq.length, MyRes.length],
      });
      res.send(req.hello());
    });
    return ctx.raw(port, get('/sub', { Connection: 'close' }));
  });
  t.true(node.log[0].reqIsMine);
});

test('maxHeaderSize option: an oversize head gets clientError HPE_HEADER_OVERFLOW and 431', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, { maxHeaderSize: 256 }, (req, res) => res.end('handled'));
    server.on('clientError', (err, socket) => {
      ctx.push({ err: describeError(err), socketIsNet: socket instanceof net.Socket, writable: socket.writable });
      socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
    });
    const small = await ctx.raw(port, get('/', { 'X-Fill': 'a'.repeat(100), Connection: 'close' }));
    const big = await ctx.raw(port, get('/', { 'X-Fill': 'a'.repeat(400) }));
    return { small, big };
  });
  t.is(node.log[0].err.code, 'HPE_HEADER_OVERFLOW');
});

test('maxHeaderSize option without clientError listener: core default 431 response', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, { maxHeaderSize: 256 }, (req, res) => res.end('handled'));
    return ctx.raw(port, get('/', { 'X-Fill': 'a'.repeat(400) }));
  });
  t.regex(node.result.data, /^HTTP\/1\.1 431 /);
});

test.serial('headersTimeout: a head that never completes gets 408 and the connection closes', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, {
      headersTimeout: 200, requestTimeout: 400, connectionsCheckingInterval: 50,
    }, (req, res) => { ctx.push('request'); res.end(); });
    server.on('clientError', (err, socket) => {
      ctx.push({ clientError: describeError(err) });
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    });
    const started = Date.now();
    const r = await ctx.raw(port, ['GET / HTTP/1.1\r\nHost: a\r\n'], { ms: 3000 });
    return { ...r, inTime: Date.now() - started < 1500 };
  });
  t.true(node.result.closed);
  t.is(node.log[0].clientError.code, 'ERR_HTTP_REQUEST_TIMEOUT');
});

test.serial('requestTimeout: a body that never completes gets the default 408 response', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, {
      headersTimeout: 100, requestTimeout: 300, connectionsCheckingInterval: 50,
    }, (req, res) => {
      ctx.push('request');
      req.on('data', () => {});
      req.on('end', () => res.end('done'));
    });
    const r = await ctx.raw(port, [get('/', { 'Content-Length': 10 }, { method: 'POST', body: 'abc' })], { ms: 3000 });
    return r;
  });
  t.regex(node.result.data, /^HTTP\/1\.1 408 /);
});

test('noDelay and keepAlive options: requests are still served the same', async (t) => {
  await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, { noDelay: false, keepAlive: true, keepAliveInitialDelay: 500 },
      (req, res) => res.end('ok'));
    return { props: { noDelay: server.noDelay, keepAlive: server.keepAlive, keepAliveInitialDelay: server.keepAliveInitialDelay },
      raw: await ctx.raw(port, get('/', { Connection: 'close' })) };
  });
});

test('joinDuplicateHeaders option joins every duplicate with ", "', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, { joinDuplicateHeaders: true }, (req, res) => {
      ctx.push({ headers: req.headers, distinct: req.headersDistinct });
      res.end();
    });
    await ctx.raw(port, get('/', {
      'Content-Type': ['text/a', 'text/b'],
      'User-Agent': ['ua1', 'ua2'],
      'X-Custom': ['1', '2'],
      'Set-Cookie': ['a=1', 'b=2'],
      Cookie: ['c=1', 'd=2'],
      Connection: 'close',
    }));
  });
  t.is(node.log[0].headers['content-type'], 'text/a, text/b');
});

test('highWaterMark option reaches the request, the response and the socket', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, { highWaterMark: 1234 }, (req, res) => {
      ctx.push({
        req: req.readableHighWaterMark,
        res: res.writableHighWaterMark,
        sockR: req.socket.readableHighWaterMark,
        sockW: req.socket.writableHighWaterMark,
      });
      res.end();
    });
    await ctx.raw(port, get('/', { Connection: 'close' }));
  });
});

// rhttp leaves the options out of its sockets and requests when the
// highWaterMark is the default one (cheaper in V8); the default can change.
test('highWaterMark: the default one, and one set with stream.setDefaultHighWaterMark, reach the request, the response and both sockets', async (t) => {
  const lines = await sameInChild(t, `
    const stream = require('node:stream');
    const observe = async (label) => {
      let server;
      const seen = new Promise((resolve) => {
        server = http.createServer((req, res) => {
          resolve([req.readableHighWaterMark, res.writableHighWaterMark, req.socket.readableHighWaterMark,
            req.socket.writableHighWaterMark, req.socket.allowHalfOpen]);
          res.end('x');
        });
      });
      const port = await listen(server);
      const client = await new Promise((resolve) => {
        http.get({ port, host: '127.0.0.1', agent: false }, (res) => {
          resolve([res.readableHighWaterMark, res.socket.readableHighWaterMark, res.socket.writableHighWaterMark,
            res.socket.allowHalfOpen]);
          res.resume();
        });
      });
      log(label, await seen, client);
      server.close();
    };
    await observe('default');
    stream.setDefaultHighWaterMark(false, 5000);
    await observe('5000');
  `);
  t.deepEqual(lines, [
    ['default', [16384, 16384, 16384, 16384, true], [16384, 16384, 16384, false]],
    ['5000', [5000, 5000, 5000, 5000, true], [5000, 5000, 5000, false]],
  ]);
});

test('uniqueHeaders option: listed headers are joined on the wire, others repeated', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, { uniqueHeaders: ['X-Unique', 'x-also'] }, (req, res) => {
      res.setHeader('X-Unique', ['a', 'b']);
      res.setHeader('X-Also', ['c', 'd']);
      res.setHeader('X-Multi', ['e', 'f']);
      res.end('body');
    });
    return ctx.raw(port, get('/', { Connection: 'close' }));
  });
  t.true(node.result.data.includes('X-Unique: a; b\r\n'));
});

// ---------------------------------------------------------------------------
// listen()

test('listen(port, host, backlog, cb): callback, this, address, listening', async (t) => {
  await same(t, async (http, ctx) => {
    const s = ctx.track(http.createServer((req, res) => res.end('hi')));
    const ret = s.listen(0, HOST, 7, function cb() {
      const a = this.address();
      ctx.push({ cbThisIsServer: this === s, listening: s.listening, family: a.family, address: a.address, portOk: a.port > 0 });
    });
    ctx.push({ returnsServer: ret === s, listeningSync: s.listening });
    await once(s, 'listening');
    const raw = await ctx.raw(s.address().port, get('/', { Connection: 'close' }));
    return raw;
  });
});

test('listen(options object) with host, port, backlog, exclusive', async (t) => {
  await same(t, async (http, ctx) => {
    const s = ctx.server((req, res) => res.end('opts'));
    await withTimeout(new Promise((resolve) => s.listen({ port: 0, host: HOST, backlog: 10, exclusive: true }, resolve)), 2000);
    const a = s.address();
    return { family: a.family, address: a.address, raw: await ctx.raw(a.port, get('/', { Connection: 'close' })) };
  });
});

test('listen(0): address() is valid synchronously; listening event on a later tick', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const s = ctx.track(http.createServer());
    s.on('listening', () => ctx.push('listening event'));
    s.listen(0);
    const a = s.address();
    ctx.push({ sync: a && { family: a.family, address: a.address, portOk: a.port > 0 }, listening: s.listening });
    process.nextTick(() => ctx.push('nextTick'));
    await Promise.resolve();
    ctx.push('microtask');
    await once(s, 'listening').catch(() => {});
    await tick();
    return s.listening;
  });
  t.true(node.log.indexOf('listening event') > 0);
  t.true(node.log[0].listening);
});

test('listen(0, host): address() before and after the lookup', async (t) => {
  await same(t, async (http, ctx) => {
    const s = ctx.track(http.createServer());
    s.listen(0, HOST);
    ctx.push({ sync: s.address(), listening: s.listening });
    await once(s, 'listening');
    const a = s.address();
    ctx.push({ family: a.family, address: a.address, listening: s.listening });
  });
});

test('listen on a Unix socket path', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const p = ctx.socketPath();
    const s = ctx.server((req, res) => {
      ctx.push({ remoteAddress: req.socket.remoteAddress, localAddress: req.socket.localAddress, remotePort: req.socket.remotePort });
      res.end('unix');
    });
    await withTimeout(new Promise((resolve) => s.listen(p, resolve)), 2000);
    ctx.push({ addressIsPath: s.address() === p });
    return ctx.raw(p, get('/', { Connection: 'close' }));
  });
  t.true(node.result.data.endsWith('unix'));
});

test('close() of a Unix socket listener removes its path: a connect gets ENOENT, the path listens again', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const p = ctx.socketPath();
    const s = ctx.server((req, res) => res.end('first'));
    await withTimeout(new Promise((resolve) => s.listen(p, resolve)), 2000);
    ctx.push({ existsListening: fs.existsSync(p) });
    const closed = new Promise((resolve) => s.close(resolve));
    // Synchronously, as libuv's close: the name is gone before close()'s callback.
    ctx.push({ existsAfterClose: fs.existsSync(p) });
    const refused = await withTimeout(new Promise((resolve) => {
      const c = net.connect(p);
      c.on('connect', () => { c.destroy(); resolve('connected'); });
      c.on('error', (err) => resolve(err.code));
    }), 2000);
    ctx.push({ refused });
    await withTimeout(closed, 2000);
    const again = ctx.server((req, res) => res.end('second'));
    const listened = await withTimeout(new Promise((resolve) => {
      again.on('error', (err) => resolve(err.code));
      again.listen(p, () => resolve('listening'));
    }), 2000);
    ctx.push({ listened });
    return listened === 'listening' ? ctx.raw(p, get('/', { Connection: 'close' })) : null;
  });
  t.is(node.log[2].refused, 'ENOENT');
  t.true(node.result.data.endsWith('second'));
});

test('listen({ path, readableAll, writableAll }) adds the mode bits to the socket file', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const out = {};
    for (const [name, opts] of [['none', {}], ['readable', { readableAll: true }], ['writable', { writableAll: true }], ['both', { readableAll: true, writableAll: true }]]) {
      const p = ctx.socketPath();
      const s = ctx.server((req, res) => res.end(name));
      await withTimeout(new Promise((resolve) => s.listen({ path: p, ...opts }, resolve)), 2000);
      out[name] = (fs.statSync(p).mode & 0o777).toString(8);
      await new Promise((resolve) => s.close(resolve));
    }
    return out;
  });
  t.is(node.result.both, '777');
});

test('an abstract Unix socket name: listen, serve, close, listen again', async (t) => {
  await same(t, async (http, ctx) => {
    const name = `\0rhttp-abstract-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const out = [];
    for (const round of [1, 2]) {
      const s = ctx.server((req, res) => res.end(`round ${round}`));
      await withTimeout(new Promise((resolve) => s.listen(name, resolve)), 2000);
      out.push({ address: s.address() === name, raw: await ctx.raw(name, get('/', { Connection: 'close' })) });
      // The client side: http.get({ socketPath }) reaches the same name.
      out.push(await withTimeout(new Promise((resolve) => {
        http.get({ socketPath: name, path: '/c', agent: false }, (res) => {
          let body = '';
          res.setEncoding('latin1').on('data', (d) => { body += d; }).on('end', () => resolve({ status: res.statusCode, body }));
        }).on('error', (err) => resolve(describeError(err)));
      }), 2000));
      await new Promise((resolve) => s.close(resolve));
    }
    return out;
  });
});

test('readableAll or writableAll with an abstract Unix socket name throws as core', async (t) => {
  await same(t, async (http, ctx) => {
    const chmod = ctx.server(() => {});
    const threw = attempt(() => chmod.listen({ path: '\0rhttp-abstract-chmod', readableAll: true }));
    threw.threw.message = threw.threw.message.split('\n')[0];
    return threw;
  });
});

test('listen({ fd }) of another listening socket (in a child process)', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const holder = ctx.track(net.createServer());
    await withTimeout(new Promise((resolve) => holder.listen(0, HOST, resolve)), 2000);
    const port = holder.address().port;
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const code = `
      const http = require(${JSON.stringify(mod)});
      const s = http.createServer((req, res) => res.end('fd ' + req.url));
      s.listen({ fd: 3 }, () => {
        const a = s.address();
        process.stdout.write(JSON.stringify({ family: a.family, address: a.address, port: a.port }) + '\\n');
      });
      s.on('error', (e) => { process.stdout.write(JSON.stringify({ error: e.code }) + '\\n'); process.exit(1); });
      process.stdin.on('data', () => {});
      process.stdin.on('end', () => process.exit(0));
    `;
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit', holder._handle.fd] });
    ctx.defer(() => child.kill('SIGKILL'));
    const line = await withTimeout(new Promise((resolve) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.split('\n')[0]); });
      child.on('exit', () => resolve(out));
    }), 3000, 'child listening');
    // The child now serves the shared socket; stop accepting here.
    await new Promise((resolve) => holder.close(resolve));
    const info = JSON.parse(line || '{}');
    const raw = await ctx.raw(port, get('/x', { Connection: 'close' }));
    child.stdin.end();
    return { samePort: info.port === port, family: info.family, address: info.address, error: info.error, raw };
  });
  t.true(node.result.samePort);
});

test('listen(handle) with a listening net.Server, and listen({ handle })', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const out = {};
    for (const form of ['direct', 'handleOption', 'rawHandle', 'serverAsHandleOption']) {
      const holder = ctx.track(net.createServer(() => ctx.push('net.Server got the connection')));
      await withTimeout(new Promise((resolve) => holder.listen(0, HOST, resolve)), 2000);
      const port = holder.address().port;
      const s = ctx.server((req, res) => res.end(`${form} ${req.url}`));
      const arg = {
        direct: holder,
        handleOption: { handle: holder._handle },
        rawHandle: holder._handle,
        serverAsHandleOption: { handle: holder },
      }[form];
      try {
        await withTimeout(new Promise((resolve) => s.listen(arg, resolve)), 2000);
      } catch (err) {
        const d = describeError(err);
        d.message = d.message.split('\n')[0];
        out[form] = { threw: d };
        continue;
      }
      const a = s.address();
      out[form] = { samePort: a && a.port === port, family: a && a.family, raw: await ctx.raw(port, get('/h', { Connection: 'close' })) };
    }
    return out;
  });
  t.true(node.result.direct.samePort);
});

test('listen(handle): an accept error of the handle is the server\'s error, as core\'s', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const holder = ctx.track(net.createServer());
    await withTimeout(new Promise((resolve) => holder.listen(0, HOST, resolve)), 2000);
    const raw = holder._handle;
    const s = ctx.server(() => {});
    await withTimeout(new Promise((resolve) => s.listen(holder, resolve)), 2000);
    const errors = [];
    s.on('error', (err) => errors.push({ ...describeError(err), keys: Object.keys(err).sort() }));
    // libuv reports a failed accept (EMFILE) through the handle's onconnection.
    raw.onconnection(-24);
    await tick();
    return { errors, listening: s.listening };
  });
  t.is(node.result.errors[0].code, 'EMFILE');
});

test('IPv6: listen on ::1 and serve', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const s = ctx.server((req, res) => {
      ctx.push({ remoteFamily: req.socket.remoteFamily, remoteAddress: req.socket.remoteAddress, localAddress: req.socket.localAddress });
      res.end('v6');
    });
    await withTimeout(new Promise((resolve) => s.listen(0, '::1', resolve)), 2000);
    const a = s.address();
    ctx.push({ family: a.family, address: a.address });
    return ctx.raw({ host: '::1', port: a.port }, get('/', { Connection: 'close' }));
  });
  t.true(node.result.data.endsWith('v6'));
});

test('listen error EADDRINUSE: error event with code, errno, syscall, address, port, message', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const holder = ctx.track(net.createServer());
    await withTimeout(new Promise((resolve) => holder.listen(0, HOST, resolve)), 2000);
    const port = holder.address().port;
    const s = ctx.track(http.createServer());
    s.on('listening', () => ctx.push('listening'));
    s.listen(port, HOST, () => ctx.push('listen callback'));
    const [err] = await once(s, 'error');
    await delay(20);
    const d = describeError(err);
    d.message = d.message.replace(String(port), '<PORT>');
    d.port = d.port === port ? '<PORT>' : d.port;
    return { err: d, listening: s.listening, address: s.address() };
  });
  t.is(node.result.err.code, 'EADDRINUSE');
});

test('listen while already listening throws ERR_SERVER_ALREADY_LISTEN', async (t) => {
  await same(t, async (http, ctx) => {
    const { server } = await serve(ctx, () => {});
    return attempt(() => server.listen(0, HOST));
  });
});

test('close(cb): close event order, listening flag, close of a stopped server', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server } = await serve(ctx, () => {});
    server.on('close', (...args) => ctx.push(['close event', args.length]));
    const ret = server.close((...args) => ctx.push(['close cb', args.map(describeError)]));
    ctx.push({ returnsServer: ret === server, listening: server.listening });
    await once(server, 'close');
    await tick();
    await new Promise((resolve) => server.close((err) => { ctx.push(['second close cb', describeError(err)]); resolve(); }));
  });
  t.deepEqual(node.log.find((e) => e[0] === 'second close cb')[1], { class: 'Error', name: 'Error', code: 'ERR_SERVER_NOT_RUNNING', message: 'Server is not running.' });
});

test('Symbol.asyncDispose closes the server', async (t) => {
  await same(t, async (http, ctx) => {
    const { server } = await serve(ctx, () => {});
    server.on('close', () => ctx.push('close'));
    const p = server[Symbol.asyncDispose]();
    ctx.push({ isPromise: p instanceof Promise, listening: server.listening });
    await withTimeout(p, 2000);
    ctx.push({ listening: server.listening });
  });
});

// ---------------------------------------------------------------------------
// Server limits

test('maxConnections: connections beyond the limit are dropped', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => res.end('ok'));
    server.maxConnections = 1;
    server.on('connection', () => ctx.push('connection'));
    server.on('drop', (data) => ctx.push(['drop', Object.keys(data || {}).sort()]));
    const first = ctx.connect(port);
    await first.connected;
    first.write(get('/1'));
    await first.waitResponses(1);
    const { data, closed } = await ctx.raw(port, get('/2', { Connection: 'close' }));
    const firstSnap = first.snapshot();
    // FIN or RST for the dropped socket depends on whether its request
    // arrived before the close: only data and closed are compared.
    return { first: firstSnap, second: { data, closed } };
  });
  t.is(node.result.second.data, '');
});

test('maxHeadersCount: only the first N headers are kept', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => {
      ctx.push({ rawHeaders: req.rawHeaders, headers: req.headers });
      res.end();
    });
    server.maxHeadersCount = 3;
    await ctx.raw(port, get('/', { A: '1', B: '2', C: '3', D: '4', Connection: 'close' }));
  });
  t.is(Object.keys(node.log[0].headers).length, 3);
});

test('maxRequestsPerSocket: extra requests get 503 and dropRequest', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => {
      ctx.push(['request', req.url]);
      res.end(`body ${req.url}`);
    });
    server.maxRequestsPerSocket = 2;
    server.on('dropRequest', (req, socket) => ctx.push(['dropRequest', req.url, req instanceof http.IncomingMessage, socket instanceof net.Socket]));
    return ctx.raw(port, get('/1') + get('/2') + get('/3') + get('/4'), { until: { responses: 4 }, settle: 100 });
  });
  t.true(node.log.some((e) => e[0] === 'dropRequest'));
});

test.serial('server.setTimeout(ms, cb): timeout event with a request in flight', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, (req, res) => {
      ctx.push('request');
      ctx.record(req, 'req', ['timeout', 'close', 'aborted']);
      ctx.record(res, 'res', ['timeout', 'close', 'finish']);
    });
    const ret = server.setTimeout(150, (socket, ...rest) => {
      ctx.push({ timeoutCb: socket instanceof net.Socket, rest: rest.length, destroyed: socket.destroyed });
      socket.destroy();
    });
    ctx.push({ returnsServer: ret === server, timeout: server.timeout, listeners: server.listenerCount('timeout') });
    const r = await ctx.raw(port, get('/'), { until: 'close', ms: 3000 });
    await delay(20);
    return r;
  }, { timeout: 10000 });
  t.true(node.result.closed);
  t.true(node.log.some((e) => e.timeoutCb));
});

test.serial('server.timeout without a timeout listener destroys the idle socket', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, () => { ctx.push('request'); });
    server.timeout = 150;
    const started = Date.now();
    const r = await ctx.raw(port, get('/'), { until: 'close', ms: 3000 });
    return { ...r, inTime: Date.now() - started < 1500 };
  });
  t.true(node.result.closed);
});

test('server.setTimeout validates its arguments', async (t) => {
  await same(t, (http) => {
    const s = http.createServer();
    return [
      attempt(() => s.setTimeout('x')),
      attempt(() => s.setTimeout(10, 'notfn')),
      attempt(() => s.setTimeout(-1)),
    ];
  });
});

// ---------------------------------------------------------------------------
// Server events

test('events for one request: connection, request, finish/close order and arguments', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const s = ctx.track(http.createServer());
    s.on('connection', (socket, ...rest) => {
      ctx.push(['connection', socket instanceof net.Socket, rest.length]);
      socket.on('close', (hadError) => ctx.push(['socket close', hadError]));
    });
    s.on('request', (req, res, ...rest) => {
      ctx.push(['request', req instanceof http.IncomingMessage, res instanceof http.ServerResponse, rest.length,
        req.socket === res.socket, res.req === req]);
      ctx.record(req, 'req', ['end', 'close', 'aborted', 'error']);
      ctx.record(res, 'res', ['prefinish', 'finish', 'close', 'error']);
      req.resume();
      res.end('done');
    });
    s.on('listening', (...args) => ctx.push(['listening', args.length]));
    s.on('close', () => ctx.push('server close'));
    await withTimeout(new Promise((resolve) => s.listen(0, HOST, resolve)), 2000);
    const raw = await ctx.raw(s.address().port, get('/', { Connection: 'close' }));
    await delay(20);
    await new Promise((resolve) => s.close(resolve));
    return raw;
  });
  t.is(node.log[0][0], 'listening');
});

test('clientError: arguments, default 400 response without a listener', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, () => ctx.push('request'));
    return ctx.raw(port, 'GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n');
  });
});

test('clientError listener: receives (err, socket) and writes its own response', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, () => ctx.push('request'));
    server.on('clientError', (err, socket, ...rest) => {
      ctx.push({ err: describeError(err), isSocket: socket instanceof net.Socket, rest: rest.length });
      socket.end('HTTP/1.1 400 Custom\r\nConnection: close\r\n\r\n');
    });
    return ctx.raw(port, 'GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n');
  });
  t.is(node.log[0].err.code, 'HPE_INVALID_HEADER_TOKEN');
});

test('checkContinue listener replaces request for Expect: 100-continue', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, () => ctx.push('request'));
    server.on('checkContinue', (req, res) => {
      ctx.push(['checkContinue', req.headers.expect, res instanceof http.ServerResponse]);
      res.writeContinue();
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => { body += d; });
      req.on('end', () => res.end(`got ${body}`));
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write('POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n');
    const gotContinue = await c.waitFor('100 Continue');
    c.write('hello');
    await c.waitClose();
    return { gotContinue, ...c.snapshot() };
  });
  t.true(node.result.gotContinue);
});

test('Expect: 100-continue without checkContinue listener: automatic 100 then request', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push('request');
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write('POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n');
    const gotContinue = await c.waitFor('100 Continue');
    c.write('hi');
    await c.waitClose();
    return { gotContinue, ...c.snapshot() };
  });
  t.true(node.result.gotContinue);
});

test('checkExpectation: listener called for unknown Expect; 417 without one', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, () => ctx.push('request'));
    const without = await ctx.raw(port, get('/', { Expect: 'something', Connection: 'close' }));
    server.on('checkExpectation', (req, res) => {
      ctx.push(['checkExpectation', req.headers.expect]);
      res.writeHead(402).end('pay');
    });
    const withL = await ctx.raw(port, get('/', { Expect: 'something', Connection: 'close' }));
    return { without, withL };
  });
  t.regex(node.result.without.data, /^HTTP\/1\.1 417 /);
});

test('Upgrade request without an upgrade listener falls back to request', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, (req, res) => {
      ctx.push(['request', req.headers.upgrade, req.upgrade]);
      res.end('plain');
    });
    return ctx.raw(port, get('/', { Upgrade: 'websocket', Connection: 'Upgrade' }), { until: { responses: 1 } });
  });
  t.true(node.result.data.endsWith('plain'));
});

test('upgrade listener receives (req, socket, head) and owns the socket', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, () => ctx.push('request'));
    server.on('upgrade', (req, socket, head) => {
      ctx.push(['upgrade', req.url, req.upgrade, socket instanceof net.Socket, Buffer.isBuffer(head), head.toString()]);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d) => socket.write(`echo:${d}`));
      socket.on('end', () => socket.end());
    });
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/up', { Upgrade: 'echo', Connection: 'Upgrade' }) + 'early');
    await c.waitFor('101 Switching');
    c.write('more');
    await c.waitFor('echo:more');
    c.end();
    await c.waitClose();
    return c.snapshot();
  });
  t.true(node.result.data.includes('echo:more'));
});

test('CONNECT without a connect listener closes the connection', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, () => ctx.push('request'));
    return ctx.raw(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
  });
});

test('connect listener receives (req, socket, head)', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, () => ctx.push('request'));
    server.on('connect', (req, socket, head) => {
      ctx.push(['connect', req.method, req.url, head.toString()]);
      socket.end('HTTP/1.1 200 Connection Established\r\n\r\ntunnel');
    });
    return ctx.raw(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nHEAD');
  });
  t.is(node.log[0][3], 'HEAD');
});

test('a socket from another net.Server handed over with emit(\'connection\') is served', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const httpServer = ctx.track(http.createServer((req, res) => {
      ctx.push(['request', req.url, req.socket instanceof net.Socket]);
      res.end(`handed ${req.url}`);
    }));
    const front = ctx.track(net.createServer((socket) => {
      ctx.push(['front connection', httpServer.listening]);
      httpServer.emit('connection', socket);
    }));
    await withTimeout(new Promise((resolve) => front.listen(0, HOST, resolve)), 2000);
    const port = front.address().port;
    const keep = await ctx.raw(port, get('/1') + get('/2'), { until: { responses: 2 }, settle: 50 });
    const closing = await ctx.raw(port, get('/3', { Connection: 'close' }));
    return { keep, closing };
  });
  t.true(node.result.closing.data.endsWith('handed /3'));
});

test('requireHostHeader: HTTP/1.1 without Host gets 400 by default, served when disabled', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const handler = (req, res) => { ctx.push(['request', req.headers.host]); res.end('ok'); };
    const { port: strict } = await serve(ctx, handler);
    const { port: lax } = await serve(ctx, { requireHostHeader: false }, handler);
    const noHost = 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n';
    return {
      strict: await ctx.raw(strict, noHost),
      lax: await ctx.raw(lax, noHost),
      http10: await ctx.raw(strict, 'GET / HTTP/1.0\r\n\r\n'),
    };
  });
  t.regex(node.result.strict.data, /^HTTP\/1\.1 400 /);
});

test('_connectionListener is exported and attached as core\'s connection listener', async (t) => {
  await same(t, (http) => {
    const s = http.createServer();
    return {
      type: typeof http._connectionListener,
      attached: s.listeners('connection').includes(http._connectionListener),
      connectionListeners: s.listenerCount('connection'),
    };
  });
});
