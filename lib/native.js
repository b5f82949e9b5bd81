'use strict';
// The addon, and the event layouts `drain()` produces (src/server/events.rs
// is the other half; change both together).

const binding = require('../binding.js');

module.exports = {
  binding,
  // The hand-written hot calls and their shared array (src/binding/raw.rs).
  fast: binding.fastCalls(),
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
  EV_HANDED_OVER: 15, // 3: the descriptor of an upgraded client socket, or -1
  EVENT_WIDTH: [0, 2, 4, 3, 3, 6, 2, 2, 2, 2, 5, 3, 2, 3, 2, 3],

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
