//! Opening client connections. JS names the connection (an id) at once and
//! hears `Connect` or `Close { syscall: "connect" }` later, as a
//! `net.Socket` hears 'connect' or 'error'.

use std::collections::HashSet;
use std::io;
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpStream, UnixStream};

use crate::bridge::lock;
use crate::runtime::runtime;
use crate::server::conn::{self, Conn, Mode};
use crate::server::pipe_name::pipe_addr;
use crate::server::registry;
use crate::server::stream::Stream;
use crate::server::{ServerEvent, ServerShared};

/// Connects in progress. JS may destroy a socket before it connects; the id
/// is then dropped here and the late connection closed unannounced.
static PENDING: Lazy<Mutex<HashSet<u32>>> = Lazy::new(|| Mutex::new(HashSet::new()));

pub enum Target {
    /// Made by [`start_tcp`] on the calling thread.
    Tcp(StartedTcp),
    Unix {
        path: String,
        pad_abstract: bool,
    },
}

/// A TCP connect as net's `internalConnect` leaves it: the socket made,
/// bound and its non-blocking `connect()` issued.
pub struct StartedTcp {
    /// The connecting socket, or the connect's immediate error (reported
    /// later, as libuv delays even an immediate refusal).
    socket: io::Result<StdTcpStream>,
    /// Its local address, which the kernel chose at `connect()`: net's
    /// `localAddress` already has it while connecting.
    pub local: Option<SocketAddr>,
    pub no_delay: bool,
}

/// Start connecting; returns the connection id JS will hear about.
pub fn connect(owner: Arc<ServerShared>, target: Target) -> u32 {
    let id = registry::next_id();
    let target = match target {
        Target::Tcp(started) => match announce_if_connected(&owner, id, started) {
            None => return id,
            Some(started) => Target::Tcp(started),
        },
        unix => unix,
    };
    lock(&PENDING).insert(id);
    runtime().spawn(async move {
        let result = open(target).await;
        let wanted = lock(&PENDING).remove(&id);
        match result {
            Ok((stream, no_delay)) if wanted => {
                if matches!(stream, Stream::Tcp(_)) {
                    let _ = stream.set_no_delay(no_delay);
                }
                conn::start(Conn::with_id(owner, stream, id), Mode::Client);
            }
            Ok(_) => {}
            Err(e) if wanted => owner.events.push(ServerEvent::Close {
                conn: id,
                errno: e.raw_os_error().unwrap_or(0),
                syscall: "connect",
                bytes_read: 0,
            }),
            Err(_) => {}
        }
    });
    id
}

/// Starts a TCP connect to `addr` from `local` (if given) on the calling
/// thread, as net's `internalConnect` does: a failed bind is a `bind` error
/// there and then (the `Err` here), and the local address is known at once.
pub fn start_tcp(
    addr: SocketAddr,
    local: Option<SocketAddr>,
    no_delay: bool,
) -> io::Result<StartedTcp> {
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    )?;
    if let Some(local) = local {
        // net binds with the target's family (`bind` or `bind6`): an
        // address of the other family does not parse, EINVAL.
        if local.is_ipv4() != addr.is_ipv4() {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        socket.bind(&local.into())?;
    }
    let socket = match socket.connect(&addr.into()) {
        Ok(()) => Ok(socket),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(socket),
        Err(e) => Err(e),
    };
    let local = socket
        .as_ref()
        .ok()
        .and_then(|s| s.local_addr().ok())
        .and_then(|a| a.as_socket());
    Ok(StartedTcp {
        socket: socket.map(StdTcpStream::from),
        local,
        no_delay,
    })
}

