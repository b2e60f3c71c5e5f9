//! Long work the app runs behind the UI: refreshing feeds (on demand and on a schedule)
//! and what follows new articles. Progress goes to the UI as events; nothing here blocks
//! a command or the window.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sift_core::domain::ArticleId;
use sift_core::feeds::{RefreshProgress, Scheduler};
use sift_core::Engine;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::events::{self, Progress, Task};

/// How often views reload while a long embedding run goes on.
const RELOAD_EVERY: Duration = Duration::from_secs(4);

/// Background jobs' handles. One per app, owned by [`crate::AppState`].
#[derive(Default)]
pub struct Jobs {
    scheduler: Mutex<Option<Scheduler>>,
    /// One embedding run at a time: a second run would embed the same articles again.
    embedding: Arc<tokio::sync::Mutex<()>>,
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

/// After articles arrived: show them at once, then embed them in the background (newest
/// first, so Cards and For you work on what is ready) and show the scores when done.
pub fn after_new_articles(
    app: &AppHandle,
    engine: Arc<Engine>,
    jobs: &Jobs,
    new_articles: Vec<ArticleId>,
) {
    let _ = app.emit(events::LIBRARY_CHANGED, ());
    let app = app.clone();
    let lock = jobs.embedding.clone();
    tauri::async_runtime::spawn(async move {
        let _one_at_a_time = lock.lock().await;
        let progress_app = app.clone();
        let embedding_engine = engine.clone();
        let result = tauri::async_runtime::spawn_blocking(move || {
            let engine = embedding_engine;
            let last_reload = std::cell::Cell::new(std::time::Instant::now());
            engine.embed_pending(|done, total| {
                emit_progress(
                    &progress_app,
                    Progress {
                        task: Task::Embed,
                        done,
                        total,
                        detail: None,
                        finished: false,
                    },
                );
                // Each batch is usable at once: let the views pick up the new scores, but
                // not after every batch — each reload retrains, competing with embedding.
                if done > 0 && done < total && last_reload.get().elapsed() >= RELOAD_EVERY {
                    last_reload.set(std::time::Instant::now());
                    let _ = progress_app.emit(events::LIBRARY_CHANGED, ());
                }
            })
        })
        .await;
        let detail = match result {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(format!("articles could not be embedded: {e}")),
            Err(e) => Some(format!("embedding stopped: {e}")),
        };
        emit_progress(
            &app,
            Progress {
                task: Task::Embed,
                done: 0,
                total: 0,
                detail,
                finished: true,
            },
        );
        let _ = app.emit(events::LIBRARY_CHANGED, ());
        notify_if_worth_it(&app, &engine, &new_articles);
    });
}

/// A desktop notification when new articles score above the threshold, if the user
/// turned notifications on. Failing to notify is not worth an error message.
fn notify_if_worth_it(app: &AppHandle, engine: &Engine, new_articles: &[ArticleId]) {
    let Ok(settings) = engine.settings() else {
        return;
    };
    if !settings.notifications || new_articles.is_empty() {
        return;
    }
    let Ok(scores) = engine.score_articles(new_articles) else {
        return;
    };
    let mut good: Vec<(ArticleId, f32)> = scores
        .into_iter()
        .filter(|(_, s)| s.score > settings.recommend_threshold)
        .map(|(id, s)| (id, s.score))
        .collect();
    if good.is_empty() {
        return;
    }
    good.sort_by(|a, b| b.1.total_cmp(&a.1));
    let best = engine
        .article(good[0].0)
        .map(|a| a.title)
        .unwrap_or_default();
    let title = if good.len() == 1 {
        "A new article for you".to_string()
    } else {
        format!("{} new articles for you", good.len())
    };
    let _ = app.notification().builder().title(title).body(best).show();
}

/// Refreshes every feed in the background (after an OPML import).
pub fn refresh_all_in_background(app: &AppHandle, engine: Arc<Engine>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let result = engine.refresh_all(refresh_progress(&app)).await;
        refresh_finished(&app);
        if let Err(e) = &result {
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
        let new_articles = result
            .as_ref()
            .map(|r| r.new_article_ids())
            .unwrap_or_default();
        if let Some(state) = app.try_state::<crate::AppState>() {
            after_new_articles(&app, engine, &state.jobs, new_articles);
        }
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
        let scheduled = engine.clone();
        // The scheduler spawns onto the current Tokio runtime: enter Tauri's.
        let _guard = tauri::async_runtime::handle().inner().enter();
        *slot = Some(Scheduler::start(scheduled, interval, move |report| {
            refresh_finished(&app);
            let Ok(report) = report else { return };
            if report.new_articles == 0 {
                return;
            }
            if let Some(state) = app.try_state::<crate::AppState>() {
                after_new_articles(&app, engine.clone(), &state.jobs, report.new_article_ids());
            }
        }));
    }
}
