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
const CLIENTS = path.join(__dirname, '../clients')

// `node [...nodeArgs] <script> ...args`, under `taskset -c cpu` when cpu is not null (taskset
// execs: the pid stays node's). nodeArgs: e.g. ['-r', '<repo>/register.js'] (the app scenarios).
function spawnNode(script, args, cpu, env, nodeArgs = []) {
  const argv = [...nodeArgs, script, ...args]
  const [cmd, cmdArgs] = cpu === null ? [process.execPath, argv] : ['taskset', ['-c', String(cpu), process.execPath, ...argv]]
  return spawn(cmd, cmdArgs, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env, RHTTP_BENCH_CHILD: '1' },
  })
}

// Calls onLine for each complete line of a stream.
function lines(stream, onLine) {
  let buf = ''
  stream.setEncoding('utf8')
  stream.on('data', (d) => {
    buf += d
    for (let nl; (nl = buf.indexOf('\n')) >= 0; buf = buf.slice(nl + 1)) onLine(buf.slice(0, nl))
    if (buf.length > 1 << 20) buf = '' // not ours: no line is that long
  })
}

// Starts `node [...nodeArgs] servers/<script> ...args` (server scenarios: args = [impl, '0'];
// app scenarios: args = ['0'], nodeArgs = the preload that picks the implementation) and
// resolves once it printed its port. Later stdout lines are answers to server.query().
function startServer(script, args, { name = script, cpu = null, env = {}, nodeArgs = [], timeoutMs = 10000 } = {}) {
  const child = spawnNode(path.join(SERVERS, script), args, cpu, env, nodeArgs)
  track(child, false)
  const stderr = tail(child.stderr)
  const waiting = [] // resolvers of query()
  const server = {
    pid: child.pid,
    port: null,
    child,
    stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () => stop(child),
    // Writes one line to the server's stdin, resolves with its next stdout line.
    query: (line, ms = 5000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} server did not answer '${line}' within ${ms} ms`)), ms)
      waiting.push((answer) => { clearTimeout(timer); resolve(answer) })
      child.stdin.write(`${line}\n`)
    }),
  }
  return new Promise((resolve, reject) => {
    let failed = false
    const fail = (why) => {
      if (failed || server.port !== null) return
      failed = true
      clearTimeout(timer)
      stop(child).then(() => reject(new Error(`${name} server (${script}) ${why}\n${stderr.text.trim()}`)))
    }
    const timer = setTimeout(() => fail(`did not print its port within ${timeoutMs} ms`), timeoutMs)
    child.on('error', (err) => fail(`failed to start: ${err.message}`))
    child.on('exit', (code, sig) => fail(`exited (code ${code}, signal ${sig}) before listening`))
    lines(child.stdout, (line) => {
      if (failed) return
      if (server.port !== null) {
        const w = waiting.shift()
        if (w) w(line) // anything else it prints is ignored
        return
      }
      const port = Number(line.trim())
      if (!Number.isInteger(port) || port <= 0) return fail(`printed ${JSON.stringify(line)}, not a port`)
      clearTimeout(timer)
      server.port = port
      resolve(server)
    })
  })
}

// Runs `node clients/<script> ...args` to the end. Calls onStart() when the child prints
// {"phase":"start"} (its measured window begins) and onResult() when it prints its result
// line (the window has ended); resolves with its last result line
// (parsed JSON, or null), exit code and stderr tail. Killed after timeoutMs.
function runClientChild(script, args, { cpu = null, env = {}, timeoutMs, onStart = () => {}, onResult = () => {} }) {
  const child = spawnNode(path.join(CLIENTS, script), args, cpu, env)
  track(child, false)
  const stderr = tail(child.stderr)
  let result = null
  const other = [] // stdout lines that are not ours, for the error message
  lines(child.stdout, (line) => {
    let msg = null
    try { msg = JSON.parse(line) } catch { /* not JSON */ }
    if (msg && msg.phase === 'start') {
      onStart()
    } else if (msg && typeof msg.ok === 'boolean') {
      result = msg
      onResult()
    } else if (other.length < 20) {
      other.push(line)
    }
  })
  return new Promise((resolve, reject) => {
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      try { child.kill('SIGKILL') } catch { /* gone */ }
    }, timeoutMs)
    child.on('error', (err) => { clearTimeout(timer); reject(err) })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ result, code, signal, timedOut, timeoutMs, stderr: stderr.text, stdout: other.join('\n'), pid: child.pid })
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

module.exports = { installCleanup, killAll, startServer, runWrk, runClientChild }
