'use strict';
// Target "client": raw response bytes -> http.request().
//
// A raw net server on 127.0.0.1 answers the request under test with the
// case's bytes (in pieces, with delays), then ends, resets, destroys or
// keeps the connection. The request goes through a keep-alive Agent
// (maxSockets 1), `agent: false`, or a keep-alive Agent whose socket first
// served a valid response ("reuse"). Observed: the request's and the
// response's events in order ('socket', 'information', 'response' with
// status/headers/rawHeaders, data, 'end' with trailers, errors with code,
// reason, bytesParsed and rawPacket, 'close'), the request's state at the
// end, the agent's pool counts, and what the server saw (requests per
// connection, the client's FIN, errors).
//
// Generators (--gen):
//   mix        (default) seed % 4 picks malformed / valid / trailer / grid
//   malformed  malformed-heavy families (old GEN=1)
//   valid      mostly valid responses with rich semantics (old GEN=2)
//   trailer    chunked responses with odd and many trailers
//   grid       a deterministic grid of keep-alive cases (seed = index)

const net = require('node:net');
const { Rng, TOKEN_CHARS: TOKCH, sleep, until, listen, errInfo } = require('./lib');

const HOST = '127.0.0.1';

function poolView(agent) {
  if (!agent || typeof agent !== 'object') return null;
  const count = (o) => Object.values(o).reduce((n, l) => n + l.length, 0);
  return {
    sockets: count(agent.sockets), free: count(agent.freeSockets),
    requests: count(agent.requests), total: agent.totalSocketCount,
  };
}

// Case: { method: 'GET'|'HEAD'|'POST', mode: 'ka'|'noagent'|'reuse',
//   first: valid answer to request #0 (reuse), firstEof: end after it,
//   pieces: [latin1 string | ms delay], close: 'end'|'destroy'|'keep'|'reset',
//   closeDelay: ms, insecure: bool, maxHeadersCount, T1: ms }
async function observe(http, c) {
  const log = [];
  const srvLog = [];
  const push = (e) => log.push(e);
  const conns = [];
  let reqIndex = 0;
  const fuzzIndex = c.mode === 'reuse' ? 1 : 0;
  const server = net.createServer();
  const sockets = new Set();

  async function serve(st, i) {
    const s = st.sock;
    const w = (p) => {
      if (!s.destroyed) s.write(Buffer.from(p, 'latin1'));
    };
    if (i < fuzzIndex) {
      w(c.first);
      if (c.firstEof) s.end();
      return;
    }
    if (i > fuzzIndex) return; // extra requests: no answer
    for (const p of c.pieces) {
      if (typeof p === 'number') await sleep(p);
      else w(p);
    }
    if (c.closeDelay) await sleep(c.closeDelay);
    if (c.close === 'end') s.end();
    else if (c.close === 'destroy') s.destroy();
    else if (c.close === 'reset') s.resetAndDestroy();
  }

  server.on('connection', (sock) => {
    const ci = conns.length;
    const st = { sock, buf: '', served: 0, closed: false, ended: false };
    conns.push(st);
    sockets.add(sock);
    sock.on('error', (e) => {
      st.err = e.code;
    });
    sock.on('end', () => {
      st.ended = true;
    });
    sock.on('close', () => {
      st.closed = true;
      sockets.delete(sock);
    });
    sock.on('data', (d) => {
      st.buf += d.toString('latin1');
      const heads = st.buf.split('\r\n\r\n').length - 1;
      while (st.served < heads) {
        st.served++;
        const i = reqIndex++;
        srvLog.push(['srv:request', i, 'conn', ci]);
        serve(st, i);
      }
    });
  });
  await listen(server);
  const port = server.address().port;
  const agent = c.mode === 'noagent' ? false : new http.Agent({ keepAlive: true, maxSockets: 1 });

  function doRequest(label, method) {
    const rl = label + '.res';
    const st = { reqClosed: false, res: null, resClosed: false };
    const ro = { host: HOST, port, method, path: '/p', agent };
    if (c.insecure) ro.insecureHTTPParser = true;
    const req = http.request(ro);
    if (c.maxHeadersCount !== undefined) req.maxHeadersCount = c.maxHeadersCount;
    st.req = req;
    for (const ev of ['socket', 'continue', 'timeout', 'abort', 'finish', 'close']) {
      req.on(ev, () => {
        if (ev === 'close') st.reqClosed = true;
        push(`${label}:${ev}`);
      });
    }
    req.on('information', (info) => push([`${label}:information`, {
      statusCode: info.statusCode, statusMessage: info.statusMessage,
      httpVersion: info.httpVersion, rawHeaders: info.rawHeaders, headers: info.headers,
    }]));
    req.on('error', (e) => push([`${label}:error`, errInfo(e)]));
    req.on('response', (r) => {
      st.res = r;
      push([`${label}:response`, {
        statusCode: r.statusCode, statusMessage: r.statusMessage, httpVersion: r.httpVersion,
        rawHeaders: r.rawHeaders.slice(), headers: JSON.stringify(r.headers),
        headersDistinct: JSON.stringify(r.headersDistinct), complete: r.complete,
        upgrade: r.upgrade, shouldKeepAlive: req.shouldKeepAlive,
      }]);
      r.on('end', () => push([`${rl}:end`, {
        complete: r.complete, trailers: JSON.stringify(r.trailers),
        trailersDistinct: JSON.stringify(r.trailersDistinct), rawTrailers: r.rawTrailers.slice(),
      }]));
      r.on('aborted', () => push(`${rl}:aborted`));
      r.on('error', (e) => push([`${rl}:error`, errInfo(e)]));
      r.on('close', () => {
        st.resClosed = true;
        push([`${rl}:close`, { complete: r.complete }]);
      });
      r.on('data', (d) => {
        const s = d.toString('latin1');
        const last = log[log.length - 1];
        if (Array.isArray(last) && last[0] === `${rl}:data`) last[1] += s;
        else push([`${rl}:data`, s]);
      });
    });
    if (method === 'POST') req.end('hello');
    else req.end();
    return st;
  }
  const settled = (st) => st.reqClosed && (!st.res || st.resClosed);
  async function finishReq(st, label) {
    let ok = await until(() => settled(st), c.T1 || 300);
    if (!ok && label === 'B') {
      // the response did not settle with the connection kept open: send FIN
      push('srv:fin');
      for (const cs of conns) if (!cs.sock.destroyed) cs.sock.end();
      ok = await until(() => settled(st), 1000);
    }
    if (!ok) {
      push(`${label}:harness-timeout`);
      st.req.destroy();
      await until(() => settled(st), 500);
    }
    await sleep(25);
    push([`${label}:state`, {
      reusedSocket: st.req.reusedSocket, destroyed: st.req.destroyed,
      resComplete: st.res ? st.res.complete : null, resAborted: st.res ? st.res.aborted : null,
      pool: poolView(agent),
    }]);
  }
  try {
    if (c.mode === 'reuse') await finishReq(doRequest('A', 'GET'), 'A');
    await finishReq(doRequest('B', c.method), 'B');
    const killed = c.close === 'destroy' || c.close === 'reset';
    push(['srv', srvLog, conns.map((x) => (killed ? { closed: x.closed } :
      { clientEnded: x.ended, closed: x.closed, err: x.err }))]);
  } catch (e) {
    push(['harness-exception', String(e && e.stack)]);
  } finally {
    for (const s of sockets) s.destroy();
    if (agent) agent.destroy();
    await new Promise((resolve) => server.close(() => resolve()));
  }
  return log;
}

