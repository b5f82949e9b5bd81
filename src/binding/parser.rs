//! The client's response parser, driven from JS the way core drives llhttp
//! (`execute(chunk)` per read, `finish()` at EOF), so the same code serves
//! rhttp's own sockets and any stream a user's `createConnection` returns.
//! Called once or more per response: raw N-API callbacks (`raw`), numbers
//! out through the shared array (`shared_ints`).

use bytes::{Buf, BytesMut};
use napi::{sys, Result};

use super::batch::ArrayBuilder;
use super::raw::{self, Args};
use super::shared_ints;
use crate::bridge::record::{join_fields, join_trailers};
use crate::h1::{
    self, AfterMessage, BodyDecoder, BodyEvent, ParseError, ParseOptions, ResponseContext,
    ResponseHead, ResponseParser,
};

/// What a call leaves in the shared array (mirrored in
/// `lib/http_parser.js`): `[status, stop_at, n, ...n ints of records]`,
/// and returns the records' values (strings, Buffers) in order, in an
/// array, or `undefined` when there are none. Records:
/// `[P_HEAD | status << 3 | flags << 13]` (value: the head's text; flags <
/// 2^12), `[P_BODY_AT, offset, length]` (a body chunk within the chunk
/// passed in: JS copies it out), `[P_BODY]` (value: a body chunk as a
/// Buffer, for bytes buffered by an earlier call), `[P_END]`,
/// `[P_END_TRAILERS]` (value: trailers), `[P_ERROR, at]` (values: code,
/// reason).
const P_HEAD: u32 = 1;
const P_BODY: u32 = 2;
const P_END: u32 = 3;
const P_ERROR: u32 = 4;
const P_END_TRAILERS: u32 = 5;
const P_BODY_AT: u32 = 6;

const STATUS_OK: u32 = 0;
/// Stopped after an upgrade (101, or any response to CONNECT): `stop_at` is
/// the offset in the chunk where the new protocol's bytes start.
const STATUS_UPGRADE: u32 = 1;
const STATUS_ERROR: u32 = 2;
/// The shared array is full: call `execute` again with the same chunk and
/// `resume` set once these records are dispatched.
const STATUS_MORE: u32 = 3;

/// `[status, stop_at, n]`.
const HEADER: usize = 3;
/// Ints the largest record takes: a run stops with `STATUS_MORE` before
/// starting a step with less room than this.
const LARGEST_RECORD: usize = 3;

static PARSER_TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x7268_7474_7000_0001,
    upper: 0x9c1e_55d3_a4f2_0b61,
};

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

struct NativeResponseParser {
    opts: ParseOptions,
    head: ResponseParser,
    state: State,
    /// Bytes not yet parsed (an incomplete head or chunk framing).
    buf: BytesMut,
    /// A run stopped with `STATUS_MORE`: its `before` and `consumed`.
    paused: Option<(usize, usize)>,
    /// A final (not 1xx) response was parsed since the reset. Core's client
    /// takes a later one as a double response and gives it no HEAD or
    /// CONNECT treatment (parserOnIncomingClient returns 0 for it).
    answered: bool,
}

/// One call's output: ints in the shared array, values in a JS array made
/// on the first one.
struct Out<'a> {
    env: sys::napi_env,
    ints: &'a mut [u32],
    len: usize,
    values: Option<ArrayBuilder>,
}

impl<'a> Out<'a> {
    fn new(env: sys::napi_env, ints: &'a mut [u32]) -> Self {
        Out {
            env,
            ints,
            len: HEADER,
            values: None,
        }
    }

    fn int(&mut self, v: u32) {
        self.ints[self.len] = v;
        self.len += 1;
    }

    fn has_room(&self) -> bool {
        self.ints.len() - self.len >= LARGEST_RECORD
    }

    fn values(&mut self) -> Result<&mut ArrayBuilder> {
        if self.values.is_none() {
            self.values = Some(ArrayBuilder::new(self.env, 0)?);
        }
        Ok(self.values.as_mut().expect("made above"))
    }

    fn latin1(&mut self, bytes: &[u8]) -> Result<()> {
        self.values()?.push_latin1(bytes)
    }

    fn buffer(&mut self, bytes: &[u8]) -> Result<()> {
        self.values()?.push_buffer(bytes)
    }

    fn finish(self, status: u32, stop_at: usize) -> Result<sys::napi_value> {
        self.ints[0] = status;
        self.ints[1] = stop_at as u32;
        self.ints[2] = (self.len - HEADER) as u32;
        match self.values {
            Some(values) => Ok(values.finish().0),
            None => raw::undefined(self.env),
        }
    }
}

