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