// ---------------------------------------------------------------------------
// Generators. (Draw for draw as the old /tmp/fuzz-client gen.js, grid.js and
// gen-trailer.js.)

const CTLS = [];
for (let i = 0; i < 0x20; i++) CTLS.push(String.fromCharCode(i));
CTLS.push('\x7f');
const HIGH = ['\x80', '\x85', '\xa0', '\xc3', '\xe9', '\xff', '\xfe'];
const SEPS = ['(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}',
  ' ', '\t'];
const INTERESTING = ['\r', '\n', '\r\n', ':', ' ', '\t', '\x00', '\x7f', '\x80', '\xff', '0', '1',
  '9', 'a', 'f', ';', '"', ',', '=', '-', '+', '\r\n\r\n', '\r\n ', 'HTTP/1.1 ', 'chunked',
  'Content-Length: ', 'Transfer-Encoding: chunked\r\n'];

function randStr(R, len, alphabet) {
  let s = '';
  for (let i = 0; i < len; i++) s += alphabet[R.int(alphabet.length)];
  return s;
}

function oddChar(R) {
  return R.wpick([[3, () => R.pick(CTLS)], [3, () => R.pick(HIGH)], [2, () => R.pick(SEPS)],
    [1, () => String.fromCharCode(R.int(256))]])();
}

const token = (R, n) => randStr(R, n || R.range(1, 8), TOKCH);

function insertOdd(R, t) {
  const i = R.int(t.length + 1);
  return t.slice(0, i) + oddChar(R) + t.slice(i);
}

