//! The agent's connection pool: which connection serves which request.
//!
//! One `Pool` per `http.Agent`. Origins are keyed by the agent's `getName()`
//! string; connections by a slot number the JS side maps to its socket, and
//! queued requests by a ticket. The decisions are core's `_http_agent`
//! ones, step for step, so programs (and Agent subclasses) see the same
//! pooling; JS keeps only the views the API exposes (`agent.sockets`,
//! `freeSockets`, `requests`) in step with what this returns.
//!
//! Differences from core, both deliberate: a connection counts against
//! `maxSockets`/`maxTotalSockets` from the moment its creation is decided,
//! not when an asynchronous `createConnection` completes (what agent-base
//! emulates with placeholder sockets); and a slot is counted once however
//! many views it appears in.

use std::collections::{HashMap, VecDeque};

/// A connection's number in its pool.
pub type Slot = u32;
/// A queued request's number in its pool.
pub type Ticket = u32;

/// The agent's limits, read at each decision (core reads the properties
/// each time, and programs change them on live agents). `f64` because JS
/// numbers, `Infinity` included, are what they are compared with.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_sockets: f64,
    pub max_total_sockets: f64,
    pub max_free_sockets: f64,
    /// `scheduling: 'lifo'` (the most recently freed connection first).
    pub lifo: bool,
}

/// What `checkout` decided for a new request.
#[derive(Debug, PartialEq, Eq)]
pub enum Checkout {
    /// Reuse this idle connection.
    Reuse(Slot),
    /// Open a connection; the slot is already counted.
    Create(Slot),
    /// Over a limit: the request waits with this ticket.
    Wait(Ticket),
}

/// What `release` decided for a connection whose response is done.
#[derive(Debug, PartialEq, Eq)]
pub enum Release {
    /// The request with this ticket waited longest for the origin: it
    /// takes the connection.
    Handoff(Ticket),
    /// Nobody waits and the limits allow keeping it idle (`park`).
    MayPark,
    /// Nobody waits and a limit says close it.
    Close,
}

/// A connection to open for a request that waits (core's `removeSocket`).
#[derive(Debug, PartialEq, Eq)]
pub struct Replacement {
    pub origin: String,
    /// The first waiting request of that origin; it stays queued until the
    /// new connection is released to it.
    pub ticket: Ticket,
    pub slot: Slot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotState {
    Busy,
    Free,
    /// Taken out of the free list dead (destroyed before reuse): counts
    /// toward the total until its close is reported, as in core.
    Detached,
}

#[derive(Default)]
struct Origin {
    busy: usize,
    free: VecDeque<Slot>,
    waiting: VecDeque<Ticket>,
}

impl Origin {
    fn is_empty(&self) -> bool {
        self.busy == 0 && self.free.is_empty() && self.waiting.is_empty()
    }
}

#[derive(Default)]
pub struct Pool {
    origins: HashMap<String, Origin>,
    slots: HashMap<Slot, (String, SlotState)>,
    /// Origins with waiting requests, in the order their queue was started
    /// (the key order of core's `agent.requests`).
    waiting_order: Vec<String>,
    total: usize,
    next_slot: Slot,
    next_ticket: Ticket,
}

impl Pool {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every counted connection, busy, idle or detached (core's
    /// `totalSocketCount`).
    pub fn total(&self) -> usize {
        self.total
    }

    /// A new request for `origin` (core's `addRequest`).
    pub fn checkout(&mut self, origin: &str, limits: Limits) -> Checkout {
        let entry = self.origins.entry(origin.to_owned()).or_default();
        let picked = if limits.lifo {
            entry.free.pop_back()
        } else {
            entry.free.pop_front()
        };
        if let Some(slot) = picked {
            entry.busy += 1;
            self.set_state(slot, SlotState::Busy);
            return Checkout::Reuse(slot);
        }
        let count = entry.busy + entry.free.len();
        if (count as f64) < limits.max_sockets && (self.total as f64) < limits.max_total_sockets {
            return Checkout::Create(self.reserve(origin));
        }
        let ticket = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1);
        let entry = self.origins.get_mut(origin).expect("entry made above");
        if entry.waiting.is_empty() {
            self.waiting_order.push(origin.to_owned());
        }
        entry.waiting.push_back(ticket);
        Checkout::Wait(ticket)
    }

