//! Bytes JS hands to a connection. Strings are copied straight from V8 into
//! one per-thread buffer (no JS Buffer per chunk, no allocation per write):
//! a response is usually one string (core joins head and a string body) or
//! a head string and a Buffer body.
//!
//! Every function returns 0 = all in the kernel, 1 = queued (a drain event
//! follows), -1 = the connection is gone, or a negative errno (< -1): the
//! write failed (the peer's reset, which JS has not heard of yet).

use std::cell::RefCell;
use std::ffi::c_char;

use napi::bindgen_prelude::BufferSlice;
use napi::{check_status, sys, Env, JsString, JsValue, Result};
use napi_derive::napi;

use super::js_load;
use crate::server::conn::WriteStatus;
use crate::server::registry;

/// The scratch buffer keeps at most this much capacity between writes.
const SCRATCH_KEEP: usize = 64 * 1024;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn status_code(conn: u32, s: WriteStatus) -> i32 {
    match s {
        WriteStatus::Flushed => 0,
        WriteStatus::Queued => 1,
        WriteStatus::Closed => gone(conn),
    }
}

/// A write to a connection that is gone: it fails with the reset that
/// closed it if JS has not heard of that yet (`registry::note_reset`).
fn gone(conn: u32) -> i32 {
    match registry::reset_errno(conn) {
        Some(errno) if errno > 1 => -errno,
        _ => -1,
    }
}

#[napi(catch_unwind)]
pub fn conn_write(conn: u32, data: BufferSlice<'_>) -> i32 {
    match registry::get(conn) {
        Some(c) => status_code(conn, js_load::write(|behind| c.write(&data, behind))),
        None => gone(conn),
    }
}

/// Write a string: `len` is its JS `length` (UTF-16 units), `latin1` the
/// encoding (core writes heads in latin1), otherwise UTF-8.
#[napi(catch_unwind)]
pub fn conn_write_str(
    env: Env,
    conn: u32,
    data: JsString<'_>,
    len: u32,
    latin1: bool,
) -> Result<i32> {
    let Some(c) = registry::get(conn) else {
        return Ok(gone(conn));
    };
    with_scratch(|buf| {
        append_str(&env, buf, &data, len as usize, latin1)?;
        Ok(status_code(
            conn,
            js_load::write(|behind| c.write(buf, behind)),
        ))
    })
}

/// A latin1 head string followed by a Buffer body, in one write.
#[napi(catch_unwind)]
pub fn conn_write_head_buffer(
    env: Env,
    conn: u32,
    head: JsString<'_>,
    head_len: u32,
    body: BufferSlice<'_>,
) -> Result<i32> {
    let Some(c) = registry::get(conn) else {
        return Ok(gone(conn));
    };
    with_scratch(|buf| {
        append_str(&env, buf, &head, head_len as usize, true)?;
        Ok(status_code(
            conn,
            js_load::write(|behind| c.write_pair(buf, &body, behind)),
        ))
    })
}

fn with_scratch<T>(f: impl FnOnce(&mut Vec<u8>) -> Result<T>) -> Result<T> {
    SCRATCH.with_borrow_mut(|buf| {
        buf.clear();
        let result = f(buf);
        if buf.capacity() > SCRATCH_KEEP {
            *buf = Vec::new();
        }
        result
    })
}

/// Append the string's bytes. `len` (UTF-16 units) bounds them: one byte
/// each in latin1, at most three in UTF-8.
fn append_str(
    env: &Env,
    buf: &mut Vec<u8>,
    s: &JsString<'_>,
    len: usize,
    latin1: bool,
) -> Result<()> {
    let room = if latin1 { len } else { len * 3 } + 1;
    buf.reserve(room);
    let at = buf.len();
    let mut written = 0usize;
    // SAFETY: the pointer is `room` bytes of `buf`'s spare capacity, which
    // napi fills (NUL included) and reports `written` bytes of, excluding the
    // NUL; `written < room`, so `set_len` covers initialised bytes only.
    let get_value = if latin1 {
        sys::napi_get_value_string_latin1
    } else {
        sys::napi_get_value_string_utf8
    };
    unsafe {
        let out = buf.as_mut_ptr().add(at).cast::<c_char>();
        check_status!(get_value(env.raw(), s.raw(), out, room, &mut written))?;
        buf.set_len(at + written);
    }
    Ok(())
}
