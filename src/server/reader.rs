//! The request side of a server connection: what the reader expects next,
//! and turning buffered bytes into request events with core's (llhttp's)
//! framing rules. The I/O loop that feeds it is `conn.rs`.

use bytes::{Buf, BytesMut};
use tokio::time::Instant;

use std::sync::atomic::Ordering;

use super::conn::{Task, BODY_GATE, PAUSE_GATE, RAW_READ_CHUNK, READ_CHUNK};
use super::events::*;
use crate::bridge::lock;
use crate::bridge::record::{join_fields, join_trailers};
use crate::h1::{
    self, BodyKind, ChunkedDecoder, ChunkedEvent, HeadParser, ParseError, RequestHead,
};

/// What the reader expects next.
pub(super) enum Reading {
    /// A request head; `started` is when its first byte arrived.
    Head {
        started: Option<Instant>,
    },
    Body(BodyState),
    /// An upgrade head went to JS; nothing is parsed until it decides.
    AwaitUpgrade {
        after: Box<Reading>,
    },
    /// Upgraded: bytes pass through untouched.
    Raw,
    /// The last message was not keep-alive: bytes after it (but CR/LF)
    /// are `HPE_CLOSED_CONNECTION`, whichever read brings them.
    AfterClose,
    /// A placeholder while a state is taken apart; never waited in.
    Taken,
    /// A parse error was reported. llhttp stays in it: each later read is
    /// reported with it again (core emits 'clientError' per read, with the
    /// same `bytesParsed`), and the EOF ends the stream as usual
    /// (`llhttp_finish` does nothing on an errored parser). Without a
    /// 'clientError' listener JS destroys the connection at the first.
    Errored {
        code: &'static str,
        reason: &'static str,
        bytes_parsed: usize,
    },
    /// A JS callback threw (see `Conn::callback_failed`): the next bytes
    /// read are reported as its error, unparsed.
    CallbackFailed(CallbackError),
    /// llhttp failed while its upgrade flag was set: core reports nothing,
    /// and the parser ignores the rest of the stream up to its end.
    Ignoring,
}

/// The llhttp callback a JS exception escaped from, by core's error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackError {
    /// on_headers_complete: a 'request' (or 'checkContinue', ...) handler.
    HeadersComplete,
    /// on_body: a request's 'data' handler.
    Body,
    /// on_message_complete: a 'readable' handler run by the end of a body.
    MessageComplete,
}

impl CallbackError {
    /// From the number JS passes (`CB_*` in lib/server.js).
    pub fn from_js(kind: u32) -> Option<Self> {
        match kind {
            0 => Some(CallbackError::HeadersComplete),
            1 => Some(CallbackError::Body),
            2 => Some(CallbackError::MessageComplete),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            CallbackError::HeadersComplete => "HPE_CB_HEADERS_COMPLETE",
            CallbackError::Body => "HPE_JS_EXCEPTION",
            CallbackError::MessageComplete => "HPE_CB_MESSAGE_COMPLETE",
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            CallbackError::HeadersComplete => "User callback error",
            CallbackError::Body => "JS Exception",
            CallbackError::MessageComplete => "`on_message_complete` callback error",
        }
    }
}

pub(super) struct BodyState {
    decoder: BodyDecoder,
    /// When the head's first byte arrived (requestTimeout).
    pub(super) started: Instant,
    /// The head's keep-alive and version, for the decision at the end.
    keep_alive: bool,
    version: (u8, u8),
}

pub(super) enum BodyDecoder {
    Length(u64),
    Chunked(Box<ChunkedDecoder>),
    /// Insecure mode: up to the peer's EOF (see `on_eof`).
    UntilEof,
}

