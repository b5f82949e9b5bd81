'use strict';

// Shared HTTP helpers: token/header-value checks, header name/value
// validation, method list.
//
// Derived from Node.js lib/_http_common.js (MIT, Node.js contributors), v20.
// The llhttp parser glue (parsers FreeList, parserOn*, freeParser,
// prepareError) is not here: parsing happens in Rust. Node's shape for parse
// errors is built by internal/errors parseError().
// validateHeaderName/validateHeaderValue live here (core has them in
// _http_outgoing) so that both outgoing.js and the server/client can use
// them without a require cycle; outgoing.js re-exports them.

const { debuglog } = require('util');
const { getDefaultHighWaterMark } = require('stream');
const {
  hideStackFramesAt,
  codes: {
    ERR_HTTP_INVALID_HEADER_VALUE,
    ERR_INVALID_CHAR,
    ERR_INVALID_HTTP_TOKEN,
  },
} = require('./internal/errors');

let debug = debuglog('http', (fn) => {
  debug = fn;
});

// The parser's method table, in llhttp's order, as core's _http_common
// exports it (http.METHODS is a sorted copy). Taken from the running Node so
// the list follows its llhttp version.
const methods = (() => {
  try {
    return require('_http_common').methods.slice();
  } catch {
    return require('http').METHODS.slice();
  }
})();

const kIncomingMessage = Symbol('IncomingMessage');

/** A byte stream's default highWaterMark (settable since Node 19.9). */
function defaultHighWaterMark() {
  return typeof getDefaultHighWaterMark === 'function' ? getDefaultHighWaterMark(false) : 16 * 1024;
}

// Core's parser default for maxHeaderPairs (server: maxHeadersCount * 2).
const MAX_HEADER_PAIRS = 2000;

const tokenRegExp = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
/**
 * Verifies that the given val is a valid HTTP token
 * per the rules defined in RFC 7230
 * See https://tools.ietf.org/html/rfc7230#section-3.2.6
 */
function checkIsHttpToken(val) {
  return tokenRegExp.test(val);
}

const headerCharRegex = /[^\t\x20-\x7e\x80-\xff]/;
/**
 * True if val contains an invalid field-vchar
 *  field-value    = *( field-content / obs-fold )
 *  field-content  = field-vchar [ 1*( SP / HTAB ) field-vchar ]
 *  field-vchar    = VCHAR / obs-text
 */
function checkInvalidHeaderChar(val) {
  return headerCharRegex.test(val);
}

// http.validateHeaderName. The stack of a thrown error starts at the
// caller, as with core's hideStackFrames().
function validateHeaderName(name, label) {
  if (typeof name !== 'string' || !name || !checkIsHttpToken(name)) {
    throw hideStackFramesAt(
      new ERR_INVALID_HTTP_TOKEN(label || 'Header name', name),
      validateHeaderName);
  }
}

// http.validateHeaderValue.
function validateHeaderValue(name, value) {
  if (value === undefined) {
    throw hideStackFramesAt(
      new ERR_HTTP_INVALID_HEADER_VALUE(value, name), validateHeaderValue);
  }
  if (checkInvalidHeaderChar(value)) {
    debug('Header "%s" contains invalid characters', name);
    throw hideStackFramesAt(
      new ERR_INVALID_CHAR('header content', name), validateHeaderValue);
  }
}

// --insecure-http-parser, from the command line or NODE_OPTIONS (core reads
// it through its internal option parser).
const insecureHTTPParser =
  process.execArgv.includes('--insecure-http-parser') ||
  (process.env.NODE_OPTIONS || '').split(/\s+/).includes('--insecure-http-parser');

let warnedLenient = false;

function isLenient() {
  if (insecureHTTPParser && !warnedLenient) {
    warnedLenient = true;
    process.emitWarning('Using insecure HTTP parsing');
  }
  return insecureHTTPParser;
}

// A head crosses from Rust as one latin1 record: fields joined by NUL, or,
// when a field itself holds a NUL (insecure parser only), `len:field…`
// with this flag set (src/bridge/record.rs).
const RECORD_LENGTH_PREFIXED = 1 << 11;

/** The NUL-separated fields of `record` from index `from` on: what
 * `record.slice(from).split('\0')` gives, in half the time for a head's
 * few fields (String.prototype.split is a runtime call in V8). */
function splitNul(record, from) {
  const fields = [];
  for (;;) {
    const end = record.indexOf('\0', from);
    if (end === -1) {
      fields.push(record.slice(from));
      return fields;
    }
    fields.push(record.slice(from, end));
    from = end + 1;
  }
}

