'use strict';
// The client's response parser with the interface core's _http_client.js
// expects of llhttp's binding (initialize / execute / finish and the
// kOnHeadersComplete / kOnBody / kOnMessageComplete callbacks), backed by
// the Rust parser (src/h1, src/binding/parser.rs).
//
// The callbacks are derived from Node.js lib/_http_common.js (MIT, Node.js
// contributors); only the request-method branch was dropped.

const { AsyncResource } = require('node:async_hooks');
const { binding } = require('./native');
const { IncomingMessage, readStart, readStop } = require('./incoming');

// Record kinds of the native parser's output (src/binding/parser.rs): a
// head is [P_HEAD | status << 3 | flags << 13, text], a body chunk its
// Buffer alone, an end [P_END] or [P_END_TRAILERS, trailers].
const P_HEAD = 1;
const P_END = 3;
const P_ERROR = 4;
const P_END_TRAILERS = 5;
const STATUS_UPGRADE = 1;
const STATUS_ERROR = -1;

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
      this.native = new binding.NativeResponseParser(size, !!lenient);
    } else {
      this.native.reset(size, !!lenient);
    }
  }

  /** Bytes parsed (a number, short of `d.length` at an upgrade), or an Error. */
  execute(d) {
    this.current = d;
    if (this.inCallback !== CB_NONE) return callbackError(this.inCallback);
    const req = this.outgoing;
    const method = req && req.method;
    const out = this.native.execute(d, method === 'HEAD', method === 'CONNECT');
    return this.asyncResource.runInAsyncScope(this.dispatch, this, out, d.length);
  }

  /** The peer closed: undefined, or an Error for a message cut short. */
  finish() {
    // llhttp_finish does nothing once the parser has failed.
    if (this.native === null || this.socket === null || this.inCallback !== CB_NONE) return undefined;
    const r = this.asyncResource.runInAsyncScope(this.dispatch, this, this.native.finish(), 0);
    return r instanceof Error ? r : undefined;
  }

  dispatch(out, length) {
    const status = out[0];
    const generation = this.generation;
    let i = 2;
    while (i < out.length) {
      const word = out[i];
      // The array may be longer than its records (holes at the end).
      if (word === undefined) break;
      if (typeof word !== 'number') {
        this.inCallback = CB_BODY;
        parserOnBody.call(this, word);
        this.inCallback = CB_NONE;
        i += 1;
      } else {
        switch (word & 7) {
          case P_HEAD: {
            const statusCode = (word >>> 3) & 1023;
            const flags = word >>> 13;
            const parts = splitRecord(out[i + 1], flags);
            i += 2;
            const statusMessage = parts[0];
            parts.shift();
            this.inCallback = CB_HEADERS_COMPLETE;
            parserOnHeadersComplete.call(this, flags & 0xf, (flags >> 4) & 0xf, parts,
                                         undefined, undefined, statusCode, statusMessage,
                                         (flags & (1 << 9)) !== 0, (flags & (1 << 8)) !== 0);
            this.inCallback = CB_NONE;
            break;
          }
          case P_END:
          case P_END_TRAILERS: {
            if (word === P_END_TRAILERS) {
              this._headers = splitTrailers(out[i + 1]);
              i += 2;
            } else {
              i += 1;
            }
            this.inCallback = CB_MESSAGE_COMPLETE;
            parserOnMessageComplete.call(this);
            this.inCallback = CB_NONE;
            break;
          }
          case P_ERROR: {
            // llhttp's error: message set by prepareError once the caller has it.
            const err = new Error('Parse Error');
            err.bytesParsed = out[i + 3];
            err.code = out[i + 1];
            err.reason = out[i + 2];
            return err;
          }
          default:
            i = out.length;
        }
      }
      if (this.generation !== generation) break; // freed by a callback
    }
    if (status === STATUS_UPGRADE) return out[1];
    if (status === STATUS_ERROR) return new Error('Parse Error');
    return length;
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
