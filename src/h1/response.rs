//! The response head (RFC 9112 §4): status line, then the header section,
//! for the HTTP client.
//!
//! [`ResponseParser`] walks llhttp's response nodes (`start_res` …
//! `res_line_almost_done`) and hands over to the same `HeaderSection` the
//! request side uses (in response mode: a response may list codings after
//! `chunked`). When the empty line arrives it decides what core's client
//! decides: `parserOnIncomingClient` (`_http_client.js`) tells llhttp to
//! skip the body of a 1xx, of a HEAD response and of a 304, and to treat a
//! CONNECT response as an upgrade; llhttp's `after_headers_complete` then
//! picks the framing (RFC 9112 §6.3) and `llhttp_should_keep_alive` the
//! connection's fate. Nothing is copied: the head is offsets into the
//! caller's buffer.
//!
//! A 1xx other than 101 is an *informational* head
//! ([`ResponseHead::is_informational`]): core emits `'information'` for it
//! (and `'continue'` first for 100), and the final response follows on the
//! same connection; parse on after `head_len`. A 101 without
//! `Upgrade` + `Connection: upgrade` is, for core, a final response with no
//! body after which llhttp parses nothing more ([`AfterMessage::Stop`]).

use std::ops::Range;

use super::error::{ErrorKind, ParseError};
use super::headers::{flags, trim_trailing_ows, HeaderRange, HeaderSection, Progress};
use super::limits::{head_buffer_limit, Lenient, INITIAL_HEADERS_CAPACITY};
use super::request::ParseOptions;
use super::version::{version_byte, Version, VersionStep};

/// What the request was, because it decides the response framing
/// (RFC 9112 §6.3 items 1 and 2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseContext {
    /// A response to HEAD has no body whatever its headers say.
    pub method_is_head: bool,
    /// Any response to CONNECT is an upgrade for core's client (it emits
    /// `'connect'`, whatever the status): no body, and the bytes after the
    /// head belong to the tunnel.
    pub method_is_connect: bool,
}

/// How the body of a response is framed (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseBody {
    /// No body: HEAD, 1xx, 204, 304, upgrades, `Content-Length: 0`, or a
    /// response that needs no EOF and declares no length.
    Empty,
    /// `Content-Length` bytes follow.
    Length(u64),
    /// A chunked body follows (see `BodyDecoder`).
    Chunked,
    /// The body is everything up to EOF (no length declared, or a
    /// `Transfer-Encoding` whose final coding is not `chunked`). EOF is its
    /// normal end, and the connection cannot be reused.
    UntilClose,
}

/// What llhttp does with the bytes after a complete message (head and
/// body): `llhttp__after_message_complete` and the upgrade pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterMessage {
    /// The next bytes are the next response head (always so after an
    /// informational response that keeps the connection).
    Next,
    /// llhttp's `closed` state: only CR and LF may follow; anything else is
    /// `HPE_CLOSED_CONNECTION` (`reject_after_close`). Also the state after
    /// a body that ran to EOF.
    Closed,
    /// llhttp stops parsing: an upgrade or CONNECT (what follows is the
    /// upgrade `head`), or a 101 without upgrade headers (core emits it as a
    /// final response and ignores what follows in the same read).
    Stop,
}

/// A parsed response head; ranges are offsets into the parsed buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// Bytes the head occupies, leading empty lines included.
    pub head_len: usize,
    pub version_major: u8,
    pub version_minor: u8,
    /// Three digits, `000`–`999` (llhttp checks nothing else).
    pub status: u16,
    /// The status message exactly as sent, possibly empty (Node's
    /// `res.statusMessage`: not trimmed, any byte but CR and LF).
    pub reason: Range<usize>,
    /// `(name, value)` in order received; names as sent, values without
    /// leading/trailing OWS. In insecure mode only, a value continued by
    /// obs-fold spans the fold: Node's value is `unfold_value(&buf[range])`.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    pub body: ResponseBody,
    /// The `shouldKeepAlive` core's client gets with this head
    /// (`llhttp_should_keep_alive` before the body is skipped): HTTP/1.1
    /// without `Connection: close`, or `Connection: keep-alive`, and a body
    /// that does not run to EOF. A HEAD or 304 response without a length is
    /// `false` here even though its body is skipped: core then does not
    /// reuse the socket. Core ignores it for informational heads.
    pub keep_alive: bool,
    /// An upgrade as core's client sees it (`res.upgrade`): a 101 with
    /// `Upgrade` and `Connection: upgrade`, or any response to CONNECT.
    /// Body is `Empty` and every byte after the head is the upgrade `head`.
    pub upgrade: bool,
    /// What llhttp does after this message; for a chunked body ask
    /// `BodyDecoder::after_message`, which also reads the trailers.
    pub after: AfterMessage,
    /// llhttp's flags when the head ended, where a trailer section starts.
    pub(crate) flags: u16,
}

