'use strict';

// Small pieces shared by the http files.
//
// Derived from Node.js lib/internal/http.js (MIT, Node.js contributors), v20,
// plus kEmptyObject/once (internal/util) and getTimerDuration
// (internal/timers), which the http files import from those modules.
//
// Not ported: traceBegin/traceEnd/isTraceHTTPEnabled. Core emits
// `node.http` trace events through an internal binding that user land
// cannot reach (process.binding('trace_events') is not exposed), so rhttp
// emits none.

// Our own reference: fake-timer libraries patch the globals, and core's
// cache timer is immune to them too.
const { setTimeout } = require('timers');
const dc = require('diagnostics_channel');

let utcCache;

// The Date header value, recomputed at most once per second like core.
function utcDate() {
  if (!utcCache) cache();
  return utcCache;
}

function cache() {
  const d = new Date();
  utcCache = d.toUTCString();
  // Unref'd like core's setUnrefTimeout: the cache must not keep the process
  // alive.
  setTimeout(resetCache, 1000 - d.getMilliseconds()).unref();
}

function resetCache() {
  utcCache = undefined;
}

const kEmptyObject = Object.freeze({ __proto__: null });

function once(callback, { preserveReturnValue = false } = kEmptyObject) {
  let called = false;
  let returnValue;
  return function(...args) {
    if (called) return returnValue;
    called = true;
    const result = Reflect.apply(callback, this, args);
    returnValue = preserveReturnValue ? result : undefined;
    return result;
  };
}

// Timeout durations are clamped to a signed int32 like every Node timer.
const TIMEOUT_MAX = 2 ** 31 - 1;

let validateNumber;
let ERR_OUT_OF_RANGE;

// Type checking used by Socket#setTimeout() and ClientRequest#setTimeout().
function getTimerDuration(msecs, name) {
  if (validateNumber === undefined) {
    validateNumber = require('./validators').validateNumber;
    ERR_OUT_OF_RANGE = require('./errors').codes.ERR_OUT_OF_RANGE;
  }
  validateNumber(msecs, name);
  if (msecs < 0 || !Number.isFinite(msecs)) {
    throw new ERR_OUT_OF_RANGE(name, 'a non-negative finite number', msecs);
  }

  // Ensure that msecs fits into signed int32
  if (msecs > TIMEOUT_MAX) {
    process.emitWarning(`${msecs} does not fit into a 32-bit signed integer.` +
                        `\nTimer duration was truncated to ${TIMEOUT_MAX}.`,
                        'TimeoutOverflowWarning');
    return TIMEOUT_MAX;
  }

  return msecs;
}

// The diagnostics channels core's http and net publish on. dc.channel(name)
// is process-wide, so APM tools subscribed to core's names see rhttp's
// events; the publishing (and the message shapes: { request, response,
// socket, server, error }) is up to the server/client code.
const channels = {
  serverRequestStart: dc.channel('http.server.request.start'),
  serverResponseFinish: dc.channel('http.server.response.finish'),
  clientRequestStart: dc.channel('http.client.request.start'),
  clientRequestError: dc.channel('http.client.request.error'),
  clientResponseFinish: dc.channel('http.client.response.finish'),
  netClientSocket: dc.channel('net.client.socket'),
  netServerSocket: dc.channel('net.server.socket'),
  netServerListen: dc.tracingChannel('net.server.listen'),
};

module.exports = {
  channels,
  kOutHeaders: Symbol('kOutHeaders'),
  kNeedDrain: Symbol('kNeedDrain'),
  kEmptyObject,
  getTimerDuration,
  once,
  utcDate,
};
