// http-proxy (node-http-proxy 1.x), unmodified, under rhttp/register versus
// under core's http. The fixture (fixtures/http-proxy-app.js) runs the
// upstreams and one proxy per option set in a child process, once on core
// and once with register preloaded (then the proxy servers, http-proxy's
// client requests and agent and the upstream servers are all rhttp). This
// process talks to the proxies with raw `net` sockets (or the `ws` client,
// on core's http) and compares, core against rhttp: the exact bytes the
// client got (Date values and ports masked), whether the proxy closed the
// connection, and the events the fixture logged about the request.

import test from 'ava';
import { createRequire } from 'node:module';
import { differentialScenario } from './fixtures/apps.mjs';
import { rawClient, complete } from './helpers/raw-client.mjs';

const require = createRequire(import.meta.url);
const crypto = require('node:crypto');
const { WebSocket } = require('ws');

const FIXTURE = 'http-proxy-app.js';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// Harness

/** `scenario` run against the fixture on core, then on rhttp. */
const differential = (t, scenario) => differentialScenario(t, FIXTURE, scenario);

/** `text` with Date values and the run's port numbers masked. */
function normalise(text, app) {
  let out = text.replace(/^(date: ).*$/gim, '$1<date>');
  for (const [name, port] of Object.entries(app.info.ports)) {
    out = out.replace(new RegExp(`\\b${port}\\b`, 'g'), `<${name}>`);
  }
  return out;
}

/** A raw client connection to proxy `name` of `app`. */
function connect(t, app, name, { allowHalfOpen = false } = {}) {
  const c = rawClient(t, app.info.ports[name], { allowHalfOpen });
  c.view = () => ({ got: normalise(c.text(), app), closed: c.state.closed, error: c.state.error });
  return c;
}


