'use strict';
// The client's response parser with the interface core's _http_client.js
// expects of llhttp's binding (initialize / execute / finish and the
// kOnHeadersComplete / kOnBody / kOnMessageComplete callbacks), backed by
// the Rust parser (src/h1, src/binding/parser.rs).
//
// The callbacks are derived from Node.js lib/_http_common.js (MIT, Node.js
// contributors); only the request-method branch was dropped.

const { AsyncResource } = require('node:async_hooks');
const { fast } = require('./native');
const { IncomingMessage, readStart, readStop } = require('./incoming');

// The native parser's output (src/binding/parser.rs): the shared array
// holds [status, stopAt, n, ...n ints of records]; the call returns the
// records' values in order (an array, or undefined when there are none).
// Records: [P_HEAD | status << 3 | flags << 13] (value: the head's text),
// [P_BODY_AT, offset, length] (a body chunk within the chunk passed in),
// [P_BODY] (value: a body chunk as a Buffer), [P_END], [P_END_TRAILERS]
// (value: trailers), [P_ERROR, at] (values: code, reason).
const { parserNew, parserReset, parserExecute, parserFinish, ints: INTS } = fast;
const P_HEAD = 1;
const P_BODY = 2;
const P_END = 3;
const P_ERROR = 4;
const P_END_TRAILERS = 5;
const P_BODY_AT = 6;
const STATUS_UPGRADE = 1;
const STATUS_ERROR = 2;
const STATUS_MORE = 3; // the shared array filled up: execute again, resuming
// dispatch()'s result for a STATUS_MORE run it got through.
const DISPATCHED = Symbol('dispatched');

const MAX_HEADER_PAIRS = 2000;

// The llhttp callback dispatch() is in (set around the call only: one left
// set means it threw, and the parser has failed with its code, as llhttp's).
const CB_NONE = 0;
const CB_HEADERS_COMPLETE = 1;
const CB_BODY = 2;
const CB_MESSAGE_COMPLETE = 3;
const CALLBACK_ERRORS = [
  null,
  ['HPE_CB_HEADERS_COMPLETE', 'User callback error'],
  ['HPE_JS_EXCEPTION', 'JS Exception'],
  ['HPE_CB_MESSAGE_COMPLETE', '`on_message_complete` callback error'],
];
const { kIncomingMessage, splitRecord, splitTrailers, keptRawHeaders } = require('./common');

// Core's default limit (--max-http-header-size), read once: it is fixed for
// the process, and a require() per response costs a module lookup.
let defaultMaxHeaderSize = 0;
function coreMaxHeaderSize() {
  if (defaultMaxHeaderSize === 0) defaultMaxHeaderSize = require('node:http').maxHeaderSize;
  return defaultMaxHeaderSize;
}

const EMPTY = Buffer.alloc(0);

/** The last parser call's [status, stopAt, n, ...records], copied out of
 * the shared array (a callback may run another parser). */
function takeRecords() {
  return INTS.slice(0, 3 + INTS[2]);
}

class HTTPParser {
  constructor() {
    this.native = null;
    this.current = null;
    // Bumped each time the parser goes back to the free list: a dispatch
    // loop stops when a callback freed (and maybe reused) its parser.
    this.generation = 0;
    this.inCallback = CB_NONE;
    cleanParser(this);
  }

  static get RESPONSE() {
    return 1;
  }

  initialize(type, resource, maxHeaderSize, lenient) {
    // llhttp runs its callbacks in this resource's async context, created
    // here, in the request's (core's HTTPClientAsyncResource).
    this.asyncResource = new AsyncResource(resource && resource.type || 'HTTPINCOMINGMESSAGE');
    this.inCallback = CB_NONE;
    const size = maxHeaderSize || coreMaxHeaderSize();
    if (this.native === null) {
      this.native = parserNew(size, !!lenient);
    } else {
      parserReset(this.native, size, !!lenient);
    }
  }

