//! Byte classes, copied from llhttp's `constants.ts` as built for Node
//! (strict mode: `STRICT_URL_CHAR`, `STRICT_TOKEN`).
//!
//! Each class is a 256-entry lookup table so the hot loops (target, header
//! names and values) cost one load and one branch per byte.

pub(crate) type Table = [bool; 256];

const fn table(ranges: &[(u8, u8)], singles: &[u8]) -> Table {
    let mut t = [false; 256];
    let mut i = 0;
    while i < ranges.len() {
        let (lo, hi) = ranges[i];
        let mut b = lo as usize;
        while b <= hi as usize {
            t[b] = true;
            b += 1;
        }
        i += 1;
    }
    let mut j = 0;
    while j < singles.len() {
        t[singles[j] as usize] = true;
        j += 1;
    }
    t
}

const ALNUM: [(u8, u8); 3] = [(b'0', b'9'), (b'A', b'Z'), (b'a', b'z')];

/// RFC 9110 §5.6.2 `tchar` (llhttp `STRICT_TOKEN`): header names, chunk
/// extension names and unquoted values.
pub(crate) static TOKEN: Table = table(&ALNUM, b"!#$%&'*+-.^_`|~");

/// llhttp `STRICT_URL_CHAR`: bytes allowed in the path, query and fragment.
/// No controls, no space, no `#`/`?` (they switch component), no obs-text:
/// Node rejects raw bytes >= 0x80 in the target.
pub(crate) static URL_CHAR: Table = table(&ALNUM, b"!\"$%&'()*+,-./:;<=>@[\\]^_`{|}~");

/// llhttp `USERINFO_CHARS` plus `[` and `]`: the authority of an
/// absolute-form target and the whole CONNECT target.
pub(crate) static SERVER_CHAR: Table = table(&ALNUM, b"-_.!~*'()%;:&=+$,[]");

/// llhttp `HEADER_CHARS`: HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5
/// `field-vchar`), i.e. anything but controls and DEL.
pub(crate) static HEADER_CHAR: Table = table(&[(0x20, 0x7e), (0x80, 0xff)], b"\t");

/// llhttp `CONNECTION_TOKEN_CHARS`: `HEADER_CHARS` without the comma that
/// separates list members of `Connection` and `Transfer-Encoding`.
pub(crate) static LIST_CHAR: Table = table(&[(0x20, 0x2b), (0x2d, 0x7e), (0x80, 0xff)], b"\t");

/// RFC 9110 §5.6.4 `qdtext` (quoted chunk-extension values).
pub(crate) static QDTEXT: Table = table(&[(0x23, 0x5b), (0x5d, 0x7e), (0x80, 0xff)], b"\t !");

pub(crate) fn is_alpha(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

pub(crate) fn hex_value(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'a'..=b'f' => Some(u64::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u64::from(b - b'A' + 10)),
        _ => None,
    }
}

/// Index of the first byte at or after `from` that is not in `class`
/// (`buf.len()` if all are).
#[inline]
pub(crate) fn skip_class(buf: &[u8], from: usize, class: &Table) -> usize {
    let mut i = from;
    while let Some(&b) = buf.get(i) {
        if !class[usize::from(b)] {
            break;
        }
        i += 1;
    }
    i
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Whether some byte of `w` is below `n` (n <= 0x80): exact as to existence
/// (borrows only spill into bytes above one already found).
#[inline]
fn has_less(w: u64, n: u8) -> bool {
    (w.wrapping_sub(ONES.wrapping_mul(u64::from(n))) & !w & HIGHS) != 0
}

/// Whether some byte of `w` equals `b`.
#[inline]
fn has_byte(w: u64, b: u8) -> bool {
    has_less(w ^ ONES.wrapping_mul(u64::from(b)), 1)
}

/// Whether some byte of `w` is at least 0x7f.
#[inline]
fn has_del_or_high(w: u64) -> bool {
    ((w.wrapping_add(ONES) | w) & HIGHS) != 0
}

/// Skips whole 8-byte words none of whose bytes `stops` flags, then finishes
/// byte by byte with the table. The word test may flag bytes the table
/// accepts (HTAB, obs-text); the byte loop then decides.
#[inline]
fn skip_words(buf: &[u8], from: usize, class: &Table, stops: impl Fn(u64) -> bool) -> usize {
    let mut i = from;
    while let Some(word) = buf.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(word) else {
            break;
        };
        if stops(u64::from_ne_bytes(bytes)) {
            break;
        }
        i += 8;
    }
    skip_class(buf, i, class)
}

/// [`skip_class`] for [`HEADER_CHAR`], eight bytes at a time: header values
/// are the longest runs in a head.
#[inline]
pub(crate) fn skip_header_chars(buf: &[u8], from: usize) -> usize {
    skip_words(buf, from, &HEADER_CHAR, |w| {
        has_less(w, 0x20) || has_byte(w, 0x7f)
    })
}

/// [`skip_class`] for [`URL_CHAR`], eight bytes at a time.
#[inline]
pub(crate) fn skip_url_chars(buf: &[u8], from: usize) -> usize {
    skip_words(buf, from, &URL_CHAR, |w| {
        has_less(w, 0x21) || has_byte(w, b'#') || has_byte(w, b'?') || has_del_or_high(w)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(t: &Table) -> Vec<u8> {
        (0..=255u8).filter(|&b| t[usize::from(b)]).collect()
    }

    #[test]
    fn token_has_the_78_tchars_and_no_space() {
        assert_eq!(members(&TOKEN).len(), 62 + 15);
        assert!(!TOKEN[usize::from(b' ')]);
        assert!(!TOKEN[usize::from(b':')]);
    }

    #[test]
    fn header_char_excludes_controls_and_del_but_keeps_tab_and_obs_text() {
        assert!(HEADER_CHAR[0x09]);
        assert!(!HEADER_CHAR[0x00]);
        assert!(!HEADER_CHAR[0x0d]);
        assert!(!HEADER_CHAR[0x7f]);
        assert!(HEADER_CHAR[0x80] && HEADER_CHAR[0xff]);
        assert_eq!(members(&HEADER_CHAR).len(), 1 + 95 + 128);
    }

    #[test]
    fn list_char_is_header_char_without_comma() {
        for b in 0..=255u8 {
            let i = usize::from(b);
            assert_eq!(LIST_CHAR[i], HEADER_CHAR[i] && b != b',', "byte {b:#x}");
        }
    }

    #[test]
    fn url_char_rejects_obs_text_hash_question_and_space() {
        for b in [b' ', b'#', b'?', 0x7f, 0x80, 0xff, b'\t'] {
            assert!(!URL_CHAR[usize::from(b)], "byte {b:#x}");
        }
    }

    #[test]
    fn word_skips_agree_with_the_tables_for_every_byte_at_every_offset() {
        for b in 0..=255u8 {
            for at in 0..20 {
                let mut buf = vec![b'a'; 24];
                buf[at] = b;
                assert_eq!(
                    skip_header_chars(&buf, 0),
                    skip_class(&buf, 0, &HEADER_CHAR)
                );
                assert_eq!(skip_url_chars(&buf, 0), skip_class(&buf, 0, &URL_CHAR));
                assert_eq!(skip_url_chars(&buf, 3), skip_class(&buf, 3, &URL_CHAR));
            }
        }
    }

    #[test]
    fn skip_class_stops_at_first_non_member_or_end() {
        assert_eq!(skip_class(b"abc:d", 0, &TOKEN), 3);
        assert_eq!(skip_class(b"abc", 1, &TOKEN), 3);
        assert_eq!(skip_class(b"abc", 7, &TOKEN), 7);
    }
}
