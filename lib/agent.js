'use strict';
// http.Agent: connection-pool bookkeeping, as core's.
//
// Derived from Node.js lib/_http_agent.js (MIT, Node.js contributors).
// Changed: the Rust pool (src/client/pool.rs, one per agent) holds each
// origin's idle sockets in scheduling order and its queue of waiting
// requests, and takes the decisions (reuse, open or queue; hand a freed
// socket to a waiting request, keep it idle or close it; which queued
// request gets a new socket). This file keeps core's method structure and
// the views the API exposes (sockets, freeSockets, requests,
// totalSocketCount), whose counts it passes to each decision, since Agent
// subclasses (agentkeepalive, agent-base and the proxy agents) override
// addRequest/createSocket/createConnection/keepSocketAlive/reuseSocket and
// change those views. The default createConnection opens an rhttp socket
// (a Rust connection). Internal-only helpers are replaced by local
// equivalents.

const NumberParseInt = Number.parseInt;
const ObjectKeys = Object.keys;
const ObjectSetPrototypeOf = Object.setPrototypeOf;
const ObjectValues = Object.values;

const net = require('node:net');
const EventEmitter = require('node:events');
let debug = require('node:util').debuglog('http', (fn) => {
  debug = fn;
});
const { AsyncResource } = require('node:async_hooks');
const async_id_symbol = Symbol('asyncId');
const { kEmptyObject, once } = require('./internal/http');
const { internKey } = require('./internal/keys');
const {
  validateNumber,
  validateOneOf,
  validateString,
} = require('./internal/validators');
const { createConnection } = require('./client_socket');
const { binding, fast } = require('./native');
const { poolCheckout, poolRelease } = fast;

// The id of an agent's Rust pool, made on first use (`agent: false` makes
// an agent per request).
const kPool = Symbol('rhttp.pool');
// On a socket: pool id * 2^32 + its slot in that pool (a socket released
// into another agent is new to that one).
const kSlot = Symbol('rhttp.poolSlot');
const SLOT_SHIFT = 4294967296;
// On a queued request: its ticket.
const kTicket = Symbol('rhttp.poolTicket');

// poolCheckout: a slot to reuse (>= 0), CHECKOUT_CREATE, or -2 - ticket.
const CHECKOUT_CREATE = -1;
// poolRelease: a ticket (>= 0), RELEASE_MAY_PARK or RELEASE_CLOSE.
const RELEASE_CLOSE = -2;

// The Rust pool lives until its agent is collected.
const poolsToFree = new FinalizationRegistry((id) => binding.poolFree(id));

function poolOf(agent) {
  let id = agent[kPool];
  if (id === undefined) {
    id = agent[kPool] = binding.poolNew();
    poolsToFree.register(agent, id);
  }
  return id;
}

// The views' counts the pool decides on, as core reads them (programs and
// subclasses change these views), and the limits as numbers: core compares
// them with < and >, which convert a numeric string.
const busyCount = (agent, name) => (agent.sockets[name] ? agent.sockets[name].length : 0);
const freeCount = (agent, name) => (agent.freeSockets[name] ? agent.freeSockets[name].length : 0);

// The pool's key for a name: core keys its views by `name` as a property
// key, so a program's getName may return a number or an object.
const poolOrigin = (name) => (typeof name === 'string' ? name : String(name));

function removeFromView(view, name, item) {
  const list = view[name];
  if (!list) return;
  const index = list.indexOf(item);
  if (index !== -1) {
    list.splice(index, 1);
    if (list.length === 0) delete view[name];
  }
}

const kOnKeylog = Symbol('onkeylog');
const kRequestOptions = Symbol('requestOptions');
const kRequestAsyncResource = Symbol('requestAsyncResource');

// TODO(jazelly): make this configurable
const HTTP_AGENT_KEEP_ALIVE_TIMEOUT_BUFFER = 1000;
// New Agent code.

// The largest departure from the previous implementation is that
// an Agent instance holds connections for a variable number of host:ports.
// Surprisingly, this is still API compatible as far as third parties are
// concerned. The only code that really notices the difference is the
// request object.

// Another departure is that all code related to HTTP parsing is in
// ClientRequest.onSocket(). The Agent is now *strictly*
// concerned with managing a connection pool.

