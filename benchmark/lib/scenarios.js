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

// App scenarios: an unmodified app (servers/express-app.js, servers/ws-echo.js) whose
// implementation is switched from outside, rhttp by `node -r <repo>/register.js`
// (lib/impl.js appNodeArgs). express is driven by wrk like hello; ws-echo by the ws client
// process clients/ws-echo.js (wrk cannot speak WebSocket).
const APP_SCENARIOS = [
  { name: 'express', kind: 'server', app: true, server: 'express-app.js',
    desc: "Express 5 hello world (app.get('/') → res.send), GET /, keep-alive, rhttp via rhttp/register",
    wrk: [], check: check.express },
  { name: 'ws-echo', kind: 'ws', app: true, server: 'ws-echo.js', client: 'ws-echo.js', messageBytes: 64,
    desc: "ws WebSocketServer({ noServer: true }) on 'upgrade', echo of 64-byte text messages, rhttp via rhttp/register",
    wrk: [], check: check.wsEcho },
]

// Client scenarios: the implementation is the client (clients/*.js), the server is the
// same raw-net responder for all of them (servers/client-target.js).
const CLIENT_SCENARIOS = [
  { name: 'client-get', desc: 'client: keep-alive GET /, response 200 \'ok\'', method: 'GET', bodyBytes: 0 },
  { name: 'client-post64k', desc: 'client: keep-alive POST / with a 64 KiB body, response 200 \'ok\'', method: 'POST', bodyBytes: 65536 },
].map((s) => ({ kind: 'client', server: 'client-target.js', wrk: [], ...s }))

// Memory scenarios: the server of each implementation, driven by a client process
// (clients/*.js, core http or raw net) that holds many idle connections (kind 'idle') or
// moves one large body with backpressure (kind 'stream'); --smoke uses the small sizes.
const MEMORY_SCENARIOS = [
  { name: 'idle-conns', kind: 'idle', server: 'hello.js', client: 'idle-conns.js', connections: 10000, smokeConnections: 200,
    desc: 'idle keep-alive connections (10,000; --smoke: 200), one GET each, then quiet: server RSS per connection', check: check.hello },
  { name: 'stream-up', kind: 'stream', server: 'stream.js', client: 'stream.js', direction: 'up',
    bytes: 2 ** 30, smokeBytes: 2 ** 26, desc: 'one large POST body read by the handler (1 GiB; --smoke: 64 MiB)', check: check.stream },
  { name: 'stream-down', kind: 'stream', server: 'stream.js', client: 'stream.js', direction: 'down',
    bytes: 2 ** 30, smokeBytes: 2 ** 26, desc: "one large response (1 GiB; --smoke: 64 MiB) written in 64 KiB writes, waiting for 'drain'", check: check.stream },
]

const SCENARIOS = [...SERVER_SCENARIOS, ...APP_SCENARIOS, ...CLIENT_SCENARIOS, ...MEMORY_SCENARIOS]

// Implementations compared when --impls is not given.
const DEFAULT_IMPLS = {
  server: ['node', 'rhttp'], ws: ['node', 'rhttp'], client: ['node', 'rhttp', 'undici'], idle: ['node', 'rhttp'], stream: ['node', 'rhttp'],
}

function selectScenarios(list) {
  if (list.length === 1 && list[0] === 'all') return SCENARIOS
  return list.map((name) => {
    const s = SCENARIOS.find((x) => x.name === name)
    if (!s) throw new Error(`unknown scenario '${name}' (known: ${SCENARIOS.map((x) => x.name).join(', ')}, all)`)
    return s
  })
}

module.exports = { SCENARIOS, SERVER_SCENARIOS, APP_SCENARIOS, CLIENT_SCENARIOS, MEMORY_SCENARIOS, DEFAULT_IMPLS, selectScenarios }
