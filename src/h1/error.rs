//! Parse errors, named and worded exactly as llhttp (Node 20, llhttp 9.3) names
//! and words them.
//!
//! Node turns an llhttp error into an `Error` whose `code` is the llhttp errno
//! name (`HPE_*`), whose `reason` is the reason string llhttp attached at the
//! failing node, and whose `message` is `"Parse Error: " + reason` (except for
//! `HPE_INVALID_EOF_STATE`, raised by `parser.finish()`, whose message is just
//! `"Parse Error"`). One llhttp code is raised from several nodes with
//! different reasons, so [`ErrorKind`] has one variant per (code, reason) pair:
//! `code()` and `reason()` are then plain lookups.

use std::fmt;

/// What went wrong, one variant per llhttp (code, reason) pair this crate
/// produces. The variant named after a code (e.g. `InvalidMethod`) carries
/// that code's most common reason; the others say which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    // HPE_INVALID_METHOD
    InvalidMethod,
    ExpectedSpaceAfterMethod,
    // HPE_INVALID_URL
    InvalidUrl,
    UnexpectedUrlStart,
    InvalidUrlSchema,
    InvalidUrlServer,
    DoubleAtInUrl,
    InvalidUrlPath,
    InvalidUrlQuery,
    InvalidUrlFragment,
    UrlExpectedCrlf,
    // HPE_INVALID_CONSTANT
    InvalidConstant,
    InvalidMethodForHttp,
    InvalidMethodForRtsp,
    InvalidMethodForIce,
    // HPE_INVALID_VERSION
    InvalidVersion,
    InvalidMajorVersion,
    ExpectedDot,
    InvalidMinorVersion,
    ExpectedCrlfAfterVersion,
    ExpectedH2Preface,
    ExpectedSpaceAfterVersion,
    // HPE_INVALID_STATUS (responses only)
    InvalidStatus,
    InvalidResponseStatus,
    // HPE_STRICT
    StrictCrlfAfterVersion,
    StrictLfAfterCr,
    StrictLfAfterHeaders,
    StrictLfAfterChunkSize,
    StrictLfAfterChunkData,
    StrictChunkExtensions,
    StrictChunkExtensionName,
    StrictChunkExtensionValue,
    StrictChunkExtensionQuotedValue,
    StrictChunkExtensionQuotedPair,
    StrictChunkExtensionAfterQuote,
    // HPE_UNEXPECTED_SPACE
    UnexpectedSpace,
    // HPE_INVALID_HEADER_TOKEN
    InvalidHeaderToken,
    InvalidHeaderFieldChar,
    InvalidHeaderValueChar,
    UnexpectedWhitespaceAfterHeaderValue,
    // HPE_CR_EXPECTED
    CrExpected,
    CrExpectedAfterChunkSize,
    CrExpectedAfterChunkExtensionName,
    CrExpectedAfterChunkExtensionValue,
    CrExpectedAfterChunkData,
    CrExpectedAfterResponseLine,
    // HPE_LF_EXPECTED
    LfExpected,
    // HPE_INVALID_CONTENT_LENGTH
    InvalidContentLength,
    ContentLengthOverflow,
    EmptyContentLength,
    ContentLengthWithTransferEncoding,
    // HPE_UNEXPECTED_CONTENT_LENGTH
    UnexpectedContentLength,
    // HPE_INVALID_TRANSFER_ENCODING
    InvalidTransferEncoding,
    TransferEncodingWithContentLength,
    InvalidTransferEncodingValue,
    // HPE_INVALID_CHUNK_SIZE
    InvalidChunkSize,
    ChunkSizeOverflow,
    // HPE_CLOSED_CONNECTION
    ClosedConnection,
    // HPE_PAUSED_H2_UPGRADE (Node reports it as a client error: 400)
    PausedH2Upgrade,
    // HPE_INVALID_EOF_STATE (from `parser.finish()` on a half-read message)
    InvalidEofState,
    // Raised by Node's own span callbacks (`HPE_USER` with a code prefix).
    HeaderOverflow,
    ChunkExtensionsOverflow,
}