/// One `execute` call's bookkeeping.
struct Run<'o, 'a> {
    out: &'o mut Out<'a>,
    status: u32,
    stop_at: usize,
    chunk_len: usize,
    /// Buffered bytes that preceded this chunk, and how many of all the
    /// buffered bytes were consumed so far: offsets are reported relative
    /// to the chunk, as llhttp does.
    before: usize,
    consumed: usize,
}

impl Run<'_, '_> {
    fn chunk_offset(&self, pos_in_buf: usize) -> usize {
        (self.consumed + pos_in_buf).saturating_sub(self.before)
    }
}

/// The functions `lib/http_parser.js` calls.
pub const CALLBACKS: [(&str, sys::napi_callback); 4] = [
    ("parserNew", Some(parser_new)),
    ("parserReset", Some(parser_reset)),
    ("parserExecute", Some(parser_execute)),
    ("parserFinish", Some(parser_finish)),
];

/// `parserNew(maxHeaderSize, insecure)`: a new parser object.
unsafe extern "C" fn parser_new(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let args = unsafe { Args::<2>::new(env, info) }?;
        let parser = NativeResponseParser::new(args.u32(0)?, args.bool(1)?);
        raw::wrap(env, parser, &PARSER_TAG)
    })
}

/// Callers run inside `raw::exclusive`.
fn unwrap_parser<'a, const N: usize>(args: &Args<N>) -> Result<&'a mut NativeResponseParser> {
    // SAFETY: the tag is only ever put on parser objects (`parser_new`), and
    // no other call can reach this parser before this one returns (JS that
    // runs meanwhile cannot re-enter: `raw::exclusive`).
    Ok(unsafe { &mut *args.unwrap::<NativeResponseParser>(0, &PARSER_TAG)? })
}

/// `parserReset(parser, maxHeaderSize, insecure)`: start over for a new
/// connection (core's parser.initialize).
unsafe extern "C" fn parser_reset(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        raw::exclusive(|| {
            let args = unsafe { Args::<3>::new(env, info) }?;
            let parser = unwrap_parser(&args)?;
            let (max_header_size, insecure) = (args.u32(1)?, args.bool(2)?);
            parser.reset(max_header_size, insecure);
            raw::undefined(env)
        })
    })
}

/// `parserExecute(parser, chunk, isHead, isConnect, resume)`: parse one
/// chunk read from the socket (`isHead`/`isConnect` describe the request
/// this response answers); `resume` continues a run that returned
/// `STATUS_MORE` (same chunk).
unsafe extern "C" fn parser_execute(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        raw::exclusive(|| {
            let args = unsafe { Args::<5>::new(env, info) }?;
            let parser = unwrap_parser(&args)?;
            let data = args.bytes(1)?;
            let ctx = ResponseContext {
                method_is_head: args.bool(2)?,
                method_is_connect: args.bool(3)?,
            };
            let resume = args.bool(4)?;
            shared_ints::with(|ints| {
                let mut out = Out::new(env, ints);
                let (status, stop_at) = parser.execute(&mut out, data, &ctx, resume)?;
                out.finish(status, stop_at)
            })?
        })
    })
}

/// `parserFinish(parser)`: the peer closed (core's parser.finish()): ends a
/// close-delimited body, or reports a message cut short.
unsafe extern "C" fn parser_finish(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        raw::exclusive(|| {
            let args = unsafe { Args::<1>::new(env, info) }?;
            let parser = unwrap_parser(&args)?;
            shared_ints::with(|ints| {
                let mut out = Out::new(env, ints);
                let status = parser.finish(&mut out)?;
                out.finish(status, 0)
            })?
        })
    })
}

impl NativeResponseParser {
    fn new(max_header_size: u32, insecure: bool) -> Self {
        let opts = ParseOptions {
            max_header_size: max_header_size as usize,
            insecure,
        };
        NativeResponseParser {
            opts,
            head: ResponseParser::new(&opts),
            state: State::Head,
            buf: BytesMut::new(),
            paused: None,
            answered: false,
        }
    }

    fn reset(&mut self, max_header_size: u32, insecure: bool) {
        // All of it: the head parser carries llhttp's state across messages.
        *self = NativeResponseParser::new(max_header_size, insecure);
    }

