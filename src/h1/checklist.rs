//! The hostile-input checklist (`shared/reference/malformed-input-checklist.md`,
//! items 1–14 and 17) and the ordinary requests, one test per case.
//!
//! Every expectation was recorded from Node 20.20.2 (llhttp 9.3.1), not
//! written by hand: each input was sent to a `require('http')` server over a
//! socket (its events are quoted in the `core server:` comment of each test)
//! and executed by core's own parser binding, whose per-message results,
//! error code, reason and `bytesParsed` the assertions hold. The driver
//! ([`super::replay::request`]) plays the part of that parser; every input
//! is also fed one byte at a time, and the resumable path must agree.

use super::checklist_support::*;
use super::replay::request::{agree, Msg, Outcome};
use super::replay::Reads;
use super::*;

/// The whole input in one read, cross-checked against one byte per read.
fn drive(input: &[u8], opts: ParseOptions) -> Outcome {
    agree(input, opts, &Reads::Pieces(1))
}

#[test]
fn rejects_content_length_then_transfer_encoding() {
    // core server: 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 63)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Transfer-Encoding can't be present with Content-Length",
            63
        ))
    );
}

#[test]
fn rejects_transfer_encoding_then_content_length() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 69)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Content-Length can't be present with Transfer-Encoding",
            69
        ))
    );
}

#[test]
fn rejects_content_length_in_chunked_trailers() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 74)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Content-Length can't be present with Transfer-Encoding",
            74
        ))
    );
}

#[test]
fn accepts_content_length_with_transfer_encoding_when_insecure() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", insecure());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Content-Length".to_vec(),
                b"5".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"a".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_transfer_encoding_chunked_then_gzip() {
    // core server: 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 53)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Invalid `Transfer-Encoding` header value",
            53
        ))
    );
}

#[test]
fn rejects_transfer_encoding_identity() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 57)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\nabc",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"identity".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Request has invalid `Transfer-Encoding`",
            57
        ))
    );
}

#[test]
fn reads_a_transfer_encoding_identity_body_to_eof_when_insecure() {
    // core server, insecureHTTPParser: 'request' POST "/"; the body is read
    // until the connection ends (no 'end' before the EOF).
    let input = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\nabc";
    let out = drive(input, insecure());
    assert_eq!(out.error(), None);
    assert_eq!(out.messages.len(), 1);
    assert_eq!(out.messages[0].body, b"abc".to_vec());
    assert!(!out.messages[0].complete);
    let head = crate::h1::parse_request_head(input, &insecure())
        .unwrap()
        .unwrap();
    assert_eq!(head.body, BodyKind::UntilEof);
}

#[test]
fn rejects_transfer_encoding_gzip_alone() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 53)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"gzip".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Request has invalid `Transfer-Encoding`",
            53
        ))
    );
}

#[test]
fn accepts_transfer_encoding_gzip_then_chunked() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"gzip, chunked".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_chunked_body_on_http10_request() {
    // core server: 'request' POST "/" HTTP/1.0
    let out = drive(
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_gzip_transfer_encoding_on_http10_request() {
    // core server: 'request' POST "/" HTTP/1.0; 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 44)
    let out = drive(
        b"POST / HTTP/1.0\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![b"Transfer-Encoding".to_vec(), b"gzip".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Request has invalid `Transfer-Encoding`",
            44
        ))
    );
}

#[test]
fn rejects_chunked_twice_in_one_value() {
    // core server: 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 53)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Invalid `Transfer-Encoding` header value",
            53
        ))
    );
}

#[test]
fn rejects_chunked_twice_in_two_lines() {
    // core server: 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 74)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Invalid `Transfer-Encoding` header value",
            74
        ))
    );
}

#[test]
fn rejects_a_coding_line_after_chunked() {
    // core server: 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 74)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Invalid `Transfer-Encoding` header value",
            74
        ))
    );
}

#[test]
fn rejects_xchunked() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 57)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"xchunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Request has invalid `Transfer-Encoding`",
            57
        ))
    );
}

#[test]
fn rejects_chunked_followed_by_vertical_tab() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 52)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", 52))
    );
}

#[test]
fn rejects_chunked_followed_by_tab() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 57)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Request has invalid `Transfer-Encoding`",
            57
        ))
    );
}

#[test]
fn accepts_chunked_followed_by_spaces() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked  \r\n\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_transfer_encoding_with_leading_comma() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ,chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b",chunked".to_vec()
            ],
            body: b"a".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_transfer_encoding_with_trailing_comma() {
    // core server: 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 53)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Invalid `Transfer-Encoding` header value",
            53
        ))
    );
}

#[test]
fn accepts_chunked_split_over_two_lines() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"gzip".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"a".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_transfer_encoding_continued_by_obs_fold() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 51)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n chunked\r\n\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_HEADER_TOKEN",
            "Unexpected whitespace after header value",
            51
        ))
    );
}

#[test]
fn rejects_transfer_encoding_value_on_a_folded_line() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 47)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", 47))
    );
}

#[test]
fn accepts_uppercase_chunked() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\n\r\n1\r\na\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"CHUNKED".to_vec()
            ],
            body: b"a".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_empty_transfer_encoding_as_no_body() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_transfer_encoding_in_chunked_trailers() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_TRANSFER_ENCODING (bytesParsed 79)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_TRANSFER_ENCODING",
            "Invalid `Transfer-Encoding` header value",
            79
        ))
    );
}

#[test]
fn rejects_two_different_content_lengths() {
    // core server: 'clientError' HPE_UNEXPECTED_CONTENT_LENGTH (bytesParsed 61)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_UNEXPECTED_CONTENT_LENGTH",
            "Duplicate Content-Length",
            61
        ))
    );
}

#[test]
fn rejects_two_equal_content_lengths() {
    // core server: 'clientError' HPE_UNEXPECTED_CONTENT_LENGTH (bytesParsed 61)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_UNEXPECTED_CONTENT_LENGTH",
            "Duplicate Content-Length",
            61
        ))
    );
}

#[test]
fn rejects_content_length_list() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 43)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Invalid character in Content-Length",
            43
        ))
    );
}

#[test]
fn rejects_content_length_with_plus_sign() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 42)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Invalid character in Content-Length",
            42
        ))
    );
}

#[test]
fn rejects_negative_content_length() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 42)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Invalid character in Content-Length",
            42
        ))
    );
}

#[test]
fn rejects_hex_content_length() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 43)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Invalid character in Content-Length",
            43
        ))
    );
}

#[test]
fn rejects_content_length_with_inner_space() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 44)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Invalid character in Content-Length",
            44
        ))
    );
}

#[test]
fn rejects_content_length_with_underscore() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 43)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1_0\r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Invalid character in Content-Length",
            43
        ))
    );
}

#[test]
fn rejects_empty_content_length() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 44)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONTENT_LENGTH", "Empty Content-Length", 44))
    );
}

#[test]
fn rejects_blank_content_length() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 46)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length:   \r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONTENT_LENGTH", "Empty Content-Length", 46))
    );
}

#[test]
fn rejects_content_length_above_u64() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 62)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\nabcdefghijklmnopq", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONTENT_LENGTH", "Content-Length overflow", 62))
    );
}

#[test]
fn rejects_content_length_with_trailing_tab() {
    // core server: 'clientError' HPE_INVALID_CONTENT_LENGTH (bytesParsed 43)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\t\r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONTENT_LENGTH",
            "Invalid character in Content-Length",
            43
        ))
    );
}

