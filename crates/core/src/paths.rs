//! Where Sift keeps things by default. Every path can be overridden by the caller; nothing
//! here reads global state except the documented environment variables.

use std::path::PathBuf;

/// The OS data directory for Sift (e.g. `~/.local/share/sift` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("app", "sift", "sift").map(|d| d.data_dir().to_path_buf())
}

/// The OS cache directory for Sift (e.g. `~/.cache/sift` on Linux): things that can be
/// recomputed, such as the offline evaluation's embeddings.
pub fn default_cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("app", "sift", "sift").map(|d| d.cache_dir().to_path_buf())
}
