'use strict';
// http.Server and ServerResponse.
//
// Derived from Node.js lib/_http_server.js (MIT, Node.js contributors). What
// changed: llhttp and net.Socket reading are replaced by the Rust connection
// tasks; their events arrive in batches through `drain()` (see
// `dispatchEvents`) and play the role of core's parser callbacks
// (parserOnIncoming, parserOnBody, parserOnMessageComplete, socketOnError).
// Listening reuses net.Server's argument handling and overrides `_listen2`.
// Everything a user or a framework can observe is kept as in core.

const fs = require('node:fs');
const net = require('node:net');
const EE = require('node:events');
const assert = require('./internal/assert');
const dc = require('node:diagnostics_channel');
const { AsyncResource } = require('node:async_hooks');
const { promisify } = require('node:util');

const {
  binding, unpackEvents, EVENT_WIDTH, PAD_ABSTRACT_PIPE_NAMES,
  EV_CONNECTION, EV_REQUEST, EV_BODY, EV_BODY_END, EV_PARSE_ERROR,
  EV_REQUEST_TIMEOUT, EV_TIMEOUT, EV_DRAIN, EV_END, EV_CLOSE, EV_DATA, EV_BODY_GATED, EV_HANDED_OVER,
  REQ_KEEP_ALIVE, REQ_UPGRADE, REQ_HAS_BODY, REQ_PIPELINED, REQ_EARLY_FLUSH, PAUSE_BODY, PAUSE_PIPELINE, PAUSE_GATE,
} = require('./native');
const { Socket, closeFd, behindBatch, flushBehind, flushBehindIfLate, coreOwnerSymbol } = require('./socket');
const {
  continueExpression, chunkExpression, kIncomingMessage, checkInvalidHeaderChar,
  keptRawHeaders, splitNul, splitRecord, splitTrailers, RECORD_LENGTH_PREFIXED, runNextTicks,
  TurnBudget,
} = require('./common');
const {
  kUniqueHeaders, parseUniqueHeadersOption, OutgoingMessage, kEndWroteNothing, kFinFollowsLast,
} = require('./outgoing');
const { kOutHeaders, kNeedDrain } = require('./internal/http');
const { IncomingMessage } = require('./incoming');
const { ConnResetException, codes, UVExceptionWithHostPort, ErrnoException } = require('./internal/errors');
const {
  ERR_HTTP_REQUEST_TIMEOUT,
  ERR_HTTP_HEADERS_SENT,
  ERR_HTTP_INVALID_STATUS_CODE,
  ERR_HTTP_SOCKET_ASSIGNED,
  ERR_HTTP_SOCKET_ENCODING,
  ERR_INVALID_ARG_VALUE,
  ERR_INVALID_CHAR,
  ERR_OUT_OF_RANGE,
} = codes;
const { validateInteger, validateBoolean, validateObject, validateLinkHeaderValue } = require('./internal/validators');
const { STATUS_CODES } = require('node:http');

const onRequestStartChannel = dc.channel('http.server.request.start');
const onResponseFinishChannel = dc.channel('http.server.response.finish');

const kServerResponse = Symbol('ServerResponse');
const kNative = Symbol('rhttp.native');
const kTurnBudget = Symbol('rhttp.turnBudget');
const kSockets = Symbol('rhttp.sockets');
const kRefSockets = Symbol('rhttp.refSockets');
const kIsRef = Symbol('rhttp.isRef');
const kState = Symbol('rhttp.state');
const kFed = Symbol('rhttp.fed');
// The peer's FIN is on its way to the readable side (EV_END seen, 'end'
// not yet pushed); and the Rust connection closed cleanly meanwhile.
const kEofPending = Symbol('rhttp.eofPending');
const kClosedAfterEof = Symbol('rhttp.closedAfterEof');
// The connection's async context (core's HTTPServerAsyncResource): every
// event of the connection runs in it, so AsyncLocalStorage state a handler
// sets is seen by that request's later callbacks and by no other connection.
const kAsyncScope = Symbol('rhttp.asyncScope');
// Events held back because core would not have read them yet (see
// holdReads): the socket's records, the turn its data last ran in, and how
// many sockets of the server hold some.
const kHeld = Symbol('rhttp.held');
const kReadTurn = Symbol('rhttp.readTurn');
const kHeldCount = Symbol('rhttp.heldCount');
// Connections accepted in the turn kFreshTurn (ids), and their events held
// for the next turn's first batch (see holdForNextTurn).
const kFreshConns = Symbol('rhttp.freshConns');
const kFreshTurn = Symbol('rhttp.freshTurn');
const kNextTurn = Symbol('rhttp.nextTurn');
// On a request: its 'close' releases its socket's held events.
const kHeldRelease = Symbol('rhttp.heldRelease');
const kReleasing = Symbol('rhttp.releasing');
// Connection ids whose parser flushed headers early (see earlyHeaderFlush).
const kFlushedConns = Symbol('rhttp.flushedConns');
const kEmptyObject = Object.freeze({ __proto__: null });

const HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER = 1000;

// ---------------------------------------------------------------------------
// ServerResponse

function ServerResponse(req, options) {
  OutgoingMessage.call(this, options);

  if (req.method === 'HEAD') this._hasBody = false;

  this.req = req;
  this.sendDate = true;
  this._sent100 = false;
  this._expect_continue = false;

  if (req.httpVersionMajor < 1 || req.httpVersionMinor < 1) {
    this.useChunkedEncodingByDefault = chunkExpression.test(req.headers.te);
    this.shouldKeepAlive = false;
  }
}
Object.setPrototypeOf(ServerResponse.prototype, OutgoingMessage.prototype);
Object.setPrototypeOf(ServerResponse, OutgoingMessage);

ServerResponse.prototype.statusCode = 200;
ServerResponse.prototype.statusMessage = undefined;
ServerResponse.prototype[kFinFollowsLast] = true;

function onServerResponseClose() {
  // A stale 'close' can arrive after detachSocket(); see core's comment.
  if (this._httpMessage) {
    emitCloseNT(this._httpMessage);
  }
}

ServerResponse.prototype.assignSocket = function assignSocket(socket) {
  if (socket._httpMessage) {
    throw new ERR_HTTP_SOCKET_ASSIGNED();
  }
  socket._httpMessage = this;
  socket.on('close', onServerResponseClose);
  this.socket = socket;
  this.emit('socket', socket);
  this._flush();
};

ServerResponse.prototype.detachSocket = function detachSocket(socket) {
  assert(socket._httpMessage === this);
  socket.removeListener('close', onServerResponseClose);
  socket._httpMessage = null;
  this.socket = null;
};

ServerResponse.prototype.writeContinue = function writeContinue(cb) {
  this._writeRaw('HTTP/1.1 100 Continue\r\n\r\n', 'ascii', cb);
  this._sent100 = true;
};

ServerResponse.prototype.writeProcessing = function writeProcessing(cb) {
  this._writeRaw('HTTP/1.1 102 Processing\r\n\r\n', 'ascii', cb);
};

ServerResponse.prototype.writeEarlyHints = function writeEarlyHints(hints, cb) {
  let head = 'HTTP/1.1 103 Early Hints\r\n';

  validateObject(hints, 'hints');

  if (hints.link === null || hints.link === undefined) {
    return;
  }

  const link = validateLinkHeaderValue(hints.link);

  if (link.length === 0) {
    return;
  }

  head += 'Link: ' + link + '\r\n';

  for (const key of Object.keys(hints)) {
    if (key !== 'link') {
      head += key + ': ' + hints[key] + '\r\n';
    }
  }

  head += '\r\n';

  this._writeRaw(head, 'ascii', cb);
};

ServerResponse.prototype._implicitHeader = function _implicitHeader() {
  this.writeHead(this.statusCode);
};

