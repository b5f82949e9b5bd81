'use strict';
// Client connections: a Socket (the same class as the server's, so
// `instanceof net.Socket` holds) that connects through the Rust runtime.
// Names are resolved here with dns.lookup (or options.lookup), as net does,
// then Rust connects to the address; the bytes flow raw in both directions
// and ClientRequest runs the response parser on them.

const dns = require('node:dns');
const { AsyncResource } = require('node:async_hooks');
const net = require('node:net');
const { isIP } = net;

const { Socket, ConnHandle, errnoError, kId, applyPauseBits, closeFd } = require('./socket');
const { runNextTicks, TurnBudget, currentPollMark } = require('./common');
const { netIntercepted } = require('./net_stock');
const {
  binding, unpackEvents, EVENT_WIDTH, PAD_ABSTRACT_PIPE_NAMES,
  EV_CONNECT, EV_DATA, EV_END, EV_FIN_READ, EV_CLOSE, EV_DRAIN, EV_TIMEOUT, EV_HANDED_OVER,
} = require('./native');
const { codes, ExceptionWithHostPort } = require('./internal/errors');
const { validatePort, validateFunction, validateNumber } = require('./internal/validators');

const {
  ERR_INVALID_IP_ADDRESS, ERR_INVALID_ADDRESS_FAMILY, ERR_MISSING_ARGS,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION,
} = codes;

// Whether the socket should keep the loop alive (ref()/unref()), and
// whether it currently counts: only once it has a connection id.
const kWantRef = Symbol('rhttp.wantRef');
const kRefd = Symbol('rhttp.clientRefd');
const kConnectArgs = Symbol('rhttp.connectArgs');
const kAsyncResource = Symbol('rhttp.asyncResource');
// The idle timeout set before the connection existed, and the JS timer
// standing in for it while connecting.
const kPendingTimeout = Symbol('rhttp.pendingTimeout');
const kConnectTimer = Symbol('rhttp.connectTimer');
// Addresses still to try after a failed connect, and how to connect.
const kAlternatives = Symbol('rhttp.alternatives');
// The turn (TurnBudget.turn) of the socket's latest data, and its events
// held for the next turn (see deferEvent).
const kReadTurn = Symbol('rhttp.readTurn');
// While connecting: the local [address, family, port] (the socket is bound
// by then, as net's is) and the write waiting for 'connect' (net's
// _pendingData, which bytesWritten counts).
const kConnectingName = Symbol('rhttp.connectingName');
const kPendingWrite = Symbol('rhttp.pendingWrite');
const kDeferred = Symbol('rhttp.deferred');
// The poll mark (currentPollMark) of the turn that started the connect.
const kConnectMark = Symbol('rhttp.connectMark');

// connectTcp's answer for a socket that could not be made or bound:
// -(BIND_FAILED + errno) (src/binding/client.rs).
const BIND_FAILED = 2 ** 32;

// ---- the process-wide client event queue --------------------------------

let native = null;
const sockets = new Map();
let refCount = 0;
let isRef = false;

function client() {
  if (native === null) {
    native = new binding.NativeClient(dispatch);
    native.setRef(false);
  }
  return native;
}

/** Ref'd client sockets keep the loop alive; pooled (unref'd) ones don't. */
function addRef(delta) {
  refCount += delta;
  const want = refCount > 0;
  if (want !== isRef) {
    isRef = want;
    client().setRef(want);
  }
}

// As the server's dispatchEvents: one turn's share of batches.
const turnBudget = new TurnBudget(() => native.ring());

// Events held for the next turn, in order, and the turn that held them.
let deferred = [];
let deferredTurn = -1;

function dispatch() {
  if (!turnBudget.take()) return;
  if (deferred.length !== 0 && deferredTurn !== turnBudget.turn) {
    const held = deferred;
    deferred = [];
    runDeferred(held, 0);
  }
  run(unpackEvents(native.drain()), 0);
}

/** Core's loop reads a FIN that came behind data with a read of its own, in
 * the next turn (libuv returns from a short read), and completes a connect
 * started in a poll phase no sooner than the next one: the socket's EOF or
 * connect, and whatever of the socket follows it, wait for the next turn.
 * True when the event at `at` was held. */
