//! Pure HTTP/1.x request parsing: bytes in, results out. No tokio, no napi.
//!
//! The oracle is core `node:http` of Node 20 (llhttp 9.3, built strict):
//! every request core accepts is accepted identically, and every request
//! core rejects is rejected with the same llhttp code (`HPE_*`), reason and,
//! where the bytes arrived in one read, `bytesParsed`. The state machines
//! follow llhttp's node graph (`src/llhttp/http.ts`, `url.ts`) and Node's
//! size accounting (`node_http_parser.cc`); the unit tests record what Node
//! itself did with each input (`checklist.rs`).
//!
//! - [`parse_request_head`]: one head from the start of a buffer,
//!   statelessly. [`HeadParser`] is the same parser made resumable: keep one
//!   per connection and a head that trickles in costs O(n) instead of one
//!   full re-parse per read.
//! - [`ChunkedDecoder`]: chunked bodies, extensions and trailers;
//!   [`ChunkedDecoder::keep_alive_after`] folds a trailer `Connection` into
//!   the keep-alive decision, as llhttp does.
//! - [`reject_after_close`], [`check_eof`], [`reject_eof`]: llhttp's verdict
//!   on bytes after a non-keep-alive message and on EOF mid-message.
//! - [`HeadParser::take_rejected_head`]: the one error llhttp raises after
//!   `on_headers_complete` (a `Transfer-Encoding` not ending in `chunked`),
//!   for which core emits `'request'` before `'clientError'`.
//!
//! After a message whose [`RequestHead::upgrade`] is set (CONNECT, or
//! `Upgrade` with `Connection: upgrade`) llhttp stops parsing the
//! connection. A request line that ends without a version (`GET /\r\n`)
//! is HTTP/0.9 to llhttp, header lines included; `PRI` that way is a
//! method core's server answers by destroying the socket.
//!
//! # Not matched
//! - Buffered-size bound: llhttp streams, this parser keeps the head in the
//!   caller's buffer; a head larger than [`limits::head_buffer_limit`] is
//!   `HPE_HEADER_OVERFLOW` here even when core would still accept it (only
//!   possible with uncounted padding, see [`limits::HEAD_BUFFER_FACTOR`]).
//!   The same bound applies to a trailer section.
//! - Insecure mode (`insecureHTTPParser`): a request whose
//!   `Transfer-Encoding` does not end in `chunked` is read to EOF by llhttp;
//!   here it is still rejected (`HPE_INVALID_TRANSFER_ENCODING`), since
//!   [`BodyKind`] has no read-to-EOF framing. In insecure mode a trailer
//!   section cannot tell that the head also had `Content-Length` (llhttp
//!   would call a trailer `Content-Length` a duplicate). An obs-folded value
//!   (insecure only) is reported as a range spanning the fold; Node's value
//!   is [`unfold_value`] of it.

mod chars;
pub mod chunked;
pub mod error;
mod headers;
pub mod limits;
mod method;
pub mod request;

#[cfg(test)]
mod checklist;

pub use chunked::{ChunkedDecoder, ChunkedEvent};
pub use error::{ErrorKind, ParseError};
pub use headers::{unfold_value, HeaderRange};
pub use method::is_known_method;
pub use request::{parse_request_head, BodyKind, HeadParser, ParseOptions, RequestHead};

/// llhttp's `closed` state: after a message that is not keep-alive
/// ([`RequestHead::keep_alive`] false, or
/// [`ChunkedDecoder::keep_alive_after`] false) llhttp skips CR and LF and
/// fails on any other byte with `HPE_CLOSED_CONNECTION` ("Data after
/// `Connection: close`", checklist item 17). Core then answers 400 and the
/// responses to earlier pipelined requests are lost; bytes that arrive in a
/// later read, after core already ended the socket, are never parsed.
///
/// `rest` is what followed the message in the same read. Returns `None` if
/// it is only CR/LF, or in insecure mode (llhttp's lenient keep-alive flag
/// lets the parser go on to the next request). `bytes_parsed` is relative to
/// `rest`; add the bytes of the read consumed before it to get Node's.
pub fn reject_after_close(rest: &[u8], opts: &ParseOptions) -> Option<ParseError> {
    if opts.insecure {
        return None;
    }
    let at = rest.iter().position(|&b| b != b'\r' && b != b'\n')?;
    Some(ParseError::new(ErrorKind::ClosedConnection, at + 1))
}

