'use strict';
// rhttp: the public module, with the same exports as `node:http`.

const { IncomingMessage } = require('./lib/incoming');
const { OutgoingMessage, validateHeaderName, validateHeaderValue } = require('./lib/outgoing');
const { Server, ServerResponse, _connectionListener } = require('./lib/server');
const { methods } = require('./lib/common');
const { codes } = require('./lib/internal/errors');
const { validateInteger } = require('./lib/internal/validators');
const core = require('node:http');

function createServer(opts, requestListener) {
  return new Server(opts, requestListener);
}

// The client half (request, get, Agent, ClientRequest, globalAgent) is the
// work of issue "HTTP client"; until it lands these fail loudly rather than
// quietly handing the request to node:http.
function clientNotImplemented(name) {
  const err = new codes.ERR_METHOD_NOT_IMPLEMENTED(name);
  err.message += ' (rhttp: the HTTP client is not implemented yet; use node:http for requests)';
  return err;
}

function request() {
  throw clientNotImplemented('request()');
}

function get() {
  throw clientNotImplemented('get()');
}

function Agent() {
  throw clientNotImplemented('Agent');
}

function ClientRequest() {
  throw clientNotImplemented('ClientRequest');
}

/** The llhttp free-list knob: rhttp parsers live in Rust, so there is no
 * pool to size, but the argument is validated as in core. */
function setMaxIdleHTTPParsers(max) {
  validateInteger(max, 'max', 1);
}

module.exports = {
  _connectionListener,
  METHODS: methods.slice().sort(),
  STATUS_CODES: core.STATUS_CODES,
  Agent,
  ClientRequest,
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
  maxHeaderSize: core.maxHeaderSize,
};

Object.defineProperty(module.exports, 'globalAgent', {
  __proto__: null,
  configurable: true,
  enumerable: true,
  get() {
    throw clientNotImplemented('globalAgent');
  },
  set(value) {
    Object.defineProperty(module.exports, 'globalAgent', {
      __proto__: null, value, writable: true, configurable: true, enumerable: true,
    });
  },
});
