// What the server-library specs (server-libs, express-libs, restify-inject)
// share: raw requests named by an `x-id` header, what a raw client saw of
// them, and the notes a fixture logged about each (`{ id, at, ev }` lines,
// see fixtures/apps.mjs). Each spec runs a scenario built from these
// against its fixture on core and on rhttp and compares the two.

import { rawClient, complete } from './raw-client.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `text` with Date values and the run's ports (the app's, and any others
 * its ready line lists as `ports`) masked. (So no number the tests send or
 * expect is in the ephemeral range, 32768-60999: it could be a port.) */
export function normalise(text, app) {
  let out = text.replace(/^(date: ).*$/gim, '$1<date>');
  for (const [name, port] of Object.entries({ port: app.info.port, ...app.info.ports })) {
    out = out.replace(new RegExp(`\\b${port}\\b`, 'g'), `<${name}>`);
  }
  return out;
}

/** A raw client connection to `app`. */
export function connect(t, app, { allowHalfOpen = false } = {}) {
  const c = rawClient(t, app.info.port, { allowHalfOpen });
  /** What the client saw: the bytes, whether the server ended (FIN) the
   * connection, and any socket error (ECONNRESET: the server reset it). */
  c.view = () => ({ got: normalise(c.text(), app), ended: c.state.ended, closed: c.state.closed, error: c.state.error });
  return c;
}

