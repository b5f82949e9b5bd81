// Differential tests for http.Agent: naming, pool bookkeeping (sockets /
// freeSockets / requests), maxSockets / maxTotalSockets / maxFreeSockets,
// scheduling, keep-alive and its timeouts, servers closing pooled sockets,
// destroy(), and what keeps the process alive. Connection reuse is counted
// on the server side (a scripted raw `net` server).

import anyTest from 'ava';
import { createRequire } from 'node:module';
import {
  same, delay, HOST, scripted, respond, ok, record, reqState,
  agent, poolView, tryCall, until, onceOr, nodeHttp, rhttp, RHTTP_PATH,
} from './helpers/client-diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');

// Serial: the scenarios depend on timing.
const test = anyTest.serial;

/** Answers every request with `ok('c<conn>-r<request index on conn>')`,
 * after `wait(conn, i)` ms (default 0). */
function tagged(wait = () => 0) {
  return async (conn) => {
    let i = 0;
    for (;;) {
      if (!(await conn.waitRequests(i + 1, 5000))) return;
      const ms = wait(conn, i);
      const body = `c${conn.index}-r${i}`;
      i++;
      if (ms) await delay(ms);
      conn.write(ok(body));
    }
  };
}

/** Starts a request recording into the log; resolves with its body text
 * (or null) once it closed. */
function fire(http, ctx, opts, label, body) {
  const req = http.request(opts);
  let text = '';
  req.on('response', (res) => { res.setEncoding('latin1'); res.on('data', (d) => { text += d; }); });
  req.on('error', (e) => ctx.log.push([`${label}:error`, e.code]));
  const closed = onceOr(req, 'close', 4000).then(async () => {
    await delay(5);
    ctx.log.push([`${label}:done`, text, req.reusedSocket]);
    return text;
  });
  req.end(body);
  return { req, closed };
}

// ---------------------------------------------------------------------------
// Construction and naming

test('Agent constructor: properties and defaults', (t) => {
  const view = (http) => {
    const a = new http.Agent();
    const b = new http.Agent({ keepAlive: true, keepAliveMsecs: 500, maxSockets: 3, maxFreeSockets: 2, maxTotalSockets: 10, scheduling: 'fifo', timeout: 1000 });
    const pick = (x) => ({
      defaultPort: x.defaultPort, protocol: x.protocol, options: { ...x.options }, keepAlive: x.keepAlive,
      keepAliveMsecs: x.keepAliveMsecs, maxSockets: x.maxSockets, maxFreeSockets: x.maxFreeSockets,
      maxTotalSockets: x.maxTotalSockets, scheduling: x.scheduling, totalSocketCount: x.totalSocketCount,
      requests: { ...x.requests }, sockets: { ...x.sockets }, freeSockets: { ...x.freeSockets },
      protoNull: Object.getPrototypeOf(x.sockets) === null,
    });
    const g = http.globalAgent;
    return {
      a: pick(a), b: pick(b), callable: pick(http.Agent()),
      defaultMaxSockets: http.Agent.defaultMaxSockets,
      global: { keepAlive: g.keepAlive, keepAliveMsecs: g.keepAliveMsecs, maxSockets: g.maxSockets, scheduling: g.scheduling, timeout: g.options.timeout, options: { ...g.options } },
      isEmitter: a instanceof require('node:events'),
      methods: ['getName', 'addRequest', 'createSocket', 'removeSocket', 'keepSocketAlive', 'reuseSocket', 'destroy', 'createConnection']
        .map((m) => typeof http.Agent.prototype[m]),
    };
  };
  t.deepEqual(view(rhttp), view(nodeHttp));
});

test('Agent constructor: option validation errors', (t) => {
  const view = (http) => [
    { scheduling: 'random' }, { maxTotalSockets: 0 }, { maxTotalSockets: 'x' }, { maxTotalSockets: -1 },
  ].map((o) => tryCall(() => new http.Agent(o)));
  t.deepEqual(view(rhttp), view(nodeHttp));
});

