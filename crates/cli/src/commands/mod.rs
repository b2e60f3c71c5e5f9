//! Subcommand groups, one module per area.

pub mod eval;
pub mod learn;
