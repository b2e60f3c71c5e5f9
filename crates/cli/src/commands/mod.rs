//! Command implementations, one module per area; `main.rs` only parses and dispatches.

pub mod bench;
pub mod eval;
pub mod feeds;
pub mod learn;
pub mod reader;
pub mod search;
pub mod whole;
