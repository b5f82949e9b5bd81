'use strict';
// Target "server": raw request bytes -> http.Server.
//
// A case is a byte string (one or more requests, valid, odd or broken),
// delivered in one write or in pieces (15-30 ms apart, or 0-2 ms apart),
// optionally followed by the client's FIN, to a server in one of the
// configurations below. Observed: the bytes the raw client gets back (Date
// normalised), whether the server closed, and the server-side events of
// that connection ('request'/'checkContinue'/'upgrade'/'connect' with
// method, url and raw headers, body data, 'end' with trailers, 'aborted',
// errors, 'clientError' with code/reason/bytesParsed/rawPacket, 'close').
//
// Generators (--gen):
//   mix    (default) 16 families, picked by seed % 16 (as the old harness)
//   sweep  the CASES table of __test__/malformed.spec.mjs under configs
//          that spec does not use; seed s = case floor(s / 4), config s % 4

const fs = require('node:fs');
const path = require('node:path');
const { Rng, TOKEN_CHARS: TOKEN, listen, closeServer, bounded, rawExchange } = require('./lib');

// ---------------------------------------------------------------------------
// Server configurations.
//   opts      createServer options
//   listener  'clientError' listener: null | 'destroy' | 'respond'
//   handler   'echo' (answer at the body's end) | 'early' (answer at
//             'request', body read) | 'noread' (answer at 'request', body
//             not read) | 'close' (echo + Connection: close) | 'chunked'
//   expect    null | 'continue' (checkContinue) | 'expectation'
//   upgrade   true: 'upgrade' and 'connect' listeners
const CONFIGS = {
  default: { opts: {}, listener: null, handler: 'echo' },
  destroy: { opts: {}, listener: 'destroy', handler: 'echo' },
  respond: { opts: {}, listener: 'respond', handler: 'echo' },
  insecure: { opts: { insecureHTTPParser: true }, listener: null, handler: 'echo' },
  insecureEarly: { opts: { insecureHTTPParser: true }, listener: 'destroy', handler: 'early' },
  insecureUp: {
    opts: { insecureHTTPParser: true, maxHeaderSize: 2048 },
    listener: 'respond', handler: 'echo', upgrade: true,
  },
  small: { opts: { maxHeaderSize: 1024 }, listener: null, handler: 'echo' },
  nohost: {
    opts: { requireHostHeader: false, joinDuplicateHeaders: true },
    listener: 'destroy', handler: 'echo',
  },
  maxreq: { opts: { maxRequestsPerSocket: 2 }, listener: null, handler: 'echo' },
  early: { opts: {}, listener: null, handler: 'early' },
  noread: { opts: {}, listener: null, handler: 'noread' },
  close: { opts: {}, listener: null, handler: 'close' },
  chunked: { opts: {}, listener: 'destroy', handler: 'chunked' },
  expect: { opts: {}, listener: null, handler: 'echo', expect: 'continue' },
  expectation: { opts: {}, listener: null, handler: 'echo', expect: 'expectation' },
  upgrade: { opts: {}, listener: 'destroy', handler: 'echo', upgrade: true },
};

function bodyOf(req, len) {
  return JSON.stringify({
    m: req.method, u: req.url, v: req.httpVersion, h: req.rawHeaders, b: len,
    t: req.rawTrailers, c: req.complete,
  });
}

