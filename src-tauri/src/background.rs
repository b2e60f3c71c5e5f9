//! The app's face on ingestion: it starts [`Engine::ingest`] (on demand and on a schedule)
//! and turns its events into progress events, view reloads and notifications. The order
//! of the work is the engine's; nothing here blocks a command or the window.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sift_core::domain::ArticleId;
use sift_core::engine::{FeedSelection, IngestEvent, IngestReport, RefreshReport, Scheduler};
use sift_core::Engine;
use tauri::{AppHandle, Emitter, Manager};

use crate::error::{CommandError, ErrorKind};
use crate::events::{self, Progress, Task};

/// How often views reload while a long embedding run goes on.
const RELOAD_EVERY: Duration = Duration::from_secs(4);

/// Background jobs' handles. One per app, owned by [`crate::AppState`].
#[derive(Default)]
pub struct Jobs {
    scheduler: Mutex<Option<Scheduler>>,
}

fn emit_progress(app: &AppHandle, progress: Progress) {
    // A closed window cannot receive events; the work goes on regardless.
    let _ = app.emit(events::PROGRESS, progress);
}

fn finished(app: &AppHandle, task: Task, detail: Option<String>) {
    emit_progress(
        app,
        Progress {
            task,
            done: 0,
            total: 0,
            detail,
            finished: true,
        },
    );
}

fn library_changed(app: &AppHandle) {
    let _ = app.emit(events::LIBRARY_CHANGED, ());
}

/// What the app does with each step of an ingestion: progress bars, view reloads (not
/// after every embedded batch: each reload retrains, competing with embedding) and, at the
/// end, a notification. `on_stored` gets the refresh report once the articles are stored.
fn ingest_events(
    app: &AppHandle,
    engine: Arc<Engine>,
    on_stored: impl Fn(&RefreshReport) + Send + Sync + 'static,
) -> impl Fn(IngestEvent<'_>) + Send + Sync + 'static {
    let app = app.clone();
    let last_reload = Mutex::new(Instant::now());
    move |event| match event {
        IngestEvent::Refreshed(p) => emit_progress(
            &app,
            Progress {
                task: Task::Refresh,
                done: p.done,
                total: p.total,
                detail: Some(p.feed.url.clone()),
                finished: false,
            },
        ),
        IngestEvent::Stored(report) => {
            finished(&app, Task::Refresh, None);
            library_changed(&app);
            on_stored(report);
        }
        IngestEvent::Embedded { done, total } => {
            emit_progress(
                &app,
                Progress {
                    task: Task::Embed,
                    done,
                    total,
                    detail: None,
                    finished: false,
                },
            );
            let mut last = last_reload.lock().unwrap_or_else(|e| e.into_inner());
            if done > 0 && done < total && last.elapsed() >= RELOAD_EVERY {
                *last = Instant::now();
                library_changed(&app);
            }
        }
        IngestEvent::Finished(report) => {
            let detail = report
                .embedding
                .as_ref()
                .err()
                .map(|e| format!("articles could not be embedded: {e}"));
            finished(&app, Task::Embed, detail);
            if report.embedding.as_ref().is_ok_and(|e| e.embedded > 0) {
                library_changed(&app);
                lay_out_map(&app, engine.clone());
            } else if report.icons.found > 0 {
                // New icons to show in the lists.
                library_changed(&app);
            }
            crate::tray::update_unread(&app);
            notify_in_background(&app, engine.clone(), report);
            // What the import freed (fetched pages, search-index buffers) goes back to the
            // system once the work it starts (map, reloads, notification) is done too.
            release_when_quiet(&app);
        }
    }
}

/// Ingests `feeds` in the background and returns the refresh report as soon as the
/// articles are stored; embedding, view reloads and notifications go on behind.
pub async fn ingest(
    app: &AppHandle,
    engine: Arc<Engine>,
    feeds: FeedSelection,
) -> Result<RefreshReport, CommandError> {
    let (stored_tx, stored_rx) = tokio::sync::oneshot::channel();
    let stored_tx = Mutex::new(Some(stored_tx));
    let events = ingest_events(app, engine.clone(), move |report| {
        let sender = stored_tx.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(sender) = sender {
            let _ = sender.send(report.clone());
        }
    });
    let handle = app.clone();
    let run = tauri::async_runtime::spawn(async move {
        let result = engine.ingest(feeds, events).await;
        if let Err(e) = &result {
            finished(&handle, Task::Refresh, Some(format!("refresh failed: {e}")));
        }
        result
    });
    match stored_rx.await {
        Ok(report) => Ok(report),
        // Nothing was stored: the run ended early, with its error.
        Err(_) => match run.await {
            Ok(Ok(report)) => Ok(report.refresh),
            Ok(Err(e)) => Err(e.into()),
            Err(e) => Err(CommandError::new(
                ErrorKind::Internal,
                format!("the refresh stopped: {e}"),
            )),
        },
    }
}

/// [`ingest`] without waiting for anything (after an OPML import, a subscription).
pub fn ingest_detached(app: &AppHandle, engine: Arc<Engine>, feeds: FeedSelection) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // Failures reach the UI as progress events and the feeds' statuses.
        let _ = ingest(&app, engine, feeds).await;
    });
}

