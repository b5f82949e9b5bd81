//! Connection ids → connections. JS holds ids, never handles (DESIGN.md,
//! "Lifetimes"); ids are never reused within a process lifetime in practice
//! (u32 wrap-around after four billion connections).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;

use super::conn::Conn;
use crate::bridge::lock;

static NEXT_ID: AtomicU32 = AtomicU32::new(1);
static CONNS: Lazy<Mutex<HashMap<u32, Arc<Conn>>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// Connections a peer's reset closed whose `Close` JS has not taken yet,
/// and the reset's errno: a write JS makes meanwhile fails as core's would,
/// the reset being in the kernel before it (core's loop has not read it
/// either). Bounded: past `RESET_LIMIT` (a JS thread that stopped draining)
/// such writes are only "gone".
static RESET: Lazy<Mutex<HashMap<u32, i32>>> = Lazy::new(|| Mutex::new(HashMap::new()));
const RESET_LIMIT: usize = 4096;

pub fn next_id() -> u32 {
    loop {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        if id != 0 {
            return id;
        }
    }
}

pub fn insert(conn: Arc<Conn>) {
    lock(&CONNS).insert(conn.id, conn);
}

pub fn remove(id: u32) {
    lock(&CONNS).remove(&id);
}

pub fn get(id: u32) -> Option<Arc<Conn>> {
    lock(&CONNS).get(&id).cloned()
}

pub fn note_reset(id: u32, errno: i32) {
    let mut reset = lock(&RESET);
    if reset.len() < RESET_LIMIT {
        reset.insert(id, errno);
    }
}

/// JS took the connection's `Close`.
pub fn forget_reset(id: u32) {
    let mut reset = lock(&RESET);
    if !reset.is_empty() {
        reset.remove(&id);
    }
}

/// The reset that closed `id`, while JS has not been told.
pub fn reset_errno(id: u32) -> Option<i32> {
    lock(&RESET).get(&id).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_is_known_until_js_takes_the_close() {
        let id = next_id();
        assert_eq!(reset_errno(id), None);
        note_reset(id, 104);
        assert_eq!(reset_errno(id), Some(104));
        forget_reset(id);
        assert_eq!(reset_errno(id), None);
    }
}
