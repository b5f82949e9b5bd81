//! Pure HTTP/1.x parsing, both directions: bytes in, results out. No tokio,
//! no napi.
//!
//! The oracle is core `node:http` of Node 20 (llhttp 9.3, built strict):
//! every message core accepts is accepted identically, and every message
//! core rejects is rejected with the same llhttp code (`HPE_*`), reason and,
//! where the bytes arrived in one read, `bytesParsed`. The state machines
//! follow llhttp's node graph (`src/llhttp/http.ts`, `url.ts`) and Node's
//! size accounting (`node_http_parser.cc`); the unit tests record what Node
//! itself did with each input (`checklist.rs` for requests,
//! `response_checklist.rs` for responses).
//!
//! Requests (the server):
//! - [`parse_request_head`]: one head from the start of a buffer,
//!   statelessly. [`HeadParser`] is the same parser made resumable: keep one
//!   per connection and a head that trickles in costs O(n) instead of one
//!   full re-parse per read.
//! - [`ChunkedDecoder`]: chunked bodies, extensions and trailers;
//!   [`ChunkedDecoder::keep_alive_after`] folds a trailer `Connection` into
//!   the keep-alive decision, as llhttp does.
//! - [`HeadParser::take_rejected_head`]: the one error llhttp raises after
//!   `on_headers_complete` (a `Transfer-Encoding` not ending in `chunked`),
//!   for which core emits `'request'` before `'clientError'`.
//!
//! Responses (the client):
//! - [`ResponseParser`] (resumable; keep one per request, as core
//!   initialises a parser per request) and [`parse_response_head`]: the
//!   status line and headers, given the [`ResponseContext`] (HEAD? CONNECT?)
//!   that decides the framing the way core's client decides it.
//!   [`ResponseHead::is_informational`] marks a 1xx head after which the
//!   final response follows (core emits `'information'`, and `'continue'`
//!   first for 100).
//! - [`BodyDecoder`]: the body in any framing (`Content-Length`, chunked
//!   with trailers, or up to EOF), then [`BodyDecoder::after_message`]: parse
//!   the next head, only accept CR/LF ([`reject_after_close`]), or stop
//!   (upgrade: the rest is the upgrade `head`).
//!
//! Both: [`reject_after_close`], [`check_eof`], [`reject_eof`]: llhttp's
//! verdict on bytes after a non-keep-alive message and on EOF mid-message
//! (`BodyDecoder::finish` for EOF inside a response body, where it is the
//! normal end of a close-delimited one). Core's client never shows
//! `HPE_INVALID_EOF_STATE`: it reports a cut-off head as `'socket hang up'`
//! and a cut-off body as an `'aborted'` response (`ECONNRESET`).
//!
//! After a request whose [`RequestHead::upgrade`] is set (CONNECT, or
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
//!   `Transfer-Encoding` does not end in `chunked` is read to EOF, as by
//!   llhttp ([`BodyKind::UntilEof`]). In insecure mode a request's trailer
//!   section cannot tell that the head also had `Content-Length` (llhttp
//!   would call a trailer `Content-Length` a duplicate; a response's
//!   trailers can, through [`BodyDecoder::for_response`]). An obs-folded value
//!   (insecure only) is reported as a range spanning the fold; Node's value
//!   is [`unfold_value`] of it.
//! - `maxHeaderSize: 0` means "the default" to Node's binding; here it is
//!   taken literally, so callers map 0 to
//!   [`limits::DEFAULT_MAX_HEADER_SIZE`].

pub mod body;
mod chars;
pub mod chunked;
pub mod error;
mod headers;
pub mod limits;
mod method;
#[cfg(any(test, fuzzing))]
pub mod replay;
pub mod request;
pub mod response;
mod version;

#[cfg(test)]
mod checklist;
#[cfg(test)]
mod checklist_support;
#[cfg(test)]
mod response_checklist;

pub use body::BodyDecoder;
pub use chunked::{BodyEvent, ChunkedDecoder, ChunkedEvent};
pub use error::{ErrorKind, ParseError};
pub use headers::{unfold_value, HeaderRange};
pub use method::is_known_method;
pub use request::{parse_request_head, BodyKind, HeadParser, ParseOptions, RequestHead};
pub use response::{
    parse_response_head, AfterMessage, ResponseBody, ResponseContext, ResponseHead, ResponseParser,
};

/// llhttp's `closed` state: after a message that is not keep-alive
/// ([`RequestHead::keep_alive`] false, or
/// [`ChunkedDecoder::keep_alive_after`] false; for a response,
/// [`AfterMessage::Closed`]) llhttp skips CR and LF and
/// fails on any other byte with `HPE_CLOSED_CONNECTION` ("Data after
/// `Connection: close`", checklist item 17). Core's server then answers 400
/// and the responses to earlier pipelined requests are lost; bytes that
/// arrive in a later read, after core already ended the socket, are never
/// parsed. Core's client emits the error on the request, after the
/// `'response'` it already emitted.
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

    /// The response side of the same: heads under every context, then the
    /// body in whatever framing they announce, then EOF.
    #[test]
    fn response_side_never_panics_on_random_input() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet: &[u8] =
            b"\r\n\r\n :;,=\"\t0123456789aAfF/HTTP/1.1 200 chunkedclosegzip\x00\x7f\xff";
        let prefixes: [&[u8]; 4] = [
            b"",
            b"HTTP/1.1 ",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.0 100 C\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
        ];
        for _ in 0..4000 {
            let mut input = prefixes[(next() % 4) as usize].to_vec();
            for _ in 0..next() % 96 {
                input.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let opts = ParseOptions {
                max_header_size: [0, 1, 7, 64, 16384, usize::MAX][(next() % 6) as usize],
                insecure: next() % 3 == 0,
            };
            let ctx = ResponseContext {
                method_is_head: next() % 4 == 0,
                method_is_connect: next() % 8 == 0,
            };
            let step = 1 + (next() % 9) as usize;
            let mut parser = ResponseParser::new(&opts);
            let mut buf = bytes::BytesMut::new();
            let mut body: Option<(BodyDecoder, ResponseHead)> = None;
            for piece in input.chunks(step) {
                buf.extend_from_slice(piece);
                loop {
                    if let Some((dec, h)) = body.as_mut() {
                        match dec.decode(&mut buf) {
                            Ok(Some(BodyEvent::End { .. })) => {
                                let _ = reject_after_close(&buf, &opts);
                                match dec.after_message(h) {
                                    AfterMessage::Next => body = None,
                                    _ => break,
                                }
                            }
                            Ok(Some(BodyEvent::Data(_))) => {}
                            Ok(None) | Err(_) => break,
                        }
                    } else {
                        match parser.parse(&buf, &ctx) {
                            Ok(Some(h)) => {
                                assert!(h.head_len <= buf.len());
                                let _ = &buf[h.reason.clone()];
                                let rest = buf.split_off(h.head_len);
                                buf = rest;
                                body = Some((BodyDecoder::for_response(&h, &opts), h));
                            }
                            Ok(None) => break,
                            Err(e) => {
                                assert!(e.bytes_parsed <= buf.len());
                                break;
                            }
                        }
                    }
                }
            }
            match body.as_mut() {
                Some((dec, _)) => {
                    let _ = dec.finish();
                }
                None => {
                    let _ = check_eof(&buf);
                }
            }
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
