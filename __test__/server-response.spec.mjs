// Differential tests for http.ServerResponse: header API, writeHead, body
// framing (Content-Length / chunked / close-delimited), streaming and
// back-pressure, trailers and informational responses, misuse errors, and
// the exact bytes a raw client receives. Each scenario runs against
// node:http and rhttp; the recordings must match.

import test from 'ava';
import { createRequire } from 'node:module';
import {
  same, delay, attempt, describeError, get, withTimeout, normalize,
} from './helpers/diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');
const { Writable } = require('node:stream');

async function serve(ctx, optsOrHandler, handler) {
  const server = handler === undefined ? ctx.server(optsOrHandler) : ctx.server(optsOrHandler, handler);
  const port = await ctx.listen(server);
  return { server, port };
}

/** Runs `handler(req, res, http, ctx)` in a guard so a throw is recorded
 * rather than crashing the worker. */
function guarded(ctx, fn) {
  return (req, res) => {
    try {
      fn(req, res);
    } catch (err) {
      ctx.push({ handlerThrew: describeError(err) });
      try { res.end(); } catch { res.destroy(); }
    }
  };
}

/** Serves one handler per URL path; returns `{ [path]: raw snapshot }` for
 * one request per path, each on its own connection. */
async function perPath(ctx, handlers, { request = (p) => get(p, { Connection: 'close' }), opts = {}, rawOpts } = {}) {
  const { port } = await serve(ctx, opts, guarded(ctx, (req, res) => handlers[req.url](req, res)));
  const out = {};
  for (const p of Object.keys(handlers)) out[p] = await ctx.raw(port, request(p), rawOpts);
  return out;
}

// ---------------------------------------------------------------------------
// Header API

test('setHeader/getHeader/getHeaders/getHeaderNames/getRawHeaderNames/hasHeader/removeHeader/appendHeader', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      const obs = {};
      obs.returnsRes = res.setHeader('X-Foo', 'bar') === res;
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('x-Num', 42);
      res.setHeader('X-Arr', ['1', 2]);
      obs.get = [res.getHeader('x-foo'), res.getHeader('X-NUM'), res.getHeader('set-cookie'), res.getHeader('missing')];
      obs.has = [res.hasHeader('X-FOO'), res.hasHeader('nope')];
      obs.names = res.getHeaderNames();
      obs.rawNames = res.getRawHeaderNames();
      const h = res.getHeaders();
      obs.headersProtoNull = Object.getPrototypeOf(h) === null;
      obs.headers = { ...h };
      obs.append = res.appendHeader('X-Foo', 'baz') === res;
      res.appendHeader('set-cookie', 'c=3');
      res.appendHeader('X-New', ['n1', 'n2']);
      obs.afterAppend = [res.getHeader('x-foo'), res.getHeader('set-cookie'), res.getHeader('x-new')];
      res.removeHeader('X-NUM');
      obs.afterRemove = [res.hasHeader('x-num'), res.getHeaderNames()];
      obs.typeErrors = [
        attempt(() => res.getHeader(1)),
        attempt(() => res.hasHeader(undefined)),
        attempt(() => res.removeHeader(5)),
      ];
      ctx.push(obs);
      res.end('ok');
    }));
    return ctx.raw(port, get('/', { Connection: 'close' }));
  });
  t.deepEqual(node.log[0].afterAppend[0], ['bar', 'baz']);
});

test('setHeaders with a Headers object and a Map', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/headers': (req, res) => {
      const h = new Headers();
      h.append('X-A', '1');
      h.append('Set-Cookie', 's=1');
      h.append('Set-Cookie', 's=2');
      ctx.push(['setHeaders returns res', res.setHeaders(h) === res]);
      res.end();
    },
    '/map': (req, res) => {
      res.setHeaders(new Map([['X-Map', 'v'], ['Content-Type', 'text/x']]));
      res.end('m');
    },
    '/bad': (req, res) => {
      ctx.push(['bad', attempt(() => res.setHeaders({ a: 1 }))]);
      res.end();
    },
  }));
  t.true(node.result['/headers'].data.includes('set-cookie: s=1\r\nset-cookie: s=2\r\n'));
});