impl ResponseHead {
    /// Whether this is a 1xx informational head that the final response
    /// follows on the same connection (core's `statusIsInformational`:
    /// 100–199 except 101, and not a CONNECT response). Core emits
    /// `'information'` for it, preceded by `'continue'` for 100.
    pub fn is_informational(&self) -> bool {
        !self.upgrade && is_informational_status(self.status)
    }
}

/// Core's `statusIsInformational` (`_http_client.js`).
fn is_informational_status(status: u16) -> bool {
    (100..200).contains(&status) && status != SWITCHING_PROTOCOLS
}

const SWITCHING_PROTOCOLS: u16 = 101;
const CONTINUE: u16 = 100;
const NO_CONTENT: u16 = 204;
const NOT_MODIFIED: u16 = 304;
/// Digits in a status code: llhttp 9 wants exactly three.
const STATUS_DIGITS: u8 = 3;
/// The protocol names llhttp accepts at the start of a status line.
const PROTOCOLS: [&[u8]; 3] = [b"HTTP", b"RTSP", b"ICE"];

/// The status-line position, one variant per llhttp node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    Start,
    Protocol { start: usize },
    Version(VersionStep),
    AfterVersion,
    StatusDigit { seen: u8 },
    StatusOtherwise,
    StatusStart,
    Status,
    AlmostDone,
    Headers,
}

/// Resumable response-head parser. Feed it the same buffer again after more
/// bytes were appended; it continues where it stopped.
#[derive(Debug, Clone)]
pub struct ResponseParser {
    opts: ParseOptions,
    lenient: Lenient,
    line: Line,
    pos: usize,
    major: u8,
    minor: u8,
    status: u16,
    reason: Range<usize>,
    section: Option<HeaderSection>,
    headers: Vec<HeaderRange>,
    /// llhttp's `content_length` left over from the previous message. It is
    /// reset after a keep-alive message only; in insecure mode a message
    /// that is not keep-alive is followed by the next one anyway, and a
    /// `Content-Length` whose body was skipped (HEAD, 1xx, 204, 304) is
    /// still there: the next `Content-Length` digits are appended to it
    /// (`5` then `3` reads as 53). Core's client does exactly that.
    carried_length: u64,
}

fn fail<T>(kind: ErrorKind, at: usize) -> Result<T, ParseError> {
    Err(ParseError::new(kind, at))
}

impl ResponseParser {
    pub fn new(opts: &ParseOptions) -> Self {
        ResponseParser {
            opts: *opts,
            lenient: Lenient::from_insecure(opts.insecure),
            line: Line::Start,
            pos: 0,
            major: 0,
            minor: 0,
            status: 0,
            reason: 0..0,
            section: None,
            headers: Vec::new(),
            carried_length: 0,
        }
    }

    /// Parses on from where the previous call stopped. `buf` must be the
    /// buffer of the previous call with bytes appended (its front
    /// untouched); `ctx` is only read once the head is complete.
    ///
    /// `Ok(None)`: need more bytes. `Ok(Some(head))`: a complete head of
    /// `head.head_len` bytes. `Err(e)`: malformed; `e.code()` is llhttp's
    /// code, `e.bytes_parsed` its error position in `buf`. After
    /// `Ok(Some(_))` or an error the parser starts afresh.
    pub fn parse(
        &mut self,
        buf: &[u8],
        ctx: &ResponseContext,
    ) -> Result<Option<ResponseHead>, ParseError> {
        let r = self.run(buf, ctx);
        if !matches!(r, Ok(None)) {
            let carried_length = match &r {
                Ok(Some(_)) => self.carried_length,
                _ => 0,
            };
            *self = ResponseParser::new(&self.opts);
            self.carried_length = carried_length;
        }
        r
    }

