//! `NativeServer` (one per `http.Server`) and the per-connection commands.
//! Argument conversion only: the work happens in `crate::server`.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{BufferSlice, Function, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use super::batch::{buffer_copy, ArrayBuilder, RawValue};
use super::event_out::EventOut;
use super::js_callback::{doorbell_fn, set_ref, DoorbellFn, TsfnDoorbell};
use super::raw;
use super::shared_ints;
use crate::server::conn::{self, CallbackError, Conn};
use crate::server::fed::FedInput;
use crate::server::listener::{self, Listener, ListenerHandle, TcpBind};
use crate::server::options::DEFAULT_BACKLOG;
use crate::server::stream::Stream;
use crate::server::{registry, ServerEvent, ServerOptions, ServerShared};

#[napi(object)]
pub struct NativeServerOptions {
    pub max_header_size: Option<u32>,
    pub insecure_http_parser: Option<bool>,
    /// Milliseconds; 0 disables.
    pub headers_timeout: Option<f64>,
    pub request_timeout: Option<f64>,
    pub no_delay: Option<bool>,
    pub keep_alive: Option<bool>,
    pub keep_alive_initial_delay: Option<f64>,
}

/// What `listen*` returns: `errno` 0 and the bound address, or the OS error
/// (positive errno) for JS to turn into core's error shape.
#[napi(object)]
pub struct ListenResult {
    pub errno: i32,
    pub address: String,
    pub family: String,
    pub port: u32,
}

#[napi]
pub struct NativeServer {
    shared: Arc<ServerShared>,
    doorbell: Arc<DoorbellFn>,
    listener: Option<ListenerHandle>,
}

fn millis(v: Option<f64>, default: Option<Duration>) -> Option<Duration> {
    match v {
        None => default,
        Some(ms) if ms > 0.0 && ms.is_finite() => Some(Duration::from_millis(ms as u64)),
        Some(_) => None,
    }
}

#[napi]
impl NativeServer {
    #[napi(constructor, catch_unwind)]
    pub fn new(
        on_events: Function<'_, (), Unknown<'static>>,
        options: NativeServerOptions,
    ) -> Result<Self> {
        let defaults = ServerOptions::default();
        let options = ServerOptions {
            max_header_size: options
                .max_header_size
                .map(|v| v as usize)
                .unwrap_or(defaults.max_header_size),
            insecure_parser: options.insecure_http_parser.unwrap_or(false),
            headers_timeout: millis(options.headers_timeout, defaults.headers_timeout),
            request_timeout: millis(options.request_timeout, defaults.request_timeout),
            no_delay: options.no_delay.unwrap_or(defaults.no_delay),
            keep_alive: if options.keep_alive.unwrap_or(false) {
                Some(millis(options.keep_alive_initial_delay, None).unwrap_or(Duration::ZERO))
            } else {
                None
            },
        };
        let doorbell = Arc::new(doorbell_fn(on_events)?);
        let shared = Arc::new(ServerShared::new(
            options,
            Box::new(TsfnDoorbell(doorbell.clone())),
        ));
        Ok(NativeServer {
            shared,
            doorbell,
            listener: None,
        })
    }

    #[napi(catch_unwind)]
    pub fn listen_tcp(
        &mut self,
        host: String,
        port: u32,
        backlog: Option<u32>,
        ipv6_only: bool,
        reuse_port: bool,
    ) -> ListenResult {
        let bound = listener::bind_tcp(&TcpBind {
            host: &host,
            port: port as u16,
            backlog: backlog.unwrap_or(DEFAULT_BACKLOG),
            ipv6_only,
            reuse_port,
        });
        self.start(bound, true)
    }

    /// `pad_abstract`: the running libuv pads abstract names (before 1.48).
    #[napi(catch_unwind)]
    pub fn listen_unix(
        &mut self,
        path: String,
        backlog: Option<u32>,
        pad_abstract: bool,
    ) -> ListenResult {
        let backlog = backlog.unwrap_or(DEFAULT_BACKLOG);
        self.start(listener::bind_unix(&path, backlog, pad_abstract), true)
    }

    #[napi(catch_unwind)]
    pub fn listen_fd(&mut self, fd: i32, backlog: Option<u32>) -> ListenResult {
        // A duplicate of the caller's socket: it stays the caller's too.
        self.start(
            listener::from_fd(fd, backlog.unwrap_or(DEFAULT_BACKLOG)),
            false,
        )
    }

    fn start(&mut self, bound: std::io::Result<Listener>, owned: bool) -> ListenResult {
        match bound {
            Ok(l) => {
                let handle = l.spawn(self.shared.clone(), owned);
                let local = handle.local.clone();
                self.listener = Some(handle);
                ListenResult {
                    errno: 0,
                    address: local.address,
                    family: local.family.to_string(),
                    port: local.port as u32,
                }
            }
            Err(e) => ListenResult {
                errno: e.raw_os_error().unwrap_or(22),
                address: String::new(),
                family: String::new(),
                port: 0,
            },
        }
    }

