// The shared array hot calls write their numbers to (src/binding/shared_ints.rs)
// is of fixed size: a drain() whose records do not fit goes on in plain JS
// values (src/binding/event_out.rs), and a parser run that fills it stops and
// resumes (STATUS_MORE). With RHTTP_SHARED_INTS=32 a little traffic takes
// both paths many times over; what a user sees must be node:http's.

import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, 'fixtures', 'busy-batches.js');
const rhttp = path.join(here, '..', 'index.js');

function run(impl, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, impl], { env: { ...process.env, ...env }, timeout: 20000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
  });
}

test('busy batches through a 32-entry shared array: what node:http shows', async (t) => {
  const node = await run('node');
  t.is(node.concurrent.results.length, 120);
  t.is(node.concurrent.chunked.body.length, 60);
  t.deepEqual(await run(rhttp, { RHTTP_SHARED_INTS: '32' }), node);
});

test('busy batches with the default shared array: what node:http shows', async (t) => {
  t.deepEqual(await run(rhttp), await run('node'));
});
