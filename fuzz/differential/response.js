'use strict';
// Target "response": ServerResponse API sequences.
//
// A raw client sends one request (GET, HEAD, POST with a body, chunked POST,
// HTTP/1.0 with and without keep-alive, Connection: close, Expect:
// 100-continue, TE: trailers; with --gen sock also pipelined requests and
// requests followed by the client's FIN). The server's handler runs a
// generated list of operations on `res` (setHeader/appendHeader/setHeaders,
// writeHead in its forms, statusCode/statusMessage, write/end with strings,
// encodings, buffers and callbacks, flushHeaders, writeContinue,
// writeProcessing, writeEarlyHints, addTrailers, cork/uncork, setTimeout,
// destroy, property reads, awaits of a tick or 5 ms; with --gen sock also
// operations and reads on the socket). Then, on a keep-alive connection, a
// second request is sent. Observed: every operation's return value or
// thrown error, the events of res/req/socket and callbacks in order, two
// snapshots of the response's state, and the bytes the client got for both
// requests and whether the connection closed.
//
// Generators (--gen):
//   mix  (default) odd seeds "sock", even seeds "api"
//   api  response API only (old SOCK=0)
//   sock response API and socket operations (old SOCK=1)
// A seed is the first case of the old harness' stream for that start seed
// (old id "S:0"); old ids "S:i" with i > 0 do not map.

const net = require('node:net');
const { Rng, sleep, listen, closeServer, stripDate, errInfo, view, setUncaughtSink } =
  require('./lib');

const REQUESTS = {
  GET: 'GET /first HTTP/1.1\r\nHost: x\r\n\r\n',
  HEAD: 'HEAD /first HTTP/1.1\r\nHost: x\r\n\r\n',
  POST: 'POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
  POSTCHUNKED: 'POST /first HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5\r\nhello\r\n0\r\n\r\n',
  GET10: 'GET /first HTTP/1.0\r\nHost: x\r\n\r\n',
  GET10KA: 'GET /first HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n',
  GETCLOSE: 'GET /first HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  EXPECT: 'POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n' +
    'hello',
  TE: 'GET /first HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n',
  PIPE: 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n',
  GETFIN: 'GET /first HTTP/1.1\r\nHost: x\r\n\r\n',
  POSTFIN: 'POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
};
const SECOND = 'GET /second HTTP/1.1\r\nHost: x\r\n\r\n';
// Requests after which the harness does not send the second one.
const NO_SECOND = /^(GET10|GETCLOSE|PIPE|GETFIN|POSTFIN)$/;

const HTTP_DATE = /^(date: )?\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/i;

function ser(v, ctx) {
  const refs = ctx ? [['<res>', ctx.res], ['<req>', ctx.req], ['<socket>', ctx.socket]] : null;
  return JSON.parse(JSON.stringify(view(v, refs), (k, x) =>
    (typeof x === 'string' ? x.replace(HTTP_DATE, '$1<date>') : x)) ?? null);
}

