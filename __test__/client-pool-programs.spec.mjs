// What programs and Agent subclasses do to a pool (src/client/pool.rs,
// lib/agent.js): differential scenarios for the places where they can see
// or change its bookkeeping — limits given as non-numbers, a
// createSocket / createConnection that does not complete through the base
// createSocket (a synchronous throw, agent-base delegating to another
// agent), queued requests a program takes out of agent.requests, programs
// calling removeSocket / emitting 'agentRemove' / 'free' themselves,
// upgrades with requests queued, limits and scheduling changed live.
//
// A scenario whose rhttp run hangs is bounded: the request is logged as
// 'pending' after a short wait instead.

import anyTest from 'ava';
import { createRequire } from 'node:module';
import {
  same, delay, HOST, scripted, ok, agent, poolView, onceOr, tryCall,
  nodeHttp, RHTTP_PATH,
} from './helpers/client-diff.mjs';
import { slow, fire, connView, inTurn } from './helpers/pool-scenarios.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');

// Serial: the scenarios depend on timing.
const test = anyTest.serial;

// ---------------------------------------------------------------------------
// Limits that are not numbers (core compares them with < and >, which
// coerce; the Rust pool takes f64 arguments)

test('maxSockets given as a numeric string limits like the number', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(20));
    // e.g. new Agent({ maxSockets: process.env.MAX_SOCKETS })
    const a = agent(http, ctx, { keepAlive: true, maxSockets: '1' });
    const reqs = [];
    for (let i = 0; i < 3; i++) {
      const r = tryCall(() => reqs.push(fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: `/${i}` }, `r${i}`)));
      ctx.log.push(['request', r]);
    }
    ctx.log.push(['queued', poolView(a)]);
    await Promise.all(reqs.map((r) => r.closed));
    await delay(10);
    return { pool: poolView(a), conns: connView(srv) };
  });
});

test('maxFreeSockets set to a numeric string on a live agent (child process)', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
    const r = await ctx.spawnNode(`
      const http = require(${JSON.stringify(mod)});
      process.on('uncaughtException', (e) => { console.log('uncaught', e.message); process.exit(3); });
      const a = new http.Agent({ keepAlive: true });
      a.maxFreeSockets = '2';
      http.get({ host: '127.0.0.1', port: ${srv.port}, agent: a }, (res) => {
        res.resume();
        res.on('end', () => setTimeout(() => {
          console.log('free', Object.keys(a.freeSockets).length, a.totalSocketCount);
          a.destroy();
        }, 20));
      });
    `, { ms: 4000 });
    return { stdout: r.stdout, code: r.code, timedOut: r.timedOut };
  });
});

test('maxFreeSockets set to NaN on a live agent: core keeps the socket idle', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    const a = agent(http, ctx, { keepAlive: true });
    a.maxFreeSockets = Number(undefined); // e.g. Number(process.env.UNSET)
    await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/0' }, 'r0').closed;
    await delay(10);
    ctx.log.push(['idle', poolView(a)]);
    await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/1' }, 'r1').closed;
    return { conns: connView(srv) };
  });
});

// ---------------------------------------------------------------------------
// Sockets the pool decided to open whose creation never completes through
// the base createSocket

test('createConnection throwing synchronously: the request throws, the next one still connects (maxSockets: 1)', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    let calls = 0;
    class ThrowingAgent extends http.Agent {
      createConnection(options, cb) {
        if (calls++ === 0) throw Object.assign(new Error('no route'), { code: 'ETHROWN' });
        return super.createConnection(options, cb);
      }
    }
    const a = new ThrowingAgent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => a.destroy());
    const opts = { host: HOST, port: srv.port, agent: a };
    ctx.log.push(['r0', tryCall(() => http.request({ ...opts, path: '/0' }))]);
    ctx.log.push(['after throw', poolView(a)]);
    const r1 = fire(http, ctx, { ...opts, path: '/1' }, 'r1');
    ctx.log.push(['r1 sent', poolView(a)]);
    await r1.closed;
    return { calls, conns: connView(srv) };
  });
});