    /// The idle connection `checkout` returned was already dead: it leaves
    /// the free list but stays counted until `remove`.
    pub fn detach(&mut self, slot: Slot) {
        let Some((origin, state)) = self.slots.get_mut(&slot) else {
            return;
        };
        if *state == SlotState::Busy {
            *state = SlotState::Detached;
            if let Some(entry) = self.origins.get_mut(origin.as_str()) {
                entry.busy -= 1;
            }
        }
        self.drop_empty_origin_of(slot);
    }

    /// A request finished with the reusable connection `slot` (core's
    /// 'free' handler): hand it to a waiting request, or say whether it may
    /// stay idle.
    pub fn release(&mut self, slot: Slot, limits: Limits) -> Release {
        let origin = match self.slots.get(&slot) {
            Some((origin, SlotState::Busy)) => origin.clone(),
            _ => return Release::Close,
        };
        if let Some(ticket) = self.next_waiting(&origin) {
            return Release::Handoff(ticket);
        }
        if self.may_park(slot, limits) {
            Release::MayPark
        } else {
            Release::Close
        }
    }

    /// A request finished with a reusable connection: the ticket of the
    /// request that waits longest for this origin, if any (it now owns the
    /// connection).
    fn next_waiting(&mut self, origin: &str) -> Option<Ticket> {
        let entry = self.origins.get_mut(origin)?;
        let ticket = entry.waiting.pop_front()?;
        if entry.waiting.is_empty() {
            self.waiting_order.retain(|o| o != origin);
        }
        Some(ticket)
    }

    /// Whether limits allow keeping the released connection `slot` idle
    /// (core's checks before `keepSocketAlive`).
    fn may_park(&self, slot: Slot, limits: Limits) -> bool {
        let Some((origin, SlotState::Busy)) = self.slots.get(&slot) else {
            return false;
        };
        let Some(entry) = self.origins.get(origin.as_str()) else {
            return false;
        };
        let free = entry.free.len();
        (self.total as f64) <= limits.max_total_sockets
            && ((entry.busy + free) as f64) <= limits.max_sockets
            && (free as f64) < limits.max_free_sockets
    }

    /// Keep `slot` idle for reuse. Like core's `removeSocket` that follows,
    /// this may start a connection for a request of another origin.
    pub fn park(&mut self, slot: Slot) -> Option<Replacement> {
        let origin = match self.slots.get_mut(&slot) {
            Some((origin, state)) if *state == SlotState::Busy => {
                *state = SlotState::Free;
                origin.clone()
            }
            _ => return None,
        };
        let entry = self
            .origins
            .get_mut(origin.as_str())
            .expect("slot's origin");
        entry.busy -= 1;
        entry.free.push_back(slot);
        self.replacement_for(&origin)
    }

    /// The connection closed or left the agent (core's close/agentRemove
    /// handlers). Returns the connection to open in its place for a waiting
    /// request, if any.
    pub fn remove(&mut self, origin: &str, slot: Option<Slot>) -> Option<Replacement> {
        if let Some(slot) = slot {
            self.forget(slot);
        }
        self.replacement_for(origin)
    }

    /// A connection whose creation failed: uncount it without looking for
    /// replacements (core never counted it).
    pub fn cancel(&mut self, slot: Slot) {
        self.forget(slot);
    }

    /// Core's `removeSocket` tail: the first waiting request of `origin`,
    /// else of the first origin (in queue order) that has no busy
    /// connection, gets a new connection.
    fn replacement_for(&mut self, origin: &str) -> Option<Replacement> {
        let own = self
            .origins
            .get(origin)
            .and_then(|e| e.waiting.front().copied());
        let (target, ticket) = match own {
            Some(ticket) => (origin.to_owned(), ticket),
            None => {
                // Core stops at the first queued origin, whether or not it
                // can take a connection ("not FIFO across origins").
                let first = self.waiting_order.first()?;
                let entry = &self.origins[first.as_str()];
                if entry.busy > 0 {
                    return None;
                }
                (first.clone(), *entry.waiting.front()?)
            }
        };
        let slot = self.reserve(&target);
        Some(Replacement {
            origin: target,
            ticket,
            slot,
        })
    }

    /// Count a new connection for `origin` (also for one a program opens
    /// through `agent.createSocket` directly, outside any `checkout`).
    pub fn reserve(&mut self, origin: &str) -> Slot {
        let slot = self.next_slot;
        self.next_slot = self.next_slot.wrapping_add(1);
        self.origins.entry(origin.to_owned()).or_default().busy += 1;
        self.slots
            .insert(slot, (origin.to_owned(), SlotState::Busy));
        self.total += 1;
        slot
    }

