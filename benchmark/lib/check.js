'use strict'
// Correctness gate: before a server is measured it must answer each scenario's
// requests exactly as expected. A wrong answer aborts the benchmark.
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

// Response head with the Date value masked: implementations must send the same bytes.
function maskedHead(r) {
  return r.head.replace(/^(date:).*$/im, '$1 <masked>')
}

module.exports = { hello, headers, postEcho, pipeline, maskedHead, CheckError, POST_BODY }