async function startServer(http, cfg) {
  const server = http.createServer(cfg.opts);
  const conns = new Map(); // client port -> record
  const rec = (socket) => {
    const port = socket.remotePort ?? socket.__fuzzPort;
    let c = conns.get(port);
    if (!c) {
      c = { events: [], details: [], closed: false };
      c.closedP = new Promise((resolve) => {
        c.resolveClosed = resolve;
      });
      conns.set(port, c);
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
    socket.__fuzzPort = socket.remotePort;
    const c = rec(socket);
    socket.on('error', (e) => push(c, ['socketError', e && e.code]));
    socket.on('close', () => {
      push(c, ['close']);
      c.closed = true;
      c.resolveClosed();
    });
  });
  const handle = (req, res, kind) => {
    const c = rec(req.socket);
    const n = c.reqs = (c.reqs || 0) + 1;
    push(c, [kind, n, { method: req.method, url: req.url, v: req.httpVersion, raw: req.rawHeaders }]);
    let len = 0;
    req.on('data', (d) => {
      len += d.length;
      push(c, ['body', n, d.toString('latin1')]);
    });
    req.on('aborted', () => push(c, ['aborted', n]));
    req.on('error', (e) => push(c, ['reqError', n, e && e.code]));
    res.on('close', () => push(c, ['resClose', n]));
    const answer = () => {
      if (res.headersSent) return;
      if (cfg.handler === 'close') res.setHeader('Connection', 'close');
      if (cfg.handler === 'chunked') {
        res.write('part1:');
        res.end(bodyOf(req, len));
        return;
      }
      res.setHeader('Content-Type', 'text/plain');
      res.end(bodyOf(req, len));
    };
    req.on('end', () => {
      push(c, ['end', n, req.rawTrailers]);
      answer();
    });
    if (kind === 'checkContinue') res.writeContinue();
    if (cfg.handler === 'early') answer();
    if (cfg.handler === 'noread') res.end('noread');
  };
  server.on('request', (req, res) => handle(req, res, 'request'));
  if (cfg.expect === 'continue') {
    server.on('checkContinue', (req, res) => handle(req, res, 'checkContinue'));
  }
  if (cfg.expect === 'expectation') {
    server.on('checkExpectation', (req, res) => handle(req, res, 'checkExpectation'));
  }
  if (cfg.upgrade) {
    const up = (kind) => (req, socket, head) => {
      const c = rec(socket);
      push(c, [kind, {
        method: req.method, url: req.url, v: req.httpVersion, raw: req.rawHeaders,
        head: head.toString('latin1'),
      }]);
      socket.on('data', (d) => push(c, ['udata', d.toString('latin1')]));
      socket.end(`HTTP/1.1 101 Switching\r\nX-Kind: ${kind}\r\n\r\n`);
    };
    server.on('upgrade', up('upgrade'));
    server.on('connect', up('connect'));
  }
  if (cfg.listener) {
    server.on('clientError', (err, socket) => {
      const c = rec(socket);
      push(c, ['clientError', err && err.code]);
      c.details.push({
        code: err && err.code, reason: err && err.reason, bytesParsed: err && err.bytesParsed,
        rawPacket: err && err.rawPacket ? Buffer.from(err.rawPacket).toString('latin1') : undefined,
      });
      if (cfg.listener === 'destroy') socket.destroy();
      else if (socket.writable) {
        socket.end('HTTP/1.1 400 Custom\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbad',
          () => socket.destroy());
      } else socket.destroy();
    });
  }
  await listen(server);
  return { server, port: server.address().port, conns };
}

// ---------------------------------------------------------------------------
// Generators. (Kept draw for draw as the old /tmp/fuzz-server/gen.js, so its
// seeds name the same inputs.)

const METHODS_COMMON = ['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH'];
const METHODS_ALL = ['DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'TRACE',
  'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND',
  'UNBIND', 'ACL', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE',
  'UNSUBSCRIBE', 'PATCH', 'PURGE', 'MKCALENDAR', 'LINK', 'UNLINK', 'SOURCE', 'QUERY', 'PRI',
  // RTSP and near misses
  'DESCRIBE', 'ANNOUNCE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER',
  'REDIRECT', 'RECORD', 'FLUSH', 'FOO', 'get', 'Get', 'GETX', 'GE', 'POS', 'PUTT', 'HEADER',
  'CONNECTX', 'M-SEARCHX', 'PROPFINDX', 'MKCO', 'X', 'P', 'C', 'LOCKS', 'UNLOC', 'SUBSCRIBER',
  'PURG', 'QUERYS', 'PRIX'];

const ODD = ['\x00', '\x01', '\x08', '\x09', '\x0a', '\x0b', '\x0c', '\x0d', '\x1f', '\x20', '\x7f',
  '\x80', '\xa0', '\xe9', '\xff', ':', ';', ',', '"', '=', '\\', '/', '?', '#', '@', '(', ')', '{',
  '}', '[', ']', '<', '>'];

function token(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += TOKEN[r.int(TOKEN.length)];
  return s;
}
const anyByte = (r) => String.fromCharCode(r.int(256));
function oddStr(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += r.choose([[6, () => TOKEN[r.int(TOKEN.length)]], [3, () => r.pick(ODD)],
      [1, () => anyByte(r)], [1, ' ']]);
  }
  return s;
}

function method(r) {
  return r.choose([[10, () => r.pick(METHODS_COMMON)], [4, () => r.pick(METHODS_ALL)],
    [1, () => token(r, r.range(1, 8))], [0.5, () => oddStr(r, r.range(1, 5))]]);
}

