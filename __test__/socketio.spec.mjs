// socket.io 4, unmodified, on rhttp. fixtures/socketio-app.js runs the
// socket.io servers in a child process twice, on core's http and with
// rhttp/register preloaded, and the same clients must see the same things:
// event order per client, ack values, disconnect reasons, server-side
// handshakes and counts, raw response bytes. Clients here use socket.io-client
// on this process's (core) http; the "inside" tests run the client in the
// fixture process, on rhttp's client under register.

import test from 'ava';
import { createRequire } from 'node:module';
import net from 'node:net';
import { startApp } from './fixtures/apps.mjs';

const require = createRequire(import.meta.url);
const ioc = require('socket.io-client');
const { chatScript, once, ser, BIG } = require('./fixtures/socketio-app.js');

/** Runs `fn(app)` against the fixture on core and under register, in parallel.
 * The tests are serial: 24 fixture processes at once on 2 cores made the
 * bounded waits flaky. */
async function both(t, fn, { args = [], env = {} } = {}) {
  t.timeout(10000);
  const run = async (mode) => {
    const app = await startApp(t, 'socketio-app.js', { mode, args, env });
    t.is(app.info.rhttp, mode !== 'core');
    return fn(app);
  };
  const [core, rhttp] = await Promise.all([run('core'), run('require')]);
  return { core, rhttp };
}

/** The server's notes so far, from a `srv` (all servers if omitted). */
const serverNotes = (app, srv) => app.lines.filter((l) => 'ev' in l && (!srv || l.srv === srv));

// ---------------------------------------------------------------------------
// 1, 2: the conversation, clients in this process

// After the server kicks c2 over polling, c2's next GET and its close POST
// go out on two new connections at once; which one the server handles first
// picks the engine's close reason. rhttp keeps their order but in about 2 of
// 1,000 pairs (see the 'kicked polling client' test below), so here that
// reason is left out.
const unraced = (server, transports) => server.map((l) => (
  transports === 'polling' && l.ev === 'engine close' && l.name === 'c2' ? { ...l, reason: '(raced)' } : l));

const chat = (transports) => async (app) => {
  const clients = await chatScript({ io: ioc, url: app.url, transports, waitServer: app.waitLine });
  return { clients, server: unraced(serverNotes(app), String(transports)) };
};

/** What core must show for the conversation to mean anything. */
function sanity(t, { clients, server }, connectedOver) {
  const { logs, acks } = clients;
  t.deepEqual(acks.json, [{ a: 1, nested: { b: [1, 2, 'x'], u: 'ü€😀', nil: null }, t: true }]);
  t.deepEqual(acks.multi, [1, 'two', null, [true, false]]);
  t.deepEqual(acks.mixed, ser([{ bin: Buffer.alloc(5000, 3), list: [Buffer.from([9]), 'x'] }, 42]));
  t.deepEqual(acks.big, [ser(BIG)]);
  t.deepEqual(acks.toRoom, [2]);
  t.deepEqual(acks['rooms after reconnect'], [[]]);
  t.deepEqual(logs.c1.filter((e) => e[0] === 'tick').map((e) => e[1]), [...Array(20).keys()]);
  t.false(logs.c3.some((e) => e[0] === 'roomMsg'));
  t.deepEqual(logs.c2.at(-1), ['disconnect', 'io server disconnect']);
  t.deepEqual(logs.c1.slice(-5).map((e) => e.slice(0, 2)),
    [['disconnect', 'transport close'], ['reconnect_attempt', 1], ['reconnect', 1], ['connect', connectedOver].filter(Boolean), ['disconnect', 'io client disconnect']]);
  t.like(server.find((l) => l.ev === 'connection'), {
    name: 'c1',
    handshake: { query: { name: 'c1', EIO: '4' }, auth: { token: 'tok-c1' }, hasHost: true, hasTime: true, address: '127.0.0.1' },
  });
  t.deepEqual(server.filter((l) => l.ev === 'disconnect').map((l) => [l.name, l.reason]), [
    ['c3', 'client namespace disconnect'],
    ['c2', 'server namespace disconnect'],
    ['c1', 'forced close'],
    ['c1', 'client namespace disconnect'],
    ['c3', 'client namespace disconnect'],
  ]);
}

test.serial('polling only: acks (text, JSON, binary, 200 KB), broadcast, rooms, disconnects, reconnect', async (t) => {
  const { core, rhttp } = await both(t, chat(['polling']));
  sanity(t, core, 'polling');
  t.deepEqual(rhttp, core);
});

