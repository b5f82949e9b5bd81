// The client-library specs (client-libs, nock-undici, more-libs) run a
// scenario of a fixture (fixtures/client-libs-run.js with the scenario file
// and name) in a child twice, on core's http and under `-r ./register.js`,
// and compare the one JSON line of observations each prints.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const ROOT = path.resolve(FIXTURES, '..', '..');

/** Runs `scenario` of `file` in a child ('core' or 'rhttp' = -r register)
 * and resolves with its observations; killed after `ms` and at teardown.
 * The child gets no proxy settings from this environment (needle follows
 * HTTP_PROXY; global-agent reads GLOBAL_AGENT_*), only those in `env`. */
export function runScenario(t, mode, file, scenario, { env = {}, ms = 9000 } = {}) {
  const args = [...(mode === 'rhttp' ? ['-r', './register.js'] : []), path.join(FIXTURES, 'client-libs-run.js'), file, scenario];
  const childEnv = { ...process.env };
  for (const k of Object.keys(childEnv)) if (/^(https?_proxy|no_proxy|global_agent_)/i.test(k)) delete childEnv[k];
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) {
        reject(new Error(`${scenario} [${mode}]: no output (exit ${code}, ${signal}); stderr: ${stderr.slice(-2000)}`));
        return;
      }
      const obs = JSON.parse(line);
      if (obs.fatal) reject(new Error(`${scenario} [${mode}]: ${obs.fatal}`));
      else resolve(obs);
    });
  });
}

/** Both runs of a scenario; asserts they are equal (after `view`, for
 * scenarios that compare only part of what they saw) and returns core's
 * observations. */
export async function scenarioDifferential(t, file, scenario, { view = (o) => o, ...opts } = {}) {
  t.timeout(10000);
  const core = await runScenario(t, 'core', file, scenario, opts);
  const reg = await runScenario(t, 'rhttp', file, scenario, opts);
  t.false(core.rhttp, 'the core run must not use rhttp');
  t.true(reg.rhttp, 'rhttp/register must make http be rhttp');
  t.is(core.threw, undefined, `the scenario threw on core: ${JSON.stringify(core.threw)}`);
  t.deepEqual(core.uncaught, []);
  const { rhttp: _a, ...coreObs } = core;
  const { rhttp: _b, ...regObs } = reg;
  t.deepEqual(view(regObs), view(coreObs));
  return core;
}

/** The payload of the first log entry named `name` (true for a bare entry,
 * undefined when absent). */
export function entry(obs, name) {
  for (const e of obs.log) {
    if (e === name) return true;
    if (Array.isArray(e) && e[0] === name) return e.length > 2 ? e.slice(1) : e[1];
  }
  return undefined;
}
