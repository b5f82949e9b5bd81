'use strict'
// `node -r benchmark/lib/preload-impl.js app.js` with RHTTP_BENCH_HTTP=/path/to/module:
// what rhttp/register does for rhttp, for any module with the node:http API, so that the
// app scenarios (express, ws-echo) can run a fake implementation (harness tests).
// require('http') / require('node:http') return that module, except inside the module
// itself and the files of its package directory (a fake usually wraps core http; a build of
// rhttp takes STATUS_CODES from it), but not the benchmark's own files. CommonJS only,
// which is all the app scripts need.
const Module = require('node:module')
const fs = require('node:fs')
const path = require('node:path')

const target = process.env.RHTTP_BENCH_HTTP
if (!target) throw new Error('preload-impl.js: RHTTP_BENCH_HTTP is not set')

const ownDir = fs.statSync(target).isDirectory() ? target + path.sep : null
// The benchmark's own files (the app scripts) are never the module's, even
// when the module is this repository (an A/B of two rhttp checkouts).
const benchDir = path.join(__dirname, '..') + path.sep
const isOwnFile = (filename) =>
  filename === target ||
  (ownDir !== null && filename.startsWith(ownDir) && !filename.startsWith(benchDir) &&
    !filename.includes(`${path.sep}node_modules${path.sep}`))

let impl = null
const load = Module._load
Module._load = function _load(request, parent, isMain) {
  if ((request === 'http' || request === 'node:http') && !(parent && isOwnFile(parent.filename))) {
    if (impl === null) impl = require(target)
    return impl
  }
  return Reflect.apply(load, this, arguments)
}
