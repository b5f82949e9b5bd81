// rhttp/register: every require/import of 'http' and 'node:http' in the
// program is rhttp; Node's internals and rhttp's own files keep core's.
// Each case runs a small program in a child process (bounded in time).

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ROOT } from './fixtures/apps.mjs';

const require = createRequire(import.meta.url);
const path = require('node:path');
const INDEX = JSON.stringify(path.join(ROOT, 'index.js'));

/** Runs `node ...args`, expecting one JSON line on stdout. */
function run(t, args, { input } = {}) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, timeout: 10000, encoding: 'utf8', input });
  t.is(r.status, 0, `node ${args.join(' ')} failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const CJS_PROBE = `
  const rhttp = require(${INDEX});
  const core = process.getBuiltinModule('node:http');
  Promise.all([import('http'), import('node:http')]).then(([a, b]) => {
    console.log(JSON.stringify({
      requireHttp: require('http') === rhttp,
      requireNodeHttp: require('node:http') === rhttp,
      importHttp: a.default === rhttp && a.createServer === rhttp.createServer,
      importNodeHttp: b.default === rhttp && b.Server === rhttp.Server,
      getBuiltinModuleIsCore: core !== rhttp && core.Server !== rhttp.Server,
      selfReference: require('rhttp') === rhttp,
      statusCodes: rhttp.STATUS_CODES === core.STATUS_CODES,
      https: typeof require('https').createServer === 'function' &&
        require('https').globalAgent instanceof core.Agent,
      internalsKeepCore: require('_http_server').Server === core.Server,
    }));
  });
`;

const ALL_TRUE = {
  requireHttp: true,
  requireNodeHttp: true,
  importHttp: true,
  importNodeHttp: true,
  getBuiltinModuleIsCore: true,
  selfReference: true,
  statusCodes: true,
  https: true,
  internalsKeepCore: true,
};

test('node -r rhttp/register: require and import of http and node:http give rhttp', (t) => {
  t.deepEqual(run(t, ['-r', 'rhttp/register', '-e', CJS_PROBE]), ALL_TRUE);
});

test('node -r ./register.js (a path) works the same', (t) => {
  t.deepEqual(run(t, ['-r', './register.js', '-e', CJS_PROBE]), ALL_TRUE);
});

test('require("rhttp/register") on the first line of an entry file', (t) => {
  t.deepEqual(run(t, ['-e', `require('rhttp/register');\n${CJS_PROBE}`]), ALL_TRUE);
});

test('without register, http is core\'s', (t) => {
  const r = run(t, ['-e', CJS_PROBE]);
  t.false(r.requireHttp);
  t.false(r.importHttp);
});

const ESM_PROBE = `
  import http, { createServer, Server, STATUS_CODES } from 'http';
  import * as ns from 'node:http';
  import { createRequire } from 'node:module';
  const require = createRequire(${JSON.stringify(path.join(ROOT, 'x.js'))});
  const rhttp = require('./index.js');
  const core = process.getBuiltinModule('node:http');
  console.log(JSON.stringify({
    defaultImport: http === rhttp,
    namedImports: createServer === rhttp.createServer && Server === rhttp.Server &&
      STATUS_CODES === core.STATUS_CODES,
    namespaceKeys: Object.keys(ns).sort().join() === [...Object.keys(core), 'default'].sort().join(),
    namespaceDefault: ns.default === rhttp,
    requireHttp: require('http') === rhttp && require('node:http') === rhttp,
    dynamicImport: (await import('http')).default === rhttp,
  }));
`;

test('node --import rhttp/register: static, namespace, named and dynamic imports, and require', (t) => {
  t.deepEqual(run(t, ['--import', 'rhttp/register', '--input-type=module', '-e', ESM_PROBE]), {
    defaultImport: true,
    namedImports: true,
    namespaceKeys: true,
    namespaceDefault: true,
    requireHttp: true,
    dynamicImport: true,
  });
});

test('node -r rhttp/register also covers an ES module program', (t) => {
  const r = run(t, ['-r', 'rhttp/register', '--input-type=module', '-e', ESM_PROBE]);
  t.true(r.defaultImport && r.namedImports && r.requireHttp);
});

test('-r and --import together register once and still work', (t) => {
  const r = run(t, ['-r', 'rhttp/register', '--import', 'rhttp/register', '--input-type=module', '-e', `
    import http from 'http';
    import { createRequire } from 'node:module';
    const require = createRequire(${JSON.stringify(path.join(ROOT, 'x.js'))});
    const rhttp = require('./index.js');
    console.log(JSON.stringify({
      importHttp: http === rhttp,
      requireHttp: require('http') === rhttp,
      registeredBy: globalThis[Symbol.for('rhttp.register')],
    }));
  `]);
  t.deepEqual(r, { importHttp: true, requireHttp: true, registeredBy: ROOT });
});

test('import { createServer } from "rhttp": named ESM exports are node:http\'s', (t) => {
  const r = run(t, ['--input-type=module', '-e', `
    import * as ns from 'rhttp';
    import rhttp, { createServer } from 'rhttp';
    import { createRequire } from 'node:module';
    const core = createRequire(${JSON.stringify(path.join(ROOT, 'x.js'))})('node:http');
    console.log(JSON.stringify({
      keys: Object.keys(ns).filter((k) => k !== 'default').sort(),
      coreKeys: Object.keys(core).sort(),
      same: createServer === rhttp.createServer,
    }));
  `]);
  t.deepEqual(r.keys, r.coreKeys);
  t.true(r.same);
});

test('a server made through register serves requests (fetch, which does not use http)', (t) => {
  const r = run(t, ['-r', 'rhttp/register', '-e', `
    const http = require('http');
    const server = http.createServer((req, res) => res.end('via register'));
    server.listen(0, '127.0.0.1', async () => {
      const body = await (await fetch('http://127.0.0.1:' + server.address().port + '/')).text();
      server.close();
      console.log(JSON.stringify({ body, rhttp: server instanceof require(${INDEX}).Server }));
    });
  `]);
  t.deepEqual(r, { body: 'via register', rhttp: true });
});
