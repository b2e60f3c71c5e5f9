//! Events the app emits to the UI while long work runs in the background. The UI shows
//! them as progress bars and reloads what changed; nothing waits on them.

use serde::Serialize;
use ts_rs::TS;

/// Emitted while a background task advances: `done` of `total` items.
pub const PROGRESS: &str = "sift://progress";
/// Emitted when stored articles, scores or ratings changed, so open views reload.
pub const LIBRARY_CHANGED: &str = "sift://library-changed";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Fetching feeds.
    Refresh,
    /// Computing embeddings for new articles.
    Embed,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Progress {
    pub task: Task,
    pub done: usize,
    pub total: usize,
    /// What is being worked on, or what went wrong, in words.
    pub detail: Option<String>,
    /// True on the task's last event.
    pub finished: bool,
}
