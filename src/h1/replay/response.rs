//! The response side: a client connection's reads through
//! [`ResponseParser`], bodies through [`BodyDecoder`], then
//! [`AfterMessage`], and EOF after the last read (`parser.finish()`).

use bytes::{Buf, BytesMut};

use super::{same_error, Reads};
use crate::h1::*;

/// One message as core's parser reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub status: u16,
    /// Node's `res.statusMessage`.
    pub reason: Vec<u8>,
    pub version: String,
    /// Node's `res.rawHeaders`: name, value, name, value, …
    pub raw_headers: Vec<Vec<u8>>,
    pub body: Vec<u8>,
    pub raw_trailers: Vec<Vec<u8>>,
    /// `shouldKeepAlive` as reported with the head.
    pub keep_alive: bool,
    /// `res.upgrade` (101 with upgrade headers, or any CONNECT response).
    pub upgrade: bool,
    /// Core emits `'information'` for it and waits for the final response.
    pub informational: bool,
    /// Whether the message (body and trailers) was read to its end.
    pub complete: bool,
}

/// How the input ended, when it did not end in an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// EOF after the input: `parser.finish()`'s verdict.
    Eof(Result<(), &'static str>),
    /// llhttp paused for an upgrade: these bytes followed the head (core's
    /// `head` argument of `'upgrade'` / `'connect'`).
    Upgrade(Vec<u8>),
    /// A 101 without upgrade headers: llhttp parsed nothing after it.
    Stop(Vec<u8>),
}

#[derive(Debug)]
pub struct Outcome {
    pub messages: Vec<Msg>,
    pub error: Option<ParseError>,
    pub end: Option<End>,
}

impl Outcome {
    pub fn error(&self) -> Option<(&'static str, &'static str, usize)> {
        self.error.map(|e| (e.code(), e.reason(), e.bytes_parsed))
    }
}

fn message(buf: &[u8], h: &ResponseHead) -> Msg {
    Msg {
        status: h.status,
        reason: buf[h.reason.clone()].to_vec(),
        version: format!("{}.{}", h.version_major, h.version_minor),
        raw_headers: h
            .headers
            .iter()
            .flat_map(|(n, v)| {
                [
                    buf[n.clone()].to_vec(),
                    unfold_value(&buf[v.clone()]).into_owned(),
                ]
            })
            .collect(),
        body: Vec::new(),
        raw_trailers: Vec::new(),
        keep_alive: h.keep_alive,
        upgrade: h.upgrade,
        informational: h.is_informational(),
        complete: false,
    }
}

enum Phase {
    Head,
    Body(BodyDecoder, ResponseHead),
    Closed,
}

/// Runs `input` through the parser the way a client connection would,
/// delivered in the given reads, then EOF. Error offsets are absolute only
/// for one read.
pub fn run(input: &[u8], opts: ParseOptions, ctx: ResponseContext, reads: &Reads) -> Outcome {
    let mut out = Outcome {
        messages: Vec::new(),
        error: None,
        end: None,
    };
    let mut buf = BytesMut::new();
    let mut consumed = 0;
    let mut parser = ResponseParser::new(&opts);
    let mut phase = Phase::Head;
    let mut fed = 0;
    for read in reads.of(input) {
        buf.extend_from_slice(read);
        fed += read.len();
        loop {
            let fail = |e: ParseError| ParseError {
                bytes_parsed: consumed + e.bytes_parsed,
                ..e
            };
            match &mut phase {
                Phase::Closed => {
                    if let Some(e) = reject_after_close(&buf, &opts) {
                        out.error = Some(fail(e));
                        return out;
                    }
                    consumed += buf.len();
                    buf.clear();
                    break;
                }
                Phase::Head => match parser.parse(&buf, &ctx) {
                    Err(e) => {
                        out.error = Some(fail(e));
                        return out;
                    }
                    Ok(None) => break,
                    Ok(Some(h)) => {
                        out.messages.push(message(&buf, &h));
                        buf.advance(h.head_len);
                        consumed += h.head_len;
                        phase = Phase::Body(BodyDecoder::for_response(&h, &opts), h);
                    }
                },
                Phase::Body(dec, h) => {
                    let before = buf.len();
                    let r = dec.decode(&mut buf);
                    let used = before - buf.len();
                    let m = out.messages.last_mut().expect("a head came first");
                    match r {
                        Err(e) => {
                            out.error = Some(fail(e));
                            return out;
                        }
                        Ok(None) => {
                            consumed += used;
                            break;
                        }
                        Ok(Some(BodyEvent::Data(d))) => {
                            consumed += used;
                            m.body.extend_from_slice(&d);
                        }
                        Ok(Some(BodyEvent::End { trailers })) => {
                            consumed += used;
                            m.complete = true;
                            m.raw_trailers = trailers
                                .iter()
                                .flat_map(|(n, v)| [n.to_vec(), v.to_vec()])
                                .collect();
                            match dec.after_message(h) {
                                AfterMessage::Next => phase = Phase::Head,
                                AfterMessage::Closed => phase = Phase::Closed,
                                AfterMessage::Stop => {
                                    let mut rest = buf.to_vec();
                                    rest.extend_from_slice(&input[fed..]);
                                    out.end = Some(if h.upgrade {
                                        End::Upgrade(rest)
                                    } else {
                                        End::Stop(rest)
                                    });
                                    return out;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // EOF: llhttp_finish.
    let eof = match &mut phase {
        Phase::Closed => Ok(()),
        Phase::Head => check_eof(&buf),
        Phase::Body(dec, _) => match dec.finish() {
            Ok(Some(_)) => {
                if let Some(m) = out.messages.last_mut() {
                    m.complete = true;
                }
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        },
    };
    out.end = Some(End::Eof(eof.map_err(|e| e.code())));
    out
}

/// Runs `input` whole and in `reads`, asserts both runs saw the same
/// messages, error and ending, and returns the whole run.
pub fn agree(input: &[u8], opts: ParseOptions, ctx: ResponseContext, reads: &Reads) -> Outcome {
    let whole = run(input, opts, ctx, &Reads::Whole);
    let split = run(input, opts, ctx, reads);
    assert_eq!(split.messages, whole.messages, "{reads:?} delivery differs");
    assert!(
        same_error(split.error, whole.error),
        "{reads:?}: {:?}, whole: {:?}",
        split.error,
        whole.error
    );
    assert_eq!(split.end, whole.end);
    whole
}
