//! The records a connection task hands to the JS thread. Kinds and flag bits
//! are mirrored in `lib/native.js`; change both together.

use bytes::Bytes;

pub const EV_CONNECTION: u32 = 1;
pub const EV_REQUEST: u32 = 2;
pub const EV_BODY: u32 = 3;
pub const EV_BODY_END: u32 = 4;
pub const EV_PARSE_ERROR: u32 = 5;
pub const EV_REQUEST_TIMEOUT: u32 = 6;
pub const EV_TIMEOUT: u32 = 7;
pub const EV_DRAIN: u32 = 8;
pub const EV_END: u32 = 9;
pub const EV_CLOSE: u32 = 10;
pub const EV_DATA: u32 = 11;
pub const EV_CONNECT: u32 = 12;
/// A body chunk that used up the request's `BODY_GATE` (see `PAUSE_GATE`).
pub const EV_BODY_GATED: u32 = 13;
/// A client connection's EOF read on its own (see `ServerEvent::End`).
pub const EV_FIN_READ: u32 = 14;
/// A client connection's answer to `Conn::request_hand_over`.
pub const EV_HANDED_OVER: u32 = 15;

/// Request flags: bits 0–3 major version, 4–7 minor version.
pub const REQ_KEEP_ALIVE: u32 = 1 << 8;
pub const REQ_UPGRADE: u32 = 1 << 9;
/// Body events follow; without it the request is complete at its head.
pub const REQ_HAS_BODY: u32 = 1 << 10;
/// (1 << 11 is the record's length-prefixed flag, `bridge::record`.)
/// More bytes came behind this bodiless request in the same read: a
/// pipelining client, whose responses JS corks into one write.
pub const REQ_PIPELINED: u32 = 1 << 12;
/// A head of `EARLY_FLUSH_FIELDS` header fields or more: core's parser
/// binding hands such a head to JS early, through a MakeCallback that runs
/// the pending ticks first (node_http_parser.cc, kMaxHeaderFieldsCount).
pub const REQ_EARLY_FLUSH: u32 = 1 << 13;
pub const EARLY_FLUSH_FIELDS: usize = 32;

/// In-flight cost of one request beyond its head bytes (see `inflight_cost`).
pub const REQUEST_OVERHEAD: usize = 2048;

#[derive(Debug)]
pub enum ServerEvent {
    /// A connection was accepted.
    Connection { conn: u32 },
    /// A request head: `head` is latin1 `method\0url\0name\0value…`.
    Request {
        conn: u32,
        head: Vec<u8>,
        flags: u32,
    },
    Body {
        conn: u32,
        data: Bytes,
        /// This chunk closed the body gate: JS opens it (see `PAUSE_GATE`).
        gated: bool,
    },
    /// The request body is complete; `trailers` is latin1 `name\0value…`.
    BodyEnd {
        conn: u32,
        trailers: Option<Vec<u8>>,
    },
    ParseError {
        conn: u32,
        code: &'static str,
        reason: &'static str,
        bytes_parsed: u32,
        /// The unparsed bytes; `None` for an EOF error, where core sets no
        /// `rawPacket`.
        raw: Option<Bytes>,
    },
    /// headersTimeout or requestTimeout expired (core answers 408).
    RequestTimeout { conn: u32 },
    /// The idle timeout set with `socket.setTimeout` expired.
    Timeout { conn: u32 },
    /// Bytes queued in Rust for this connection were all written.
    Drain { conn: u32 },
    /// The peer finished sending (EOF).
    /// The end of the stream. `fin_read`: a client connection's FIN, found
    /// by a read of its own. libuv returns from a short read, so core reads
    /// such a FIN one loop turn after the data before it; a reset after data
    /// (read as EOF, see `Task::read`) ends the stream in the same read.
    End { conn: u32, fin_read: bool },
    /// The connection is gone; `errno` is 0 or the OS error that ended it.
    /// `bytes_read` is final: JS can no longer ask once the id is gone.
    Close {
        conn: u32,
        errno: i32,
        syscall: &'static str,
        bytes_read: u64,
    },
    /// Raw bytes after an upgrade, or on a client connection.
    Data { conn: u32, data: Bytes },
    /// A client connection is established.
    Connect { conn: u32 },
    /// A client connection's answer to `Conn::request_hand_over`, after every
    /// byte it read: the socket's descriptor for JS to own, or `None` when
    /// the connection stays a Rust stream. Dropped unsent, it closes.
    HandedOver {
        conn: u32,
        fd: Option<std::os::fd::OwnedFd>,
    },
}

impl ServerEvent {
    /// What this event counts against the connection's in-flight budget:
    /// body bytes, and for a request head its size plus a fixed cost for the
    /// objects JS builds for it, so a pipelining peer cannot make the task
    /// parse far ahead of what JS has seen.
    pub fn inflight_cost(&self) -> usize {
        match self {
            ServerEvent::Body { data, .. } | ServerEvent::Data { data, .. } => data.len(),
            // Reported again for each read after a parse error.
            ServerEvent::ParseError { raw: Some(raw), .. } => raw.len(),
            ServerEvent::Request { head, .. } => head.len() + REQUEST_OVERHEAD,
            _ => 0,
        }
    }

    pub fn conn(&self) -> u32 {
        match self {
            ServerEvent::Connection { conn }
            | ServerEvent::Request { conn, .. }
            | ServerEvent::Body { conn, .. }
            | ServerEvent::BodyEnd { conn, .. }
            | ServerEvent::ParseError { conn, .. }
            | ServerEvent::RequestTimeout { conn }
            | ServerEvent::Timeout { conn }
            | ServerEvent::Drain { conn }
            | ServerEvent::End { conn, .. }
            | ServerEvent::Close { conn, .. }
            | ServerEvent::Data { conn, .. }
            | ServerEvent::Connect { conn }
            | ServerEvent::HandedOver { conn, .. } => *conn,
        }
    }
}
