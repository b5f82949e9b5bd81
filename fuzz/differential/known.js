'use strict';
// Known differences: each was found by a differential test or fuzzer and
// left as is (README.md "Known differences from core" lists the accepted
// ones). A confirmed difference whose (input, node's observation, the
// implementation's observation) one of these matches is reported as
// "KNOWN [id]" and does not fail the run.
//
// An entry: { id, target, reason, source, match(input, node, impl) }.
// `match` should be as narrow as the difference: it sees the whole
// observations and should check that the rest is equal. Entries with
// `match: null` are listed for the record; no target here can observe
// them.

const { same } = require('./lib');

const clone = (o) => JSON.parse(JSON.stringify(o));

// ---------------------------------------------------------------------------
// Helpers over the server target's observation.

const requestHeads = (o) => (o.events || []).filter((e) => e[2] && Array.isArray(e[2].raw));

// ---------------------------------------------------------------------------

const KNOWN = [
  // --- README.md "Known differences from core" -----------------------------
  {
    id: 'batch-handler-ticks',
    target: 'server',
    source: 'README.md',
    reason: 'Handlers of several connections\' requests that arrive in one batch run back to ' +
      'back; their ticks and microtasks run after them. (The server target uses one ' +
      'connection per case.)',
    match: null,
  },
  {
    id: 'client-error-per-read',
    target: 'server',
    source: 'stop 21 (seeds 801, 9358)',
    reason: 'After a parse error both repeat \'clientError\' for each later read until the ' +
      'socket closes. Pieces a few ms apart: libuv read two of them as one where rhttp\'s io ' +
      'thread read each, so rhttp reports the error once more (the rawPackets together are ' +
      'core\'s one); or a listener\'s socket.end(data, destroy) closes a turn later in rhttp ' +
      'and one more piece is read first. Timing: replays are flaky.',
    match(input, node, impl) {
      const errs = (o) => (o.details || []).filter((d) => d.code && /^HPE_/.test(d.code));
      const n = errs(node);
      const r = errs(impl);
      if (r.length <= n.length || n.length === 0) return false;
      if (!r.every((d) => d.code === n[0].code)) return false;
      const dropRepeats = (o) => {
        const x = clone(o);
        let seen = false;
        x.events = (x.events || []).filter((e) => {
          if (e[0] !== 'clientError') return true;
          if (seen) return false;
          seen = true;
          return true;
        });
        delete x.details;
        return x;
      };
      return same(dropRepeats(node), dropRepeats(impl));
    },
  },
  {
    id: 'raw-packet-start',
    target: 'server',
    source: 'README.md',
    reason: 'clientError err.rawPacket (and err.bytesParsed, which counts into it): rhttp\'s ' +
      'starts at the first byte of the read not consumed yet (after an earlier request, or a ' +
      'body\'s earlier chunks, of the same read), core\'s is the whole read; and across reads ' +
      '(pieces 0-30 ms apart) rhttp\'s io thread and libuv split the bytes differently. Each ' +
      'rawPacket is still a run of the bytes sent, and everything else is equal.',
    match(input, node, impl) {
      const strip = (o) => {
        const x = clone(o);
        for (const d of x.details || []) {
          delete d.rawPacket;
          delete d.bytesParsed;
        }
        return x;
      };
      if (!same(strip(node), strip(impl))) return false;
      const sent = input.pieces.join('');
      return [node, impl].every((o) => (o.details || []).every((d) =>
        d.rawPacket === undefined || sent.includes(d.rawPacket)));
    },
  },
  {
    id: 'body-read-split',
    target: 'server',
    source: 'README.md (server reads ahead) / stop 22 (seed 20259)',
    reason: 'A request body sent in pieces 0-30 ms apart reaches \'data\' in chunks split at ' +
      'other places: libuv reads the pieces in other groups than rhttp\'s io thread, which ' +
      'stops at the body gate until JS takes the body. Each request\'s body is the same ' +
      'bytes, and every other event is the same, in the same order.',
    match(input, node, impl) {
      if (!Array.isArray(input.pieces) || input.pieces.length < 2) return false;
      const bodies = (o) => {
        const m = {};
        for (const e of o.events || []) if (e[0] === 'body') m[e[1]] = (m[e[1]] || '') + e[2];
        return m;
      };
      // Runs of one request's 'body' events as one marker.
      const shape = (o) => {
        const x = clone(o);
        const events = [];
        for (const e of x.events || []) {
          const last = events[events.length - 1];
          if (e[0] !== 'body') events.push(e);
          else if (!(last && last[0] === 'body' && last[1] === e[1])) events.push(['body', e[1]]);
        }
        x.events = events;
        return x;
      };
      return same(bodies(node), bodies(impl)) && same(shape(node), shape(impl));
    },
  },
  {
    id: 'insecure-eof-body-response',
    target: 'server',
    source: 'README.md',
    reason: 'insecureHTTPParser, a body read to the EOF (Transfer-Encoding not ending in ' +
      'chunked): a response written at the request\'s \'end\' goes out (its \'close\' comes ' +
      'before the socket\'s); core ends the socket in the same callback and loses it.',
    match(input, node, impl) {
      if (!require('./server').CONFIGS[input.config].opts.insecureHTTPParser) return false;
      const teNotChunked = requestHeads(node).some((e) => {
        const raw = e[2].raw;
        const te = [];
        for (let i = 0; i < raw.length; i += 2) {
          if (raw[i].toLowerCase() === 'transfer-encoding') te.push(raw[i + 1]);
        }
        const last = te.join(',').split(',').pop().replace(/^[ \t]+|[ \t]+$/g, '');
        return te.length > 0 && last.toLowerCase() !== 'chunked';
      });
      if (!teNotChunked) return false;
      const order = (o) => ({ ...o, response: undefined, closed: undefined,
        events: o.events && o.events.filter((e) => e[0] !== 'close' && e[0] !== 'resClose') });
      return impl.response.startsWith(node.response) && same(order(node), order(impl));
    },
  },
  {
    id: 'malformed-tail-fin',
    target: 'client',
    source: 'README.md',
    reason: 'Client, a malformed response followed by 64-128 KiB more: the socket closes with ' +
      'a FIN where core\'s closes with a reset (the io thread had read the bytes already); ' +
      'only the server can tell.',
    match(input, node, impl) {
      if (require('./client').pieceBytes(input).length < 64 * 1024) return false;
      const srv = (log) => log[log.length - 1];
      const a = srv(node);
      const b = srv(impl);
      if (!Array.isArray(a) || a[0] !== 'srv' || !same(node.slice(0, -1), impl.slice(0, -1))) {
        return false;
      }
      return a[2].some((c, i) => c.err === 'ECONNRESET' && b[2][i] && !b[2][i].err);
    },
  },
  {
    id: 'destroy-close-before-immediate',
    target: 'response',
    source: 'README.md (loop-turn placement)',
    reason: 'After destroy(), \'close\' (and a request\'s \'aborted\') come before an ' +
      'immediate queued right after the call; core\'s come in the close phase after it.',
    match(input, node, impl) {
      const a = node.log;
      const b = impl.log;
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      return /awaited/.test(a[i] || '') &&
        /^ev:(req:aborted|res:close|socket:close)/.test(b[i] || '');
    },
  },
  {
    id: 'closing-socket-finish-turn',
    target: 'response',
    source: 'README.md (loop-turn placement)',
    reason: 'A closing response\'s socket \'finish\'/\'close\' come one turn later than core\'s.',
    match(input, node, impl) {
      const norm = (o) => {
        const x = clone(o);
        x.log = x.log.filter((l) => !/^ev:socket:(finish|close)/.test(l));
        if (x.snapAfterOps) {
          for (const k of ['sock.destroyed', 'sock.readable', 'sock.writable', 'sock.writableEnded']) {
            delete x.snapAfterOps[k];
          }
        }
        return x;
      };
      return same(norm(node), norm(impl));
    },
  },
  {
    id: 'reset-while-writing',
    target: 'request',
    source: 'README.md',
    reason: 'Client: a server reset while the client writes from a \'response\'/\'continue\' ' +
      'handler ends the socket cleanly (core: the write fails with ECONNRESET).',
    match(input, node, impl) {
      const resets = input.rules.some((r) => /reset/i.test(r.resp));
      const writesLate = input.reqs.some((r) => r.ops.some((o) =>
        (o.op === 'write' || o.op === 'end') && /^(response|continue|data|information)$/.test(o.trigger)));
      if (!resets || !writesLate) return false;
      const text = JSON.stringify(node.logs);
      return /ECONNRESET/.test(text) && !/ECONNRESET/.test(JSON.stringify(impl.logs));
    },
  },
  {
    id: 'res-destroy-unread-fin',
    target: 'request',
    source: 'README.md',
    reason: 'Client: res.destroy() with ~100 KiB of the body unread closes with a FIN where ' +
      'core\'s resets (the io thread had read the rest already); only the server can tell.',
    match(input, node, impl) {
      if (!input.rules.some((r) => r.resp === 'bigBody')) return false;
      const ends = (o) => o.server.map((c) => c.end);
      const rest = (o) => ({ ...o, server: o.server.map((c) => c.data) });
      return same(rest(node), rest(impl)) && ends(node).some((e, i) =>
        e === 'err:ECONNRESET' && ends(impl)[i] === 'fin');
    },
  },
];

function knownFor(target, input, node, impl) {
  for (const k of KNOWN) {
    if (k.target !== target || !k.match) continue;
    try {
      if (k.match(input, node, impl)) return k;
    } catch {
      // an observation of another shape (a harness timeout): not this one
    }
  }
  return null;
}

module.exports = { KNOWN, knownFor };
