//! Input builders shared by the request and response checklists.

use super::ParseOptions;

pub fn strict() -> ParseOptions {
    ParseOptions::default()
}

pub fn insecure() -> ParseOptions {
    ParseOptions {
        insecure: true,
        ..ParseOptions::default()
    }
}

pub fn max_header_size(n: usize) -> ParseOptions {
    ParseOptions {
        max_header_size: n,
        ..ParseOptions::default()
    }
}

pub fn rep(unit: &[u8], n: usize) -> Vec<u8> {
    unit.repeat(n)
}

pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}
