//! One accepted connection: the task that reads, parses and writes it, and
//! the handful of commands the JS thread sends it.
//!
//! Writes take a fast path on the JS thread: when nothing is queued, the bytes
//! go straight to the socket with `try_write`, so a small response costs one
//! native call and no cross-thread wake-up. Whatever the kernel does not take
//! is queued here and flushed by the task, which reports `Drain` when the
//! queue empties (that is when the JS `Writable` callback runs). A busy JS
//! thread writes behind instead: its bytes are queued as sent and the task
//! writes them (see `binding::js_load`).

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::events::*;
pub use super::reader::CallbackError;
use super::reader::{BodyState, Reading};
use super::registry;
use super::stream::Stream;
use super::ServerShared;
use crate::bridge::lock;
use crate::h1::{HeadParser, ParseOptions};

/// Bytes asked of the kernel per read. Large: a streamed body then costs
/// a quarter of the events (and JS-thread wake-ups) of 64 KiB reads; only
/// busy connections hold a buffer (idle ones give it back).
pub(super) const READ_CHUNK: usize = 256 * 1024;
/// Body bytes handed to JS but not yet drained by it, past which the task
/// stops reading: a stalled JS thread cannot make a connection buffer more.
/// Two reads' worth, so reading goes on while JS takes the previous one.
pub(super) const INFLIGHT_LIMIT: usize = 512 * 1024;
/// With its idle timer off, a task still wakes once this long after the
/// timer last changed, so JS can switch it on (keep-alive, after every
/// response) without waking the task; only timeouts shorter than this wake
/// it at once.
const IDLE_RECHECK: Duration = Duration::from_secs(1);
/// A raw byte stream (a client connection, an upgraded socket) reads as
/// core's sockets do, 64 KiB at a time, and stops sooner: its JS stream's
/// pause is the backpressure, and it should take effect as early as core's:
/// one read in flight (the next one goes on while JS takes it), so a paused
/// response stops the connection ~190 KiB in (core: ~128 KiB; 256 KiB in
/// flight let it read ~590 KiB, enough to drain a blocked server).
pub(super) const RAW_READ_CHUNK: usize = 64 * 1024;
const RAW_INFLIGHT_LIMIT: usize = 64 * 1024;
thread_local! {
    /// A connection waiting for its next request keeps no read buffer (RSS
    /// per idle keep-alive connection): its first read goes into this
    /// per-thread buffer and only the bytes that came are copied out.
    static IDLE_READ: std::cell::RefCell<BytesMut> = std::cell::RefCell::new(BytesMut::new());
}
/// Writes gathered into one `writev`.
const MAX_IOVECS: usize = 64;
/// Bytes a corked connection holds before writing anyway.
const CORK_LIMIT: usize = 64 * 1024;

/// Why JS asked the connection to stop reading (bit set).
pub const PAUSE_BODY: u8 = 1;
pub const PAUSE_PIPELINE: u8 = 2;
pub const PAUSE_SOCKET: u8 = 4;
/// Set by the task, not JS: a request body's first `BODY_GATE` bytes went
/// to JS, which clears it once the request stream took them without
/// pausing (or resumed). A request paused from the start thus holds what
/// core's does (one read), not everything in flight.
pub const PAUSE_GATE: u8 = 8;
/// Body bytes of each request handed to JS before the gate: core's read size.
pub(super) const BODY_GATE: usize = 64 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WriteStatus {
    /// Everything went to the kernel.
    Flushed,
    /// Written behind into an empty queue: accepted as sent, and the task
    /// is to be woken (`wake_task`) by the caller, once for all the writes
    /// of its turn (see `write_pair`).
    Behind,
    /// Some bytes wait in Rust; a `Drain` event follows when they are out.
    Queued,
    /// The connection is gone.
    Closed,
}

impl Shared {
    /// `n` bytes of `out` were written.
    fn consume_out(&mut self, n: usize) {
        self.out_bytes -= n;
        let mut left = n;
        while left > 0 {
            let Some(front) = self.out.front_mut() else {
                break;
            };
            if front.len() <= left {
                left -= front.len();
                self.out.pop_front();
            } else {
                front.advance(left);
                left = 0;
            }
        }
        // An empty buffer left in front would make every writev return 0.
        while self.out.front().is_some_and(|b| b.is_empty()) {
            self.out.pop_front();
        }
        if self.out.is_empty() {
            self.written_behind = false;
        }
    }

    /// Whether JS may take the socket over: nothing ended, failed or asked
    /// to end it (the bytes queued to write are each caller's own check).
    fn can_let_go(&self) -> bool {
        !(self.closed
            || self.destroy_requested
            || self.end_requested
            || self.stream_ended
            || self.write_error.is_some())
    }

    /// Whether a `Drain` is due now (and owed no longer): a queued write
    /// waits for it, and the queue is empty, whichever thread emptied it.
    fn take_drain_due(&mut self) -> bool {
        self.out.is_empty() && std::mem::take(&mut self.drain_wanted)
    }
}

/// State shared between the task and the JS thread, behind one lock.
#[derive(Default)]
pub(super) struct Shared {
    pub(super) out: VecDeque<Bytes>,
    pub(super) out_bytes: usize,
    /// A write was queued; report `Drain` when the queue empties.
    pub(super) drain_wanted: bool,
    /// The queue holds bytes written behind (reported sent, see `write`)
    /// until it empties.
    pub(super) written_behind: bool,
    /// Writes are held (up to `CORK_LIMIT`) until `uncork`: the responses
    /// to pipelined requests leave in one `writev`.
    pub(super) corked: bool,
    pub(super) pause: u8,
    pub(super) idle_timeout: Option<Duration>,
    /// When `idle_timeout` was last set: like a net.Socket timer, it counts
    /// from then or from the last activity, whichever is later.
    pub(super) idle_set_at: Option<Instant>,
    /// Bumped by every `set_idle_timeout`, so a timeout that fired can fire
    /// again after the next `setTimeout` call.
    pub(super) idle_generation: u64,
    /// The idle timeout fired and nothing happened since: the next write
    /// from JS wakes the task, as a write restarts a net.Socket's timer.
    pub(super) idle_fired: bool,
    /// The `idle_generation` of the timer that fired last.
    pub(super) fired_generation: u64,
    /// The deadline the task sleeps until, if any (set before each sleep).
    pub(super) armed: Option<Instant>,
    /// After an upgrade head: the bytes read past it, until JS decides.
    pub(super) upgrade_pending: Option<BytesMut>,
    pub(super) upgrade_decision: Option<bool>,
    /// How many more bytes core's read that ended the upgrade head would
    /// have taken (see `reader::core_read_rest`): the head is topped up to
    /// that when JS takes the stream.
    pub(super) upgrade_room: usize,
    /// Bytes read past core's read of the upgrade head wait in the task's
    /// buffer, for the stream's first data: the socket is not handed over
    /// as a descriptor then (the task passes them on first).
    pub(super) upgrade_excess: bool,
    /// JS took the socket over (`hand_over`, `request_hand_over`): the task
    /// leaves it alone and exits without a `Close` event.
    pub(super) handed_over: bool,
    /// A client connection is to be handed over once its queue is empty.
    pub(super) hand_over_requested: bool,
    /// A JS callback threw while handling a parser event (see
    /// `callback_failed`): the llhttp error the parser now reports.
    pub(super) callback_error: Option<CallbackError>,
    pub(super) end_requested: bool,
    /// `end` sent the FIN from the JS thread (nothing was queued): the
    /// task must not send it again.
    pub(super) fin_sent: bool,
    pub(super) destroy_requested: bool,
    pub(super) closed: bool,
    /// A write from the JS thread failed; the task reports it.
    pub(super) write_error: Option<i32>,
    /// A reset the task read as the end of the stream (`Task::read`): the
    /// next write that fails with EPIPE reports it instead, as the kernel
    /// would have had the read not taken it.
    pub(super) consumed_reset: Option<i32>,
    /// The end of the stream was reported to JS, by the task or with the
    /// data JS took (`take_reset_behind_data`): whichever came first.
    pub(super) stream_ended: bool,
}

/// How the task's failed send ends the connection. Bytes written behind
/// were reported sent when JS wrote them, where core sent them, most likely
/// before the peer's reset came: the reset is then the next read's error,
/// as core reports it, not the write's.
fn flush_error(st: &mut Shared, e: &io::Error) -> (i32, &'static str) {
    let errno = write_errno(st, e);
    if st.written_behind && errno == libc::ECONNRESET {
        (errno, "read")
    } else {
        (errno, "write")
    }
}

/// `head` then `body` as one buffer for the queue, less the first `skip`
/// bytes (the ones the kernel took).
fn copy_rest(head: &[u8], body: &[u8], skip: usize) -> Bytes {
    if skip >= head.len() {
        return Bytes::copy_from_slice(&body[skip - head.len()..]);
    }
    if body.is_empty() {
        return Bytes::copy_from_slice(&head[skip..]);
    }
    let mut joined = BytesMut::with_capacity(head.len() + body.len() - skip);
    joined.extend_from_slice(&head[skip..]);
    joined.extend_from_slice(body);
    joined.freeze()
}