/// A loopback connect is usually done within `connect()` (the handshake
/// runs in the call). libuv hears it in the next poll phase, which is this
/// turn's when JS connected from a timer or a tick; the io thread might
/// report it only after that poll phase, behind the turn's close phase. So
/// a connect already done is announced here, on the calling thread, which
/// rings for this turn's poll. Returns the connect if it is still going.
fn announce_if_connected(
    owner: &Arc<ServerShared>,
    id: u32,
    started: StartedTcp,
) -> Option<StartedTcp> {
    let done = matches!(&started.socket, Ok(s) if connected_now(s));
    if !done {
        return Some(started);
    }
    let Ok(socket) = started.socket else {
        return None;
    };
    let registered = {
        let _guard = runtime().enter();
        TcpStream::from_std(socket)
    };
    match registered {
        Ok(stream) => {
            let _ = stream.set_nodelay(started.no_delay);
            conn::start_connected(Conn::with_id(owner.clone(), Stream::Tcp(stream), id));
        }
        Err(e) => owner.events.push(ServerEvent::Close {
            conn: id,
            errno: e.raw_os_error().unwrap_or(0),
            syscall: "connect",
            bytes_read: 0,
        }),
    }
    None
}

/// Whether a non-blocking `connect()` has completed, successfully.
fn connected_now(socket: &StdTcpStream) -> bool {
    let mut pfd = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd, and a zero timeout.
    let ready = unsafe { libc::poll(&mut pfd, 1, 0) } == 1;
    ready
        && pfd.revents & (libc::POLLERR | libc::POLLHUP) == 0
        && pfd.revents & libc::POLLOUT != 0
        && matches!(socket.take_error(), Ok(None))
}

/// Forget a connect that JS gave up on. True if it was still pending.
pub fn cancel(id: u32) -> bool {
    lock(&PENDING).remove(&id)
}

async fn open(target: Target) -> io::Result<(Stream, bool)> {
    match target {
        Target::Tcp(started) => {
            // What tokio's own connect does after `connect()`: the socket
            // turns writable when the handshake is done or failed.
            let stream = TcpStream::from_std(started.socket?)?;
            stream.writable().await?;
            if let Some(e) = stream.take_error()? {
                return Err(e);
            }
            Ok((Stream::Tcp(stream), started.no_delay))
        }
        Target::Unix { path, pad_abstract } => Ok((
            Stream::Unix(connect_unix(&path, pad_abstract).await?),
            false,
        )),
    }
}

/// A Unix connect as libuv's: a non-blocking `connect()` to the address
/// libuv would use, waiting only while it is in progress.
async fn connect_unix(path: &str, pad_abstract: bool) -> io::Result<UnixStream> {
    let addr = pipe_addr(path, pad_abstract)?;
    let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)?;
    let in_progress = match socket.connect(&addr) {
        Ok(()) => false,
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => true,
        Err(e) => return Err(e),
    };
    let stream = UnixStream::from_std(socket.into())?;
    if in_progress {
        stream.writable().await?;
        if let Some(e) = stream.take_error()? {
            return Err(e);
        }
    }
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::Silent;
    use crate::server::conn::WriteStatus;
    use crate::server::options::ServerOptions;
    use crate::server::registry;
    use std::io::Read;

    #[test]
    fn a_loopback_connect_is_announced_in_the_call_and_takes_a_write_at_once() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let owner = Arc::new(ServerShared::new(
            ServerOptions::default(),
            Box::new(Silent),
        ));
        let started = start_tcp(listener.local_addr().unwrap(), None, true).unwrap();
        let id = connect(owner.clone(), Target::Tcp(started));
        // No wait: the handshake was done within connect().
        let events = owner.events.drain();
        assert!(
            matches!(events.first(), Some(ServerEvent::Connect { conn }) if *conn == id),
            "connect announced at once"
        );
        // The reactor has not polled the socket yet; the write goes out
        // from this thread all the same.
        let conn = registry::get(id).expect("registered");
        assert_eq!(conn.write(b"hello", false), WriteStatus::Flushed);
        let (mut peer, _) = listener.accept().unwrap();
        let mut got = [0u8; 5];
        peer.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"hello");
        conn.destroy();
    }
}
