'use strict'
// npm run bench: node:http vs rhttp side by side, driven by wrk, A/B alternated. See README.md.
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { parse, HELP } = require('./lib/args')
const { selectScenarios } = require('./lib/scenarios')
const { installCleanup, startServer, runWrk } = require('./lib/children')
const { parseWrk } = require('./lib/wrk')
const proc = require('./lib/proc')
const { maskedHead, CheckError } = require('./lib/check')
const { machineInfo } = require('./lib/machine')
const { resolveImpl } = require('./lib/impl')
const { summarizeScenario, printResult, printCompare } = require('./lib/report')

const RESULTS = path.join(__dirname, 'results')
const CLIENT_CPU = 0
const SERVER_CPU = 1
const PER_RUN_OVERHEAD_S = 0.2 // server start + check + stop, measured ~0.13 s

class UsageError extends Error {}

function log(msg) { process.stderr.write(`${msg}\n`) }

function have(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 5000 })
  return !r.error
}

function preflight(opts) {
  if (!have('wrk', ['-v'])) throw new UsageError('wrk not found: install the Debian package (apt-get install wrk); .ci/run must install it')
  if (opts.pinned) {
    if (!have('taskset', ['-V'])) throw new UsageError('--pinned needs taskset (util-linux), which is not installed')
    const cpus = require('node:os').availableParallelism()
    if (cpus < 2) throw new UsageError(`--pinned needs 2 CPUs, this machine has ${cpus}`)
  }
}

// Each implementation must be requirable before we spend minutes on the others.
function checkLoadable(impls) {
  for (const impl of new Set(impls)) {
    if (impl === 'node') continue
    const mod = resolveImpl(impl)
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(mod)}).createServer`],
      { encoding: 'utf8', timeout: 20000 })
    if (r.status !== 0) {
      const why = r.error ? r.error.message : (r.stderr.split('\n').find((l) => /Error/.test(l)) || r.stderr.trim())
      throw new UsageError(`implementation '${impl}' (${mod}) cannot be required: ${why}` +
        (impl === 'rhttp' ? '\n  build it first (npm run build), or measure the harness with --impls node,node' : ''))
    }
  }
}

function resolveCompare(spec, exclude) {
  if (spec !== 'last') return spec
  const files = fs.existsSync(RESULTS)
    ? fs.readdirSync(RESULTS).filter((f) => /^\d{8}T\d{6}Z.*\.json$/.test(f)).map((f) => path.join(RESULTS, f))
      .filter((f) => path.resolve(f) !== path.resolve(exclude || '')).sort()
    : []
  if (files.length === 0) throw new UsageError(`--compare last: no earlier result in ${RESULTS}`)
  return files[files.length - 1]
}

function loadResult(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    throw new UsageError(`cannot read result ${file}: ${err.message}`)
  }
}

function timestamp(d = new Date()) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z') // ISO 8601 basic: 20250101T120000Z
}

// One measured run: fresh server process, correctness check, warm-up, measurement.
async function runOne(scn, impl, label, round, opts) {
  const server = await startServer(scn.server, impl, { cpu: opts.pinned ? SERVER_CPU : null, env: opts.env })
  try {
    let first
    try {
      first = await scn.check(server.port)
    } catch (err) {
      const why = err instanceof CheckError ? err.message : `no valid answer: ${err.message}`
      throw new CheckError(`${label} server for scenario ${scn.name} answered wrong, refusing to benchmark it: ${why}`)
    }
    const url = `http://127.0.0.1:${server.port}/`
    const wrkArgs = (d) => [`-t${opts.threads}`, `-c${opts.connections}`, `-d${d}s`, '--latency', ...scn.wrk, url]
    const wrkOpts = (d) => ({ cpu: opts.pinned ? CLIENT_CPU : null, timeoutMs: (d + 20) * 1000 })
    if (opts.warmup > 0) await runWrk(wrkArgs(opts.warmup), wrkOpts(opts.warmup))

    const sys0 = proc.systemCpu()
    const srv0 = proc.processCpuTicks(server.pid)
    const w = await runWrk(wrkArgs(opts.duration), wrkOpts(opts.duration))
    const srv1 = proc.processCpuTicks(server.pid)
    const sys1 = proc.systemCpu()
    const mem = proc.processMemory(server.pid)
    if (!server.alive()) throw new Error(`${label} server died during scenario ${scn.name}: ${server.stderr.text}`)

    const parsed = parseWrk(w.output)
    const tickMs = 1000 / proc.clockTicks()
    const serverCpuMs = (srv1 - srv0) * tickMs
    const sys = proc.systemDelta(sys0, sys1)
    const wrkCpuMs = w.wrkCpuMs
    const pctOfCore = (ms) => (ms / w.wallMs) * 100
    const otherMs = sys.busy * tickMs - serverCpuMs - (wrkCpuMs || 0)
    return {
      scenario: scn.name,
      impl,
      label,
      round,
      pid: server.pid,
      headMasked: maskedHead(first),
      ...parsed,
      p99Ms: scn.latency === false ? null : parsed.latencyMs.p99,
      wallMs: w.wallMs,
      serverCpuMs,
      cpuUsPerReq: parsed.requests > 0 ? (serverCpuMs * 1000) / parsed.requests : null,
      serverCpuPct: pctOfCore(serverCpuMs),
      rssMB: mem.rssKB / 1024,
      hwmMB: mem.hwmKB / 1024,
      wrkCpuMs,
      wrkCpuPct: wrkCpuMs === null ? null : pctOfCore(wrkCpuMs),
      otherPct: Math.max(0, pctOfCore(otherMs)), // can dip below 0 by tick rounding
      softirqPct: pctOfCore(sys.softirq * tickMs),
      stealPct: pctOfCore(sys.steal * tickMs),
      wrkOutput: w.output,
    }
  } finally {
    await server.stop()
  }
}

