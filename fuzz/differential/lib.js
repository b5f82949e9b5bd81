'use strict';
// Shared pieces of the differential fuzzer: the seeded PRNG, bounded waits,
// a raw loopback client, value normalisation, diffing, and the loop that
// runs one target's cases against node:http and the implementation under
// test and sorts the differences into known / flaky / new.

const net = require('node:net');

// ---------------------------------------------------------------------------
// PRNG. mulberry32, as in every earlier harness, so a seed names the same
// case as before.

function mulberry32(a) {
  return function next() {
    a |= 0;
    a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Every helper takes exactly one draw, except choose(), which also runs the
// picked value when it is a function (and that may draw more).
class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  int(n) { return Math.floor(this.next() * n); }
  range(a, b) { return a + this.int(b - a + 1); }
  chance(p) { return this.next() < p; }
  pick(list) { return list[this.int(list.length)]; }
  // pairs: [[weight, value], ...]
  wpick(pairs) {
    let total = 0;
    for (const [w] of pairs) total += w;
    let x = this.next() * total;
    for (const [w, v] of pairs) {
      if ((x -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  }
  choose(pairs) {
    const v = this.wpick(pairs);
    return typeof v === 'function' ? v() : v;
  }
}

const TOKEN_CHARS =
  '!#$%&\'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

// ---------------------------------------------------------------------------
// Time.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// `promise`, or `fallback` after `ms`.
function bounded(promise, ms, fallback) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise.finally(() => clearTimeout(timer)), timeout]);
}

// Polls `pred` every 5 ms for at most `ms`; true when it held.
async function until(pred, ms) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() >= end) return false;
    await sleep(5);
  }
  return true;
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function closeServer(server) {
  if (server.closeAllConnections) server.closeAllConnections();
  return bounded(new Promise((resolve) => server.close(() => resolve())), 1000);
}

// ---------------------------------------------------------------------------
// Raw loopback client: connects to `port`, writes `pieces` (latin1 strings)
// with gaps[i] ms before piece i, optionally half-closes, then reads until
// the server closes or `idleMs` pass without data (at most `maxMs` in all).

async function rawExchange(port, pieces, gaps, opts = {}) {
  const { idleMs = 200, maxMs = 5000, end = false } = opts;
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const started = Date.now();
  const data = [];
  let closed = false;
  let closeKind = null;
  let last = Date.now();
  let wake = null;
  socket.on('data', (d) => {
    data.push(d);
    last = Date.now();
    if (wake) wake();
  });
  socket.on('end', () => {
    if (!closeKind) closeKind = 'end';
  });
  socket.on('error', (e) => {
    if (!closeKind) closeKind = e.code || 'error';
  });
  socket.on('close', () => {
    closed = true;
    if (wake) wake();
  });
  await bounded(new Promise((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  }), 2000);
  const localPort = socket.localPort;
  for (let i = 0; i < pieces.length && !closed; i++) {
    if (gaps[i]) await sleep(gaps[i]);
    if (closed || socket.destroyed) break;
    socket.write(Buffer.from(pieces[i], 'latin1'));
    last = Date.now();
  }
  if (end && !closed) socket.end();
  last = Date.now();
  while (!closed) {
    const now = Date.now();
    if (now - started >= maxMs || now - last >= idleMs) break;
    await new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, 20);
    });
    wake = null;
  }
  const wasClosed = closed;
  if (!closed) {
    socket.destroy();
    await bounded(new Promise((resolve) => socket.once('close', resolve)), 500);
  }
  return {
    localPort,
    response: stripDate(Buffer.concat(data).toString('latin1')),
    closed: wasClosed,
    closeKind: wasClosed ? closeKind : null,
  };
}

// ---------------------------------------------------------------------------
// Normalisation: what differs between any two runs (dates, ports, assertion
// texts) is taken out before comparing.

function stripDate(s) {
  return s.replace(/(^|\r\n|\n)Date: [^\r\n]*/gi, '$1Date: <date>');
}

function errInfo(e) {
  if (e === undefined) return '<undefined>';
  if (e === null) return null;
  if (typeof e !== 'object') return { nonError: String(e) };
  const o = {
    ctor: e.constructor && e.constructor.name,
    name: e.name,
    code: e.code,
    message: e.code === 'ERR_INTERNAL_ASSERTION' ? '<internal assertion>' : e.message,
  };
  for (const k of ['errno', 'syscall', 'reason', 'bytesParsed']) {
    if (k in e) o[k] = e[k];
  }
  if (e.rawPacket !== undefined) o.rawPacket = Buffer.from(e.rawPacket).toString('latin1');
  if (e.cause) o.cause = errInfo(e.cause);
  return o;
}

// A JSON view of an arbitrary value; `refs` maps objects to placeholder
// names (the request, the response, the socket).
function view(v, refs, depth = 0) {
  if (v === undefined) return '<undefined>';
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'string') return stripDate(v);
  if (typeof v === 'bigint') return 'bigint:' + v;
  if (typeof v === 'function') return '<fn>';
  if (typeof v === 'symbol') return '<symbol>';
  if (refs) {
    for (const [name, obj] of refs) if (v === obj) return name;
  }
  if (Buffer.isBuffer(v)) return { buf: v.toString('latin1') };
  if (v instanceof Uint8Array) return { u8: Buffer.from(v).toString('latin1') };
  if (v instanceof Error) return { error: errInfo(v) };
  if (depth > 3) return '<deep>';
  if (Array.isArray(v)) return v.map((x) => view(x, refs, depth + 1));
  if (v instanceof Map) {
    return { map: [...v].map(([k, x]) => [view(k, refs, depth + 1), view(x, refs, depth + 1)]) };
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== null && proto !== Object.prototype) {
    return '<' + ((proto.constructor && proto.constructor.name) || 'obj') + '>';
  }
  const o = {};
  for (const k of Object.keys(v)) o[k] = view(v[k], refs, depth + 1);
  return o;
}