test('header name case is kept on the wire', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/set': (req, res) => {
      res.setHeader('x-LoWeR-uPPer', 'v');
      res.setHeader('CONTENT-TYPE', 'text/plain');
      res.end('x');
    },
    '/head': (req, res) => {
      res.writeHead(200, { 'cOnTeNt-LeNgTh': '1', 'X-MiXeD': 'y' });
      res.end('y');
    },
  }));
  t.true(node.result['/set'].data.includes('x-LoWeR-uPPer: v\r\n'));
});

test('writeHead: object, flat array, array of pairs, status message, merge over setHeader', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/object': (req, res) => {
      res.setHeader('X-Set', 'from-setHeader');
      res.setHeader('X-Both', 'setHeader');
      ctx.push(['returnsRes', res.writeHead(201, { 'X-Both': 'writeHead', 'X-Only': 'w' }) === res]);
      ctx.push(['after object', res.statusCode, res.statusMessage, res.getHeader('x-both'), res.headersSent]);
      res.end('o');
    },
    '/flat': (req, res) => {
      res.setHeader('X-Set', 's');
      res.writeHead(202, ['X-Flat', 'a', 'X-Flat', 'b', 'Set-Cookie', 'c1']);
      res.end('f');
    },
    '/pairs': (req, res) => {
      res.writeHead(200, [['X-Pair', '1'], ['X-Pair2', '2']]);
      res.end('p');
    },
    '/message': (req, res) => {
      res.writeHead(299, 'Fine Thanks', { 'X-M': 'm' });
      ctx.push(['after message', res.statusCode, res.statusMessage]);
      res.end();
    },
    '/statusProps': (req, res) => {
      ctx.push(['defaults', res.statusCode, res.statusMessage]);
      res.statusCode = 404;
      res.statusMessage = 'Gone Fishing';
      res.end('nf');
    },
    '/unknown': (req, res) => {
      res.statusCode = 599;
      res.end();
    },
    '/writeHeader': (req, res) => {
      res.writeHeader(203, { 'X-Alias': '1' });
      res.end();
    },
  }));
  t.regex(node.result['/message'].data, /^HTTP\/1\.1 299 Fine Thanks\r\n/);
});

// ---------------------------------------------------------------------------
// Body framing

test('framing: Content-Length, chunked, user-set length and encoding', async (t) => {
  await same(t, async (http, ctx) => perPath(ctx, {
    '/end': (req, res) => res.end('abc'),
    '/empty': (req, res) => res.end(),
    '/writeEnd': (req, res) => { res.write('a'); res.write(''); res.end('b'); },
    '/buffer': (req, res) => { res.write(Buffer.from('xy')); res.end(new Uint8Array([0x41])); },
    '/userLength': (req, res) => { res.setHeader('Content-Length', 4); res.write('ab'); res.end('cd'); },
    '/userChunked': (req, res) => { res.setHeader('Transfer-Encoding', 'chunked'); res.end('zz'); },
    '/encoding': (req, res) => { res.write('68c3a9', 'hex'); res.end('w', 'latin1'); },
    '/utf8': (req, res) => { res.end('héllo ✓'); },
  }));
});

test('framing: HEAD, 204, 304, 1xx-free no-body responses', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      const [, status, mode] = req.url.split('/');
      res.statusCode = Number(status);
      if (mode === 'write') { ctx.push([req.method, req.url, res.write('body')]); res.end(); } else res.end('body');
    }));
    const out = {};
    for (const [method, p] of [['HEAD', '/200/end'], ['HEAD', '/200/write'], ['GET', '/204/end'], ['GET', '/204/write'],
      ['GET', '/304/end'], ['GET', '/304/write'], ['HEAD', '/404/end']]) {
      out[`${method} ${p}`] = await ctx.raw(port, get(p, { Connection: 'close' }, { method }));
    }
    return out;
  });
  t.false(node.result['HEAD /200/end'].data.endsWith('body'));
});

