//! A `Uint32Array` shared by JS and Rust, one per JS thread: a hot call
//! writes its numeric results there instead of making a JS number and an
//! array element of each (~70 ns a value, measured). JS reads what it needs
//! before it runs anything that could make the next such call.

// The env taken is that of the N-API call in progress, as in `batch.rs`.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;

use napi::{check_status, sys, Error, Result, Status};
use once_cell::sync::Lazy;

/// Entries: callers stop and resume when it is full (the parser's
/// `STATUS_MORE`), or go on with plain JS values (`event_out`), so this
/// bounds a call's output, not its input.
const DEFAULT_CAPACITY: usize = 16 * 1024;

/// `RHTTP_SHARED_INTS` sets it (32 to 2^20) for tests, which make it small
/// to take the full-array paths with little traffic.
static CAPACITY: Lazy<usize> = Lazy::new(|| {
    std::env::var("RHTTP_SHARED_INTS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(DEFAULT_CAPACITY, |n| n.clamp(32, 1 << 20))
});

thread_local! {
    static INTS: Cell<*mut u32> = const { Cell::new(ptr::null_mut()) };
    /// The JS array over `INTS`, so every caller on the thread gets the same.
    static ARRAY: Cell<sys::napi_ref> = const { Cell::new(ptr::null_mut()) };
}

/// The thread's array as a JS `Uint32Array`, made on first use.
pub fn js_array(env: sys::napi_env) -> Result<sys::napi_value> {
    let existing = ARRAY.get();
    if !existing.is_null() {
        let mut value = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_reference_value(env, existing, &mut value) })?;
        if !value.is_null() {
            return Ok(value);
        }
    }
    unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
        let data = data.cast::<u32>();
        if INTS.get() == data {
            INTS.set(ptr::null_mut());
        }
        // SAFETY: the slice leaked below, finalized once.
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(data, *CAPACITY)) });
    }
    let data = Box::into_raw(vec![0u32; *CAPACITY].into_boxed_slice()).cast::<u32>();
    let mut buffer = ptr::null_mut();
    let status = unsafe {
        sys::napi_create_external_arraybuffer(
            env,
            data.cast(),
            *CAPACITY * 4,
            Some(finalize),
            ptr::null_mut(),
            &mut buffer,
        )
    };
    if status != sys::Status::napi_ok {
        // SAFETY: not handed to JS, so still ours.
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(data, *CAPACITY)) });
        check_status!(status)?;
    }
    INTS.set(data);
    let mut array = ptr::null_mut();
    check_status!(unsafe {
        sys::napi_create_typedarray(
            env,
            sys::TypedarrayType::uint32_array,
            *CAPACITY,
            buffer,
            0,
            &mut array,
        )
    })?;
    let mut reference = ptr::null_mut();
    // A weak reference: the array lives as long as JS holds it.
    check_status!(unsafe { sys::napi_create_reference(env, array, 0, &mut reference) })?;
    let old = ARRAY.replace(reference);
    if !old.is_null() {
        unsafe { sys::napi_delete_reference(env, old) };
    }
    Ok(array)
}

/// Run `f` over the thread's array (JS thread only, during a call made
/// inside `raw::exclusive`).
pub fn with<R>(f: impl FnOnce(&mut [u32]) -> R) -> Result<R> {
    let data = INTS.get();
    if data.is_null() {
        return Err(Error::new(
            Status::GenericFailure,
            "the shared array was not made on this thread",
        ));
    }
    // SAFETY: `data` is this thread's live array (cleared when finalized);
    // no other call touches it before `f` returns: JS that runs meanwhile
    // cannot re-enter (`raw::exclusive`).
    Ok(f(unsafe {
        std::slice::from_raw_parts_mut(data, *CAPACITY)
    }))
}