#[test]
fn accepts_content_length_with_trailing_space() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_METHOD (bytesParsed 53)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5 \r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Content-Length".to_vec(),
                b"5".to_vec()
            ],
            body: b"abcde".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_METHOD", "Invalid method encountered", 53))
    );
}

#[test]
fn accepts_content_length_with_leading_zeros() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_METHOD (bytesParsed 54)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 005\r\n\r\nabcdefghijklmnopq",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Content-Length".to_vec(),
                b"005".to_vec()
            ],
            body: b"abcde".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_METHOD", "Invalid method encountered", 54))
    );
}

#[test]
fn accepts_content_length_u64_max_and_waits_for_body() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_EOF_STATE (bytesParsed 0)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\nabcdefghijklmnopq", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Content-Length".to_vec(),
                b"18446744073709551615".to_vec()
            ],
            body: b"abcdefghijklmnopq".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_space_before_colon() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 28)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nFoo : bar\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 28))
    );
}

#[test]
fn rejects_tab_before_colon() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 28)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nFoo\t: bar\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 28))
    );
}

#[test]
fn rejects_space_before_colon_of_content_length() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 41)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header field char", 41))
    );
}

#[test]
fn rejects_space_before_content_length_name() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 26)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\n Content-Length: 3\r\n\r\nabc",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_HEADER_TOKEN",
            "Unexpected whitespace after header value",
            26
        ))
    );
}

#[test]
fn rejects_space_before_first_header_name() {
    // core server: 'clientError' HPE_UNEXPECTED_SPACE (bytesParsed 18)
    let out = drive(
        b"POST / HTTP/1.1\r\n Content-Length: 3\r\nHost: x\r\n\r\nabc",
        strict(),
    );
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
fn accepts_space_before_colon_of_content_length_when_insecure() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc",
        insecure(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Content-Length ".to_vec(),
                b"3".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_obs_fold() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 33)
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_HEADER_TOKEN",
            "Unexpected whitespace after header value",
            33
        ))
    );
}

#[test]
fn rejects_obs_fold_with_tab() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 33)
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_HEADER_TOKEN",
            "Unexpected whitespace after header value",
            33
        ))
    );
}

#[test]
fn rejects_whitespace_line_before_first_header() {
    // core server: 'clientError' HPE_UNEXPECTED_SPACE (bytesParsed 17)
    let out = drive(b"GET / HTTP/1.1\r\n \r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_UNEXPECTED_SPACE",
            "Unexpected space after start line",
            17
        ))
    );
}

#[test]
fn rejects_tab_before_first_header() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 16)
    let out = drive(b"GET / HTTP/1.1\r\n\tHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 16))
    );
}

#[test]
fn accepts_obs_fold_when_insecure() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
        insecure(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"X-A".to_vec(),
                b"a b".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_bare_lf_after_request_line() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 15)
    let out = drive(b"GET / HTTP/1.1\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Expected CRLF after version", 15))
    );
}

#[test]
fn rejects_bare_lf_after_header_value() {
    // core server: 'clientError' HPE_CR_EXPECTED (bytesParsed 23)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_CR_EXPECTED",
            "Missing expected CR after header value",
            23
        ))
    );
}

#[test]
fn rejects_bare_lf_ending_the_head() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 26)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\n\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header field char", 26))
    );
}

#[test]
fn rejects_bare_lf_after_empty_value() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 30)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX-A:\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", 30))
    );
}

#[test]
fn rejects_bare_cr_after_request_line() {
    // core server: 'clientError' HPE_STRICT (bytesParsed 15)
    let out = drive(b"GET / HTTP/1.1\rHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Expected CRLF after version", 15))
    );
}

#[test]
fn rejects_bare_cr_inside_header_line() {
    // core server: 'clientError' HPE_LF_EXPECTED (bytesParsed 24)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\rX-A: y\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_LF_EXPECTED",
            "Missing expected LF after header value",
            24
        ))
    );
}

#[test]
fn rejects_bare_cr_ending_the_head() {
    // core server: 'clientError' HPE_STRICT (bytesParsed 26)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\n\rX", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Expected LF after headers", 26))
    );
}

#[test]
fn rejects_cr_cr_lf_after_header_value() {
    // core server: 'clientError' HPE_LF_EXPECTED (bytesParsed 24)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_LF_EXPECTED",
            "Missing expected LF after header value",
            24
        ))
    );
}

#[test]
fn rejects_bare_lf_after_target_with_version_as_header() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 10)
    let out = drive(b"GET /\nHTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 10))
    );
}

#[test]
fn accepts_bare_lf_line_endings_when_insecure() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(b"GET / HTTP/1.1\nHost: x\n\n", insecure());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_leading_empty_lines() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(b"\r\n\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_nul_in_header_value() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 31)
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", 31))
    );
}

#[test]
fn rejects_cr_in_header_value() {
    // core server: 'clientError' HPE_LF_EXPECTED (bytesParsed 32)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_LF_EXPECTED",
            "Missing expected LF after header value",
            32
        ))
    );
}

#[test]
fn rejects_lf_in_header_value() {
    // core server: 'clientError' HPE_CR_EXPECTED (bytesParsed 31)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nb\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_CR_EXPECTED",
            "Missing expected CR after header value",
            31
        ))
    );
}

#[test]
fn rejects_del_in_header_value() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 31)
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", 31))
    );
}

#[test]
fn rejects_vertical_tab_in_header_value() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 31)
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x0bb\r\n\r\n",
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", 31))
    );
}

#[test]
fn rejects_parenthesis_in_header_name() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 26)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX(A): b\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 26))
    );
}

#[test]
fn rejects_at_sign_in_header_name() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 26)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX@A: b\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 26))
    );
}

#[test]
fn rejects_obs_text_in_header_name() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 26)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX\xe9A: b\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 26))
    );
}

#[test]
fn rejects_cr_in_header_name() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 26)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX\rA: b\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 26))
    );
}

#[test]
fn rejects_nul_in_header_name() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 26)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX\x00A: b\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 26))
    );
}

#[test]
fn rejects_empty_header_name() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 25)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 25))
    );
}

#[test]
fn rejects_header_line_without_colon() {
    // core server: 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 28)
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX-A\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header token", 28))
    );
}

#[test]
fn accepts_nul_in_header_value_when_insecure() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
        insecure(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"X-A".to_vec(),
                b"a\x00b".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_non_hex_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 56)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\ng\r\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            56
        ))
    );
}

#[test]
fn rejects_0x_prefixed_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 57)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            57
        ))
    );
}

#[test]
fn rejects_underscore_in_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 57)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1_0\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            57
        ))
    );
}

#[test]
fn rejects_plus_sign_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 56)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            56
        ))
    );
}

#[test]
fn rejects_negative_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 56)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            56
        ))
    );
}

#[test]
fn rejects_space_before_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 56)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            56
        ))
    );
}

#[test]
fn rejects_space_after_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 58)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            58
        ))
    );
}

#[test]
fn rejects_tab_after_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 58)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\t\r\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            58
        ))
    );
}

#[test]
fn rejects_chunk_size_over_64_bits() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 73)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CHUNK_SIZE", "Chunk size overflow", 73))
    );
}

