'use strict'
// Summaries (median, min–max over rounds, ratios vs the first implementation) and plain-text tables.
const { summarize, ratio } = require('./stats')

const f0 = (x) => Math.round(x).toLocaleString('en-US')
const f1 = (x) => x.toFixed(1)
const f2 = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))

// ratio: shown in the rhttp/node columns. ↑ higher is better, ↓ lower is better.
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

function summarizeScenario(runs, labels) {
  const byLabel = {}
  for (const label of labels) {
    const mine = runs.filter((r) => r.label === label)
    byLabel[label] = { n: mine.length }
    for (const m of METRICS) byLabel[label][m.key] = summarize(mine.map((r) => r[m.key]))
  }
  const ratios = {}
  for (const label of labels.slice(1)) {
    ratios[label] = {}
    for (const m of METRICS.filter((x) => x.ratio)) {
      ratios[label][m.key] = ratio(byLabel[label][m.key].median, byLabel[labels[0]][m.key].median)
    }
  }
  return { byLabel, ratios }
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

function scenarioTable(summary, labels) {
  const base = labels[0]
  const rows = [['', ...labels, ...labels.slice(1).map((l) => `${l}/${base}`)]]
  for (const m of METRICS) {
    rows.push([
      m.label,
      ...labels.map((l) => cell(summary.byLabel[l][m.key], m.fmt)),
      ...labels.slice(1).map((l) => (m.ratio && summary.ratios[l][m.key] !== null ? summary.ratios[l][m.key].toFixed(2) : '')),
    ])
  }
  return table(rows)
}

function header(scn, opts) {
  return `== ${scn.name}: ${scn.desc}\n   wrk -t${opts.threads} -c${opts.connections} -d${opts.duration}s --latency` +
    `${scn.wrk.length ? ' ' + scn.wrk.map((a) => (a.includes(' ') ? `'${a}'` : a.replace(/^.*\/benchmark\//, 'benchmark/'))).join(' ') : ''}` +
    `, ${opts.rounds} round(s), median (min–max)${opts.pinned ? ', pinned' : ''}`
}

function printResult(result, out = process.stdout) {
  const { options: opts, labels } = result
  for (const scn of result.scenarios) {
    const summary = result.summary[scn.name]
    if (!summary) continue
    out.write(`\n${header(scn, opts)}\n${scenarioTable(summary, labels)}\n`)
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
    const labels = newRes.labels.filter((l) => a.byLabel[l])
    if (labels.length === 0) { out.write(`\n-- ${scn.name}: no implementation in common\n`); continue }
    const ratioLabels = labels.filter((l) => a.ratios[l] && b.ratios[l])
    const rows = [['', ...labels, ...ratioLabels.map((l) => `${l}/${newRes.labels[0]}`)]]
    for (const m of METRICS.filter((x) => x.ratio)) {
      const cells = labels.map((l) => {
        const o = a.byLabel[l][m.key]
        const n = b.byLabel[l][m.key]
        if (o.median === null || n.median === null) return '-'
        const overlap = o.min <= n.max && n.min <= o.max
        return `${m.fmt(o.median)} → ${m.fmt(n.median)} (${pct(o.median, n.median)}${overlap ? ' ~' : ''})`
      })
      const ratios = ratioLabels.map((l) => {
        const o = a.ratios[l][m.key]
        const n = b.ratios[l][m.key]
        return o === null || n === null ? '-' : `${o.toFixed(2)} → ${n.toFixed(2)}`
      })
      rows.push([m.label, ...cells, ...ratios])
    }
    out.write(`\n-- ${scn.name}\n${table(rows)}\n`)
  }
}

module.exports = { METRICS, summarizeScenario, scenarioTable, printResult, printCompare }