test('createConnection calling back an error synchronously: uncounted, the next request connects', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    let calls = 0;
    class SyncErrAgent extends http.Agent {
      createConnection(options, cb) {
        if (calls++ === 0) { cb(Object.assign(new Error('refused'), { code: 'ESYNCERR' })); return undefined; }
        return super.createConnection(options, cb);
      }
    }
    const a = new SyncErrAgent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => a.destroy());
    const opts = { host: HOST, port: srv.port, agent: a };
    const r0 = fire(http, ctx, { ...opts, path: '/0' }, 'r0');
    ctx.log.push(['r0 sent', poolView(a)]);
    await r0.closed;
    await fire(http, ctx, { ...opts, path: '/1' }, 'r1').closed;
    await delay(10);
    return { calls, pool: poolView(a), conns: connView(srv) };
  });
});

test('agent-base style createSocket delegating to another agent (proxy-agent) under maxSockets: 1', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    const inner = agent(http, ctx, { keepAlive: true });
    // agent-base v7 when connect() resolves to an http.Agent (what
    // proxy-agent's ProxyAgent always does): the request goes to that
    // agent's addRequest and this agent's createSocket cb is never called.
    class DelegatingAgent extends http.Agent {
      createSocket(req, options, cb) {
        const connectOpts = { ...options, secureEndpoint: false };
        Promise.resolve().then(() => {
          try { inner.addRequest(req, connectOpts); } catch (err) { cb(err); }
        });
      }
    }
    const a = new DelegatingAgent({ maxSockets: 1 });
    ctx.defer(() => a.destroy());
    const opts = { host: HOST, port: srv.port, agent: a };
    for (let i = 0; i < 3; i++) {
      await fire(http, ctx, { ...opts, path: `/${i}` }, `r${i}`).closed;
      ctx.log.push([`after r${i}`, poolView(a), poolView(inner)]);
    }
    return { conns: connView(srv) };
  });
});

test('a createSocket override that connects by itself and calls back without super (maxSockets: 1)', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    class OwnSocketAgent extends http.Agent {
      createSocket(req, options, cb) {
        cb(null, net.createConnection({ host: options.host, port: options.port }));
      }
    }
    const a = new OwnSocketAgent({ maxSockets: 1 });
    ctx.defer(() => a.destroy());
    const opts = { host: HOST, port: srv.port, agent: a };
    await inTurn(http, ctx, opts, a);
    return { conns: connView(srv) };
  });
});

// ---------------------------------------------------------------------------
// Programs that edit agent.requests

test('a queued request taken out of agent.requests: the close of the active socket serves the next one', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(30));
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    const opts = { host: HOST, port: srv.port, agent: a };
    const r0 = fire(http, ctx, { ...opts, path: '/0-close' }, 'r0');
    const r1 = fire(http, ctx, { ...opts, path: '/1' }, 'r1', 400);
    const r2 = fire(http, ctx, { ...opts, path: '/2' }, 'r2');
    // A program cancelling a queued request by taking it out of the queue.
    const name = Object.keys(a.requests)[0];
    a.requests[name].splice(a.requests[name].indexOf(r1.req), 1);
    ctx.log.push(['cancelled', poolView(a)]);
    await Promise.all([r0.closed, r1.closed, r2.closed]);
    await delay(10);
    return { pool: poolView(a), conns: connView(srv) };
  });
});

