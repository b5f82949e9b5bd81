'use strict'
// Target server of the client scenarios (client-get, client-post64k): a minimal HTTP/1.1
// responder on raw `net`, the same for every client implementation. It parses just
// enough (request heads, Content-Length or chunked bodies, Connection: close) and
// answers every request with the same 40 bytes, keep-alive. No node:http in the
// way: it costs a few µs per request, so the client, not the server, is the limit.
//
// Usage: node servers/client-target.js [port]     (prints its port on stdout)
// Stdin protocol (run.js): the line "stats" prints one JSON line of counters
// (connections, requests per method, body bytes, first request head per method);
// the end of stdin ends the process.
const net = require('node:net')

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'latin1')
// After a request with Connection: close (or HTTP/1.0): the client must learn that the socket closes.
const RESPONSE_CLOSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok', 'latin1')
const CRLF = Buffer.from('\r\n', 'latin1')
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1')
const MAX_HEAD = 64 * 1024

const HEAD = 0
const BODY = 1 // Content-Length bytes left
const CHUNK_SIZE = 2 // expecting a chunk-size line
const CHUNK_DATA = 3 // chunk bytes left
const CHUNK_END = 4 // the CRLF after a chunk's data
const TRAILER = 5 // trailer lines until an empty one

const stats = {
  connections: 0,
  requests: 0,
  byMethod: {},
  bodyBytes: 0,
  minBody: null,
  maxBody: null,
  chunked: 0,
  closeRequested: 0,
  badRequests: 0,
  firstHead: {}, // method -> first request head seen (for comparing clients' bytes)
}

function respondBatch(n) {
  if (n === 1) return RESPONSE
  const out = Buffer.allocUnsafe(RESPONSE.length * n)
  for (let i = 0; i < n; i++) RESPONSE.copy(out, i * RESPONSE.length)
  return out
}

function onConnection(socket) {
  stats.connections++
  socket.setNoDelay(true)
  socket.on('error', () => {}) // a client resetting its sockets at exit is normal

  let state = HEAD
  let pending = null // unparsed tail: a partial head or chunk line
  let left = 0
  let method = ''
  let bodyLen = 0
  let closeAfter = false

  function bad(why) {
    stats.badRequests++
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${why.length}\r\nConnection: close\r\n\r\n${why}`)
    state = -1
  }

  // Returns false on a bad head.
  function startRequest(head) {
    const sp = head.indexOf(' ')
    method = sp > 0 ? head.slice(0, sp) : ''
    const lineEnd = head.indexOf('\r\n')
    const requestLine = lineEnd < 0 ? head : head.slice(0, lineEnd)
    if (!method || !/ HTTP\/1\.[01]$/.test(requestLine)) { bad('bad request line'); return false }
    if (!(method in stats.firstHead)) stats.firstHead[method] = head
    const lower = head.toLowerCase()
    closeAfter = requestLine.endsWith('1.0') || /\r\nconnection:[^\r]*\bclose\b/.test(lower)
    if (closeAfter) stats.closeRequested++
    bodyLen = 0
    if (/\r\ntransfer-encoding:[^\r]*\bchunked\b/.test(lower)) {
      stats.chunked++
      state = CHUNK_SIZE
      return true
    }
    const m = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?:\r|$)/.exec(lower)
    left = m ? Number(m[1]) : 0
    state = left > 0 ? BODY : HEAD
    return true
  }

  function finishRequest() {
    stats.requests++
    stats.byMethod[method] = (stats.byMethod[method] || 0) + 1
    stats.bodyBytes += bodyLen
    if (stats.minBody === null || bodyLen < stats.minBody) stats.minBody = bodyLen
    if (stats.maxBody === null || bodyLen > stats.maxBody) stats.maxBody = bodyLen
    state = HEAD
  }

  socket.on('data', (chunk) => {
    if (state < 0) return
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk
    pending = null
    let pos = 0
    let answers = 0
    parse: while (pos < buf.length || state === HEAD) {
      switch (state) {
        case HEAD: {
          if (pos >= buf.length) break parse
          const end = buf.indexOf(CRLFCRLF, pos)
          if (end < 0) {
            if (buf.length - pos > MAX_HEAD) { bad('head too large'); return }
            pending = buf.subarray(pos)
            break parse
          }
          const head = buf.toString('latin1', pos, end)
          pos = end + 4
          if (!startRequest(head)) return
          if (state === HEAD) {
            finishRequest()
            answers++
            if (closeAfter) break parse
          }
          break
        }
        case BODY:
        case CHUNK_DATA:
        case CHUNK_END: {
          const n = Math.min(left, buf.length - pos)
          left -= n
          pos += n
          if (state !== CHUNK_END) bodyLen += n
          if (left > 0) break
          if (state === BODY) {
            finishRequest()
            answers++
            if (closeAfter) break parse
          } else if (state === CHUNK_DATA) {
            state = CHUNK_END
            left = 2
          } else {
            state = CHUNK_SIZE
          }
          break
        }
        case CHUNK_SIZE:
        case TRAILER: {
          const eol = buf.indexOf(CRLF, pos)
          if (eol < 0) {
            if (buf.length - pos > MAX_HEAD) { bad('chunk line too long'); return }
            pending = buf.subarray(pos)
            break parse
          }
          const line = buf.toString('latin1', pos, eol)
          pos = eol + 2
          if (state === CHUNK_SIZE) {
            const size = parseInt(line, 16) // extensions after ';' are ignored by parseInt
            if (!Number.isInteger(size) || size < 0) { bad('bad chunk size'); return }
            if (size === 0) state = TRAILER
            else { state = CHUNK_DATA; left = size }
          } else if (line === '') {
            finishRequest()
            answers++
            if (closeAfter) break parse
          }
          break
        }
        default:
          return
      }
    }
    if (closeAfter && state === HEAD) { // the last request answered wants the connection closed
      if (answers > 1) socket.write(respondBatch(answers - 1))
      state = -1
      socket.end(RESPONSE_CLOSE)
    } else if (answers > 0) {
      socket.write(respondBatch(answers))
    }
  })
}

const port = process.argv[2] === undefined ? 0 : Number(process.argv[2])
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`bad port: ${process.argv[2]}\n`)
  process.exit(2)
}
const server = net.createServer({ noDelay: true }, onConnection)
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`)
})

let line = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (d) => {
  line += d
  for (let nl; (nl = line.indexOf('\n')) >= 0; line = line.slice(nl + 1)) {
    if (line.slice(0, nl).trim() === 'stats') process.stdout.write(`${JSON.stringify(stats)}\n`)
  }
})
// Spawned by run.js: die with the parent even if it is SIGKILLed (our stdin pipe closes).
// Run by hand from a terminal, stdin stays open until ^D.
process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