ServerResponse.prototype.writeHead = writeHead;
function writeHead(statusCode, reason, obj) {
  if (this._header) {
    throw new ERR_HTTP_HEADERS_SENT('write');
  }

  const originalStatusCode = statusCode;

  statusCode |= 0;
  if (statusCode < 100 || statusCode > 999) {
    throw new ERR_HTTP_INVALID_STATUS_CODE(originalStatusCode);
  }

  if (typeof reason === 'string') {
    this.statusMessage = reason;
  } else {
    if (!this.statusMessage)
      this.statusMessage = STATUS_CODES[statusCode] || 'unknown';
    obj ??= reason;
  }
  this.statusCode = statusCode;

  let headers;
  if (this[kOutHeaders]) {
    // Both setHeader() and writeHead() headers: merge into kOutHeaders.
    let k;
    if (Array.isArray(obj)) {
      if (obj.length % 2 !== 0) {
        throw new ERR_INVALID_ARG_VALUE('headers', obj);
      }
      for (let n = 0; n < obj.length; n += 2) {
        k = obj[n + 0];
        if (k) this.setHeader(k, obj[n + 1]);
      }
    } else if (obj) {
      const keys = Object.keys(obj);
      for (let i = 0; i < keys.length; i++) {
        k = keys[i];
        if (k) this.setHeader(k, obj[k]);
      }
    }
    headers = this[kOutHeaders];
  } else {
    headers = obj;
  }

  if (checkInvalidHeaderChar(this.statusMessage))
    throw new ERR_INVALID_CHAR('statusMessage');

  const statusLine = `HTTP/1.1 ${statusCode} ${this.statusMessage}\r\n`;

  if (statusCode === 204 || statusCode === 304 ||
      (statusCode >= 100 && statusCode <= 199)) {
    // RFC 9110 6.4.1: these responses never carry content.
    this._hasBody = false;
  }

  // Don't keep alive connections where the client expects 100 Continue
  // but we sent a final status; they may put extra bytes on the wire.
  if (this._expect_continue && !this._sent100) {
    this.shouldKeepAlive = false;
  }

  this._storeHeader(statusLine, headers);

  return this;
}

// Docs-only deprecated: DEP0063
ServerResponse.prototype.writeHeader = ServerResponse.prototype.writeHead;

function emitCloseNT(self) {
  if (!self._closed) {
    self.destroyed = true;
    self._closed = true;
    self.emit('close');
  }
}

// ---------------------------------------------------------------------------
// Server

function storeHTTPOptions(options) {
  this[kIncomingMessage] = options.IncomingMessage || IncomingMessage;
  this[kServerResponse] = options.ServerResponse || ServerResponse;

  const maxHeaderSize = options.maxHeaderSize;
  if (maxHeaderSize !== undefined)
    validateInteger(maxHeaderSize, 'maxHeaderSize', 0);
  this.maxHeaderSize = maxHeaderSize;

  const insecureHTTPParser = options.insecureHTTPParser;
  if (insecureHTTPParser !== undefined)
    validateBoolean(insecureHTTPParser, 'options.insecureHTTPParser');
  this.insecureHTTPParser = insecureHTTPParser;

  const requestTimeout = options.requestTimeout;
  if (requestTimeout !== undefined) {
    validateInteger(requestTimeout, 'requestTimeout', 0);
    this.requestTimeout = requestTimeout;
  } else {
    this.requestTimeout = 300_000;
  }

  const headersTimeout = options.headersTimeout;
  if (headersTimeout !== undefined) {
    validateInteger(headersTimeout, 'headersTimeout', 0);
    this.headersTimeout = headersTimeout;
  } else {
    this.headersTimeout = Math.min(60_000, this.requestTimeout);
  }

  if (this.requestTimeout > 0 && this.headersTimeout > 0 && this.headersTimeout > this.requestTimeout) {
    throw new ERR_OUT_OF_RANGE('headersTimeout', '<= requestTimeout', headersTimeout);
  }

  const keepAliveTimeout = options.keepAliveTimeout;
  if (keepAliveTimeout !== undefined) {
    validateInteger(keepAliveTimeout, 'keepAliveTimeout', 0);
    this.keepAliveTimeout = keepAliveTimeout;
  } else {
    this.keepAliveTimeout = 5_000;
  }

  const connectionsCheckingInterval = options.connectionsCheckingInterval;
  if (connectionsCheckingInterval !== undefined) {
    validateInteger(connectionsCheckingInterval, 'connectionsCheckingInterval', 0);
    this.connectionsCheckingInterval = connectionsCheckingInterval;
  } else {
    this.connectionsCheckingInterval = 30_000;
  }

  const requireHostHeader = options.requireHostHeader;
  if (requireHostHeader !== undefined) {
    validateBoolean(requireHostHeader, 'options.requireHostHeader');
    this.requireHostHeader = requireHostHeader;
  } else {
    this.requireHostHeader = true;
  }

  const joinDuplicateHeaders = options.joinDuplicateHeaders;
  if (joinDuplicateHeaders !== undefined) {
    validateBoolean(joinDuplicateHeaders, 'options.joinDuplicateHeaders');
  }
  this.joinDuplicateHeaders = joinDuplicateHeaders;

  const rejectNonStandardBodyWrites = options.rejectNonStandardBodyWrites;
  if (rejectNonStandardBodyWrites !== undefined) {
    validateBoolean(rejectNonStandardBodyWrites, 'options.rejectNonStandardBodyWrites');
    this.rejectNonStandardBodyWrites = rejectNonStandardBodyWrites;
  } else {
    this.rejectNonStandardBodyWrites = false;
  }
}

function Server(options, requestListener) {
  if (!(this instanceof Server)) return new Server(options, requestListener);

  if (typeof options === 'function') {
    requestListener = options;
    options = kEmptyObject;
  } else if (options == null) {
    options = kEmptyObject;
  } else {
    validateObject(options, 'options');
  }

  storeHTTPOptions.call(this, options);
  net.Server.call(
    this,
    { allowHalfOpen: true, noDelay: options.noDelay ?? true,
      keepAlive: options.keepAlive,
      keepAliveInitialDelay: options.keepAliveInitialDelay,
      highWaterMark: options.highWaterMark });

  if (requestListener) {
    this.on('request', requestListener);
  }

  // http://www.squid-cache.org/Doc/config/half_closed_clients/
  this.httpAllowHalfOpen = false;

  this.on('connection', connectionListener);

  this.timeout = 0;
  this.maxHeadersCount = null;
  this.maxRequestsPerSocket = 0;

  this[kUniqueHeaders] = parseUniqueHeadersOption(options.uniqueHeaders);
  this[kNative] = null;
  this[kTurnBudget] = new TurnBudget(() => {
    if (this[kNative] !== null) this[kNative].ring(this[kNextTurn].length !== 0);
  });
  this[kFreshConns] = new Set();
  this[kFreshTurn] = -1;
  this[kNextTurn] = [];
  this[kSockets] = new Map();
  this[kHeldCount] = 0;
  this[kRefSockets] = 0;
  this[kIsRef] = false;
  this._rhttpNoDelay = options.noDelay ?? true;
  this._rhttpKeepAlive = !!options.keepAlive;
  this._rhttpKeepAliveInitialDelay = options.keepAliveInitialDelay;
}
Object.setPrototypeOf(Server.prototype, net.Server.prototype);
Object.setPrototypeOf(Server, net.Server);

/** The native server is made at listen time: the parser options
 * (maxHeaderSize, timeouts) are read then, as llhttp reads them per
 * connection in core. */
function nativeServer(server) {
  if (server[kNative] === null) {
    const native = new binding.NativeServer(() => dispatchEvents(server), {
      maxHeaderSize: server.maxHeaderSize || require('node:http').maxHeaderSize,
      insecureHttpParser: server.insecureHTTPParser === undefined ?
        process.execArgv.includes('--insecure-http-parser') : server.insecureHTTPParser,
      headersTimeout: server.headersTimeout,
      requestTimeout: server.requestTimeout,
      noDelay: server._rhttpNoDelay,
      keepAlive: server._rhttpKeepAlive,
      keepAliveInitialDelay: server._rhttpKeepAliveInitialDelay,
    });
    native.setRef(false);
    server[kNative] = native;
  }
  return server[kNative];
}

/** Keep the event loop alive while listening (unless unref'd) or while a
 * ref'd connection is open, as core's handles do. */
function updateRef(server) {
  const native = server[kNative];
  if (native === null) return;
  const want = (!!server._handle && !server._unref) || server[kRefSockets] > 0;
  if (want !== server[kIsRef]) {
    server[kIsRef] = want;
    native.setRef(want);
  }
}

Server.prototype._rhttpSocketRef = function(delta) {
  this[kRefSockets] += delta;
  updateRef(this);
};

