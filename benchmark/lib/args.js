'use strict'
const { parseArgs } = require('node:util')

const HELP = `usage: node benchmark/run.js [flags]      (npm run bench -- [flags])

  --scenarios LIST   comma list of hello,close,headers,post-echo,pipeline (server scenarios),
                     express,ws-echo (app scenarios: an unmodified app, rhttp via rhttp/register),
                     client-get,client-post64k (client scenarios),
                     idle-conns,stream-up,stream-down (memory scenarios) or 'all' (default all)
  --impls LIST       implementations, first is the baseline of the ratios (default node,rhttp for
                     server and app scenarios, node,rhttp,undici for client scenarios);
                     node = node:http, rhttp = this repo (app scenarios: node -r register.js),
                     undici = undici (client scenarios only), or a path to a module with the
                     node:http API (createServer, or request + Agent)
  --rounds N         A/B rounds per scenario (default 3; --smoke: 1)
  --duration S       seconds per measured run (default 5; --smoke: 1)
  --warmup S         seconds of warm-up load before each measured run, 0 = none (default 1; --smoke: 0)
  --connections N    wrk -c; client scenarios: requests in flight = agent maxSockets;
                     ws-echo: WebSocket connections, one message in flight on each (default 50)
  --threads N        wrk -t (default 1; ws-echo: not used, one client process)
  --pinned           load generator (wrk / the client / the ws client) on CPU 0, server on CPU 1 (taskset)
  --smoke            CI mode: 1 round, 1 s, no warm-up (explicit flags still win)
  --env K=V          set an environment variable for the processes of the implementation under
                     test: servers in server scenarios, clients in client scenarios (repeatable)
  --out FILE         result JSON path (default benchmark/results/<timestamp>.json)
  --no-save          do not write a result JSON
  --compare FILE     after the run, print each median's change vs FILE ('last' = newest in results/)
  --report FILE      print the tables of a saved result instead of running (works with --compare)
  -h, --help         this text
`

function int(name, v, min, max) {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got '${v}'`)
  return n
}

function list(v) {
  return v.split(',').map((s) => s.trim()).filter(Boolean)
}

// Distinct labels even for --impls node,node: node, node#2.
function labels(impls) {
  const seen = {}
  return impls.map((i) => {
    const base = i === 'node' || i === 'rhttp' || i === 'undici' ? i : require('node:path').basename(i).replace(/\.js$/, '')
    seen[base] = (seen[base] || 0) + 1
    return seen[base] === 1 ? base : `${base}#${seen[base]}`
  })
}

function parse(argv) {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      scenarios: { type: 'string', default: 'all' },
      impls: { type: 'string' }, // default per kind of scenario: scenarios.DEFAULT_IMPLS
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '1' },
      pinned: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      env: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      compare: { type: 'string' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const smoke = v.smoke
  const opts = {
    help: v.help,
    scenarios: list(v.scenarios),
    impls: v.impls === undefined ? null : list(v.impls), // null = the defaults
    rounds: int('rounds', v.rounds ?? (smoke ? 1 : 3), 1, 50),
    duration: int('duration', v.duration ?? (smoke ? 1 : 5), 1, 600),
    warmup: int('warmup', v.warmup ?? (smoke ? 0 : 1), 0, 60),
    connections: int('connections', v.connections, 1, 10000),
    threads: int('threads', v.threads, 1, 64),
    pinned: v.pinned,
    smoke,
    env: {},
    out: v.out ?? null,
    save: !v['no-save'],
    compare: v.compare ?? null,
    report: v.report ?? null,
  }
  if (opts.threads > opts.connections) throw new Error('--threads must not exceed --connections')
  if (opts.impls && opts.impls.length === 0) throw new Error('--impls is empty')
  for (const kv of v.env) {
    const i = kv.indexOf('=')
    if (i <= 0) throw new Error(`--env wants KEY=VALUE, got '${kv}'`)
    opts.env[kv.slice(0, i)] = kv.slice(i + 1)
  }
  return opts
}

module.exports = { parse, labels, HELP }
