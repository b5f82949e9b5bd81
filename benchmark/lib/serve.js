'use strict'
// Shared startup of the server scripts: load the implementation, listen on
// 127.0.0.1, print the port on stdout. Usage: node servers/X.js node|rhttp|PATH [port]
const { loadImpl } = require('./impl')

function serverArgs() {
  const name = process.argv[2]
  if (!name) {
    process.stderr.write(`usage: node ${process.argv[1]} node|rhttp|PATH [port]\n`)
    process.exit(2)
  }
  const port = process.argv[3] === undefined ? 0 : Number(process.argv[3])
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`bad port: ${process.argv[3]}\n`)
    process.exit(2)
  }
  return { http: loadImpl(name), port }
}

function listen(server, port) {
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`${server.address().port}\n`)
  })
  // Spawned by run.js: die with the parent even if it is SIGKILLed (our stdin pipe closes).
  if (process.env.RHTTP_BENCH_CHILD === '1') {
    process.stdin.on('end', () => process.exit(0))
    process.stdin.on('error', () => process.exit(0))
    process.stdin.resume()
  }
}

module.exports = { serverArgs, listen }