/** The listening `_handle`: what net.Server's close/address/ref/unref call. */
class ListenHandle {
  constructor(server, result, coreHandle = null, pipePath = null) {
    this.server = server;
    this.result = result;
    // listen(handle): core's TCP/Pipe handle keeps accepting (see adoptCoreHandle).
    this.coreHandle = coreHandle;
    // listen(path): the name the socket bound, for fchmod.
    this.pipePath = pipePath;
    // A Unix socket has no address: net.Server.address() then returns the
    // path, as it does for core's Pipe handle.
    if (result.family === '') this.getsockname = undefined;
  }

  /** listen({ path, readableAll, writableAll }): libuv's uv_pipe_chmod,
   * which adds the read (1) or write (2) bits for everyone to the path. */
  fchmod(mode) {
    const path = this.pipePath;
    if (path === null) return -9; // EBADF
    if (mode !== 1 && mode !== 2 && mode !== 3) return -22; // EINVAL
    // An abstract name: libuv's stat of it finds no file.
    if (path.startsWith('\0')) return -2; // ENOENT
    try {
      const want = (mode & 1 ? 0o444 : 0) | (mode & 2 ? 0o222 : 0);
      const { mode: have } = fs.statSync(path);
      if ((have & want) !== want) fs.chmodSync(path, (have | want) & 0o7777);
      return 0;
    } catch (err) {
      return typeof err.errno === 'number' ? err.errno : -22;
    }
  }

  getsockname(out) {
    out.address = this.result.address;
    out.family = this.result.family;
    out.port = this.result.port;
    return 0;
  }

  close() {
    const native = this.server[kNative];
    if (native) native.close();
    if (this.coreHandle) this.coreHandle.close();
    // net.Server clears _handle right after this call; update the ref then.
    process.nextTick(updateRef, this.server);
  }

  ref() {
    if (this.coreHandle) this.coreHandle.ref();
    process.nextTick(updateRef, this.server);
  }

  unref() {
    if (this.coreHandle) this.coreHandle.unref();
    process.nextTick(updateRef, this.server);
  }

  getAsyncId() {
    return -1;
  }
}

const DEFAULT_IPV4_ADDR = '0.0.0.0';
const DEFAULT_IPV6_ADDR = '::';
const UV_TCP_IPV6ONLY = 1;

// net.Server.prototype.listen normalises every listen() form and calls this.
Server.prototype._listen2 = function _listen2(address, port, addressType, backlog, fd, flags) {
  const native = nativeServer(this);
  let result;
  if (this._handle && !(this._handle instanceof ListenHandle)) {
    adoptCoreHandle(this, this._handle, backlog);
    return;
  } else if (typeof fd === 'number' && fd >= 0) {
    result = native.listenFd(fd, backlog || 511);
  } else if (port === -1 && addressType === -1) {
    result = native.listenUnix(address, backlog || 511, PAD_ABSTRACT_PIPE_NAMES);
  } else {
    const ipv6Only = (flags & UV_TCP_IPV6ONLY) !== 0;
    if (!address) {
      result = native.listenTcp(DEFAULT_IPV6_ADDR, port, backlog || 511, ipv6Only, false);
      if (result.errno === 97 /* EAFNOSUPPORT */ || result.errno === 99 /* EADDRNOTAVAIL */) {
        result = native.listenTcp(DEFAULT_IPV4_ADDR, port, backlog || 511, ipv6Only, false);
        address = DEFAULT_IPV4_ADDR;
      } else {
        address = DEFAULT_IPV6_ADDR;
      }
    } else {
      result = native.listenTcp(address, port, backlog || 511, ipv6Only, false);
    }
  }

  if (result.errno !== 0) {
    const ex = new UVExceptionWithHostPort(-result.errno, 'listen', address, port);
    process.nextTick(emitErrorNT, this, ex);
    return;
  }
  const pipePath = port === -1 && addressType === -1 ? address : null;
  this._handle = new ListenHandle(this, result, null, pipePath);
  this._connectionKey = addressType + ':' + address + ':' + port;
  updateRef(this);
  process.nextTick(emitListeningNT, this);
};

// listen(handle) with core's own TCP/Pipe handle, and a cluster worker's
// listen() (its handle is the primary's shared socket, or a stand-in the
// primary's round-robin hands connections through). Core takes the handle
// over: its connections now go to this server, not to whoever listened on
// it before. Listening on a duplicate of its descriptor would leave both
// accepting; instead the handle keeps accepting and each connection it
// accepts is served natively from its descriptor (or, without one, fed
// from a net.Socket as with server.emit('connection', socket)).
function adoptCoreHandle(server, handle, backlog) {
  // Its owner is this server now, as net's setupListenHandle makes it: a
  // round-robin worker checks the owner's maxConnections before it takes
  // a connection (over it, the primary offers the connection elsewhere).
  const owner = coreOwnerSymbol();
  if (owner !== undefined) handle[owner] = server;
  const err = handle.listen(backlog || 511);
  if (err) {
    process.nextTick(emitErrorNT, server, new UVExceptionWithHostPort(err, 'listen', null, -1));
    return;
  }
  handle.onconnection = (status, clientHandle) => {
    if (status) {
      server.emit('error', new ErrnoException(status, 'accept'));
      return;
    }
    // As net's onconnection: over the limit, the handle closes unread.
    if (server.maxConnections != null && server._connections >= server.maxConnections) {
      server.emit('drop', handleEndpoints(clientHandle));
      clientHandle.close();
      return;
    }
    const id = adoptAccepted(server, clientHandle);
    if (id >= 0) {
      onConnection(server, id);
      return;
    }
    const socket = new net.Socket({ handle: clientHandle, allowHalfOpen: true });
    socket.server = server;
    socket._server = server;
    server._connections++;
    server.emit('connection', socket);
  };
  const name = {};
  const hasName = typeof handle.getsockname === 'function' && handle.getsockname(name) === 0;
  server._handle = new ListenHandle(server, {
    errno: 0,
    address: hasName ? name.address : '',
    family: hasName ? name.family : '',
    port: hasName ? name.port : 0,
  }, handle);
  process.nextTick(emitListeningNT, server);
}

function emitErrorNT(self, err) {
  self.emit('error', err);
}

function emitListeningNT(self) {
  if (self._handle) {
    setupConnectionsTracking(self);
    self.emit('listening');
  }
}

function setupConnectionsTracking(server) {
  // Core polls its ConnectionsList every connectionsCheckingInterval; here
  // each Rust connection enforces headersTimeout/requestTimeout itself.
  void server;
}

function httpServerPreClose(server) {
  server.closeIdleConnections();
}

Server.prototype.close = function() {
  httpServerPreClose(this);
  Reflect.apply(net.Server.prototype.close, this, arguments);
  return this;
};

Server.prototype[Symbol.asyncDispose] = async function() {
  return promisify(this.close).call(this);
};

// Both close only the connections HTTP still owns: an upgraded or CONNECT
// socket belongs to its user, as in core (whose connections list drops the
// parser on upgrade). server.close() still waits for it to close.
Server.prototype.closeAllConnections = function() {
  for (const socket of [...this[kSockets].values()]) {
    if (socket[kState] === null) continue;
    socket.destroy();
  }
};

Server.prototype.closeIdleConnections = function() {
  for (const socket of [...this[kSockets].values()]) {
    const state = socket[kState];
    if (state === null) continue;
    if (state && (state.messageOpen || state.incoming.length > 0 || state.parsing !== null)) continue;
    if (socket._httpMessage && !socket._httpMessage.finished) continue;
    socket.destroy();
  }
};

Server.prototype.setTimeout = function setTimeout(msecs, callback) {
  this.timeout = msecs;
  if (callback)
    this.on('timeout', callback);
  return this;
};

Server.prototype[EE.captureRejectionSymbol] = function(err, event, ...args) {
  switch (event) {
    case 'request': {
      const { 1: res } = args;
      if (!res.headersSent && !res.writableEnded) {
        // Don't leak headers.
        const names = res.getHeaderNames();
        for (let i = 0; i < names.length; i++) {
          res.removeHeader(names[i]);
        }
        res.statusCode = 500;
        res.end(STATUS_CODES[500]);
      } else {
        res.destroy();
      }
      break;
    }
    default:
      net.Server.prototype[Symbol.for('nodejs.rejection')]
        .apply(this, arguments);
  }
};

// ---------------------------------------------------------------------------
// Events from Rust

// Counts drained batches: a callback error tells the rest of its batch
// (the read that threw, as far as JS can tell) from later reads.
let batchSeq = 0;

