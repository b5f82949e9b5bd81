'use strict'
// Correctness gate: before a server is measured it must answer each scenario's
// requests exactly as expected. A wrong answer aborts the benchmark.
const crypto = require('node:crypto')
const net = require('node:net')
const { RawClient } = require('./rawclient')

const POST_BODY = Buffer.from('0123456789abcdef'.repeat(256)) // same bytes as lua/post-echo.lua

class CheckError extends Error {}

function expect(cond, what, got) {
  if (!cond) throw new CheckError(`${what} (got ${JSON.stringify(got)})`)
}

function get(port, extra = '') {
  return `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}\r\n`
}

function expectHello(r, connection) {
  expect(r.status === 200, 'status 200', r.statusLine)
  expect(r.body.toString() === 'hello world', "body 'hello world'", r.body.toString())
  expect(r.headers['content-length'] === '11', 'content-length: 11', r.headers['content-length'])
  expect(!('transfer-encoding' in r.headers), 'no transfer-encoding', r.headers['transfer-encoding'])
  expect(typeof r.headers.date === 'string', 'a date header', r.headers.date)
  expect((r.headers.connection || '').toLowerCase() === connection, `connection: ${connection}`, r.headers.connection)
}

// Keep-alive request, then Connection: close on the same socket: covers hello and close.
async function hello(port) {
  const c = await RawClient.connect(port)
  try {
    c.send(get(port))
    const [r1] = await c.read(1)
    expectHello(r1, 'keep-alive')
    c.send(get(port, 'Connection: close\r\n'))
    const [r2] = await c.read(1)
    expectHello(r2, 'close')
    expect(await c.waitEnd(2000), 'server closes the connection after Connection: close', 'still open')
    return r1
  } finally { c.close() }
}

async function headers(port) {
  const c = await RawClient.connect(port)
  try {
    c.send(get(port, 'X-Bench: wrk\r\n'))
    const [r] = await c.read(1)
    expect(r.status === 200, 'status 200', r.statusLine)
    expect(r.body.toString() === 'ok', "body 'ok'", r.body.toString())
    const want = {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-echo': 'wrk',
      'content-length': '2',
    }
    for (const [k, v] of Object.entries(want)) expect(r.headers[k] === v, `${k}: ${v}`, r.headers[k])
    return r
  } finally { c.close() }
}

// Two POSTs on one connection: the body must be consumed for the second to work.
async function postEcho(port) {
  const c = await RawClient.connect(port)
  try {
    const req = `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\n` +
      `Content-Length: ${POST_BODY.length}\r\n\r\n`
    let first
    for (let i = 0; i < 2; i++) {
      c.send(req)
      c.send(POST_BODY)
      const [r] = await c.read(1)
      expect(r.status === 200, 'status 200', r.statusLine)
      expect(r.body.equals(POST_BODY), '4096-byte body echoed unchanged', `${r.body.length} bytes`)
      expect(r.headers['content-length'] === '4096', 'content-length: 4096', r.headers['content-length'])
      expect(r.headers['content-type'] === 'application/octet-stream', 'content-type echoed', r.headers['content-type'])
      first = first || r
    }
    return first
  } finally { c.close() }
}

// 16 requests in one write, 16 responses in order, connection stays open.
async function pipeline(port) {
  const c = await RawClient.connect(port)
  try {
    c.send(get(port).repeat(16))
    const rs = await c.read(16)
    for (const r of rs) expectHello(r, 'keep-alive')
    expect(!(await c.waitEnd(50)), 'connection kept open after the pipeline', 'closed')
    return rs[0]
  } finally { c.close() }
}

