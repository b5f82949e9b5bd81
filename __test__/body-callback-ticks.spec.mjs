// Differential tests: core calls a server's body callback through
// MakeCallback, straight from the socket's read. The ticks and microtasks a
// body chunk's handlers queue therefore run before llhttp goes on to the
// message's end or the next request of the same read, and a tick that
// throws fails the parser like a throwing handler (HPE_JS_EXCEPTION on the
// next read). A stream handed to the server with emit('connection') is
// parsed inside its own 'data' callback, so there the ticks wait.

import test from 'ava';
import { get } from './helpers/diff.mjs';
import { sameInChild } from './helpers/child-scenario.mjs';

const head = (len) => `POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: ${len}\r\n\r\n`;
const chunkedHead = 'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';

// A server whose body handlers queue a tick and (unless told) a microtask
// per chunk.
const orderServer = ({ micro = true } = {}) => `
  const s = http.createServer((req, res) => {
    log('req', req.url);
    req.on('data', (d) => {
      log('data', String(d));
      process.nextTick(() => log('tick', String(d)));
      if (${micro}) Promise.resolve().then(() => log('micro', String(d)));
    });
    req.on('end', () => { log('end', req.url); res.end('ok ' + req.url); });
  });
  clientErrors(s);
`;

test('a body chunk\'s ticks and microtasks run before its message ends and before the next request of the same read', async (t) => {
  const lines = await sameInChild(t, `
    ${orderServer()}
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(head(6) + 'abc')}, 50, ${JSON.stringify('def' + get('/next'))}]));
  `);
  const seq = lines.map((l) => l.slice(0, 2).join(' '));
  t.true(seq.indexOf('micro def') < seq.indexOf('end /p'));
  t.true(seq.indexOf('micro def') < seq.indexOf('req /next'));
});

test('chunked body in one read: each chunk\'s ticks run before the next chunk', async (t) => {
  await sameInChild(t, `
    ${orderServer()}
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(chunkedHead + '3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n' + get('/next'))}]));
  `);
});

test('pipelined POSTs in one read: the ticks of each body run before the next request', async (t) => {
  await sameInChild(t, `
    ${orderServer()}
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(head(3) + 'abc' + head(3) + 'def' + get('/next'))}]));
  `);
});

test('a \'readable\' handler reading at each chunk sees the end once', async (t) => {
  await sameInChild(t, `
    const s = http.createServer((req, res) => {
      req.on('readable', () => {
        let c; while ((c = req.read()) !== null) log('chunk', String(c));
        log('readable', req.complete, req.readableEnded);
      });
      req.on('end', () => { log('end'); res.end('ok'); });
    });
    clientErrors(s);
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(head(6) + 'abc')}, 50, 'def', 50, ${JSON.stringify(get('/next'))}]));
  `);
});

test('a tick queued by a \'data\' handler throws: HPE_JS_EXCEPTION on the next read', async (t) => {
  const lines = await sameInChild(t, `
    const s = http.createServer((req, res) => {
      log('req', req.url);
      req.on('data', (d) => { log('data', String(d)); process.nextTick(() => { throw new Error('tick boom'); }); });
      req.on('end', () => { log('end'); res.end('ok'); });
    });
    clientErrors(s);
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(head(6) + 'abc')}, 50, ${JSON.stringify('def' + get('/next'))}]));
  `);
  t.deepEqual(lines.filter((l) => l[0] === 'clientError').map((l) => l[1]), ['HPE_JS_EXCEPTION']);
});

test('a throwing tick after a body chunk, with async hooks enabled', async (t) => {
  await sameInChild(t, `
    require('node:async_hooks').createHook({ init() {}, before() {}, after() {}, destroy() {} }).enable();
    const { AsyncLocalStorage } = require('node:async_hooks');
    const als = new AsyncLocalStorage();
    const s = http.createServer((req, res) => als.run(req.url, () => {
      req.on('data', (d) => {
        log('data', String(d), als.getStore());
        process.nextTick(() => { log('tick', als.getStore()); throw new Error('tick boom'); });
      });
      req.on('end', () => res.end('ok'));
    }));
    clientErrors(s);
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(head(6) + 'abc')}, 50, 'def']));
    log(await raw(port, [${JSON.stringify(get('/other'))}]));
  `);
});

// Microtasks left out: rhttp parses a handed stream's bytes on its io
// thread, so they run after the ticks, where core (parsing inside the
// push) runs them first.
test('a stream handed to the server: the body\'s ticks wait for the write that carried it', async (t) => {
  await sameInChild(t, `
    const { Duplex } = require('node:stream');
    ${orderServer({ micro: false })}
    let out = '';
    const d = new Duplex({ read() {}, write(c, e, cb) { out += c; cb(); } });
    s.emit('connection', d);
    d.push(${JSON.stringify(head(6) + 'abc')});
    await sleep(30);
    d.push(${JSON.stringify('def' + get('/next'))});
    await sleep(100);
    log(mask(out));
  `);
});

// The ticks above may destroy the socket in the middle of a read (a
// Connection: close response finishing); core's parser still goes through
// the rest of that read.
test('a handler destroys the socket: the rest of that read is still parsed (its body, a pipelined request, their ends)', async (t) => {
  const lines = await sameInChild(t, `
    const s = http.createServer((req, res) => {
      log('req', req.url, req.socket.destroyed);
      req.on('data', (d) => log('data', req.url, String(d)));
      req.on('end', () => log('end', req.url));
      req.on('close', () => log('close', req.url));
      if (req.url === '/p') req.socket.destroy();
      else res.end('x');
    });
    clientErrors(s);
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(head(3) + 'abc' + get('/next'))}], { quiet: true }));
  `);
  t.true(lines.some((l) => l[0] === 'req' && l[1] === '/next'));
});

test('a Connection: close response finished before its request body, which came in the same read: the request still ends', async (t) => {
  const lines = await sameInChild(t, `
    const s = http.createServer((req, res) => {
      log('req', req.method);
      req.on('end', () => log('end'));
      req.on('close', () => log('close'));
      res.on('finish', () => log('res finish'));
      req.resume();
      res.end();
    });
    const port = await listen(s);
    log(await raw(port, ['DELETE /a HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nConnection: close\\r\\n\\r\\nabc']));
  `);
  t.true(lines.some((l) => l[0] === 'end'));
});

test('a handler destroys the socket: a parse error later in that read still reaches clientError', async (t) => {
  const lines = await sameInChild(t, `
    const s = http.createServer((req, res) => {
      log('req', req.url, req.socket.destroyed);
      req.on('close', () => log('close', req.url));
      if (req.url === '/0') req.socket.destroy();
      else res.end('x');
    });
    s.on('clientError', (e, socket) => { log('clientError', e.code, socket.destroyed); socket.destroy(); });
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(get('/0') + get('/1') + 'BAD\r\n\r\n')}], { quiet: true }));
  `);
  t.true(lines.some((l) => l[0] === 'clientError'));
});

test('a handler destroys the socket, a parse error follows in that read, no clientError listener', async (t) => {
  await sameInChild(t, `
    const s = http.createServer((req, res) => {
      log('req', req.url);
      req.socket.on('error', (e) => log('socket error', e.code));
      req.socket.on('close', () => log('socket close'));
      req.socket.destroy();
    });
    const port = await listen(s);
    log(await raw(port, [${JSON.stringify(get('/0') + 'BAD\r\n\r\n')}], { quiet: true }));
  `);
});