function headerName(R) {
  return R.wpick([
    [10, () => R.pick(['X-A', 'X-B', 'Content-Type', 'Set-Cookie', 'Cache-Control', 'Server',
      'Date', 'Location', 'Link', 'Vary', 'ETag', 'Age', 'Via', 'Expires', 'Last-Modified',
      'Content-Encoding', 'Content-Disposition', 'Proxy-Authenticate', 'WWW-Authenticate',
      'Retry-After', 'From', 'Host', 'User-Agent', 'Referer', 'Cookie', 'Authorization',
      'If-Modified-Since', 'Max-Forwards', 'Accept', 'Trailer', 'Upgrade', 'Keep-Alive',
      'Proxy-Connection', 'TE'])],
    [4, () => token(R)],
    [2, () => R.pick(['x-a', 'X-A', 'SET-COOKIE', 'set-cookie', 'content-type', 'CONTENT-TYPE'])],
    [3, () => insertOdd(R, token(R, R.range(1, 6)))],
    [1, () => ''],
    [1, () => token(R) + R.pick([' ', '\t'])],
    [1, () => R.pick([' ', '\t']) + token(R)],
  ])();
}

function headerValue(R) {
  return R.wpick([
    [8, () => randStr(R, R.range(0, 12), TOKCH + ' ,;=/')],
    [4, () => {
      let s = randStr(R, R.range(0, 8), TOKCH);
      const k = R.range(1, 3);
      for (let i = 0; i < k; i++) s = insertOdd(R, s);
      return s;
    }],
    [2, () => R.pick([' ', '\t', '  ']) + token(R) + R.pick([' ', '\t', '  ', ''])],
    [1, () => token(R) + '\r\n ' + token(R)], // obs-fold
    [1, () => token(R) + '\r\n\t' + token(R)],
    [1, () => ''],
    [1, () => randStr(R, R.range(1, 10), HIGH)],
  ])();
}

function headerLine(R, name, value) {
  const sep = R.wpick([[20, ': '], [3, ':'], [1, ' : '], [1, ':\t'], [1, ':  '], [1, ': \t'],
    [1, '']]);
  const eol = R.wpick([[30, '\r\n'], [2, '\n'], [1, '\r']]);
  return name + sep + value + eol;
}

function statusLine(R, code) {
  const ver = R.wpick([[30, 'HTTP/1.1'], [8, 'HTTP/1.0'], [1, 'HTTP/1.2'], [1, 'HTTP/2.0'],
    [1, 'HTTP/0.9'], [1, 'http/1.1'], [1, 'HTTP/1.'], [1, 'HTTP/01.1'], [1, 'HTTP/1.1 '],
    [1, 'HTTP/9.9'], [1, 'HTTPS/1.1'], [1, 'HTTP/1.1\t']]);
  const sp1 = R.wpick([[30, ' '], [2, '  '], [1, '\t'], [1, '']]);
  let codeStr = String(code);
  if (R.chance(0.08)) {
    codeStr = R.pick(['0' + code, String(code).slice(0, 2), code + '0', '-1', '', ' ' + code,
      code + 'x', '2x0', String(code).padStart(3, '0')]);
  }
  const reason = R.wpick([
    [10, () => R.pick(['OK', 'Not Found', 'Continue', 'Early Hints', 'Processing', 'No Content',
      'Not Modified', 'Whatever'])],
    [3, () => ''],
    [3, () => randStr(R, R.range(1, 10), TOKCH + ' \t')],
    [3, () => insertOdd(R, token(R))],
  ])();
  const sp2 = reason === '' ? R.wpick([[3, ''], [2, ' '], [1, '  ']]) :
    R.wpick([[30, ' '], [1, '  '], [1, '\t'], [1, '']]);
  const eol = R.wpick([[30, '\r\n'], [2, '\n'], [1, '\r']]);
  return ver + sp1 + codeStr + sp2 + reason + eol;
}

function chunkedBody(R) {
  let s = '';
  const n = R.range(0, 4);
  const hex = (k) => R.wpick([[10, () => k.toString(16)], [2, () => k.toString(16).toUpperCase()],
    [1, () => '00' + k.toString(16)], [1, () => k.toString(16) + ' '],
    [1, () => ' ' + k.toString(16)], [1, () => k.toString(16) + '\t'],
    [1, () => '0x' + k.toString(16)], [1, () => '-' + k.toString(16)],
    [1, () => 'ffffffffffffffffff']])();
  const ext = () => R.wpick([[10, ''], [2, ';a=b'], [1, ';a'], [1, ';a="b;c"'], [1, '; a=b'],
    [1, ';a=b ;c=d'], [1, ';'], [1, ';a=' + oddChar(R)], [1, ';"x"'], [1, ';a="\\"q"']]);
  const crlf = () => R.wpick([[30, '\r\n'], [2, '\n'], [1, '\r'], [1, ''], [1, ' \r\n']]);
  for (let i = 0; i < n; i++) {
    const k = R.range(1, 20);
    let data = randStr(R, k, TOKCH);
    if (R.chance(0.06)) data = R.chance(0.5) ? data + 'Z' : data.slice(1);
    s += hex(k) + ext() + crlf() + data + crlf();
  }
  s += R.wpick([[10, '0'], [1, '000'], [1, '0 '], [1, '00']]) + ext() + crlf();
  const nt = R.wpick([[6, 0], [2, 1], [1, 2], [1, 3]]);
  for (let i = 0; i < nt; i++) s += headerLine(R, headerName(R), headerValue(R));
  if (R.chance(0.93)) s += crlf();
  return s;
}

