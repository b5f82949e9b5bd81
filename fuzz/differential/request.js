'use strict';
// Target "request": ClientRequest API sequences against a scripted server.
//
// A case is one request (or, 12 % of the time, 2-4 requests through one
// Agent with its own keepAlive/maxSockets/maxFreeSockets/maxTotalSockets/
// scheduling/timeout) built from generated options (method, path, headers
// as object or array, setHost, auth, timeout, agent, insecureHTTPParser,
// maxHeaderSize, joinDuplicateHeaders, uniqueHeaders, signal, localAddress,
// family, URL forms, createConnection, custom lookup, a refused port), and
// operations on the request and its response (header methods, write/end
// with several data types, flushHeaders, setTimeout, abort/destroy,
// AbortController.abort, res.pause/resume/read/destroy/setEncoding, socket
// end/destroy, ...), each fired at a trigger ('sync', next tick, 'socket',
// 'connect', 'finish', 'response', 'data', 'information', 'timeout', the
// socket's 'free', res 'end'/'close', 30/150 ms). The scripted raw server
// answers each request, at its first byte, at the end of its head or of its
// body (or never, or at connect), with one of ~45 canned responses (valid,
// slow, truncated, reset, 1xx, upgrade, malformed, ...). Observed: every
// event and operation result of each request in order, the final state of
// the requests, the agent's pool counts, and the bytes each server
// connection received and how it ended (FIN, reset, open).

const net = require('node:net');
const { Rng, sleep, listen, errInfo, view, setUncaughtSink } = require('./lib');

// ---------------------------------------------------------------------------
// The scripted server. A response is parts (latin1 strings, or { delay,
// d }) and a final action: 'keep', 'end' (FIN) or 'reset'.

const RESP = {
  ok: ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Srv: a\r\n\r\nhello', 'keep'],
  okClose: ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello', 'end'],
  chunked: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    'keep'],
  chunkedTrailer: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n' +
    '3\r\nabc\r\n0\r\nX-T: tv\r\nX-U: uv\r\n\r\n', 'keep'],
  noLength: ['HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close', 'end'],
  noLengthKA: ['HTTP/1.1 200 OK\r\n\r\nbody-no-length', { delay: 60, d: 'more' }, 'end'],
  http10: ['HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nten-body', 'end'],
  http10ka: ['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok', 'keep'],
  slow: ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello', { delay: 150, d: 'world' }, 'keep'],
  slowChunked: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
    { delay: 150, d: '5\r\nworld\r\n0\r\n\r\n' }, 'keep'],
  slowHead: ['HTTP/1.1 200 OK\r\nContent-', { delay: 100, d: 'Length: 2\r\n\r\nok' }, 'keep'],
  truncated: ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello', 'end'],
  truncatedReset: ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello', { delay: 30, d: '' },
    'reset'],
  truncatedChunked: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', 'end'],
  headOnlyClose: ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n', 'end'],
  info103: ['HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'keep'],
  info102split: ['HTTP/1.1 102 Processing\r\n\r\n',
    { delay: 100, d: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' }, 'keep'],
  unsol100: ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'keep'],
  s204: ['HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n', 'keep'],
  s304: ['HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: "x"\r\n\r\n', 'keep'],
  s500: ['HTTP/1.1 500 Internal Server Error\r\nContent-Length: 3\r\n\r\nerr', 'keep'],
  headResp: ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', 'keep'],
  dupHeaders: ['HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Dup: 1\r\nx-dup: 2\r\n' +
    'Cookie: c=1\r\nCookie: d=2\r\nContent-Type: a\r\nContent-Type: b\r\nX-Empty:\r\n' +
    'Content-Length: 2\r\n\r\nok', 'keep'],
  bigHeader: ['HTTP/1.1 200 OK\r\nX-Big: ' + 'b'.repeat(3000) + '\r\nContent-Length: 2\r\n\r\nok',
    'keep'],
  manyHeaders: ['HTTP/1.1 200 OK\r\n' +
    Array.from({ length: 40 }, (_, i) => `X-H${i}: ${i}\r\n`).join('') +
    'Content-Length: 2\r\n\r\nok', 'keep'],
  badHeader: ['HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 2\r\n\r\nok', 'keep'],
  badVersion: ['HTP/1.1 200 OK\r\n\r\n', 'keep'],
  badStatus: ['HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n', 'keep'],
  spaceColon: ['HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 2\r\n\r\nok', 'keep'],
  obsFold: ['HTTP/1.1 200 OK\r\nX-A: b\r\n  c\r\nContent-Length: 2\r\n\r\nok', 'keep'],
  dupCL: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk', 'keep'],
  clte: ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '2\r\nok\r\n0\r\n\r\n', 'keep'],
  bareLF: ['HTTP/1.1 200 OK\nContent-Length: 2\n\nok', 'keep'],
  ctlValue: ['HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 2\r\n\r\nok', 'keep'],
  teNotChunked: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc', 'end'],
  extraAfter: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE\r\n\r\n', 'keep'],
  twoResp: ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1' +
    '\r\n\r\nb', 'keep'],
  upgrade: ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    '\r\nHEADBYTES', 'keep'],
  connect200: ['HTTP/1.1 200 Connection Established\r\n\r\nTUNNEL', 'keep'],
  kaTimeout: ['HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok', 'keep'],
  connCloseKeep: ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', 'keep'],
  bigBody: ['HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(100000), 'keep'],
  emptyReason: ['HTTP/1.1 299\r\nContent-Length: 0\r\n\r\n', 'keep'],
  nothing: ['end'],
  resetNow: ['reset'],
};

