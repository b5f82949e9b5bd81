// An Upgrade request with no 'upgrade' listener is served as a request; llhttp
// has stopped at it, so core drops what was pipelined behind it in the same
// read and parses later reads. Differential: raw bytes, node:http vs rhttp.
import test from 'ava';
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const core = require('node:http');
const rhttp = require('../index.js');

const UPGRADE_GET = 'GET /u HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n';
const UPGRADE_POST = 'POST /u HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\nContent-Length: 3\r\n\r\nabc';
const SAME_READ = 'GET /same HTTP/1.1\r\nHost: a\r\n\r\n';
const LATER = 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n';

async function exchange(http, first) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => res.end(`${req.url} ${body}`));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const received = await new Promise((resolve, reject) => {
    const c = net.connect(server.address().port, '127.0.0.1', () => {
      c.write(first + SAME_READ);
      setTimeout(() => c.write(LATER), 50);
    });
    let data = '';
    c.on('data', (d) => { data += d; });
    c.on('error', reject);
    setTimeout(() => { c.destroy(); resolve(data.replace(/Date: [^\r]*\r\n/g, '')); }, 300);
  });
  await new Promise((resolve) => server.close(resolve));
  return received;
}

for (const [name, first] of [['GET', UPGRADE_GET], ['POST with a body', UPGRADE_POST]]) {
  test(`unlistened upgrade (${name}): bytes behind it in the same read are dropped, later ones served`, async (t) => {
    const expected = await exchange(core, first);
    t.false(expected.includes('/same'));
    t.true(expected.includes('/next'));
    t.is(await exchange(rhttp, first), expected);
  });
}

// The request is not keep-alive (HTTP/1.0, or Connection: close): what came
// after its head in the same read is still the upgrade's `head`; without a
// listener it is dropped unparsed, as llhttp stopped at the upgrade.
async function notKeepAlive(http, bytes, listen) {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(['request', req.url]);
    res.end('ok');
  });
  server.on('clientError', (err, socket) => {
    seen.push(['clientError', err.code]);
    socket.destroy();
  });
  if (listen) {
    server.on(listen, (req, socket, head) => {
      seen.push([listen, head.toString()]);
      socket.end();
    });
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const received = await new Promise((resolve, reject) => {
    const c = net.connect(server.address().port, '127.0.0.1', () => c.write(bytes));
    let data = '';
    c.on('data', (d) => { data += d; });
    c.on('error', reject);
    c.on('close', () => resolve(data.replace(/Date: [^\r]*\r\n/g, '')));
    setTimeout(() => c.destroy(), 1000);
  });
  await new Promise((resolve) => server.close(resolve));
  return { seen, received };
}

const NOT_KEEP_ALIVE = {
  'CONNECT over HTTP/1.0, connect listener': ['CONNECT a:443 HTTP/1.0\r\n\r\nabc', 'connect'],
  'CONNECT with Connection: close, connect listener': ['CONNECT a:443 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nabc', 'connect'],
  'Connection: close, upgrade, upgrade listener': ['GET / HTTP/1.1\r\nHost: a\r\nConnection: close, upgrade\r\nUpgrade: ws\r\n\r\nabc', 'upgrade'],
  'HTTP/1.0 upgrade, no listener': ['GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: ws\r\n\r\nabc', null],
  'Connection: close, upgrade, no listener': ['GET / HTTP/1.1\r\nHost: a\r\nConnection: close, upgrade\r\nUpgrade: ws\r\n\r\nabc', null],
  'CONNECT with Connection: close, no connect listener': ['CONNECT a:443 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nabc', null],
};

for (const [name, [bytes, listen]] of Object.entries(NOT_KEEP_ALIVE)) {
  test(`not keep-alive, bytes after the head in the same read: ${name}`, async (t) => {
    const expected = await notKeepAlive(core, bytes, listen);
    t.true(expected.seen.length > 0 || listen === null);
    t.deepEqual(await notKeepAlive(rhttp, bytes, listen), expected);
  });
}

// A request that was an upgrade (served as a request: nothing listened)
// leaves llhttp's upgrade flag set until the next head completes. Core
// reports no parse error meanwhile: no 400, no 'clientError'; the rest of
// the stream is ignored and its end ends the socket.
async function afterUnlistenedUpgrade(http, pieces, { halfClose = false, clientError = false } = {}) {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(['request', req.url]);
    req.on('data', (d) => seen.push(['data', d.toString()]));
    req.on('end', () => res.end('ok'));
    req.on('aborted', () => seen.push('aborted'));
  });
  server.on('connection', (socket) => {
    socket.on('error', (e) => seen.push(['socket error', e.code]));
    socket.on('close', () => seen.push('socket close'));
  });
  if (clientError) server.on('clientError', (err) => seen.push(['clientError', err.code]));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const c = net.connect(server.address().port, '127.0.0.1');
  let data = '';
  c.on('data', (d) => { data += d; });
  c.on('error', () => {});
  await new Promise((resolve) => c.on('connect', resolve));
  for (const piece of pieces) {
    c.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  if (halfClose) c.end();
  await new Promise((resolve) => setTimeout(resolve, 200));
  c.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return { seen, received: data.replace(/Date: [^\r]*\r\n/g, '') };
}

const UPGRADE_WS = 'GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: ws\r\n\r\n';
const UPGRADE_H2C_POST = 'POST / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n';
const UPGRADE_FLAG = {
  'garbage in a later read': [[UPGRADE_WS, 'abc'], {}],
  'garbage in a later read, clientError listener': [[UPGRADE_WS, 'abc'], { clientError: true }],
  'a bad header name in the next request': [[UPGRADE_WS, 'GET /2 HTTP/1.1\r\nHost : a\r\n\r\n'], {}],
  'a bad chunk size in its own body': [[`${UPGRADE_H2C_POST}Transfer-Encoding: chunked\r\n\r\nzz\r\n`], {}],
  'the peer ends mid-body': [[`${UPGRADE_H2C_POST}Content-Length: 4\r\n\r\nab`], { halfClose: true }],
  'the peer ends mid-body, clientError listener': [[`${UPGRADE_H2C_POST}Content-Length: 4\r\n\r\nab`], { halfClose: true, clientError: true }],
  'a valid request next, then garbage': [[UPGRADE_WS, 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n', 'abc'], { clientError: true }],
};

for (const [name, [pieces, opts]] of Object.entries(UPGRADE_FLAG)) {
  test(`unlistened upgrade, then ${name}: parse errors as core's`, async (t) => {
    const expected = await afterUnlistenedUpgrade(core, pieces, opts);
    t.deepEqual(await afterUnlistenedUpgrade(rhttp, pieces, opts), expected);
  });
}
