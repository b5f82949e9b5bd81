//! Response bodies (RFC 9112 §6.3), in the three framings a response can
//! have: `Content-Length`, chunked (through [`ChunkedDecoder`], trailers
//! included) and close-delimited, where EOF is the normal end.
//!
//! One decoder per response; its `decode` hands out body bytes zero-copy
//! (`split_to`) and ends with [`BodyEvent::End`], so the connection task
//! drives every framing the same way. At EOF it calls
//! [`BodyDecoder::finish`], which is llhttp's `llhttp_finish`: the end of a
//! close-delimited body, `HPE_INVALID_EOF_STATE` for any other unfinished
//! body (core's client ignores that error and reports the cut-off response
//! as `'aborted'` / `ECONNRESET` instead).
//!
//! A client connection drives one request's responses like this:
//!
//! ```text
//! parser = ResponseParser::new(&opts)          // one per request
//! loop {
//!     head = parser.parse(&buf, &ctx)?          // None: read more; EOF: check_eof(&buf)
//!     buf.advance(head.head_len)
//!     if head.upgrade { 'upgrade' / 'connect' with the rest of buf; stop }
//!     if head.is_informational() { 'continue' (100), 'information' }
//!     else { 'response' }
//!     dec = BodyDecoder::for_response(&head, &opts)
//!     until End: dec.decode(&mut buf)?          // None: read more; EOF: dec.finish()
//!     match dec.after_message(&head) {
//!         Next => parse on (the final response after an informational
//!                 head; core destroys the socket when the head of a
//!                 second final response arrives in the same read),
//!         Closed => reject_after_close(&buf, &opts) (core emits that
//!                   error on the request, even after its 'response'),
//!         Stop => a 101 without upgrade headers: the rest is ignored,
//!     }
//! }
//! ```

use bytes::BytesMut;

use super::chunked::{BodyEvent, ChunkedDecoder};
use super::error::ParseError;
use super::headers::flags;
use super::reject_eof;
use super::request::ParseOptions;
use super::response::{AfterMessage, ResponseBody, ResponseHead};

/// Where the body stands.
#[derive(Debug, Clone)]
enum State {
    /// This many bytes are still to come; at 0 the next call ends the body.
    Length(u64),
    Chunked(Box<ChunkedDecoder>),
    /// Everything until EOF.
    UntilClose,
    /// `End` was handed out.
    Done,
}

/// Incremental decoder for one response body.
#[derive(Debug, Clone)]
pub struct BodyDecoder {
    state: State,
    /// llhttp's lenient keep-alive flag (insecure mode): never `Closed`.
    lenient_keep_alive: bool,
}

impl BodyDecoder {
    /// A decoder for the body `head` announced.
    pub fn for_response(head: &ResponseHead, opts: &ParseOptions) -> Self {
        let mut dec = Self::new(head.body, opts);
        if let State::Chunked(chunked) = dec.state {
            dec.state = State::Chunked(Box::new(chunked.after_head_flags(head.flags)));
        }
        dec
    }

    /// A decoder for a response body framed as `body`.
    pub fn new(body: ResponseBody, opts: &ParseOptions) -> Self {
        let state = match body {
            ResponseBody::Empty => State::Length(0),
            ResponseBody::Length(n) => State::Length(n),
            ResponseBody::Chunked => State::Chunked(Box::new(ChunkedDecoder::for_response(opts))),
            ResponseBody::UntilClose => State::UntilClose,
        };
        BodyDecoder {
            state,
            lenient_keep_alive: opts.insecure,
        }
    }

    /// Whether [`BodyEvent::End`] was handed out.
    pub fn is_done(&self) -> bool {
        match &self.state {
            State::Done => true,
            State::Chunked(dec) => dec.is_done(),
            _ => false,
        }
    }

    /// Whether the body ends only at EOF (then [`finish`](Self::finish)
    /// ends it, and the connection cannot be reused).
    pub fn ends_at_eof(&self) -> bool {
        matches!(self.state, State::UntilClose)
    }

