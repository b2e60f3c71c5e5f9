//! Start-up work that can wait: the first scheduled refresh, the tray's unread count (the
//! window's own, unless it asks none), the retention cleanup and laying out a missing map
//! start once the window's first For you has been answered, so they do not compete with it
//! for the two cores, the store and the learner's snapshot (at 100,000 articles each of
//! them reads every article's metadata, and a refresh that stores articles throws the
//! snapshot away). They start at most [`AT_MOST`] after launch in any case: the window may
//! start hidden in the tray, or show another view first.

use std::sync::Arc;
use std::time::Duration;

use sift_core::Engine;
use tauri::{AppHandle, Manager};
use tokio::sync::watch;

use crate::AppState;

/// The longest the deferred start-up work waits for the first For you.
pub const AT_MOST: Duration = Duration::from_secs(15);

/// Whether the window's first For you (or recommendation list) has been answered.
pub struct FirstView {
    served: watch::Sender<bool>,
}

impl Default for FirstView {
    fn default() -> Self {
        Self {
            served: watch::Sender::new(false),
        }
    }
}

impl FirstView {
    /// Called when a For you answer has been handed to the window.
    pub fn served(&self) {
        self.served
            .send_if_modified(|served| !std::mem::replace(served, true));
    }

    /// Waits until [`FirstView::served`] was called, or `at_most`.
    pub async fn wait(&self, at_most: Duration) {
        let mut served = self.served.subscribe();
        let _ = tokio::time::timeout(at_most, served.wait_for(|&s| s)).await;
    }
}

/// Starts the deferred start-up work once the first For you was answered (or at most
/// [`AT_MOST`] after now).
pub fn after_first_view(app: &AppHandle, engine: Arc<Engine>, refresh_minutes: u32) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(state) = app.try_state::<AppState>() else {
            return;
        };
        state.first_view.wait(AT_MOST).await;
        // The window asks its first unread counts once For you's list is painted
        // (ui/src/lib/startup.ts): what follows waits for that too, at most
        // WINDOW_COUNTS_WAIT, so it does not take the cores while the list is drawn (at
        // 100,000 articles drawing it took seconds beside the cleanup and the counts).
        let window_counted = state.newest_count.wait_for_any(WINDOW_COUNTS_WAIT).await;
        state
            .jobs
            .schedule_refresh(&app, engine.clone(), refresh_minutes);
        // The tray's first count: the window's, which also shows on the icon
        // (`unread_counts`), or, when the window asked none (it may start hidden), one
        // counted for the tray alone; not both, since each reads every article's metadata.
        if !window_counted {
            crate::tray::update_unread(&app);
        }
        // A store without a map layout (new, or from before the island map) gets one
        // behind the window, not on the first visit to the Map view.
        let check = engine.clone();
        let stored = tauri::async_runtime::spawn_blocking(move || check.map_layout_stored())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(true);
        if !stored {
            crate::background::lay_out_map(&app, engine.clone());
        }
        crate::reader_commands::prune_in_background(&app, engine);
    });
}

/// How long after the first view the start-up work waits for the window's first unread
/// counts (ui/src/lib/startup.ts asks them once For you's first answer is painted, or 3 s
/// after the page starts) before the tray counts for itself.
const WINDOW_COUNTS_WAIT: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_deferred_work_waits_for_the_first_view_or_at_most_the_limit() {
        let first = Arc::new(FirstView::default());
        let started = std::time::Instant::now();
        first.wait(Duration::from_millis(50)).await;
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "nothing served: waits"
        );

        let waiting = {
            let first = first.clone();
            tokio::spawn(async move { first.wait(Duration::from_secs(30)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.served();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("served: the wait ends at once")
            .unwrap();
        // Served before: no wait at all.
        let started = std::time::Instant::now();
        first.wait(Duration::from_secs(30)).await;
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
