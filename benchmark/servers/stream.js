'use strict'
// Scenarios stream-up and stream-down: large bodies through the server with
// backpressure. POST /up reads the whole body and answers its byte count;
// GET /down?bytes=N sends N bytes in 64 KiB writes, waiting for 'drain'
// whenever write() returns false (what a well-behaved handler does).
const { serverArgs, listen } = require('../lib/serve')
const { http, port } = serverArgs()

const CHUNK = Buffer.alloc(64 * 1024, 'x')
const MAX_BYTES = 16 * 1024 * 1024 * 1024

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  if (req.method === 'POST' && url.pathname === '/up') {
    let bytes = 0
    req.on('data', (d) => { bytes += d.length })
    req.on('end', () => res.end(String(bytes)))
    return
  }
  const bytes = Number(url.searchParams.get('bytes'))
  if (req.method !== 'GET' || url.pathname !== '/down' || !Number.isInteger(bytes) || bytes < 0 || bytes > MAX_BYTES) {
    res.statusCode = 400
    res.end('want POST /up or GET /down?bytes=N')
    return
  }
  res.setHeader('Content-Length', bytes)
  let left = bytes
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length)
      left -= n
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        res.once('drain', pump)
        return
      }
    }
    res.end()
  }
  pump()
})
listen(server, port)