    /// Decodes from the front of `buf`, consuming what it used.
    ///
    /// `Ok(Some(Data))`: body bytes. `Ok(Some(End))`: the body is complete
    /// (an empty body ends on the first call, even with `buf` empty); what
    /// is left in `buf` follows the message (see
    /// [`after_message`](Self::after_message)). `Ok(None)`: need more bytes
    /// (or the body is done). Only a chunked body can fail; `bytes_parsed`
    /// is then an offset into `buf` as passed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<BodyEvent>, ParseError> {
        match &mut self.state {
            State::Length(0) => Ok(Some(self.end())),
            State::Length(remaining) => {
                if buf.is_empty() {
                    return Ok(None);
                }
                let n = usize::try_from(*remaining).map_or(buf.len(), |r| r.min(buf.len()));
                *remaining -= n as u64;
                Ok(Some(BodyEvent::Data(buf.split_to(n).freeze())))
            }
            // The decoder stays after its `End`: its trailers decide
            // `after_message`.
            State::Chunked(dec) => dec.decode(buf),
            State::UntilClose => {
                if buf.is_empty() {
                    return Ok(None);
                }
                Ok(Some(BodyEvent::Data(buf.split().freeze())))
            }
            State::Done => Ok(None),
        }
    }

    fn end(&mut self) -> BodyEvent {
        self.state = State::Done;
        BodyEvent::End {
            trailers: Vec::new(),
        }
    }

    /// The peer closed the connection (llhttp `llhttp_finish`).
    ///
    /// A close-delimited body ends here (`Ok(Some(End))`); a body that
    /// already ended gives `Ok(None)`; any other body was cut short:
    /// `HPE_INVALID_EOF_STATE`.
    pub fn finish(&mut self) -> Result<Option<BodyEvent>, ParseError> {
        match &self.state {
            State::UntilClose | State::Length(0) => Ok(Some(self.end())),
            _ if self.is_done() => Ok(None),
            State::Length(_) | State::Chunked(_) | State::Done => Err(reject_eof()),
        }
    }

    /// What llhttp does after this body's `End`: `head.after`, except that
    /// a chunked body's trailers can change the keep-alive verdict, since
    /// llhttp reads them as it reads the head: `Connection` tokens count,
    /// and a trailer `Transfer-Encoding` not ending in `chunked` makes the
    /// message one that "needs EOF", so the connection is done.
    pub fn after_message(&self, head: &ResponseHead) -> AfterMessage {
        let State::Chunked(dec) = &self.state else {
            return head.after;
        };
        if head.after == AfterMessage::Stop {
            return head.after;
        }
        let f = dec.trailer_flags();
        let needs_eof = f & flags::TRANSFER_ENCODING != 0 && f & flags::CHUNKED == 0;
        let keep_alive =
            dec.keep_alive_with_trailers(head.version_major, head.version_minor, head.keep_alive);
        if (keep_alive && !needs_eof) || self.lenient_keep_alive {
            AfterMessage::Next
        } else {
            AfterMessage::Closed
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::super::response::{parse_response_head, ResponseContext};
    use super::*;

    fn decoder(head: &[u8]) -> (BodyDecoder, ResponseHead) {
        let opts = ParseOptions::default();
        let ctx = ResponseContext::default();
        match parse_response_head(head, &opts, &ctx) {
            Ok(Some(h)) => (BodyDecoder::for_response(&h, &opts), h),
            other => panic!("expected a head, got {other:?}"),
        }
    }

    fn end() -> Option<BodyEvent> {
        Some(BodyEvent::End {
            trailers: Vec::new(),
        })
    }

    #[test]
    fn length_body_is_split_off_without_copying_and_leaves_the_rest() {
        let (mut dec, _) = decoder(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        let mut buf = BytesMut::from(&b"helloHTTP/1.1"[..]);
        let base = buf.as_ptr() as usize;
        let Ok(Some(BodyEvent::Data(d))) = dec.decode(&mut buf) else {
            panic!("data expected");
        };
        assert_eq!((&d[..], d.as_ptr() as usize), (&b"hello"[..], base));
        assert_eq!(dec.decode(&mut buf), Ok(end()));
        assert_eq!(&buf[..], b"HTTP/1.1");
        assert!(dec.is_done());
        assert_eq!(dec.decode(&mut buf), Ok(None));
    }

    #[test]
    fn empty_body_ends_on_the_first_call_without_bytes() {
        let (mut dec, h) = decoder(b"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n");
        let mut buf = BytesMut::new();
        assert_eq!(dec.decode(&mut buf), Ok(end()));
        assert_eq!(dec.after_message(&h), AfterMessage::Next);
    }

    #[test]
    fn close_delimited_body_ends_only_at_eof() {
        let (mut dec, h) = decoder(b"HTTP/1.0 200 OK\r\n\r\n");
        assert!(dec.ends_at_eof());
        let mut buf = BytesMut::from(&b"all of it"[..]);
        assert_eq!(
            dec.decode(&mut buf),
            Ok(Some(BodyEvent::Data(Bytes::from_static(b"all of it"))))
        );
        assert_eq!(dec.decode(&mut buf), Ok(None));
        // Node: parser.finish() completes the message ('end', complete).
        assert_eq!(dec.finish(), Ok(end()));
        assert_eq!(dec.finish(), Ok(None));
        assert_eq!(dec.after_message(&h), AfterMessage::Closed);
    }

    #[test]
    fn eof_cuts_length_and_chunked_bodies_short() {
        // Node: parser.finish() is HPE_INVALID_EOF_STATE; core's client
        // reports the response as 'aborted' (ECONNRESET) instead.
        let (mut dec, _) = decoder(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        let mut buf = BytesMut::from(&b"abc"[..]);
        assert!(matches!(dec.decode(&mut buf), Ok(Some(BodyEvent::Data(_)))));
        assert_eq!(
            dec.finish().map_err(|e| e.code()),
            Err("HPE_INVALID_EOF_STATE")
        );
        let (mut dec, _) = decoder(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(
            dec.finish().map_err(|e| e.code()),
            Err("HPE_INVALID_EOF_STATE")
        );
    }

    #[test]
    fn chunked_trailers_can_close_the_connection() {
        let (mut dec, h) = decoder(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(h.after, AfterMessage::Next);
        let mut buf = BytesMut::from(&b"1\r\na\r\n0\r\nConnection: close\r\n\r\n"[..]);
        assert!(matches!(dec.decode(&mut buf), Ok(Some(BodyEvent::Data(_)))));
        assert!(matches!(
            dec.decode(&mut buf),
            Ok(Some(BodyEvent::End { trailers })) if trailers.len() == 1
        ));
        assert!(dec.is_done());
        assert_eq!(dec.finish(), Ok(None));
        // Node: the next bytes are HPE_CLOSED_CONNECTION.
        assert_eq!(dec.after_message(&h), AfterMessage::Closed);
    }
}
