// Raw-bytes differential harness for hostile/malformed HTTP input.
//
// The same bytes go over a plain `net` socket to a `node:http` server and to
// an rhttp server (both on 127.0.0.1, port 0). Each side yields one
// observation:
//
//   response   the bytes received, latin1, with only the `Date:` value
//              normalised
//   closed     whether the server closed the connection before the client
//              gave up waiting (bounded), and how ('end' = FIN, or the
//              socket error code such as ECONNRESET)
//   events     what the server saw on that connection, in order: 'request'
//              (method, url, httpVersion, rawHeaders, headers), body bytes,
//              'end', 'aborted', request 'error', 'clientError' (err.code;
//              err.reason / err.bytesParsed / rawPacket length are kept in
//              `details` for the report), socket 'error', socket 'close'
//   after      the response to a normal request on a fresh connection
//              afterwards ("nothing else on the server is disturbed")
//
// Every wait is bounded; every server and socket is closed.
//
// MALFORMED_SELF=1 runs node:http against itself: every test must then
// pass, which shows the harness is deterministic.

import { createRequire } from 'node:module';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);

export const nodeHttp = require('node:http');
export const rhttp = process.env.MALFORMED_SELF === '1' ?
  nodeHttp :
  require('../../index.js');

export const IMPLS = [
  { name: 'node', http: nodeHttp },
  { name: 'rhttp', http: rhttp },
];

export const MODES = [
  { name: 'no clientError listener', listener: false },
  { name: 'clientError listener', listener: true },
];

// ---------------------------------------------------------------------------
// Small utilities

/** Replace only the value of each `Date:` header line. */
export function normalise(latin1) {
  return latin1.replace(/(^|\r\n|\n)Date: [^\r\n]*/g, '$1Date: <DATE>');
}

export function toBuffer(x) {
  return Buffer.isBuffer(x) ? x : Buffer.from(x, 'latin1');
}

/** A promise that settles with `fallback` after `ms` if `p` has not. */
export function bounded(p, ms, fallback) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((resolve) => { timer = setTimeout(() => resolve(fallback), ms); }),
  ]);
}

/** Limit how many cases run at once (ava starts all tests of a file
 * together; timing-based settling wants a calm machine). */
export function semaphore(n) {
  let active = 0;
  const queue = [];
  const release = () => {
    active--;
    const next = queue.shift();
    if (next) next();
  };
  return async function run(fn) {
    if (active >= n) await new Promise((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

// ---------------------------------------------------------------------------
// Server with an observation recorder

/**
 * Start `impl.http.createServer(serverOptions)` on 127.0.0.1:0.
 *
 * The request handler records the request and its body and, once the body
 * has ended, answers `200` with `ok <method> <url> <body length>`
 * (`handler(req, res, { len })` replaces that answer; `onRequest(req, res)`
 * answers as soon as 'request' fires instead).
 * With `listener`, a 'clientError' listener records the error and calls
 * `socket.destroy()`; without it core's default answer applies.
 */
export async function startServer(impl, { serverOptions = {}, listener = false, handler, onRequest } = {}) {
  const server = impl.http.createServer(serverOptions);
  const conns = []; // per accepted connection: { id, events, details, socket, closed }
  const sockets = new Set();

  const connOf = (socket) => {
    let c = socket.__malformedConn;
    if (!c) {
      // A socket we have not seen via 'connection' (should not happen).
      c = { id: conns.length, events: [], details: [], socket, closed: false };
      conns.push(c);
      socket.__malformedConn = c;
    }
    return c;
  };
  const push = (c, ev) => {
    const last = c.events[c.events.length - 1];
    if (ev[0] === 'body' && last && last[0] === 'body' && last[1] === ev[1]) {
      last[2] += ev[2];
      return;
    }
    c.events.push(ev);
  };

  server.on('connection', (socket) => {
    const c = { id: conns.length, events: [], details: [], socket, closed: false, reqs: 0 };
    c.closedPromise = new Promise((resolve) => { c.resolveClosed = resolve; });
    conns.push(c);
    sockets.add(socket);
    socket.__malformedConn = c;
    socket.on('error', (err) => {
      push(c, ['socketError', err && err.code]);
    });
    socket.on('close', () => {
      c.closed = true;
      sockets.delete(socket);
      push(c, ['close']);
      c.resolveClosed();
    });
  });

  server.on('request', (req, res) => {
    const c = connOf(req.socket);
    const n = c.reqs++;
    push(c, ['request', n, {
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      rawHeaders: req.rawHeaders,
      headers: { ...req.headers },
    }]);
    let len = 0;
    req.on('data', (d) => {
      len += d.length;
      push(c, ['body', n, d.toString('latin1')]);
    });
    req.on('end', () => {
      push(c, ['end', n, { trailers: req.rawTrailers }]);
      if (onRequest && custom) return;
      if (handler && custom) {
        handler(req, res, { len });
        return;
      }
      res.setHeader('Content-Type', 'text/plain');
      res.end(`ok ${req.method} ${req.url} ${len}\n`);
    });
    req.on('aborted', () => push(c, ['aborted', n]));
    // The fresh-connection check always gets the default answer.
    const custom = req.url !== '/after';
    if (onRequest && custom) onRequest(req, res);
    req.on('error', (err) => push(c, ['reqError', n, err && err.code]));
  });

  if (listener) {
    server.on('clientError', (err, socket) => {
      const c = connOf(socket);
      push(c, ['clientError', err && err.code]);
      c.details.push({
        code: err && err.code,
        reason: err && err.reason,
        bytesParsed: err && err.bytesParsed,
        rawPacketLength: err && err.rawPacket ? err.rawPacket.length : undefined,
        message: err && err.message,
      });
      socket.destroy();
    });
  }

  const listening = await bounded(new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve(true);
    });
  }), 5000, false);
  if (!listening) {
    try { server.close(); } catch {}
    throw new Error(`${impl.name}: server did not start listening within 5 s`);
  }

  return {
    impl: impl.name,
    server,
    port: server.address().port,
    conns,
    /** Wait (bounded) until every accepted connection has closed. */
    async settled(ms = 1000) {
      await bounded(Promise.all(conns.map((c) => c.closedPromise)), ms);
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (typeof server.closeAllConnections === 'function') {
        try { server.closeAllConnections(); } catch {}
      }
      await bounded(new Promise((resolve) => server.close(() => resolve())), 2000);
    },
  };
}