function framing(R, bodyLen) {
  const body = randStr(R, bodyLen, TOKCH);
  const clv = (n) => R.wpick([[20, String(n)], [1, '+' + n], [1, n + ' '], [1, ' ' + n],
    [1, '0' + n], [1, n + ', ' + n], [1, n + ',' + (n + 1)], [1, '0x' + n], [1, 'abc'], [1, ''],
    [1, '99999999999999999999'], [1, '-' + n], [1, n + '\t'], [1, n + '.0']]);
  const te = () => R.wpick([[20, 'chunked'], [1, 'CHUNKED'], [1, 'Chunked'], [1, 'gzip, chunked'],
    [1, 'chunked, gzip'], [1, 'identity'], [1, 'gzip'], [1, 'chunked '], [1, ' chunked'],
    [1, 'chunked,'], [1, 'chunked;q=1'], [1, 'chunkedx'], [1, 'identity, chunked'],
    [1, 'chunked, chunked']]);
  return R.wpick([
    [10, () => ({ headers: [['Content-Length', clv(bodyLen)]], body })],
    [2, () => {
      const k = R.range(0, bodyLen + 5);
      return { headers: [['Content-Length', clv(k)]], body };
    }],
    [1, () => ({ headers: [['Content-Length', String(bodyLen)],
      ['Content-Length', R.chance(0.5) ? String(bodyLen) : clv(bodyLen + 1)]], body })],
    [10, () => ({ headers: [['Transfer-Encoding', te()]], body: chunkedBody(R) })],
    [2, () => ({ headers: [['Transfer-Encoding', R.pick(['gzip', 'chunked'])],
      ['Transfer-Encoding', te()]], body: chunkedBody(R) })],
    [3, () => ({
      headers: R.chance(0.5) ? [['Content-Length', clv(bodyLen)], ['Transfer-Encoding', te()]] :
        [['Transfer-Encoding', te()], ['Content-Length', clv(bodyLen)]],
      body: R.chance(0.5) ? chunkedBody(R) : body,
    })],
    [4, () => ({ headers: [], body })], // close-delimited (or none)
  ])();
}

function fullResponse(R, code) {
  let s = statusLine(R, code);
  const fr = framing(R, R.range(0, 16));
  const hs = [];
  const nh = R.wpick([[4, 0], [4, 1], [3, 2], [2, 3], [1, 5]]);
  for (let i = 0; i < nh; i++) hs.push([headerName(R), headerValue(R)]);
  for (const h of fr.headers) hs.splice(R.int(hs.length + 1), 0, h);
  if (R.chance(0.25)) {
    hs.splice(R.int(hs.length + 1), 0, ['Connection', R.pick(['close', 'keep-alive', 'Close',
      'upgrade', 'keep-alive, close', 'foo', 'close, keep-alive', 'TE'])]);
  }
  if (R.chance(0.05)) hs.push(['Keep-Alive', R.pick(['timeout=1', 'timeout=5, max=2', 'max=0'])]);
  if (R.chance(0.08)) hs.push(['Trailer', R.pick(['X-T', 'Content-Length', 'x-t, y'])]);
  for (const [n, v] of hs) s += headerLine(R, n, v);
  s += R.wpick([[30, '\r\n'], [2, '\n'], [1, '\r']]);
  return s + fr.body;
}

function info1xx(R) {
  const code = R.wpick([[5, 100], [3, 103], [3, 102], [1, 199], [1, 101], [1, 110]]);
  let s = statusLine(R, code);
  const nh = R.wpick([[3, 0], [3, 1], [1, 2]]);
  for (let i = 0; i < nh; i++) {
    const n = code === 103 && R.chance(0.6) ? 'Link' : headerName(R);
    const v = n === 'Link' ?
      R.pick(['</a.css>; rel=preload', '</b.js>; rel=preload; as=script', headerValue(R)]) :
      headerValue(R);
    s += headerLine(R, n, v);
  }
  if (R.chance(0.08)) s += 'Content-Length: ' + R.range(0, 3) + '\r\n';
  if (R.chance(0.05)) s += 'Transfer-Encoding: chunked\r\n';
  s += '\r\n';
  if (R.chance(0.05)) s += 'xyz';
  return s;
}

