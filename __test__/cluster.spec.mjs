// node:cluster workers serving http, on core and under rhttp/register (the
// workers inherit the preload), in both scheduling policies: 'rr' (the
// primary accepts and hands each connection to a worker) and 'none' (each
// worker accepts on the shared socket). Under rhttp a worker serves each
// connection libuv accepted for it natively, from its descriptor.
//
// fixtures/cluster-app.js runs in a child process twice; this process sends
// both the same raw requests and compares the bytes (which worker answered,
// `x-worker`, masked) and the notes the workers logged about each request.
// Which worker gets a connection is up to the primary and the kernel, so
// the notes are compared with the worker's name masked.

import anyTest from 'ava';
import { differentialScenario } from './fixtures/apps.mjs';
import { sleep, connect, head, typed, exchange, inTurn, notes } from './helpers/lib-scenario.mjs';

// Serial: each test runs two primaries with their workers.
const test = anyTest.serial;

const APP = 'cluster-app.js';
const maskWorker = (got) => got.replace(/^(x-worker: )w\d+$/gim, '$1<w>');
const workerOf = (got) => (got.match(/^x-worker: (w\d+)$/im) || [])[1];

/** A request's notes, whichever worker logged them, in order. */
async function requestNotes(app, id, until = /: res close$/) {
  await app.waitLine((l) => l.id === id && until.test(`${l.at}: ${l.ev}`), 3000, String(until)).catch(() => {});
  await sleep(100);
  const all = await notes(app, id, null, { settle: 0 });
  return all.order.map((line) => line.replace(/^w\d+: /, ''));
}

/** The notes not about a request (connections, closes), worker masked. */
const otherNotes = (app, re) => app.lines
  .filter((l) => l.id === null && /^w\d+$/.test(l.at) && re.test(l.ev))
  .map((l) => l.ev);

for (const sched of ['rr', 'none']) {
  const env = { SCHED: sched };

  test(`${sched}: new connections, one request each, spread over the workers`, async (t) => {
    const out = await differentialScenario(t, APP, async (app) => {
      const got = [];
      const workers = new Set();
      for (let i = 0; i < 4; i++) {
        const seen = await exchange(t, app, [head('GET', `/hello/${i}`, `n${i}`, { Connection: 'close' })]);
        workers.add(workerOf(seen.got));
        got.push({ ...seen, got: maskWorker(seen.got), notes: await requestNotes(app, `n${i}`) });
      }
      const classes = app.lines.filter((l) => l.at === 'socket-class').map((l) => l.ev);
      return { got, workers: workers.size, connections: otherNotes(app, /^connection /), classes };
    }, { env });
    t.deepEqual(out.rhttp.got, out.core.got);
    t.deepEqual(out.rhttp.connections, out.core.connections);
    t.true(out.core.got.every((g) => g.got.startsWith('HTTP/1.1 200 OK') && g.ended));
    t.is(out.core.connections.length, 4);
    // rhttp serves the connections libuv accepted natively, not through net.
    t.deepEqual(out.core.classes, ['net.Socket', 'net.Socket', 'net.Socket', 'net.Socket']);
    t.deepEqual(out.rhttp.classes, ['other', 'other', 'other', 'other']);
    // The same process can serve them all ('none'): at least one worker did.
    t.true(out.core.workers >= 1 && out.rhttp.workers >= 1);
  });

  test(`${sched}: one keep-alive connection: requests in turn, a pipelined pair, a 64 KiB POST echo`, async (t) => {
    const big = 'x'.repeat(65536);
    const out = await differentialScenario(t, APP, async (app) => {
      const inturn = await inTurn(t, app, [
        head('GET', '/a', 'k1'),
        head('GET', '/b', 'k2'),
        head('GET', '/a', 'k3') + head('GET', '/b', 'k4'),
        typed('POST', '/echo', 'k5', 'text/plain', big),
      ]);
      const workers = new Set([...inturn.got.matchAll(/^x-worker: (w\d+)$/gim)].map((m) => m[1]));
      const ids = ['k1', 'k2', 'k3', 'k4', 'k5'];
      const perRequest = {};
      for (const id of ids) perRequest[id] = await requestNotes(app, id);
      return { got: maskWorker(inturn.got), ended: inturn.ended, workers: workers.size, perRequest };
    }, { env });
    t.deepEqual(out.rhttp, out.core);
    t.is(out.core.workers, 1, 'one connection, one worker');
    t.true(out.core.got.endsWith(big));
  });

  test(`${sched}: a client that leaves mid-body: aborted, ECONNRESET, closes`, async (t) => {
    const out = await differentialScenario(t, APP, async (app) => {
      const c = connect(t, app);
      await c.send(head('POST', '/echo', 'gone', { 'Content-Length': 1000 }) + 'y'.repeat(100));
      await app.waitLine((l) => l.id === 'gone' && /^request /.test(l.ev), 3000).catch(() => {});
      c.socket.destroy();
      return { notes: await requestNotes(app, 'gone', /: (req|res) close$/) };
    }, { env });
    t.deepEqual(out.rhttp, out.core);
    t.true(out.core.notes.includes('req aborted'));
  });

  test(`${sched}: an upgrade: the worker's socket echoes after its 101`, async (t) => {
    const out = await differentialScenario(t, APP, async (app) => {
      const c = connect(t, app, { allowHalfOpen: true });
      await c.send(head('GET', '/echo-proto', 'up', { Connection: 'Upgrade', Upgrade: 'echo' }) + 'early');
      await c.until(() => c.text().includes('early'), 2000);
      await c.send('later');
      await c.until(() => c.text().includes('later'), 2000);
      c.socket.end();
      await c.closes(2000);
      return { got: c.view(), notes: await requestNotes(app, 'up', /: upgraded close$/) };
    }, { env });
    t.deepEqual(out.rhttp, out.core);
    t.true(out.core.got.got.endsWith('earlylater'));
  });

  test(`${sched}: one worker: _connections and getConnections count its connections`, async (t) => {
    const out = await differentialScenario(t, APP, async (app) => {
      const idle = [];
      for (let i = 0; i < 3; i++) idle.push(await inTurn(t, app, [head('GET', `/i${i}`, `i${i}`)], { linger: 0 }));
      const open = [];
      for (let i = 0; i < 2; i++) {
        const c = connect(t, app);
        await c.send(head('GET', `/o${i}`, `o${i}`));
        await c.until(() => c.text().includes(`hello /o${i}`), 2000);
        open.push(c);
      }
      const counted = await exchange(t, app, [head('GET', '/connections', 'count')]);
      const notesOf = await requestNotes(app, 'count');
      for (const c of open) c.socket.destroy();
      return { counted: maskWorker(counted.got), notes: notesOf, idle: idle.map((v) => maskWorker(v.got)) };
    }, { env: { ...env, WORKERS: '1' } });
    t.deepEqual(out.rhttp, out.core);
    t.regex(out.core.counted, /connections 3$/);
  });

  test(`${sched}: one worker closes its server: its open connection is served, a new one is refused`, async (t) => {
    const out = await differentialScenario(t, APP, async (app) => {
      const c = connect(t, app);
      await c.send(head('GET', '/close-server', 'cs'));
      await c.until(() => c.text().includes('hello /close-server'), 2000);
      await sleep(150);
      const late = connect(t, app);
      await late.until(() => late.state.closed, 2000);
      await c.send(head('GET', '/after', 'after', { Connection: 'close' }));
      await c.until(() => c.state.closed, 2000);
      await sleep(100);
      return {
        got: maskWorker(c.view().got),
        late: late.view(),
        cs: await requestNotes(app, 'cs'),
        after: await requestNotes(app, 'after'),
        closes: otherNotes(app, /^(server close|socket close)/),
      };
    }, { env: { ...env, WORKERS: '1' } });
    t.deepEqual(out.rhttp, out.core);
    t.is(out.core.late.error, 'ECONNREFUSED');
    t.true(out.core.cs.includes('listening false'));
    t.true(out.core.closes.includes('server close'));
  });
}