// Shortens long strings and arrays for printing.
function abbreviate(v, max = 160) {
  return JSON.stringify(v, (k, x) => {
    if (typeof x === 'string' && x.length > max) {
      return `${x.slice(0, max / 2)}…<${x.length} chars>…${x.slice(-max / 4)}`;
    }
    if (Array.isArray(x) && x.length > 40) {
      return [...x.slice(0, 8), `…<array of ${x.length}>…`, ...x.slice(-4)];
    }
    return x;
  });
}

// ---------------------------------------------------------------------------
// Diffing.

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// The first path (/key/index/...) where `a` and `b` differ, or null.
function firstDiff(a, b, path = '') {
  if (same(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null ||
      Array.isArray(a) !== Array.isArray(b)) {
    return { path: path || '/', node: a, impl: b };
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDiff(a[k], b[k], path + '/' + k);
    if (d) return d;
  }
  return { path: path || '/', node: a, impl: b };
}

// ---------------------------------------------------------------------------
// Uncaught errors: the case running when one is thrown records it (a
// harness that leaks one is a finding, not a crash of the fuzzer).

let uncaughtSink = null;
function setUncaughtSink(fn) {
  uncaughtSink = fn;
}
function installUncaughtHandlers() {
  const handler = (e) => {
    if (uncaughtSink) uncaughtSink(e);
    else process._rawDebug('fuzz: uncaught outside a case: ' + (e && e.stack));
  };
  process.on('uncaughtException', handler);
  process.on('unhandledRejection', handler);
}

// ---------------------------------------------------------------------------
// The loop. A target module exports:
//   name, gens (list, first = default), parallel (bool: the first run of a
//   case may run both sides at once),
//   generate(seed, gen) -> input (plain JSON),
//   setup(http) -> ctx, observe(ctx, input) -> observation (JSON),
//   teardown(ctx), describe(input) -> short text.
// Each case runs once per side; a difference is re-run 3 times (both sides,
// one after the other) and counts only when all 3 differ too ("flaky"
// otherwise). Confirmed differences are then matched against known.js.

const OBSERVE_LIMIT_MS = 20000;

async function observeBounded(target, ctx, input) {
  try {
    return await bounded(target.observe(ctx, input), OBSERVE_LIMIT_MS, { harnessTimeout: true });
  } catch (e) {
    return { harnessError: String(e && e.stack) };
  }
}

async function runTarget(target, opts, report) {
  const { nodeHttp, implHttp, seed, count, deadline, gen, verbose, knownFor, replayArgs } = opts;
  const ctxNode = await target.setup(nodeHttp);
  const ctxImpl = await target.setup(implHttp);
  const stats = { target: target.name, ran: 0, same: 0, known: 0, flaky: 0, diff: 0, byKnown: {} };
  const t0 = Date.now();
  try {
    for (let s = seed; s < seed + count && Date.now() < deadline; s++) {
      const input = target.generate(s, gen);
      const both = async (parallel) => {
        if (parallel) {
          const [a, b] = await Promise.all([
            observeBounded(target, ctxNode, input),
            observeBounded(target, ctxImpl, input),
          ]);
          return [a, b];
        }
        const a = await observeBounded(target, ctxNode, input);
        const b = await observeBounded(target, ctxImpl, input);
        return [a, b];
      };
      const [a, b] = await both(target.parallel);
      stats.ran++;
      const replay = `node fuzz/differential/run.js ${target.name} --seed ${s} --count 1` +
        (gen ? ` --gen ${gen}` : '') + (replayArgs || '');
      if (verbose) {
        report.verbose(target, s, input, a, b);
      }
      if (same(a, b)) {
        stats.same++;
        continue;
      }
      const reruns = [];
      for (let i = 0; i < 3; i++) reruns.push(await both(false));
      const confirmed = reruns.every(([x, y]) => !same(x, y));
      const known = confirmed ? knownFor(target.name, input, a, b) : null;
      const finding = {
        target: target.name, seed: s, gen: gen || null, replay, input,
        status: !confirmed ? 'flaky' : known ? 'known' : 'DIFF',
        known: known ? known.id : undefined,
        nodeStable: reruns.every(([x]) => same(x, a)),
        implStable: reruns.every(([, y]) => same(y, b)),
        first: firstDiff(a, b),
        node: a, impl: b,
      };
      if (finding.status === 'flaky') stats.flaky++;
      else if (finding.status === 'known') {
        stats.known++;
        stats.byKnown[known.id] = (stats.byKnown[known.id] || 0) + 1;
      } else stats.diff++;
      report.finding(finding, target.describe(input));
    }
  } finally {
    await target.teardown(ctxNode);
    await target.teardown(ctxImpl);
  }
  stats.seconds = Math.round((Date.now() - t0) / 1000);
  return stats;
}

module.exports = {
  Rng,
  mulberry32,
  TOKEN_CHARS,
  sleep,
  bounded,
  until,
  listen,
  closeServer,
  rawExchange,
  stripDate,
  errInfo,
  view,
  abbreviate,
  same,
  firstDiff,
  setUncaughtSink,
  installUncaughtHandlers,
  runTarget,
};
