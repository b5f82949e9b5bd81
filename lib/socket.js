'use strict';
// The socket handed to 'connection', `req.socket` and `res.socket`: a real
// `net.Socket` (so `instanceof net.Socket` holds and net's own getters work)
// whose handle is a Rust connection. While HTTP owns the connection its
// readable side is idle (as a consumed socket is in core); after an upgrade
// the Rust side pushes the raw bytes into it.

const net = require('node:net');
const util = require('node:util');
const { binding, fast, PAUSE_BODY, PAUSE_SOCKET, PAUSE_GATE } = require('./native');
const { connWrite, connWriteStr, connWriteHeadBuffer, ints: INTS } = fast;
const { codes } = require('./internal/errors');
const { inClosePhase } = require('./close_phase');
const { validateNumber } = require('./internal/validators');
const { defaultHighWaterMark } = require('./common');

const kId = Symbol('rhttp.connId');
const kNativeTimeout = Symbol('rhttp.nativeTimeout');
const kTimeoutMuted = Symbol('rhttp.timeoutMuted');
const kPendingWriteCb = Symbol('rhttp.pendingWriteCb');
const kPendingFinal = Symbol('rhttp.pendingFinal');
// The peer's reset ended the readable side (libuv: POLLHUP).
const kResetEnded = Symbol('rhttp.resetEnded');
const kRaw = Symbol('rhttp.raw');
const kPauseBits = Symbol('rhttp.pauseBits');
// Called once JS wants the connection read again (see _rhttpWhenReading).
const kWhenReading = Symbol('rhttp.whenReading');
const kUnref = Symbol('rhttp.unref');
// Bytes handed to the connection (core's _bytesDispatched), and the Rust
// counters last seen, for after the connection is gone.
const kDispatched = Symbol('rhttp.dispatched');
const kLastCounters = Symbol('rhttp.lastCounters');
// Corked until the end of this turn of the event loop (pipelined requests).
const kCorkedTick = Symbol('rhttp.corkedTick');
// Upgraded and taken over: the socket reads and writes through a libuv
// handle of its own, with net.Socket's own methods (see _rhttpAdoptFd).
const kCore = Symbol('rhttp.core');
// [bytesRead, bytesWritten] of the Rust connection when it was taken over.
const kBaseCounters = Symbol('rhttp.baseCounters');
// Upgraded: Rust was asked for the descriptor (_rhttpRequestHandOver); what
// to run once it answered; and a write or end that came meanwhile, held
// until then.
const kHandingOver = Symbol('rhttp.handingOver');
const kAfterHandOver = Symbol('rhttp.afterHandOver');
const kHeld = Symbol('rhttp.held');
// The symbols under which a libuv handle refers to its net object (core's
// owner_symbol; see coreOwnerSymbol) and a socket holds its async id
// (async_id_symbol, learnt from the first socket made on a descriptor).
let ownerSymbol;
let asyncIdSymbol;

/** Core's owner_symbol, learnt once from a net.Socket made on a stand-in
 * handle. */
function coreOwnerSymbol() {
  if (ownerSymbol === undefined) {
    const standIn = { readStart: () => 0, readStop: () => 0, close() {}, getAsyncId: () => -1 };
    const socket = new net.Socket({ handle: standIn, manualStart: true });
    ownerSymbol = Object.getOwnPropertySymbols(standIn).find((s) => standIn[s] === socket);
  }
  return ownerSymbol;
}

// Sockets corked this turn, uncorked together in one setImmediate: the
// responses to a client's pipelined requests (answered in one cascade of
// ticks) leave in one write instead of one each.
let corkedSockets = [];

function uncorkAll() {
  const list = corkedSockets;
  corkedSockets = [];
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    s[kCorkedTick] = false;
    if (s._handle && !s[kCore]) binding.connUncork(s[kId]);
  }
}

/** The `_handle` of a Socket: the slice of TCPWrap's interface that
 * net.Socket's own methods call, backed by the Rust connection. */
class ConnHandle {
  constructor(socket, id) {
    this.socket = socket;
    this.id = id;
    this.fd = -1;
    this.reading = false;
  }

  getpeername(out) {
    const a = addresses(this);
    if (!a || a[1] === '') return -107; // ENOTCONN; Unix sockets have no peer address
    out.address = a[0];
    out.family = a[1];
    out.port = +a[2];
    return 0;
  }