function snapshot(ctx) {
  const { res, req, socket } = ctx;
  const s = {};
  const g = (name, f) => {
    try {
      s[name] = ser(f(), ctx);
    } catch (e) {
      s[name] = { threw: errInfo(e) };
    }
  };
  const set = (v) => (v === null ? 'null' : v === undefined ? 'undef' : 'set');
  for (const k of ['headersSent', 'writableEnded', 'writableFinished', 'finished', 'writable',
    'destroyed', 'closed', 'statusCode', 'statusMessage', 'sendDate', 'chunkedEncoding',
    'shouldKeepAlive', 'useChunkedEncodingByDefault', 'writableCorked', 'writableNeedDrain',
    'writableLength', 'strictContentLength']) {
    g(k, () => res[k]);
  }
  g('socketNull', () => set(res.socket));
  g('connNull', () => set(res.connection));
  g('headers', () => res.getHeaders());
  g('names', () => res.getHeaderNames());
  g('rawNames', () => res.getRawHeaderNames());
  g('req.complete', () => req.complete);
  g('req.aborted', () => req.aborted);
  g('req.destroyed', () => req.destroyed);
  g('req.readableEnded', () => req.readableEnded);
  g('sock.destroyed', () => socket.destroyed);
  g('sock.writable', () => socket.writable);
  g('sock.readable', () => socket.readable);
  g('sock.writableEnded', () => socket.writableEnded);
  return s;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

// op: { code, await }; code is a JS expression over req, res, cb, sleep,
// tick, sock.
function compile(op) {
  // eslint-disable-next-line no-new-func
  return new Function('req', 'res', 'cb', 'sleep', 'tick', 'sock', 'return (' + op.code + ');');
}

function makeServer(http, state) {
  const server = http.createServer((req, res) => {
    const c = state.current;
    if (!c) {
      res.end('nocase');
      return;
    }
    if (req.url === '/second') {
      c.log.push('second-request');
      res.end('second');
      return;
    }
    runHandler(c, req, res);
  });
  server.keepAliveTimeout = 3000;
  return server;
}

async function runHandler(c, req, res) {
  const log = c.log;
  const socket = req.socket;
  const ctx = { req, res, socket };
  c.ctx = ctx;
  const ev = (who, name) => (...args) => {
    let extra = '';
    if (name === 'error') extra = ' ' + JSON.stringify(errInfo(args[0]));
    if (name === 'close' && who === 'socket') extra = ' hadError=' + args[0];
    log.push(`ev:${who}:${name}${extra}`);
  };
  for (const n of ['finish', 'close', 'error', 'drain', 'prefinish', 'timeout']) {
    res.on(n, ev('res', n));
  }
  for (const n of ['end', 'close', 'error', 'aborted']) req.on(n, ev('req', n));
  for (const n of ['close', 'error', 'end', 'timeout', 'finish']) socket.on(n, ev('socket', n));
  const cb = (name) => (...args) => {
    log.push(`cb:${name} args=${args.length}` +
      (args.length ? ' ' + JSON.stringify(errInfo(args[0])) : ''));
  };
  log.push('handler');
  for (let i = 0; i < c.ops.length; i++) {
    const op = c.ops[i];
    try {
      const r = compile(op)(req, res, cb, sleep, tick, socket);
      if (op.await) {
        await r;
        log.push(`op${i}: awaited`);
        continue;
      }
      log.push(`op${i}: ret ` + JSON.stringify(ser(r, ctx)));
    } catch (e) {
      log.push(`op${i}: threw ` + JSON.stringify(errInfo(e)));
    }
  }
  log.push('ops-done');
  c.snapAfterOps = snapshot(ctx);
}

// The raw client: sends the request, waits for `quiet` ms without data,
// then sends the second request (unless told not to) and waits again.
function clientRun(port, reqText, quiet, noSecond, fin) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    let phase = 1;
    let closed = false;
    let timer = null;
    const result = {
      first: '', second: null, closedAfterFirst: false, closedAfterSecond: null, clientErr: null,
    };
    const take = () => {
      const s = stripDate(Buffer.concat(chunks).toString('latin1'));
      chunks.length = 0;
      return s;
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(onQuiet, quiet);
    };
    const finish = () => {
      clearTimeout(timer);
      resolve(result);
    };
    const onQuiet = () => {
      if (phase === 1) {
        result.first = take();
        phase = 2;
        if (noSecond) {
          result.second = '<not sent>';
          sock.destroy();
          finish();
          return;
        }
        sock.write(SECOND);
        arm();
      } else {
        result.second = take();
        result.closedAfterSecond = false;
        sock.destroy();
        finish();
      }
    };
    sock.on('data', (d) => {
      chunks.push(d);
      arm();
    });
    sock.on('error', (e) => {
      result.clientErr = e.code;
    });
    sock.on('close', () => {
      if (closed) return;
      closed = true;
      if (phase === 1) {
        result.first = take();
        result.closedAfterFirst = true;
      } else if (result.second === null) {
        result.second = take();
        result.closedAfterSecond = true;
      }
      finish();
    });
    // a half close from the server: keep reading until the close
    sock.on('end', () => sock.end());
    sock.on('connect', () => {
      sock.write(reqText);
      if (fin) sock.end();
      arm();
    });
  });
}

