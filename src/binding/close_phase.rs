//! Callbacks in libuv's close phase, for sockets that have no libuv handle.
//!
//! Core emits a socket's 'close' from its handle's close callback: after the
//! poll phase's I/O and the check phase's immediates of that loop turn, the
//! handles closed in one turn last-in first-out, and the tick queue drained
//! after each. No JS timer lands there, so each destroyed rhttp socket
//! closes a bare idle handle of its own (never started: no syscall) and JS
//! runs its 'close' from that handle's close callback.

use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::bindgen_prelude::{Env, Function, Unknown};
use napi::{check_status, sys, Error, JsValue, Result, Status};
use napi_derive::napi;
use once_cell::sync::OnceCell;

// libuv, which Node exports to addons. `uv_handle_t` starts with
// `void* data`; its size comes from libuv itself.
extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    fn uv_idle_init(uv_loop: *mut sys::uv_loop_s, handle: *mut c_void) -> c_int;
    fn uv_close(handle: *mut c_void, close_cb: Option<unsafe extern "C" fn(*mut c_void)>);
}
const UV_IDLE: c_int = 6;

/// A dispatcher: JS's `(token) => void`, run in an async context of its
/// own, as core's handle callbacks run in the handle's.
struct Dispatcher {
    env: sys::napi_env,
    function: sys::napi_ref,
    context: sys::napi_async_context,
    uv_loop: *mut sys::uv_loop_s,
}

thread_local! {
    /// The JS thread's dispatchers (the main thread's, each worker's), one
    /// per load of rhttp's JS: a program that loads it afresh (its module
    /// cache cleared) runs the addon's exports again, and the sockets of
    /// the first load still close through the first dispatcher. Dropped
    /// when the env is torn down.
    static DISPATCHERS: RefCell<Vec<Dispatcher>> = const { RefCell::new(Vec::new()) };
}

/// Words of a handle: a `uv_idle_t` (u64-aligned, as libuv's structs
/// are), then the dispatcher's index.
fn handle_words() -> Result<usize> {
    static WORDS: OnceCell<usize> = OnceCell::new();
    WORDS
        .get_or_try_init(|| {
            // SAFETY: a pure query of a constant.
            let bytes = unsafe { uv_handle_size(UV_IDLE) };
            if bytes < std::mem::size_of::<usize>() || bytes > 4096 {
                return Err(Error::new(
                    Status::GenericFailure,
                    format!("rhttp: unexpected uv_idle_t size {bytes}"),
                ));
            }
            Ok(bytes.div_ceil(8) + 1)
        })
        .copied()
}

/// Registers `dispatch(token)` as a close-phase callback of this JS
/// thread; returns its index for `closeLater`.
#[napi(js_name = "closePhaseInit", catch_unwind)]
pub fn close_phase_init(env: Env, dispatch: Function<'_, u32, Unknown<'_>>) -> Result<u32> {
    handle_words()?;
    let raw = env.raw();
    let mut function = ptr::null_mut();
    let mut context = ptr::null_mut();
    let mut uv_loop = ptr::null_mut();
    let mut name = ptr::null_mut();
    // SAFETY: calls on the env of the call in progress.
    unsafe {
        check_status!(sys::napi_create_reference(
            raw,
            dispatch.raw(),
            1,
            &mut function
        ))?;
        check_status!(sys::napi_create_string_utf8(
            raw,
            c"rhttp.close".as_ptr(),
            11,
            &mut name
        ))?;
        check_status!(sys::napi_async_init(
            raw,
            ptr::null_mut(),
            name,
            &mut context
        ))?;
        check_status!(sys::napi_get_uv_event_loop(raw, &mut uv_loop))?;
    }
    DISPATCHERS.with(|d| {
        let mut d = d.borrow_mut();
        if d.is_empty() {
            // SAFETY: the env of the call in progress; one hook per env.
            check_status!(unsafe {
                sys::napi_add_env_cleanup_hook(raw, Some(forget_dispatchers), ptr::null_mut())
            })?;
        }
        d.push(Dispatcher {
            env: raw,
            function,
            context,
            uv_loop,
        });
        Ok((d.len() - 1) as u32)
    })
}