// Rung by Rust (the doorbell); one turn's share of batches (TurnBudget).
function dispatchEvents(server) {
  const native = server[kNative];
  if (native === null || !server[kTurnBudget].take()) return;
  batchSeq++;
  let events = unpackEvents(native.drain());
  if (server[kNextTurn].length !== 0 && server[kFreshTurn] !== server[kTurnBudget].turn) {
    // Last turn's new connections' first reads, as part of this batch.
    events = takeNextTurn(server).concat(events);
  }
  behindBatch(runEvents, server, events);
}

// Core reads a connection only while the request stream wants data, and
// the peer's FIN with a read of its own. Rust reads ahead: a body's end, the
// next request and the FIN may come while the request holds more unread
// body than core takes in one read (core had read none of them yet), a FIN
// while JS stopped reading, or a FIN with a request this turn (core finds
// it in a later callback: a handler answering from an immediate closes the
// connection first). Those events, and the socket's events after them,
// wait until core would have read them: when the request stream asks for
// more, the socket reads again, the request is destroyed, or (a FIN that
// came with data) an immediate queued now, after those the batch's handlers
// queued. A close is never held: it releases what was.
function holdReads(server, ev, at, kind) {
  const socket = server[kSockets].get(ev[at + 1]);
  if (socket === undefined || socket[kFed] !== undefined) return false;
  if (socket[kHeld] !== undefined) {
    if (kind === EV_CLOSE) {
      releaseHeld(server, socket, true);
      return false;
    }
    socket[kHeld].push(heldRecord(ev, at, kind));
    return true;
  }
  const fin = kind === EV_END || isEofParseError(kind, ev, at);
  const finThisTurn = fin && socket[kReadTurn] === server[kTurnBudget].turn;
  if (!finThisTurn && !unread(socket, kind, fin)) return false;
  socket[kHeld] = [heldRecord(ev, at, kind)];
  server[kHeldCount]++;
  if (finThisTurn) setImmediate(releaseHeld, server, socket, false);
  else releaseLater(server, socket);
  return true;
}

/** A copy of the event to hold. A body's bytes count in flight in Rust
 * again while held, so the connection stops reading at its limit. */
function heldRecord(ev, at, kind) {
  countHeldBody(ev, at, true);
  return ev.slice(at, at + EVENT_WIDTH[kind]);
}

/** A held body's bytes count in flight in Rust again (`held`), or no more. */
function countHeldBody(ev, at, held) {
  const kind = ev[at];
  if (kind !== EV_BODY && kind !== EV_BODY_GATED) return;
  if (held) binding.connHold(ev[at + 1], ev[at + 2].length);
  else binding.connReleaseHeld(ev[at + 1], ev[at + 2].length);
}

/** Take the first held record, giving back a body's bytes (heldRecord). */
function shiftHeld(held) {
  const record = held.shift();
  countHeldBody(record, 0, false);
  return record;
}

// libuv's read size for a socket: what core takes in one read.
const CORE_READ_SIZE = 64 * 1024;

/** Whether core would not have read an event of `kind` yet (see holdReads). */
function unread(socket, kind, fin) {
  if (fin && !socket._rhttpReading) return true;
  if (!fin && kind !== EV_REQUEST && kind !== EV_BODY && kind !== EV_BODY_GATED && kind !== EV_BODY_END) {
    return false;
  }
  return unreadRequest(socket) !== null;
}

/** The request whose body is being read, while it holds more unread body
 * than core reads at once. */
function unreadRequest(socket) {
  const state = socket[kState];
  const req = state ? state.parsing : null;
  return req && req.readableLength >= CORE_READ_SIZE && !req.destroyed ? req : null;
}

function releaseLater(server, socket) {
  const release = () => releaseHeld(server, socket, false);
  socket._rhttpWhenReading(release);
  const req = unreadRequest(socket);
  if (req !== null && !req[kHeldRelease]) {
    req[kHeldRelease] = true;
    req.once('close', release);
  }
}

/** Run the socket's held events while core would have read them; `force`:
 * all of them (the connection closed). Not re-entered: a request closed by
 * a held event's handler leaves the rest to this loop. */
function releaseHeld(server, socket, force) {
  const held = socket[kHeld];
  if (held === undefined || socket[kReleasing] === true) return;
  socket[kReleasing] = true;
  let settled = false;
  try {
    for (let first = true; held.length !== 0; first = false) {
      const kind = held[0][0];
      const fin = kind === EV_END || isEofParseError(kind, held[0], 0);
      if (socket.destroyed && kind !== EV_CLOSE) {
        // Core never read these: the socket was destroyed first.
        shiftHeld(held);
        continue;
      }
      if (!force && socket.writableEnded) {
        // A closing response ended the socket: core destroys it before
        // reading on; the close releases (and drops) what is held.
        settled = true;
        return;
      }
      if (!force && unread(socket, kind, fin)) {
        releaseLater(server, socket);
        settled = true;
        return;
      }
      const record = shiftHeld(held);
      // As in runEvents: ticks run before a FIN, not between a read's events.
      if (!first && (fin || kind === EV_CLOSE)) runNextTicks();
      handleEvent(server, kind, record, 0);
    }
    socket[kHeld] = undefined;
    server[kHeldCount]--;
    settled = true;
  } finally {
    socket[kReleasing] = false;
    // A handler threw: the rest goes on in an immediate.
    if (!settled) setImmediate(releaseHeld, server, socket, force);
  }
}

/** Core reads a connection first in the turn after its accept (libuv adds
 * the socket to epoll at the next poll): the events of a connection
 * accepted this turn, its close too, wait for the next turn's first batch.
 * True when the event at `at` was held. */
function holdForNextTurn(server, ev, at, kind) {
  if (kind === EV_CONNECTION || !server[kFreshConns].has(ev[at + 1])) return false;
  const held = server[kNextTurn];
  const end = at + EVENT_WIDTH[kind];
  for (let k = at; k < end; k++) held.push(ev[k]);
  countHeldBody(ev, at, true);
  // The end of the turn rings for the next one (kTurnBudget's ring).
  server[kTurnBudget].ringAtTurnEnd();
  return true;
}

/** The events holdForNextTurn held, their bodies' bytes given back. */
function takeNextTurn(server) {
  const held = server[kNextTurn];
  server[kNextTurn] = [];
  for (let at = 0; at < held.length; at += EVENT_WIDTH[held[at]]) countHeldBody(held, at, false);
  return held;
}

function runEvents(server, events, i = 0) {
  const n = events.length;
  const start = i;
  try {
    while (i < n) {
      const kind = events[i];
      const at = i;
      if (at !== start) flushBehindIfLate();
      // (A request head is held only behind a held body end.)
      if (server[kFreshTurn] === server[kTurnBudget].turn && holdForNextTurn(server, events, at, kind)) {
        i += EVENT_WIDTH[kind];
        continue;
      }
      if ((kind === EV_END || kind === EV_PARSE_ERROR || kind === EV_BODY_END || kind === EV_BODY ||
           kind === EV_BODY_GATED || server[kHeldCount] !== 0) &&
          holdReads(server, events, at, kind)) {
        i += EVENT_WIDTH[kind];
        continue;
      }
      if ((kind === EV_END || kind === EV_CLOSE || isEofParseError(kind, events, at)) && at !== start) {
        // Core reads the FIN (or the reset) in its own callback, after the
        // ticks the events before it queued (a request's 'end', a handler
        // answering from it, a finished response's 'close') have run: the
        // response goes out before socketOnEnd ends the socket. Continue
        // the batch after them.
        process.nextTick(runEvents, server, events, at);
        i = n;
        break;
      }
      if (events[at + 1] !== lastConn) {
        lastConn = events[at + 1];
        // The ticks the batch's earlier connections queued (and the ticks
        // those queue) ran in core at the end of their own reads: a throw
        // there is not this connection's body callback's to answer for.
        if (bodyAhead(events, at)) runNextTicks();
      }
      if (kind === EV_REQUEST || kind === EV_BODY_END) earlyHeaderFlush(server, kind, events, at);
      i += EVENT_WIDTH[kind];
      handleEvent(server, kind, events, at);
      if (kind === EV_BODY || kind === EV_BODY_GATED) afterBodyCallback(server, events[at + 1]);
    }
  } finally {
    // A throwing 'request' handler is an uncaught exception, as in core; the
    // rest of the batch still belongs to other requests, so keep going.
    if (callbackSocket !== null) callbackFailed();
    if (i < n) process.nextTick(runEvents, server, events, i);
  }
}

