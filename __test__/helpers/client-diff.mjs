// Differential harness for the HTTP *client*: the same scenario runs against
// `require('node:http')` and against rhttp (through `same()` from diff.mjs),
// and the spec asserts identical observations.
//
// Two pieces:
//
//   scripted(ctx, handler[, opts])  a raw `net` server on 127.0.0.1:0 (or a
//       Unix socket) that records the exact bytes each connection received
//       (only the port in `Host:` is normalised) and replies with whatever
//       the handler scripts: pieces, delays, half-close, destroy, RST.
//
//   record(req, log[, opts])  listens to a ClientRequest and its response
//       and logs their events, in order, with selected properties.
//
// Every wait is bounded; servers, connections and agents are closed by the
// scenario context (diff.mjs) whatever happened.

import { createRequire } from 'node:module';
import {
  same, both, runOne, delay, tick, withTimeout, describeError, attempt,
  nodeHttp, rhttp, RHTTP_PATH, HOST, TimeoutError,
} from './diff.mjs';

export {
  same, both, runOne, delay, tick, withTimeout, describeError, attempt,
  nodeHttp, rhttp, RHTTP_PATH, HOST, TimeoutError,
};

const require = createRequire(import.meta.url);
const net = require('node:net');
const { splitRequests } = require('./split-requests.cjs');
const util = require('node:util');

// ---------------------------------------------------------------------------
// Small utilities

/** Resolves true once `pred()` holds (polled), false after `ms`. */
export async function until(pred, ms = 2000, step = 5) {
  const end = Date.now() + ms;
  for (;;) {
    if (pred()) return true;
    if (Date.now() >= end) return false;
    await delay(step);
  }
}

/** Resolves with the args of `event` on `emitter`, or `null` after `ms`. */
export function onceOr(emitter, event, ms = 2000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { emitter.removeListener(event, on); resolve(null); }, ms);
    function on(...args) { clearTimeout(timer); resolve(args); }
    emitter.once(event, on);
  });
}

/** Replaces every occurrence of the given ports / paths in strings, deeply,
 * so recordings of two runs compare. */
export function scrub(value, subst) {
  const pairs = Object.entries(subst).filter(([k]) => k !== 'undefined' && k !== '');
  const s = (str) => {
    for (const [from, to] of pairs) str = str.split(from).join(to);
    return str;
  };
  const walk = (v) => {
    if (typeof v === 'string') return s(v);
    if (typeof v === 'number' && subst[String(v)] !== undefined) return subst[String(v)];
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const o = {};
      for (const [k, x] of Object.entries(v)) o[k] = walk(x);
      return o;
    }
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === null) {
      const o = { __proto__: null };
      for (const [k, x] of Object.entries(v)) o[k] = walk(x);
      return o;
    }
    return v;
  };
  return walk(value);
}

/** An error as a plain object (class, code, errno, syscall, address, port,
 * message, ...), without the stack. */
export function errView(err) {
  const d = describeError(err);
  if (d && typeof d === 'object' && err && err.cause !== undefined) d.cause = describeError(err.cause);
  return d;
}