class ReusedHandle {
  constructor(type, handle) {
    this.type = type;
    this.handle = handle;
  }
}

function freeSocketErrorListener(err) {
  const socket = this;
  debug('SOCKET ERROR on FREE socket:', err.message, err.stack);
  socket.destroy();
  socket.emit('agentRemove');
}

function Agent(options) {
  if (!(this instanceof Agent))
    return new Agent(options);

  EventEmitter.call(this);

  this.defaultPort = 80;
  this.protocol = 'http:';

  // Core's `{ __proto__: null, ...options }`, given its null prototype
  // after the spread: V8 keeps it in fast mode, and fastPoolName reads it
  // for every request.
  this.options = ObjectSetPrototypeOf({ ...options }, null);

  if (this.options.noDelay === undefined)
    this.options.noDelay = true;

  // Don't confuse net and make it think that we're connecting to a pipe
  this.options.path = null;
  this.requests = { __proto__: null };
  this.sockets = { __proto__: null };
  this.freeSockets = { __proto__: null };
  this.keepAliveMsecs = this.options.keepAliveMsecs || 1000;
  this.keepAlive = this.options.keepAlive || false;
  this.maxSockets = this.options.maxSockets || Agent.defaultMaxSockets;
  this.maxFreeSockets = this.options.maxFreeSockets || 256;
  this.scheduling = this.options.scheduling || 'lifo';
  this.maxTotalSockets = this.options.maxTotalSockets;
  this.totalSocketCount = 0;

  validateOneOf(this.scheduling, 'scheduling', ['fifo', 'lifo']);

  if (this.maxTotalSockets !== undefined) {
    validateNumber(this.maxTotalSockets, 'maxTotalSockets', 1);
  } else {
    this.maxTotalSockets = Infinity;
  }

  this.on('free', (socket, options) => {
    const name = nameOf(this, options);
    debug('agent.on(free)', name);

    // TODO(ronag): socket.destroy(err) might have been called
    // before coming here and have an 'error' scheduled. In the
    // case of socket.destroy() below this 'error' has no handler
    // and could cause unhandled exception.

    if (!socket.writable) {
      socket.destroy();
      return;
    }

    const pool = poolOf(this);
    let ticket;
    let req;
    do {
      ticket = poolRelease(pool, poolOrigin(name), busyCount(this, name),
                                   freeCount(this, name),
                                   Number(this.totalSocketCount),
                                   Number(this.maxSockets),
                                   Number(this.maxTotalSockets),
                                   Number(this.maxFreeSockets));
      // A request a program took out of agent.requests is skipped.
      req = ticket >= 0 ? waitingRequest(this, name, ticket) : undefined;
    } while (ticket >= 0 && req === undefined);
    if (req !== undefined) {
      removeFromView(this.requests, name, req);
      const reqAsyncRes = req[kRequestAsyncResource];
      if (reqAsyncRes) {
        // Run request within the original async context.
        reqAsyncRes.runInAsyncScope(() => {
          asyncResetHandle(socket);
          setRequestSocket(this, req, socket);
        });
        req[kRequestAsyncResource] = null;
      } else {
        setRequestSocket(this, req, socket);
      }
      return;
    }

    // If there are no pending requests, then put it in
    // the freeSockets pool, but only if we're allowed to do so.
    req = socket._httpMessage;
    if (!req || !req.shouldKeepAlive || !this.keepAlive) {
      socket.destroy();
      return;
    }

    if (ticket === RELEASE_CLOSE || !this.keepSocketAlive(socket)) {
      socket.destroy();
      return;
    }

    const freeSockets = this.freeSockets[name] || [];
    this.freeSockets[name] = freeSockets;
    socket[async_id_symbol] = -1;
    socket._httpMessage = null;
    binding.poolPark(pool, poolOrigin(name), slotOf(this, socket));
    this.removeSocket(socket, options);

    socket.once('error', freeSocketErrorListener);
    freeSockets.push(socket);
  });

  // Don't emit keylog events unless there is a listener for them.
  this.on('newListener', maybeEnableKeylog);
}
ObjectSetPrototypeOf(Agent.prototype, EventEmitter.prototype);
ObjectSetPrototypeOf(Agent, EventEmitter);