function target(r, m) {
  if (m === 'CONNECT' && r.chance(0.7)) {
    return r.pick(['a:443', 'example.com:80', '127.0.0.1:1', 'a', '[::1]:80', 'a:', ':80']);
  }
  return r.choose([
    [8, () => '/' + token(r, r.range(0, 6))],
    [3, () => '/' + token(r, 3) + '?' + token(r, 3) + '=' + token(r, 3) +
      (r.chance(0.3) ? '#' + token(r, 2) : '')],
    [3, () => r.pick(['http://', 'https://', 'HTTP://', 'ws://', 'http:/', 'http:', 'h2c://']) +
      r.pick(['a', 'a:80', 'user:pw@a', '127.0.0.1:8080', '[::1]', 'a.b.c', '']) +
      r.pick(['', '/', '/x?y', '?q', '#f'])],
    [1, '*'],
    [1, () => r.pick(['a:443', 'a', 'example.com:80'])],
    [2, () => '/' + oddStr(r, r.range(1, 8))],
    [0.5, ''],
    [0.5, () => '/' + 'u'.repeat(r.range(100, 3000))],
  ]);
}

function version(r) {
  return r.choose([[20, 'HTTP/1.1'], [5, 'HTTP/1.0'], [1, () => r.pick(['HTTP/0.9', 'HTTP/2.0',
    'HTTP/1.2', 'HTTP/9.9', 'HTTP/1', 'http/1.1', 'HTTP/1.1 ', 'HTTP/01.1', 'HTTP/1.10',
    'HTTP/1.01', 'HTTP/3.0', 'HTTP/1.9', 'HTTP/0.0', 'RTSP/1.0', 'ICE/1.0', 'HTTP/1.1\t', ''])]]);
}

const HDR_NAMES = ['Host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Expect', 'Upgrade',
  'Keep-Alive', 'Cookie', 'Set-Cookie', 'Accept', 'User-Agent', 'Content-Type', 'X-Forwarded-For',
  'Proxy-Connection', 'TE', 'Trailer', 'Authorization', 'Referer', 'Origin', 'Via', 'Max-Forwards',
  'If-None-Match', 'Range', 'Date', 'content-length', 'CONTENT-LENGTH', 'transfer-encoding',
  'connection', 'HOST', 'expect', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Location', 'Age',
  'Etag', 'Server', 'From', 'Content-Disposition'];

function headerName(r) {
  return r.choose([[10, () => r.pick(HDR_NAMES)], [3, () => 'X-' + token(r, r.range(1, 6))],
    [1, () => oddStr(r, r.range(1, 6))], [0.3, ''], [0.3, () => token(r, r.range(200, 1200))]]);
}

function headerValue(r, name) {
  const lname = name.toLowerCase();
  if (lname === 'connection' || lname === 'proxy-connection') {
    return r.pick(['close', 'keep-alive', 'Keep-Alive', 'upgrade', 'Upgrade', 'close, upgrade',
      'keep-alive, Upgrade', 'CLOSE', ' close ', 'close,', ',close', 'foo, close', 'closed',
      'keep-alive, close', 'te', 'x', '', 'Upgrade, HTTP2-Settings', 'keepalive', 'clos', 'close\t',
      'c lose']);
  }
  if (lname === 'expect') {
    return r.pick(['100-continue', '100-Continue', '100-CONTINUE', ' 100-continue',
      '100-continue ', 'foo', '', '100-continue, foo', '100-continu', '100-continue;a=b', '200-ok']);
  }
  if (lname === 'upgrade') {
    return r.pick(['websocket', 'WebSocket', 'h2c', 'foo/1, bar', '', 'websocket, h2c', 'HTTP/2.0']);
  }
  if (lname === 'content-length') {
    return r.pick(['0', '1', '5', '10', '00', '', ' 3 ', '3,3', '3, 4', '-0', '+0', '1e1',
      '18446744073709551615', '99999999999999999999', String(r.int(40)), '3\t']);
  }
  if (lname === 'transfer-encoding') {
    return r.pick(['chunked', 'Chunked', 'CHUNKED', 'gzip, chunked', 'chunked, gzip', 'identity',
      'chunked ', ' chunked', 'chunked,', ',chunked', 'chunked;q=1', 'x', '', 'chunked, chunked']);
  }
  if (lname === 'host') {
    return r.pick(['a', 'a:80', '', 'localhost', '[::1]:3000', 'a b', 'a\tb', 'ä', 'a,b']);
  }
  if (lname === 'keep-alive') return r.pick(['timeout=5', 'max=1', 'timeout=0, max=0', '']);
  return r.choose([[6, () => token(r, r.range(0, 10))], [3, () => oddStr(r, r.range(0, 12))],
    [0.5, () => 'v'.repeat(r.range(100, 4000))]]);
}