test.serial('websocket only: the same conversation over the upgrade path', async (t) => {
  const { core, rhttp } = await both(t, chat(['websocket']));
  sanity(t, core, 'websocket');
  t.deepEqual(rhttp, core);
});

test.serial('default transports: polling, then the upgrade to websocket happens', async (t) => {
  const { core, rhttp } = await both(t, chat(undefined));
  sanity(t, core, undefined);
  t.deepEqual(core.clients.transportNames, { c1: 'websocket', c2: 'websocket', c3: 'websocket' });
  t.true(core.server.some((l) => l.ev === 'upgrade' && l.transport === 'websocket'));
  t.deepEqual(rhttp, core);
});

// ---------------------------------------------------------------------------
// 3: the client inside the fixture process (rhttp's client under register)

for (const transports of ['polling', 'websocket', 'default']) {
  test.serial(`client inside the process (${transports}): socket.io-client on require('http') talks to its own server`, async (t) => {
    const { core, rhttp } = await both(t, async (app) => {
      const done = await app.waitLine((l) => 'result' in l || 'error' in l, 9000, 'result');
      t.is(done.error, undefined);
      t.true(done.requests > 0, "xmlhttprequest-ssl / ws went through require('http').ClientRequest");
      return { clients: done.result, server: unraced(serverNotes(app), transports) };
    }, { args: ['self', transports] });
    sanity(t, core, transports === 'default' ? undefined : transports);
    t.deepEqual(rhttp, core);
  });
}

// ---------------------------------------------------------------------------
// 4: misuse and edges

/** An exact HTTP exchange on a fresh connection: the response bytes as
 * text, and how the connection ended. */
function exchange(port, request, ms = 3000) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    const done = (end) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ end, text: Buffer.concat(chunks).toString('latin1') });
    };
    const timer = setTimeout(() => done('still open'), ms);
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => done('end'));
    sock.on('error', (e) => done(e.code));
    sock.write(request);
  });
}

/** The same with the Date and the engine.io session id masked. */
const masked = ({ end, text }) => ({
  end,
  text: text.replace(/^Date: .*$/gim, 'Date: <date>').replace(/"sid":"[^"]+"/g, '"sid":"<sid>"'),
});
const raw = async (...args) => masked(await exchange(...args));

const get = (path, headers = '') => `GET ${path} HTTP/1.1\r\nHost: sio.test\r\n${headers}Connection: close\r\n\r\n`;

/** A socket.io-client error's description: an xhr status, or an Error-ish. */
const describe = (d) => (d && typeof d === 'object' ? { message: d.message, code: d.error?.code ?? d.code } : d);

async function connectError(url, opts) {
  const s = ioc(url, { forceNew: true, reconnection: false, timeout: 4000, ...opts });
  try {
    const [err] = await once(s, 'connect_error', 5000);
    return { message: err.message, type: err.type, description: describe(err.description) };
  } finally {
    s.disconnect();
  }
}

