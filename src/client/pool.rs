//! The agent's connection pool: which connection serves which request.
//!
//! One `Pool` per `http.Agent`. Origins are keyed by the agent's `getName()`
//! string; connections by a slot number the JS side tags its socket with,
//! and queued requests by a ticket. The pool owns the idle connections of
//! each origin (reused in `scheduling` order), the queue of requests waiting
//! for each origin and the order the queues started in, and takes core's
//! `_http_agent` decisions step for step: reuse, open or queue; hand a freed
//! connection to a waiting request, keep it idle or close it; which queued
//! request gets a new connection when one goes away.
//!
//! The socket counts those decisions compare with the limits are the ones
//! the API exposes (`agent.sockets[name].length`, `freeSockets`,
//! `totalSocketCount`), passed in by JS: programs and Agent subclasses
//! change them (agent-base counts a placeholder socket while it connects),
//! and core decides on exactly those numbers.

use std::collections::{HashMap, VecDeque};

/// A connection's number in its pool.
pub type Slot = u32;
/// A queued request's number in its pool.
pub type Ticket = u32;

/// The agent's limits, read at each decision (programs change them on live
/// agents). `f64` because they are JS numbers, `Infinity` and `NaN`
/// included, compared as core compares them.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_sockets: f64,
    pub max_total_sockets: f64,
    pub max_free_sockets: f64,
    /// `scheduling: 'lifo'` (the most recently freed connection first).
    pub lifo: bool,
}

/// The views' counts at the moment of a decision.
#[derive(Clone, Copy, Debug)]
pub struct Counts {
    /// `agent.sockets[name].length`: connections in use (and placeholders).
    pub busy: f64,
    /// `agent.freeSockets[name].length`.
    pub free: f64,
    /// `agent.totalSocketCount`.
    pub total: f64,
}

/// What `checkout` decided for a new request.
#[derive(Debug, PartialEq, Eq)]
pub enum Checkout {
    /// Reuse this idle connection.
    Reuse(Slot),
    /// Open a connection.
    Create,
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

/// The queued request that may get a new connection (core's
/// `removeSocket` tail). It stays queued until a connection is released to
/// it.
#[derive(Debug, PartialEq, Eq)]
pub struct Candidate {
    pub origin: String,
    pub ticket: Ticket,
    /// Of the origin that lost a connection; else the first queued origin,
    /// which core serves only when it has no connection in use.
    pub same_origin: bool,
}

#[derive(Default)]
struct Origin {
    free: VecDeque<Slot>,
    waiting: VecDeque<Ticket>,
}

impl Origin {
    fn is_empty(&self) -> bool {
        self.free.is_empty() && self.waiting.is_empty()
    }
}

#[derive(Default)]
pub struct Pool {
    origins: HashMap<String, Origin>,
    /// The origin of every idle slot.
    idle: HashMap<Slot, String>,
    /// Origins with waiting requests, in the order their queue was started
    /// (the key order of core's `agent.requests`).
    waiting_order: Vec<String>,
    next_slot: Slot,
    next_ticket: Ticket,
}

impl Pool {
    pub fn new() -> Self {
        Self::default()
    }

    /// A number for a new connection.
    pub fn new_slot(&mut self) -> Slot {
        let slot = self.next_slot;
        self.next_slot = self.next_slot.wrapping_add(1);
        slot
    }

    /// A new request for `origin` (core's `addRequest`). `counts` are read
    /// after an idle connection would have been taken.
    pub fn checkout(&mut self, origin: &str, counts: Counts, limits: Limits) -> Checkout {
        if let Some(entry) = self.origins.get_mut(origin) {
            let picked = if limits.lifo {
                entry.free.pop_back()
            } else {
                entry.free.pop_front()
            };
            if let Some(slot) = picked {
                self.idle.remove(&slot);
                self.drop_if_empty(origin);
                return Checkout::Reuse(slot);
            }
        }
        if counts.free + counts.busy < limits.max_sockets && counts.total < limits.max_total_sockets
        {
            return Checkout::Create;
        }
        let ticket = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1);
        let entry = self.origins.entry(origin.to_owned()).or_default();
        if entry.waiting.is_empty() {
            self.waiting_order.push(origin.to_owned());
        }
        entry.waiting.push_back(ticket);
        Checkout::Wait(ticket)
    }

