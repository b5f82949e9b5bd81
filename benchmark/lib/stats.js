'use strict'

function median(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return null
  const h = s.length >> 1
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2
}

function summarize(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x))
  if (s.length === 0) return { median: null, min: null, max: null }
  return { median: median(s), min: Math.min(...s), max: Math.max(...s) }
}

function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && b !== 0 ? a / b : null
}

module.exports = { median, summarize, ratio }
