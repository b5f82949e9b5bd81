'use strict'
// Shared driver of the client processes (clients/http.js, clients/undici.js):
// argument parsing, the closed loop of `concurrency` requests in flight, the
// measurement (wall time + process.cpuUsage(), which counts every thread of the
// process) and the JSON lines on stdout that run.js reads.
//
//   node clients/<script> IMPL SCENARIO PORT [--concurrency N] [--duration-ms MS]
//        [--warmup-ms MS] [--max-requests N]
//
// Stdout: {"phase":"start"} when the measured window starts, then one result line
// {"ok":true|false, ...}. Exit code 0 = every response was 200 'ok', 1 = failure
// (the result line has `error`), 2 = usage.
const { parseArgs } = require('node:util')
const { createHistogram } = require('node:perf_hooks')

const SCENARIOS = {
  'client-get': { method: 'GET', bodyBytes: 0 },
  'client-post64k': { method: 'POST', bodyBytes: 64 * 1024 },
}
const EXPECTED_BODY = 'ok' // what servers/client-target.js answers
const DRAIN_MS = 5000 // after the deadline, how long the requests in flight may take to finish

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node ${process.argv[1]} IMPL ${Object.keys(SCENARIOS).join('|')} PORT ` +
    '[--concurrency N] [--duration-ms MS] [--warmup-ms MS] [--max-requests N]\n')
  process.exit(2)
}

function clientArgs() {
  let parsed
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        concurrency: { type: 'string', default: '50' },
        'duration-ms': { type: 'string', default: '5000' },
        'warmup-ms': { type: 'string', default: '0' },
        'max-requests': { type: 'string', default: '0' },
      },
    })
  } catch (err) {
    usage(err.message)
  }
  const { values: v, positionals: [impl, scenario, portArg] } = parsed
  const num = (name, s, min) => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < min) usage(`bad ${name}: ${s}`)
    return n
  }
  if (!impl) usage('missing IMPL')
  const scn = SCENARIOS[scenario]
  if (!scn) usage(`unknown scenario: ${scenario}`)
  const port = num('port', portArg, 1)
  // From here on, an exception thrown outside a request's callbacks (loading the
  // implementation, creating its Agent, or from inside its code on a later tick) is
  // reported as the client's failure, on the result line.
  const uncaught = (err) => {
    emit({ ok: false, impl, scenario, phase: live.phase, answered: live.ok, started: live.started, error: { uncaught: true, ...errorInfo(err) } })
    process.exit(1)
  }
  process.on('uncaughtException', uncaught)
  process.on('unhandledRejection', uncaught)
  // Spawned by run.js: die with the parent even if it is SIGKILLed (our stdin pipe closes).
  if (process.env.RHTTP_BENCH_CHILD === '1') {
    process.stdin.on('end', () => process.exit(1))
    process.stdin.on('error', () => process.exit(1))
    process.stdin.resume()
  }
  return {
    impl,
    scenario,
    ...scn,
    body: scn.bodyBytes > 0 ? Buffer.alloc(scn.bodyBytes, 'rhttp-bench ') : null, // one buffer, reused
    port,
    concurrency: num('--concurrency', v.concurrency, 1),
    durationMs: num('--duration-ms', v['duration-ms'], 1),
    warmupMs: num('--warmup-ms', v['warmup-ms'], 0),
    maxRequests: num('--max-requests', v['max-requests'], 0), // 0 = no limit
  }
}

function errorInfo(err) {
  if (!(err instanceof Error)) return { message: String(err) }
  return { name: err.name, code: err.code, message: err.message, stack: err.stack }
}

// Keeps `concurrency` requests in flight until `ms` have passed (or maxRequests were
// started), then waits for the ones in flight. `one(cb)` makes one request and calls
// cb(err, statusCode, bodyText). The first failure (error, wrong status or body,
// a callback called twice) stops the loop.
const live = { phase: 'start-up', ok: 0, started: 0 } // for a failure outside drive()'s callbacks

function drive(one, { concurrency, ms, maxRequests = 0, histogram = null }) {
  return new Promise((resolve) => {
    let stopping = false
    let started = 0
    let inflight = 0
    let ok = 0
    live.ok = 0
    live.started = 0
    let failure = null
    let drainTimer = null
    const t0 = process.hrtime.bigint()

    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      clearTimeout(deadline)
      clearTimeout(drainTimer)
      resolve({ ok, started, failure, wallMs: Number(process.hrtime.bigint() - t0) / 1e6 })
    }
    const stop = () => {
      if (stopping) return
      stopping = true
      if (inflight === 0) return finish()
      drainTimer = setTimeout(() => {
        failure = failure || { message: `${inflight} request(s) still unanswered ${DRAIN_MS} ms after the end of the run (${ok} answered)` }
        finish()
      }, DRAIN_MS)
    }
    const deadline = setTimeout(stop, ms)
    const fail = (f) => {
      if (!failure) failure = f
      stop()
    }

    const more = () => !stopping && (maxRequests === 0 || started < maxRequests)
    const next = () => {
      live.started = ++started
      inflight++
      const start = histogram ? process.hrtime.bigint() : 0n
      let called = false
      const done = (err, status, body) => {
        if (called) return fail({ message: 'response callback called twice', ...(err ? { cause: errorInfo(err) } : {}) })
        called = true
        inflight--
        if (err) fail(errorInfo(err))
        else if (status !== 200 || body !== EXPECTED_BODY) fail({ message: `wrong response: status ${status}, body ${JSON.stringify(String(body).slice(0, 200))} (want 200 '${EXPECTED_BODY}')` })
        else {
          live.ok = ++ok
          if (histogram) histogram.record(Number(process.hrtime.bigint() - start) || 1)
        }
        if (more()) next()
        else if (inflight === 0) {
          if (stopping) finish()
          else stop() // maxRequests reached and all answered
        }
      }
      try {
        one(done)
      } catch (err) {
        inflight--
        called = true
        fail(errorInfo(err))
      }
    }
    for (let i = 0; i < concurrency && more(); i++) next()
  })
}

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

// Warm-up (discarded), then the measured window; prints the result line and exits.
async function runClient(args, one, extra = {}) {
  const base = { impl: args.impl, scenario: args.scenario, concurrency: args.concurrency, ...extra }
  const bail = (phase, r) => {
    emit({ ok: false, ...base, phase, answered: r.ok, started: r.started, error: r.failure })
    process.exit(1)
  }
  let warmup = { ok: 0 }
  if (args.warmupMs > 0) {
    live.phase = 'warm-up'
    warmup = await drive(one, { concurrency: args.concurrency, ms: args.warmupMs })
    if (warmup.failure) bail('warm-up', warmup)
  }
  const histogram = createHistogram()
  live.phase = 'measurement'
  emit({ phase: 'start' })
  const cpu0 = process.cpuUsage()
  const r = await drive(one, { concurrency: args.concurrency, ms: args.durationMs, maxRequests: args.maxRequests, histogram })
  const cpu = process.cpuUsage(cpu0)
  if (r.failure) bail('measurement', r)
  const ru = process.resourceUsage()
  emit({
    ok: true,
    ...base,
    requests: r.ok,
    warmupRequests: warmup.ok,
    wallMs: r.wallMs,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    latencyMs: {
      p50: histogram.percentile(50) / 1e6,
      p99: histogram.percentile(99) / 1e6,
      max: histogram.max / 1e6,
    },
    rssKB: Math.round(process.memoryUsage.rss() / 1024),
    maxRssKB: ru.maxRSS,
    node: process.version,
  })
  process.exit(0)
}

module.exports = { SCENARIOS, EXPECTED_BODY, clientArgs, drive, runClient }
