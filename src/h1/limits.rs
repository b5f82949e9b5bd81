//! Every bound the parser applies, and llhttp's lenient flags.

/// Node's default `maxHeaderSize` (`--max-http-header-size`): 16 KiB.
pub const DEFAULT_MAX_HEADER_SIZE: usize = 16 * 1024;

/// Node's `kMaxChunkExtensionsSize` (CVE-2024-22019): the chunk-extension
/// names and values of one chunk may add up to this many bytes; one more is
/// `HPE_CHUNK_EXTENSIONS_OVERFLOW` (413).
pub const MAX_CHUNK_EXTENSIONS_SIZE: usize = 16 * 1024;

/// How many bytes a head (or trailer section) may occupy in the buffer,
/// as a multiple of `max_header_size`, before it is refused as too large.
///
/// Node counts only the target, names and values, and llhttp streams, so
/// core never holds the rest. This parser hands out offsets into the
/// caller's buffer, so the whole head stays buffered until it completes; the
/// bound keeps that memory finite. Only padding that Node skips uncounted
/// can reach it (runs of leading empty lines, whitespace before values,
/// between method and target, or thousands of empty headers): a head whose
/// buffered size passes `HEAD_BUFFER_FACTOR * max_header_size +
/// HEAD_BUFFER_SLACK` is refused with `HPE_HEADER_OVERFLOW` even though core
/// would still be reading it.
pub const HEAD_BUFFER_FACTOR: usize = 4;

/// Fixed allowance on top of [`HEAD_BUFFER_FACTOR`] for the request line and
/// line endings.
pub const HEAD_BUFFER_SLACK: usize = 4 * 1024;

/// Headers the head parser reserves room for on the first header line; the
/// vector grows past it as needed. It can never hold more than
/// `max_header_size` entries, since each name counts at least one byte
/// towards that limit.
pub const INITIAL_HEADERS_CAPACITY: usize = 16;

/// The buffered-bytes bound for one head or trailer section (see
/// [`HEAD_BUFFER_FACTOR`]).
pub fn head_buffer_limit(max_header_size: usize) -> usize {
    max_header_size
        .saturating_mul(HEAD_BUFFER_FACTOR)
        .saturating_add(HEAD_BUFFER_SLACK)
}

/// llhttp's lenient flags. Node's `insecureHTTPParser` sets all of them
/// (`kLenientAll`); otherwise none is set. Kept as separate switches so each
/// relaxed check in the state machines names the flag that relaxes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lenient {
    /// `LENIENT_HEADERS`: obs-fold, any byte in values, space before the
    /// colon of special headers, a leading space on the first header line.
    pub headers: bool,
    /// `LENIENT_CHUNKED_LENGTH`: `Content-Length` with `Transfer-Encoding`.
    pub chunked_length: bool,
    /// `LENIENT_KEEP_ALIVE`: keep parsing after a non-keep-alive message.
    pub keep_alive: bool,
    /// `LENIENT_TRANSFER_ENCODING`: codings after `chunked`.
    pub transfer_encoding: bool,
    /// `LENIENT_VERSION`: any one-digit major and minor version.
    pub version: bool,
    /// `LENIENT_DATA_AFTER_CLOSE`: ignore bytes after `Connection: close`.
    pub data_after_close: bool,
    /// `LENIENT_OPTIONAL_LF_AFTER_CR`: a bare CR ends a line.
    pub optional_lf_after_cr: bool,
    /// `LENIENT_OPTIONAL_CRLF_AFTER_CHUNK`: no CRLF needed after chunk data.
    pub optional_crlf_after_chunk: bool,
    /// `LENIENT_OPTIONAL_CR_BEFORE_LF`: a bare LF ends a line.
    pub optional_cr_before_lf: bool,
    /// `LENIENT_SPACES_AFTER_CHUNK_SIZE`: blanks between size and CRLF.
    pub spaces_after_chunk_size: bool,
}

impl Lenient {
    pub(crate) const STRICT: Lenient = Lenient::all(false);
    pub(crate) const ALL: Lenient = Lenient::all(true);

    const fn all(on: bool) -> Lenient {
        Lenient {
            headers: on,
            chunked_length: on,
            keep_alive: on,
            transfer_encoding: on,
            version: on,
            data_after_close: on,
            optional_lf_after_cr: on,
            optional_crlf_after_chunk: on,
            optional_cr_before_lf: on,
            spaces_after_chunk_size: on,
        }
    }

    pub(crate) fn from_insecure(insecure: bool) -> Lenient {
        if insecure {
            Lenient::ALL
        } else {
            Lenient::STRICT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_buffer_limit_is_four_times_the_header_limit_plus_slack() {
        assert_eq!(head_buffer_limit(DEFAULT_MAX_HEADER_SIZE), 4 * 16384 + 4096);
    }

    #[test]
    fn head_buffer_limit_saturates_instead_of_overflowing() {
        assert_eq!(head_buffer_limit(usize::MAX), usize::MAX);
    }

    #[test]
    fn insecure_turns_on_every_lenient_flag() {
        assert_eq!(Lenient::from_insecure(true), Lenient::ALL);
        assert_eq!(Lenient::from_insecure(false), Lenient::STRICT);
    }
}
