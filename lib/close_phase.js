'use strict';
// Callbacks in libuv's close phase (src/binding/close_phase.rs). Core emits
// a socket's 'close' from its handle's close callback: after the I/O and
// the immediates of that loop turn, the sockets closed in one turn last-in
// first-out, with the ticks of each run before the next.

const { binding } = require('./native');

// token -> [async scope or null, fn, a, b]
const pending = new Map();
let lastToken = 0;

// This load's dispatcher (a program may load rhttp's JS more than once).
const dispatcher = binding.closePhaseInit(dispatch);

/** Runs `fn(a, b)` in this loop turn's close phase, in `scope` (an
 * AsyncResource) when given. */
function inClosePhase(scope, fn, a, b) {
  lastToken = (lastToken + 1) >>> 0;
  pending.set(lastToken, [scope, fn, a, b]);
  binding.closeLater(dispatcher, lastToken);
}

function dispatch(token) {
  const job = pending.get(token);
  if (job === undefined) return;
  pending.delete(token);
  if (job[0] !== null) job[0].runInAsyncScope(job[1], null, job[2], job[3]);
  else job[1](job[2], job[3]);
}

module.exports = { inClosePhase };
