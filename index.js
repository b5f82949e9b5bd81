'use strict';
// rhttp: the public module, with the same exports as `node:http`.

const { IncomingMessage } = require('./lib/incoming');
const { OutgoingMessage, validateHeaderName, validateHeaderValue } = require('./lib/outgoing');
const { Server, ServerResponse, _connectionListener } = require('./lib/server');
const { methods } = require('./lib/common');
const { validateInteger } = require('./lib/internal/validators');
const core = require('node:http');
const httpAgent = require('./lib/agent');
const { ClientRequest } = require('./lib/client');
const { parsers } = require('./lib/http_parser');

function createServer(opts, requestListener) {
  return new Server(opts, requestListener);
}

function request(url, options, cb) {
  return new ClientRequest(url, options, cb);
}

function get(url, options, cb) {
  const req = request(url, options, cb);
  req.end();
  return req;
}

/** Sizes the client's parser free list, as core's. */
function setMaxIdleHTTPParsers(max) {
  validateInteger(max, 'max', 1);
  parsers.max = max;
}

module.exports = {
  _connectionListener,
  METHODS: methods.slice().sort(),
  STATUS_CODES: core.STATUS_CODES,
  Agent: httpAgent.Agent,
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
    return httpAgent.globalAgent;
  },
  set(value) {
    httpAgent.globalAgent = value;
  },
});
