#!/usr/bin/env node
'use strict';
// Differential fuzzer: node:http against rhttp (or any module with its API).
//
//   node fuzz/differential/run.js <server|client|response|request|all>
//     [--seed S] [--count N] [--time SECONDS] [--gen NAME] [--out FILE]
//     [--impl PATH] [--self] [--verbose]
//
// See README.md in this directory.

const fs = require('node:fs');
const path = require('node:path');
const { runTarget, installUncaughtHandlers, abbreviate } = require('./lib');
const { knownFor } = require('./known');

const TARGETS = {
  server: () => require('./server'),
  client: () => require('./client'),
  response: () => require('./response'),
  request: () => require('./request'),
};

const DEFAULT_IMPL = path.resolve(__dirname, '..', '..');

const USAGE = `usage: node fuzz/differential/run.js <target> [options]
  target       server | client | response | request | all
  --seed S     first seed (default: random; printed)
  --count N    cases per target (default 200)
  --time SEC   time limit in seconds, shared out among targets for "all" (default 120)
  --gen NAME   generator of the target (default: its first, "mix"); see README.md
  --out FILE   append every difference (known, flaky, new) as a JSON line
  --impl PATH  module under test (default: the repo root of this file)
  --self       compare node:http with itself (harness check)
  --verbose    print both sides' observations of every case
exit code: 1 when a difference not in known.js was found, 0 otherwise, 2 on bad usage`;

function parseArgs(argv) {
  const o = {
    target: null, seed: null, count: 200, time: 120, gen: null, out: null,
    impl: DEFAULT_IMPL, self: false, verbose: false,
  };
  const value = (i, name) => {
    if (i >= argv.length) throw new Error(`${name} needs a value`);
    return argv[i];
  };
  const int = (s, name) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}: not a whole number: ${s}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--seed': o.seed = int(value(++i, a), a); break;
      case '--count': o.count = int(value(++i, a), a); break;
      case '--time': o.time = Number(value(++i, a)); break;
      case '--gen': o.gen = value(++i, a); break;
      case '--out': o.out = path.resolve(value(++i, a)); break;
      case '--impl': o.impl = path.resolve(value(++i, a)); break;
      case '--self': o.self = true; break;
      case '--verbose': o.verbose = true; break;
      case '-h': case '--help': o.help = true; break;
      default:
        if (a.startsWith('-') || o.target) throw new Error(`unexpected argument: ${a}`);
        o.target = a;
    }
  }
  if (o.help) return o;
  if (!o.target) throw new Error('no target');
  if (o.target !== 'all' && !TARGETS[o.target]) throw new Error(`unknown target: ${o.target}`);
  if (!(o.time > 0)) throw new Error('--time must be > 0');
  if (o.seed === null) o.seed = 1 + Math.floor(Math.random() * 1e6);
  return o;
}

function makeReport(opts) {
  const label = opts.self ? 'node(self)' : 'impl';
  const short = (v) => {
    const s = abbreviate(v, 60);
    return s === undefined ? 'undefined' : s.length > 110 ? s.slice(0, 110) + '…' : s;
  };
  return {
    finding(f, description) {
      if (opts.out) fs.appendFileSync(opts.out, JSON.stringify(f) + '\n');
      const tag = f.status === 'known' ? `KNOWN [${f.known}]` : f.status === 'flaky' ? 'flaky' : 'DIFF';
      const where = f.first ? `at ${f.first.path}: node=${short(f.first.node)} ` +
        `${label}=${short(f.first.impl)}` : '';
      console.log(`${tag.padEnd(6)} ${f.target} seed=${f.seed} ${where}`);
      console.log(`       ${description}`);
      console.log(`       replay: ${f.replay} --verbose`);
    },
    verbose(target, seed, input, a, b) {
      console.log(`--- ${target.name} seed=${seed}: ${target.describe(input)}`);
      console.log('input:', abbreviate(input, 400));
      console.log('node:', abbreviate(a, 400));
      console.log(`${label}:`, abbreviate(b, 400));
    },
  };
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const names = opts.target === 'all' ? Object.keys(TARGETS) : [opts.target];
  const targets = names.map((n) => TARGETS[n]());
  for (const t of targets) {
    if (opts.gen && !t.gens.includes(opts.gen)) {
      console.error(`--gen ${opts.gen}: target ${t.name} has ${t.gens.join(', ')}`);
      return 2;
    }
  }
  const nodeHttp = require('node:http');
  const implHttp = opts.self ? nodeHttp : require(opts.impl);
  installUncaughtHandlers();
  const report = makeReport(opts);
  const share = (opts.time * 1000) / targets.length;
  console.log(`differential fuzz: node:http vs ${opts.self ? 'node:http (--self)' : opts.impl}; ` +
    `seeds ${opts.seed}..${opts.seed + opts.count - 1}, at most ${Math.round(share / 1000)} s ` +
    `per target`);
  let failed = false;
  for (const t of targets) {
    const stats = await runTarget(t, {
      nodeHttp, implHttp, seed: opts.seed, count: opts.count, gen: opts.gen,
      deadline: Date.now() + share, verbose: opts.verbose, knownFor,
      replayArgs: (opts.self ? ' --self' : '') +
        (opts.impl !== DEFAULT_IMPL ? ` --impl ${opts.impl}` : ''),
    }, report);
    const known = Object.entries(stats.byKnown).map(([k, n]) => `${k}×${n}`).join(', ');
    console.log(`${t.name}: ${stats.ran} cases in ${stats.seconds} s (seeds ${opts.seed}..` +
      `${opts.seed + stats.ran - 1}${opts.gen ? `, --gen ${opts.gen}` : ''}): ` +
      `${stats.same} same, ${stats.known} known${known ? ` (${known})` : ''}, ` +
      `${stats.flaky} flaky, ${stats.diff} new`);
    if (stats.diff) failed = true;
  }
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e && e.stack);
  process.exit(2);
});
