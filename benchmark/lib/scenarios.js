'use strict'
const path = require('node:path')
const check = require('./check')

const LUA = path.join(__dirname, '../lua')

// Server scenarios: server script (in servers/), extra wrk arguments, and the correctness check.
const SERVER_SCENARIOS = [
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
].map((s) => ({ kind: 'server', ...s }))

// Client scenarios: the implementation is the client (clients/*.js), the server is the
// same raw-net responder for all of them (servers/client-target.js).
const CLIENT_SCENARIOS = [
  { name: 'client-get', desc: 'client: keep-alive GET /, response 200 \'ok\'', method: 'GET', bodyBytes: 0 },
  { name: 'client-post64k', desc: 'client: keep-alive POST / with a 64 KiB body, response 200 \'ok\'', method: 'POST', bodyBytes: 65536 },
].map((s) => ({ kind: 'client', server: 'client-target.js', wrk: [], ...s }))

const SCENARIOS = [...SERVER_SCENARIOS, ...CLIENT_SCENARIOS]

// Implementations compared when --impls is not given.
const DEFAULT_IMPLS = { server: ['node', 'rhttp'], client: ['node', 'rhttp', 'undici'] }

function selectScenarios(list) {
  if (list.length === 1 && list[0] === 'all') return SCENARIOS
  return list.map((name) => {
    const s = SCENARIOS.find((x) => x.name === name)
    if (!s) throw new Error(`unknown scenario '${name}' (known: ${SCENARIOS.map((x) => x.name).join(', ')}, all)`)
    return s
  })
}

module.exports = { SCENARIOS, SERVER_SCENARIOS, CLIENT_SCENARIOS, DEFAULT_IMPLS, selectScenarios }
