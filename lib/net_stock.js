'use strict';
// net's connect functions as they were before any library could patch them:
// read when rhttp/register is preloaded (or else when rhttp loads), once per
// thread. A library that intercepts connections (nock 14+ through
// @mswjs/interceptors, mitm) patches net.Socket.prototype.connect or
// net.connect; rhttp's client sockets connect through Rust and never call
// them, so the agent connects through net while they are patched.

const net = require('node:net');

const kStock = Symbol.for('rhttp.netStock');

function netStock() {
  if (globalThis[kStock] === undefined) {
    Object.defineProperty(globalThis, kStock, {
      value: Object.freeze({
        socketConnect: net.Socket.prototype.connect,
        connect: net.connect,
        createConnection: net.createConnection,
      }),
    });
  }
  return globalThis[kStock];
}

/** Whether a library replaced one of net's connect functions. */
function netIntercepted() {
  const stock = netStock();
  return net.Socket.prototype.connect !== stock.socketConnect ||
    net.connect !== stock.connect || net.createConnection !== stock.createConnection;
}

module.exports = { netStock, netIntercepted };