  getsockname(out) {
    const a = addresses(this);
    if (!a || a[4] === '') return -107;
    out.address = a[3];
    out.family = a[4];
    out.port = +a[5];
    return 0;
  }

  setNoDelay(on) {
    binding.connSetNoDelay(this.id, !!on);
    return 0;
  }

  setKeepAlive(on, delaySecs) {
    binding.connSetKeepAlive(this.id, !!on, (delaySecs >>> 0) * 1000);
    return 0;
  }

  ref() {
    setSocketRef(this.socket, true);
  }

  unref() {
    setSocketRef(this.socket, false);
  }

  readStart() {
    setPaused(this.socket, PAUSE_SOCKET, false);
    return 0;
  }

  readStop() {
    setPaused(this.socket, PAUSE_SOCKET, true);
    return 0;
  }

  get bytesRead() {
    const c = binding.connCounters(this.id);
    return c ? c[0] : 0;
  }

  get bytesWritten() {
    const c = binding.connCounters(this.id);
    return c ? c[1] : 0;
  }

  getAsyncId() {
    return -1;
  }
}

// Writes behind made while a batch of events runs wake the io thread once,
// when the batch is done: a wake-up per write (an eventfd write and an
// IPI) took 13 % of an Express server's JS thread. Not past the batch:
// user code that runs after it (ticks, timers) may block, and the bytes
// would wait; and not for longer than BEHIND_HOLD_MS within it.
const BEHIND_HOLD_MS = 0.25;
let behindBatchDepth = 0;
let behindPending = false;
let behindSince = 0;

/** Run `fn(a, b)` as a batch (see above). */
function behindBatch(fn, a, b) {
  behindBatchDepth++;
  try {
    fn(a, b);
  } finally {
    if (--behindBatchDepth === 0) flushBehind();
  }
}

/** Wake the tasks of the writes behind made so far. */
function flushBehind() {
  if (behindPending) {
    behindPending = false;
    binding.connFlushBehind();
  }
}

/** Between a batch's events: wake them if the first has waited too long. */
function flushBehindIfLate() {
  if (behindPending && performance.now() - behindSince >= BEHIND_HOLD_MS) flushBehind();
}

function addresses(handle) {
  if (handle._addresses === undefined) handle._addresses = binding.connAddresses(handle.id);
  return handle._addresses;
}

function setSocketRef(socket, on) {
  if (socket[kUnref] === !on) return;
  socket[kUnref] = !on;
  const server = socket.server;
  if (server && server._rhttpSocketRef) server._rhttpSocketRef(on ? 1 : -1);
}

class Socket extends net.Socket {
  constructor(server, id) {
    const highWaterMark = server ? server.highWaterMark : undefined;
    // net.Socket copies its options with a spread, and the stream
    // constructors then read some twenty of them from the copy: with
    // options of ours, those reads missed V8's caches every time (~9 µs a
    // socket in a busy server; core's sockets pay it too). With none the
    // copy starts empty and the reads stay cheap; allowHalfOpen is then
    // the only option to set, and a server's highWaterMark is most often
    // the default one.
    if (highWaterMark === undefined || highWaterMark === defaultHighWaterMark()) {
      super();
      this.allowHalfOpen = true;
    } else {
      super({ allowHalfOpen: true, highWaterMark });
    }
    this[kId] = id;
    this[kPendingWriteCb] = null;
    this[kPendingFinal] = null;
    this[kResetEnded] = false;
    this[kRaw] = false;
    this[kPauseBits] = 0;
    // Rust holds a request body at its gate (PAUSE_GATE) until readStart.
    this._rhttpGated = false;
    this[kUnref] = false;
    this[kDispatched] = 0;
    this[kLastCounters] = null;
    // The idle timeout Rust has, and whether JS switched it off without
    // telling Rust (muteTimeout).
    this[kNativeTimeout] = 0;
    this[kTimeoutMuted] = false;
    this[kHandingOver] = false;
    this[kAfterHandOver] = null;
    this[kHeld] = null;
    this._handle = new ConnHandle(this, id);
    this.server = server;
    this._server = server;
  }

  get _rhttpId() {
    return this[kId];
  }