    /// A connection parsed from bytes JS feeds in (`connFeed`), for a
    /// socket handed over with `server.emit('connection', socket)`.
    #[napi(catch_unwind)]
    pub fn adopt(&self) -> u32 {
        let conn = Conn::new(self.shared.clone(), Stream::Fed(FedInput::default()));
        let id = conn.id;
        conn::start(conn, conn::Mode::Fed);
        id
    }

    /// A connection libuv accepted (a cluster worker's, or one of a core
    /// handle given to `listen(handle)`), served natively from a duplicate
    /// of its descriptor: its id, or -errno. JS closes the libuv handle and
    /// announces the connection itself, in the callback core would.
    #[napi(catch_unwind)]
    pub fn adopt_accepted(&self, fd: i32) -> i64 {
        match Stream::from_accepted_fd(fd) {
            Ok(stream) => {
                let conn = Conn::new(self.shared.clone(), stream);
                let id = conn.id;
                conn::start_adopted(conn);
                id as i64
            }
            Err(e) => -(e.raw_os_error().unwrap_or(libc::EINVAL) as i64),
        }
    }

    /// Stop accepting; open connections are left to JS to close.
    #[napi(catch_unwind)]
    pub fn close(&mut self) {
        if let Some(l) = self.listener.take() {
            l.stop();
        }
    }

    /// Whether this server keeps the event loop alive.
    #[napi(catch_unwind)]
    pub fn set_ref(&self, env: Env, on: bool) -> Result<()> {
        set_ref(&env, &self.doorbell, on)
    }

    /// Every waiting event as a flat array: `[kind, conn, ...fields]…`
    /// (layouts in `lib/native.js`).
    #[napi(catch_unwind)]
    pub fn drain(&self, env: Env) -> Result<RawValue> {
        drain_events(&env, &self.shared)
    }

    /// Ring for the events JS left to the next turn (see
    /// `EventQueue::ring_if_pending`); `always`: JS holds events of its
    /// own for the next turn too.
    #[napi(catch_unwind)]
    pub fn ring(&self, always: Option<bool>) {
        if always == Some(true) {
            self.shared.events.ring();
        } else {
            self.shared.events.ring_if_pending();
        }
    }
}

/// Take every queued event of `shared` as one flat JS array.
pub fn drain_events(env: &Env, shared: &ServerShared) -> Result<RawValue> {
    super::js_load::on_drain();
    raw::exclusive(|| {
        shared_ints::with(|ints| {
            // Taken here: a drain that cannot run leaves the events queued.
            let batch = shared.events.drain();
            let mut out = EventOut::new(env.raw(), ints)?;
            for event in batch {
                write_event(&mut out, event)?;
            }
            Ok(out.finish())
        })?
    })
}

/// The largest body Buffer handed to JS.
const JS_BODY_CHUNK: usize = 64 * 1024;

fn write_event(out: &mut EventOut<'_>, event: ServerEvent) -> Result<()> {
    use crate::server::events::*;
    let conn = event.conn();
    let consumed = event.inflight_cost();
    let ended = consumed > 0 && registry::get(conn).is_some_and(|c| c.consumed(consumed));
    match event {
        ServerEvent::Connection { .. } => {
            out.record(EV_CONNECTION, conn)?;
        }
        ServerEvent::Request { head, flags, .. } => {
            out.record(EV_REQUEST, conn)?;
            out.push_latin1(&head)?;
            out.push_u32(flags)?;
        }
        ServerEvent::Body { data, gated, .. } => {
            // One record per 64 KiB, core's largest 'data' chunk (one libuv
            // read). A JS Buffer past glibc's mmap threshold (128 KiB) is
            // mapped, faulted in and unmapped each time. The last one
            // carries the gate.
            let pieces = data.len().div_ceil(JS_BODY_CHUNK);
            for (i, piece) in data.chunks(JS_BODY_CHUNK).enumerate() {
                out.record(
                    if gated && i + 1 == pieces {
                        EV_BODY_GATED
                    } else {
                        EV_BODY
                    },
                    conn,
                )?;
                out.push_buffer(piece)?;
            }
        }
        ServerEvent::BodyEnd { trailers, .. } => {
            out.record(EV_BODY_END, conn)?;
            match trailers {
                Some(t) => out.push_latin1(&t)?,
                None => out.push_null()?,
            }
        }
        ServerEvent::ParseError {
            code,
            reason,
            bytes_parsed,
            raw,
            ..
        } => {
            out.record(EV_PARSE_ERROR, conn)?;
            out.push_latin1(code.as_bytes())?;
            out.push_latin1(reason.as_bytes())?;
            out.push_u32(bytes_parsed)?;
            match raw {
                Some(raw) => out.push_buffer(&raw)?,
                None => out.push_null()?,
            }
        }
        ServerEvent::RequestTimeout { .. } => {
            out.record(EV_REQUEST_TIMEOUT, conn)?;
        }
        ServerEvent::Timeout { .. } => {
            out.record(EV_TIMEOUT, conn)?;
        }
        ServerEvent::Drain { .. } => {
            out.record(EV_DRAIN, conn)?;
        }
        ServerEvent::End { fin_read, .. } => {
            out.record(if fin_read { EV_FIN_READ } else { EV_END }, conn)?;
        }
        ServerEvent::Close {
            errno,
            syscall,
            bytes_read,
            ..
        } => {
            registry::forget_reset(conn);
            out.record(EV_CLOSE, conn)?;
            out.push_i32(errno)?;
            out.push_latin1(syscall.as_bytes())?;
            out.push_f64(bytes_read as f64)?;
        }
        ServerEvent::Data { data, .. } => {
            out.record(EV_DATA, conn)?;
            out.push_buffer(&data)?;
        }
        ServerEvent::Connect { .. } => {
            out.record(EV_CONNECT, conn)?;
        }
        ServerEvent::HandedOver { fd, .. } => {
            use std::os::fd::{AsRawFd, IntoRawFd};
            out.record(EV_HANDED_OVER, conn)?;
            // On an error the descriptor is dropped, so closed.
            out.push_i32(fd.as_ref().map_or(-1, |fd| fd.as_raw_fd()))?;
            let _ = fd.map(IntoRawFd::into_raw_fd);
        }
    }
    if ended {
        out.record(EV_END, conn)?;
    }
    Ok(())
}

