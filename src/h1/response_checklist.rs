//! The response side, one test per behaviour: status lines, header rules in
//! response mode, RFC 9112 §6.3 framing, informational heads, upgrades,
//! keep-alive, limits and EOF.
//!
//! Every expectation was recorded from Node 20.20.2 (llhttp 9.3.1), not
//! written by hand: each input was executed by core's own parser binding in
//! response mode, driven the way core's client drives it
//! (`parserOnIncomingClient`'s return value skips the body of 1xx, HEAD and
//! 304 responses and turns CONNECT responses into upgrades; `parser.finish()`
//! at EOF). The assertions hold its per-message results, error code, reason
//! and `bytesParsed`. Each input was also sent by a raw `net` server to a
//! real `http.request` (server ending the connection after writing); what
//! that request reported is quoted in the `core client:` comment. The driver
//! ([`super::replay::response`]) plays the part of the parser binding;
//! every input is also fed one byte at a time, and the resumable path must
//! agree.

use super::checklist_support::*;
use super::replay::response::{agree, End, Msg, Outcome};
use super::replay::Reads;
use super::*;

const GET: ResponseContext = ResponseContext {
    method_is_head: false,
    method_is_connect: false,
};
const HEAD: ResponseContext = ResponseContext {
    method_is_head: true,
    method_is_connect: false,
};
const CONNECT: ResponseContext = ResponseContext {
    method_is_head: false,
    method_is_connect: true,
};

/// The whole input in one read, cross-checked against one byte per read.
fn drive(input: &[u8], opts: ParseOptions, ctx: ResponseContext) -> Outcome {
    agree(input, opts, ctx, &Reads::Pieces(1))
}

#[test]
fn parses_status_line_headers_and_content_length_body() {
    // core client: 'response' 200; 'end' (5 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Content-Type".to_vec(),
                b"text/plain".to_vec(),
                b"Content-Length".to_vec(),
                b"5".to_vec()
            ],
            body: b"hello".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_status_line_without_reason_phrase() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_empty_reason_phrase_after_space() {
    // core client: 'response' 404; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 404,
            reason: b"".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn keeps_reason_phrase_spaces_untrimmed() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200  Very OK \r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b" Very OK ".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_any_byte_but_cr_lf_in_reason_phrase() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200 O\x00K\t\x7f\xff\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"O\x00K\t\x7f\xff".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_status_000_and_999() {
    // core client: 'response' 0; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\nHTTP/1.1 999 Max\r\nContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 0,
                reason: b"Zero".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
            Msg {
                status: 999,
                reason: b"Max".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_http2_version_with_http10_keep_alive_rules() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "2.0".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_http09_version() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/0.9 200 OK\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "0.9".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_rtsp_status_line() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![
                b"CSeq".to_vec(),
                b"1".to_vec(),
                b"Content-Length".to_vec(),
                b"0".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_ice_status_line() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"ICE/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn skips_empty_lines_before_status_line() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"\r\n\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_two_digit_status_as_invalid_status_code() {
    // core client: 'error' HPE_INVALID_STATUS
    let out = drive(b"HTTP/1.1 20 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_STATUS", "Invalid status code", 11))
    );
}

#[test]
fn rejects_four_digit_status_as_invalid_response_status() {
    // core client: 'error' HPE_INVALID_STATUS
    let out = drive(b"HTTP/1.1 2000 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_STATUS", "Invalid response status", 12))
    );
}

#[test]
fn rejects_non_digit_in_status() {
    // core client: 'error' HPE_INVALID_STATUS
    let out = drive(b"HTTP/1.1 2x0 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_STATUS", "Invalid status code", 10))
    );
}

#[test]
fn rejects_two_spaces_before_status() {
    // core client: 'error' HPE_INVALID_STATUS
    let out = drive(b"HTTP/1.1  200 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_STATUS", "Invalid status code", 9))
    );
}

