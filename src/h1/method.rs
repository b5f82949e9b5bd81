//! Request methods: llhttp's method table and its prefix-trie matching.
//!
//! llhttp reads the method with a trie over *all* its methods (HTTP, RTSP,
//! ICE) before it knows the protocol, and only checks after `HTTP`/`RTSP`/
//! `ICE` that the method belongs to it (`Invalid method for HTTP/x.x
//! request`). The trie never backtracks: it fails at the first byte that no
//! method continues with, unless the bytes so far already spell a method, in
//! which case that method is taken and the byte is left for the next node
//! (`GETX /` fails with "Expected space after method", `GET_X /` with
//! "Invalid method encountered" at the `X`).

/// Which protocols accept a method (llhttp `METHODS_HTTP`, `METHODS_RTSP`,
/// `METHODS_ICECAST`).
const HTTP: u8 = 1;
const RTSP: u8 = 2;
const ICE: u8 = 4;

/// llhttp 9.3's `METHODS` in enum order, with the protocols allowing each.
static METHODS: [(&[u8], u8); 47] = [
    (b"DELETE", HTTP),
    (b"GET", HTTP | RTSP),
    (b"HEAD", HTTP),
    (b"POST", HTTP | RTSP),
    (b"PUT", HTTP),
    (b"CONNECT", HTTP),
    (b"OPTIONS", HTTP | RTSP),
    (b"TRACE", HTTP),
    (b"COPY", HTTP),
    (b"LOCK", HTTP),
    (b"MKCOL", HTTP),
    (b"MOVE", HTTP),
    (b"PROPFIND", HTTP),
    (b"PROPPATCH", HTTP),
    (b"SEARCH", HTTP),
    (b"UNLOCK", HTTP),
    (b"BIND", HTTP),
    (b"REBIND", HTTP),
    (b"UNBIND", HTTP),
    (b"ACL", HTTP),
    (b"REPORT", HTTP),
    (b"MKACTIVITY", HTTP),
    (b"CHECKOUT", HTTP),
    (b"MERGE", HTTP),
    (b"M-SEARCH", HTTP),
    (b"NOTIFY", HTTP),
    (b"SUBSCRIBE", HTTP),
    (b"UNSUBSCRIBE", HTTP),
    (b"PATCH", HTTP),
    (b"PURGE", HTTP),
    (b"MKCALENDAR", HTTP),
    (b"LINK", HTTP),
    (b"UNLINK", HTTP),
    (b"SOURCE", HTTP | ICE),
    (b"PRI", HTTP),
    (b"DESCRIBE", RTSP),
    (b"ANNOUNCE", RTSP),
    (b"SETUP", RTSP),
    (b"PLAY", RTSP),
    (b"PAUSE", RTSP),
    (b"TEARDOWN", RTSP),
    (b"GET_PARAMETER", RTSP),
    (b"SET_PARAMETER", RTSP),
    (b"REDIRECT", RTSP),
    (b"RECORD", RTSP),
    (b"FLUSH", RTSP),
    (b"QUERY", HTTP),
];

const CONNECT: usize = 5;
const PRI: usize = 34;

/// A method llhttp recognised (an index into its table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Method(usize);

impl Method {
    pub(crate) fn is_connect(self) -> bool {
        self.0 == CONNECT
    }

    pub(crate) fn is_pri(self) -> bool {
        self.0 == PRI
    }

    fn protocols(self) -> u8 {
        METHODS.get(self.0).map_or(0, |m| m.1)
    }

    pub(crate) fn allowed_with_http(self) -> bool {
        self.protocols() & HTTP != 0
    }

    pub(crate) fn allowed_with_rtsp(self) -> bool {
        self.protocols() & RTSP != 0
    }

    pub(crate) fn allowed_with_ice(self) -> bool {
        self.protocols() & ICE != 0
    }
}

/// Outcome of reading a method from the start of a slice.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum MethodMatch {
    /// A method spelled by the first `len` bytes; the byte after it (if any)
    /// is for the next node to judge.
    Found(Method, usize),
    /// No method starts with these bytes: llhttp fails at offset `at`.
    Invalid { at: usize },
    /// Every byte so far is a prefix of some method.
    Incomplete,
}

