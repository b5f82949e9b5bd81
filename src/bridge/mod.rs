//! Rust → JS event delivery: a queue per server (or agent) plus a doorbell.
//!
//! Tokio tasks push compact records; the doorbell (one threadsafe-function
//! call) rings only when the queue goes from empty to non-empty, and the JS
//! side drains the whole batch with one synchronous call. DESIGN.md measures
//! this at ~50 ns per event against ~350 ns for a TSFN call per event.

pub mod record;

use std::sync::Mutex;

use tokio::sync::Notify;

/// Rings the JS thread. Implemented by the binding layer with a TSFN; tests
/// use a counter.
pub trait Doorbell: Send + Sync {
    fn ring(&self);
}

/// A doorbell nobody listens to, for tests that read the queue themselves.
#[cfg(test)]
pub struct Silent;

#[cfg(test)]
impl Doorbell for Silent {
    fn ring(&self) {}
}

/// Past this many undelivered events, producers that can wait (the accept
/// loop) do, so a stalled JS thread cannot grow the queue without bound.
/// Connection tasks are bounded separately by their in-flight byte budget.
pub const SOFT_QUEUE_LIMIT: usize = 4096;

pub struct EventQueue<E> {
    events: Mutex<Vec<E>>,
    doorbell: Box<dyn Doorbell>,
    /// Woken after every drain, for producers waiting on `SOFT_QUEUE_LIMIT`.
    drained: Notify,
}

impl<E> EventQueue<E> {
    pub fn new(doorbell: Box<dyn Doorbell>) -> Self {
        EventQueue {
            events: Mutex::new(Vec::with_capacity(64)),
            doorbell,
            drained: Notify::new(),
        }
    }

    /// Queue one event, ringing the doorbell on the empty → non-empty edge.
    pub fn push(&self, event: E) {
        let was_empty = {
            let mut events = lock(&self.events);
            let was_empty = events.is_empty();
            events.push(event);
            was_empty
        };
        if was_empty {
            self.doorbell.ring();
        }
    }

    /// Queue a batch (emptying `batch`), ringing at most once. Into an
    /// empty queue the batch's allocation moves whole, and `batch` gets the
    /// queue's (capacity 0 after a drain): a connection that goes idle
    /// holds no event buffer.
    pub fn push_all(&self, batch: &mut Vec<E>) {
        let was_empty = {
            let mut events = lock(&self.events);
            let was_empty = events.is_empty();
            if was_empty {
                std::mem::swap(&mut *events, batch);
            } else {
                events.append(batch);
            }
            was_empty
        };
        if was_empty {
            self.doorbell.ring();
        }
    }

    /// Take every queued event (called on the JS thread).
    pub fn drain(&self) -> Vec<E> {
        let batch = std::mem::take(&mut *lock(&self.events));
        self.drained.notify_waiters();
        batch
    }

    /// Ring for events left queued: the JS side left them to the next turn
    /// of its event loop (it had taken batches long enough this turn; see
    /// `lib/server.js` dispatchEvents), and a non-empty queue does not ring
    /// by itself.
    pub fn ring_if_pending(&self) {
        if !self.is_empty() {
            self.doorbell.ring();
        }
    }

    /// Ring even with nothing queued: JS holds events of its own for the
    /// next turn (`lib/client_socket.js` deferEvent).
    pub fn ring(&self) {
        self.doorbell.ring();
    }

    pub fn len(&self) -> usize {
        lock(&self.events).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Wait until the queue is below `SOFT_QUEUE_LIMIT`.
    pub async fn wait_for_room(&self) {
        loop {
            let notified = self.drained.notified();
            if self.len() < SOFT_QUEUE_LIMIT {
                return;
            }
            notified.await;
        }
    }
}

/// A poisoned lock only means another thread panicked while holding it; the
/// queue itself is still a valid Vec, so keep going rather than cascade.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Counter(Arc<AtomicUsize>);
    impl Doorbell for Counter {
        fn ring(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn doorbell_rings_only_on_the_empty_to_non_empty_edge() {
        let rings = Arc::new(AtomicUsize::new(0));
        let q = EventQueue::new(Box::new(Counter(rings.clone())));
        q.push(1);
        q.push(2);
        q.push(3);
        assert_eq!(rings.load(Ordering::SeqCst), 1);
        assert_eq!(q.drain(), vec![1, 2, 3]);
        q.push(4);
        assert_eq!(rings.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn events_left_queued_ring_when_asked() {
        let rings = Arc::new(AtomicUsize::new(0));
        let q = EventQueue::new(Box::new(Counter(rings.clone())));
        q.ring_if_pending();
        assert_eq!(rings.load(Ordering::SeqCst), 0);
        q.push(1);
        q.push(2);
        // Not drained: the queue stays non-empty and rings no more.
        assert_eq!(rings.load(Ordering::SeqCst), 1);
        q.ring_if_pending();
        assert_eq!(rings.load(Ordering::SeqCst), 2);
        assert_eq!(q.drain(), vec![1, 2]);
    }

    #[test]
    fn drain_empties_the_queue() {
        let q = EventQueue::new(Box::new(Counter(Arc::new(AtomicUsize::new(0)))));
        q.push("a");
        assert_eq!(q.drain().len(), 1);
        assert!(q.is_empty());
    }
}
