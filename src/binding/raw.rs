//! Hand-written N-API callbacks for the calls made once or more per
//! message.
//!
//! napi-rs 3's generated glue opens a borrow-tracking scope on every call
//! that takes arguments (an `Arc<Mutex<_>>` allocated and freed, TLS
//! pushes, and for a class method a lookup in a process-wide mutex-guarded
//! map): measured, a one-argument function costs ~110 ns a call where a
//! zero-argument one costs ~27, and a two-argument method ~280 ns. The few
//! hot calls are written against N-API here, with the same guarantees: an
//! `Err` or a panic becomes a thrown JS error, and an object is only
//! unwrapped after its type tag is checked.

// Every function here takes the env of the N-API call in progress, as
// `batch.rs`'s do.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use std::cell::Cell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::bindgen_prelude::panic_to_error;
use napi::{check_status, sys, Error, JsError, Result, Status};

/// The body of an N-API callback: `Err` and panics become thrown errors.
pub fn guard(
    env: sys::napi_env,
    body: impl FnOnce() -> Result<sys::napi_value>,
) -> sys::napi_value {
    let result = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|p| Err(panic_to_error(p)));
    match result {
        Ok(value) => value,
        Err(e) => {
            // SAFETY: `env` is the env of the callback in progress.
            unsafe { JsError::from(e).throw_into(env) };
            ptr::null_mut()
        }
    }
}

thread_local! {
    /// A call holding native state across N-API calls is running.
    static EXCLUSIVE: Cell<bool> = const { Cell::new(false) };
}

/// Run `f`, which holds a parser or the shared array across N-API calls,
/// as the only such call on this thread. Those N-API calls can run JS (an
/// index setter on `Array.prototype` runs inside `napi_set_element`), and
/// that JS could call back in and alias the state `f` holds: such a call
/// fails instead.
pub fn exclusive<R>(f: impl FnOnce() -> Result<R>) -> Result<R> {
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            EXCLUSIVE.set(false);
        }
    }
    if EXCLUSIVE.replace(true) {
        return Err(Error::new(
            Status::GenericFailure,
            "rhttp: a native call was re-entered from JS that it ran",
        ));
    }
    let _release = Release;
    f()
}

/// A callback's receiver and its first `N` arguments (`undefined` for
/// those not passed, as N-API fills them).
pub struct Args<const N: usize> {
    pub env: sys::napi_env,
    pub argv: [sys::napi_value; N],
}

impl<const N: usize> Args<N> {
    /// # Safety
    /// `env` and `info` must be those of the callback in progress.
    pub unsafe fn new(env: sys::napi_env, info: sys::napi_callback_info) -> Result<Self> {
        let mut argc = N;
        let mut argv = [ptr::null_mut(); N];
        check_status!(unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        })?;
        Ok(Args { env, argv })
    }

    pub fn u32(&self, i: usize) -> Result<u32> {
        let mut v = 0;
        check_status!(
            unsafe { sys::napi_get_value_uint32(self.env, self.argv[i], &mut v) },
            "argument {} must be a number",
            i
        )?;
        Ok(v)
    }

    pub fn f64(&self, i: usize) -> Result<f64> {
        let mut v = 0.0;
        check_status!(
            unsafe { sys::napi_get_value_double(self.env, self.argv[i], &mut v) },
            "argument {} must be a number",
            i
        )?;
        Ok(v)
    }

    /// String argument `i`, in `buf` (reused: no allocation per call).
    pub fn str<'b>(&self, i: usize, buf: &'b mut Vec<u8>) -> Result<&'b str> {
        let mut len = 0;
        check_status!(
            unsafe {
                sys::napi_get_value_string_utf8(
                    self.env,
                    self.argv[i],
                    ptr::null_mut(),
                    0,
                    &mut len,
                )
            },
            "argument {} must be a string",
            i
        )?;
        buf.clear();
        buf.reserve(len + 1);
        let mut written = 0;
        // SAFETY: `len + 1` bytes of spare capacity, which N-API fills (NUL
        // included) and reports `written <= len` bytes of.
        unsafe {
            check_status!(sys::napi_get_value_string_utf8(
                self.env,
                self.argv[i],
                buf.as_mut_ptr().cast(),
                len + 1,
                &mut written,
            ))?;
            buf.set_len(written);
        }
        std::str::from_utf8(buf).map_err(|e| Error::new(Status::InvalidArg, e.to_string()))
    }

    pub fn bool(&self, i: usize) -> Result<bool> {
        let mut v = false;
        check_status!(
            unsafe { sys::napi_get_value_bool(self.env, self.argv[i], &mut v) },
            "argument {} must be a boolean",
            i
        )?;
        Ok(v)
    }

    /// The bytes of a Buffer or other ArrayBufferView argument. They stay
    /// valid for the call: JS cannot run (and detach them) before it returns.
    pub fn bytes(&self, i: usize) -> Result<&[u8]> {
        let mut data = ptr::null_mut();
        let mut len = 0;
        check_status!(
            unsafe { sys::napi_get_buffer_info(self.env, self.argv[i], &mut data, &mut len) },
            "argument {} must be a Buffer",
            i
        )?;
        if len == 0 {
            return Ok(&[]);
        }
        // SAFETY: N-API gave the view's data and length.
        Ok(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) })
    }

    /// The native value wrapped in argument `i` by [`wrap`] with `tag`.
    ///
    /// # Safety
    /// `tag` must be used for values of type `T` only. The pointer is valid
    /// for the callback (the JS object owns the value); no other reference
    /// to it exists while no JS runs.
    pub unsafe fn unwrap<T>(&self, i: usize, tag: &sys::napi_type_tag) -> Result<*mut T> {
        let mut tagged = false;
        check_status!(unsafe {
            sys::napi_check_object_type_tag(self.env, self.argv[i], tag, &mut tagged)
        })?;
        if !tagged {
            return Err(Error::new(
                Status::InvalidArg,
                format!("argument {i} is not the expected native object"),
            ));
        }
        let mut native = ptr::null_mut();
        check_status!(unsafe { sys::napi_unwrap(self.env, self.argv[i], &mut native) })?;
        // The tag says `wrap` stored a `Box<T>` in this object.
        Ok(native.cast::<T>())
    }
}