/// A write's errno, with a reset the reader consumed put back.
fn write_errno(st: &mut Shared, e: &io::Error) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        if let Some(errno) = st.consumed_reset.take() {
            return errno;
        }
    }
    os_error(e)
}

pub struct Conn {
    pub id: u32,
    pub server: Arc<ServerShared>,
    pub stream: Stream,
    pub(super) shared: Mutex<Shared>,
    wake: Notify,
    pub(super) inflight: AtomicUsize,
    /// The connection is a raw byte stream (client, upgraded): its
    /// in-flight limit is `RAW_INFLIGHT_LIMIT`.
    pub(super) raw: AtomicBool,
    /// When the JS thread last wrote, in ms since `born`, so the idle timer
    /// counts those writes as activity without waking the task.
    last_write_ms: AtomicU64,
    born: Instant,
    pub bytes_read: AtomicU64,
    pub bytes_written: AtomicU64,
    /// Registered with the reactor on this thread, which has not polled it
    /// yet: tokio would refuse the first write without trying (see
    /// `send_direct`).
    unpolled: AtomicBool,
    /// The next direct send is a server's last response, and `end` follows
    /// it at once (see `hold_for_fin`).
    hold_for_fin: AtomicBool,
}

impl Conn {
    pub fn new(server: Arc<ServerShared>, stream: Stream) -> Arc<Conn> {
        Conn::with_id(server, stream, registry::next_id())
    }

    /// A connection whose id JS already holds (a client connection is
    /// named before its connect completes).
    pub fn with_id(server: Arc<ServerShared>, stream: Stream, id: u32) -> Arc<Conn> {
        Arc::new(Conn {
            id,
            server,
            stream,
            shared: Mutex::new(Shared::default()),
            wake: Notify::new(),
            inflight: AtomicUsize::new(0),
            raw: AtomicBool::new(false),
            last_write_ms: AtomicU64::new(0),
            born: Instant::now(),
            bytes_read: AtomicU64::new(0),
            bytes_written: AtomicU64::new(0),
            unpolled: AtomicBool::new(false),
            hold_for_fin: AtomicBool::new(false),
        })
    }

    // ---- commands from the JS thread ----

    /// `behind`: queue the bytes for the task rather than send them on this
    /// thread (still `Flushed`: like corked bytes, they count as sent).
    pub fn write(&self, data: &[u8], behind: bool) -> WriteStatus {
        self.write_pair(data, &[], behind)
    }

    /// One write of `head` then `body`: a direct send is one `writev` from
    /// the caller's memory, and only what the kernel does not take is
    /// copied (a 64 KiB request body then costs no copy).
    pub fn write_pair(&self, head: &[u8], body: &[u8], behind: bool) -> WriteStatus {
        let len = head.len() + body.len();
        let mut st = lock(&self.shared);
        if st.handed_over {
            // A client socket destroyed before it adopted the descriptor
            // (its writes wait for that): what the kernel takes now goes
            // out, as libuv's write before a close. A plain send: the task
            // is gone, and with it the reactor's idea of writability.
            if let Ok(n) = self
                .stream
                .send_now(&[IoSlice::new(head), IoSlice::new(body)])
            {
                self.bytes_written.fetch_add(n as u64, Ordering::Relaxed);
            }
            return WriteStatus::Closed;
        }
        if st.closed || st.destroy_requested || st.end_requested {
            return WriteStatus::Closed;
        }
        self.last_write_ms
            .store(self.born.elapsed().as_millis() as u64, Ordering::Relaxed);
        if std::mem::take(&mut st.idle_fired) {
            self.wake.notify_one();
        }
        if len == 0 {
            // Nothing to send: done now, or once what is queued has gone
            // (an empty buffer in the queue would make writev return 0).
            // Bytes a cork held or written behind count as sent already.
            if st.corked || st.out.is_empty() || !st.drain_wanted {
                return WriteStatus::Flushed;
            }
            st.drain_wanted = true;
            return WriteStatus::Queued;
        }
        if st.corked {
            if st.out_bytes + len <= CORK_LIMIT {
                // Accepted like bytes the kernel took: `uncork` sends them.
                st.out_bytes += len;
                st.out.push_back(copy_rest(head, body, 0));
                return WriteStatus::Flushed;
            }
            st.corked = false;
            if !self.write_out(&mut st) {
                drop(st);
                self.wake.notify_one();
                return WriteStatus::Closed;
            }
        }
        if behind && st.out_bytes + len <= CORK_LIMIT {
            let was_empty = st.out.is_empty();
            st.written_behind = true;
            st.out_bytes += len;
            st.out.push_back(copy_rest(head, body, 0));
            // A non-empty queue has a wake-up coming already. The first
            // write's is left to the caller: waking the io thread per write
            // (an eventfd write and an IPI) took 13 % of an Express
            // server's JS thread, and the writes of one turn need one.
            return if was_empty {
                WriteStatus::Behind
            } else {
                WriteStatus::Flushed
            };
        }
        if !st.drain_wanted && !st.out.is_empty() && !self.send_accepted(&mut st) {
            drop(st);
            self.wake.notify_one();
            return WriteStatus::Closed;
        }
        let mut sent = 0;
        if st.out.is_empty() {
            match self.send_direct(head, body) {
                Ok(n) => {
                    self.bytes_written.fetch_add(n as u64, Ordering::Relaxed);
                    if n == len {
                        return WriteStatus::Flushed;
                    }
                    sent = n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    st.write_error = Some(write_errno(&mut st, &e));
                    drop(st);
                    self.wake.notify_one();
                    return WriteStatus::Closed;
                }
            }
        }
        st.out_bytes += len - sent;
        st.out.push_back(copy_rest(head, body, sent));
        st.drain_wanted = true;
        drop(st);
        self.wake.notify_one();
        WriteStatus::Queued
    }

    /// The next direct send goes with `MSG_MORE` (`on`): JS ends the
    /// connection right after it (lib/socket.js `_rhttpHoldForFin`), and
    /// the kernel sends its bytes in the FIN's segment. `end` clears it.
    pub fn hold_for_fin(&self, on: bool) {
        self.hold_for_fin.store(on, Ordering::Relaxed);
    }

    /// A write from the calling thread, as far as the kernel takes it.
    fn send_direct(&self, head: &[u8], body: &[u8]) -> io::Result<usize> {
        if self.hold_for_fin.swap(false, Ordering::Relaxed) {
            return self
                .stream
                .send_more(&[IoSlice::new(head), IoSlice::new(body)]);
        }
        let tried = if body.is_empty() {
            self.stream.try_write(head)
        } else {
            self.stream
                .try_write_vectored(&[IoSlice::new(head), IoSlice::new(body)])
        };
        match tried {
            // A connect announced before the reactor saw the socket (see
            // `start_connected`): tokio has no readiness for it yet, but
            // the kernel may well take the bytes, as libuv's write would.
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    && self.unpolled.swap(false, Ordering::Relaxed) =>
            {
                self.stream
                    .send_now(&[IoSlice::new(head), IoSlice::new(body)])
            }
            other => other,
        }
    }

    /// Wake the task to send what was written behind (`WriteStatus::Behind`).
    pub fn wake_task(&self) {
        self.wake.notify_one();
    }

    /// Hold writes until `uncork` (see `Shared::corked`).
    pub fn cork(&self) {
        lock(&self.shared).corked = true;
    }

    /// Send what `cork` held, from this thread as far as the kernel takes
    /// it (unless `behind`); the task writes the rest.
    pub fn uncork(&self, behind: bool) {
        let mut st = lock(&self.shared);
        if !std::mem::take(&mut st.corked) {
            return;
        }
        st.written_behind |= behind && !st.out.is_empty();
        let ok = behind || self.write_out(&mut st);
        // The task sends the rest, or reports the `Drain` a write queued
        // before the cork waits for (sent here, it did not see it go).
        let wake = !ok || !st.out.is_empty() || st.drain_wanted;
        drop(st);
        if wake {
            self.wake.notify_one();
        }
    }

    /// Send the queued bytes already reported sent (a cork's, or written
    /// behind) as far as the kernel takes them, before a direct write or a
    /// close: the kernel gets them first, as it would have. False (the error kept for
    /// the task) when the connection failed.
    fn send_accepted(&self, st: &mut Shared) -> bool {
        self.send_accepted_then(st, false)
    }

