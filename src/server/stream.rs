//! One type over the stream kinds a server accepts (TCP and Unix sockets),
//! with the `&self` readiness API both connection tasks and the JS thread use.

use std::io::{self, IoSlice};
use std::net::{Shutdown, SocketAddr};

use bytes::BytesMut;
use tokio::io::Interest;
use tokio::net::{TcpStream, UnixStream};

use super::fed::FedInput;

pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    /// Bytes fed from a JS socket (`server.emit('connection', socket)`).
    Fed(FedInput),
}

/// An endpoint as Node reports it: address text, family, port.
#[derive(Clone, Debug, Default)]
pub struct Endpoint {
    pub address: String,
    pub family: &'static str,
    pub port: u16,
}

impl Endpoint {
    pub fn from_socket_addr(addr: SocketAddr) -> Self {
        // Node reports IPv4-mapped peers of a dual-stack listener as
        // `::ffff:a.b.c.d` with family IPv6, which is what the address says.
        Endpoint {
            address: addr.ip().to_string(),
            family: if addr.is_ipv4() { "IPv4" } else { "IPv6" },
            port: addr.port(),
        }
    }
}

/// A non-blocking duplicate of socket descriptor `fd`, which stays the
/// caller's to close.
pub fn duplicate_socket(fd: std::os::fd::RawFd) -> io::Result<socket2::Socket> {
    // SAFETY: the caller hands us an open descriptor; it is only borrowed
    // long enough to duplicate it.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let socket = socket2::Socket::from(borrowed.try_clone_to_owned()?);
    socket.set_nonblocking(true)?;
    Ok(socket)
}

impl Stream {
    /// A stream on a duplicate of `fd`, a connected socket someone else
    /// accepted (libuv, for cluster or `listen(handle)`); the caller keeps
    /// and closes its own descriptor.
    pub fn from_accepted_fd(fd: std::os::fd::RawFd) -> io::Result<Stream> {
        let socket = duplicate_socket(fd)?;
        let _enter = crate::runtime::runtime().enter();
        match socket.domain()? {
            socket2::Domain::UNIX => Ok(Stream::Unix(UnixStream::from_std(socket.into())?)),
            socket2::Domain::IPV4 | socket2::Domain::IPV6 => {
                Ok(Stream::Tcp(TcpStream::from_std(socket.into())?))
            }
            _ => Err(io::Error::from_raw_os_error(libc::ENOTSOCK)),
        }
    }

    /// Waits until a read can be tried; true when the socket's error flag
    /// (a reset) was raised with it, which is libuv's POLLHUP here.
    pub async fn read_ready(&self) -> io::Result<bool> {
        let interest = Interest::READABLE | Interest::ERROR;
        match self {
            Stream::Tcp(s) => s.ready(interest).await.map(|r| r.is_error()),
            Stream::Unix(s) => s.ready(interest).await.map(|r| r.is_error()),
            Stream::Fed(f) => f.readable().await.map(|()| false),
        }
    }

