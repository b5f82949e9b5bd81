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
    fn a_nul_inside_a_field_switches_to_length_prefixes() {
        let fields: [&[u8]; 2] = [b"X-A", b"a\0b"];
        assert_eq!(
            join_fields(fields.iter().copied(), 0),
            (b"3:X-A3:a\0b".to_vec(), RECORD_LENGTH_PREFIXED)
        );
    }
}