// One line per kind of problem, naming the worst run.
function runWarnings(runs, labels, opts) {
  const out = []
  const at = (r) => `${r.label} round ${r.round}`
  const worst = (key, pred, say) => {
    const hit = runs.filter(pred)
    if (hit.length === 0) return
    const w = hit.reduce((a, b) => (b[key] > a[key] ? b : a))
    out.push(`${say(w)} in ${hit.length} of ${runs.length} runs (worst: ${at(w)}, ${w[key].toFixed(0)}% of a core)`)
  }
  worst('wrkCpuPct', (r) => r.wrkCpuPct !== null && r.wrkCpuPct >= 95 * opts.threads,
    () => 'client-bound: wrk, not the server, was the limit')
  worst('otherPct', (r) => r.otherPct >= 25, () => 'noisy neighbour: other processes used >= 25% of a core')
  worst('stealPct', (r) => r.stealPct >= 10, () => 'hypervisor steal >= 10% of a core')
  for (const r of runs) {
    const e = r.socketErrors
    if (e.connect + e.read + e.write + e.timeout > 0) {
      out.push(`${at(r)}: wrk socket errors connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout}`)
    }
    if (r.non2xx > 0) out.push(`${at(r)}: ${r.non2xx} non-2xx/3xx responses`)
  }
  // Same bytes on the wire (Date masked), or the comparison is not like for like.
  const base = runs.find((r) => r.label === labels[0])
  for (const label of labels.slice(1)) {
    const other = runs.find((r) => r.label === label)
    if (base && other && base.headMasked !== other.headMasked) {
      out.push(`response heads differ:\n      ${labels[0]}: ${JSON.stringify(base.headMasked)}\n      ${label}: ${JSON.stringify(other.headMasked)}`)
    }
  }
  return out
}

