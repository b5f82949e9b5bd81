//! The header section (RFC 9112 §5): field lines up to the empty line.
//!
//! One resumable state machine serves both the request head and the trailer
//! section of a chunked body, because llhttp runs the very same nodes for
//! both (`header_field_start` … `headers_almost_done`, with the `TRAILING`
//! flag set for trailers). States and transitions are named after llhttp's
//! nodes in `src/llhttp/http.ts` so the two can be read side by side; every
//! error site produces llhttp's code, reason and `error_pos`.
//!
//! The machine never copies: it records `(name, value)` offsets into the
//! caller's buffer. It is resumable: [`HeaderSection::run`] stops at the end
//! of the bytes it was given and continues from there on the next call, so a
//! head delivered one byte per read costs O(n), not O(n²).
//!
//! Size accounting follows Node's `TrackHeader` (`node_http_parser.cc`):
//! every completed header name and value span (value without its leading
//! whitespace, *with* its trailing whitespace) is added to a running count
//! that starts with the request target, and the head fails with
//! `HPE_HEADER_OVERFLOW` as soon as the count reaches `maxHeaderSize`.

use std::ops::Range;

use super::chars::{skip_class, skip_header_chars, HEADER_CHAR, LIST_CHAR, TOKEN};
use super::error::{ErrorKind, ParseError};
use super::limits::Lenient;

/// llhttp's `FLAGS` (the ones a header section can set).
pub(crate) mod flags {
    pub const CONNECTION_KEEP_ALIVE: u16 = 1 << 0;
    pub const CONNECTION_CLOSE: u16 = 1 << 1;
    pub const CONNECTION_UPGRADE: u16 = 1 << 2;
    pub const CHUNKED: u16 = 1 << 3;
    pub const UPGRADE: u16 = 1 << 4;
    pub const CONTENT_LENGTH: u16 = 1 << 5;
    pub const TRANSFER_ENCODING: u16 = 1 << 9;
}
use flags::*;

/// A header line as offsets into the buffer: `(name, value)`.
pub type HeaderRange = (Range<usize>, Range<usize>);

/// llhttp's `HEADER_STATE`: what the current field is, and for `Connection`
/// and `Transfer-Encoding` which token the value ended on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderState {
    General,
    Connection,
    ContentLength,
    TransferEncoding,
    Upgrade,
    ConnectionKeepAlive,
    ConnectionClose,
    ConnectionUpgrade,
    TransferEncodingChunked,
}

/// The tokens llhttp looks for in a `Connection` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConnToken {
    Close,
    Upgrade,
    KeepAlive,
}

impl ConnToken {
    fn literal(self) -> &'static [u8] {
        match self {
            ConnToken::Close => b"close",
            ConnToken::Upgrade => b"upgrade",
            ConnToken::KeepAlive => b"keep-alive",
        }
    }

    fn state(self) -> HeaderState {
        match self {
            ConnToken::Close => HeaderState::ConnectionClose,
            ConnToken::Upgrade => HeaderState::ConnectionUpgrade,
            ConnToken::KeepAlive => HeaderState::ConnectionKeepAlive,
        }
    }
}

/// The machine's position, one variant per llhttp node (or node family).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    HeadersStart,
    FieldStart,
    Field,
    FieldColonDiscardWs,
    FieldGeneral,
    ValueDiscardWs,
    ValueDiscardWsAlmostDone,
    ValueDiscardLws,
    ValueStart,
    Value,
    ValueOtherwise,
    ValueLenient,
    TeChunked {
        matched: u8,
    },
    TeChunkedLast,
    TeToken,
    TeTokenOws,
    ContentLength,
    ContentLengthWs,
    Connection {
        token: Option<ConnToken>,
        matched: u8,
    },
    ConnectionWs,
    ConnectionToken,
    ValueAlmostDone,
    ValueLws,
    HeadersAlmostDone,
}

const CHUNKED_TOKEN: &[u8] = b"chunked";

/// Where [`HeaderSection::run`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// The empty line was read; the section ends at this offset.
    Done(usize),
    /// All given bytes were consumed without reaching the end.
    NeedMore,
}

