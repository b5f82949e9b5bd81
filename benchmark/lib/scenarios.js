'use strict'
const path = require('node:path')
const check = require('./check')

const LUA = path.join(__dirname, '../lua')

// Server script (in servers/), extra wrk arguments, and the correctness check.
const SCENARIOS = [
  { name: 'hello', server: 'hello.js', desc: 'GET /, keep-alive', wrk: [], check: check.hello },
  { name: 'close', server: 'hello.js', desc: 'GET /, Connection: close (one TCP connection per request)',
    wrk: ['-H', 'Connection: close'], check: check.hello },
  { name: 'headers', server: 'headers.js', desc: '4 setHeader calls + 1 request header read',
    wrk: ['-H', 'X-Bench: wrk'], check: check.headers },
  { name: 'post-echo', server: 'post-echo.js', desc: '4 KiB POST body echoed',
    wrk: ['-s', path.join(LUA, 'post-echo.lua')], check: check.postEcho },
  // wrk records one latency sample per 16-request batch and its percentiles come out 0: no p99 here.
  { name: 'pipeline', server: 'hello.js', desc: 'GET /, 16 requests pipelined per connection (no p99: wrk cannot time pipelined requests)',
    wrk: ['-s', path.join(LUA, 'pipeline.lua')], check: check.pipeline, latency: false },
]

function selectScenarios(list) {
  if (list.length === 1 && list[0] === 'all') return SCENARIOS
  return list.map((name) => {
    const s = SCENARIOS.find((x) => x.name === name)
    if (!s) throw new Error(`unknown scenario '${name}' (known: ${SCENARIOS.map((x) => x.name).join(', ')}, all)`)
    return s
  })
}

module.exports = { SCENARIOS, selectScenarios }
