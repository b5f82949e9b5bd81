'use strict'
// npm run bench: node:http vs rhttp side by side, A/B alternated. Server scenarios: each
// implementation serves, wrk drives it. App scenarios (express, ws-echo): an unmodified app,
// rhttp switched in by rhttp/register, driven by wrk (express) or by the ws client process
// (ws-echo). Client scenarios: each implementation (and undici) is the client of the same
// raw-net server. See README.md.
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { parse, labels: labelsFor, HELP } = require('./lib/args')
const { selectScenarios, DEFAULT_IMPLS } = require('./lib/scenarios')
const { installCleanup, startServer, runWrk, runClientChild } = require('./lib/children')
const { parseWrk } = require('./lib/wrk')
const proc = require('./lib/proc')
const { maskedHead, CheckError } = require('./lib/check')
const { machineInfo } = require('./lib/machine')
const { ROOT, REGISTER, resolveImpl, resolveClient, appNodeArgs } = require('./lib/impl')
const { summarizeScenario, printResult, printCompare } = require('./lib/report')

const RESULTS = path.join(__dirname, 'results')
const CLIENT_CPU = 0
const SERVER_CPU = 1
const PER_RUN_OVERHEAD_S = 0.2 // server start + check + stop, measured ~0.13 s
const PER_CLIENT_RUN_OVERHEAD_S = 0.4 // server + client process start, undici's require, stop
const PER_APP_RUN_OVERHEAD_S = { express: 0.5, 'ws-echo': 1.0 } // + express/ws require, register's loader thread, ws connect/close
// Memory scenarios do not use --duration: a run takes what it takes (connect 10,000 + 2 s
// of settle and hold; move 1 GiB). Estimates for the progress line and the watchdog.
const MEMORY_RUN_S = { idle: 6, stream: 4 }
const MEMORY_SMOKE_RUN_S = { idle: 2.5, stream: 1 }
const GATE_MAX_REQUESTS = 200 // client correctness gate: requests per implementation and scenario
const GATE_MAX_MS = 3000

class UsageError extends Error {}

function log(msg) { process.stderr.write(`${msg}\n`) }

function have(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 5000 })
  return !r.error
}

function preflight(opts, scenarios) {
  if (scenarios.some((s) => s.kind === 'server') && !have('wrk', ['-v'])) {
    throw new UsageError('wrk not found: install the Debian package (apt-get install wrk); .ci/run must install it')
  }
  if (opts.pinned) {
    if (!have('taskset', ['-V'])) throw new UsageError('--pinned needs taskset (util-linux), which is not installed')
    const cpus = require('node:os').availableParallelism()
    if (cpus < 2) throw new UsageError(`--pinned needs 2 CPUs, this machine has ${cpus}`)
  }
}

// Implementations of a scenario: --impls, or the defaults of its kind.
function implsOf(scn, opts) {
  return opts.impls || DEFAULT_IMPLS[scn.kind]
}

// Each implementation must be requirable before we spend minutes on the others.
function checkLoadable(scenarios, opts) {
  const seen = new Set()
  for (const scn of scenarios) {
    for (const impl of implsOf(scn, opts)) {
      if (seen.has(`${scn.kind} ${impl}`)) continue
      seen.add(`${scn.kind} ${impl}`)
      if (scn.kind === 'client') checkClientLoadable(impl)
      else checkServerLoadable(impl)
    }
    if (scn.app) checkAppLoadable(scn, implsOf(scn, opts))
  }
}

// App scenarios: the framework (a devDependency) and, for rhttp, rhttp/register.
function checkAppLoadable(scn, impls) {
  for (const mod of scn.name === 'express' ? ['express'] : ['ws']) {
    try {
      require.resolve(mod)
    } catch {
      throw new UsageError(`scenario ${scn.name} needs '${mod}', a devDependency: run npm install`)
    }
  }
  if (impls.includes('rhttp') && !fs.existsSync(REGISTER)) {
    throw new UsageError(`scenario ${scn.name} runs rhttp through rhttp/register, but ${REGISTER} does not exist`)
  }
}

function checkServerLoadable(impl) {
  if (impl === 'undici') throw new UsageError("implementation 'undici' is a client only: it has no server scenario (use --scenarios client-get,client-post64k)")
  if (impl !== 'node') checkRequire(impl, resolveImpl(impl), 'createServer')
}

