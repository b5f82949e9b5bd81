//! The connection task against `h1::replay`: mutated request streams, sent
//! over loopback in random pieces, must come out of a real `Conn` (its
//! reader's states, gates and in-flight limits included) as the messages,
//! bodies, trailers and error the replay driver finds in one read. The
//! test plays the JS side as a server without listeners does: it takes
//! every event, opens body gates, declines upgrades, destroys on a parse
//! error and ends at the peer's FIN.

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream as StdTcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{self, Conn, Mode, PAUSE_GATE};
use super::events::*;
use super::stream::Stream;
use super::{ServerOptions, ServerShared};
use crate::bridge::record::RECORD_LENGTH_PREFIXED;
use crate::bridge::Silent;
use crate::h1::replay::fuzz::corpus::{mutate, Rng, REQUESTS};
use crate::h1::replay::request::{self, Msg};
use crate::h1::replay::Reads;
use crate::h1::ParseOptions;
use crate::runtime::runtime;

/// What the connection reported.
#[derive(Debug, Default)]
struct Seen {
    messages: Vec<Msg>,
    /// The first parse error's code, and whether it came at the EOF.
    error: Option<(&'static str, bool)>,
}

/// A record's fields: NUL-joined, or `len:field…` when flagged.
fn fields(record: &[u8], prefixed: bool) -> Vec<Vec<u8>> {
    if !prefixed {
        return record.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    }
    let mut out = Vec::new();
    let mut rest = record;
    while let Some(colon) = rest.iter().position(|&b| b == b':') {
        let len: usize = std::str::from_utf8(&rest[..colon])
            .unwrap()
            .parse()
            .unwrap();
        out.push(rest[colon + 1..colon + 1 + len].to_vec());
        rest = &rest[colon + 1 + len..];
    }
    out
}

fn message(head: &[u8], flags: u32) -> Msg {
    let mut f = fields(head, flags & RECORD_LENGTH_PREFIXED != 0).into_iter();
    let method = String::from_utf8_lossy(&f.next().unwrap()).into_owned();
    let url = f.next().unwrap();
    Msg {
        method,
        url,
        version: format!("{}.{}", flags & 0xf, (flags >> 4) & 0xf),
        raw_headers: f.collect(),
        body: Vec::new(),
        raw_trailers: Vec::new(),
        keep_alive: flags & REQ_KEEP_ALIVE != 0,
        upgrade: flags & REQ_UPGRADE != 0,
        complete: flags & REQ_HAS_BODY == 0,
    }
}

/// Messages as comparable lines, bodies as their length and a checksum.
fn summary(messages: &[Msg]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            let sum = m
                .body
                .iter()
                .fold(0u32, |h, &b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
            let text = |v: &[Vec<u8>]| {
                v.iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect::<Vec<_>>()
            };
            format!(
                "{} {} {} {:?} body {}#{sum:x} trailers {:?} keep-alive {} upgrade {} complete {}",
                m.method,
                String::from_utf8_lossy(&m.url),
                m.version,
                text(&m.raw_headers),
                m.body.len(),
                text(&m.raw_trailers),
                m.keep_alive,
                m.upgrade,
                m.complete
            )
        })
        .collect()
}

