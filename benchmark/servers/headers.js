'use strict'
// Scenario headers: 4 setHeader calls and one request header read (echoed so the check sees it).
const { serverArgs, listen } = require('../lib/serve')
const { http, port } = serverArgs()

const server = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('X-Echo', req.headers['x-bench'] || 'none')
  res.end('ok')
})
listen(server, port)
