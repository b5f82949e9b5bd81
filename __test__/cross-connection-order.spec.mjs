// Requests that arrive together on two new connections: core handles them in
// the order the connections came (libuv runs ready handles first in, first
// out). socket.io's polling client sends its next GET and a POST on two
// connections at once and depends on this (socketio.spec.mjs).
//
// tokio's multi-thread scheduler runs the task woken last first, so rhttp
// on it swapped about a third of the pairs; on the current-thread scheduler
// about 2 of 1,000 still swap (core: none of 1,600, stop 22). The bound
// below tells the two apart without failing on that rare swap.

import test from 'ava';
import net from 'node:net';
import { IMPLS, HOST, withTimeout } from './helpers/diff.mjs';

const PAIRS = 100;
const MAX_SWAPPED = 5;

const GET = 'GET /first HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
const POST = 'POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\n1';

/** Sends `text` on a new connection; resolves with its local port once the
 * server has closed it. */
function send(port, text) {
  return new Promise((resolve, reject) => {
    let local;
    const s = net.connect(port, HOST, () => { local = s.localPort; });
    s.on('error', reject);
    s.on('close', () => resolve(local));
    s.resume();
    s.write(text);
  });
}

/** How many of `PAIRS` pairs the server saw in the other order, by
 * 'connection' and by 'request'. */
async function swapped(http) {
  const connections = [];
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.socket.remotePort);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.on('connection', (socket) => connections.push(socket.remotePort));
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address();
  const count = { connections: 0, requests: 0 };
  try {
    for (let i = 0; i < PAIRS; i++) {
      connections.length = 0;
      requests.length = 0;
      const [first] = await withTimeout(Promise.all([send(port, GET), send(port, POST)]), 3000, `pair ${i}`);
      if (connections[0] !== first) count.connections++;
      if (requests[0] !== first) count.requests++;
    }
  } finally {
    server.close();
  }
  return count;
}

test.serial('two connections written one after the other: connection and request events keep their order', async (t) => {
  const core = await swapped(IMPLS.node);
  const rhttp = await swapped(IMPLS.rhttp);
  t.log(`swapped of ${PAIRS}: core ${JSON.stringify(core)}, rhttp ${JSON.stringify(rhttp)}`);
  t.true(core.connections <= 1 && core.requests <= 1, 'core keeps the order');
  t.true(rhttp.connections <= MAX_SWAPPED, `rhttp swapped ${rhttp.connections} pairs' connections`);
  t.true(rhttp.requests <= MAX_SWAPPED, `rhttp swapped ${rhttp.requests} pairs' requests`);
});

// A server and a client in one process (a proxy and its upstream, a test
// suite), one side closing the connection. Core: a reset made in the
// server's request handler reaches the client in the next loop turn, after
// the server's req 'close'; a client that destroys its request from a
// timer has its FIN read by the server in this turn's poll phase, before
// the client's own close (and 'error'). Every round, both cases. rhttp's
// io thread reads the reset or FIN and rings: the client's error comes
// first in most rounds of both (README, known differences).
const ROUNDS = 20;

async function closeOrders(http) {
  const order = [];
  const server = http.createServer((req) => {
    req.on('close', () => order.push('server'));
    if (req.url === '/reset') req.socket.resetAndDestroy();
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  const agent = new http.Agent({ keepAlive: true });
  const counts = {};
  try {
    for (const path of ['/reset', '/hang']) {
      for (let i = 0; i < ROUNDS; i++) {
        order.length = 0;
        await withTimeout(new Promise((resolve) => {
          const req = http.get({ port: server.address().port, host: HOST, path, agent });
          req.on('error', () => { order.push('client'); setTimeout(resolve, 30); });
          if (path === '/hang') setTimeout(() => req.destroy(), 20);
        }), 3000, `${path} round ${i}`);
        const key = `${path}: ${order.join(' < ')}`;
        counts[key] = (counts[key] || 0) + 1;
      }
    }
  } finally {
    agent.destroy();
    server.close();
  }
  return counts;
}

test.serial.failing('one process, one side closes: the other side hears it in the turn core\'s would, every round', async (t) => {
  const core = await closeOrders(IMPLS.node);
  const rhttp = await closeOrders(IMPLS.rhttp);
  t.log(`core ${JSON.stringify(core)}, rhttp ${JSON.stringify(rhttp)}`);
  t.deepEqual(core, { '/reset: server < client': ROUNDS, '/hang: server < client': ROUNDS });
  t.deepEqual(rhttp, core);
});
