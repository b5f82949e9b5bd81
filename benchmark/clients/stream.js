'use strict'
// Load generator of the stream-up / stream-down scenarios: one request on
// core http (this process never loads rhttp: the server is under test) that
// uploads or downloads BYTES with backpressure, and checks the count.
//
//   node benchmark/clients/stream.js PORT --direction up|down --bytes N
//
// Stdout (read by run.js): {"phase":"start"} when the request starts, then one
// result line {"ok":true|false, bytes, wallMs, ...}. Exit code 0 = the server
// moved exactly BYTES, 1 = failure (the result line has `error`), 2 = usage.
const http = require('node:http')
const { parseArgs } = require('node:util')

const TIMEOUT_MS = 120000
const CHUNK = Buffer.alloc(64 * 1024, 'y')

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node ${process.argv[1]} PORT --direction up|down --bytes N\n`)
  process.exit(2)
}

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

function parse() {
  let parsed
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { direction: { type: 'string' }, bytes: { type: 'string' } },
    })
  } catch (err) {
    usage(err.message)
  }
  const { values: v, positionals } = parsed
  const port = Number(positionals[0])
  const bytes = Number(v.bytes)
  if (positionals.length !== 1 || !Number.isInteger(port) || port < 1 || port > 65535) usage('want exactly one PORT')
  if (v.direction !== 'up' && v.direction !== 'down') usage(`bad --direction: ${v.direction}`)
  if (!Number.isInteger(bytes) || bytes < 1) usage(`bad --bytes: ${v.bytes}`)
  return { port, direction: v.direction, bytes }
}

function upload(port, bytes) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/up', agent: false,
      headers: { 'Content-Length': bytes } })
    req.on('error', reject)
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('latin1')
      res.on('data', (d) => { if (text.length < 100) text += d })
      res.on('end', () => resolve({ status: res.statusCode, counted: Number(text) }))
      res.on('error', reject)
    })
    let left = bytes
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length)
        left -= n
        if (!req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
          req.once('drain', pump)
          return
        }
      }
      req.end()
    }
    pump()
  })
}

function download(port, bytes) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/down?bytes=${bytes}`, agent: false }, (res) => {
      let counted = 0
      res.on('data', (d) => { counted += d.length })
      res.on('end', () => resolve({ status: res.statusCode, counted }))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

async function main() {
  const { port, direction, bytes } = parse()
  const timer = setTimeout(() => {
    emit({ ok: false, error: { message: `no answer within ${TIMEOUT_MS} ms` } })
    process.exit(1)
  }, TIMEOUT_MS)
  emit({ phase: 'start' })
  const t0 = process.hrtime.bigint()
  const cpu0 = process.cpuUsage()
  try {
    const r = await (direction === 'up' ? upload(port, bytes) : download(port, bytes))
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
    const cpu = process.cpuUsage(cpu0)
    clearTimeout(timer)
    const ok = r.status === 200 && r.counted === bytes
    emit({
      ok, direction, bytes, wallMs, clientCpuUs: cpu.user + cpu.system,
      ...(ok ? {} : { error: { message: `status ${r.status}, the server moved ${r.counted} of ${bytes} bytes` } }),
    })
    process.exitCode = ok ? 0 : 1
  } catch (err) {
    clearTimeout(timer)
    emit({ ok: false, error: { code: err.code, message: err.message } })
    process.exitCode = 1
  }
}

main()
