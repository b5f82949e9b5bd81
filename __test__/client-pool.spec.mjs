// The agent's pool decisions, taken in Rust (src/client/pool.rs): each
// scenario drives a pool through a decision core's _http_agent makes in a
// specific way — a subclass with asynchronous socket creation (agent-base's
// placeholder sockets), limits changed on a live agent, a queued request
// destroyed while it waits, failed createConnections, one origin's idle
// socket starting a connection for another origin's queue — and compares
// the views (sockets / freeSockets / requests / totalSocketCount), the
// request events and the connections the server saw with node:http's.

import anyTest from 'ava';
import { createRequire } from 'node:module';
import {
  same, delay, HOST, scripted, ok, agent, poolView,
} from './helpers/client-diff.mjs';
import { slow, fire } from './helpers/pool-scenarios.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');

// Serial: the scenarios depend on timing.
const test = anyTest.serial;

test('agent-base style subclass: async createSocket with placeholder sockets under maxSockets: 1', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(20));
    // What agent-base v7 does: count a placeholder while connecting, then
    // hand over to the base createSocket.
    class AsyncAgent extends http.Agent {
      createSocket(req, options, cb) {
        const name = this.getName(options);
        if (!this.sockets[name]) this.sockets[name] = [];
        const fake = new net.Socket({ writable: false });
        this.sockets[name].push(fake);
        this.totalSocketCount++;
        ctx.log.push(['placeholder', poolView(this)]);
        setTimeout(() => {
          this.sockets[name].splice(this.sockets[name].indexOf(fake), 1);
          if (this.sockets[name].length === 0) delete this.sockets[name];
          this.totalSocketCount--;
          super.createSocket(req, options, cb);
        }, 10);
      }
    }
    const a = new AsyncAgent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => a.destroy());
    const reqs = [0, 1, 2].map((i) => fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: `/${i}` }, `r${i}`));
    ctx.log.push(['queued', poolView(a)]);
    await Promise.all(reqs.map((r) => r.closed));
    await delay(10);
    return { pool: poolView(a), conns: srv.conns.length };
  });
});

test('maxSockets lowered on a live agent: idle sockets are reused, the surplus closed on release', async (t) => {
  await same(t, async (http, ctx) => {
    // Delays that fix the order: c1 is freed after c0 in the first round,
    // c0 after c1 in the second.
    const srv = await scripted(ctx, async (conn) => {
      for (let i = 0; ; i++) {
        if (!(await conn.waitRequests(i + 1, 5000))) return;
        const late = (i === 0) === (conn.index === 1);
        await delay(late ? 40 : 5);
        conn.write(ok(`c${conn.index}-r${i}`));
      }
    });
    const a = agent(http, ctx, { keepAlive: true });
    const opts = { host: HOST, port: srv.port, agent: a };
    await Promise.all([0, 1].map((i) => fire(http, ctx, { ...opts, path: `/a${i}` }, 'a').closed));
    await delay(10);
    ctx.log = [['idle', poolView(a)]];
    a.maxSockets = 1;
    const reqs = [0, 1, 2].map((i) => fire(http, ctx, { ...opts, path: `/b${i}` }, `b${i}`));
    ctx.log.push(['after', poolView(a)]);
    await Promise.all(reqs.map((r) => r.closed));
    await delay(30);
    return {
      pool: poolView(a),
      conns: srv.conns.map((c) => ({ requests: c.requests.length, closed: c.closed })),
    };
  });
});

test('a queued request destroyed while it waits is skipped when a socket frees', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(30));
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    const opts = { host: HOST, port: srv.port, agent: a };
    const r0 = fire(http, ctx, { ...opts, path: '/0' }, 'r0');
    const r1 = fire(http, ctx, { ...opts, path: '/1' }, 'r1');
    const r2 = fire(http, ctx, { ...opts, path: '/2' }, 'r2');
    r1.req.on('socket', () => ctx.log.push(['r1:socket', r1.req.destroyed]));
    r1.req.destroy();
    ctx.log.push(['destroyed', poolView(a)]);
    await Promise.all([r0, r1, r2].map((r) => r.closed));
    await delay(10);
    return { pool: poolView(a), conns: srv.conns.length, wire: srv.received() };
  });
});

test('a failed asynchronous createConnection is not counted: the next request connects', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    let calls = 0;
    class FlakyAgent extends http.Agent {
      createConnection(options, cb) {
        if (calls++ === 0) {
          setImmediate(() => cb(Object.assign(new Error('connect failed'), { code: 'EFLAKY' })));
          return undefined;
        }
        return net.createConnection({ host: options.host, port: options.port });
      }
    }
    const a = new FlakyAgent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => a.destroy());
    const opts = { host: HOST, port: srv.port, agent: a };
    await fire(http, ctx, { ...opts, path: '/0' }, 'r0').closed;
    ctx.log.push(['after failure', poolView(a)]);
    await fire(http, ctx, { ...opts, path: '/1' }, 'r1').closed;
    await delay(10);
    return { pool: poolView(a), conns: srv.conns.length, calls };
  });
});

test('maxTotalSockets: 1, an idle socket of one origin starts a connection for another origin\'s queue', async (t) => {
  await same(t, async (http, ctx) => {
    const s1 = await scripted(ctx, slow(30));
    const s2 = await scripted(ctx, slow(0));
    const names = { [`:${s1.port}:`]: ':<S1>:', [`:${s2.port}:`]: ':<S2>:' };
    const a = agent(http, ctx, { keepAlive: true, maxTotalSockets: 1 });
    a.on('free', () => ctx.log.push(['free', poolView(a, names)]));
    const r0 = fire(http, ctx, { host: HOST, port: s1.port, agent: a, path: '/0' }, 'r0');
    const r1 = fire(http, ctx, { host: HOST, port: s2.port, agent: a, path: '/1' }, 'r1');
    ctx.log.push(['queued', poolView(a, names)]);
    await Promise.all([r0.closed, r1.closed]);
    await delay(20);
    ctx.log.push(['settled', poolView(a, names)]);
    // Both origins now hold an idle socket; a third request reuses s1's.
    await fire(http, ctx, { host: HOST, port: s1.port, agent: a, path: '/2' }, 'r2').closed;
    await delay(10);
    return { pool: poolView(a, names), conns: [s1.conns.length, s2.conns.length] };
  });
});

test('two requests racing a failing asynchronous createConnection (maxSockets: 1)', async (t) => {
  // Core counts a socket once createConnection hands it over, so the second
  // request opens its own while the first is still connecting.
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    let calls = 0;
    class FlakyAgent extends http.Agent {
      createConnection(options, cb) {
        if (calls++ === 0) {
          setTimeout(() => cb(Object.assign(new Error('connect failed'), { code: 'EFLAKY' })), 10);
          return undefined;
        }
        return net.createConnection({ host: options.host, port: options.port });
      }
    }
    const a = new FlakyAgent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => a.destroy());
    const opts = { host: HOST, port: srv.port, agent: a };
    const r0 = fire(http, ctx, { ...opts, path: '/0' }, 'r0');
    const r1 = fire(http, ctx, { ...opts, path: '/1' }, 'r1');
    ctx.log.push(['both made', poolView(a)]);
    await Promise.all([r0.closed, r1.closed]);
    await delay(10);
    ctx.log.sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    return { pool: poolView(a), conns: srv.conns.length, calls };
  });
});
