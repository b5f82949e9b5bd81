// The client parser's output path (src/binding/parser.rs, lib/http_parser.js):
// records go through a shared array of fixed size, and a chunk that makes
// more records than fit is parsed in several runs (STATUS_MORE). Body chunks
// lying in the chunk passed in are copied out in JS. Each response here
// reaches the parser as one chunk: the connection is a stream that answers
// the request with one push, so the runs' boundaries are exercised for
// certain, not by luck of the reads.

import anyTest from 'ava';
import { createRequire } from 'node:module';
import { same } from './helpers/diff.mjs';

const require = createRequire(import.meta.url);
const { Duplex } = require('node:stream');

const test = anyTest.serial;

/** A connection for `createConnection` that runs `answer(stream)` at the
 * request's first write. */
function answering(answer) {
  return () => {
    let answered = false;
    return new Duplex({
      read() {},
      write(chunk, encoding, cb) {
        if (!answered) {
          answered = true;
          answer(this);
        }
        cb();
      },
      final(cb) { cb(); },
    });
  };
}

/** Answers the request with `response` in one chunk (then ends, if `end`). */
function oneChunk(response, end = false) {
  return answering((stream) => queueMicrotask(() => {
    stream.push(response);
    if (end) stream.push(null);
  }));
}

/** One GET over `createConnection`; what the client saw. */
function fetch(http, createConnection) {
  return new Promise((resolve) => {
    const seen = { chunks: 0, sizes: new Set(), body: [] };
    const req = http.request({ host: '127.0.0.1', port: 1, path: '/', createConnection }, (res) => {
      seen.status = res.statusCode;
      seen.headers = res.headers;
      res.on('data', (d) => {
        seen.chunks += 1;
        seen.sizes.add(d.length);
        seen.isBuffer = Buffer.isBuffer(d);
        // Memory of its own, as llhttp's Buffer::Copy gives.
        seen.ownMemory = (seen.ownMemory ?? true) && d.byteOffset === 0 && d.buffer.byteLength === d.length;
        seen.body.push(d.toString('latin1'));
      });
      res.on('end', () => {
        seen.trailers = res.trailers;
        seen.complete = res.complete;
      });
      res.on('close', () => resolve({ ...seen, sizes: [...seen.sizes], body: seen.body.join('') }));
    });
    req.on('error', (e) => resolve({ error: e.code }));
    req.end();
  });
}

function chunked(pieces, trailer = '') {
  return `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${
    pieces.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join('')}0\r\n${trailer}\r\n`;
}

test('a chunk of 9,000 one-byte chunks: every body chunk, in order, across full shared arrays', async (t) => {
  const pieces = Array.from({ length: 9000 }, (_, i) => String.fromCharCode(97 + (i % 26)));
  const response = Buffer.from(chunked(pieces, 'X-Sum: 9000\r\n'), 'latin1');
  const node = await same(t, async (http) => fetch(http, oneChunk(response)));
  t.is(node.result.chunks, 9000);
  t.is(node.result.body, pieces.join(''));
  t.deepEqual(node.result.trailers, { 'x-sum': '9000' });
});

test('body chunks copied out of the chunk are Buffers of their own, small and large', async (t) => {
  const big = 'y'.repeat(100 * 1024);
  const response = Buffer.from(chunked(['abc', big, 'z'.repeat(5000)]), 'latin1');
  const node = await same(t, async (http) => {
    const seen = await fetch(http, oneChunk(response));
    return { ...seen, body: seen.body.length };
  });
  t.is(node.result.body, 3 + 100 * 1024 + 5000);
  t.true(node.result.isBuffer);
  t.true(node.result.ownMemory);
});

test('a body split over two chunks after a head split over two: bytes buffered by an earlier call', async (t) => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-A: b\r\n\r\n';
  const parts = [head.slice(0, 20), head.slice(20) + '01234', '56789'];
  const node = await same(t, async (http) => fetch(http, answering((stream) => {
    let i = 0;
    const next = () => {
      stream.push(Buffer.from(parts[i++], 'latin1'));
      if (i < parts.length) setTimeout(next, 5);
    };
    setTimeout(next, 5);
  })));
  t.is(node.result.body, '0123456789');
});

test('a close-delimited body ended by the peer, and a response cut short in its head', async (t) => {
  const node = await same(t, async (http) => [
    await fetch(http, oneChunk(Buffer.from('HTTP/1.1 200 OK\r\n\r\nuntil the end', 'latin1'), true)),
    await fetch(http, oneChunk(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le', 'latin1'), true)),
  ]);
  t.is(node.result[0].body, 'until the end');
  t.is(node.result[1].error, 'ECONNRESET');
});

test('a native call re-entered from JS that it ran (an Array.prototype setter) fails; the outer call stands', (t) => {
  const { fast } = require('../lib/native.js');
  const p = fast.parserNew(16384, false);
  let inner = null;
  Object.defineProperty(Array.prototype, '0', {
    configurable: true,
    set(v) {
      Object.defineProperty(this, '0', { value: v, writable: true, enumerable: true, configurable: true });
      if (inner !== null) return;
      try {
        fast.parserExecute(p, Buffer.from('HTTP/1.1 404 Nope\r\n\r\n'), false, false, false);
        inner = 'returned';
      } catch (e) {
        inner = e.message;
      }
    },
  });
  let values;
  try {
    values = fast.parserExecute(p, Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'), false, false, false);
  } finally {
    delete Array.prototype[0];
  }
  t.regex(inner, /re-entered/);
  t.deepEqual(values, ['OK\0Content-Length\x005']);
  // status, stop_at, 5 ints: head, body at 38 (5 bytes), end.
  t.deepEqual([...fast.ints.slice(0, 8)].map((x, i) => (i === 3 ? x & 7 : x)), [0, 43, 5, 1, 6, 38, 5, 3]);
});
