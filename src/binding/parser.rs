//! `NativeResponseParser`: the client's response parser, driven from JS the
//! way core drives llhttp (`execute(chunk)` per read, `finish()` at EOF), so
//! the same code serves rhttp's own sockets and any stream a user's
//! `createConnection` returns.

use bytes::{Buf, BytesMut};
use napi::bindgen_prelude::BufferSlice;
use napi::{Env, Result};
use napi_derive::napi;

use super::batch::{ArrayBuilder, RawValue};
use crate::bridge::record::{join_fields, join_trailers};
use crate::h1::{
    self, AfterMessage, BodyDecoder, BodyEvent, ParseError, ParseOptions, ResponseContext,
    ResponseHead, ResponseParser,
};

/// Record kinds in `execute`'s result (mirrored in `lib/http_parser.js`).
/// Every value costs a napi call or two, so records are short: a head is
/// `[P_HEAD | status << 3 | flags << 13, text]` (flags < 2^12, so the word
/// fits JS's 32-bit operators), a body chunk is its Buffer alone (the only
/// non-number in a record's first place), an end without trailers `[P_END]`.
const P_HEAD: u32 = 1;
const P_END: u32 = 3;
const P_ERROR: u32 = 4;
const P_END_TRAILERS: u32 = 5;

/// `execute`'s first element.
const STATUS_OK: i32 = 0;
/// Stopped after an upgrade (101, or any response to CONNECT): the second
/// element is the offset in the chunk where the new protocol's bytes start.
const STATUS_UPGRADE: i32 = 1;
const STATUS_ERROR: i32 = -1;

enum State {
    Head,
    Body {
        decoder: BodyDecoder,
        head: Box<ResponseHead>,
    },
    /// llhttp's `closed` state: only CR/LF may follow.
    Closed,
    /// After an upgrade, a stop or an error nothing more is parsed.
    Stopped,
}

#[napi]
pub struct NativeResponseParser {
    opts: ParseOptions,
    head: ResponseParser,
    state: State,
    /// Bytes not yet parsed (an incomplete head or chunk framing).
    buf: BytesMut,
}

/// One `execute` call's output and bookkeeping.
struct Run<'a> {
    out: &'a mut ArrayBuilder,
    status: i32,
    stop_at: usize,
    /// Buffered bytes that preceded this chunk, and how many of all the
    /// buffered bytes were consumed so far: offsets are reported relative
    /// to the chunk, as llhttp does.
    before: usize,
    consumed: usize,
}

impl Run<'_> {
    fn chunk_offset(&self, pos_in_buf: usize) -> usize {
        (self.consumed + pos_in_buf).saturating_sub(self.before)
    }
}

#[napi]
impl NativeResponseParser {
    #[napi(constructor, catch_unwind)]
    pub fn new(max_header_size: u32, insecure: bool) -> Self {
        let opts = ParseOptions {
            max_header_size: max_header_size as usize,
            insecure,
        };
        NativeResponseParser {
            opts,
            head: ResponseParser::new(&opts),
            state: State::Head,
            buf: BytesMut::new(),
        }
    }

    /// Start over for a new connection (core's parser.initialize).
    #[napi(catch_unwind)]
    pub fn reset(&mut self, max_header_size: u32, insecure: bool) {
        *self = NativeResponseParser::new(max_header_size, insecure);
    }

    /// Parse one chunk read from the socket. Returns
    /// `[status, offset, ...records]` (see the `P_*`/`STATUS_*` constants).
    /// `is_head`/`is_connect` describe the request this response answers.
    #[napi(catch_unwind)]
    pub fn execute(
        &mut self,
        env: Env,
        data: BufferSlice<'_>,
        is_head: bool,
        is_connect: bool,
    ) -> Result<RawValue> {
        let mut out = ArrayBuilder::new(env.raw(), 8)?;
        // status and offset, filled in once known
        out.push_i32(STATUS_OK)?;
        out.push_u32(0)?;
        let ctx = ResponseContext {
            method_is_head: is_head,
            method_is_connect: is_connect,
        };
        let before = self.buf.len();
        self.buf.extend_from_slice(&data);
        let mut run = Run {
            out: &mut out,
            status: STATUS_OK,
            stop_at: data.len(),
            before,
            consumed: 0,
        };
        self.run(&mut run, &ctx)?;
        let (status, stop_at) = (run.status, run.stop_at);
        out.set_i32(0, status)?;
        out.set_u32(1, stop_at as u32)?;
        Ok(out.finish())
    }

    /// The peer closed (core's parser.finish()): ends a close-delimited
    /// body, or reports a message cut short.
    #[napi(catch_unwind)]
    pub fn finish(&mut self, env: Env) -> Result<RawValue> {
        let mut out = ArrayBuilder::new(env.raw(), 4)?;
        out.push_i32(STATUS_OK)?;
        out.push_u32(0)?;
        let result = match std::mem::replace(&mut self.state, State::Stopped) {
            State::Body { mut decoder, .. } => decoder.finish(),
            State::Head => h1::check_eof(&self.buf).map(|_| None),
            _ => Ok(None),
        };
        match result {
            Ok(Some(BodyEvent::End { trailers })) => push_end(&mut out, &trailers)?,
            Ok(_) => {}
            Err(e) => {
                push_error(&mut out, &e, 0)?;
                out.set_i32(0, STATUS_ERROR)?;
            }
        }
        Ok(out.finish())
    }
}

