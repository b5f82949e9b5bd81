'use strict';
// rhttp: the public module, with the same exports as `node:http`.

const { IncomingMessage } = require('./lib/incoming');
const { OutgoingMessage, validateHeaderName, validateHeaderValue } = require('./lib/outgoing');
const { Server, ServerResponse, _connectionListener } = require('./lib/server');
const { methods } = require('./lib/common');
const { validateInteger } = require('./lib/internal/validators');
const core = require('node:http');

// net's connect functions before a library patches them (lib/net_stock.js).
require('./lib/net_stock').netStock();

// The client half (ClientRequest, Agent and the global agent, the response
// parser) loads on first use: a server-only program never compiles it
// (1.2 MB of RSS, and over a third of the lines of rhttp's JS).
let client = null;
function clientModules() {
  if (client === null) {
    client = {
      agent: require('./lib/agent'),
      ClientRequest: require('./lib/client').ClientRequest,
      parsers: require('./lib/http_parser').parsers,
    };
  }
  return client;
}

/** Turns a lazy export into the plain data property core's is. */
function settle(name, value) {
  Object.defineProperty(module.exports, name, {
    __proto__: null, value, writable: true, enumerable: true, configurable: true,
  });
  return value;
}

function createServer(opts, requestListener) {
  return new Server(opts, requestListener);
}

function request(url, options, cb) {
  return new (clientModules().ClientRequest)(url, options, cb);
}

function get(url, options, cb) {
  const req = request(url, options, cb);
  req.end();
  return req;
}

/** Sizes the client's parser free list, as core's. */
function setMaxIdleHTTPParsers(max) {
  validateInteger(max, 'max', 1);
  clientModules().parsers.max = max;
}

module.exports = {
  _connectionListener,
  METHODS: methods.slice().sort(),
  STATUS_CODES: core.STATUS_CODES,
  get Agent() {
    return settle('Agent', clientModules().agent.Agent);
  },
  set Agent(value) {
    settle('Agent', value);
  },
  get ClientRequest() {
    return settle('ClientRequest', clientModules().ClientRequest);
  },
  set ClientRequest(value) {
    settle('ClientRequest', value);
  },
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  validateHeaderName,
  validateHeaderValue,
  get,
  request,
  setMaxIdleHTTPParsers,
  // A getter only, as core's (read from --max-http-header-size).
  get maxHeaderSize() {
    return core.maxHeaderSize;
  },
};

Object.defineProperty(module.exports, 'globalAgent', {
  __proto__: null,
  configurable: true,
  enumerable: true,
  get() {
    return clientModules().agent.globalAgent;
  },
  set(value) {
    clientModules().agent.globalAgent = value;
  },
});