/// Resumable parser of one header (or trailer) section.
#[derive(Debug, Clone)]
pub(crate) struct HeaderSection {
    state: State,
    header_state: HeaderState,
    /// llhttp `flags`, shared with the caller (it reads them at the end).
    pub(crate) flags: u16,
    /// llhttp `content_length` as accumulated from `Content-Length`.
    pub(crate) content_length: u64,
    /// Node `header_nread_`: bytes of completed spans so far.
    pub(crate) counted: usize,
    max_header_size: usize,
    lenient: Lenient,
    /// llhttp `type == HTTP_RESPONSE`: a response may list codings after
    /// `chunked` (its body then runs to EOF); a request may not.
    response: bool,
    /// Start of the span llhttp has open (name or value), if any.
    open_span: Option<usize>,
    /// Offset the machine has examined up to.
    pos: usize,
    name: Range<usize>,
    value_start: usize,
    value_end: usize,
}

type Step = Result<(), ParseError>;

fn fail<T>(kind: ErrorKind, at: usize) -> Result<T, ParseError> {
    Err(ParseError::new(kind, at))
}

impl HeaderSection {
    /// A section whose first line directly follows a request line (llhttp
    /// `headers_start`: a leading space there is `HPE_UNEXPECTED_SPACE`).
    pub(crate) fn after_start_line(pos: usize, counted: usize, max: usize, l: Lenient) -> Self {
        Self::new(State::HeadersStart, pos, counted, 0, max, l)
    }

    /// A trailer section (llhttp `header_field_start` with `F_TRAILING`);
    /// `flags` are those of the message head (chunked, so at least
    /// `CHUNKED | TRANSFER_ENCODING`).
    pub(crate) fn trailers(pos: usize, flags: u16, max: usize, l: Lenient) -> Self {
        Self::new(State::FieldStart, pos, 0, flags, max, l)
    }

    /// The same section in a response (llhttp `type == HTTP_RESPONSE`).
    pub(crate) fn in_response(mut self) -> Self {
        self.response = true;
        self
    }

    /// llhttp `forbidAfterChunkedInRequest`: whether a coding after
    /// `chunked` is an error here.
    fn forbids_coding_after_chunked(&self) -> bool {
        !self.response && !self.lenient.transfer_encoding
    }

    fn new(state: State, pos: usize, counted: usize, flags: u16, max: usize, l: Lenient) -> Self {
        HeaderSection {
            state,
            header_state: HeaderState::General,
            flags,
            content_length: 0,
            counted,
            max_header_size: max,
            lenient: l,
            response: false,
            open_span: None,
            pos,
            name: 0..0,
            value_start: 0,
            value_end: 0,
        }
    }

    /// Node's partial-span check at the end of a read: the open span counts
    /// with what has arrived of it (`header_nread_ >= max` fails).
    pub(crate) fn check_partial_overflow(&self, len: usize) -> Step {
        if let Some(start) = self.open_span {
            let partial = len.saturating_sub(start);
            if self.counted.saturating_add(partial) >= self.max_header_size {
                return fail(ErrorKind::HeaderOverflow, len);
            }
        }
        Ok(())
    }

    /// Ends the open span at `end`, counting it like Node's `TrackHeader`;
    /// `err_at` is llhttp's error position should the count overflow.
    fn end_span(&mut self, end: usize, err_at: usize) -> Step {
        if let Some(start) = self.open_span.take() {
            self.counted = self.counted.saturating_add(end.saturating_sub(start));
            if self.counted >= self.max_header_size {
                return fail(ErrorKind::HeaderOverflow, err_at);
            }
        }
        Ok(())
    }

    /// llhttp `setHeaderFlags`: fold the token a value ended on into `flags`.
    fn set_header_flags(&mut self) {
        let flag = match self.header_state {
            HeaderState::ConnectionKeepAlive => CONNECTION_KEEP_ALIVE,
            HeaderState::ConnectionClose => CONNECTION_CLOSE,
            HeaderState::ConnectionUpgrade => CONNECTION_UPGRADE,
            HeaderState::TransferEncodingChunked => {
                self.flags |= CHUNKED;
                return;
            }
            _ => return,
        };
        self.flags |= flag;
        self.header_state = HeaderState::Connection;
    }

    /// Runs over `buf` from where the last call stopped, appending each
    /// complete field line to `out`.
    pub(crate) fn run(
        &mut self,
        buf: &[u8],
        out: &mut Vec<HeaderRange>,
    ) -> Result<Progress, ParseError> {
        loop {
            let p = self.pos;
            let Some(&b) = buf.get(p) else {
                return Ok(Progress::NeedMore);
            };
            if let Some(end) = self.step(buf, p, b, out)? {
                return Ok(Progress::Done(end));
            }
        }
    }