// ---------------------------------------------------------------------------
// Generator. (Draw for draw as the old /tmp/fuzz-res/gen.js.)

const J = JSON.stringify;

const NAMES = ['X-Foo', 'x-foo', 'X-Bar', 'Content-Type', 'Content-Length', 'content-length',
  'Transfer-Encoding', 'Connection', 'Set-Cookie', 'Trailer', 'Date', 'Keep-Alive', 'Expect',
  'Cookie', 'Host', 'Content-Disposition', 'X-Multi', 'Vary', 'Upgrade'];
const BADNAMES = ['bad name', 'x\u00e9', '', 'x\nfoo', 'x:y', 'X\0', '\u20ac'];
const VALUES = ["'bar'", "''", "' spaced '", "'a\\r\\nb'", "'a\\nb'", "'a\\u0000b'",
  "'caf\\u00e9'", "'\\u20ac'", '42', '0', 'undefined', 'null', "['a', 'b']", '[]', "['x\\r\\n']",
  "'5'", "'0'", "'3'", "'100'", "'chunked'", "'close'", "'keep-alive'", "'gzip, chunked'", 'true',
  "'text/plain; charset=utf-8'", "['c=1', 'd=2']", "'\\t tab'", "'a\\tb'", "'\\u007f'", '5', '-1',
  "'abc'", "'Keep-Alive'", "'upgrade'", "'timeout=5'"];
const STRS = [
  ["'hello'"], ["''"], ["'h\\u00e9llo'"], ["'\\u20ac'"], ["'deadbeef'", "'hex'"],
  ["'aGVsbG8='", "'base64'"], ["'hi'", "'ucs2'"], ["'h\\u00e9'", "'latin1'"],
  ["'hi'", "'utf16le'"], ["'hello'", "'ascii'"], ["'hi'", "'bogus'"], ["Buffer.from('buf')"],
  ['new Uint8Array([65, 66])'], ['Buffer.alloc(0)'], ['new Uint8Array(0)'], ['123'], ['null'],
  ['undefined'], ["'x'.repeat(20000)"], ["'y'.repeat(70000)"], ['{}'], ["'abc'", 'null'],
  ["'zz'", "'hex'"], ["'x'.repeat(5)"], ["Buffer.from('12345')"], ['true'], ["['a']"],
];
const SOCK_OPS = [`sock.write('RAW', CB)`, 'sock.cork()', 'sock.uncork()', "sock.end('E')",
  'sock.end(CB)', 'sock.setTimeout(10000)', 'sock.setTimeout(0)', 'sock.setNoDelay(true)',
  'sock.setKeepAlive(true, 1000)', 'sock.ref()', 'sock.unref().ref()', 'sock.bytesWritten',
  'sock.bytesRead', 'sock.writableLength', 'sock.writable', 'sock.readable', 'sock.destroyed',
  'sock.pending', 'sock.readyState', 'sock.writableCorked', 'sock.writableEnded',
  'sock.writableFinished', 'sock.allowHalfOpen', 'sock.timeout', 'sock.remoteAddress',
  'sock.remoteFamily', 'sock.address().family', 'sock.connecting', 'sock._httpMessage === res',
  "sock.destroy(new Error('sockboom'))", 'sock.destroySoon()', 'sock.isPaused()',
  'sock.readableFlowing', 'sock.listenerCount("end")', 'sock.listenerCount("close")',
  'sock.listenerCount("error")', 'sock.listenerCount("timeout")', 'sock.listenerCount("drain")',
  'sock.server === undefined', 'sock.writableHighWaterMark', 'sock.readableHighWaterMark',
  'req.socket === sock', 'req.httpVersion', 'req.complete', 'req.readableLength',
  'req.readableFlowing', 'req.headers', 'req.rawHeaders', "req.destroy(new Error('reqboom'))",
  'req.setTimeout(10000)', 'req.listenerCount("data")'];