function maybeEnableKeylog(eventName) {
  if (eventName === 'keylog') {
    this.removeListener('newListener', maybeEnableKeylog);
    // Future sockets will listen on keylog at creation.
    const agent = this;
    this[kOnKeylog] = function onkeylog(keylog) {
      agent.emit('keylog', keylog, this);
    };
    // Existing sockets will start listening on keylog now.
    const sockets = ObjectValues(this.sockets);
    for (let i = 0; i < sockets.length; i++) {
      sockets[i].on('keylog', this[kOnKeylog]);
    }
  }
}

Agent.defaultMaxSockets = Infinity;

Agent.prototype.createConnection = createConnection;

// Get the key for a given set of request options
Agent.prototype.getName = function getName(options = kEmptyObject) {
  return poolName(options.host, options.port, options.localAddress,
                  options.family, options.socketPath);
};

// Read once: a program may replace Agent.prototype.getName itself, and
// then fastPoolName must not stand in for it.
const stockGetName = Agent.prototype.getName;

/** `agent.getName(options)` as the views' key (see internKey); the stock
 * getName's names are interned already. */
function nameOf(agent, options) {
  const getName = agent.getName;
  if (getName === stockGetName) return getName.call(agent, options);
  return internKey(getName.call(agent, options));
}

// The last name poolName made, and what it was made of: a program talks to
// few origins, and the name of one request is most often the last one's.
// A hit skips a concatenation and internKey's lookup of the new string
// (~100 ns each time). Only primitives are compared: an object's string
// form could change.
let lastName = null;
let lastHost;
let lastPort;
let lastLocalAddress;
let lastFamily;
let lastSocketPath;

const isPrimitive = (v) => v === null || (typeof v !== 'object' && typeof v !== 'function');

function poolName(host, port, localAddress, family, socketPath) {
  if (lastName !== null && host === lastHost && port === lastPort &&
      localAddress === lastLocalAddress && family === lastFamily &&
      socketPath === lastSocketPath) {
    return lastName;
  }
  const name = internKey(makePoolName(host, port, localAddress, family, socketPath));
  if (isPrimitive(host) && isPrimitive(port) && isPrimitive(localAddress) &&
      isPrimitive(family) && isPrimitive(socketPath)) {
    lastName = name;
    lastHost = host;
    lastPort = port;
    lastLocalAddress = localAddress;
    lastFamily = family;
    lastSocketPath = socketPath;
  }
  return name;
}

function makePoolName(host, port, localAddress, family, socketPath) {
  let name = host || 'localhost';

  name += ':';
  if (port)
    name += port;

  name += ':';
  if (localAddress)
    name += localAddress;

  // Pacify parallel/test-http-agent-getname by only appending
  // the ':' when options.family is set.
  if (family === 4 || family === 6)
    name += `:${family}`;

  if (socketPath)
    name += `:${socketPath}`;

  return name;
}

// Core merges the request's options with the agent's into a new null-prototype
// object ({ ...options, ...agent.options }) for every request: a copy of
// ~20 properties into a dictionary object, 10 % of a keep-alive client's JS
// time. A request that reuses a free socket needs only the pool name of
// that merge; this reads it from both objects instead. Only for the
// objects core's ClientRequest and Agent make (null prototypes, own
// properties) and the stock getName.
function fastPoolName(agent, options, req) {
  const own = agent.options;
  if (agent.getName !== stockGetName || typeof options !== 'object' ||
      options === null || Object.getPrototypeOf(options) !== null ||
      typeof own !== 'object' || own === null || Object.getPrototypeOf(own) !== null) {
    return undefined;
  }
  // What normalizeServerName would throw for (a Host header that is not a
  // string), core throws for every request.
  const servername = mergedOption(own, options, 'servername');
  if (!servername && servername !== '') {
    const hostHeader = req.getHeader('host');
    if (hostHeader) validateString(hostHeader, 'options.headers.host');
  }
  return poolName(mergedOption(own, options, 'host'), mergedOption(own, options, 'port'),
                  mergedOption(own, options, 'localAddress'), mergedOption(own, options, 'family'),
                  mergedOption(own, options, 'socketPath'));
}

