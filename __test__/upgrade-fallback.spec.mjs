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