    /// `send_accepted`, with `fin_follows`: the caller shuts the socket
    /// down right after, so the bytes go with `MSG_MORE` and leave in the
    /// FIN's segment (see `end`).
    fn send_accepted_then(&self, st: &mut Shared, fin_follows: bool) -> bool {
        while !st.out.is_empty() {
            match self.write_front(st, fin_follows) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    st.write_error = Some(write_errno(st, &e));
                    return false;
                }
            }
        }
        true
    }

    /// One `writev` of the queue on the calling thread. False (and the
    /// error kept for the task) when the connection failed.
    fn write_out(&self, st: &mut Shared) -> bool {
        match self.writev_out(st) {
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => true,
            Err(e) => {
                st.write_error = Some(write_errno(st, &e));
                false
            }
        }
    }

    /// One `writev` of the front of `out`; what was written leaves it.
    fn writev_out(&self, st: &mut Shared) -> io::Result<usize> {
        self.write_front(st, false)
    }

    /// `writev_out`, or with `more` one `sendmsg` with `MSG_MORE` (past the
    /// reactor: a FIN follows from the calling thread, see `end`).
    fn write_front(&self, st: &mut Shared, more: bool) -> io::Result<usize> {
        if st.out.is_empty() {
            return Ok(0);
        }
        let slices: Vec<IoSlice<'_>> = st
            .out
            .iter()
            .take(MAX_IOVECS)
            .map(|b| IoSlice::new(b))
            .collect();
        let n = if more {
            self.stream.send_more(&slices)?
        } else {
            self.stream.try_write_vectored(&slices)?
        };
        drop(slices);
        self.bytes_written.fetch_add(n as u64, Ordering::Relaxed);
        st.consume_out(n);
        Ok(n)
    }

    /// Half-close after everything queued is written (`socket.end()`).
    pub fn end(&self) {
        self.hold_for_fin.store(false, Ordering::Relaxed);
        let mut guard = lock(&self.shared);
        let st = &mut *guard;
        // A cork this end releases (pipelined responses, the last with
        // `Connection: close`): its bytes go now, held by `MSG_MORE`
        // for the FIN below, so they leave in the FIN's segment (see
        // `hold_for_fin`). A failed send is the task's to report.
        if st.corked && !st.drain_wanted && !st.handed_over && st.can_let_go() {
            st.corked = false;
            let _ = self.send_accepted_then(st, true);
        }
        // With nothing queued, the FIN leaves now, right behind the
        // bytes written directly, as libuv's shutdown follows a write
        // within the loop turn. Sent by the task a wake-up later, it
        // came after a `Connection: close` client had read the
        // response and closed first, leaving that client's ports in
        // TIME_WAIT (wrk spent a third of its time searching past them).
        if st.out.is_empty() && !st.handed_over && st.can_let_go() {
            st.fin_sent = true;
            let _ = self.stream.shutdown_write();
        }
        // Corked bytes go before the FIN: the task writes the queue.
        st.corked = false;
        st.end_requested = true;
        // With the FIN sent and nothing queued, the task has nothing to do
        // until its next read or JS's destroy, and sees the end then; a
        // wake-up now (an eventfd write and a switch to the io thread) is
        // one per `Connection: close` response. Not after the peer's end:
        // the task closes the connection at once then.
        let idle = st.fin_sent
            && st.out.is_empty()
            && !st.stream_ended
            && !st.drain_wanted
            && st.write_error.is_none();
        drop(guard);
        if !idle {
            self.wake.notify_one();
        }
    }

    pub fn destroy(&self) {
        self.command(|st| {
            // Bytes a cork held were reported written (no `Drain` is
            // awaited for them): send what the kernel takes now, as it
            // would send its own buffer on close.
            st.corked = false;
            if !st.drain_wanted {
                // A failure needs no report: the connection is going.
                let _ = self.send_accepted(st);
            }
            // libuv closes the descriptor in the call: the peer hears the
            // FIN now, not when the task gets to it. (With bytes unread in
            // the kernel the close is a reset, which only the close sends.)
            // (Not after `reset_and_destroy`, which asked for the reset.)
            if st.out.is_empty()
                && !st.handed_over
                && !st.fin_sent
                && !st.destroy_requested
                && st.write_error.is_none()
                && !st.closed
                && self.stream.unread_bytes() == 0
            {
                st.fin_sent = true;
                let _ = self.stream.shutdown_write();
            }
            st.destroy_requested = true;
        });
    }

    /// `socket.resetAndDestroy()`: closes with a reset, as libuv's
    /// `uv_tcp_close_reset` (SO_LINGER 0); nothing queued is sent. False,
    /// and nothing done, for a stream that is not TCP (core throws then).
    pub fn reset_and_destroy(&self) -> bool {
        let Stream::Tcp(tcp) = &self.stream else {
            return false;
        };
        let _ = socket2::SockRef::from(tcp).set_linger(Some(Duration::ZERO));
        self.command(|st| {
            st.out.clear();
            st.out_bytes = 0;
            st.corked = false;
            st.destroy_requested = true;
        });
        true
    }

    pub fn pause(&self, why: u8) {
        self.set_pause(why, true);
    }

    /// JS holds back `n` body bytes it drained (`holdReads` in
    /// lib/server.js: core would not have read them yet). They count in
    /// flight again until `release_held`, so reads stop at the in-flight
    /// limit however long the request leaves its body untaken.
    pub fn hold(&self, n: usize) {
        self.inflight.fetch_add(n, Ordering::AcqRel);
    }

    /// JS handed (or dropped) `n` bytes it held: as `consumed`.
    pub fn release_held(&self, n: usize) {
        let before = self.inflight.fetch_sub(n, Ordering::AcqRel);
        if before >= INFLIGHT_LIMIT && before - n < INFLIGHT_LIMIT {
            self.wake.notify_one();
        }
    }

    pub fn resume(&self, why: u8) {
        self.set_pause(why, false);
    }

    /// Streams call `_read` (resume) after nearly every chunk; waking the
    /// task for a state it is already in costs a thread hand-off each time.
    fn set_pause(&self, why: u8, on: bool) {
        let mut st = lock(&self.shared);
        let before = st.pause;
        if on {
            st.pause |= why;
        } else {
            st.pause &= !why;
        }
        let changed = st.pause != before;
        drop(st);
        if changed {
            self.wake.notify_one();
        }
    }

    /// Set the idle timeout. Core toggles it on every keep-alive request
    /// (off while a request is handled, keepAliveTimeout + 1 s after the
    /// response), so this must not wake the task each time: the task is
    /// woken only when it sleeps past the new deadline. Otherwise it finds
    /// the new value when its current deadline comes; with the timer off it
    /// still looks again within `IDLE_RECHECK` (see `Task::recheck_at`).
    pub fn set_idle_timeout(&self, ms: u32) {
        let timeout = (ms > 0).then(|| Duration::from_millis(ms as u64));
        let now = Instant::now();
        let mut st = lock(&self.shared);
        st.idle_timeout = timeout;
        st.idle_set_at = Some(now);
        st.idle_generation += 1;
        let wake = match (timeout, st.armed) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(t), Some(armed)) => armed > now + t,
        };
        drop(st);
        if wake {
            self.wake.notify_one();
        }
    }

    /// The idle timer fired, and since then JS neither wrote nor set a
    /// timeout: its `Timeout` event is not stale.
    pub fn idle_fired(&self) -> bool {
        let st = lock(&self.shared);
        st.idle_fired && st.fired_generation == st.idle_generation
    }

    /// JS has seen an upgrade head: `raw` hands the connection over as a byte
    /// stream (returning the bytes already read past the head); otherwise HTTP
    /// parsing carries on.
    pub fn decide_upgrade(&self, raw: bool) -> Option<Bytes> {
        let mut st = lock(&self.shared);
        let head = if raw {
            self.take_upgrade_head(&mut st)
        } else {
            None
        };
        st.upgrade_decision = Some(raw);
        drop(st);
        self.wake.notify_one();
        head
    }

    /// The bytes past the upgrade head, topped up with what the kernel holds
    /// to what core's read would have held (core reads when JS runs; the io
    /// thread read when the first bytes came).
    fn take_upgrade_head(&self, st: &mut Shared) -> Option<Bytes> {
        let mut head = st.upgrade_pending.take()?;
        let room = std::mem::take(&mut st.upgrade_room);
        if room > 0 {
            let more = self.stream.read_waiting(room);
            self.bytes_read
                .fetch_add(more.len() as u64, Ordering::Relaxed);
            head.extend_from_slice(&more);
        }
        Some(head.freeze())
    }

    /// JS has seen an upgrade head and takes the socket over itself, as a
    /// libuv handle: the bytes read past the head and a duplicate of the
    /// descriptor. Only while the task waits for that decision with nothing
    /// queued to write and the stream neither ending nor ended; otherwise
    /// `None` (JS then decides `raw`). The task exits without touching the
    /// socket again, and its descriptor closes when it is gone (the duplicate
    /// keeps the socket open).
    pub fn hand_over(&self) -> Option<(Bytes, std::os::fd::OwnedFd)> {
        let mut st = lock(&self.shared);
        let waiting = st.upgrade_pending.is_some() && st.upgrade_decision.is_none();
        if !waiting || !st.can_let_go() || !st.out.is_empty() || st.upgrade_excess {
            return None;
        }
        let fd = self.stream.dup_fd()?;
        let head = self.take_upgrade_head(&mut st)?;
        st.handed_over = true;
        drop(st);
        self.wake.notify_one();
        Some((head, fd))
    }

    /// A client connection upgraded: JS asks for the socket, to read and
    /// write it as core's (a libuv handle). Its task reads on concurrently,
    /// so the answer is an event (`HandedOver`), queued behind every byte
    /// read, once nothing is left to write. False when the connection is
    /// ending or gone (no event follows). JS holds its writes meanwhile.
    pub fn request_hand_over(&self) -> bool {
        let mut st = lock(&self.shared);
        if matches!(self.stream, Stream::Fed(_)) || !st.can_let_go() {
            return false;
        }
        st.hand_over_requested = true;
        drop(st);
        self.wake.notify_one();
        true
    }

    /// A user callback threw out of the JS handling of a parser event. In
    /// core the exception leaves llhttp in an error state: the rest of that
    /// read is dropped, and the next read fails with the callback's code.
    pub fn callback_failed(&self, error: CallbackError) {
        lock(&self.shared).callback_error = Some(error);
        self.wake.notify_one();
    }

    pub fn queued_bytes(&self) -> usize {
        lock(&self.shared).out_bytes
    }

    /// JS took `n` body bytes off the event queue. True when the stream
    /// ends right behind them: JS ends it after this data, as core's read
    /// would (see `take_reset_behind_data`).
    pub fn consumed(&self, n: usize) -> bool {
        let ended = self.raw.load(Ordering::Relaxed)
            && self.inflight.load(Ordering::Acquire) == n
            && self.take_reset_behind_data();
        let before = self.inflight.fetch_sub(n, Ordering::AcqRel);
        let limit = if self.raw.load(Ordering::Relaxed) {
            RAW_INFLIGHT_LIMIT
        } else {
            INFLIGHT_LIMIT
        };
        if before >= limit && before - n < limit {
            self.wake.notify_one();
        }
        ended
    }

    /// JS caught up with a raw stream's reads: this is when core's loop
    /// would read the socket. A reset that came meanwhile is found with the
    /// data then (libuv's POLLHUP rule, see `Task::read`) and ends the
    /// stream, whether or not the task saw it yet: taken here (while
    /// `inflight` still counts the data, so a task reading it concurrently
    /// also ends the stream), the task's next read is the EOF. True when
    /// nothing is left to read before it: the end is JS's to report now, in
    /// the batch of the data, where core's read reports it.
    fn take_reset_behind_data(&self) -> bool {
        // Under the lock: a socket handed over (or being handed over) is
        // libuv's to read, reset included.
        let mut st = lock(&self.shared);
        if st.handed_over {
            return false;
        }
        let Some(e) = self.stream.take_error() else {
            return false;
        };
        st.consumed_reset = Some(os_error(&e));
        if st.stream_ended || self.stream.unread_bytes() != 0 {
            return false;
        }
        st.stream_ended = true;
        true
    }

    fn command(&self, f: impl FnOnce(&mut Shared)) {
        f(&mut lock(&self.shared));
        self.wake.notify_one();
    }
}

