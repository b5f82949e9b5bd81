'use strict'
// Scenarios hello, close and pipeline: the smallest possible handler.
const { serverArgs, listen } = require('../lib/serve')
const { http, port } = serverArgs()

const server = http.createServer((req, res) => {
  res.end('hello world')
})
listen(server, port)
