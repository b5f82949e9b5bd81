//! Binding and accepting. `bind_*` run synchronously on the JS thread, as
//! core's `listen()` does, so `server.address()` is valid on the next line;
//! the accept loop then runs on the runtime.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::RawFd;
use std::sync::Arc;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::Notify;

use super::conn::{self, Conn};
use super::stream::{Endpoint, Stream};
use super::ServerShared;
use crate::runtime::runtime;

pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// A running accept loop; dropping it does not stop the loop, `stop()` does.
pub struct ListenerHandle {
    stop: Arc<Notify>,
    pub local: Endpoint,
}

impl ListenerHandle {
    pub fn stop(&self) {
        self.stop.notify_one();
    }
}

pub struct TcpBind<'a> {
    pub host: &'a str,
    pub port: u16,
    pub backlog: u32,
    pub ipv6_only: bool,
    pub reuse_port: bool,
}

/// Bind and listen like libuv: SO_REUSEADDR, dual-stack `::` unless
/// `ipv6Only`, the given backlog.
pub fn bind_tcp(opts: &TcpBind<'_>) -> io::Result<Listener> {
    let ip: IpAddr = opts
        .host
        .parse()
        .map_err(|_| io::Error::from_raw_os_error(22 /* EINVAL */))?;
    let addr = SocketAddr::new(ip, opts.port);
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    if opts.reuse_port {
        socket.set_reuse_port(true)?;
    }
    if addr.is_ipv6() {
        socket.set_only_v6(opts.ipv6_only)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(backlog(opts.backlog))?;
    let _enter = runtime().enter();
    Ok(Listener::Tcp(TcpListener::from_std(socket.into())?))
}

pub fn bind_unix(path: &str, backlog_hint: u32) -> io::Result<Listener> {
    let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)?;
    socket.bind(&socket2::SockAddr::unix(path)?)?;
    socket.listen(backlog(backlog_hint))?;
    let _enter = runtime().enter();
    Ok(Listener::Unix(UnixListener::from_std(socket.into())?))
}

/// Listen on an inherited descriptor (`listen({ fd })`). The descriptor is
/// duplicated, so closing the server does not close the caller's fd.
pub fn from_fd(fd: RawFd, backlog_hint: u32) -> io::Result<Listener> {
    // SAFETY: the caller hands us an open socket descriptor; we only borrow it
    // long enough to duplicate it and never close the original.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let owned = borrowed.try_clone_to_owned()?;
    let socket = Socket::from(owned);
    socket.set_nonblocking(true)?;
    // Listening again on a listening socket only updates its backlog.
    socket.listen(backlog(backlog_hint))?;
    let _enter = runtime().enter();
    match socket.domain()? {
        Domain::UNIX => Ok(Listener::Unix(UnixListener::from_std(socket.into())?)),
        _ => Ok(Listener::Tcp(TcpListener::from_std(socket.into())?)),
    }
}

fn backlog(hint: u32) -> i32 {
    hint.clamp(1, i32::MAX as u32) as i32
}

impl Listener {
    pub fn local(&self) -> Endpoint {
        match self {
            Listener::Tcp(l) => l
                .local_addr()
                .map(Endpoint::from_socket_addr)
                .unwrap_or_default(),
            Listener::Unix(_) => Endpoint::default(),
        }
    }

    /// Start accepting; connections are served on the runtime.
    pub fn spawn(self, server: Arc<ServerShared>) -> ListenerHandle {
        let stop = Arc::new(Notify::new());
        let handle = ListenerHandle {
            stop: stop.clone(),
            local: self.local(),
        };
        runtime().spawn(async move {
            loop {
                server.events.wait_for_room().await;
                let accepted = tokio::select! {
                    biased;
                    _ = stop.notified() => break,
                    s = self.accept() => s,
                };
                match accepted {
                    Ok(stream) => {
                        conn::start(Conn::new(server.clone(), stream), conn::Mode::Accepted);
                    }
                    Err(e) if is_transient_accept_error(&e) => {
                        // EMFILE and friends: back off instead of spinning.
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                    Err(_) => {}
                }
            }
        });
        handle
    }

    async fn accept(&self) -> io::Result<Stream> {
        match self {
            Listener::Tcp(l) => l.accept().await.map(|(s, _)| Stream::Tcp(s)),
            Listener::Unix(l) => l.accept().await.map(|(s, _)| Stream::Unix(s)),
        }
    }
}

fn is_transient_accept_error(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(23 /* ENFILE */)
            | Some(24 /* EMFILE */)
            | Some(105 /* ENOBUFS */)
            | Some(12 /* ENOMEM */)
    )
}