/** A request head for proxy `name`; `x-id` names the request in the notes. */
function head(app, name, method, path, id, headers = {}) {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${app.info.ports[name]}`, `x-id: ${id}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** One connection: send the pieces, wait (bounded) for a complete response,
 * then up to 200 ms more for the proxy to close the connection. */
async function exchange(t, app, name, pieces, { ms = 3000, head = false } = {}) {
  const c = connect(t, app, name);
  await c.send(...pieces);
  if (await c.until(() => complete(c.text(), { head }) > 0 || c.view().closed, ms)) await c.closes(200);
  c.socket.destroy();
  return c.view();
}

/** The fixture's notes about request `id`, grouped by who heard them, once
 * a note matching `until` came (bounded) and the rest had 100 ms to follow.
 * Order is compared within an object, not across objects. */
async function notes(app, id, until, ms = 3000) {
  if (until) {
    await app.waitLine((l) => l.id === id && until.test(`${l.at}: ${l.ev}`), ms, String(until)).catch(() => {});
  }
  await sleep(100);
  const out = {};
  for (const l of app.lines) if (l.id === id) (out[l.at] ||= []).push(l.ev);
  return out;
}


/** The body of a chunked message (no trailers), as a Buffer. */
function dechunk(framed) {
  const parts = [];
  for (let at = 0; ;) {
    const eol = framed.indexOf('\r\n', at);
    const size = parseInt(framed.slice(at, eol), 16);
    if (!(size > 0)) return Buffer.from(parts.join(''), 'latin1');
    parts.push(framed.slice(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** The echo route's JSON body, from the raw bytes of one response. */
const echoed = (got) => JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4));

// ---------------------------------------------------------------------------
// Requests through the proxy

test.serial('GET, HEAD, DELETE: the head the upstream gets, the bytes the client gets', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const out = {};
    for (const method of ['GET', 'HEAD', 'DELETE']) {
      const id = `m-${method}`;
      out[method] = {
        client: await exchange(t, app, 'raw', [head(app, 'raw', method, `/path?q=${method}`, id, { Accept: '*/*' })],
          { head: method === 'HEAD' }),
        notes: await notes(app, id, /^proxy res: close/),
      };
    }
    out.echo = await exchange(t, app, 'plain', [head(app, 'plain', 'GET', '/echo?x=1', 'echo', { 'X-Large': 'y'.repeat(12000) })]);
    // Over the proxy's 16 KiB header limit: its own 431.
    out.tooLarge = await exchange(t, app, 'plain', [head(app, 'plain', 'GET', '/echo', 'big', { 'X-Large': 'y'.repeat(17000) })]);
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core.GET.client.got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nGET ok$/);
  t.regex(core.HEAD.client.got, /\r\n\r\n$/);
  t.regex(core.DELETE.notes['raw upstream'][0], /^DELETE \/path\?q=DELETE HTTP\/1\.1\r\n[^]*content-length: 0\r\n/);
  t.like(echoed(core.echo.got), { method: 'GET', url: '/echo?x=1', received: 0 });
  t.true(echoed(core.echo.got).rawHeaders.includes('y'.repeat(12000)));
  t.like(core.tooLarge, { got: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n', closed: true });
});

const BIG = Buffer.alloc(1024 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789');
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

test.serial('request bodies: Content-Length, chunked (with a trailer), 0 bytes, 1 MB in pieces', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const h = (id, headers) => head(app, 'plain', 'POST', '/echo', id, headers);
    const pieces = [];
    for (let i = 0; i < BIG.length; i += 64 * 1024) pieces.push(BIG.subarray(i, i + 64 * 1024), 1);
    return {
      length: await exchange(t, app, 'plain', [h('cl', { 'Content-Length': 11 }), 'hello', 5, ' world']),
      chunked: await exchange(t, app, 'plain', [
        h('te', { 'Transfer-Encoding': 'chunked' }), '5\r\nhello\r\n', 5, '6\r\n world\r\n', 5, '0\r\nX-Trailer: t\r\n\r\n']),
      empty: await exchange(t, app, 'plain', [h('empty', { 'Content-Length': 0 })]),
      emptyChunked: await exchange(t, app, 'plain', [h('empty-te', { 'Transfer-Encoding': 'chunked' }), '0\r\n\r\n']),
      put1MB: await exchange(t, app, 'plain', [
        head(app, 'plain', 'PUT', '/echo', 'big', { 'Content-Length': BIG.length }), ...pieces]),
    };
  });
  t.deepEqual(rhttp, core);
  t.like(echoed(core.length.got), { received: 11, sha256: sha('hello world') });
  t.like(echoed(core.chunked.got), { received: 11, sha256: sha('hello world') });
  t.like(echoed(core.empty.got), { received: 0 });
  t.like(echoed(core.put1MB.got), { method: 'PUT', received: BIG.length, sha256: sha(BIG) });
});

test.serial('upstream responses: chunked, trailers, several Set-Cookie, 204, 304, 13 KB of headers, 302', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const out = {};
    for (const path of ['/chunked', '/trailers', '/cookies', '/status?code=204', '/status?code=304', '/big', '/redirect']) {
      out[path] = await exchange(t, app, 'plain', [head(app, 'plain', 'GET', path, path)]);
    }
    // An HTTP/1.0 client: http-proxy drops Transfer-Encoding, the body runs to the close.
    out.http10 = await exchange(t, app, 'plain', [head(app, 'plain', 'GET', '/chunked', '1.0').replace('HTTP/1.1', 'HTTP/1.0')]);
    out.eofBody = await exchange(t, app, 'raw', [head(app, 'raw', 'GET', '/eof-body', 'eof')]);
    out.statusText = await exchange(t, app, 'raw', [head(app, 'raw', 'GET', '/status-text', 'st')]);
    out.keyCase = await exchange(t, app, 'case', [head(app, 'case', 'GET', '/status-text', 'kc')]);
    return out;
  });
  t.deepEqual(rhttp, core);
  t.regex(core['/chunked'].got, /transfer-encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n$/);
  t.is(core['/cookies'].got.match(/^set-cookie:/gim).length, 3);
  t.regex(core['/status?code=204'].got, /^HTTP\/1\.1 204 No Content\r\n/);
  t.is(core['/big'].got.match(/^x-big-/gim).length, 40);
  t.regex(core.http10.got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nabbccc$/);
  t.regex(core.eofBody.got, /\r\n\r\n12\r\nread until the end\r\n0\r\n\r\n$/);
  t.regex(core.statusText.got, /^HTTP\/1\.1 200 Fine Thanks\r\n/);
  t.regex(core.keyCase.got, /\r\nX-Mixed-Case: Yes\r\n/);
});