test('getName(options)', (t) => {
  const cases = [
    undefined, {}, { host: 'a.example' }, { host: 'a.example', port: 8080 },
    { host: 'h', port: 1, localAddress: '10.0.0.1' }, { host: 'h', port: 1, family: 4 },
    { host: 'h', port: 1, family: 6 }, { host: 'h', family: 5 }, { host: 'h', family: '4' },
    { socketPath: '/tmp/s.sock' }, { host: 'h', port: 2, localAddress: '::1', family: 6, socketPath: '/p' },
    { port: 0 }, { host: '' },
  ];
  const view = (http) => {
    const a = new http.Agent();
    return cases.map((c) => (c === undefined ? a.getName() : a.getName(c)));
  };
  t.deepEqual(view(rhttp), view(nodeHttp));
});

// ---------------------------------------------------------------------------
// Pool bookkeeping

test('sockets / freeSockets / requests through a maxSockets: 1 queue', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged(() => 30));
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    a.on('free', (s, opts) => ctx.log.push(['agent:free', poolView(a), opts.host, opts.port === srv.port]));
    const opts = { host: HOST, port: srv.port, agent: a };
    const reqs = [0, 1, 2].map((i) => fire(http, ctx, { ...opts, path: `/${i}` }, `r${i}`));
    ctx.log.push(['afterCreate', poolView(a)]);
    await delay(5);
    ctx.log.push(['afterTick', poolView(a)]);
    await Promise.all(reqs.map((r) => r.closed));
    await delay(20);
    return { pool: poolView(a), conns: srv.conns.length, wire: srv.received() };
  });
});

test('maxSockets: 2 with four parallel requests uses two connections', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged(() => 30));
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 2 });
    const reqs = [0, 1, 2, 3].map((i) => fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: `/${i}` }, `r${i}`));
    ctx.log.push(['queued', poolView(a)]);
    const bodies = await Promise.all(reqs.map((r) => r.closed));
    await delay(20);
    ctx.log = ctx.log.filter((e) => !String(e[0]).endsWith(':done'));
    return { bodies: bodies.sort(), pool: poolView(a), perConn: srv.conns.map((c) => c.requests.length) };
  });
});

test('maxTotalSockets: 2 across two origins', async (t) => {
  await same(t, async (http, ctx) => {
    const s1 = await scripted(ctx, tagged(() => 40));
    const s2 = await scripted(ctx, tagged(() => 40));
    const a = agent(http, ctx, { keepAlive: true, maxTotalSockets: 2 });
    const names = { [`:${s1.port}:`]: ':<S1>:', [`:${s2.port}:`]: ':<S2>:' };
    const reqs = [];
    for (const [i, s] of [s1, s1, s2, s2].entries()) {
      reqs.push(fire(http, ctx, { host: HOST, port: s.port, agent: a, path: `/${i}` }, `r${i}`));
    }
    await delay(5);
    ctx.log.push(['pending', poolView(a, names)]);
    const bodies = await Promise.all(reqs.map((r) => r.closed));
    await delay(20);
    ctx.log = ctx.log.filter((e) => !String(e[0]).endsWith(':done'));
    return { bodies, pool: poolView(a, names), conns: [s1.conns.length, s2.conns.length] };
  });
});