/// The env is going: later close callbacks only free their handle.
unsafe extern "C" fn forget_dispatchers(_: *mut c_void) {
    DISPATCHERS.with(|d| d.borrow_mut().clear());
}

/// Calls dispatcher `dispatcher`'s `dispatch(token)` in this loop turn's
/// close phase.
#[napi(js_name = "closeLater", catch_unwind)]
pub fn close_later(dispatcher: u32, token: u32) -> Result<()> {
    let words = handle_words()?;
    let uv_loop = DISPATCHERS.with(|d| d.borrow().get(dispatcher as usize).map(|d| d.uv_loop));
    let uv_loop = uv_loop.ok_or_else(|| {
        Error::new(
            Status::GenericFailure,
            "rhttp: no such close-phase dispatcher",
        )
    })?;
    let handle = Box::into_raw(vec![0u64; words].into_boxed_slice()) as *mut u64;
    // SAFETY: `handle` is zeroed memory of uv_idle_t's size and alignment
    // and a word more, owned by libuv until `on_close` frees it; this is
    // the loop's thread.
    unsafe {
        let status = uv_idle_init(uv_loop, handle.cast());
        if status != 0 {
            free_handle(handle, words);
            return Err(Error::new(
                Status::GenericFailure,
                format!("rhttp: uv_idle_init failed ({status})"),
            ));
        }
        *handle.cast::<*mut c_void>() = token as usize as *mut c_void;
        *handle.add(words - 1) = u64::from(dispatcher);
        uv_close(handle.cast(), Some(on_close));
    }
    Ok(())
}

/// # Safety
/// `handle` came from `close_later`'s allocation of `words` words.
unsafe fn free_handle(handle: *mut u64, words: usize) {
    drop(Box::from_raw(ptr::slice_from_raw_parts_mut(handle, words)));
}

unsafe extern "C" fn on_close(handle: *mut c_void) {
    // `close_later` made the handle, so its size is known.
    let Ok(words) = handle_words() else {
        return;
    };
    let token = *handle.cast::<*mut c_void>() as usize as u32;
    let dispatcher = *handle.cast::<u64>().add(words - 1) as usize;
    free_handle(handle.cast(), words);
    // A panic must not unwind into libuv.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // Copied out: the dispatch runs JS, which may register another.
        let target = DISPATCHERS.with(|d| {
            d.borrow()
                .get(dispatcher)
                .map(|d| (d.env, d.function, d.context))
        });
        if let Some((env, function, context)) = target {
            dispatch(env, function, context, token);
        }
    }));
}

/// As core's `MakeCallback` from a handle's close callback: the tick queue
/// and microtasks run after, and a throw is an uncaught exception.
fn dispatch(
    env: sys::napi_env,
    function_ref: sys::napi_ref,
    context: sys::napi_async_context,
    token: u32,
) {
    // SAFETY: this runs on the env's JS thread, from the loop, outside any
    // other N-API call; the scope bounds the handles made here.
    unsafe {
        let mut scope = ptr::null_mut();
        if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
            return;
        }
        let mut function = ptr::null_mut();
        let mut global = ptr::null_mut();
        let mut arg = ptr::null_mut();
        let mut result = ptr::null_mut();
        if sys::napi_get_reference_value(env, function_ref, &mut function) == sys::Status::napi_ok
            && !function.is_null()
            && sys::napi_get_global(env, &mut global) == sys::Status::napi_ok
            && sys::napi_create_uint32(env, token, &mut arg) == sys::Status::napi_ok
        {
            let status =
                sys::napi_make_callback(env, context, global, function, 1, &arg, &mut result);
            // Also "pending exception" when JS may no longer run (the env
            // is stopping): then there is none to report.
            let mut thrown = false;
            if status == sys::Status::napi_pending_exception
                && sys::napi_is_exception_pending(env, &mut thrown) == sys::Status::napi_ok
                && thrown
            {
                let mut error = ptr::null_mut();
                if sys::napi_get_and_clear_last_exception(env, &mut error) == sys::Status::napi_ok {
                    sys::napi_fatal_exception(env, error);
                }
            }
        }
        sys::napi_close_handle_scope(env, scope);
    }
}
