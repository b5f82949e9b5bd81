// Differential tests for the ways response bytes reach the socket (the
// string and head + Buffer fast paths of lib/socket.js and
// src/binding/write.rs) and for the size of request body chunks: the exact
// bytes a raw client receives must match core's for every encoding and
// chunk shape, and body 'data' chunks are never larger than core's 64 KiB.

import test from 'ava';
import { createRequire } from 'node:module';
import { same, get } from './helpers/diff.mjs';

const require = createRequire(import.meta.url);

const BIG_UTF8 = 'ü€😀'.repeat(12000); // > 64 KiB of UTF-8: the scratch buffer is given back
const LATIN1_HIGH = 'caf\u00e9 \u00ff \u0100\u20ac'; // chars above 0xff keep their low byte in latin1

/** One request per path on its own connection; the raw bytes received. */
async function rawPerPath(http, ctx, handlers) {
  const server = ctx.server((req, res) => handlers[req.url](req, res));
  const port = await ctx.listen(server);
  const out = {};
  for (const p of Object.keys(handlers)) out[p] = await ctx.raw(port, get(p, { Connection: 'close' }));
  return out;
}

test('string and Buffer bodies in every encoding: the same bytes as core', async (t) => {
  await same(t, async (http, ctx) => rawPerPath(http, ctx, {
    '/utf8': (req, res) => res.end('grüße 😀'),
    '/utf8-explicit': (req, res) => res.end('grüße', 'utf-8'),
    '/latin1': (req, res) => res.end(LATIN1_HIGH, 'latin1'),
    '/binary': (req, res) => res.end(LATIN1_HIGH, 'binary'),
    '/ascii': (req, res) => res.end(LATIN1_HIGH, 'ascii'),
    '/hex': (req, res) => res.end('68656c6c6f', 'hex'),
    '/base64': (req, res) => res.end('aGVsbG8gd29ybGQ=', 'base64'),
    '/ucs2': (req, res) => res.end('hé', 'ucs2'),
    '/empty': (req, res) => res.end(''),
    '/buffer': (req, res) => { res.setHeader('Content-Type', 'x'); res.end(Buffer.from([0, 1, 2, 255])); },
    '/uint8array': (req, res) => res.end(new Uint8Array([104, 105])),
    '/big-utf8': (req, res) => res.end(BIG_UTF8),
    '/big-buffer': (req, res) => res.end(Buffer.alloc(200 * 1024, 7)),
    '/after-big': (req, res) => res.end('small again ü'),
  }));
});

test('writes before end, chunked and not: the same bytes as core', async (t) => {
  await same(t, async (http, ctx) => rawPerPath(http, ctx, {
    '/chunked-mixed': (req, res) => {
      res.write('one ü');
      res.write(Buffer.from('two'));
      res.write(LATIN1_HIGH, 'latin1');
      res.end('656e64', 'hex');
    },
    '/writehead-string': (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ a: 'ü' }));
    },
    '/writehead-length': (req, res) => {
      res.writeHead(200, { 'Content-Length': 6 });
      res.write('ab');
      res.end(Buffer.from('cdef'));
    },
    '/corked': (req, res) => {
      res.setHeader('Content-Length', 9);
      res.cork();
      res.write('abc');
      res.write(Buffer.from('def'));
      res.write('ghi', 'latin1');
      res.uncork();
      res.end();
    },
    '/flushed-head': (req, res) => {
      res.flushHeaders();
      setImmediate(() => res.end(Buffer.from('late')));
    },
    '/head-only': (req, res) => { res.statusCode = 204; res.end(); },
  }));
});

test('a large request body reaches the handler in chunks of at most 64 KiB', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const size = 4 * 1024 * 1024;
    const server = ctx.server((req, res) => {
      let total = 0;
      let largest = 0;
      let sum = 0;
      req.on('data', (chunk) => {
        // Sample the bytes at absolute offsets, so chunk boundaries do not matter.
        for (let i = (4096 - (total % 4096)) % 4096; i < chunk.length; i += 4096) sum = (sum * 31 + chunk[i]) % 65521;
        total += chunk.length;
        largest = Math.max(largest, chunk.length);
      });
      req.on('end', () => {
        ctx.push({ total, atMost64K: largest <= 64 * 1024, sum });
        res.end('ok');
      });
    });
    const port = await ctx.listen(server);
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) body[i] = i % 251;
    const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`;
    const snap = await ctx.raw(port, [head, body], { ms: 5000 });
    return { status: snap.data.split('\r\n')[0] };
  });
  t.is(node.log[0].total, 4 * 1024 * 1024);
  t.true(node.log[0].atMost64K);
});

test('writing after the peer is gone reports what core reports', async (t) => {
  await same(t, async (http, ctx) => {
    const server = ctx.server((req, res) => {
      req.socket.on('close', () => {
        const results = [];
        for (const [data, enc] of [['x', 'utf8'], ['y', 'latin1'], [Buffer.from('z'), undefined]]) {
          try {
            results.push(res.write(data, enc));
          } catch (err) {
            results.push(err.code);
          }
        }
        ctx.push({ results, destroyed: res.destroyed });
      });
      req.socket.destroy();
    });
    const port = await ctx.listen(server);
    await ctx.raw(port, get('/'), { ms: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    return {};
  });
});

test('the module keeps its write bindings private', (t) => {
  const rhttp = require('../index.js');
  t.is(rhttp.connWriteStr, undefined);
  t.is(rhttp.connWriteHeadBuffer, undefined);
});