impl ErrorKind {
    /// The llhttp errno name, as Node puts it in `err.code`.
    pub fn code(self) -> &'static str {
        use ErrorKind::*;
        match self {
            InvalidMethod | ExpectedSpaceAfterMethod => "HPE_INVALID_METHOD",
            InvalidUrl | UnexpectedUrlStart | InvalidUrlSchema | InvalidUrlServer
            | DoubleAtInUrl | InvalidUrlPath | InvalidUrlQuery | InvalidUrlFragment
            | UrlExpectedCrlf => "HPE_INVALID_URL",
            InvalidConstant | InvalidMethodForHttp | InvalidMethodForRtsp | InvalidMethodForIce => {
                "HPE_INVALID_CONSTANT"
            }
            InvalidVersion
            | InvalidMajorVersion
            | ExpectedDot
            | InvalidMinorVersion
            | ExpectedCrlfAfterVersion
            | ExpectedH2Preface
            | ExpectedSpaceAfterVersion => "HPE_INVALID_VERSION",
            InvalidStatus | InvalidResponseStatus => "HPE_INVALID_STATUS",
            StrictCrlfAfterVersion
            | StrictLfAfterCr
            | StrictLfAfterHeaders
            | StrictLfAfterChunkSize
            | StrictLfAfterChunkData
            | StrictChunkExtensions
            | StrictChunkExtensionName
            | StrictChunkExtensionValue
            | StrictChunkExtensionQuotedValue
            | StrictChunkExtensionQuotedPair
            | StrictChunkExtensionAfterQuote => "HPE_STRICT",
            UnexpectedSpace => "HPE_UNEXPECTED_SPACE",
            InvalidHeaderToken
            | InvalidHeaderFieldChar
            | InvalidHeaderValueChar
            | UnexpectedWhitespaceAfterHeaderValue => "HPE_INVALID_HEADER_TOKEN",
            CrExpected
            | CrExpectedAfterChunkSize
            | CrExpectedAfterChunkExtensionName
            | CrExpectedAfterChunkExtensionValue
            | CrExpectedAfterChunkData
            | CrExpectedAfterResponseLine => "HPE_CR_EXPECTED",
            LfExpected => "HPE_LF_EXPECTED",
            InvalidContentLength
            | ContentLengthOverflow
            | EmptyContentLength
            | ContentLengthWithTransferEncoding => "HPE_INVALID_CONTENT_LENGTH",
            UnexpectedContentLength => "HPE_UNEXPECTED_CONTENT_LENGTH",
            InvalidTransferEncoding
            | TransferEncodingWithContentLength
            | InvalidTransferEncodingValue => "HPE_INVALID_TRANSFER_ENCODING",
            InvalidChunkSize | ChunkSizeOverflow => "HPE_INVALID_CHUNK_SIZE",
            ClosedConnection => "HPE_CLOSED_CONNECTION",
            PausedH2Upgrade => "HPE_PAUSED_H2_UPGRADE",
            InvalidEofState => "HPE_INVALID_EOF_STATE",
            HeaderOverflow => "HPE_HEADER_OVERFLOW",
            ChunkExtensionsOverflow => "HPE_CHUNK_EXTENSIONS_OVERFLOW",
        }
    }

    /// llhttp's reason string, byte for byte (Node's `err.reason`).
    pub fn reason(self) -> &'static str {
        use ErrorKind::*;
        match self {
            InvalidMethod => "Invalid method encountered",
            ExpectedSpaceAfterMethod => "Expected space after method",
            InvalidUrl => "Invalid characters in url",
            UnexpectedUrlStart => "Unexpected start char in url",
            InvalidUrlSchema => "Unexpected char in url schema",
            InvalidUrlServer => "Unexpected char in url server",
            DoubleAtInUrl => "Double @ in url",
            InvalidUrlPath => "Invalid char in url path",
            InvalidUrlQuery => "Invalid char in url query",
            InvalidUrlFragment => "Invalid char in url fragment start",
            UrlExpectedCrlf => "Expected CRLF",
            InvalidConstant => "Expected HTTP/, RTSP/ or ICE/",
            InvalidMethodForHttp => "Invalid method for HTTP/x.x request",
            InvalidMethodForRtsp => "Invalid method for RTSP/x.x request",
            InvalidMethodForIce => "Expected SOURCE method for ICE/x.x request",
            InvalidVersion => "Invalid HTTP version",
            InvalidMajorVersion => "Invalid major version",
            ExpectedDot => "Expected dot",
            InvalidMinorVersion => "Invalid minor version",
            ExpectedCrlfAfterVersion | StrictCrlfAfterVersion => "Expected CRLF after version",
            ExpectedH2Preface => "Expected HTTP/2 Connection Preface",
            ExpectedSpaceAfterVersion => "Expected space after version",
            InvalidStatus => "Invalid status code",
            InvalidResponseStatus => "Invalid response status",
            StrictLfAfterCr => "Expected LF after CR",
            StrictLfAfterHeaders => "Expected LF after headers",
            StrictLfAfterChunkSize => "Expected LF after chunk size",
            StrictLfAfterChunkData => "Expected LF after chunk data",
            StrictChunkExtensions => "Invalid character in chunk extensions",
            StrictChunkExtensionName => "Invalid character in chunk extensions name",
            StrictChunkExtensionValue => "Invalid character in chunk extensions value",
            StrictChunkExtensionQuotedValue => "Invalid character in chunk extensions quoted value",
            StrictChunkExtensionQuotedPair => {
                "Invalid quoted-pair in chunk extensions quoted value"
            }
            StrictChunkExtensionAfterQuote => "Invalid character in chunk extensions quote value",
            UnexpectedSpace => "Unexpected space after start line",
            InvalidHeaderToken => "Invalid header token",
            InvalidHeaderFieldChar => "Invalid header field char",
            InvalidHeaderValueChar => "Invalid header value char",
            UnexpectedWhitespaceAfterHeaderValue => "Unexpected whitespace after header value",
            CrExpected => "Missing expected CR after header value",
            CrExpectedAfterChunkSize => "Missing expected CR after chunk size",
            CrExpectedAfterChunkExtensionName => "Missing expected CR after chunk extension name",
            CrExpectedAfterChunkExtensionValue => "Missing expected CR after chunk extension value",
            CrExpectedAfterChunkData => "Missing expected CR after chunk data",
            CrExpectedAfterResponseLine => "Missing expected CR after response line",
            LfExpected => "Missing expected LF after header value",
            InvalidContentLength => "Invalid character in Content-Length",
            ContentLengthOverflow => "Content-Length overflow",
            EmptyContentLength => "Empty Content-Length",
            ContentLengthWithTransferEncoding => {
                "Content-Length can't be present with Transfer-Encoding"
            }
            UnexpectedContentLength => "Duplicate Content-Length",
            InvalidTransferEncoding => "Request has invalid `Transfer-Encoding`",
            TransferEncodingWithContentLength => {
                "Transfer-Encoding can't be present with Content-Length"
            }
            InvalidTransferEncodingValue => "Invalid `Transfer-Encoding` header value",
            InvalidChunkSize => "Invalid character in chunk size",
            ChunkSizeOverflow => "Chunk size overflow",
            ClosedConnection => "Data after `Connection: close`",
            PausedH2Upgrade => "Pause on PRI/Upgrade",
            InvalidEofState => "Invalid EOF state",
            HeaderOverflow => "Header overflow",
            ChunkExtensionsOverflow => "Chunk extensions overflow",
        }
    }

    /// The status of the canned response core writes for this error when no
    /// `'clientError'` listener handles it (`_http_server.js`,
    /// `socketOnError`): 431 for a head over `maxHeaderSize`, 413 for chunk
    /// extensions over 16 KiB, 400 for everything else.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::HeaderOverflow => 431,
            ErrorKind::ChunkExtensionsOverflow => 413,
            _ => 400,
        }
    }
}

