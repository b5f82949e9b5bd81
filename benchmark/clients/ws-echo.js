'use strict'
// Load generator of the ws-echo scenario (wrk cannot speak WebSocket): the `ws` client
// library on core http (this process never loads rhttp: the implementation under test is
// the server). Opens N WebSocket connections and keeps one message in flight on each: send
// a text message, await its echo, check it is exactly what was sent, send the next.
//
//   node benchmark/clients/ws-echo.js PORT [--connections N] [--size BYTES]
//        [--duration-ms MS] [--warmup-ms MS]
//
// Stdout (read by run.js, like lib/clientloop.js's): {"phase":"start"} when the measured
// window starts (after the warm-up, on the same connections), then one result line
// {"ok":true|false, ...}. Exit code 0 = every echo was right, 1 = failure (a wrong echo,
// an error, a closed connection, an echo missing 5 s after the end: the result line has
// `error`), 2 = usage.
const { parseArgs } = require('node:util')
const { createHistogram } = require('node:perf_hooks')

const CONNECT_MS = 10000 // all connections open within this
const DRAIN_MS = 5000 // after the deadline, how long the messages in flight may take
const CLOSE_MS = 1000 // closing handshakes after the result, best effort

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node ${process.argv[1]} PORT [--connections N] [--size BYTES] [--duration-ms MS] [--warmup-ms MS]\n`)
  process.exit(2)
}

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

function errorInfo(err) {
  if (!(err instanceof Error)) return { message: String(err) }
  return { name: err.name, code: err.code, message: err.message, stack: err.stack }
}

function parse() {
  let parsed
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        connections: { type: 'string', default: '50' },
        size: { type: 'string', default: '64' },
        'duration-ms': { type: 'string', default: '5000' },
        'warmup-ms': { type: 'string', default: '0' },
      },
    })
  } catch (err) {
    usage(err.message)
  }
  const { values: v, positionals } = parsed
  const num = (name, s, min, max = Infinity) => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < min || n > max) usage(`bad ${name}: ${s}`)
    return n
  }
  if (positionals.length !== 1) usage('want exactly one PORT')
  return {
    port: num('port', positionals[0], 1, 65535),
    connections: num('--connections', v.connections, 1),
    size: num('--size', v.size, 16, 1 << 20),
    durationMs: num('--duration-ms', v['duration-ms'], 1),
    warmupMs: num('--warmup-ms', v['warmup-ms'], 0),
  }
}

const args = parse()
const state = { phase: 'connect', messages: 0, open: 0 }

function fail(error) {
  if (state.phase === 'closing') { // after the result line: the run is over, exit as we were going to
    process.stderr.write(`while closing: ${error.message}\n`)
    process.exit(0)
  }
  emit({ ok: false, phase: state.phase, answered: state.messages, open: state.open, error })
  process.exit(1)
}
process.on('uncaughtException', (err) => fail({ uncaught: true, ...errorInfo(err) }))
process.on('unhandledRejection', (err) => fail({ uncaught: true, ...errorInfo(err) }))
// Spawned by run.js: die with the parent even if it is SIGKILLed (our stdin pipe closes).
if (process.env.RHTTP_BENCH_CHILD === '1') {
  process.stdin.on('end', () => process.exit(1))
  process.stdin.on('error', () => process.exit(1))
  process.stdin.resume()
}
// The server is under test, the client is not: it must run on core http.
if (globalThis[Symbol.for('rhttp.register')]) {
  fail({ message: 'rhttp/register is active in the ws-echo client (NODE_OPTIONS?): the client must use core http' })
}

const { WebSocket } = require('ws')

// Message `seq` of connection `id`: ASCII, exactly `size` bytes, different every time, so
// an echo of the wrong message (or of another connection's) is caught too.
function message(id, seq) {
  const s = `rhttp-bench ${id}:${seq} `
  return s.length >= args.size ? s.slice(0, args.size) : s.padEnd(args.size, '.')
}

function main() {
  const url = `ws://127.0.0.1:${args.port}/`
  const conns = []
  let stopping = false
  let idle = 0 // connections that finished their last message after the deadline
  let histogram = null // set in the measured window
  let onIdle = null

  const open = () => new Promise((resolve) => {
    const timer = setTimeout(() => fail({ message: `${args.connections - state.open} of ${args.connections} WebSocket connections not open within ${CONNECT_MS} ms` }), CONNECT_MS)
    for (let id = 0; id < args.connections; id++) {
      const ws = new WebSocket(url, { perMessageDeflate: false })
      const c = { id, ws, seq: 0, sent: null, t0: 0n }
      conns.push(c)
      ws.on('error', (err) => fail({ message: `connection ${id}: ${err.message}`, ...errorInfo(err) }))
      ws.on('close', (code, reason) => {
        if (state.phase !== 'closing') fail({ message: `connection ${id} closed by the server (code ${code}${reason.length ? `, ${reason}` : ''}) during the ${state.phase}` })
      })
      ws.on('message', (data, isBinary) => {
        const got = Buffer.isBuffer(data) ? data : Buffer.concat([].concat(data))
        if (c.sent === null) return fail({ message: `connection ${id}: unsolicited message ${JSON.stringify(got.toString('latin1').slice(0, 100))}` })
        if (isBinary || got.length !== c.sent.length || got.toString('latin1') !== c.sent) {
          return fail({ message: `connection ${id}: wrong echo of message ${c.seq}: sent ${JSON.stringify(c.sent)} (text), ` +
            `got ${JSON.stringify(got.toString('latin1').slice(0, 200))} (${isBinary ? 'binary' : 'text'}, ${got.length} bytes)` })
        }
        if (histogram) histogram.record(Number(process.hrtime.bigint() - c.t0) || 1)
        c.sent = null
        state.messages++
        if (stopping) {
          if (++idle === conns.length) onIdle()
        } else {
          send(c)
        }
      })
      ws.once('open', () => {
        if (++state.open === args.connections) { clearTimeout(timer); resolve() }
      })
    }
  })

  function send(c) {
    c.seq++
    c.sent = message(c.id, c.seq)
    c.t0 = process.hrtime.bigint()
    c.ws.send(c.sent)
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

  return (async () => {
    await open()
    state.phase = 'warm-up'
    for (const c of conns) send(c)
    if (args.warmupMs > 0) await sleep(args.warmupMs)
    // Measured window: same connections, the loop never pauses; the messages in flight at the
    // switch count in the window (as many as at its end, which are awaited and counted).
    const warmupMessages = state.messages
    histogram = createHistogram()
    state.phase = 'measurement'
    emit({ phase: 'start' })
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    await sleep(args.durationMs)
    stopping = true
    idle = conns.filter((c) => c.sent === null).length
    await new Promise((resolve) => {
      const timer = setTimeout(() => fail({ message: `${conns.length - idle} echo(es) still missing ${DRAIN_MS} ms after the end of the run` }), DRAIN_MS)
      onIdle = () => { clearTimeout(timer); resolve() }
      if (idle === conns.length) onIdle()
    })
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
    const cpu = process.cpuUsage(cpu0)
    const ru = process.resourceUsage()
    emit({
      ok: true,
      connections: conns.length,
      messageBytes: args.size,
      messages: state.messages - warmupMessages,
      warmupMessages,
      wallMs,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      latencyMs: {
        p50: histogram.percentile(50) / 1e6,
        p99: histogram.percentile(99) / 1e6,
        max: histogram.max / 1e6,
      },
      rssKB: Math.round(process.memoryUsage.rss() / 1024),
      maxRssKB: ru.maxRSS,
      wsVersion: require('ws/package.json').version,
      node: process.version,
    })
    // Close politely (the server's close path runs too), bounded; then exit regardless.
    state.phase = 'closing'
    let closed = 0
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, CLOSE_MS)
      for (const c of conns) {
        c.ws.once('close', () => { if (++closed === conns.length) { clearTimeout(timer); resolve() } })
        c.ws.close(1000)
      }
    })
    process.exit(0)
  })()
}

main()