    /// A connection of `origin` finished a response and may be reused
    /// (core's 'free' handler): hand it to the request that waits longest,
    /// or say whether the limits let it stay idle.
    pub fn release(&mut self, origin: &str, counts: Counts, limits: Limits) -> Release {
        if let Some(ticket) = self.pop_waiting(origin) {
            return Release::Handoff(ticket);
        }
        let over = counts.total > limits.max_total_sockets
            || counts.free + counts.busy > limits.max_sockets
            || counts.free >= limits.max_free_sockets;
        if over {
            Release::Close
        } else {
            Release::MayPark
        }
    }

    /// Keep `slot` idle for reuse by `origin`'s next request.
    pub fn park(&mut self, origin: &str, slot: Slot) {
        self.drop_slot(slot);
        self.origins
            .entry(origin.to_owned())
            .or_default()
            .free
            .push_back(slot);
        self.idle.insert(slot, origin.to_owned());
    }

    /// `slot` is no longer an idle connection (it closed, or was found
    /// dead). Unknown or busy slots are ignored.
    pub fn drop_slot(&mut self, slot: Slot) {
        if let Some(origin) = self.idle.remove(&slot) {
            if let Some(entry) = self.origins.get_mut(origin.as_str()) {
                entry.free.retain(|s| *s != slot);
            }
            self.drop_if_empty(&origin);
        }
    }

    /// The queued request that gets a new connection now that `origin`
    /// lost one: its own first waiting request, else the first one of the
    /// first queued origin.
    pub fn candidate(&self, origin: &str) -> Option<Candidate> {
        if let Some(ticket) = self
            .origins
            .get(origin)
            .and_then(|e| e.waiting.front().copied())
        {
            return Some(Candidate {
                origin: origin.to_owned(),
                ticket,
                same_origin: true,
            });
        }
        let first = self.waiting_order.first()?;
        let ticket = *self.origins.get(first.as_str())?.waiting.front()?;
        Some(Candidate {
            origin: first.clone(),
            ticket,
            same_origin: false,
        })
    }

    /// A queued request the program took out of `agent.requests`.
    pub fn drop_ticket(&mut self, origin: &str, ticket: Ticket) {
        if let Some(entry) = self.origins.get_mut(origin) {
            entry.waiting.retain(|t| *t != ticket);
            if entry.waiting.is_empty() {
                self.waiting_order.retain(|o| o != origin);
            }
        }
        self.drop_if_empty(origin);
    }

    /// A whole queue the program deleted from `agent.requests`.
    pub fn drop_queue(&mut self, origin: &str) {
        if let Some(entry) = self.origins.get_mut(origin) {
            entry.waiting.clear();
        }
        self.waiting_order.retain(|o| o != origin);
        self.drop_if_empty(origin);
    }

    fn pop_waiting(&mut self, origin: &str) -> Option<Ticket> {
        let entry = self.origins.get_mut(origin)?;
        let ticket = entry.waiting.pop_front()?;
        if entry.waiting.is_empty() {
            self.waiting_order.retain(|o| o != origin);
        }
        self.drop_if_empty(origin);
        Some(ticket)
    }