#[test]
fn accepts_more_than_16_hex_digits_of_leading_zeros() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000003\r\nabc\r\n0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_bare_lf_after_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_CR_EXPECTED (bytesParsed 58)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CR_EXPECTED",
            "Missing expected CR after chunk size",
            58
        ))
    );
}

#[test]
fn rejects_bare_cr_after_chunk_size() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_STRICT (bytesParsed 58)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\rabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Expected LF after chunk size", 58))
    );
}

#[test]
fn rejects_bare_lf_after_chunk_extension_name() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_CR_EXPECTED (bytesParsed 59)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CR_EXPECTED",
            "Missing expected CR after chunk extension name",
            59
        ))
    );
}

#[test]
fn rejects_bare_lf_after_chunk_extension_value() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_CR_EXPECTED (bytesParsed 61)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CR_EXPECTED",
            "Missing expected CR after chunk extension value",
            61
        ))
    );
}

#[test]
fn rejects_bare_cr_in_chunk_extension() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_STRICT (bytesParsed 60)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a\rabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Expected LF after chunk size", 60))
    );
}

#[test]
fn rejects_space_in_chunk_extension() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_STRICT (bytesParsed 59)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3; a=b\r\nabc\r\n0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Invalid character in chunk extensions", 59))
    );
}

#[test]
fn rejects_space_around_chunk_extension_equals() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_STRICT (bytesParsed 60)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a =b\r\nabc\r\n0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_STRICT",
            "Invalid character in chunk extensions name",
            60
        ))
    );
}

#[test]
fn rejects_cr_right_after_chunk_extension_semicolon() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_STRICT (bytesParsed 59)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;\r\nabc\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Invalid character in chunk extensions", 59))
    );
}

#[test]
fn rejects_unterminated_quoted_chunk_extension() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_STRICT (bytesParsed 63)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\"b\r\nabc\r\n0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_STRICT",
            "Invalid character in chunk extensions quoted value",
            63
        ))
    );
}

#[test]
fn accepts_quoted_chunk_extension_with_escaped_quote() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\"b\\\"c\";d=e\r\nabc\r\n0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_missing_crlf_after_chunk_data() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_STRICT (bytesParsed 62)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Expected LF after chunk data", 62))
    );
}

#[test]
fn rejects_more_data_than_declared() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_STRICT (bytesParsed 62)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Expected LF after chunk data", 62))
    );
}

#[test]
fn rejects_bare_lf_after_chunk_data() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_CR_EXPECTED (bytesParsed 63)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CR_EXPECTED",
            "Missing expected CR after chunk data",
            63
        ))
    );
}

#[test]
fn rejects_bare_cr_after_chunk_data() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_STRICT (bytesParsed 63)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_STRICT", "Expected LF after chunk data", 63))
    );
}

#[test]
fn rejects_empty_chunk_size_line() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_CHUNK_SIZE (bytesParsed 56)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\r\n3\r\nabc\r\n0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CHUNK_SIZE",
            "Invalid character in chunk size",
            56
        ))
    );
}

#[test]
fn rejects_bare_lf_after_last_chunk_trailers() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_HEADER_TOKEN (bytesParsed 66)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: v\r\n\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_HEADER_TOKEN", "Invalid header field char", 66))
    );
}

#[test]
fn accepts_spaces_after_chunk_size_when_insecure() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n",
        insecure(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_chunk_extensions_of_exactly_16_kib() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        &cat(&[
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;",
            &rep(b"x", 16384),
            b"\r\na\r\n0\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"a".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_chunk_extensions_over_16_kib_with_413() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_CHUNK_EXTENSIONS_OVERFLOW (bytesParsed 16444)
    let out = drive(
        &cat(&[
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;",
            &rep(b"x", 16385),
            b"\r\na\r\n0\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CHUNK_EXTENSIONS_OVERFLOW",
            "Chunk extensions overflow",
            16444
        ))
    );
    assert_eq!(out.status(), 413);
}

#[test]
fn rejects_chunk_extension_values_over_16_kib_in_total() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_CHUNK_EXTENSIONS_OVERFLOW (bytesParsed 16447)
    let out = drive(
        &cat(&[
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;a=",
            &rep(b"x", 8192),
            b";b=",
            &rep(b"x", 8191),
            b"\r\na\r\n0\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CHUNK_EXTENSIONS_OVERFLOW",
            "Chunk extensions overflow",
            16447
        ))
    );
    assert_eq!(out.status(), 413);
}

#[test]
fn counts_quotes_of_quoted_chunk_extension_values() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_CHUNK_EXTENSIONS_OVERFLOW (bytesParsed 16444)
    let out = drive(
        &cat(&[
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"",
            &rep(b"x", 16382),
            b"\"\r\na\r\n0\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CHUNK_EXTENSIONS_OVERFLOW",
            "Chunk extensions overflow",
            16444
        ))
    );
    assert_eq!(out.status(), 413);
}

#[test]
fn counts_chunk_extensions_per_chunk() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        &cat(&[
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;",
            &rep(b"x", 10000),
            b"\r\na\r\n1;",
            &rep(b"x", 10000),
            b"\r\nb\r\n0\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"ab".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_chunk_extensions_over_16_kib_on_the_last_chunk() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_CHUNK_EXTENSIONS_OVERFLOW (bytesParsed 16444)
    let out = drive(
        &cat(&[
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0;",
            &rep(b"x", 16385),
            b"\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CHUNK_EXTENSIONS_OVERFLOW",
            "Chunk extensions overflow",
            16444
        ))
    );
    assert_eq!(out.status(), 413);
}

#[test]
fn accepts_http11_without_host_at_parser_level() {
    // core server: no event, answered 400 from JS
    let out = drive(b"GET / HTTP/1.1\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_duplicate_host() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"a".to_vec(),
                b"Host".to_vec(),
                b"b".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_http10_without_host() {
    // core server: 'request' GET "/" HTTP/1.0
    let out = drive(b"GET / HTTP/1.0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_empty_host() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(b"GET / HTTP/1.1\r\nHost:\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_http_5_6() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 14)
    let out = drive(b"GET / HTTP/5.6\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Invalid HTTP version", 14))
    );
}

#[test]
fn rejects_http_1_32() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 14)
    let out = drive(b"GET / HTTP/1.32\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Invalid HTTP version", 14))
    );
}

#[test]
fn rejects_http_1_2() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 14)
    let out = drive(b"GET / HTTP/1.2\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Invalid HTTP version", 14))
    );
}

#[test]
fn rejects_http_3_0() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 14)
    let out = drive(b"GET / HTTP/3.0\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Invalid HTTP version", 14))
    );
}

#[test]
fn rejects_two_digit_major_version() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 12)
    let out = drive(b"GET / HTTP/11.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Expected dot", 12))
    );
}

#[test]
fn rejects_version_without_dot() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 12)
    let out = drive(b"GET / HTTP/11\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Expected dot", 12))
    );
}

#[test]
fn rejects_version_without_numbers() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 11)
    let out = drive(b"GET / HTTP/\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Invalid major version", 11))
    );
}

#[test]
fn rejects_protocol_without_slash() {
    // core server: 'clientError' HPE_INVALID_CONSTANT (bytesParsed 10)
    let out = drive(b"GET / HTTP\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", 10))
    );
}

#[test]
fn rejects_lowercase_protocol() {
    // core server: 'clientError' HPE_INVALID_CONSTANT (bytesParsed 6)
    let out = drive(b"GET / http/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", 6))
    );
}