fn is_method_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b == b'_' || b == b'-'
}

fn lookup(name: &[u8]) -> Option<Method> {
    METHODS.iter().position(|m| m.0 == name).map(Method)
}

/// Reads a method the way llhttp's trie does.
pub(crate) fn match_method(buf: &[u8]) -> MethodMatch {
    // Fast path: a maximal run of method bytes that spells a method, followed
    // by some other byte. The trie walks exactly that method's path (every
    // method byte matches it) and stops at the first non-method byte.
    let run = buf.iter().position(|&b| !is_method_byte(b));
    if let Some(run) = run {
        if let Some(m) = buf.get(..run).and_then(lookup) {
            return MethodMatch::Found(m, run);
        }
    }
    trie_walk(buf)
}

/// The trie, emulated on the table: keep the methods that still match.
fn trie_walk(buf: &[u8]) -> MethodMatch {
    let mut alive = [true; METHODS.len()];
    for (k, &b) in buf.iter().enumerate() {
        let mut any = false;
        let mut complete = None;
        for (i, (name, _)) in METHODS.iter().enumerate() {
            if !alive[i] {
                continue;
            }
            if name.len() == k {
                complete = Some(i);
            }
            let keeps = name.get(k) == Some(&b);
            alive[i] = keeps;
            any |= keeps;
        }
        if !any {
            return match complete {
                Some(i) => MethodMatch::Found(Method(i), k),
                None => MethodMatch::Invalid { at: k },
            };
        }
    }
    MethodMatch::Incomplete
}

/// Whether `m` is one of Node's `http.METHODS`: the methods llhttp accepts on
/// an `HTTP/x.y` request line, less `PRI` (which only ever starts the HTTP/2
/// preface, answered with `HPE_PAUSED_H2_UPGRADE`).
pub fn is_known_method(m: &[u8]) -> bool {
    lookup(m).is_some_and(|m| m.allowed_with_http() && !m.is_pri())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_methods_are_exactly_node_http_methods() {
        // `node -p "require('http').METHODS.join(' ')"` on Node 20.20.
        let node = "ACL BIND CHECKOUT CONNECT COPY DELETE GET HEAD LINK LOCK M-SEARCH MERGE \
                    MKACTIVITY MKCALENDAR MKCOL MOVE NOTIFY OPTIONS PATCH POST PROPFIND \
                    PROPPATCH PURGE PUT QUERY REBIND REPORT SEARCH SOURCE SUBSCRIBE TRACE \
                    UNBIND UNLINK UNLOCK UNSUBSCRIBE";
        let mut ours: Vec<&str> = METHODS
            .iter()
            .filter(|m| is_known_method(m.0))
            .map(|m| std::str::from_utf8(m.0).unwrap_or(""))
            .collect();
        ours.sort_unstable();
        assert_eq!(ours.join(" "), node);
    }

    #[test]
    fn rtsp_and_pri_methods_are_not_known_http_methods() {
        assert!(!is_known_method(b"PRI"));
        assert!(!is_known_method(b"DESCRIBE"));
        assert!(!is_known_method(b"get"));
    }

    #[test]
    fn method_followed_by_other_byte_is_found() {
        assert_eq!(match_method(b"GET /"), MethodMatch::Found(Method(1), 3));
        assert_eq!(match_method(b"GETX"), MethodMatch::Found(Method(1), 3));
    }

    #[test]
    fn trie_fails_where_no_method_continues() {
        assert_eq!(match_method(b"GET_X"), MethodMatch::Invalid { at: 4 });
        assert_eq!(match_method(b"GXT"), MethodMatch::Invalid { at: 1 });
        assert_eq!(match_method(b"get"), MethodMatch::Invalid { at: 0 });
    }

    #[test]
    fn method_prefix_at_end_of_input_is_incomplete() {
        assert_eq!(match_method(b"GE"), MethodMatch::Incomplete);
        assert_eq!(match_method(b"GET"), MethodMatch::Incomplete);
        assert_eq!(match_method(b""), MethodMatch::Incomplete);
    }
}