function progress(r, scn, opts) {
  const f = (x, d = 0) => (x === null ? '-' : x.toFixed(d))
  log(`[${scn.name} ${r.round}/${opts.rounds}] ${r.label.padEnd(8)} ${Math.round(r.rps).toLocaleString('en-US').padStart(9)} req/s` +
    `  p99 ${f(r.p99Ms, 2)} ms  ${f(r.cpuUsPerReq, 1)} µs/req  rss ${f(r.rssMB, 1)} MB` +
    `  wrk ${f(r.wrkCpuPct)}%  other ${f(r.otherPct)}%`)
}

async function main() {
  installCleanup()
  const opts = parse(process.argv.slice(2))
  if (opts.help) { process.stdout.write(HELP); return 0 }

  if (opts.report) {
    const res = loadResult(opts.report)
    for (const scn of res.scenarios) { // recomputed, so old files read like new ones
      const runs = res.runs.filter((r) => r.scenario === scn.name)
      res.summary[scn.name] = summarizeScenario(runs, res.labels)
      res.warnings[scn.name] = runWarnings(runs, res.labels, res.options)
    }
    printResult(res)
    if (opts.compare) {
      const file = resolveCompare(opts.compare, opts.report)
      printCompare(loadResult(file), res, file)
    }
    return 0
  }

  const scenarios = selectScenarios(opts.scenarios)
  preflight(opts)
  checkLoadable(opts.impls)
  const outFile = opts.save ? (opts.out || path.join(RESULTS, `${timestamp()}.json`)) : null
  const compareFile = opts.compare ? resolveCompare(opts.compare, outFile) : null
  const compareWith = compareFile ? loadResult(compareFile) : null

  const perRun = opts.duration + opts.warmup + PER_RUN_OVERHEAD_S
  const estimate = scenarios.length * opts.rounds * opts.impls.length * perRun
  log(`rhttp benchmark: ${scenarios.map((s) => s.name).join(', ')} × ${opts.labels.join(' vs ')}, ` +
    `${opts.rounds} round(s) × ${opts.duration}s (+${opts.warmup}s warm-up), about ${Math.ceil(estimate)} s`)
  // Backstop over the per-child timeouts.
  const watchdog = setTimeout(() => {
    log(`watchdog: run exceeded ${Math.ceil(estimate * 2 + 60)} s, aborting`)
    process.exit(1)
  }, (estimate * 2 + 60) * 1000)
  watchdog.unref()

  const result = {
    version: 1,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    machine: machineInfo(),
    options: { ...opts, scenarios: scenarios.map((s) => s.name), clockTicks: proc.clockTicks(), serverReuse: false },
    labels: opts.labels,
    scenarios: scenarios.map((s) => ({ name: s.name, desc: s.desc, server: s.server, wrk: s.wrk })),
    runs: [],
    summary: {},
    warnings: {},
  }

  for (const scn of scenarios) {
    const runs = []
    for (let round = 1; round <= opts.rounds; round++) {
      for (let i = 0; i < opts.impls.length; i++) { // A/B alternation within each round
        const r = await runOne(scn, opts.impls[i], opts.labels[i], round, opts)
        progress(r, scn, opts)
        runs.push(r)
      }
    }
    result.runs.push(...runs)
    result.summary[scn.name] = summarizeScenario(runs, opts.labels)
    result.warnings[scn.name] = runWarnings(runs, opts.labels, opts)
  }
  result.finishedAt = new Date().toISOString()

  printResult(result)
  if (outFile) {
    fs.mkdirSync(path.dirname(outFile), { recursive: true })
    fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`)
    log(`\nresult written to ${path.relative(process.cwd(), outFile)}`)
  }
  if (compareWith) printCompare(compareWith, result, path.relative(process.cwd(), compareFile))
  return 0
}

main().then((code) => process.exit(code), (err) => {
  if (err instanceof UsageError || err instanceof CheckError || /^--|unknown scenario|unknown implementation|Unknown option|unexpected argument/i.test(err.message)) {
    log(`bench: ${err.message}`)
    process.exit(2)
  }
  log(`bench failed: ${err.stack || err}`)
  process.exit(1)
})