/** Runs `fn`, returning `{ threw: errView }` or `{ returned: typeof }`. */
export function tryCall(fn) {
  try {
    const v = fn();
    return { returned: v === undefined ? 'undefined' : typeof v };
  } catch (err) {
    return { threw: errView(err) };
  }
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, HOST, resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** A fresh Agent of the implementation under test, destroyed at cleanup. */
export function agent(http, ctx, options) {
  const a = new http.Agent(options);
  ctx.defer(() => a.destroy());
  return a;
}

/** Pool counts of an agent: { sockets: {name: n}, freeSockets, requests }. */
export function poolView(a, names = {}) {
  const rename = (k) => {
    for (const [from, to] of Object.entries(names)) k = k.split(from).join(to);
    return k.replace(/:\d{2,5}:/g, ':<PORT>:');
  };
  const count = (o) => {
    const out = {};
    for (const k of Object.keys(o)) out[rename(k)] = o[k].length;
    return out;
  };
  return {
    sockets: count(a.sockets),
    freeSockets: count(a.freeSockets),
    requests: count(a.requests),
    totalSocketCount: a.totalSocketCount,
  };
}

// Request framing (server side): helpers/split-requests.cjs.
export { splitRequests };

// ---------------------------------------------------------------------------
// Scripted raw server

class Conn {
  constructor(server, socket, index) {
    this.server = server;
    this.socket = socket;
    this.index = index;
    this.chunks = [];
    this.bytes = 0;
    this.ended = false; // the client sent FIN
    this.closed = false;
    this.error = null;
    this.handlerError = null;
    this._waiters = new Set();
    socket.on('data', (d) => { this.chunks.push(d); this.bytes += d.length; this._check(); });
    socket.on('end', () => { this.ended = true; this._check(); });
    socket.on('error', (e) => { this.error = e.code || e.message; });
    socket.on('close', () => { this.closed = true; this._check(); });
  }

  /** Waits until at least `n` bytes were received (cheap for big bodies). */
  waitBytes(n, ms = 2000) {
    return new Promise((resolve) => {
      const test = () => this.bytes >= n || this.closed;
      if (test()) { resolve(this.bytes >= n); return; }
      let timer;
      const w = { test, done: () => { clearTimeout(timer); resolve(this.bytes >= n); } };
      this._waiters.add(w);
      timer = setTimeout(() => { this._waiters.delete(w); resolve(this.bytes >= n); }, ms);
    });
  }

  get raw() { return Buffer.concat(this.chunks); }

  /** Received bytes as latin1, the port in `Host:` replaced by <PORT>. */
  get text() { return this.server.normalize(this.raw.toString('latin1')); }

  /** Complete requests received so far. */
  get requests() { return splitRequests(this.text); }

  _check() {
    for (const w of this._waiters) if (w.test()) { this._waiters.delete(w); w.done(); }
  }

  /** Resolves true when `pred(text)` holds (or the string / RegExp is in the
   * received text), false on close without it or after `ms`. */
  waitFor(pred, ms = 2000) {
    let test;
    if (typeof pred === 'string') test = () => this.text.includes(pred);
    else if (pred instanceof RegExp) test = () => pred.test(this.text);
    else test = () => pred(this.text, this);
    return new Promise((resolve) => {
      if (test() || this.closed) { resolve(test()); return; }
      let timer;
      const w = { test: () => test() || this.closed, done: () => { clearTimeout(timer); resolve(test()); } };
      this._waiters.add(w);
      timer = setTimeout(() => { this._waiters.delete(w); resolve(test()); }, ms);
    });
  }

  /** Waits until `n` complete requests are in. */
  waitRequests(n = 1, ms = 2000) {
    return this.waitFor(() => this.requests.length >= n, ms);
  }

  /** Waits for the client's FIN (or close). */
  waitEnd(ms = 2000) { return this.waitFor(() => this.ended || this.closed, ms); }

  /** Waits until the connection is closed. */
  waitClose(ms = 2000) { return this.waitFor(() => this.closed, ms); }

  write(data) {
    if (this.socket.destroyed) return false;
    return this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Writes pieces; numbers in the list are delays in ms. */
  async send(...pieces) {
    for (const p of pieces.flat()) {
      if (typeof p === 'number') await delay(p);
      else this.write(p);
    }
  }

  end(data) {
    if (this.socket.destroyed) return;
    if (data !== undefined) this.socket.end(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    else this.socket.end();
  }

  destroy() { this.socket.destroy(); }

  /** Closes with a TCP RST. */
  reset() {
    if (typeof this.socket.resetAndDestroy === 'function') this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  snapshot() {
    return { received: this.text, clientEnded: this.ended };
  }
}

/**
 * A raw `net` server. `handler(conn)` (may be async) scripts each accepted
 * connection. Pass `{ path: ctx.socketPath() }` for a Unix socket.
 */
export async function scripted(ctx, handler, { path, pauseOnConnect = false } = {}) {
  const server = net.createServer({ pauseOnConnect });
  const conns = [];
  const sockets = new Set();
  const api = {
    server,
    conns,
    port: undefined,
    path,
    normalize(text) {
      if (api.port === undefined) return text;
      return text.replace(/(^|\r\n)(host:[ \t]*[^\r\n]*?):(\d+)(?=\r\n|$)/gi,
        (m, a, b, p) => (Number(p) === api.port ? `${a}${b}:<PORT>` : m));
    },
    /** Resolves true once `n` connections were accepted. */
    waitConns(n, ms = 2000) { return until(() => conns.length >= n, ms); },
    /** Waits (bounded) until every accepted connection is closed. */
    settle(ms = 1000) { return until(() => conns.every((c) => c.closed), ms); },
    /** Per connection: the bytes received and whether the client ended. */
    snapshot() { return conns.map((c) => c.snapshot()); },
    /** Everything received, over all connections, in accept order. */
    received() { return conns.map((c) => c.text); },
    async close() {
      for (const s of sockets) s.destroy();
      await withTimeout(new Promise((resolve) => server.close(() => resolve())), 2000, 'server close').catch(() => {});
    },
  };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const conn = new Conn(api, socket, conns.length);
    conns.push(conn);
    if (handler) {
      Promise.resolve().then(() => handler(conn)).catch((err) => { conn.handlerError = err; });
    }
  });
  ctx.defer(() => api.close());
  await withTimeout(new Promise((resolve, reject) => {
    server.once('error', reject);
    if (path) server.listen(path, resolve);
    else server.listen(0, HOST, resolve);
  }), 2000, 'scripted listen');
  if (!path) api.port = server.address().port;
  return api;
}

/** A handler answering every complete request on a connection with the next
 * item of `responses(reqText, i, conn)` (a string, a list of pieces with
 * delays, or null to do nothing); `'END'`, `'DESTROY'`, `'RESET'` as a piece
 * end, destroy or reset the connection. */
export function respond(responses) {
  const fn = typeof responses === 'function' ? responses
    : (req, i) => responses[i];
  return async (conn) => {
    let i = 0;
    for (;;) {
      const ok = await conn.waitRequests(i + 1, 5000);
      if (!ok) return;
      const reqs = conn.requests;
      const reply = fn(reqs[i], i, conn);
      i++;
      if (reply === null || reply === undefined) continue;
      for (const p of [].concat(reply)) {
        if (typeof p === 'number') await delay(p);
        else if (p === 'END') conn.end();
        else if (p === 'DESTROY') conn.destroy();
        else if (p === 'RESET') conn.reset();
        else conn.write(p);
      }
    }
  };
}

/** A 200 response with a Content-Length body. */
export function ok(body = 'ok', headers = {}) {
  let head = 'HTTP/1.1 200 OK\r\n';
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return `${head}Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
}

// ---------------------------------------------------------------------------
// Recorder

/** The properties of a response that are logged at 'response'. */
export function resView(res) {
  return {
    statusCode: res.statusCode,
    statusMessage: res.statusMessage,
    httpVersion: res.httpVersion,
    headers: { ...res.headers },
    rawHeaders: res.rawHeaders.slice(),
    complete: res.complete,
  };
}

/**
 * Logs the events of `req` and of its response into `log`, in order:
 * `req:socket`, `req:response` (with resView), `req:information` (the info
 * object), `req:continue`, `req:timeout`, `req:abort`, `req:finish`,
 * `req:drain`, `req:error` (errView), `req:close`, `res:data` (consecutive
 * chunks joined, latin1), `res:end` (complete, trailers), `res:aborted`,
 * `res:error`, `res:close`.
 *
 * opts.read: false leaves the body unread (no 'data' listener).
 * opts.resExtra(res, ev) adds detail to response events.
 * opts.scrub: { from: to } substitutions applied to error views.
 * Returns `{ closed }`: a promise resolving once req 'close' fired (and the
 * response's 'close' too when there is a response being read), bounded.
 */
export function record(req, log, opts = {}) {
  const { read = true, label = 'req', rlabel = 'res', subst = {} } = opts;
  const push = (entry) => log.push(entry);
  const err = (e) => scrub(errView(e), subst);
  let reqClosed = false;
  let res = null;
  let resClosed = false;
  // Not 'upgrade' / 'connect': listening for them changes what core does.
  const events = ['socket', 'continue', 'timeout', 'abort', 'finish', 'drain', 'close'];
  for (const ev of events) {
    req.on(ev, () => {
      if (ev === 'close') reqClosed = true;
      push(`${label}:${ev}`);
    });
  }
  req.on('information', (info) => push([`${label}:information`, { ...info, headers: { ...info.headers } }]));
  req.on('error', (e) => push([`${label}:error`, err(e)]));
  req.on('response', (r) => {
    res = r;
    push([`${label}:response`, resView(r)]);
    r.on('end', () => push([`${rlabel}:end`, { complete: r.complete, trailers: { ...r.trailers }, rawTrailers: r.rawTrailers.slice() }]));
    r.on('aborted', () => push(`${rlabel}:aborted`));
    r.on('error', (e) => push([`${rlabel}:error`, err(e)]));
    r.on('close', () => { resClosed = true; push(`${rlabel}:close`); });
    r.on('timeout', () => push(`${rlabel}:timeout`));
    if (read) {
      r.on('data', (d) => {
        const s = Buffer.isBuffer(d) ? d.toString('latin1') : String(d);
        const last = log[log.length - 1];
        if (Array.isArray(last) && last[0] === `${rlabel}:data`) last[1] += s;
        else push([`${rlabel}:data`, s]);
      });
    }
  });
  return {
    get res() { return res; },
    closed: (ms = 3000) => until(() => reqClosed && (!res || !read || resClosed), ms),
    reqClosed: (ms = 3000) => until(() => reqClosed, ms),
  };
}

/** Snapshot of the request's state properties. */
export function reqState(req) {
  return {
    aborted: req.aborted,
    destroyed: req.destroyed,
    finished: req.finished,
    writableEnded: req.writableEnded,
    writableFinished: req.writableFinished,
    reusedSocket: req.reusedSocket,
    headersSent: req.headersSent,
    method: req.method,
    path: req.path,
    host: req.host,
    protocol: req.protocol,
    maxHeadersCount: req.maxHeadersCount,
    shouldKeepAlive: req.shouldKeepAlive,
    hasSocket: req.socket !== null && req.socket !== undefined,
  };
}

export function inspect(v) {
  return util.inspect(v, { depth: 6 });
}
