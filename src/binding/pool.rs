//! The agents' connection pools (`client::pool`) for JS: plain functions
//! over a per-thread table of pools, argument conversion only. (Functions,
//! not a class: a napi class method call costs ~3× a function call here,
//! and these run several times per request.) The two called once per
//! request are raw N-API callbacks (`raw`).

use std::cell::RefCell;

use napi::{sys, Result};
use napi_derive::napi;

use super::raw::{self, Args};
use crate::client::pool::{Candidate, Checkout, Counts, Limits, Pool, Release};

/// `pool_checkout`'s results other than a slot to reuse (slots are u32).
const CHECKOUT_CREATE: f64 = -1.0;
/// A ticket `t` to wait with comes back as `-2 - t`.
const CHECKOUT_WAIT_BASE: f64 = -2.0;

/// `pool_release`'s results other than a ticket.
const RELEASE_MAY_PARK: f64 = -1.0;
const RELEASE_CLOSE: f64 = -2.0;

/// The pools of the agents made on one JS thread, and the free entries.
#[derive(Default)]
struct Pools {
    table: Vec<Option<Pool>>,
    free: Vec<u32>,
}

thread_local! {
    /// Pools of the agents made on this JS thread (main or a worker): an
    /// agent's pool is only ever used from the thread that made it. Freed
    /// entries are reused (`agent: false` makes an agent per request), so
    /// the table is as large as the most agents alive at once.
    static POOLS: RefCell<Pools> = RefCell::new(Pools::default());
}

fn with_pool<R>(id: u32, f: impl FnOnce(&mut Pool) -> R) -> Option<R> {
    POOLS.with_borrow_mut(|pools| pools.table.get_mut(id as usize)?.as_mut().map(f))
}

fn counts(busy: f64, free: f64, total: f64) -> Counts {
    Counts { busy, free, total }
}

#[napi(object)]
pub struct PoolCandidate {
    pub origin: String,
    pub ticket: u32,
    pub same_origin: bool,
}

impl From<Candidate> for PoolCandidate {
    fn from(c: Candidate) -> Self {
        PoolCandidate {
            origin: c.origin,
            ticket: c.ticket,
            same_origin: c.same_origin,
        }
    }
}

/// A new empty pool; its id.
#[napi(catch_unwind)]
pub fn pool_new() -> u32 {
    POOLS.with_borrow_mut(|pools| {
        let id = match pools.free.pop() {
            Some(id) => id,
            None => {
                pools.table.push(None);
                (pools.table.len() - 1) as u32
            }
        };
        pools.table[id as usize] = Some(Pool::new());
        id
    })
}

/// The agent was collected: its pool goes.
#[napi(catch_unwind)]
pub fn pool_free(id: u32) {
    POOLS.with_borrow_mut(|pools| {
        if let Some(entry) = pools.table.get_mut(id as usize) {
            if entry.take().is_some() {
                pools.free.push(id);
            }
        }
    });
}

#[napi(catch_unwind)]
pub fn pool_new_slot(id: u32) -> i64 {
    with_pool(id, |p| i64::from(p.new_slot())).unwrap_or(-1)
}

/// The functions `lib/agent.js` calls once per request.
pub const CALLBACKS: [(&str, sys::napi_callback); 2] = [
    ("poolCheckout", Some(pool_checkout)),
    ("poolRelease", Some(pool_release)),
];

thread_local! {
    /// The origin argument's bytes, reused from call to call.
    static ORIGIN: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// `poolCheckout(id, origin, busy, free, total, maxSockets,
/// maxTotalSockets, lifo)`: a slot to reuse (>= 0), -1 to open a
/// connection, or `-2 - ticket` to wait. `busy`, `free` and `total` are
/// the views' counts.
unsafe extern "C" fn pool_checkout(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let args = unsafe { Args::<8>::new(env, info) }?;
        let limits = pool_limits(&args, f64::INFINITY, args.bool(7)?)?;
        let decision = pool_decide(&args, CHECKOUT_CREATE, |p, origin, counts| {
            match p.checkout(origin, counts, limits) {
                Checkout::Reuse(slot) => f64::from(slot),
                Checkout::Create => CHECKOUT_CREATE,
                Checkout::Wait(ticket) => CHECKOUT_WAIT_BASE - f64::from(ticket),
            }
        })?;
        raw::double(env, decision)
    })
}

/// `poolRelease(id, origin, busy, free, total, maxSockets,
/// maxTotalSockets, maxFreeSockets)`: the ticket of the request that takes
/// the connection (>= 0), else -1 (it may stay idle) or -2 (close it).
unsafe extern "C" fn pool_release(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let args = unsafe { Args::<8>::new(env, info) }?;
        let limits = pool_limits(&args, args.f64(7)?, true)?;
        let decision = pool_decide(&args, RELEASE_CLOSE, |p, origin, counts| {
            match p.release(origin, counts, limits) {
                Release::Handoff(ticket) => f64::from(ticket),
                Release::MayPark => RELEASE_MAY_PARK,
                Release::Close => RELEASE_CLOSE,
            }
        })?;
        raw::double(env, decision)
    })
}

/// The limits: arguments 5 and 6 (`maxSockets`, `maxTotalSockets`) of
/// both calls, and what argument 7 says in each.
fn pool_limits(args: &Args<8>, max_free_sockets: f64, lifo: bool) -> Result<Limits> {
    Ok(Limits {
        max_sockets: args.f64(5)?,
        max_total_sockets: args.f64(6)?,
        max_free_sockets,
        lifo,
    })
}

/// Run `decide` on pool argument 0 with the origin (argument 1) and the
/// counts (2 to 4); `gone` if the pool is.
fn pool_decide(
    args: &Args<8>,
    gone: f64,
    decide: impl FnOnce(&mut Pool, &str, Counts) -> f64,
) -> Result<f64> {
    let id = args.u32(0)?;
    let counts = counts(args.f64(2)?, args.f64(3)?, args.f64(4)?);
    ORIGIN.with_borrow_mut(|buf| {
        let origin = args.str(1, buf)?;
        Ok(with_pool(id, |p| decide(p, origin, counts)).unwrap_or(gone))
    })
}

#[napi(catch_unwind)]
pub fn pool_park(id: u32, origin: String, slot: u32) {
    with_pool(id, |p| p.park(&origin, slot));
}

#[napi(catch_unwind)]
pub fn pool_drop_slot(id: u32, slot: u32) {
    with_pool(id, |p| p.drop_slot(slot));
}

/// The queued request that may get a new connection after `origin` lost one.
#[napi(catch_unwind)]
pub fn pool_candidate(id: u32, origin: String) -> Option<PoolCandidate> {
    with_pool(id, |p| p.candidate(&origin))
        .flatten()
        .map(Into::into)
}

#[napi(catch_unwind)]
pub fn pool_drop_ticket(id: u32, origin: String, ticket: u32) {
    with_pool(id, |p| p.drop_ticket(&origin, ticket));
}

#[napi(catch_unwind)]
pub fn pool_drop_queue(id: u32, origin: String) {
    with_pool(id, |p| p.drop_queue(&origin));
}
