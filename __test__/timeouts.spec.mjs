// Checklist item 15: a head not complete within headersTimeout, or a request
// not complete within requestTimeout, gets 408 and the connection closes
// (CVE-2020-8251, slowloris) — exactly as core does.
//
// Both servers run with small limits. Core only checks its connection list
// every connectionsCheckingInterval, so the outcome is compared exactly
// (bytes, close, events, clientError code) and the timing only within
// loose bounds on both sides.

import test from 'ava';
import { IMPLS, MODES, observe, comparable, summary, semaphore } from './helpers/raw.mjs';
import { sameInChild } from './helpers/child-scenario.mjs';

const limit = semaphore(4);

const OPTS = { headersTimeout: 500, requestTimeout: 1000, connectionsCheckingInterval: 100 };
const H = 'Host: a\r\n';

/** `text` split into `n`-byte pieces. */
function drip(text, n = 1) {
  const out = [];
  for (let i = 0; i < text.length; i += n) out.push(text.slice(i, i + n));
  return out;
}

// `window` is [earliest, latest] ms after connecting for the server to close
// the connection when core times out; `null` means the connection must not
// be timed out inside the observation.
const CASES = [
  { name: 'a head never completed gets 408 after headersTimeout, like core',
    send: `GET / HTTP/1.1\r\n${H}X-A: b`, idleMs: 2500, maxMs: 3500,
    window: [450, 2500], coreStatus: 408 },
  { name: 'only part of the request line gets 408 after headersTimeout, like core',
    send: 'GET /slo', idleMs: 2500, maxMs: 3500, window: [450, 2500], coreStatus: 408 },
  { name: 'slowloris: a head sent a byte every 100 ms gets 408 after headersTimeout, like core',
    send: drip(`GET / HTTP/1.1\r\n${H}X-Slow: ${'s'.repeat(100)}\r\n\r\n`), gapMs: 100,
    idleMs: 2500, maxMs: 3500, window: [450, 2500], coreStatus: 408, racyCloseKind: true },
  { name: 'slowloris: endless headers, one line every 100 ms, get 408 after headersTimeout, like core',
    send: [`GET / HTTP/1.1\r\n${H}`, ...Array.from({ length: 40 }, (_, i) => `X-${i}: v\r\n`)], gapMs: 100,
    idleMs: 2500, maxMs: 3500, window: [450, 2500], coreStatus: 408, racyCloseKind: true },
  { name: 'a body never completed gets 408 after requestTimeout, like core',
    send: `POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nab`, idleMs: 2500, maxMs: 4000,
    window: [950, 3000], coreStatus: 408 },
  { name: 'a chunked body never completed gets 408 after requestTimeout, like core',
    send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`, idleMs: 2500, maxMs: 4000,
    window: [950, 3000], coreStatus: 408 },
  { name: 'a body sent a byte every 100 ms gets 408 after requestTimeout, like core',
    send: [`POST / HTTP/1.1\r\n${H}Content-Length: 40\r\n\r\n`, ...drip('b'.repeat(40))], gapMs: 100,
    idleMs: 2500, maxMs: 4500, window: [950, 3000], coreStatus: 408, bodyTiming: true, racyCloseKind: true },
  { name: 'a head completed at 300 ms (inside headersTimeout) is served like core',
    send: [`GET / HTTP/1.1\r\n${H}`, 'X-A: b\r\n', '\r\n'], gapMs: 150,
    idleMs: 800, maxMs: 2500, window: null, coreStatus: 200 },
  { name: 'an idle keep-alive connection after a complete request is not timed out, like core',
    send: `GET / HTTP/1.1\r\n${H}\r\n`, idleMs: 1800, maxMs: 2500, window: null, coreStatus: 200 },
  // Core starts the headersTimeout clock when the connection is accepted.
  { name: 'a connection that sends nothing gets 408 after headersTimeout, like core',
    send: '', idleMs: 2500, maxMs: 3500, window: [450, 2500], coreStatus: 408 },
  { name: 'the second keep-alive request whose head never completes gets 408, like core',
    send: [`GET /1 HTTP/1.1\r\n${H}\r\n`, `GET /2 HTTP/1.1\r\n${H}X-A: b`], gapMs: 300,
    idleMs: 2500, maxMs: 4000, window: [300, 3000] },
  { name: 'a request whose response was already sent but whose body never ends is handled like core',
    send: `POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nab`, idleMs: 2500, maxMs: 4000,
    onRequest: (req, res) => res.end('early\n'), window: [950, 3000] },
  // Once the request is fully received core's clock stops, answered or not.
  { name: 'a complete request whose handler never answers is not timed out, like core',
    send: `GET / HTTP/1.1\r\n${H}\r\n`, idleMs: 1800, maxMs: 2500,
    onRequest: () => {}, window: null },
  { name: 'headersTimeout and requestTimeout set to 0 disable the 408, like core',
    send: `POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nab`, idleMs: 1500, maxMs: 2000,
    serverOptions: { headersTimeout: 0, requestTimeout: 0, connectionsCheckingInterval: 100 }, window: null },
];

function statusOf(obs) {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(obs.response);
  return m ? Number(m[1]) : null;
}

/** When the server closed the connection (null: it did not). */
function actedAt(obs) {
  return obs.closedAt;
}

for (const kase of CASES) {
  kase.serverOptions ??= OPTS;
  for (const mode of MODES) {
    test(`[15] ${kase.name} [${mode.name}]`, async (t) => {
      t.timeout(30_000);
      const [core, ours] = await limit(() => Promise.all(IMPLS.map((impl) => observe(impl, kase, mode))));
      t.log(`node : ${summary(core)} closed at ${actedAt(core)} ms`);
      t.log(`rhttp: ${summary(ours)} closed at ${actedAt(ours)} ms`);

      if (kase.coreStatus !== undefined && !mode.listener) {
        t.is(statusOf(core), kase.coreStatus, 'core itself answered differently: case table is stale');
      }
      t.true(core.after.startsWith('HTTP/1.1 200 OK\r\n'), 'core: a fresh connection afterwards gets 200');

      // The outcome, exactly. Where the client is still dripping bytes when
      // the server closes, how many body bytes got in first and whether the
      // client sees FIN or RST first are timing, not behaviour.
      const outcome = (obs) => {
        const o = comparable(obs);
        if (kase.bodyTiming) o.events = o.events.map((evs) => evs.filter((e) => e[0] !== 'body'));
        if (kase.racyCloseKind) delete o.closeKind;
        return o;
      };
      t.deepEqual(outcome(ours), outcome(core));

      // The timing, loosely: both inside the window, or neither acting.
      if (kase.window) {
        const [lo, hi] = kase.window;
        const c = actedAt(core);
        t.true(c !== null && c >= lo && c <= hi, `core closed at ${c} ms, outside [${lo}, ${hi}]: case table is stale`);
        const o = actedAt(ours);
        t.true(o !== null && o >= lo && o <= hi, `rhttp closed at ${o} ms, core at ${c} ms; window [${lo}, ${hi}]`);
      } else {
        t.false(core.closed, 'core kept the connection open');
        t.false(ours.closed, 'rhttp kept the connection open');
      }
    });
  }
}

test('a server with the default timeouts has the same timeout properties as core', async (t) => {
  const [core, ours] = IMPLS.map((impl) => {
    const s = impl.http.createServer();
    return {
      headersTimeout: s.headersTimeout,
      requestTimeout: s.requestTimeout,
      keepAliveTimeout: s.keepAliveTimeout,
      timeout: s.timeout,
    };
  });
  t.deepEqual(ours, core);
});

// The loop is busy across an idle keep-alive connection's deadline while
// its next request arrives. Core runs the expired timer before it reads:
// the socket is destroyed and the request never parsed. rhttp's io thread
// read it already; the timeout's destroy must drop it, not emit 'request'
// on a destroyed socket (whose answer then never went out).
test('a request read while the loop was busy past the keep-alive deadline is dropped with the socket', async (t) => {
  const lines = await sameInChild(t, `
    const seen = [];
    const server = http.createServer((req, res) => {
      if (req.url === '/block') {
        busy(500);
        res.end('unblocked');
        return;
      }
      seen.push('request ' + req.url);
      res.on('finish', () => seen.push('finish ' + req.url));
      res.end('hello');
    });
    server.keepAliveTimeout = 1; // the deadline: 1 + 1000 ms after the answer
    let conns = 0;
    server.on('connection', (socket) => {
      if (++conns !== 1) return;
      socket.on('timeout', () => seen.push('timeout'));
      socket.on('close', () => seen.push('close'));
    });
    const port = await listen(server);
    const idle = net.connect(port, '127.0.0.1');
    idle.on('error', () => {});
    let got = '';
    idle.on('data', (d) => {
      got += d;
      if (!got.endsWith('hello') || idle.sentSecond) return;
      idle.sentSecond = true;
      setTimeout(() => {
        const blocker = net.connect(port, '127.0.0.1', () => blocker.write('GET /block HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));
        blocker.on('data', () => {});
        blocker.on('error', () => {});
      }, 800);
      setTimeout(() => idle.write('GET /second HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'), 900);
    });
    idle.write('GET /first HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');
    await new Promise((resolve) => idle.on('close', resolve));
    await sleep(100);
    log(seen, got.split('HTTP/1.1 200').length - 1);
    server.close();
  `, { ms: 6000 });
  t.deepEqual(lines, [[['request /first', 'finish /first', 'timeout', 'close'], 1]]);
});
