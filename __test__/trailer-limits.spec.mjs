// Trailers reach core's JS in blocks of 31 fields, and a block is dropped
// once the fields kept reach the parser's maxHeaderPairs, as for a head:
// node keeps 1023 of 1024 trailers by default, 31 of 40 with
// maxHeadersCount 10. Differential, server and client side.

import test from 'ava';
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const core = require('node:http');
const rhttp = require('../index.js');

const trailerLines = (n) => Array.from({ length: n }, (_, i) => `T${i}: v\r\n`).join('');
const CASES = [[1024, undefined], [40, 10], [100, 50], [300, 64], [40, 0]];

async function serverSide(http, count, maxHeadersCount) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      server.seen = { raw: req.rawTrailers.length, keys: Object.keys(req.trailers).length };
      res.end();
    });
  });
  if (maxHeadersCount !== undefined) server.maxHeadersCount = maxHeadersCount;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise((resolve) => {
    const c = net.connect(server.address().port, '127.0.0.1', () => {
      c.end('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
        `2\r\nok\r\n0\r\n${trailerLines(count)}\r\n`);
    });
    c.resume();
    c.on('close', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
  return server.seen;
}

async function clientSide(http, count, maxHeadersCount) {
  const target = net.createServer((socket) => {
    socket.once('data', () => {
      socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
        `2\r\nok\r\n0\r\n${trailerLines(count)}\r\n`);
    });
  });
  await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
  const seen = await new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: target.address().port, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ raw: res.rawTrailers.length, keys: Object.keys(res.trailers).length }));
    });
    if (maxHeadersCount !== undefined) req.maxHeadersCount = maxHeadersCount;
    req.on('error', reject);
  });
  await new Promise((resolve) => target.close(resolve));
  return seen;
}

for (const [count, max] of CASES) {
  const name = `${count} trailers, maxHeadersCount ${max === undefined ? 'default' : max}`;
  test(`server: ${name}`, async (t) => {
    const expected = await serverSide(core, count, max);
    t.deepEqual(await serverSide(rhttp, count, max), expected);
  });
  test(`client: ${name}`, async (t) => {
    const expected = await clientSide(core, count, max);
    t.deepEqual(await clientSide(rhttp, count, max), expected);
  });
}
