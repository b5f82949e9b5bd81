//! Chunked transfer coding (RFC 9112 §7.1), decoded with llhttp's
//! strictness: llhttp's `chunk_size_*`, `chunk_extension_*` and
//! `chunk_data_*` nodes, then the trailer section through the same
//! `HeaderSection` machine as the head.
//!
//! Size lines and extensions are consumed as they are read, so a peer that
//! sends endless extensions or zero-padding costs no memory; chunk data is
//! handed out zero-copy (`split_to`). Limits, as in Node:
//! - chunk extensions: the names and values (quoted values with their
//!   quotes) of one chunk may add up to [`MAX_CHUNK_EXTENSIONS_SIZE`] bytes
//!   (`HPE_CHUNK_EXTENSIONS_OVERFLOW`, CVE-2024-22019);
//! - trailers: names plus values below `max_header_size`, counted from zero
//!   at the last chunk (Node resets `header_nread_` in `on_chunk_header`).

use std::borrow::Cow;

use bytes::{Buf, Bytes, BytesMut};

use super::chars::{hex_value, skip_class, HEADER_CHAR, QDTEXT, TOKEN};
use super::error::{ErrorKind, ParseError};
use super::headers::{
    flags, trim_trailing_ows, unfold_value, HeaderRange, HeaderSection, Progress,
};
use super::limits::{head_buffer_limit, Lenient, MAX_CHUNK_EXTENSIONS_SIZE};
use super::request::{ParseOptions, RequestHead};

/// `raw[r]`, or empty if `r` is not inside `raw` (it always is: the ranges
/// come from the section parser over these very bytes).
fn slice(raw: &Bytes, r: std::ops::Range<usize>) -> Bytes {
    if r.start <= r.end && r.end <= raw.len() {
        raw.slice(r)
    } else {
        Bytes::new()
    }
}

/// What [`ChunkedDecoder::decode`] (or a `BodyDecoder`) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyEvent {
    /// Body bytes (a whole chunk or a piece of one).
    Data(Bytes),
    /// The body is over: for a chunked body, the last chunk and the trailer
    /// section were read. Trailers are `(name, value)` as sent, values
    /// without surrounding OWS (always empty for other framings).
    End { trailers: Vec<(Bytes, Bytes)> },
}

/// The name this event had when only chunked bodies produced it.
pub type ChunkedEvent = BodyEvent;

/// The decoder's position, one variant per llhttp node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SizeStart,
    Size,
    SizeOtherwise,
    Extensions,
    ExtName,
    ExtValue,
    ExtQuoted,
    ExtQuotedPair,
    ExtQuotedDone,
    SizeAlmostDone,
    Data,
    DataAlmostDone,
    DataCr,
    Trailers,
    Done,
}

/// Incremental decoder for one chunked body.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    lenient: Lenient,
    max_header_size: usize,
    /// The chunk size being read, then the data still to come.
    size: u64,
    /// Node `chunk_extensions_nread_` for the current chunk.
    ext_count: usize,
    /// Start of the open extension name/value span, in the current buffer.
    ext_span: Option<usize>,
    trailers: Option<HeaderSection>,
    trailer_lines: Vec<HeaderRange>,
    /// llhttp flags after the trailer section (`Connection` may be there).
    trailer_flags: u16,
    /// The body belongs to a response (llhttp `type`), which changes what
    /// a `Transfer-Encoding` trailer may hold.
    response: bool,
    /// llhttp's flags when the head ended: the trailer section starts from
    /// them (a head `Content-Length`, allowed in insecure mode, makes a
    /// trailer one a duplicate).
    head_flags: u16,
}

type Step = Result<(), ParseError>;

fn fail<T>(kind: ErrorKind, at: usize) -> Result<T, ParseError> {
    Err(ParseError::new(kind, at))
}