#[test]
fn rejects_tab_after_version() {
    // core client: 'error' HPE_INVALID_VERSION
    let out = drive(b"HTTP/1.1\t200 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Expected space after version", 8))
    );
}

#[test]
fn rejects_status_line_without_status() {
    // core client: 'error' HPE_INVALID_VERSION
    let out = drive(b"HTTP/1.1\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Expected space after version", 8))
    );
}

#[test]
fn rejects_http12_version() {
    // core client: 'error' HPE_INVALID_VERSION
    let out = drive(b"HTTP/1.2 200 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Invalid HTTP version", 8))
    );
}

#[test]
fn rejects_version_without_minor() {
    // core client: 'error' HPE_INVALID_VERSION
    let out = drive(b"HTTP/1 200 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Expected dot", 6))
    );
}

#[test]
fn rejects_two_digit_major_version() {
    // core client: 'error' HPE_INVALID_VERSION
    let out = drive(b"HTTP/11.1 200 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Expected dot", 6))
    );
}

#[test]
fn rejects_lowercase_protocol() {
    // core client: 'error' HPE_INVALID_CONSTANT
    let out = drive(b"http/1.1 200 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", 0))
    );
}

#[test]
fn rejects_non_http_greeting() {
    // core client: 'error' HPE_INVALID_CONSTANT
    let out = drive(b"SSH-2.0-OpenSSH_9.6\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", 0))
    );
}

#[test]
fn rejects_protocol_misspelled_after_first_letter() {
    // core client: 'error' HPE_INVALID_CONSTANT
    let out = drive(b"HTPT/1.1 200 OK\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", 2))
    );
}

#[test]
fn rejects_bare_lf_after_reason_phrase() {
    // core client: 'error' HPE_CR_EXPECTED
    let out = drive(b"HTTP/1.1 200 OK\nContent-Length: 0\n\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_CR_EXPECTED",
            "Missing expected CR after response line",
            16
        ))
    );
}

#[test]
fn rejects_bare_lf_after_status_code() {
    // core client: 'error' HPE_INVALID_STATUS
    let out = drive(b"HTTP/1.1 200\nContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_STATUS", "Invalid response status", 13))
    );
}

#[test]
fn rejects_cr_not_followed_by_lf_after_status_line() {
    // core client: 'error' HPE_STRICT
    let out = drive(b"HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Expected LF after CR", 16))
    );
}

#[test]
fn treats_second_cr_after_status_line_as_its_lf() {
    // core client: 'response' 204; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 204 X\r\r\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 204,
            reason: b"X".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_bare_lf_line_ends_when_insecure() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\nA: b\nContent-Length: 0\n\n",
        insecure(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"A".to_vec(),
                b"b".to_vec(),
                b"Content-Length".to_vec(),
                b"0".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn accepts_bare_cr_after_status_line_when_insecure() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n",
        insecure(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_bare_cr_after_header_value_even_when_insecure() {
    // core client: 'error' HPE_LF_EXPECTED
    let out = drive(
        b"HTTP/1.1 200 OK\r\nA: b\rContent-Length: 0\r\n\r\n",
        insecure(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_LF_EXPECTED",
            "Missing expected LF after header value",
            22
        ))
    );
}

#[test]
fn accepts_other_versions_when_insecure() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.3 200 OK\r\nContent-Length: 0\r\n\r\n",
        insecure(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.3".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_space_before_first_header() {
    // core client: 'error' HPE_UNEXPECTED_SPACE
    let out = drive(b"HTTP/1.1 200 OK\r\n X: y\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_UNEXPECTED_SPACE",
            "Unexpected space after start line",
            18
        ))
    );
}

#[test]
fn keeps_header_name_case_and_trims_value_ows() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nX-Mixed-Case:  \t v a l \t \r\nEmpty:\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"X-Mixed-Case".to_vec(),
                b"v a l".to_vec(),
                b"Empty".to_vec(),
                b"".to_vec(),
                b"Content-Length".to_vec(),
                b"0".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_content_length_then_transfer_encoding() {
    // core client: 'error' HPE_INVALID_TRANSFER_ENCODING
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Transfer-Encoding can't be present with Content-Length",
            54
        ))
    );
}

