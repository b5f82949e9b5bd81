//! A Unix socket's address as the running Node's libuv spells it, so our
//! listeners and Node's clients (and the other way round) meet. For a path
//! the length does not matter (the kernel stops at the NUL). For an
//! abstract name (leading NUL) it does: every byte the length covers is
//! part of the name. libuv before 1.48 (Node 20) binds and connects with
//! the whole `sun_path`, the name padded with NULs; 1.48 (libuv PR 4266)
//! covers the name's bytes only.

use std::io;

use socket2::{SockAddr, SockAddrStorage};

/// `name`'s socket address; `pad_abstract`: libuv pads abstract names.
pub fn pipe_addr(name: &str, pad_abstract: bool) -> io::Result<SockAddr> {
    let bytes = name.as_bytes();
    if bytes.first() != Some(&0) || !pad_abstract {
        return SockAddr::unix(name);
    }
    let mut storage = SockAddrStorage::zeroed();
    // SAFETY: the storage is zeroed and large enough for a `sockaddr_un`.
    let un = unsafe { storage.view_as::<libc::sockaddr_un>() };
    if bytes.len() > un.sun_path.len() {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    un.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (to, from) in un.sun_path.iter_mut().zip(bytes) {
        *to = *from as libc::c_char;
    }
    let len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: a `sockaddr_un` of family AF_UNIX, `len` its full size.
    Ok(unsafe { SockAddr::new(storage, len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_the_same_either_way() {
        let a = pipe_addr("/tmp/x.sock", true).unwrap();
        let b = pipe_addr("/tmp/x.sock", false).unwrap();
        assert_eq!(a.len(), b.len());
        assert_eq!(a.as_pathname(), b.as_pathname());
    }

    #[test]
    fn an_abstract_name_is_padded_only_when_asked() {
        let padded = pipe_addr("\0abc", true).unwrap();
        let exact = pipe_addr("\0abc", false).unwrap();
        let sun_path = std::mem::size_of::<libc::sockaddr_un>();
        assert_eq!(padded.len() as usize, sun_path);
        assert_eq!(
            exact.len() as usize,
            std::mem::offset_of!(libc::sockaddr_un, sun_path) + 4
        );
        let mut long = String::from("\0");
        long.push_str(&"x".repeat(108));
        assert!(pipe_addr(&long, true).is_err());
    }
}
