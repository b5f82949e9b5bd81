// insecureHTTPParser lets NUL into header and trailer values. Heads cross
// from Rust as NUL-joined records, so such values must not split into
// extra fields (which would read as injected headers). It also accepts
// obs-folded values, which Node joins without the line break. Differential.
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
