//! Replays a byte stream through this module's parsers the way a
//! connection drives them, and checks that how the stream is cut into reads
//! changes nothing: llhttp is a streaming parser, so core reports the same
//! messages, bodies, trailers and error whatever the reads were, with two
//! exceptions: an error's `bytesParsed` is relative to its read, and the
//! size limits. Node counts header (and chunk-extension) bytes in llhttp's
//! span callbacks, which fire when a span ends or the read does, so a cut
//! inside an over-long span can raise `HPE_HEADER_OVERFLOW` before the
//! error the whole read meets at the span's end. (Seen with core's own
//! parser binding: `Transfer-Encodinip, chunked` under `maxHeaderSize: 40`
//! is `HPE_INVALID_HEADER_TOKEN` in one read, `HPE_HEADER_OVERFLOW` byte by
//! byte.) The parsers here count the same way.
//!
//! The checklists use this as their driver (their expectations are core's
//! recorded results for the whole input in one read); the fuzz targets
//! under `fuzz/` and the seeded runs in [`fuzz`] feed it arbitrary bytes.

pub mod fuzz;
pub mod request;
pub mod response;

use crate::h1::{ErrorKind, ParseError};

/// Whether a cut run's error is one core could report for the same
/// stream: the whole run's, or a size-limit overflow that the cuts
/// reached first (see the module docs).
pub fn same_error(cut: Option<ParseError>, whole: Option<ParseError>) -> bool {
    match (cut.map(|e| e.kind), whole.map(|e| e.kind)) {
        (Some(ErrorKind::HeaderOverflow | ErrorKind::ChunkExtensionsOverflow), Some(_)) => true,
        (cut, whole) => cut == whole,
    }
}

/// How a stream is cut into reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reads {
    /// All of it in one read.
    Whole,
    /// Reads of this many bytes (the last may be shorter).
    Pieces(usize),
    /// Cut at these offsets (any order; offsets outside the input ignored).
    At(Vec<usize>),
}

impl Reads {
    /// The reads of `input`, in order; none for an empty input.
    pub fn of<'a>(&self, input: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let len = input.len();
        let mut ends: Vec<usize> = match self {
            Reads::Whole => Vec::new(),
            Reads::Pieces(n) => (1..)
                .map(|i| i * (*n).max(1))
                .take_while(|&e| e < len)
                .collect(),
            Reads::At(cuts) => cuts.iter().copied().filter(|&c| c > 0 && c < len).collect(),
        };
        ends.sort_unstable();
        ends.dedup();
        ends.push(len);
        let mut start = 0;
        ends.into_iter().filter(|&e| e > 0).map(move |end| {
            let read = &input[start..end];
            start = end;
            read
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Reads;

    fn lens(reads: Reads, input: &[u8]) -> Vec<usize> {
        reads.of(input).map(<[u8]>::len).collect()
    }

    #[test]
    fn cuts_cover_the_input_exactly_once() {
        let input = [0u8; 10];
        assert_eq!(lens(Reads::Whole, &input), [10]);
        assert_eq!(lens(Reads::Pieces(4), &input), [4, 4, 2]);
        assert_eq!(lens(Reads::Pieces(0), &input[..3]), [1, 1, 1]);
        assert_eq!(lens(Reads::At(vec![7, 0, 3, 3, 99]), &input), [3, 4, 3]);
        assert!(lens(Reads::Whole, &[]).is_empty());
    }
}