test('framing: HTTP/1.0 requests with and without keep-alive', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      if (req.url === '/stream') { res.write('part1 '); res.end('part2'); } else res.end('whole');
    }));
    const out = {};
    out.plainEnd = await ctx.raw(port, get('/', {}, { version: '1.0' }));
    out.plainStream = await ctx.raw(port, get('/stream', {}, { version: '1.0' }));
    out.kaEnd = await ctx.raw(port, get('/', { Connection: 'keep-alive' }, { version: '1.0' }), { until: { responses: 1 }, settle: 100 });
    out.kaStream = await ctx.raw(port, get('/stream', { Connection: 'keep-alive' }, { version: '1.0' }), { until: 'close' });
    out.kaTwo = await ctx.raw(port, get('/', { Connection: 'keep-alive' }, { version: '1.0' }) + get('/', { Connection: 'keep-alive' }, { version: '1.0' }),
      { until: { responses: 2 }, settle: 100 });
    out.teChunked = await ctx.raw(port, get('/stream', { TE: 'chunked' }, { version: '1.0' }));
    return out;
  });
});

test('framing: Connection: close from the request and from the response', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      if (req.url === '/resclose') res.setHeader('Connection', 'close');
      if (req.url === '/reskeep') res.setHeader('Connection', 'keep-alive');
      res.end(req.url);
    }));
    return {
      req: await ctx.raw(port, get('/reqclose', { Connection: 'close' })),
      res: await ctx.raw(port, get('/resclose')),
      keep: await ctx.raw(port, get('/reskeep'), { until: { responses: 1 }, settle: 100 }),
      dflt: await ctx.raw(port, get('/default'), { until: { responses: 1 }, settle: 100 }),
    };
  });
});

test('sendDate = false omits Date; a user Date header is kept', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/nodate': (req, res) => { res.sendDate = false; res.end('n'); },
    '/userdate': (req, res) => { res.setHeader('Date', 'Thu, 01 Jan 1970 00:00:00 GMT'); res.end('u'); },
  }));
  t.false(node.result['/nodate'].data.includes('Date:'));
});

// ---------------------------------------------------------------------------
// Streaming

test('write returns false past highWaterMark, then drain once the client reads', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let total = 0;
    let done;
    const finished = new Promise((resolve) => { done = resolve; });
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      res.setHeader('Content-Type', 'application/octet-stream');
      let writes = 0;
      let ret = true;
      while (ret && writes < 2000) { ret = res.write(chunk); writes++; total += chunk.length; }
      ctx.push({ gotFalse: ret === false, needDrain: res.writableNeedDrain, lengthPositive: res.writableLength > 0 });
      // Buffer far more than the kernel socket buffers hold, so 'drain' can
      // only come once the client reads.
      while (total < 32 * 1024 * 1024) { ret = res.write(chunk); total += chunk.length; }
      ctx.push({ stillFalse: ret === false });
      res.once('drain', () => {
        ctx.push({ drain: true, needDrain: res.writableNeedDrain });
        res.end('END', () => { ctx.push('end cb'); done(); });
      });
    }));
    const c = ctx.connect(port, { paused: true });
    await c.connected;
    c.write(get('/', { Connection: 'close' }));
    await delay(300);
    ctx.push({ drainBeforeRead: ctx.log.some((e) => e && e.drain) });
    c.resume();
    await withTimeout(finished, 5000, 'end');
    await c.waitClose(5000);
    const raw = c.raw;
    const headEnd = raw.indexOf('\r\n\r\n');
    return {
      head: normalize(raw.subarray(0, headEnd).toString('latin1')),
      bodyIsChunked: raw.subarray(headEnd + 4, headEnd + 10).toString('latin1'),
      endsWith: raw.subarray(-12).toString('latin1'),
      bodyBytesPlusFraming: raw.length - headEnd - 4 > total,
    };
  }, { timeout: 15000 });
  t.true(node.log[0].gotFalse);
  t.true(node.log.some((e) => e && e.drainBeforeRead === false));
});