test.serial('a 4 MB response to a client that stops reading for a while', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const c = connect(t, app, 'plain');
    c.socket.pause();
    await c.send(head(app, 'plain', 'GET', '/large', 'large'));
    await sleep(300);
    c.socket.resume();
    await c.closes(5000);
    // Chunk sizes follow the reads, so only the decoded body is compared.
    const text = c.text();
    const top = text.slice(0, text.indexOf('\r\n\r\n'));
    const body = dechunk(text.slice(top.length + 4));
    return { head: normalise(top, app), bytes: body.length, sha: sha(body), closed: c.view().closed };
  });
  t.deepEqual(rhttp, core);
  t.true(core.closed);
  t.is(core.bytes, 4 * 1024 * 1024);
});

test.serial('1xx: Expect: 100-continue, 103 Early Hints, 102 Processing', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const c = connect(t, app, 'plain');
    await c.send(head(app, 'plain', 'POST', '/echo', 'expect', { 'Content-Length': 4, Expect: '100-continue' }));
    const continued = await c.sees('100 Continue', 2000);
    await c.send('body');
    await c.closes(3000);
    return {
      continued,
      expect: c.view(),
      expectNotes: await notes(app, 'expect', /^proxy res: close/),
      hints: await exchange(t, app, 'plain', [head(app, 'plain', 'GET', '/hints', 'hints')]),
      processing: await exchange(t, app, 'raw', [head(app, 'raw', 'GET', '/processing', 'processing')]),
    };
  });
  t.deepEqual(rhttp, core);
  t.true(core.continued);
  t.like(echoed(core.expect.got.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '')), { received: 4 });
});

test.serial('changeOrigin and xfwd: Host and X-Forwarded-* as the upstream sees them', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => ({
    fresh: await exchange(t, app, 'xfwd', [head(app, 'xfwd', 'GET', '/echo', 'x1')]),
    appended: await exchange(t, app, 'xfwd', [head(app, 'xfwd', 'GET', '/echo', 'x2', {
      'X-Forwarded-For': '10.0.0.1', 'X-Forwarded-Host': 'example.test' })]),
  }));
  t.deepEqual(rhttp, core);
  const headers = echoed(core.appended.got).rawHeaders;
  t.is(headers[headers.indexOf('host') + 1], '127.0.0.1:<upstream>');
  t.is(headers[headers.indexOf('x-forwarded-for') + 1], '10.0.0.1,127.0.0.1');
});

test.serial('proxyReq / proxyRes hooks set and remove headers (not proxyReq with Expect)', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => ({
    get: await exchange(t, app, 'hooks', [head(app, 'hooks', 'GET', '/echo', 'h1', { 'X-Remove-Me': 'x' })]),
    post: await exchange(t, app, 'hooks', [
      head(app, 'hooks', 'POST', '/echo', 'h2', { 'X-Remove-Me': 'x', 'Content-Length': 3 }), 'abc']),
    expect: await exchange(t, app, 'hooks', [
      head(app, 'hooks', 'POST', '/echo', 'h3', { 'X-Remove-Me': 'x', 'Content-Length': 3, Expect: '100-continue' }), 'abc']),
    // The second and third reuse the agent's socket: the hook runs on its 'socket' event.
    agent: [
      await exchange(t, app, 'hooksAgent', [head(app, 'hooksAgent', 'GET', '/echo', 'h4', { 'X-Remove-Me': 'x' })]),
      await exchange(t, app, 'hooksAgent', [head(app, 'hooksAgent', 'GET', '/echo', 'h5', { 'X-Remove-Me': 'x' })]),
      await exchange(t, app, 'hooksAgent', [
        head(app, 'hooksAgent', 'POST', '/echo', 'h6', { 'X-Remove-Me': 'x', 'Content-Length': 3 }), 'abc']),
    ],
  }));
  t.deepEqual(rhttp, core);
  const seen = echoed(core.get.got).rawHeaders;
  t.true(seen.includes('x-added'));
  t.false(seen.includes('x-remove-me'));
  t.regex(core.get.got, /^x-proxied: yes\r\n/m);
  t.notRegex(core.get.got, /x-upstream-secret/);
  t.deepEqual(core.agent.map((v) => echoed(v.got).connection), [4, 4, 4]);
  t.true(core.agent.every((v) => echoed(v.got).rawHeaders.includes('x-added')));
});

