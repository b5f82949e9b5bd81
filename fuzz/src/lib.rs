//! The addon's `h1` module compiled on its own: it is pure parsing (it
//! needs only `bytes`), while the addon's crate links N-API symbols that
//! only a Node process provides.

#[path = "../../src/h1/mod.rs"]
pub mod h1;
