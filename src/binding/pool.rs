//! The agents' connection pools (`client::pool`) for JS: plain functions
//! over a per-thread table of pools, argument conversion only. (Functions,
//! not a class: a napi class method call costs ~3× a function call here,
//! and these run several times per request.)

use std::cell::RefCell;

use napi_derive::napi;

use crate::client::pool::{Checkout, Limits, Pool, Release, Replacement};

/// `pool_checkout`'s result is `kind * 2^32 + id`: one number, no allocation.
const KIND_SHIFT: f64 = 4_294_967_296.0;
const CHECKOUT_REUSE: f64 = 0.0;
const CHECKOUT_CREATE: f64 = 1.0;
const CHECKOUT_WAIT: f64 = 2.0;

/// `pool_release`'s results other than a ticket.
const RELEASE_MAY_PARK: i64 = -1;
const RELEASE_CLOSE: i64 = -2;

thread_local! {
    /// Pools of the agents made on this JS thread (main or a worker): an
    /// agent's pool is only ever used from the thread that made it. Freed
    /// slots are reused, so the table is as large as the most agents alive
    /// at once.
    static POOLS: RefCell<Vec<Option<Pool>>> = const { RefCell::new(Vec::new()) };
}

fn with_pool<R>(id: u32, f: impl FnOnce(&mut Pool) -> R) -> Option<R> {
    POOLS.with_borrow_mut(|pools| pools.get_mut(id as usize)?.as_mut().map(f))
}

#[napi(object)]
pub struct PoolReplacement {
    pub origin: String,
    pub ticket: u32,
    pub slot: u32,
}

impl From<Replacement> for PoolReplacement {
    fn from(r: Replacement) -> Self {
        PoolReplacement {
            origin: r.origin,
            ticket: r.ticket,
            slot: r.slot,
        }
    }
}

/// A new empty pool; its id.
#[napi(catch_unwind)]
pub fn pool_new() -> u32 {
    POOLS.with_borrow_mut(|pools| {
        let free = pools.iter().position(Option::is_none);
        let id = free.unwrap_or(pools.len());
        if id == pools.len() {
            pools.push(None);
        }
        pools[id] = Some(Pool::new());
        id as u32
    })
}

/// The agent was collected: its pool goes.
#[napi(catch_unwind)]
pub fn pool_free(id: u32) {
    POOLS.with_borrow_mut(|pools| {
        if let Some(p) = pools.get_mut(id as usize) {
            *p = None;
        }
    });
}

/// Reuse (0), create (1) or wait (2), with the slot or ticket; -1 for an
/// unknown pool.
#[napi(catch_unwind)]
pub fn pool_checkout(
    id: u32,
    origin: String,
    max_sockets: f64,
    max_total_sockets: f64,
    lifo: bool,
) -> f64 {
    let limits = Limits {
        max_sockets,
        max_total_sockets,
        max_free_sockets: f64::INFINITY,
        lifo,
    };
    with_pool(id, |p| match p.checkout(&origin, limits) {
        Checkout::Reuse(slot) => CHECKOUT_REUSE * KIND_SHIFT + f64::from(slot),
        Checkout::Create(slot) => CHECKOUT_CREATE * KIND_SHIFT + f64::from(slot),
        Checkout::Wait(ticket) => CHECKOUT_WAIT * KIND_SHIFT + f64::from(ticket),
    })
    .unwrap_or(-1.0)
}

#[napi(catch_unwind)]
pub fn pool_reserve(id: u32, origin: String) -> i64 {
    with_pool(id, |p| i64::from(p.reserve(&origin))).unwrap_or(-1)
}

#[napi(catch_unwind)]
pub fn pool_detach(id: u32, slot: u32) {
    with_pool(id, |p| p.detach(slot));
}

/// The ticket of the request that takes the connection, else -1 (it may
/// stay idle) or -2 (close it).
#[napi(catch_unwind)]
pub fn pool_release(
    id: u32,
    slot: u32,
    max_sockets: f64,
    max_total_sockets: f64,
    max_free_sockets: f64,
) -> i64 {
    let limits = Limits {
        max_sockets,
        max_total_sockets,
        max_free_sockets,
        lifo: true,
    };
    with_pool(id, |p| match p.release(slot, limits) {
        Release::Handoff(ticket) => i64::from(ticket),
        Release::MayPark => RELEASE_MAY_PARK,
        Release::Close => RELEASE_CLOSE,
    })
    .unwrap_or(RELEASE_CLOSE)
}

#[napi(catch_unwind)]
pub fn pool_park(id: u32, slot: u32) -> Option<PoolReplacement> {
    with_pool(id, |p| p.park(slot)).flatten().map(Into::into)
}

/// A connection closed or left the agent. `slot` is absent when the
/// socket was never counted; the waiting requests are looked at anyway.
#[napi(catch_unwind)]
pub fn pool_remove(id: u32, origin: String, slot: Option<u32>) -> Option<PoolReplacement> {
    with_pool(id, |p| p.remove(&origin, slot))
        .flatten()
        .map(Into::into)
}

#[napi(catch_unwind)]
pub fn pool_cancel(id: u32, slot: u32) {
    with_pool(id, |p| p.cancel(slot));
}

/// Every counted connection (core's `totalSocketCount`), for tests.
#[napi(catch_unwind)]
pub fn pool_total(id: u32) -> i64 {
    with_pool(id, |p| p.total() as i64).unwrap_or(-1)
}