test.serial('the body-parser recipe: a proxyReq hook writes the already read body anew', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => ({
    client: await exchange(t, app, 'restream', [
      head(app, 'restream', 'POST', '/echo', 'rs', { 'Content-Type': 'application/json', 'Content-Length': 7 }), '{"a":1}']),
    notes: await notes(app, 'rs', /^proxy res: close/),
  }));
  t.deepEqual(rhttp, core);
  t.like(echoed(core.client.got), { received: 25, sha256: sha('{"a":1,"restreamed":true}') });
  t.deepEqual(core.notes.restream, ['written', 'proxyRes 200']);
});

test.serial('selfHandleResponse: manual piping and a buffered, rewritten body', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => ({
    piped: await exchange(t, app, 'self', [head(app, 'self', 'GET', '/chunked', 's1', { 'X-Self': 'pipe' })]),
    buffered: await exchange(t, app, 'self', [head(app, 'self', 'GET', '/cookies', 's2')]),
  }));
  t.deepEqual(rhttp, core);
  t.regex(core.piped.got, /x-self: piped\r\n[^]*1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n$/);
  t.regex(core.buffered.got, /\r\n\r\nCOOKIES$/);
});

// ---------------------------------------------------------------------------
// Keep-alive

test.serial('keep-alive: without an agent the proxy closes after one response; with a keepAlive agent upstream sockets are reused', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const serial = async (name, id, n) => {
      const c = connect(t, app, name);
      for (let i = 0; i < n; i++) {
        await c.send(head(app, name, 'GET', `/echo?i=${i}`, `${id}-${i}`));
        if (!await c.until(() => complete(c.text()) > i || c.view().closed, 2000)) break;
      }
      await c.closes(300);
      c.socket.destroy();
      return c.view();
    };
    const pipelined = async (name, id) => {
      const c = connect(t, app, name);
      await c.send(head(app, name, 'GET', '/echo?i=0', `${id}-0`) + head(app, name, 'GET', '/echo?i=1', `${id}-1`));
      await c.until(() => complete(c.text()) > 1 || c.view().closed, 2000);
      await c.closes(300);
      c.socket.destroy();
      return c.view();
    };
    const noAgent = await serial('plain', 'na', 3);
    const noAgentPipelined = await pipelined('plain', 'np');
    const agentA = await serial('agent', 'ka', 3);
    const agentB = await serial('agent', 'kb', 1);
    const agentPipelined = await pipelined('agent', 'kp');
    // Two at once (the upstream holds each until both are in): two sockets.
    const both = await Promise.all(['kc', 'kd'].map(async (id) => {
      const c = connect(t, app, 'agent');
      await c.send(head(app, 'agent', 'GET', '/echo?meet=2', id));
      await c.until(() => complete(c.text()) > 0, 2000);
      c.socket.destroy();
      return echoed(c.text()).connection;
    }));
    const connections = app.lines.filter((l) => l.at === 'upstream' && /^connection/.test(l.ev)).length;
    // HTTP/1.0 with Connection: keep-alive: a response with a length keeps
    // the connection; one without (http-proxy drops its chunking) ends at the close.
    const c = connect(t, app, 'agent');
    const http10 = (path, id) => head(app, 'agent', 'GET', path, id, { Connection: 'keep-alive' }).replace('HTTP/1.1', 'HTTP/1.0');
    await c.send(http10('/echo', 'k10'));
    await c.until(() => complete(c.text()) > 0, 2000);
    await c.send(http10('/chunked', 'k11'));
    await c.closes(2000);
    // Which of the agent's two free sockets it takes depends on which freed last.
    const http10View = { ...c.view(), got: c.view().got.replace(/"connection":\d+/, '"connection":N') };
    return { noAgent, noAgentPipelined, agentA, agentB, agentPipelined, both: both.sort(), connections, http10: http10View };
  });
  t.deepEqual(rhttp, core);
  t.is(complete(core.noAgent.got), 1);
  t.true(core.noAgent.closed);
  t.is(complete(core.agentA.got), 3);
  t.false(core.agentA.closed);
  // The upstream connection each response came on: without an agent one per
  // request (also the pipelined request the proxy answered no more), with
  // the agent one reused, and a second one only for a second request at once.
  const conns = (v) => [...v.got.matchAll(/"connection":(\d+)/g)].map((m) => Number(m[1]));
  t.deepEqual(conns(core.noAgent), [1]);
  t.deepEqual(conns(core.noAgentPipelined), [2]);
  t.deepEqual(conns(core.agentA), [4, 4, 4]);
  t.deepEqual(conns(core.agentB), [4]);
  t.deepEqual(conns(core.agentPipelined), [4, 5]);
  t.deepEqual(core.both, [4, 5]);
  t.is(core.connections, 5);
  t.regex(core.http10.got, /\r\n\r\nabbccc$/);
  t.true(core.http10.closed);
});

