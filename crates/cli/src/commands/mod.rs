//! Command implementations, one module per area; `main.rs` only parses and dispatches.

pub mod feeds;
