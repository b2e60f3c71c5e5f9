//! sift-core: every piece of Sift's logic, with no Tauri dependency.
//!
//! The desktop app (`src-tauri`) and the `sift` CLI are two thin faces over [`Engine`];
//! whatever one can do, the other can.

pub mod bench;
pub mod domain;
pub mod embed;
pub mod engine;
pub mod error;
pub mod eval;
pub mod feeds;
pub mod heap;
pub mod learn;
pub mod paths;
pub mod recommender;
pub mod rules;
pub mod search;
pub mod store;
pub mod trace;

pub use engine::{Engine, EngineInfo};
pub use error::{Error, Result};