test('another origin\'s queue removed from agent.requests: the next origin is served (maxTotalSockets: 1)', async (t) => {
  await same(t, async (http, ctx) => {
    const s1 = await scripted(ctx, slow(30));
    const s2 = await scripted(ctx, slow(0));
    const s3 = await scripted(ctx, slow(0));
    const names = { [`:${s1.port}:`]: ':<S1>:', [`:${s2.port}:`]: ':<S2>:', [`:${s3.port}:`]: ':<S3>:' };
    const a = agent(http, ctx, { keepAlive: true, maxTotalSockets: 1 });
    const r0 = fire(http, ctx, { host: HOST, port: s1.port, agent: a, path: '/0-close' }, 'r0');
    const r1 = fire(http, ctx, { host: HOST, port: s2.port, agent: a, path: '/1' }, 'r1', 400);
    const r2 = fire(http, ctx, { host: HOST, port: s3.port, agent: a, path: '/2' }, 'r2');
    // The program drops s2's whole queue.
    for (const k of Object.keys(a.requests)) if (a.requests[k].includes(r1.req)) delete a.requests[k];
    ctx.log.push(['dropped', poolView(a, names)]);
    await Promise.all([r0.closed, r1.closed, r2.closed]);
    await delay(10);
    return { pool: poolView(a, names), conns: [connView(s1), connView(s2), connView(s3)] };
  });
});

// ---------------------------------------------------------------------------
// Subclasses and programs calling the agent's methods / emitting its events

test('a removeSocket override sees every call core makes (park included)', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    class CountingAgent extends http.Agent {
      removeSocket(s, options) {
        const inFree = Object.values(this.freeSockets).some((l) => l.includes(s));
        ctx.log.push(['removeSocket', { writable: s.writable, inFree }]);
        return super.removeSocket(s, options);
      }
    }
    const a = new CountingAgent({ keepAlive: true });
    ctx.defer(() => a.destroy());
    await fire(http, ctx, { host: HOST, port: srv.port, agent: a, path: '/0' }, 'r0').closed;
    ctx.log.push(['idle', poolView(a)]);
    a.destroy();
    await delay(20);
    return { pool: poolView(a) };
  });
});

test('\'agentRemove\' emitted by a program on an idle socket: core still reuses it', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    const a = agent(http, ctx, { keepAlive: true });
    const opts = { host: HOST, port: srv.port, agent: a };
    await fire(http, ctx, { ...opts, path: '/0' }, 'r0').closed;
    const idle = Object.values(a.freeSockets)[0][0];
    idle.emit('agentRemove');
    ctx.log.push(['removed', poolView(a)]);
    await fire(http, ctx, { ...opts, path: '/1' }, 'r1').closed;
    ctx.log.push(['after', poolView(a)]);
    return { conns: connView(srv) };
  });
});

test('agent.removeSocket(idle socket) called by a program: core still reuses it', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    const a = agent(http, ctx, { keepAlive: true });
    const opts = { host: HOST, port: srv.port, agent: a };
    await fire(http, ctx, { ...opts, path: '/0' }, 'r0').closed;
    const idle = Object.values(a.freeSockets)[0][0];
    a.removeSocket(idle, { host: HOST, port: srv.port });
    ctx.log.push(['removed', poolView(a)]);
    await fire(http, ctx, { ...opts, path: '/1' }, 'r1').closed;
    ctx.log.push(['after', poolView(a)]);
    return { conns: connView(srv) };
  });
});

test('agent \'free\' emitted by a program with a socket of its own serves a queued request; its close starts nothing', async (t) => {
  await same(t, async (http, ctx) => {
    // /0 is answered late; the others at once.
    const srv = await scripted(ctx, async (conn) => {
      for (let i = 0; ; i++) {
        if (!(await conn.waitRequests(i + 1, 5000))) return;
        const head = conn.requests[i];
        if (/^GET \/0 /.test(head)) await delay(150);
        const close = /^GET [^ ]*close/.test(head);
        conn.write(ok(`c${conn.index}-r${i}`, close ? { Connection: 'close' } : {}));
        if (close) { conn.end(); return; }
      }
    });
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    const opts = { host: HOST, port: srv.port, agent: a };
    const r0 = fire(http, ctx, { ...opts, path: '/0' }, 'r0');
    await srv.waitConns(1, 1000);
    const own = net.createConnection({ host: HOST, port: srv.port });
    ctx.defer(() => own.destroy());
    await onceOr(own, 'connect', 1000);
    const r1 = fire(http, ctx, { ...opts, path: '/1-close' }, 'r1');
    const r2 = fire(http, ctx, { ...opts, path: '/2' }, 'r2');
    // r1 gets the program's socket; when the server closes it, core starts
    // nothing (it never listened to that socket): r2 waits for r0's socket.
    a.emit('free', own, { host: HOST, port: srv.port });
    ctx.log.push(['handed', poolView(a)]);
    await Promise.all([r0.closed, r1.closed, r2.closed]);
    await delay(10);
    return { pool: poolView(a), conns: connView(srv) };
  });
});

