'use strict';

// Property keys made per message, handed out as the same string object
// each time: an outgoing header's lower-case name and an agent's pool name.
//
// A key that was just made (by `toLowerCase()` or a concatenation: a new
// string V8 has not internalized) is looked up in V8's string table at
// each use, and storing one into a dictionary-mode object (an agent's
// `sockets`, `freeSockets` and `requests`; core's outgoing headers too)
// takes V8's slow path, ~100–400 ns on Node 20 where a key V8 has seen as a
// key before takes ~40 ns. Core pays this on every setHeader and every
// agent lookup. Handing out one string object per key lets V8 internalize
// it once, on its first use.
//
// Bounded: past MAX_KEYS keys (a proxy forwarding arbitrary header names,
// an agent talking to many hosts), the rest are made each time, as before.

const MAX_KEYS = 512;
const MAX_KEY_LENGTH = 256;

// Header name as given → its lower-case form.
const lowered = new Map();
// Pool name → the same name, the first string object seen for it.
const interned = new Map();

/** The key an outgoing header is stored under: its name in lower case. */
function headerKey(name) {
  let key = lowered.get(name);
  if (key === undefined) {
    key = name.toLowerCase();
    if (lowered.size < MAX_KEYS && name.length <= MAX_KEY_LENGTH) lowered.set(name, key);
  }
  return key;
}

/** `name` itself, or an equal string handed out before. */
function internKey(name) {
  // A program's own getName may return anything.
  if (typeof name !== 'string') return name;
  const known = interned.get(name);
  if (known !== undefined) return known;
  if (interned.size < MAX_KEYS && name.length <= MAX_KEY_LENGTH) interned.set(name, name);
  return name;
}

module.exports = { headerKey, internKey };