#[test]
fn rejects_transfer_encoding_then_content_length() {
    // core client: 'error' HPE_INVALID_CONTENT_LENGTH
    let out = drive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Content-Length can't be present with Transfer-Encoding",
            60
        ))
    );
}

#[test]
fn prefers_chunked_over_content_length_when_insecure() {
    // core client: 'response' 200; 'end' (1 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", insecure(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Content-Length".to_vec(),
                b"100".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"a".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_duplicate_content_length() {
    // core client: 'error' HPE_UNEXPECTED_CONTENT_LENGTH
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_UNEXPECTED_CONTENT_LENGTH",
            "Duplicate Content-Length",
            52
        ))
    );
}

#[test]
fn rejects_empty_content_length() {
    // core client: 'error' HPE_INVALID_CONTENT_LENGTH
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONTENT_LENGTH", "Empty Content-Length", 35))
    );
}

#[test]
fn rejects_negative_content_length() {
    // core client: 'error' HPE_INVALID_CONTENT_LENGTH
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Invalid character in Content-Length",
            33
        ))
    );
}

#[test]
fn rejects_content_length_past_u64() {
    // core client: 'error' HPE_INVALID_CONTENT_LENGTH
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONTENT_LENGTH", "Content-Length overflow", 53))
    );
}

#[test]
fn rejects_obs_fold() {
    // core client: 'error' HPE_INVALID_HEADER_TOKEN
    let out = drive(
        b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_HEADER_TOKEN",
            "Unexpected whitespace after header value",
            23
        ))
    );
}

#[test]
fn joins_obs_fold_when_insecure() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
        insecure(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"X".to_vec(),
                b"a b".to_vec(),
                b"Content-Length".to_vec(),
                b"0".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_space_before_colon_of_content_length() {
    // core client: 'error' HPE_INVALID_HEADER_TOKEN
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\na",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header field char", 32))
    );
}

#[test]
fn rejects_space_before_colon_of_ordinary_header() {
    // core client: 'error' HPE_INVALID_HEADER_TOKEN
    let out = drive(
        b"HTTP/1.1 200 OK\r\nX : a\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 18))
    );
}

#[test]
fn accepts_space_before_colon_of_content_length_when_insecure() {
    // core client: 'response' 200; 'end' (1 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\na",
        insecure(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length ".to_vec(), b"1".to_vec()],
            body: b"a".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_invalid_header_name_char() {
    // core client: 'error' HPE_INVALID_HEADER_TOKEN
    let out = drive(b"HTTP/1.1 200 OK\r\nX@Y: a\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 18))
    );
}

#[test]
fn rejects_control_char_in_header_value() {
    // core client: 'error' HPE_INVALID_HEADER_TOKEN
    let out = drive(
        b"HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", 21))
    );
}

#[test]
fn accepts_control_char_in_header_value_when_insecure() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n",
        insecure(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"X".to_vec(),
                b"a\x01b".to_vec(),
                b"Content-Length".to_vec(),
                b"0".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_bare_lf_after_header_value() {
    // core client: 'error' HPE_CR_EXPECTED
    let out = drive(
        b"HTTP/1.1 200 OK\r\nX: a\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_CR_EXPECTED",
            "Missing expected CR after header value",
            21
        ))
    );
}