impl ChunkedDecoder {
    pub fn new(opts: &ParseOptions) -> Self {
        ChunkedDecoder {
            state: State::SizeStart,
            lenient: Lenient::from_insecure(opts.insecure),
            max_header_size: opts.max_header_size,
            size: 0,
            ext_count: 0,
            ext_span: None,
            trailers: None,
            trailer_lines: Vec::new(),
            trailer_flags: 0,
            response: false,
            head_flags: flags::CHUNKED | flags::TRANSFER_ENCODING,
        }
    }

    /// A decoder for the chunked body of a response.
    pub fn for_response(opts: &ParseOptions) -> Self {
        ChunkedDecoder {
            response: true,
            ..ChunkedDecoder::new(opts)
        }
    }

    /// The same decoder, told the llhttp flags its message's head ended
    /// with.
    pub(crate) fn after_head_flags(mut self, head_flags: u16) -> Self {
        self.head_flags = head_flags;
        self
    }

    /// Whether the last chunk and the trailers have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether llhttp keeps the connection open after this message:
    /// `llhttp_should_keep_alive` re-evaluated with the `Connection` tokens
    /// of the trailer section, which core honours too (a trailer
    /// `Connection: close` makes a pipelined request `HPE_CLOSED_CONNECTION`).
    pub fn keep_alive_after(&self, head: &RequestHead) -> bool {
        self.keep_alive_with_trailers(head.version_major, head.version_minor, head.keep_alive)
    }

    /// llhttp's flags once the trailer section is read (the head's framing
    /// flags as trailers may have changed them, plus trailer `Connection`
    /// tokens).
    pub(crate) fn trailer_flags(&self) -> u16 {
        self.trailer_flags
    }

    /// [`keep_alive_after`](Self::keep_alive_after) for any message: its
    /// version and its head's keep-alive verdict (a chunked message never
    /// needs EOF, so only the `Connection` tokens count).
    pub(crate) fn keep_alive_with_trailers(&self, major: u8, minor: u8, keep_alive: bool) -> bool {
        let f = self.trailer_flags;
        if major > 0 && minor > 0 {
            keep_alive && f & flags::CONNECTION_CLOSE == 0
        } else {
            keep_alive || f & flags::CONNECTION_KEEP_ALIVE != 0
        }
    }

