'use strict';
// Request framing for the raw test servers (server side): splits the text a
// connection received into requests. CommonJS so that both the ESM helpers
// (client-diff.mjs) and the CJS child fixtures (client-libs-harness.js) load it.

/** Splits request bytes (latin1) into complete requests; a request is
 * complete when its head and its body (Content-Length or chunked) are in. */
function splitRequests(text) {
  const out = [];
  let pos = 0;
  while (pos < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) break;
    const head = text.slice(pos, headEnd);
    let p = headEnd + 4;
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    const chunked = /\r\ntransfer-encoding: *[^\r]*chunked/i.test(head);
    let complete = true;
    if (chunked) {
      complete = false;
      for (;;) {
        const lineEnd = text.indexOf('\r\n', p);
        if (lineEnd < 0) break;
        const size = parseInt(text.slice(p, lineEnd), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          const trailerEnd = text.indexOf('\r\n\r\n', lineEnd);
          if (trailerEnd >= 0) { p = trailerEnd + 4; complete = true; }
          break;
        }
        if (text.length < lineEnd + 2 + size + 2) break;
        p = lineEnd + 2 + size + 2;
      }
    } else if (cl) {
      const n = Number(cl[1]);
      if (text.length < p + n) complete = false;
      p += n;
    }
    if (!complete) break;
    out.push(text.slice(pos, p));
    pos = p;
  }
  return out;
}

module.exports = { splitRequests };
