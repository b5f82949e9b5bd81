'use strict';
// Writes libFuzzer's starting corpus (fuzz/corpus/<target>/) from the byte
// strings of the checklists in src/h1: every input core's behaviour was
// recorded for, as a fuzz input with default options in one read.
// usage: node fuzz/seed-corpus.js
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const TARGETS = {
  request_stream: 'src/h1/checklist.rs',
  response_stream: 'src/h1/response_checklist.rs',
};
const ESCAPES = { r: 13, n: 10, t: 9, 0: 0, '\\': 92, '"': 34, "'": 39 };

// A Rust byte-string literal's body to its bytes.
function unescape(lit) {
  const out = [];
  for (let i = 0; i < lit.length; i++) {
    const c = lit[i];
    if (c !== '\\') {
      out.push(c.charCodeAt(0));
      continue;
    }
    const n = lit[++i];
    if (n === 'x') {
      out.push(parseInt(lit.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (n === '\n') {
      while (/\s/.test(lit[i + 1])) i++;
    } else if (n in ESCAPES) {
      out.push(ESCAPES[n]);
    } else {
      throw new Error(`unknown escape \\${n}`);
    }
  }
  return Buffer.from(out);
}

for (const [target, source] of Object.entries(TARGETS)) {
  const text = fs.readFileSync(path.join(root, source), 'latin1');
  const dir = path.join(__dirname, 'corpus', target);
  fs.mkdirSync(dir, { recursive: true });
  const seen = new Set();
  for (const [, lit] of text.matchAll(/drive\(\s*b"((?:[^"\\]|\\[\s\S])*)"/g)) {
    // Options byte 0 (strict, default maxHeaderSize), cut byte 0 (one read).
    const input = Buffer.concat([Buffer.from([0, 0]), unescape(lit)]);
    const name = crypto.createHash('sha1').update(input).digest('hex').slice(0, 16);
    if (seen.has(name)) continue;
    seen.add(name);
    fs.writeFileSync(path.join(dir, name), input);
  }
  console.log(`${target}: ${seen.size} inputs in ${path.relative(root, dir)}`);
}
