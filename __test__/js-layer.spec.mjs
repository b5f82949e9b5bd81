// Differential tests for the JS layer that needs no native addon:
// lib/internal/{errors,validators,http}.js, lib/common.js, lib/outgoing.js,
// lib/incoming.js. Each test runs the same operations against core's
// node:http internals and against ours and asserts identical observations.

import test from 'ava';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const http = require('node:http');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const util = require('node:util');
const zlib = require('node:zlib');
const { Duplex } = require('node:stream');
const coreOutgoingModule = require('_http_outgoing');
const coreCommon = require('_http_common');

const errors = require('../lib/internal/errors.js');
const validators = require('../lib/internal/validators.js');
const internalHttp = require('../lib/internal/http.js');
const common = require('../lib/common.js');
const outgoing = require('../lib/outgoing.js');
const incoming = require('../lib/incoming.js');

const { codes } = errors;

// ---------------------------------------------------------------------------
// Helpers

function coreSymbol(obj, description) {
  const sym = Object.getOwnPropertySymbols(obj)
    .find((s) => s.description === description);
  if (!sym) throw new Error(`no core symbol ${description}`);
  return sym;
}

const coreKOutHeaders = coreSymbol(new http.OutgoingMessage(), 'kOutHeaders');

const CORE = {
  name: 'core',
  OutgoingMessage: http.OutgoingMessage,
  IncomingMessage: http.IncomingMessage,
  kOutHeaders: coreKOutHeaders,
  kUniqueHeaders: coreOutgoingModule.kUniqueHeaders,
  parseUniqueHeadersOption: coreOutgoingModule.parseUniqueHeadersOption,
};
const OURS = {
  name: 'ours',
  OutgoingMessage: outgoing.OutgoingMessage,
  IncomingMessage: incoming.IncomingMessage,
  kOutHeaders: internalHttp.kOutHeaders,
  kUniqueHeaders: outgoing.kUniqueHeaders,
  parseUniqueHeadersOption: outgoing.parseUniqueHeadersOption,
};