// stream.js: a counted upload and an exact-length download on one connection.
async function stream(port) {
  const c = await RawClient.connect(port)
  try {
    c.send(`POST /up HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${POST_BODY.length}\r\n\r\n`)
    c.send(POST_BODY)
    const [up] = await c.read(1)
    expect(up.status === 200, 'upload: status 200', up.statusLine)
    expect(up.body.toString() === String(POST_BODY.length), `upload: body '${POST_BODY.length}'`, up.body.toString())
    const bytes = 200000
    c.send(`GET /down?bytes=${bytes} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    const [down] = await c.read(1)
    expect(down.status === 200, 'download: status 200', down.statusLine)
    expect(down.headers['content-length'] === String(bytes), `download: content-length ${bytes}`, down.headers['content-length'])
    expect(down.body.length === bytes && down.body.every((b) => b === 0x78), `download: ${bytes} bytes of 'x'`, `${down.body.length} bytes`)
    return down
  } finally { c.close() }
}

// Express 5 hello world: two keep-alive GETs on one connection.
async function express(port) {
  const c = await RawClient.connect(port)
  try {
    let first
    for (let i = 0; i < 2; i++) {
      c.send(get(port))
      const [r] = await c.read(1)
      expect(r.status === 200, 'status 200', r.statusLine)
      expect(r.body.toString() === 'hello world', "body 'hello world'", r.body.toString())
      const want = {
        'x-powered-by': 'Express',
        'content-type': 'text/html; charset=utf-8',
        'content-length': '11',
        connection: 'keep-alive',
      }
      for (const [k, v] of Object.entries(want)) expect(r.headers[k] === v, `${k}: ${v}`, r.headers[k])
      expect(/^W\/"b-/.test(r.headers.etag || ''), 'a weak etag W/"b-…"', r.headers.etag)
      expect(typeof r.headers.date === 'string', 'a date header', r.headers.date)
      first = first || r
    }
    return first
  } finally { c.close() }
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

// One client-to-server frame (always masked, RFC 6455 5.3), payload < 126 bytes.
function wsFrame(opcode, payload) {
  const mask = crypto.randomBytes(4)
  const out = Buffer.alloc(6 + payload.length)
  out[0] = 0x80 | opcode
  out[1] = 0x80 | payload.length
  mask.copy(out, 2)
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i] ^ mask[i & 3]
  return out
}

// ws-echo: the upgrade handshake and the echo, on raw bytes (not the ws client the load
// generator uses): 101 with the right Sec-WebSocket-Accept, a text and a binary frame
// echoed unchanged with their opcode, and a clean close handshake.
function wsEcho(port, timeoutMs = 3000) {
  const key = crypto.randomBytes(16).toString('base64')
  const accept = crypto.createHash('sha1').update(key + WS_GUID).digest('base64')
  const text = Buffer.from('rhttp-bench ws-echo check '.padEnd(64, '.'))
  const binary = crypto.randomBytes(64)
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let buf = Buffer.alloc(0)
    let head = null
    const frames = []
    let ended = false
    const timer = setTimeout(() => done(new CheckError(`no complete WebSocket exchange within ${timeoutMs} ms ` +
      `(head ${head === null ? 'not received' : 'received'}, ${frames.length} frame(s), ${buf.length} byte(s) pending)`)), timeoutMs)
    function done(err, value) {
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else resolve(value)
    }
    function step() {
      try {
        if (head === null) {
          const end = buf.indexOf('\r\n\r\n')
          if (end < 0) return
          head = buf.subarray(0, end + 4).toString('latin1')
          buf = buf.subarray(end + 4)
          const [statusLine, ...lines] = head.slice(0, -4).split('\r\n')
          const h = {}
          for (const l of lines) { const i = l.indexOf(':'); h[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim() }
          expect(/^HTTP\/1\.1 101 /.test(statusLine), 'status 101', statusLine)
          expect((h.upgrade || '').toLowerCase() === 'websocket', 'upgrade: websocket', h.upgrade)
          expect((h.connection || '').toLowerCase() === 'upgrade', 'connection: upgrade', h.connection)
          expect(h['sec-websocket-accept'] === accept, `sec-websocket-accept: ${accept}`, h['sec-websocket-accept'])
          socket.write(Buffer.concat([wsFrame(0x1, text), wsFrame(0x2, binary), wsFrame(0x8, Buffer.from([0x03, 0xe8]))]))
        }
        while (buf.length >= 2) {
          expect((buf[1] & 0x80) === 0, 'unmasked server frames', `mask bit in 0x${buf[1].toString(16)}`)
          const len = buf[1] & 0x7f
          expect(len < 126, 'frames of < 126 bytes (the messages sent)', len)
          if (buf.length < 2 + len) return
          frames.push({ fin: (buf[0] & 0x80) !== 0, opcode: buf[0] & 0x0f, payload: buf.subarray(2, 2 + len) })
          buf = buf.subarray(2 + len)
        }
        if (frames.length >= 3 && ended) {
          const [t, b, c] = frames
          expect(t.fin && t.opcode === 0x1 && t.payload.equals(text), 'the 64-byte text message echoed as text',
            `opcode ${t.opcode}, ${JSON.stringify(t.payload.toString('latin1'))}`)
          expect(b.fin && b.opcode === 0x2 && b.payload.equals(binary), 'the 64-byte binary message echoed as binary',
            `opcode ${b.opcode}, ${b.payload.length} bytes`)
          expect(c.opcode === 0x8 && c.payload.readUInt16BE(0) === 1000, 'a close frame with code 1000',
            `opcode ${c.opcode}, ${c.payload.toString('hex')}`)
          done(null, { head: head.replace(/^(sec-websocket-accept:).*$/im, '$1 <masked>') })
        }
      } catch (err) {
        done(err)
      }
    }
    socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`))
    socket.on('data', (d) => { buf = Buffer.concat([buf, d]); step() })
    socket.on('end', () => {
      ended = true
      step()
      if (frames.length < 3) done(new CheckError(`connection closed after ${frames.length} frame(s)${head === null ? ', no 101 head' : ''}`))
    })
    socket.on('error', (err) => done(err))
  })
}

// Response head with the Date value masked: implementations must send the same bytes.
function maskedHead(r) {
  return r.head.replace(/^(date:).*$/im, '$1 <masked>')
}

module.exports = { hello, headers, postEcho, pipeline, express, wsEcho, stream, maskedHead, CheckError, POST_BODY }
