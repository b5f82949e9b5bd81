'use strict'
// Client process for the node:http API: node:http itself, rhttp (require('../..')) or a
// path to a module with the same API. The code is the same for all of them; only the
// require differs. See lib/clientloop.js for arguments and output.
//   node benchmark/clients/http.js node|rhttp|PATH client-get|client-post64k PORT [flags]
const { loadImpl, resolveImpl } = require('../lib/impl')
const { clientArgs, runClient } = require('../lib/clientloop')

const args = clientArgs()
const http = loadImpl(args.impl)
const agent = new http.Agent({ keepAlive: true, maxSockets: args.concurrency })
const options = {
  host: '127.0.0.1',
  port: args.port,
  method: args.method,
  path: '/',
  agent,
  headers: args.body ? { 'content-type': 'application/octet-stream', 'content-length': args.body.length } : undefined,
}
const { body } = args

function one(cb) {
  const req = http.request(options, (res) => {
    const chunks = []
    res.on('data', (chunk) => chunks.push(chunk))
    res.on('end', () => cb(null, res.statusCode, Buffer.concat(chunks).toString('latin1')))
    res.on('error', cb)
  })
  req.on('error', cb)
  if (body) req.end(body)
  else req.end()
}

runClient(args, one, { module: resolveImpl(args.impl) })
