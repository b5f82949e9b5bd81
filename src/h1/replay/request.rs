//! The request side: a server connection's reads through [`HeadParser`],
//! the body by [`BodyKind`] and [`ChunkedDecoder`], then llhttp's
//! keep-alive rule ([`reject_after_close`]) and its stop after an upgrade.

use bytes::BytesMut;

use super::{same_error, Reads};
use crate::h1::*;

/// One message as core's parser reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub method: String,
    pub url: Vec<u8>,
    pub version: String,
    /// Node's `req.rawHeaders`: name, value, name, value, …
    pub raw_headers: Vec<Vec<u8>>,
    pub body: Vec<u8>,
    pub raw_trailers: Vec<Vec<u8>>,
    /// `shouldKeepAlive` as reported with the head.
    pub keep_alive: bool,
    pub upgrade: bool,
    /// Whether the message (body and trailers) was read to its end.
    pub complete: bool,
}

#[derive(Debug)]
pub struct Outcome {
    pub messages: Vec<Msg>,
    pub error: Option<ParseError>,
    /// Bytes after an upgrade / CONNECT message (core's `head`).
    pub upgrade_head: Option<Vec<u8>>,
    /// What an EOF right after the input would raise (`parser.finish()`):
    /// a message cut short. An until-EOF body ends there instead.
    pub eof: Option<ParseError>,
}

impl Outcome {
    pub fn error(&self) -> Option<(&'static str, &'static str, usize)> {
        self.error.map(|e| (e.code(), e.reason(), e.bytes_parsed))
    }

    pub fn status(&self) -> u16 {
        self.error.map_or(200, |e| e.kind.status())
    }
}

fn flat(buf: &[u8], headers: &[HeaderRange]) -> Vec<Vec<u8>> {
    headers
        .iter()
        .flat_map(|(n, v)| {
            [
                buf[n.clone()].to_vec(),
                unfold_value(&buf[v.clone()]).into_owned(),
            ]
        })
        .collect()
}

fn message(buf: &[u8], h: &RequestHead) -> Msg {
    Msg {
        method: String::from_utf8_lossy(&buf[h.method.clone()]).into_owned(),
        url: buf[h.target.clone()].to_vec(),
        version: format!("{}.{}", h.version_major, h.version_minor),
        raw_headers: flat(buf, &h.headers),
        body: Vec::new(),
        raw_trailers: Vec::new(),
        keep_alive: h.keep_alive,
        upgrade: h.upgrade,
        complete: false,
    }
}

enum Phase {
    Head(HeadParser),
    Length(u64),
    /// Insecure: up to the EOF.
    UntilEof,
    Chunked(ChunkedDecoder),
    Closed,
}