    fn execute(
        &mut self,
        out: &mut Out<'_>,
        data: &[u8],
        ctx: &ResponseContext,
        resume: bool,
    ) -> Result<(u32, usize)> {
        let (before, consumed) = match self.paused.take() {
            Some(at) if resume => at,
            _ => {
                let before = self.buf.len();
                self.buf.extend_from_slice(data);
                (before, 0)
            }
        };
        let mut run = Run {
            out,
            status: STATUS_OK,
            stop_at: data.len(),
            chunk_len: data.len(),
            before,
            consumed,
        };
        self.run(&mut run, ctx)?;
        if run.status == STATUS_MORE {
            self.paused = Some((run.before, run.consumed));
        }
        Ok((run.status, run.stop_at))
    }

    fn finish(&mut self, out: &mut Out<'_>) -> Result<u32> {
        self.paused = None;
        let result = match std::mem::replace(&mut self.state, State::Stopped) {
            State::Body { mut decoder, .. } => decoder.finish(),
            State::Head => h1::check_eof(&self.buf).map(|_| None),
            _ => Ok(None),
        };
        match result {
            Ok(Some(BodyEvent::End { trailers })) => push_end(out, &trailers)?,
            Ok(_) => {}
            Err(e) => {
                push_error(out, &e, 0)?;
                return Ok(STATUS_ERROR);
            }
        }
        Ok(STATUS_OK)
    }
}

impl NativeResponseParser {
    fn run(&mut self, run: &mut Run<'_, '_>, ctx: &ResponseContext) -> Result<()> {
        loop {
            if !run.out.has_room() {
                run.status = STATUS_MORE;
                return Ok(());
            }
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
                    let ctx = if self.answered {
                        &ResponseContext::default()
                    } else {
                        ctx
                    };
                    let head = match self.head.parse(&self.buf, ctx) {
                        Ok(Some(head)) => {
                            // 101 is final for core (statusIsInformational).
                            self.answered |=
                                !(100..200).contains(&head.status) || head.status == 101;
                            head
                        }
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
                    let base = self.buf.as_ptr() as usize;
                    let event = match decoder.decode(&mut self.buf) {
                        Ok(event) => event,
                        Err(e) => {
                            let at = run.chunk_offset(e.bytes_parsed);
                            return self.fail(run, &e, at);
                        }
                    };
                    let consumed_before = run.consumed;
                    run.consumed += len_before - self.buf.len();
                    match event {
                        None => {
                            self.state = State::Body { decoder, head };
                            return Ok(());
                        }
                        Some(BodyEvent::Data(data)) => {
                            push_body(run, &data, base, len_before, consumed_before)?;
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

    fn push_head(&self, run: &mut Run<'_, '_>, head: &ResponseHead) -> Result<()> {
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
            .int(P_HEAD | (head.status as u32) << 3 | flags << 13);
        run.out.latin1(&text)
    }

    fn fail(&mut self, run: &mut Run<'_, '_>, e: &ParseError, at: usize) -> Result<()> {
        push_error(run.out, e, at)?;
        run.status = STATUS_ERROR;
        self.state = State::Stopped;
        self.buf.clear();
        Ok(())
    }
}

/// A body chunk: as its place in the chunk JS passed in when it lies there
/// (JS copies it out, from the pool for small ones, as core's Buffers are
/// copies), else (bytes buffered by an earlier call) as a Buffer.
/// `base`/`len_before`: the buffer's bytes when the decoder took `data`
/// from them; `consumed_before`: buffered bytes consumed before that.
fn push_body(
    run: &mut Run<'_, '_>,
    data: &[u8],
    base: usize,
    len_before: usize,
    consumed_before: usize,
) -> Result<()> {
    let start = (data.as_ptr() as usize).wrapping_sub(base);
    if start < len_before && consumed_before + start >= run.before {
        let offset = consumed_before + start - run.before;
        if offset + data.len() <= run.chunk_len {
            run.out.int(P_BODY_AT);
            run.out.int(offset as u32);
            run.out.int(data.len() as u32);
            return Ok(());
        }
    }
    run.out.int(P_BODY);
    run.out.buffer(data)
}

fn push_end(out: &mut Out<'_>, trailers: &[(bytes::Bytes, bytes::Bytes)]) -> Result<()> {
    if trailers.is_empty() {
        out.int(P_END);
        return Ok(());
    }
    out.int(P_END_TRAILERS);
    out.latin1(&join_trailers(trailers))
}

fn push_error(out: &mut Out<'_>, e: &ParseError, at: usize) -> Result<()> {
    out.int(P_ERROR);
    out.int(at as u32);
    out.latin1(e.code().as_bytes())?;
    out.latin1(e.reason().as_bytes())
}