/// A malformed message: what failed and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ErrorKind,
    /// Offset of llhttp's `error_pos` from the start of the buffer that was
    /// parsed. Node's `err.bytesParsed` is the same offset measured from the
    /// start of the last socket read, so the two agree when the message
    /// arrived in one read.
    pub bytes_parsed: usize,
}

impl ParseError {
    pub(crate) fn new(kind: ErrorKind, bytes_parsed: usize) -> Self {
        ParseError { kind, bytes_parsed }
    }

    /// The llhttp errno name, e.g. `"HPE_INVALID_METHOD"`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// llhttp's reason string, e.g. `"Invalid method encountered"`.
    pub fn reason(&self) -> &'static str {
        self.kind.reason()
    }
}

impl fmt::Display for ParseError {
    /// Formats as Node's `err.message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ErrorKind::InvalidEofState {
            // `parser.finish()` builds its error without the reason.
            f.write_str("Parse Error")
        } else {
            write!(f, "Parse Error: {}", self.reason())
        }
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_is_node_parse_error_prefix_plus_reason() {
        let e = ParseError::new(ErrorKind::InvalidMethod, 0);
        assert_eq!(e.to_string(), "Parse Error: Invalid method encountered");
        assert_eq!(e.code(), "HPE_INVALID_METHOD");
    }

    #[test]
    fn eof_error_message_has_no_reason_like_parser_finish() {
        let e = ParseError::new(ErrorKind::InvalidEofState, 0);
        assert_eq!(e.to_string(), "Parse Error");
        assert_eq!(e.reason(), "Invalid EOF state");
    }

    #[test]
    fn overflow_errors_map_to_431_and_413_like_socket_on_error() {
        assert_eq!(ErrorKind::HeaderOverflow.status(), 431);
        assert_eq!(ErrorKind::ChunkExtensionsOverflow.status(), 413);
        assert_eq!(ErrorKind::InvalidUrl.status(), 400);
    }
}