/// A new JS object owning `value`, tagged for [`Args::unwrap`]; the value is
/// dropped when the object is collected.
pub fn wrap<T>(env: sys::napi_env, value: T, tag: &sys::napi_type_tag) -> Result<sys::napi_value> {
    unsafe extern "C" fn finalize<T>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
        // SAFETY: `data` is the `Box<T>` leaked below, finalized once.
        drop(unsafe { Box::from_raw(data.cast::<T>()) });
    }
    let mut object = ptr::null_mut();
    check_status!(unsafe { sys::napi_create_object(env, &mut object) })?;
    let data = Box::into_raw(Box::new(value));
    let status = unsafe {
        sys::napi_wrap(
            env,
            object,
            data.cast(),
            Some(finalize::<T>),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    if status != sys::Status::napi_ok {
        // SAFETY: not wrapped, so still ours.
        drop(unsafe { Box::from_raw(data) });
        check_status!(status)?;
    }
    check_status!(unsafe { sys::napi_type_tag_object(env, object, tag) })?;
    Ok(object)
}

/// Add `callbacks` to `object` as functions.
pub fn define(
    env: sys::napi_env,
    object: sys::napi_value,
    callbacks: &[(&str, sys::napi_callback)],
) -> Result<()> {
    for &(name, cb) in callbacks {
        let mut f = ptr::null_mut();
        check_status!(unsafe {
            sys::napi_create_function(
                env,
                name.as_ptr().cast(),
                name.len() as isize,
                cb,
                ptr::null_mut(),
                &mut f,
            )
        })?;
        set_named(env, object, name, f)?;
    }
    Ok(())
}

pub fn set_named(
    env: sys::napi_env,
    object: sys::napi_value,
    name: &str,
    value: sys::napi_value,
) -> Result<()> {
    let mut key = ptr::null_mut();
    check_status!(unsafe {
        sys::napi_create_string_utf8(env, name.as_ptr().cast(), name.len() as isize, &mut key)
    })?;
    check_status!(unsafe { sys::napi_set_property(env, object, key, value) })
}

pub fn undefined(env: sys::napi_env) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    check_status!(unsafe { sys::napi_get_undefined(env, &mut v) })?;
    Ok(v)
}

pub fn int32(env: sys::napi_env, v: i32) -> Result<sys::napi_value> {
    let mut value = ptr::null_mut();
    check_status!(unsafe { sys::napi_create_int32(env, v, &mut value) })?;
    Ok(value)
}

pub fn double(env: sys::napi_env, v: f64) -> Result<sys::napi_value> {
    let mut value = ptr::null_mut();
    check_status!(unsafe { sys::napi_create_double(env, v, &mut value) })?;
    Ok(value)
}
