// AsyncLocalStorage across the client: response callbacks see the store of
// the context that made the request, also when requests made in different
// contexts share one pooled socket (core runs llhttp's callbacks in a
// per-request async resource). Differential: node:http vs rhttp.
import test from 'ava';
import { createRequire } from 'node:module';
import { AsyncLocalStorage } from 'node:async_hooks';

const require = createRequire(import.meta.url);
const core = require('node:http');
const rhttp = require('../index.js');

async function scenario(http, agentFor) {
  const als = new AsyncLocalStorage();
  const server = core.createServer((req, res) => res.end('x'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const agent = agentFor(http);
  const seen = await Promise.all([1, 2, 3].map((id) => als.run({ id }, () => new Promise((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', agent }, (res) => {
      const atResponse = als.getStore()?.id;
      let atData;
      res.on('data', () => { atData = als.getStore()?.id; });
      res.on('end', () => resolve([id, atResponse, atData, als.getStore()?.id]));
    });
    req.on('error', reject);
  }))));
  if (agent) agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  return seen;
}

for (const [name, agentFor] of [
  ['a one-off connection per request', () => false],
  ['one pooled keep-alive socket shared in turn', (http) => new http.Agent({ keepAlive: true, maxSockets: 1 })],
]) {
  test(`client: the request's AsyncLocalStorage store reaches its response callbacks (${name})`, async (t) => {
    const expected = await scenario(core, agentFor);
    t.deepEqual(expected, [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
    t.deepEqual(await scenario(rhttp, agentFor), expected);
  });
}
