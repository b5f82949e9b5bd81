//! The only place that names threadsafe-function types (STYLE.md: rolldown's
//! `types/js_callback.rs`). Each Rust → JS signature is documented here.

use napi::bindgen_prelude::{Function, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{sys, Env, Result, Status};

use crate::bridge::Doorbell;

/// `() => void`: "events are waiting, call `drain()`". One per server or
/// agent, never per connection. `CalleeHandled = false`: no error-first
/// argument. Not weak: its ref count is what keeps the process alive while a
/// server listens or a connection is open, switched with `set_ref`.
pub type DoorbellFn = ThreadsafeFunction<(), Unknown<'static>, (), Status, false, false, 0>;

pub fn doorbell_fn(callback: Function<'_, (), Unknown<'static>>) -> Result<DoorbellFn> {
    callback
        .build_threadsafe_function::<()>()
        .callee_handled::<false>()
        .build()
}

/// Ref or unref the threadsafe function, which is how a server decides
/// whether it keeps the event loop alive (core: a ref'd handle).
pub fn set_ref(env: &Env, tsfn: &DoorbellFn, on: bool) -> Result<()> {
    let raw = tsfn.handle.get_raw();
    // SAFETY: `raw` is a live threadsafe function created on this env, and
    // this runs on the JS thread (the only thread allowed to ref/unref).
    let status = unsafe {
        if on {
            sys::napi_ref_threadsafe_function(env.raw(), raw)
        } else {
            sys::napi_unref_threadsafe_function(env.raw(), raw)
        }
    };
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_status(Status::from(status)))
    }
}

/// Rings with a non-blocking call: a tokio worker must never block on the JS
/// thread. The doorbell pattern keeps at most a couple of calls pending.
pub struct TsfnDoorbell(pub std::sync::Arc<DoorbellFn>);

impl Doorbell for TsfnDoorbell {
    fn ring(&self) {
        let _ = self.0.call((), ThreadsafeFunctionCallMode::NonBlocking);
    }
}
