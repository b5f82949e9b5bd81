'use strict'
// Resolves an implementation name to the module a server script requires.
// 'node' = core http, 'rhttp' = this repo, anything else = a path (a fake for testing the harness).
const path = require('node:path')

const ROOT = path.join(__dirname, '../..')

function resolveImpl(name) {
  if (name === 'node') return 'node:http'
  if (name === 'rhttp') return ROOT
  if (name.includes('/') || name.endsWith('.js')) return path.resolve(name)
  throw new Error(`unknown implementation '${name}': use node, rhttp or a path to a module`)
}

function loadImpl(name) {
  return require(resolveImpl(name))
}

module.exports = { ROOT, resolveImpl, loadImpl }