test('end(data, cb), finish before close, and state flags at each step', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const flags = (res) => ({
      headersSent: res.headersSent, finished: res.finished, writableEnded: res.writableEnded,
      writableFinished: res.writableFinished, writable: res.writable, destroyed: res.destroyed,
    });
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      ctx.push(['start', flags(res)]);
      res.on('finish', () => ctx.push(['finish', flags(res)]));
      res.on('close', () => ctx.push(['close', flags(res)]));
      res.on('prefinish', () => ctx.push('prefinish'));
      res.write('a');
      ctx.push(['after write', flags(res)]);
      const ret = res.end('b', () => ctx.push(['end cb', flags(res)]));
      ctx.push(['after end', ret === res, flags(res)]);
      process.nextTick(() => ctx.push('nextTick after end'));
    }));
    const raw = await ctx.raw(port, get('/', { Connection: 'close' }));
    await delay(20);
    return raw;
  });
  t.is(node.log[0][0], 'start');
});

test('write and end callbacks: order relative to finish and close', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      res.on('finish', () => ctx.push('finish'));
      res.on('close', () => ctx.push('close'));
      ctx.push(['write a', res.write('a', (err) => ctx.push(['write a cb', describeError(err)]))]);
      ctx.push(['write b', res.write(Buffer.from('b'), (err) => ctx.push(['write b cb', describeError(err)]))]);
      setTimeout(() => {
        ctx.push(['write c', res.write('c', 'utf8', (err) => ctx.push(['write c cb', describeError(err)]))]);
        res.end('d', 'utf8', () => ctx.push('end cb'));
      }, 10);
    }));
    const raw = await ctx.raw(port, get('/', { Connection: 'close' }));
    await delay(20);
    return raw;
  });
  t.true(node.log.includes('end cb'));
});

test('pipelining: a Connection: close request in the middle ends the connection', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      ctx.push(['request', req.url]);
      res.end(`body${req.url}`);
    }));
    return ctx.raw(port, get('/1') + get('/2', { Connection: 'close' }) + get('/3'));
  });
  t.false(node.log.some((e) => e[1] === '/3'));
});

test('end(cb) only and end() twice', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      res.on('error', (e) => ctx.push(['error event', describeError(e)]));
      res.end(() => ctx.push('first end cb'));
      const ret = res.end(() => ctx.push('second end cb'));
      ctx.push(['second end returns res', ret === res]);
    }));
    const raw = await ctx.raw(port, get('/', { Connection: 'close' }));
    await delay(20);
    return raw;
  });
});

test('cork/uncork coalesces writes', async (t) => {
  await same(t, async (http, ctx) => perPath(ctx, {
    '/corked': (req, res) => {
      res.cork();
      res.write('a');
      res.write('b');
      ctx.push(['corked', res.writableCorked]);
      res.uncork();
      ctx.push(['uncorked', res.writableCorked]);
      res.end('c');
    },
    '/afterHead': (req, res) => {
      res.flushHeaders();
      res.cork();
      res.write('1');
      res.write('22');
      process.nextTick(() => { res.uncork(); res.end(); });
    },
  }));
});

test('flushHeaders sends the head before any body', async (t) => {
  const node = await same(t, async (http, ctx) => {
    let finish;
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      res.setHeader('X-Early', '1');
      res.flushHeaders();
      ctx.push(['headersSent', res.headersSent]);
      finish = () => res.end('late body');
    }));
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/', { Connection: 'close' }));
    const gotHead = await c.waitFor('\r\n\r\n');
    const early = c.text;
    finish();
    await c.waitClose();
    return { gotHead, early, all: c.text };
  });
  t.true(node.result.gotHead);
});