function deferEvent(events, at, kind) {
  const socket = sockets.get(events[at + 1]);
  if (socket === undefined) return false;
  if (socket[kDeferred] !== true) {
    const held = kind === EV_FIN_READ ? socket[kReadTurn] === turnBudget.turn :
      socket[kConnectMark] !== null && socket[kConnectMark] === currentPollMark();
    if (!held) return false;
    socket[kDeferred] = true;
    deferredTurn = turnBudget.turn;
    // The end of the turn rings (`native.ring`) for the next one.
    turnBudget.ringAtTurnEnd();
  }
  deferred.push(events.slice(at, at + EVENT_WIDTH[kind]));
  return true;
}

function runDeferred(records, i) {
  try {
    while (i < records.length) {
      const record = records[i++];
      if (i > 1) runNextTicks();
      const socket = sockets.get(record[1]);
      if (socket !== undefined) socket[kDeferred] = undefined;
      handle(record[0], record, 0);
    }
  } finally {
    if (i < records.length) process.nextTick(runDeferred, records, i);
  }
}

function run(events, i) {
  const n = events.length;
  const start = i;
  let previous = -1;
  try {
    while (i < n) {
      const kind = events[i];
      const at = i;
      if ((kind === EV_FIN_READ || kind === EV_CONNECT || kind === EV_CLOSE || deferred.length !== 0) &&
          deferEvent(events, at, kind)) {
        i += EVENT_WIDTH[kind];
        continue;
      }
      // Core delivers each read through a MakeCallback: the ticks and
      // microtasks the data before an EOF queued (a response's 'end',
      // responseOnEnd's destroySoon) run before the EOF is looked at. Only
      // there, and after a connect (its own callback in core, before any
      // read: an end() in a 'connect' listener finishes before the response
      // that came with the connection). Flushing after every read costs the
      // client a third of its throughput (client-get), for an order no
      // other event shows. (If a tick throws, the batch goes on from this
      // event, unflushed.)
      if ((kind === EV_END || kind === EV_FIN_READ || kind === EV_CLOSE || previous === EV_CONNECT) &&
          at !== start) runNextTicks();
      previous = kind;
      i += EVENT_WIDTH[kind];
      if (kind === EV_DATA) i = joinReads(events, at, i);
      handle(kind, events, at);
    }
  } finally {
    if (i < n) process.nextTick(run, events, i);
  }
}

// Core's read: up to 64 KiB of what the kernel holds.
const READ_SIZE = 64 * 1024;
const DATA_WIDTH = EVENT_WIDTH[EV_DATA];

/** Rust read on while JS was busy: what core would take in one read (the
 * EV_DATA records of the same socket that follow, up to READ_SIZE) becomes
 * one chunk at `at`. Returns the index after the records joined. */
function joinReads(events, at, next) {
  const id = events[at + 1];
  let size = events[at + 2].length;
  let end = next;
  while (end < events.length && events[end] === EV_DATA && events[end + 1] === id &&
         size + events[end + 2].length <= READ_SIZE) {
    size += events[end + 2].length;
    end += DATA_WIDTH;
  }
  if (end === next) return next;
  const chunks = [];
  for (let k = at; k < end; k += DATA_WIDTH) chunks.push(events[k + 2]);
  events[at + 2] = Buffer.concat(chunks, size);
  return end;
}

function handle(kind, ev, at) {
  const socket = sockets.get(ev[at + 1]);
  if (socket === undefined) {
    if (kind === EV_HANDED_OVER) discardHandedOver(ev[at + 1], ev[at + 2]);
    return;
  }
  // A batch arrives in one threadsafe-function call; each socket's events
  // run in the async context the socket was created in, as a TCPWRAP's do.
  socket[kAsyncResource].runInAsyncScope(handleSocketEvent, null, socket, kind, ev, at);
}

