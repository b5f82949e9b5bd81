//! The `/x.y` after `HTTP` in a request or status line: llhttp's version
//! nodes, the same for both parsers.

use super::error::{ErrorKind, ParseError};

/// Where in `/x.y` the parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum VersionStep {
    Slash,
    Major,
    Dot,
    Minor,
}

/// What one byte of the version did.
pub(super) enum Version {
    Next(VersionStep),
    /// The minor digit was the byte: the version is complete.
    Done,
}

/// Takes byte `b` (at `p`) of the version, storing the digits. A version
/// other than 0.9, 1.0, 1.1 or 2.0 fails unless `lenient_version`.
pub(super) fn version_byte(
    step: VersionStep,
    b: u8,
    p: usize,
    major: &mut u8,
    minor: &mut u8,
    lenient_version: bool,
) -> Result<Version, ParseError> {
    let fail = |kind, at| Err(ParseError::new(kind, at));
    match step {
        VersionStep::Slash => match b {
            b'/' => Ok(Version::Next(VersionStep::Major)),
            _ => fail(ErrorKind::InvalidConstant, p),
        },
        VersionStep::Major => match b {
            b'0'..=b'9' => {
                *major = b - b'0';
                Ok(Version::Next(VersionStep::Dot))
            }
            _ => fail(ErrorKind::InvalidMajorVersion, p),
        },
        VersionStep::Dot => match b {
            b'.' => Ok(Version::Next(VersionStep::Minor)),
            _ => fail(ErrorKind::ExpectedDot, p),
        },
        VersionStep::Minor => match b {
            b'0'..=b'9' => {
                *minor = b - b'0';
                let known = matches!((*major, *minor), (0, 9) | (1, 0) | (1, 1) | (2, 0));
                if !known && !lenient_version {
                    return fail(ErrorKind::InvalidVersion, p + 1);
                }
                Ok(Version::Done)
            }
            _ => fail(ErrorKind::InvalidMinorVersion, p),
        },
    }
}