impl Task<'_> {
    pub(super) fn reading_wants_bytes(&self) -> bool {
        match self.reading {
            Reading::Head { .. } => self.buf.len() <= self.parse.max_header_size + READ_CHUNK,
            Reading::Body { .. }
            | Reading::Raw
            | Reading::AfterClose
            | Reading::Ignoring
            | Reading::Errored { .. }
            | Reading::CallbackFailed(_) => true,
            Reading::AwaitUpgrade { .. } | Reading::Taken => false,
        }
    }

    /// Parse and report as much of the buffer as the state allows.
    pub(super) fn process(&mut self) {
        loop {
            if self.conn.inflight.load(Ordering::Acquire) >= self.inflight_limit() {
                return;
            }
            let progressed = match std::mem::replace(&mut self.reading, Reading::Taken) {
                Reading::Head { started } => self.process_head(started),
                Reading::Body(body) => self.process_body(body),
                Reading::Raw => {
                    self.reading = Reading::Raw;
                    if self.buf.is_empty() {
                        false
                    } else {
                        let data = self.buf.split().freeze();
                        self.emit(ServerEvent::Data {
                            conn: self.conn.id,
                            data,
                        });
                        true
                    }
                }
                Reading::AfterClose => {
                    // llhttp stays in its closed state: a later read of
                    // anything but CR/LF is HPE_CLOSED_CONNECTION (core's
                    // socket is destroyed once the response is out, so
                    // this matters while it is pending).
                    let front = self.front_offset();
                    if let Some(e) = h1::reject_after_close(&self.buf, &self.parse) {
                        self.fail_at(&e, front);
                    } else {
                        self.buf.clear();
                        self.reading = Reading::AfterClose;
                    }
                    false
                }
                Reading::Ignoring => {
                    self.buf.clear();
                    self.reading = Reading::Ignoring;
                    false
                }
                Reading::Errored {
                    code,
                    reason,
                    bytes_parsed,
                } => {
                    if self.buf.is_empty() {
                        self.reading = Reading::Errored {
                            code,
                            reason,
                            bytes_parsed,
                        };
                    } else {
                        self.fail(code, reason, bytes_parsed);
                    }
                    false
                }
                Reading::CallbackFailed(error) => {
                    if self.buf.is_empty() {
                        self.reading = Reading::CallbackFailed(error);
                    } else {
                        // llhttp's offset here is from the read that threw
                        // (meaningless for this one): report none parsed.
                        self.fail(error.code(), error.reason(), 0);
                    }
                    false
                }
                other => {
                    self.reading = other;
                    false
                }
            };
            if !progressed {
                return;
            }
            // One request at a time while JS may pause us between them.
            if lock(&self.conn.shared).pause != 0 {
                return;
            }
        }
    }

    pub(super) fn process_head(&mut self, started: Option<Instant>) -> bool {
        if self.buf.is_empty() {
            self.reading = Reading::Head { started };
            return false;
        }
        let started = started.unwrap_or_else(Instant::now);
        let front = self.front_offset();
        let parse = &self.parse;
        let parser = self
            .head_parser
            .get_or_insert_with(|| Box::new(HeadParser::new(parse)));
        let head = match parser.parse(&self.buf) {
            Ok(Some(head)) => {
                self.upgrade_flag = head.upgrade;
                head
            }
            Ok(None) => {
                self.reading = Reading::Head {
                    started: Some(started),
                };
                return false;
            }
            Err(e) => {
                // llhttp raises a bad Transfer-Encoding after
                // on_headers_complete, so core emits 'request' first.
                // Its message never completes: flagged as having a body, JS
                // leaves it open and the error then aborts it.
                if let Some(head) = parser.take_rejected_head() {
                    let (text, flags) = self.request_record(&head, true);
                    self.emit(ServerEvent::Request {
                        conn: self.conn.id,
                        head: text,
                        flags,
                    });
                }
                self.fail_at(&e, front);
                return false;
            }
        };
        let decoder = match head.body {
            BodyKind::Empty | BodyKind::Length(0) => None,
            BodyKind::Length(n) => Some(BodyDecoder::Length(n)),
            BodyKind::UntilEof => Some(BodyDecoder::UntilEof),
            BodyKind::Chunked => Some(BodyDecoder::Chunked(Box::new(ChunkedDecoder::new(
                &self.parse,
            )))),
        };
        let (text, mut flags) = self.request_record(&head, decoder.is_some());
        self.buf.advance(head.head_len);
        if decoder.is_none() && !self.buf.is_empty() {
            flags |= REQ_PIPELINED;
        }
        self.emit(ServerEvent::Request {
            conn: self.conn.id,
            head: text,
            flags,
        });
        self.gate_left = decoder.is_some().then_some(BODY_GATE);
        // Core hands the rest of the stream to 'upgrade'/'connect' or,
        // without a listener, carries on parsing (or closes for CONNECT).
        // Taken first: what follows a message that is not keep-alive would
        // be judged (and dropped) as bytes after it.
        let leftover = head.upgrade.then(|| self.upgrade_leftover(head.head_len));
        let next = match decoder {
            Some(decoder) => Reading::Body(BodyState {
                decoder,
                started,
                keep_alive: head.keep_alive,
                version: (head.version_major, head.version_minor),
            }),
            None => self.after_message(head.keep_alive),
        };
        if let Some((leftover, room)) = leftover {
            let mut st = lock(&self.conn.shared);
            st.upgrade_excess = !self.buf.is_empty();
            st.upgrade_room = room;
            st.upgrade_pending = Some(leftover);
            drop(st);
            self.reading = Reading::AwaitUpgrade {
                after: Box::new(next),
            };
            return false;
        }
        self.reading = next;
        true
    }

    pub(super) fn process_body(&mut self, mut body: BodyState) -> bool {
        let conn = self.conn.id;
        let front = self.front_offset();
        let event = match &mut body.decoder {
            BodyDecoder::Length(remaining) => {
                if self.buf.is_empty() {
                    None
                } else {
                    let room = self.gate_left.unwrap_or(usize::MAX);
                    let take = (*remaining).min(self.buf.len().min(room) as u64) as usize;
                    *remaining -= take as u64;
                    Some(ChunkedEvent::Data(self.buf.split_to(take).freeze()))
                }
            }
            BodyDecoder::Chunked(decoder) => match decoder.decode(&mut self.buf) {
                Ok(event) => event,
                Err(e) => {
                    self.fail_at(&e, front);
                    return false;
                }
            },
            BodyDecoder::UntilEof => {
                if self.buf.is_empty() {
                    None
                } else {
                    let room = self.gate_left.unwrap_or(usize::MAX);
                    let take = self.buf.len().min(room);
                    Some(ChunkedEvent::Data(self.buf.split_to(take).freeze()))
                }
            }
        };
        match event {
            None => {
                self.reading = Reading::Body(body);
                false
            }
            Some(ChunkedEvent::Data(data)) => {
                let ends = matches!(body.decoder, BodyDecoder::Length(0));
                let gated = self.use_gate(data.len(), ends);
                self.emit(ServerEvent::Body { conn, data, gated });
                if ends {
                    self.emit(ServerEvent::BodyEnd {
                        conn,
                        trailers: None,
                    });
                    self.reading = self.after_message(body.keep_alive);
                } else {
                    self.reading = Reading::Body(body);
                }
                true
            }
            Some(ChunkedEvent::End { trailers }) => {
                let keep_alive = match &body.decoder {
                    // A `Connection` header in the trailers counts too.
                    BodyDecoder::Chunked(decoder) => decoder.keep_alive_after(&RequestHead {
                        head_len: 0,
                        method: 0..0,
                        target: 0..0,
                        version_major: body.version.0,
                        version_minor: body.version.1,
                        headers: Vec::new(),
                        body: BodyKind::Chunked,
                        keep_alive: body.keep_alive,
                        upgrade: false,
                    }),
                    BodyDecoder::Length(_) | BodyDecoder::UntilEof => body.keep_alive,
                };
                let trailers = (!trailers.is_empty()).then(|| join_trailers(&trailers));
                self.emit(ServerEvent::BodyEnd { conn, trailers });
                self.reading = self.after_message(keep_alive);
                true
            }
        }
    }

    /// Count `len` body bytes against the gate; true if they close it (more
    /// of the body is to come): reading stops until JS opens it.
    fn use_gate(&mut self, len: usize, body_ends: bool) -> bool {
        let Some(left) = self.gate_left else {
            return false;
        };
        let left = left.saturating_sub(len);
        if left > 0 && !body_ends {
            self.gate_left = Some(left);
            return false;
        }
        self.gate_left = None;
        if body_ends {
            return false;
        }
        lock(&self.conn.shared).pause |= PAUSE_GATE;
        true
    }

    /// The latin1 record JS slices a request out of, and its flags.
    pub(super) fn request_record(&self, head: &RequestHead, has_body: bool) -> (Vec<u8>, u32) {
        let buf = &self.buf;
        let start = [&buf[head.method.clone()], &buf[head.target.clone()]];
        let (text, record_flags) = if self.parse.insecure {
            // An obs-folded value (insecure only) crosses unfolded, as
            // Node joins llhttp's spans.
            let unfolded: Vec<_> = head
                .headers
                .iter()
                .map(|(n, v)| (&buf[n.clone()], h1::unfold_value(&buf[v.clone()])))
                .collect();
            let fields = start
                .into_iter()
                .chain(unfolded.iter().flat_map(|(n, v)| [*n, v.as_ref()]));
            join_fields(fields, head.head_len)
        } else {
            let fields = start.into_iter().chain(
                head.headers
                    .iter()
                    .flat_map(|(n, v)| [&buf[n.clone()], &buf[v.clone()]]),
            );
            join_fields(fields, head.head_len)
        };
        let mut flags = record_flags
            | (head.version_major as u32 & 0xf)
            | ((head.version_minor as u32 & 0xf) << 4);
        if head.keep_alive {
            flags |= REQ_KEEP_ALIVE;
        }
        if head.upgrade {
            flags |= REQ_UPGRADE;
        }
        if has_body {
            flags |= REQ_HAS_BODY;
        }
        if head.headers.len() >= EARLY_FLUSH_FIELDS {
            flags |= REQ_EARLY_FLUSH;
        }
        (text, flags)
    }

    /// What follows a complete message. After a non-keep-alive one, bytes
    /// already read are llhttp's `HPE_CLOSED_CONNECTION` (unless only
    /// CR/LF); insecure mode parses on, as llhttp's lenient flag does.
    pub(super) fn after_message(&mut self, keep_alive: bool) -> Reading {
        if std::mem::take(&mut self.drop_after_message) {
            self.buf.clear();
        }
        if keep_alive || self.parse.insecure {
            return Reading::Head { started: None };
        }
        let front = self.front_offset();
        if let Some(e) = h1::reject_after_close(&self.buf, &self.parse) {
            self.fail_at(&e, front);
            // The state the report left (see `fail`).
            return std::mem::replace(&mut self.reading, Reading::Taken);
        }
        self.buf.clear();
        Reading::AfterClose
    }

    pub(super) fn finish_upgrade(&mut self, raw: bool, leftover: Option<BytesMut>) {
        let after = match std::mem::replace(&mut self.reading, Reading::Taken) {
            Reading::AwaitUpgrade { after } => after,
            // Left already (a callback's error came first): keep it.
            other => {
                self.reading = other;
                return;
            }
        };
        if raw {
            self.conn.raw.store(true, Ordering::Relaxed);
            self.reading = Reading::Raw;
            return;
        }
        // No upgrade after all. llhttp stopped at the upgrade message, so
        // core drops what followed it in the same read and parses later
        // reads. Without a body the message is complete: drop the bytes read
        // with the head. With one, parse the body, then drop the rest.
        if matches!(*after, Reading::Body(_)) {
            if let Some(mut rest) = leftover {
                rest.unsplit(std::mem::take(&mut self.buf));
                self.buf = rest;
            }
            self.drop_after_message = true;
        }
        self.reading = *after;
    }

    /// What follows an upgrade head of `head_len` bytes (just consumed) in
    /// core's read: as much of the buffer as that read holds, the rest left
    /// in `buf` for the stream's first data; and how many more bytes that
    /// read had room for.
    fn upgrade_leftover(&mut self, head_len: usize) -> (BytesMut, usize) {
        let head_end = self.front_offset();
        let rest = core_read_rest(self.read_start, head_end - head_len as u64, head_end);
        let mut leftover = self.buf.split();
        if leftover.len() > rest {
            self.buf = leftover.split_off(rest);
        }
        let room = rest - leftover.len();
        (leftover, room)
    }

    /// Stream offset of the first byte in `buf`.
    pub(super) fn front_offset(&self) -> u64 {
        self.total_read - self.buf.len() as u64
    }

    /// Report `e`, found `e.bytes_parsed` bytes past stream offset `front`,
    /// with llhttp's `bytesParsed`: counted from the start of the latest read.
    pub(super) fn fail_at(&mut self, e: &ParseError, front: u64) {
        let at = front + e.bytes_parsed as u64;
        let in_latest_read = at >= self.read_start;
        let bytes_parsed = at.saturating_sub(self.read_start) as usize;
        self.report(e.code(), e.reason(), bytes_parsed, in_latest_read);
    }

    /// Report a parse error in the latest read, unless llhttp's upgrade
    /// flag is set: then core reports none and ignores the rest of the
    /// stream.
    pub(super) fn fail(&mut self, code: &'static str, reason: &'static str, bytes_parsed: usize) {
        self.report(code, reason, bytes_parsed, true);
    }

    fn report(
        &mut self,
        code: &'static str,
        reason: &'static str,
        bytes_parsed: usize,
        in_latest_read: bool,
    ) {
        if self.upgrade_flag {
            self.buf.clear();
            self.reading = Reading::Ignoring;
            return;
        }
        // Core attaches the failing read as `rawPacket`, except at EOF: not
        // the bytes of earlier reads still buffered here (a head that came
        // in pieces), which core's parser had consumed with those reads.
        let earlier = if in_latest_read {
            self.read_start.saturating_sub(self.front_offset()) as usize
        } else {
            0
        };
        let raw = (!self.read_eof).then(|| {
            let mut raw = self.buf.split();
            raw.advance(earlier.min(raw.len()));
            raw.freeze()
        });
        self.emit(ServerEvent::ParseError {
            conn: self.conn.id,
            code,
            reason,
            bytes_parsed: bytes_parsed as u32,
            raw,
        });
        self.reading = Reading::Errored {
            code,
            reason,
            bytes_parsed,
        };
    }

    /// The peer sent FIN. A message cut short is llhttp's invalid EOF state.
    pub(super) fn on_eof(&mut self) {
        if let Reading::Body(BodyState {
            decoder: BodyDecoder::UntilEof,
            ..
        }) = self.reading
        {
            // The EOF completes the body (llhttp_finish), after any bytes
            // still held back.
            let conn = self.conn.id;
            if !self.buf.is_empty() {
                let data = self.buf.split().freeze();
                self.emit(ServerEvent::Body {
                    conn,
                    data,
                    gated: false,
                });
            }
            self.emit(ServerEvent::BodyEnd {
                conn,
                trailers: None,
            });
            self.reading = Reading::AfterClose;
        }
        let mid_message = match &self.reading {
            Reading::Head { .. } => h1::check_eof(&self.buf).is_err(),
            Reading::Body { .. } => true,
            _ => false,
        };
        if matches!(self.reading, Reading::Raw) {
            self.process();
        }
        if mid_message && !self.upgrade_flag {
            let e = h1::reject_eof();
            self.fail(e.code(), e.reason(), e.bytes_parsed);
        } else if !std::mem::replace(&mut lock(&self.conn.shared).stream_ended, true) {
            self.emit(ServerEvent::End {
                conn: self.conn.id,
                fin_read: self.fin_read,
            });
        }
    }
}