test('addTrailers on chunked, Content-Length and HTTP/1.0 responses', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      if (req.url === '/len') res.setHeader('Content-Length', 2);
      else res.setHeader('Trailer', 'X-Checksum, X-Other');
      res.write('hi');
      ctx.push(['bad trailer', attempt(() => res.addTrailers({ 'bad name': 'x' }))]);
      ctx.push(['bad trailer value', attempt(() => res.addTrailers({ 'x-v': 'a\nb' }))]);
      if (req.url === '/pairs') res.addTrailers([['X-Pair', 'p'], ['X-Pair', 'q']]);
      else {
        res.addTrailers({ 'X-Replaced': 'gone' });
        res.addTrailers({ 'X-Checksum': 'abc', 'x-other': ['1', '2'] });
      }
      res.end();
    }));
    return {
      chunked: await ctx.raw(port, get('/chunked', { Connection: 'close' })),
      pairs: await ctx.raw(port, get('/pairs', { Connection: 'close' })),
      len: await ctx.raw(port, get('/len', { Connection: 'close' })),
      http10: await ctx.raw(port, get('/10', {}, { version: '1.0' })),
    };
  });
  t.true(node.result.chunked.data.includes('X-Checksum: abc\r\n'));
});

test('writeContinue, writeProcessing, writeEarlyHints', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/continue': (req, res) => { res.writeContinue(() => ctx.push('continue cb')); res.end('c'); },
    '/processing': (req, res) => { res.writeProcessing(() => ctx.push('processing cb')); res.end('p'); },
    '/hints': (req, res) => {
      res.writeEarlyHints({ link: ['</style.css>; rel=preload; as=style', '</s.js>; rel=preload; as=script'], 'X-Trace': 'id' },
        () => ctx.push('hints cb'));
      res.end('h');
    },
    '/hintsString': (req, res) => {
      res.writeEarlyHints({ link: '</a.css>; rel=preload; as=style' });
      res.end('s');
    },
    '/hintsBad': (req, res) => {
      ctx.push(['bad hints', attempt(() => res.writeEarlyHints({ link: 'not a link' }))]);
      ctx.push(['bad hints arg', attempt(() => res.writeEarlyHints('x'))]);
      res.end('b');
    },
  }));
  t.true(node.result['/hints'].data.startsWith('HTTP/1.1 103 Early Hints\r\n'));
});

test('strictContentLength: mismatched body throws ERR_HTTP_CONTENT_LENGTH_MISMATCH', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/short': (req, res) => {
      res.strictContentLength = true;
      res.setHeader('Content-Length', 5);
      res.write('abc');
      ctx.push(['short end', attempt(() => res.end())]);
      ctx.push(['short end data', attempt(() => res.end('d'))]);
      res.destroy();
    },
    '/long': (req, res) => {
      res.strictContentLength = true;
      res.setHeader('Content-Length', 2);
      ctx.push(['long write', attempt(() => res.write('abc'))]);
      res.end('ok');
    },
    '/exact': (req, res) => {
      res.strictContentLength = true;
      res.setHeader('Content-Length', 3);
      res.write('ab');
      res.end('c');
    },
  }));
  t.is(node.log.find((e) => e[0] === 'short end')[1].threw.code, 'ERR_HTTP_CONTENT_LENGTH_MISMATCH');
});

test('req, socket and connection properties of the response', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      ctx.push({
        req: res.req === req,
        socket: res.socket === req.socket,
        connection: res.connection === res.socket,
        isNet: res.socket instanceof net.Socket,
        httpMessage: res.socket._httpMessage === res,
        shouldKeepAlive: res.shouldKeepAlive,
        useChunkedEncodingByDefault: res.useChunkedEncodingByDefault,
        sendDate: res.sendDate,
        chunkedEncoding: res.chunkedEncoding,
        strictContentLength: res.strictContentLength,
        writableHighWaterMark: res.writableHighWaterMark,
        writableObjectMode: res.writableObjectMode,
        writableLength: res.writableLength,
      });
      res.on('finish', () => ctx.push({ afterFinishSocket: res.socket === null ? 'null' : typeof res.socket }));
      res.end();
    }));
    await ctx.raw(port, get('/', { Connection: 'close' }));
    await delay(20);
  });
});

