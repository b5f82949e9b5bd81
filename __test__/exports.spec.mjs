// The module's exports behave as node:http's, although the client half
// (Agent, ClientRequest, globalAgent) loads on first use. Each case runs a
// fresh program against core and against rhttp (bounded in time).

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ROOT } from './fixtures/apps.mjs';

const require = createRequire(import.meta.url);
const path = require('node:path');
const INDEX = JSON.stringify(path.join(ROOT, 'index.js'));
const IMPLS = { core: JSON.stringify('node:http'), rhttp: INDEX };

/** Runs `program` (it gets `http`) in a fresh node; one JSON line back. */
function run(t, impl, program) {
  const code = `const http = require(${IMPLS[impl]});\n${program}`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, timeout: 10000, encoding: 'utf8' });
  t.is(r.status, 0, `${impl}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

function both(t, program) {
  const core = run(t, 'core', program);
  const ours = run(t, 'rhttp', program);
  t.deepEqual(ours, core);
  return ours;
}

const describe = `
  function describe(name) {
    const d = Object.getOwnPropertyDescriptor(http, name);
    return { accessor: typeof d.get === 'function', writable: d.writable, enumerable: d.enumerable, configurable: d.configurable };
  }
`;

test('export names in core\'s order; after use, each is a plain data property as in core', (t) => {
  const r = both(t, `${describe}
    const keys = Object.keys(http);
    void http.Agent; void http.ClientRequest; void http.globalAgent;
    console.log(JSON.stringify({ keys, props: keys.map((k) => [k, describe(k)]) }));
  `);
  t.true(r.keys.includes('Agent') && r.keys.includes('globalAgent'));
});

test('Agent and ClientRequest are stable classes; request() makes a ClientRequest; globalAgent is an Agent', (t) => {
  both(t, `
    const A = http.Agent;
    const C = http.ClientRequest;
    const req = http.request({ host: '127.0.0.1', port: 1 });
    req.on('error', (e) => {
      console.log(JSON.stringify({
        stable: http.Agent === A && http.ClientRequest === C,
        isRequest: req instanceof C,
        globalAgent: http.globalAgent instanceof A,
        code: e.code,
      }));
    });
    req.end();
  `);
});

test('assigning Agent, ClientRequest and globalAgent before first use sticks, as in core', (t) => {
  both(t, `${describe}
    function FakeAgent() {}
    function FakeRequest() {}
    const agent = { fake: true };
    http.Agent = FakeAgent;
    http.ClientRequest = FakeRequest;
    http.globalAgent = agent;
    console.log(JSON.stringify({
      agent: http.Agent === FakeAgent,
      request: http.ClientRequest === FakeRequest,
      globalAgent: http.globalAgent === agent,
      props: ['Agent', 'ClientRequest'].map(describe),
    }));
  `);
});

test('a server-only program never loads the client half', (t) => {
  const r = run(t, 'rhttp', `
    const loaded = () => Object.keys(require.cache).filter((f) => /[\\\\/]lib[\\\\/](client|agent|client_socket|http_parser)\\.js$/.test(f)).map((f) => f.split(/[\\\\/]/).pop()).sort();
    const server = http.createServer((req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1', () => {
      const net = require('node:net');
      const s = net.connect(server.address().port, '127.0.0.1', () => s.end('GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));
      let got = '';
      s.setEncoding('latin1');
      s.on('data', (d) => { got += d; });
      s.on('close', () => {
        const before = loaded();
        void http.Agent;
        console.log(JSON.stringify({ status: got.split('\\r\\n')[0], before, after: loaded() }));
        server.close();
      });
    });
  `);
  t.deepEqual(r, {
    status: 'HTTP/1.1 200 OK',
    before: [],
    after: ['agent.js', 'client.js', 'client_socket.js', 'http_parser.js'],
  });
});