#[test]
fn reads_body_until_close_without_length() {
    // core client: 'response' 200; 'end' (13 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nuntil the end",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Server".to_vec(), b"x".to_vec()],
            body: b"until the end".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn reads_http10_body_until_close() {
    // core client: 'response' 200; 'end' (9 body bytes)
    let out = drive(b"HTTP/1.0 200 OK\r\n\r\nold style", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![],
            body: b"old style".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn reads_gzip_transfer_encoding_body_until_close() {
    // core client: 'response' 200; 'end' (9 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw bytes",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"gzip".to_vec()],
            body: b"raw bytes".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn reads_chunked_then_gzip_until_close_unlike_a_request() {
    // core client: 'response' 200; 'end' (6 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n1\r\na\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked, gzip".to_vec()],
            body: b"1\r\na\r\n".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn reads_chunked_then_gzip_on_two_lines_until_close() {
    // core client: 'response' 200; 'end' (3 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\nraw",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"gzip".to_vec()
            ],
            body: b"raw".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn decodes_gzip_then_chunked_as_chunked() {
    // core client: 'response' 200; 'end' (3 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"gzip, chunked".to_vec()],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn reads_body_until_close_with_content_length_and_gzip_when_insecure() {
    // core client: 'response' 200; 'end' (6 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: gzip\r\n\r\nabcdef",
        insecure(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Content-Length".to_vec(),
                b"3".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"gzip".to_vec()
            ],
            body: b"abcdef".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn decodes_chunked_body_with_extensions_and_trailers() {
    // core client: 'response' 200; 'end' (5 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c=\"d e\"\r\nhello\r\n0\r\nX-T: v \r\nX-U:\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"hello".to_vec(),
            raw_trailers: vec![
                b"X-T".to_vec(),
                b"v".to_vec(),
                b"X-U".to_vec(),
                b"".to_vec()
            ],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_invalid_chunk_size() {
    // core client: 'response' 200; 'error' HPE_INVALID_CHUNK_SIZE; res 'error' ECONNRESET aborted
    let out = drive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            47
        ))
    );
}

#[test]
fn rejects_content_length_in_trailers() {
    // core client: 'response' 200; 'error' HPE_INVALID_CONTENT_LENGTH; res 'error' ECONNRESET aborted
    let out = drive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 1\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Content-Length can't be present with Transfer-Encoding",
            65
        ))
    );
}

#[test]
fn insecure_trailer_content_length_duplicates_the_heads() {
    // core client: 'response' 200; 'error' HPE_UNEXPECTED_CONTENT_LENGTH; res 'error' ECONNRESET aborted
    let out = drive(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 2\r\n\r\n", insecure(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Content-Length".to_vec(),
                b"1".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_UNEXPECTED_CONTENT_LENGTH",
            "Duplicate Content-Length",
            85
        ))
    );
}

#[test]
fn accepts_transfer_encoding_trailer_unlike_a_request() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn content_length_zero_is_an_empty_body() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn response_to_head_has_no_body() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        strict(),
        HEAD,
    );
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"5".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn response_to_head_with_chunked_has_no_body() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        strict(),
        HEAD,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn response_to_head_without_length_is_not_keep_alive() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\n\r\n", strict(), HEAD);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn no_content_has_no_body_despite_content_length() {
    // core client: 'response' 204; 'error' HPE_INVALID_CONSTANT; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 204,
            reason: b"No Content".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"3".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", 46))
    );
}