/// `llhttp_finish` when the peer half-closes: `HPE_INVALID_EOF_STATE`
/// ("Invalid EOF state", `bytesParsed` 0; Node's message is just
/// "Parse Error") if a message had begun, i.e. `pending` (the unparsed bytes
/// of the next head) holds anything but CR/LF. Call [`reject_eof`] instead
/// when EOF comes in the middle of a body.
pub fn check_eof(pending: &[u8]) -> Result<(), ParseError> {
    if pending.iter().all(|&b| b == b'\r' || b == b'\n') {
        Ok(())
    } else {
        Err(reject_eof())
    }
}

/// The error for EOF inside a message (head or body); see [`check_eof`].
pub fn reject_eof() -> ParseError {
    ParseError::new(ErrorKind::InvalidEofState, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_after_close_is_ignored_like_llhttp_closed_state() {
        assert_eq!(
            reject_after_close(b"\r\n\r\n", &ParseOptions::default()),
            None
        );
        assert_eq!(reject_after_close(b"", &ParseOptions::default()), None);
    }

    #[test]
    fn other_bytes_after_close_are_closed_connection_one_past_the_byte() {
        let e = reject_after_close(b"\r\nGET", &ParseOptions::default());
        assert_eq!(e, Some(ParseError::new(ErrorKind::ClosedConnection, 3)));
    }

    #[test]
    fn insecure_mode_never_rejects_after_close() {
        let opts = ParseOptions {
            insecure: true,
            ..ParseOptions::default()
        };
        assert_eq!(reject_after_close(b"GET", &opts), None);
    }

    /// Random bytes over an HTTP-ish alphabet, whole and split, with odd
    /// limits: every call must return, never panic, and the parsers must
    /// only ever consume what they were given.
    #[test]
    fn never_panics_on_random_input() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet: &[u8] =
            b"\r\n\r\n :;,=\"\\\t0123456789aAfFgG/?#*@[]-_.HTTP/1.chunkedclose \x00\x7f\x80\xff";
        for case in 0..4000 {
            let len = (next() % 96) as usize;
            let mut input = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            if case % 2 == 0 {
                input.clear();
            }
            for _ in 0..len {
                input.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let opts = ParseOptions {
                max_header_size: [0, 1, 7, 64, 16384, usize::MAX][(next() % 6) as usize],
                insecure: next() % 3 == 0,
            };
            let step = 1 + (next() % 9) as usize;
            let mut head = HeadParser::new(&opts);
            let mut fed = 0;
            while fed < input.len() {
                fed = (fed + step).min(input.len());
                match head.parse(&input[..fed]) {
                    Ok(Some(h)) => {
                        assert!(h.head_len <= fed);
                        let mut rest = bytes::BytesMut::from(&input[h.head_len..]);
                        let mut dec = ChunkedDecoder::new(&opts);
                        while let Ok(Some(_)) = dec.decode(&mut rest) {}
                        let _ = reject_after_close(&rest, &opts);
                        break;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        assert!(e.bytes_parsed <= fed);
                        break;
                    }
                }
            }
            let _ = parse_request_head(&input, &opts);
            let _ = check_eof(&input);
        }
    }

    #[test]
    fn eof_with_only_empty_lines_pending_is_clean() {
        assert_eq!(check_eof(b"\r\n"), Ok(()));
        assert_eq!(
            check_eof(b"G").map_err(|e| e.code()),
            Err("HPE_INVALID_EOF_STATE")
        );
    }
}