/** A message cut short by the peer's FIN: core finds it in socketOnEnd
 * (parser.finish()), so it travels with the FIN. */
function isEofParseError(kind, ev, at) {
  return kind === EV_PARSE_ERROR && ev[at + 5] === null;
}

// The socket whose request head, body or body end user code is handling, with
// core's llhttp callback it stands for (CB_*, as in src/server/reader.rs).
// Set around the calls only, so a throw leaves it set (no try/catch).
const CB_HEADERS_COMPLETE = 0;
const CB_BODY = 1;
const CB_MESSAGE_COMPLETE = 2;
const CALLBACK_ERROR_CODES = ['HPE_CB_HEADERS_COMPLETE', 'HPE_JS_EXCEPTION', 'HPE_CB_MESSAGE_COMPLETE'];
const CALLBACK_ERROR_REASONS = ['User callback error', 'JS Exception', '`on_message_complete` callback error'];
let callbackSocket = null;
let callbackKind = CB_HEADERS_COMPLETE;

function enterCallback(socket, kind) {
  callbackSocket = socket;
  callbackKind = kind;
}

// In core an exception out of an llhttp callback leaves the parser failed:
// the rest of that read is dropped, and the next read is a clientError
// (HPE_CB_HEADERS_COMPLETE, HPE_JS_EXCEPTION, HPE_CB_MESSAGE_COMPLETE).
// Rust reports the next read. Events queued in this batch count as the
// rest of this read; those of a later batch, parsed while the handler ran,
// as the next one (droppedAfterCallbackError).
function callbackFailed() {
  const socket = callbackSocket;
  callbackSocket = null;
  const state = socket[kState];
  if (!state || state.callbackFailed) return;
  state.callbackFailed = true;
  state.callbackKind = callbackKind;
  state.callbackBatch = batchSeq;
  binding.connCallbackError(socket._rhttpId, callbackKind);
}

/** After a callback error: drops the parser events core never parsed, and
 * reports the first read after it once (Rust's report or a later batch). */
function droppedAfterCallbackError(socket, kind, ev, at) {
  const state = socket[kState];
  if (!state || !state.callbackFailed) return false;
  if (kind === EV_PARSE_ERROR) {
    // Rust's report of the first read after the failure: once, and no
    // error found in bytes core never parsed.
    if (state.callbackReported || !CALLBACK_ERROR_CODES.includes(ev[at + 2])) return true;
    state.callbackReported = true;
    return false;
  }
  if (kind !== EV_REQUEST && kind !== EV_BODY && kind !== EV_BODY_GATED && kind !== EV_BODY_END) return false;
  if (batchSeq !== state.callbackBatch && !state.callbackReported) {
    // Parsed from a later read while the throwing handler still ran (Rust
    // reads on): core's failed parser reports that read.
    state.callbackReported = true;
    const raw = kind === EV_BODY || kind === EV_BODY_GATED ? ev[at + 2] : Buffer.alloc(0);
    const k = state.callbackKind;
    onParseError(socket, CALLBACK_ERROR_CODES[k], CALLBACK_ERROR_REASONS[k], 0, raw);
  }
  return true;
}

function handleEvent(server, kind, ev, at) {
  const id = ev[at + 1];
  if (kind === EV_CONNECTION) {
    onConnection(server, id);
    return;
  }
  const socket = server[kSockets].get(id);
  if (socket === undefined) {
    // A descriptor handed over for a socket that is gone.
    if (kind === EV_HANDED_OVER && ev[at + 2] >= 0) {
      closeFd(ev[at + 2]);
      binding.connRelease(id);
    }
    return;
  }
  // A whole batch arrives in one threadsafe-function call, i.e. in one
  // async context shared by all connections; give each event its own.
  const scope = socket[kAsyncScope];
  if (scope !== undefined) {
    scope.runInAsyncScope(handleSocketEvent, null, server, socket, id, kind, ev, at);
  } else {
    handleSocketEvent(server, socket, id, kind, ev, at);
  }
}

/** Rust reports nothing more of connection `id` (closed, or handed over). */
function forgetConnection(server, id) {
  server[kSockets].delete(id);
  if (server[kFlushedConns] !== undefined) server[kFlushedConns].delete(id);
}

function handleSocketEvent(server, socket, id, kind, ev, at) {
  if (kind === EV_REQUEST || kind === EV_BODY || kind === EV_BODY_GATED || kind === EV_BODY_END || kind === EV_DATA) {
    socket[kReadTurn] = server[kTurnBudget].turn;
  }
  if (kind === EV_HANDED_OVER) {
    // Answers the request of an upgrade that came with writes still queued
    // (see onUpgrade); a destroyed socket closes the descriptor.
    if (ev[at + 2] >= 0) forgetConnection(server, id);
    socket._rhttpHandedOver(ev[at + 2]);
    return;
  }
  if (kind === EV_CLOSE) {
    // Writes held for a hand-over go to the closed connection, which
    // reports them as core's closed handle would.
    if (socket[kFed] === undefined) socket._rhttpFinishHandOver();
    forgetConnection(server, id);
    if (socket[kFed] === undefined) socket._rhttpClosed(ev[at + 4]);
    // A fed stream belongs to user code; close it only if Rust failed.
    if (socket[kEofPending] === true && ev[at + 2] === 0) {
      // Both sides are done. As in core, 'end' comes first and the stream
      // then destroys itself (see pushEof).
      socket[kClosedAfterEof] = true;
    } else if (socket[kFed] === undefined || ev[at + 2] !== 0) {
      onNativeClose(socket, ev[at + 2], ev[at + 3]);
    }
    return;
  }
  // Parser events are kinds EV_REQUEST..EV_PARSE_ERROR and EV_BODY_GATED.
  const parserEvent = kind <= EV_PARSE_ERROR || kind === EV_BODY_GATED;
  const state = socket[kState];
  if (!socket.destroyed) {
    // Only a parser event's callback destroys the socket amid a read: after
    // any other event (a timeout, a drain) what follows is a later read.
    if (state) state.liveBatch = parserEvent ? batchSeq : 0;
  } else if (!parserEvent || !state || state.liveBatch !== batchSeq ||
             (kind === EV_PARSE_ERROR && state.parseErrored)) {
    // Core's parser goes on through the rest of the read it was executing
    // when a callback destroyed the socket (bodies, pipelined requests,
    // their ends, a parse error); nothing after that read. A parse error
    // repeated for a later read of the same batch is past it.
    return;
  }
  if (parserEvent && droppedAfterCallbackError(socket, kind, ev, at)) return;
  switch (kind) {
    case EV_REQUEST:
      onRequestHead(server, socket, ev[at + 2], ev[at + 3]);
      break;
    case EV_BODY:
      onBody(socket, ev[at + 2], false);
      break;
    case EV_BODY_GATED:
      onBody(socket, ev[at + 2], true);
      break;
    case EV_BODY_END:
      onBodyEnd(socket, ev[at + 2]);
      break;
    case EV_PARSE_ERROR:
      if (ev[at + 5] === null && socket[kFed] === undefined) {
        // The FIN, with the error socketOnEnd reports instead of ending.
        state.eofError = [ev[at + 2], ev[at + 3], ev[at + 4]];
        onEof(socket);
      } else {
        onParseError(socket, ev[at + 2], ev[at + 3], ev[at + 4], ev[at + 5]);
      }
      break;
    case EV_REQUEST_TIMEOUT:
      socketOnError.call(socket, new ERR_HTTP_REQUEST_TIMEOUT());
      break;
    case EV_TIMEOUT:
      if (socket[kFed] !== undefined || socket._rhttpTimeoutLive()) socket.emit('timeout');
      break;
    case EV_DRAIN:
      socket._rhttpOnDrain();
      break;
    case EV_END:
      if (socket[kFed] !== undefined) {
        socketOnEnd.call(socket);
      } else {
        // Rust does not hand over a stream that ended: what was held for
        // it goes through Rust.
        socket._rhttpFinishHandOver();
        onEof(socket);
      }
      break;
    case EV_DATA:
      socket._rhttpPushRaw(ev[at + 2]);
      break;
  }
}

function onEof(socket) {
  // Nothing is read after the peer's FIN: keep the count for when the Rust
  // connection is gone.
  socket._rhttpSaveCounters();
  // In core the FIN is a read callback of its own, after the ticks queued
  // by the data before it.
  socket[kEofPending] = true;
  setImmediate(pushEof, socket);
}

