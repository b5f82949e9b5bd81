// What insecureHTTPParser accepts, differential against core. NUL in header
// and trailer values: heads cross from Rust as NUL-joined records, so such
// values must not split into extra fields (which would read as injected
// headers). Obs-folded values, which Node joins without the line break. And
// bodies whose Transfer-Encoding does not end in chunked, read to the EOF.
import test from 'ava';
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const core = require('node:http');
const rhttp = require('../index.js');

async function observe(http, bytes) {
  const server = http.createServer({ insecureHTTPParser: true }, (req, res) => {
    req.resume();
    req.on('end', () => {
      server.seen = { rawHeaders: req.rawHeaders, rawTrailers: req.rawTrailers, url: req.url };
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise((resolve) => {
    const c = net.connect(server.address().port, '127.0.0.1', () => c.end(bytes));
    c.resume();
    c.on('close', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
  return server.seen;
}

const cases = {
  'a NUL in a header value': 'GET /h HTTP/1.1\r\nHost: a\r\nX-A: a\0b\r\nConnection: close\r\n\r\n',
  'a NUL in a trailer value': 'POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
    '1\r\nx\r\n0\r\nX-T: a\0b\r\nX-U: c\r\n\r\n',
  'an obs-folded header value (CRLF, space)': 'GET /f HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\nConnection: close\r\n\r\n',
  'an obs-folded header value (CRLF, tab)': 'GET /f HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb \r\nConnection: close\r\n\r\n',
  'an obs-folded header value (bare LF)': 'GET /f HTTP/1.1\r\nHost: a\r\nX: a\n b\r\nConnection: close\r\n\r\n',
  'an obs-folded trailer value': 'POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
    '1\r\nx\r\n0\r\nX-T: a\r\n b\r\n\r\n',
};

for (const [name, bytes] of Object.entries(cases)) {
  test(`insecure parser: ${name} stays one value`, async (t) => {
    const expected = await observe(core, bytes);
    t.truthy(expected);
    t.deepEqual(await observe(rhttp, bytes), expected);
  });
}

// A request whose Transfer-Encoding does not end in chunked: the insecure
// parser reads its body to the EOF (strict mode rejects it). The handler
// answers at once; the body and its end come as core's. (A handler that
// answers only at 'end' differs: core's socket ends in the same callback
// as the body, so its response is lost; rhttp's goes out.)
async function untilEof(http, bytes) {
  const seen = [];
  const server = http.createServer({ insecureHTTPParser: true }, (req, res) => {
    seen.push(['request', req.headers['transfer-encoding'], req.complete]);
    res.end('early');
    req.on('data', (d) => seen.push(['data', d.toString()]));
    req.on('end', () => seen.push(['end', req.complete]));
  });
  server.on('clientError', (e) => seen.push(['clientError', e.code]));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const received = await new Promise((resolve) => {
    let data = '';
    const c = net.connect(server.address().port, '127.0.0.1', () => {
      c.write(bytes);
      setTimeout(() => c.end('more'), 100);
    });
    c.on('data', (d) => { data += d; });
    c.on('close', () => resolve(data.replace(/Date: [^\r]*\r\n/g, '')));
  });
  await new Promise((resolve) => server.close(resolve));
  return { seen, received };
}

for (const te of ['identity', 'gzip', 'chunked, gzip']) {
  test(`insecure parser: Transfer-Encoding: ${te} is read to the EOF`, async (t) => {
    const bytes = `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ${te}\r\n\r\nhello`;
    const expected = await untilEof(core, bytes);
    t.deepEqual(await untilEof(rhttp, bytes), expected);
  });
}
