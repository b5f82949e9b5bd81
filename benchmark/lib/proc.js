'use strict'
// /proc readers. Times are in clock ticks (CLK_TCK, normally 100/s).
const fs = require('node:fs')
const { spawnSync } = require('node:child_process')

let clkTck = null
function clockTicks() {
  if (clkTck === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 })
    const n = Number((r.stdout || '').trim())
    clkTck = Number.isInteger(n) && n > 0 ? n : 100
  }
  return clkTck
}

// utime+stime of a process: all its threads, live and exited.
function processCpuTicks(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ') // comm may contain spaces
  return Number(f[11]) + Number(f[12]) // fields 14 and 15 of stat(5)
}

// VmRSS and VmHWM (peak) in KiB.
function processMemory(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'latin1')
  const kb = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(s)
    return m ? Number(m[1]) : null
  }
  return { rssKB: kb('VmRSS'), hwmKB: kb('VmHWM') }
}

// Whole-machine CPU counters (all cores summed), first line of /proc/stat.
function systemCpu() {
  const line = fs.readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
  return { user, nice, system, idle, iowait, irq, softirq, steal: steal || 0 }
}

// CPU used by everything (busy = user+nice+system+irq+softirq) between two snapshots.
function systemDelta(a, b) {
  const d = (k) => b[k] - a[k]
  return {
    busy: d('user') + d('nice') + d('system') + d('irq') + d('softirq'),
    softirq: d('softirq'),
    steal: d('steal'),
  }
}

// Files mapped into a process (/proc/<pid>/maps): shared libraries and native addons.
function mappedFiles(pid) {
  const files = new Set()
  for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'latin1').split('\n')) {
    const i = line.indexOf('/')
    if (i > 0) files.add(line.slice(i).replace(/ \(deleted\)$/, ''))
  }
  return files
}

module.exports = { mappedFiles, clockTicks, processCpuTicks, processMemory, systemCpu, systemDelta }