    /// One transition from `self.state` looking at byte `b` at offset `p`.
    /// Returns the end offset once the empty line has been read.
    fn step(
        &mut self,
        buf: &[u8],
        p: usize,
        b: u8,
        out: &mut Vec<HeaderRange>,
    ) -> Result<Option<usize>, ParseError> {
        let l = self.lenient;
        match self.state {
            State::HeadersStart => {
                if b == b' ' {
                    if !l.headers {
                        return fail(ErrorKind::UnexpectedSpace, p + 1);
                    }
                    self.pos = p + 1;
                }
                self.state = State::FieldStart;
            }
            State::FieldStart => match b {
                b'\r' => self.go(p + 1, State::HeadersAlmostDone),
                b'\n' if l.optional_cr_before_lf => return Ok(Some(p + 1)),
                b'\n' => return fail(ErrorKind::InvalidHeaderFieldChar, p + 1),
                b':' => return fail(ErrorKind::InvalidHeaderToken, p),
                _ => {
                    if !self.plain_line(buf, p, out)? {
                        self.open_span = Some(p);
                        self.state = State::Field;
                    }
                }
            },
            State::Field => self.field(buf, p)?,
            State::FieldColonDiscardWs => {
                if b == b' ' {
                    self.pos = p + 1;
                } else if b == b':' {
                    self.field_complete(p)?;
                } else {
                    // `header_field_colon` falls back to a general header.
                    self.header_state = HeaderState::General;
                    self.state = State::FieldGeneral;
                }
            }
            State::FieldGeneral => {
                let q = skip_class(buf, p, &TOKEN);
                self.pos = q;
                match buf.get(q) {
                    None => {}
                    Some(b':') => {
                        self.header_state = HeaderState::General;
                        self.field_complete(q)?;
                    }
                    Some(_) => return fail(ErrorKind::InvalidHeaderToken, q),
                }
            }
            State::ValueDiscardWs => match b {
                b' ' | b'\t' => self.pos = p + 1,
                b'\r' => self.go(p + 1, State::ValueDiscardWsAlmostDone),
                b'\n' if l.optional_cr_before_lf => self.go(p + 1, State::ValueDiscardLws),
                b'\n' => return fail(ErrorKind::InvalidHeaderValueChar, p + 1),
                _ => {
                    self.open_span = Some(p);
                    self.value_start = p;
                    self.state = State::ValueStart;
                }
            },
            State::ValueDiscardWsAlmostDone => match b {
                b'\n' => self.go(p + 1, State::ValueDiscardLws),
                _ if l.headers => self.state = State::ValueDiscardLws,
                _ => return fail(ErrorKind::StrictLfAfterCr, p),
            },
            State::ValueDiscardLws => match b {
                b' ' | b'\t' if l.headers => self.go(p + 1, State::ValueDiscardWs),
                b' ' | b'\t' => return fail(ErrorKind::InvalidHeaderValueChar, p + 1),
                _ => match self.header_state {
                    // llhttp 9.3 refuses an empty `Content-Length` only; an
                    // empty `Transfer-Encoding` is an ordinary empty value.
                    HeaderState::ContentLength => return fail(ErrorKind::EmptyContentLength, p),
                    _ => {
                        // An empty value: llhttp emits an empty span here.
                        self.set_header_flags();
                        out.push((self.name.clone(), p..p));
                        self.state = State::FieldStart;
                    }
                },
            },
            State::ValueStart => self.value_start_dispatch(p)?,
            State::Value => {
                self.pos = skip_header_chars(buf, p);
                if self.pos < buf.len() {
                    self.state = State::ValueOtherwise;
                }
            }
            State::ValueOtherwise => match b {
                b'\r' => {
                    self.end_value_span(p, p + 1)?;
                    self.go(p + 1, State::ValueAlmostDone);
                }
                b'\n' => {
                    self.end_value_span(p, p)?;
                    if !l.optional_cr_before_lf {
                        return fail(ErrorKind::CrExpected, p);
                    }
                    self.state = State::ValueAlmostDone;
                }
                _ if l.headers => self.state = State::ValueLenient,
                _ => {
                    self.end_value_span(p, p)?;
                    return fail(ErrorKind::InvalidHeaderValueChar, p);
                }
            },
            State::ValueLenient => match b {
                b'\r' => {
                    self.end_value_span(p, p + 1)?;
                    self.go(p + 1, State::ValueAlmostDone);
                }
                b'\n' => {
                    self.end_value_span(p, p)?;
                    self.state = State::ValueAlmostDone;
                }
                _ => self.pos = p + 1,
            },
            State::TeChunked { matched } => {
                // `chunked`, case-insensitively, as far as the bytes go.
                let (pos, matched) = match_literal(buf, p, CHUNKED_TOKEN, matched);
                self.pos = pos;
                self.state = match matched {
                    Some(n) if usize::from(n) == CHUNKED_TOKEN.len() => State::TeChunkedLast,
                    Some(n) => State::TeChunked { matched: n },
                    None => State::TeToken,
                };
            }
            State::TeChunkedLast => match b {
                b' ' => self.pos = p + 1,
                b'\r' | b'\n' => {
                    self.header_state = HeaderState::TransferEncodingChunked;
                    self.state = State::ValueOtherwise;
                }
                // RFC 9112 §6.1: chunked must be the final coding (of a
                // request; a response's body is then read to EOF).
                b',' if self.forbids_coding_after_chunked() => {
                    self.end_value_span(p, p + 1)?;
                    return fail(ErrorKind::InvalidTransferEncodingValue, p + 1);
                }
                b',' => self.state = State::TeChunked { matched: 0 },
                _ => self.state = State::TeToken,
            },
            State::TeToken => match b {
                b',' => self.go(p + 1, State::TeTokenOws),
                _ if LIST_CHAR[usize::from(b)] => self.pos = skip_class(buf, p, &LIST_CHAR),
                _ => {
                    self.header_state = HeaderState::General;
                    self.state = State::Value;
                }
            },
            State::TeTokenOws => match b {
                b' ' | b'\t' => self.pos = p + 1,
                _ => self.state = State::TeChunked { matched: 0 },
            },
            State::ContentLength => {
                let mut q = p;
                while let Some(&d @ b'0'..=b'9') = buf.get(q) {
                    let digit = u64::from(d - b'0');
                    match self
                        .content_length
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(digit))
                    {
                        Some(v) => self.content_length = v,
                        None => {
                            self.end_value_span(q + 1, q + 1)?;
                            return fail(ErrorKind::ContentLengthOverflow, q + 1);
                        }
                    }
                    q += 1;
                }
                self.pos = q;
                if q < buf.len() {
                    self.state = State::ContentLengthWs;
                }
            }
            // Only SP may follow the digits: llhttp 9.3 rejects HTAB here.
            State::ContentLengthWs => match b {
                b' ' => self.pos = p + 1,
                b'\r' | b'\n' => {
                    self.flags |= CONTENT_LENGTH;
                    self.state = State::ValueOtherwise;
                }
                _ => {
                    self.end_value_span(p, p)?;
                    return fail(ErrorKind::InvalidContentLength, p);
                }
            },
            State::Connection { token, matched } => self.connection(buf, p, b, token, matched),
            State::ConnectionWs => match b {
                b',' => {
                    self.set_header_flags();
                    self.go(
                        p + 1,
                        State::Connection {
                            token: None,
                            matched: 0,
                        },
                    );
                }
                // Only SP: `close\t` is not the `close` token in llhttp 9.3.
                b' ' => self.pos = p + 1,
                b'\r' | b'\n' => self.state = State::ValueOtherwise,
                _ => {
                    self.header_state = HeaderState::General;
                    self.state = State::ConnectionToken;
                }
            },
            State::ConnectionToken => match b {
                b',' => self.go(
                    p + 1,
                    State::Connection {
                        token: None,
                        matched: 0,
                    },
                ),
                _ if LIST_CHAR[usize::from(b)] => self.pos = skip_class(buf, p, &LIST_CHAR),
                _ => self.state = State::ValueOtherwise,
            },
            State::ValueAlmostDone => match b {
                b'\n' => self.go(p + 1, State::ValueLws),
                _ => return fail(ErrorKind::LfExpected, p),
            },
            State::ValueLws => match b {
                // obs-fold (RFC 9112 §5.2): rejected unless lenient, then the
                // next line continues the value as a new span.
                b' ' | b'\t' if l.headers => {
                    if self.header_state == HeaderState::TransferEncodingChunked {
                        self.header_state = HeaderState::General;
                    }
                    self.open_span = Some(p);
                    self.state = State::ValueStart;
                }
                b' ' | b'\t' => return fail(ErrorKind::UnexpectedWhitespaceAfterHeaderValue, p),
                _ => {
                    self.set_header_flags();
                    out.push((self.name.clone(), self.value_start..self.value_end));
                    self.state = State::FieldStart;
                }
            },
            State::HeadersAlmostDone => match b {
                b'\n' => return Ok(Some(p + 1)),
                _ if l.optional_lf_after_cr => return Ok(Some(p)),
                _ => return fail(ErrorKind::StrictLfAfterHeaders, p),
            },
        }
        Ok(None)
    }

    /// Fast path for the common line `token: value CRLF` with an ordinary
    /// (not special) name and a non-empty value of `HEADER_CHAR`s, followed
    /// by a byte that is not obs-fold. It takes exactly the transitions the
    /// nodes would (same counting, same overflow positions) in one go; any
    /// other line returns `false` untouched, for the state machine.
    fn plain_line(
        &mut self,
        buf: &[u8],
        p: usize,
        out: &mut Vec<HeaderRange>,
    ) -> Result<bool, ParseError> {
        let colon = skip_class(buf, p, &TOKEN);
        if colon == p || buf.get(colon) != Some(&b':') {
            return Ok(false);
        }
        if classify(buf.get(p..colon).unwrap_or_default()) != HeaderState::General {
            return Ok(false);
        }
        let mut v = colon + 1;
        while matches!(buf.get(v), Some(b' ' | b'\t')) {
            v += 1;
        }
        if !buf.get(v).is_some_and(|&b| HEADER_CHAR[usize::from(b)]) {
            return Ok(false);
        }
        let end = skip_header_chars(buf, v);
        let complete = buf.get(end) == Some(&b'\r')
            && buf.get(end + 1) == Some(&b'\n')
            && buf.get(end + 2).is_some_and(|&b| b != b' ' && b != b'\t');
        if !complete {
            return Ok(false);
        }
        self.open_span = Some(p);
        self.end_span(colon, colon + 1)?;
        self.open_span = Some(v);
        self.end_span(end, end + 1)?;
        self.header_state = HeaderState::General;
        out.push((p..colon, v..end));
        self.pos = end + 2;
        Ok(true)
    }

    fn go(&mut self, pos: usize, state: State) {
        self.pos = pos;
        self.state = state;
    }

    fn end_value_span(&mut self, end: usize, err_at: usize) -> Step {
        if self.open_span.is_some() {
            self.value_end = end;
        }
        self.end_span(end, err_at)
    }

    /// llhttp `header_field` + `header_field_colon`: a name, then a colon.
    /// The special names (`Connection`, `Content-Length`,
    /// `Proxy-Connection`, `Transfer-Encoding`, `Upgrade`) are recognised only
    /// when the whole token spells them.
    fn field(&mut self, buf: &[u8], p: usize) -> Step {
        let q = skip_class(buf, p, &TOKEN);
        self.pos = q;
        let Some(&b) = buf.get(q) else {
            return Ok(());
        };
        let start = self.open_span.unwrap_or(p);
        let special = classify(buf.get(start..q).unwrap_or_default());
        match (special, b) {
            (HeaderState::General, b':') => {
                self.header_state = HeaderState::General;
                self.field_complete(q)
            }
            (_, b':') => {
                self.header_state = special;
                self.field_complete(q)
            }
            // CVE-2021-22959: no whitespace between a name and its colon.
            (HeaderState::General, _) => fail(ErrorKind::InvalidHeaderToken, q),
            (_, b' ') if self.lenient.headers => {
                self.header_state = special;
                self.go(q + 1, State::FieldColonDiscardWs);
                Ok(())
            }
            (_, b' ') => {
                self.end_span(q, q + 1)?;
                fail(ErrorKind::InvalidHeaderFieldChar, q + 1)
            }
            (_, _) => fail(ErrorKind::InvalidHeaderToken, q),
        }
    }

    /// The colon at `colon` ends the name (llhttp `on_header_field_complete`).
    fn field_complete(&mut self, colon: usize) -> Step {
        let start = self.open_span.unwrap_or(colon);
        self.name = start..colon;
        self.end_span(colon, colon + 1)?;
        self.go(colon + 1, State::ValueDiscardWs);
        let l = self.lenient;
        // RFC 9112 §6.3: both framings at once is a smuggling attempt.
        match self.header_state {
            HeaderState::TransferEncoding
                if self.flags & CONTENT_LENGTH != 0 && !l.chunked_length =>
            {
                fail(ErrorKind::TransferEncodingWithContentLength, colon + 1)
            }
            HeaderState::ContentLength
                if self.flags & TRANSFER_ENCODING != 0 && !l.chunked_length =>
            {
                fail(ErrorKind::ContentLengthWithTransferEncoding, colon + 1)
            }
            _ => Ok(()),
        }
    }

    /// llhttp `header_value_start`: pick the value grammar by field.
    fn value_start_dispatch(&mut self, p: usize) -> Step {
        self.state = match self.header_state {
            HeaderState::Upgrade => {
                self.flags |= UPGRADE;
                self.header_state = HeaderState::General;
                State::Value
            }
            HeaderState::TransferEncoding => {
                // A request's body is chunked or nothing: no coding may follow
                // `chunked`, not even in a second header line.
                if self.flags & CHUNKED != 0 && self.forbids_coding_after_chunked() {
                    self.end_value_span(p, p + 1)?;
                    return fail(ErrorKind::InvalidTransferEncodingValue, p + 1);
                }
                self.flags |= TRANSFER_ENCODING;
                self.flags &= !CHUNKED;
                State::TeChunked { matched: 0 }
            }
            HeaderState::ContentLength => {
                if self.flags & CONTENT_LENGTH != 0 {
                    return fail(ErrorKind::UnexpectedContentLength, p);
                }
                State::ContentLength
            }
            HeaderState::Connection => State::Connection {
                token: None,
                matched: 0,
            },
            _ => State::Value,
        };
        Ok(())
    }

    /// llhttp `header_value_connection`: skip blanks, then try to read
    /// `close`, `upgrade` or `keep-alive` (case-insensitive).
    fn connection(&mut self, buf: &[u8], p: usize, b: u8, token: Option<ConnToken>, matched: u8) {
        let tok = match token {
            Some(tok) => tok,
            None => match b.to_ascii_lowercase() {
                b' ' | b'\t' => {
                    self.pos = p + 1;
                    return;
                }
                b'c' => ConnToken::Close,
                b'u' => ConnToken::Upgrade,
                b'k' => ConnToken::KeepAlive,
                _ => {
                    self.state = State::ConnectionToken;
                    return;
                }
            },
        };
        let lit = tok.literal();
        let (pos, matched) = match_literal(buf, p, lit, matched);
        self.pos = pos;
        self.state = match matched {
            Some(n) if usize::from(n) == lit.len() => {
                self.header_state = tok.state();
                State::ConnectionWs
            }
            Some(n) => State::Connection {
                token: Some(tok),
                matched: n,
            },
            None => State::ConnectionToken,
        };
    }
}