// Round-robin: a worker at its limit hands the connection back; the
// primary offers it again until a worker has room.
test('rr: maxConnections: a connection over every worker limit waits for room', async (t) => {
  const out = await differentialScenario(t, APP, async (app) => {
    const open = [];
    for (let i = 0; i < 2; i++) {
      const c = connect(t, app);
      await c.send(head('GET', `/m${i}`, `m${i}`));
      await c.until(() => c.text().includes(`hello /m${i}`), 2000);
      open.push(c);
    }
    const waiting = connect(t, app);
    await waiting.send(head('GET', '/m2', 'm2'));
    await sleep(200);
    const before = waiting.text();
    open[0].socket.destroy();
    await waiting.until(() => waiting.text().includes('hello /m2'), 2000);
    for (const c of [open[1], waiting]) c.socket.destroy();
    await sleep(100);
    return { before, after: maskWorker(waiting.view().got), drops: otherNotes(app, /^drop /) };
  }, { env: { SCHED: 'rr', MAX_CONNECTIONS: '1' } });
  t.deepEqual(out.rhttp, out.core);
  t.is(out.core.before, '');
  t.regex(out.core.after, /hello \/m2$/);
});

// Each worker accepting for itself: over its limit it drops the connection.
test('none: maxConnections: a connection over the limit is dropped', async (t) => {
  const out = await differentialScenario(t, APP, async (app) => {
    const first = connect(t, app);
    await first.send(head('GET', '/one', 'm1'));
    await first.until(() => first.text().includes('hello /one'), 2000);
    // It sends nothing: bytes that reach the dropped socket before its
    // close turn the FIN into a reset, a race in core as here.
    const second = connect(t, app);
    await second.until(() => second.state.closed, 2000);
    first.socket.destroy();
    await sleep(100);
    return { first: maskWorker(first.view().got), second: second.view(), drops: otherNotes(app, /^drop /) };
  }, { env: { SCHED: 'none', WORKERS: '1', MAX_CONNECTIONS: '1' } });
  t.deepEqual(out.rhttp, out.core);
  t.deepEqual(out.core.drops, ['drop IPv4']);
});