  // net's getters read private fields net's own _destroy fills in. Core's
  // bytesRead is the handle's count (here Rust's, kept once the connection
  // is gone); bytesWritten is what was handed to the handle plus what
  // still waits in the stream's buffer, counted in JS as core does.
  get bytesRead() {
    if (this[kCore]) return this[kBaseCounters][0] + super.bytesRead;
    const c = (this._handle && binding.connCounters(this[kId])) || this[kLastCounters];
    return c ? c[0] : 0;
  }

  get bytesWritten() {
    if (this[kCore]) return this[kBaseCounters][1] + super.bytesWritten;
    let bytes = this[kDispatched];
    const buffered = this.writableBuffer;
    for (let i = 0; i < buffered.length; i++) {
      const el = buffered[i];
      bytes += typeof el.chunk === 'string' ? Buffer.byteLength(el.chunk, el.encoding) : el.chunk.length;
    }
    return bytes;
  }

  /** The Rust connection is gone; its final read count came with it. */
  _rhttpClosed(bytesRead) {
    const c = this[kLastCounters];
    this[kLastCounters] = [bytesRead, c ? c[1] : 0, 0];
    // The shutdown is done, if one was pending: 'finish' before 'close'.
    finishFinal(this);
  }

  /** Remember Rust's counters: the connection may be gone by the time
   * user code asks (after the peer's FIN nothing more is read). */
  _rhttpSaveCounters() {
    const c = binding.connCounters(this[kId]);
    if (c) this[kLastCounters] = c;
  }

  // ---- writable side ----

  /** A server's last response is about to be written (OutgoingMessage#end):
   * Rust sends it with MSG_MORE, so the kernel holds it for the FIN. */
  _rhttpHoldForFin() {
    if (!this._handle || this[kCore] || this[kHandingOver] || !this.writable) return false;
    binding.connHoldForFin(this[kId], true);
    return true;
  }

  /** ...and was written: when all of it went to Rust, the FIN goes now,
   * in the segment of its last bytes. Core shuts down a few ticks on,
   * when resOnFinish ends the socket (whose _final then finds it sent):
   * its response and FIN were two packets, each a pass through loopback
   * and a wake-up of the client. */
  _rhttpFinWithLast(allWritten) {
    if (!this._handle || this[kCore]) return;
    if (allWritten && this.writableLength === 0) binding.connEnd(this[kId]);
    else binding.connHoldForFin(this[kId], false);
  }

  /** Hold writes in Rust until this turn of the event loop ends. */
  _rhttpCorkForTick() {
    if (this[kCorkedTick] || !this._handle || this[kCore]) return;
    this[kCorkedTick] = true;
    binding.connCork(this[kId]);
    if (corkedSockets.push(this) === 1) setImmediate(uncorkAll);
  }

  _write(chunk, encoding, cb) {
    if (this[kHandingOver]) {
      this[kHeld] = () => this._write(chunk, encoding, cb);
      return;
    }
    if (this[kCore]) return super._write(chunk, encoding, cb);
    // net's _writeGeneric: a write that comes after the handle is gone (one
    // held for 'connect' when the socket was destroyed there).
    if (this._handle === null) return cb(new codes.ERR_SOCKET_CLOSED());
    this._afterWrite(this._rhttpWriteChunk(chunk, encoding), cb);
  }

  _writev(chunks, cb) {
    if (this[kHandingOver]) {
      this[kHeld] = () => this._writev(chunks, cb);
      return;
    }
    if (this[kCore]) return super._writev(chunks, cb);
    if (this._handle === null) return cb(new codes.ERR_SOCKET_CLOSED());
    // One native call for the whole corked batch, so the kernel sees a
    // single write. Core's response is usually [head + string body, ''] or
    // [head, Buffer body, '']: those go without a JS Buffer.
    let n = chunks.length;
    if (n > 1 && chunks[n - 1].chunk.length === 0) n--;
    if (n === 1) {
      const c = chunks[0];
      this._afterWrite(this._rhttpWriteChunk(c.chunk, c.encoding), cb);
      return;
    }
    if (n === 2) {
      const head = chunks[0];
      const body = chunks[1].chunk;
      if (typeof head.chunk === 'string' && isLatin1(head.encoding) && typeof body !== 'string') {
        this[kDispatched] += head.chunk.length + body.length;
        this._afterWrite(connWriteHeadBuffer(this[kId], head.chunk, head.chunk.length, body), cb);
        return;
      }
    }
    const joined = joinLatin1(chunks, n);
    if (joined !== null) {
      this[kDispatched] += joined.length;
      this._afterWrite(connWriteStr(this[kId], joined, joined.length, true), cb);
      return;
    }
    const bufs = new Array(n);
    for (let i = 0; i < n; i++) {
      const c = chunks[i];
      bufs[i] = typeof c.chunk === 'string' ? Buffer.from(c.chunk, c.encoding) : c.chunk;
    }
    const data = Buffer.concat(bufs);
    this[kDispatched] += data.length;
    this._afterWrite(connWrite(this[kId], data), cb);
  }