function checkClientLoadable(impl) {
  if (impl === 'node') return
  const { module: mod } = resolveClient(impl)
  if (impl === 'undici') {
    try {
      require.resolve('undici')
    } catch {
      throw new UsageError("implementation 'undici' cannot be required: it is a devDependency, run npm install")
    }
    return
  }
  checkRequire(impl, mod, 'request', 'Agent')
}

// Requires mod in a child process and checks that it exports these functions.
function checkRequire(impl, mod, ...exportsWanted) {
  const script = `const m = require(${JSON.stringify(mod)})\n` +
    `for (const k of ${JSON.stringify(exportsWanted)}) if (typeof m[k] !== 'function') { console.error('Error: it exports no ' + k + '()'); process.exit(1) }`
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 })
  if (r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr.split('\n').find((l) => /Error/.test(l)) || r.stderr.trim())
    throw new UsageError(`implementation '${impl}' (${mod}) cannot be required: ${why}` +
      (impl === 'rhttp' ? '\n  build it first (npm run build), or measure the harness with --impls node,node' : ''))
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

// The server process of a server or ws scenario. Server scripts take the implementation as
// an argument; app scripts are the same file for every implementation, switched by a preload
// (rhttp: node -r <repo>/register.js).
function startImplServer(scn, impl, opts) {
  const cpu = opts.pinned ? SERVER_CPU : null
  if (!scn.app) return startServer(scn.server, [impl, '0'], { name: impl, cpu, env: opts.env })
  const { nodeArgs, env } = appNodeArgs(impl)
  return startServer(scn.server, ['0'], { name: impl, cpu, env: { ...opts.env, ...env }, nodeArgs })
}

// rhttp's addon (a .node file in the repo root) mapped into the process, or null.
const REAL_ROOT = fs.realpathSync(ROOT)
function loadedAddon(pid) {
  for (const f of proc.mappedFiles(pid)) if (f.endsWith('.node') && path.dirname(f) === REAL_ROOT) return f
  return null
}

// Correctness gate of a fresh server: the scenario's check, then proof that the process runs
// the implementation it is labelled with (rhttp's addon loaded, or not loaded for node): an app
// scenario whose register switch silently failed would otherwise compare node:http with itself.
async function gateServer(scn, server, impl, label) {
  let first
  try {
    first = await scn.check(server.port)
  } catch (err) {
    const why = err instanceof CheckError ? err.message : `no valid answer: ${err.message}`
    throw new CheckError(`${label} server for scenario ${scn.name} answered wrong, refusing to benchmark it: ${why}`)
  }
  if (impl === 'node' || impl === 'rhttp') {
    const addon = loadedAddon(server.pid)
    const how = scn.app ? (impl === 'rhttp' ? `node -r ${path.relative(process.cwd(), REGISTER)} ` : 'node ') + `benchmark/servers/${scn.server}` : `benchmark/servers/${scn.server} ${impl}`
    if (impl === 'rhttp' && !addon) throw new CheckError(`${label} server for scenario ${scn.name} (${how}) has not loaded rhttp's addon: it is not running on rhttp, refusing to benchmark it`)
    if (impl === 'node' && addon) throw new CheckError(`${label} server for scenario ${scn.name} (${how}) has loaded rhttp's addon ${addon}: it is not plain node:http (NODE_OPTIONS?), refusing to benchmark it`)
  }
  return first
}