#[test]
fn no_content_has_no_body_despite_chunked() {
    // core client: 'response' 204; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 204,
            reason: b"No Content".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn not_modified_has_no_body_despite_content_length() {
    // core client: 'response' 304; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 304,
                reason: b"Not Modified".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"3".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn continue_is_informational_and_the_final_response_follows() {
    // core client: 'continue'; 'information' 100; 'response' 200; 'end' (2 body bytes)
    let out = drive(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 100,
                reason: b"Continue".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: true,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"2".to_vec()],
                body: b"ok".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn early_hints_are_informational_with_headers() {
    // core client: 'information' 103; 'response' 200; 'end' (2 body bytes)
    let out = drive(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 103,
                reason: b"Early Hints".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Link".to_vec(), b"</s.css>; rel=preload".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: true,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"2".to_vec()],
                body: b"ok".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn processing_with_content_length_has_no_body() {
    // core client: 'information' 102; 'response' 200; 'end' (2 body bytes)
    let out = drive(b"HTTP/1.1 102 Processing\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 102,
                reason: b"Processing".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"3".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: true,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"2".to_vec()],
                body: b"ok".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn unassigned_1xx_with_content_length_has_no_body() {
    // core client: 'information' 150; 'response' 200; 'end' (2 body bytes)
    let out = drive(b"HTTP/1.1 150 Whatever\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 150,
                reason: b"Whatever".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"3".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: true,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"2".to_vec()],
                body: b"ok".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn several_informational_heads_precede_the_final_response() {
    // core client: 'continue'; 'information' 100; 'information' 102; 'information' 103; 'response' 200; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 100,
                reason: b"Continue".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: true,
                complete: true,
            },
            Msg {
                status: 102,
                reason: b"Processing".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: true,
                complete: true,
            },
            Msg {
                status: 103,
                reason: b"Early Hints".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: true,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn http10_continue_closes_the_parser_before_the_final_response() {
    // core client: 'continue'; 'information' 100; 'error' HPE_CLOSED_CONNECTION
    let out = drive(
        b"HTTP/1.0 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nx",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 100,
            reason: b"Continue".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: true,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CLOSED_CONNECTION",
            "Data after `Connection: close`",
            26
        ))
    );
}

#[test]
fn switching_protocols_with_upgrade_headers_is_an_upgrade() {
    // core client: 'upgrade' 101 (head 7 bytes)
    let out = drive(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 101,
            reason: b"Switching Protocols".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Upgrade".to_vec(),
                b"websocket".to_vec(),
                b"Connection".to_vec(),
                b"Upgrade".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: true,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Upgrade(b"\x81\x05hello".to_vec())));
}

#[test]
fn switching_protocols_ignores_content_length() {
    // core client: 'upgrade' 101 (head 3 bytes)
    let out = drive(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: upgrade\r\nContent-Length: 3\r\n\r\nabc", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 101,
            reason: b"Switching Protocols".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Upgrade".to_vec(),
                b"h2c".to_vec(),
                b"Connection".to_vec(),
                b"upgrade".to_vec(),
                b"Content-Length".to_vec(),
                b"3".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: true,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Upgrade(b"abc".to_vec())));
}

#[test]
fn switching_protocols_without_upgrade_headers_is_final_and_stops_parsing() {
    // core client: 'response' 101; 'end' (0 body bytes)
    let out = drive(
        b"HTTP/1.1 101 Switching Protocols\r\n\r\nframe",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 101,
            reason: b"Switching Protocols".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Stop(b"frame".to_vec())));
}

#[test]
fn upgrade_headers_on_200_only_announce_support() {
    // core client: 'response' 200; 'end' (2 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nContent-Length: 2\r\n\r\nok",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Upgrade".to_vec(),
                b"h2c".to_vec(),
                b"Connection".to_vec(),
                b"Upgrade".to_vec(),
                b"Content-Length".to_vec(),
                b"2".to_vec()
            ],
            body: b"ok".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn connect_response_is_a_tunnel() {
    // core client: 'connect' 200 (head 12 bytes)
    let out = drive(
        b"HTTP/1.1 200 Connection Established\r\n\r\ntunnel bytes",
        strict(),
        CONNECT,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"Connection Established".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: true,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Upgrade(b"tunnel bytes".to_vec())));
}

#[test]
fn connect_response_is_a_tunnel_whatever_the_status() {
    // core client: 'connect' 407 (head 3 bytes)
    let out = drive(
        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 3\r\n\r\nabc",
        strict(),
        CONNECT,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 407,
            reason: b"Proxy Authentication Required".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"3".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: true,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Upgrade(b"abc".to_vec())));
}

#[test]
fn connect_continue_is_the_tunnel_not_information() {
    // core client: 'connect' 100 (head 3 bytes)
    let out = drive(b"HTTP/1.1 100 Continue\r\n\r\nraw", strict(), CONNECT);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 100,
            reason: b"Continue".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: true,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Upgrade(b"raw".to_vec())));
}