function mergedOption(own, options, key) {
  return key in own ? own[key] : options[key];
}

// Core's merge of a request's options with the agent's, as addRequest and
// createSocket make it.
function mergedForSocket(agent, options, req) {
  const merged = { __proto__: null, ...options, ...agent.options };
  if (merged.socketPath)
    merged.path = merged.socketPath;
  normalizeServerName(merged, req);
  return merged;
}

Agent.prototype.addRequest = function addRequest(req, options, port/* legacy */,
                                                 localAddress/* legacy */) {
  // Legacy API: addRequest(req, host, port, localAddress)
  if (typeof options === 'string') {
    options = {
      __proto__: null,
      host: options,
      port,
      localAddress,
    };
  }

  // The merged options, made here only if fastPoolName cannot do without;
  // otherwise only if a socket is to be made or the request waits.
  let merged = null;
  let name = fastPoolName(this, options, req);
  if (name === undefined) {
    merged = mergedForSocket(this, options, req);
    name = nameOf(this, merged);
  }
  if (!this.sockets[name]) {
    this.sockets[name] = [];
  }

  const pool = poolOf(this);
  let socket;
  let decision;
  for (;;) {
    decision = poolCheckout(pool, poolOrigin(name), busyCount(this, name),
                                    freeCount(this, name),
                                    Number(this.totalSocketCount),
                                    Number(this.maxSockets),
                                    Number(this.maxTotalSockets),
                                    this.scheduling !== 'fifo');
    if (decision < 0) break;
    socket = takeFreeSocket(this, name, decision);
    if (socket && !socket.destroyed) break;
    // Destroyed while idle, its 'close' still to come: skip it.
    binding.poolDropSlot(pool, decision);
    socket = undefined;
  }

  if (socket) {
    asyncResetHandle(socket);
    this.reuseSocket(socket, req);
    setRequestSocket(this, req, socket);
    this.sockets[name].push(socket);
  } else if (decision === CHECKOUT_CREATE) {
    debug('call onSocket', busyCount(this, name), freeCount(this, name));
    if (merged === null) merged = mergedForSocket(this, options, req);
    // If we are under maxSockets create a new one.
    this.createSocket(req, merged, (err, socket) => {
      if (err)
        req.onSocket(socket, err);
      else
        setRequestSocket(this, req, socket);
    });
  } else {
    debug('wait for socket');
    // We are over limit so we'll add it to the queue.
    if (!this.requests[name]) {
      this.requests[name] = [];
    }

    // Used to create sockets for pending requests from different origin
    // (createSocket merges them with the agent's, so unmerged ones do.)
    req[kRequestOptions] = merged === null ? options : merged;
    // Used to capture the original async context.
    req[kRequestAsyncResource] = new AsyncResource('QueuedRequest');
    req[kTicket] = -2 - decision;

    this.requests[name].push(req);
  }
};

Agent.prototype.createSocket = function createSocket(req, options, cb) {
  options = mergedForSocket(this, options, req);

  const name = nameOf(this, options);
  options._agentKey = name;

  debug('createConnection', name, options);
  options.encoding = null;

  const oncreate = once((err, s) => {
    if (err)
      return cb(err);
    slotOf(this, s);
    if (!this.sockets[name]) {
      this.sockets[name] = [];
    }
    this.sockets[name].push(s);
    this.totalSocketCount++;
    debug('sockets', name, this.sockets[name].length, this.totalSocketCount);
    installListeners(this, s, options);
    cb(null, s);
  });
  // When keepAlive is true, pass the related options to createConnection
  if (this.keepAlive) {
    options.keepAlive = this.keepAlive;
    options.keepAliveInitialDelay = this.keepAliveMsecs;
  }
  const newSocket = this.createConnection(options, oncreate);
  if (newSocket)
    oncreate(null, newSocket);
};

function normalizeServerName(options, req) {
  if (!options.servername && options.servername !== '')
    options.servername = calculateServerName(options, req);
}