/// Sends `stream` in the pieces `cuts` make, 1 ms apart, then the FIN, to a
/// connection task, and collects what it reports.
fn serve(stream: &[u8], cuts: &[usize], opts: ParseOptions) -> Seen {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut peer = StdTcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    ours.set_nonblocking(true).unwrap();
    let options = ServerOptions {
        max_header_size: opts.max_header_size,
        insecure_parser: opts.insecure,
        ..ServerOptions::default()
    };
    let server = Arc::new(ServerShared::new(options, Box::new(Silent)));
    let conn = {
        let _guard = runtime().enter();
        Conn::new(
            server.clone(),
            Stream::Tcp(tokio::net::TcpStream::from_std(ours).unwrap()),
        )
    };
    conn::start(conn.clone(), Mode::Accepted);

    let pieces: Vec<Vec<u8>> = Reads::At(cuts.to_vec())
        .of(stream)
        .map(<[u8]>::to_vec)
        .collect();
    let writer = std::thread::spawn(move || {
        for piece in pieces {
            // The server may have closed already (a parse error).
            if peer.write_all(&piece).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // Nothing came back unread (no JS answers here): the close is a FIN.
        let _ = peer.shutdown(Shutdown::Write);
    });

    let mut seen = Seen::default();
    let deadline = Instant::now() + Duration::from_secs(10);
    'events: while Instant::now() < deadline {
        for event in server.events.drain() {
            let cost = event.inflight_cost();
            if cost > 0 {
                conn.consumed(cost);
            }
            match event {
                ServerEvent::Request { head, flags, .. } => {
                    seen.messages.push(message(&head, flags));
                    if flags & REQ_UPGRADE != 0 {
                        // No 'upgrade' listener: served as a request.
                        conn.decide_upgrade(false);
                    }
                }
                ServerEvent::Body { data, gated, .. } => {
                    seen.messages
                        .last_mut()
                        .unwrap()
                        .body
                        .extend_from_slice(&data);
                    if gated {
                        conn.resume(PAUSE_GATE);
                    }
                }
                ServerEvent::BodyEnd { trailers, .. } => {
                    let m = seen.messages.last_mut().unwrap();
                    m.complete = true;
                    if let Some(t) = trailers {
                        let prefixed = t.first() == Some(&0);
                        m.raw_trailers = fields(&t[usize::from(prefixed)..], prefixed);
                    }
                }
                ServerEvent::ParseError { code, raw, .. } => {
                    seen.error.get_or_insert((code, raw.is_none()));
                    conn.destroy();
                }
                ServerEvent::End { .. } => conn.end(),
                ServerEvent::Close { .. } => break 'events,
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    conn.destroy();
    writer.join().unwrap();
    seen
}

/// The replay driver's verdict for `stream` in one read, as `Seen`.
fn expected(stream: &[u8], opts: ParseOptions) -> (Vec<Msg>, Option<(&'static str, bool)>) {
    let whole = request::run(stream, opts, &Reads::Whole);
    let error = match (whole.error, whole.eof) {
        (Some(e), _) => Some((e.code(), false)),
        (None, Some(e)) => Some((e.code(), true)),
        (None, None) => None,
    };
    let mut messages = whole.messages;
    if whole.upgrade_head.is_some() {
        // After an upgrade message llhttp parses nothing more: what the
        // task does with later reads is not the driver's to say.
        return (messages, None);
    }
    // An until-EOF body (insecure) is complete at the EOF the test sends.
    if let Some(m) = messages.last_mut() {
        m.complete |= error.is_none();
    }
    (messages, error)
}

#[test]
fn mutated_streams_in_pieces_come_out_of_a_connection_as_replayed() {
    // RHTTP_CONN_FUZZ_COUNT and RHTTP_FUZZ_SEED lengthen or vary the run.
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let count = env("RHTTP_CONN_FUZZ_COUNT").unwrap_or(300);
    let mut rng = Rng(env("RHTTP_FUZZ_SEED").unwrap_or(0xc0_22));
    for i in 0..count {
        let mut stream = mutate(&mut rng, REQUESTS);
        if rng.below(4) == 0 {
            // A body past the task's gate (64 KiB) and read sizes, in front.
            let len = 60_000 + rng.below(200_000);
            let mut big = if rng.below(2) == 0 {
                format!("POST /big HTTP/1.1\r\nContent-Length: {len}\r\n\r\n").into_bytes()
            } else {
                format!("POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{len:x}\r\n")
                    .into_bytes()
            };
            let chunked = big.ends_with(b"\r\n") && !big.ends_with(b"\r\n\r\n");
            big.resize(big.len() + len, b'x');
            if chunked {
                big.extend_from_slice(b"\r\n0\r\n\r\n");
            }
            big.extend_from_slice(&stream);
            stream = big;
        }
        let opts = ParseOptions {
            insecure: rng.below(4) == 0,
            max_header_size: [16 * 1024, 200, 1024][rng.below(3)],
        };
        let cuts: Vec<usize> = (0..rng.below(4))
            .map(|_| rng.below(stream.len() + 1))
            .collect();
        let seen = serve(&stream, &cuts, opts);
        let (messages, error) = expected(&stream, opts);
        let upgraded = messages.last().is_some_and(|m| m.upgrade);
        let case = format!(
            "case {i}: {:?} cut at {cuts:?}, {opts:?}",
            String::from_utf8_lossy(&stream)
        );
        if upgraded {
            assert!(seen.messages.len() >= messages.len(), "{case}: {seen:?}");
            assert_eq!(
                seen.messages[..messages.len() - 1],
                messages[..messages.len() - 1],
                "{case}"
            );
            continue;
        }
        assert_eq!(summary(&seen.messages), summary(&messages), "{case}");
        // A cut inside an over-long span may overflow first, as in core.
        let overflow_first =
            seen.error.is_some_and(|(c, _)| c == "HPE_HEADER_OVERFLOW") && error.is_some();
        if !overflow_first {
            assert_eq!(seen.error, error, "{case}");
        }
    }
}