/// Continues matching `lit` (case-insensitively, as llhttp's `toLower`
/// transform does for letters) from `buf[p]`, `matched` bytes of it being
/// already behind. Returns where the match stopped and how much of `lit` is
/// matched, or `None` on a mismatch (at the returned position, consumed up
/// to there: llparse does not rewind).
fn match_literal(buf: &[u8], p: usize, lit: &[u8], matched: u8) -> (usize, Option<u8>) {
    let mut q = p;
    let mut n = usize::from(matched);
    while let Some(&want) = lit.get(n) {
        let Some(&b) = buf.get(q) else {
            break;
        };
        if b.to_ascii_lowercase() != want {
            return (q, None);
        }
        q += 1;
        n += 1;
    }
    (q, u8::try_from(n).ok())
}

/// llhttp `SPECIAL_HEADERS`, matched case-insensitively on the whole name.
fn classify(name: &[u8]) -> HeaderState {
    let is = |s: &[u8]| name.eq_ignore_ascii_case(s);
    match name.len() {
        7 if is(b"upgrade") => HeaderState::Upgrade,
        10 if is(b"connection") => HeaderState::Connection,
        14 if is(b"content-length") => HeaderState::ContentLength,
        16 if is(b"proxy-connection") => HeaderState::Connection,
        17 if is(b"transfer-encoding") => HeaderState::TransferEncoding,
        _ => HeaderState::General,
    }
}