// ---------------------------------------------------------------------------
// Errors

test.serial('upstream refused: the error handler\'s 502, and ECONNREFUSED', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => ({
    client: await exchange(t, app, 'refused', [head(app, 'refused', 'GET', '/x', 'refused')]),
    notes: await notes(app, 'refused', /^proxy res: close/),
  }));
  t.deepEqual(rhttp, core);
  t.regex(core.client.got, /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*\r\n\r\n19\r\nproxy error: ECONNREFUSED\r\n0\r\n\r\n$/);
  t.deepEqual(core.notes.refused, ['error ECONNREFUSED connect ECONNREFUSED 127.0.0.1:<dead>']);
});

for (const how of ['fin', 'rst']) {
  test.serial(`upstream ${how === 'fin' ? 'closes' : 'resets'} mid-response: the client's bytes and the proxy's events`, async (t) => {
    const { core, rhttp } = await differential(t, async (app) => {
      const c = connect(t, app, 'plain');
      await c.send(head(app, 'plain', 'GET', `/reset?how=${how}`, how));
      await c.closes(1000);
      return { client: c.view(), notes: await notes(app, how, /^proxyRes: close/) };
    });
    t.deepEqual(rhttp, core);
    t.regex(core.client.got, /\r\n\r\n8\r\npartial \r\n$/);
    t.deepEqual(core.notes.upstream, [how]);
  });
}

for (const how of ['close', 'rst']) {
  test.serial(`the upstream answers 413 before reading a 1 MB upload, then ${how === 'rst' ? 'resets' : 'closes'}`, async (t) => {
    const { core, rhttp } = await differential(t, async (app) => {
      // Half-open, so that the rest of the body goes out after the proxy's FIN,
      // not racing it: then it must draw a reset from the closed socket.
      const c = connect(t, app, 'plain', { allowHalfOpen: true });
      await c.send(head(app, 'plain', 'POST', `/reject?how=${how}`, how, { 'Content-Length': BIG.length }),
        BIG.subarray(0, 65536));
      const ended = await c.until(() => c.state.ended, 3000);
      await sleep(100);
      for (let at = 65536; at < BIG.length && !c.state.error; at += 65536) {
        c.socket.write(BIG.subarray(at, at + 65536), () => {});
        await sleep(10);
      }
      await c.closes(1000);
      return { ended, client: c.view(), notes: await notes(app, how, /^proxy res: close/) };
    });
    t.deepEqual(rhttp, core);
    t.regex(core.client.got, /^HTTP\/1\.1 413 Payload Too Large\r\n[^]*too large/);
    t.like(core, { ended: true, client: { error: 'EPIPE', closed: true } });
  });
}

test.serial('timeouts: proxyTimeout answers 502; timeout destroys the client connection', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => ({
    proxyTimeout: await exchange(t, app, 'ptimeout', [head(app, 'ptimeout', 'GET', '/slow', 'pt')]),
    proxyTimeoutNotes: await notes(app, 'pt', /^upstream req: close/),
    timeout: await exchange(t, app, 'itimeout', [head(app, 'itimeout', 'GET', '/slow', 'it')]),
    // A GET is complete when its socket times out: no 'aborted', so
    // http-proxy leaves the upstream request open.
    timeoutNotes: await notes(app, 'it', /^proxy res: close/),
    // An upload that stalls is not complete: 'aborted', and the upstream hears it.
    stalled: await exchange(t, app, 'itimeout', [head(app, 'itimeout', 'POST', '/echo', 'st', { 'Content-Length': 10 }), 'half']),
    stalledNotes: await notes(app, 'st', /^upstream req: close/),
  }));
  t.deepEqual(rhttp, core);
  t.regex(core.proxyTimeout.got, /^HTTP\/1\.1 502 [^]*proxy error: ECONNRESET\r\n0\r\n\r\n$/);
  t.like(core.timeout, { got: '', closed: true });
  t.like(core.stalled, { got: '', closed: true });
  t.true(core.stalledNotes['upstream req'].includes('aborted'));
});

