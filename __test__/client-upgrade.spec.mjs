// The socket a ClientRequest hands to 'upgrade' and 'connect', used as a
// byte stream afterwards: writes and an end made at once (rhttp then still
// waits for Rust to let go of the connection), echoes both ways, counters,
// destroy during the hand-over, and ref/unref of the upgraded socket.
// Differential against node:http, with a raw `net` server on the other end.

import test from 'ava';
import { createRequire } from 'node:module';
import { same, delay, withTimeout, HOST, nodeHttp, RHTTP_PATH } from './helpers/diff.mjs';

const require = createRequire(import.meta.url);
const net = require('node:net');
const tls = require('node:tls');
const fs = require('node:fs');
const path = require('node:path');

// A self-signed certificate for CN=localhost, for tests only.
const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');
const TLS_KEY = fs.readFileSync(path.join(FIXTURES, 'tls-localhost.key'));
const TLS_CERT = fs.readFileSync(path.join(FIXTURES, 'tls-localhost.crt'));

const SWITCH = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n';

/** A raw server: answers the first request head with 101 (plus `extra`),
 * then echoes every chunk as `echo:<chunk>` and logs what it saw. */
async function echoServer(ctx, extra = '') {
  const seen = [];
  let closed;
  const gone = new Promise((resolve) => { closed = resolve; });
  const server = ctx.track(net.createServer({ allowHalfOpen: true }, (s) => {
    let head = '';
    let upgraded = false;
    s.on('data', (d) => {
      if (upgraded) {
        seen.push(['data', d.toString('latin1')]);
        s.write(`echo:${d}`);
        return;
      }
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      s.write(SWITCH + extra);
      const rest = head.slice(end + 4);
      if (rest) {
        seen.push(['data', rest]);
        s.write(`echo:${rest}`);
      }
    });
    // A reset (the client destroyed with echoes unread) is timing.
    s.on('error', () => {});
    s.on('end', () => { seen.push(['end']); s.end(); });
    s.on('close', () => { seen.push(['close']); closed(); });
  }));
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return { port: server.address().port, seen, gone };
}

function upgradeRequest(http, port) {
  return http.request({
    host: HOST, port, agent: false, headers: { Connection: 'Upgrade', Upgrade: 'echo' },
  });
}

function sockView(socket) {
  return {
    isNetSocket: socket instanceof net.Socket,
    readable: socket.readable,
    writable: socket.writable,
    destroyed: socket.destroyed,
    readyState: socket.readyState,
    readableFlowing: socket.readableFlowing,
    allowHalfOpen: socket.allowHalfOpen,
    timeout: socket.timeout,
    remotePort: typeof socket.remotePort,
    listeners: ['data', 'end', 'error', 'close', 'drain', 'timeout'].map((e) => [e, socket.listenerCount(e)]),
  };
}

test('upgrade: writes made in the handler, an echo both ways, then end; counters at close', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const srv = await echoServer(ctx, 'hi');
    const log = [];
    const done = new Promise((resolve) => {
      const req = upgradeRequest(http, srv.port);
      req.on('upgrade', (res, socket, head) => {
        log.push(['upgrade', res.statusCode, head.toString(), sockView(socket)]);
        socket.setNoDelay(true);
        socket.write('a');
        let got = '';
        socket.on('data', (d) => {
          got += d;
          if (got === 'echo:a') socket.write('b');
          if (got === 'echo:aecho:b') socket.end('c');
        });
        socket.on('end', () => log.push(['end', got]));
        socket.on('finish', () => log.push(['finish']));
        socket.on('close', (hadError) => {
          log.push(['close', hadError, socket.bytesRead, socket.bytesWritten, socket.destroyed]);
          resolve();
        });
      });
      req.end();
    });
    await withTimeout(done, 3000, 'socket close');
    await withTimeout(srv.gone, 2000, 'server side close');
    return { log, seen: srv.seen };
  });
  t.deepEqual(node.result.seen, [['data', 'a'], ['data', 'b'], ['data', 'c'], ['end'], ['close']]);
});

test('upgrade: write and end at once in the handler; the peer gets both, then the FIN', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const srv = await echoServer(ctx);
    const log = [];
    const done = new Promise((resolve) => {
      const req = upgradeRequest(http, srv.port);
      req.on('upgrade', (res, socket) => {
        socket.write('one');
        socket.end('two');
        log.push(['ended', socket.writableEnded, socket.writable]);
        let got = '';
        socket.on('data', (d) => { got += d; });
        socket.on('finish', () => log.push(['finish']));
        socket.on('end', () => log.push(['end', got]));
        socket.on('close', (hadError) => { log.push(['close', hadError]); resolve(); });
      });
      req.end();
    });
    await withTimeout(done, 3000, 'socket close');
    await withTimeout(srv.gone, 2000, 'server side close');
    return { log, seen: srv.seen.map((e) => e[0]).join(','), data: srv.seen.filter((e) => e[0] === 'data').map((e) => e[1]).join('') };
  });
  t.is(node.result.data, 'onetwo');
});

