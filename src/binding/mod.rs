//! The only Rust that knows napi: argument conversion and exports.

pub mod batch;
pub mod client;
pub mod close_phase;
pub mod event_out;
pub mod js_callback;
pub mod js_load;
pub mod parser;
pub mod pool;
pub mod raw;
pub mod server;
pub mod shared_ints;
pub mod write;

use napi::bindgen_prelude::Env;
use napi::Result;
use napi_derive::napi;

/// The hand-written hot calls (`raw`), and `ints`, the thread's shared
/// array they write their numbers to. Made once per JS thread by
/// `lib/native.js`.
#[napi(catch_unwind)]
pub fn fast_calls(env: Env) -> Result<batch::RawValue> {
    let env = env.raw();
    let mut object = std::ptr::null_mut();
    napi::check_status!(unsafe { napi::sys::napi_create_object(env, &mut object) })?;
    raw::define(env, object, &parser::CALLBACKS)?;
    raw::define(env, object, &write::CALLBACKS)?;
    raw::define(env, object, &pool::CALLBACKS)?;
    let ints = shared_ints::js_array(env)?;
    raw::set_named(env, object, "ints", ints)?;
    Ok(batch::RawValue(object))
}