  /** Bytes parsed (a number, short of `d.length` at an upgrade), or an Error. */
  execute(d) {
    this.current = d;
    if (this.inCallback !== CB_NONE) return callbackError(this.inCallback);
    const req = this.outgoing;
    const method = req && req.method;
    const isHead = method === 'HEAD';
    const isConnect = method === 'CONNECT';
    let values = parserExecute(this.native, d, isHead, isConnect, false);
    for (;;) {
      const out = takeRecords();
      const r = this.asyncResource.runInAsyncScope(this.dispatch, this, out, values, d);
      if (r !== DISPATCHED) return r;
      values = parserExecute(this.native, d, isHead, isConnect, true);
    }
  }

  /** The peer closed: undefined, or an Error for a message cut short. */
  finish() {
    // llhttp_finish does nothing once the parser has failed.
    if (this.native === null || this.socket === null || this.inCallback !== CB_NONE) return undefined;
    const values = parserFinish(this.native);
    const out = takeRecords();
    const r = this.asyncResource.runInAsyncScope(this.dispatch, this, out, values, EMPTY);
    return r instanceof Error ? r : undefined;
  }

  /** Run the callbacks of one execute()'s records: `out` its ints, `values`
   *  its values, `d` the chunk it parsed. */
  dispatch(out, values, d) {
    const status = out[0];
    const generation = this.generation;
    let v = 0;
    for (let i = 3; i < out.length;) {
      const word = out[i];
      switch (word & 7) {
        case P_HEAD: {
          const statusCode = (word >>> 3) & 1023;
          const flags = word >>> 13;
          const parts = splitRecord(values[v++], flags);
          i += 1;
          const statusMessage = parts[0];
          parts.shift();
          this.inCallback = CB_HEADERS_COMPLETE;
          parserOnHeadersComplete.call(this, flags & 0xf, (flags >> 4) & 0xf, parts,
                                       undefined, undefined, statusCode, statusMessage,
                                       (flags & (1 << 9)) !== 0, (flags & (1 << 8)) !== 0);
          this.inCallback = CB_NONE;
          break;
        }
        case P_BODY_AT:
        case P_BODY: {
          let chunk;
          if (word === P_BODY_AT) {
            // A copy with memory of its own, as llhttp's body Buffers are
            // (Buffer::Copy: byteOffset 0, the chunk's length).
            chunk = Buffer.allocUnsafeSlow(out[i + 2]);
            chunk.set(d.subarray(out[i + 1], out[i + 1] + out[i + 2]));
            i += 3;
          } else {
            chunk = values[v++];
            i += 1;
          }
          this.inCallback = CB_BODY;
          parserOnBody.call(this, chunk);
          this.inCallback = CB_NONE;
          break;
        }
        case P_END:
        case P_END_TRAILERS: {
          // Trailers reach core's JS in blocks, capped as a head's are.
          if (word === P_END_TRAILERS) {
            this._headers = keptRawHeaders(splitTrailers(values[v++]), this.maxHeaderPairs);
          }
          i += 1;
          this.inCallback = CB_MESSAGE_COMPLETE;
          parserOnMessageComplete.call(this);
          this.inCallback = CB_NONE;
          break;
        }
        case P_ERROR: {
          // llhttp's error: message set by prepareError once the caller has it.
          const err = new Error('Parse Error');
          err.bytesParsed = out[i + 1];
          err.code = values[v++];
          err.reason = values[v++];
          return err;
        }
        default:
          i = out.length;
      }
      if (this.generation !== generation) { // freed by a callback
        if (status === STATUS_MORE) return d.length;
        break;
      }
    }
    if (status === STATUS_UPGRADE) return out[1];
    if (status === STATUS_ERROR) return new Error('Parse Error');
    if (status === STATUS_MORE) return DISPATCHED;
    return d.length;
  }

  getCurrentBuffer() {
    return this.current || Buffer.alloc(0);
  }

  // llhttp's stream-consumption and lifetime hooks: nothing to do here.
  consume() {}
  unconsume() {}
  pause() {}
  resume() {}
  remove() {}
  free() {}
  close() {}
}