    fn run(
        &mut self,
        buf: &[u8],
        ctx: &ResponseContext,
    ) -> Result<Option<ResponseHead>, ParseError> {
        if self.line != Line::Headers {
            self.status_line(buf)?;
        }
        if let Some(section) = self.section.as_mut() {
            if let Progress::Done(end) = section.run(buf, &mut self.headers)? {
                return Ok(Some(self.headers_complete(buf, end, ctx)));
            }
        }
        // Need more bytes: Node's end-of-read span check (the status
        // message counts towards maxHeaderSize like a request target), then
        // our own bound on buffered bytes.
        match &self.section {
            Some(section) => section.check_partial_overflow(buf.len())?,
            None if self.line == Line::Status => {
                let partial = buf.len().saturating_sub(self.reason.start);
                if partial >= self.opts.max_header_size {
                    return fail(ErrorKind::HeaderOverflow, buf.len());
                }
            }
            None => {}
        }
        if buf.len() >= head_buffer_limit(self.opts.max_header_size) {
            return fail(ErrorKind::HeaderOverflow, buf.len());
        }
        Ok(None)
    }

    /// Runs the status-line nodes until the header section starts or the
    /// bytes run out.
    fn status_line(&mut self, buf: &[u8]) -> Result<(), ParseError> {
        while self.line != Line::Headers {
            let p = self.pos;
            let Some(&b) = buf.get(p) else {
                return Ok(());
            };
            self.line_step(buf, p, b)?;
        }
        Ok(())
    }

    fn go(&mut self, pos: usize, line: Line) {
        self.pos = pos;
        self.line = line;
    }

    fn line_step(&mut self, buf: &[u8], p: usize, b: u8) -> Result<(), ParseError> {
        let l = self.lenient;
        match self.line {
            // Empty lines before a response are skipped (RFC 9112 §2.2).
            Line::Start => match b {
                b'\r' | b'\n' => self.pos = p + 1,
                _ => {
                    // Fast path: `HTTP/1.1 ` or `HTTP/1.0 `, which the nodes
                    // below would accept byte by byte.
                    let rest = buf.get(p..p + 9).unwrap_or_default();
                    if rest == b"HTTP/1.1 " || rest == b"HTTP/1.0 " {
                        self.major = 1;
                        self.minor = u8::from(rest == b"HTTP/1.1 ");
                        self.go(p + 9, Line::StatusDigit { seen: 0 });
                    } else {
                        self.line = Line::Protocol { start: p };
                    }
                }
            },
            Line::Protocol { start } => self.protocol(buf, start)?,
            Line::Version(step) => {
                match version_byte(step, b, p, &mut self.major, &mut self.minor, l.version)? {
                    Version::Next(next) => self.go(p + 1, Line::Version(next)),
                    Version::Done => self.go(p + 1, Line::AfterVersion),
                }
            }
            Line::AfterVersion => match b {
                b' ' => self.go(p + 1, Line::StatusDigit { seen: 0 }),
                _ => return fail(ErrorKind::ExpectedSpaceAfterVersion, p),
            },
            Line::StatusDigit { seen } => match b {
                b'0'..=b'9' => {
                    let digit = u16::from(b - b'0');
                    self.status = if seen == 0 {
                        digit
                    } else {
                        self.status * 10 + digit
                    };
                    let seen = seen + 1;
                    let next = if seen == STATUS_DIGITS {
                        Line::StatusOtherwise
                    } else {
                        Line::StatusDigit { seen }
                    };
                    self.go(p + 1, next);
                }
                _ => return fail(ErrorKind::InvalidStatus, p),
            },
            Line::StatusOtherwise => match b {
                b' ' => self.go(p + 1, Line::StatusStart),
                b'\r' => self.go(p + 1, Line::AlmostDone),
                b'\n' if l.optional_cr_before_lf => self.enter_headers(p + 1),
                b'\n' => return fail(ErrorKind::InvalidResponseStatus, p + 1),
                _ => return fail(ErrorKind::InvalidResponseStatus, p),
            },
            Line::StatusStart => {
                self.reason = p..p;
                self.line = Line::Status;
            }
            Line::Status => {
                let rest = buf.get(p..).unwrap_or_default();
                let Some(at) = rest.iter().position(|&c| c == b'\r' || c == b'\n') else {
                    self.pos = buf.len();
                    return Ok(());
                };
                let end = p + at;
                self.reason.end = end;
                // Node's `on_status` counts the message like a header span.
                if self.reason.len() >= self.opts.max_header_size {
                    return fail(ErrorKind::HeaderOverflow, end + 1);
                }
                match buf.get(end) {
                    Some(b'\r') => self.go(end + 1, Line::AlmostDone),
                    _ if l.optional_cr_before_lf => self.enter_headers(end + 1),
                    _ => return fail(ErrorKind::CrExpectedAfterResponseLine, end + 1),
                }
            }
            // llhttp 9.3 takes a second CR here as if it were the LF.
            Line::AlmostDone => match b {
                b'\n' | b'\r' => self.enter_headers(p + 1),
                _ if l.optional_lf_after_cr => self.enter_headers(p),
                _ => return fail(ErrorKind::StrictLfAfterCr, p),
            },
            Line::Headers => {}
        }
        Ok(())
    }

