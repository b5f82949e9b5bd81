'use strict'
// Summaries (median, min–max over rounds, ratios vs the first implementation) and plain-text tables.
const { summarize, ratio } = require('./stats')

const f0 = (x) => Math.round(x).toLocaleString('en-US')
const f1 = (x) => x.toFixed(1)
const f2 = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))

// ratio: shown in the rhttp/node columns. ↑ higher is better, ↓ lower is better.
// Server scenarios (wrk drives a server of each implementation).
const METRICS = [
  { key: 'rps', label: 'req/s ↑', fmt: f0, ratio: true },
  { key: 'p99Ms', label: 'p99 latency ms ↓', fmt: f2, ratio: true },
  { key: 'cpuUsPerReq', label: 'server CPU µs/req ↓', fmt: f1, ratio: true },
  { key: 'rssMB', label: 'RSS MB (end) ↓', fmt: f1, ratio: true },
  { key: 'hwmMB', label: 'peak RSS MB ↓', fmt: f1, ratio: true },
  { key: 'serverCpuPct', label: 'server CPU % of a core', fmt: f0 },
  { key: 'wrkCpuPct', label: 'wrk CPU % of a core', fmt: f0 },
  { key: 'otherPct', label: 'other procs % of a core', fmt: f0 },
  { key: 'stealPct', label: 'steal % of a core', fmt: f0 },
]

// Client scenarios (each implementation is the client of the same raw-net server).
const CLIENT_METRICS = [
  { key: 'rps', label: 'req/s ↑', fmt: f0, ratio: true },
  { key: 'cpuUsPerReq', label: 'client CPU µs/req ↓', fmt: f1, ratio: true },
  { key: 'p99Ms', label: 'p99 latency ms ↓', fmt: f2, ratio: true },
  { key: 'rssMB', label: 'client RSS MB (end) ↓', fmt: f1, ratio: true },
  { key: 'hwmMB', label: 'client peak RSS MB ↓', fmt: f1, ratio: true },
  { key: 'clientCpuPct', label: 'client CPU % of a core', fmt: f0 },
  { key: 'serverCpuPct', label: 'server CPU % of a core', fmt: f0 },
  { key: 'otherPct', label: 'other procs % of a core', fmt: f0 },
  { key: 'stealPct', label: 'steal % of a core', fmt: f0 },
]

// ws scenarios (ws-echo: the ws client process drives a server of each implementation).
// rps = messages (echoes) per second, cpuUsPerReq = the server's CPU per message.
const WS_METRICS = [
  { key: 'rps', label: 'msg/s ↑', fmt: f0, ratio: true },
  { key: 'p99Ms', label: 'p99 echo latency ms ↓', fmt: f2, ratio: true },
  { key: 'cpuUsPerReq', label: 'server CPU µs/msg ↓', fmt: f1, ratio: true },
  { key: 'rssMB', label: 'RSS MB (end) ↓', fmt: f1, ratio: true },
  { key: 'hwmMB', label: 'peak RSS MB ↓', fmt: f1, ratio: true },
  { key: 'serverCpuPct', label: 'server CPU % of a core', fmt: f0 },
  { key: 'clientCpuPct', label: 'client CPU % of a core', fmt: f0 },
  { key: 'clientCpuUsPerMsg', label: 'client CPU µs/msg', fmt: f1 },
  { key: 'otherPct', label: 'other procs % of a core', fmt: f0 },
  { key: 'stealPct', label: 'steal % of a core', fmt: f0 },
]

// idle-conns: server RSS per idle keep-alive connection (RSS with all open minus RSS before
// the client connected, over the connection count).
const IDLE_METRICS = [
  { key: 'kbPerConn', label: 'RSS KB per idle connection ↓', fmt: f2, ratio: true },
  { key: 'rssMB', label: 'RSS MB, all open ↓', fmt: f1, ratio: true },
  { key: 'baseRssMB', label: 'RSS MB before', fmt: f1 },
  { key: 'connectMs', label: 'ms to open all', fmt: f0 },
]

