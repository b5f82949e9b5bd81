// Differential tests: an exception thrown out of user code that core runs
// inside an llhttp callback ('request' and 'checkContinue' handlers, a
// request's or response's synchronous 'data' handler). In core the
// exception is uncaught and leaves the connection's parser failed: the rest
// of that read is dropped unparsed, and the next read on the connection is
// a parse error (HPE_CB_HEADERS_COMPLETE, HPE_JS_EXCEPTION). Each scenario
// runs in a child process with an 'uncaughtException' handler and prints
// what it saw; the two outputs must be the same.

import test from 'ava';
import { get } from './helpers/diff.mjs';
import { sameInChild } from './helpers/child-scenario.mjs';

const pipelined = (n, from = 0) => Array.from({ length: n }, (_, i) => get(`/${from + i}`)).join('');
const post = (url, body) => `POST ${url} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;



test('server: a request handler throws: pipelined requests after it in the same read are dropped, the next read is HPE_CB_HEADERS_COMPLETE', async (t) => {
  const lines = await sameInChild(t, `
    const s = throwingServer((req) => req.url === '/1');
    clientErrors(s, true);
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(pipelined(3))}, 100, ${JSON.stringify(get('/5'))}]));
  `);
  t.deepEqual(lines.filter((l) => l[0] === 'req').map((l) => l[1]), ['/0', '/1']);
  t.deepEqual(lines.find((l) => l[0] === 'clientError').slice(1, 3), ['HPE_CB_HEADERS_COMPLETE', 'Parse Error: User callback error']);
});

test('server: a request handler throws on a keep-alive connection: the next request gets the default 400', async (t) => {
  const lines = await sameInChild(t, `
    const s = throwingServer((req) => req.url === '/0');
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(get('/0'))}, 100, ${JSON.stringify(get('/1'))}]));
  `);
  const last = lines[lines.length - 1][0];
  t.regex(last.got, /400 Bad Request/);
  t.true(last.closed);
});

test('server: a request\'s \'data\' handler throws: HPE_JS_EXCEPTION, and that request never ends', async (t) => {
  const lines = await sameInChild(t, `
    const s = http.createServer((req, res) => {
      log('req', req.url);
      req.on('data', (d) => { log('data', req.url, String(d)); if (req.url === '/1') throw new Error('boom data'); });
      req.on('end', () => { log('end', req.url); res.end('r ' + req.url); });
      req.on('close', () => log('req close', req.url, req.complete));
    });
    clientErrors(s, true);
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(post('/0', 'abc') + post('/1', 'def') + post('/2', 'ghi'))}, 100, ${JSON.stringify(post('/5', 'xyz'))}]));
  `);
  t.false(lines.some((l) => l[0] === 'end' && l[1] === '/1'));
  t.deepEqual(lines.find((l) => l[0] === 'clientError').slice(1, 3), ['HPE_JS_EXCEPTION', 'Parse Error: JS Exception']);
});

// The throw leaves Rust holding the body at its gate (lib/server.js onBody):
// the parser failure must still report the next read.
test('server: a \'data\' handler throws on the first chunk of a large body: the next read is HPE_JS_EXCEPTION', async (t) => {
  const lines = await sameInChild(t, `
    const s = http.createServer((req, res) => {
      log('req', req.url);
      let first = true;
      req.on('data', () => { if (first) { first = false; throw new Error('boom data'); } });
    });
    s.on('clientError', (err, socket) => { log('clientError', err.code); socket.destroy(); });
    const port = await listen(s);
    const head = 'POST /big HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 300000\\r\\n\\r\\n';
    // Whether the close is a reset depends on what the kernel still holds.
    const r = await raw(port, [head + 'x'.repeat(300000), 100, ${JSON.stringify(get('/after'))}], { quiet: true });
    log('closed', r.closed);
  `);
  t.deepEqual(lines.filter((l) => l[0] === 'clientError'), [['clientError', 'HPE_JS_EXCEPTION']]);
});

test('server: a handler throws before its body arrived in the same read: the body is dropped', async (t) => {
  const lines = await sameInChild(t, `
    const s = http.createServer((req, res) => {
      log('req', req.url);
      req.on('data', (d) => log('data', String(d)));
      req.on('end', () => log('end'));
      res.end('r');
      throw new Error('boom');
    });
    clientErrors(s, true);
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(post('/0', 'abcdef'))}]));
  `);
  t.false(lines.some((l) => l[0] === 'data' || l[0] === 'end'));
});

test('server: a checkContinue handler throws', async (t) => {
  await sameInChild(t, `
    const s = http.createServer((req, res) => log('req', req.url));
    s.on('checkContinue', (req, res) => { log('checkContinue', req.url); res.writeContinue(); throw new Error('boom'); });
    clientErrors(s, true);
    const port = await listen(s);
    const head = 'POST /0 HTTP/1.1\\r\\nHost: x\\r\\nExpect: 100-continue\\r\\nContent-Length: 3\\r\\n\\r\\n';
    log(await raw(port, [head, 100, 'abc']));
  `);
});

test('server: an \'upgrade\' handler throws: core emits it after parsing, the socket is the handler\'s', async (t) => {
  await sameInChild(t, `
    const s = http.createServer((req, res) => log('req', req.url));
    s.on('upgrade', (req, socket, head) => {
      log('upgrade', req.url, String(head));
      socket.on('data', (d) => { log('socket data', String(d)); socket.end('bye'); });
      throw new Error('boom');
    });
    clientErrors(s, true);
    const port = await listen(s);
    const head = 'GET /u HTTP/1.1\\r\\nHost: x\\r\\nConnection: Upgrade\\r\\nUpgrade: x\\r\\n\\r\\n';
    log(await raw(port, [head + 'early', 100, 'later']));
  `);
});

test('server: a throwing handler on one connection leaves the others alone', async (t) => {
  const lines = await sameInChild(t, `
    const s = http.createServer((req, res) => {
      res.end('r ' + req.url);
      if (req.url === '/bad') throw new Error('boom');
    });
    clientErrors(s, true);
    const port = await listen(s);
    const [a, b] = await Promise.all([
      raw(port, [${JSON.stringify(get('/bad'))}, 100, ${JSON.stringify(get('/after'))}]),
      raw(port, [${JSON.stringify(pipelined(2))}, 100, ${JSON.stringify(get('/2'))}]),
    ]);
    log('bad', a.got.match(/r \\/[a-z0-9]+/g), a.closed);
    log('good', b.got.match(/r \\/[a-z0-9]+/g), b.closed);
  `);
  t.deepEqual(lines.find((l) => l[0] === 'good')[1], ['r /0', 'r /1', 'r /2']);
});

// Connections read in one batch: core runs a handler's ticks at the end of
// its own read, so one that throws is the process's uncaught exception and
// the next connection's body callback knows nothing of it.
test('server: a throw from a handler\'s nextTick does not fail another connection\'s body', async (t) => {
  const lines = await sameInChild(t, `
    let uncaught = 0;
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', () => { uncaught++; });
    const answered = [];
    const errors = [];
    const s = http.createServer((req, res) => {
      if (req.url.startsWith('/tick')) {
        // A tick that queues the throwing one, as a framework's chain does.
        process.nextTick(() => process.nextTick(() => { throw new Error('tick boom'); }));
        setTimeout(() => res.end('t'), 20);
        return;
      }
      req.on('data', () => {});
      req.on('end', () => { answered.push(req.url); res.end('b'); });
    });
    s.on('clientError', (err, socket) => { errors.push(err.code); socket.destroy(); });
    const port = await listen(s);
    const pairs = [0, 1, 2, 3, 4];
    const conns = pairs.flatMap((i) => [
      ['GET /tick' + i + ' HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'],
      ['POST /body' + i + ' HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 4\\r\\n\\r\\nbody'],
    ]).map(([bytes]) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('error', () => {});
      return { c, bytes, connected: new Promise((r) => c.on('connect', r)) };
    });
    await Promise.all(conns.map((x) => x.connected));
    for (const x of conns) x.c.write(x.bytes);
    await sleep(300);
    for (const x of conns) x.c.destroy();
    log('answered', answered.sort());
    log('uncaught', uncaught, 'clientErrors', errors);
  `);
  t.deepEqual(lines, [
    ['answered', ['/body0', '/body1', '/body2', '/body3', '/body4']],
    ['uncaught', 5, 'clientErrors', []],
  ]);
});

// A throw ends the batch early: its rest runs from a tick, which Node runs
// after the immediates already queued (the uncaught-exception handler's),
// so in a later turn than the batch. A connection accepted there had its
// first request held for the next turn, with no turn end left to ring for
// it: the request waited for an event that never came.
test('server: a connection accepted in the same read as a throwing handler still gets its request handled', async (t) => {
  const lines = await sameInChild(t, `
    const { Worker } = require('node:worker_threads');
    const s = http.createServer((req, res) => {
      log('req', req.url);
      res.end('r');
      if (req.url === '/block') busy(200);
      if (req.url === '/throw') throw new Error('boom');
    });
    const port = await listen(s);
    // The client is a worker: it writes while the server's thread blocks,
    // so the throwing request, the new connection and its request reach
    // JS in one batch.
    const w = new Worker(\`
      const { workerData, parentPort } = require('node:worker_threads');
      const net = require('node:net');
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      const open = () => new Promise((r) => {
        const c = net.connect(workerData.port, '127.0.0.1', () => r(c));
        c.on('error', () => {});
      });
      const get = (url) => 'GET ' + url + ' HTTP/1.1\\\\r\\\\nHost: x\\\\r\\\\n\\\\r\\\\n';
      (async () => {
        const blocker = await open();
        const throwers = [await open(), await open(), await open()];
        await sleep(100);
        blocker.write(get('/block'));
        await sleep(60);
        for (const c of throwers) c.write(get('/throw'));
        const late = await open();
        let answered = false;
        late.on('data', () => { answered = true; });
        late.write(get('/late'));
        await sleep(400);
        parentPort.postMessage(answered);
        for (const c of [blocker, ...throwers, late]) c.destroy();
      })();
    \`, { eval: true, workerData: { port } });
    log('late answered', await new Promise((r) => w.once('message', r)));
    await w.terminate();
  `);
  t.deepEqual(lines, [
    ['req', '/block'],
    ['req', '/throw'], ['uncaught', 'boom'],
    ['req', '/throw'], ['uncaught', 'boom'],
    ['req', '/throw'], ['uncaught', 'boom'],
    ['req', '/late'],
    ['late answered', true],
  ]);
});