test('a createSocket override that changes the host (a resolving agent) under maxSockets: 1', async (t) => {
  await same(t, async (http, ctx) => {
    // Responses 40 ms apart, so each 'free' comes after the previous
    // socket's close (the counts the release decision sees are then fixed).
    const srv = await scripted(ctx, async (conn) => {
      for (let i = 0; ; i++) {
        if (!(await conn.waitRequests(i + 1, 5000))) return;
        const n = Number(/^GET \/(\d+)/.exec(conn.requests[i])[1]);
        await delay(20 + 40 * n);
        conn.write(ok(`r${n}`));
      }
    });
    // Requests name 'localhost'; the override connects to the address it
    // resolved. Core counts the socket under the resolved name, so the
    // origin 'localhost' never reaches maxSockets and nothing queues.
    class ResolvingAgent extends http.Agent {
      createSocket(req, options, cb) {
        super.createSocket(req, { ...options, host: HOST }, cb);
      }
    }
    const a = new ResolvingAgent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => a.destroy());
    const opts = { host: 'localhost', port: srv.port, agent: a };
    const reqs = [0, 1, 2].map((i) => fire(http, ctx, { ...opts, path: `/${i}` }, `r${i}`));
    ctx.log.push(['sent', poolView(a)]);
    await Promise.all(reqs.map((r) => r.closed));
    await delay(10);
    return { pool: poolView(a), conns: connView(srv) };
  });
});

test('a createSocket override passing fresh options to super (maxSockets: 1, keepAlive)', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    class FreshOptionsAgent extends http.Agent {
      createSocket(req, options, cb) {
        const fresh = JSON.parse(JSON.stringify({ host: options.host, port: options.port }));
        super.createSocket(req, fresh, cb);
      }
    }
    const a = new FreshOptionsAgent({ keepAlive: true, maxSockets: 1 });
    ctx.defer(() => a.destroy());
    const opts = { host: HOST, port: srv.port, agent: a };
    await inTurn(http, ctx, opts, a, { settle: 10 });
    return { conns: connView(srv) };
  });
});

// ---------------------------------------------------------------------------
// Cases checked to behave as core's

test('an idle socket destroyed by the program: the next request opens a new one, counts until its close', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    const a = agent(http, ctx, { keepAlive: true, maxTotalSockets: 2 });
    const opts = { host: HOST, port: srv.port, agent: a };
    await fire(http, ctx, { ...opts, path: '/0' }, 'r0').closed;
    Object.values(a.freeSockets)[0][0].destroy();
    const r1 = fire(http, ctx, { ...opts, path: '/1' }, 'r1');
    ctx.log.push(['r1 sent', poolView(a)]);
    await r1.closed;
    await delay(10);
    return { pool: poolView(a), conns: connView(srv) };
  });
});

