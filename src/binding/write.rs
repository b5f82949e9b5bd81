//! Bytes JS hands to a connection. Strings are copied straight from V8 into
//! one per-thread buffer (no JS Buffer per chunk, no allocation per write):
//! a response is usually one string (core joins head and a string body) or
//! a head string and a Buffer body.
//!
//! Every function returns 0 = all in the kernel, 1 = queued (a drain event
//! follows), 2 = written behind (as 0, and JS calls `connFlushBehind` before
//! its turn ends), -1 = the connection is gone, or a negative errno (< -1):
//! the write failed (the peer's reset, which JS has not heard of yet).
//! Raw N-API callbacks (`raw`): they run once or more per message.

use std::cell::RefCell;
use std::ffi::c_char;
use std::sync::Arc;

use napi::{check_status, sys, Result};
use napi_derive::napi;

use super::js_load;
use super::raw::{self, Args};
use super::shared_ints;
use crate::server::conn::{Conn, WriteStatus};
use crate::server::registry;

/// The scratch buffer keeps at most this much capacity between writes.
const SCRATCH_KEEP: usize = 64 * 1024;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Connections written behind this turn whose task is still to be
    /// woken: one entry per connection whose queue was empty, so at most
    /// one per connection between two `connFlushBehind` calls.
    static BEHIND_UNWOKEN: RefCell<Vec<Arc<Conn>>> = const { RefCell::new(Vec::new()) };
}

fn status_code(conn: &Arc<Conn>, id: u32, s: WriteStatus) -> i32 {
    match s {
        WriteStatus::Flushed => 0,
        WriteStatus::Behind => {
            BEHIND_UNWOKEN.with_borrow_mut(|list| list.push(conn.clone()));
            2
        }
        WriteStatus::Queued => 1,
        WriteStatus::Closed => gone(id),
    }
}

/// `connFlushBehind()`: wake the tasks of this turn's writes behind. The
/// first wake-up rouses the io thread; the others find it awake and only
/// queue their task, so the turn's responses go out in one wake-up.
#[napi(catch_unwind)]
pub fn conn_flush_behind() {
    // Drained in place: the list keeps its allocation from batch to batch.
    // Waking a task runs no JS, so nothing writes to the list meanwhile.
    BEHIND_UNWOKEN.with_borrow_mut(|list| {
        for conn in list.drain(..) {
            conn.wake_task();
        }
    });
}

/// A write to a connection that is gone: it fails with the reset that
/// closed it if JS has not heard of that yet (`registry::note_reset`).
fn gone(conn: u32) -> i32 {
    match registry::reset_errno(conn) {
        Some(errno) if errno > 1 => -errno,
        _ => -1,
    }
}

/// The functions `lib/socket.js` calls, once or more per message.
pub const CALLBACKS: [(&str, sys::napi_callback); 3] = [
    ("connWrite", Some(conn_write)),
    ("connWriteStr", Some(conn_write_str)),
    ("connWriteHeadBuffer", Some(conn_write_head_buffer)),
];

/// `connWrite(conn, buffer)`.
unsafe extern "C" fn conn_write(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let args = unsafe { Args::<2>::new(env, info) }?;
        let conn = args.u32(0)?;
        let data = args.bytes(1)?;
        let status = match registry::get(conn) {
            Some(c) => status_code(&c, conn, js_load::write(|behind| c.write(data, behind))),
            None => gone(conn),
        };
        raw::int32(env, status)
    })
}

/// `connWriteStr(conn, string, length, latin1)`: `length` is the string's
/// JS `length` (UTF-16 units), `latin1` the encoding (core writes heads in
/// latin1), otherwise UTF-8, whose length in bytes is then left in the
/// shared array (`ints[0]`).
unsafe extern "C" fn conn_write_str(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let args = unsafe { Args::<4>::new(env, info) }?;
        let status = write_str_then(&args, args.u32(2)?, args.bool(3)?, &[])?;
        raw::int32(env, status)
    })
}

/// `connWriteHeadBuffer(conn, head, headLength, body)`: a latin1 head
/// string followed by a Buffer body, in one write.
unsafe extern "C" fn conn_write_head_buffer(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let args = unsafe { Args::<4>::new(env, info) }?;
        let status = write_str_then(&args, args.u32(2)?, true, args.bytes(3)?)?;
        raw::int32(env, status)
    })
}

/// Write string argument 1 (`len` UTF-16 units, in latin1 or UTF-8) and
/// then `body` to connection argument 0, in one write. In UTF-8, the
/// string's length in bytes goes to the shared array's first entry: JS
/// counts the bytes it dispatched, and would otherwise measure the string
/// once more (`Buffer.byteLength`, a pass over it).
fn write_str_then(args: &Args<4>, len: u32, latin1: bool, body: &[u8]) -> Result<i32> {
    let conn = args.u32(0)?;
    with_scratch(|buf| {
        append_str(args.env, buf, args.argv[1], len as usize, latin1)?;
        if !latin1 {
            // At most 3 bytes per UTF-16 unit of a string under 2^29 units.
            let bytes = buf.len() as u32;
            raw::exclusive(|| shared_ints::with(|ints| ints[0] = bytes))?;
        }
        let Some(c) = registry::get(conn) else {
            return Ok(gone(conn));
        };
        Ok(status_code(
            &c,
            conn,
            js_load::write(|behind| c.write_pair(buf, body, behind)),
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
    env: sys::napi_env,
    buf: &mut Vec<u8>,
    s: sys::napi_value,
    len: usize,
    latin1: bool,
) -> Result<()> {
    let room = if latin1 { len } else { len * 3 } + 1;
    // `len` comes from JS: a wrong one must fail, not abort on allocation.
    buf.try_reserve(room)
        .map_err(|e| napi::Error::new(napi::Status::InvalidArg, e.to_string()))?;
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
        check_status!(
            get_value(env, s, out, room, &mut written),
            "the data must be a string"
        )?;
        buf.set_len(at + written);
    }
    Ok(())
}
