'use strict';
// rhttp/register: make the program's `http` be rhttp.
//
//   node -r rhttp/register app.js          (CommonJS preload)
//   node --import rhttp/register app.mjs   (register.mjs loads this file)
//   require('rhttp/register')              (first line of an entry file)
//
// Two mechanisms, because Node 20 has no single hook for both module systems
// (`module.registerHooks` arrived in Node 22.15):
// - require('http') / require('node:http'): `Module._load` is wrapped. Node's
//   own internals load built-ins through their internal loader, never through
//   `Module._load`, so they keep core's http (https, fetch, …).
// - import 'http' / import 'node:http' / import('http'): an ESM resolve hook
//   (`module.register`, Node 20.6+) sends them to index.mjs, the ESM face of
//   the same rhttp instance.
// rhttp's own files (index.js, index.mjs, lib/) are exempt from both: they
// use core's http for STATUS_CODES and friends.

const Module = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const kRegistered = Symbol.for('rhttp.register');

const INDEX = path.join(__dirname, 'index.js');
const INDEX_MJS = path.join(__dirname, 'index.mjs');
const LIB_DIR = path.join(__dirname, 'lib') + path.sep;

/** True for the files of this rhttp package, which must see core's http. */
function isOwnFile(filename) {
  return typeof filename === 'string' &&
    (filename === INDEX || filename === INDEX_MJS || filename.startsWith(LIB_DIR));
}

function isHttp(request) {
  return request === 'http' || request === 'node:http';
}

function register() {
  // Once per thread, whichever copy of rhttp got there first.
  if (globalThis[kRegistered]) return;
  Object.defineProperty(globalThis, kRegistered, { value: __dirname });
  // Before the program's modules can patch net (lib/net_stock.js).
  require('./lib/net_stock').netStock();

  let rhttp = null; // loaded on first use: a program that never asks for http never loads the addon
  const load = Module._load;
  Module._load = function _load(request, parent, isMain) {
    if (isHttp(request) && !(parent && isOwnFile(parent.filename))) {
      if (rhttp === null) rhttp = require(INDEX);
      return rhttp;
    }
    return Reflect.apply(load, this, arguments);
  };

  if (typeof Module.register === 'function') {
    Module.register(pathToFileURL(path.join(__dirname, 'register-hooks.mjs')), {
      data: {
        target: pathToFileURL(INDEX_MJS).href,
        own: [pathToFileURL(INDEX).href, pathToFileURL(INDEX_MJS).href],
        ownDir: pathToFileURL(LIB_DIR).href,
      },
    });
  }
}

register();
