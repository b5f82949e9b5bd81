'use strict'
// Shared startup of the server scripts: load the implementation, listen on
// 127.0.0.1, print the port on stdout. Usage: node servers/X.js node|rhttp|PATH [port]
//
// The app scripts (servers/express-app.js, servers/ws-echo.js) do not choose an
// implementation: they require 'node:http' (or a framework does) like any app, and run.js
// switches it from outside with a preload (node -r <repo>/register.js for rhttp, see
// lib/impl.js appNodeArgs). Usage: node [-r PRELOAD] servers/X.js [port]
const { loadImpl } = require('./impl')

function portArg(s) {
  const port = s === undefined ? 0 : Number(s)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`bad port: ${s}\n`)
    process.exit(2)
  }
  return port
}

function serverArgs() {
  const name = process.argv[2]
  if (!name) {
    process.stderr.write(`usage: node ${process.argv[1]} node|rhttp|PATH [port]\n`)
    process.exit(2)
  }
  return { http: loadImpl(name), port: portArg(process.argv[3]) }
}

// App scripts: the only argument is the port (0 or absent = any free port).
function appPort() {
  return portArg(process.argv[2])
}

// Spawned by run.js: die with the parent even if it is SIGKILLed (our stdin pipe closes).
function dieWithParent() {
  if (process.env.RHTTP_BENCH_CHILD === '1') {
    process.stdin.on('end', () => process.exit(0))
    process.stdin.on('error', () => process.exit(0))
    process.stdin.resume()
  }
}

// Call once the server listens: prints the port (run.js waits for it).
function ready(server) {
  process.stdout.write(`${server.address().port}\n`)
  dieWithParent()
}

function listen(server, port) {
  server.listen(port, '127.0.0.1', () => ready(server))
}

module.exports = { serverArgs, listen, appPort, ready }