function pushEof(socket) {
  socket[kEofPending] = false;
  if (socket.destroyed) return;
  socket.push(null);
  // As net's onStreamRead at EOF: 'end' now if nothing is left unread.
  socket.read(0);
  // The Rust connection is gone: with the writable side finished, 'end'
  // auto-destroys the stream (as net.Socket's autoDestroy does in core);
  // otherwise nothing more can happen on it.
  if (socket[kClosedAfterEof] === true && !socket.writableFinished) socket.destroy();
}

function onConnection(server, id) {
  if (server.maxConnections != null && server._connections >= server.maxConnections) {
    const data = connectionEndpoints(id);
    binding.connDestroy(id);
    server.emit('drop', data);
    return;
  }
  const socket = new Socket(server, id);
  const turn = server[kTurnBudget].turn;
  if (server[kFreshTurn] !== turn) {
    server[kFreshConns].clear();
    server[kFreshTurn] = turn;
  }
  server[kFreshConns].add(id);
  server._connections++;
  server[kSockets].set(id, socket);
  server[kRefSockets]++;
  updateRef(server);
  server.emit('connection', socket);
}

/** A libuv-accepted connection moved to a native one: its id, or -1 when
 * it has no descriptor to take (the handle then stays libuv's). */
function adoptAccepted(server, clientHandle) {
  const fd = clientHandle.fd;
  if (typeof fd !== 'number' || fd < 0) return -1;
  const id = nativeServer(server).adoptAccepted(fd);
  if (id < 0) return -1;
  clientHandle.close();
  return id;
}

/** net's 'drop' data for a libuv handle. */
function handleEndpoints(clientHandle) {
  if (!clientHandle.getsockname && !clientHandle.getpeername) return undefined;
  const data = { __proto__: null };
  for (const [side, get] of [['local', 'getsockname'], ['remote', 'getpeername']]) {
    if (!clientHandle[get]) continue;
    const name = { __proto__: null };
    clientHandle[get](name);
    data[`${side}Address`] = name.address;
    data[`${side}Port`] = name.port;
    data[`${side}Family`] = name.family;
  }
  return data;
}

function connectionEndpoints(id) {
  const a = binding.connAddresses(id);
  if (!a) return undefined;
  return {
    localAddress: a[3], localPort: +a[5], localFamily: a[4],
    remoteAddress: a[0], remotePort: +a[2], remoteFamily: a[1],
  };
}

function onNativeClose(socket, errno, syscall) {
  if (socket.destroyed) return;
  if (errno !== 0) {
    const { errnoError } = require('./socket');
    socket.destroy(errnoError(-errno, syscall || 'read'));
  } else {
    socket.destroy();
  }
}

// ---------------------------------------------------------------------------
// Per-connection HTTP state (core's connectionListenerInternal)

function connectionListener(socket) {
  const server = this;
  const fed = !(socket instanceof Socket);
  if (fed) adoptSocket(server, socket);
  socket.server = server;
  // Made here, in the context of whoever emitted 'connection', as core
  // makes the parser's resource in connectionListenerInternal.
  socket[kAsyncScope] = new AsyncResource('HTTPINCOMINGMESSAGE');

  if (server.timeout && typeof socket.setTimeout === 'function')
    socket.setTimeout(server.timeout);
  socket.on('timeout', socketOnTimeout);

  const state = {
    outgoing: [],
    incoming: [],
    // The request whose body is still arriving.
    parsing: null,
    // A message is under way (core's parser last_message_start_): from the
    // connection's start, and from each head, until the message completes.
    // closeIdleConnections leaves such a connection alone.
    messageOpen: true,
    outgoingData: 0,
    requestsCount: 0,
    keepAliveTimeoutSet: false,
    // A user callback threw out of a request head or body (callbackFailed):
    // its CB_* kind, the batch it threw in, and whether the resulting parse
    // error was reported.
    callbackFailed: false,
    callbackKind: CB_HEADERS_COMPLETE,
    callbackBatch: 0,
    callbackReported: false,
    // The last batch in which an event found the socket not destroyed.
    liveBatch: 0,
    // A parse error was reported: Rust reports each later read with it.
    parseErrored: false,
    // [code, reason, bytesParsed] of a message the peer's FIN cut short.
    eofError: null,
    // Core's parser default is MAX_HEADER_PAIRS = 2000 rawHeaders entries.
    maxHeaderPairs: typeof server.maxHeadersCount === 'number' ? server.maxHeadersCount << 1 : 2000,
  };
  socket[kState] = state;
  socket.on('error', socketOnError);
  // A fed socket's FIN reaches socketOnEnd through Rust (EV_END), after the
  // parser had its say on the bytes before it, as core's parser.finish().
  if (!fed) socket.on('end', socketOnEnd);
  socket.on('close', socketOnClose);
  socket.on('drain', socketOnDrain);
  socket.setEncoding = socketSetEncoding;
  socket._paused = false;
  // Flowing, so a FIN from the peer surfaces as 'end' as in core.
  if (!fed) socket.resume();
}

// A stream user code handed over with server.emit('connection', stream)
// (core parses any Duplex): its bytes are fed to a Rust connection task,
// and responses are written to the stream itself.
function adoptSocket(server, socket) {
  const id = nativeServer(server).adopt();
  server[kSockets].set(id, socket);
  socket[kFed] = id;
  socket._rhttpId = id;
  socket._rhttpReadStart = fedReadStart;
  socket._rhttpOpenGate = fedOpenGate;
  socket._rhttpGated = false;
  socket._rhttpReadStop = fedReadStop;
  socket._rhttpOnDrain = fedOnDrain;
  socket.on('data', fedOnData);
  socket.on('end', fedOnEnd);
  socket.on('close', fedOnClose);
}

function fedReadStart() {
  binding.connResume(this[kFed], PAUSE_BODY);
  if (this._rhttpGated) this._rhttpOpenGate();
}

function fedOpenGate() {
  this._rhttpGated = false;
  binding.connResume(this[kFed], PAUSE_GATE);
}

function fedReadStop() {
  binding.connPause(this[kFed], PAUSE_BODY);
}

/** Rust took the queued bytes: the stream may flow again. */
function fedOnDrain() {
  this.resume();
}

function fedOnData(chunk) {
  if (typeof chunk === 'string') chunk = Buffer.from(chunk);
  if (!binding.connFeed(this[kFed], chunk)) this.pause();
}

function fedOnEnd() {
  binding.connFeedEnd(this[kFed]);
}

function fedOnClose() {
  binding.connDestroy(this[kFed]);
}

function detachFed(socket) {
  socket.removeListener('data', fedOnData);
  socket.removeListener('end', fedOnEnd);
  socket.removeListener('close', fedOnClose);
  binding.connDestroy(socket[kFed]);
}

function socketSetEncoding() {
  throw new ERR_HTTP_SOCKET_ENCODING();
}

function updateOutgoingData(socket, state, delta) {
  state.outgoingData += delta;
  socketOnDrain.call(socket);
}

function socketOnDrain() {
  const socket = this;
  const state = socket[kState];
  if (!state) return;
  const needPause = state.outgoingData > socket.writableHighWaterMark;

  if (socket._paused && !needPause) {
    socket._paused = false;
    binding.connResume(socket._rhttpId, PAUSE_PIPELINE);
  }

  const msg = socket._httpMessage;
  if (msg && !msg.finished && msg[kNeedDrain]) {
    msg[kNeedDrain] = false;
    msg.emit('drain');
  }
}

function socketOnTimeout() {
  const state = this[kState];
  const req = state && state.parsing;
  const reqTimeout = req && !req.complete && req.emit('timeout', this);
  const res = this._httpMessage;
  const resTimeout = res && res.emit('timeout', this);
  const serverTimeout = this.server.emit('timeout', this);

  if (!reqTimeout && !resTimeout && !serverTimeout)
    this.destroy();
}

function socketOnClose() {
  const state = this[kState];
  if (state) abortIncoming(state.incoming);
}

function abortIncoming(incoming) {
  while (incoming.length) {
    const req = incoming.shift();
    req.destroy(new ConnResetException('aborted'));
  }
}

function socketOnEnd() {
  const socket = this;
  const server = socket.server;
  const state = socket[kState];
  if (state.eofError !== null) {
    // Core's parser.finish() failed: the message was cut short.
    const [code, reason, bytesParsed] = state.eofError;
    state.eofError = null;
    onParseError(socket, code, reason, bytesParsed, null);
  } else if (!server.httpAllowHalfOpen) {
    socket.end();
  } else if (state.outgoing.length) {
    state.outgoing[state.outgoing.length - 1]._last = true;
  } else if (socket._httpMessage) {
    socket._httpMessage._last = true;
  } else {
    socket.end();
  }
}

