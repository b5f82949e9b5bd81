//! Fuzz inputs: arbitrary bytes decoded into parser options, a way of
//! cutting the stream into reads, and the stream itself, then replayed
//! whole and cut ([`super::request::agree`], [`super::response::agree`]).
//! Any panic, or any difference the cuts make, is a finding.
//!
//! The same checks run two ways: libFuzzer (`fuzz/`, `cargo +nightly fuzz
//! run request_stream`) and, in `cargo test`, a bounded seeded run that
//! mutates a small corpus of messages (the tests below).
//!
//! Input layout: byte 0 picks the options (bit 0 insecure; bits 1–2 the
//! `maxHeaderSize`; bits 3–4 the request method a response answers),
//! byte 1 the reads (high bit: one byte per read; else its low 4 bits
//! count the 2-byte little-endian cut offsets that follow); the rest is
//! the stream.

use super::{request, response, Reads};
use crate::h1::limits::DEFAULT_MAX_HEADER_SIZE;
use crate::h1::{ParseOptions, ResponseContext};

/// `maxHeaderSize` values worth a bit each: the default, and sizes small
/// enough for random inputs to cross.
const HEADER_SIZES: [usize; 4] = [DEFAULT_MAX_HEADER_SIZE, 40, 200, 1024];

/// A decoded fuzz input.
#[derive(Debug)]
pub struct Case<'a> {
    pub opts: ParseOptions,
    pub ctx: ResponseContext,
    pub reads: Reads,
    pub stream: &'a [u8],
}

impl<'a> Case<'a> {
    /// `None` when `data` is too short to hold the header bytes.
    pub fn decode(data: &'a [u8]) -> Option<Case<'a>> {
        let (&options, rest) = data.split_first()?;
        let (&cutting, mut rest) = rest.split_first()?;
        let opts = ParseOptions {
            insecure: options & 1 != 0,
            max_header_size: HEADER_SIZES[usize::from(options >> 1) & 3],
        };
        let ctx = ResponseContext {
            method_is_head: (options >> 3) & 3 == 1,
            method_is_connect: (options >> 3) & 3 == 2,
        };
        let reads = if cutting & 0x80 != 0 {
            Reads::Pieces(1)
        } else {
            let mut cuts = Vec::new();
            for _ in 0..cutting & 0x0f {
                let (cut, after) = rest.split_first_chunk::<2>()?;
                cuts.push(usize::from(u16::from_le_bytes(*cut)));
                rest = after;
            }
            Reads::At(cuts)
        };
        Some(Case {
            opts,
            ctx,
            reads,
            stream: rest,
        })
    }
}

/// A server reading `data`'s stream: the cuts change nothing.
pub fn request_stream(data: &[u8]) {
    let Some(case) = Case::decode(data) else {
        return;
    };
    let whole = request::agree(case.stream, case.opts, &case.reads);
    if let Some(e) = whole.error {
        assert!(e.bytes_parsed <= case.stream.len(), "{e:?} past the input");
    }
}

/// A client reading `data`'s stream as the response to a request: the cuts
/// change nothing.
pub fn response_stream(data: &[u8]) {
    let Some(case) = Case::decode(data) else {
        return;
    };
    let whole = response::agree(case.stream, case.opts, case.ctx, &case.reads);
    if let Some(e) = whole.error {
        assert!(e.bytes_parsed <= case.stream.len(), "{e:?} past the input");
    }
}

/// The seeded generator the tests here and the server's connection tests
/// share: a small corpus of messages and mutations of it.
#[cfg(test)]
pub mod corpus {
    /// splitmix64: tiny, seedable, good enough to pick mutations.
    pub struct Rng(pub u64);

    impl Rng {
        pub fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        pub fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n.max(1) as u64) as usize
        }

        pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    pub const REQUESTS: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /p?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\"\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00",
        b"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\ntunnel",
        b"PUT http://u@h:80/a#f HTTP/1.1\r\nX-A:  v \r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        b"GET /\r\nHost: x\r\n\r\n",
    ];

    pub const RESPONSES: &[&[u8]] = &[
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\nuntil eof",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nraw",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 \r\nX: a\r\nContent-Length: 1\r\n\r\nz",
    ];

    /// Bytes that steer a parser into its rarer states.
    const BYTES: &[u8] = b"\r\n \t:;=\"\\,\x00\x7f\xff0f";

    /// Tokens that do the same at a larger scale.
    const TOKENS: &[&[u8]] = &[
        b"\r\n",
        b"\r\n ",
        b"ffffffffffffffffff",
        b"Transfer-Encoding: chunked\r\n",
        b"Content-Length: 3\r\n",
        b"Content-Length: -1\r\n",
        b"Connection: close\r\n",
        b"Connection: keep-alive, upgrade\r\n",
        b"Upgrade: h2c\r\n",
        b"\r\n\r\n",
        b"0\r\n\r\n",
        b"HTTP/1.0",
        b"HTTP/1.1 ",
        b"GET / HTTP/1.1\r\n",
    ];

    pub fn mutate(rng: &mut Rng, corpus: &[&[u8]]) -> Vec<u8> {
        let mut s = rng.pick(corpus).to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(s.len() + 1);
            let last = s.len().saturating_sub(1);
            match rng.below(6) {
                0 if !s.is_empty() => s[at.min(last)] = *rng.pick(BYTES),
                1 => {
                    let token = rng.pick(TOKENS);
                    s.splice(at..at, token.iter().copied());
                }
                2 => {
                    let end = (at + 1 + rng.below(8)).min(s.len());
                    s.drain(at.min(end)..end);
                }
                3 => {
                    let end = (at + 1 + rng.below(16)).min(s.len());
                    let copy = s[at.min(end)..end].to_vec();
                    s.splice(at..at, copy);
                }
                4 => {
                    let next = *rng.pick(corpus);
                    s.extend_from_slice(next);
                }
                _ if !s.is_empty() => s[at.min(last)] = rng.next_u64() as u8,
                _ => {}
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    //! Seeded mutation of a small corpus: bounded (a few thousand inputs a
    //! target, under a second in a debug build) and the same every run, so
    //! a failure replays from its printed seed.

    use super::corpus::*;
    use super::*;

    /// A fuzz input (see the module docs) around a mutated stream.
    fn input(rng: &mut Rng, corpus: &[&[u8]]) -> Vec<u8> {
        let stream = mutate(rng, corpus);
        let options = rng.next_u64() as u8;
        let mut data = vec![options];
        if rng.below(4) == 0 {
            data.push(0x80);
        } else {
            let n = rng.below(16);
            data.push(n as u8);
            for _ in 0..n {
                let cut = rng.below(stream.len() + 1) as u16;
                data.extend_from_slice(&cut.to_le_bytes());
            }
        }
        data.extend_from_slice(&stream);
        data
    }

    /// Inputs per target: `RHTTP_FUZZ_COUNT` (default 4000) from seed
    /// `RHTTP_FUZZ_SEED` (default the target's own), so a longer run is
    /// `RHTTP_FUZZ_COUNT=1000000 RHTTP_FUZZ_SEED=7 cargo test --release
    /// --lib replay::fuzz`.
    fn run_seeded(corpus: &[&[u8]], check: fn(&[u8]), default_seed: u64) {
        let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        let seed = env("RHTTP_FUZZ_SEED").unwrap_or(default_seed);
        let count = env("RHTTP_FUZZ_COUNT").unwrap_or(4000);
        let mut rng = Rng(seed);
        for i in 0..count {
            let data = input(&mut rng, corpus);
            let replay = std::panic::catch_unwind(|| check(&data));
            assert!(
                replay.is_ok(),
                "seeded input {i} of seed {seed} failed: {data:?}"
            );
        }
    }

    #[test]
    fn the_seed_corpus_parses_as_intended() {
        for r in REQUESTS {
            let out = request::run(r, ParseOptions::default(), &Reads::Whole);
            assert!(!out.messages.is_empty(), "{:?}", String::from_utf8_lossy(r));
        }
        for r in RESPONSES {
            let out = response::run(
                r,
                ParseOptions::default(),
                ResponseContext::default(),
                &Reads::Whole,
            );
            assert!(
                out.error.is_none(),
                "{:?}: {:?}",
                String::from_utf8_lossy(r),
                out.error
            );
        }
    }

    #[test]
    fn mutated_requests_parse_the_same_whatever_the_reads() {
        run_seeded(REQUESTS, request_stream, 1);
    }

    #[test]
    fn mutated_responses_parse_the_same_whatever_the_reads() {
        run_seeded(RESPONSES, response_stream, 2);
    }

    #[test]
    fn short_inputs_decode_to_nothing_and_cuts_to_offsets() {
        assert!(Case::decode(&[1]).is_none());
        assert!(Case::decode(&[0, 2, 1, 0]).is_none());
        let case = Case::decode(&[0b1_0101, 1, 3, 0, b'a', b'b']).unwrap();
        assert!(case.opts.insecure);
        assert_eq!(case.opts.max_header_size, 200);
        assert!(case.ctx.method_is_connect);
        assert_eq!(case.reads, Reads::At(vec![3]));
        assert_eq!(case.stream, b"ab");
    }
}