    pub async fn writable(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.writable().await,
            Stream::Unix(s) => s.writable().await,
            // Responses go out through the JS socket; nothing is queued here.
            Stream::Fed(_) => std::future::pending().await,
        }
    }

    /// Read into `buf`'s spare capacity. A read that leaves room drained the
    /// socket, and epoll is edge-triggered: the readiness is cleared then, as
    /// tokio's own `poll_read` does, instead of finding out with one more
    /// `recv` that returns EAGAIN (one syscall per request saved).
    pub fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => read_draining(buf, |f| s.try_io(Interest::READABLE, f), s),
            Stream::Unix(s) => read_draining(buf, |f| s.try_io(Interest::READABLE, f), s),
            Stream::Fed(f) => f.try_read_buf(buf),
        }
    }

    /// The socket's pending error (a reset), taken: the kernel clears it, and
    /// the next read is the end of the stream.
    pub fn take_error(&self) -> Option<io::Error> {
        match self {
            Stream::Tcp(s) => s.take_error().ok().flatten(),
            Stream::Unix(s) => s.take_error().ok().flatten(),
            Stream::Fed(_) => None,
        }
    }

    /// A duplicate of the socket's descriptor (close-on-exec), for a libuv
    /// handle to own; `None` for a fed stream or when `dup` fails.
    pub fn dup_fd(&self) -> Option<std::os::fd::OwnedFd> {
        use std::os::fd::AsFd;
        let fd = match self {
            Stream::Tcp(s) => s.as_fd(),
            Stream::Unix(s) => s.as_fd(),
            Stream::Fed(_) => return None,
        };
        fd.try_clone_to_owned().ok()
    }

    /// Up to `max` bytes the kernel already holds, read past the reactor
    /// and without waiting (empty when none, or on any error: only bytes
    /// FIONREAD counted are asked for, so a pending error stays pending).
    pub fn read_waiting(&self, max: usize) -> Vec<u8> {
        use std::os::fd::AsRawFd;
        let fd = match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
            Stream::Fed(_) => return Vec::new(),
        };
        let want = self.unread_bytes().min(max);
        let mut buf = vec![0u8; want];
        if want == 0 {
            return buf;
        }
        // SAFETY: `buf` has `want` writable bytes; `fd` is open while `self` lives.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), want, libc::MSG_DONTWAIT) };
        buf.truncate(n.max(0) as usize);
        buf
    }

    /// Bytes the kernel holds for the next read (FIONREAD); 0 on error.
    pub fn unread_bytes(&self) -> usize {
        use std::os::fd::AsRawFd;
        let fd = match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
            Stream::Fed(_) => return 0,
        };
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one c_int; `fd` is open while `self` lives.
        let rc = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
        if rc == 0 {
            n.max(0) as usize
        } else {
            0
        }
    }

    pub fn try_write(&self, data: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_write(data),
            Stream::Unix(s) => s.try_write(data),
            Stream::Fed(_) => Err(io::ErrorKind::Unsupported.into()),
        }
    }

    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_write_vectored(bufs),
            Stream::Unix(s) => s.try_write_vectored(bufs),
            Stream::Fed(_) => Err(io::ErrorKind::Unsupported.into()),
        }
    }

    /// One `sendmsg`, past the reactor's readiness (for a socket no task
    /// watches any more).
    pub fn send_now(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => socket2::SockRef::from(s).send_vectored(bufs),
            Stream::Unix(s) => socket2::SockRef::from(s).send_vectored(bufs),
            Stream::Fed(_) => Err(io::ErrorKind::Unsupported.into()),
        }
    }

    /// `send_now` for bytes a FIN follows at once: TCP holds them
    /// (`MSG_MORE`) for the shutdown's segment. Other streams write as
    /// `try_write_vectored`.
    pub fn send_more(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => socket2::SockRef::from(s)
                .send_vectored_with_flags(bufs, libc::MSG_MORE | libc::MSG_NOSIGNAL),
            _ => self.try_write_vectored(bufs),
        }
    }

    /// Half-close the write side (FIN) once everything queued has gone out.
    pub fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => socket2::SockRef::from(s).shutdown(Shutdown::Write),
            Stream::Unix(s) => socket2::SockRef::from(s).shutdown(Shutdown::Write),
            Stream::Fed(_) => Ok(()),
        }
    }

    pub fn set_no_delay(&self, on: bool) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_nodelay(on),
            Stream::Unix(_) | Stream::Fed(_) => Ok(()),
        }
    }

    pub fn set_keep_alive(&self, on: bool, delay: std::time::Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => {
                let sock = socket2::SockRef::from(s);
                if on {
                    let ka = socket2::TcpKeepalive::new()
                        .with_time(delay.max(std::time::Duration::from_secs(1)));
                    sock.set_tcp_keepalive(&ka)
                } else {
                    sock.set_keepalive(false)
                }
            }
            Stream::Unix(_) | Stream::Fed(_) => Ok(()),
        }
    }

    pub fn peer(&self) -> Endpoint {
        match self {
            Stream::Tcp(s) => s
                .peer_addr()
                .map(Endpoint::from_socket_addr)
                .unwrap_or_default(),
            Stream::Unix(_) | Stream::Fed(_) => Endpoint::default(),
        }
    }

    pub fn local(&self) -> Endpoint {
        match self {
            Stream::Tcp(s) => s
                .local_addr()
                .map(Endpoint::from_socket_addr)
                .unwrap_or_default(),
            Stream::Unix(_) | Stream::Fed(_) => Endpoint::default(),
        }
    }
}

/// `try_io` around one `recv`: a short read reports WouldBlock to `try_io`
/// (which clears the readiness it saw, not a newer one) and its bytes to the
/// caller.
fn read_draining<'s, S>(
    buf: &mut BytesMut,
    try_io: impl FnOnce(&mut dyn FnMut() -> io::Result<usize>) -> io::Result<usize>,
    sock: &'s S,
) -> io::Result<usize>
where
    socket2::SockRef<'s>: From<&'s S>,
{
    let mut got = 0;
    let result = try_io(&mut || {
        let spare = buf.spare_capacity_mut();
        let room = spare.len();
        let n = socket2::SockRef::from(sock).recv(spare)?;
        // SAFETY: `recv` initialised the first `n` bytes of the spare capacity.
        unsafe { buf.set_len(buf.len() + n) };
        got = n;
        if n > 0 && n < room {
            Err(io::ErrorKind::WouldBlock.into())
        } else {
            Ok(n)
        }
    });
    match result {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock && got > 0 => Ok(got),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;

    #[test]
    fn an_accepted_descriptor_is_served_from_a_duplicate() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let stream = Stream::from_accepted_fd(accepted.as_raw_fd()).unwrap();
        assert!(matches!(stream, Stream::Tcp(_)));
        // The caller closes its own descriptor; the duplicate lives on.
        drop(accepted);
        crate::runtime::runtime().block_on(async {
            peer.write_all(b"ping").unwrap();
            let mut buf = BytesMut::with_capacity(16);
            loop {
                stream.read_ready().await.unwrap();
                match stream.try_read_buf(&mut buf) {
                    Ok(_) if buf.len() >= 4 => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!(&buf[..], b"ping");
        });
        drop(stream);
        let mut rest = Vec::new();
        assert_eq!(
            peer.read_to_end(&mut rest).unwrap(),
            0,
            "closed with the duplicate"
        );
    }

    #[test]
    fn a_descriptor_that_is_not_a_socket_is_refused() {
        let file = std::fs::File::open("/dev/null").unwrap();
        let err = Stream::from_accepted_fd(file.as_raw_fd()).err().unwrap();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTSOCK));
    }
}