// One measured run: fresh server process, correctness check, warm-up, measurement.
async function runOne(scn, impl, label, round, opts) {
  const server = await startImplServer(scn, impl, opts)
  try {
    const first = await gateServer(scn, server, impl, label)
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

// The server's CPU, memory and the machine's counters at one moment of a client-driven
// window (ws-echo, stream-*); null once the server is gone (reported by the caller).
function windowSnapshot(pid) {
  try {
    return { t: process.hrtime.bigint(), srv: proc.processCpuTicks(pid), sys: proc.systemCpu(), mem: proc.processMemory(pid) }
  } catch { return null }
}

// Server CPU over a window and the shares of a core, given the client's own CPU.
function windowStats(w0, w1, clientCpuMs) {
  const tickMs = 1000 / proc.clockTicks()
  const windowMs = Number(w1.t - w0.t) / 1e6
  const serverCpuMs = (w1.srv - w0.srv) * tickMs
  const sys = proc.systemDelta(w0.sys, w1.sys)
  const pctOfCore = (ms) => (ms / windowMs) * 100
  return {
    windowMs,
    serverCpuMs,
    serverCpuPct: pctOfCore(serverCpuMs),
    otherPct: Math.max(0, pctOfCore(sys.busy * tickMs - serverCpuMs - clientCpuMs)), // can dip below 0 by tick rounding
    softirqPct: pctOfCore(sys.softirq * tickMs),
    stealPct: pctOfCore(sys.steal * tickMs),
  }
}

// Runs the scenario's client process against `server`; its start and result lines bracket
// the measured window. Throws (as the run's failure) when the server died or the client
// reported a wrong answer; returns the client's result and the two window snapshots.
async function clientWindow(scn, server, label, opts, args, timeoutMs, failure) {
  let w0 = null
  let w1 = null
  const c = await runClientChild(scn.client, [String(server.port), ...args], {
    cpu: opts.pinned ? CLIENT_CPU : null, // no --env: the client is not the implementation under test
    timeoutMs,
    onStart: () => { w0 = windowSnapshot(server.pid) },
    onResult: () => { w1 = windowSnapshot(server.pid) },
  })
  if (!server.alive()) throw new CheckError(`${label} server died during scenario ${scn.name}: ${server.stderr.text.trim().slice(-3000)}`)
  if (!c.result || !c.result.ok || c.code !== 0) throw new CheckError(failure(label, scn, c))
  if (!w0 || !w1) throw new Error(`${label} server for scenario ${scn.name}: /proc could not be read during the window`)
  return { res: c.result, w0, w1 }
}

// ws-echo: the ws client process (clients/ws-echo.js, core http) against the server of the
// implementation under test; its result line is the failure when an echo was wrong.
function wsFailure(label, scn, c) {
  const where = `${label} server failed in scenario ${scn.name}`
  const r = c.result
  if (r && !r.ok && r.error) {
    const e = r.error
    return `${where} during the ${r.phase} (${r.open} connection(s) open, ${r.answered} good echo(es)): ` +
      `${e.uncaught ? 'uncaught exception in the client: ' : ''}${e.code ? `${e.code}: ` : ''}${e.message}` +
      `${c.stderr.trim() ? `\n  client stderr: ${c.stderr.trim().slice(-2000)}` : ''}`
  }
  const how = c.timedOut ? `was killed after ${c.timeoutMs} ms` : `exited with code ${c.code}${c.signal ? `, signal ${c.signal}` : ''} without a result`
  return `${where}: the ws client process ${how}\n${c.stderr.trim().slice(-3000)}${c.stdout ? `\n${c.stdout}` : ''}`
}

// One ws-echo run: fresh server (app script, implementation by preload), correctness gate,
// then the ws client process (warm-up + measured window inside it, one message in flight per
// connection); the server's CPU and /proc/stat are read when the window starts and ends.
async function runWsOne(scn, impl, label, round, opts) {
  const server = await startImplServer(scn, impl, opts)
  try {
    const first = await gateServer(scn, server, impl, label)
    const durationMs = opts.duration * 1000
    const warmupMs = opts.warmup * 1000
    const { res, w0, w1 } = await clientWindow(scn, server, label, opts, ['--connections', String(opts.connections),
      '--size', String(scn.messageBytes), '--duration-ms', String(durationMs), '--warmup-ms', String(warmupMs)],
    durationMs + warmupMs + 25000, // + process start, connect (10 s), drain (5 s) and close (1 s) limits
    wsFailure)
    const clientCpuMs = (res.cpuUserUs + res.cpuSystemUs) / 1000
    const { windowMs, serverCpuMs, serverCpuPct, otherPct, softirqPct, stealPct } = windowStats(w0, w1, clientCpuMs)
    return {
      scenario: scn.name,
      impl,
      label,
      round,
      pid: server.pid,
      headMasked: maskedHead(first),
      connections: res.connections,
      messageBytes: res.messageBytes,
      messages: res.messages,
      warmupMessages: res.warmupMessages,
      wallMs: res.wallMs,
      rps: (res.messages * 1000) / res.wallMs, // messages (echoes) per second
      p99Ms: res.latencyMs.p99,
      latencyMs: res.latencyMs,
      windowMs,
      serverCpuMs,
      cpuUsPerReq: res.messages > 0 ? (serverCpuMs * 1000) / res.messages : null, // server CPU µs per message
      serverCpuPct,
      rssMB: w1.mem.rssKB / 1024,
      hwmMB: w1.mem.hwmKB / 1024,
      clientCpuUserUs: res.cpuUserUs,
      clientCpuSystemUs: res.cpuSystemUs,
      clientCpuPct: (clientCpuMs / res.wallMs) * 100,
      clientCpuUsPerMsg: res.messages > 0 ? (clientCpuMs * 1000) / res.messages : null,
      clientRssMB: res.rssKB / 1024,
      otherPct,
      softirqPct,
      stealPct,
      wsVersion: res.wsVersion,
    }
  } finally {
    await server.stop()
  }
}

// A memory scenario's client failed: its error line, or how the process ended.
function memoryFailure(label, scn, c) {
  const where = `${label} server failed in scenario ${scn.name}`
  const r = c.result
  if (r && !r.ok && r.error) {
    const e = r.error
    const hint = e.code === 'EMFILE' || e.code === 'EADDRNOTAVAIL' ? ' (raise `ulimit -n`, or run with --smoke)' : ''
    return `${where}: ${e.code ? `${e.code}: ` : ''}${e.message}${hint}${c.stderr.trim() ? `\n  client stderr: ${c.stderr.trim().slice(-2000)}` : ''}`
  }
  const how = c.timedOut ? `was killed after ${c.timeoutMs} ms` : `exited with code ${c.code}${c.signal ? `, signal ${c.signal}` : ''} without a result`
  return `${where}: the client process ${how}\n${c.stderr.trim().slice(-3000)}${c.stdout ? `\n${c.stdout}` : ''}`
}

// idle-conns: fresh server, correctness gate, its RSS; then the client opens N
// connections, one GET each, and holds them idle; the RSS is read again while all are open.
async function runIdleOne(scn, impl, label, round, opts) {
  const server = await startImplServer(scn, impl, opts)
  try {
    const first = await gateServer(scn, server, impl, label)
    await new Promise((resolve) => setTimeout(resolve, 300)) // the gate's connection closes
    const before = proc.processMemory(server.pid)
    const n = scn.count
    let atIdle = null
    const c = await runClientChild(scn.client, [String(server.port), '--connections', String(n)], {
      cpu: opts.pinned ? CLIENT_CPU : null,
      timeoutMs: 90000,
      onResult: () => { try { atIdle = proc.processMemory(server.pid) } catch { /* gone: reported below */ } },
    })
    if (!server.alive()) throw new CheckError(`${label} server died during scenario ${scn.name}: ${server.stderr.text.trim().slice(-3000)}`)
    if (!c.result || !c.result.ok || c.code !== 0) throw new CheckError(memoryFailure(label, scn, c))
    if (!atIdle) throw new Error(`${label} server for scenario ${scn.name}: /proc could not be read with the connections open`)
    return {
      scenario: scn.name,
      impl,
      label,
      round,
      pid: server.pid,
      headMasked: maskedHead(first),
      connections: c.result.connections,
      connectMs: c.result.connectMs,
      kbPerConn: (atIdle.rssKB - before.rssKB) / c.result.connections,
      baseRssMB: before.rssKB / 1024,
      rssMB: atIdle.rssKB / 1024,
      hwmMB: atIdle.hwmKB / 1024,
    }
  } finally {
    await server.stop()
  }
}

// stream-up / stream-down: fresh server, correctness gate, then one large body moved by the
// client process; server CPU and /proc/stat are read when the request starts and ends, the
// server's peak RSS after.
async function runStreamOne(scn, impl, label, round, opts) {
  const server = await startImplServer(scn, impl, opts)
  try {
    const first = await gateServer(scn, server, impl, label)
    const { res, w0, w1 } = await clientWindow(scn, server, label, opts,
      ['--direction', scn.direction, '--bytes', String(scn.count)], 150000, memoryFailure)
    const mem = proc.processMemory(server.pid)
    const clientCpuMs = res.clientCpuUs / 1000
    const { serverCpuMs, serverCpuPct, otherPct, stealPct } = windowStats(w0, w1, clientCpuMs)
    return {
      scenario: scn.name,
      impl,
      label,
      round,
      pid: server.pid,
      headMasked: maskedHead(first),
      bytes: res.bytes,
      wallMs: res.wallMs,
      mibps: res.bytes / 2 ** 20 / (res.wallMs / 1000),
      hwmMB: mem.hwmKB / 1024,
      rssMB: mem.rssKB / 1024,
      serverCpuMs,
      cpuMsPerGiB: serverCpuMs / (res.bytes / 2 ** 30),
      serverCpuPct,
      clientCpuPct: (clientCpuMs / res.wallMs) * 100,
      otherPct,
      stealPct,
    }
  } finally {
    await server.stop()
  }
}

// The first failure a client process reported, for the user: it is a bug in that client.
function clientFailure(label, scn, c, gate) {
  const where = `${label} client failed in scenario ${scn.name}${gate ? ' (correctness gate)' : ''}`
  const r = c.result
  if (r && !r.ok && r.error) {
    const e = r.error
    const stack = e.stack ? `\n${e.stack.split('\n').slice(0, 12).map((l) => `      ${l}`).join('\n')}` : ''
    const hint = e.code === 'ERR_METHOD_NOT_IMPLEMENTED' ? `\n  ${label}'s client is not implemented yet; measure the others with --impls node,undici` : ''
    const without = `\n  (to measure without this client: --scenarios client-get,client-post64k --impls node,undici, or only the server scenarios: --scenarios hello,close,headers,post-echo,pipeline)`
    return `${where}${gate ? '' : ` during the ${r.phase}`} after ${r.answered} good response(s)${e.uncaught ? ', uncaught exception' : ''}: ` +
      `${e.code ? `${e.code}: ` : ''}${e.message}${stack}` +
      `${c.stderr.trim() ? `\n  stderr: ${c.stderr.trim().slice(-2000)}` : ''}${hint || without}`
  }
  const how = c.timedOut ? `was killed after ${c.timeoutMs} ms` : `exited with code ${c.code}${c.signal ? `, signal ${c.signal}` : ''} without a result`
  return `${where}: the client process ${how}\n${c.stderr.trim().slice(-3000)}${c.stdout ? `\n${c.stdout}` : ''}`
}

// The server's own count must match what the client says it got answered: the
// requests really were made, with the scenario's method and body size.
function checkServerStats(stats, res, scn, label) {
  const total = res.requests + res.warmupRequests
  const problems = []
  if (stats.requests !== total) problems.push(`the server received ${stats.requests} requests, the client counted ${total} good responses`)
  if ((stats.byMethod[scn.method] || 0) !== stats.requests) problems.push(`methods ${JSON.stringify(stats.byMethod)}, want only ${scn.method}`)
  if (stats.minBody !== scn.bodyBytes || stats.maxBody !== scn.bodyBytes || stats.bodyBytes !== stats.requests * scn.bodyBytes) {
    problems.push(`request bodies of ${stats.minBody}..${stats.maxBody} bytes (${stats.bodyBytes} in all), want ${scn.bodyBytes} each`)
  }
  if (stats.badRequests > 0) problems.push(`${stats.badRequests} unparsable request(s)`)
  if (problems.length) throw new CheckError(`${label} client in scenario ${scn.name} made wrong requests: ${problems.join('; ')}`)
}

// One client run: fresh target server, fresh client process (warm-up + measured window
// inside it), server CPU and /proc/stat read when the window starts and ends.
// gate: a short check run (GATE_MAX_REQUESTS requests), nothing measured.
async function runClientOne(scn, impl, label, round, opts, gate = false) {
  const server = await startServer(scn.server, ['0'], { name: 'client-target', cpu: opts.pinned ? SERVER_CPU : null })
  try {
    const { script } = resolveClient(impl)
    const durationMs = gate ? GATE_MAX_MS : opts.duration * 1000
    const warmupMs = gate ? 0 : opts.warmup * 1000
    const args = [impl, scn.name, String(server.port), '--concurrency', String(opts.connections),
      '--duration-ms', String(durationMs), '--warmup-ms', String(warmupMs),
      ...(gate ? ['--max-requests', String(GATE_MAX_REQUESTS)] : [])]
    const snap = () => windowSnapshot(server.pid)
    let w0 = null
    let w1 = null
    const c = await runClientChild(script, args, {
      cpu: opts.pinned ? CLIENT_CPU : null,
      env: opts.env,
      timeoutMs: durationMs + warmupMs + 20000, // + process start and the client's 5 s drain limit
      onStart: () => { w0 = snap() },
      onResult: () => { w1 = snap() },
    })
    if (!c.result || !c.result.ok || c.code !== 0) throw new CheckError(clientFailure(label, scn, c, gate))
    if (!server.alive()) throw new Error(`client-target server died during scenario ${scn.name} (${label} client): ${server.stderr.text}`)
    const stats = JSON.parse(await server.query('stats'))
    checkServerStats(stats, c.result, scn, label)
    if (gate) return null

    const res = c.result
    const clientCpuMs = (res.cpuUserUs + res.cpuSystemUs) / 1000
    // run.js's view of the client's window, for the /proc figures
    const { windowMs, serverCpuMs, serverCpuPct, otherPct, softirqPct, stealPct } = windowStats(w0, w1, clientCpuMs)
    return {
      scenario: scn.name,
      impl,
      label,
      round,
      pid: c.pid,
      module: res.module,
      moduleVersion: res.version || null,
      requests: res.requests,
      warmupRequests: res.warmupRequests,
      wallMs: res.wallMs,
      rps: (res.requests * 1000) / res.wallMs,
      cpuUserUs: res.cpuUserUs,
      cpuSystemUs: res.cpuSystemUs,
      cpuUsPerReq: res.requests > 0 ? (clientCpuMs * 1000) / res.requests : null,
      clientCpuPct: (clientCpuMs / res.wallMs) * 100,
      latencyMs: res.latencyMs,
      p99Ms: res.latencyMs.p99,
      rssMB: res.rssKB / 1024,
      hwmMB: res.maxRssKB / 1024,
      windowMs,
      serverCpuMs,
      serverCpuPct,
      serverCpuUsPerReq: res.requests > 0 ? (serverCpuMs * 1000) / res.requests : null,
      otherPct,
      softirqPct,
      stealPct,
      server: {
        connections: stats.connections,
        requests: stats.requests,
        byMethod: stats.byMethod,
        bodyBytes: stats.bodyBytes,
        chunked: stats.chunked,
        closeRequested: stats.closeRequested,
      },
      requestHead: stats.firstHead[scn.method] || null,
    }
  } finally {
    await server.stop()
  }
}

// Before any measurement: every client implementation makes a few hundred requests of
// each client scenario, answered and counted right, or the run stops (exit code 2).
async function gateClients(scenarios, opts) {
  for (const scn of scenarios.filter((s) => s.kind === 'client')) {
    const impls = implsOf(scn, opts)
    const labels = labelsFor(impls)
    for (let i = 0; i < impls.length; i++) await runClientOne(scn, impls[i], labels[i], 0, opts, true)
  }
}

// One line per kind of problem, naming the worst run.
const at = (r) => `${r.label} round ${r.round}`

// worst(key, pred, say): one line for the runs matching pred, naming the worst.
function worstReporter(runs, out) {
  return (key, pred, say) => {
    const hit = runs.filter(pred)
    if (hit.length === 0) return
    const w = hit.reduce((a, b) => (b[key] > a[key] ? b : a))
    out.push(`${say(w)} in ${hit.length} of ${runs.length} runs (worst: ${at(w)}, ${w[key].toFixed(0)}% of a core)`)
  }
}

// The machine-load warnings every scenario kind shares.
function worstNeighbours(worst) {
  worst('otherPct', (r) => r.otherPct >= 25, () => 'noisy neighbour: other processes used >= 25% of a core')
  worst('stealPct', (r) => r.stealPct >= 10, () => 'hypervisor steal >= 10% of a core')
}

function runWarnings(runs, labels, opts) {
  const out = []
  const worst = worstReporter(runs, out)
  worst('wrkCpuPct', (r) => r.wrkCpuPct !== null && r.wrkCpuPct >= 95 * opts.threads,
    () => 'client-bound: wrk, not the server, was the limit')
  worstNeighbours(worst)
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

function wsWarnings(runs, labels) {
  const out = []
  const worst = worstReporter(runs, out)
  worst('clientCpuPct', (r) => r.clientCpuPct >= 95, () => 'client-bound: the ws client process, not the server, was the limit')
  worstNeighbours(worst)
  const base = runs.find((r) => r.label === labels[0])
  for (const label of labels.slice(1)) {
    const other = runs.find((r) => r.label === label)
    if (base && other && base.headMasked !== other.headMasked) {
      out.push(`101 response heads differ:\n      ${labels[0]}: ${JSON.stringify(base.headMasked)}\n      ${label}: ${JSON.stringify(other.headMasked)}`)
    }
  }
  return out
}

function streamWarnings(runs) {
  const out = []
  const worst = worstReporter(runs, out)
  worst('clientCpuPct', (r) => r.clientCpuPct >= 95, () => 'client-bound: the stream client process, not the server, was the limit')
  worstNeighbours(worst)
  return out
}

const noWarnings = () => []

function warningsFor(kind) {
  return { client: clientWarnings, ws: wsWarnings, idle: noWarnings, stream: streamWarnings }[kind] || runWarnings
}

function clientWarnings(runs, labels, opts) {
  const out = []
  const worst = worstReporter(runs, out)
  worst('serverCpuPct', (r) => r.serverCpuPct >= 90, () => 'server-bound: the target server, not the client, was near the limit')
  worstNeighbours(worst)
  for (const r of runs) {
    if (r.server.closeRequested > 0) out.push(`${at(r)}: ${r.server.closeRequested} request(s) sent Connection: close despite the keep-alive agent`)
    if (r.server.connections > opts.connections) {
      out.push(`${at(r)}: the client opened ${r.server.connections} TCP connections for ${opts.connections} in flight: keep-alive sockets were not all reused`)
    }
  }
  // Clients of the node:http API (node, rhttp, paths) should send the same request bytes.
  const mask = (h) => h && h.replace(/^(host:\s*127\.0\.0\.1:)\d+$/im, '$1<port>')
  const apiRuns = runs.filter((r) => r.impl !== 'undici' && r.requestHead)
  const base = apiRuns[0]
  if (base) {
    for (const label of labels) {
      const other = apiRuns.find((r) => r.label === label)
      if (other && other.label !== base.label && mask(other.requestHead) !== mask(base.requestHead)) {
        out.push(`request heads differ:\n      ${base.label}: ${JSON.stringify(mask(base.requestHead))}\n      ${label}: ${JSON.stringify(mask(other.requestHead))}`)
      }
    }
  }
  return out
}

function clientProgress(r, scn, opts) {
  const f = (x, d = 0) => (x === null || x === undefined ? '-' : x.toFixed(d))
  log(`[${scn.name} ${r.round}/${opts.rounds}] ${r.label.padEnd(8)} ${Math.round(r.rps).toLocaleString('en-US').padStart(9)} req/s` +
    `  ${f(r.cpuUsPerReq, 1)} µs/req  p99 ${f(r.p99Ms, 2)} ms  rss ${f(r.rssMB, 1)} MB` +
    `  client ${f(r.clientCpuPct)}%  server ${f(r.serverCpuPct)}%  other ${f(r.otherPct)}%`)
}

function wsProgress(r, scn, opts) {
  const f = (x, d = 0) => (x === null || x === undefined ? '-' : x.toFixed(d))
  log(`[${scn.name} ${r.round}/${opts.rounds}] ${r.label.padEnd(8)} ${Math.round(r.rps).toLocaleString('en-US').padStart(9)} msg/s` +
    `  p99 ${f(r.p99Ms, 2)} ms  ${f(r.cpuUsPerReq, 1)} µs/msg  rss ${f(r.rssMB, 1)} MB` +
    `  server ${f(r.serverCpuPct)}%  client ${f(r.clientCpuPct)}%  other ${f(r.otherPct)}%`)
}

function idleProgress(r, scn, opts) {
  log(`[${scn.name} ${r.round}/${opts.rounds}] ${r.label.padEnd(8)} ${r.connections} idle connections: ` +
    `${r.kbPerConn.toFixed(2)} KB each  rss ${r.baseRssMB.toFixed(1)} → ${r.rssMB.toFixed(1)} MB  opened in ${Math.round(r.connectMs)} ms`)
}

function streamProgress(r, scn, opts) {
  log(`[${scn.name} ${r.round}/${opts.rounds}] ${r.label.padEnd(8)} ${Math.round(r.mibps).toLocaleString('en-US').padStart(6)} MiB/s` +
    `  peak rss ${r.hwmMB.toFixed(1)} MB  ${Math.round(r.cpuMsPerGiB)} CPU-ms/GiB  server ${r.serverCpuPct.toFixed(0)}%` +
    `  client ${r.clientCpuPct.toFixed(0)}%  other ${r.otherPct.toFixed(0)}%`)
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
      const labels = scn.labels || res.labels // per scenario since the client scenarios
      const kind = scn.kind || 'server'
      res.summary[scn.name] = summarizeScenario(runs, labels, kind)
      res.warnings[scn.name] = warningsFor(kind)(runs, labels, res.options)
    }
    printResult(res)
    if (opts.compare) {
      const file = resolveCompare(opts.compare, opts.report)
      printCompare(loadResult(file), res, file)
    }
    return 0
  }

  const scenarios = selectScenarios(opts.scenarios).map((s) => {
    const impls = implsOf(s, opts)
    // count: connections (idle) or bytes (stream) of this run.
    const count = s.kind === 'idle' ? (opts.smoke ? s.smokeConnections : s.connections)
      : s.kind === 'stream' ? (opts.smoke ? s.smokeBytes : s.bytes) : undefined
    return { ...s, impls, labels: labelsFor(impls), ...(count === undefined ? {} : { count }) }
  })
  preflight(opts, scenarios)
  checkLoadable(scenarios, opts)
  const outFile = opts.save ? (opts.out || path.join(RESULTS, `${timestamp()}.json`)) : null
  const compareFile = opts.compare ? resolveCompare(opts.compare, outFile) : null
  const compareWith = compareFile ? loadResult(compareFile) : null

  const runSeconds = (s) => (MEMORY_RUN_S[s.kind] ? (opts.smoke ? MEMORY_SMOKE_RUN_S : MEMORY_RUN_S)[s.kind]
    : opts.duration + opts.warmup +
      (s.app ? PER_APP_RUN_OVERHEAD_S[s.name] : s.kind === 'client' ? PER_CLIENT_RUN_OVERHEAD_S : PER_RUN_OVERHEAD_S))
  const gateSeconds = (s) => (s.kind === 'client' ? s.impls.length * (PER_CLIENT_RUN_OVERHEAD_S + 0.1) : 0)
  const estimate = scenarios.reduce((t, s) => t + opts.rounds * s.impls.length * runSeconds(s) + gateSeconds(s), 0)
  const groups = []
  for (const s of scenarios) {
    const vs = s.labels.join(' vs ')
    const g = groups.find((x) => x.vs === vs)
    if (g) g.names.push(s.name)
    else groups.push({ vs, names: [s.name] })
  }
  log(`rhttp benchmark: ${groups.map((g) => `${g.names.join(', ')} × ${g.vs}`).join('; ')}, ` +
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
    labels: [...new Set(scenarios.flatMap((s) => s.labels))], // every label; each scenario has its own list
    scenarios: scenarios.map((s) => ({
      name: s.name,
      kind: s.kind,
      desc: s.desc,
      server: s.server,
      wrk: s.wrk,
      impls: s.impls,
      labels: s.labels,
      ...(s.kind === 'client' ? { method: s.method, bodyBytes: s.bodyBytes, concurrency: opts.connections } : {}),
      ...(s.app ? { app: true, switch: { node: 'node <app>', rhttp: 'node -r <repo>/register.js <app>' } } : {}),
      ...(s.kind === 'ws' ? { client: s.client, messageBytes: s.messageBytes, connections: opts.connections } : {}),
      ...(s.kind === 'idle' ? { client: s.client, count: s.count } : {}),
      ...(s.kind === 'stream' ? { client: s.client, direction: s.direction, count: s.count } : {}),
    })),
    runs: [],
    summary: {},
    warnings: {},
  }

  if (scenarios.some((s) => s.kind === 'client')) {
    log('client correctness gate: each client makes a few hundred requests of each client scenario')
    await gateClients(scenarios, opts)
  }

  for (const scn of scenarios) {
    const runs = []
    const [runFn, progressFn] = {
      client: [runClientOne, clientProgress],
      ws: [runWsOne, wsProgress],
      idle: [runIdleOne, idleProgress],
      stream: [runStreamOne, streamProgress],
    }[scn.kind] || [runOne, progress]
    for (let round = 1; round <= opts.rounds; round++) {
      for (let i = 0; i < scn.impls.length; i++) { // A/B alternation within each round
        const r = await runFn(scn, scn.impls[i], scn.labels[i], round, opts)
        progressFn(r, scn, opts)
        runs.push(r)
      }
    }
    result.runs.push(...runs)
    result.summary[scn.name] = summarizeScenario(runs, scn.labels, scn.kind)
    result.warnings[scn.name] = warningsFor(scn.kind)(runs, scn.labels, opts)
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