    fn drop_if_empty(&mut self, origin: &str) {
        if self.origins.get(origin).is_some_and(Origin::is_empty) {
            self.origins.remove(origin);
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

    fn counts(busy: f64, free: f64, total: f64) -> Counts {
        Counts { busy, free, total }
    }

    const NONE: Counts = Counts {
        busy: 0.0,
        free: 0.0,
        total: 0.0,
    };

    #[test]
    fn under_the_limits_a_request_opens_a_connection() {
        let mut p = Pool::new();
        let l = limits(2.0, INF, 256.0);
        assert_eq!(p.checkout("o", NONE, l), Checkout::Create);
        assert_eq!(p.checkout("o", counts(1.0, 0.0, 1.0), l), Checkout::Create);
        assert_eq!(p.checkout("o", counts(2.0, 0.0, 2.0), l), Checkout::Wait(0));
        // Idle connections count toward maxSockets too.
        assert_eq!(p.checkout("p", counts(1.0, 1.0, 2.0), l), Checkout::Wait(1));
        let total = limits(INF, 3.0, 256.0);
        assert_eq!(
            p.checkout("q", counts(0.0, 0.0, 3.0), total),
            Checkout::Wait(2)
        );
    }

    #[test]
    fn limits_compare_as_javascript_numbers() {
        let mut p = Pool::new();
        // NaN makes every comparison false: core then queues...
        assert_eq!(
            p.checkout("o", NONE, limits(f64::NAN, INF, 256.0)),
            Checkout::Wait(0)
        );
        // ...and keeps a freed connection idle (no "over" test holds).
        let mut q = Pool::new();
        assert_eq!(
            q.release("o", counts(1.0, 0.0, 1.0), limits(INF, INF, f64::NAN)),
            Release::MayPark
        );
    }

    #[test]
    fn release_hands_over_in_queue_order_then_parks_or_closes() {
        let mut p = Pool::new();
        let l = limits(1.0, INF, 256.0);
        let busy = counts(1.0, 0.0, 1.0);
        assert_eq!(p.checkout("o", busy, l), Checkout::Wait(0));
        assert_eq!(p.checkout("o", busy, l), Checkout::Wait(1));
        assert_eq!(p.release("o", busy, l), Release::Handoff(0));
        assert_eq!(p.release("o", busy, l), Release::Handoff(1));
        assert_eq!(p.release("o", busy, l), Release::MayPark);
        assert_eq!(p.release("o", counts(2.0, 0.0, 2.0), l), Release::Close);
        let one_free = limits(INF, INF, 1.0);
        assert_eq!(
            p.release("o", counts(1.0, 1.0, 2.0), one_free),
            Release::Close
        );
        let total = limits(INF, 1.0, 256.0);
        assert_eq!(p.release("o", counts(1.0, 0.0, 2.0), total), Release::Close);
    }

    #[test]
    fn scheduling_picks_most_or_least_recently_parked() {
        for lifo in [true, false] {
            let mut p = Pool::new();
            let l = Limits {
                lifo,
                ..limits(INF, INF, 256.0)
            };
            let (a, b) = (p.new_slot(), p.new_slot());
            p.park("o", a);
            p.park("o", b);
            let want = if lifo { b } else { a };
            assert_eq!(p.checkout("o", NONE, l), Checkout::Reuse(want));
        }
    }

    #[test]
    fn idle_connections_are_per_origin_and_dropped_when_dead() {
        let mut p = Pool::new();
        let l = limits(INF, INF, 256.0);
        let a = p.new_slot();
        p.park("a", a);
        assert_eq!(p.checkout("b", NONE, l), Checkout::Create);
        p.drop_slot(a);
        assert_eq!(p.checkout("a", NONE, l), Checkout::Create);
        assert!(p.origins.is_empty() && p.idle.is_empty(), "nothing left");
        p.drop_slot(a); // twice, or never idle: ignored
        p.drop_slot(99);
    }

    #[test]
    fn parking_again_moves_a_slot() {
        let mut p = Pool::new();
        let l = limits(INF, INF, 256.0);
        let s = p.new_slot();
        p.park("a", s);
        p.park("b", s);
        assert_eq!(p.checkout("a", NONE, l), Checkout::Create);
        assert_eq!(p.checkout("b", NONE, l), Checkout::Reuse(s));
    }

    #[test]
    fn candidate_prefers_own_queue_then_first_queued_origin() {
        let mut p = Pool::new();
        let l = limits(INF, 1.0, 256.0);
        let full = counts(0.0, 0.0, 1.0);
        assert_eq!(p.candidate("a"), None);
        assert_eq!(p.checkout("c", full, l), Checkout::Wait(0));
        assert_eq!(p.checkout("b", full, l), Checkout::Wait(1));
        let c = p.candidate("a").unwrap();
        assert_eq!(
            (c.origin.as_str(), c.ticket, c.same_origin),
            ("c", 0, false)
        );
        let b = p.candidate("b").unwrap();
        assert_eq!((b.origin.as_str(), b.ticket, b.same_origin), ("b", 1, true));
        // The candidate stays queued until a connection is released to it.
        assert_eq!(p.release("c", full, l), Release::Handoff(0));
        let next = p.candidate("a").unwrap();
        assert_eq!((next.origin.as_str(), next.ticket), ("b", 1));
    }

    #[test]
    fn requests_taken_out_of_the_views_are_forgotten() {
        let mut p = Pool::new();
        let l = limits(0.0, INF, 256.0);
        for _ in 0..3 {
            p.checkout("a", NONE, l);
        }
        p.checkout("b", NONE, l);
        p.drop_ticket("a", 1);
        assert_eq!(p.release("a", NONE, l), Release::Handoff(0));
        assert_eq!(p.release("a", NONE, l), Release::Handoff(2));
        assert_eq!(p.candidate("x").unwrap().origin, "b");
        p.drop_queue("b");
        assert_eq!(p.candidate("x"), None);
        assert!(p.origins.is_empty() && p.waiting_order.is_empty());
    }
}
