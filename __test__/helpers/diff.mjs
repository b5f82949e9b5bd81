// Differential harness: run one scenario against node:http and against rhttp
// and hand back both recordings, so a spec can assert they are deep-equal.
//
//   const { node, rhttp } = await both(async (http, ctx) => { ... return obs; });
//   t.deepEqual(rhttp, node);
//
// A scenario receives the module under test and a context `ctx` that tracks
// everything it opens (servers, sockets, child processes, timers) and closes
// it afterwards, whatever happened; an event log shared by `ctx.record(...)`;
// and a raw `net` client whose received bytes are normalised only in the
// value of the `Date:` header. Every wait is bounded: a scenario that hangs is
// recorded as `{ threw: { timeout } }` instead of stalling the run.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';

const require = createRequire(import.meta.url);
const net = require('node:net');
const childProcess = require('node:child_process');

export const nodeHttp = require('node:http');
// DIFF_SELF_CHECK=1 runs every scenario against node:http twice: a test that
// fails then is flaky or broken, not a finding about rhttp.
const SELF_CHECK = Boolean(process.env.DIFF_SELF_CHECK);
export const rhttp = SELF_CHECK ? nodeHttp : require('../../index.js');
export const RHTTP_PATH = SELF_CHECK ? 'node:http'
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../index.js');
export const IMPLS = { node: nodeHttp, rhttp };

export const HOST = '127.0.0.1';

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const tick = () => new Promise((resolve) => setImmediate(resolve));

export class TimeoutError extends Error {
  constructor(ms, what) {
    super(`timed out after ${ms}ms${what ? ` waiting for ${what}` : ''}`);
    this.name = 'TimeoutError';
  }
}

/** Rejects with a TimeoutError if `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(ms, what)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Resolves with the arguments of the next `event` on `emitter`, bounded. */
export function once(emitter, event, ms = 2000) {
  return withTimeout(new Promise((resolve) => {
    emitter.once(event, (...args) => resolve(args));
  }), ms, `'${event}'`);
}

/** The normalised text of raw HTTP bytes: only Date header values change. */
export function normalize(text) {
  return text.replace(/(^|\r\n)(date): [^\r\n]*/gi, '$1$2: <DATE>');
}

/** What a user can observe of an error, minus its stack. */
export function describeError(err) {
  if (err === undefined || err === null) return err;
  if (!(err instanceof Error)) return { notAnError: String(err) };
  const out = {
    class: err.constructor && err.constructor.name,
    name: err.name,
    code: err.code,
    message: err.message,
  };
  for (const key of ['errno', 'syscall', 'address', 'port', 'reason', 'bytesParsed']) {
    if (key in err) out[key] = err[key];
  }
  if (err.rawPacket !== undefined) out.rawPacket = Buffer.from(err.rawPacket).toString('latin1');
  return out;
}

/** Runs `fn`, returning the error it throws (described) or `{ returned }`. */
export function attempt(fn) {
  try {
    const value = fn();
    return { returned: value === undefined ? 'undefined' : typeof value };
  } catch (err) {
    return { threw: describeError(err) };
  }
}

// ---------------------------------------------------------------------------
// Raw client

/** A `net` client that collects every byte it receives. */
export class RawClient {
  constructor(target, { paused = false } = {}) {
    const opts = typeof target === 'string' ? { path: target } : { host: HOST, ...target };
    this.socket = net.connect(opts);
    this.chunks = [];
    this.closed = false;
    this.ended = false;
    this.error = null;
    this._waiters = new Set();
    if (paused) this.socket.pause();
    this.connected = new Promise((resolve) => {
      this.socket.once('connect', resolve);
      this.socket.once('close', resolve);
    });
    this.socket.on('data', (d) => { this.chunks.push(d); this._check(); });
    this.socket.on('end', () => { this.ended = true; this._check(); });
    this.socket.on('error', (e) => { this.error = e.code || e.message; });
    this.socket.on('close', () => { this.closed = true; this._check(); });
  }

  get raw() { return Buffer.concat(this.chunks); }

  /** Received bytes as latin1 text with Date values normalised. */
  get text() {
    if (this._textFor !== this.chunks.length) {
      this._text = normalize(this.raw.toString('latin1'));
      this._textFor = this.chunks.length;
    }
    return this._text;
  }

  write(data) {
    if (!this.socket.destroyed) this.socket.write(data);
    return this;
  }

  end(data) { this.socket.end(data); return this; }
  destroy() { this.socket.destroy(); return this; }
  pause() { this.socket.pause(); return this; }
  resume() { this.socket.resume(); return this; }

  _check() {
    for (const w of this._waiters) {
      if (w.pred()) { this._waiters.delete(w); w.resolve(true); }
    }
  }