#[test]
fn http11_response_is_keep_alive_unless_connection_close() {
    // core client: 'response' 200; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![
                    b"Connection".to_vec(),
                    b"close".to_vec(),
                    b"Content-Length".to_vec(),
                    b"0".to_vec()
                ],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: false,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn http10_response_is_keep_alive_only_with_keep_alive_token() {
    // core client: 'response' 200; 'end' (1 body bytes)
    let out = drive(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nxHTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.0".into(),
                raw_headers: vec![
                    b"Connection".to_vec(),
                    b"keep-alive".to_vec(),
                    b"Content-Length".to_vec(),
                    b"1".to_vec()
                ],
                body: b"x".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.0".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: false,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_data_after_connection_close() {
    // core client: 'response' 200; 'error' HPE_CLOSED_CONNECTION; 'end' (2 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nokJUNK",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Connection".to_vec(),
                b"close".to_vec(),
                b"Content-Length".to_vec(),
                b"2".to_vec()
            ],
            body: b"ok".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CLOSED_CONNECTION",
            "Data after `Connection: close`",
            60
        ))
    );
}

#[test]
fn ignores_empty_lines_after_connection_close() {
    // core client: 'response' 200; 'end' (2 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok\r\n\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Connection".to_vec(),
                b"close".to_vec(),
                b"Content-Length".to_vec(),
                b"2".to_vec()
            ],
            body: b"ok".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn parses_on_after_connection_close_when_insecure() {
    // core client: 'response' 200; 'end' (2 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", insecure(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![
                    b"Connection".to_vec(),
                    b"close".to_vec(),
                    b"Content-Length".to_vec(),
                    b"2".to_vec()
                ],
                body: b"ok".to_vec(),
                raw_trailers: vec![],
                keep_alive: false,
                upgrade: false,
                informational: false,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"0".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn trailer_connection_close_ends_keep_alive() {
    // core client: 'response' 200; 'error' HPE_CLOSED_CONNECTION; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![b"Connection".to_vec(), b"close".to_vec()],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CLOSED_CONNECTION",
            "Data after `Connection: close`",
            72
        ))
    );
}

#[test]
fn trailer_transfer_encoding_gzip_ends_keep_alive() {
    // core client: 'response' 200; 'error' HPE_CLOSED_CONNECTION; 'end' (0 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: gzip\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![b"Transfer-Encoding".to_vec(), b"gzip".to_vec()],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CLOSED_CONNECTION",
            "Data after `Connection: close`",
            78
        ))
    );
}

#[test]
fn insecure_skipped_content_length_prefixes_the_next_one() {
    // core client: 'information' 103; 'response' 200; 'end' (15 body bytes)
    let out = drive(b"HTTP/1.0 103 Early Hints\r\nContent-Length: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n0123456789abcde", insecure(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 103,
                reason: b"Early Hints".to_vec(),
                version: "1.0".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"1".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: false,
                upgrade: false,
                informational: true,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"5".to_vec()],
                body: b"0123456789abcde".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn parses_second_response_after_keep_alive_body() {
    // core client: 'response' 200; 'end' (2 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", strict(), GET);
    assert_eq!(
        out.messages,
        vec![
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"2".to_vec()],
                body: b"ok".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
            Msg {
                status: 200,
                reason: b"OK".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Content-Length".to_vec(), b"2".to_vec()],
                body: b"ok".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                informational: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn rejects_status_message_reaching_max_header_size() {
    // core client: 'error' HPE_HEADER_OVERFLOW
    let out = drive(
        &cat(&[b"HTTP/1.1 200 ", &rep(b"a", 64), b"\r\n\r\n"]),
        max_header_size(64),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 78))
    );
}

#[test]
fn accepts_status_message_just_under_max_header_size() {
    // core client: 'response' 200; 'end' (4 body bytes)
    let out = drive(
        &cat(&[b"HTTP/1.1 200 ", &rep(b"a", 63), b"\r\n\r\nbody"]),
        max_header_size(64),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: cat(&[&rep(b"a", 63)]),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"body".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn counts_status_message_with_header_names_and_values() {
    // core client: 'error' HPE_HEADER_OVERFLOW
    let out = drive(
        &cat(&[
            b"HTTP/1.1 200 ",
            &rep(b"a", 30),
            b"\r\nX: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n\r\n",
        ]),
        max_header_size(64),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 82))
    );
}

#[test]
fn rejects_header_value_over_max_header_size() {
    // core client: 'error' HPE_HEADER_OVERFLOW
    let out = drive(
        &cat(&[b"HTTP/1.1 200 OK\r\nX: ", &rep(b"a", 100), b"\r\n\r\n"]),
        max_header_size(64),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 121))
    );
}

#[test]
fn rejects_unfinished_status_message_over_max_header_size() {
    // core client: 'error' HPE_HEADER_OVERFLOW
    let out = drive(
        &cat(&[b"HTTP/1.1 200 ", &rep(b"a", 70)]),
        max_header_size(64),
        GET,
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 83))
    );
}