    fn forget(&mut self, slot: Slot) {
        let Some((origin, state)) = self.slots.remove(&slot) else {
            return;
        };
        self.total -= 1;
        if let Some(entry) = self.origins.get_mut(origin.as_str()) {
            match state {
                SlotState::Busy => entry.busy -= 1,
                SlotState::Free => entry.free.retain(|s| *s != slot),
                SlotState::Detached => {}
            }
            if entry.is_empty() {
                self.origins.remove(origin.as_str());
            }
        }
    }

    fn set_state(&mut self, slot: Slot, state: SlotState) {
        if let Some(entry) = self.slots.get_mut(&slot) {
            entry.1 = state;
        }
    }

    fn drop_empty_origin_of(&mut self, slot: Slot) {
        if let Some((origin, _)) = self.slots.get(&slot) {
            if self
                .origins
                .get(origin.as_str())
                .is_some_and(Origin::is_empty)
            {
                let origin = origin.clone();
                self.origins.remove(origin.as_str());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    fn limits(max_sockets: f64, max_total_sockets: f64, max_free_sockets: f64) -> Limits {
        Limits {
            max_sockets,
            max_total_sockets,
            max_free_sockets,
            lifo: true,
        }
    }

    fn created(c: Checkout) -> Slot {
        match c {
            Checkout::Create(s) => s,
            other => panic!("expected Create, got {other:?}"),
        }
    }

    #[test]
    fn unlimited_agent_creates_a_connection_per_request() {
        let mut p = Pool::new();
        let a = created(p.checkout("a:80:", limits(INF, INF, 256.0)));
        let b = created(p.checkout("a:80:", limits(INF, INF, 256.0)));
        assert_ne!(a, b);
        assert_eq!(p.total(), 2);
    }

    #[test]
    fn max_sockets_queues_and_release_hands_over_in_order() {
        let mut p = Pool::new();
        let l = limits(1.0, INF, 256.0);
        let s = created(p.checkout("o", l));
        assert_eq!(p.checkout("o", l), Checkout::Wait(0));
        assert_eq!(p.checkout("o", l), Checkout::Wait(1));
        assert_eq!(p.next_waiting("o"), Some(0));
        assert_eq!(p.next_waiting("o"), Some(1));
        assert_eq!(p.next_waiting("o"), None);
        assert!(p.may_park(s, l));
        assert_eq!(p.park(s), None);
        assert_eq!(p.checkout("o", l), Checkout::Reuse(s));
    }

    #[test]
    fn release_hands_over_then_parks_or_closes() {
        let mut p = Pool::new();
        let l = limits(1.0, INF, 256.0);
        let s = created(p.checkout("o", l));
        assert_eq!(p.checkout("o", l), Checkout::Wait(0));
        assert_eq!(p.release(s, l), Release::Handoff(0));
        assert_eq!(p.release(s, l), Release::MayPark);
        let tight = limits(0.0, INF, 256.0);
        assert_eq!(p.release(s, tight), Release::Close);
        p.park(s);
        assert_eq!(
            p.release(s, l),
            Release::Close,
            "an idle slot is not released"
        );
        assert_eq!(p.release(42, l), Release::Close, "unknown slot");
    }

    #[test]
    fn scheduling_picks_most_or_least_recently_freed() {
        for lifo in [true, false] {
            let mut p = Pool::new();
            let l = Limits {
                lifo,
                ..limits(INF, INF, 256.0)
            };
            let a = created(p.checkout("o", l));
            let b = created(p.checkout("o", l));
            p.park(a);
            p.park(b);
            let want = if lifo { b } else { a };
            assert_eq!(p.checkout("o", l), Checkout::Reuse(want));
        }
    }

    #[test]
    fn max_free_sockets_and_limits_refuse_parking() {
        let mut p = Pool::new();
        let l = limits(INF, INF, 1.0);
        let a = created(p.checkout("o", l));
        let b = created(p.checkout("o", l));
        assert!(p.may_park(a, l));
        p.park(a);
        assert!(!p.may_park(b, l), "one free already: maxFreeSockets 1");
        // Lowered on a live agent: the next release is over the limit.
        let lowered = limits(1.0, INF, 256.0);
        assert!(!p.may_park(b, lowered));
        assert!(!p.may_park(a, l), "an idle slot is not released again");
    }

    #[test]
    fn max_total_sockets_across_origins_and_replacement_on_park() {
        let mut p = Pool::new();
        let l = limits(INF, 1.0, 256.0);
        let a = created(p.checkout("a", l));
        assert_eq!(p.checkout("b", l), Checkout::Wait(0));
        // Parking a's connection starts one for b's waiting request (core
        // creates it even though the total is then over the limit).
        let r = p.park(a).expect("replacement");
        assert_eq!(r.origin, "b");
        assert_eq!(r.ticket, 0);
        assert_eq!(p.total(), 2);
        // The request is still queued until the new connection is released.
        assert_eq!(p.next_waiting("b"), Some(0));
        assert!(!p.may_park(r.slot, l), "over maxTotalSockets");
    }

    #[test]
    fn replacement_stops_at_first_queued_origin_with_busy_connections() {
        let mut p = Pool::new();
        let l = limits(1.0, INF, 256.0);
        let a = created(p.checkout("a", l));
        let _b = created(p.checkout("b", l));
        assert_eq!(p.checkout("b", l), Checkout::Wait(0));
        assert_eq!(p.checkout("c", l), Checkout::Create(2));
        // a closes: a has nobody waiting; b is the first queued origin and
        // has a busy connection, so nothing is started (core's quirk).
        assert_eq!(p.remove("a", Some(a)), None);
    }

    #[test]
    fn close_of_a_busy_connection_starts_one_for_its_waiting_request() {
        let mut p = Pool::new();
        let l = limits(1.0, INF, 256.0);
        let s = created(p.checkout("o", l));
        assert_eq!(p.checkout("o", l), Checkout::Wait(0));
        let r = p.remove("o", Some(s)).expect("replacement");
        assert_eq!((r.origin.as_str(), r.ticket), ("o", 0));
        assert_eq!(p.total(), 1);
        assert_eq!(p.next_waiting("o"), Some(0));
        p.park(r.slot);
        assert_eq!(p.checkout("o", l), Checkout::Reuse(r.slot));
    }

    #[test]
    fn removing_an_idle_connection_and_unknown_slots() {
        let mut p = Pool::new();
        let l = limits(INF, INF, 256.0);
        let s = created(p.checkout("o", l));
        p.park(s);
        assert_eq!(p.remove("o", Some(s)), None);
        assert_eq!(p.total(), 0);
        assert!(p.origins.is_empty(), "empty origins are dropped");
        assert_eq!(p.remove("o", Some(s)), None, "a second close is a no-op");
        assert_eq!(p.total(), 0);
        assert_eq!(p.park(99), None);
        p.detach(99);
        p.cancel(99);
    }

    #[test]
    fn a_dead_idle_connection_is_detached_but_counted_until_closed() {
        let mut p = Pool::new();
        let l = limits(1.0, 1.0, 256.0);
        let s = created(p.checkout("o", l));
        p.park(s);
        assert_eq!(p.checkout("o", l), Checkout::Reuse(s));
        p.detach(s);
        assert_eq!(p.total(), 1);
        // Still counted toward maxTotalSockets, as core's totalSocketCount.
        assert_eq!(p.checkout("o", l), Checkout::Wait(0));
        let r = p.remove("o", Some(s)).expect("replacement");
        assert_eq!(r.ticket, 0);
        assert_eq!(p.total(), 1);
    }

    #[test]
    fn cancel_uncounts_a_failed_creation() {
        let mut p = Pool::new();
        let l = limits(1.0, INF, 256.0);
        let s = created(p.checkout("o", l));
        p.cancel(s);
        assert_eq!(p.total(), 0);
        assert!(matches!(p.checkout("o", l), Checkout::Create(_)));
    }

    #[test]
    fn waiting_order_follows_queue_starts() {
        let mut p = Pool::new();
        let l = limits(INF, 1.0, 256.0);
        let s = created(p.checkout("a", l));
        assert_eq!(p.checkout("c", l), Checkout::Wait(0));
        assert_eq!(p.checkout("b", l), Checkout::Wait(1));
        let r = p.remove("a", Some(s)).expect("replacement");
        assert_eq!((r.origin.as_str(), r.ticket), ("c", 0));
        assert_eq!(p.next_waiting("c"), Some(0));
        // c's queue is empty now: parking its connection starts one for b.
        let r2 = p.park(r.slot).expect("replacement");
        assert_eq!((r2.origin.as_str(), r2.ticket), ("b", 1));
        // b now has a busy connection: closing c's starts nothing more.
        assert_eq!(p.remove("c", Some(r.slot)), None);
    }
}