/** llhttp's error for a parser whose callback threw, as execute() reports it. */
function callbackError(kind) {
  const err = new Error('Parse Error');
  // llhttp's offset points into the read that threw: nothing of this one.
  err.bytesParsed = 0;
  err.code = CALLBACK_ERRORS[kind][0];
  err.reason = CALLBACK_ERRORS[kind][1];
  return err;
}

function cleanParser(parser) {
  parser._headers = [];
  parser._url = '';
  parser.socket = null;
  parser.incoming = null;
  parser.outgoing = null;
  parser.maxHeaderPairs = MAX_HEADER_PAIRS;
  parser._consumed = false;
  parser.onIncoming = null;
  parser.joinDuplicateHeaders = null;
}

function parserOnHeadersComplete(versionMajor, versionMinor, headers, method,
                                 url, statusCode, statusMessage, upgrade,
                                 shouldKeepAlive) {
  const parser = this;
  const { socket } = parser;

  if (headers === undefined) {
    headers = parser._headers;
    parser._headers = [];
  }
  headers = keptRawHeaders(headers, parser.maxHeaderPairs);

  const ParserIncomingMessage = (socket && socket.server &&
                                 socket.server[kIncomingMessage]) ||
                                 IncomingMessage;

  const incoming = parser.incoming = new ParserIncomingMessage(socket);
  incoming.httpVersionMajor = versionMajor;
  incoming.httpVersionMinor = versionMinor;
  incoming.httpVersion = `${versionMajor}.${versionMinor}`;
  incoming.joinDuplicateHeaders = socket?.server?.joinDuplicateHeaders ||
                                  parser.joinDuplicateHeaders;
  incoming.url = url === undefined ? '' : url;
  incoming.upgrade = upgrade;

  let n = headers.length;
  if (parser.maxHeaderPairs > 0) n = Math.min(n, parser.maxHeaderPairs);
  incoming._addHeaderLines(headers, n);

  incoming.statusCode = statusCode;
  incoming.statusMessage = statusMessage;

  return parser.onIncoming(incoming, shouldKeepAlive);
}

function parserOnBody(b) {
  const stream = this.incoming;
  if (stream === null) return;
  if (!stream._dumped) {
    const ret = stream.push(b);
    if (!ret) readStop(this.socket);
  }
}

function parserOnMessageComplete() {
  const parser = this;
  const stream = parser.incoming;

  if (stream !== null) {
    stream.complete = true;
    const headers = parser._headers;
    if (headers.length) {
      stream._addHeaderLines(headers, headers.length);
      parser._headers = [];
      parser._url = '';
    }
    stream.push(null);
  }

  readStart(parser.socket);
}

// Core's FreeList of parsers: a keep-alive client allocates one per
// request, and a native parser costs a napi object each time.
class FreeList {
  constructor(name, max, ctor) {
    this.name = name;
    this.ctor = ctor;
    this.max = max;
    this.list = [];
  }

  alloc() {
    return this.list.length > 0 ? this.list.pop() : Reflect.apply(this.ctor, this, arguments);
  }

  free(obj) {
    if (this.list.length < this.max) {
      this.list.push(obj);
      return true;
    }
    return false;
  }
}

const parsers = new FreeList('parsers', 1000, function parsersCb() {
  return new HTTPParser();
});

function freeParser(parser, req, socket) {
  if (parser) {
    cleanParser(parser);
    parser.generation++;
    parser.current = null;
    // A pooled parser keeps its native half: initialize() resets it.
    if (parsers.free(parser) === false) parser.native = null;
  }
  if (req) req.parser = null;
  if (socket) socket.parser = null;
}

function prepareError(err, parser, rawPacket) {
  err.rawPacket = rawPacket || parser.getCurrentBuffer();
  if (typeof err.reason === 'string')
    err.message = `Parse Error: ${err.reason}`;
}

module.exports = { HTTPParser, parsers, freeParser, prepareError, MAX_HEADER_PAIRS };
