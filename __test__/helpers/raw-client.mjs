// A raw `net` client for the library specs (http-proxy, server-libs): what
// it received as bytes, and bounded waits on them. Plus `complete`, which
// counts the whole responses in what it received.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const net = require('node:net');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects to 127.0.0.1:`port`; closed at the test's teardown. */
export function rawClient(t, port, { allowHalfOpen = false } = {}) {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen });
  t.teardown(() => socket.destroy());
  const chunks = [];
  let size = 0;
  let cached = null;
  const state = { ended: false, closed: false, error: null };
  const waiters = new Set();
  const poke = () => {
    for (const w of waiters) if (w.pred()) { waiters.delete(w); w.done(true); }
  };
  socket.on('data', (d) => { chunks.push(d); size += d.length; cached = null; poke(); });
  socket.on('error', (e) => { state.error = e.code; });
  socket.on('end', () => { state.ended = true; poke(); });
  socket.on('close', () => { state.closed = true; poke(); });
  const c = {
    socket,
    state,
    size: () => size,
    bytes: () => Buffer.concat(chunks),
    text: () => (cached ??= Buffer.concat(chunks).toString('latin1')),
    /** Writes each piece in turn: a string/Buffer, or a number of ms to wait. */
    async send(...pieces) {
      for (const p of pieces) {
        if (typeof p === 'number') await sleep(p);
        else await new Promise((resolve) => socket.write(p, resolve));
      }
    },
    /** Resolves true once `pred()` holds, false after `ms`. */
    until(pred, ms = 3000) {
      if (pred()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const w = { pred, done: (v) => { clearTimeout(timer); resolve(v); } };
        const timer = setTimeout(() => { waiters.delete(w); resolve(false); }, ms);
        waiters.add(w);
      });
    },
    sees: (s, ms) => c.until(() => c.text().includes(s), ms),
    closes: (ms) => c.until(() => state.closed, ms),
  };
  return c;
}

/** Number of complete responses at the start of `text` (Content-Length or
 * chunked framing; 1xx, 204 and 304 carry no body, nor, with `head`, any:
 * true for all, or an array saying which response answers a HEAD; a body
 * without either is never complete: it ends at the close). */
export function complete(text, { head = false } = {}) {
  const isHead = (k) => (Array.isArray(head) ? Boolean(head[k]) : head);
  let n = 0;
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) return n;
    const lines = text.slice(at, end).split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const field = (name) => lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
    at = end + 4;
    if (status < 200) continue;
    if (!isHead(n) && status !== 204 && status !== 304) {
      if (/chunked/i.test(field('transfer-encoding') || '')) {
        for (;;) { // size line, data, CRLF; the last chunk, trailers, CRLF
          const eol = text.indexOf('\r\n', at);
          if (eol === -1) return n;
          const size = parseInt(text.slice(at, eol), 16);
          if (size === 0) {
            const fin = text.indexOf('\r\n\r\n', eol);
            if (fin === -1) return n;
            at = fin + 4;
            break;
          }
          at = eol + 2 + size + 2;
        }
      } else if (field('content-length') !== undefined) {
        at += Number(field('content-length'));
      } else {
        return n; // the body runs to the close
      }
    }
    if (at > text.length) return n;
    n++;
  }
}