// ---- per-connection commands: free functions keyed by id (no unwrap cost) ----

/// Bytes from a fed connection's JS socket; false: pause that socket until
/// a drain event for this connection.
#[napi(catch_unwind)]
pub fn conn_feed(conn: u32, data: BufferSlice<'_>) -> bool {
    match registry::get(conn) {
        Some(c) => match &c.stream {
            Stream::Fed(fed) => fed.push(&data),
            _ => true,
        },
        None => true,
    }
}

/// The fed connection's JS socket ended (EOF).
#[napi(catch_unwind)]
pub fn conn_feed_end(conn: u32) {
    if let Some(c) = registry::get(conn) {
        if let Stream::Fed(fed) = &c.stream {
            fed.end();
        }
    }
}

/// `connHoldForFin(conn, on)`: see `Conn::hold_for_fin`.
#[napi(catch_unwind)]
pub fn conn_hold_for_fin(conn: u32, on: bool) {
    if let Some(c) = registry::get(conn) {
        c.hold_for_fin(on);
    }
}

#[napi(catch_unwind)]
pub fn conn_end(conn: u32) {
    if let Some(c) = registry::get(conn) {
        c.end();
    }
}

/// `socket.resetAndDestroy()`; false if the stream is not TCP (or gone).
#[napi(catch_unwind)]
pub fn conn_reset_and_destroy(conn: u32) -> bool {
    registry::get(conn).is_some_and(|c| c.reset_and_destroy())
}

#[napi(catch_unwind)]
pub fn conn_destroy(conn: u32) {
    match registry::get(conn) {
        Some(c) => c.destroy(),
        // Still connecting: drop it when it connects.
        None => {
            crate::client::connect::cancel(conn);
        }
    }
}

/// Hold this connection's writes until `conn_uncork` (pipelined responses).
#[napi(catch_unwind)]
pub fn conn_cork(conn: u32) {
    if let Some(c) = registry::get(conn) {
        c.cork();
    }
}

#[napi(catch_unwind)]
pub fn conn_uncork(conn: u32) {
    if let Some(c) = registry::get(conn) {
        c.uncork(super::js_load::write_behind_active());
    }
}

/// `why` is a bit of `conn::PAUSE_*`.
#[napi(catch_unwind)]
pub fn conn_pause(conn: u32, why: u32) {
    if let Some(c) = registry::get(conn) {
        c.pause(why as u8);
    }
}

#[napi(catch_unwind)]
pub fn conn_resume(conn: u32, why: u32) {
    if let Some(c) = registry::get(conn) {
        c.resume(why as u8);
    }
}

/// JS holds back `bytes` of body it drained (see `Conn::hold`).
#[napi(catch_unwind)]
pub fn conn_hold(conn: u32, bytes: u32) {
    if let Some(c) = registry::get(conn) {
        c.hold(bytes as usize);
    }
}

/// JS handed on or dropped `bytes` of body it held.
#[napi(catch_unwind)]
pub fn conn_release_held(conn: u32, bytes: u32) {
    if let Some(c) = registry::get(conn) {
        c.release_held(bytes as usize);
    }
}