/// Removes the connection and tells JS it is gone, however the task ends
/// (including by panic: no panic may leave JS waiting forever).
struct CloseGuard {
    conn: Arc<Conn>,
    errno: i32,
    syscall: &'static str,
}

impl Drop for CloseGuard {
    fn drop(&mut self) {
        if self.syscall == "read" && self.errno != 0 {
            registry::note_reset(self.conn.id, self.errno);
        }
        let handed_over = {
            let mut st = lock(&self.conn.shared);
            st.closed = true;
            st.handed_over
        };
        self.conn.server.connections.fetch_sub(1, Ordering::Relaxed);
        if handed_over {
            // JS owns the socket now; nothing of it is this task's to report.
            // The connection stays addressable (its counters and addresses)
            // until JS has adopted the descriptor and releases it.
            return;
        }
        registry::remove(self.conn.id);
        self.conn.server.events.push(ServerEvent::Close {
            conn: self.conn.id,
            errno: self.errno,
            syscall: self.syscall,
            bytes_read: self.conn.bytes_read.load(Ordering::Relaxed),
        });
    }
}

/// How a connection starts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Accepted by a listener: JS hears of it with a `Connection` event.
    Accepted,
    /// Fed from a JS stream handed to the server: JS already has it.
    Fed,
    /// A client connection, now connected: JS hears `Connect`, and the
    /// bytes pass through raw (the response parser runs in JS's call).
    Client,
}

/// Register a connection (synchronously, so JS can address it at once) and
/// run it on the runtime.
pub fn start(conn: Arc<Conn>, mode: Mode) {
    register(&conn);
    crate::runtime::runtime().spawn(serve(conn, mode, true));
}

/// A connection accepted elsewhere and announced by JS itself (see
/// `NativeServer::adopt_accepted`): no `Connection` event.
pub fn start_adopted(conn: Arc<Conn>) {
    register(&conn);
    crate::runtime::runtime().spawn(serve(conn, Mode::Accepted, false));
}

/// A client connection whose connect completed within `connect()`: JS hears
/// it from the calling thread, so in this turn's poll phase, as libuv's
/// connect callback would come (see `client::connect`).
pub fn start_connected(conn: Arc<Conn>) {
    conn.unpolled.store(true, Ordering::Relaxed);
    register(&conn);
    announce(&conn, Mode::Client);
    crate::runtime::runtime().spawn(serve(conn, Mode::Client, false));
}

fn register(conn: &Arc<Conn>) {
    registry::insert(conn.clone());
    conn.server.connections.fetch_add(1, Ordering::Relaxed);
}

fn announce(conn: &Conn, mode: Mode) {
    let event = match mode {
        Mode::Accepted => ServerEvent::Connection { conn: conn.id },
        Mode::Client => ServerEvent::Connect { conn: conn.id },
        Mode::Fed => return,
    };
    conn.server.events.push(event);
}

async fn serve(conn: Arc<Conn>, mode: Mode, announced_here: bool) {
    let opts = &conn.server.options;
    if opts.no_delay {
        let _ = conn.stream.set_no_delay(true);
    }
    if let Some(delay) = opts.keep_alive {
        let _ = conn.stream.set_keep_alive(true, delay);
    }
    if announced_here {
        announce(&conn, mode);
    }
    let mut guard = CloseGuard {
        conn: conn.clone(),
        errno: 0,
        syscall: "",
    };
    let parse = ParseOptions {
        max_header_size: opts.max_header_size,
        insecure: opts.insecure_parser,
    };
    let mut task = Task {
        parse,
        conn: &conn,
        outbox: Vec::new(),
        head_parser: None,
        total_read: 0,
        read_start: 0,
        buf: BytesMut::new(),
        gate_left: None,
        reading: if mode == Mode::Client {
            conn.raw.store(true, Ordering::Relaxed);
            Reading::Raw
        } else {
            // Core's headersTimeout clock starts when the connection is
            // accepted, so a peer that never sends a byte also gets its 408.
            Reading::Head {
                started: Some(Instant::now()),
            }
        },
        read_eof: false,
        fin_read: false,
        client: mode == Mode::Client,
        hup_after_read: false,
        last_activity: Instant::now(),
        timeout_fired: false,
        idle_generation: 0,
        rechecked_generation: u64::MAX,
        shutdown_sent: false,
        drop_after_message: false,
        upgrade_flag: false,
        timed_out_start: None,
    };
    if let Err((errno, syscall)) = task.run().await {
        guard.errno = errno;
        guard.syscall = syscall;
    }
}

pub(super) struct Task<'a> {
    pub(super) conn: &'a Arc<Conn>,
    /// Events of one wake-up, queued together: one lock and at most one
    /// doorbell, and JS sees a request's head, body and error in one batch,
    /// as core's parser reports them from one `execute()`.
    pub(super) outbox: Vec<ServerEvent>,
    pub(super) parse: ParseOptions,
    /// Resumable: a head arriving over many reads is parsed once, O(n).
    /// Boxed and made at a head's first byte: an idle connection has none.
    pub(super) head_parser: Option<Box<HeadParser>>,
    /// Bytes read in all, and where the latest read began (stream offsets),
    /// so errors report `bytesParsed` from the start of the read, as llhttp.
    pub(super) total_read: u64,
    pub(super) read_start: u64,
    pub(super) buf: BytesMut,
    /// Body bytes the current request may still hand JS before the gate
    /// (`PAUSE_GATE`); `None` once it opened or when there is no body.
    pub(super) gate_left: Option<usize>,
    pub(super) reading: Reading,
    pub(super) read_eof: bool,
    /// A client connection's EOF was a FIN read on its own (`ServerEvent::End`).
    pub(super) fin_read: bool,
    client: bool,
    /// A short read found the peer's reset already flagged: the next read
    /// is the end of the stream, not the error (libuv's POLLHUP rule).
    hup_after_read: bool,
    pub(super) last_activity: Instant,
    pub(super) timeout_fired: bool,
    /// The `idle_generation` the task has seen.
    pub(super) idle_generation: u64,
    /// The `idle_generation` an `IDLE_RECHECK` wake-up already looked at.
    rechecked_generation: u64,
    pub(super) shutdown_sent: bool,
    /// An upgrade request with a body was refused: drop what follows it in
    /// the read that ends it (see `finish_upgrade`).
    pub(super) drop_after_message: bool,
    /// llhttp's `upgrade` flag: the latest head completed was an upgrade
    /// (served as a request when nothing listened). Core reports no parse
    /// error while it is set (node_http_parser's Execute).
    pub(super) upgrade_flag: bool,
    /// When the message whose request timeout was reported began.
    timed_out_start: Option<Instant>,
}