const PROPS = ['res.headersSent', 'res.writableEnded', 'res.writableFinished', 'res.finished',
  'res.writableLength', 'res.writableCorked', 'res.writableNeedDrain', 'res.writableHighWaterMark',
  'res.writableObjectMode', 'res.statusCode', 'res.statusMessage', 'res.chunkedEncoding',
  'res.shouldKeepAlive', 'res._header', 'res.socket === req.socket',
  'res.connection === req.socket', 'res.req === req', 'res.writable', 'res.destroyed',
  'res._headerSent', 'res._last', 'res._hasBody', 'res._contentLength', 'res._removedContLen',
  'res._removedTE', 'res._removedConnection', 'res.sendDate', 'res.strictContentLength',
  'res.hasHeader("date")', 'res.maxRequestsOnConnectionReached'];

function genCase(seed, sock) {
  const rng = new Rng(seed);
  const int = (n) => rng.int(n);
  const pick = (a) => rng.pick(a);
  const chance = (p) => rng.chance(p);
  const SOCK = sock ? 1 : 0;

  const nameExpr = () => (chance(0.1) ? J(pick(BADNAMES)) :
    chance(0.03) ? pick(['123', 'undefined', 'null', '{}']) : J(pick(NAMES)));
  // values biased per header name
  const valueFor = (n) => {
    const name = n.toLowerCase();
    if (chance(0.5)) {
      if (name.includes('content-length')) {
        return pick(["'5'", "'0'", "'3'", "'100'", '5', '11', "'abc'", "'-1'", '0', "'10'"]);
      }
      if (name.includes('transfer-encoding')) {
        return pick(["'chunked'", "'gzip, chunked'", "'identity'", "'gzip'", "'Chunked'"]);
      }
      if (name.includes('connection')) {
        return pick(["'close'", "'keep-alive'", "'Close'", "'upgrade'", "'keep-alive, close'"]);
      }
      if (name === '"trailer"') return pick(["'X-T'", "'X-T, X-U'"]);
    }
    return pick(VALUES);
  };
  const chunkArgs = () => pick(STRS);
  let cbn = 0;
  const cbExpr = () => `cb('c${cbn++}')`;
  const status = () => pick(['200', '200', '201', '204', '304', '404', '500', '99', '600', "'200'",
    '100', '101', '103', '999', '1000', '200.5', '-1', 'NaN', 'undefined', "'abc'", '205', '302',
    '1e2', '0']);
  const headersArg = () => {
    const k = int(7);
    const pairs = [];
    const n = 1 + int(3);
    for (let i = 0; i < n; i++) {
      const nm = nameExpr();
      pairs.push([nm, valueFor(nm)]);
    }
    if (k === 1) return '[' + pairs.map(([a, b]) => `[${a}, ${b}]`).join(', ') + ']';
    if (k === 2) return '[' + pairs.map(([a, b]) => `${a}, ${b}`).join(', ') + ']';
    if (k === 3) return '[' + pairs.map(([a, b]) => `${a}, ${b}`).join(', ') + ', "odd"]';
    if (k === 4) return '{}';
    if (k === 5) return '[]';
    return '{' + pairs.map(([a, b]) => `[${a}]: ${b}`).join(', ') + '}';
  };
  const reason = () => pick(["'OK'", "'Custom Reason'", "'bad\\r\\nreason'", "'caf\\u00e9'", "''",
    '123', "'\\u20ac'"]);

  const OPS = [
    [10, () => {
      const n = nameExpr();
      return `res.setHeader(${n}, ${valueFor(n)})`;
    }],
    [3, () => `res.getHeader(${nameExpr()})`],
    [2, () => 'res.getHeaders()'],
    [1, () => 'res.getHeaderNames()'],
    [1, () => 'res.getRawHeaderNames()'],
    [2, () => `res.hasHeader(${nameExpr()})`],
    [3, () => `res.removeHeader(${nameExpr()})`],
    [4, () => {
      const n = nameExpr();
      return `res.appendHeader(${n}, ${valueFor(n)})`;
    }],
    [2, () => {
      const n = nameExpr();
      const n2 = nameExpr();
      return pick([
        `res.setHeaders(new Map([[${n}, ${valueFor(n)}], [${n2}, ${valueFor(n2)}]]))`,
        `res.setHeaders(new Headers([[${J(pick(NAMES))}, 'v1'], ['x-foo', 'v2'], ` +
          "['Set-Cookie', 'a=1'], ['set-cookie', 'b=2']]))",
        'res.setHeaders({})', 'res.setHeaders(null)', "res.setHeaders([['a','b']])",
      ]);
    }],
    [6, () => {
      const s = status();
      const k = int(4);
      if (k === 0) return `res.writeHead(${s})`;
      if (k === 1) return `res.writeHead(${s}, ${reason()})`;
      if (k === 2) return `res.writeHead(${s}, ${headersArg()})`;
      return `res.writeHead(${s}, ${reason()}, ${headersArg()})`;
    }],
    [3, () => `res.statusCode = ${status()}`],
    [2, () => `res.statusMessage = ${reason()}`],
    [12, () => {
      const a = chunkArgs();
      const k = int(3);
      if (k === 0) return `res.write(${a.join(', ')})`;
      if (k === 1) return `res.write(${a.join(', ')}, ${cbExpr()})`;
      return `res.write(${a[0]}, ${cbExpr()})`;
    }],
    [7, () => {
      const k = int(6);
      if (k === 0) return 'res.end()';
      if (k === 1) return `res.end(${cbExpr()})`;
      const a = chunkArgs();
      if (k === 2) return `res.end(${a.join(', ')})`;
      if (k === 3) return `res.end(${a.join(', ')}, ${cbExpr()})`;
      if (k === 4) return `res.end(${a[0]}, ${cbExpr()})`;
      return `res.end(${a[0]}, undefined, ${cbExpr()})`;
    }],
    [2, () => 'res.flushHeaders()'],
    [1, () => pick(['res.writeContinue()', `res.writeContinue(${cbExpr()})`])],
    [1, () => pick(['res.writeProcessing()', `res.writeProcessing(${cbExpr()})`])],
    [2, () => pick([
      "res.writeEarlyHints({ link: '</styles.css>; rel=preload; as=style' })",
      "res.writeEarlyHints({ link: ['</a.css>; rel=preload; as=style', " +
        `'</b.js>; rel=preload; as=script'], 'x-hint': 'y' }, ${cbExpr()})`,
      "res.writeEarlyHints({ link: 'bad\\r\\nlink' })",
      'res.writeEarlyHints({})',
      'res.writeEarlyHints({ link: [] })',
      "res.writeEarlyHints('nope')",
      "res.writeEarlyHints({ 'x-a': 'b' })",
    ])],
    [3, () => pick([
      "res.addTrailers({ 'X-T': 'v' })", "res.addTrailers([['X-T', 'v'], ['X-U', 'w']])",
      "res.addTrailers({ 'bad name': 'v' })", "res.addTrailers({ 'X-T': 'a\\r\\nb' })",
      'res.addTrailers({})', "res.addTrailers({ 'X-T': ['a', 'b'] })",
      "res.addTrailers({ 'X-T': 5 })",
    ])],
    [2, () => 'res.cork()'],
    [2, () => 'res.uncork()'],
    [1, () => pick(['res.setTimeout(10000)', `res.setTimeout(10000, ${cbExpr()})`,
      'res.setTimeout(0)', "res.setTimeout('x')"])],
    [1, () => pick(['res.destroy()', "res.destroy(new Error('boom'))", 'req.destroy()',
      'sock.destroy()', 'sock.end()'])],
    [2, () => 'res.sendDate = false'],
    [1, () => pick(['res.chunkedEncoding = true', 'res.chunkedEncoding = false'])],
    [1, () => pick(['res.useChunkedEncodingByDefault = false',
      'res.useChunkedEncodingByDefault = true'])],
    [1, () => pick(['res.shouldKeepAlive = false', 'res.shouldKeepAlive = true'])],
    [2, () => 'res.strictContentLength = true'],
    [3, () => pick(PROPS)],
    [2, () => pick(['req.resume()', "req.on('data', cb('data'))", 'req.read()', 'req.pause()'])],
    [2, () => pick(['await tick()', 'await sleep(5)', 'await Promise.resolve()'])],
    // (cbExpr() runs before the pick, as in the old generator)
    [SOCK, () => {
      const a = cbExpr();
      const b = cbExpr();
      const op = pick(SOCK_OPS);
      if (op === `sock.write('RAW', CB)`) return `sock.write('RAW', ${a})`;
      if (op === 'sock.end(CB)') return `sock.end(${b})`;
      return op;
    }],
    [1, () => pick(['res.writeHeader(200)', 'res.assignSocket(sock)', 'res.detachSocket(sock)',
      'res.pipe()', "res.setHeader('X-Foo', 'a').setHeader('X-Bar', 'b')",
      "res.getHeader('set-cookie')"])],
  ];
  const total = OPS.reduce((s, [w]) => s + w, 0);
  const drawOp = () => {
    let r = rng.next() * total;
    for (const [w, f] of OPS) {
      if ((r -= w) < 0) return f();
    }
    return OPS[0][1]();
  };

  const REQS = ['GET', 'GET', 'GET', 'HEAD', 'HEAD', 'POST', 'POST', 'POSTCHUNKED', 'GET10',
    'GET10KA', 'GETCLOSE', 'EXPECT', 'TE'].concat(SOCK ? ['PIPE', 'GETFIN', 'POSTFIN'] : []);

  const n = 1 + int(10);
  const ops = [];
  for (let i = 0; i < n; i++) {
    const code = drawOp();
    ops.push(code.startsWith('await ') ? { code: code.slice(6), await: true } : { code });
  }
  // usually end the response at the end so the second request can proceed
  if (chance(0.7)) ops.push({ code: pick(['res.end()', `res.end(${cbExpr()})`, "res.end('fin')"]) });
  return { seed, gen: sock ? 'sock' : 'api', req: pick(REQS), ops };
}