test.serial('bad path and bad engine.io requests: client errors and raw responses', async (t) => {
  const { core, rhttp } = await both(t, async (app) => {
    const { port } = app.info;
    const [polling, websocket, ...responses] = await Promise.all([
      connectError(app.url, { path: '/nope', transports: ['polling'] }),
      connectError(app.url, { path: '/nope', transports: ['websocket'] }),
      raw(port, get('/nope/?EIO=4&transport=polling')),
      raw(port, get('/socket.io/?EIO=4&transport=bogus')),
      raw(port, get('/socket.io/?EIO=4&transport=polling&sid=nope')),
      raw(port, get('/socket.io/?EIO=3&transport=polling')),
      raw(port, 'PUT /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: sio.test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
      raw(port, get('/socket.io/?EIO=4&transport=polling')),
      // engine.io answers a bad upgrade by writing to the raw socket.
      raw(port, 'GET /socket.io/?EIO=4&transport=websocket&sid=nope HTTP/1.1\r\nHost: sio.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'),
      // An upgrade nobody takes: engine.io ends the socket after 1 s.
      raw(port, 'GET /nope HTTP/1.1\r\nHost: sio.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'),
    ]);
    return { polling, websocket, responses };
  });
  t.like(core.polling, { message: 'xhr poll error', description: 404 });
  t.regex(core.responses[0].text, /^HTTP\/1\.1 404 /);
  t.deepEqual(rhttp, core);
});

test.serial('cors options: preflight and handshake response bytes', async (t) => {
  const { core, rhttp } = await both(t, async (app) => {
    const port = app.info.ports.cors;
    const preflight = (origin) => raw(port, 'OPTIONS /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: sio.test\r\n' +
      `Origin: ${origin}\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-client\r\nConnection: close\r\n\r\n`);
    return {
      allowed: await preflight('http://allowed.test'),
      other: await preflight('http://other.test'),
      handshake: await raw(port, get('/socket.io/?EIO=4&transport=polling', 'Origin: http://allowed.test\r\n')),
    };
  });
  t.regex(core.allowed.text, /^HTTP\/1\.1 204 /);
  t.regex(core.allowed.text, /Access-Control-Allow-Origin: http:\/\/allowed\.test/i);
  t.deepEqual(rhttp, core);
});

// The engine.io polling protocol by hand, for exchanges whose timing
// socket.io-client does not let a test fix.
const poll = (q) => get(`/socket.io/?EIO=4&transport=polling${q}`);
const post = (sid, body) => `POST /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: sio.test\r\n` +
  `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

/** Opens an engine.io session and connects it to the '/' namespace. */
async function engineSession(port, name) {
  const handshake = await exchange(port, poll(`&name=${name}`));
  const id = /^0\{"sid":"([^"]+)"/m.exec(handshake.text)[1];
  const connect = [await exchange(port, post(id, '40')), await exchange(port, poll(`&sid=${id}`))];
  return { id, handshake, connect };
}

/** A socket.io-client on the "small" server (maxHttpBufferSize 1000) that
 * sends 2000 bytes; returns its disconnect and the server's notes. */
async function overflow(app, transports) {
  const name = `over-${transports}`;
  const s = ioc(`http://127.0.0.1:${app.info.ports.small}`, { transports, forceNew: true, reconnection: false, query: { name } });
  try {
    await once(s, 'connect', 3000);
    s.emit('echo', 'x'.repeat(2000));
    const [reason, details] = await once(s, 'disconnect', 3000);
    await app.waitLine((l) => l.ev === 'engine close' && l.name === name, 3000, 'engine close');
    const server = serverNotes(app, 'small').filter((l) => l.name === name);
    return { reason, details: details && { message: details.message, description: describe(details.description) }, server };
  } finally {
    s.disconnect();
  }
}

test.serial('maxHttpBufferSize exceeded (websocket): the server closes the client', async (t) => {
  const { core, rhttp } = await both(t, (app) => overflow(app, ['websocket']));
  t.is(core.reason, 'transport close');
  t.false(core.server.some((l) => l.ev === 'echo'));
  t.deepEqual(rhttp, core);
});

// Over polling, engine.io answers the POST 413 and in the same tick sends the
// close packet on the parked GET. Which one socket.io-client acts on first is
// a race (xhr defers a non-200 by setTimeout 0): 'transport close' or
// 'transport error', in core too (~1 run in 10). rhttp loses it more often
// (~1 in 3), as it may take the POST before the GET sent just before it (see
// the 'kicked' test). So the client's reason is not compared; the bytes each
// connection gets, replayed with raw sockets and the GET parked first, are.
test.serial('maxHttpBufferSize exceeded (polling): 413 on the POST, close packet on the parked GET', async (t) => {
  const { core, rhttp } = await both(t, async (app) => {
    const port = app.info.ports.small;
    const { id, handshake, connect } = await engineSession(port, 'raw');
    const parked = exchange(port, poll(`&sid=${id}`));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the GET is parked
    const tooLarge = await exchange(port, post(id, `42["echo","${'x'.repeat(2000)}"]`));
    const closed = await parked;
    await app.waitLine((l) => l.ev === 'engine close' && l.name === 'raw', 3000, 'engine close');
    const client = await overflow(app, ['polling']);
    return {
      exchange: [handshake, ...connect, tooLarge, closed].map(masked),
      server: serverNotes(app, 'small').filter((l) => l.name === 'raw'),
      client: { disconnected: typeof client.reason === 'string', server: client.server },
    };
  });
  t.regex(core.exchange[3].text, /^HTTP\/1\.1 413 /);
  t.regex(core.exchange[4].text, /\r\n\r\n1$/);
  t.deepEqual(rhttp, core);
});