test('_implicitHeader sets the head without sending a body', async (t) => {
  await same(t, async (http, ctx) => perPath(ctx, {
    '/': (req, res) => {
      res.statusCode = 202;
      res.setHeader('X-Imp', '1');
      res._implicitHeader();
      ctx.push(['after implicit', res.headersSent, typeof res._header, normalize(String(res._header))]);
      res.end('body');
    },
  }));
});

// ---------------------------------------------------------------------------
// Keep-alive and pipelining

test('keep-alive: two requests on one connection', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      ctx.push(['request', req.url, req.socket.remotePort > 0]);
      res.end(`r${req.url}`);
    }));
    const c = ctx.connect(port);
    await c.connected;
    c.write(get('/1'));
    await c.waitResponses(1);
    c.write(get('/2'));
    await c.waitResponses(2);
    await delay(50);
    return c.snapshot();
  });
  t.false(node.result.closed);
});

test('pipelining: responses come in request order even when handlers finish out of order', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const delays = { '/a': 80, '/b': 10, '/c': 40, '/d': 0 };
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      ctx.push(['request', req.url]);
      res.on('finish', () => ctx.push(['finish', req.url]));
      const wait = delays[req.url];
      const respond = () => { res.setHeader('X-Url', req.url); res.end(`body${req.url}`); };
      if (wait) setTimeout(respond, wait); else respond();
    }));
    return ctx.raw(port, get('/a') + get('/b') + get('/c', { 'Content-Length': 3 }, { method: 'POST', body: 'xyz' }) + get('/d', { Connection: 'close' }),
      { ms: 3000 });
  });
  t.regex(node.result.data, /body\/a[^]*body\/b[^]*body\/c[^]*body\/d$/);
});

// ---------------------------------------------------------------------------
// Misuse errors

test('invalid header names and values: error class, code, message', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/': (req, res) => {
      ctx.push({
        badName: attempt(() => res.setHeader('bad name', 'x')),
        emptyName: attempt(() => res.setHeader('', 'x')),
        badValueChar: attempt(() => res.setHeader('x-v', 'a\nb')),
        badValueCR: attempt(() => res.setHeader('x-v', ['ok', 'a\rb'])),
        undefinedValue: attempt(() => res.setHeader('x-v', undefined)),
        appendBad: attempt(() => res.appendHeader('x y', 'v')),
        appendBadValue: attempt(() => res.appendHeader('x-y', 'v\0')),
        writeHeadBadName: attempt(() => res.writeHead(200, { 'x y': '1' })),
      });
      ctx.push(['headersSent after failed writeHead', res.headersSent]);
      res.end('still ok');
    },
  }));
  t.is(node.log[0].badName.threw.code, 'ERR_INVALID_HTTP_TOKEN');
});

test('writeHead with an invalid value or odd flat array throws', async (t) => {
  await same(t, async (http, ctx) => perPath(ctx, {
    '/value': (req, res) => {
      ctx.push(['value', attempt(() => res.writeHead(200, { 'x-v': 'a\r\nb' }))]);
      res.end();
    },
    '/odd': (req, res) => {
      ctx.push(['odd', attempt(() => res.writeHead(200, ['X-A', '1', 'X-B']))]);
      res.end();
    },
  }));
});

test('invalid status codes: ERR_HTTP_INVALID_STATUS_CODE and what the client receives', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/99': (req, res) => { ctx.push(['99', attempt(() => res.writeHead(99))]); res.statusCode = 200; res.end('a'); },
    '/1000': (req, res) => { ctx.push(['1000', attempt(() => res.writeHead(1000))]); res.statusCode = 200; res.end('b'); },
    '/string': (req, res) => { ctx.push(['string', attempt(() => res.writeHead('abc'))]); res.statusCode = 200; res.end('c'); },
    '/prop': (req, res) => {
      res.statusCode = 42;
      ctx.push(['prop end', attempt(() => res.end('d'))]);
      res.statusCode = 200;
      res.end('e');
    },
    '/float': (req, res) => { ctx.push(['float', attempt(() => res.writeHead(200.5))]); res.statusCode = 200; res.end('f'); },
    '/badMessage': (req, res) => { ctx.push(['badMessage', attempt(() => res.writeHead(200, 'a\nb'))]); res.end('g'); },
  }));
  t.is(node.log.find((e) => e[0] === '99')[1].threw.code, 'ERR_HTTP_INVALID_STATUS_CODE');
});

