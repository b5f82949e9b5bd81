//! Listeners and per-connection tasks. Knows tokio, not napi: events leave
//! through `ServerShared::events`, commands arrive as method calls on `Conn`.

pub mod conn;
pub mod events;
pub mod fed;
pub mod listener;
pub mod options;
pub mod pipe_name;
mod reader;
pub mod registry;
#[cfg(test)]
mod replay_tests;
pub mod stream;

use std::sync::atomic::{AtomicU32, Ordering};

use crate::bridge::{Doorbell, EventQueue};
pub use events::ServerEvent;
pub use options::ServerOptions;

/// What every connection of one server shares.
pub struct ServerShared {
    pub events: EventQueue<ServerEvent>,
    pub options: ServerOptions,
    /// Open connections, for `maxConnections` and for tests.
    pub connections: AtomicU32,
}

impl ServerShared {
    pub fn new(options: ServerOptions, doorbell: Box<dyn Doorbell>) -> Self {
        ServerShared {
            events: EventQueue::new(doorbell),
            options,
            connections: AtomicU32::new(0),
        }
    }

    pub fn open_connections(&self) -> u32 {
        self.connections.load(Ordering::Relaxed)
    }
}