impl NativeResponseParser {
    fn run(&mut self, run: &mut Run<'_>, ctx: &ResponseContext) -> Result<()> {
        loop {
            match std::mem::replace(&mut self.state, State::Stopped) {
                State::Stopped => {
                    self.buf.clear();
                    return Ok(());
                }
                State::Closed => {
                    if let Some(e) = h1::reject_after_close(&self.buf, &self.opts) {
                        let at = run.chunk_offset(e.bytes_parsed);
                        return self.fail(run, &e, at);
                    }
                    self.buf.clear();
                    self.state = State::Closed;
                    return Ok(());
                }
                State::Head => {
                    let head = match self.head.parse(&self.buf, ctx) {
                        Ok(Some(head)) => head,
                        Ok(None) => {
                            self.state = State::Head;
                            return Ok(());
                        }
                        Err(e) => {
                            let at = run.chunk_offset(e.bytes_parsed);
                            return self.fail(run, &e, at);
                        }
                    };
                    self.push_head(run, &head)?;
                    self.buf.advance(head.head_len);
                    run.consumed += head.head_len;
                    if head.upgrade {
                        // llhttp completes the message (no body), then
                        // stops: the rest is core's upgrade `head`.
                        push_end(run.out, &[])?;
                        run.status = STATUS_UPGRADE;
                        run.stop_at = run.chunk_offset(0);
                        self.buf.clear();
                        return Ok(());
                    }
                    self.state = State::Body {
                        decoder: BodyDecoder::for_response(&head, &self.opts),
                        head: Box::new(head),
                    };
                }
                State::Body { mut decoder, head } => {
                    let len_before = self.buf.len();
                    let event = match decoder.decode(&mut self.buf) {
                        Ok(event) => event,
                        Err(e) => {
                            let at = run.chunk_offset(e.bytes_parsed);
                            return self.fail(run, &e, at);
                        }
                    };
                    run.consumed += len_before - self.buf.len();
                    match event {
                        None => {
                            self.state = State::Body { decoder, head };
                            return Ok(());
                        }
                        Some(BodyEvent::Data(data)) => {
                            run.out.push_buffer(&data)?;
                            self.state = State::Body { decoder, head };
                        }
                        Some(BodyEvent::End { trailers }) => {
                            push_end(run.out, &trailers)?;
                            self.state = match decoder.after_message(&head) {
                                AfterMessage::Next => State::Head,
                                AfterMessage::Closed => State::Closed,
                                AfterMessage::Stop => State::Stopped,
                            };
                        }
                    }
                }
            }
        }
    }

    fn push_head(&self, run: &mut Run<'_>, head: &ResponseHead) -> Result<()> {
        // Values are unfolded (insecure mode only) before they cross.
        let unfolded: Vec<_> = head
            .headers
            .iter()
            .map(|(n, v)| (&self.buf[n.clone()], h1::unfold_value(&self.buf[v.clone()])))
            .collect();
        let fields = std::iter::once(&self.buf[head.reason.clone()])
            .chain(unfolded.iter().flat_map(|(n, v)| [*n, v.as_ref()]));
        let (text, mut flags) = join_fields(fields, head.head_len);
        flags |= (head.version_major as u32 & 0xf) | ((head.version_minor as u32 & 0xf) << 4);
        if head.keep_alive {
            flags |= 1 << 8;
        }
        if head.upgrade {
            flags |= 1 << 9;
        }
        debug_assert!(flags < 1 << 12 && head.status < 1 << 10);
        run.out
            .push_u32(P_HEAD | (head.status as u32) << 3 | flags << 13)?;
        run.out.push_latin1(&text)
    }

    fn fail(&mut self, run: &mut Run<'_>, e: &ParseError, at: usize) -> Result<()> {
        push_error(run.out, e, at)?;
        run.status = STATUS_ERROR;
        self.state = State::Stopped;
        self.buf.clear();
        Ok(())
    }
}

fn push_end(out: &mut ArrayBuilder, trailers: &[(bytes::Bytes, bytes::Bytes)]) -> Result<()> {
    if trailers.is_empty() {
        return out.push_u32(P_END);
    }
    out.push_u32(P_END_TRAILERS)?;
    out.push_latin1(&join_trailers(trailers))
}

fn push_error(out: &mut ArrayBuilder, e: &ParseError, at: usize) -> Result<()> {
    out.push_u32(P_ERROR)?;
    out.push_latin1(e.code().as_bytes())?;
    out.push_latin1(e.reason().as_bytes())?;
    out.push_u32(at as u32)
}
