// Scenario pieces shared by the agent pool specs (client-pool*.spec.mjs).

import { delay, ok, onceOr, poolView } from './client-diff.mjs';

/** Answers each request with `c<conn>-r<i>` after `ms` milliseconds; a
 * request whose path contains `close` gets `Connection: close` and the
 * connection is ended. */
export function slow(ms) {
  return async (conn) => {
    for (let i = 0; ; i++) {
      if (!(await conn.waitRequests(i + 1, 5000))) return;
      if (ms) await delay(ms);
      const close = /^GET [^ ]*close/.test(conn.requests[i]);
      conn.write(ok(`c${conn.index}-r${i}`, close ? { Connection: 'close' } : {}));
      if (close) { conn.end(); return; }
    }
  };
}

/** Sends a GET; `closed` resolves once it closed (or after `ms`, logged as
 * 'pending') and logs [label, body | error code | 'pending', reusedSocket]. */
export function fire(http, ctx, opts, label, ms = 1500) {
  const req = http.request(opts);
  let text = '';
  let error;
  req.on('response', (res) => { res.setEncoding('latin1'); res.on('data', (d) => { text += d; }); });
  req.on('error', (e) => { error = e.code || e.message; });
  ctx.defer(() => req.destroy());
  const closed = onceOr(req, 'close', ms).then(async (args) => {
    await delay(5);
    ctx.log.push([label, args === null ? 'pending' : (error ?? text), req.reusedSocket]);
  });
  req.end();
  return { req, closed };
}

/** The server's connections: how many requests each got. */
export const connView = (srv) => srv.conns.map((c) => c.requests.length);

/** Requests `/0` .. `/count-1` one after the other through agent `a`,
 * logging the pool after each (`settle` ms after its close). */
export async function inTurn(http, ctx, opts, a, { count = 2, settle = 0 } = {}) {
  for (let i = 0; i < count; i++) {
    await fire(http, ctx, { ...opts, path: `/${i}` }, `r${i}`).closed;
    if (settle) await delay(settle);
    ctx.log.push([`after r${i}`, poolView(a)]);
  }
}