class ScriptedServer {
  constructor() {
    this.server = net.createServer({ allowHalfOpen: true }, (s) => this.onConn(s));
    this.conns = new Set();
    this.timers = new Set();
    this.script = null;
    this.rec = null;
  }
  async listen() {
    await listen(this.server);
    this.port = this.server.address().port;
  }
  // rules: [{ when: 'first'|'head'|'body'|'never'|'conn', resp, cont }]
  begin(rules) {
    this.script = { rules };
    this.rec = { conns: [] };
    this.reqCount = 0;
  }
  later(ms, fn) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
  onConn(s) {
    this.conns.add(s);
    s.on('close', () => this.conns.delete(s));
    const rec = { data: '', end: 'open' };
    if (!this.rec) {
      s.destroy();
      return;
    }
    this.rec.conns.push(rec);
    const st = { buf: '', pos: 0, cur: null, dead: false, tunnel: false };
    s.on('data', (d) => {
      rec.data += d.toString('latin1');
      if (st.dead || st.tunnel) return;
      st.buf += d.toString('latin1');
      this.parse(s, st);
    });
    s.on('end', () => {
      if (rec.end === 'open') rec.end = 'fin';
    });
    s.on('error', (e) => {
      if (rec.end === 'open' || rec.end === 'fin') rec.end = 'err:' + e.code;
    });
    const r0 = this.script.rules[0];
    if (r0 && r0.when === 'conn') {
      this.reqCount++;
      this.respond(s, st, r0);
    }
  }
  ruleFor() {
    const rules = this.script.rules;
    return rules[Math.min(this.reqCount++, rules.length - 1)];
  }
  // A small request parser: enough to find each request's head and body.
  parse(s, st) {
    for (;;) {
      if (st.dead || st.tunnel) return;
      if (!st.cur) {
        if (st.pos >= st.buf.length) return;
        st.cur = { rule: this.ruleFor(), stage: 'start', fired: false };
        this.fire(s, st, 'first');
      }
      const cur = st.cur;
      if (cur.stage === 'start') {
        const i = st.buf.indexOf('\r\n\r\n', st.pos);
        if (i < 0) return;
        const lines = st.buf.slice(st.pos, i).split('\r\n');
        st.pos = i + 4;
        let cl = 0;
        let chunked = false;
        let expect = false;
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          if (c < 0) continue;
          const n = l.slice(0, c).trim().toLowerCase();
          const v = l.slice(c + 1).trim();
          if (n === 'content-length') cl = parseInt(v, 10) || 0;
          if (n === 'transfer-encoding' && /chunked/i.test(v)) chunked = true;
          if (n === 'expect' && /100-continue/i.test(v)) expect = true;
        }
        cur.method = lines[0].split(' ')[0];
        cur.cl = cl;
        if (expect && cur.rule.cont) s.write('HTTP/1.1 100 Continue\r\n\r\n');
        this.fire(s, st, 'head');
        cur.stage = cur.method === 'CONNECT' ? 'done' : chunked ? 'chunk' : 'body';
      }
      if (cur.stage === 'body') {
        if (st.buf.length - st.pos < cur.cl) return;
        st.pos += cur.cl;
        cur.stage = 'done';
      }
      if (cur.stage === 'chunk') {
        for (;;) {
          const i = st.buf.indexOf('\r\n', st.pos);
          if (i < 0) return;
          const size = parseInt(st.buf.slice(st.pos, i), 16);
          if (Number.isNaN(size)) {
            st.dead = true;
            return;
          }
          if (size === 0) {
            const j = st.buf.indexOf('\r\n\r\n', i);
            if (j < 0) return;
            st.pos = j + 4;
            break;
          }
          if (st.buf.length < i + 2 + size + 2) return;
          st.pos = i + 2 + size + 2;
        }
        cur.stage = 'done';
      }
      if (cur.stage === 'done') {
        this.fire(s, st, 'body');
        if (cur.method === 'CONNECT') st.tunnel = true;
        st.cur = null;
      }
    }
  }
  fire(s, st, when) {
    const cur = st.cur;
    if (cur.fired || cur.rule.when !== when) return;
    cur.fired = true;
    this.respond(s, st, cur.rule);
  }
  respond(s, st, rule) {
    const r = RESP[rule.resp];
    const fin = r[r.length - 1];
    const steps = r.slice(0, -1).map((p) => (typeof p === 'string' ? { delay: 0, d: p } : p));
    const run = (i) => {
      if (s.destroyed) return;
      if (i >= steps.length) {
        if (fin === 'end') {
          st.dead = true;
          s.end();
        } else if (fin === 'reset') {
          st.dead = true;
          s.resetAndDestroy();
        }
        return;
      }
      const go = () => {
        if (!s.destroyed && steps[i].d) s.write(steps[i].d, 'latin1');
        run(i + 1);
      };
      if (steps[i].delay > 0) this.later(steps[i].delay, go);
      else go();
    };
    run(0);
  }
  end() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.conns) s.destroy();
    const rec = this.rec;
    this.rec = null;
    return rec;
  }
  async waitIdle(max = 300) {
    const t0 = Date.now();
    while (this.conns.size && Date.now() - t0 < max) await sleep(5);
  }
}

// ---------------------------------------------------------------------------
// Running one case on one implementation.

function buildHeaders(h) {
  if (!h) return undefined;
  if (h.form === 'array') {
    const a = [];
    for (const [n, v] of h.list) a.push(n, v);
    return a;
  }
  const o = {};
  for (const [n, v] of h.list) o[n] = v;
  return o;
}

function buildData(d) {
  if (d.s !== undefined) return d.s;
  if (d.b !== undefined) return Buffer.from(d.b);
  if (d.u8) return new Uint8Array(d.u8);
  if (d.num !== undefined) return d.num;
  if (d.nul) return null;
  if (d.big) return 'x'.repeat(d.big);
  if (d.undef) return undefined;
  return '';
}

const SLOW_RESPONSES = ['slow', 'slowChunked', 'slowHead', 'noLengthKA', 'info102split'];