const eol = (r, lfRate) => (r.chance(lfRate) ? '\n' : '\r\n');

function colon(r) {
  return r.choose([[20, ': '], [4, ':'], [2, ':  '], [1, ':\t'], [1, ' : '], [1, '\t:'],
    [0.5, ': \t ']]);
}

function chunkedBody(r, lfRate) {
  let s = '';
  const n = r.range(0, 4);
  for (let i = 0; i < n; i++) {
    const len = r.choose([[5, () => r.range(1, 20)], [1, () => r.range(100, 3000)]]);
    let size = len.toString(16);
    size = r.choose([[10, size], [1, size.toUpperCase()], [1, '000' + size], [0.3, ' ' + size],
      [0.3, size + ' '], [0.2, size + '\t']]);
    let ext = '';
    if (r.chance(0.25)) {
      const k = r.range(1, 3);
      for (let j = 0; j < k; j++) {
        ext += r.pick([';', ' ;', '; ']) + token(r, r.range(1, 5));
        if (r.chance(0.6)) {
          ext += '=' + r.choose([[3, () => token(r, 3)],
            [2, () => '"' + oddStr(r, r.range(0, 6)) + '"'], [1, () => oddStr(r, r.range(1, 4))]]);
        }
      }
    }
    s += size + ext + eol(r, lfRate) + 'd'.repeat(len) + eol(r, lfRate);
  }
  s += r.pick(['0', '0', '0', '00', '000000']) +
    (r.chance(0.15) ? ';' + token(r, 3) + (r.chance(0.5) ? '="' + oddStr(r, 3) + '"' : '') : '') +
    eol(r, lfRate);
  if (r.chance(0.3)) {
    const k = r.range(1, 3);
    for (let j = 0; j < k; j++) {
      const nm = r.choose([[4, () => 'X-' + token(r, 3)], [1, () => r.pick(HDR_NAMES)],
        [1, () => oddStr(r, 4)]]);
      s += nm + colon(r) + headerValue(r, 'x') + eol(r, lfRate);
    }
  }
  s += eol(r, lfRate);
  return s;
}

function shuffle(r, list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
}

// One request, often slightly odd.
function request(r, opt = {}) {
  const clean = opt.clean !== undefined ? opt.clean : r.chance(0.5);
  if (clean) return cleanRequest(r, opt);
  const lfRate = r.chance(0.1) ? 0.3 : 0;
  const m = opt.method || method(r);
  const v = opt.version || version(r);
  const line = m + r.choose([[30, ' '], [1, '  '], [1, '\t']]) + target(r, m) +
    (v === '' ? '' : r.choose([[30, ' '], [1, '  ']]) + v);
  let head = line + eol(r, lfRate);
  const headers = [];
  if (r.chance(0.85)) headers.push(['Host', r.chance(0.9) ? 'a' : headerValue(r, 'host')]);
  const body = r.choose([[6, 'none'], [3, 'cl'], [3, 'chunked'], [0.5, 'both'], [0.5, 'te-other']]);
  let bodyStr = '';
  if (body === 'cl' || body === 'both') {
    const len = r.choose([[5, () => r.range(0, 20)], [1, () => r.range(100, 5000)]]);
    bodyStr = 'b'.repeat(len);
    headers.push(['Content-Length', r.chance(0.9) ? String(len) : headerValue(r, 'content-length')]);
  }
  if (body === 'chunked' || body === 'both') {
    headers.push(['Transfer-Encoding',
      r.chance(0.85) ? 'chunked' : headerValue(r, 'transfer-encoding')]);
    bodyStr = chunkedBody(r, lfRate);
  }
  if (body === 'te-other') {
    headers.push(['Transfer-Encoding', headerValue(r, 'transfer-encoding')]);
    bodyStr = 'hello';
  }
  const extra = r.choose([[5, 0], [4, () => r.range(1, 3)], [1, () => r.range(4, 12)]]);
  for (let i = 0; i < extra; i++) {
    const nm = opt.headerFocus ?
      r.choose([[1, () => r.pick(HDR_NAMES)], [2, () => oddStr(r, r.range(1, 6))]]) :
      headerName(r);
    headers.push([nm, opt.headerFocus ? oddStr(r, r.range(0, 16)) : headerValue(r, nm)]);
  }
  if (opt.connection || r.chance(0.25)) {
    headers.push([r.chance(0.9) ? 'Connection' : 'Proxy-Connection', headerValue(r, 'connection')]);
  }
  if (opt.expect || r.chance(0.05)) headers.push(['Expect', headerValue(r, 'expect')]);
  if (r.chance(0.04)) headers.push(['Upgrade', headerValue(r, 'upgrade')]);
  if (r.chance(0.3)) shuffle(r, headers);
  for (const [n, val] of headers) {
    const lead = r.chance(0.02) ? r.pick([' ', '\t']) : '';
    head += lead + n + colon(r) + val + r.choose([[30, ''], [1, ' '], [1, '\t']]) + eol(r, lfRate);
    if (r.chance(0.02)) head += r.pick([' ', '\t']) + token(r, 3) + eol(r, lfRate); // obs-fold
  }
  head += eol(r, lfRate);
  if (r.chance(0.05)) bodyStr = bodyStr.slice(0, r.int(bodyStr.length + 1)); // truncated
  if (r.chance(0.05)) bodyStr += token(r, r.range(1, 10)); // extra bytes
  return head + bodyStr;
}

