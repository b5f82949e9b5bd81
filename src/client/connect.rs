//! Opening client connections. JS names the connection (an id) at once and
//! hears `Connect` or `Close { syscall: "connect" }` later, as a
//! `net.Socket` hears 'connect' or 'error'.

use std::collections::HashSet;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use tokio::net::{TcpSocket, UnixStream};

use crate::bridge::lock;
use crate::runtime::runtime;
use crate::server::conn::{self, Conn, Mode};
use crate::server::registry;
use crate::server::stream::Stream;
use crate::server::{ServerEvent, ServerShared};

/// Connects in progress. JS may destroy a socket before it connects; the id
/// is then dropped here and the late connection closed unannounced.
static PENDING: Lazy<Mutex<HashSet<u32>>> = Lazy::new(|| Mutex::new(HashSet::new()));

pub enum Target {
    Tcp {
        addr: SocketAddr,
        /// Made (and bound) by `tcp_socket` on the calling thread.
        socket: TcpSocket,
        no_delay: bool,
    },
    Unix {
        path: String,
    },
}

/// Start connecting; returns the connection id JS will hear about.
pub fn connect(owner: Arc<ServerShared>, target: Target) -> u32 {
    let id = registry::next_id();
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

/// The socket a TCP connect starts from, bound to `local` if given. Made
/// at once, as net binds in `internalConnect`: a failed bind is a `bind`
/// error there and then, not a failed connect later.
pub fn tcp_socket(addr: SocketAddr, local: Option<SocketAddr>) -> io::Result<TcpSocket> {
    let socket = match addr.ip() {
        IpAddr::V4(_) => TcpSocket::new_v4()?,
        IpAddr::V6(_) => TcpSocket::new_v6()?,
    };
    if let Some(local) = local {
        // net binds with the target's family (`bind` or `bind6`): an
        // address of the other family does not parse, EINVAL.
        if local.is_ipv4() != addr.is_ipv4() {
            return Err(io::Error::from_raw_os_error(22));
        }
        socket.bind(local)?;
    }
    Ok(socket)
}

/// Forget a connect that JS gave up on. True if it was still pending.
pub fn cancel(id: u32) -> bool {
    lock(&PENDING).remove(&id)
}

async fn open(target: Target) -> io::Result<(Stream, bool)> {
    match target {
        Target::Tcp {
            addr,
            socket,
            no_delay,
        } => Ok((Stream::Tcp(socket.connect(addr).await?), no_delay)),
        Target::Unix { path } => Ok((Stream::Unix(UnixStream::connect(path).await?), false)),
    }
}