    /// llhttp `res_after_start`: `HTTP`, `RTSP` or `ICE` (any of them, for
    /// any status), matched as far as the bytes go.
    fn protocol(&mut self, buf: &[u8], start: usize) -> Result<(), ParseError> {
        let rest = buf.get(start..).unwrap_or_default();
        let lit = match rest.first() {
            Some(&first) => PROTOCOLS
                .iter()
                .find(|lit| lit.first() == Some(&first))
                .copied(),
            None => None,
        };
        let Some(lit) = lit else {
            return fail(ErrorKind::InvalidConstant, start);
        };
        for (i, want) in lit.iter().enumerate() {
            match rest.get(i) {
                None => {
                    self.pos = buf.len();
                    return Ok(());
                }
                Some(got) if got == want => {}
                Some(_) => return fail(ErrorKind::InvalidConstant, start + i),
            }
        }
        self.go(start + lit.len(), Line::Version(VersionStep::Slash));
        Ok(())
    }

    fn enter_headers(&mut self, pos: usize) {
        self.headers.reserve(INITIAL_HEADERS_CAPACITY);
        let counted = self.reason.len();
        let mut section =
            HeaderSection::after_start_line(pos, counted, self.opts.max_header_size, self.lenient)
                .in_response();
        section.content_length = self.carried_length;
        self.section = Some(section);
        self.go(pos, Line::Headers);
    }

    /// llhttp `before_headers_complete`, core's `parserOnIncomingClient`
    /// (its return value: skip the body, or skip it as an upgrade), then
    /// llhttp `after_headers_complete` and `llhttp_should_keep_alive`.
    fn headers_complete(&mut self, buf: &[u8], end: usize, ctx: &ResponseContext) -> ResponseHead {
        let (f, content_length) = match &self.section {
            Some(s) => (s.flags, s.content_length),
            None => (0, 0),
        };
        let status = self.status;
        self.carried_length = 0;
        let announced = f & flags::UPGRADE != 0 && f & flags::CONNECTION_UPGRADE != 0;
        // Upgrade headers only upgrade a 101; on other statuses they
        // announce support (llhttp `before_headers_complete`).
        let upgrade = (announced && status == SWITCHING_PROTOCOLS) || ctx.method_is_connect;
        let skip_body = upgrade
            || is_informational_status(status)
            || ctx.method_is_head
            || status == NOT_MODIFIED;
        // Core reads `shouldKeepAlive` before its callback returns.
        let keep_alive = self.should_keep_alive(f, false);
        let body = if upgrade || status == SWITCHING_PROTOCOLS || status == CONTINUE {
            ResponseBody::Empty
        } else if skip_body || matches!(status, 102 | 103 | NO_CONTENT | NOT_MODIFIED) {
            // RFC 9112 §6.3 item 1 (llhttp's list, plus what core skips).
            ResponseBody::Empty
        } else if f & flags::CHUNKED != 0 {
            ResponseBody::Chunked
        } else if f & flags::TRANSFER_ENCODING != 0 {
            // RFC 9112 §6.3 item 4: a response whose final coding is not
            // chunked is read until the server closes.
            ResponseBody::UntilClose
        } else if f & flags::CONTENT_LENGTH == 0 {
            if self.needs_eof(f, false) {
                ResponseBody::UntilClose
            } else {
                ResponseBody::Empty
            }
        } else if content_length == 0 {
            ResponseBody::Empty
        } else {
            ResponseBody::Length(content_length)
        };
        let after = if upgrade || status == SWITCHING_PROTOCOLS {
            AfterMessage::Stop
        } else if body == ResponseBody::UntilClose {
            AfterMessage::Closed
        } else if self.should_keep_alive(f, skip_body) {
            AfterMessage::Next
        } else if self.lenient.keep_alive {
            // A skipped body leaves its length behind (a read body counts
            // it down to 0, a chunked one ends on the 0 chunk).
            if body == ResponseBody::Empty {
                self.carried_length = content_length;
            }
            AfterMessage::Next
        } else {
            AfterMessage::Closed
        };
        let mut headers = std::mem::take(&mut self.headers);
        for h in headers.iter_mut() {
            h.1 = trim_trailing_ows(buf, h.1.clone());
        }
        ResponseHead {
            head_len: end,
            version_major: self.major,
            version_minor: self.minor,
            status,
            reason: self.reason.clone(),
            headers,
            body,
            keep_alive,
            upgrade,
            after,
            flags: f,
        }
    }