// After the server kicks a polling client (socket.disconnect(true)), the
// client sends its next long-poll GET and then a POST with the close packet,
// each on a new connection. Core handles them in the order the connections
// came: the GET gets the close packet ('forced close'), then the POST 400
// "Session ID unknown". rhttp on tokio's multi-thread scheduler let the POST
// in first in about a quarter of the runs (its LIFO slot runs the task woken
// last first); on the current-thread one the order swaps in about 2 of 1,000
// pairs (/tmp/sio-repro/cross-connection-order.js at stop 22, core 0 of
// 1,000). So one run of 30 may differ: two or more fail.
test.serial('kicked polling client: its GET and close POST, sent together, are handled in connection order', async (t) => {
  const { core, rhttp } = await both(t, async (app) => {
    const { port } = app.info;
    const runs = [];
    for (let i = 0; i < 30; i++) {
      const name = `kick${i}`;
      const { id } = await engineSession(port, name);
      const parked = exchange(port, poll(`&sid=${id}`));
      await new Promise((resolve) => setTimeout(resolve, 20)); // the GET is parked
      await exchange(port, post(id, '42["kickMe"]'));
      const kicked = await parked;
      const [next, close] = await Promise.all([exchange(port, poll(`&sid=${id}`)), exchange(port, post(id, '1'))]);
      const { reason } = await app.waitLine((l) => l.ev === 'engine close' && l.name === name, 3000, `engine close of ${name}`);
      runs.push({ kicked: masked(kicked), next: masked(next), close: masked(close), reason });
    }
    return runs;
  });
  t.true(core.every((r) => r.reason === 'forced close' && / 400 /.test(r.close.text)));
  t.is(core.length, 30);
  const differing = rhttp.filter((r, i) => JSON.stringify(r) !== JSON.stringify(core[i]));
  t.true(differing.length <= 1, `${differing.length} of 30 runs differ, first: ${JSON.stringify(differing[0])}`);
});

/** A polling and then a websocket client (in that order, so that the server
 * lists them in one order), without reconnection. */
async function connectOneByOne(app) {
  const clients = {};
  for (const name of ['polling', 'websocket']) {
    clients[name] = ioc(app.url, { transports: [name], forceNew: true, reconnection: false, query: { name } });
    await once(clients[name], 'connect', 3000);
  }
  return clients;
}

test.serial('io.close() with clients connected: both clients see the same reason, the process exits', async (t) => {
  const { core, rhttp } = await both(t, async (app) => {
    const clients = await connectOneByOne(app);
    try {
      clients.polling.emit('shutdown', 'io');
      const reasons = await Promise.all(Object.values(clients).map((s) => once(s, 'disconnect', 4000).then(([r]) => r)));
      const exit = await Promise.race([app.exited, new Promise((resolve) => setTimeout(resolve, 3000, 'still running'))]);
      return { reasons, exit, server: serverNotes(app) };
    } finally {
      for (const s of Object.values(clients)) s.disconnect();
    }
  });
  t.deepEqual(core.reasons, ['transport close', 'transport close']);
  t.deepEqual(core.exit, { code: 0, signal: null });
  t.deepEqual(rhttp, core);
});

// httpServer.close() alone: no new connections, so the polling client's next
// request fails; the upgraded websocket keeps the server open until it ends.
test.serial('httpServer.close() with clients connected: polling fails, websocket holds the server open', async (t) => {
  const { core, rhttp } = await both(t, async (app) => {
    const clients = await connectOneByOne(app);
    try {
      clients.polling.emit('shutdown', 'http');
      const [polling] = await once(clients.polling, 'disconnect', 4000);
      await app.waitLine((l) => l.ev === 'engine close' && l.name === 'polling', 3000, 'polling engine close');
      await new Promise((resolve) => setTimeout(resolve, 200)); // time for a wrong close to show
      const stillOpen = { websocket: clients.websocket.connected, mainClosed: app.lines.some((l) => l.ev === 'closed' && l.srv === 'main') };
      clients.websocket.disconnect();
      await app.waitLine((l) => l.ev === 'closed' && l.srv === 'main', 3000, 'main closed');
      // engine.io keeps a 30 s close timer for the polling transport, in core
      // too: the process does not exit soon.
      const exit = await Promise.race([app.exited, new Promise((resolve) => setTimeout(resolve, 500, 'still running'))]);
      return { polling, stillOpen, exit, server: serverNotes(app) };
    } finally {
      for (const s of Object.values(clients)) s.disconnect();
    }
  }, { env: { PING: '300' } });
  t.deepEqual(core.stillOpen, { websocket: true, mainClosed: false });
  t.deepEqual(rhttp, core);
});
