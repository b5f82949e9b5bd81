'use strict';
// `npm install` hook. In a source checkout (Cargo.toml present) it builds the
// addon in release mode; in an installed package it checks that the prebuilt
// binary shipped in the tarball matches this platform, and builds nothing.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
if (existsSync(join(root, 'Cargo.toml'))) {
  const cli = require.resolve('@napi-rs/cli/dist/cli.js', { paths: [root] });
  const r = spawnSync(process.execPath, [cli, 'build', '--platform', '--release',
    '--js', 'binding.js', '--dts', 'binding.d.ts'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}
try {
  require(join(root, 'binding.js'));
} catch (err) {
  console.error(`rhttp: no prebuilt binary for ${process.platform}-${process.arch}: ${err.message}`);
  process.exit(1);
}