/** A request head; `x-id` names the request in the fixture's notes. */
export function head(method, path, id, headers = {}, version = '1.1') {
  const lines = [`${method} ${path} HTTP/${version}`, 'Host: 127.0.0.1', `x-id: ${id}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A request with a body of `type`, head and body in one write. */
export const typed = (method, path, id, type, body, extra = {}) =>
  head(method, path, id, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra }) + body;
export const jsonHead = (method, path, id, body, extra) => typed(method, path, id, 'application/json', body, extra);

/** One connection: send the pieces, wait (bounded) for `n` complete
 * responses, then up to `linger` ms more for the server to close. */
export async function exchange(t, app, pieces, { ms = 3000, head: isHead = false, n = 1, linger = 150 } = {}) {
  const c = connect(t, app);
  await c.send(...pieces);
  if (await c.until(() => complete(c.text(), { head: isHead }) >= n || c.state.closed, ms)) await c.closes(linger);
  c.socket.destroy();
  return c.view();
}

/** The fixture's notes about request `id` (each masked as `normalise`
 * does), grouped by who heard them, once a note matching `until` came
 * (bounded) and the rest had `settle` ms to follow; and (`order`, unless
 * `ordered` is false) every note as 'at: ev', in the order they came, so
 * the order across groups is compared too (`ordered` may instead pick the
 * groups that go in `order`: a function of the group's name). Groups in
 * `unordered` are compared as sets: sorted, and not in `order`. Memory
 * samples (`at: 'memory'`) are left out. */
export async function notes(app, id, until, { ms = 3000, settle = 100, ordered = true, unordered = [] } = {}) {
  const inOrder = (at) => !unordered.includes(at) && (typeof ordered === 'function' ? ordered(at) : true);
  if (until) {
    await app.waitLine((l) => l.id === id && until.test(`${l.at}: ${l.ev}`), ms, String(until)).catch(() => {});
  }
  await sleep(settle);
  const out = {};
  const order = [];
  for (const l of app.lines) {
    if (l.id !== id || l.at === 'memory') continue;
    const ev = typeof l.ev === 'string' ? normalise(l.ev, app) : l.ev;
    (out[l.at] ||= []).push(ev);
    if (inOrder(l.at)) order.push(`${l.at}: ${typeof ev === 'string' ? ev : JSON.stringify(ev)}`);
  }
  for (const at of unordered) out[at]?.sort();
  if (ordered) out.order = order;
  return out;
}

/** Runs each case ({ name: pieces }) on its own connection, all at once
 * (each names its request with x-id), and returns what the client saw and
 * the notes of each, once a note matching `until` came (by default: its
 * response closed). */
export async function all(t, app, cases, { until = /^res: close/, ordered = true, unordered } = {}) {
  const entries = await Promise.all(Object.entries(cases).map(async ([name, pieces]) => {
    const id = pieces[0].match(/x-id: (.*)\r\n/)[1];
    const client = await exchange(t, app, pieces, { head: /^HEAD /.test(pieces[0]) });
    return [name, { client, notes: await notes(app, id, until, { ordered, unordered }) }];
  }));
  return Object.fromEntries(entries);
}

/** One keep-alive connection: each request is sent once the answers to
 * the ones before it are complete (bounded), then the server has `linger`
 * ms to close; what the client saw. */
export async function inTurn(t, app, requests, { linger = 150 } = {}) {
  const c = connect(t, app);
  for (let i = 0; i < requests.length; i++) {
    await c.send(requests[i]);
    if (!await c.until(() => complete(c.text()) > i || c.state.closed, 2000)) break;
  }
  await c.closes(linger);
  c.socket.destroy();
  return c.view();
}

/** The keep-alive and pipelining scenario of the server-library specs:
 * `requests` in turn on one connection, then `pipelined` bytes in one
 * write on another (until `n` answers), and the notes of `ids` once each
 * response closed. */
export async function keepAliveAndPipelined(t, app, { requests, pipelined, n, ids }) {
  const ka = await inTurn(t, app, requests);
  const piped = await exchange(t, app, [pipelined], { n });
  const out = { ka, pipelined: piped, notes: {} };
  for (const id of ids) out.notes[id] = await notes(app, id, /^res: close/, { settle: 0 });
  return out;
}

/** A multipart/form-data body: parts are { name, value[, type] } fields or
 * { name, filename, type, data } files. */
export function multipartBody(parts, boundary) {
  const out = [];
  for (const p of parts) {
    out.push(Buffer.from(`--${boundary}\r\n`));
    if (p.filename !== undefined) {
      out.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\n` +
        `Content-Type: ${p.type || 'application/octet-stream'}\r\n\r\n`));
      out.push(Buffer.from(p.data));
    } else {
      out.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"\r\n` +
        (p.type ? `Content-Type: ${p.type}\r\n` : '') + '\r\n'));
      out.push(Buffer.from(p.value));
    }
    out.push(Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

/** The body of the first response in `got` (latin1 text, as read). */
export const bodyOf = (got) => got.slice(got.indexOf('\r\n\r\n') + 4);
/** The first response's body in `got`, its chunked framing (if any) undone. */
export function unchunkedBody(got) {
  const body = bodyOf(got);
  if (!/\r\ntransfer-encoding: chunked\r\n/i.test(got.slice(0, got.indexOf('\r\n\r\n') + 2))) return body;
  let out = '';
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
/** The first response's body, as JSON in UTF-8. */
export const jsonOf = (got) => JSON.parse(Buffer.from(bodyOf(got), 'latin1').toString('utf8'));
/** The first response's status code. */
/** Sends SIGUSR2 (the fixture stops its server) and waits for 'stopping'. */
export async function stopServer(app) {
  app.child.kill('SIGUSR2');
  await app.waitLine((l) => l.at === 'stop' && l.ev === 'stopping', 2000, 'stopping');
}

/** A shutdown scenario's start: an idle keep-alive connection (one answer
 * to `idlePath` read) and a busy one (its `busyPath` handler noted
 * 'start'), then the server told to stop. */
export async function stopWithIdleAndBusy(t, app, idlePath, busyPath) {
  const idle = connect(t, app);
  await idle.send(head('GET', idlePath, 'idle'));
  await idle.until(() => complete(idle.text()) > 0, 2000);
  const busy = connect(t, app);
  await busy.send(head('GET', busyPath, 'busy'));
  await app.waitLine((l) => l.id === 'busy' && l.ev === 'start', 1000, 'busy in').catch(() => {});
  await stopServer(app);
  return { idle, busy };
}

/** `buf` in pieces of `size` bytes with `gap` ms between them (exchange's pieces). */
export function pieces(buf, size, gap = 1) {
  const out = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size), gap);
  return out;
}
/** `buf` as chunked framing, `size` bytes a chunk, `gap` ms apart, and the last chunk. */
export const chunked = (buf, size, gap) => [
  ...pieces(buf, size, gap).map((p) => (typeof p === 'number' ? p : Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]))),
  '0\r\n\r\n',
];
export const statusOf = (got) => Number(got.split(' ')[1]);
