'use strict'
// Minimal raw HTTP/1.1 client over net: we see the exact bytes, pipelining and
// connection close, without trusting node:http's client to smooth anything over.
const net = require('node:net')

class RawClient {
  constructor(socket) {
    this.socket = socket
    this.buf = Buffer.alloc(0)
    this.responses = []
    this.ended = false
    this.error = null
    this.waiters = []
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d])
      this._parse()
      this._wake()
    })
    socket.on('end', () => { this.ended = true; this._wake() })
    socket.on('close', () => { this.ended = true; this._wake() })
    socket.on('error', (err) => { this.error = err; this._wake() })
  }

  static connect(port, timeoutMs = 3000) {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1')
      const timer = setTimeout(() => { socket.destroy(); reject(new Error('connect timeout')) }, timeoutMs)
      socket.once('connect', () => { clearTimeout(timer); resolve(new RawClient(socket)) })
      socket.once('error', (err) => { clearTimeout(timer); reject(err) })
    })
  }

  send(bytes) { this.socket.write(bytes) }

  // Resolves with the next n complete responses.
  read(n, timeoutMs = 3000) {
    return this._until(() => this.responses.length >= n, timeoutMs, `${n} response(s)`)
      .then(() => this.responses.splice(0, n))
  }

  // Resolves true if the server closed the connection within timeoutMs, false otherwise.
  waitEnd(timeoutMs) {
    return this._until(() => this.ended, timeoutMs, 'close').then(() => true, () => this.ended)
  }

  close() { this.socket.destroy() }

  _until(pred, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      let timer = null
      // Returns true once settled.
      const settle = () => {
        let err = null
        if (pred()) err = null
        else if (this.error) err = this.error
        else if (this.ended) err = new Error(`connection closed before ${what}`)
        else return false
        clearTimeout(timer)
        this.waiters = this.waiters.filter((w) => w !== settle)
        if (err) reject(err)
        else resolve()
        return true
      }
      if (settle()) return
      timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== settle)
        reject(new Error(`timeout waiting for ${what}`))
      }, timeoutMs)
      this.waiters.push(settle)
    })
  }

  _wake() { for (const w of this.waiters.slice()) w() }

  _parse() {
    for (;;) {
      const r = parseResponse(this.buf)
      if (!r) return
      this.responses.push(r.response)
      this.buf = this.buf.subarray(r.used)
    }
  }
}

// Parses one response from the start of buf; null when incomplete.
// Handles Content-Length and chunked bodies (enough for our servers).
function parseResponse(buf) {
  const headEnd = buf.indexOf('\r\n\r\n')
  if (headEnd < 0) return null
  const head = buf.subarray(0, headEnd).toString('latin1')
  const [statusLine, ...lines] = head.split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine)
  if (!m) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`)
  const headers = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    const name = line.slice(0, i).toLowerCase()
    const value = line.slice(i + 1).trim()
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value
  }
  let pos = headEnd + 4
  let body
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = []
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos)
      if (lineEnd < 0) return null
      const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16)
      if (Number.isNaN(size)) throw new Error('bad chunk size')
      pos = lineEnd + 2
      if (size === 0) {
        const trailerEnd = buf.indexOf('\r\n', pos) // no trailers expected
        if (trailerEnd < 0) return null
        pos = trailerEnd + 2
        break
      }
      if (buf.length < pos + size + 2) return null
      parts.push(buf.subarray(pos, pos + size))
      pos += size + 2
    }
    body = Buffer.concat(parts)
  } else {
    const len = Number(headers['content-length'] || 0)
    if (buf.length < pos + len) return null
    body = buf.subarray(pos, pos + len)
    pos += len
  }
  return {
    used: pos,
    response: { status: Number(m[1]), statusLine, head, headers, body: Buffer.from(body) },
  }
}

module.exports = { RawClient, parseResponse }