#[napi(catch_unwind)]
pub fn conn_set_timeout(conn: u32, ms: u32) {
    if let Some(c) = registry::get(conn) {
        c.set_idle_timeout(ms);
    }
}

/// Whether the idle timeout that fired is still current (see `Conn::idle_fired`).
#[napi(catch_unwind)]
pub fn conn_idle_fired(conn: u32) -> bool {
    registry::get(conn).is_some_and(|c| c.idle_fired())
}

#[napi(catch_unwind)]
pub fn conn_set_no_delay(conn: u32, on: bool) {
    if let Some(c) = registry::get(conn) {
        let _ = c.stream.set_no_delay(on);
    }
}

#[napi(catch_unwind)]
pub fn conn_set_keep_alive(conn: u32, on: bool, delay_ms: u32) {
    if let Some(c) = registry::get(conn) {
        let _ = c
            .stream
            .set_keep_alive(on, Duration::from_millis(delay_ms as u64));
    }
}

/// After an upgrade head: hand the connection over as raw bytes (returning
/// the bytes read past the head) or keep parsing HTTP.
#[napi(catch_unwind)]
pub fn conn_decide_upgrade(env: Env, conn: u32, raw: bool) -> Result<Option<RawValue>> {
    let Some(head) = registry::get(conn).and_then(|c| c.decide_upgrade(raw)) else {
        return Ok(None);
    };
    buffer_copy(env.raw(), &head).map(Some)
}

/// After an upgrade head: JS takes the socket over as a libuv handle, as
/// core's upgraded socket is one. `[head, fd]` (the bytes read past the head
/// and a descriptor JS now owns), or `null` when Rust cannot let go of it
/// (see `Conn::hand_over`) and JS decides `raw` instead.
#[napi(catch_unwind)]
pub fn conn_hand_over(env: Env, conn: u32) -> Result<Option<RawValue>> {
    use std::os::fd::{AsRawFd, IntoRawFd};
    let Some((head, fd)) = registry::get(conn).and_then(|c| c.hand_over()) else {
        return Ok(None);
    };
    // On an error `fd` is dropped, so closed: JS never saw it.
    let mut pair = ArrayBuilder::new(env.raw(), 2)?;
    pair.push_buffer(&head)?;
    pair.push_i32(fd.as_raw_fd())?;
    let _ = fd.into_raw_fd();
    Ok(Some(pair.finish()))
}

/// JS adopted (or closed) the descriptor of a connection handed over: Rust
/// forgets it, and closes its own descriptor once its task is gone.
#[napi(catch_unwind)]
pub fn conn_release(conn: u32) {
    registry::remove(conn);
}

/// A client connection upgraded: ask for its descriptor (see
/// `Conn::request_hand_over`); an `EV_HANDED_OVER` event answers if true.
#[napi(catch_unwind)]
pub fn conn_request_hand_over(conn: u32) -> bool {
    registry::get(conn).is_some_and(|c| c.request_hand_over())
}

/// A user callback threw while JS handled a request head (`kind` 0), a body
/// chunk (1) or a body's end (2): the connection's parser fails as llhttp's.
#[napi(catch_unwind)]
pub fn conn_callback_error(conn: u32, kind: u32) {
    if let (Some(c), Some(error)) = (registry::get(conn), CallbackError::from_js(kind)) {
        c.callback_failed(error);
    }
}

/// `[remoteAddress, remoteFamily, remotePort, localAddress, localFamily, localPort]`.
#[napi(catch_unwind)]
pub fn conn_addresses(conn: u32) -> Option<Vec<String>> {
    let c = registry::get(conn)?;
    let (peer, local) = (c.stream.peer(), c.stream.local());
    Some(vec![
        peer.address,
        peer.family.to_string(),
        peer.port.to_string(),
        local.address,
        local.family.to_string(),
        local.port.to_string(),
    ])
}

/// `[bytesRead, bytesWritten, bytesQueued]`.
#[napi(catch_unwind)]
pub fn conn_counters(conn: u32) -> Option<Vec<f64>> {
    use std::sync::atomic::Ordering;
    let c = registry::get(conn)?;
    Some(vec![
        c.bytes_read.load(Ordering::Relaxed) as f64,
        c.bytes_written.load(Ordering::Relaxed) as f64,
        c.queued_bytes() as f64,
    ])
}

/// Pause reasons, exported so JS and Rust agree on the bits.
#[napi]
pub const PAUSE_BODY: u32 = conn::PAUSE_BODY as u32;
#[napi]
pub const PAUSE_PIPELINE: u32 = conn::PAUSE_PIPELINE as u32;
#[napi]
pub const PAUSE_SOCKET: u32 = conn::PAUSE_SOCKET as u32;
#[napi]
pub const PAUSE_GATE: u32 = conn::PAUSE_GATE as u32;