    /// `llhttp_message_needs_eof` (with `F_SKIPBODY` as given).
    fn needs_eof(&self, f: u16, skip_body: bool) -> bool {
        let status = self.status;
        if status / 100 == 1 || status == NO_CONTENT || status == NOT_MODIFIED || skip_body {
            return false;
        }
        if f & flags::TRANSFER_ENCODING != 0 && f & flags::CHUNKED == 0 {
            return true;
        }
        f & (flags::CHUNKED | flags::CONTENT_LENGTH) == 0
    }

    /// `llhttp_should_keep_alive`.
    fn should_keep_alive(&self, f: u16, skip_body: bool) -> bool {
        let connection_allows = if self.major > 0 && self.minor > 0 {
            f & flags::CONNECTION_CLOSE == 0
        } else {
            f & flags::CONNECTION_KEEP_ALIVE != 0
        };
        connection_allows && !self.needs_eof(f, skip_body)
    }
}

/// Parses one response head from the start of `buf`, statelessly (see
/// [`ResponseParser`] for the resumable form).
pub fn parse_response_head(
    buf: &[u8],
    opts: &ParseOptions,
    ctx: &ResponseContext,
) -> Result<Option<ResponseHead>, ParseError> {
    ResponseParser::new(opts).parse(buf, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A:  v  \r\n\
        Content-Length: 5\r\n\r\nhello";

    fn head(buf: &[u8], ctx: ResponseContext) -> ResponseHead {
        match parse_response_head(buf, &ParseOptions::default(), &ctx) {
            Ok(Some(h)) => h,
            other => panic!("expected a head, got {other:?}"),
        }
    }

    fn get(buf: &[u8]) -> ResponseHead {
        head(buf, ResponseContext::default())
    }

    #[test]
    fn offsets_point_into_the_buffer_and_values_lose_their_ows() {
        let h = get(OK);
        assert_eq!((h.status, &OK[h.reason.clone()]), (200, &b"OK"[..]));
        assert_eq!((h.version_major, h.version_minor), (1, 1));
        let pairs: Vec<(&[u8], &[u8])> = h
            .headers
            .iter()
            .map(|(n, v)| (&OK[n.clone()], &OK[v.clone()]))
            .collect();
        // Node: rawHeaders ["Content-Type", "text/plain", "X-A", "v", …].
        assert_eq!(pairs[1], (&b"X-A"[..], &b"v"[..]));
        assert_eq!(&OK[h.head_len..], b"hello");
        assert_eq!(h.body, ResponseBody::Length(5));
        assert_eq!(
            (h.keep_alive, h.upgrade, h.after),
            (true, false, AfterMessage::Next)
        );
    }

    #[test]
    fn every_prefix_of_a_head_needs_more_bytes() {
        let ctx = ResponseContext::default();
        for n in 0..OK.len() - 5 {
            let r = parse_response_head(&OK[..n], &ParseOptions::default(), &ctx);
            assert_eq!(r, Ok(None), "{n}");
        }
    }

    #[test]
    fn resumed_parsing_gives_the_same_head_as_one_call() {
        let ctx = ResponseContext::default();
        let mut p = ResponseParser::new(&ParseOptions::default());
        let mut got = None;
        for n in 1..=OK.len() {
            if let Some(h) = p.parse(&OK[..n], &ctx).expect("valid") {
                got = Some((n, h));
                break;
            }
        }
        let (n, h) = got.expect("complete");
        assert_eq!(n, OK.len() - 5);
        assert_eq!(h, get(OK));
    }

    #[test]
    fn parser_starts_afresh_after_a_head() {
        let ctx = ResponseContext::default();
        let mut p = ResponseParser::new(&ParseOptions::default());
        let buf = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2";
        let first = p.parse(buf, &ctx).expect("valid").expect("complete");
        assert!(first.is_informational());
        assert_eq!(p.parse(&buf[first.head_len..], &ctx), Ok(None));
    }

    #[test]
    fn informational_heads_have_no_body_and_are_followed_by_the_final_response() {
        for status in [100u16, 102, 103, 199] {
            let buf = format!("HTTP/1.1 {status} X\r\nContent-Length: 3\r\n\r\n");
            let h = get(buf.as_bytes());
            assert!(h.is_informational(), "{status}");
            assert_eq!((h.body, h.after), (ResponseBody::Empty, AfterMessage::Next));
        }
    }

    #[test]
    fn switching_protocols_is_never_informational() {
        let h = get(b"HTTP/1.1 101 Switching Protocols\r\n\r\n");
        assert!(!h.is_informational() && !h.upgrade);
        assert_eq!(h.after, AfterMessage::Stop);
        let h = get(b"HTTP/1.1 101 S\r\nUpgrade: ws\r\nConnection: upgrade\r\n\r\n");
        assert!(!h.is_informational() && h.upgrade);
    }

    #[test]
    fn any_response_to_connect_is_the_tunnel_even_a_continue() {
        let connect = ResponseContext {
            method_is_connect: true,
            ..ResponseContext::default()
        };
        let h = head(b"HTTP/1.1 100 Continue\r\n\r\n", connect);
        assert!(h.upgrade && !h.is_informational());
        assert_eq!((h.body, h.after), (ResponseBody::Empty, AfterMessage::Stop));
    }

    #[test]
    fn keep_alive_is_what_core_reports_before_it_skips_the_body() {
        let head_ctx = ResponseContext {
            method_is_head: true,
            ..ResponseContext::default()
        };
        // Node: shouldKeepAlive false (no length: the body would need EOF),
        // yet llhttp parses the next response after the skipped body.
        let h = head(b"HTTP/1.1 200 OK\r\n\r\n", head_ctx);
        assert_eq!(h.body, ResponseBody::Empty);
        assert_eq!((h.keep_alive, h.after), (false, AfterMessage::Next));
        let h = get(b"HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(h.body, ResponseBody::UntilClose);
        assert_eq!((h.keep_alive, h.after), (false, AfterMessage::Closed));
    }

    #[test]
    fn parse_errors_carry_llhttp_code_reason_and_position() {
        let ctx = ResponseContext::default();
        let e = parse_response_head(b"HTTP/1.1 20 OK\r\n\r\n", &ParseOptions::default(), &ctx)
            .expect_err("two digits");
        assert_eq!(
            (e.code(), e.reason(), e.bytes_parsed),
            ("HPE_INVALID_STATUS", "Invalid status code", 11)
        );
        assert_eq!(e.to_string(), "Parse Error: Invalid status code");
    }

    #[test]
    fn padding_past_the_buffer_bound_is_refused_as_header_overflow() {
        // Node skips leading empty lines uncounted; we bound what we buffer.
        let opts = ParseOptions {
            max_header_size: 100,
            insecure: false,
        };
        let ctx = ResponseContext::default();
        let limit = head_buffer_limit(100);
        let buf = b"\r\n".repeat(limit / 2 + 1);
        let e = parse_response_head(&buf, &opts, &ctx).expect_err("bounded");
        assert_eq!(e.kind, ErrorKind::HeaderOverflow);
        assert_eq!(
            parse_response_head(&buf[..limit - 2], &opts, &ctx),
            Ok(None)
        );
    }

    /// Measured on the 2-core dev machine, release build: 225–245 ns for
    /// this 196-byte head, allocation of the headers `Vec` included
    /// (httparse's `Response`, which validates less and allocates nothing:
    /// ~110 ns). Run with `cargo test --release -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing, not a check"]
    fn typical_200_response_head_parses_in_well_under_a_microsecond() {
        let res: &[u8] = b"HTTP/1.1 200 OK\r\nDate: Wed, 26 Nov 2025 06:00:00 GMT\r\n\
            Server: nginx/1.24.0\r\nContent-Type: application/json; charset=utf-8\r\n\
            Content-Length: 1234\r\nConnection: keep-alive\r\nCache-Control: no-cache\r\n\r\n";
        let opts = ParseOptions::default();
        let ctx = ResponseContext::default();
        let n = 200_000u32;
        let start = std::time::Instant::now();
        for _ in 0..n {
            let h = parse_response_head(std::hint::black_box(res), &opts, &ctx);
            std::hint::black_box(h).ok();
        }
        let per = start.elapsed() / n;
        println!("{} bytes: {per:?} per head", res.len());
        assert!(per < std::time::Duration::from_micros(1));
    }
}
