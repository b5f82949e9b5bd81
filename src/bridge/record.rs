//! The one-string records a request or response head crosses the boundary
//! in: fields joined by NUL, which no valid field contains. In insecure mode
//! llhttp lets NUL into header values; then the record is written with
//! length prefixes instead (`len:field…`) and flagged, so a value can never
//! split into fields JS would take for header names.

/// Flag bit set when a record is length-prefixed (mirrored in `lib/common.js`).
pub const RECORD_LENGTH_PREFIXED: u32 = 1 << 11;

/// Join `fields` into one record; returns it and its flag bits.
pub fn join_fields<'a, I>(fields: I, capacity: usize) -> (Vec<u8>, u32)
where
    I: Iterator<Item = &'a [u8]> + Clone,
{
    let mut out = Vec::with_capacity(capacity);
    if fields.clone().any(|f| f.contains(&0)) {
        for field in fields {
            out.extend_from_slice(field.len().to_string().as_bytes());
            out.push(b':');
            out.extend_from_slice(field);
        }
        return (out, RECORD_LENGTH_PREFIXED);
    }
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(0);
        }
        out.extend_from_slice(field);
    }
    (out, 0)
}

/// A trailer section as one record. Trailers cross without a flags word,
/// so a length-prefixed record is marked by a leading NUL instead (a
/// NUL-joined one starts with a field name, never empty).
pub fn join_trailers(pairs: &[(bytes::Bytes, bytes::Bytes)]) -> Vec<u8> {
    let fields = pairs.iter().flat_map(|(n, v)| [&n[..], &v[..]]);
    let (text, flags) = join_fields(fields, 0);
    if flags & RECORD_LENGTH_PREFIXED == 0 {
        return text;
    }
    let mut marked = Vec::with_capacity(text.len() + 1);
    marked.push(0);
    marked.extend_from_slice(&text);
    marked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_joined_by_nul() {
        let fields: [&[u8]; 3] = [b"GET", b"/", b"Host"];
        assert_eq!(
            join_fields(fields.iter().copied(), 0),
            (b"GET\0/\0Host".to_vec(), 0)
        );
    }

    #[test]
    fn trailers_with_a_nul_are_marked_by_a_leading_nul() {
        let plain = [(
            bytes::Bytes::from_static(b"X-T"),
            bytes::Bytes::from_static(b"v"),
        )];
        assert_eq!(join_trailers(&plain), b"X-T\0v".to_vec());
        let odd = [(
            bytes::Bytes::from_static(b"X-T"),
            bytes::Bytes::from_static(b"a\0b"),
        )];
        assert_eq!(join_trailers(&odd), b"\x003:X-T3:a\0b".to_vec());
    }

    #[test]
    fn a_nul_inside_a_field_switches_to_length_prefixes() {
        let fields: [&[u8]; 2] = [b"X-A", b"a\0b"];
        assert_eq!(
            join_fields(fields.iter().copied(), 0),
            (b"3:X-A3:a\0b".to_vec(), RECORD_LENGTH_PREFIXED)
        );
    }
}