function calculateServerName(options, req) {
  let servername = options.host;
  const hostHeader = req.getHeader('host');
  if (hostHeader) {
    validateString(hostHeader, 'options.headers.host');

    // abc => abc
    // abc:123 => abc
    // [::1] => ::1
    // [::1]:123 => ::1
    if (hostHeader[0] === '[') {
      const index = hostHeader.indexOf(']');
      if (index === -1) {
        // Leading '[', but no ']'. Need to do something...
        servername = hostHeader;
      } else {
        servername = hostHeader.substring(1, index);
      }
    } else {
      servername = hostHeader.split(':', 1)[0];
    }
  }
  // Don't implicitly set invalid (IP) servernames.
  if (net.isIP(servername))
    servername = '';
  return servername;
}

function installListeners(agent, s, options) {
  function onFree() {
    debug('CLIENT socket onFree');
    agent.emit('free', s, options);
  }
  s.on('free', onFree);

  function onClose(err) {
    debug('CLIENT socket onClose');
    // This is the only place where sockets get removed from the Agent.
    // If you want to remove a socket from the pool, just close it.
    // All socket errors end in a close event anyway.
    agent.totalSocketCount--;
    agent.removeSocket(s, options);
  }
  s.on('close', onClose);

  function onTimeout() {
    debug('CLIENT socket onTimeout');

    // Destroy if in free list.
    // TODO(ronag): Always destroy, even if not in free list.
    const sockets = agent.freeSockets;
    if (ObjectKeys(sockets).some((name) => sockets[name].includes(s))) {
      return s.destroy();
    }
  }
  s.on('timeout', onTimeout);

  function onRemove() {
    // We need this function for cases like HTTP 'upgrade'
    // (defined by WebSockets) where we need to remove a socket from the
    // pool because it'll be locked up indefinitely
    debug('CLIENT socket onRemove');
    agent.totalSocketCount--;
    agent.removeSocket(s, options);
    s.removeListener('close', onClose);
    s.removeListener('free', onFree);
    s.removeListener('timeout', onTimeout);
    s.removeListener('agentRemove', onRemove);
  }
  s.on('agentRemove', onRemove);

  if (agent[kOnKeylog]) {
    s.on('keylog', agent[kOnKeylog]);
  }
}

Agent.prototype.removeSocket = function removeSocket(s, options) {
  const name = nameOf(this, options);
  debug('removeSocket', name, 'writable:', s.writable);
  const pool = poolOf(this);
  removeFromView(this.sockets, name, s);
  // If the socket was destroyed, remove it from the free buffers too.
  if (!s.writable) {
    removeFromView(this.freeSockets, name, s);
    const slot = ownSlot(this, s);
    if (slot !== undefined) binding.poolDropSlot(pool, slot);
  }

  // If we have pending requests and a socket gets closed make a new one
  for (;;) {
    const c = binding.poolCandidate(pool, poolOrigin(name));
    if (!c) return;
    const list = this.requests[c.origin];
    const req = list && waitingRequest(this, c.origin, c.ticket);
    if (!req) {
      // Taken out of agent.requests by the program: the next one.
      if (list) binding.poolDropTicket(pool, c.origin, c.ticket);
      else binding.poolDropQueue(pool, c.origin);
      continue;
    }
    if (c.sameOrigin) {
      debug('removeSocket, have a request, make a socket');
    } else {
      // TODO(rickyes): this logic will not be FIFO across origins.
      // Check whether this specific origin is already at maxSockets
      if (busyCount(this, c.origin)) return;
      debug('removeSocket, have a request with different origin,' +
        ' make a socket');
      options = req[kRequestOptions];
    }
    if (!options) return;
    req[kRequestOptions] = undefined;
    this.createSocket(req, options, (err, socket) => {
      if (err)
        req.onSocket(socket, err);
      else
        socket.emit('free');
    });
    return;
  }
};

// The idle socket with this slot, out of the freeSockets view: the pool
// picks the last (lifo) or first (fifo) one, so the scan starts there.
// (No slot -> socket Map: see waitingRequest.)
function takeFreeSocket(agent, name, slot) {
  const list = agent.freeSockets[name];
  if (!list) return undefined;
  const tag = poolOf(agent) * SLOT_SHIFT + slot;
  const lifo = agent.scheduling !== 'fifo';
  for (let n = 0; n < list.length; n++) {
    const i = lifo ? list.length - 1 - n : n;
    if (list[i][kSlot] === tag) {
      const socket = list[i];
      list.splice(i, 1);
      if (list.length === 0) delete agent.freeSockets[name];
      return socket;
    }
  }
  return undefined;
}

