'use strict'
// Resolves an implementation name to the module a server or client script requires.
// 'node' = core http, 'rhttp' = this repo, anything else = a path (a fake for testing the harness).
// Client scenarios also know 'undici' (its own client script, clients/undici.js).
const path = require('node:path')

const ROOT = path.join(__dirname, '../..')

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

// Client scenarios: which script in clients/ runs an implementation, and the module it loads.
function resolveClient(name) {
  if (name === 'undici') return { script: 'undici.js', module: 'undici' }
  return { script: 'http.js', module: resolveImpl(name) }
}

module.exports = { ROOT, resolveImpl, loadImpl, resolveClient }