#[test]
fn rejects_https_protocol() {
    // core server: 'clientError' HPE_INVALID_CONSTANT (bytesParsed 10)
    let out = drive(b"GET / HTTPS/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", 10))
    );
}

#[test]
fn rejects_junk_after_version() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 14)
    let out = drive(b"GET / HTTP/1.1x\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Expected CRLF after version", 14))
    );
}

#[test]
fn rejects_space_after_version() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 14)
    let out = drive(b"GET / HTTP/1.1 \r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_VERSION", "Expected CRLF after version", 14))
    );
}

#[test]
fn accepts_http_2_0_without_keep_alive() {
    // core server: 'request' GET "/" HTTP/2.0
    let out = drive(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "2.0".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_explicit_http_0_9() {
    // core server: 'request' GET "/" HTTP/0.9
    let out = drive(b"GET / HTTP/0.9\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "0.9".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_request_line_without_version_as_http_0_9() {
    // core server: 'request' GET "/" HTTP/0.9
    let out = drive(b"GET /\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "0.9".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_rtsp_request_line() {
    // core server: 'request' DESCRIBE "rtsp://a/b" HTTP/1.0
    let out = drive(b"DESCRIBE rtsp://a/b RTSP/1.0\r\nCSeq: 1\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "DESCRIBE".into(),
            url: b"rtsp://a/b".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![b"CSeq".to_vec(), b"1".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_get_with_ice_protocol() {
    // core server: 'clientError' HPE_INVALID_CONSTANT (bytesParsed 9)
    let out = drive(b"GET / ICE/1.0\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONSTANT",
            "Expected SOURCE method for ICE/x.x request",
            9
        ))
    );
}

#[test]
fn accepts_version_2_1_when_insecure() {
    // core server: 'request' GET "/" HTTP/2.1
    let out = drive(b"GET / HTTP/2.1\r\nHost: x\r\n\r\n", insecure());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "2.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_target_of_16383_bytes() {
    // core server: no event, answered 400 from JS
    let out = drive(
        &cat(&[b"GET /", &rep(b"x", 16382), b" HTTP/1.1\r\n\r\n"]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: cat(&[b"/", &rep(b"x", 16382)]),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_target_of_16384_bytes_with_431() {
    // core server: 'clientError' HPE_HEADER_OVERFLOW (bytesParsed 16388)
    let out = drive(
        &cat(&[b"GET /", &rep(b"x", 16383), b" HTTP/1.1\r\n\r\n"]),
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 16388))
    );
    assert_eq!(out.status(), 431);
}

#[test]
fn accepts_target_names_and_values_of_16383_bytes() {
    // core server: no event, answered 400 from JS
    let out = drive(
        &cat(&[b"GET / HTTP/1.1\r\nA: ", &rep(b"x", 16381), b"\r\n\r\n"]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"A".to_vec(), cat(&[&rep(b"x", 16381)])],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_target_names_and_values_of_16384_bytes() {
    // core server: 'clientError' HPE_HEADER_OVERFLOW (bytesParsed 16402)
    let out = drive(
        &cat(&[b"GET / HTTP/1.1\r\nA: ", &rep(b"x", 16382), b"\r\n\r\n"]),
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 16402))
    );
    assert_eq!(out.status(), 431);
}

#[test]
fn counts_trailing_whitespace_of_values() {
    // core server: no event, answered 400 from JS
    let out = drive(
        &cat(&[b"GET / HTTP/1.1\r\nA: ", &rep(b"x", 16380), b" \r\n\r\n"]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"A".to_vec(), cat(&[&rep(b"x", 16380)])],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn does_not_count_leading_whitespace_of_values() {
    // core server: no event, answered 400 from JS
    let out = drive(
        &cat(&[b"GET / HTTP/1.1\r\nA:     ", &rep(b"x", 16381), b"\r\n\r\n"]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"A".to_vec(), cat(&[&rep(b"x", 16381)])],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn does_not_count_the_method_or_version() {
    // core server: no event, answered 400 from JS
    let out = drive(
        &cat(&[b"M-SEARCH /", &rep(b"x", 16382), b" HTTP/1.1\r\n\r\n"]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "M-SEARCH".into(),
            url: cat(&[b"/", &rep(b"x", 16382)]),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_an_incomplete_head_once_over_the_limit() {
    // core server: 'clientError' HPE_HEADER_OVERFLOW (bytesParsed 16401)
    let out = drive(
        &cat(&[b"GET / HTTP/1.1\r\nA: ", &rep(b"x", 16382)]),
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 16401))
    );
    assert_eq!(out.status(), 431);
}

#[test]
fn waits_for_an_incomplete_head_under_the_limit() {
    // core server: 'clientError' HPE_INVALID_EOF_STATE (bytesParsed 0)
    let out = drive(
        &cat(&[b"GET / HTTP/1.1\r\nA: ", &rep(b"x", 16381)]),
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_16383_empty_headers() {
    // core server: no event, answered 400 from JS
    let out = drive(
        &cat(&[b"GET / HTTP/1.1", &rep(b"\r\na:", 16382), b"\r\n\r\n"]),
        strict(),
    );
    assert_eq!(out.messages.len(), 1);
    let m = &out.messages[0];
    assert_eq!(
        (m.method.as_str(), m.version.as_str(), m.complete),
        ("GET", "1.1", true)
    );
    assert_eq!(m.raw_headers.len(), 32764);
    assert_eq!(m.raw_headers[..2], [b"a".to_vec(), b"".to_vec()]);
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_16384_header_names() {
    // core server: 'clientError' HPE_HEADER_OVERFLOW (bytesParsed 10)
    let out = drive(
        &cat(&[b"GET / HTTP/1.1", &rep(b"\r\na:", 16383), b"\r\n\r\n"]),
        strict(),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 65546))
    );
    assert_eq!(out.status(), 431);
}

#[test]
fn accepts_trailers_of_16383_bytes() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        &cat(&[
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: ",
            &rep(b"x", 16382),
            b"\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![b"A".to_vec(), cat(&[&rep(b"x", 16382)])],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_trailers_of_16384_bytes() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_HEADER_OVERFLOW (bytesParsed 16446)
    let out = drive(
        &cat(&[
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: ",
            &rep(b"x", 16383),
            b"\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 16446))
    );
    assert_eq!(out.status(), 431);
}

#[test]
fn counts_trailers_apart_from_the_head() {
    // core server: 'request' POST "/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx HTTP/1.1
    let out = drive(
        &cat(&[
            b"POST /",
            &rep(b"x", 8000),
            b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: ",
            &rep(b"x", 16381),
            b"\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: cat(&[b"/", &rep(b"x", 8000)]),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![b"A".to_vec(), cat(&[&rep(b"x", 16381)])],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn counts_each_pipelined_head_from_zero() {
    // core server: 'request' GET "/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx HTTP/1.1; 'request' GET "/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx HTTP/1.1
    let out = drive(
        &cat(&[
            b"GET /",
            &rep(b"x", 10000),
            b" HTTP/1.1\r\nHost: x\r\n\r\nGET /",
            &rep(b"x", 10000),
            b" HTTP/1.1\r\nHost: x\r\n\r\n",
        ]),
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![
            Msg {
                method: "GET".into(),
                url: cat(&[b"/", &rep(b"x", 10000)]),
                version: "1.1".into(),
                raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
            Msg {
                method: "GET".into(),
                url: cat(&[b"/", &rep(b"x", 10000)]),
                version: "1.1".into(),
                raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn applies_a_custom_max_header_size() {
    // core server: 'clientError' HPE_HEADER_OVERFLOW (bytesParsed 104)
    let out = drive(
        &cat(&[b"GET /", &rep(b"x", 99), b" HTTP/1.1\r\n\r\n"]),
        max_header_size(100),
    );
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_HEADER_OVERFLOW", "Header overflow", 104))
    );
    assert_eq!(out.status(), 431);
}

#[test]
fn accepts_under_a_custom_max_header_size() {
    // core server: no event, answered 400 from JS
    let out = drive(
        &cat(&[b"GET /", &rep(b"x", 98), b" HTTP/1.1\r\n\r\n"]),
        max_header_size(100),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: cat(&[b"/", &rep(b"x", 98)]),
            version: "1.1".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_lowercase_method() {
    // core server: 'clientError' HPE_INVALID_METHOD (bytesParsed 0)
    let out = drive(b"get / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_METHOD", "Invalid method encountered", 0))
    );
}

#[test]
fn rejects_unknown_method() {
    // core server: 'clientError' HPE_INVALID_METHOD (bytesParsed 1)
    let out = drive(b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_METHOD", "Invalid method encountered", 1))
    );
}

#[test]
fn rejects_method_with_extra_letter() {
    // core server: 'clientError' HPE_INVALID_METHOD (bytesParsed 3)
    let out = drive(b"GETX / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_METHOD", "Expected space after method", 3))
    );
}

#[test]
fn rejects_method_prefix_that_diverges() {
    // core server: 'clientError' HPE_INVALID_METHOD (bytesParsed 4)
    let out = drive(b"GET_X / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_METHOD", "Invalid method encountered", 4))
    );
}

#[test]
fn rejects_rtsp_method_with_http() {
    // core server: 'clientError' HPE_INVALID_CONSTANT (bytesParsed 15)
    let out = drive(b"DESCRIBE / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_CONSTANT",
            "Invalid method for HTTP/x.x request",
            15
        ))
    );
}

#[test]
fn rejects_tab_after_method() {
    // core server: 'clientError' HPE_INVALID_METHOD (bytesParsed 3)
    let out = drive(b"GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_METHOD", "Expected space after method", 3))
    );
}

#[test]
fn rejects_space_before_method() {
    // core server: 'clientError' HPE_INVALID_METHOD (bytesParsed 0)
    let out = drive(b" GET / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_METHOD", "Invalid method encountered", 0))
    );
}

#[test]
fn rejects_http2_preface_with_paused_h2_upgrade() {
    // core server: 'clientError' HPE_PAUSED_H2_UPGRADE (bytesParsed 24)
    let out = drive(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_PAUSED_H2_UPGRADE", "Pause on PRI/Upgrade", 24))
    );
}

#[test]
fn rejects_pri_without_preface() {
    // core server: 'clientError' HPE_INVALID_VERSION (bytesParsed 18)
    let out = drive(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some((
            "HPE_INVALID_VERSION",
            "Expected HTTP/2 Connection Preface",
            18
        ))
    );
}

#[test]
fn rejects_pipelined_request_after_connection_close() {
    // core server: 'request' GET "/" HTTP/1.1; 'clientError' HPE_CLOSED_CONNECTION (bytesParsed 47)
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Connection".to_vec(),
                b"close".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CLOSED_CONNECTION",
            "Data after `Connection: close`",
            47
        ))
    );
}

#[test]
fn ignores_empty_lines_after_connection_close() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Connection".to_vec(),
                b"close".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_pipelined_request_after_http10_request() {
    // core server: 'request' GET "/" HTTP/1.0; 'clientError' HPE_CLOSED_CONNECTION (bytesParsed 19)
    let out = drive(b"GET / HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CLOSED_CONNECTION",
            "Data after `Connection: close`",
            19
        ))
    );
}

#[test]
fn rejects_pipelined_request_after_trailer_connection_close() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_CLOSED_CONNECTION (bytesParsed 87)
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"a".to_vec(),
            raw_trailers: vec![b"Connection".to_vec(), b"close".to_vec()],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(
        out.error(),
        Some((
            "HPE_CLOSED_CONNECTION",
            "Data after `Connection: close`",
            87
        ))
    );
}

#[test]
fn keeps_http10_open_after_trailer_keep_alive() {
    // core server: 'request' POST "/" HTTP/1.0; 'request' GET "/2" HTTP/1.1
    let out = drive(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![
            Msg {
                method: "POST".into(),
                url: b"/".to_vec(),
                version: "1.0".into(),
                raw_headers: vec![b"Transfer-Encoding".to_vec(), b"chunked".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![b"Connection".to_vec(), b"keep-alive".to_vec()],
                keep_alive: false,
                upgrade: false,
                complete: true,
            },
            Msg {
                method: "GET".into(),
                url: b"/2".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn parses_on_after_connection_close_when_insecure() {
    // core server: 'request' GET "/" HTTP/1.1; 'request' GET "/2" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
        insecure(),
    );
    assert_eq!(
        out.messages,
        vec![
            Msg {
                method: "GET".into(),
                url: b"/".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![
                    b"Host".to_vec(),
                    b"x".to_vec(),
                    b"Connection".to_vec(),
                    b"close".to_vec()
                ],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: false,
                upgrade: false,
                complete: true,
            },
            Msg {
                method: "GET".into(),
                url: b"/2".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_get_with_headers() {
    // core server: 'request' GET "/a/b?c=d" HTTP/1.1
    let out = drive(b"GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/a/b?c=d".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"example.com".to_vec(),
                b"User-Agent".to_vec(),
                b"curl/8.5.0".to_vec(),
                b"Accept".to_vec(),
                b"*/*".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_post_with_content_length() {
    // core server: 'request' POST "/form" HTTP/1.1
    let out = drive(b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/form".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Content-Type".to_vec(),
                b"text/plain".to_vec(),
                b"Content-Length".to_vec(),
                b"11".to_vec()
            ],
            body: b"hello world".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_chunked_body_with_extensions_and_trailers() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1;q=\"a b\"\r\nhello\r\n6\r\n world\r\n0;last\r\nX-Trailer:  t \r\nX-Other: u\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Transfer-Encoding".to_vec(),
                b"chunked".to_vec()
            ],
            body: b"hello world".to_vec(),
            raw_trailers: vec![
                b"X-Trailer".to_vec(),
                b"t".to_vec(),
                b"X-Other".to_vec(),
                b"u".to_vec()
            ],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_http10_and_closes_without_keep_alive() {
    // core server: 'request' GET "/" HTTP/1.0
    let out = drive(b"GET / HTTP/1.0\r\nUser-Agent: old\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.0".into(),
            raw_headers: vec![b"User-Agent".to_vec(), b"old".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn keeps_http10_open_with_connection_keep_alive() {
    // core server: 'request' GET "/" HTTP/1.0; 'request' GET "/2" HTTP/1.0
    let out = drive(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![
            Msg {
                method: "GET".into(),
                url: b"/".to_vec(),
                version: "1.0".into(),
                raw_headers: vec![b"Connection".to_vec(), b"keep-alive".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
            Msg {
                method: "GET".into(),
                url: b"/2".to_vec(),
                version: "1.0".into(),
                raw_headers: vec![b"Connection".to_vec(), b"Keep-Alive".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn closes_http11_with_connection_close() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Connection".to_vec(),
                b"close".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn closes_when_connection_lists_close_among_tokens() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Connection".to_vec(),
                b"keep-alive, close".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn keeps_open_when_close_is_only_a_prefix() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Connection".to_vec(),
                b"closed".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn honours_proxy_connection_close() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nProxy-Connection: close\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Proxy-Connection".to_vec(),
                b"close".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: false,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_pipelined_requests() {
    // core server: 'request' GET "/1" HTTP/1.1; 'request' POST "/2" HTTP/1.1; 'request' GET "/3" HTTP/1.1
    let out = drive(b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![
            Msg {
                method: "GET".into(),
                url: b"/1".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
            Msg {
                method: "POST".into(),
                url: b"/2".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![
                    b"Host".to_vec(),
                    b"x".to_vec(),
                    b"Content-Length".to_vec(),
                    b"2".to_vec()
                ],
                body: b"ok".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
            Msg {
                method: "GET".into(),
                url: b"/3".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_websocket_upgrade_and_stops_parsing() {
    // core server: 'upgrade' GET HTTP/1.1
    let out = drive(b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\x00", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/chat".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Connection".to_vec(),
                b"Upgrade".to_vec(),
                b"Upgrade".to_vec(),
                b"websocket".to_vec(),
                b"Sec-WebSocket-Version".to_vec(),
                b"13".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: true,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.upgrade_head, Some(b"\x81\x00".to_vec()));
}

#[test]
fn accepts_upgrade_token_among_connection_tokens() {
    // core server: 'upgrade' GET HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Connection".to_vec(),
                b"keep-alive, Upgrade".to_vec(),
                b"Upgrade".to_vec(),
                b"h2c".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: true,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.upgrade_head, Some(b"".to_vec()));
}

#[test]
fn ignores_upgrade_header_without_connection_upgrade() {
    // core server: 'request' GET "/" HTTP/1.1; 'request' GET "/2" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![
            Msg {
                method: "GET".into(),
                url: b"/".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![
                    b"Host".to_vec(),
                    b"x".to_vec(),
                    b"Upgrade".to_vec(),
                    b"h2c".to_vec()
                ],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
            Msg {
                method: "GET".into(),
                url: b"/2".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_connect_with_authority_target() {
    // core server: 'connect' example.com:443
    let out = drive(
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "CONNECT".into(),
            url: b"example.com:443".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"example.com:443".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: true,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.upgrade_head, Some(b"\x16\x03\x01".to_vec()));
}

#[test]
fn accepts_connect_ignoring_its_content_length() {
    // core server: 'connect' example.com:443
    let out = drive(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 3\r\n\r\nabc", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "CONNECT".into(),
            url: b"example.com:443".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"example.com:443".to_vec(),
                b"Content-Length".to_vec(),
                b"3".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: true,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.upgrade_head, Some(b"abc".to_vec()));
}

#[test]
fn accepts_absolute_form_target() {
    // core server: 'request' GET "http://user:pw@example.com:8080/p/a/t/h HTTP/1.1
    let out = drive(b"GET http://user:pw@example.com:8080/p/a/t/h?query=string#hash HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"http://user:pw@example.com:8080/p/a/t/h?query=string#hash".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_asterisk_form_target() {
    // core server: 'request' OPTIONS "*" HTTP/1.1
    let out = drive(b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "OPTIONS".into(),
            url: b"*".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_obs_text_in_header_values() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Latin: caf\xe9 \x80\xff\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"X-Latin".to_vec(),
                b"caf\xe9 \x80\xff".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_empty_header_value() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX-Empty: \r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"X-Empty".to_vec(),
                b"".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_header_with_no_value() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX-None:\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"X-None".to_vec(),
                b"".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_tabs_inside_header_values() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Tab:\ta\tb\t\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"X-Tab".to_vec(),
                b"a\tb".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_many_headers() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\nX-H0: v0\r\nX-H1: v1\r\nX-H2: v2\r\nX-H3: v3\r\nX-H4: v4\r\nX-H5: v5\r\nX-H6: v6\r\nX-H7: v7\r\nX-H8: v8\r\nX-H9: v9\r\nX-H10: v10\r\nX-H11: v11\r\nX-H12: v12\r\nX-H13: v13\r\nX-H14: v14\r\nX-H15: v15\r\nX-H16: v16\r\nX-H17: v17\r\nX-H18: v18\r\nX-H19: v19\r\nX-H20: v20\r\nX-H21: v21\r\nX-H22: v22\r\nX-H23: v23\r\nX-H24: v24\r\nX-H25: v25\r\nX-H26: v26\r\nX-H27: v27\r\nX-H28: v28\r\nX-H29: v29\r\nX-H30: v30\r\nX-H31: v31\r\nX-H32: v32\r\nX-H33: v33\r\nX-H34: v34\r\nX-H35: v35\r\nX-H36: v36\r\nX-H37: v37\r\nX-H38: v38\r\nX-H39: v39\r\nX-H40: v40\r\nX-H41: v41\r\nX-H42: v42\r\nX-H43: v43\r\nX-H44: v44\r\nX-H45: v45\r\nX-H46: v46\r\nX-H47: v47\r\nX-H48: v48\r\nX-H49: v49\r\nX-H50: v50\r\nX-H51: v51\r\nX-H52: v52\r\nX-H53: v53\r\nX-H54: v54\r\nX-H55: v55\r\nX-H56: v56\r\nX-H57: v57\r\nX-H58: v58\r\nX-H59: v59\r\nX-H60: v60\r\nX-H61: v61\r\nX-H62: v62\r\nX-H63: v63\r\nX-H64: v64\r\nX-H65: v65\r\nX-H66: v66\r\nX-H67: v67\r\nX-H68: v68\r\nX-H69: v69\r\nX-H70: v70\r\nX-H71: v71\r\nX-H72: v72\r\nX-H73: v73\r\nX-H74: v74\r\nX-H75: v75\r\nX-H76: v76\r\nX-H77: v77\r\nX-H78: v78\r\nX-H79: v79\r\nX-H80: v80\r\nX-H81: v81\r\nX-H82: v82\r\nX-H83: v83\r\nX-H84: v84\r\nX-H85: v85\r\nX-H86: v86\r\nX-H87: v87\r\nX-H88: v88\r\nX-H89: v89\r\nX-H90: v90\r\nX-H91: v91\r\nX-H92: v92\r\nX-H93: v93\r\nX-H94: v94\r\nX-H95: v95\r\nX-H96: v96\r\nX-H97: v97\r\nX-H98: v98\r\nX-H99: v99\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"X-H0".to_vec(),
                b"v0".to_vec(),
                b"X-H1".to_vec(),
                b"v1".to_vec(),
                b"X-H2".to_vec(),
                b"v2".to_vec(),
                b"X-H3".to_vec(),
                b"v3".to_vec(),
                b"X-H4".to_vec(),
                b"v4".to_vec(),
                b"X-H5".to_vec(),
                b"v5".to_vec(),
                b"X-H6".to_vec(),
                b"v6".to_vec(),
                b"X-H7".to_vec(),
                b"v7".to_vec(),
                b"X-H8".to_vec(),
                b"v8".to_vec(),
                b"X-H9".to_vec(),
                b"v9".to_vec(),
                b"X-H10".to_vec(),
                b"v10".to_vec(),
                b"X-H11".to_vec(),
                b"v11".to_vec(),
                b"X-H12".to_vec(),
                b"v12".to_vec(),
                b"X-H13".to_vec(),
                b"v13".to_vec(),
                b"X-H14".to_vec(),
                b"v14".to_vec(),
                b"X-H15".to_vec(),
                b"v15".to_vec(),
                b"X-H16".to_vec(),
                b"v16".to_vec(),
                b"X-H17".to_vec(),
                b"v17".to_vec(),
                b"X-H18".to_vec(),
                b"v18".to_vec(),
                b"X-H19".to_vec(),
                b"v19".to_vec(),
                b"X-H20".to_vec(),
                b"v20".to_vec(),
                b"X-H21".to_vec(),
                b"v21".to_vec(),
                b"X-H22".to_vec(),
                b"v22".to_vec(),
                b"X-H23".to_vec(),
                b"v23".to_vec(),
                b"X-H24".to_vec(),
                b"v24".to_vec(),
                b"X-H25".to_vec(),
                b"v25".to_vec(),
                b"X-H26".to_vec(),
                b"v26".to_vec(),
                b"X-H27".to_vec(),
                b"v27".to_vec(),
                b"X-H28".to_vec(),
                b"v28".to_vec(),
                b"X-H29".to_vec(),
                b"v29".to_vec(),
                b"X-H30".to_vec(),
                b"v30".to_vec(),
                b"X-H31".to_vec(),
                b"v31".to_vec(),
                b"X-H32".to_vec(),
                b"v32".to_vec(),
                b"X-H33".to_vec(),
                b"v33".to_vec(),
                b"X-H34".to_vec(),
                b"v34".to_vec(),
                b"X-H35".to_vec(),
                b"v35".to_vec(),
                b"X-H36".to_vec(),
                b"v36".to_vec(),
                b"X-H37".to_vec(),
                b"v37".to_vec(),
                b"X-H38".to_vec(),
                b"v38".to_vec(),
                b"X-H39".to_vec(),
                b"v39".to_vec(),
                b"X-H40".to_vec(),
                b"v40".to_vec(),
                b"X-H41".to_vec(),
                b"v41".to_vec(),
                b"X-H42".to_vec(),
                b"v42".to_vec(),
                b"X-H43".to_vec(),
                b"v43".to_vec(),
                b"X-H44".to_vec(),
                b"v44".to_vec(),
                b"X-H45".to_vec(),
                b"v45".to_vec(),
                b"X-H46".to_vec(),
                b"v46".to_vec(),
                b"X-H47".to_vec(),
                b"v47".to_vec(),
                b"X-H48".to_vec(),
                b"v48".to_vec(),
                b"X-H49".to_vec(),
                b"v49".to_vec(),
                b"X-H50".to_vec(),
                b"v50".to_vec(),
                b"X-H51".to_vec(),
                b"v51".to_vec(),
                b"X-H52".to_vec(),
                b"v52".to_vec(),
                b"X-H53".to_vec(),
                b"v53".to_vec(),
                b"X-H54".to_vec(),
                b"v54".to_vec(),
                b"X-H55".to_vec(),
                b"v55".to_vec(),
                b"X-H56".to_vec(),
                b"v56".to_vec(),
                b"X-H57".to_vec(),
                b"v57".to_vec(),
                b"X-H58".to_vec(),
                b"v58".to_vec(),
                b"X-H59".to_vec(),
                b"v59".to_vec(),
                b"X-H60".to_vec(),
                b"v60".to_vec(),
                b"X-H61".to_vec(),
                b"v61".to_vec(),
                b"X-H62".to_vec(),
                b"v62".to_vec(),
                b"X-H63".to_vec(),
                b"v63".to_vec(),
                b"X-H64".to_vec(),
                b"v64".to_vec(),
                b"X-H65".to_vec(),
                b"v65".to_vec(),
                b"X-H66".to_vec(),
                b"v66".to_vec(),
                b"X-H67".to_vec(),
                b"v67".to_vec(),
                b"X-H68".to_vec(),
                b"v68".to_vec(),
                b"X-H69".to_vec(),
                b"v69".to_vec(),
                b"X-H70".to_vec(),
                b"v70".to_vec(),
                b"X-H71".to_vec(),
                b"v71".to_vec(),
                b"X-H72".to_vec(),
                b"v72".to_vec(),
                b"X-H73".to_vec(),
                b"v73".to_vec(),
                b"X-H74".to_vec(),
                b"v74".to_vec(),
                b"X-H75".to_vec(),
                b"v75".to_vec(),
                b"X-H76".to_vec(),
                b"v76".to_vec(),
                b"X-H77".to_vec(),
                b"v77".to_vec(),
                b"X-H78".to_vec(),
                b"v78".to_vec(),
                b"X-H79".to_vec(),
                b"v79".to_vec(),
                b"X-H80".to_vec(),
                b"v80".to_vec(),
                b"X-H81".to_vec(),
                b"v81".to_vec(),
                b"X-H82".to_vec(),
                b"v82".to_vec(),
                b"X-H83".to_vec(),
                b"v83".to_vec(),
                b"X-H84".to_vec(),
                b"v84".to_vec(),
                b"X-H85".to_vec(),
                b"v85".to_vec(),
                b"X-H86".to_vec(),
                b"v86".to_vec(),
                b"X-H87".to_vec(),
                b"v87".to_vec(),
                b"X-H88".to_vec(),
                b"v88".to_vec(),
                b"X-H89".to_vec(),
                b"v89".to_vec(),
                b"X-H90".to_vec(),
                b"v90".to_vec(),
                b"X-H91".to_vec(),
                b"v91".to_vec(),
                b"X-H92".to_vec(),
                b"v92".to_vec(),
                b"X-H93".to_vec(),
                b"v93".to_vec(),
                b"X-H94".to_vec(),
                b"v94".to_vec(),
                b"X-H95".to_vec(),
                b"v95".to_vec(),
                b"X-H96".to_vec(),
                b"v96".to_vec(),
                b"X-H97".to_vec(),
                b"v97".to_vec(),
                b"X-H98".to_vec(),
                b"v98".to_vec(),
                b"X-H99".to_vec(),
                b"v99".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_multiple_spaces_between_request_line_parts() {
    // core server: 'request' GET "/x" HTTP/1.1
    let out = drive(b"GET   /x   HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/x".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_query_with_question_marks_and_fragment() {
    // core server: 'request' GET "/p?a=1?b#f?g#h" HTTP/1.1
    let out = drive(b"GET /p?a=1?b#f?g#h HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/p?a=1?b#f?g#h".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn rejects_obs_text_in_target() {
    // core server: 'clientError' HPE_INVALID_URL (bytesParsed 8)
    let out = drive(b"GET /caf\xe9 HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_URL", "Invalid char in url path", 8))
    );
}

#[test]
fn rejects_tab_in_target() {
    // core server: 'clientError' HPE_INVALID_URL (bytesParsed 7)
    let out = drive(b"GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_URL", "Invalid characters in url", 7))
    );
}

#[test]
fn rejects_tab_right_after_target() {
    // core server: 'clientError' HPE_INVALID_URL (bytesParsed 7)
    let out = drive(b"GET / \tHTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_URL", "Invalid characters in url", 7))
    );
}

#[test]
fn rejects_double_at_in_authority() {
    // core server: 'clientError' HPE_INVALID_URL (bytesParsed 14)
    let out = drive(b"GET http://a@@b/ HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_URL", "Double @ in url", 14))
    );
}

#[test]
fn rejects_fragment_right_after_authority() {
    // core server: 'clientError' HPE_INVALID_URL (bytesParsed 12)
    let out = drive(b"GET http://a#b HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(out.messages, vec![]);
    assert_eq!(
        out.error(),
        Some(("HPE_INVALID_URL", "Unexpected char in url server", 12))
    );
}

#[test]
fn keeps_header_name_case_and_order() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(
        b"GET / HTTP/1.1\r\nhOsT: x\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"hOsT".to_vec(),
                b"x".to_vec(),
                b"X-B".to_vec(),
                b"2".to_vec(),
                b"x-a".to_vec(),
                b"1".to_vec(),
                b"X-B".to_vec(),
                b"3".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_content_length_zero() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Content-Length".to_vec(),
                b"0".to_vec()
            ],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn waits_for_the_rest_of_a_body() {
    // core server: 'request' POST "/" HTTP/1.1; 'clientError' HPE_INVALID_EOF_STATE (bytesParsed 0)
    let out = drive(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
        strict(),
    );
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![
                b"Host".to_vec(),
                b"x".to_vec(),
                b"Content-Length".to_vec(),
                b"10".to_vec()
            ],
            body: b"abc".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: false,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_crlf_between_pipelined_requests() {
    // core server: 'request' POST "/" HTTP/1.1; 'request' GET "/2" HTTP/1.1
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![
            Msg {
                method: "POST".into(),
                url: b"/".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![
                    b"Host".to_vec(),
                    b"x".to_vec(),
                    b"Content-Length".to_vec(),
                    b"1".to_vec()
                ],
                body: b"a".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
            Msg {
                method: "GET".into(),
                url: b"/2".to_vec(),
                version: "1.1".into(),
                raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
                body: b"".to_vec(),
                raw_trailers: vec![],
                keep_alive: true,
                upgrade: false,
                complete: true,
            },
        ]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_acl() {
    // core server: 'request' ACL "/" HTTP/1.1
    let out = drive(b"ACL / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "ACL".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_bind() {
    // core server: 'request' BIND "/" HTTP/1.1
    let out = drive(b"BIND / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "BIND".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_checkout() {
    // core server: 'request' CHECKOUT "/" HTTP/1.1
    let out = drive(b"CHECKOUT / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "CHECKOUT".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_connect() {
    // core server: 'connect' h:1
    let out = drive(b"CONNECT h:1 HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "CONNECT".into(),
            url: b"h:1".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: true,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
    assert_eq!(out.upgrade_head, Some(b"".to_vec()));
}

#[test]
fn accepts_method_copy() {
    // core server: 'request' COPY "/" HTTP/1.1
    let out = drive(b"COPY / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "COPY".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_delete() {
    // core server: 'request' DELETE "/" HTTP/1.1
    let out = drive(b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "DELETE".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_get() {
    // core server: 'request' GET "/" HTTP/1.1
    let out = drive(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "GET".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_head() {
    // core server: 'request' HEAD "/" HTTP/1.1
    let out = drive(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "HEAD".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_link() {
    // core server: 'request' LINK "/" HTTP/1.1
    let out = drive(b"LINK / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "LINK".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_lock() {
    // core server: 'request' LOCK "/" HTTP/1.1
    let out = drive(b"LOCK / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "LOCK".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_m_search() {
    // core server: 'request' M-SEARCH "/" HTTP/1.1
    let out = drive(b"M-SEARCH / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "M-SEARCH".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_merge() {
    // core server: 'request' MERGE "/" HTTP/1.1
    let out = drive(b"MERGE / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "MERGE".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_mkactivity() {
    // core server: 'request' MKACTIVITY "/" HTTP/1.1
    let out = drive(b"MKACTIVITY / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "MKACTIVITY".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_mkcalendar() {
    // core server: 'request' MKCALENDAR "/" HTTP/1.1
    let out = drive(b"MKCALENDAR / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "MKCALENDAR".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_mkcol() {
    // core server: 'request' MKCOL "/" HTTP/1.1
    let out = drive(b"MKCOL / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "MKCOL".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_move() {
    // core server: 'request' MOVE "/" HTTP/1.1
    let out = drive(b"MOVE / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "MOVE".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_notify() {
    // core server: 'request' NOTIFY "/" HTTP/1.1
    let out = drive(b"NOTIFY / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "NOTIFY".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_options() {
    // core server: 'request' OPTIONS "/" HTTP/1.1
    let out = drive(b"OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "OPTIONS".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_patch() {
    // core server: 'request' PATCH "/" HTTP/1.1
    let out = drive(b"PATCH / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "PATCH".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_post() {
    // core server: 'request' POST "/" HTTP/1.1
    let out = drive(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "POST".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_propfind() {
    // core server: 'request' PROPFIND "/" HTTP/1.1
    let out = drive(b"PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "PROPFIND".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_proppatch() {
    // core server: 'request' PROPPATCH "/" HTTP/1.1
    let out = drive(b"PROPPATCH / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "PROPPATCH".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_purge() {
    // core server: 'request' PURGE "/" HTTP/1.1
    let out = drive(b"PURGE / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "PURGE".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_put() {
    // core server: 'request' PUT "/" HTTP/1.1
    let out = drive(b"PUT / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "PUT".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_query() {
    // core server: 'request' QUERY "/" HTTP/1.1
    let out = drive(b"QUERY / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "QUERY".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_rebind() {
    // core server: 'request' REBIND "/" HTTP/1.1
    let out = drive(b"REBIND / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "REBIND".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_report() {
    // core server: 'request' REPORT "/" HTTP/1.1
    let out = drive(b"REPORT / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "REPORT".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_search() {
    // core server: 'request' SEARCH "/" HTTP/1.1
    let out = drive(b"SEARCH / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "SEARCH".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_source() {
    // core server: 'request' SOURCE "/" HTTP/1.1
    let out = drive(b"SOURCE / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "SOURCE".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_subscribe() {
    // core server: 'request' SUBSCRIBE "/" HTTP/1.1
    let out = drive(b"SUBSCRIBE / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "SUBSCRIBE".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_trace() {
    // core server: 'request' TRACE "/" HTTP/1.1
    let out = drive(b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "TRACE".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_unbind() {
    // core server: 'request' UNBIND "/" HTTP/1.1
    let out = drive(b"UNBIND / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "UNBIND".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_unlink() {
    // core server: 'request' UNLINK "/" HTTP/1.1
    let out = drive(b"UNLINK / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "UNLINK".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_unlock() {
    // core server: 'request' UNLOCK "/" HTTP/1.1
    let out = drive(b"UNLOCK / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "UNLOCK".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}

#[test]
fn accepts_method_unsubscribe() {
    // core server: 'request' UNSUBSCRIBE "/" HTTP/1.1
    let out = drive(b"UNSUBSCRIBE / HTTP/1.1\r\nHost: x\r\n\r\n", strict());
    assert_eq!(
        out.messages,
        vec![Msg {
            method: "UNSUBSCRIBE".into(),
            url: b"/".to_vec(),
            version: "1.1".into(),
            raw_headers: vec![b"Host".to_vec(), b"x".to_vec()],
            body: b"".to_vec(),
            raw_trailers: vec![],
            keep_alive: true,
            upgrade: false,
            complete: true,
        },]
    );
    assert_eq!(out.error(), None);
}
