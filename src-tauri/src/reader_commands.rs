//! The daily loop's commands (read marks, bulk marks and undo, unread counts, save for
//! later, rules, retention). All async: the engine's work runs on a blocking thread so the
//! window stays responsive. The window asks `unread_counts` after each change of what is
//! read, and that count is also the tray's ([`crate::tray::show_count`]), so a read is
//! counted once.

use sift_core::domain::ArticleId;
use sift_core::engine::{
    ArticleView, MarkReadReport, MarkReadScope, PruneReport, ReadState, RuleView, SavedState,
    StoreStats, UnreadCounts,
};
use sift_core::rules::{NewRule, Rule};
use tauri::{AppHandle, State};

use crate::commands::{blocking, CommandResult};
use crate::AppState;

#[tauri::command]
pub async fn set_read(
    state: State<'_, AppState>,
    id: ArticleId,
    read: bool,
) -> CommandResult<ReadState> {
    let engine = state.engine().await?;
    blocking(move || engine.set_read(id, read)).await
}

#[tauri::command]
pub async fn mark_read_where(
    state: State<'_, AppState>,
    scope: MarkReadScope,
) -> CommandResult<MarkReadReport> {
    let engine = state.engine().await?;
    blocking(move || engine.mark_read_where(&scope)).await
}

#[tauri::command]
pub async fn undo_mark_read(state: State<'_, AppState>) -> CommandResult<MarkReadReport> {
    let engine = state.engine().await?;
    blocking(move || engine.undo_mark_read()).await
}

/// The window's unread counts, also shown on the tray icon: a tray count asked before this
/// one is moot (it does not count again if it has not started).
#[tauri::command]
pub async fn unread_counts(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<UnreadCounts> {
    let ticket = state.newest_count.ask();
    let engine = state.engine().await?;
    let counts = blocking(move || engine.unread_counts()).await?;
    crate::tray::show_count(&app, ticket, &counts);
    Ok(counts)
}

#[tauri::command]
pub async fn set_saved(
    state: State<'_, AppState>,
    id: ArticleId,
    saved: bool,
) -> CommandResult<SavedState> {
    let engine = state.engine().await?;
    blocking(move || engine.set_saved(id, saved)).await
}

#[tauri::command]
pub async fn saved(state: State<'_, AppState>) -> CommandResult<Vec<ArticleView>> {
    let engine = state.engine().await?;
    blocking(move || engine.saved()).await
}

#[tauri::command]
pub async fn rules(state: State<'_, AppState>) -> CommandResult<Vec<RuleView>> {
    let engine = state.engine().await?;
    blocking(move || engine.rules()).await
}

#[tauri::command]
pub async fn add_rule(state: State<'_, AppState>, rule: NewRule) -> CommandResult<Rule> {
    let engine = state.engine().await?;
    blocking(move || engine.add_rule(rule)).await
}

#[tauri::command]
pub async fn remove_rule(state: State<'_, AppState>, id: u64) -> CommandResult<Rule> {
    let engine = state.engine().await?;
    blocking(move || engine.remove_rule(id)).await
}

/// Applies the retention setting now (the app also does at start and every few hours).
#[tauri::command]
pub async fn prune(state: State<'_, AppState>) -> CommandResult<PruneReport> {
    let engine = state.engine().await?;
    blocking(move || engine.prune(None)).await
}

#[tauri::command]
pub async fn store_stats(state: State<'_, AppState>) -> CommandResult<StoreStats> {
    let engine = state.engine().await?;
    blocking(move || engine.store_stats()).await
}

/// How often a running app applies the retention setting. Retention counts in days, and
/// a cleanup reads every article's metadata, so a few times a day is plenty.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(6 * 60 * 60);

/// Applies the retention setting at start and then every [`PRUNE_EVERY`], behind the window
/// (Sift may run in the tray for weeks).
pub fn prune_in_background(app: &AppHandle, engine: std::sync::Arc<sift_core::Engine>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let run = engine.clone();
            let pruned = tauri::async_runtime::spawn_blocking(move || run.prune(None)).await;
            match pruned {
                Ok(Ok(report)) if report.removed_articles > 0 => {
                    use tauri::Emitter;
                    let _ = app.emit(crate::events::LIBRARY_CHANGED, ());
                    crate::tray::update_unread(&app);
                }
                Ok(Err(e)) => eprintln!("sift: the scheduled cleanup failed: {e}"),
                _ => {}
            }
            tokio::time::sleep(PRUNE_EVERY).await;
        }
    });
}