/// Places newly embedded articles on the map (or lays it out when there is none yet) in
/// the background, so opening the Map view finds the layout ready instead of computing it
/// (seconds for a few hundred articles in a debug build, longer for thousands).
pub fn lay_out_map(app: &AppHandle, engine: Arc<Engine>) {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = engine.update_map_layout() {
            eprintln!("warning: the map could not be laid out ahead: {e}");
        }
        release_when_quiet(&app);
    });
}

/// What a job freed goes back to the system once the app is quiet (`heap_release.rs`).
fn release_when_quiet(app: &AppHandle) {
    if let Some(state) = app.try_state::<crate::AppState>() {
        state.heap.ask();
    }
}

/// Scoring may rebuild the learner's snapshot: keep it off the async workers.
fn notify_in_background(app: &AppHandle, engine: Arc<Engine>, report: &IngestReport) {
    let new_articles = report.refresh.new_article_ids();
    if new_articles.is_empty() {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || notify_if_worth_it(&app, &engine, &new_articles));
}

/// A desktop notification when new articles score above the threshold, if the user
/// turned notifications on. Failing to notify is not worth an error message.
fn notify_if_worth_it(app: &AppHandle, engine: &Engine, new_articles: &[ArticleId]) {
    let Ok(settings) = engine.settings() else {
        return;
    };
    if !settings.notifications {
        return;
    }
    let Ok(good) = engine.promising(new_articles) else {
        return;
    };
    let Some(&(best, _)) = good.first() else {
        return;
    };
    let best = engine.article(best).map(|a| a.title).unwrap_or_default();
    let title = if good.len() == 1 {
        "A new article for you".to_string()
    } else {
        format!("{} new articles for you", good.len())
    };
    show_notification(app, &title, &notification_body(&best));
}

/// On Linux the notification goes to the session's notification server named Sift.
#[cfg(target_os = "linux")]
fn show_notification(_app: &AppHandle, title: &str, body: &str) {
    if let Err(e) = crate::desktop_bus::notify(title, body) {
        eprintln!("sift: could not show a notification: {e}");
    }
}

#[cfg(not(target_os = "linux"))]
fn show_notification(app: &AppHandle, title: &str, body: &str) {
    use tauri_plugin_notification::NotificationExt;
    let _ = app.notification().builder().title(title).body(body).show();
}

/// A stranger's text (an article title) as a notification body. Notification servers on
/// Linux read the body as markup (`<b>`, `<a href>`, even `<img src>`, which some fetch),
/// so it is escaped; and it is cut to a length a notification can show.
fn notification_body(text: &str) -> String {
    const MAX_CHARS: usize = 200;
    let shown: String = text
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut body = String::with_capacity(shown.len() + 16);
    sift_core::search::escape_html_into(&mut body, &shown);
    if text.chars().nth(MAX_CHARS).is_some() {
        body.push('…');
    }
    body
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
        let events = ingest_events(app, engine.clone(), |_| {});
        let handle = app.clone();
        // The scheduler spawns onto the current Tokio runtime: enter Tauri's.
        let _guard = tauri::async_runtime::handle().inner().enter();
        *slot = Some(Scheduler::start(engine, interval, events, move |run| {
            if let Err(e) = run {
                finished(&handle, Task::Refresh, Some(format!("refresh failed: {e}")));
            }
        }));
    }
}

#[cfg(test)]
mod notification_tests {
    use super::notification_body;

    #[test]
    fn article_titles_cannot_bring_markup_into_a_notification() {
        let body =
            notification_body(r#"Win <img src="http://t.example/x.gif"> & <a href="x">go</a>"#);
        assert_eq!(
            body,
            "Win &lt;img src=&quot;http://t.example/x.gif&quot;&gt; &amp; &lt;a href=&quot;x&quot;&gt;go&lt;/a&gt;"
        );
        assert_eq!(notification_body("line\nbreak"), "line break");
        let long = notification_body(&"é".repeat(1000));
        assert_eq!(long.chars().count(), 201);
    }
}
