//! Subcommand groups, one module per area.

pub mod learn;
pub mod eval;
