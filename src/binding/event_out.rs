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

use std::ptr;

use napi::{check_status, sys, Result};

use super::batch::{buffer_copy, latin1, RawValue};
use super::raw;

/// `[ints used, first raw value]`.
const HEADER: usize = 2;
/// No record went into the values array whole.
const NO_OVERFLOW: u32 = u32::MAX;
/// Ints a record may take: kind, connection and one numeric field.
const LARGEST_RECORD: usize = 3;

pub struct EventOut<'a> {
    env: sys::napi_env,
    ints: &'a mut [u32],
    len: usize,
    values: sys::napi_value,
    n_values: u32,
    /// Records go into the values array whole from here on.
    overflow: bool,
    first_raw: u32,
}

impl<'a> EventOut<'a> {
    /// `env` must be the env of the N-API call in progress (the JS thread).
    #[allow(clippy::not_unsafe_ptr_arg_deref)]
    pub fn new(env: sys::napi_env, ints: &'a mut [u32]) -> Result<Self> {
        let mut values = ptr::null_mut();
        check_status!(unsafe { sys::napi_create_array(env, &mut values) })?;
        Ok(EventOut {
            env,
            ints,
            len: HEADER,
            values,
            n_values: 0,
            overflow: false,
            first_raw: NO_OVERFLOW,
        })
    }

    /// Start a record: its kind and connection.
    pub fn record(&mut self, kind: u32, conn: u32) -> Result<()> {
        if !self.overflow && self.ints.len() - self.len < LARGEST_RECORD {
            self.overflow = true;
            self.first_raw = self.n_values;
        }
        self.push_u32(kind)?;
        self.push_u32(conn)
    }

    pub fn push_u32(&mut self, v: u32) -> Result<()> {
        if self.overflow {
            let mut value = ptr::null_mut();
            check_status!(unsafe { sys::napi_create_uint32(self.env, v, &mut value) })?;
            return self.push(value);
        }
        self.ints[self.len] = v;
        self.len += 1;
        Ok(())
    }

    /// A signed number: in the shared array as its bits (JS reads `| 0`).
    pub fn push_i32(&mut self, v: i32) -> Result<()> {
        if self.overflow {
            let value = raw::int32(self.env, v)?;
            return self.push(value);
        }
        self.push_u32(v as u32)
    }

    /// Always a value: byte counts pass 2^32.
    pub fn push_f64(&mut self, v: f64) -> Result<()> {
        let value = raw::double(self.env, v)?;
        self.push(value)
    }

    pub fn push_latin1(&mut self, bytes: &[u8]) -> Result<()> {
        let value = latin1(self.env, bytes)?;
        self.push(value)
    }

    pub fn push_buffer(&mut self, bytes: &[u8]) -> Result<()> {
        let value = buffer_copy(self.env, bytes)?;
        self.push(value.0)
    }

    pub fn push_null(&mut self) -> Result<()> {
        let mut value = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_null(self.env, &mut value) })?;
        self.push(value)
    }

    fn push(&mut self, value: sys::napi_value) -> Result<()> {
        check_status!(unsafe {
            sys::napi_set_element(self.env, self.values, self.n_values, value)
        })?;
        self.n_values += 1;
        Ok(())
    }

    pub fn finish(self) -> RawValue {
        self.ints[0] = (self.len - HEADER) as u32;
        self.ints[1] = self.first_raw;
        RawValue(self.values)
    }
}
