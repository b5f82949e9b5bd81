//! Raw N-API values: Buffers, latin1 strings, and a small array builder.

use napi::bindgen_prelude::{ToNapiValue, TypeName, ValueType};
use napi::{check_status, sys, Result};

use super::raw;

/// A JS value made by hand, returned as is.
pub struct RawValue(pub sys::napi_value);

impl ToNapiValue for RawValue {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        Ok(val.0)
    }
}

impl TypeName for RawValue {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

/// A new JS Buffer holding a copy of `bytes`.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn buffer_copy(env: sys::napi_env, bytes: &[u8]) -> Result<RawValue> {
    let mut value = std::ptr::null_mut();
    let mut data = std::ptr::null_mut();
    // SAFETY: called on the JS thread with the env of the current call.
    check_status!(unsafe {
        sys::napi_create_buffer_copy(
            env,
            bytes.len(),
            bytes.as_ptr().cast(),
            &mut data,
            &mut value,
        )
    })?;
    Ok(RawValue(value))
}

/// Bytes as a latin1 string: every byte becomes one char, as Node's parser
/// exposes header bytes (obs-text survives unchanged).
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn latin1(env: sys::napi_env, bytes: &[u8]) -> Result<sys::napi_value> {
    let mut value = std::ptr::null_mut();
    // SAFETY: called on the JS thread with the env of the current call.
    check_status!(unsafe {
        sys::napi_create_string_latin1(env, bytes.as_ptr().cast(), bytes.len() as isize, &mut value)
    })?;
    Ok(value)
}

/// A JS array filled value by value (one `napi_set_element` each).
pub struct ArrayBuilder {
    env: sys::napi_env,
    array: sys::napi_value,
    len: u32,
}

impl ArrayBuilder {
    /// `env` must be the env of the N-API call in progress (the JS thread).
    #[allow(clippy::not_unsafe_ptr_arg_deref)]
    pub fn new(env: sys::napi_env, capacity: usize) -> Result<Self> {
        let mut array = std::ptr::null_mut();
        // SAFETY: called on the JS thread with the env of the current call.
        check_status!(unsafe { sys::napi_create_array_with_length(env, capacity, &mut array) })?;
        Ok(ArrayBuilder { env, array, len: 0 })
    }

    /// Values pushed so far.
    pub fn pushed(&self) -> u32 {
        self.len
    }

    fn push(&mut self, value: sys::napi_value) -> Result<()> {
        // SAFETY: `array` was created on this env in this call.
        check_status!(unsafe { sys::napi_set_element(self.env, self.array, self.len, value) })?;
        self.len += 1;
        Ok(())
    }

    pub fn push_u32(&mut self, v: u32) -> Result<()> {
        let mut value = std::ptr::null_mut();
        check_status!(unsafe { sys::napi_create_uint32(self.env, v, &mut value) })?;
        self.push(value)
    }

    pub fn push_i32(&mut self, v: i32) -> Result<()> {
        let value = raw::int32(self.env, v)?;
        self.push(value)
    }

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
        let mut value = std::ptr::null_mut();
        check_status!(unsafe { sys::napi_get_null(self.env, &mut value) })?;
        self.push(value)
    }

    pub fn finish(self) -> RawValue {
        RawValue(self.array)
    }
}