// The agent merges a queued request's options with its own only when a
// socket is made for it (lib/agent.js fastPoolName): a request queued for
// another origin gets a socket from its own options, headers and all.
test('maxTotalSockets: 1 without keep-alive: a request queued for another origin connects with its own options', async (t) => {
  await same(t, async (http, ctx) => {
    const s1 = await scripted(ctx, tagged(() => 30));
    const s2 = await scripted(ctx, tagged(() => 0));
    const a = agent(http, ctx, { keepAlive: false, maxTotalSockets: 1 });
    const names = { [`:${s1.port}:`]: ':<S1>:', [`:${s2.port}:`]: ':<S2>:' };
    a.on('free', (sock, opts) => ctx.log.push(['agent:free', opts.port === s1.port ? 'S1' : opts.port === s2.port ? 'S2' : opts.port,
      opts.path === null ? null : opts.path, opts.headers && opts.headers['x-tag']]));
    const r0 = fire(http, ctx, { host: HOST, port: s1.port, agent: a, path: '/first' }, 'r0');
    const r1 = fire(http, ctx, { host: HOST, port: s2.port, agent: a, path: '/second', headers: { 'X-Tag': 'two' } }, 'r1');
    await delay(5);
    ctx.log.push(['pending', poolView(a, names)]);
    const bodies = await Promise.all([r0.closed, r1.closed]);
    await delay(20);
    ctx.log = ctx.log.filter((e) => !String(e[0]).endsWith(':done'));
    const heads = s2.received().map((text) => text.replace(/:\d+\r\n/, ':<PORT>\r\n'));
    return { bodies, pool: poolView(a, names), conns: [s1.conns.length, s2.conns.length], heads };
  });
});

test('Agent subclasses: their own getName; addRequest passing a plain options object on', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged(() => 0));
    class Named extends http.Agent {
      getName(options) { return `named:${super.getName(options)}:${options.keepAlive ? 'ka' : '-'}`; }
    }
    // As wrappers do: a copy with Object.prototype, not core's null one.
    class Copying extends http.Agent {
      addRequest(req, options) { return super.addRequest(req, { ...options }); }
    }
    const out = {};
    for (const [label, A] of [['named', Named], ['copying', Copying]]) {
      const a = new A({ keepAlive: true, maxSockets: 1 });
      ctx.defer(() => a.destroy());
      const reqs = ['/a', '/b', '/c'].map((path) => fire(http, ctx, { host: HOST, port: srv.port, agent: a, path }, `${label}${path}`));
      const bodies = await Promise.all(reqs.map((r) => r.closed));
      await delay(10);
      out[label] = { bodies, free: Object.keys(a.freeSockets).map((k) => k.replace(`:${srv.port}:`, ':<S>:')) };
    }
    ctx.log = ctx.log.filter((e) => !String(e[0]).endsWith(':done'));
    return { out, conns: srv.conns.length, wire: srv.received().map((x) => x.replace(/:\d+\r\n/g, ':<PORT>\r\n')) };
  });
});

test('maxFreeSockets: 1 keeps one idle socket and closes the others', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged((conn) => 20 * (conn.index + 1)));
    const a = agent(http, ctx, { keepAlive: true, maxFreeSockets: 1 });
    const reqs = [0, 1, 2].map((i) => fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: `/${i}` }, `r${i}`));
    await Promise.all(reqs.map((r) => r.closed));
    await delay(100);
    return {
      pool: poolView(a),
      conns: srv.conns.map((c) => ({ ended: c.ended, closed: c.closed })),
    };
  });
});

for (const scheduling of ['lifo', 'fifo']) {
  test(`scheduling: ${scheduling} picks the ${scheduling === 'lifo' ? 'most' : 'least'} recently freed socket`, async (t) => {
    await same(t, async (http, ctx) => {
      // conn 0 answers at once, conn 1 after 60 ms: conn 0 is freed first
      const srv = await scripted(ctx, tagged((conn, i) => (i === 0 && conn.index === 1 ? 60 : 0)));
      const a = agent(http, ctx, { keepAlive: true, scheduling });
      const first = [0, 1].map((i) => fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: `/${i}` }, `r${i}`));
      await Promise.all(first.map((r) => r.closed));
      await delay(20);
      ctx.log.push(['free', poolView(a)]);
      const next = fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/next' }, 'next');
      const body = await next.closed;
      return { body, conns: srv.conns.length };
    });
  });
}

test('keepAlive: false with finite maxSockets: keep-alive header, closed when idle, reused by a queued request', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged(() => 20));
    const a = agent(http, ctx, { keepAlive: false, maxSockets: 1 });
    const reqs = [0, 1].map((i) => fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: `/${i}` }, `r${i}`));
    await Promise.all(reqs.map((r) => r.closed));
    await srv.settle(1000);
    return { pool: poolView(a), conns: srv.snapshot() };
  });
});

