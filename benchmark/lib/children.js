'use strict'
// Every child process the benchmark starts: bounded in time, and killed when
// run.js exits for any reason (normal end, SIGINT/SIGTERM, uncaught error).
const path = require('node:path')
const { spawn } = require('node:child_process')
const { parseTimes } = require('./wrk')

const live = new Set() // { pid, group }

function track(child, group) {
  const entry = { pid: child.pid, group }
  live.add(entry)
  child.once('exit', () => live.delete(entry))
  return entry
}

function killAll() {
  for (const { pid, group } of live) {
    try { process.kill(group ? -pid : pid, 'SIGKILL') } catch { /* already gone */ }
  }
  live.clear()
}

function installCleanup() {
  process.on('exit', killAll)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping servers and wrk\n`)
      killAll()
      process.exit(130)
    })
  }
  const fatal = (err) => {
    process.stderr.write(`fatal: ${err && err.stack ? err.stack : err}\n`)
    killAll()
    process.exit(1)
  }
  process.on('uncaughtException', fatal)
  process.on('unhandledRejection', fatal)
}

// Keeps only the tail of a stream: enough for an error message, bounded in memory.
function tail(stream, max = 8192) {
  const t = { text: '' }
  stream.setEncoding('utf8')
  stream.on('data', (d) => { t.text = (t.text + d).slice(-max) })
  return t
}

const SERVERS = path.join(__dirname, '../servers')

// Starts `node servers/<script> <impl> 0` and resolves once it printed its port.
function startServer(script, impl, { cpu = null, env = {}, timeoutMs = 10000 } = {}) {
  const args = [path.join(SERVERS, script), impl, '0']
  const [cmd, argv] = cpu === null
    ? [process.execPath, args]
    : ['taskset', ['-c', String(cpu), process.execPath, ...args]] // taskset execs: pid stays node's
  const child = spawn(cmd, argv, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env, RHTTP_BENCH_CHILD: '1' },
  })
  track(child, false)
  const stderr = tail(child.stderr)
  const server = {
    pid: child.pid,
    port: null,
    child,
    stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () => stop(child),
  }
  return new Promise((resolve, reject) => {
    let out = ''
    let failed = false
    const fail = (why) => {
      if (failed || server.port !== null) return
      failed = true
      clearTimeout(timer)
      stop(child).then(() => reject(new Error(`${impl} server (${script}) ${why}\n${stderr.text.trim()}`)))
    }
    const timer = setTimeout(() => fail(`did not print its port within ${timeoutMs} ms`), timeoutMs)
    child.on('error', (err) => fail(`failed to start: ${err.message}`))
    child.on('exit', (code, sig) => fail(`exited (code ${code}, signal ${sig}) before listening`))
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d) => {
      if (server.port !== null || failed) return
      out += d
      const nl = out.indexOf('\n')
      if (nl < 0) return
      const port = Number(out.slice(0, nl).trim())
      if (!Number.isInteger(port) || port <= 0) return fail(`printed ${JSON.stringify(out.slice(0, nl))}, not a port`)
      clearTimeout(timer)
      server.port = port
      child.stdout.resume() // ignore anything else it prints
      resolve(server)
    })
  })
}

// SIGTERM, then SIGKILL after 2 s.
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => { try { child.kill('SIGKILL') } catch { /* gone */ } }, 2000)
    child.once('exit', () => { clearTimeout(timer); resolve() })
    try { child.kill('SIGTERM') } catch { /* gone */ }
    try { child.stdin.destroy() } catch { /* gone */ }
  })
}

// Runs wrk under `sh -c '...; times'` so we also get wrk's own CPU time
// (user+sys of the finished child) without racing its exit.
function runWrk(wrkArgs, { cpu = null, timeoutMs }) {
  const cmd = [...(cpu === null ? [] : ['taskset', '-c', String(cpu)]), 'wrk', ...wrkArgs]
  const child = spawn('/bin/sh', ['-c', '"$@"; s=$?; times; exit $s', 'sh', ...cmd], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so a timeout kills wrk too, not only sh
  })
  track(child, true)
  const stderr = tail(child.stderr)
  let stdout = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d) => { if (stdout.length < 1 << 20) stdout += d })
  const start = process.hrtime.bigint()
  return new Promise((resolve, reject) => {
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      try { process.kill(-child.pid, 'SIGKILL') } catch { /* gone */ }
    }, timeoutMs)
    child.on('error', (err) => { clearTimeout(timer); reject(err) })
    child.on('close', (code) => {
      clearTimeout(timer)
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6
      if (timedOut) return reject(new Error(`wrk did not finish within ${timeoutMs} ms`))
      const lines = stdout.trimEnd().split('\n')
      const wrkCpuMs = parseTimes(lines.slice(-2))
      const output = lines.slice(0, -2).join('\n')
      if (code !== 0) return reject(new Error(`wrk exited with code ${code}: ${stderr.text.trim()}\n${output}`))
      resolve({ output, wrkCpuMs, wallMs })
    })
  })
}

module.exports = { installCleanup, killAll, startServer, runWrk }