#[test]
fn rejects_trailers_over_max_header_size() {
    // core client: 'response' 200; 'error' HPE_HEADER_OVERFLOW; res 'error' ECONNRESET aborted
    let out = drive(
        &cat(&[
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ",
            &rep(b"a", 70),
            b"\r\n\r\n",
        ]),
        max_header_size(64),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 124))
    );
}

#[test]
fn rejects_chunk_extensions_over_16_kib() {
    // core client: 'response' 200; 'error' HPE_CHUNK_EXTENSIONS_OVERFLOW; res 'error' ECONNRESET aborted
    let out = drive(
        &cat(&[
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a=",
            &rep(b"b", 17000),
            b"\r\nx\r\n0\r\n\r\n",
        ]),
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CHUNK_EXTENSIONS_OVERFLOW",
            "Chunk extensions overflow",
            17052
        ))
    );
}

#[test]
fn accepts_chunk_extensions_up_to_16_kib() {
    // core client: 'response' 200; 'end' (1 body bytes)
    let out = drive(
        &cat(&[
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a=",
            &rep(b"b", 16382),
            b"\r\nx\r\n0\r\n\r\n",
        ]),
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"x".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn eof_ends_a_close_delimited_body() {
    // core client: 'response' 200; 'end' (3 body bytes)
    let out = drive(b"HTTP/1.1 200 OK\r\n\r\nabc", strict(), GET);
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn eof_inside_content_length_body_is_invalid_eof_state() {
    // core client: 'response' 200; res 'error' ECONNRESET aborted
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"10".to_vec()],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: false,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Err("HPE_INVALID_EOF_STATE"))));
}

#[test]
fn eof_inside_chunked_body_is_invalid_eof_state() {
    // core client: 'response' 200; res 'error' ECONNRESET aborted
    let out = drive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"ab".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: false,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Err("HPE_INVALID_EOF_STATE"))));
}

#[test]
fn eof_inside_head_is_invalid_eof_state() {
    // core client: 'error' ECONNRESET socket hang up
    let out = drive(b"HTTP/1.1 200 OK\r\nContent-Le", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Err("HPE_INVALID_EOF_STATE"))));
}

#[test]
fn eof_after_empty_lines_only_is_clean() {
    // core client: 'error' ECONNRESET socket hang up
    let out = drive(b"\r\n\r\n", strict(), GET);
    assert_eq!(out.messages, vec![]);
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}

#[test]
fn eof_after_complete_response_is_clean() {
    // core client: 'response' 200; 'end' (1 body bytes)
    let out = drive(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx\r\n",
        strict(),
        GET,
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            status: 200,
            reason: b"OK".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Content-Length".to_vec(), b"1".to_vec()],
            body: b"x".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            informational: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.end, Some(End::Eof(Ok(()))));
}
