//! Binding and accepting. `bind_*` run synchronously on the JS thread, as
//! core's `listen()` does, so `server.address()` is valid on the next line;
//! the accept loop then runs on the runtime.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::RawFd;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::Notify;

use super::conn::{self, Conn};
use super::pipe_name::pipe_addr;
use super::stream::{duplicate_socket, Endpoint, Stream};
use super::ServerShared;
use crate::bridge::lock;
use crate::runtime::runtime;

pub enum Listener {
    Tcp(TcpListener),
    /// With the filesystem name it bound (none for an inherited descriptor
    /// or an abstract name): libuv removes that name when it closes the
    /// listener, so the path can be listened on again.
    Unix(UnixListener, Option<PathBuf>),
}

/// How `stop` takes the listening socket away from the kernel at once.
enum Release {
    /// `shutdown(SHUT_RD)`: the listener stops; accept then fails (EINVAL).
    Shutdown(RawFd),
    /// A Unix listener shut down stays readable (read closed) while accept
    /// says EAGAIN, and tokio's accept would spin on it. Instead an unbound
    /// socket takes its descriptor number (`dup3`): the listening socket is
    /// released as by libuv's close (its backlog reset, it leaves epoll),
    /// and accept on the stand-in fails (EINVAL). The name goes first.
    Replace(RawFd, Option<PathBuf>),
}

/// A running accept loop; dropping it does not stop the loop, `stop()` does.
pub struct ListenerHandle {
    stop: Arc<Notify>,
    /// The listening socket, until `stop` releases it or the accept loop
    /// ends (it empties this before it closes the descriptor, so `stop`
    /// never touches a descriptor number already reused).
    release: Arc<Mutex<Option<Release>>>,
    pub local: Endpoint,
}

impl ListenerHandle {
    /// Stops listening now, as libuv's close of the listening handle does:
    /// a connection attempted after this is refused (the kernel drops the
    /// listener and resets what waits in its backlog); the accept loop then
    /// ends and closes the descriptor. (A socket shared with an inherited
    /// descriptor keeps listening for its other holder.)
    pub fn stop(&self) {
        // Held while releasing: the loop cannot close the descriptor meanwhile.
        let mut slot = lock(&self.release);
        match slot.take() {
            // SAFETY (both arms): the slot still held it, so the loop has
            // not closed `fd`: it is still the listener's.
            Some(Release::Shutdown(fd)) => unsafe {
                libc::shutdown(fd, libc::SHUT_RD);
            },
            Some(Release::Replace(fd, name)) => {
                if let Some(name) = name {
                    let _ = std::fs::remove_file(name);
                }
                unsafe { replace_with_unbound_socket(fd) };
            }
            None => {}
        }
        drop(slot);
        self.stop.notify_one();
    }
}