async function runCase(http, spec, srv, refusedPort) {
  const port = srv.port;
  const run = { active: true, global: [], logs: [], lastEvent: Date.now() };
  setUncaughtSink((e) => {
    if (run.active) run.global.push(['uncaught', errInfo(e)]);
  });
  const reqObjs = [];
  const sockIds = new Map();
  let sockCounter = 0;
  let agent = null;
  const timers = [];

  if (spec.agent) {
    const ao = {};
    for (const k of Object.keys(spec.agent)) if (spec.agent[k] !== undefined) ao[k] = spec.agent[k];
    try {
      agent = new http.Agent(ao);
    } catch (e) {
      run.global.push(['agentThrow', errInfo(e)]);
    }
  }
  srv.begin(spec.rules);

  const norm = (v, ctx) => view(v, ctx ? [['<req>', ctx.req], ['<res>', ctx.res],
    ['<sock>', ctx.req && ctx.req.socket]] : null);
  const safe = (fn) => {
    try {
      return norm(fn());
    } catch (e) {
      return { threw: errInfo(e) };
    }
  };

  function requestArgs(ro, ctx) {
    const o = {};
    const local = ro.hostForm === 'localhost' || ro.hostForm === 'localhost4';
    const hostName = local ? 'localhost' : '127.0.0.1';
    if (ro.hostForm === 'host' || local) o.host = hostName;
    if (ro.hostForm === 'hostname') o.hostname = hostName;
    if (ro.hostForm === 'localhost4') o.family = 4;
    if (ro.hostForm === 'refused') {
      o.host = '127.0.0.1';
      o.port = refusedPort;
    } else if (ro.portForm === 'port') o.port = port;
    else if (ro.portForm === 'strport') o.port = String(port);
    else o.defaultPort = port;
    if ('method' in ro) o.method = ro.method;
    if ('path' in ro) o.path = ro.path;
    if (ro.headers) o.headers = buildHeaders(ro.headers);
    for (const k of ['setHost', 'auth', 'timeout', 'insecureHTTPParser', 'maxHeaderSize',
      'joinDuplicateHeaders', 'uniqueHeaders', 'localAddress', 'family', 'protocol']) {
      if (k in ro) o[k] = ro[k];
    }
    if (spec.multi) o.agent = agent;
    else if (ro.agent === 'false') o.agent = false;
    else if (ro.agent === 'ka' || ro.agent === 'noka') {
      o.agent = agent || (agent = new http.Agent({ keepAlive: ro.agent === 'ka' }));
    } else if (ro.agent === 'absent') o.agent = undefined;
    if (ro.signal) {
      ctx.ctrl = new AbortController();
      if (ro.signal === 'aborted') ctx.ctrl.abort();
      if (ro.signal === 'abortedReason') ctx.ctrl.abort('why');
      o.signal = ctx.ctrl.signal;
    }
    if (ro.createConnection === 'net') o.createConnection = (opts) => net.createConnection(opts);
    if (ro.createConnection === 'netCb') {
      o.createConnection = (opts, cb) => {
        const s = net.createConnection(opts);
        s.once('connect', () => cb(null, s));
        s.once('error', (e) => cb(e));
      };
    }
    if (ro.lookup) {
      const ans = (lo, cb) => {
        if (lo && lo.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
        else cb(null, '127.0.0.1', 4);
      };
      const fail = (cb) => {
        const e = new Error('lookup-failed');
        e.code = 'ENOTFOUND';
        cb(e);
      };
      if (ro.lookup === true || ro.lookup === 'sync') o.lookup = (h, lo, cb) => ans(lo, cb);
      else if (ro.lookup === 'async') o.lookup = (h, lo, cb) => setImmediate(() => ans(lo, cb));
      else if (ro.lookup === 'err') o.lookup = (h, lo, cb) => fail(cb);
      else o.lookup = (h, lo, cb) => setImmediate(() => fail(cb));
    }
    if (!ro.form) return [o];
    const p = typeof ro.path === 'string' && ro.path.startsWith('/') ? ro.path : '/';
    const url = `http://${hostName}:${port}${p}`;
    const rest = { ...o };
    for (const k of ['host', 'hostname', 'port', 'defaultPort', 'path']) delete rest[k];
    if (ro.form === 'urlString') return [url, rest];
    if (ro.form === 'urlObject') return [new URL(url), rest];
    return [url];
  }

  function startReq(i) {
    const rs = spec.reqs[i];
    const ro = rs.opts;
    const log = [];
    run.logs[i] = log;
    const ctx = { i, req: null, res: null, log, fired: new Set(), closed: false, ctrl: null,
      dataBuf: null };
    reqObjs[i] = ctx;
    const L = (...e) => {
      if (!run.active) return;
      run.lastEvent = Date.now();
      ctx.dataBuf = null;
      log.push(e);
    };
    const Ldata = (chunk) => {
      if (!run.active) return;
      run.lastEvent = Date.now();
      const s = typeof chunk === 'string' ? 's:' + chunk : 'b:' + chunk.toString('latin1');
      if (ctx.dataBuf) {
        ctx.dataBuf[1] += s.slice(2);
        return;
      }
      ctx.dataBuf = ['data', s];
      log.push(ctx.dataBuf);
    };
    ctx.L = L;
    const args = requestArgs(ro, ctx);

    // ops by trigger
    const opsBy = new Map();
    rs.ops.forEach((op, idx) => {
      if (!opsBy.has(op.trigger)) opsBy.set(op.trigger, []);
      opsBy.get(op.trigger).push([idx, op]);
    });
    const fire = (trig) => {
      if (ctx.fired.has(trig)) return;
      ctx.fired.add(trig);
      for (const [idx, op] of opsBy.get(trig) || []) doOp(ctx, idx, op);
    };
    ctx.fire = fire;

    let req;
    try {
      req = http.request(...args);
    } catch (e) {
      L('throw', errInfo(e));
      ctx.closed = true;
      ctx.threw = true;
      return ctx;
    }
    ctx.req = req;
    L('created', { path: req.path, method: req.method, host: req.host, protocol: req.protocol,
      headersSent: req.headersSent, rawNames: safe(() => req.getRawHeaderNames()),
      maxHeadersCount: req.maxHeadersCount, reusedSocket: req.reusedSocket,
      destroyed: req.destroyed });

    req.on('socket', (sock) => {
      let sid = sockIds.get(sock);
      const fresh = sid === undefined;
      if (fresh) {
        sid = sockCounter++;
        sockIds.set(sock, sid);
      }
      sock.__fuzzOwner = ctx;
      L('socket', { sid, fresh, reused: req.reusedSocket, connecting: sock.connecting,
        destroyed: sock.destroyed, isNet: sock instanceof net.Socket });
      if (fresh) {
        const SL = (...e) => {
          const c = sock.__fuzzOwner;
          if (c) c.L('sock' + sid, ...e);
        };
        sock.on('connect', () => SL('connect'));
        sock.on('ready', () => SL('ready'));
        sock.on('lookup', (err, addr, fam, host) => {
          const c = sock.__fuzzOwner;
          if (c && run.active) run.global.push(['lookup', c.i, sid, errInfo(err), addr, fam, host]);
        });
        sock.on('end', () => SL('end'));
        sock.on('close', (h) => SL('close', h));
        sock.on('error', (e) => SL('error', errInfo(e)));
        sock.on('timeout', () => SL('timeout'));
        sock.on('free', () => {
          SL('free');
          const c = sock.__fuzzOwner;
          if (c) c.fire('free');
        });
        sock.on('agentRemove', () => SL('agentRemove'));
      }
      fire('socket');
      if (sock.connecting) sock.once('connect', () => fire('connect'));
      else fire('connect');
    });
    req.on('finish', () => {
      L('finish');
      fire('finish');
    });
    req.on('prefinish', () => L('prefinish'));
    req.on('drain', () => L('drain'));
    req.on('information', (info) => {
      L('information', { statusCode: info.statusCode, statusMessage: info.statusMessage,
        httpVersion: info.httpVersion, headers: norm(info.headers), rawHeaders: info.rawHeaders });
      fire('information');
    });
    req.on('continue', () => {
      L('continue');
      fire('continue');
    });
    req.on('timeout', () => {
      L('timeout');
      fire('timeout');
    });
    req.on('abort', () => L('abort'));
    req.on('error', (e) => L('error', errInfo(e)));
    req.on('close', () => {
      L('close');
      ctx.closed = true;
      fire('close');
      maybeNext(i, 'prevClose');
    });
    if (spec.upgradeListen) {
      req.on('upgrade', (res, sock, head) => {
        L('upgrade', res.statusCode, norm(res.headers), head.toString('latin1'), sock === req.socket);
        sock.destroy();
      });
      req.on('connect', (res, sock, head) => {
        L('connectEv', res.statusCode, head.toString('latin1'), sock === req.socket);
        sock.destroy();
      });
    }
    if (spec.respListen) {
      req.on('response', (res) => {
        ctx.res = res;
        L('response', { statusCode: res.statusCode, statusMessage: res.statusMessage,
          httpVersion: res.httpVersion, headers: norm(res.headers), rawHeaders: res.rawHeaders,
          complete: res.complete, reused: req.reusedSocket });
        res.on('end', () => {
          L('resEnd', { complete: res.complete, trailers: norm(res.trailers),
            rawTrailers: res.rawTrailers });
          fire('resEnd');
        });
        res.on('close', () => {
          L('resClose', { complete: res.complete, destroyed: res.destroyed });
          fire('resClose');
        });
        res.on('timeout', () => L('resTimeout'));
        res.on('aborted', () => L('resAborted'));
        res.on('error', (e) => L('resError', errInfo(e)));
        if (spec.consume === 'data') {
          res.on('data', (c) => {
            Ldata(c);
            fire('data');
          });
        } else if (spec.consume === 'resume') res.resume();
        else if (spec.consume === 'readable') {
          res.on('readable', () => {
            let c;
            while ((c = res.read()) !== null) {
              Ldata(c);
              fire('data');
            }
          });
        }
        fire('response');
        maybeNext(i, 'prevResponse');
      });
    }
    fire('sync');
    process.nextTick(() => fire('tick'));
    setImmediate(() => fire('immediate'));
    timers.push(setTimeout(() => fire('d30'), 30));
    timers.push(setTimeout(() => fire('d150'), 150));
    return ctx;
  }

  function doOp(ctx, idx, op) {
    const { req, L } = ctx;
    const res = ctx.res;
    const mkcb = (tag) => (err) => L('cb', idx, tag, errInfo(err));
    const onRes = (fn) => (res ? fn() : '<nores>');
    const onSock = (fn) => (req.socket ? fn(req.socket) : '<nosock>');
    const withData = (fn, d, tag) => {
      // fn(...args): write or end with the op's data, encoding and callback
      const args = d ? [buildData(d)] : [];
      if (d && d.enc) args.push(d.enc);
      if (op.cb) args.push(mkcb(tag));
      return fn(...args);
    };
    let ret;
    try {
      switch (op.op) {
        case 'setHeader': ret = req.setHeader(op.name, op.value); break;
        case 'appendHeader': ret = req.appendHeader(op.name, op.value); break;
        case 'getHeader': ret = req.getHeader(op.name); break;
        case 'hasHeader': ret = req.hasHeader(op.name); break;
        case 'removeHeader': ret = req.removeHeader(op.name); break;
        case 'getRawHeaderNames': ret = req.getRawHeaderNames(); break;
        case 'getHeaderNames': ret = req.getHeaderNames(); break;
        case 'getHeaders': ret = req.getHeaders(); break;
        case 'write': ret = withData((...a) => req.write(...a), op.data, 'write'); break;
        case 'end': ret = withData((...a) => req.end(...a), op.data, 'end'); break;
        case 'flushHeaders': ret = req.flushHeaders(); break;
        case 'setNoDelay': ret = req.setNoDelay(op.v); break;
        case 'setSocketKeepAlive': ret = req.setSocketKeepAlive(op.v, op.d); break;
        case 'setTimeout':
          ret = op.cb ? req.setTimeout(op.ms, () => L('cb', idx, 'timeout')) : req.setTimeout(op.ms);
          break;
        case 'clearTimeout': ret = req.clearTimeout ? req.clearTimeout() : '<none>'; break;
        case 'abort': ret = req.abort(); break;
        case 'destroy': ret = req.destroy(); break;
        case 'destroyErr': ret = req.destroy(new Error('boom')); break;
        case 'resDestroy': ret = onRes(() => res.destroy()); break;
        case 'resDestroyErr': ret = onRes(() => res.destroy(new Error('resboom'))); break;
        case 'resPause': ret = onRes(() => res.pause()); break;
        case 'resResume': ret = onRes(() => res.resume()); break;
        case 'resRead': ret = onRes(() => res.read()); break;
        case 'resSetEncoding': ret = onRes(() => res.setEncoding(op.enc)); break;
        case 'maxHeadersCount':
          req.maxHeadersCount = op.v;
          ret = req.maxHeadersCount;
          break;
        case 'props':
          ret = { path: req.path, method: req.method, host: req.host, protocol: req.protocol,
            reusedSocket: req.reusedSocket, destroyed: req.destroyed,
            writableEnded: req.writableEnded, writableFinished: req.writableFinished,
            headersSent: req.headersSent, finished: req.finished, aborted: req.aborted,
            hasSocket: !!req.socket, writable: req.writable,
            resComplete: res ? res.complete : '<nores>' };
          break;
        case 'ctrlAbort':
          ret = ctx.ctrl ?
            ctx.ctrl.abort(op.reason === 'err' ? new Error('reason-err') : op.reason) : '<noctrl>';
          break;
        case 'socketDestroy': ret = onSock((s) => s.destroy()); break;
        case 'socketEnd': ret = onSock((s) => s.end()); break;
        case 'resSetTimeout':
          ret = onRes(() => (op.cb ? res.setTimeout(op.ms, () => L('cb', idx, 'resTimeout')) :
            res.setTimeout(op.ms)));
          break;
        case 'socketSetTimeout':
          ret = onSock((s) => (op.cb ? s.setTimeout(op.ms, () => L('cb', idx, 'sockTimeout')) :
            s.setTimeout(op.ms)));
          break;
        case 'resUnpipe': ret = onRes(() => res.unpipe()); break;
        case 'resWrapRead':
          ret = onRes(() => `${res.isPaused()}:${res.readableFlowing}:${res.readableLength}:` +
            `${res.readableEnded}`);
          break;
        case 'sockProps':
          ret = onSock((s) => ({ connecting: s.connecting, pending: s.pending,
            readyState: s.readyState, destroyed: s.destroyed, writable: s.writable,
            readable: s.readable, remoteAddress: s.remoteAddress, remoteFamily: s.remoteFamily,
            timeout: s.timeout, readableFlowing: s.readableFlowing, writableEnded: s.writableEnded,
            readableEnded: s.readableEnded }));
          break;
        case 'cork': ret = req.cork(); break;
        case 'uncork': ret = req.uncork(); break;
        default: ret = '<unknown>';
      }
      L('op', idx, op.op, norm(ret, ctx));
    } catch (e) {
      L('op', idx, op.op, { threw: errInfo(e) });
    }
  }

  function maybeNext(i, why) {
    const j = i + 1;
    if (j < spec.reqs.length && !reqObjs[j] && spec.reqs[j].at === why) startReq(j);
  }
  function startAfterThrow(i) {
    const j = i + 1;
    if (j < spec.reqs.length && !reqObjs[j] && startReq(j).threw) startAfterThrow(j);
  }

  // start
  for (let i = 0; i < spec.reqs.length; i++) {
    if (reqObjs[i]) continue;
    if (i === 0 || spec.reqs[i].at === 'sync') {
      if (startReq(i).threw) startAfterThrow(i);
    }
  }

  // settle: all requests closed and 60 ms quiet (and a minimum run time),
  // or 700 ms in all
  const t0 = Date.now();
  const cap = 700;
  const slow = spec.reqs.some((r) => r.ops.some((o) => o.trigger === 'd150')) ||
    spec.rules.some((r) => SLOW_RESPONSES.includes(r.resp));
  const minRun = slow ? 200 : 40;
  for (;;) {
    await sleep(10);
    const now = Date.now();
    const allStarted = spec.reqs.every((_, i) => reqObjs[i]);
    const allClosed = spec.reqs.every((_, i) => reqObjs[i] && reqObjs[i].closed);
    if (allStarted && allClosed && now - run.lastEvent >= 60 && now - t0 >= minRun) break;
    if (now - t0 >= cap) {
      run.global.push(['cap']);
      break;
    }
    // requests whose predecessor will never trigger them start at cap / 2
    if (!allStarted && now - t0 >= cap / 2) {
      const i = spec.reqs.findIndex((_, k) => !reqObjs[k]);
      startReq(i);
    }
  }

  const finals = reqObjs.map((c) => {
    if (!c || !c.req) return null;
    const { req, res } = c;
    return {
      destroyed: req.destroyed, writableEnded: req.writableEnded,
      writableFinished: req.writableFinished, headersSent: req.headersSent,
      finished: req.finished, aborted: req.aborted, reusedSocket: req.reusedSocket,
      res: res ? { complete: res.complete, destroyed: res.destroyed,
        readableEnded: res.readableEnded, aborted: res.aborted } : null,
    };
  });
  const usesGlobal = spec.reqs.some((r) => r.opts.agent === 'global' || r.opts.agent === 'absent');
  const ag = agent || (usesGlobal ? http.globalAgent : null);
  let agentState = null;
  if (ag) {
    const cnt = (o) => {
      const r = {};
      for (const k of Object.keys(o || {})) r[k] = o[k].length;
      return r;
    };
    agentState = { sockets: cnt(ag.sockets), free: cnt(ag.freeSockets),
      requests: cnt(ag.requests), total: ag.totalSocketCount };
  }
  run.active = false;
  setUncaughtSink(null);
  for (const t of timers) clearTimeout(t);
  const server = srv.end();
  for (const c of reqObjs) {
    if (c && c.req) {
      try {
        c.req.destroy();
      } catch {}
    }
  }
  if (agent) {
    try {
      agent.destroy();
    } catch {}
  }
  http.globalAgent.destroy();
  await srv.waitIdle();
  await sleep(15);

  const short = (s, head, tail) => (s.length > head + tail * 2 ?
    `len=${s.length}:` + s.slice(0, head) + '...' + (tail ? s.slice(-tail) : '') : s);
  let conns = server.conns.map((c) => ({ data: short(c.data, 300, 100), end: c.end }));
  if (spec.multi && (spec.agent.maxSockets || Infinity) > 1) {
    conns = conns.map((c) => JSON.stringify(c)).sort().map((s) => JSON.parse(s));
  }
  const logs = run.logs.map((l) => (l || []).map((e) =>
    (e[0] === 'data' && e[1].length > 300 ? ['data', `len=${e[1].length}:` + e[1].slice(0, 60)] :
      e)));
  return { logs, global: run.global, finals, agent: agentState, server: conns };
}

// ---------------------------------------------------------------------------
// Generator. (Draw for draw as the old /tmp/fuzz-req/gen.js, "phase 2".)

const METHODS = [[30, 'GET'], [6, 'HEAD'], [25, 'POST'], [8, 'PUT'], [5, 'DELETE'], [3, 'OPTIONS'],
  [3, 'CONNECT'], [3, 'get'], [2, 'post'], [2, 'PATCH'], [1, 'G ET'], [1, 'GET\r\n'], [1, ''],
  [1, 'FOO'], [1, 'Ünicode'], [1, 'M-SEARCH'], [1, null]];
const PATHS = [[40, '/'], [10, '/a/b?x=1&y=2'], [3, '/a b'], [3, '/ünï'], [2, '/€'], [3, '/p?q#frag'],
  [3, 'http://example.com/abs?x'], [2, '*'], [2, ''], [3, undefined], [2, '/%20ok'], [1, '/\ttab'],
  [1, 'noslash'], [2, 'example.com:80']];
const HNAMES = ['X-A', 'x-a', 'X-B', 'Host', 'host', 'Content-Length', 'Transfer-Encoding',
  'Connection', 'Expect', 'Set-Cookie', 'Cookie', 'Content-Type', 'Authorization', 'TE', 'Upgrade',
  'Bad Name', 'x-ü', 'X-U', 'Date', 'Trailer', 'Keep-Alive', 'Proxy-Connection', '', 'x:y'];

function hval(R, name) {
  const n = name.toLowerCase();
  if (n === 'content-length') {
    return R.wpick([[5, '5'], [3, '0'], [2, 3], [1, 'abc'], [1, '100'], [1, ['1', '2']]]);
  }
  if (n === 'transfer-encoding') {
    return R.wpick([[6, 'chunked'], [2, 'gzip'], [2, 'gzip, chunked'], [1, 'identity'],
      [1, 'Chunked']]);
  }
  if (n === 'connection') {
    return R.wpick([[4, 'close'], [4, 'keep-alive'], [2, 'upgrade'], [1, 'Upgrade, keep-alive'],
      [1, 'x']]);
  }
  if (n === 'expect') return R.wpick([[8, '100-continue'], [1, 'other']]);
  if (n === 'host') {
    return R.wpick([[4, 'example.com'], [2, 'example.com:8080'], [1, ''], [1, ['h1', 'h2']]]);
  }
  if (n === 'upgrade') return R.wpick([[5, 'websocket'], [1, 'h2c']]);
  if (n === 'set-cookie' || n === 'cookie') return R.wpick([[3, ['a=1', 'b=2']], [3, 'c=3'], [1, []]]);
  return R.wpick([[5, 'v1'], [2, ''], [2, 42], [2, ['a', 'b']], [1, 'a\r\nb'], [1, 'ü'], [1, '€'],
    [1, undefined], [1, 'a\tb'], [1, ' sp ']]);
}

function genHeaders(R) {
  const n = R.wpick([[6, 0], [5, 1], [4, 2], [3, 3], [1, 5]]);
  const form = R.wpick([[7, 'object'], [3, 'array']]);
  const list = [];
  for (let i = 0; i < n; i++) {
    const name = R.pick(HNAMES);
    let v = hval(R, name);
    if (form === 'array' && Array.isArray(v)) v = v.length ? v[0] : 'x';
    list.push([name, v]);
  }
  return { form, list };
}

const WRITE_DATA = [[8, { s: 'abc' }], [3, { s: '' }], [4, { b: 'xyz' }],
  [2, { s: 'ü', enc: 'latin1' }], [2, { s: 'ü', enc: 'utf8' }], [2, { s: 'aGVsbG8=', enc: 'base64' }],
  [2, { s: '414243', enc: 'hex' }], [1, { s: 'zz', enc: 'bogus-enc' }], [2, { u8: [65, 66] }],
  [1, { num: 7 }], [1, { nul: true }], [1, { big: 70000 }], [1, { b: '' }], [1, { undef: true }]];
const data = (R) => ({ ...R.wpick(WRITE_DATA) });

const TRIGGERS_PRE = ['sync', 'sync', 'sync', 'tick', 'tick', 'socket', 'socket', 'connect', 'd30'];
const TRIGGERS_POST = ['finish', 'response', 'response', 'data', 'resEnd', 'close', 'd30', 'd150',
  'information', 'timeout', 'free', 'resClose'];
const OPS = [[8, 'setHeader'], [4, 'getHeader'], [3, 'hasHeader'], [4, 'removeHeader'],
  [3, 'getRawHeaderNames'], [2, 'getHeaderNames'], [2, 'getHeaders'], [10, 'write'], [8, 'end'],
  [3, 'flushHeaders'], [2, 'setNoDelay'], [2, 'setSocketKeepAlive'], [4, 'setTimeout'],
  [3, 'abort'], [4, 'destroy'], [2, 'destroyErr'], [3, 'resDestroy'], [1, 'resDestroyErr'],
  [3, 'resPause'], [3, 'resResume'], [1, 'resSetEncoding'], [2, 'maxHeadersCount'], [4, 'props'],
  [3, 'ctrlAbort'], [2, 'socketDestroy'], [2, 'socketEnd'], [1, 'clearTimeout'], [1, 'cork'],
  [1, 'uncork'], [1, 'appendHeader'], [1, 'resRead'], [2, 'resSetTimeout'],
  [1, 'socketSetTimeout'], [1, 'resUnpipe'], [1, 'sockProps'], [1, 'resWrapRead']];

function genOp(R, phase) {
  const trigger = R.pick(phase === 'pre' ? TRIGGERS_PRE : TRIGGERS_POST);
  const op = R.wpick(OPS);
  const o = { trigger, op };
  switch (op) {
    case 'setHeader': case 'appendHeader':
      o.name = R.pick(HNAMES);
      o.value = hval(R, o.name);
      break;
    case 'getHeader': case 'hasHeader': case 'removeHeader': o.name = R.pick(HNAMES); break;
    case 'write':
      o.data = data(R);
      o.cb = R.chance(0.5);
      if (o.data.s !== undefined && R.chance(0.3) && !o.data.enc) {
        o.data.enc = R.pick(['utf8', 'latin1']);
      }
      break;
    case 'end':
      o.data = R.chance(0.4) ? data(R) : null;
      o.cb = R.chance(0.5);
      break;
    case 'resSetTimeout': case 'socketSetTimeout':
      o.ms = R.pick([0, 40, 2000]);
      o.cb = R.chance(0.5);
      break;
    case 'setTimeout':
      o.ms = R.pick([0, 40, 300, 2000]);
      o.cb = R.chance(0.5);
      break;
    case 'setNoDelay': o.v = R.pick([true, false, undefined]); break;
    case 'setSocketKeepAlive':
      o.v = R.pick([true, false]);
      o.d = R.pick([0, 1000]);
      break;
    case 'maxHeadersCount': o.v = R.pick([1, 2, 0, 5, null]); break;
    case 'ctrlAbort': o.reason = R.pick([undefined, 'str', 'err']); break;
    case 'resSetEncoding': o.enc = R.pick(['utf8', 'hex', 'base64']); break;
  }
  return o;
}

function genOps(R) {
  const ops = [];
  const n = R.wpick([[2, 0], [4, 1], [5, 2], [4, 3], [3, 4], [2, 6]]);
  for (let i = 0; i < n; i++) ops.push(genOp(R, R.chance(0.6) ? 'pre' : 'post'));
  // usually end the request
  if (!ops.some((o) => o.op === 'end') && R.chance(0.85)) {
    const endOp = {
      trigger: R.pick(['sync', 'sync', 'sync', 'tick', 'socket', 'connect', 'd30', 'continue']),
      op: 'end', data: R.chance(0.3) ? data(R) : null, cb: R.chance(0.4),
    };
    ops.splice(R.int(ops.length + 1), 0, endOp);
  }
  return ops;
}

const WHEN = [[6, 'first'], [8, 'head'], [8, 'body'], [2, 'never'], [0.3, 'conn']];
const RESPS = [[30, 'ok'], [5, 'okClose'], [6, 'chunked'], [3, 'chunkedTrailer'], [3, 'noLength'],
  [2, 'noLengthKA'], [2, 'http10'], [2, 'http10ka'], [5, 'slow'], [4, 'slowChunked'],
  [2, 'slowHead'], [3, 'truncated'], [3, 'truncatedReset'], [2, 'truncatedChunked'],
  [2, 'headOnlyClose'], [3, 'info103'], [2, 'info102split'], [3, 'unsol100'], [2, 's204'],
  [2, 's304'], [2, 's500'], [2, 'headResp'], [4, 'dupHeaders'], [3, 'bigHeader'],
  [3, 'manyHeaders'], [2, 'badHeader'], [1, 'badVersion'], [1, 'badStatus'], [2, 'spaceColon'],
  [2, 'obsFold'], [1, 'dupCL'], [2, 'clte'], [1, 'bareLF'], [1, 'ctlValue'], [2, 'teNotChunked'],
  [2, 'extraAfter'], [2, 'twoResp'], [3, 'upgrade'], [2, 'connect200'], [1, 'kaTimeout'],
  [1, 'connCloseKeep'], [2, 'bigBody'], [1, 'emptyReason'], [2, 'nothing'], [2, 'resetNow']];

function genRule(R) {
  let when = R.wpick(WHEN);
  const resp = R.wpick(RESPS);
  if (when === 'conn' && !['nothing', 'resetNow', 'ok', 'okClose'].includes(resp)) when = 'first';
  return { when, resp, cont: R.chance(0.7) };
}

function genReqOptions(R, multi) {
  const o = {};
  o.hostForm = R.wpick([[6, 'host'], [2, 'hostname'], [1, 'localhost'], [1, 'localhost4'],
    [1, 'none'], [0.5, 'refused']]);
  o.portForm = R.wpick([[9, 'port'], [1, 'defaultPort'], [1, 'strport']]);
  const m = R.wpick(METHODS);
  if (m !== null) o.method = m;
  const p = R.wpick(PATHS);
  if (p !== undefined) o.path = p;
  if (o.method === 'CONNECT' && R.chance(0.7)) o.path = 'example.com:443';
  if (R.chance(0.7)) o.headers = genHeaders(R);
  if (R.chance(0.08)) o.setHost = R.pick([false, true, 'x']);
  if (R.chance(0.08)) o.auth = R.pick(['user:pass', 'ü:x', 'nocolon']);
  if (R.chance(0.15)) o.timeout = R.pick([40, 300, 0, -1]);
  if (!multi) o.agent = R.wpick([[4, 'global'], [3, 'false'], [4, 'ka'], [1, 'noka'], [1, 'absent']]);
  if (R.chance(0.06)) o.insecureHTTPParser = R.pick([true, false, 'yes']);
  if (R.chance(0.08)) o.maxHeaderSize = R.pick([100, 1024, 20000, -1]);
  if (R.chance(0.1)) o.joinDuplicateHeaders = R.pick([true, false]);
  if (R.chance(0.08)) o.uniqueHeaders = R.pick([['x-a'], ['X-A', 'set-cookie'], 'bad']);
  if (R.chance(0.12)) o.signal = R.pick(['fresh', 'fresh', 'aborted', 'abortedReason']);
  if (R.chance(0.08)) o.localAddress = '127.0.0.1';
  if (R.chance(0.08)) o.family = R.pick([4, 6, 0]);
  if (R.chance(0.12)) o.form = R.pick(['urlString', 'urlObject', 'urlStringOpts']);
  if (R.chance(0.06)) o.createConnection = R.pick(['net', 'netCb']);
  if (R.chance(0.04)) o.protocol = R.pick(['https:', 'http:', 'ftp:']);
  if (R.chance(0.06)) o.lookup = R.pick(['sync', 'async', 'err', 'asyncErr']);
  return o;
}

function genCase(seed) {
  const R = new Rng(seed * 2654435761 >>> 0);
  const multi = R.chance(0.12);
  const c = { seed, multi };
  const nrules = R.wpick([[6, 1], [3, 2], [1, 3]]);
  c.rules = Array.from({ length: nrules }, () => genRule(R));
  c.respListen = R.wpick([[9, true], [1, false]]);
  c.consume = R.wpick([[6, 'data'], [2, 'resume'], [1, 'none'], [1, 'readable']]);
  c.upgradeListen = R.chance(0.5);
  c.reqs = [];
  if (multi) {
    c.agent = { keepAlive: R.chance(0.8), timeout: R.pick([undefined, undefined, 80, 2000]),
      maxSockets: R.pick([1, 1, 2]), maxFreeSockets: R.pick([0, 1, 2]),
      maxTotalSockets: R.pick([undefined, 1, 3]), scheduling: R.pick([undefined, 'lifo', 'fifo']) };
    if (c.agent.maxSockets > 1 || c.agent.maxTotalSockets > 1) c.rules = [c.rules[0]];
    const n = 2 + R.int(3);
    for (let i = 0; i < n; i++) {
      const opts = genReqOptions(R, true);
      c.reqs.push({ opts, ops: genOps(R), at: R.pick(['sync', 'sync', 'prevResponse', 'prevClose']) });
    }
  } else {
    c.reqs.push({ opts: genReqOptions(R, false), ops: genOps(R), at: 'sync' });
    if (c.reqs[0].opts.agent === 'ka') {
      c.agent = { keepAlive: true, timeout: R.pick([undefined, undefined, 80]),
        maxSockets: R.pick([1, 2, undefined]), maxFreeSockets: R.pick([0, 1, 2]),
        maxTotalSockets: R.pick([undefined, 1]) };
    }
  }
  return c;
}

// ---------------------------------------------------------------------------
// Target interface.

let shared = null;

module.exports = {
  name: 'request',
  gens: ['mix'],
  parallel: false,
  generate(seed) {
    return genCase(seed);
  },
  // Both sides share one scripted server (its port shows in the
  // observations: Host headers, the agent's pool keys).
  async setup(http) {
    if (!shared) {
      const srv = new ScriptedServer();
      await srv.listen();
      // a port nothing listens on
      const tmp = await listen(net.createServer());
      const refusedPort = tmp.address().port;
      await new Promise((resolve) => tmp.close(resolve));
      shared = { srv, refusedPort, users: 0 };
    }
    shared.users++;
    return { http, srv: shared.srv, refusedPort: shared.refusedPort };
  },
  observe(ctx, spec) {
    return runCase(ctx.http, spec, ctx.srv, ctx.refusedPort);
  },
  async teardown() {
    if (!shared || --shared.users > 0) return;
    const { srv } = shared;
    shared = null;
    srv.end();
    await new Promise((resolve) => srv.server.close(() => resolve()));
  },
  describe(spec) {
    const reqs = spec.reqs.map((r) => `${r.opts.method ?? '(GET)'} ` +
      `${r.ops.map((o) => `${o.op}@${o.trigger}`).join(',')}`).join(' | ');
    return `${spec.multi ? 'multi ' : ''}server=${spec.rules.map((r) => `${r.resp}@${r.when}`)
      .join(',')} reqs: ${reqs}`;
  },
};