// The client: a target that sends a response head and the first piece of
// its body, then each next piece 50 ms after the last.
const splitTarget = (pieces) => `
  const pieces = ${JSON.stringify(pieces)};
  const target = net.createServer((c) => {
    c.once('data', () => {
      const total = pieces.join('').length;
      c.write('HTTP/1.1 200 OK\\r\\nContent-Length: ' + total + '\\r\\n\\r\\n' + pieces[0]);
      pieces.slice(1).forEach((p, i) => setTimeout(() => c.write(p), 50 * (i + 1)));
    });
  });
  const port = await listen(target);
  const watch = (req, onRes) => {
    req.on('error', (e) => log('req error', e.code, e.message));
    req.on('close', () => log('req close'));
    req.on('response', (res) => {
      for (const ev of ['end', 'aborted', 'close']) res.on(ev, () => log('res ' + ev));
      res.on('error', (e) => log('res error', e.code));
      onRes(res);
    });
  };
`;

test('client: a \'response\' handler throws: the body in the same read is dropped, the next read fails the request', async (t) => {
  const lines = await sameInChild(t, `${splitTarget(['abc', 'def'])}
    const req = http.get({ port, host: '127.0.0.1' });
    watch(req, (res) => {
      res.on('data', (d) => log('data', String(d)));
      throw new Error('boom');
    });
    await new Promise((r) => setTimeout(r, 250));
  `);
  t.deepEqual(lines.find((l) => l[0] === 'req error').slice(1), ['HPE_CB_HEADERS_COMPLETE', 'Parse Error: User callback error']);
  t.false(lines.some((l) => l[0] === 'data'));
});