test('keepAlive: false (default Agent): Connection: close, each request a new connection', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged());
    const a = agent(http, ctx, {});
    for (const i of [0, 1]) {
      await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: `/${i}` }, `r${i}`).closed;
    }
    await srv.settle(1000);
    return { pool: poolView(a), conns: srv.snapshot() };
  });
});

test('keep-alive free socket: setKeepAlive, unref, and ref again on reuse', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged());
    const a = agent(http, ctx, { keepAlive: true, keepAliveMsecs: 1500 });
    const spied = new WeakSet();
    const spy = (s) => {
      if (spied.has(s)) return;
      spied.add(s);
      for (const m of ['setKeepAlive', 'ref', 'unref', 'setTimeout']) {
        const orig = s[m];
        s[m] = function (...args) {
          ctx.log.push([`socket.${m}`, args.filter((x) => typeof x !== 'function')]);
          return orig.apply(this, args);
        };
      }
    };
    for (const i of [0, 1]) {
      const req = http.request({ host: HOST, port: srv.port, agent: a, path: `/${i}` });
      req.on('socket', spy);
      const r = record(req, ctx.log, { label: `r${i}`, rlabel: `res${i}` });
      req.end();
      await r.closed();
      await delay(10);
    }
    return { conns: srv.conns.length };
  });
});

test('agent timeout closes an idle free socket', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged());
    const a = agent(http, ctx, { keepAlive: true, timeout: 150 });
    const r = fire(http, ctx, { host: HOST, port: srv.port, agent: a }, 'r0');
    await r.closed;
    await delay(10);
    const before = { pool: poolView(a), timeout: Object.values(a.freeSockets)[0]?.[0]?.timeout };
    await until(() => srv.conns[0].closed, 1500);
    await delay(10);
    return { before, after: poolView(a), conn: srv.snapshot() };
  });
});

test('agent timeout applies to an active request too (timeout event)', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged(() => 300));
    const a = agent(http, ctx, { keepAlive: true, timeout: 100 });
    const req = http.request({ host: HOST, port: srv.port, agent: a });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    await delay(20);
    return { state: reqState(req), pool: poolView(a) };
  });
});

test('Keep-Alive: timeout=N response hint shortens the free socket timeout', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, respond(() => ok('k', { 'Keep-Alive': 'timeout=2, max=5' })));
    const a = agent(http, ctx, { keepAlive: true });
    const r = fire(http, ctx, { host: HOST, port: srv.port, agent: a }, 'r0');
    await r.closed;
    await delay(10);
    const s = Object.values(a.freeSockets)[0]?.[0];
    return { pool: poolView(a), timeout: s && s.timeout };
  });
});

test('server closing an idle pooled socket: removed from the pool, next request connects anew', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write(ok(`c${conn.index}`));
      await delay(50);
      conn.end();
    });
    const a = agent(http, ctx, { keepAlive: true });
    await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/0' }, 'r0').closed;
    await delay(10);
    ctx.log.push(['pooled', poolView(a)]);
    await until(() => srv.conns[0].closed, 1000);
    await delay(30);
    ctx.log.push(['afterServerEnd', poolView(a)]);
    await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/1' }, 'r1').closed;
    return { conns: srv.conns.length };
  });
});

test('server resetting an idle pooled socket: no error surfaces', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write(ok(`c${conn.index}`));
      await delay(50);
      conn.reset();
    });
    const a = agent(http, ctx, { keepAlive: true });
    let freeSocket;
    const r = fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/0' }, 'r0');
    r.req.on('socket', (s) => {
      freeSocket = s;
      s.on('agentRemove', () => ctx.log.push('socket:agentRemove'));
    });
    await r.closed;
    await delay(150);
    ctx.log.push(['afterReset', poolView(a), freeSocket.destroyed]);
    await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/1' }, 'r1').closed;
    return { conns: srv.conns.length };
  });
});