// The queued request with this ticket: the view keeps the pool's order, so
// it is the first one. (Not a ticket -> request Map: with one set and one
// delete per request, V8 promoted the requests and ran ~10x the major
// GCs, +15% client CPU per request.)
function waitingRequest(agent, name, ticket) {
  const list = agent.requests[name];
  if (!list) return undefined;
  for (let i = 0; i < list.length; i++) {
    if (list[i][kTicket] === ticket) return list[i];
  }
  return undefined;
}

// The socket's slot in this agent's pool, or undefined.
function ownSlot(agent, socket) {
  const tag = socket[kSlot];
  if (tag === undefined || agent[kPool] === undefined) return undefined;
  const slot = tag - agent[kPool] * SLOT_SHIFT;
  return slot >= 0 && slot < SLOT_SHIFT ? slot : undefined;
}

// The socket's slot, a new one for a socket this agent has not seen (made
// by createSocket, or released into it by a program).
function slotOf(agent, socket) {
  let slot = ownSlot(agent, socket);
  if (slot === undefined) {
    const pool = poolOf(agent);
    slot = binding.poolNewSlot(pool);
    socket[kSlot] = pool * SLOT_SHIFT + slot;
  }
  return slot;
}

Agent.prototype.keepSocketAlive = function keepSocketAlive(socket) {
  socket.setKeepAlive(true, this.keepAliveMsecs);
  socket.unref();

  let agentTimeout = this.options.timeout || 0;
  let canKeepSocketAlive = true;

  if (socket._httpMessage?.res) {
    const keepAliveHint = socket._httpMessage.res.headers['keep-alive'];

    if (keepAliveHint) {
      const hint = /^timeout=(\d+)/.exec(keepAliveHint)?.[1];

      if (hint) {
        // Let the timer expire before the announced timeout to reduce
        // the likelihood of ECONNRESET errors
        let serverHintTimeout = (NumberParseInt(hint) * 1000) - HTTP_AGENT_KEEP_ALIVE_TIMEOUT_BUFFER;
        serverHintTimeout = serverHintTimeout > 0 ? serverHintTimeout : 0;
        if (serverHintTimeout === 0) {
          // Cannot safely reuse the socket because the server timeout is
          // too short
          canKeepSocketAlive = false;
        } else if (serverHintTimeout < agentTimeout) {
          agentTimeout = serverHintTimeout;
        }
      }
    }
  }

  if (socket.timeout !== agentTimeout) {
    socket.setTimeout(agentTimeout);
  }

  return canKeepSocketAlive;
};

Agent.prototype.reuseSocket = function reuseSocket(socket, req) {
  debug('have free socket');
  socket.removeListener('error', freeSocketErrorListener);
  req.reusedSocket = true;
  socket.ref();
};

Agent.prototype.destroy = function destroy() {
  const sets = [this.freeSockets, this.sockets];
  for (let s = 0; s < sets.length; s++) {
    const set = sets[s];
    const keys = ObjectKeys(set);
    for (let v = 0; v < keys.length; v++) {
      const setName = set[keys[v]];
      for (let n = 0; n < setName.length; n++) {
        setName[n].destroy();
      }
    }
  }
};

function setRequestSocket(agent, req, socket) {
  req.onSocket(socket);
  const agentTimeout = agent.options.timeout || 0;
  if (req.timeout === undefined || req.timeout === agentTimeout) {
    return;
  }
  socket.setTimeout(req.timeout);
}

function asyncResetHandle(socket) {
  // Guard against an uninitialized or user supplied Socket.
  const handle = socket._handle;
  if (handle && typeof handle.asyncReset === 'function') {
    // Assign the handle a new asyncId and run any destroy()/init() hooks.
    handle.asyncReset(new ReusedHandle(handle.getProviderType(), handle));
    socket[async_id_symbol] = handle.getAsyncId();
  }
}

module.exports = {
  Agent,
  globalAgent: new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 }),
};
