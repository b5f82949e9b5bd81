'use strict';
// The addon, and the event layouts `drain()` produces (src/server/events.rs
// is the other half; change both together).

const binding = require('../binding.js');

// The hand-written hot calls and their shared array (src/binding/raw.rs).
const fast = binding.fastCalls();
const INTS = fast.ints;

// drain()'s output (src/binding/event_out.rs): numbers in the shared array
// ([ints used, first raw value, ...records]), strings, Buffers and nulls in
// the array it returns. A record's fields after [kind, conn], by kind:
const F_U32 = 0;
const F_I32 = 1; // written as its bits
const F_VALUE = 2;
const EVENT_FIELDS = [
  [], // 0: none
  [], // EV_CONNECTION
  [F_VALUE, F_U32], // EV_REQUEST: head, flags
  [F_VALUE], // EV_BODY: Buffer
  [F_VALUE], // EV_BODY_END: trailers or null
  [F_VALUE, F_VALUE, F_U32, F_VALUE], // EV_PARSE_ERROR: code, reason, bytesParsed, rawPacket
  [], // EV_REQUEST_TIMEOUT
  [], // EV_TIMEOUT
  [], // EV_DRAIN
  [], // EV_END
  [F_I32, F_VALUE, F_VALUE], // EV_CLOSE: errno, syscall, bytesRead
  [F_VALUE], // EV_DATA: Buffer
  [], // EV_CONNECT
  [F_VALUE], // EV_BODY_GATED: Buffer
  [], // EV_FIN_READ
  [F_I32], // EV_HANDED_OVER: descriptor or -1
];
const NO_OVERFLOW = 0xffffffff;

/** One drain()'s events as the flat array [kind, conn, ...fields, ...]. */
function unpackEvents(values) {
  const end = 2 + INTS[0];
  const firstRaw = INTS[1];
  const events = [];
  let v = 0;
  for (let i = 2; i < end;) {
    const kind = INTS[i];
    events.push(kind, INTS[i + 1]);
    i += 2;
    const fields = EVENT_FIELDS[kind];
    for (let f = 0; f < fields.length; f++) {
      const type = fields[f];
      if (type === F_VALUE) events.push(values[v++]);
      else if (type === F_U32) events.push(INTS[i++]);
      else events.push(INTS[i++] | 0);
    }
  }
  // Records past the shared array's room came whole, numbers too.
  if (firstRaw !== NO_OVERFLOW) {
    for (let k = firstRaw; k < values.length; k++) events.push(values[k]);
  }
  return events;
}

// Whether this Node's libuv binds and connects an abstract Unix socket name
// (leading NUL) padded with NULs to the whole sun_path, as before libuv 1.48
// (Node 20): ours must spell the name the same way to meet its peers.
const [uvMajor, uvMinor] = process.versions.uv.split('.').map(Number);
const PAD_ABSTRACT_PIPE_NAMES = uvMajor === 1 && uvMinor < 48;

module.exports = {
  binding,
  fast,
  unpackEvents,
  PAD_ABSTRACT_PIPE_NAMES,
  // [kind, conn, ...fields]; the number after each name is the record width.
  EV_CONNECTION: 1, // 2
  EV_REQUEST: 2, // 4: head ("method\0url\0name\0value…", latin1), flags
  EV_BODY: 3, // 3: Buffer
  EV_BODY_END: 4, // 3: trailers string or null
  EV_PARSE_ERROR: 5, // 6: code, reason, bytesParsed, rawPacket
  EV_REQUEST_TIMEOUT: 6, // 2
  EV_TIMEOUT: 7, // 2
  EV_DRAIN: 8, // 2
  EV_END: 9, // 2
  EV_CLOSE: 10, // 5: errno, syscall, bytesRead
  EV_DATA: 11, // 3: Buffer
  EV_CONNECT: 12, // 2
  EV_BODY_GATED: 13, // 3: Buffer (an EV_BODY that closed the body gate)
  EV_FIN_READ: 14, // 2: a client socket's EV_END that was a read of its own
  EV_HANDED_OVER: 15, // 3: the descriptor of an upgraded socket, or -1
  EVENT_WIDTH: EVENT_FIELDS.map((fields, kind) => (kind === 0 ? 0 : 2 + fields.length)),

  REQ_KEEP_ALIVE: 1 << 8,
  REQ_UPGRADE: 1 << 9,
  REQ_HAS_BODY: 1 << 10,
  REQ_PIPELINED: 1 << 12, // more requests came in the same read
  REQ_EARLY_FLUSH: 1 << 13, // 32 header fields or more (core flushes them early)

  PAUSE_BODY: binding.PAUSE_BODY,
  PAUSE_PIPELINE: binding.PAUSE_PIPELINE,
  PAUSE_SOCKET: binding.PAUSE_SOCKET,
  PAUSE_GATE: binding.PAUSE_GATE,
};