  /** Hand one chunk to Rust; returns its write status. */
  _rhttpWriteChunk(chunk, encoding) {
    if (typeof chunk !== 'string') {
      this[kDispatched] += chunk.length;
      return connWrite(this[kId], chunk);
    }
    if (isLatin1(encoding)) {
      this[kDispatched] += chunk.length;
      return connWriteStr(this[kId], chunk, chunk.length, true);
    }
    if (isUtf8(encoding)) {
      const status = connWriteStr(this[kId], chunk, chunk.length, false);
      // The string's UTF-8 length, which Rust measured as it copied it.
      this[kDispatched] += INTS[0];
      return status;
    }
    const buf = Buffer.from(chunk, encoding);
    this[kDispatched] += buf.length;
    return connWrite(this[kId], buf);
  }

  _afterWrite(status, cb) {
    if (status === 2) {
      // Written behind, its task not yet woken (see behindBatch).
      if (behindBatchDepth === 0) binding.connFlushBehind();
      else if (!behindPending) {
        behindPending = true;
        behindSince = performance.now();
      }
      cb();
    } else if (status === 1) {
      // Queued in Rust: a drain event settles it.
      this[kPendingWriteCb] = cb;
    } else if (status < -1) {
      // The peer's reset closed the connection before this write, and the
      // close event is still on its way: core's write finds the reset in
      // the kernel and fails with it.
      cb(errnoError(status, 'write'));
    } else {
      // 0: written. -1: the connection is gone otherwise (an earlier write
      // failed, or it closed): the close event on its way reports why,
      // after the ticks this write queues.
      cb();
    }
  }

  /** Rust wrote out everything that was queued. */
  _rhttpOnDrain() {
    const cb = this[kPendingWriteCb];
    if (cb) {
      this[kPendingWriteCb] = null;
      cb();
    }
  }

  _final(cb) {
    if (this[kHandingOver]) {
      this[kHeld] = () => this._final(cb);
      return;
    }
    if (this[kCore]) return super._final(cb);
    binding.connEnd(this[kId]);
    // Core's shutdown completes in a later turn (libuv shuts down on the
    // next POLLOUT): 'finish' (and destroySoon's destroy) wait for the end
    // of this one, or until the connection is gone; an EOF read with the
    // data before still ends the readable side first. After a reset, libuv
    // shuts down in the same callback (POLLHUP), after the EOF's ticks.
    this[kPendingFinal] = cb;
    if (this[kResetEnded]) queueMicrotask(() => finishFinal(this));
    else setImmediate(finishFinal, this);
  }

  /** The peer's reset ended the readable side: a shutdown pending or to
   * come completes after the ticks of this EOF, as libuv's does. */
  _rhttpResetEnded() {
    this[kResetEnded] = true;
    if (this[kPendingFinal] !== null) queueMicrotask(() => finishFinal(this));
  }

  // ---- readable side: used only once the connection is raw (upgrade) ----

  _read(n) {
    if (this[kCore]) return super._read(n);
    if (this[kRaw]) setPaused(this, PAUSE_SOCKET, false);
  }

  /** The server's threadsafe function no longer holds the loop open for
   * this socket; its handle does, unless the socket was unref'd. */
  _rhttpMoveRef(handle) {
    if (this[kUnref]) handle.unref();
    else setSocketRef(this, false);
  }

  /** Read and written through a libuv handle (see _rhttpAdoptFd). */
  get _rhttpCore() {
    return this[kCore] === true;
  }