    /// Decodes from the front of `buf`, consuming what it used.
    ///
    /// `Ok(None)`: need more bytes. While the trailer section is incomplete
    /// its bytes stay in `buf` (the trailers are handed out as slices of it),
    /// so call again with the same buffer after appending to it.
    /// `bytes_parsed` of an error is an offset into `buf` as passed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<BodyEvent>, ParseError> {
        let mut p = 0;
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Trailers => {
                    buf.advance(p);
                    // Report error offsets relative to `buf` as passed.
                    return self
                        .trailers(buf)
                        .map_err(|e| ParseError::new(e.kind, e.bytes_parsed + p));
                }
                State::Data => {
                    let avail = buf.len().saturating_sub(p);
                    if avail == 0 {
                        break;
                    }
                    let n = usize::try_from(self.size).map_or(avail, |s| s.min(avail));
                    buf.advance(p);
                    let data = buf.split_to(n).freeze();
                    self.size -= n as u64;
                    if self.size == 0 {
                        self.state = State::DataAlmostDone;
                    }
                    return Ok(Some(BodyEvent::Data(data)));
                }
                _ => {
                    let Some(&b) = buf.get(p) else {
                        break;
                    };
                    p = self.step(buf, p, b)?;
                }
            }
        }
        // End of this read: Node counts the open extension span so far.
        if let Some(start) = self.ext_span {
            self.count_ext(p.saturating_sub(start), p)?;
            self.ext_span = Some(0);
        }
        buf.advance(p);
        Ok(None)
    }

    fn count_ext(&mut self, len: usize, err_at: usize) -> Step {
        self.ext_count = self.ext_count.saturating_add(len);
        if self.ext_count > MAX_CHUNK_EXTENSIONS_SIZE {
            return fail(ErrorKind::ChunkExtensionsOverflow, err_at);
        }
        Ok(())
    }

    /// Ends the open extension span at `end` (Node's `on_chunk_extension`).
    fn end_ext(&mut self, end: usize, err_at: usize) -> Step {
        match self.ext_span.take() {
            Some(start) => self.count_ext(end.saturating_sub(start), err_at),
            None => Ok(()),
        }
    }

    /// llhttp `on_chunk_header`: a size line is complete.
    fn chunk_header(&mut self) {
        self.ext_count = 0;
        self.state = if self.size == 0 {
            State::Trailers
        } else {
            State::Data
        };
    }

    /// One transition at byte `b`, offset `p`; returns the next offset.
    fn step(&mut self, buf: &[u8], p: usize, b: u8) -> Result<usize, ParseError> {
        let l = self.lenient;
        let next = p + 1;
        match self.state {
            State::SizeStart => match hex_value(b) {
                Some(d) => {
                    self.size = d;
                    self.state = State::Size;
                    Ok(next)
                }
                None => fail(ErrorKind::InvalidChunkSize, p),
            },
            State::Size => match hex_value(b) {
                // More than 16 significant hex digits overflow u64.
                Some(d) => match self.size.checked_mul(16).and_then(|v| v.checked_add(d)) {
                    Some(v) => {
                        self.size = v;
                        Ok(next)
                    }
                    None => fail(ErrorKind::ChunkSizeOverflow, next),
                },
                None => {
                    self.state = State::SizeOtherwise;
                    Ok(p)
                }
            },
            State::SizeOtherwise => match b {
                b' ' | b'\t' if l.spaces_after_chunk_size => Ok(next),
                b' ' | b'\t' => fail(ErrorKind::InvalidChunkSize, next),
                b'\r' => self.to(State::SizeAlmostDone, next),
                b'\n' if l.optional_cr_before_lf => self.to(State::SizeAlmostDone, next),
                b'\n' => fail(ErrorKind::CrExpectedAfterChunkSize, next),
                b';' => self.to(State::Extensions, next),
                _ => fail(ErrorKind::InvalidChunkSize, p),
            },
            State::Extensions => match b {
                b' ' | b'\r' => fail(ErrorKind::StrictChunkExtensions, next),
                _ => {
                    self.ext_span = Some(p);
                    self.to(State::ExtName, p)
                }
            },
            State::ExtName => match b {
                _ if TOKEN[usize::from(b)] => Ok(skip_class(buf, p, &TOKEN)),
                b'=' => {
                    self.end_ext(p, next)?;
                    self.ext_span = Some(next);
                    self.to(State::ExtValue, next)
                }
                _ => self.ext_end(
                    p,
                    b,
                    ErrorKind::CrExpectedAfterChunkExtensionName,
                    ErrorKind::StrictChunkExtensionName,
                ),
            },
            State::ExtValue => match b {
                b'"' => self.to(State::ExtQuoted, next),
                _ if TOKEN[usize::from(b)] => Ok(skip_class(buf, p, &TOKEN)),
                _ => self.ext_end(
                    p,
                    b,
                    ErrorKind::CrExpectedAfterChunkExtensionValue,
                    ErrorKind::StrictChunkExtensionValue,
                ),
            },
            State::ExtQuoted => match b {
                _ if QDTEXT[usize::from(b)] => Ok(skip_class(buf, p, &QDTEXT)),
                b'"' => {
                    self.end_ext(next, next)?;
                    self.to(State::ExtQuotedDone, next)
                }
                b'\\' => self.to(State::ExtQuotedPair, next),
                _ => {
                    self.end_ext(p, next)?;
                    fail(ErrorKind::StrictChunkExtensionQuotedValue, next)
                }
            },
            State::ExtQuotedPair => match b {
                _ if HEADER_CHAR[usize::from(b)] => self.to(State::ExtQuoted, next),
                _ => {
                    self.end_ext(p, next)?;
                    fail(ErrorKind::StrictChunkExtensionQuotedPair, next)
                }
            },
            State::ExtQuotedDone => match b {
                b';' => self.to(State::Extensions, next),
                b'\r' => self.to(State::SizeAlmostDone, next),
                b'\n' if l.optional_cr_before_lf => self.to(State::SizeAlmostDone, p),
                b'\n' => fail(ErrorKind::CrExpectedAfterChunkExtensionValue, p),
                _ => fail(ErrorKind::StrictChunkExtensionAfterQuote, p),
            },
            State::SizeAlmostDone => match b {
                b'\n' => {
                    self.chunk_header();
                    Ok(next)
                }
                _ if l.optional_lf_after_cr => {
                    self.chunk_header();
                    Ok(p)
                }
                _ => fail(ErrorKind::StrictLfAfterChunkSize, p),
            },
            State::DataAlmostDone => match b {
                b'\r' => self.to(State::DataCr, next),
                b'\n' if l.optional_cr_before_lf => self.to(State::SizeStart, next),
                b'\n' => fail(ErrorKind::CrExpectedAfterChunkData, next),
                _ if l.optional_crlf_after_chunk => self.to(State::SizeStart, p),
                _ => fail(ErrorKind::StrictLfAfterChunkData, p),
            },
            State::DataCr => match b {
                b'\n' => self.to(State::SizeStart, next),
                _ if l.optional_crlf_after_chunk => self.to(State::SizeStart, p),
                _ => fail(ErrorKind::StrictLfAfterChunkData, p),
            },
            State::Data | State::Trailers | State::Done => Ok(p),
        }
    }

    fn to(&mut self, state: State, pos: usize) -> Result<usize, ParseError> {
        self.state = state;
        Ok(pos)
    }

    /// The byte after an extension name or unquoted value: `;` starts the
    /// next extension, CR (or a lenient bare LF) ends the size line.
    fn ext_end(
        &mut self,
        p: usize,
        b: u8,
        bare_lf: ErrorKind,
        invalid: ErrorKind,
    ) -> Result<usize, ParseError> {
        match b {
            b';' => {
                self.end_ext(p, p + 1)?;
                self.to(State::Extensions, p + 1)
            }
            b'\r' => {
                self.end_ext(p, p + 1)?;
                self.to(State::SizeAlmostDone, p + 1)
            }
            b'\n' => {
                self.end_ext(p, p)?;
                if !self.lenient.optional_cr_before_lf {
                    return fail(bare_lf, p);
                }
                self.to(State::SizeAlmostDone, p)
            }
            _ => {
                self.end_ext(p, p + 1)?;
                fail(invalid, p + 1)
            }
        }
    }

    /// The trailer section: parsed in place, handed out as slices.
    fn trailers(&mut self, buf: &mut BytesMut) -> Result<Option<BodyEvent>, ParseError> {
        let (max, lenient, response) = (self.max_header_size, self.lenient, self.response);
        let head_flags = self.head_flags;
        let section = self.trailers.get_or_insert_with(|| {
            let s = HeaderSection::trailers(0, head_flags, max, lenient);
            if response {
                s.in_response()
            } else {
                s
            }
        });
        match section.run(buf, &mut self.trailer_lines)? {
            Progress::Done(end) => {
                self.trailer_flags = section.flags;
                self.state = State::Done;
                let raw = buf.split_to(end).freeze();
                let trailers = self
                    .trailer_lines
                    .drain(..)
                    .map(|(name, value)| {
                        let value = trim_trailing_ows(&raw, value);
                        let value = slice(&raw, value);
                        // Insecure mode only: an obs-folded trailer is joined
                        // the way Node joins it (a copy; folds are rare).
                        let value = match unfold_value(&value) {
                            Cow::Borrowed(_) => value,
                            Cow::Owned(v) => Bytes::from(v),
                        };
                        (slice(&raw, name), value)
                    })
                    .collect();
                Ok(Some(BodyEvent::End { trailers }))
            }
            Progress::NeedMore => {
                section.check_partial_overflow(buf.len())?;
                if buf.len() >= head_buffer_limit(max) {
                    return fail(ErrorKind::HeaderOverflow, buf.len());
                }
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Decoded = (Vec<u8>, Result<Vec<(Bytes, Bytes)>, ParseError>);

    fn decode_all(input: &[u8], piece: usize) -> Decoded {
        let mut dec = ChunkedDecoder::new(&ParseOptions::default());
        let mut buf = BytesMut::new();
        let mut body = Vec::new();
        for read in input.chunks(piece) {
            buf.extend_from_slice(read);
            loop {
                match dec.decode(&mut buf) {
                    Ok(Some(BodyEvent::Data(d))) => body.extend_from_slice(&d),
                    Ok(Some(BodyEvent::End { trailers })) => return (body, Ok(trailers)),
                    Ok(None) => break,
                    Err(e) => return (body, Err(e)),
                }
            }
        }
        (body, Ok(Vec::new()))
    }

    const BODY: &[u8] =
        b"5;a=b\r\nhello\r\n6;q=\"x y\"\r\n world\r\n0\r\nT-A: v \r\nT-B:\r\n\r\nnext";

    #[test]
    fn data_and_trailers_come_out_whatever_the_read_size() {
        for piece in [1, 2, 3, 7, BODY.len()] {
            let (body, trailers) = decode_all(BODY, piece);
            assert_eq!(body, b"hello world", "piece {piece}");
            let t = trailers.expect("valid");
            // Node: rawTrailers ["T-A", "v", "T-B", ""].
            assert_eq!(
                t,
                [
                    (Bytes::from("T-A"), Bytes::from("v")),
                    (Bytes::from("T-B"), Bytes::new())
                ]
            );
        }
    }

    #[test]
    fn decode_consumes_exactly_the_body() {
        let mut dec = ChunkedDecoder::new(&ParseOptions::default());
        let mut buf = BytesMut::from(BODY);
        while let Ok(Some(ev)) = dec.decode(&mut buf) {
            if matches!(ev, BodyEvent::End { .. }) {
                break;
            }
        }
        assert!(dec.is_done());
        assert_eq!(&buf[..], b"next");
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert_eq!(&buf[..], b"next");
    }

    #[test]
    fn data_is_split_off_the_buffer_without_copying() {
        let mut dec = ChunkedDecoder::new(&ParseOptions::default());
        let mut buf = BytesMut::from(&b"5\r\nhello\r\n"[..]);
        let base = buf.as_ptr() as usize;
        let Ok(Some(BodyEvent::Data(d))) = dec.decode(&mut buf) else {
            panic!("data expected");
        };
        assert_eq!(d.as_ptr() as usize, base + 3);
    }

    #[test]
    fn size_line_garbage_is_consumed_not_buffered() {
        // Leading zeros never overflow (Node accepts them) and need no memory.
        let mut dec = ChunkedDecoder::new(&ParseOptions::default());
        let mut buf = BytesMut::from(&b"0000000000000000000000000000"[..]);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert!(buf.is_empty());
    }

    #[test]
    fn error_offsets_are_relative_to_the_buffer_passed() {
        // Node: "Invalid character in chunk size" one byte into "0x3".
        let (_, r) = decode_all(b"0x3\r\n", 64);
        let e = r.expect_err("0x prefix");
        assert_eq!((e.code(), e.bytes_parsed), ("HPE_INVALID_CHUNK_SIZE", 1));
    }

    #[test]
    fn trailer_connection_tokens_change_keep_alive_like_llhttp() {
        let opts = ParseOptions::default();
        let head = match super::super::request::parse_request_head(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            &opts,
        ) {
            Ok(Some(h)) => h,
            other => panic!("{other:?}"),
        };
        let mut dec = ChunkedDecoder::new(&opts);
        let mut buf = BytesMut::from(&b"0\r\nConnection: close\r\n\r\n"[..]);
        assert!(matches!(
            dec.decode(&mut buf),
            Ok(Some(BodyEvent::End { .. }))
        ));
        // Node: the next pipelined request gets HPE_CLOSED_CONNECTION.
        assert!(head.keep_alive);
        assert!(!dec.keep_alive_after(&head));
    }
}
