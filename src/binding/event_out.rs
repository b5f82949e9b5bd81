//! How a drained batch of events reaches JS: numbers in the thread's shared
//! array (`shared_ints`), strings, Buffers and nulls in a JS array, and
//! `lib/native.js` (`unpackEvents`) merges the two into the flat
//! `[kind, conn, ...fields]` array the dispatchers read. A number made as a
//! JS value and set as an array element costs ~90 ns; written to the shared
//! array, a few.
//!
//! The shared array holds `[ints used, first raw value, ...records]`. When
//! it runs short, the rest of the batch goes into the values array whole,
//! numbers too, from index `first raw value` on (`NO_OVERFLOW` otherwise).

use napi::{sys, Result};

use super::batch::{ArrayBuilder, RawValue};

/// `[ints used, first raw value]`.
const HEADER: usize = 2;
/// No record went into the values array whole.
const NO_OVERFLOW: u32 = u32::MAX;
/// Ints a record may take: kind, connection and one numeric field.
const LARGEST_RECORD: usize = 3;

pub struct EventOut<'a> {
    ints: &'a mut [u32],
    len: usize,
    values: ArrayBuilder,
    /// Records go into the values array whole from here on.
    overflow: bool,
    first_raw: u32,
}

impl<'a> EventOut<'a> {
    /// `env` must be the env of the N-API call in progress (the JS thread).
    pub fn new(env: sys::napi_env, ints: &'a mut [u32]) -> Result<Self> {
        Ok(EventOut {
            ints,
            len: HEADER,
            values: ArrayBuilder::new(env, 0)?,
            overflow: false,
            first_raw: NO_OVERFLOW,
        })
    }

    /// Start a record: its kind and connection.
    pub fn record(&mut self, kind: u32, conn: u32) -> Result<()> {
        if !self.overflow && self.ints.len() - self.len < LARGEST_RECORD {
            self.overflow = true;
            self.first_raw = self.values.pushed();
        }
        self.push_u32(kind)?;
        self.push_u32(conn)
    }

    pub fn push_u32(&mut self, v: u32) -> Result<()> {
        if self.overflow {
            return self.values.push_u32(v);
        }
        self.ints[self.len] = v;
        self.len += 1;
        Ok(())
    }

    /// A signed number: in the shared array as its bits (JS reads `| 0`).
    pub fn push_i32(&mut self, v: i32) -> Result<()> {
        if self.overflow {
            return self.values.push_i32(v);
        }
        self.push_u32(v as u32)
    }

    /// Always a value: byte counts pass 2^32.
    pub fn push_f64(&mut self, v: f64) -> Result<()> {
        self.values.push_f64(v)
    }

    pub fn push_latin1(&mut self, bytes: &[u8]) -> Result<()> {
        self.values.push_latin1(bytes)
    }

    pub fn push_buffer(&mut self, bytes: &[u8]) -> Result<()> {
        self.values.push_buffer(bytes)
    }

    pub fn push_null(&mut self) -> Result<()> {
        self.values.push_null()
    }

    pub fn finish(self) -> RawValue {
        self.ints[0] = (self.len - HEADER) as u32;
        self.ints[1] = self.first_raw;
        self.values.finish()
    }
}