/// Runs `input` through the parser the way a connection would, delivered in
/// the given reads. Error offsets are absolute only for one read.
pub fn run(input: &[u8], opts: ParseOptions, reads: &Reads) -> Outcome {
    let mut out = Outcome {
        messages: Vec::new(),
        error: None,
        upgrade_head: None,
        eof: None,
    };
    let mut buf = BytesMut::new();
    let mut consumed = 0;
    let mut phase = Phase::Head(HeadParser::new(&opts));
    let mut head: Option<RequestHead> = None;
    for read in reads.of(input) {
        buf.extend_from_slice(read);
        loop {
            let ended_keep_alive = match &mut phase {
                Phase::Closed => {
                    if let Some(e) = reject_after_close(&buf, &opts) {
                        out.error = Some(ParseError {
                            bytes_parsed: consumed + e.bytes_parsed,
                            ..e
                        });
                        return out;
                    }
                    consumed += buf.len();
                    buf.clear();
                    break;
                }
                Phase::Head(p) => match p.parse(&buf) {
                    Err(e) => {
                        if let Some(h) = p.take_rejected_head() {
                            out.messages.push(message(&buf, &h));
                        }
                        out.error = Some(ParseError {
                            bytes_parsed: consumed + e.bytes_parsed,
                            ..e
                        });
                        return out;
                    }
                    Ok(None) => break,
                    Ok(Some(h)) => {
                        out.messages.push(message(&buf, &h));
                        let _ = buf.split_to(h.head_len);
                        consumed += h.head_len;
                        phase = match h.body {
                            BodyKind::Empty => Phase::Length(0),
                            BodyKind::Length(n) => Phase::Length(n),
                            BodyKind::Chunked => Phase::Chunked(ChunkedDecoder::new(&opts)),
                            // Never complete within the input: EOF ends it.
                            BodyKind::UntilEof => Phase::UntilEof,
                        };
                        head = Some(h);
                        continue;
                    }
                },
                Phase::UntilEof => {
                    if let Some(m) = out.messages.last_mut() {
                        m.body.extend_from_slice(&buf);
                    }
                    consumed += buf.len();
                    buf.clear();
                    break;
                }
                Phase::Length(n) => {
                    let take = usize::try_from(*n).map_or(buf.len(), |n| n.min(buf.len()));
                    let data = buf.split_to(take);
                    consumed += take;
                    *n -= take as u64;
                    if let Some(m) = out.messages.last_mut() {
                        m.body.extend_from_slice(&data);
                    }
                    if *n > 0 {
                        break;
                    }
                    head.as_ref().is_some_and(|h| h.keep_alive)
                }
                Phase::Chunked(dec) => {
                    let before = buf.len();
                    let r = dec.decode(&mut buf);
                    let used = before - buf.len();
                    match r {
                        Err(e) => {
                            out.error = Some(ParseError {
                                bytes_parsed: consumed + e.bytes_parsed,
                                ..e
                            });
                            return out;
                        }
                        Ok(None) => {
                            consumed += used;
                            break;
                        }
                        Ok(Some(ChunkedEvent::Data(d))) => {
                            consumed += used;
                            if let Some(m) = out.messages.last_mut() {
                                m.body.extend_from_slice(&d);
                            }
                            continue;
                        }
                        Ok(Some(ChunkedEvent::End { trailers })) => {
                            consumed += used;
                            if let Some(m) = out.messages.last_mut() {
                                m.raw_trailers = trailers
                                    .iter()
                                    .flat_map(|(n, v)| [n.to_vec(), v.to_vec()])
                                    .collect();
                            }
                            head.as_ref().is_some_and(|h| dec.keep_alive_after(h))
                        }
                    }
                }
            };
            // The message is complete.
            if let Some(m) = out.messages.last_mut() {
                m.complete = true;
            }
            let h = head.take();
            if h.as_ref().is_some_and(|h| h.upgrade) {
                let mut rest = buf.to_vec();
                rest.extend_from_slice(input.get(consumed + buf.len()..).unwrap_or_default());
                out.upgrade_head = Some(rest);
                return out;
            }
            phase = if ended_keep_alive || opts.insecure {
                Phase::Head(HeadParser::new(&opts))
            } else {
                Phase::Closed
            };
        }
    }
    out.eof = match phase {
        Phase::Head(_) => check_eof(&buf).err(),
        // The EOF completes the body (not marked here: `complete` is
        // before the EOF).
        Phase::UntilEof | Phase::Length(0) | Phase::Closed => None,
        Phase::Length(_) => Some(reject_eof()),
        Phase::Chunked(dec) => (!dec.is_done()).then(reject_eof),
    };
    out
}

/// Runs `input` whole and in `reads`, asserts both runs saw the same
/// messages, error and upgrade `head`, and returns the whole run.
pub fn agree(input: &[u8], opts: ParseOptions, reads: &Reads) -> Outcome {
    let whole = run(input, opts, &Reads::Whole);
    let split = run(input, opts, reads);
    assert_eq!(split.messages, whole.messages, "{reads:?} delivery differs");
    assert!(
        same_error(split.error, whole.error),
        "{reads:?}: {:?}, whole: {:?}",
        split.error,
        whole.error
    );
    assert_eq!(split.upgrade_head, whole.upgrade_head);
    whole
}
