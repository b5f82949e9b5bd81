'use strict'
// Resolves an implementation name to the module a server or client script requires.
// 'node' = core http, 'rhttp' = this repo, anything else = a path (a fake for testing the harness).
// Client scenarios also know 'undici' (its own client script, clients/undici.js).
const path = require('node:path')

const ROOT = path.join(__dirname, '../..')
const REGISTER = path.join(ROOT, 'register.js')
const PRELOAD_IMPL = path.join(__dirname, 'preload-impl.js')

function resolveImpl(name) {
  if (name === 'node') return 'node:http'
  if (name === 'rhttp') return ROOT
  if (name === 'undici') throw new Error("implementation 'undici' is a client only: use it with the client-* scenarios")
  if (name.includes('/') || name.endsWith('.js')) return path.resolve(name)
  throw new Error(`unknown implementation '${name}': use node, rhttp, undici (client scenarios only) or a path to a module`)
}

function loadImpl(name) {
  return require(resolveImpl(name))
}

// App scenarios (express, ws-echo): the same unmodified app script for every implementation,
// switched by a preload. node = none (core http); rhttp = `-r <repo>/register.js`
// (rhttp/register, exactly as a user runs an app); a path = `-r lib/preload-impl.js`, which
// does the same for that module (a fake, for testing the harness).
function appNodeArgs(name) {
  if (name === 'node') return { nodeArgs: [], env: {} }
  if (name === 'rhttp') return { nodeArgs: ['-r', REGISTER], env: {} }
  return { nodeArgs: ['-r', PRELOAD_IMPL], env: { RHTTP_BENCH_HTTP: resolveImpl(name) } }
}

// Client scenarios: which script in clients/ runs an implementation, and the module it loads.
function resolveClient(name) {
  if (name === 'undici') return { script: 'undici.js', module: 'undici' }
  return { script: 'http.js', module: resolveImpl(name) }
}

module.exports = { ROOT, REGISTER, resolveImpl, loadImpl, appNodeArgs, resolveClient }
