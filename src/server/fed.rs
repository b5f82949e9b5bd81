//! Input for a connection whose bytes arrive from JS instead of a socket:
//! a `net.Socket` (or any stream) that user code handed to the server with
//! `server.emit('connection', socket)`. Core parses any such stream; rhttp
//! runs the same connection task on it, fed through this queue. Responses
//! go back through the JS socket itself, so there is no output side.

use std::collections::VecDeque;
use std::io;
use std::sync::Mutex;

use bytes::{Bytes, BytesMut};
use tokio::sync::Notify;

use crate::bridge::lock;

/// Bytes queued from JS past which `push` asks JS to pause its socket.
pub const FED_HIGH_WATER: usize = 64 * 1024;

#[derive(Default)]
struct Queue {
    chunks: VecDeque<Bytes>,
    bytes: usize,
    eof: bool,
    /// JS was told to pause; tell it to resume once the queue drains.
    paused_js: bool,
}

#[derive(Default)]
pub struct FedInput {
    queue: Mutex<Queue>,
    ready: Notify,
}

impl FedInput {
    /// Queue bytes from JS. Returns false when JS should pause its socket
    /// until `take_resume` says otherwise.
    pub fn push(&self, data: &[u8]) -> bool {
        let mut q = lock(&self.queue);
        q.bytes += data.len();
        q.chunks.push_back(Bytes::copy_from_slice(data));
        let more = q.bytes < FED_HIGH_WATER;
        if !more {
            q.paused_js = true;
        }
        drop(q);
        self.ready.notify_one();
        more
    }

    pub fn end(&self) {
        lock(&self.queue).eof = true;
        self.ready.notify_one();
    }

    pub async fn readable(&self) -> io::Result<()> {
        loop {
            let notified = self.ready.notified();
            {
                let q = lock(&self.queue);
                if !q.chunks.is_empty() || q.eof {
                    return Ok(());
                }
            }
            notified.await;
        }
    }

    /// Move queued bytes into `buf`; `Ok(0)` at end of input.
    pub fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<usize> {
        let mut q = lock(&self.queue);
        let mut n = 0;
        while let Some(chunk) = q.chunks.pop_front() {
            n += chunk.len();
            buf.extend_from_slice(&chunk);
        }
        q.bytes = 0;
        if n == 0 && !q.eof {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    }

    /// Whether JS paused its socket and the queue has room again.
    pub fn take_resume(&self) -> bool {
        let mut q = lock(&self.queue);
        if q.paused_js && q.bytes < FED_HIGH_WATER {
            q.paused_js = false;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_asks_for_a_pause_past_the_high_water_mark() {
        let f = FedInput::default();
        assert!(f.push(&[0; 100]));
        assert!(!f.push(&vec![0; FED_HIGH_WATER]));
        assert!(!f.take_resume());
        let mut buf = BytesMut::new();
        assert_eq!(f.try_read_buf(&mut buf).unwrap(), FED_HIGH_WATER + 100);
        assert!(f.take_resume());
        assert!(!f.take_resume());
    }

    #[test]
    fn an_empty_queue_would_block_until_end() {
        let f = FedInput::default();
        let mut buf = BytesMut::new();
        assert_eq!(
            f.try_read_buf(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        f.end();
        assert_eq!(f.try_read_buf(&mut buf).unwrap(), 0);
    }
}