  /** Resolves true when `pred(text)` holds (or the string/count given is
   * received), false after `ms` or when the socket closes without it. */
  waitFor(pred, ms = 2000) {
    let test;
    if (typeof pred === 'string') test = () => this.text.includes(pred);
    else if (pred instanceof RegExp) test = () => pred.test(this.text);
    else test = () => pred(this.text);
    const full = () => test() || this.closed;
    return new Promise((resolve) => {
      if (full()) { resolve(test()); return; }
      let timer;
      const w = { pred: full, resolve: () => { clearTimeout(timer); resolve(test()); } };
      this._waiters.add(w);
      timer = setTimeout(() => { this._waiters.delete(w); resolve(test()); }, ms);
    });
  }

  /** Waits until `n` complete HTTP responses with a known length are received
   * (counts status lines). */
  waitResponses(n, ms = 2000) {
    return this.waitFor((text) => countResponses(text) >= n, ms);
  }

  /** Resolves true on close, false if still open after `ms`. */
  waitClose(ms = 2000) {
    return new Promise((resolve) => {
      if (this.closed) { resolve(true); return; }
      let timer;
      const w = { pred: () => this.closed, resolve: () => { clearTimeout(timer); resolve(true); } };
      this._waiters.add(w);
      timer = setTimeout(() => { this._waiters.delete(w); resolve(this.closed); }, ms);
    });
  }

  /** A plain snapshot for comparison. */
  snapshot() {
    return { data: this.text, closed: this.closed, ended: this.ended };
  }
}

function countResponses(text) {
  return parseResponses(text).filter((r) => r.complete && r.status >= 200).length;
}

/** Splits raw response text into messages: `{ status, head, body, complete }`.
 * Bodies are framed by Content-Length or chunked encoding; anything else
 * (HEAD responses excepted, which the parser cannot know about) runs to the
 * end of the data and is complete only once the connection closed. */