test('upgrade: destroy() in the handler closes the connection', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await echoServer(ctx);
    const log = [];
    const done = new Promise((resolve) => {
      const req = upgradeRequest(http, srv.port);
      req.on('upgrade', (res, socket) => {
        socket.write('lost?');
        socket.destroy();
        socket.on('close', (hadError) => { log.push(['close', hadError, socket.destroyed]); resolve(); });
      });
      req.end();
    });
    await withTimeout(done, 3000, 'socket close');
    await withTimeout(srv.gone, 2000, 'server side close');
    return { log, seen: srv.seen };
  });
});

test('upgrade: a 1 MiB echo, paused and resumed on the client side', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const srv = await echoServer(ctx);
    const total = 1024 * 1024;
    const done = new Promise((resolve) => {
      const req = upgradeRequest(http, srv.port);
      req.on('upgrade', (res, socket) => {
        socket.pause();
        socket.write(Buffer.alloc(total, 0x61));
        let got = 0;
        setTimeout(() => {
          socket.on('data', (d) => {
            got += d.length;
            if (got >= total + 5) socket.end();
          });
          socket.resume();
        }, 100);
        socket.on('close', () => resolve(got));
      });
      req.end();
    });
    const got = await withTimeout(done, 5000, 'socket close');
    // The server echoes each chunk with a 5-byte prefix.
    return { atLeast: got >= total + 5 };
  }, { timeout: 10000 });
  t.deepEqual(node.result, { atLeast: true });
});

for (const [what, call, exits] of [
  ['unref()', 'socket.unref()', true],
  ['left ref\'d', '', false],
]) {
  test(`upgrade: an open upgraded socket ${what} ${exits ? 'lets' : 'keeps'} the process ${exits ? 'exit' : 'alive'}`, async (t) => {
    await same(t, async (http, ctx) => {
      const srv = await echoServer(ctx);
      const mod = http === nodeHttp ? 'node:http' : RHTTP_PATH;
      const code = `
        const http = require(${JSON.stringify(mod)});
        const req = http.request({ port: ${srv.port}, host: '127.0.0.1', agent: false,
          headers: { Connection: 'Upgrade', Upgrade: 'echo' } });
        req.on('upgrade', (res, socket) => {
          ${call};
          socket.write('ping');
          socket.on('data', (d) => console.log(String(d)));
        });
        req.end();
        process.on('exit', () => console.log('exit'));
      `;
      const r = await ctx.spawnNode(code, { ms: 1500 });
      return { code: r.code, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr };
    }, { timeout: 8000 });
  });
}

test('connect: the tunnel socket, written at once, echoes', async (t) => {
  await same(t, async (http, ctx) => {
    const srv = await echoServer(ctx);
    const done = new Promise((resolve) => {
      const req = http.request({ host: HOST, port: srv.port, agent: false, method: 'CONNECT', path: 'example.com:443' });
      req.on('connect', (res, socket, head) => {
        socket.write('tls?');
        let got = '';
        socket.on('data', (d) => {
          got += d;
          if (got.includes('echo:tls?')) socket.end();
        });
        socket.on('close', () => resolve([res.statusCode, head.toString(), got]));
      });
      req.end();
    });
    return withTimeout(done, 3000, 'tunnel close');
  });
});

// What HTTPS proxy agents do: TLS over the tunnel socket, wrapped at once
// inside the 'connect' listener. tls wraps a net.Socket's handle natively,
// so the socket must be a real libuv socket by then, as core's is.
test('connect: tls.connect({ socket }) in the listener, through a proxy to a TLS echo server', async (t) => {
  const node = await same(t, async (http, ctx) => {
    const tlsServer = ctx.track(tls.createServer({ key: TLS_KEY, cert: TLS_CERT }, (s) => {
      s.on('data', (d) => s.end(`tls-echo:${d}`));
      s.on('error', () => {});
    }));
    await new Promise((resolve) => tlsServer.listen(0, HOST, resolve));
    const proxy = ctx.track(net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        const upstream = net.connect(tlsServer.address().port, HOST, () => {
          s.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          s.pipe(upstream).pipe(s);
        });
        upstream.on('error', () => s.destroy());
      });
    }));
    await new Promise((resolve) => proxy.listen(0, HOST, resolve));
    const done = new Promise((resolve) => {
      const req = http.request({
        host: HOST, port: proxy.address().port, agent: false, method: 'CONNECT', path: `localhost:${tlsServer.address().port}`,
      });
      req.on('connect', (res, socket, head) => {
        const secure = tls.connect({ socket, servername: 'localhost', ca: TLS_CERT });
        let got = '';
        secure.on('secureConnect', () => secure.write('hello'));
        secure.on('data', (d) => {
          got += d;
          if (got !== 'tls-echo:hello') return;
          resolve({ status: res.statusCode, head: head.length, authorized: secure.authorized, got });
          secure.destroy();
        });
        secure.on('error', (e) => resolve({ error: e.code || e.message }));
      });
      req.end();
    });
    return withTimeout(done, 5000, 'TLS through the tunnel');
  }, { timeout: 10000 });
  t.deepEqual(node.result, { status: 200, head: 0, authorized: true, got: 'tls-echo:hello' });
});
