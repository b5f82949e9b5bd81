//! The client side: each agent's pool (`pool`: idle connections, waiting
//! requests and the decisions between them), and connecting (TCP or Unix),
//! after which a connection runs the same task as the server's, in raw
//! mode — the bytes go to the JS socket and the response parser runs on
//! the JS side's call (`binding::parser`). Knows tokio, not napi.

pub mod connect;
pub mod pool;
