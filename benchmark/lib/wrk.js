'use strict'
// Parses wrk 4.x text output (run with --latency).

const TIME_MS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 }

function timeMs(s) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s)
  if (!m) throw new Error(`cannot parse wrk time '${s}'`)
  return Number(m[1]) * TIME_MS[m[2]]
}

function parseWrk(out) {
  const num = (re) => {
    const m = re.exec(out)
    return m ? Number(m[1]) : null
  }
  const rps = num(/^Requests\/sec:\s+([\d.]+)/m)
  const done = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),/m.exec(out)
  if (rps === null || !done) throw new Error(`unexpected wrk output:\n${out}`)
  const latency = {}
  const dist = /Latency Distribution\n((?:\s+\d+%\s+\S+\n)+)/.exec(out)
  if (!dist) throw new Error(`wrk output has no latency distribution (--latency missing?):\n${out}`)
  // wrk prints 0 for a percentile it has no samples for: that is "unknown", not 0 ms.
  for (const m of dist[1].matchAll(/(\d+)%\s+(\S+)/g)) latency[`p${m[1]}`] = timeMs(m[2]) || null
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  return {
    rps,
    requests: Number(done[1]),
    wrkDurationMs: timeMs(`${done[2]}${done[3]}`),
    latencyMs: latency,
    socketErrors: errs
      ? { connect: Number(errs[1]), read: Number(errs[2]), write: Number(errs[3]), timeout: Number(errs[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) || 0,
  }
}

// Output of the shell's `times` builtin (dash: 0m1.230000s, bash: 0m1.230s):
// the second line is the children's user and system time.
function parseTimes(lines) {
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(lines[1] || '')
  if (!m) return null
  return (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000
}

module.exports = { parseWrk, parseTimes, timeMs }