/// Puts a fresh unbound Unix socket at descriptor `fd`, closing what was
/// there. Safety: `fd` must be an open descriptor this process owns.
unsafe fn replace_with_unbound_socket(fd: RawFd) {
    let flags = libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
    let stand_in = libc::socket(libc::AF_UNIX, flags, 0);
    if stand_in >= 0 {
        libc::dup3(stand_in, fd, libc::O_CLOEXEC);
        libc::close(stand_in);
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

/// `pad_abstract`: see [`pipe_addr`].
pub fn bind_unix(path: &str, backlog_hint: u32, pad_abstract: bool) -> io::Result<Listener> {
    let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)?;
    socket.bind(&pipe_addr(path, pad_abstract)?)?;
    socket.listen(backlog(backlog_hint))?;
    let _enter = runtime().enter();
    // An abstract name (leading NUL) has no file to remove.
    let name = (!path.starts_with('\0')).then(|| PathBuf::from(path));
    Ok(Listener::Unix(UnixListener::from_std(socket.into())?, name))
}

/// Listen on an inherited descriptor (`listen({ fd })`). The descriptor is
/// duplicated, so closing the server does not close the caller's fd.
pub fn from_fd(fd: RawFd, backlog_hint: u32) -> io::Result<Listener> {
    let socket = duplicate_socket(fd)?;
    // Listening again on a listening socket only updates its backlog.
    socket.listen(backlog(backlog_hint))?;
    let _enter = runtime().enter();
    match socket.domain()? {
        Domain::UNIX => Ok(Listener::Unix(UnixListener::from_std(socket.into())?, None)),
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
            Listener::Unix(..) => Endpoint::default(),
        }
    }

    /// Start accepting; connections are served on the runtime. `owned`:
    /// the listening socket is this listener's alone (not one shared with
    /// an inherited descriptor, which `stop` must leave listening: shutting
    /// it down would stop the other holder's listening too).
    pub fn spawn(self, server: Arc<ServerShared>, owned: bool) -> ListenerHandle {
        let stop = Arc::new(Notify::new());
        let release = owned.then(|| match &self {
            Listener::Tcp(_) => Release::Shutdown(self.raw_fd()),
            Listener::Unix(_, name) => Release::Replace(self.raw_fd(), name.clone()),
        });
        let release = Arc::new(Mutex::new(release));
        let handle = ListenerHandle {
            stop: stop.clone(),
            release: release.clone(),
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
                    // stop() released the listener; the notify may be on its way.
                    Err(e) if e.raw_os_error() == Some(libc::EINVAL) => break,
                    Err(_) => {}
                }
            }
            // Forget the descriptor before closing it (see `release`).
            let mut slot = lock(&release);
            slot.take();
            drop(self);
            drop(slot);
        });
        handle
    }

    fn raw_fd(&self) -> RawFd {
        use std::os::fd::AsRawFd;
        match self {
            Listener::Tcp(l) => l.as_raw_fd(),
            Listener::Unix(l, _) => l.as_raw_fd(),
        }
    }

    async fn accept(&self) -> io::Result<Stream> {
        match self {
            Listener::Tcp(l) => l.accept().await.map(|(s, _)| Stream::Tcp(s)),
            Listener::Unix(l, _) => l.accept().await.map(|(s, _)| Stream::Unix(s)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::Silent;
    use crate::server::options::ServerOptions;
    use std::time::{Duration, Instant};

    /// Long enough for the accept loop to be waiting in accept.
    const PARK: Duration = Duration::from_millis(50);

    fn shared() -> Arc<ServerShared> {
        Arc::new(ServerShared::new(
            ServerOptions::default(),
            Box::new(Silent),
        ))
    }

    /// Waits (bounded) until `server` has `count` references: this test's,
    /// the accept loop's while it runs, and each open connection's.
    fn references(server: &Arc<ServerShared>, count: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Arc::strong_count(server) != count {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }

    /// A socket path in the temp directory, nothing there yet.
    fn fresh_socket_path(tag: &str) -> std::path::PathBuf {
        let name = format!("rhttp-{tag}-{}.sock", std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_file(&path);
        path
    }

    fn bind_unix_at(path: &std::path::Path) -> Listener {
        let _guard = runtime().enter();
        bind_unix(path.to_str().unwrap(), 16, true).unwrap()
    }

    #[test]
    fn a_stopped_tcp_listener_refuses_at_once_and_its_loop_ends() {
        let listener = {
            let _guard = runtime().enter();
            bind_tcp(&TcpBind {
                host: "127.0.0.1",
                port: 0,
                backlog: 16,
                ipv6_only: false,
                reuse_port: false,
            })
            .unwrap()
        };
        let server = shared();
        let handle = listener.spawn(server.clone(), true);
        let addr =
            std::net::SocketAddr::new(handle.local.address.parse().unwrap(), handle.local.port);
        std::thread::sleep(PARK);
        handle.stop();
        // No wait: the listening socket is gone when stop() returns.
        let err = std::net::TcpStream::connect(addr).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        assert!(references(&server, 1));
    }

    #[test]
    fn a_stopped_unix_listener_loop_ends() {
        // The spin this guards against depends on timing: try a few times.
        for round in 0..10 {
            let path = fresh_socket_path(&format!("listener-{round}"));
            let listener = bind_unix_at(&path);
            let server = shared();
            let handle = listener.spawn(server.clone(), true);
            // An accepted connection first: the spin came after one.
            let _peer = std::os::unix::net::UnixStream::connect(&path).unwrap();
            assert!(references(&server, 3), "round {round}: accepted");
            std::thread::sleep(PARK);
            handle.stop();
            assert!(references(&server, 2), "round {round}: the loop ended");
            let _ = std::fs::remove_file(&path);
        }
    }

    #[test]
    fn a_stopped_unix_listener_removes_its_name_at_once() {
        let path = fresh_socket_path("unlink");
        let listener = bind_unix_at(&path);
        let server = shared();
        let handle = listener.spawn(server.clone(), true);
        std::thread::sleep(PARK);
        handle.stop();
        // No wait, as libuv's close: the name is gone, so the path can be
        // listened on again.
        let err = std::os::unix::net::UnixStream::connect(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let again = std::os::unix::net::UnixListener::bind(&path);
        assert!(again.is_ok(), "{again:?}");
        assert!(references(&server, 1));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn an_inherited_unix_listener_keeps_its_name() {
        let path = fresh_socket_path("inherit");
        let holder = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let listener = {
            use std::os::fd::AsRawFd;
            let _guard = runtime().enter();
            from_fd(holder.as_raw_fd(), 16).unwrap()
        };
        let handle = listener.spawn(shared(), false);
        handle.stop();
        assert!(path.exists());
        drop(holder);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn replacing_a_unix_listener_resets_its_backlog_and_fails_accept() {
        use std::io::Read;
        use std::os::fd::AsRawFd;
        let path = fresh_socket_path("replace");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let mut waiting = std::os::unix::net::UnixStream::connect(&path).unwrap();
        // SAFETY: `listener` owns this open descriptor.
        unsafe { replace_with_unbound_socket(listener.as_raw_fd()) };
        let mut byte = [0u8; 1];
        let read = waiting.read(&mut byte);
        assert!(
            matches!(&read, Ok(0))
                || matches!(&read, Err(e) if e.kind() == io::ErrorKind::ConnectionReset),
            "{read:?}"
        );
        let accept = listener.accept().unwrap_err();
        assert_eq!(accept.raw_os_error(), Some(libc::EINVAL));
        let _ = std::fs::remove_file(&path);
    }
}