  /** After an upgrade, Rust let go of the connection (`connHandOver`, or
   * a client's EV_HANDED_OVER): from here on the socket reads and writes
   * `fd` through a libuv handle, as core's does, with net.Socket's own
   * methods. Only the object stays (it is `req.socket`, and what
   * 'connection' listeners hold). */
  _rhttpAdoptFd(fd) {
    // Rust keeps the connection's counters until connRelease.
    this._rhttpSaveCounters();
    const c = this[kLastCounters];
    this[kBaseCounters] = [c ? c[0] : 0, this[kDispatched]];
    let carrier = null;
    let handle;
    try {
      // net makes the handle (TCP or Pipe, by the descriptor's kind) and
      // opens it; the borrowed socket is dropped.
      carrier = new net.Socket({ fd, manualStart: true });
      handle = carrier._handle;
      if (coreOwnerSymbol() === undefined) throw new Error('rhttp: a libuv handle without its owner socket');
      if (asyncIdSymbol === undefined) asyncIdSymbol = symbolHolding(carrier, handle.getAsyncId());
      carrier._handle = null;
    } catch (err) {
      // The handle owns the descriptor once it opened it.
      if (carrier !== null && carrier._handle) carrier.destroy();
      else closeFd(fd);
      binding.connRelease(this[kId]);
      this._handle = null;
      this.destroy(err);
      return;
    }
    handle[ownerSymbol] = this;
    // The socket's async id is its handle's, as for core's sockets.
    if (asyncIdSymbol !== undefined) this[asyncIdSymbol] = handle.getAsyncId();
    this[kCore] = true;
    this._handle = handle;
    binding.connRelease(this[kId]);
    this._rhttpMoveRef(handle);
    const msecs = this[kTimeoutMuted] ? 0 : this[kNativeTimeout];
    this[kNativeTimeout] = 0;
    this[kTimeoutMuted] = false;
    if (msecs > 0) super.setTimeout(msecs);
    // Core's handle reads on through an upgrade: what comes before the
    // user reads waits in the stream (up to highWaterMark), not the kernel.
    // The stream may think a read is under way already (an earlier _read
    // that got no push while HTTP owned the connection), so start it here.
    if (this.readable) super._read(0);
    // Nothing was queued in Rust (a condition of the hand-over): a write
    // still waiting for its drain event is done. Last: it runs user code.
    this._rhttpOnDrain();
  }

  /** After an upgrade, ask Rust for the descriptor, so that the socket
   * reads and writes as core's (see _rhttpAdoptFd). Rust answers with an
   * EV_HANDED_OVER (_rhttpHandedOver) once nothing is left to write, behind
   * every byte it read. Until then writes and the end are held: once Rust
   * let go, nothing more may go through it. `after` runs when the answer
   * came, before them. False when Rust cannot let go (ending, or gone). */
  _rhttpRequestHandOver(after) {
    if (!binding.connRequestHandOver(this[kId])) return false;
    this[kHandingOver] = true;
    this[kAfterHandOver] = after;
    return true;
  }

  /** Rust's answer: the descriptor, or -1 (the socket stays a Rust stream). */
  _rhttpHandedOver(fd) {
    if (fd >= 0) {
      if (this.destroyed || !this[kHandingOver]) {
        closeFd(fd);
        binding.connRelease(this[kId]);
      } else {
        this._rhttpAdoptFd(fd);
      }
    }
    this._rhttpFinishHandOver();
  }

  /** The hand-over is answered, or will not be: the transport is settled,
   * the libuv handle or still Rust. Run `after`, then what was held. */
  _rhttpFinishHandOver() {
    if (!this[kHandingOver]) return;
    this[kHandingOver] = false;
    const after = this[kAfterHandOver];
    this[kAfterHandOver] = null;
    if (after !== null) after();
    const held = this[kHeld];
    this[kHeld] = null;
    if (held !== null) held();
  }

  _rhttpSetRaw() {
    this[kRaw] = true;
  }

  _rhttpPushRaw(data) {
    if (!this.push(data)) setPaused(this, PAUSE_SOCKET, true);
  }

  /** IncomingMessage asks for more body: resume reading the connection. */
  _rhttpReadStart() {
    if (!this[kCore]) {
      setPaused(this, PAUSE_BODY, false);
      if (this._rhttpGated) this._rhttpOpenGate();
      // The request stream asks for more: core would read now.
      runWhenReading(this);
    }
    // Core's readStart resumes the socket a readStop paused ('resume').
    if (this.readableFlowing === false && !this._paused && this.readable) this.resume();
  }