// stream-up / stream-down: one large body; peak RSS is the server's VmHWM.
const STREAM_METRICS = [
  { key: 'mibps', label: 'MiB/s ↑', fmt: f0, ratio: true },
  { key: 'hwmMB', label: 'peak RSS MB ↓', fmt: f1, ratio: true },
  { key: 'cpuMsPerGiB', label: 'server CPU ms/GiB ↓', fmt: f0, ratio: true },
  { key: 'serverCpuPct', label: 'server CPU % of a core', fmt: f0 },
  { key: 'clientCpuPct', label: 'client CPU % of a core', fmt: f0 },
  { key: 'otherPct', label: 'other procs % of a core', fmt: f0 },
  { key: 'stealPct', label: 'steal % of a core', fmt: f0 },
]

const kindOf = (scn) => scn.kind || 'server' // result files from before the client scenarios have no kind
const METRICS_BY_KIND = { client: CLIENT_METRICS, ws: WS_METRICS, idle: IDLE_METRICS, stream: STREAM_METRICS }
const metricsFor = (kind) => METRICS_BY_KIND[kind] || METRICS
const labelsOf = (scn, result) => scn.labels || result.labels

// Ratio columns: every implementation vs the first (the baseline); in client scenarios
// also rhttp/undici when neither is the baseline.
function ratioPairs(labels, kind) {
  const base = labels[0]
  const pairs = labels.slice(1).map((l) => ({ name: `${l}/${base}`, a: l, b: base }))
  if (kind === 'client' && base !== 'rhttp' && base !== 'undici' && labels.includes('rhttp') && labels.includes('undici')) {
    pairs.push({ name: 'rhttp/undici', a: 'rhttp', b: 'undici', extra: true })
  }
  return pairs
}

// ratios: { <label>: vs the baseline } (as in every result file); pairRatios: { 'rhttp/undici': ... }.
function summarizeScenario(runs, labels, kind = 'server') {
  const metrics = metricsFor(kind)
  const byLabel = {}
  for (const label of labels) {
    const mine = runs.filter((r) => r.label === label)
    byLabel[label] = { n: mine.length }
    for (const m of metrics) byLabel[label][m.key] = summarize(mine.map((r) => r[m.key]))
  }
  const ratios = {}
  const pairRatios = {}
  for (const p of ratioPairs(labels, kind)) {
    const into = p.extra ? (pairRatios[p.name] = {}) : (ratios[p.a] = {})
    for (const m of metrics.filter((x) => x.ratio)) {
      into[m.key] = ratio(byLabel[p.a][m.key].median, byLabel[p.b][m.key].median)
    }
  }
  return { byLabel, ratios, pairRatios }
}

function pairRatio(summary, p) {
  return p.extra ? (summary.pairRatios || {})[p.name] : summary.ratios[p.a]
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('   ').trimEnd()).join('\n')
}