function mutate(R, s) {
  const k = R.range(1, 3);
  for (let i = 0; i < k; i++) {
    const pos = R.int(s.length + 1);
    s = R.wpick([
      [3, () => s.slice(0, pos) + R.pick(INTERESTING) + s.slice(pos + 1)],
      [3, () => s.slice(0, pos) + R.pick(INTERESTING) + s.slice(pos)],
      [2, () => s.slice(0, pos) + s.slice(pos + R.range(1, 3))],
      [1, () => s.slice(0, pos) + oddChar(R) + s.slice(pos + 1)],
      [1, () => {
        const l = R.range(1, 10);
        return s.slice(0, pos) + s.slice(pos, pos + l) + s.slice(pos);
      }],
    ])();
  }
  return s;
}

// Cuts `s` at `n` random points into [piece, delay, piece, ...].
function cutInto(R, s, n, delays) {
  const cuts = new Set();
  for (let i = 0; i < n; i++) cuts.add(R.range(1, Math.max(1, s.length - 1)));
  const out = [];
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    out.push(s.slice(prev, c), R.pick(delays));
    prev = c;
  }
  out.push(s.slice(prev));
  return out;
}

function split(R, s) {
  if (s.length < 2) return [s];
  const kind = R.wpick([[12, 'none'], [6, 'few'], [1, 'bytes']]);
  if (kind === 'none') return [s];
  if (kind === 'bytes' && s.length <= 80) {
    const out = [];
    for (const ch of s) out.push(ch, R.pick([1, 2]));
    out.pop();
    return out;
  }
  return cutInto(R, s, R.range(1, 4), [5, 10, 15]);
}

const FIRST = ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  'HTTP/1.1 204 No Content\r\n\r\n'];