test('after headers are sent: setHeader, removeHeader, appendHeader, writeHead throw ERR_HTTP_HEADERS_SENT', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/afterWriteHead': (req, res) => {
      res.writeHead(200, { 'X-Early': '1' });
      ctx.push({
        afterWriteHead: attempt(() => res.setHeader('X-Late', '1')),
        headersSent: res.headersSent,
        getHeader: res.getHeader('x-early'),
      });
      res.end('w');
    },
    '/': (req, res) => {
      res.write('first');
      ctx.push({
        setHeader: attempt(() => res.setHeader('X-Late', '1')),
        removeHeader: attempt(() => res.removeHeader('X-Late')),
        appendHeader: attempt(() => res.appendHeader('X-Late', '1')),
        setHeaders: attempt(() => res.setHeaders(new Map([['x', 'y']]))),
        writeHead: attempt(() => res.writeHead(500)),
        getHeader: res.getHeader('x-late'),
        statusCode: res.statusCode,
      });
      res.end('last');
    },
  }));
  t.is(node.log[1].setHeader.threw.code, 'ERR_HTTP_HEADERS_SENT');
});

test('write after end: ERR_STREAM_WRITE_AFTER_END via error event and callback', async (t) => {
  const node = await same(t, async (http, ctx) => perPath(ctx, {
    '/event': (req, res) => {
      res.on('error', (e) => ctx.push(['event: error', describeError(e)]));
      res.end('done');
      const ret = res.write('more', (err) => ctx.push(['event: write cb', describeError(err)]));
      ctx.push(['event: write returned', ret]);
      process.nextTick(() => ctx.push('event: nextTick'));
    },
    '/badChunk': (req, res) => {
      ctx.push(['badChunk number', attempt(() => res.write(42))]);
      ctx.push(['badChunk null', attempt(() => res.write(null))]);
      ctx.push(['badChunk end object', attempt(() => res.end({}))]);
      res.end('ok');
    },
  }));
  t.true(node.log.some((e) => e[0] === 'event: error'));
});

// ---------------------------------------------------------------------------
// Construction outside a server, subclassing

test('ServerResponse.call(obj, req) on a prototype-inheriting object (light-my-request style)', async (t) => {
  await same(t, async (http) => {
    function Response(req, onEnd) {
      http.ServerResponse.call(this, req);
      const chunks = [];
      const socket = new Writable({
        write(chunk, enc, cb) { chunks.push(Buffer.from(chunk)); cb(); },
      });
      socket.setTimeout = () => socket;
      socket.cork = () => {};
      socket.uncork = () => {};
      socket.remoteAddress = '127.0.0.1';
      this.assignSocket(socket);
      this.on('finish', () => setImmediate(() => onEnd(normalize(Buffer.concat(chunks).toString('latin1')))));
    }
    Object.setPrototypeOf(Response.prototype, http.ServerResponse.prototype);
    Object.setPrototypeOf(Response, http.ServerResponse);

    const out = {};
    for (const [method, version] of [['GET', '1.1'], ['HEAD', '1.1'], ['GET', '1.0']]) {
      const req = { method, url: '/', httpVersion: version, httpVersionMajor: 1, httpVersionMinor: Number(version[2]), headers: {} };
      let wire;
      const ended = new Promise((resolve) => { wire = resolve; });
      const res = new Response(req, wire);
      const props = {
        isServerResponse: res instanceof http.ServerResponse,
        statusCode: res.statusCode,
        sendDate: res.sendDate,
        shouldKeepAlive: res.shouldKeepAlive,
        hasBody: res._hasBody,
        reqSame: res.req === req,
        socketSet: !!res.socket,
      };
      res.setHeader('X-LMR', 'yes');
      res.write('hello ');
      res.end('world');
      out[`${method} ${version}`] = { props, wire: await withTimeout(ended, 2000, 'finish') };
    }
    return out;
  });
});