// ---------------------------------------------------------------------------
// Target interface.

module.exports = {
  name: 'response',
  gens: ['mix', 'api', 'sock'],
  parallel: false,
  generate(seed, gen) {
    const sock = !gen || gen === 'mix' ? seed % 2 === 1 : gen === 'sock';
    return genCase(seed, sock);
  },
  async setup(http) {
    const state = { current: null };
    const server = await listen(makeServer(http, state));
    return { state, server };
  },
  async observe(ctx, spec) {
    const c = { ops: spec.ops, log: [], snapAfterOps: null, ctx: null };
    ctx.state.current = c;
    setUncaughtSink((e) => c.log.push('UNCAUGHT ' + JSON.stringify(errInfo(e))));
    try {
      const client = await clientRun(ctx.server.address().port, REQUESTS[spec.req], 150,
        NO_SECOND.test(spec.req), /FIN$/.test(spec.req));
      await sleep(40);
      return {
        client, log: c.log.slice(), snapAfterOps: c.snapAfterOps,
        snapEnd: c.ctx ? snapshot(c.ctx) : null,
      };
    } finally {
      ctx.state.current = null;
      setUncaughtSink(null);
    }
  },
  async teardown(ctx) {
    await closeServer(ctx.server);
  },
  describe(spec) {
    const ops = spec.ops.map((o) => (o.await ? 'await ' : '') + o.code).join('; ');
    return `gen=${spec.gen} req=${spec.req} ops: ${ops.length > 200 ? ops.slice(0, 200) + '…' : ops}`;
  },
};