function handleSocketEvent(socket, kind, ev, at) {
  const id = ev[at + 1];
  switch (kind) {
    case EV_CONNECT:
      socket._rhttpConnected();
      break;
    case EV_DATA:
      socket[kReadTurn] = turnBudget.turn;
      socket._rhttpPushRaw(ev[at + 2]);
      break;
    case EV_END:
    case EV_FIN_READ:
      // Rust will not hand over an ended stream: the upgrade is emitted
      // now, before its end, as core emits it before reading on.
      socket._rhttpFinishHandOver();
      // As net's onStreamRead at EOF: the read(0) lets 'end' fire even
      // when nobody reads, so a half-closed socket gets ended.
      socket.push(null);
      socket.read(0);
      // A client's EV_END is a reset read as the end (EV_FIN_READ a FIN).
      if (kind === EV_END) socket._rhttpResetEnded();
      break;
    case EV_DRAIN:
      socket._rhttpOnDrain();
      break;
    case EV_TIMEOUT:
      socket.emit('timeout');
      break;
    case EV_CLOSE:
      socket._rhttpFinishHandOver();
      sockets.delete(id);
      socket._rhttpClosed(ev[at + 4]);
      socket._rhttpNativeClose(ev[at + 2], ev[at + 3]);
      break;
    case EV_HANDED_OVER:
      socket._rhttpHandedOver(ev[at + 2]);
      break;
  }
}

/** A descriptor handed over for a socket that is gone. */
function discardHandedOver(id, fd) {
  if (fd < 0) return;
  closeFd(fd);
  binding.connRelease(id);
}

// ---- ClientSocket -------------------------------------------------------

class ClientSocket extends Socket {
  constructor(options) {
    super(null, 0);
    // net.createConnection's default: the peer's FIN ends our side too.
    this.allowHalfOpen = Boolean(options && options.allowHalfOpen);
    this._handle = null;
    this[kId] = 0;
    this[kWantRef] = true;
    this[kRefd] = false;
    this[kConnectArgs] = null;
    this[kConnectingName] = null;
    this[kPendingWrite] = null;
    this[kConnectMark] = null;
    this[kAsyncResource] = new AsyncResource('TCPWRAP');
    this._rhttpSetRaw();
    if (options && options.noDelay !== undefined) this._rhttpNoDelay = !!options.noDelay;
  }

  /** net.Socket#connect(options[, cb]) | (port[, host][, cb]) | (path[, cb]). */
  connect(...args) {
    const [options, cb] = normalizeConnectArgs(args);
    if (typeof cb === 'function') this.once('connect', cb);
    this.connecting = true;
    if (options.path) {
      this._rhttpStart(client().connectUnix(String(options.path), PAD_ABSTRACT_PIPE_NAMES), options.path, undefined);
      return this;
    }
    lookupAndConnect(this, options);
    return this;
  }

  _rhttpStart(id, address, port) {
    this[kConnectArgs] = { address, port };
    if (id < 0) {
      process.nextTick(connectErrorNT, this, new ExceptionWithHostPort(id, 'connect', address, port));
      return;
    }
    this[kId] = id;
    this[kConnectMark] = currentPollMark();
    applyPauseBits(this);
    sockets.set(id, this);
    syncRef(this);
  }

  _rhttpConnected() {
    this.connecting = false;
    this[kConnectingName] = null;
    this[kAlternatives] = null;
    this._handle = new ConnHandle(this, this[kId]);
    clearTimeout(this[kConnectTimer]);
    if (this[kPendingTimeout] > 0) binding.connSetTimeout(this[kId], this[kPendingTimeout]);
    this.emit('connect');
    this.emit('ready');
  }

  /** ClientRequest is about to hand the socket to an 'upgrade'/'connect'
   * listener: ask Rust for the descriptor, so the socket reads and writes
   * as core's (see Socket#_rhttpAdoptFd) by the time `emitUpgrade` runs.
   * False (emit now, on the Rust stream) when Rust cannot let go: writes
   * still queued, the stream ending. Until the answer, writes are held:
   * once Rust let go, nothing more may go through it. */
  _rhttpHandOver(emitUpgrade) {
    if (this[kId] === 0 || this._handle === null || this.destroyed || this._rhttpCore) return false;
    const counters = binding.connCounters(this[kId]);
    if (counters === null || counters[2] !== 0) return false;
    return this._rhttpRequestHandOver(emitUpgrade);
  }

  _rhttpHandedOver(fd) {
    if (fd >= 0) sockets.delete(this[kId]);
    super._rhttpHandedOver(fd);
  }

  _rhttpMoveRef(handle) {
    if (this[kRefd]) {
      this[kRefd] = false;
      addRef(-1);
    }
    if (!this[kWantRef]) handle.unref();
  }