// ---------------------------------------------------------------------------
// Raw client

/**
 * Connect, write `chunks` (strings are latin1) with `gapMs` between them,
 * then read until the server closes, or until nothing arrived for `idleMs`
 * after the last write, or `maxMs` in all. The client never half-closes; at
 * the end it destroys its socket (unless `end: true`, which sends FIN after
 * the last chunk).
 */
export async function exchange(port, chunks, { gapMs = 0, idleMs = 350, maxMs = 4000, end = false } = {}) {
  if (!Array.isArray(chunks)) chunks = [chunks];
  const socket = net.connect(port, '127.0.0.1');
  const started = Date.now();
  const data = [];
  let closed = false;
  let closeKind = null;
  let closedAt = null;
  let firstDataAt = null;
  let lastActivity = Date.now();
  let writesDone = false;
  let wake;

  socket.on('data', (d) => {
    if (firstDataAt === null) firstDataAt = Date.now() - started;
    data.push(d);
    lastActivity = Date.now();
    if (wake) wake();
  });
  socket.on('end', () => { if (!closeKind) closeKind = 'end'; });
  socket.on('error', (err) => { if (!closeKind) closeKind = err.code || 'error'; });
  socket.on('close', () => {
    closed = true;
    closedAt = Date.now() - started;
    if (wake) wake();
  });

  await bounded(new Promise((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  }), 2000);

  for (let i = 0; i < chunks.length && !closed; i++) {
    if (i > 0 && gapMs) await sleep(gapMs);
    if (closed || socket.destroyed) break;
    socket.write(toBuffer(chunks[i]));
    lastActivity = Date.now();
  }
  if (end && !closed) socket.end();
  writesDone = true;
  lastActivity = Date.now();

  while (!closed) {
    const now = Date.now();
    if (now - started >= maxMs) break;
    if (writesDone && now - lastActivity >= idleMs) break;
    await new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, 25);
    });
    wake = null;
  }
  const wasClosed = closed;
  if (!closed) {
    socket.destroy();
    await bounded(new Promise((resolve) => socket.once('close', resolve)), 1000);
  }
  const bytes = Buffer.concat(data);
  return {
    bytes,
    response: normalise(bytes.toString('latin1')),
    closed: wasClosed,
    closeKind: wasClosed ? closeKind : null,
    closedAt: wasClosed ? closedAt : null,
    firstDataAt,
  };
}

/** A plain request on a fresh connection: the server must still answer. */
export const AFTER_REQUEST = 'GET /after HTTP/1.1\r\nHost: after\r\nConnection: close\r\n\r\n';

/**
 * Run one case against one implementation: start a server, send `bytes`,
 * collect the observation, check a fresh connection still works, close.
 */
export async function observe(impl, kase, mode) {
  const srv = await startServer(impl, {
    serverOptions: kase.serverOptions,
    listener: mode.listener,
    handler: kase.handler,
    onRequest: kase.onRequest,
  });
  try {
    const res = await exchange(srv.port, kase.send, {
      gapMs: kase.gapMs,
      idleMs: kase.idleMs,
      maxMs: kase.maxMs,
      end: kase.end,
    });
    await srv.settled(1000);
    const caseConns = srv.conns.slice();
    const after = await exchange(srv.port, AFTER_REQUEST, { idleMs: 1500, maxMs: 3000 });
    return {
      response: res.response,
      closed: res.closed,
      closeKind: res.closeKind,
      closedAt: res.closedAt,
      firstDataAt: res.firstDataAt,
      connections: caseConns.length,
      events: caseConns.map((c) => c.events),
      details: caseConns.map((c) => c.details),
      after: after.response,
      afterClosed: after.closed,
    };
  } finally {
    await srv.close();
  }
}

/** What a test asserts equal between core and rhttp. */
export function comparable(obs) {
  return {
    response: obs.response,
    closed: obs.closed,
    closeKind: obs.closeKind,
    connections: obs.connections,
    events: obs.events,
    after: obs.after,
    afterClosed: obs.afterClosed,
  };
}

/** One line for logs and reports. */
export function summary(obs) {
  const ce = obs.details.flat().map((d) =>
    `${d.code} reason=${JSON.stringify(d.reason)} bytesParsed=${d.bytesParsed}`).join('; ');
  const first = obs.response.split('\r\n')[0];
  const se = obs.events.flat().filter((e) => e[0] === 'socketError').map((e) => e[1]).join(',');
  return `${JSON.stringify(first)} (${obs.response.length} B) closed=${obs.closed}` +
    `${obs.closeKind ? '/' + obs.closeKind : ''}` +
    `${ce ? ' clientError=' + ce : ''}` +
    `${se ? ' socketError=' + se : ''}` +
    ` requests=${obs.events.flat().filter((e) => e[0] === 'request').length}` +
    ` after=${JSON.stringify(obs.after.split('\r\n')[0])}`;
}
