//! The only Rust that knows napi: argument conversion and exports.

pub mod batch;
pub mod client;
pub mod js_callback;
pub mod js_load;
pub mod parser;
pub mod pool;
pub mod server;
pub mod write;