const noop = () => {};
const badRequestResponse = Buffer.from(
  `HTTP/1.1 400 ${STATUS_CODES[400]}\r\n` +
  'Connection: close\r\n\r\n', 'ascii',
);
const requestTimeoutResponse = Buffer.from(
  `HTTP/1.1 408 ${STATUS_CODES[408]}\r\n` +
  'Connection: close\r\n\r\n', 'ascii',
);
const requestHeaderFieldsTooLargeResponse = Buffer.from(
  `HTTP/1.1 431 ${STATUS_CODES[431]}\r\n` +
  'Connection: close\r\n\r\n', 'ascii',
);
const requestChunkExtensionsTooLargeResponse = Buffer.from(
  `HTTP/1.1 413 ${STATUS_CODES[413]}\r\n` +
  'Connection: close\r\n\r\n', 'ascii',
);

function socketOnError(e) {
  // Ignore further errors
  this.removeListener('error', socketOnError);

  if (this.listenerCount('error', noop) === 0) {
    this.on('error', noop);
  }

  if (!this.server.emit('clientError', e, this)) {
    // Reply an error segment only if no in-flight response has started.
    if (this.writable &&
        (!this._httpMessage || !this._httpMessage._headerSent)) {
      let response;

      switch (e.code) {
        case 'HPE_HEADER_OVERFLOW':
          response = requestHeaderFieldsTooLargeResponse;
          break;
        case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
          response = requestChunkExtensionsTooLargeResponse;
          break;
        case 'ERR_HTTP_REQUEST_TIMEOUT':
          response = requestTimeoutResponse;
          break;
        default:
          response = badRequestResponse;
          break;
      }

      this.write(response);
    }
    this.destroy(e);
  }
}

/** Core's llhttp error: message `Parse Error: <reason>`, with `code`,
 * `reason`, `bytesParsed` and `rawPacket`. At EOF (`parser.finish()`)
 * core attaches no packet and keeps the bare message. */
function onParseError(socket, code, reason, bytesParsed, rawPacket) {
  const err = new Error(rawPacket === null ? 'Parse Error' : `Parse Error: ${reason}`);
  err.bytesParsed = bytesParsed;
  err.code = code;
  err.reason = reason;
  if (rawPacket !== null) err.rawPacket = rawPacket;
  const state = socket[kState];
  // An unfinished body dies with the connection, as in core.
  if (state) {
    state.parsing = null;
    state.parseErrored = true;
  }
  socketOnError.call(socket, err);
}

// ---------------------------------------------------------------------------
// Requests (core's parserOnHeadersComplete + parserOnIncoming)

function onRequestHead(server, socket, head, flags) {
  const state = socket[kState];
  if (!state) return;
  state.messageOpen = true;
  if ((flags & (REQ_PIPELINED | REQ_UPGRADE)) === REQ_PIPELINED && socket._rhttpCorkForTick) {
    socket._rhttpCorkForTick();
  }
  let method, url, rawHeaders;
  if ((flags & RECORD_LENGTH_PREFIXED) === 0) {
    const i1 = head.indexOf('\0');
    const i2 = head.indexOf('\0', i1 + 1);
    method = head.slice(0, i1);
    url = i2 === -1 ? head.slice(i1 + 1) : head.slice(i1 + 1, i2);
    rawHeaders = i2 === -1 ? [] : splitNul(head, i2 + 1);
  } else {
    // A NUL inside a header value (insecure parser): see splitRecord.
    rawHeaders = splitRecord(head, flags);
    method = rawHeaders.shift();
    url = rawHeaders.shift();
  }

  const req = new server[kIncomingMessage](socket);
  const versionMajor = flags & 0xf;
  const versionMinor = (flags >> 4) & 0xf;
  req.httpVersionMajor = versionMajor;
  req.httpVersionMinor = versionMinor;
  req.httpVersion = `${versionMajor}.${versionMinor}`;
  req.joinDuplicateHeaders = server.joinDuplicateHeaders;
  req.url = url;
  req.upgrade = (flags & REQ_UPGRADE) !== 0;
  const kept = keptRawHeaders(rawHeaders, state.maxHeaderPairs);
  let n = kept.length;
  if (state.maxHeaderPairs > 0) n = Math.min(n, state.maxHeaderPairs);
  req._addHeaderLines(kept, n);
  req.method = method;

  const hasBody = (flags & REQ_HAS_BODY) !== 0;
  const keepAlive = (flags & REQ_KEEP_ALIVE) !== 0;

  if (req.upgrade) {
    req.upgrade = method === 'CONNECT' || server.listenerCount('upgrade') > 0;
    if (req.upgrade) {
      onUpgrade(server, socket, state, req);
      return;
    }
    // No listener: carry on with HTTP, as core does.
    binding.connDecideUpgrade(socket._rhttpId, false);
  }

  if (method === 'PRI') {
    // An HTTP/2 preface on an HTTP/1 server: core closes.
    socket.destroy();
    return;
  }

  if (hasBody) state.parsing = req;
  enterCallback(socket, CB_HEADERS_COMPLETE);
  parserOnIncoming(server, socket, state, req, keepAlive);
  callbackSocket = null;
  if (!hasBody) {
    req.complete = true;
    state.messageOpen = false;
    enterCallback(socket, CB_MESSAGE_COMPLETE);
    req.push(null);
    callbackSocket = null;
  }
}

function onUpgrade(server, socket, state, req) {
  // As core's onParserExecuteCommon: the keep-alive timer of an earlier
  // request is cleared, and llhttp has completed the message (its body, if
  // any, is part of `head`) before 'upgrade'/'connect' is emitted.
  resetSocketTimeout(server, socket, state);
  req.complete = true;
  req.push(null);
  const eventName = req.method === 'CONNECT' ? 'connect' : 'upgrade';
  if (eventName === 'upgrade' || server.listenerCount(eventName) > 0) {
    const id = socket._rhttpId;
    // The socket becomes a libuv handle, as core's is: the bytes then go
    // between the kernel and JS with no hop through the runtime. A
    // connection with writes still queued in Rust is a raw Rust stream
    // until they are written (then Rust hands it over, see
    // _rhttpRequestHandOver); a fed stream stays the caller's.
    const handed = socket[kFed] === undefined ? binding.connHandOver(id) : null;
    const bodyHead = handed !== null ? handed[0] : binding.connDecideUpgrade(id, true) || Buffer.alloc(0);
    if (socket[kFed] !== undefined) {
      // From here on the stream is the caller's alone, as in core.
      detachFed(socket);
      server[kSockets].delete(socket[kFed]);
    }
    socket.removeListener('error', socketOnError);
    socket.removeListener('end', socketOnEnd);
    socket.removeListener('close', socketOnClose);
    socket.removeListener('drain', socketOnDrain);
    socket.removeListener('timeout', socketOnTimeout);
    socket[kState] = null;
    // socket.setEncoding keeps throwing ERR_HTTP_SOCKET_ENCODING, as in core.
    // Neither flowing nor paused: the first 'data' listener starts the
    // flow (core sets only this; a pause() would make isPaused() true).
    socket.readableFlowing = null;
    if (handed !== null) {
      // Rust reports nothing more of this connection.
      forgetConnection(server, id);
      socket._rhttpAdoptFd(handed[1]);
    } else if (socket[kFed] === undefined) {
      socket._rhttpSetRaw();
      socket._rhttpRequestHandOver(null);
    }
    server.emit(eventName, req, socket, bodyHead);
  } else {
    // Got CONNECT method, but have no handler.
    socket.destroy();
  }
}

// `gated`: Rust stopped reading this body after this chunk (its first
// BODY_GATE bytes) until the request takes it, as core stops after one read
// when the stream is paused: open the gate unless the push paused it.
function onBody(socket, chunk, gated) {
  const state = socket[kState];
  const req = state && state.parsing;
  if (req && !req._dumped) {
    enterCallback(socket, CB_BODY);
    const more = req.push(chunk);
    callbackSocket = null;
    if (!more) {
      socket._rhttpReadStop();
      // readStart (the stream wants more) opens it.
      if (gated) socket._rhttpGated = true;
      return;
    }
  }
  if (gated) socket._rhttpOpenGate();
}