/// Node trims trailing OWS (SP / HTAB) from every value it reports
/// (`StringPtr::ToTrimmedString`); llhttp already skipped the leading OWS.
pub(crate) fn trim_trailing_ows(buf: &[u8], mut r: Range<usize>) -> Range<usize> {
    while r.end > r.start && matches!(buf.get(r.end - 1), Some(b' ' | b'\t')) {
        r.end -= 1;
    }
    r
}

/// The value Node reports for a header value range (only differs from the
/// range itself in insecure mode, for an obs-folded value): llhttp delivers
/// each line of the value as its own span and Node joins them, so the line
/// breaks disappear (a lenient value holds no other CR or LF), the
/// continuation's leading blanks stay, and trailing OWS of the joined value
/// is trimmed.
pub fn unfold_value(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !raw.iter().any(|&b| b == b'\r' || b == b'\n') {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut v: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    while matches!(v.last(), Some(b' ' | b'\t')) {
        v.pop();
    }
    std::borrow::Cow::Owned(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(input: &[u8]) -> (Result<Progress, ParseError>, Vec<HeaderRange>, u16) {
        let mut s = HeaderSection::after_start_line(0, 0, 16384, Lenient::STRICT);
        let mut out = Vec::new();
        let r = s.run(input, &mut out);
        (r, out, s.flags)
    }

    #[test]
    fn field_lines_end_at_the_empty_line() {
        let (r, out, _) = section(b"A: b\r\nCc:d\r\n\r\nrest");
        assert_eq!(r, Ok(Progress::Done(14)));
        assert_eq!(out, vec![(0..1, 3..4), (6..8, 9..10)]);
    }

    #[test]
    fn resuming_byte_by_byte_gives_the_same_result() {
        let input = b"Connection: keep-alive, Upgrade\r\nUpgrade: x\r\nX: y \r\n\r\n";
        let mut s = HeaderSection::after_start_line(0, 0, 16384, Lenient::STRICT);
        let mut out = Vec::new();
        let mut last = Ok(Progress::NeedMore);
        for n in 1..=input.len() {
            last = s.run(&input[..n], &mut out);
            if n < input.len() {
                assert_eq!(last, Ok(Progress::NeedMore), "at {n}");
            }
        }
        assert_eq!(last, Ok(Progress::Done(input.len())));
        assert_eq!(out.len(), 3);
        assert_eq!(
            s.flags & (CONNECTION_KEEP_ALIVE | CONNECTION_UPGRADE | UPGRADE),
            0b10101
        );
    }

    #[test]
    fn connection_tokens_set_flags_in_any_case_and_list_position() {
        let (_, _, f) = section(b"Connection: foo, CLOSE\r\n\r\n");
        assert_eq!(f & CONNECTION_CLOSE, CONNECTION_CLOSE);
        let (_, _, f) = section(b"Connection: closed\r\n\r\n");
        assert_eq!(f & CONNECTION_CLOSE, 0);
        let (_, _, f) = section(b"Proxy-Connection: keep-alive\r\n\r\n");
        assert_eq!(f & CONNECTION_KEEP_ALIVE, CONNECTION_KEEP_ALIVE);
    }

    #[test]
    fn transfer_encoding_is_chunked_only_when_chunked_is_last() {
        let (_, _, f) = section(b"Transfer-Encoding: gzip, chunked\r\n\r\n");
        assert_eq!(
            f & (CHUNKED | TRANSFER_ENCODING),
            CHUNKED | TRANSFER_ENCODING
        );
        let (_, _, f) = section(b"Transfer-Encoding: xchunked\r\n\r\n");
        assert_eq!(f & (CHUNKED | TRANSFER_ENCODING), TRANSFER_ENCODING);
    }

    #[test]
    fn trailing_ows_is_trimmed_from_reported_values() {
        let buf = b"v \t ";
        assert_eq!(trim_trailing_ows(buf, 0..4), 0..1);
        assert_eq!(trim_trailing_ows(buf, 1..4), 1..1);
    }

    #[test]
    fn unfolding_drops_line_breaks_and_keeps_continuation_blanks() {
        assert_eq!(&*unfold_value(b"a\r\n b"), b"a b");
        assert_eq!(&*unfold_value(b"a \r\n\t"), b"a");
        assert!(matches!(
            unfold_value(b"plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn special_names_are_recognised_only_whole() {
        assert_eq!(classify(b"Content-Length"), HeaderState::ContentLength);
        assert_eq!(classify(b"Content-Lengthx"), HeaderState::General);
        assert_eq!(classify(b"UPGRADE"), HeaderState::Upgrade);
    }
}