type TaskResult = Result<(), (i32, &'static str)>;

fn os_error(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

impl Task<'_> {
    pub(super) fn emit(&mut self, event: ServerEvent) {
        self.conn
            .inflight
            .fetch_add(event.inflight_cost(), Ordering::AcqRel);
        self.outbox.push(event);
    }

    fn send_events(&mut self) {
        if !self.outbox.is_empty() {
            self.conn.server.events.push_all(&mut self.outbox);
        }
    }

    async fn run(&mut self) -> TaskResult {
        let result = self.run_loop().await;
        self.send_events();
        result
    }

    async fn run_loop(&mut self) -> TaskResult {
        loop {
            let notified = self.conn.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();

            let (pause, want_write, end_requested, destroy, idle, generation, write_error) = {
                let mut st = lock(&self.conn.shared);
                if st.handed_over {
                    return Ok(());
                }
                if st.take_drain_due() {
                    self.emit(ServerEvent::Drain { conn: self.conn.id });
                }
                if st.hand_over_requested && st.out.is_empty() {
                    st.hand_over_requested = false;
                    // Not with a reset flagged behind the last read: that
                    // read's end is this task's to report (see `read`).
                    let can = st.can_let_go() && !self.hup_after_read;
                    let fd = can.then(|| self.conn.stream.dup_fd()).flatten();
                    st.handed_over = fd.is_some();
                    drop(st);
                    let handed_over = fd.is_some();
                    if handed_over && !self.buf.is_empty() {
                        // Read but not yet passed on (JS paused, or the
                        // request came between the read and `process`): it
                        // precedes whatever the descriptor reads next.
                        let data = self.buf.split().freeze();
                        self.emit(ServerEvent::Data {
                            conn: self.conn.id,
                            data,
                        });
                    }
                    self.emit(ServerEvent::HandedOver {
                        conn: self.conn.id,
                        fd,
                    });
                    if handed_over {
                        return Ok(());
                    }
                    st = lock(&self.conn.shared);
                }
                if let Some(error) = st.callback_error.take() {
                    // No body follows: the next read is the error.
                    st.pause &= !PAUSE_GATE;
                    drop(st);
                    self.buf.clear();
                    self.reading = Reading::CallbackFailed(error);
                    st = lock(&self.conn.shared);
                }
                if let Some(raw) = st.upgrade_decision.take() {
                    let leftover = st.upgrade_pending.take();
                    drop(st);
                    self.finish_upgrade(raw, leftover);
                    st = lock(&self.conn.shared);
                }
                (
                    st.pause,
                    !st.out.is_empty() && !st.corked,
                    st.end_requested,
                    st.destroy_requested,
                    IdleTimer::of(&st),
                    st.idle_generation,
                    st.write_error.take(),
                )
            };
            if destroy {
                if pause == 0 {
                    self.discard_unread();
                }
                return Ok(());
            }
            if generation != self.idle_generation {
                self.idle_generation = generation;
                self.timeout_fired = false;
            }
            if self.timeout_fired {
                self.note_writes();
            }
            if let Some(errno) = write_error {
                return Err((errno, "write"));
            }
            if end_requested && !want_write && !self.shutdown_sent {
                self.shutdown_sent = true;
                if !lock(&self.conn.shared).fin_sent {
                    let _ = self.conn.stream.shutdown_write();
                }
                if self.read_eof {
                    return Ok(());
                }
            }
            // Processing may close a body's gate (`PAUSE_GATE`).
            let pause = if pause == 0 {
                self.process();
                lock(&self.conn.shared).pause
            } else {
                pause
            };

            let want_read = pause == 0
                && !self.read_eof
                && self.reading_wants_bytes()
                && self.conn.inflight.load(Ordering::Acquire) < self.inflight_limit();
            if want_read && self.hup_after_read {
                self.hup_after_read = false;
                self.at_eof()?;
                continue;
            }
            let recheck = self.recheck_at(&idle, generation);
            let deadline = min_opt(self.next_deadline(idle), recheck);
            lock(&self.conn.shared).armed = deadline;
            self.send_events();
            self.release_idle_buffer();

            tokio::select! {
                biased;
                _ = &mut notified => {}
                r = self.conn.stream.writable(), if want_write => {
                    r.map_err(|e| (os_error(&e), "write"))?;
                    self.flush()
                        .map_err(|e| flush_error(&mut lock(&self.conn.shared), &e))?;
                }
                r = self.conn.stream.read_ready(), if want_read => {
                    let hung_up = r.map_err(|e| (os_error(&e), "read"))?;
                    self.read(hung_up)?;
                }
                _ = sleep_until_opt(deadline), if deadline.is_some() => {
                    if recheck.is_some() {
                        self.rechecked_generation = generation;
                    }
                    self.on_deadline();
                }
            }
        }
    }

    /// One read. `hung_up`: the socket's reset was flagged when it became
    /// readable. libuv then ends the stream after a short read instead of
    /// reading the error, so data and a reset that arrive together are
    /// data and an EOF in core (and no ECONNRESET).
    fn read(&mut self, hung_up: bool) -> TaskResult {
        // A body's reads took the whole buffer (each one split off to JS):
        // read the next into a fresh one, not through `IDLE_READ`'s copy.
        let (read, room) = if self.buf.capacity() == 0
            && !self.is_raw()
            && matches!(self.reading, Reading::Head { .. })
        {
            (self.read_idle(), READ_CHUNK)
        } else {
            let chunk = self.read_chunk();
            if self.buf.capacity() - self.buf.len() < chunk / 4 {
                self.buf.reserve(chunk);
            }
            let room = self.buf.capacity() - self.buf.len();
            (self.conn.stream.try_read_buf(&mut self.buf), room)
        };
        match read {
            Ok(0) => {
                // Not a reset whose error JS took (`take_reset_behind_data`).
                self.fin_read = self.client && lock(&self.conn.shared).consumed_reset.is_none();
                self.at_eof()
            }
            Ok(n) => {
                self.hup_after_read = hung_up && n < room;
                self.read_start = self.total_read;
                self.total_read += n as u64;
                self.conn.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
                if let Stream::Fed(fed) = &self.conn.stream {
                    // The JS socket was paused for a full queue: resume it.
                    if fed.take_resume() {
                        self.emit(ServerEvent::Drain { conn: self.conn.id });
                    }
                }
                self.touch();
                if let Reading::Head { started: None } = self.reading {
                    self.reading = Reading::Head {
                        started: Some(Instant::now()),
                    };
                }
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            // A raw stream (a client's) whose JS side has not taken the data
            // read before the reset yet: core's loop, not having polled
            // since, would find both at once (see `hung_up` above) and end
            // the stream without the error. (Not for HTTP server
            // connections: there core's parser consumes the reads in C++
            // and its timing differs; measured to match as it is.)
            Err(e)
                if e.kind() == io::ErrorKind::ConnectionReset
                    && self.is_raw()
                    && self.conn.inflight.load(Ordering::Acquire) > 0 =>
            {
                lock(&self.conn.shared).consumed_reset = Some(os_error(&e));
                self.at_eof()
            }
            Err(e) => Err((os_error(&e), "read")),
        }
    }

    /// The peer's FIN (or a reset read as one, see `read`).
    fn at_eof(&mut self) -> TaskResult {
        self.read_eof = true;
        self.on_eof();
        if self.shutdown_sent {
            return Err((0, ""));
        }
        Ok(())
    }

    /// `read` for a connection without a buffer: through `IDLE_READ`, then
    /// a buffer of exactly what came (a whole small request, usually).
    fn read_idle(&mut self) -> io::Result<usize> {
        IDLE_READ.with_borrow_mut(|scratch| {
            scratch.clear();
            scratch.reserve(READ_CHUNK);
            let n = self.conn.stream.try_read_buf(scratch)?;
            self.buf = BytesMut::from(&scratch[..n]);
            Ok(n)
        })
    }

    /// A raw byte stream (client connection, upgraded socket): smaller
    /// reads and in-flight limit (see `RAW_READ_CHUNK`).
    fn is_raw(&self) -> bool {
        self.conn.raw.load(Ordering::Relaxed)
    }

    fn read_chunk(&self) -> usize {
        if self.is_raw() {
            RAW_READ_CHUNK
        } else {
            READ_CHUNK
        }
    }

    pub(super) fn inflight_limit(&self) -> usize {
        if self.is_raw() {
            RAW_INFLIGHT_LIMIT
        } else {
            INFLIGHT_LIMIT
        }
    }

    /// Read and drop what already arrived (at most `READ_CHUNK`) before
    /// closing. Core keeps reading a socket that is not paused until it is
    /// destroyed, so bytes that came meanwhile (the rest of a malformed
    /// request, say) do not turn its close into a reset; this task stopped
    /// reading earlier (at the parse error, at the JS thread's hop).
    fn discard_unread(&mut self) {
        let mut left = READ_CHUNK;
        IDLE_READ.with_borrow_mut(|scratch| {
            while left > 0 {
                scratch.clear();
                scratch.reserve(READ_CHUNK);
                match self.conn.stream.try_read_buf(scratch) {
                    Ok(n) if n > 0 => left = left.saturating_sub(n),
                    _ => break,
                }
            }
        });
    }

    /// Between requests with nothing buffered, give the read buffer and the
    /// (sent) event buffer back: idle connections are most connections.
    fn release_idle_buffer(&mut self) {
        if self.buf.is_empty() && matches!(self.reading, Reading::Head { started: None }) {
            if self.buf.capacity() > 0 {
                self.buf = BytesMut::new();
            }
            if self.outbox.capacity() > 0 {
                self.outbox = Vec::new();
            }
            self.head_parser = None;
        }
    }

    fn touch(&mut self) {
        self.last_activity = Instant::now();
        self.timeout_fired = false;
    }

    /// Write queued bytes until the queue is empty or the kernel is full.
    fn flush(&mut self) -> io::Result<()> {
        loop {
            let mut st = lock(&self.conn.shared);
            if st.out.is_empty() {
                if st.take_drain_due() {
                    drop(st);
                    self.emit(ServerEvent::Drain { conn: self.conn.id });
                }
                return Ok(());
            }
            match self.conn.writev_out(&mut st) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
            drop(st);
            self.touch();
        }
    }

    /// When the message being read began, if `headersTimeout` or
    /// `requestTimeout` still apply to it: once one is reported, core takes
    /// the connection off its active list until the next message begins.
    fn timed_message(&self) -> Option<(Instant, bool)> {
        let (started, in_head) = match &self.reading {
            Reading::Head {
                started: Some(started),
            } => (*started, true),
            Reading::Body(BodyState { started, .. }) => (*started, false),
            _ => return None,
        };
        (self.timed_out_start != Some(started)).then_some((started, in_head))
    }

    fn next_deadline(&self, idle: IdleTimer) -> Option<Instant> {
        let opts = &self.conn.server.options;
        let request = self.timed_message().and_then(|(started, in_head)| {
            min_opt(
                opts.headers_timeout
                    .filter(|_| in_head)
                    .map(|t| started + t),
                opts.request_timeout.map(|t| started + t),
            )
        });
        let idle = match idle.timeout {
            Some(t) if !self.timeout_fired => Some(idle.since(self.last_activity) + t),
            _ => None,
        };
        min_opt(request, idle)
    }

    /// While the idle timer is off, one wake-up `IDLE_RECHECK` after it last
    /// changed, to arm a timer JS switched on meanwhile (`set_idle_timeout`
    /// does not wake the task for one that long).
    fn recheck_at(&self, idle: &IdleTimer, generation: u64) -> Option<Instant> {
        if idle.timeout.is_some() || self.rechecked_generation == generation {
            return None;
        }
        Some(idle.set_at.unwrap_or(self.last_activity) + IDLE_RECHECK)
    }

    fn on_deadline(&mut self) {
        let now = Instant::now();
        // Read afresh: JS may have changed the timeout without waking us.
        let (idle, generation) = {
            let st = lock(&self.conn.shared);
            (IdleTimer::of(&st), st.idle_generation)
        };
        self.note_writes();
        let opts = &self.conn.server.options;
        let expired = self.timed_message().filter(|&(started, in_head)| {
            (in_head && opts.headers_timeout.is_some_and(|t| now >= started + t))
                || opts.request_timeout.is_some_and(|t| now >= started + t)
        });
        if let Some((started, _)) = expired {
            // The message is still parsed: a 'clientError' listener that
            // leaves the socket open gets the rest of it, as in core.
            self.timed_out_start = Some(started);
            self.emit(ServerEvent::RequestTimeout { conn: self.conn.id });
            return;
        }
        if let Some(t) = idle.timeout {
            if !self.timeout_fired && now >= idle.since(self.last_activity) + t {
                self.timeout_fired = true;
                // This timer is the one read here: the loop must not take
                // its generation for a new timer and fire it again.
                self.idle_generation = generation;
                let mut st = lock(&self.conn.shared);
                st.idle_fired = true;
                st.fired_generation = generation;
                drop(st);
                self.emit(ServerEvent::Timeout { conn: self.conn.id });
            }
        }
    }

    /// Writes JS made count as activity (they restart a net.Socket's timer),
    /// also after the timer fired.
    fn note_writes(&mut self) {
        let wrote_at =
            self.conn.born + Duration::from_millis(self.conn.last_write_ms.load(Ordering::Relaxed));
        if wrote_at > self.last_activity {
            self.last_activity = wrote_at;
            self.timeout_fired = false;
        }
    }
}

/// The idle timeout as the task sees it at one moment.
#[derive(Clone, Copy)]
struct IdleTimer {
    timeout: Option<Duration>,
    set_at: Option<Instant>,
}

impl IdleTimer {
    fn of(st: &Shared) -> Self {
        IdleTimer {
            timeout: st.idle_timeout,
            set_at: st.idle_set_at,
        }
    }

    /// Where the idle period starts: the last activity or the last
    /// `setTimeout`, whichever is later (a net.Socket timer restarts on both).
    fn since(&self, last_activity: Instant) -> Instant {
        match self.set_at {
            Some(set) if set > last_activity => set,
            _ => last_activity,
        }
    }
}

fn min_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    if let Some(d) = deadline {
        tokio::time::sleep_until(d).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::Silent;
    use crate::server::options::ServerOptions;
    use std::io::Read;

    /// A connection over a loopback pair, its task not started (so nothing
    /// but the calls under test moves bytes), and the peer's end.
    fn conn_pair(rt: &tokio::runtime::Runtime) -> (Arc<Conn>, std::net::TcpStream) {
        let _guard = rt.enter();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (ours, _) = listener.accept().unwrap();
        ours.set_nonblocking(true).unwrap();
        let stream = Stream::Tcp(tokio::net::TcpStream::from_std(ours).unwrap());
        let server = Arc::new(ServerShared::new(
            ServerOptions::default(),
            Box::new(Silent),
        ));
        let conn = Conn::new(server, stream);
        // Let the reactor see the socket writable, as the io thread would.
        rt.block_on(conn.stream.writable()).unwrap();
        (conn, peer)
    }

    fn received(peer: &mut std::net::TcpStream, n: usize) -> Vec<u8> {
        let mut got = vec![0u8; n];
        peer.read_exact(&mut got).unwrap();
        got
    }

    /// The peer resets the connection; returns once the RST has landed.
    fn reset(peer: std::net::TcpStream) {
        socket2::SockRef::from(&peer)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(peer);
        std::thread::sleep(Duration::from_millis(20));
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// What the peer reads within `wait`: bytes, `Some(vec![])` at EOF,
    /// `None` if nothing came.
    fn read_within(peer: &mut std::net::TcpStream, wait: Duration) -> Option<Vec<u8>> {
        peer.set_read_timeout(Some(wait)).unwrap();
        let mut got = vec![0u8; 256];
        match peer.read(&mut got) {
            Ok(n) => Some(got[..n].to_vec()),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("read: {e}"),
        }
    }

    #[test]
    fn an_end_with_nothing_queued_sends_the_fin_from_the_calling_thread() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        assert_eq!(conn.write(b"response", false), WriteStatus::Flushed);
        conn.end();
        // The task never runs here: the FIN came from `end` itself.
        assert_eq!(received(&mut peer, 8), b"response");
        assert_eq!(read_within(&mut peer, Duration::from_secs(5)), Some(vec![]));
        assert!(lock(&conn.shared).fin_sent);
        assert_eq!(conn.write(b"late", false), WriteStatus::Closed);
    }

    #[test]
    fn a_destroy_with_nothing_queued_or_unread_sends_the_fin_from_the_calling_thread() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        assert_eq!(conn.write(b"bye", false), WriteStatus::Flushed);
        conn.destroy();
        assert_eq!(received(&mut peer, 3), b"bye");
        assert_eq!(read_within(&mut peer, Duration::from_secs(5)), Some(vec![]));
        assert!(lock(&conn.shared).fin_sent);
    }

    #[test]
    fn a_destroy_with_bytes_unread_or_after_a_reset_request_sends_no_fin() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        std::io::Write::write_all(&mut peer, b"unread").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        conn.destroy();
        assert!(!lock(&conn.shared).fin_sent);
        let (conn, _peer) = conn_pair(&rt);
        assert!(conn.reset_and_destroy());
        conn.destroy();
        assert!(!lock(&conn.shared).fin_sent);
    }

    #[test]
    fn an_end_behind_queued_bytes_leaves_the_fin_to_the_task() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        assert_eq!(conn.write(b"behind", true), WriteStatus::Behind);
        conn.end();
        // The bytes go first, and only the task sends them.
        assert_eq!(read_within(&mut peer, Duration::from_millis(50)), None);
        assert!(!lock(&conn.shared).fin_sent);
    }

    #[test]
    fn an_end_of_a_corked_connection_sends_the_held_bytes_with_the_fin() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        conn.cork();
        assert_eq!(conn.write(b"held", false), WriteStatus::Flushed);
        conn.end();
        // From the calling thread: the task never runs here.
        assert_eq!(received(&mut peer, 4), b"held");
        assert_eq!(read_within(&mut peer, Duration::from_secs(5)), Some(vec![]));
        let st = lock(&conn.shared);
        assert!(st.fin_sent && !st.corked && st.end_requested && st.out.is_empty());
    }

    #[test]
    fn an_end_that_sent_the_fin_with_nothing_queued_leaves_the_task_asleep() {
        let rt = runtime();
        let (conn, _peer) = conn_pair(&rt);
        assert_eq!(conn.write(b"response", false), WriteStatus::Flushed);
        conn.end();
        assert!(!woken(&rt, &conn));
    }

    #[test]
    fn an_end_after_the_peers_end_wakes_the_task_to_close() {
        let rt = runtime();
        let (conn, _peer) = conn_pair(&rt);
        lock(&conn.shared).stream_ended = true;
        conn.end();
        assert!(woken(&rt, &conn));
    }

    #[test]
    fn an_end_behind_a_write_error_wakes_the_task_to_report_it() {
        let rt = runtime();
        let (conn, _peer) = conn_pair(&rt);
        lock(&conn.shared).write_error = Some(libc::EPIPE);
        conn.end();
        assert!(woken(&rt, &conn));
    }

    #[test]
    fn a_write_behind_is_queued_as_sent_and_a_destroy_sends_it() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        assert_eq!(conn.write(b"hello ", true), WriteStatus::Behind);
        assert_eq!(conn.write(b"world", true), WriteStatus::Flushed);
        assert_eq!(lock(&conn.shared).out_bytes, 11);
        assert!(!lock(&conn.shared).drain_wanted);
        // Core's bytes were in the kernel before the close: so are these.
        conn.destroy();
        assert!(lock(&conn.shared).out.is_empty());
        assert_eq!(received(&mut peer, 11), b"hello world");
    }

    #[test]
    fn only_a_write_behind_into_an_empty_queue_asks_for_a_wake_up() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        // The caller wakes the task once (`wake_task`); the writes behind
        // it ride on that wake-up.
        assert_eq!(conn.write(b"one ", true), WriteStatus::Behind);
        assert_eq!(conn.write(b"two ", true), WriteStatus::Flushed);
        assert_eq!(conn.write(b"three", true), WriteStatus::Flushed);
        // Once the queue is out, the next write asks again.
        assert!(conn.writev_out(&mut lock(&conn.shared)).is_ok());
        assert!(lock(&conn.shared).out.is_empty());
        assert_eq!(received(&mut peer, 13), b"one two three");
        assert_eq!(conn.write(b"four", true), WriteStatus::Behind);
    }

    #[test]
    fn a_reset_failing_a_write_behind_is_the_reads_error() {
        let rt = runtime();
        let (conn, _peer) = conn_pair(&rt);
        let reset = io::Error::from_raw_os_error(libc::ECONNRESET);
        assert_eq!(conn.write(b"behind", true), WriteStatus::Behind);
        let mut st = lock(&conn.shared);
        assert!(st.written_behind);
        assert_eq!(flush_error(&mut st, &reset), (libc::ECONNRESET, "read"));
        let pipe = io::Error::from_raw_os_error(libc::EPIPE);
        assert_eq!(flush_error(&mut st, &pipe), (libc::EPIPE, "write"));
        // Sent, the queue holds no write behind any more.
        st.consume_out(6);
        assert!(!st.written_behind);
        assert_eq!(flush_error(&mut st, &reset), (libc::ECONNRESET, "write"));
    }

    /// Whether the task was woken (a `Notify` permit is waiting), taking it.
    fn woken(rt: &tokio::runtime::Runtime, conn: &Conn) -> bool {
        rt.block_on(async {
            tokio::time::timeout(Duration::from_millis(10), conn.wake.notified())
                .await
                .is_ok()
        })
    }

    #[test]
    fn held_body_bytes_count_in_flight_until_released() {
        let rt = runtime();
        let (conn, _peer) = conn_pair(&rt);
        // JS drained a read's bytes, then held them back (`holdReads`).
        conn.inflight.store(INFLIGHT_LIMIT / 2, Ordering::Relaxed);
        assert!(!conn.consumed(INFLIGHT_LIMIT / 2));
        conn.hold(INFLIGHT_LIMIT / 2);
        conn.hold(INFLIGHT_LIMIT / 2 + 10);
        assert_eq!(conn.inflight.load(Ordering::Relaxed), INFLIGHT_LIMIT + 10);
        // Still at the limit: the task stays parked.
        conn.release_held(10);
        assert!(!woken(&rt, &conn));
        // Below it: the task may read again.
        conn.release_held(1);
        assert!(woken(&rt, &conn));
        // Further releases below the limit do not wake it again.
        conn.release_held(INFLIGHT_LIMIT - 1);
        assert!(!woken(&rt, &conn));
        assert_eq!(conn.inflight.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_reset_behind_data_js_caught_up_with_is_taken_as_the_end() {
        let rt = runtime();
        let (conn, peer) = conn_pair(&rt);
        conn.raw.store(true, Ordering::Relaxed);
        // Two reads' data in flight; the peer resets.
        conn.inflight.store(5, Ordering::Relaxed);
        reset(peer);
        // JS took the first read only: the reset waits for the task.
        assert!(!conn.consumed(3));
        assert_eq!(lock(&conn.shared).consumed_reset, None);
        // JS caught up: the reset is found, JS ends the stream with the
        // data, and the task's next read is the EOF it does not report.
        assert!(conn.consumed(2));
        assert_eq!(lock(&conn.shared).consumed_reset, Some(libc::ECONNRESET));
        assert!(lock(&conn.shared).stream_ended);
        rt.block_on(conn.stream.read_ready()).unwrap();
        let mut buf = BytesMut::with_capacity(16);
        assert_eq!(conn.stream.try_read_buf(&mut buf).unwrap(), 0);
    }

    #[test]
    fn a_reset_behind_unread_data_is_left_to_the_task() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        conn.raw.store(true, Ordering::Relaxed);
        conn.inflight.store(1, Ordering::Relaxed);
        // Bytes the task has not read yet, then the reset.
        std::io::Write::write_all(&mut peer, b"more").unwrap();
        reset(peer);
        // Taken, but the end comes after those bytes: the task reports it.
        assert!(!conn.consumed(1));
        assert_eq!(lock(&conn.shared).consumed_reset, Some(libc::ECONNRESET));
        assert!(!lock(&conn.shared).stream_ended);
    }

    #[test]
    fn a_direct_write_after_writes_behind_sends_them_first() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        assert_eq!(conn.write(b"first ", true), WriteStatus::Behind);
        assert_eq!(conn.write(b"", true), WriteStatus::Flushed);
        assert_eq!(conn.write(b"second", false), WriteStatus::Flushed);
        assert!(lock(&conn.shared).out.is_empty());
        assert_eq!(received(&mut peer, 12), b"first second");
    }

    #[test]
    fn an_empty_write_behind_queued_bytes_waits_only_for_unsent_ones() {
        let rt = runtime();
        let (conn, _peer) = conn_pair(&rt);
        assert_eq!(conn.write(b"sent", true), WriteStatus::Behind);
        assert_eq!(conn.write(b"", false), WriteStatus::Flushed);
        // Bytes the kernel refused (a full socket) are waited for.
        lock(&conn.shared).drain_wanted = true;
        assert_eq!(conn.write(b"", false), WriteStatus::Queued);
    }

    #[test]
    fn a_head_and_body_go_out_in_one_write_in_order() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        assert_eq!(
            conn.write_pair(b"head ", b"body", false),
            WriteStatus::Flushed
        );
        conn.cork();
        assert_eq!(conn.write_pair(b"", b"corked", false), WriteStatus::Flushed);
        conn.uncork(false);
        assert_eq!(received(&mut peer, 15), b"head bodycorked");
    }

    #[test]
    fn what_the_kernel_leaves_of_a_head_and_body_is_queued_whole() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        // More than the socket takes while the peer reads nothing.
        let head: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let body: Vec<u8> = (0..20_000_000u32).map(|i| (i % 241) as u8).collect();
        assert_eq!(conn.write_pair(&head, &body, false), WriteStatus::Queued);
        let sent = conn.bytes_written.load(Ordering::Relaxed) as usize;
        assert!(sent > 0 && sent < head.len() + body.len());
        assert_eq!(lock(&conn.shared).out_bytes, head.len() + body.len() - sent);
        // The queue holds exactly the rest: send it and compare every byte.
        let expected: Vec<u8> = head.iter().chain(body.iter()).copied().collect();
        let reader = std::thread::spawn(move || received(&mut peer, expected.len()) == expected);
        while !lock(&conn.shared).out.is_empty() {
            rt.block_on(conn.stream.writable()).unwrap();
            let mut st = lock(&conn.shared);
            let _ = conn.writev_out(&mut st);
        }
        assert!(reader.join().unwrap());
    }

    #[test]
    fn copy_rest_skips_what_was_sent_across_parts() {
        assert_eq!(&copy_rest(b"abc", b"def", 0)[..], b"abcdef");
        assert_eq!(&copy_rest(b"abc", b"def", 2)[..], b"cdef");
        assert_eq!(&copy_rest(b"abc", b"def", 4)[..], b"ef");
        assert_eq!(&copy_rest(b"abc", b"", 1)[..], b"bc");
    }

    #[test]
    fn writes_behind_are_bounded_by_the_queue_limit() {
        let rt = runtime();
        let (conn, _peer) = conn_pair(&rt);
        let big = vec![7u8; CORK_LIMIT];
        assert_eq!(conn.write(&big, true), WriteStatus::Behind);
        // Past the limit a write is a direct one: the peer reads nothing,
        // so the kernel fills up and the rest waits for a `Drain`.
        let huge = vec![7u8; 64 * 1024 * 1024];
        assert_eq!(conn.write(&huge, true), WriteStatus::Queued);
        assert!(lock(&conn.shared).drain_wanted);
        assert_eq!(conn.write(b"more", true), WriteStatus::Queued);
    }

    #[test]
    fn uncork_behind_leaves_the_bytes_to_the_task() {
        let rt = runtime();
        let (conn, _peer) = conn_pair(&rt);
        conn.cork();
        assert_eq!(conn.write(b"held", false), WriteStatus::Flushed);
        conn.uncork(true);
        assert_eq!(lock(&conn.shared).out_bytes, 4);
        conn.cork();
        conn.uncork(false);
        assert_eq!(lock(&conn.shared).out_bytes, 0);
    }

    #[test]
    fn an_uncork_that_sends_a_queued_write_leaves_its_drain_to_the_task() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        // A write the kernel refused waits for a `Drain`; a pipelined
        // request corks the connection before the task sent it.
        {
            let mut st = lock(&conn.shared);
            st.out.push_back(Bytes::from_static(b"queued"));
            st.out_bytes = 6;
            st.drain_wanted = true;
        }
        conn.cork();
        conn.uncork(false);
        assert_eq!(received(&mut peer, 6), b"queued");
        // Sent from this thread: the task is woken, and owes the `Drain`.
        let woken = rt.block_on(async {
            tokio::time::timeout(Duration::from_millis(50), conn.wake.notified())
                .await
                .is_ok()
        });
        assert!(woken);
        let mut st = lock(&conn.shared);
        assert!(st.take_drain_due());
        assert!(!st.take_drain_due());
    }

    #[test]
    fn a_hand_over_gives_the_bytes_past_the_head_and_a_descriptor_that_outlives_the_conn() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        lock(&conn.shared).upgrade_pending = Some(BytesMut::from(&b"early"[..]));
        let (head, fd) = conn.hand_over().expect("handed over");
        assert_eq!(&head[..], b"early");
        assert!(lock(&conn.shared).handed_over);
        // Only once: the decision is made.
        assert!(conn.hand_over().is_none());
        // A write JS makes before it adopts the descriptor (a destroy) goes
        // out as far as the kernel takes it, and no further.
        assert_eq!(conn.write(b"last", false), WriteStatus::Closed);
        assert_eq!(received(&mut peer, 4), b"last");
        assert!(lock(&conn.shared).out.is_empty());
        drop(conn);
        let mut ours = std::net::TcpStream::from(fd);
        std::io::Write::write_all(&mut ours, b"still open").unwrap();
        assert_eq!(received(&mut peer, 10), b"still open");
        std::io::Write::write_all(&mut peer, b"back").unwrap();
        ours.set_nonblocking(false).unwrap();
        let mut got = [0u8; 4];
        ours.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"back");
    }

    /// Runs the runtime for a while (the task's reads and writes).
    fn settle(rt: &tokio::runtime::Runtime) {
        rt.block_on(async { tokio::time::sleep(Duration::from_millis(50)).await });
    }

    #[test]
    fn a_client_hand_over_follows_the_bytes_read_and_the_queued_writes() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        let server = conn.server.clone();
        std::io::Write::write_all(&mut peer, b"before").unwrap();
        rt.spawn(serve(conn.clone(), Mode::Client, true));
        settle(&rt);
        assert_eq!(conn.write(b"queued", true), WriteStatus::Behind);
        assert!(conn.request_hand_over());
        settle(&rt);
        let mut events = server.events.drain().into_iter();
        assert!(matches!(events.next(), Some(ServerEvent::Connect { .. })));
        assert!(
            matches!(events.next(), Some(ServerEvent::Data { data, .. }) if &data[..] == b"before")
        );
        let Some(ServerEvent::HandedOver { fd: Some(fd), .. }) = events.next() else {
            panic!("no descriptor handed over");
        };
        assert!(
            events.next().is_none(),
            "nothing after the hand-over, not even a Close"
        );
        assert_eq!(received(&mut peer, 6), b"queued");
        // The task is gone; the descriptor reads what comes next.
        std::io::Write::write_all(&mut peer, b"after").unwrap();
        let mut ours = std::net::TcpStream::from(fd);
        ours.set_nonblocking(false).unwrap();
        let mut got = [0u8; 5];
        ours.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"after");
        settle(&rt);
        assert!(server.events.drain().is_empty());
    }

    #[test]
    fn a_parse_error_is_reported_again_for_each_later_read_and_the_fin_ends_the_stream() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        let server = conn.server.clone();
        std::io::Write::write_all(&mut peer, b"G@T / HTTP/1.1\r\n\r\n").unwrap();
        rt.spawn(serve(conn.clone(), Mode::Fed, true));
        settle(&rt);
        std::io::Write::write_all(&mut peer, b"GET / HTTP/1.1\r\n\r\n").unwrap();
        settle(&rt);
        peer.shutdown(std::net::Shutdown::Write).unwrap();
        settle(&rt);
        let errors: Vec<_> = server
            .events
            .drain()
            .into_iter()
            .map(|e| match e {
                ServerEvent::ParseError {
                    code,
                    bytes_parsed,
                    raw,
                    ..
                } => format!("{code} {bytes_parsed} {:?}", raw.map(|r| r.len())),
                ServerEvent::End { .. } => "end".to_string(),
                other => format!("unexpected {}", other.conn()),
            })
            .collect();
        assert_eq!(
            errors,
            [
                "HPE_INVALID_METHOD 1 Some(18)",
                "HPE_INVALID_METHOD 1 Some(18)",
                "end"
            ]
        );
    }

    #[test]
    fn bytes_read_just_before_a_client_hand_over_are_passed_on_first() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        let server = conn.server.clone();
        rt.spawn(serve(conn.clone(), Mode::Client, true));
        settle(&rt);
        // The request lands while the task is already reading (no wake-up
        // reaches it first): the next loop turn finds the bytes unprocessed.
        lock(&conn.shared).hand_over_requested = true;
        std::io::Write::write_all(&mut peer, b"raced").unwrap();
        settle(&rt);
        let events = server.events.drain();
        let data: Vec<u8> = events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Data { data, .. } => Some(data.to_vec()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(data, b"raced");
        assert!(matches!(
            events.last(),
            Some(ServerEvent::HandedOver { fd: Some(_), .. })
        ));
    }

    #[test]
    fn no_client_hand_over_once_the_stream_ends() {
        let rt = runtime();
        let (conn, peer) = conn_pair(&rt);
        rt.spawn(serve(conn.clone(), Mode::Client, true));
        drop(peer);
        settle(&rt);
        assert!(lock(&conn.shared).stream_ended);
        assert!(!conn.request_hand_over());
    }

    #[test]
    fn no_hand_over_outside_an_upgrade_decision_or_with_bytes_queued() {
        let rt = runtime();
        let (conn, _peer) = conn_pair(&rt);
        // No upgrade head waiting.
        assert!(conn.hand_over().is_none());
        lock(&conn.shared).upgrade_pending = Some(BytesMut::new());
        assert_eq!(conn.write(b"queued", true), WriteStatus::Behind);
        assert!(conn.hand_over().is_none());
        lock(&conn.shared).consume_out(6);
        conn.end();
        assert!(conn.hand_over().is_none());
        assert!(!lock(&conn.shared).handed_over);
        // The upgrade was decided the other way.
        let (conn, _peer) = conn_pair(&rt);
        lock(&conn.shared).upgrade_pending = Some(BytesMut::new());
        conn.decide_upgrade(true);
        assert!(conn.hand_over().is_none());
    }

    #[test]
    fn an_upgrade_head_is_topped_up_to_core_s_read_and_bytes_past_it_stay_off_a_hand_over() {
        let rt = runtime();
        let (conn, mut peer) = conn_pair(&rt);
        std::io::Write::write_all(&mut peer, b"0123456789").unwrap();
        // Wait (bounded) until the kernel holds them.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while conn.stream.unread_bytes() < 10 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        {
            let mut st = lock(&conn.shared);
            st.upgrade_pending = Some(BytesMut::from(&b"early"[..]));
            st.upgrade_room = 4;
        }
        let (head, _fd) = conn.hand_over().expect("handed over");
        assert_eq!(&head[..], b"early0123");
        assert_eq!(conn.stream.unread_bytes(), 6);
        // Bytes read past core's read wait in the task: no descriptor.
        let (conn, _peer) = conn_pair(&rt);
        {
            let mut st = lock(&conn.shared);
            st.upgrade_pending = Some(BytesMut::new());
            st.upgrade_excess = true;
        }
        assert!(conn.hand_over().is_none());
    }

    #[test]
    fn consume_out_advances_across_and_inside_chunks() {
        let mut st = Shared::default();
        for part in [&b"abc"[..], b"defg", b"hi"] {
            st.out.push_back(Bytes::copy_from_slice(part));
            st.out_bytes += part.len();
        }
        st.consume_out(5);
        assert_eq!(st.out_bytes, 4);
        assert_eq!(
            st.out.iter().map(|b| &b[..]).collect::<Vec<_>>(),
            [&b"fg"[..], b"hi"]
        );
        st.consume_out(4);
        assert!(st.out.is_empty());
        assert_eq!(st.out_bytes, 0);
    }
}