/// libuv's read size: what core takes in one read (a raw stream's too).
const CORE_READ: u64 = RAW_READ_CHUNK as u64;

/// How many bytes past `head_end` core's read that ended a head starting at
/// `head_start` held, at most. Core reads 64 KiB at a time: taken here from
/// the start of the io thread's latest read (`read_start`) when the head
/// ended in it, else from the head's start (it began a read: a client that
/// sends its upgrade request and the first data at once).
pub(super) fn core_read_rest(read_start: u64, head_start: u64, head_end: u64) -> usize {
    let from = if read_start <= head_end {
        read_start
    } else {
        head_start
    };
    if head_end == from {
        // The head ended its read: what follows comes in the next one.
        return 0;
    }
    let end = from + ((head_end - from - 1) / CORE_READ + 1) * CORE_READ;
    (end - head_end) as usize
}

#[cfg(test)]
mod core_read_tests {
    use super::core_read_rest;

    #[test]
    fn the_rest_of_core_s_64_kib_read_after_an_upgrade_head() {
        // A head of 62 bytes at the start of the io thread's read.
        assert_eq!(core_read_rest(0, 0, 62), 65536 - 62);
        // The io thread read on past it: core's read began at the head.
        assert_eq!(core_read_rest(65482, 0, 158), 65536 - 158);
        // A head behind 70,000 bytes of the same read: core's second read.
        assert_eq!(core_read_rest(0, 70_000, 70_100), 131_072 - 70_100);
        // A head ending exactly where the previous read ended.
        assert_eq!(core_read_rest(500, 400, 500), 0);
        // A head ending exactly at a 64 KiB boundary: nothing after it.
        assert_eq!(core_read_rest(0, 65_000, 65_536), 0);
    }
}