function splitRecord(record, flags) {
  if ((flags & RECORD_LENGTH_PREFIXED) === 0) return splitNul(record, 0);
  const fields = [];
  let i = 0;
  while (i < record.length) {
    const colon = record.indexOf(':', i);
    const end = colon + 1 + Number(record.slice(i, colon));
    fields.push(record.slice(colon + 1, end));
    i = end;
  }
  return fields;
}

/** A trailer record: a leading NUL marks the length-prefixed form. */
function splitTrailers(record) {
  return record.charCodeAt(0) === 0 ?
    splitRecord(record.slice(1), RECORD_LENGTH_PREFIXED) :
    splitNul(record, 0);
}

// Core's C++ parser hands headers to JS in batches of 31 pairs once a head
// has more than 31, and JS stops appending batches once it holds
// maxHeaderPairs entries; rawHeaders keeps whole batches (observed on Node
// 20: 2100 headers give 2046 rawHeaders entries by default).
const HEADER_BATCH_ENTRIES = 62;

function keptRawHeaders(list, maxEntries) {
  if (maxEntries <= 0 || list.length <= HEADER_BATCH_ENTRIES) return list;
  let kept = 0;
  while (kept < list.length && kept < maxEntries) kept += HEADER_BATCH_ENTRIES;
  return kept >= list.length ? list : list.slice(0, kept);
}

// Node's own tick-queue flush, the one a MakeCallback runs as it returns:
// rhttp runs it where core's parser or socket reads go through one.
const runNextTicks = process._tickCallback;

// How long the doorbell's calls keep taking batches in one turn of the
// event loop before the rest waits for the next turn: a timer due waits
// about this long, plus one batch.
const TURN_BUDGET_MS = 1;

// Shared by every TurnBudget that took a batch in this turn of the loop, from
// its first batch (the poll phase) until the check phase ends the turn: a
// connection started under one completes in a later turn, as libuv adds a new
// fd to epoll only at the next poll.
let pollMark = null;

/** This turn's mark while its poll phase has drained, else null. */
function currentPollMark() {
  return pollMark;
}

/** Rust rings a server's or the client's doorbell in the poll phase, where
 * core reads its sockets, and Node runs the calls rung while one runs back
 * to back (up to 1,000). Past TURN_BUDGET_MS of them in one turn, `take()`
 * says no and the end of the turn rings for the rest (`ring`: ask Rust to
 * ring again for what is queued): a busy process yields to timers and
 * immediates each turn, as core does between its reads. */
class TurnBudget {
  constructor(ring) {
    this.ring = ring;
    this.start = -1;
    this.deferred = false;
    // Counts the turns that took batches.
    this.turn = 0;
  }

  /** Whether this doorbell call may drain now. */
  take() {
    const now = performance.now();
    if (this.start < 0) {
      this.start = now;
      if (pollMark === null) pollMark = {};
      setImmediate(endTurn, this);
      return true;
    }
    if (now - this.start < TURN_BUDGET_MS) return true;
    this.deferred = true;
    return false;
  }

  /** Ring when this turn ends. A batch continued from a tick (after a
   * callback threw) can run in a turn no doorbell call started: that turn's
   * end is scheduled here, or what it held would wait for an event that may
   * never come. */
  ringAtTurnEnd() {
    this.deferred = true;
    if (this.start < 0) {
      this.start = performance.now();
      setImmediate(endTurn, this);
    }
  }
}

function endTurn(budget) {
  budget.start = -1;
  budget.turn++;
  pollMark = null;
  if (budget.deferred) {
    budget.deferred = false;
    budget.ring();
  }
}

module.exports = {
  defaultHighWaterMark,
  runNextTicks,
  TurnBudget,
  currentPollMark,
  keptRawHeaders,
  RECORD_LENGTH_PREFIXED,
  splitRecord,
  splitNul,
  splitTrailers,
  _checkInvalidHeaderChar: checkInvalidHeaderChar,
  _checkIsHttpToken: checkIsHttpToken,
  checkInvalidHeaderChar,
  checkIsHttpToken,
  chunkExpression: /(?:^|\W)chunked(?:$|\W)/i,
  continueExpression: /(?:^|\W)100-continue(?:$|\W)/i,
  CRLF: '\r\n',
  isLenient,
  kIncomingMessage,
  MAX_HEADER_PAIRS,
  methods,
  validateHeaderName,
  validateHeaderValue,
};