test('subclassing Server, IncomingMessage and ServerResponse with class syntax', async (t) => {
  const node = await same(t, async (http, ctx) => {
    class Res extends http.ServerResponse {
      json(obj) { this.setHeader('Content-Type', 'application/json'); this.end(JSON.stringify(obj)); }
    }
    class Req extends http.IncomingMessage {
      get pathname() { return this.url.split('?')[0]; }
    }
    class MyServer extends http.Server {
      constructor() {
        super({ IncomingMessage: Req, ServerResponse: Res }, (req, res) => res.json({ path: req.pathname, mine: this instanceof MyServer }));
        this.custom = true;
      }
    }
    const s = ctx.track(new MyServer());
    const port = await ctx.listen(s);
    ctx.push({ isHttpServer: s instanceof http.Server, custom: s.custom });
    return ctx.raw(port, get('/p?q=1', { Connection: 'close' }));
  });
  t.true(node.result.data.endsWith('{"path":"/p","mine":true}'));
});

test('res.setTimeout: timeout event on the response, returns res', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      const ret = res.setTimeout(100, () => {
        ctx.push('res timeout cb');
        res.end('timed out');
      });
      ctx.push(['returnsRes', ret === res]);
    }));
    return ctx.raw(port, get('/', { Connection: 'close' }), { ms: 3000 });
  });
  t.true(node.log.includes('res timeout cb'));
});

test('response destroy(err) before the head: client sees a closed connection', async (t) => {
  await same(t, async (http, ctx) => {
    const { port } = await serve(ctx, guarded(ctx, (req, res) => {
      res.on('error', (e) => ctx.push(['res error', describeError(e)]));
      res.on('close', () => ctx.push(['res close', res.destroyed, res.writableFinished]));
      req.on('close', () => ctx.push('req close'));
      res.destroy(new Error('boom'));
    }));
    const raw = await ctx.raw(port, get('/'));
    await delay(20);
    return raw;
  });
});

test('socket host/port values seen by the handler', async (t) => {
  await same(t, async (http, ctx) => {
    const { server, port } = await serve(ctx, guarded(ctx, (req, res) => {
      const s = req.socket;
      ctx.push({
        localAddress: s.localAddress,
        localPortOk: s.localPort === server.address().port,
        remoteAddress: s.remoteAddress,
        remoteFamily: s.remoteFamily,
        remotePortOk: typeof s.remotePort === 'number' && s.remotePort > 0,
        address: { ...s.address(), port: s.address().port === server.address().port },
        encrypted: s.encrypted,
        readable: s.readable,
        writable: s.writable,
      });
      res.end();
    }));
    await ctx.raw(port, get('/', { Connection: 'close' }));
  });
});


test('write after end without an error listener: uncaught ERR_STREAM_WRITE_AFTER_END (child process)', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const { nodeHttp: core, RHTTP_PATH: rpath } = await import('./helpers/diff.mjs');
    const mod = http === core ? 'node:http' : rpath;
    const code = `
      const http = require(${JSON.stringify(mod)});
      const net = require('node:net');
      process.on('uncaughtException', (err) => {
        console.log(JSON.stringify({ uncaught: err.code, message: err.message, name: err.name }));
        process.exit(7);
      });
      const s = http.createServer((req, res) => {
        res.end('done');
        const ret = res.write('more', (err) => console.log(JSON.stringify({ cb: err && err.code })));
        console.log(JSON.stringify({ returned: ret }));
      });
      s.listen(0, '127.0.0.1', () => {
        const c = net.connect(s.address().port, '127.0.0.1');
        c.write('GET / HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n');
        c.resume();
      });
    `;
    const r = await ctx.spawnNode(code, { ms: 3000 });
    return { code: r.code, timedOut: r.timedOut, stdout: r.stdout };
  }, { timeout: 10000 });
  t.is(node.result.code, 7);
});