// The piece read with the head is buffered (the response is not flowing
// yet) and emitted outside the parser; the next piece is emitted from it.
test('client: a response\'s \'data\' handler throws inside the parser: HPE_JS_EXCEPTION on the next read', async (t) => {
  const lines = await sameInChild(t, `${splitTarget(['ab', 'cd', 'ef'])}
    const req = http.get({ port, host: '127.0.0.1' });
    watch(req, (res) => {
      res.on('data', (d) => { log('data', String(d)); if (String(d) === 'cd') throw new Error('boom'); });
    });
    await new Promise((r) => setTimeout(r, 300));
  `);
  t.deepEqual(lines.find((l) => l[0] === 'req error').slice(1), ['HPE_JS_EXCEPTION', 'Parse Error: JS Exception']);
  t.false(lines.some((l) => l[0] === 'data' && l[1] === 'ef'));
});

// The client's side of the server test above: a batch cut short by
// throwing 'response' handlers goes on from a tick that can run after its
// turn ended; a response's FIN read there with its data waits for the next
// turn, which must still come.
test('client: a close-delimited response read in the same batch as throwing \'response\' handlers still ends', async (t) => {
  const lines = await sameInChild(t, `
    const { Worker } = require('node:worker_threads');
    // The target is a worker: it answers while the client's thread blocks,
    // so the three responses that throw and the fourth, with its FIN,
    // reach JS in one batch.
    const w = new Worker(\`
      const { parentPort } = require('node:worker_threads');
      const net = require('node:net');
      const conns = [];
      const server = net.createServer((c) => {
        c.on('error', () => {});
        c.once('data', () => {
          conns.push(c);
          if (conns.length === 4) parentPort.postMessage('all asked');
        });
      });
      server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
      parentPort.on('message', () => {
        setTimeout(() => {
          for (const c of conns) {
            if (c === conns[3]) c.end('HTTP/1.1 200 OK\\\\r\\\\nConnection: close\\\\r\\\\n\\\\r\\\\nlast');
            else c.write('HTTP/1.1 200 OK\\\\r\\\\nContent-Length: 1\\\\r\\\\n\\\\r\\\\nx');
          }
        }, 50);
      });
    \`, { eval: true });
    const port = await new Promise((r) => w.once('message', r));
    const asked = new Promise((r) => w.once('message', r));
    let ended = false;
    for (let i = 0; i < 4; i++) {
      const req = http.get({ port, host: '127.0.0.1', agent: false, path: '/' + i }, (res) => {
        if (i < 3) throw new Error('boom');
        res.on('data', (d) => log('data', String(d)));
        res.on('end', () => { ended = true; log('end'); });
      });
      req.on('error', () => {});
    }
    await asked;
    w.postMessage('answer');
    busy(200);
    await sleep(300);
    log('ended in time', ended);
    await w.terminate();
  `);
  t.deepEqual(lines, [
    ['uncaught', 'boom'], ['uncaught', 'boom'], ['uncaught', 'boom'],
    ['data', 'last'], ['end'], ['ended in time', true],
  ]);
});

test('client: a parser whose callback threw is clean again when the agent reuses it', async (t) => {
  const lines = await sameInChild(t, `
    const target = http.createServer((req, res) => res.end('ok ' + req.url));
    const port = await listen(target);
    const agent = new http.Agent({ keepAlive: true });
    const req = http.get({ port, host: '127.0.0.1', agent, path: '/throws' }, (res) => {
      res.resume();
      throw new Error('boom');
    });
    req.on('error', (e) => log('req error', e.code));
    await new Promise((r) => setTimeout(r, 100));
    // The failed parser goes back to the free list.
    req.destroy();
    for (const path of ['/a', '/b']) {
      await new Promise((resolve) => {
        http.get({ port, host: '127.0.0.1', agent, path }, (res) => {
          let body = '';
          res.on('data', (d) => { body += d; });
          res.on('end', () => { log(path, res.statusCode, body); resolve(); });
        }).on('error', (e) => { log(path, 'error', e.code); resolve(); });
      });
    }
    agent.destroy();
    target.close();
  `);
  t.deepEqual(lines.filter((l) => l[0] === '/a' || l[0] === '/b'), [['/a', 200, 'ok /a'], ['/b', 200, 'ok /b']]);
});