export function parseResponses(text, closed = false) {
  const out = [];
  let pos = 0;
  while (pos < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) { out.push({ status: null, head: text.slice(pos), body: '', complete: false }); break; }
    const head = text.slice(pos, headEnd);
    const status = Number((/^HTTP\/\d\.\d (\d{3})/.exec(head) || [])[1]);
    let p = headEnd + 4;
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    const chunked = /\r\ntransfer-encoding: *[^\r]*chunked/i.test(head);
    if (status < 200 || status === 204 || status === 304) {
      out.push({ status, head, body: '', complete: true });
    } else if (chunked) {
      let body = '';
      let complete = false;
      for (;;) {
        const lineEnd = text.indexOf('\r\n', p);
        if (lineEnd < 0) break;
        const size = parseInt(text.slice(p, lineEnd), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          const trailerEnd = text.indexOf('\r\n\r\n', lineEnd);
          const direct = text.startsWith('\r\n', lineEnd + 2);
          if (direct) { p = lineEnd + 4; complete = true; } else if (trailerEnd >= 0) { p = trailerEnd + 4; complete = true; }
          break;
        }
        if (text.length < lineEnd + 2 + size + 2) break;
        body += text.slice(lineEnd + 2, lineEnd + 2 + size);
        p = lineEnd + 2 + size + 2;
      }
      out.push({ status, head, body, complete });
      if (!complete) break;
    } else if (cl) {
      const n = Number(cl[1]);
      const body = text.slice(p, p + n);
      out.push({ status, head, body, complete: body.length === n });
      p += n;
      if (body.length < n) break;
    } else {
      out.push({ status, head, body: text.slice(p), complete: closed });
      break;
    }
    pos = p;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Scenario context

class Context {
  constructor(http, name) {
    this.http = http;
    this.name = name;
    this.log = [];
    this._servers = new Set();
    this._clients = new Set();
    this._children = new Set();
    this._cleanups = [];
  }

  /** Logs one observation into the shared ordered log. */
  push(entry) { this.log.push(entry); }

  /** Tracks a server (http or net) for closing at the end. */
  track(server) { this._servers.add(server); return server; }

  /** Registers a function run during cleanup. */
  defer(fn) { this._cleanups.push(fn); }

  /** createServer with the implementation under test, tracked. */
  server(...args) { return this.track(this.http.createServer(...args)); }

  /** Listens on 127.0.0.1:0 (or the given args) and resolves with the port. */
  async listen(server, ...args) {
    if (args.length === 0) args = [0, HOST];
    await withTimeout(new Promise((resolve, reject) => {
      const onError = (e) => reject(e);
      server.once('error', onError);
      server.listen(...args, () => { server.removeListener('error', onError); resolve(); });
    }), 2000, 'listen');
    const addr = server.address();
    return typeof addr === 'string' ? addr : addr.port;
  }

  /** A tracked RawClient. */
  connect(target, opts) {
    const c = new RawClient(typeof target === 'number' ? { port: target } : target, opts);
    this._clients.add(c);
    return c;
  }

  /** Sends `bytes`, collects everything received.
   * until: 'close' | ms | { responses: n } | string | RegExp | predicate;
   * settle: ms to keep collecting after that. */
  async raw(target, bytes, { until = 'close', ms = 2000, end = false, settle = 0 } = {}) {
    const c = this.connect(target);
    await withTimeout(c.connected, ms, 'connect');
    for (const chunk of [].concat(bytes)) {
      if (typeof chunk === 'number') await delay(chunk);
      else c.write(chunk);
    }
    if (end) c.end();
    if (until === 'close') await c.waitClose(ms);
    else if (typeof until === 'number') await delay(until);
    else if (typeof until === 'function' || typeof until === 'string' || until instanceof RegExp) await c.waitFor(until, ms);
    else if (until && typeof until.responses === 'number') await c.waitResponses(until.responses, ms);
    if (settle) await delay(settle);
    const snap = c.snapshot();
    c.destroy();
    return snap;
  }

  /** Records the listed events of `emitter` into the log as `label:event`,
   * with `map(event, ...args)` (if given) for extra detail. */
  record(emitter, label, events, map) {
    for (const ev of events) {
      emitter.on(ev, (...args) => {
        const extra = map ? map(ev, ...args) : undefined;
        this.log.push(extra === undefined ? `${label}:${ev}` : [`${label}:${ev}`, extra]);
      });
    }
    return emitter;
  }

  /** Spawns `node -e code`, resolving { code, signal, stdout, stderr,
   * timedOut }; killed after `ms`. */
  spawnNode(code, { ms = 3000, args = [], env, stdio } = {}) {
    return new Promise((resolve) => {
      const child = childProcess.spawn(process.execPath, [...args, '-e', code], {
        env: { ...process.env, ...env },
        stdio: stdio || ['ignore', 'pipe', 'pipe'],
      });
      this._children.add(child);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout && child.stdout.on('data', (d) => { stdout += d; });
      child.stderr && child.stderr.on('data', (d) => { stderr += d; });
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, ms);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this._children.delete(child);
        resolve({ code, signal, stdout, stderr, timedOut });
      });
    });
  }

  /** A fresh path for a Unix socket, removed at the end. */
  socketPath() {
    const p = path.join(os.tmpdir(), `rhttp-test-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
    this.defer(() => { try { fs.unlinkSync(p); } catch {} });
    return p;
  }

  async cleanup() {
    for (const c of this._clients) c.destroy();
    for (const child of this._children) child.kill('SIGKILL');
    const closing = [];
    for (const s of this._servers) {
      try { if (typeof s.closeAllConnections === 'function') s.closeAllConnections(); } catch {}
      closing.push(new Promise((resolve) => {
        try {
          if (!s.listening) { resolve(); return; }
          s.close(() => resolve());
        } catch { resolve(); }
      }));
    }
    await withTimeout(Promise.all(closing), 2000, 'servers to close').catch(() => {});
    for (const fn of this._cleanups) {
      try { await fn(); } catch {}
    }
  }
}

/** Runs `scenario(http, ctx)` for one implementation; returns
 * `{ result, log }` or `{ threw, log }`. */
export async function runOne(scenario, http, name, { timeout = 8000 } = {}) {
  const ctx = new Context(http, name);
  let obs;
  try {
    const result = await withTimeout(Promise.resolve().then(() => scenario(http, ctx)), timeout, `scenario on ${name}`);
    obs = { result, log: ctx.log };
  } catch (err) {
    obs = { threw: describeError(err), log: ctx.log.slice() };
  } finally {
    await ctx.cleanup();
  }
  return obs;
}

/** Runs the scenario on node:http, then on rhttp. */
export async function both(scenario, opts) {
  const node = await runOne(scenario, nodeHttp, 'node', opts);
  const r = await runOne(scenario, rhttp, 'rhttp', opts);
  return { node, rhttp: r };
}

/** Runs both and asserts deep equality; returns node's observation for
 * additional hand-written checks that the scenario observed what it meant to.
 * A scenario that throws on node is a broken test, so that fails too. */
export async function same(t, scenario, opts) {
  const { node, rhttp: r } = await both(scenario, opts);
  if (process.env.DIFF_DEBUG) t.log(require('node:util').inspect(node, { depth: null }));
  t.is(node.threw, undefined, `scenario threw on node:http: ${JSON.stringify(node.threw)}`);
  t.deepEqual(r, node);
  return node;
}

/** A minimal request in raw bytes. */
export function get(url = '/', headers = {}, { method = 'GET', version = '1.1', body = '' } = {}) {
  let head = `${method} ${url} HTTP/${version}\r\n`;
  const h = { Host: 'localhost', ...headers };
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    for (const one of [].concat(v)) head += `${k}: ${one}\r\n`;
  }
  return `${head}\r\n${body}`;
}

/** Minimal view of a request for logging. */
export function reqView(req) {
  return {
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    headers: { ...req.headers },
    rawHeaders: req.rawHeaders.slice(),
  };
}
