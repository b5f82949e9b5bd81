//! rhttp: Node's `http` module with its parsing and I/O in Rust.
//!
//! # Layout
//! - `h1`: pure HTTP/1.x — head parsing, body decoding, limits. No tokio, no napi.
//! - `bridge`: the event queue + doorbell that carries events to the JS thread.
//! - `server`: listeners and per-connection tasks (tokio, no napi).
//! - `client`: the agent pool and opening client connections (then run by
//!   `server::conn`).
//! - `runtime`: the one tokio runtime and its worker count.
//! - `binding`: the N-API surface (`NativeServer`, `conn*` functions).

#![deny(clippy::all)]

pub mod binding;
pub mod bridge;
pub mod client;
pub mod h1;
pub mod runtime;
pub mod server;