test('a request racing a server close of the pooled socket: reusedSocket and ECONNRESET', async (t) => {
  await same(t, async (http, ctx) => {
    // The server answers, then closes as soon as the next request arrives.
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write(ok(`c${conn.index}`));
      if (await conn.waitRequests(2, 2000)) conn.destroy();
    });
    const a = agent(http, ctx, { keepAlive: true });
    await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/0' }, 'r0').closed;
    await delay(10);
    const req = http.request({ host: HOST, port: srv.port, agent: a, path: '/1' });
    const r = record(req, ctx.log);
    req.end();
    await r.closed();
    return { reused: req.reusedSocket, conns: srv.conns.length, pool: poolView(a) };
  });
});

test('agent.destroy(): free and active sockets are destroyed', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      if (!conn.text.includes('/slow')) conn.write(ok('fast'));
    });
    const a = agent(http, ctx, { keepAlive: true });
    await Promise.all([0, 1].map((i) => fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: `/fast${i}` }, `fast${i}`).closed));
    // Two connections answered at once: which finishes first is a race, in
    // core as in rhttp (it flipped under CI load).
    ctx.log.sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    await delay(10);
    const slow = http.request({ host: HOST, port: srv.port, agent: a, path: '/slow' });
    const r = record(slow, ctx.log, { label: 'slow' });
    slow.end();
    await until(() => srv.conns.reduce((n, c) => n + c.requests.length, 0) === 3, 2000);
    ctx.log.push(['beforeDestroy', poolView(a)]);
    a.destroy();
    await r.closed();
    await srv.settle(1000);
    return { pool: poolView(a), conns: srv.snapshot().map((c) => c.clientEnded) };
  });
});

test('a queued request is served after destroy() of the active one', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged((conn, i) => (conn.index === 0 && i === 0 ? 1000 : 0)));
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    const first = http.request({ host: HOST, port: srv.port, agent: a, path: '/first' });
    const r1 = record(first, ctx.log, { label: 'first', rlabel: 'fres' });
    first.end();
    const second = fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/second' }, 'second');
    await until(() => srv.conns.length === 1 && srv.conns[0].requests.length === 1, 2000);
    ctx.log.push(['queued', poolView(a)]);
    first.destroy();
    await r1.closed();
    const body = await second.closed;
    return { body, conns: srv.conns.length, pool: poolView(a) };
  });
});

test('agent: false creates a one-off agent per request', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged());
    const r0 = fire(http, ctx, { host: HOST, port: srv.port, agent: false, path: '/0' }, 'r0');
    const r1 = fire(http, ctx, { host: HOST, port: srv.port, agent: false, path: '/1' }, 'r1');
    await Promise.all([r0.closed, r1.closed]);
    await srv.settle(1000);
    // Two connections of their own: which one finishes first is a race, in
    // core as in rhttp (it flipped under CI load).
    ctx.log.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    return {
      distinct: r0.req.agent !== r1.req.agent,
      notGlobal: r0.req.agent !== http.globalAgent,
      ctor: r0.req.agent instanceof http.Agent,
      pool: poolView(r0.req.agent),
      conns: srv.snapshot(),
    };
  });
});

test('an Agent subclass overriding createConnection', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged());
    class MyAgent extends http.Agent {
      createConnection(options, cb) {
        ctx.log.push(['createConnection', {
          host: options.host, port: options.port === srv.port, keepAlive: options.keepAlive,
          keepAliveInitialDelay: options.keepAliveInitialDelay, agentKey: options._agentKey?.replace(String(srv.port), '<PORT>'),
          noDelay: options.noDelay, encoding: options.encoding, servername: options.servername, path: options.path,
        }]);
        return net.createConnection({ host: options.host, port: options.port });
      }
    }
    const a = new MyAgent({ keepAlive: true });
    ctx.defer(() => a.destroy());
    for (const i of [0, 1]) await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: `/${i}`, headers: { host: 'virt.example:81' } }, `r${i}`).closed;
    return { conns: srv.conns.length, pool: poolView(a) };
  });
});

