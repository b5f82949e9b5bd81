'use strict'
// Scenario post-echo: read the whole request body, send it back.
const { serverArgs, listen } = require('../lib/serve')
const { http, port } = serverArgs()

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/octet-stream')
    res.end(Buffer.concat(chunks))
  })
})
listen(server, port)