test('an upgrade (agentRemove) with a request queued behind it starts a new socket for it', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      if (!(await conn.waitRequests(1, 5000))) return;
      if (/^GET \/up/.test(conn.requests[0])) {
        conn.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n');
        return;
      }
      conn.write(ok(`c${conn.index}`));
    });
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    const opts = { host: HOST, port: srv.port, agent: a };
    const up = http.request({ ...opts, path: '/up', headers: { Connection: 'Upgrade', Upgrade: 'x' } });
    const upgraded = new Promise((resolve) => {
      up.on('upgrade', (res, socket) => {
        ctx.log.push(['upgrade', res.statusCode, poolView(a)]);
        ctx.defer(() => socket.destroy());
        resolve();
      });
      setTimeout(resolve, 1500);
    });
    up.end();
    const r1 = fire(http, ctx, { ...opts, path: '/1' }, 'r1');
    ctx.log.push(['queued', poolView(a)]);
    await upgraded;
    await r1.closed;
    await delay(10);
    return { pool: poolView(a), conns: srv.conns.length };
  });
});

test('scheduling switched from lifo to fifo on a live agent', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, async (conn) => {
      for (let i = 0; ; i++) {
        if (!(await conn.waitRequests(i + 1, 5000))) return;
        // c0 answers first, c1 later: c0 is freed first.
        await delay(i === 0 && conn.index === 1 ? 40 : 5);
        conn.write(ok(`c${conn.index}-r${i}`));
      }
    });
    const a = agent(http, ctx, { keepAlive: true });
    const opts = { host: HOST, port: srv.port, agent: a };
    await Promise.all([0, 1].map((i) => fire(http, ctx, { ...opts, path: `/a${i}` }, `a${i}`).closed));
    await delay(10);
    a.scheduling = 'fifo';
    await fire(http, ctx, { ...opts, path: '/b' }, 'b').closed;
    a.scheduling = 'lifo';
    await fire(http, ctx, { ...opts, path: '/c' }, 'c').closed;
    return { pool: poolView(a), conns: connView(srv) };
  });
});

test('maxTotalSockets raised on a live agent lets a new request connect', async (t) => {
  await same(t, async (http, ctx) => {
    // The first connection answers first, so r1 (queued) gets it.
    const srv = await scripted(ctx, async (conn) => {
      for (let i = 0; ; i++) {
        if (!(await conn.waitRequests(i + 1, 5000))) return;
        await delay(i === 0 ? 40 * (conn.index + 1) : 0);
        conn.write(ok(`c${conn.index}-r${i}`));
      }
    });
    const a = agent(http, ctx, { keepAlive: true, maxTotalSockets: 1 });
    const opts = { host: HOST, port: srv.port, agent: a };
    const r0 = fire(http, ctx, { ...opts, path: '/0' }, 'r0');
    const r1 = fire(http, ctx, { ...opts, path: '/1' }, 'r1');
    a.maxTotalSockets = 3;
    const r2 = fire(http, ctx, { ...opts, path: '/2' }, 'r2');
    ctx.log.push(['raised', poolView(a)]);
    await Promise.all([r0.closed, r1.closed, r2.closed]);
    await delay(10);
    return { pool: poolView(a), conns: connView(srv) };
  });
});

test('a free socket emitting \'error\' leaves the pool; the next request connects anew', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(0));
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    const opts = { host: HOST, port: srv.port, agent: a };
    await fire(http, ctx, { ...opts, path: '/0' }, 'r0').closed;
    Object.values(a.freeSockets)[0][0].emit('error', new Error('boom'));
    ctx.log.push(['errored', poolView(a)]);
    await fire(http, ctx, { ...opts, path: '/1' }, 'r1').closed;
    await delay(10);
    return { pool: poolView(a), conns: connView(srv) };
  });
});

test('agent.destroy() with queued requests: they get new sockets', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await scripted(ctx, slow(30));
    const a = agent(http, ctx, { keepAlive: true, maxSockets: 1 });
    const opts = { host: HOST, port: srv.port, agent: a };
    const reqs = [0, 1, 2].map((i) => fire(http, ctx, { ...opts, path: `/${i}` }, `r${i}`));
    await delay(10);
    a.destroy();
    ctx.log.push(['destroyed', poolView(a)]);
    await Promise.all(reqs.map((r) => r.closed));
    await delay(10);
    return { pool: poolView(a), conns: connView(srv) };
  });
});
