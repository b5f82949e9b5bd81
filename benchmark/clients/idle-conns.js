'use strict'
// Load generator of the idle-conns scenario: opens N keep-alive connections
// (raw `net`, at most CONCURRENT connecting at once), makes one GET on each and
// reads its whole response, then leaves them all open and idle, so the server
// holds N idle keep-alive connections — what a server behind many mostly-quiet
// clients holds.
//
//   node benchmark/clients/idle-conns.js PORT --connections N
//
// Stdout (read by run.js): {"phase":"start"} once all N are idle, then after
// SETTLE_MS one result line {"ok":true|false, connections, connectMs}; the
// connections stay open HOLD_MS more (run.js reads the server's memory on the
// result line), then are closed. Exit code 0 = every GET got a 200, 1 =
// failure (the result line has `error`), 2 = usage.
const net = require('node:net')
const { parseArgs } = require('node:util')

const CONCURRENT = 200
const SETTLE_MS = 500
const HOLD_MS = 1500
const TIMEOUT_MS = 60000

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node ${process.argv[1]} PORT --connections N\n`)
  process.exit(2)
}

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

function parse() {
  let parsed
  try {
    parsed = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { connections: { type: 'string' } } })
  } catch (err) {
    usage(err.message)
  }
  const port = Number(parsed.positionals[0])
  const n = Number(parsed.values.connections)
  if (parsed.positionals.length !== 1 || !Number.isInteger(port) || port < 1 || port > 65535) usage('want exactly one PORT')
  if (!Number.isInteger(n) || n < 1 || n > 100000) usage(`bad --connections: ${parsed.values.connections}`)
  return { port, n }
}

// One connection with one complete response read (head + Content-Length body).
function openOne(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port })
    let buf = ''
    s.setEncoding('latin1')
    s.on('error', reject)
    s.on('connect', () => s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`))
    s.on('data', (d) => {
      buf += d
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(buf.slice(0, end))
      if (!m || buf.length < end + 4 + Number(m[1])) return
      s.removeAllListeners('data')
      if (!buf.startsWith('HTTP/1.1 200 ')) return reject(new Error(`response ${JSON.stringify(buf.slice(0, 40))}`))
      s.on('data', () => {}) // nothing more is expected; keep reading
      resolve(s)
    })
    s.on('close', () => reject(new Error('closed before its response')))
  })
}

async function main() {
  const { port, n } = parse()
  const timer = setTimeout(() => {
    emit({ ok: false, error: { message: `not all ${n} connections were idle within ${TIMEOUT_MS} ms` } })
    process.exit(1)
  }, TIMEOUT_MS)
  const sockets = []
  const t0 = process.hrtime.bigint()
  try {
    let next = 0
    const worker = async () => {
      while (next < n) {
        next++
        sockets.push(await openOne(port))
      }
    }
    await Promise.all(Array.from({ length: Math.min(CONCURRENT, n) }, worker))
  } catch (err) {
    clearTimeout(timer)
    emit({ ok: false, error: { code: err.code, message: `after ${sockets.length} connections: ${err.message}` } })
    process.exit(1)
  }
  const connectMs = Number(process.hrtime.bigint() - t0) / 1e6
  for (const s of sockets) s.removeAllListeners('close')
  emit({ phase: 'start' })
  await new Promise((r) => setTimeout(r, SETTLE_MS))
  emit({ ok: true, connections: sockets.length, connectMs })
  await new Promise((r) => setTimeout(r, HOLD_MS))
  clearTimeout(timer)
  for (const s of sockets) s.destroy()
}

main()