test.serial('the client aborts mid-upload: what the proxy and the upstream hear', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const c = connect(t, app, 'plain');
    await c.send(head(app, 'plain', 'POST', '/watch?progress=20000', 'abort', { 'Content-Length': 100000 }),
      Buffer.alloc(20000, 'x'));
    const progressed = await app.waitLine((l) => l.id === 'abort' && l.ev === 'progress', 3000).then(() => true, () => false);
    c.socket.destroy();
    return { progressed, notes: await notes(app, 'abort', /^upstream res: close/) };
  });
  t.deepEqual(rhttp, core);
  t.true(core.progressed);
  t.true(core.notes['upstream req'].includes('aborted'));
});

test.serial('the client goes away mid-download of 64 MB: what the proxy and the upstream hear', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const c = connect(t, app, 'plain');
    // 64 MB: more than the upstream's send buffer and the proxy's receive
    // buffer hold (4 + 32 MB at most here). With 4 MB, whether the upstream
    // got to 'finish' depended on how much the proxy had relayed before the
    // client left (the kernel grows a receive buffer as it is read).
    await c.send(head(app, 'plain', 'GET', '/large?chunks=1024', 'gone'));
    const read = await c.until(() => c.text().length > 100000, 3000);
    c.socket.destroy();
    // http-proxy only acts on 'aborted', which a complete GET does not get.
    return { read, notes: await notes(app, 'gone', /^proxy res: close/) };
  });
  t.deepEqual(rhttp, core);
  t.true(core.read);
  t.false('upstream res' in core.notes);
});

test.serial('malformed upstream responses: the HPE_* code in the error handler, the 502', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const out = {};
    for (const path of ['/bad-status', '/bad-length', '/bad-header', '/bad-chunk', '/cl-and-te', '/dup-length']) {
      out[path] = {
        client: await exchange(t, app, 'raw', [head(app, 'raw', 'GET', path, path)], { ms: 1500 }),
        notes: await notes(app, path, /^proxy res: close/, 1500),
      };
    }
    return out;
  });
  t.deepEqual(rhttp, core);
  t.deepEqual(core['/bad-status'].notes.raw, ['error HPE_INVALID_STATUS Parse Error: Invalid status code']);
  t.regex(core['/bad-status'].client.got, /^HTTP\/1\.1 502 [^]*\r\nproxy error: HPE_INVALID_STATUS\r\n/);
  t.regex(core['/bad-length'].notes.raw[0], /^error HPE_INVALID_CONTENT_LENGTH /);
  t.regex(core['/bad-header'].notes.raw[0], /^error HPE_INVALID_HEADER_TOKEN /);
  t.regex(core['/cl-and-te'].notes.raw[0], /^error HPE_INVALID_TRANSFER_ENCODING /);
  t.regex(core['/dup-length'].notes.raw[0], /^error HPE_UNEXPECTED_CONTENT_LENGTH /);
  // The data parsed before the bad chunk size still reaches the ended response.
  t.true(core['/bad-chunk'].notes['proxy res'].includes('error ERR_STREAM_WRITE_AFTER_END'));
});

// ---------------------------------------------------------------------------
// WebSockets through proxy.ws

const WS_HEADERS = {
  Upgrade: 'websocket',
  Connection: 'Upgrade',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version': 13,
};