function thrown(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

// Name of the function in the first stack frame ("at X (file:line)").
function frameFn(line) {
  if (line === undefined) return undefined;
  const m = /^\s+at (?:new )?(.*?) \(/.exec(line);
  return m ? m[1] : '<anonymous>';
}

// Everything a user can observe about an error, apart from file paths.
function describeError(err, { frames = true } = {}) {
  if (!(err instanceof Error)) return { notAnError: String(err) };
  const stackLines = String(err.stack).split('\n');
  const headerLines = String(err).split('\n').length;
  const own = {};
  for (const key of Object.keys(err)) {
    const v = err[key];
    own[key] = Buffer.isBuffer(v) ? `<Buffer ${v.toString('hex')}>` : v;
  }
  return {
    isTypeError: err instanceof TypeError,
    isRangeError: err instanceof RangeError,
    constructorName: err.constructor?.name,
    name: err.name,
    code: err.code,
    message: err.message,
    string: String(err),
    stackHead: stackLines.slice(0, headerLines).join('\n'),
    ...(frames ? { firstFrame: frameFn(stackLines[headerLines]) } : {}),
    ownNames: Object.getOwnPropertyNames(err),
    own,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

// A Duplex standing in for net.Socket / rhttp's socket: it records every
// write() call (what OutgoingMessage hands to the socket) and the batches the
// stream flushes (what would reach the wire in one go).
class MockSocket extends Duplex {
  constructor(options) {
    super(options);
    this.calls = [];
    this.batches = [];
    this.timeouts = [];
    this.log = [];
  }

  write(data, encoding, cb) {
    this.calls.push([
      typeof data === 'string' ? 'string' : 'buffer',
      Buffer.from(data, typeof encoding === 'string' ? encoding : undefined)
        .toString('latin1'),
      typeof encoding === 'string' ? encoding : encoding === null ? null : typeof encoding,
      typeof cb === 'function' || typeof encoding === 'function',
    ]);
    return super.write(data, encoding, cb);
  }

  _write(chunk, encoding, cb) {
    this.batches.push([Buffer.from(chunk).toString('latin1')]);
    cb();
  }

  _writev(chunks, cb) {
    this.batches.push(chunks.map(({ chunk }) => Buffer.from(chunk).toString('latin1')));
    cb();
  }

  _read() {}

  setTimeout(msecs, cb) {
    this.timeouts.push(msecs);
    if (cb) this.once('timeout', cb);
    return this;
  }

  resume() {
    this.log.push('resume');
    return super.resume();
  }

  pause() {
    this.log.push('pause');
    return super.pause();
  }

  get bytes() {
    return this.batches.flat().join('');
  }
}

// A minimal response subclass, identical for core's class and ours: it only
// supplies the status line like ServerResponse._implicitHeader does.
function responseClass(impl) {
  const kOut = impl.kOutHeaders;
  return class TestResponse extends impl.OutgoingMessage {
    constructor(options) {
      super(options);
      this.statusCode = 200;
      this.statusMessage = 'OK';
    }

    _implicitHeader() {
      this._storeHeader(
        `HTTP/1.1 ${this.statusCode} ${this.statusMessage}\r\n`, this[kOut]);
    }
  };
}

const normaliseDate = (s) => (typeof s === 'string' ?
  s.replace(/Date: [^\r]*\r\n/g, (m) => {
    if (!/^Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n$/.test(m)) {
      throw new Error(`bad date ${m}`);
    }
    return 'Date: <date>\r\n';
  }) : s);

function messageState(m) {
  return {
    _header: normaliseDate(m._header),
    _headerSent: m._headerSent,
    _contentLength: m._contentLength,
    _hasBody: m._hasBody,
    _last: m._last,
    _removedConnection: m._removedConnection,
    _removedContLen: m._removedContLen,
    _removedTE: m._removedTE,
    _trailer: m._trailer,
    chunkedEncoding: m.chunkedEncoding,
    shouldKeepAlive: m.shouldKeepAlive,
    sendDate: m.sendDate,
    finished: m.finished,
    destroyed: m.destroyed,
    headersSent: m.headersSent,
    writableEnded: m.writableEnded,
    writableFinished: m.writableFinished,
    writableLength: m.writableLength,
    writableCorked: m.writableCorked,
    writableNeedDrain: m.writableNeedDrain,
    writableHighWaterMark: m.writableHighWaterMark,
    outputSize: m.outputSize,
    outputData: m.outputData.map((e) => [
      typeof e.data === 'string' ? e.data : `<Buffer ${Buffer.from(e.data).toString('latin1')}>`,
      e.encoding, typeof e.callback]),
    errored: m.errored ? describeError(m.errored, { frames: false }) : m.errored,
    headers: { ...m.getHeaders() },
    rawNames: m.getRawHeaderNames(),
  };
}

// Runs `scenario` on a fresh message of `impl` and returns what it observed.
async function observe(impl, scenario, { socket = true, options } = {}) {
  const Res = responseClass(impl);
  const m = new Res(options);
  const sock = socket ? new MockSocket(socket === true ? {} : socket) : null;
  if (sock) {
    m.socket = sock;
    sock._httpMessage = m;
  }
  const events = [];
  for (const name of ['finish', 'prefinish', 'drain', 'close', 'socket', 'timeout']) {
    m.on(name, () => events.push(name));
  }
  m.on('error', (err) => events.push(['error', describeError(err, { frames: false })]));
  const cb = (label) => (...args) => events.push([
    label, ...args.map((a) => (a instanceof Error ? describeError(a, { frames: false }) : a))]);
  const results = [];
  const step = (label, fn) => {
    try {
      const r = fn();
      results.push([label, r === m ? 'this' : r]);
    } catch (err) {
      results.push([label, 'threw', describeError(err)]);
    }
  };
  await scenario({ m, sock, cb, step, events, impl, Res, MockSocket });
  await tick();
  await tick();
  return {
    results,
    events,
    state: messageState(m),
    calls: sock ? sock.calls.map((c) => [c[0], normaliseDate(c[1]), c[2], c[3]]) : null,
    batches: sock ? sock.batches.map((b) => b.map(normaliseDate)) : null,
    timeouts: sock ? sock.timeouts : null,
  };
}

function differential(title, scenario, opts) {
  test(title, async (t) => {
    const core = await observe(CORE, scenario, opts);
    const ours = await observe(OURS, scenario, opts);
    t.deepEqual(ours, core);
  });
}

// ---------------------------------------------------------------------------
// errors: each code triggered through core's public API vs ours.

function sameError(t, ours, core, opts) {
  t.deepEqual(describeError(ours, opts), describeError(core, opts));
}

test('errors: stack first line, name, String() and code look like core', (t) => {
  const core = thrown(() => http.validateHeaderName('a b'));
  const ours = thrown(() => common.validateHeaderName('a b'));
  t.is(ours.stack.split('\n')[0],
       'TypeError [ERR_INVALID_HTTP_TOKEN]: Header name must be a valid HTTP token ["a b"]');
  t.is(ours.name, 'TypeError');
  t.false(Object.hasOwn(ours, 'name'));
  t.is(ours.constructor, TypeError);
  t.true(ours instanceof codes.ERR_INVALID_HTTP_TOKEN);
  t.true(ours[errors.kIsNodeError]);
  sameError(t, ours, core, { frames: false });
  // util.inspect shows the same text (stack plus the `code` property).
  const clean = (s) => s.split('\n').filter((l) => !/^\s+at /.test(l)).join('\n');
  t.is(clean(util.inspect(ours)), clean(util.inspect(core)));
});

test('errors: hidden validator frames start at the caller, like core', (t) => {
  function callerOfValidate() {
    return thrown(() => common.validateHeaderName(''));
  }
  const ours = callerOfValidate();
  // at <arrow> / at thrown / at callerOfValidate: nothing from the validator.
  t.deepEqual(ours.stack.split('\n').slice(1, 4).map(frameFn),
              ['<anonymous>', 'thrown', 'callerOfValidate']);
  const core = thrown(() => http.validateHeaderName(''));
  t.is(frameFn(core.stack.split('\n')[1]), '<anonymous>');
});

test('errors: ERR_INVALID_ARG_TYPE "Received ..." matches core for every kind of value', (t) => {
  class Foo {}
  const values = [
    undefined, null, true, false, 0, -0, 1.5, NaN, Infinity, -Infinity, 10n,
    Symbol('s'), Symbol(), '', 'short', 'a'.repeat(40), "it's", function named() {},
    () => {}, class K {}, {}, [], new Foo(), Object.create(null),
    { __proto__: null, a: 1 }, new Map(), Buffer.alloc(1), new Date(0), /re/,
  ];
  for (const v of values) {
    // getHeader validates a string; setHeaders wants a Map/Headers.
    const op = typeof v === 'string' ? 'setHeaders' : 'getHeader';
    const core = thrown(() => new http.OutgoingMessage()[op](v));
    const ours = thrown(() => new outgoing.OutgoingMessage()[op](v));
    sameError(t, ours, core);
  }
});

test('errors: ERR_INVALID_ARG_TYPE with lists of expected types', (t) => {
  for (const v of [1, {}, null]) {
    sameError(t,
              thrown(() => new outgoing.OutgoingMessage().write(v === null ? 1 : v)),
              thrown(() => new http.OutgoingMessage().write(v === null ? 1 : v)), { frames: false });
    sameError(t,
              thrown(() => new outgoing.OutgoingMessage().setHeaders(v)),
              thrown(() => new http.OutgoingMessage().setHeaders(v)));
  }
  sameError(t,
            new codes.ERR_INVALID_ARG_TYPE('options.host', ['string', 'undefined', 'null'], 1),
            thrown(() => http.request({ host: 1 })), { frames: false });
  sameError(t,
            new codes.ERR_INVALID_ARG_TYPE('buffer', ['Buffer', 'TypedArray', 'DataView'], 1),
            thrown(() => fs.readSync(0, 1)), { frames: false });
  sameError(t,
            new codes.ERR_INVALID_ARG_TYPE('signal', 'AbortSignal', 1),
            thrown(() => http.request({ signal: 1 })), { frames: false });
  sameError(t,
            new codes.ERR_INVALID_ARG_TYPE('first argument', ['string', 'Object', 'Function', 'Foo'], 1),
            new codes.ERR_INVALID_ARG_TYPE('first argument', ['string', 'Object', 'Function', 'Foo'], 1));
  t.is(new codes.ERR_INVALID_ARG_TYPE('first argument', ['string', 'Object', 'Foo', 'a dictionary', 'b'], 1).message,
       'The first argument must be of type string or an instance of Foo or Object or one of a dictionary or b. Received type number (1)');
});

test('errors: header/trailer validation errors match core', (t) => {
  const cases = [
    (M) => new M().setHeader('a b', 'x'),
    (M) => new M().setHeader('', 'x'),
    (M) => new M().setHeader(1, 'x'),
    (M) => new M().setHeader('a', undefined),
    (M) => new M().setHeader('a', 'x\ny'),
    (M) => new M().setHeader('a', ['ok', 'x\u0000']),
    (M) => new M().appendHeader('a b', 'x'),
    (M) => new M().appendHeader('a', 'x\r'),
    (M) => new M().addTrailers({ 'a b': 'x' }),
    (M) => new M().addTrailers({ a: 'x\ny' }),
    (M) => new M().addTrailers({ a: ['ok', 'x\ny'] }),
    (M) => new M().addTrailers([['a', 'x\ny']]),
  ];
  for (const c of cases) {
    sameError(t, thrown(() => c(outgoing.OutgoingMessage)), thrown(() => c(http.OutgoingMessage)));
  }
  for (const [name, value] of [['a b', 'x'], ['', 'x'], [undefined, 'x'], ['x', undefined], ['x', 'a\u007f'], ['x', 'é€']]) {
    const ours = (() => { try { common.validateHeaderName(name); common.validateHeaderValue(name, value); } catch (e) { return e; } })();
    const core = (() => { try { http.validateHeaderName(name); http.validateHeaderValue(name, value); } catch (e) { return e; } })();
    t.deepEqual(ours && describeError(ours, { frames: false }), core && describeError(core, { frames: false }));
  }
  t.is(outgoing.validateHeaderName, common.validateHeaderName);
  t.is(outgoing.validateHeaderValue, common.validateHeaderValue);
});

test('errors: ERR_HTTP_HEADERS_SENT for set/append/remove/render', (t) => {
  for (const op of [
    (m) => m.setHeader('a', 'b'),
    (m) => m.appendHeader('a', 'b'),
    (m) => m.removeHeader('a'),
    (m) => m._renderHeaders(),
    (m) => m.setHeaders(new Map()),
  ]) {
    const run = (M) => {
      const m = new M();
      m._header = 'HTTP/1.1 200 OK\r\n\r\n';
      return thrown(() => op(m));
    };
    sameError(t, run(outgoing.OutgoingMessage), run(http.OutgoingMessage));
  }
});

test('errors: ERR_METHOD_NOT_IMPLEMENTED, ERR_STREAM_NULL_VALUES', (t) => {
  sameError(t, thrown(() => new outgoing.OutgoingMessage().write('x')),
            thrown(() => new http.OutgoingMessage().write('x')));
  sameError(t, thrown(() => new outgoing.OutgoingMessage().end('x')),
            thrown(() => new http.OutgoingMessage().end('x')));
  sameError(t, thrown(() => new outgoing.OutgoingMessage().write(null)),
            thrown(() => new http.OutgoingMessage().write(null)));
});

test('errors: ERR_INVALID_ARG_VALUE (and its RangeError variant)', (t) => {
  const run = (M) => thrown(() => new M()._storeHeader('GET / HTTP/1.1\r\n', ['a']));
  sameError(t, run(outgoing.OutgoingMessage), run(http.OutgoingMessage));
  sameError(t, thrown(() => validators.validateOneOf('x', 'scheduling', ['fifo', 'lifo'])),
            thrown(() => new http.Agent({ scheduling: 'x' })), { frames: false });
  const long = new codes.ERR_INVALID_ARG_VALUE('a.b', { k: 'x'.repeat(200) }, 'is bad');
  t.is(long.message, `The property 'a.b' is bad. Received ${util.inspect({ k: 'x'.repeat(200) }).slice(0, 128)}...`);
  const r = new codes.ERR_INVALID_ARG_VALUE.RangeError('x', 1);
  t.true(r instanceof RangeError);
  t.is(r.code, 'ERR_INVALID_ARG_VALUE');
  t.is(r.stack.split('\n')[0], "RangeError [ERR_INVALID_ARG_VALUE]: The argument 'x' is invalid. Received 1");
});

test('errors: ERR_OUT_OF_RANGE incl. numeric separators and bigint', (t) => {
  sameError(t, thrown(() => validators.parseFileMode(2 ** 40, 'mode')),
            thrown(() => fs.chmodSync('/nonexistent', 2 ** 40)), { frames: false });
  sameError(t, thrown(() => validators.validateInteger(0, 'max', 1)),
            thrown(() => http.setMaxIdleHTTPParsers(0)), { frames: false });
  t.is(new codes.ERR_OUT_OF_RANGE('n', 'small', 2n ** 40n).message,
       'The value of "n" is out of range. It must be small. Received 1_099_511_627_776n');
  t.is(new codes.ERR_OUT_OF_RANGE('custom text.', 'x', -(2 ** 33), true).message,
       'custom text. It must be x. Received -8_589_934_592');
});

test('errors: stream-state errors emitted by OutgoingMessage', async (t) => {
  const scenario = async (M) => {
    const out = [];
    const Res = responseClass(M);
    // write after end: emitted 'error' and callback
    const a = new Res();
    a.on('error', (e) => out.push(['error', describeError(e, { frames: false })]));
    a.end();
    a.write('x', (e) => out.push(['cb', describeError(e, { frames: false })]));
    a.end('y', (e) => out.push(['cb2', describeError(e, { frames: false })]));
    // destroyed: callback only
    const b = new Res();
    b.destroy();
    b.write('x', (e) => out.push(['destroyed', describeError(e, { frames: false })]));
    // pipe
    const c = new Res();
    c.on('error', (e) => out.push(['pipe', describeError(e)]));
    c.pipe();
    // end(cb) after finish
    const d = new Res();
    const sock = new MockSocket();
    d.socket = sock;
    sock._httpMessage = d;
    d.end();
    await tick();
    d.end((e) => out.push(['finished', describeError(e)]));
    await tick();
    return out;
  };
  t.deepEqual(await scenario(OURS), await scenario(CORE));
});

test('errors: ERR_HTTP_CONTENT_LENGTH_MISMATCH, ERR_HTTP_BODY_NOT_ALLOWED, ERR_HTTP_TRAILER_INVALID', (t) => {
  const run = (impl, fn, options) => {
    const Res = responseClass(impl);
    const m = new Res(options);
    const sock = new MockSocket();
    m.socket = sock;
    sock._httpMessage = m;
    return thrown(() => fn(m));
  };
  const cases = [
    [(m) => { m.strictContentLength = true; m.setHeader('Content-Length', 2); m.write('a'); m.write('abc'); }],
    [(m) => { m.strictContentLength = true; m.setHeader('Content-Length', 5); m.write('abc'); m.end(); }],
    [(m) => { m.strictContentLength = true; m.setHeader('Content-Length', 5); m.end('abc'); }],
    [(m) => { m._hasBody = false; m.write('abc'); }, { rejectNonStandardBodyWrites: true }],
    [(m) => { m.setHeader('Trailer', 'x'); m.setHeader('Content-Length', 1); m.end('a'); }],
  ];
  for (const [fn, options] of cases) {
    sameError(t, run(OURS, fn, options), run(CORE, fn, options));
  }
});

// Codes raised by the server/client/net layers: core's error, obtained by
// the same misuse, against a freshly constructed one of ours.
test('errors: server, client and net codes match core', async (t) => {
  const check = (ours, core) => sameError(t, ours, core, { frames: false });

  check(new codes.ERR_HTTP_INVALID_STATUS_CODE(99),
        thrown(() => new http.ServerResponse({ method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} }).writeHead(99)));
  check(new codes.ERR_HTTP_INVALID_STATUS_CODE('abc'),
        thrown(() => new http.ServerResponse({ method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} }).writeHead('abc')));
  check(new codes.ERR_HTTP_SOCKET_ASSIGNED(), thrown(() => {
    const res = new http.ServerResponse({ method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} });
    const s = new net.Socket();
    res.assignSocket(s);
    res.assignSocket(s);
  }));
  check(thrown(() => validators.validateLinkHeaderValue('bad')), thrown(() =>
    new http.ServerResponse({ method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} })
      .writeEarlyHints({ link: 'bad' })));
  check(new codes.ERR_INVALID_PROTOCOL('https:', 'http:'), thrown(() => http.request('https://x')));
  check(new codes.ERR_UNESCAPED_CHARACTERS('Request path'), thrown(() => http.request({ path: '/a b' })));
  // `new URL()` throws a C++-made TypeError (no code in its stack line);
  // the client lets it propagate. Ours is the JS one, as URL#href throws.
  check(new codes.ERR_INVALID_URL('x'), thrown(() => { new URL('http://a').href = 'x'; }));
  check(new codes.ERR_INVALID_HTTP_TOKEN('Method', 'a b'), thrown(() => http.request({ method: 'a b' })));
  check(new codes.ERR_MISSING_ARGS(['options', 'port', 'path']), thrown(() => new net.Socket().connect({})));
  t.is(new codes.ERR_MISSING_ARGS('a', 'b', ['c', 'd']).message,
       'The "a", "b", and "c" or "d" arguments must be specified');
  check(new codes.ERR_INVALID_IP_ADDRESS('x'), thrown(() => net.connect({ port: 80, localAddress: 'x' })));
  check(thrown(() => validators.validatePort(70000, 'options.port')), thrown(() => net.createServer().listen(70000)));
  check(thrown(() => validators.validatePort(-1)), thrown(() => net.connect({ port: -1 })));
  t.is(thrown(() => validators.validatePort(0, 'Port', false)).message, 'Port should be > 0 and < 65536. Received type number (0).');

  // ERR_SERVER_ALREADY_LISTEN / ERR_SERVER_NOT_RUNNING
  const srv = http.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  check(new codes.ERR_SERVER_ALREADY_LISTEN(), thrown(() => srv.listen(0)));
  const port = srv.address().port;

  // ERR_HTTP_SOCKET_ENCODING: core forbids setEncoding on a server socket.
  const encodingErr = new Promise((resolve) => {
    srv.once('connection', (socket) => {
      resolve(thrown(() => socket.setEncoding('utf8')));
      socket.destroy();
    });
  });
  const c1 = net.connect(port, '127.0.0.1');
  c1.on('error', () => {});
  check(new codes.ERR_HTTP_SOCKET_ENCODING(), await encodingErr);
  c1.destroy();

  // 'socket hang up' (ConnResetException) and parse errors.
  srv.on('request', (req, res) => res.socket.destroy());
  const hangUp = await new Promise((resolve) => {
    http.get({ port, host: '127.0.0.1', agent: false }).on('error', resolve);
  });
  check(new errors.ConnResetException('socket hang up'), hangUp);

  const parseErr = new Promise((resolve) => srv.once('clientError', (err, sock) => {
    sock.destroy();
    resolve(err);
  }));
  const c2 = net.connect(port, '127.0.0.1', () => c2.write('G@T / HTTP/1.1\r\n\r\n'));
  c2.on('error', () => {});
  const coreParse = await parseErr;
  sameError(t, errors.parseError('HPE_INVALID_METHOD', 'Invalid method encountered', 1,
                                 Buffer.from('G@T / HTTP/1.1\r\n\r\n')), coreParse);
  c2.destroy();

  // EADDRINUSE (listen) and ECONNREFUSED (connect) system errors.
  const inUse = await new Promise((resolve) => {
    const s = net.createServer();
    s.on('error', resolve);
    s.listen(port, '127.0.0.1');
  });
  check(new errors.UVExceptionWithHostPort('EADDRINUSE', 'listen', '127.0.0.1', port), inUse);
  check(new errors.UVExceptionWithHostPort(os.constants.errno.EADDRINUSE * -1, 'listen', '127.0.0.1', port), inUse);
  check(errors.uvExceptionWithHostPort('EADDRINUSE', 'listen', '127.0.0.1', port), inUse);
  t.is(inUse.message, `listen EADDRINUSE: address already in use 127.0.0.1:${port}`);

  await new Promise((resolve) => srv.close(resolve));
  check(new codes.ERR_SERVER_NOT_RUNNING(), await new Promise((resolve) => srv.close(resolve)));

  const refused = await new Promise((resolve) => {
    net.connect(port, '127.0.0.1').on('error', resolve);
  });
  check(new errors.ExceptionWithHostPort('ECONNREFUSED', 'connect', '127.0.0.1', port), refused);
  check(errors.exceptionWithHostPort(-os.constants.errno.ECONNREFUSED, 'connect', '127.0.0.1', port), refused);

  // ERR_INVALID_ADDRESS_FAMILY from a lookup returning a bad family.
  const family = await new Promise((resolve) => {
    net.connect({ port: 80, host: 'example', autoSelectFamily: false, lookup: (h, o, cb) => cb(null, '1.2.3.4', 5) })
      .on('error', resolve);
  });
  check(new codes.ERR_INVALID_ADDRESS_FAMILY(5, 'example', 80), family);

  // AbortError from an aborted client request.
  const aborted = await new Promise((resolve) => {
    http.get({ port: 1, host: '127.0.0.1', signal: AbortSignal.abort() }).on('error', resolve);
  });
  check(new errors.AbortError(undefined, { cause: aborted.cause }), aborted);
});