  _rhttpNativeClose(errno, syscall) {
    if (this.destroyed) return;
    if (syscall === 'connect' && this.connecting && this[kAlternatives]) {
      // Node 20 tries every resolved address (autoSelectFamily).
      const { addresses, start } = this[kAlternatives];
      const next = addresses.shift();
      if (addresses.length === 0) this[kAlternatives] = null;
      start(next.address);
      return;
    }
    if (errno !== 0) {
      const { address, port } = this[kConnectArgs] || {};
      this.destroy(syscall === 'connect' ?
        new ExceptionWithHostPort(-errno, 'connect', address, port) :
        errnoError(-errno, syscall || 'read'));
    } else {
      this.destroy();
    }
  }

  setTimeout(msecs, callback) {
    super.setTimeout(msecs, callback);
    if (this._handle === null && !this.destroyed) {
      // No Rust connection yet: a JS timer covers the connect phase, and
      // the timeout is handed to Rust once connected.
      const ms = Math.min(Math.trunc(msecs), 2147483647);
      this[kPendingTimeout] = ms;
      clearTimeout(this[kConnectTimer]);
      if (ms > 0) {
        this[kConnectTimer] = setTimeout(emitConnectTimeout, ms, this).unref();
      }
    }
    return this;
  }

  // Writes made while connecting wait for 'connect', as in net (and fail
  // with ERR_SOCKET_CLOSED_BEFORE_CONNECTION if it never comes).
  _write(chunk, encoding, cb) {
    if (this.connecting) {
      this[kPendingWrite] = [{ chunk, encoding }];
      afterConnect(this, () => super._write(chunk, encoding, cb), cb);
      return;
    }
    super._write(chunk, encoding, cb);
  }

  _writev(chunks, cb) {
    if (this.connecting) {
      this[kPendingWrite] = chunks;
      afterConnect(this, () => super._writev(chunks, cb), cb);
      return;
    }
    super._writev(chunks, cb);
  }

  get bytesWritten() {
    let bytes = super.bytesWritten;
    const pending = this[kPendingWrite];
    if (pending !== null) {
      for (let i = 0; i < pending.length; i++) {
        const { chunk, encoding } = pending[i];
        bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length;
      }
    }
    return bytes;
  }

  // net's socket is bound by the time it connects, so localAddress and
  // address() answer while connecting, before there is a handle.
  _getsockname() {
    const name = this[kConnectingName];
    if (name !== null && this._handle === null && this.connecting) {
      return { address: name[0], family: name[1], port: +name[2] };
    }
    return super._getsockname();
  }

  _final(cb) {
    if (this.connecting) {
      afterConnect(this, () => super._final(cb), cb);
      return;
    }
    super._final(cb);
  }

  ref() {
    if (this._rhttpCore) return super.ref();
    this[kWantRef] = true;
    syncRef(this);
    return this;
  }

  unref() {
    if (this._rhttpCore) return super.unref();
    this[kWantRef] = false;
    syncRef(this);
    return this;
  }

  _rhttpAsyncScope() {
    return this[kAsyncResource];
  }

  _destroy(err, cb) {
    clearTimeout(this[kConnectTimer]);
    this[kWantRef] = false;
    syncRef(this);
    if (this.connecting) {
      this.connecting = false;
      if (this[kId] !== 0) binding.connDestroy(this[kId]);
      sockets.delete(this[kId]);
    } else if (this[kId] !== 0 && this._handle === null) {
      sockets.delete(this[kId]);
    }
    super._destroy(err, cb);
  }
}

function syncRef(socket) {
  const want = socket[kWantRef] && socket[kId] !== 0;
  if (want !== socket[kRefd]) {
    socket[kRefd] = want;
    addRef(want ? 1 : -1);
  }
}

function afterConnect(socket, run, cb) {
  const onClose = () => cb(new ERR_SOCKET_CLOSED_BEFORE_CONNECTION());
  socket.once('connect', () => {
    socket.off('close', onClose);
    socket[kPendingWrite] = null;
    run();
  });
  socket.once('close', onClose);
}

function emitConnectTimeout(socket) {
  if (socket.connecting) socket.emit('timeout');
}

function connectErrorNT(socket, err) {
  socket.destroy(err);
}

function normalizeConnectArgs(args) {
  if (args.length === 0) throw new ERR_MISSING_ARGS(['options', 'port', 'path']);
  let options = {};
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    options = first;
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    options.path = first;
  } else {
    options.port = first;
    if (args.length > 1 && typeof args[1] === 'string') options.host = args[1];
  }
  const cb = args[args.length - 1];
  return [options, typeof cb === 'function' ? cb : null];
}