function cell(s, fmt) {
  if (s.median === null) return '-'
  if (s.min === s.max) return fmt(s.median)
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`
}

function scenarioTable(summary, labels, kind = 'server') {
  const pairs = ratioPairs(labels, kind).filter((p) => pairRatio(summary, p))
  const rows = [['', ...labels, ...pairs.map((p) => p.name)]]
  for (const m of metricsFor(kind)) {
    rows.push([
      m.label,
      ...labels.map((l) => cell(summary.byLabel[l][m.key], m.fmt)),
      ...pairs.map((p) => {
        const r = pairRatio(summary, p)[m.key]
        return m.ratio && typeof r === 'number' ? r.toFixed(2) : ''
      }),
    ])
  }
  return table(rows)
}

function header(scn, opts) {
  if (kindOf(scn) === 'client') {
    const warm = opts.warmup > 0 ? ` (+${opts.warmup} s warm-up)` : ''
    return `== ${scn.name}: ${scn.desc}\n   ${opts.connections} requests in flight over keep-alive (http.Agent maxSockets / undici.Pool connections ${opts.connections}), ` +
      `${opts.rounds} round(s) × ${opts.duration} s${warm}, median (min–max)${opts.pinned ? ', pinned' : ''}\n` +
      '   server: benchmark/servers/client-target.js (raw net responder, its own process); CPU = the client process, all threads'
  }
  if (kindOf(scn) === 'ws') {
    const warm = opts.warmup > 0 ? ` (+${opts.warmup} s warm-up)` : ''
    return `== ${scn.name}: ${scn.desc}\n   benchmark/clients/${scn.client} (ws client on core http): ${scn.connections || opts.connections} connections, ` +
      `one ${scn.messageBytes}-byte message in flight on each, ${opts.rounds} round(s) × ${opts.duration} s${warm}, median (min–max)${opts.pinned ? ', pinned' : ''}`
  }
  if (kindOf(scn) === 'idle') {
    return `== ${scn.name}: ${scn.desc}\n   benchmark/clients/${scn.client} (raw net): ${(scn.count || scn.connections).toLocaleString('en-US')} connections, ` +
      `${opts.rounds} round(s), median (min–max)${opts.pinned ? ', pinned' : ''}`
  }
  if (kindOf(scn) === 'stream') {
    return `== ${scn.name}: ${scn.desc}\n   benchmark/clients/${scn.client} (core http): ${((scn.count || scn.bytes) / 2 ** 20).toLocaleString('en-US')} MiB per run, ` +
      `${opts.rounds} round(s), median (min–max)${opts.pinned ? ', pinned' : ''}`
  }
  return `== ${scn.name}: ${scn.desc}\n   wrk -t${opts.threads} -c${opts.connections} -d${opts.duration}s --latency` +
    `${scn.wrk.length ? ' ' + scn.wrk.map((a) => (a.includes(' ') ? `'${a}'` : a.replace(/^.*\/benchmark\//, 'benchmark/'))).join(' ') : ''}` +
    `, ${opts.rounds} round(s), median (min–max)${opts.pinned ? ', pinned' : ''}`
}

function printResult(result, out = process.stdout) {
  const { options: opts } = result
  for (const scn of result.scenarios) {
    const summary = result.summary[scn.name]
    if (!summary) continue
    out.write(`\n${header(scn, opts)}\n${scenarioTable(summary, labelsOf(scn, result), kindOf(scn))}\n`)
    for (const w of result.warnings[scn.name] || []) out.write(`  ! ${w}\n`)
  }
}

function pct(a, b) {
  if (typeof a !== 'number' || typeof b !== 'number' || a === 0) return ''
  const p = ((b - a) / a) * 100
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`
}

// Change of each median vs an older result. "~" marks a change whose min–max ranges overlap (likely noise).
function printCompare(oldRes, newRes, oldName, out = process.stdout) {
  out.write(`\n== compared with ${oldName} (${oldRes.startedAt}, commit ${(oldRes.machine.gitCommit || 'n/a').slice(0, 10)})\n`)
  out.write('   old → new median (change); ~ = min–max ranges overlap, likely noise\n')
  for (const scn of newRes.scenarios) {
    const a = oldRes.summary[scn.name]
    const b = newRes.summary[scn.name]
    if (!a || !b) { out.write(`\n-- ${scn.name}: not in both results\n`); continue }
    const kind = kindOf(scn)
    const newLabels = labelsOf(scn, newRes)
    const labels = newLabels.filter((l) => a.byLabel[l])
    if (labels.length === 0) { out.write(`\n-- ${scn.name}: no implementation in common\n`); continue }
    // A ratio is comparable only with the same baseline.
    const oldScn = (oldRes.scenarios || []).find((x) => x.name === scn.name) || {}
    const sameBase = labelsOf(oldScn, oldRes)[0] === newLabels[0]
    const pairs = ratioPairs(newLabels, kind).filter((p) => (sameBase || p.extra) && pairRatio(a, p) && pairRatio(b, p))
    const rows = [['', ...labels, ...pairs.map((p) => p.name)]]
    for (const m of metricsFor(kind).filter((x) => x.ratio)) {
      const cells = labels.map((l) => {
        const o = a.byLabel[l][m.key]
        const n = b.byLabel[l][m.key]
        if (!o || !n || o.median === null || n.median === null) return '-'
        const overlap = o.min <= n.max && n.min <= o.max
        return `${m.fmt(o.median)} → ${m.fmt(n.median)} (${pct(o.median, n.median)}${overlap ? ' ~' : ''})`
      })
      const ratios = pairs.map((p) => {
        const o = pairRatio(a, p)[m.key]
        const n = pairRatio(b, p)[m.key]
        return typeof o !== 'number' || typeof n !== 'number' ? '-' : `${o.toFixed(2)} → ${n.toFixed(2)}`
      })
      rows.push([m.label, ...cells, ...ratios])
    }
    out.write(`\n-- ${scn.name}\n${table(rows)}\n`)
  }
}

module.exports = { METRICS, CLIENT_METRICS, WS_METRICS, IDLE_METRICS, STREAM_METRICS, ratioPairs, summarizeScenario, scenarioTable, printResult, printCompare }