  /** Whether JS wants the connection read: no readStop, no pause(). */
  get _rhttpReading() {
    return (this[kPauseBits] & (PAUSE_BODY | PAUSE_SOCKET)) === 0;
  }

  /** Run `fn` in an immediate once JS wants the connection read again,
   * where core's next read would come. */
  _rhttpWhenReading(fn) {
    this[kWhenReading] = fn;
  }

  /** The request stream takes its body: Rust may read on past the gate. */
  _rhttpOpenGate() {
    this._rhttpGated = false;
    binding.connResume(this[kId], PAUSE_GATE);
  }

  _rhttpReadStop() {
    if (!this[kCore]) setPaused(this, PAUSE_BODY, true);
    // Core's readStop is socket.pause(): isPaused() and a 'pause' event.
    if (this.readableFlowing !== false) this.pause();
  }

  // ---- lifetime ----

  setTimeout(msecs, callback) {
    if (this[kCore]) return super.setTimeout(msecs, callback);
    // An idle timer in Rust: no JS timer per connection, and reads the JS
    // side never sees (consumed by the parser) still count as activity.
    if (this.destroyed) return this;
    this.timeout = msecs;
    msecs = validateTimeout(msecs);
    binding.connSetTimeout(this[kId], msecs);
    this[kNativeTimeout] = msecs;
    this[kTimeoutMuted] = false;
    if (callback !== undefined) {
      if (typeof callback !== 'function') {
        throw new codes.ERR_INVALID_ARG_TYPE('callback', 'Function', callback);
      }
      if (msecs === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    return this;
  }

  /** Net's resetAndDestroy for a Rust connection: a TCP one closes with a
   * reset (RST), dropping what is queued; another kind throws, as core's
   * non-TCP handle does. */
  resetAndDestroy() {
    if (this[kCore]) return super.resetAndDestroy();
    if (this.connecting) {
      this.once('connect', () => this.resetAndDestroy());
    } else if (this._handle) {
      if (!binding.connResetAndDestroy(this[kId])) throw new codes.ERR_INVALID_HANDLE_TYPE();
      this.destroy();
    } else {
      this.destroy(new codes.ERR_SOCKET_CLOSED());
    }
    return this;
  }

  _unrefTimer() {
    if (this[kCore]) super._unrefTimer();
  }

  // The server switches the keep-alive timer off at each request and back
  // on (to the same value) after each response: two native calls per
  // request. Instead, switching off only mutes the Rust timer, and switching
  // back to the value Rust has unmutes it. Rust counts from the last
  // activity; resOnFinish unmutes only when the response's end was a write,
  // so the timer runs from then, as a restarted one would.
  _rhttpMuteTimeout() {
    if (this.destroyed) return;
    this.timeout = 0;
    if (this[kNativeTimeout] !== 0) this[kTimeoutMuted] = true;
  }

  /** After a response: true if the muted timer is `msecs` again. */
  _rhttpUnmuteTimeout(msecs) {
    if (!this[kTimeoutMuted] || this[kNativeTimeout] !== msecs || this.destroyed) return false;
    this.timeout = msecs;
    this[kTimeoutMuted] = false;
    return true;
  }

  /** Rust's timer fired: is that a 'timeout' core would emit? */
  _rhttpTimeoutLive() {
    if (this[kTimeoutMuted]) {
      // Switched off in JS: now off in Rust too.
      this[kTimeoutMuted] = false;
      this[kNativeTimeout] = 0;
      binding.connSetTimeout(this[kId], 0);
      return false;
    }
    // Not if JS restarted the timer (or wrote) after it fired: core's
    // restarted timer would not have run out.
    return binding.connIdleFired(this[kId]);
  }

  /** The async context of the socket's own events: core's accepted
   * sockets' handles have none a program can see. */
  _rhttpAsyncScope() {
    return null;
  }

  _destroy(err, cb) {
    // A write or end held for a hand-over goes out first, as core's would
    // have before the close.
    this._rhttpFinishHandOver();
    if (this[kCore]) return super._destroy(err, cb);
    const handle = this._handle;
    if (handle) {
      this._rhttpSaveCounters();
      binding.connDestroy(this[kId]);
      this._handle = null;
    }
    if (!this[kUnref]) {
      this[kUnref] = true;
      if (this.server && this.server._rhttpSocketRef) this.server._rhttpSocketRef(-1);
    }
    const pending = this[kPendingWriteCb];
    this[kPendingWriteCb] = null;
    cb(err);
    // Core emits 'close' from the handle's close callback.
    const scope = this._rhttpAsyncScope();
    inClosePhase(scope, emitCloseNT, this, !!err);
    if (pending) {
      // A failed write reports its error, as core's write callback does.
      // Any other destroy cancels the write, and libuv then calls it back
      // with no error, before the handle's 'close' (close-phase callbacks
      // run last in, first out).
      if (err && err.syscall === 'write') pending(err);
      else inClosePhase(scope, pending, null);
    }
    if (this._server) {
      this._server._connections--;
      if (this._server._emitCloseIfDrained) this._server._emitCloseIfDrained();
    }
  }
}

/** Close a descriptor Rust handed over that no socket will adopt. */
function closeFd(fd) {
  try {
    require('node:fs').closeSync(fd);
  } catch {
    // Already closed: nothing to give back.
  }
}

/** The symbol under which `object` holds `value` (one of net's private
 * fields, learnt from a socket net made), or undefined. */
function symbolHolding(object, value) {
  const symbols = Object.getOwnPropertySymbols(object);
  for (let i = 0; i < symbols.length; i++) {
    if (object[symbols[i]] === value) return symbols[i];
  }
  return undefined;
}

/** Set or clear one of the connection's pause bits. The bits are mirrored
 * here (only this file's methods change them): a stream calls `_read` after
 * nearly every chunk, and only a change needs the native call. */
function setPaused(socket, bit, on) {
  const bits = socket[kPauseBits];
  const next = on ? bits | bit : bits & ~bit;
  if (next === bits) return;
  socket[kPauseBits] = next;
  if (on) {
    binding.connPause(socket[kId], bit);
  } else {
    binding.connResume(socket[kId], bit);
    runWhenReading(socket);
  }
}

function runWhenReading(socket) {
  const fn = socket[kWhenReading];
  if (fn && socket._rhttpReading) {
    socket[kWhenReading] = null;
    setImmediate(fn);
  }
}

/** A client socket got its connection id: apply pauses made before it. */
function applyPauseBits(socket) {
  const bits = socket[kPauseBits];
  if (bits !== 0) binding.connPause(socket[kId], bits);
}

/** The first `n` chunks as one string when all are latin1 strings, else
 * null. (Not utf8: each chunk is encoded on its own, so halves of a
 * surrogate pair in two chunks must not be joined into one character.) */
function joinLatin1(chunks, n) {
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = chunks[i];
    if (typeof c.chunk !== 'string' || !isLatin1(c.encoding)) return null;
    s += c.chunk;
  }
  return s;
}

function isUtf8(encoding) {
  return encoding === 'utf8' || encoding === 'utf-8';
}

function isLatin1(encoding) {
  return encoding === 'latin1' || encoding === 'binary' || encoding === 'ascii';
}

function finishFinal(socket) {
  const cb = socket[kPendingFinal];
  if (cb !== null) {
    socket[kPendingFinal] = null;
    cb();
  }
}

function emitCloseNT(socket, hadError) {
  socket.emit('close', hadError);
}

function validateTimeout(msecs) {
  // Core's getTimerDuration.
  validateNumber(msecs, 'msecs');
  if (msecs < 0 || !Number.isFinite(msecs)) {
    throw new codes.ERR_OUT_OF_RANGE('msecs', 'a non-negative finite number', msecs);
  }
  // Node clamps to TIMEOUT_MAX; 0 disables.
  return Math.min(Math.trunc(msecs), 2147483647);
}

/** A system error shaped like core's (`code`, `errno`, `syscall`). */
function errnoError(errno, syscall) {
  const code = util.getSystemErrorName(errno);
  const err = new Error(`${syscall} ${code}`);
  err.errno = errno;
  err.code = code;
  err.syscall = syscall;
  return err;
}

module.exports = {
  Socket, ConnHandle, errnoError, kId, applyPauseBits, closeFd,
  behindBatch, flushBehind, flushBehindIfLate, coreOwnerSymbol,
};