test('one agent, two origins: separate pools', async (t) => {
  await same(t, async (http, ctx) => {
    const s1 = await scripted(ctx, tagged());
    const s2 = await scripted(ctx, tagged());
    const a = agent(http, ctx, { keepAlive: true });
    const names = { [`:${s1.port}:`]: ':<S1>:', [`:${s2.port}:`]: ':<S2>:' };
    await fire(http, ctx, { host: HOST, port: s1.port, agent: a }, 'a').closed;
    await fire(http, ctx, { host: HOST, port: s2.port, agent: a }, 'b').closed;
    await fire(http, ctx, { host: HOST, port: s1.port, agent: a }, 'c').closed;
    await delay(10);
    return { pool: poolView(a, names), conns: [s1.conns.length, s2.conns.length] };
  });
});

test('a free socket receiving unexpected bytes is discarded', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      await conn.waitRequests(1);
      conn.write(ok(`c${conn.index}`));
      await delay(50);
      conn.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      if (await conn.waitRequests(2, 500)) conn.write(ok('second-on-same'));
    });
    const a = agent(http, ctx, { keepAlive: true });
    await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/0' }, 'r0').closed;
    await delay(120);
    ctx.log.push(['afterStray', poolView(a)]);
    const req = http.request({ host: HOST, port: srv.port, agent: a, path: '/1' });
    const r = record(req, ctx.log, { label: 'r1', rlabel: 'res1' });
    req.end();
    await r.closed();
    await delay(20);
    return { conns: srv.conns.length, pool: poolView(a), reused: req.reusedSocket };
  });
});

// ---------------------------------------------------------------------------
// Process lifetime

function childCode(mod, port, body) {
  return `
    const http = require(${JSON.stringify(mod)});
    const port = ${port};
    const t0 = Date.now();
    process.on('exit', (c) => console.log('exit', c));
    ${body}
  `;
}

test('idle pooled keep-alive sockets do not keep the process alive', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged());
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const r = await ctx.spawnNode(childCode(mod, srv.port, `
      const a = new http.Agent({ keepAlive: true });
      http.get({ host: '127.0.0.1', port, agent: a }, (res) => {
        res.on('data', () => {});
        res.on('end', () => setTimeout(() => console.log('free', Object.keys(a.freeSockets).length), 20));
      });
    `), { ms: 4000 });
    return { stdout: r.stdout, code: r.code, timedOut: r.timedOut, stderr: r.stderr, conns: srv.conns.length };
  });
});

test('the global agent\'s idle sockets do not keep the process alive', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged());
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const r = await ctx.spawnNode(childCode(mod, srv.port, `
      http.get('http://127.0.0.1:' + port + '/', (res) => { res.resume(); res.on('end', () => console.log('end')); });
    `), { ms: 4000 });
    return { stdout: r.stdout, code: r.code, timedOut: r.timedOut, stderr: r.stderr };
  });
});

test('an in-flight request keeps the process alive until the response', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged(() => 600));
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const r = await ctx.spawnNode(childCode(mod, srv.port, `
      const a = new http.Agent({ keepAlive: true });
      http.get({ host: '127.0.0.1', port, agent: a }, (res) => {
        let b = '';
        res.on('data', (d) => { b += d; });
        res.on('end', () => console.log('body', b, Date.now() - t0 >= 500));
      });
    `), { ms: 5000 });
    return { stdout: r.stdout, code: r.code, timedOut: r.timedOut, stderr: r.stderr };
  });
});

test('an in-flight request whose connect is pending keeps the process alive', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, tagged(() => 300));
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const r = await ctx.spawnNode(childCode(mod, srv.port, `
      const req = http.request({ host: '127.0.0.1', port, agent: false, method: 'POST' }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d) => console.log('data', d));
      });
      req.write('x');
      setTimeout(() => req.end('y'), 200);
    `), { ms: 5000 });
    return { stdout: r.stdout, code: r.code, timedOut: r.timedOut, stderr: r.stderr, wire: srv.received() };
  });
});
