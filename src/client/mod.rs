//! Client connections: the agent pool (`pool`, pure bookkeeping);
//! connecting (TCP or Unix), then the same connection
//! task as the server's, in raw mode — the bytes go to the JS socket and
//! the response parser runs on the JS side's call (`binding::parser`).
//! Knows tokio, not napi.

pub mod connect;
pub mod pool;
