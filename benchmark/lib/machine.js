'use strict'
const os = require('node:os')
const { spawnSync } = require('node:child_process')
const { ROOT } = require('./impl')

function sh(cmd, args, anyStatus = false) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 5000 })
  return r.status === 0 || (anyStatus && r.stdout) ? r.stdout.trim() : null
}

function machineInfo() {
  const commit = sh('git', ['rev-parse', 'HEAD'])
  const dirty = commit ? sh('git', ['status', '--porcelain', '--untracked-files=no']) : null
  let rhttpVersion = null
  try { rhttpVersion = require(`${ROOT}/package.json`).version } catch { /* none */ }
  let undiciVersion = null // the client scenarios' reference
  try { undiciVersion = require('undici/package.json').version } catch { /* not installed */ }
  return {
    cpuModel: os.cpus()[0] ? os.cpus()[0].model : null,
    nproc: os.availableParallelism(),
    totalMemMB: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    node: process.version,
    wrk: (sh('wrk', ['-v'], true) || '').split('\n')[0] || null, // wrk -v exits 1
    gitCommit: commit,
    gitDirty: dirty === null ? null : dirty.length > 0,
    rhttpVersion,
    undiciVersion,
    loadavgAtStart: os.loadavg(),
  }
}

module.exports = { machineInfo }