function lookupAndConnect(socket, options) {
  const { localAddress, localPort } = options;
  const host = options.host || 'localhost';
  let port = options.port;
  if (localAddress && !isIP(localAddress)) throw new ERR_INVALID_IP_ADDRESS(localAddress);
  if (localPort) validateNumber(localPort, 'options.localPort');
  if (port !== undefined) {
    if (typeof port !== 'number' && typeof port !== 'string') {
      throw new codes.ERR_INVALID_ARG_TYPE('options.port', ['number', 'string'], port);
    }
    validatePort(port);
  }
  port |= 0;
  const noDelay = options.noDelay === undefined ? socket._rhttpNoDelay !== false : !!options.noDelay;
  const start = (ip) => {
    const { id, local } = client().connectTcp(ip, port, localAddress, localPort || undefined, noDelay);
    if (id <= -BIND_FAILED) {
      // net's internalConnect: a failed bind destroys the socket at once.
      socket.destroy(new ExceptionWithHostPort(id + BIND_FAILED, 'bind', localAddress, localPort));
      return;
    }
    socket[kConnectingName] = local ?? null;
    socket._rhttpStart(id, ip, port);
  };

  if (isIP(host)) {
    process.nextTick(() => {
      if (socket.connecting) start(host);
    });
    return;
  }
  if (options.lookup != null) validateFunction(options.lookup, 'options.lookup');
  const lookup = options.lookup || dns.lookup;
  // net's socketToDnsFamily: names to numbers, anything else as given.
  const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
  const dnsopts = { family, hints: options.hints || 0 };
  if (family !== 4 && family !== 6 && dnsopts.hints === 0) dnsopts.hints = dns.ADDRCONFIG;
  socket._host = host;
  // Node 20 tries every address of both families (autoSelectFamily); here
  // they are tried one after another, the first family first.
  const autoSelect = family !== 4 && family !== 6 && !localAddress &&
    (options.autoSelectFamily ?? net.getDefaultAutoSelectFamily());
  if (autoSelect) dnsopts.all = true;
  lookup(host, dnsopts, (err, ip, addressType) => {
    if (!autoSelect) socket.emit('lookup', err, ip, addressType, host);
    if (!socket.connecting) return;
    if (err) {
      if (autoSelect) socket.emit('lookup', err, undefined, undefined, host);
      process.nextTick(connectErrorNT, socket, err);
      return;
    }
    let valid;
    let first;
    if (autoSelect) {
      // As net's lookupAndConnectMultiple: `ip` is read as a list whatever
      // the lookup gave (a string's characters have no address), each
      // entry announced; valid ones kept once, the first's family first.
      const groups = [[], []];
      let order;
      for (let i = 0, l = ip.length; i < l; i++) {
        const { address, family: f } = ip[i];
        socket.emit('lookup', null, address, f, host);
        if (!socket.connecting) return;
        if (isIP(address) && (f === 4 || f === 6)) {
          order ||= f === 6 ? { 6: 0, 4: 1 } : { 4: 0, 6: 1 };
          const group = groups[order[f]];
          if (!group.some((a) => a.address === address)) group.push({ address, family: f });
        }
      }
      valid = [...groups[0], ...groups[1]];
      first = ip[0];
    } else {
      first = { address: ip, family: addressType };
      valid = isIP(ip) && (addressType === 4 || addressType === 6) ? [first] : [];
    }
    if (valid.length === 0) {
      const { address, family: f } = first;
      const e = !isIP(address) ? new ERR_INVALID_IP_ADDRESS(address) :
        new ERR_INVALID_ADDRESS_FAMILY(f, options.host, options.port);
      process.nextTick(connectErrorNT, socket, e);
      return;
    }
    if (valid.length > 1) socket[kAlternatives] = { addresses: valid.slice(1), start };
    start(valid[0].address);
  });
}

/** net.createConnection for rhttp sockets. */
function createConnection(...args) {
  // Patched by a library that intercepts connections: let it see this one.
  if (netIntercepted()) return net.createConnection(...args);
  const [options, cb] = normalizeConnectArgs(args);
  const socket = new ClientSocket(options);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect(options, cb || undefined);
}

module.exports = { ClientSocket, createConnection };