function genMalformed(seed) {
  const R = new Rng(seed);
  const family = R.wpick([
    [6, 'plain'], [3, 'status'], [3, 'headers'], [3, 'framing'], [3, 'chunked'], [3, 'info'],
    [2, 'head'], [2, 'nobody'], [2, 'truncate'], [2, 'extra'], [3, 'reuse'], [3, 'mutate'],
  ]);
  let code = R.wpick([[20, 200], [2, 201], [2, 204], [2, 304], [1, 205], [2, 404], [1, 500],
    [1, 302], [1, 999], [1, 600], [1, 99], [1, 0], [1, 1000], [1, 206], [1, 101], [1, 100]]);
  if (family === 'nobody') code = R.pick([204, 304, 205, 100, 101]);
  let method = R.wpick([[6, 'GET'], [2, 'HEAD'], [2, 'POST']]);
  if (family === 'head') method = 'HEAD';
  const mode = family === 'reuse' ? 'reuse' : R.wpick([[6, 'ka'], [3, 'noagent'], [1, 'reuse']]);
  let s = '';
  if (family === 'info' || R.chance(0.1)) {
    const k = R.range(1, 3);
    for (let i = 0; i < k; i++) s += info1xx(R);
  }
  s += fullResponse(R, code);
  if (family === 'extra' || R.chance(0.08)) {
    s += R.wpick([[3, () => fullResponse(R, 200)], [2, () => 'GARBAGE\r\n\r\n'], [1, () => '\r\n'],
      [1, () => randStr(R, R.range(1, 6), TOKCH)],
      [1, () => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']])();
  }
  if (family === 'mutate' || R.chance(0.12)) s = mutate(R, s);
  if (family === 'truncate' || R.chance(0.05)) s = s.slice(0, R.range(0, s.length));
  let close = R.wpick([[6, 'end'], [3, 'keep'], [1, 'destroy'], [1, 'reset']]);
  if (family === 'truncate') close = R.wpick([[4, 'end'], [1, 'destroy'], [1, 'keep']]);
  const closeDelay = close === 'reset' ? 30 : R.pick([0, 0, 20]);
  const pieces = split(R, s);
  const insecure = R.chance(0.06);
  const c = { seed, family, method, mode, pieces, close, closeDelay, insecure };
  if (mode === 'reuse') c.first = R.pick(FIRST);
  return c;
}

const SPECIAL = ['age', 'authorization', 'content-length', 'content-type', 'etag', 'expires',
  'from', 'host', 'if-modified-since', 'if-unmodified-since', 'last-modified', 'location',
  'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
  'set-cookie', 'cookie', 'x-a', 'x-b', 'vary', 'link', 'www-authenticate', 'proxy-authenticate',
  'content-encoding', 'content-disposition', 'accept', 'via', '__proto__', 'constructor',
  'hasOwnProperty', 'toString'];
const OBS = ['\xe9', '\x80', '\xff', '\xa0'];

function caseVary(R, n) {
  return R.wpick([[4, () => n],
    [2, () => n.replace(/(^|-)([a-z_])/g, (m, a, b) => a + b.toUpperCase())],
    [1, () => n.toUpperCase()],
    [1, () => n.split('').map((ch) => (R.chance(0.5) ? ch.toUpperCase() : ch)).join('')]])();
}

function validValue(R) {
  return R.wpick([
    [6, () => randStr(R, R.range(1, 10), TOKCH + ' ,;=/')],
    [2, () => R.pick([' ', '\t', '  ', ' \t']) + token(R) + R.pick([' ', '\t', '  ', ''])],
    [2, () => token(R) + R.pick(OBS) + token(R)],
    [1, () => token(R) + '\t' + token(R)],
    [1, () => ''],
    [1, () => ' '],
    [1, () => R.pick(['a=1; Path=/', 'b=2', 'text/html', 'text/plain; charset=utf-8', 'W/"x"',
      'gzip', '0', '5', 'Mon, 01 Jan 2024 00:00:00 GMT'])],
  ])();
}

function validHeaders(R, k) {
  const hs = [];
  for (let i = 0; i < k; i++) {
    const n = caseVary(R, R.pick(SPECIAL.filter((x) => x !== 'content-length')));
    const reps = R.wpick([[5, 1], [3, 2], [1, 3]]);
    for (let j = 0; j < reps; j++) hs.push([n, validValue(R)]);
  }
  return hs;
}

function validChunked(R, withTrailers) {
  let s = '';
  const n = R.range(0, 5);
  for (let i = 0; i < n; i++) {
    const k = R.wpick([[6, () => R.range(1, 20)], [1, () => R.range(100, 3000)]])();
    const d = randStr(R, k, TOKCH);
    const hex = R.chance(0.8) ? k.toString(16) : k.toString(16).toUpperCase();
    const ext = R.wpick([[8, ''], [1, ';a=b'], [1, ';a'], [1, ';a="b c"'], [1, ';a=b;c=d']]);
    s += hex + ext + '\r\n' + d + '\r\n';
  }
  s += '0' + R.wpick([[8, ''], [1, ';x=y']]) + '\r\n';
  if (withTrailers) {
    const k = R.range(1, 3);
    for (let i = 0; i < k; i++) {
      s += caseVary(R, R.pick(['x-t', 'x-u', 'set-cookie', 'content-type', 'etag', 'server-timing',
        'cookie'])) + ':' + R.pick([' ', '', '  ', '\t']) + validValue(R) + '\r\n';
    }
  }
  return s + '\r\n';
}

function validResponse(R, code, noBody) {
  const ver = R.wpick([[6, '1.1'], [2, '1.0']]);
  const reason = R.wpick([[6, () => R.pick(['OK', 'Created', 'Not Found', 'X'])], [2, () => ''],
    [1, () => 'Caf' + R.pick(OBS) + '\t ok'], [1, () => 'a  b ']])();
  let s = `HTTP/${ver} ${code}${reason === '' && R.chance(0.5) ? '' : ' '}${reason}\r\n`;
  const hs = validHeaders(R, R.range(0, 4));
  const bodyKind = R.wpick([[5, 'cl'], [5, 'chunked'], [2, 'close'], [1, 'none']]);
  const blen = R.wpick([[6, () => R.range(0, 20)], [1, () => R.range(1000, 70000)]])();
  let body = '';
  if (bodyKind === 'cl') {
    body = randStr(R, blen, TOKCH);
    hs.splice(R.int(hs.length + 1), 0, [caseVary(R, 'content-length'), String(body.length)]);
  }
  if (bodyKind === 'chunked') {
    body = validChunked(R, R.chance(0.4));
    hs.splice(R.int(hs.length + 1), 0, [caseVary(R, 'transfer-encoding'),
      R.pick(['chunked', 'chunked', 'gzip, chunked', 'Chunked'])]);
  }
  if (bodyKind === 'close') body = randStr(R, blen, TOKCH);
  if (R.chance(0.4)) {
    hs.splice(R.int(hs.length + 1), 0, [caseVary(R, 'connection'), R.pick(['close', 'keep-alive',
      'Keep-Alive', 'upgrade', 'close, x', 'x, close', 'te', ' keep-alive ', ''])]);
  }
  if (R.chance(0.2)) {
    hs.push([caseVary(R, 'keep-alive'), R.pick(['timeout=1', 'timeout=2', 'timeout=5',
      'timeout=0', 'max=1', 'timeout=5, max=100', 'timeout=abc'])]);
  }
  if (R.chance(0.1)) hs.push(['Proxy-Connection', R.pick(['keep-alive', 'close'])]);
  if (R.chance(0.08)) hs.push(['Upgrade', 'websocket']);
  for (const [n, v] of hs) s += n + ':' + R.wpick([[6, ' '], [1, ''], [1, '\t'], [1, '  ']]) + v + '\r\n';
  if (noBody && bodyKind !== 'chunked') body = '';
  if (noBody && bodyKind === 'chunked' && R.chance(0.8)) body = '';
  return { text: s + '\r\n' + body, bodyKind };
}

function validInfo(R) {
  const code = R.pick([100, 102, 103, 103, 199]);
  let s = `HTTP/1.1 ${code} ${R.pick(['Continue', 'Processing', 'Early Hints', '', 'X'])}\r\n`;
  const k = R.range(0, 3);
  for (let i = 0; i < k; i++) {
    s += R.pick(['Link', 'link', 'X-A', 'Set-Cookie', 'x-a']) + ': ' +
      R.pick(['</a.css>; rel=preload', '</b.js>; rel=preload; as=script', validValue(R)]) + '\r\n';
  }
  return s + '\r\n';
}

function genValid(seed) {
  const R = new Rng(seed);
  const family = R.wpick([[5, 'valid'], [3, 'valid-info'], [4, 'valid-reuse'], [2, 'valid-head'],
    [2, 'valid-split'], [2, 'valid-trunc'], [1, 'valid-mutate'], [2, 'valid-extra']]);
  const code = R.wpick([[20, 200], [2, 201], [2, 204], [2, 304], [1, 205], [2, 404], [1, 500],
    [1, 302], [1, 999], [1, 206], [1, 599], [1, 100 + R.int(900)]]);
  const method = family === 'valid-head' ? 'HEAD' : R.wpick([[6, 'GET'], [2, 'HEAD'], [2, 'POST']]);
  const mode = family === 'valid-reuse' ? 'reuse' :
    R.wpick([[6, 'ka'], [3, 'noagent'], [1, 'reuse']]);
  let s = '';
  if (family === 'valid-info' || R.chance(0.08)) {
    const k = R.range(1, 3);
    for (let i = 0; i < k; i++) s += validInfo(R);
  }
  const noBody = (method === 'HEAD' || code === 204 || code === 304 || code < 200) &&
    R.chance(0.85);
  const vr = validResponse(R, code, noBody);
  s += vr.text;
  let extraAt = null;
  if (family === 'valid-extra' && R.chance(0.5)) extraAt = s.length;
  if (family === 'valid-extra') {
    s += R.pick(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'x', '\r\n',
      'HTTP/1.1 200 OK\r\n\r\n', 'HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n']);
  }
  if (family === 'valid-mutate') s = mutate(R, s);
  if (family === 'valid-trunc') s = s.slice(0, R.range(0, s.length));
  let close = R.wpick([[5, 'end'], [5, 'keep'], [1, 'destroy']]);
  if (vr.bodyKind === 'close' && close === 'keep' && R.chance(0.7)) close = 'end';
  const closeDelay = R.pick([0, 0, 20]);
  let pieces;
  if (family === 'valid-split') pieces = cutInto(R, s, R.range(1, 5), [5, 10, 20]);
  else if (extraAt !== null) pieces = [s.slice(0, extraAt), R.pick([10, 30, 60]), s.slice(extraAt)];
  else pieces = split(R, s);
  const c = { seed, family, method, mode, pieces, close, closeDelay, insecure: R.chance(0.05) };
  if (mode === 'reuse') {
    // the first response is a generated one too, half of the time
    c.first = R.chance(0.5) ? validResponse(R, R.pick([200, 200, 204, 304, 404])).text :
      R.pick(FIRST);
  }
  return c;
}

const TRAILER_ODD = ['\x00', '\x01', '\x08', '\x0b', '\x0c', '\x1f', '\x7f', '\x80', '\xff', '\t',
  ' ', ':', '"', '(', '@', ';'];

function genTrailer(seed) {
  const R = new Rng(seed * 7919 + 13);
  const rs = (n, a) => randStr(R, n, a);
  let s = `HTTP/1.${R.pick(['1', '1', '0'])} 200 OK\r\nTransfer-Encoding: chunked\r\n`;
  if (R.chance(0.3)) s += `Trailer: ${R.pick(['X-T', 'Content-Length', 'X-T, X-U'])}\r\n`;
  if (R.chance(0.2)) s += `Connection: ${R.pick(['close', 'keep-alive'])}\r\n`;
  s += '\r\n';
  const nc = R.range(0, 3);
  for (let i = 0; i < nc; i++) {
    const k = R.range(1, 10);
    s += k.toString(16) + '\r\n' + rs(k, TOKCH) + '\r\n';
  }
  s += '0' + R.pick(['', '', ';e=1']) + '\r\n';
  const nt = R.wpick([[3, 0], [5, 1], [4, 2], [2, 5], [1, 40], [1, R.range(28, 70)]]);
  const mhc = R.chance(0.15) ? R.pick([1, 2, 5, 10, 33, 64]) : undefined;
  for (let i = 0; i < nt; i++) {
    const name = R.wpick([
      [5, () => R.pick(['X-T', 'x-t', 'X-U', 'Set-Cookie', 'set-cookie', 'Content-Length',
        'Transfer-Encoding', 'Content-Type', 'Cookie', 'Server-Timing', 'Connection', 'Host',
        '__proto__', 'ETag'])],
      [2, () => rs(R.range(1, 6), TOKCH)],
      [1, () => rs(R.range(1, 3), TOKCH) + R.pick(TRAILER_ODD) + rs(R.range(0, 3), TOKCH)],
      [1, () => '']])();
    const value = R.wpick([
      [5, () => rs(R.range(0, 8), TOKCH + ' ,;=')],
      [2, () => R.pick([' ', '\t', '']) + rs(R.range(1, 5), TOKCH) + R.pick([' ', '\t', '', '  '])],
      [1, () => rs(2, TOKCH) + R.pick(TRAILER_ODD) + rs(2, TOKCH)],
      [1, () => rs(2, TOKCH) + '\r\n ' + rs(2, TOKCH)]])();
    const sep = R.wpick([[8, ': '], [2, ':'], [1, ' :'], [1, ':\t']]);
    s += name + sep + value + R.wpick([[12, '\r\n'], [1, '\n']]);
  }
  s += R.wpick([[12, '\r\n'], [1, '\n'], [1, ''],
    [1, '\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']]);
  let pieces = [s];
  if (R.chance(0.4)) {
    const cuts = [...new Set(Array.from({ length: R.range(1, 4) },
      () => R.range(1, s.length - 1)))].sort((a, b) => a - b);
    pieces = [];
    let prev = 0;
    for (const c of cuts) {
      pieces.push(s.slice(prev, c), R.pick([5, 10, 20]));
      prev = c;
    }
    pieces.push(s.slice(prev));
  }
  return {
    seed, family: 'trailer', method: R.pick(['GET', 'GET', 'POST']),
    mode: R.pick(['ka', 'ka', 'noagent', 'reuse']), first: FIRST[0], pieces,
    close: R.pick(['end', 'keep', 'keep']), closeDelay: 0, insecure: R.chance(0.2),
    maxHeadersCount: mhc,
  };
}

// Keep-alive semantics: the first response varies, the second is fixed.
const GRID = [];
for (const v of ['1.0', '1.1']) {
  for (const c of [null, 'close', 'keep-alive', 'Keep-Alive', 'CLOSE', 'close, keep-alive',
    'keep-alive, close', 'keep-alive,close', 'x,close', 'closex', ' close', 'close ', 'upgrade',
    'keep-alive, upgrade', 'te, close', 'close\t', '']) {
    for (const f of ['cl', 'chunked', 'eof', '204']) {
      for (const ka of [null, 'timeout=1', 'timeout=2']) {
        let s = `HTTP/${v} ${f === '204' ? '204 No Content' : '200 OK'}\r\n`;
        if (c !== null) s += `Connection: ${c}\r\n`;
        if (ka !== null) s += `Keep-Alive: ${ka}\r\n`;
        if (f === 'cl') s += 'Content-Length: 2\r\n\r\nok';
        else if (f === 'chunked') s += 'Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';
        else if (f === 'eof') s += '\r\nok';
        else s += '\r\n';
        GRID.push(s);
      }
    }
  }
}

function genGrid(i) {
  const s = GRID[i % GRID.length];
  const variant = Math.floor(i / GRID.length) % 3;
  const base = { seed: i, method: 'GET', close: 'keep', closeDelay: 0, insecure: false };
  if (variant === 0) {
    // this is the first response of a reused socket
    return { ...base, family: 'grid-reuse', mode: 'reuse', first: s,
      pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nsec'],
      firstEof: s.includes('\r\n\r\nok') && !/Content-Length|chunked/.test(s) };
  }
  if (variant === 1) return { ...base, family: 'grid-single', mode: 'ka', pieces: [s] };
  return { ...base, family: 'grid-single-head', method: 'HEAD', mode: 'ka',
    pieces: [s.replace(/\r\n\r\n[\s\S]*$/, '\r\n\r\n')] };
}

const GENS = { malformed: genMalformed, valid: genValid, trailer: genTrailer, grid: genGrid };
const MIX = ['malformed', 'valid', 'trailer', 'grid'];

function pieceBytes(input) {
  return input.pieces.filter((p) => typeof p === 'string').join('');
}

module.exports = {
  name: 'client',
  gens: ['mix', ...MIX],
  parallel: false,
  generate(seed, gen) {
    const name = !gen || gen === 'mix' ? MIX[seed % MIX.length] : gen;
    return { gen: name, ...GENS[name](seed) };
  },
  async setup(http) {
    return { http };
  },
  observe(ctx, input) {
    return observe(ctx.http, input);
  },
  async teardown() {},
  describe(input) {
    return `gen=${input.gen} family=${input.family} ${input.method} agent=${input.mode} ` +
      `close=${input.close} bytes=${pieceBytes(input).length}` +
      (input.insecure ? ' insecure' : '');
  },
  pieceBytes,
};