/** The connection's socket if core would parse it from the socket's reads
 * (MakeCallback flushes apply), not inside a handed stream's 'data'. */
function readSocket(server, id) {
  const socket = server[kSockets].get(id);
  return socket === undefined || socket[kFed] !== undefined ? undefined : socket;
}

// Core's parser binding hands header fields to JS early (Parser::Flush, a
// MakeCallback: pending ticks and microtasks run) at a head's 32nd field and
// for trailers; once it did, at every later head of the connection too
// (have_flushed_ is reset only for a new connection). Not for a stream
// handed to the server: parsed inside its 'data' callback, the ticks wait.
function earlyHeaderFlush(server, kind, ev, at) {
  const id = ev[at + 1];
  let flushed = server[kFlushedConns];
  if (kind === EV_REQUEST) {
    if ((ev[at + 3] & REQ_EARLY_FLUSH) === 0 && (flushed === undefined || !flushed.has(id))) return;
  } else if (ev[at + 2] === null) {
    return;
  }
  if (readSocket(server, id) === undefined) return;
  if (flushed === undefined) flushed = server[kFlushedConns] = new Set();
  flushed.add(id);
  flushBehind();
  runNextTicks();
}

// Core calls its body callback through MakeCallback, from the socket's read:
// the ticks and microtasks it queued run before llhttp goes on (message
// complete, the next request), and one that throws fails the parser. Run
// outside the socket's async scope, which a throwing tick would leave
// unbalanced. A stream handed to the server is parsed inside its own 'data'
// callback, so there they wait.
function afterBodyCallback(server, id) {
  const socket = readSocket(server, id);
  if (socket === undefined) return;
  enterCallback(socket, CB_BODY);
  flushBehind();
  runNextTicks();
  callbackSocket = null;
}

// The connection whose events the batch handled last (runEvents).
let lastConn = -1;

/** Whether the run of events of the connection at `at` has a body event. */
function bodyAhead(events, at) {
  const id = events[at + 1];
  for (let j = at; j < events.length && events[j + 1] === id; j += EVENT_WIDTH[events[j]]) {
    if (events[j] === EV_BODY || events[j] === EV_BODY_GATED) return true;
  }
  return false;
}

function onBodyEnd(socket, trailers) {
  const state = socket[kState];
  const req = state && state.parsing;
  if (!req) return;
  state.parsing = null;
  req.complete = true;
  state.messageOpen = false;
  if (trailers !== null) {
    // Trailers reach core's JS in blocks, capped as a head's are.
    const list = keptRawHeaders(splitTrailers(trailers), state.maxHeaderPairs);
    req._addHeaderLines(list, list.length);
  }
  // A 'readable' handler may run here, inside core's on_message_complete.
  enterCallback(socket, CB_MESSAGE_COMPLETE);
  req.push(null);
  callbackSocket = null;
  // Read the next message even if this body was left unread.
  socket._rhttpReadStart();
}

function resetSocketTimeout(server, socket, state) {
  if (!state.keepAliveTimeoutSet)
    return;

  socket.setTimeout(server.timeout || 0);
  state.keepAliveTimeoutSet = false;
}

// resetSocketTimeout at a request, where the keep-alive timer usually comes
// back on at the response (see Socket#_rhttpMuteTimeout).
function pauseKeepAliveTimeout(server, socket, state) {
  if (!state.keepAliveTimeoutSet)
    return;

  if (!server.timeout && socket[kFed] === undefined) socket._rhttpMuteTimeout();
  else socket.setTimeout(server.timeout || 0);
  state.keepAliveTimeoutSet = false;
}

function parserOnIncoming(server, socket, state, req, keepAlive) {
  pauseKeepAliveTimeout(server, socket, state);

  state.incoming.push(req);

  // If the writable end isn't consuming, stop reading so a flood of
  // pipelined requests cannot pile up.
  if (!socket._paused) {
    const ws = socket._writableState;
    if (ws.needDrain || state.outgoingData >= socket.writableHighWaterMark) {
      socket._paused = true;
      binding.connPause(socket._rhttpId, PAUSE_PIPELINE);
    }
  }

  const res = new server[kServerResponse](req,
                                          {
                                            highWaterMark: socket.writableHighWaterMark,
                                            rejectNonStandardBodyWrites: server.rejectNonStandardBodyWrites,
                                          });
  res._keepAliveTimeout = server.keepAliveTimeout;
  res._maxRequestsPerSocket = server.maxRequestsPerSocket;
  res._onPendingData = updateOutgoingData.bind(undefined, socket, state);

  res.shouldKeepAlive = keepAlive;
  res[kUniqueHeaders] = server[kUniqueHeaders];

  if (onRequestStartChannel.hasSubscribers) {
    onRequestStartChannel.publish({
      request: req,
      response: res,
      socket,
      server,
    });
  }

  if (socket._httpMessage) {
    // There are already pending outgoing res, append.
    state.outgoing.push(res);
  } else {
    res.assignSocket(socket);
  }

  // When we're finished writing the response, check if this is the last
  // response, if so destroy the socket.
  res.on('finish',
         resOnFinish.bind(undefined,
                          req, res, socket, state, server));

  let handled = false;

  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
    // RFC 9112 3.2: a server MUST respond 400 to an HTTP/1.1 request
    // without a Host header.
    if (server.requireHostHeader && req.headers.host === undefined) {
      res.writeHead(400, ['Connection', 'close']);
      res.end();
      return 0;
    }

    const isRequestsLimitSet = (
      typeof server.maxRequestsPerSocket === 'number' &&
      server.maxRequestsPerSocket > 0
    );

    if (isRequestsLimitSet) {
      state.requestsCount++;
      res.maxRequestsOnConnectionReached = (
        server.maxRequestsPerSocket <= state.requestsCount);
    }

    if (isRequestsLimitSet &&
      (server.maxRequestsPerSocket < state.requestsCount)) {
      handled = true;
      server.emit('dropRequest', req, socket);
      res.writeHead(503);
      res.end();
    } else if (req.headers.expect !== undefined) {
      handled = true;

      if (continueExpression.test(req.headers.expect)) {
        res._expect_continue = true;
        if (server.listenerCount('checkContinue') > 0) {
          server.emit('checkContinue', req, res);
        } else {
          res.writeContinue();
          server.emit('request', req, res);
        }
      } else if (server.listenerCount('checkExpectation') > 0) {
        server.emit('checkExpectation', req, res);
      } else {
        res.writeHead(417);
        res.end();
      }
    }
  }

  if (!handled) {
    server.emit('request', req, res);
  }

  return 0;
}

function clearIncoming(req) {
  void req;
}

function resOnFinish(req, res, socket, state, server) {
  if (onResponseFinishChannel.hasSubscribers) {
    onResponseFinishChannel.publish({
      request: req,
      response: res,
      socket,
      server,
    });
  }

  // Usually the first incoming element should be our request. It may be
  // that abortIncoming() was called and the array is empty.
  assert(state.incoming.length === 0 || state.incoming[0] === req);

  state.incoming.shift();

  // If the user never read the body, dump it so the next request can come.
  if (!req._consuming && !req._readableState.resumeScheduled)
    req._dump();

  res.detachSocket(socket);
  clearIncoming(req);
  process.nextTick(emitCloseNT, res);

  if (res._last) {
    if (typeof socket.destroySoon === 'function') {
      socket.destroySoon();
    } else {
      socket.end();
    }
  } else if (state.outgoing.length === 0) {
    if (server.keepAliveTimeout && typeof socket.setTimeout === 'function') {
      // A little over the advertised value, to make ECONNRESET on the
      // client's reuse less likely.
      const ms = server.keepAliveTimeout + HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER;
      // Unmuting restarts the timer from the last write: only if the end
      // of the response was one.
      if (socket[kFed] !== undefined || res[kEndWroteNothing] === true ||
          !socket._rhttpUnmuteTimeout(ms)) {
        socket.setTimeout(ms);
      }
      state.keepAliveTimeoutSet = true;
    }
  } else {
    // Start sending the next message
    const m = state.outgoing.shift();
    if (m) {
      m.assignSocket(socket);
    }
  }
}

module.exports = {
  STATUS_CODES,
  Server,
  ServerResponse,
  storeHTTPOptions,
  _connectionListener: connectionListener,
  kServerResponse,
  httpServerPreClose,
};