// A well-formed request with one random feature at most.
function cleanRequest(r, opt) {
  const m = opt.method ||
    r.choose([[8, () => r.pick(METHODS_COMMON)], [1, () => r.pick(METHODS_ALL.slice(0, 36))]]);
  const v = opt.version || r.choose([[5, 'HTTP/1.1'], [1, 'HTTP/1.0']]);
  const t = r.chance(0.8) ? '/' + token(r, r.range(0, 6)).replace(/[#?]/g, 'q') : target(r, m);
  let head = `${m} ${t} ${v}\r\n`;
  const headers = [];
  if (v === 'HTTP/1.1' || r.chance(0.5)) headers.push(['Host', 'a']);
  const body = r.choose([[5, 'none'], [3, 'cl'], [3, 'chunked']]);
  let bodyStr = '';
  if (body === 'cl') {
    const len = r.choose([[5, () => r.range(0, 20)], [1, () => r.range(100, 5000)]]);
    bodyStr = 'b'.repeat(len);
    headers.push(['Content-Length', String(len)]);
  }
  if (body === 'chunked') {
    headers.push(['Transfer-Encoding', 'chunked']);
    bodyStr = chunkedBody(r, 0);
  }
  const extra = r.range(0, 3);
  for (let i = 0; i < extra; i++) {
    headers.push(['X-' + token(r, 3).replace(/[^A-Za-z0-9]/g, 'z'), token(r, r.range(0, 8))]);
  }
  if (opt.connection || r.chance(0.3)) {
    headers.push(['Connection',
      r.pick(['close', 'keep-alive', 'Keep-Alive', 'upgrade', 'close, upgrade', 'foo'])]);
  }
  if (opt.expect || r.chance(0.05)) headers.push(['Expect', headerValue(r, 'expect')]);
  if (opt.headerFocus) {
    headers.push([r.chance(0.5) ? 'X-' + token(r, 3) : oddStr(r, r.range(1, 5)),
      oddStr(r, r.range(0, 16))]);
  }
  if (r.chance(0.3)) shuffle(r, headers);
  for (const [n, val] of headers) head += `${n}: ${val}\r\n`;
  return head + '\r\n' + bodyStr;
}

function mutate(r, s) {
  const k = r.range(1, 3);
  for (let i = 0; i < k && s.length; i++) {
    const pos = r.int(s.length + 1);
    s = r.choose([
      [3, () => s.slice(0, pos) + r.pick(ODD) + s.slice(pos)],
      [2, () => s.slice(0, pos) + anyByte(r) + s.slice(pos + 1)],
      [2, () => s.slice(0, pos) + s.slice(pos + r.range(1, 4))],
      [1, () => {
        const l = r.range(1, 12);
        return s.slice(0, pos) + s.slice(pos, pos + l) + s.slice(pos);
      }],
      [1, () => s.slice(0, pos) + r.pick(['\r\n', '\r', '\n', '\r\n\r\n', ' ', '\t', '\r\n ']) +
        s.slice(pos)],
      [0.5, () => s.slice(0, pos)],
    ]);
  }
  return s;
}

// A head whose maxHeaderSize count (url + header names + values, as core's
// TrackHeader adds them) is `n`.
function headOfCount(r, n) {
  const url = '/';
  const nh = r.range(1, 5);
  const names = ['Host'];
  const vals = ['a'];
  let used = url.length + 5;
  for (let i = 1; i < nh; i++) {
    const nm = 'X' + token(r, r.range(0, 4)).replace(/[^A-Za-z0-9]/g, 'z');
    names.push(nm);
    vals.push('');
    used += nm.length;
  }
  let rem = n - used;
  for (let i = 1; i < nh && rem > 0; i++) {
    const take = i === nh - 1 ? rem : r.int(rem + 1);
    vals[i] = 'p'.repeat(take);
    rem -= take;
  }
  if (nh === 1) {
    names.push('X');
    vals.push('p'.repeat(Math.max(0, rem - 1)));
  }
  let s = `${r.pick(['GET', 'POST'])} ${url} HTTP/1.1\r\n`;
  for (let i = 0; i < names.length; i++) {
    s += names[i] + r.pick([': ', ':', ':  ']) + vals[i] + r.pick(['', '', ' ']) + '\r\n';
  }
  return s + '\r\n';
}

// Targeted framing and smuggling tweaks, applied to a clean request.
const TWEAKS = [
  (r, q) => q.replace('\r\n\r\n', '\r\nContent-Length: ' + r.range(0, 9) + '\r\n\r\n'),
  (r, q) => q.replace('\r\n\r\n',
    '\r\nTransfer-Encoding: ' + headerValue(r, 'transfer-encoding') + '\r\n\r\n'),
  (r, q) => q.replace(/(Content-Length|Transfer-Encoding|Host|X-[^:]*):/,
    (m, n) => n + r.pick([' :', '\t:', ' : '])),
  (r, q) => q.replace(/\r\n(?=[A-Z])/, r.pick(['\r\n ', '\r\n\t', '\n', '\r'])),
  (r, q) => {
    const i = q.indexOf('\r\n\r\n');
    return i < 0 ? q : q.slice(0, i) + r.pick(['\r\n fold', '\r\n\tfold', '\n fold']) + q.slice(i);
  },
  (r, q) => q.replace(/\r\n/g, () => (r.chance(0.3) ? r.pick(['\n', '\r', '\r\r\n']) : '\r\n')),
  (r, q) => q.replace('\r\n\r\n',
    '\r\nX-N: a' + r.pick(['\x00', '\x01', '\x7f', '\r', '\x0b', '\xff']) + 'b\r\n\r\n'),
  (r, q) => q.replace(' HTTP/1.1',
    r.pick([' HTTP/1.0', ' HTTP/1.2', ' HTTP/2.0', ' HTTP/0.9', ' HTTP/1.1 '])),
  (r, q) => q.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n') +
    r.pick(['GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'abc', '\r\n', 'X']),
  (r, q) => q.replace(/\r\n(\d+|[0-9a-f]+)(\r\n)/, (m, sz, e) => '\r\n' +
    r.pick([sz + ' ', ' ' + sz, sz + '\t', sz + ';x', sz + ' ;x', sz + ';x="a b"', sz + '\n']) + e),
  (r, q) => q.replace(/d\r\n/, r.pick(['d', 'dX\r\n', 'd\n', 'd\r', 'dd\r\n'])),
  (r, q) => q.replace(/\r\n0\r\n/, '\r\n0\r\n' +
    r.pick(['X-T: a\r\n', 'X-T : a\r\n', 'X-T: a\n', 'Content-Length: 5\r\n', ' fold\r\n'])),
];
function tweaked(r) {
  let q = cleanRequest(r, { version: 'HTTP/1.1', method: r.pick(['GET', 'POST', 'PUT']) });
  const k = r.range(1, 2);
  for (let i = 0; i < k; i++) q = r.pick(TWEAKS)(r, q);
  return q;
}

const FAMILIES = ['valid', 'mutated', 'pipeline', 'pipelineBad', 'chunked', 'headerBytes',
  'methods', 'longHead', 'expect', 'connection', 'http10', 'absolute', 'upgrade', 'fin', 'tweak',
  'tweakPipe'];

const CFG_FOR = {
  valid: ['default', 'destroy', 'early', 'noread', 'close', 'chunked', 'maxreq', 'nohost'],
  mutated: ['default', 'destroy', 'respond', 'insecure', 'insecureEarly', 'nohost'],
  pipeline: ['default', 'destroy', 'early', 'noread', 'close', 'maxreq', 'chunked'],
  pipelineBad: ['default', 'destroy', 'respond', 'insecure', 'early', 'noread'],
  chunked: ['default', 'destroy', 'insecure', 'insecureEarly', 'early', 'noread', 'small'],
  headerBytes: ['default', 'destroy', 'insecure', 'insecureEarly', 'nohost'],
  methods: ['default', 'destroy', 'upgrade', 'insecure'],
  longHead: ['default', 'destroy', 'small', 'respond'],
  expect: ['default', 'destroy', 'expect', 'expectation', 'noread', 'early'],
  connection: ['default', 'close', 'maxreq', 'early', 'noread', 'upgrade'],
  http10: ['default', 'destroy', 'close', 'noread', 'insecure'],
  absolute: ['default', 'destroy', 'upgrade', 'nohost'],
  upgrade: ['upgrade', 'default', 'destroy'],
  fin: ['default', 'destroy', 'early', 'noread', 'insecure'],
  tweak: ['insecure', 'insecureEarly', 'insecureUp', 'default', 'destroy'],
  tweakPipe: ['insecure', 'insecureEarly', 'default', 'destroy', 'respond'],
};

function repeat(r, k, fn) {
  let s = '';
  for (let i = 0; i < k; i++) s += fn(i);
  return s;
}

function genMix(seed) {
  const r = new Rng(seed);
  const fam = FAMILIES[seed % FAMILIES.length];
  let s;
  let end = false;
  switch (fam) {
    case 'valid':
      s = request(r, { clean: r.chance(0.8) });
      if (r.chance(0.3)) s += request(r, { clean: true });
      break;
    case 'mutated': s = mutate(r, request(r)); break;
    case 'pipeline': s = repeat(r, r.range(2, 4), () => request(r)); break;
    case 'pipelineBad': {
      const k = r.range(2, 4);
      const bad = r.int(k);
      s = repeat(r, k, (i) => (i === bad ? mutate(r, request(r)) :
        request(r, { version: 'HTTP/1.1' })));
      break;
    }
    case 'chunked':
      s = repeat(r, r.range(1, 3), (i) => {
        let q = `POST /c${i} HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n` +
          `${r.chance(0.3) ? 'Trailer: X-T\r\n' : ''}\r\n` + chunkedBody(r, r.chance(0.1) ? 0.3 : 0);
        if (r.chance(0.3)) q = mutate(r, q);
        return q;
      });
      break;
    case 'headerBytes':
      s = request(r, { headerFocus: true });
      if (r.chance(0.3)) s += request(r);
      break;
    case 'methods':
      s = request(r, { method: method(r) === 'GET' ? r.pick(METHODS_ALL) :
        r.pick(METHODS_ALL.concat([oddStr(r, 3)])) });
      if (r.chance(0.3)) s += request(r);
      break;
    case 'longHead': {
      const cfgSmall = r.chance(0.4);
      s = headOfCount(r, (cfgSmall ? 1024 : 16384) + r.range(-6, 6));
      if (r.chance(0.3)) s = request(r, { version: 'HTTP/1.1' }) + s;
      if (r.chance(0.2)) s = mutate(r, s);
      if (cfgSmall) r.chance(0.5); // (a draw the old generator made)
      return deliver(r, seed, fam, s,
        cfgSmall ? 'small' : r.pick(['default', 'destroy', 'respond']), end);
    }
    case 'expect':
      s = request(r, { expect: true });
      if (r.chance(0.4)) s += request(r, { expect: r.chance(0.5) });
      break;
    case 'connection':
      s = repeat(r, r.range(1, 3), () => request(r, { connection: true }));
      break;
    case 'http10':
      s = repeat(r, r.range(1, 3), () => request(r, {
        version: r.chance(0.8) ? 'HTTP/1.0' : 'HTTP/1.1', connection: r.chance(0.5),
      }));
      break;
    case 'absolute':
      s = request(r, { method: r.pick(['GET', 'POST', 'CONNECT', 'OPTIONS', 'HEAD']) });
      if (r.chance(0.3)) s = mutate(r, s);
      break;
    case 'upgrade': {
      const m = r.pick(['GET', 'GET', 'CONNECT', 'POST', 'OPTIONS']);
      let q = `${m} ${m === 'CONNECT' ? 'a:443' : '/ws'} HTTP/1.1\r\nHost: a\r\n`;
      if (r.chance(0.8)) {
        q += `Connection: ${r.pick(['Upgrade', 'upgrade', 'keep-alive, Upgrade', 'close',
          'keep-alive'])}\r\n`;
      }
      if (r.chance(0.8)) q += `Upgrade: ${headerValue(r, 'upgrade')}\r\n`;
      if (r.chance(0.3)) q += `Content-Length: ${r.range(0, 5)}\r\n`;
      q += '\r\n';
      if (r.chance(0.5)) {
        q += r.pick(['hello', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', '\x81\x05hello', 'abc']);
      }
      s = r.chance(0.3) ? request(r, { version: 'HTTP/1.1' }) + q : q;
      break;
    }
    case 'tweak': s = tweaked(r); break;
    case 'tweakPipe':
      s = r.chance(0.5) ? cleanRequest(r, { version: 'HTTP/1.1' }) + tweaked(r) :
        tweaked(r) + cleanRequest(r, { version: 'HTTP/1.1' });
      break;
    case 'fin':
      s = request(r);
      s = s.slice(0, r.int(s.length + 1));
      end = true;
      break;
  }
  return deliver(r, seed, fam, s, r.pick(CFG_FOR[fam]), end);
}

// Delivery: one write, pieces 15-30 ms apart, or pieces 0-2 ms apart.
function deliver(r, seed, family, s, config, end) {
  const mode = r.choose([[5, 'one'], [3, 'gapped'], [1, 'fast']]);
  let pieces = [s];
  let gaps = [0];
  if (mode !== 'one' && s.length > 1) {
    const k = r.range(1, Math.min(5, s.length - 1));
    const cuts = new Set();
    while (cuts.size < k) cuts.add(r.range(1, s.length - 1));
    pieces = [];
    let prev = 0;
    for (const c of [...cuts].sort((a, b) => a - b)) {
      pieces.push(s.slice(prev, c));
      prev = c;
    }
    pieces.push(s.slice(prev));
    gaps = pieces.map((_, i) => (i === 0 ? 0 : mode === 'gapped' ? r.range(15, 30) : r.range(0, 2)));
  }
  return { seed, family, config, pieces, gaps, end, mode };
}

// ---------------------------------------------------------------------------
// Sweep: the malformed.spec.mjs table (its CASES, without those that need
// their own serverOptions) under configs that spec does not use.

const SWEEP_CONFIGS = ['insecure', 'insecureEarly', 'respond', 'early'];
let sweepCases = null;

function loadSweepCases() {
  if (sweepCases) return sweepCases;
  const file = path.resolve(__dirname, '../../__test__/malformed.spec.mjs');
  const src = fs.readFileSync(file, 'utf8');
  const start = src.indexOf('const CRLF');
  const stop = src.indexOf('\n// The same bytes, one per TCP write');
  if (start < 0 || stop < 0) {
    throw new Error(`--gen sweep: cannot find the CASES table in ${file}`);
  }
  const m = { exports: null };
  // eslint-disable-next-line no-new-func
  new Function('module', src.slice(start, stop) + '\nmodule.exports = CASES;')(m);
  sweepCases = m.exports.filter((k) => !k.serverOptions);
  return sweepCases;
}

function genSweep(seed) {
  const cases = loadSweepCases();
  const k = cases[Math.floor(seed / SWEEP_CONFIGS.length) % cases.length];
  const pieces = Array.isArray(k.send) ? k.send : [k.send];
  return {
    seed, family: `sweep: ${k.name}`, config: SWEEP_CONFIGS[seed % SWEEP_CONFIGS.length], pieces,
    gaps: pieces.map((_, i) => (i ? (k.gapMs || 0) : 0)), end: !!k.end, idleMs: k.idleMs,
    mode: 'sweep',
  };
}

// ---------------------------------------------------------------------------
// Target interface.

async function getServer(ctx, cfgName) {
  if (!ctx.servers.has(cfgName)) {
    ctx.servers.set(cfgName, await startServer(ctx.http, CONFIGS[cfgName]));
  }
  return ctx.servers.get(cfgName);
}

module.exports = {
  name: 'server',
  gens: ['mix', 'sweep'],
  parallel: true,
  generate(seed, gen) {
    return gen === 'sweep' ? genSweep(seed) : genMix(seed);
  },
  async setup(http) {
    return { http, servers: new Map() };
  },
  async observe(ctx, input) {
    const srv = await getServer(ctx, input.config);
    const r = await rawExchange(srv.port, input.pieces, input.gaps,
      { idleMs: input.idleMs || 200, end: input.end });
    // the server side sees the close (the client's or its own)
    const c = srv.conns.get(r.localPort);
    if (c) await bounded(c.closedP, 500);
    srv.conns.delete(r.localPort);
    return {
      response: r.response,
      closed: r.closed,
      events: c ? c.events : null,
      details: c ? c.details : null,
    };
  },
  async teardown(ctx) {
    for (const s of ctx.servers.values()) await closeServer(s.server);
    ctx.servers.clear();
  },
  describe(input) {
    return `family=${input.family} config=${input.config} delivery=${input.mode}` +
      (input.end ? '+FIN' : '');
  },
  CONFIGS,
};