for (const closer of ['client', 'upstream']) {
  test.serial(`WebSocket, hand-written handshake upstream: bytes both ways, the ${closer} closes`, async (t) => {
    const { core, rhttp } = await differential(t, async (app) => {
      const id = `ws-${closer}`;
      const c = connect(t, app, 'plain');
      // The first bytes ride with the handshake: they are the upgrade's head.
      await c.send(head(app, 'plain', 'GET', '/ws', id, WS_HEADERS) + 'early');
      const steps = [await c.sees('echo:early', 2000)];
      await c.send('hello');
      steps.push(await c.sees('echo:hello', 2000));
      steps.push(c.text().includes('\r\n\r\nupstream first;'));
      if (closer === 'client') c.socket.end();
      else await c.send('bye');
      steps.push(await c.closes(2000));
      return { steps, client: c.view(), notes: await notes(app, id, /^upstream socket: close/) };
    });
    t.deepEqual(rhttp, core);
    t.deepEqual(core.steps, [true, true, true, true]);
    t.regex(core.client.got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  });
}

test.serial('WebSocket through a keepAlive agent (then HTTP on that agent) and with xfwd', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const session = async (name, id) => {
      const c = connect(t, app, name);
      await c.send(head(app, name, 'GET', '/ws', id, WS_HEADERS));
      const opened = await c.sees('upstream first;', 2000);
      await c.send('ping');
      const echoedBack = await c.sees('echo:ping', 2000);
      c.socket.end();
      return { opened, echoedBack, closed: await c.closes(2000), client: c.view(), notes: await notes(app, id, /^upstream socket: close/) };
    };
    return {
      before: await exchange(t, app, 'agent', [head(app, 'agent', 'GET', '/echo', 'a1')]),
      agent: await session('agent', 'wa'),
      after: await exchange(t, app, 'agent', [head(app, 'agent', 'GET', '/echo', 'a2')]),
      xfwd: await session('xfwd', 'wx'),
    };
  });
  t.deepEqual(rhttp, core);
  t.like(core.agent, { opened: true, echoedBack: true, closed: true });
  t.like(core.xfwd, { opened: true, echoedBack: true, closed: true });
  t.regex(core.xfwd.notes.upstream[0], /x-forwarded-proto\|ws\|/);
  // The upgraded socket left the agent's pool: the next request takes another.
  t.deepEqual([echoed(core.before.got).connection, echoed(core.after.got).connection], [1, 2]);
});

test.serial('WebSocket with the ws package at both ends (client here on core http): messages, close codes', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => {
    const session = (id, last) => new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${app.info.ports.plain}/wslib`, { headers: { 'x-id': id } });
      t.teardown(() => ws.terminate());
      const got = [];
      const timer = setTimeout(() => { ws.terminate(); resolve({ got, timeout: true }); }, 3000);
      ws.on('upgrade', (res) => got.push(`upgrade ${res.statusCode}`));
      ws.on('open', () => { ws.send('one'); ws.send(Buffer.from([0, 1, 2, 255])); ws.send(BIG); ws.send(last); });
      ws.on('message', (data, isBinary) => {
        got.push(!isBinary ? `text ${data}` : data.length > 4 ? `binary ${data.length} ${sha(data)}` : `binary ${data.toString('hex')}`);
        if (got.length === 5 && last === 'two') ws.close(4000, 'client closes');
      });
      ws.on('error', (err) => got.push(`error ${err.message}`));
      ws.on('close', (code, reason) => { clearTimeout(timer); got.push(`close ${code} ${reason}`); resolve({ got }); });
    });
    const client = await session('wsc', 'two');
    const upstream = await session('wsu', 'close please');
    return {
      client, upstream,
      notes: [await notes(app, 'wsc', /^upstream ws: close/), await notes(app, 'wsu', /^upstream ws: close/)],
    };
  });
  t.deepEqual(rhttp, core);
  t.deepEqual(core.client.got, ['upgrade 101', 'text echo one', 'binary 000102ff',
    `binary ${BIG.length} ${sha(BIG)}`, 'text echo two', 'close 4000 client closes']);
  t.deepEqual(core.upstream.got.slice(-1), ['close 4001 upstream closes']);
});

test.serial('refused upgrades: 400 from an upgrade listener, 404 from a server without one', async (t) => {
  const { core, rhttp } = await differential(t, async (app) => ({
    400: await exchange(t, app, 'plain', [head(app, 'plain', 'GET', '/ws-400', 'r400', WS_HEADERS)], { ms: 2000 }),
    404: await exchange(t, app, 'bare', [head(app, 'bare', 'GET', '/ws', 'r404', WS_HEADERS)], { ms: 2000 }),
    notes: await notes(app, 'r400'),
  }));
  t.deepEqual(rhttp, core);
  t.regex(core[400].got, /^HTTP\/1\.1 400 Bad Request\r\n[^]*bad upgrade$/);
  t.regex(core[404].got, /^HTTP\/1\.1 404 Not Found\r\n[^]*no websockets at \/ws$/);
});