test('errors: ERR_HTTP_REQUEST_TIMEOUT matches core\'s clientError', async (t) => {
  const srv = http.createServer({ requestTimeout: 200, headersTimeout: 100, connectionsCheckingInterval: 20 });
  const got = new Promise((resolve) => srv.once('clientError', (err, sock) => {
    sock.destroy();
    resolve(err);
  }));
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const c = net.connect(srv.address().port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\n'));
  c.on('error', () => {});
  sameError(t, new codes.ERR_HTTP_REQUEST_TIMEOUT(), await got, { frames: false });
  c.destroy();
  srv.close();
});

test('errors: every registered code builds with core-shaped fields', (t) => {
  const samples = {
    ERR_HTTP_BODY_NOT_ALLOWED: [],
    ERR_HTTP_CONTENT_LENGTH_MISMATCH: [3, 2],
    ERR_HTTP_HEADERS_SENT: ['set'],
    ERR_HTTP_INVALID_HEADER_VALUE: [undefined, 'x'],
    ERR_HTTP_TRAILER_INVALID: [],
    ERR_INVALID_CHAR: ['header content'],
    ERR_STREAM_DESTROYED: ['write'],
    ERR_STREAM_ALREADY_FINISHED: ['end'],
    ERR_STREAM_CANNOT_PIPE: [],
    ERR_STREAM_WRITE_AFTER_END: [],
    ERR_STREAM_PREMATURE_CLOSE: [],
    ERR_SOCKET_CLOSED: [],
    ERR_SOCKET_CLOSED_BEFORE_CONNECTION: [],
    ERR_SOCKET_CONNECTION_TIMEOUT: [],
    ERR_INVALID_FD_TYPE: ['PIPE'],
    ERR_UNKNOWN_SIGNAL: ['FOO'],
  };
  for (const [code, args] of Object.entries(samples)) {
    const err = new codes[code](...args);
    t.is(err.code, code);
    t.deepEqual(Object.keys(err), ['code']);
    t.is(err.stack.split('\n')[0], `${err.name} [${code}]: ${err.message}`);
    t.is(String(err), `${err.name} [${code}]: ${err.message}`);
  }
  t.is(new codes.ERR_INVALID_CHAR('header content').message, 'Invalid character in header content');
  t.is(new codes.ERR_HTTP_CONTENT_LENGTH_MISMATCH(3, 2).message,
       'Response body\'s content-length of 3 byte(s) does not match the content-length of 2 byte(s) set in header');
  // ERR_UNKNOWN_SIGNAL, compared with core's child_process check.
  sameError(t, new codes.ERR_UNKNOWN_SIGNAL('FOO'),
            thrown(() => require('child_process').spawnSync('true', { killSignal: 'FOO' })), { frames: false });
  sameError(t, thrown(() => validators.validateSignalName('FOO')),
            thrown(() => require('child_process').spawnSync('true', { killSignal: 'FOO' })), { frames: false });
  t.is(thrown(() => validators.validateSignalName('sigterm')).message,
       'Unknown signal: sigterm (signals must use all capital letters)');
});

test('errors: system-error helpers and ConnResetException', (t) => {
  const e = errors.errnoException('EPIPE', 'write');
  t.is(e.message, 'write EPIPE');
  t.is(e.errno, -os.constants.errno.EPIPE);
  t.is(e.code, 'EPIPE');
  t.is(e.syscall, 'write');
  t.is(e.constructor, Error);
  t.deepEqual(Object.keys(e), ['errno', 'code', 'syscall']);
  t.is(errors.errnoException(-32, 'write', 'extra').message, 'write EPIPE extra');
  t.is(new errors.ErrnoException(-99999, 'read').code, util.getSystemErrorName(-99999) && 'Unknown system error -99999');
  // libuv-only names resolve too.
  t.is(errors.toErrno('EOF'), -4095);
  t.is(errors.exceptionWithHostPort('ECONNRESET', 'read', '::1', 0).message, 'read ECONNRESET ::1');
  t.is(errors.exceptionWithHostPort('ECONNREFUSED', 'connect', '10.0.0.1', 80, '10.0.0.2:5000').message,
       'connect ECONNREFUSED 10.0.0.1:80 - Local (10.0.0.2:5000)');
  const uv = errors.uvException({ errno: 'ENOENT', syscall: 'open', path: '/x' });
  t.is(uv.message, "ENOENT: no such file or directory, open '/x'");
  t.is(uv.errno, -os.constants.errno.ENOENT);
  t.is(uv.path, '/x');
  const unknown = errors.uvExceptionWithHostPort('EWHATEVER', 'listen', '0.0.0.0', 1);
  t.is(unknown.code, 'EWHATEVER');
  t.is(unknown.message, 'listen EWHATEVER: unknown error 0.0.0.0:1');
  const reset = new errors.ConnResetException('aborted');
  t.deepEqual([reset.message, reset.code, reset.name, reset.constructor, String(reset)],
              ['aborted', 'ECONNRESET', 'Error', Error, 'Error: aborted']);
  const pe = errors.parseError('HPE_HEADER_OVERFLOW', 'Header overflow', 0, Buffer.alloc(0));
  t.is(pe.stack, 'Error: Parse Error: Header overflow');
});

test('errors: aggregateTwoErrors and hideStackFrames like core', (t) => {
  const a = new Error('a');
  const b = new Error('b');
  b.code = 'B';
  t.is(errors.aggregateTwoErrors(a, null), a);
  t.is(errors.aggregateTwoErrors(null, b), b);
  t.is(errors.aggregateTwoErrors(a, a), a);
  const agg = errors.aggregateTwoErrors(a, b);
  t.true(agg instanceof AggregateError);
  t.deepEqual(agg.errors, [b, a]);
  t.is(agg.message, 'b');
  t.is(agg.code, 'B');
  const c = new Error('c');
  t.is(errors.aggregateTwoErrors(c, agg), agg);
  t.deepEqual(agg.errors, [b, a, c]);

  const wrapped = errors.hideStackFrames(function inner(x) {
    if (x) throw new codes.ERR_INVALID_ARG_TYPE('x', 'string', x);
    return 'ok';
  });
  t.is(wrapped(0), 'ok');
  t.is(typeof wrapped.withoutStackTrace, 'function');
  function outer() {
    return thrown(() => wrapped(1));
  }
  const err = outer();
  t.is(err.stack.split('\n')[0],
       'TypeError [ERR_INVALID_ARG_TYPE]: The "x" argument must be of type string. Received type number (1)');
  t.deepEqual(err.stack.split('\n').slice(1, 4).map(frameFn), ['<anonymous>', 'thrown', 'outer']);
});

// ---------------------------------------------------------------------------
// validators vs core's public functions that use them.

test('validators: same errors as the core APIs that use them', (t) => {
  const check = (ours, core) => sameError(t, ours, core, { frames: false });
  const v = validators;
  check(thrown(() => v.validateInteger('1', 'max', 1)), thrown(() => http.setMaxIdleHTTPParsers('1')));
  check(thrown(() => v.validateInteger(1.5, 'max', 1)), thrown(() => http.setMaxIdleHTTPParsers(1.5)));
  check(thrown(() => v.validateInt32(100, 'priority', -20, 19)), thrown(() => os.setPriority(0, 100)));
  check(thrown(() => v.validateInt32(1.5, 'priority', -20, 19)), thrown(() => os.setPriority(0, 1.5)));
  check(thrown(() => v.validateInt32('a', 'pid')), thrown(() => os.setPriority('a', 1)));
  check(thrown(() => v.validateUint32(2 ** 40, 'mode')), thrown(() => fs.chmodSync('/nonexistent', 2 ** 40)));
  t.is(thrown(() => v.parseFileMode('x9', 'mode')).message, thrown(() => fs.chmodSync('/nonexistent', 'x9')).message);
  check(thrown(() => v.validateNumber('x', 'maxTotalSockets', 1)), thrown(() => new http.Agent({ maxTotalSockets: 'x' })));
  check(thrown(() => v.validateNumber(0, 'maxTotalSockets', 1)), thrown(() => new http.Agent({ maxTotalSockets: 0 })));
  t.is(thrown(() => v.validateNumber(NaN, 'n', 0, 5)).message,
       'The value of "n" is out of range. It must be >= 0 && <= 5. Received NaN');
  t.is(thrown(() => v.validateNumber(9, 'n', undefined, 5)).message,
       'The value of "n" is out of range. It must be <= 5. Received 9');
  check(thrown(() => v.validateOneOf('x', 'scheduling', ['fifo', 'lifo'])), thrown(() => new http.Agent({ scheduling: 'x' })));
  check(thrown(() => v.validateObject(1, 'options')), thrown(() => http.createServer(1)));
  check(thrown(() => v.validateBoolean(1, 'options.requireHostHeader')),
        thrown(() => http.createServer({ requireHostHeader: 1 })));
  check(thrown(() => v.validateFunction(1, 'original')), thrown(() => util.promisify(1)));
  check(thrown(() => v.validateBuffer(1)), thrown(() => fs.readSync(0, 1)));
  check(thrown(() => v.validateEncoding('abc', 'hex')), thrown(() => fs.writeSync(1, 'abc', null, 'hex')));
  check(thrown(() => v.checkRangesOrGetDefault(100, 'options.level', -1, 9, 0)), thrown(() => zlib.createGzip({ level: 100 })));
  check(thrown(() => v.checkRangesOrGetDefault(Infinity, 'options.level', -1, 9, 0)), thrown(() => zlib.createGzip({ level: Infinity })));
  check(thrown(() => v.checkRangesOrGetDefault('x', 'options.level', -1, 9, 0)), thrown(() => zlib.createGzip({ level: 'x' })));
  check(thrown(() => v.validateArray(1, 'args')), thrown(() => util.parseArgs({ args: 1 })));
  check(thrown(() => v.validatePort(-1)), thrown(() => net.connect({ port: -1 })));
  check(thrown(() => v.validateString(1, 'name')), thrown(() => new http.OutgoingMessage().getHeader(1)));

  // Results and non-throwing paths.
  t.is(v.validatePort('80'), 80);
  t.is(v.checkRangesOrGetDefault(undefined, 'x', 0, 1, 7), 7);
  t.is(v.checkRangesOrGetDefault(NaN, 'x', 0, 1, 7), 7);
  t.is(v.validateLinkHeaderValue(['</a>; rel=preload', '</b>']), '</a>; rel=preload, </b>');
  t.is(v.validateLinkHeaderValue([]), '');
  t.notThrows(() => v.validateObject(null, 'o', v.kValidateObjectAllowNullable));
  t.notThrows(() => v.validateObject([], 'o', v.kValidateObjectAllowArray));
  t.notThrows(() => v.validateObject(() => {}, 'o', v.kValidateObjectAllowFunction));
  t.throws(() => v.validateObject([], 'o', v.kValidateObjectAllowNullable), { code: 'ERR_INVALID_ARG_TYPE' });
  t.notThrows(() => v.validateAbortSignal(undefined, 's'));
  t.notThrows(() => v.validateAbortSignal(new AbortController().signal, 's'));
  t.is(thrown(() => v.validateAbortSignal(1, 'options.signal')).message,
       'The "options.signal" property must be an instance of AbortSignal. Received type number (1)');
  t.is(thrown(() => v.validateStringArray(['a', 1], 'list')).message,
       'The "list[1]" argument must be of type string. Received type number (1)');
  t.is(thrown(() => v.validateUnion('c', 'u', ['a', 'b'])).message,
       'The "u" argument must be (\'a|b\'). Received type string (\'c\')');
  t.is(thrown(() => v.validatePlainFunction(async () => {}, 'fn')).code, 'ERR_INVALID_ARG_TYPE');
  t.is(v.normalizeEncoding('UTF-8'), 'utf8');
  t.is(v.normalizeEncoding('Latin1'), 'latin1');
  t.is(v.normalizeEncoding('nope'), undefined);
  t.true(v.isInt32(-1) && !v.isInt32(2 ** 31) && v.isUint32(2 ** 31) && !v.isUint32(-1));
});

test('validators: thrown errors start at the validator\'s caller', (t) => {
  function callerFn() {
    return thrown(() => validators.validateString(1, 'x'));
  }
  const err = callerFn();
  t.deepEqual(err.stack.split('\n').slice(1, 4).map(frameFn), ['<anonymous>', 'thrown', 'callerFn']);
  const core = thrown(() => new http.OutgoingMessage().getHeader(1));
  t.is(frameFn(core.stack.split('\n')[1]), 'OutgoingMessage.getHeader');
  const ours = thrown(() => new outgoing.OutgoingMessage().getHeader(1));
  t.is(frameFn(ours.stack.split('\n')[1]), 'OutgoingMessage.getHeader');
});

// ---------------------------------------------------------------------------
// internal/http and common

test('internal/http: utcDate is toUTCString() cached per second', (t) => {
  const a = internalHttp.utcDate();
  t.regex(a, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  t.is(internalHttp.utcDate(), a);
  t.true(Math.abs(Date.parse(a) - Date.now()) < 2000);
  t.is(typeof internalHttp.kOutHeaders, 'symbol');
  t.is(typeof internalHttp.kNeedDrain, 'symbol');
  t.true(Object.isFrozen(internalHttp.kEmptyObject));
  t.is(Object.getPrototypeOf(internalHttp.kEmptyObject), null);
  let n = 0;
  const f = internalHttp.once(() => ++n);
  f();
  f();
  t.is(n, 1);
  t.is(internalHttp.getTimerDuration(5, 'msecs'), 5);
  t.is(thrown(() => internalHttp.getTimerDuration(-1, 'msecs')).message,
       'The value of "msecs" is out of range. It must be a non-negative finite number. Received -1');
});

test('internal/http: diagnostics channels are core\'s', (t) => {
  const dc = require('node:diagnostics_channel');
  const { channels } = internalHttp;
  t.is(channels.serverRequestStart, dc.channel('http.server.request.start'));
  t.is(channels.serverResponseFinish, dc.channel('http.server.response.finish'));
  t.is(channels.clientRequestStart, dc.channel('http.client.request.start'));
  t.is(channels.clientRequestError, dc.channel('http.client.request.error'));
  t.is(channels.clientResponseFinish, dc.channel('http.client.response.finish'));
  t.is(channels.netClientSocket, dc.channel('net.client.socket'));
  t.is(channels.netServerSocket, dc.channel('net.server.socket'));
  const seen = [];
  const onMsg = (msg) => seen.push(msg);
  dc.subscribe('http.server.request.start', onMsg);
  t.true(channels.serverRequestStart.hasSubscribers);
  channels.serverRequestStart.publish({ id: 1 });
  dc.unsubscribe('http.server.request.start', onMsg);
  t.deepEqual(seen, [{ id: 1 }]);
  t.is(typeof channels.netServerListen.traceSync, 'function');
});

test('common: token and header-char checks agree with core for every byte', (t) => {
  for (let c = 0; c < 0x110; c++) {
    const ch = String.fromCharCode(c);
    for (const s of [ch, `a${ch}b`]) {
      t.is(common.checkIsHttpToken(s), coreCommon._checkIsHttpToken(s), `token ${c}`);
      t.is(common.checkInvalidHeaderChar(s), coreCommon._checkInvalidHeaderChar(s), `char ${c}`);
    }
  }
  t.is(common._checkIsHttpToken, common.checkIsHttpToken);
  t.is(common._checkInvalidHeaderChar, common.checkInvalidHeaderChar);
  t.deepEqual(common.methods, coreCommon.methods);
  t.deepEqual([...common.methods].sort(), http.METHODS);
  t.is(common.chunkExpression.source, coreCommon.chunkExpression.source);
  t.is(common.chunkExpression.flags, coreCommon.chunkExpression.flags);
  t.is(common.continueExpression.source, coreCommon.continueExpression.source);
  t.is(common.CRLF, coreCommon.CRLF);
  t.is(typeof common.kIncomingMessage, 'symbol');
  t.is(common.isLenient(), coreCommon.isLenient());
});

test('outgoing: parseUniqueHeadersOption matches core', (t) => {
  for (const v of [undefined, null, 'x', ['A', 'b', 'a']]) {
    const ours = outgoing.parseUniqueHeadersOption(v);
    const core = coreOutgoingModule.parseUniqueHeadersOption(v);
    t.deepEqual(ours && [...ours], core && [...core]);
  }
});

// ---------------------------------------------------------------------------
// OutgoingMessage: headers API

differential('outgoing: headers API (set/get/has/remove/append/names)', ({ m, step }) => {
  step('set', () => m.setHeader('X-Foo', 'bar'));
  step('set number', () => m.setHeader('Content-Length', 10));
  step('set array', () => m.setHeader('Set-Cookie', ['a=1', 'b=2']));
  step('overwrite keeps new case', () => m.setHeader('x-FOO', 'baz'));
  step('get', () => m.getHeader('x-foo'));
  step('get missing', () => m.getHeader('nope'));
  step('has', () => m.hasHeader('X-FOO'));
  step('has missing', () => m.hasHeader('nope'));
  step('append new', () => m.appendHeader('X-New', 'one'));
  step('append to string', () => m.appendHeader('x-new', 'two'));
  step('append array', () => m.appendHeader('X-New', ['three', 'four']));
  step('append to array', () => m.appendHeader('set-cookie', 'c=3'));
  step('names', () => m.getHeaderNames());
  step('raw names', () => m.getRawHeaderNames());
  step('headers proto', () => Object.getPrototypeOf(m.getHeaders()));
  step('remove', () => m.removeHeader('X-FOO'));
  step('remove missing', () => m.removeHeader('nope'));
  step('remove bad', () => m.removeHeader(1));
  step('has bad', () => m.hasHeader(null));
  step('render', () => m._renderHeaders());
  step('setHeaders map', () => m.setHeaders(new Map([['a', '1'], ['set-cookie', ['x=1', 'y=2']]])));
  step('setHeaders Headers', () => m.setHeaders(new Headers([['b', '2'], ['set-cookie', 'z=1'], ['Set-Cookie', 'w=2']])));
  step('setHeaders bad', () => m.setHeaders({ a: 1 }));
  step('setHeaders array', () => m.setHeaders([['a', 1]]));
  step('set bad value', () => m.setHeader('x', 'a\rb'));
  step('connection getter', () => m.connection === m.socket);
});

differential('outgoing: deprecated _headers/_headerNames accessors', ({ m, step }) => {
  step('get empty', () => m._headerNames);
  step('set', () => { m._headers = { 'X-A': '1', B: ['2', '3'] }; });
  step('get', () => ({ ...m._headers }));
  step('names', () => ({ ...m._headerNames }));
  step('rename', () => { m._headerNames = { 'x-a': 'X-a', zz: 'nope' }; });
  step('raw', () => m.getRawHeaderNames());
  step('clear', () => { m._headers = null; });
  step('after clear', () => m.getHeaderNames());
  step('set ignored', () => { m._headerNames = { a: 'A' }; });
});

// ---------------------------------------------------------------------------
// OutgoingMessage: head serialisation and body framing

differential('outgoing: end(string) sends head and body in one write with Content-Length', ({ m }) => {
  m.setHeader('Content-Type', 'text/plain');
  m.end('hello');
});

differential('outgoing: end() with no body sends Content-Length: 0', ({ m }) => {
  m.end();
});

differential('outgoing: write + end uses chunked encoding', ({ m, cb }) => {
  m.write('a', cb('w1'));
  m.write(Buffer.from('bc'), cb('w2'));
  m.write('', cb('empty'));
  m.end('d', cb('end'));
});

differential('outgoing: Buffer first chunk queues the head separately (latin1)', ({ m }) => {
  m.setHeader('X-U', 'é');
  m.end(Buffer.from('héllo'));
}, {});

differential('outgoing: utf8 body with non-latin1 encoding, explicit Content-Length', ({ m, cb }) => {
  m.setHeader('Content-Length', Buffer.byteLength('ü€', 'utf8'));
  m.write('ü€', 'utf8', cb('w'));
  m.end(cb('end'));
});

differential('outgoing: hex and base64 encodings in chunked writes', ({ m }) => {
  m.write('616263', 'hex');
  m.write('ZGVm', 'base64');
  m.end('ghi', 'latin1');
});

differential('outgoing: explicit Transfer-Encoding chunked and trailers', ({ m, step }) => {
  m.setHeader('Transfer-Encoding', 'chunked');
  m.setHeader('Trailer', 'X-Sum');
  step('trailers', () => m.addTrailers({ 'X-Sum': 'abc', 'X-List': ['1', '2'] }));
  step('trailers array form', () => m.addTrailers([['X-Sum', 'abc'], ['X-B', 'b']]));
  m.write('x');
  m.end();
});

differential('outgoing: unique headers are joined instead of repeated', ({ m, impl, step }) => {
  m[impl.kUniqueHeaders] = impl.parseUniqueHeadersOption(['x-list']);
  m.setHeader('X-List', ['a', 'b']);
  m.setHeader('X-Other', ['a', 'b']);
  m.setHeader('Cookie', ['c=1', 'd=2']);
  m.setHeader('Set-Cookie', ['c=1', 'd=2']);
  step('trailers', () => m.addTrailers({ 'X-List': ['1', '2'], 'X-Many': ['1', '2'] }));
  m.end('x');
});

differential('outgoing: Content-Disposition is latin1-encoded when Content-Length is known', ({ m }) => {
  m.setHeader('Content-Disposition', 'attachment; filename="ü.txt"');
  m.end('abc');
});

differential('outgoing: removed Content-Length and Transfer-Encoding close the connection', ({ m, step }) => {
  step('rm cl', () => m.removeHeader('Content-Length'));
  step('rm te', () => m.removeHeader('Transfer-Encoding'));
  m.write('a');
  m.end('b');
});

differential('outgoing: removed Content-Length only falls back to chunked', ({ m }) => {
  m.removeHeader('content-length');
  m.end('abc');
});

differential('outgoing: removed Connection and Date headers', ({ m }) => {
  m.sendDate = true;
  m.removeHeader('Date');
  m.removeHeader('Connection');
  m.end('x');
});

differential('outgoing: sendDate adds a Date header unless one is set', ({ m }) => {
  m.sendDate = true;
  m.end('x');
});

differential('outgoing: user Date header wins', ({ m }) => {
  m.sendDate = true;
  m.setHeader('Date', 'Thu, 01 Jan 1970 00:00:00 GMT');
  m.end('x');
});

differential('outgoing: Connection: close sets _last', ({ m }) => {
  m.setHeader('Connection', 'close');
  m.end('x');
});

differential('outgoing: Connection: keep-alive keeps shouldKeepAlive', ({ m }) => {
  m.shouldKeepAlive = false;
  m.setHeader('Connection', 'Keep-Alive');
  m.end('x');
});

differential('outgoing: shouldKeepAlive=false sends Connection: close', ({ m }) => {
  m.shouldKeepAlive = false;
  m.end('x');
});

differential('outgoing: Keep-Alive timeout and max', ({ m }) => {
  m._keepAliveTimeout = 5500;
  m._maxRequestsPerSocket = 100;
  m.end('x');
});

differential('outgoing: user Keep-Alive header suppresses the default one', ({ m }) => {
  m._keepAliveTimeout = 5000;
  m.setHeader('Keep-Alive', 'timeout=1');
  m.end('x');
});

differential('outgoing: maxRequestsOnConnectionReached sends Connection: close', ({ m }) => {
  m.maxRequestsOnConnectionReached = true;
  m.end('x');
});

differential('outgoing: 204 with chunked Transfer-Encoding drops chunking and keep-alive', ({ m }) => {
  m.statusCode = 204;
  m.statusMessage = 'No Content';
  m.setHeader('Transfer-Encoding', 'chunked');
  m.end();
});

differential('outgoing: 304 with chunked Transfer-Encoding', ({ m }) => {
  m.statusCode = 304;
  m.statusMessage = 'Not Modified';
  m.setHeader('Transfer-Encoding', 'chunked');
  m.write('ignored?');
  m.end();
});

differential('outgoing: no body (_hasBody false) ignores writes', ({ m, cb }) => {
  m._hasBody = false;
  m.write('abc', cb('w'));
  m.end('def', cb('end'));
});

differential('outgoing: useChunkedEncodingByDefault=false (e.g. GET request) sends neither CL nor TE', ({ m }) => {
  m.useChunkedEncodingByDefault = false;
  m.write('a');
  m.end();
});

differential('outgoing: Expect: 100-continue flushes the head immediately', ({ m }) => {
  m.setHeader('Expect', '100-continue');
  m.useChunkedEncodingByDefault = true;
  m._implicitHeader();
});

differential('outgoing: flushHeaders then body', ({ m }) => {
  m.flushHeaders();
  m.write('x');
  m.end();
});

differential('outgoing: _storeHeader with object, pair-array and flat-array headers (client shape)', ({ m, step }) => {
  step('object', () => m._storeHeader('GET / HTTP/1.1\r\n', { Host: 'a', 'X-A': ['1', '2'], Cookie: ['a=1', 'b=2'] }));
  step('header', () => m._header);
  step('pairs', () => m._storeHeader('GET / HTTP/1.1\r\n', [['Host', 'a'], ['X-B', 'b']]));
  step('header2', () => m._header);
  step('flat', () => m._storeHeader('GET / HTTP/1.1\r\n', ['Host', 'a', 'content-length', '3']));
  step('header3', () => m._header);
  step('flat odd', () => m._storeHeader('GET / HTTP/1.1\r\n', ['Host']));
  step('invalid name', () => m._storeHeader('GET / HTTP/1.1\r\n', { 'a b': 1 }));
  step('invalid value', () => m._storeHeader('GET / HTTP/1.1\r\n', [['a', 'x\n']]));
  step('undefined value', () => m._storeHeader('GET / HTTP/1.1\r\n', { a: undefined }));
});

differential('outgoing: agent flag keeps Connection: keep-alive without body framing', ({ m }) => {
  m.useChunkedEncodingByDefault = false;
  m.agent = {};
  m._storeHeader('GET / HTTP/1.1\r\n', { Host: 'x' });
  m.end();
});

differential('outgoing: strictContentLength accepts an exact body', ({ m, step }) => {
  m.strictContentLength = true;
  m.setHeader('Content-Length', 6);
  step('w', () => m.write('abc'));
  step('end', () => m.end('def'));
});

differential('outgoing: strictContentLength rejects a short body at end()', ({ m, step }) => {
  m.strictContentLength = true;
  m.setHeader('Content-Length', 6);
  step('w', () => m.write('abc'));
  step('end', () => m.end());
});

// ---------------------------------------------------------------------------
// OutgoingMessage: buffering without a socket, flush, backpressure

differential('outgoing: writes before a socket is assigned are buffered then flushed', async ({ m, sock, step, MockSocket: S }) => {
  step('cork', () => m.cork());
  step('corked', () => m.writableCorked);
  step('w1', () => m.write('abc'));
  step('w2', () => m.write(Buffer.from('def')));
  step('uncork', () => m.uncork());
  step('cork again', () => m.cork());
  step('state', () => [m.outputSize, m.outputData.length, m.writableLength]);
  const s = new S();
  m.socket = s;
  s._httpMessage = m;
  step('flush', () => m._flush());
  step('socket corked', () => s.writableCorked);
  step('calls', () => s.calls.length);
  await tick();
  step('bytes', () => s.bytes);
  step('end', () => m.end());
  await tick();
  step('bytes after end', () => s.bytes);
}, { socket: false });

differential('outgoing: highWaterMark option, write() false and drain on _flush', async ({ m, step, MockSocket: S }) => {
  step('hwm', () => m.writableHighWaterMark);
  step('w1', () => m.write('x'.repeat(10)));
  step('w2', () => m.write('x'.repeat(10)));
  step('needDrain', () => m.writableNeedDrain);
  const s = new S();
  m.socket = s;
  s._httpMessage = m;
  step('flush', () => m._flush());
  step('needDrain after', () => m.writableNeedDrain);
  await tick();
}, { socket: false, options: { highWaterMark: 16 } });

differential('outgoing: _onPendingData sees queued sizes', ({ m, step }) => {
  const seen = [];
  m._onPendingData = (n) => seen.push(n);
  m.write('abc');
  m.write(Buffer.from('de'));
  step('seen', () => seen);
}, { socket: false });

differential('outgoing: socket not owning the message buffers instead of writing', ({ m, sock, step }) => {
  sock._httpMessage = null;
  step('w', () => m.write('abc'));
  step('queued', () => m.outputData.length);
});

differential('outgoing: destroyed socket drops writes', ({ m, sock, step }) => {
  sock.destroy();
  step('w', () => m.write('abc'));
  step('end', () => m.end('x'));
});

differential('outgoing: setTimeout with and without socket', ({ m, step, cb }) => {
  step('set', () => m.setTimeout(1000, cb('timeout cb')));
  m.emit('timeout');
});

differential('outgoing: setTimeout before socket applies on socket event', ({ m, step, MockSocket: S }) => {
  step('set', () => m.setTimeout(500));
  const s = new S();
  m.emit('socket', s);
  step('applied', () => s.timeouts);
}, { socket: false });

differential('outgoing: destroy(err) with and without socket', ({ m, step, MockSocket: S }) => {
  const err = new Error('boom');
  step('destroy', () => m.destroy(err));
  step('again', () => m.destroy(new Error('second')));
  const s = new S();
  s.on('error', () => {});
  m.emit('socket', s);
  step('socket destroyed', () => s.destroyed);
}, { socket: false });

differential('outgoing: destroy with socket destroys it', ({ m, sock, step }) => {
  sock.on('error', () => {});
  step('destroy', () => m.destroy(new Error('x')));
  step('socket destroyed', () => sock.destroyed);
});

differential('outgoing: end() is idempotent and end callback waits for finish', async ({ m, cb, step }) => {
  step('end1', () => m.end('a', cb('end1')));
  step('end2', () => m.end(cb('end2')));
  step('end3', () => m.end());
  await tick();
  step('end4', () => m.end(cb('end4')));
});

differential('outgoing: captureRejections destroys the message', ({ m, sock, step }) => {
  sock.on('error', () => {});
  const EE = require('node:events');
  const err = new Error('rej');
  step('capture', () => m[EE.captureRejectionSymbol](err, 'x'));
  step('errored', () => m.errored === err);
});

// The bytes a raw TCP peer receives when the message writes to a real
// net.Socket, core's class vs ours.
async function wireBytes(impl, scenario) {
  const Res = responseClass(impl);
  const server = net.createServer((sock) => {
    const m = new Res();
    m.socket = sock;
    sock._httpMessage = m;
    m.on('finish', () => sock.end());
    scenario(m);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const bytes = await new Promise((resolve, reject) => {
    const chunks = [];
    const c = net.connect(server.address().port, '127.0.0.1');
    c.on('data', (d) => chunks.push(d));
    c.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    c.on('error', reject);
  });
  await new Promise((resolve) => server.close(resolve));
  return normaliseDate(bytes);
}

for (const [title, scenario] of [
  ['Content-Length body', (m) => { m.sendDate = true; m.setHeader('Content-Type', 'text/plain'); m.end('hello'); }],
  ['chunked body with trailers', (m) => {
    m.setHeader('Trailer', 'X-T');
    m.write('abc');
    m.write(Buffer.from('ü'));
    m.addTrailers({ 'X-T': '1' });
    m.end();
  }],
  ['Buffer-only body and Connection: close', (m) => { m.shouldKeepAlive = false; m.end(Buffer.from([0, 1, 2, 255])); }],
  ['head-only flushHeaders', (m) => { m.flushHeaders(); m.end(); }],
]) {
  test(`outgoing: wire bytes through a real net.Socket: ${title}`, async (t) => {
    const core = await wireBytes(CORE, scenario);
    t.true(core.startsWith('HTTP/1.1 200 OK\r\n'));
    t.is(await wireBytes(OURS, scenario), core);
  });
}

test('outgoing: module exports core\'s names plus rhttp additions', (t) => {
  for (const name of Object.keys(coreOutgoingModule)) {
    t.true(name in outgoing, name);
  }
  t.is(typeof outgoing.kErrored, 'symbol');
  t.is(new outgoing.OutgoingMessage()[outgoing.kHighWaterMark],
       new http.OutgoingMessage()[coreOutgoingModule.kHighWaterMark]);
  t.is(Object.getPrototypeOf(outgoing.OutgoingMessage.prototype), require('node:stream').prototype);
  const own = (o) => Object.keys(o).sort();
  t.deepEqual(own(new outgoing.OutgoingMessage()), own(new http.OutgoingMessage()));
  t.deepEqual(Object.getOwnPropertyNames(outgoing.OutgoingMessage.prototype).sort(),
              Object.getOwnPropertyNames(http.OutgoingMessage.prototype).sort());
});

// ---------------------------------------------------------------------------
// IncomingMessage

const RAW = [
  'Host', 'example.com', 'host', 'dup.example',
  'Content-Type', 'text/plain', 'content-type', 'text/html',
  'Set-Cookie', 'a=1', 'set-cookie', 'b=2',
  'Cookie', 'x=1', 'COOKIE', 'y=2',
  'X-Custom', 'one', 'x-custom', 'two',
  'Accept', 'a', 'accept', 'b',
  'Age', '1', 'age', '2', 'ETag', 'e1', 'etag', 'e2', 'From', 'f',
  'Date', 'd1', 'Vary', 'v1', 'vary', 'v2', 'Server', 's', 'Origin', 'o',
  'Expect', 'e', 'Referer', 'r', 'Expires', 'x', 'Upgrade', 'u',
  'Location', 'l', 'If-Match', 'm', 'User-Agent', 'ua', 'Connection', 'keep-alive',
  'Retry-After', '1', 'Max-Forwards', '1', 'Authorization', 'a1', 'authorization', 'a2',
  'Last-Modified', 'lm', 'Cache-Control', 'cc', 'If-None-Match', 'inm',
  'Content-Length', '5', 'content-length', '6', 'Accept-Encoding', 'gzip',
  'Accept-Language', 'en', 'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2',
  'Content-Encoding', 'gzip', 'X-Forwarded-Host', 'h', 'If-Modified-Since', 'ims',
  'Transfer-Encoding', 'chunked', 'X-Forwarded-Proto', 'https',
  'Proxy-Authorization', 'pa', 'If-Unmodified-Since', 'ius', 'WEIRD-Case', 'w',
  '__proto__', 'p', 'constructor', 'c',
];

function incomingSnapshot(msg) {
  return {
    headers: { ...msg.headers },
    headersProto: Object.getPrototypeOf(msg.headers) === Object.prototype,
    headersDistinct: { ...msg.headersDistinct },
    trailers: { ...msg.trailers },
    trailersDistinct: { ...msg.trailersDistinct },
    rawHeaders: msg.rawHeaders,
    rawTrailers: msg.rawTrailers,
    complete: msg.complete,
    aborted: msg.aborted,
  };
}

for (const join of [false, true]) {
  test(`incoming: headers built from rawHeaders like core (joinDuplicateHeaders=${join})`, (t) => {
    const run = (IM) => {
      const msg = new IM(new MockSocket());
      msg.joinDuplicateHeaders = join;
      msg._addHeaderLines(RAW.slice(), RAW.length - 4); // maxHeaderPairs cut
      const before = incomingSnapshot(msg);
      msg.complete = true;
      msg._addHeaderLines(['X-Trailer', '1', 'x-trailer', '2', 'Set-Cookie', 't'], 6);
      return [before, incomingSnapshot(msg)];
    };
    t.deepEqual(run(incoming.IncomingMessage), run(http.IncomingMessage));
  });
}

test('incoming: headers cached before trailers arrive are extended in place', (t) => {
  const run = (IM) => {
    const msg = new IM(new MockSocket());
    const early = msg.headers; // cache first
    msg._addHeaderLines(['A', '1', 'a', '2'], 4);
    const t1 = msg.trailers;
    msg.complete = true;
    msg._addHeaderLines(['T', '1'], 2);
    msg.headers = { replaced: true };
    msg.headersDistinct = { d: 1 };
    msg.trailersDistinct = null;
    return [early, t1, msg.headers, msg.headersDistinct, { ...msg.trailersDistinct }];
  };
  t.deepEqual(run(incoming.IncomingMessage), run(http.IncomingMessage));
});

test('incoming: construction shape matches core', (t) => {
  const sock = new MockSocket({ readableHighWaterMark: 1234 });
  const ours = new incoming.IncomingMessage(sock);
  const core = new http.IncomingMessage(sock);
  t.deepEqual(Object.keys(ours), Object.keys(core));
  t.is(ours.readableHighWaterMark, core.readableHighWaterMark);
  t.is(ours.connection, sock);
  t.is(ours.client, sock);
  t.true(ours instanceof require('node:stream').Readable);
  t.deepEqual(Object.getOwnPropertyNames(incoming.IncomingMessage.prototype).sort(),
              Object.getOwnPropertyNames(http.IncomingMessage.prototype).sort());
  const bare = (IM) => {
    const m = new IM();
    return [m.socket, m.readableHighWaterMark, m.url, m.method, m.statusCode];
  };
  t.deepEqual(bare(incoming.IncomingMessage), bare(http.IncomingMessage));
});

// Body flow, end, _dump, setTimeout and abort, on a plain socket (core's
// resume/pause fallback) and event order.
async function incomingFlow(IM, variant) {
  const sock = new MockSocket();
  sock.on('error', () => {});
  const msg = new IM(sock);
  const events = [];
  for (const name of ['end', 'close', 'aborted', 'readable', 'pause', 'resume', 'timeout']) {
    msg.on(name, () => events.push(name));
  }
  msg.on('error', (e) => events.push(['error', e.message, e.code]));
  msg._addHeaderLines(['Host', 'x'], 2);
  if (variant === 'read') {
    msg.on('data', (c) => events.push(['data', c.toString()]));
    msg.push(Buffer.from('ab'));
    msg.push(Buffer.from('cd'));
    await tick();
    msg.complete = true;
    msg.push(null);
  } else if (variant === 'dump') {
    msg.on('data', () => events.push('data-before-dump'));
    msg.push(Buffer.from('ab'));
    msg._dump();
    msg._dump();
    msg.complete = true;
    msg.push(null);
    events.push(['dumped', msg._dumped]);
  } else if (variant === 'abort') {
    msg.push(Buffer.from('ab'));
    msg.destroy();
  } else if (variant === 'abort-with-error') {
    msg.destroy(new Error('bad'));
  } else if (variant === 'destroy-after-complete') {
    msg.resume();
    msg.complete = true;
    msg.push(null);
    await tick();
    msg.destroy();
  } else if (variant === 'timeout') {
    events.push(['ret', msg.setTimeout(100, () => events.push('timeout-cb')) === msg]);
    msg.emit('timeout');
  }
  await tick();
  await tick();
  await tick();
  return {
    events,
    sockLog: sock.log,
    timeouts: sock.timeouts,
    sockDestroyed: sock.destroyed,
    ...incomingSnapshot(msg),
    readableEnded: msg.readableEnded,
    destroyed: msg.destroyed,
    consuming: msg._consuming,
  };
}

for (const variant of ['read', 'dump', 'abort', 'abort-with-error', 'destroy-after-complete', 'timeout']) {
  test(`incoming: ${variant} flow matches core`, async (t) => {
    t.deepEqual(await incomingFlow(incoming.IncomingMessage, variant),
                await incomingFlow(http.IncomingMessage, variant));
  });
}

test('incoming: _read asks an rhttp socket to resume reading instead of resume()', async (t) => {
  const sock = new MockSocket();
  let starts = 0;
  let stops = 0;
  sock._rhttpReadStart = () => starts++;
  sock._rhttpReadStop = () => stops++;
  const msg = new incoming.IncomingMessage(sock);
  msg.on('data', () => {});
  await tick();
  t.true(starts >= 1);
  t.deepEqual(sock.log, []);
  incoming.readStop(sock);
  incoming.readStart(sock);
  t.is(stops, 1);
  // Plain sockets get core's behaviour.
  const plain = new MockSocket();
  plain.pause();
  plain.log.length = 0;
  incoming.readStart(plain);
  incoming.readStop(plain);
  t.deepEqual(plain.log, ['resume', 'pause']);
});

test('incoming: a lazily provided rawHeaders list works with the count symbol', (t) => {
  class LazyHead extends incoming.IncomingMessage {
    get rawHeaders() {
      this.materialised = (this.materialised || 0) + 1;
      return ['A', '1', 'a', '2'];
    }

    set rawHeaders(v) {}
  }
  const msg = new LazyHead(new MockSocket());
  msg[incoming.kHeadersCount] = 4;
  t.deepEqual(msg.headers, { a: '1, 2' });
  t.deepEqual({ ...msg.headersDistinct }, { a: ['1', '2'] });
});

test('splitNul gives what slice + split(\'\\0\') gives, for any record and start', (t) => {
  const alphabet = ['\0', 'a', 'Host', ':', ' ', '\xff', ''];
  let seed = 7;
  const next = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  for (let n = 0; n < 2000; n++) {
    let record = '';
    const parts = next() % 12;
    for (let i = 0; i < parts; i++) record += alphabet[next() % alphabet.length];
    const from = next() % (record.length + 1);
    t.deepEqual(common.splitNul(record, from), record.slice(from).split('\0'), JSON.stringify([record, from]));
  }
});
