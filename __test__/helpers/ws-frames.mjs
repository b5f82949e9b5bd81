// WebSocket framing (RFC 6455) for raw-byte library specs (stream-libs,
// ws-proxy-libs): masked client frames with a fixed key and mask, so the
// bytes a server answers are the same every run, and the server's frames
// as readable strings.

import { createRequire } from 'node:module';
import { head } from './lib-scenario.mjs';

const require = createRequire(import.meta.url);
const crypto = require('node:crypto');

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);

export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
export const MASK = Buffer.from([0x11, 0x22, 0x33, 0x44]);

/** The header of a masked client frame (with its mask) for `len` bytes. */
export function frameHeader(op, len, fin = true) {
  let hdr;
  if (len < 126) hdr = Buffer.from([(fin ? 0x80 : 0) | op, 0x80 | len]);
  else if (len < 65536) {
    hdr = Buffer.alloc(4);
    hdr[0] = (fin ? 0x80 : 0) | op;
    hdr[1] = 0x80 | 126;
    hdr.writeUInt16BE(len, 2);
  } else {
    hdr = Buffer.alloc(10);
    hdr[0] = (fin ? 0x80 : 0) | op;
    hdr[1] = 0x80 | 127;
    hdr.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([hdr, MASK]);
}

/** `data` masked with MASK. */
export const masked = (data) => Buffer.from(data.map((v, i) => v ^ MASK[i & 3]));

/** A masked client frame: `op` (1 text, 2 binary, 0 continuation, 8 close,
 * 9 ping, 10 pong), `fin`. */
export function frame(op, payload = '', fin = true) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  return Buffer.concat([frameHeader(op, data.length, fin), masked(data)]);
}
export const text = (s) => frame(1, s);
export const closeFrame = (code, reason = '') => {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return frame(8, b);
};

export const WS = { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': KEY, 'Sec-WebSocket-Version': 13 };
/** A websocket handshake request. */
export const wsHead = (path, id, extra = {}) => head('GET', path, id, { ...WS, ...extra });

/** The server frames (unmasked) in `buf` after the handshake's head, as
 * 'op:payload' strings (payloads over 64 bytes as size and hash); and the
 * number of bytes left over. */
export function frames(buf) {
  const at = buf.indexOf('\r\n\r\n');
  let i = at === -1 ? buf.length : at + 4;
  const out = [];
  while (i + 2 <= buf.length) {
    const b0 = buf[i];
    let len = buf[i + 1] & 0x7f;
    let p = i + 2;
    if (len === 126) { if (p + 2 > buf.length) break; len = buf.readUInt16BE(p); p += 2; }
    else if (len === 127) { if (p + 8 > buf.length) break; len = Number(buf.readBigUInt64BE(p)); p += 8; }
    if (p + len > buf.length) break;
    const payload = buf.subarray(p, p + len);
    const op = b0 & 0x0f;
    let shown;
    if (op === 8 && len >= 2) shown = `${payload.readUInt16BE(0)} ${payload.subarray(2).toString()}`;
    else shown = len > 64 ? `${len} bytes ${sha(payload)}` : payload.toString('latin1');
    out.push(`${(b0 & 0x80) ? '' : 'nofin '}${op}:${shown}`);
    i = p + len;
  }
  return { frames: out, rest: buf.length - i };
}

/** What a raw websocket connection saw: the head, the frames. */
export function wsView(c) {
  const v = c.view();
  const bytes = c.bytes();
  const at = bytes.indexOf('\r\n\r\n');
  return { head: v.got.slice(0, at + 4), ...frames(bytes), ended: v.ended, closed: v.closed, error: v.error };
}
