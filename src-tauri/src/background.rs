//! Long work the app runs behind the UI: refreshing feeds (on demand and on a schedule)
//! and what follows new articles. Progress goes to the UI as events; nothing here blocks
//! a command or the window.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sift_core::feeds::{RefreshProgress, Scheduler};
use sift_core::Engine;
use tauri::{AppHandle, Emitter};

use crate::events::{self, Progress, Task};

/// Background jobs' handles. One per app, owned by [`crate::AppState`].
#[derive(Default)]
pub struct Jobs {
    scheduler: Mutex<Option<Scheduler>>,
}

pub fn emit_progress(app: &AppHandle, progress: Progress) {
    // A closed window cannot receive events; the work goes on regardless.
    let _ = app.emit(events::PROGRESS, progress);
}

/// The closure a refresh calls after each feed: one progress event.
pub fn refresh_progress(app: &AppHandle) -> impl Fn(RefreshProgress<'_>) + Send + Sync {
    let app = app.clone();
    move |p: RefreshProgress<'_>| {
        emit_progress(
            &app,
            Progress {
                task: Task::Refresh,
                done: p.done,
                total: p.total,
                detail: Some(p.feed.url.clone()),
                finished: false,
            },
        )
    }
}

pub fn refresh_finished(app: &AppHandle) {
    emit_progress(
        app,
        Progress {
            task: Task::Refresh,
            done: 0,
            total: 0,
            detail: None,
            finished: true,
        },
    );
}

/// After articles arrived: tell the views to reload.
pub fn after_new_articles(app: &AppHandle) {
    let _ = app.emit(events::LIBRARY_CHANGED, ());
}

/// Refreshes every feed in the background (after an OPML import or a subscription).
pub fn refresh_all_in_background(app: &AppHandle, engine: Arc<Engine>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let result = engine.refresh_all(refresh_progress(&app)).await;
        refresh_finished(&app);
        if let Err(e) = result {
            emit_progress(
                &app,
                Progress {
                    task: Task::Refresh,
                    done: 0,
                    total: 0,
                    detail: Some(format!("refresh failed: {e}")),
                    finished: true,
                },
            );
        }
        after_new_articles(&app);
    });
}

impl Jobs {
    /// (Re)starts the scheduler at the interval in the settings; 0 minutes stops it.
    pub fn schedule_refresh(&self, app: &AppHandle, engine: Arc<Engine>, minutes: u32) {
        let mut slot = self.scheduler.lock().unwrap_or_else(|e| e.into_inner());
        // Dropping a scheduler stops it (its stop channel closes).
        slot.take();
        if minutes == 0 {
            return;
        }
        let interval = Duration::from_secs(u64::from(minutes) * 60);
        let app = app.clone();
        // The scheduler spawns onto the current Tokio runtime: enter Tauri's.
        let _guard = tauri::async_runtime::handle().inner().enter();
        *slot = Some(Scheduler::start(engine, interval, move |report| {
            refresh_finished(&app);
            if let Ok(report) = report {
                if report.new_articles > 0 {
                    after_new_articles(&app);
                }
            }
        }));
    }
}
