//! `#[tauri::command]`s: take the arguments, call the engine, return
//! `Result<T, CommandError>`. Nothing here decides anything the CLI would also need.

use std::path::PathBuf;

use sift_core::domain::{ArticleId, FeedId, Rating};
use sift_core::engine::{
    ArticleFilter, ArticleView, Card, ClusterSummary, FeedRefreshResult, FeedSelection,
    FeedSummary, ForYouItem, MapPoint, ModelInfo, OpmlImportReport, RatedArticle, Recommendation,
    RefreshReport,
};
use sift_core::store::Settings;
use sift_core::EngineInfo;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::background;
use crate::error::{CommandError, ErrorKind};
use crate::AppState;

pub type CommandResult<T> = Result<T, CommandError>;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> CommandResult<EngineInfo> {
    Ok(state.engine.info()?)
}

#[tauri::command]
pub fn model_info(state: State<'_, AppState>) -> ModelInfo {
    state.engine.model_info()
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    Ok(state.engine.settings()?)
}

/// Saves the settings (the engine validates them) and applies the refresh interval.
#[tauri::command]
pub fn update_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> CommandResult<Settings> {
    let before = state.engine.settings()?;
    let saved = state.engine.update_settings(settings)?;
    if saved.refresh_interval_minutes != before.refresh_interval_minutes {
        state
            .jobs
            .schedule_refresh(&app, state.engine.clone(), saved.refresh_interval_minutes);
    }
    Ok(saved)
}

#[tauri::command]
pub fn feeds(state: State<'_, AppState>) -> CommandResult<Vec<FeedSummary>> {
    Ok(state.engine.feeds()?)
}

fn feed_summary(state: &AppState, id: FeedId) -> CommandResult<FeedSummary> {
    state
        .engine
        .feeds()?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(|| CommandError::new(ErrorKind::NotFound, format!("feed {id} is gone")))
}

/// Subscribes (with autodiscovery), then ingests the new feed's articles in the background.
#[tauri::command]
pub async fn subscribe(
    app: AppHandle,
    state: State<'_, AppState>,
    url: String,
) -> CommandResult<FeedSummary> {
    let record = state.engine.subscribe(&url).await?;
    background::ingest_detached(&app, state.engine.clone(), FeedSelection::One(record.id));
    feed_summary(&state, record.id)
}

/// Adds the bundled offline sample (a few hundred real articles); returns once they are
/// stored and embeds them in the background, so a machine with no network has cards to
/// answer within a minute.
#[tauri::command]
pub async fn load_sample(app: AppHandle, state: State<'_, AppState>) -> CommandResult<FeedSummary> {
    let feed = state.engine.sample_feed()?;
    background::ingest(&app, state.engine.clone(), FeedSelection::One(feed.id)).await?;
    feed_summary(&state, feed.id)
}

#[tauri::command]
pub fn unsubscribe(state: State<'_, AppState>, id: FeedId) -> CommandResult<FeedId> {
    Ok(state.engine.unsubscribe(&id.to_string())?)
}

/// Fetches every feed now, reporting progress after each; returns when all are stored
/// (embedding goes on in the background).
#[tauri::command]
pub async fn refresh_all(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<RefreshReport> {
    background::ingest(&app, state.engine.clone(), FeedSelection::All).await
}

#[tauri::command]
pub async fn refresh_feed(
    app: AppHandle,
    state: State<'_, AppState>,
    id: FeedId,
) -> CommandResult<FeedRefreshResult> {
    let report = background::ingest(&app, state.engine.clone(), FeedSelection::One(id)).await?;
    report
        .feeds
        .into_iter()
        .next()
        .ok_or_else(|| CommandError::new(ErrorKind::NotFound, format!("feed {id} is gone")))
}

/// The file the user picks. `SIFT_E2E_PICK_FILE` answers instead of the dialog: native
/// dialogs cannot be driven through WebDriver, and the end-to-end tests import OPML.
fn pick_file(app: &AppHandle, title: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SIFT_E2E_PICK_FILE") {
        return Some(PathBuf::from(path));
    }
    app.dialog()
        .file()
        .set_title(title)
        .add_filter("OPML", &["opml", "xml"])
        .blocking_pick_file()
        .and_then(|f| f.into_path().ok())
}

/// Imports an OPML file the user picks in the system dialog (`None`: they cancelled), then
/// fetches the new feeds in the background.
#[tauri::command]
pub async fn import_opml_dialog(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<Option<OpmlImportReport>> {
    let Some(path) = pick_file(&app, "Import subscriptions (OPML)") else {
        return Ok(None);
    };
    let report = state.engine.import_opml(&path)?;
    if report.added > 0 {
        background::ingest_detached(&app, state.engine.clone(), FeedSelection::All);
    }
    Ok(Some(report))
}

/// Saves every subscription as OPML where the user chooses; the path written, or `None`.
#[tauri::command]
pub async fn export_opml_dialog(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<Option<String>> {
    let opml = state.engine.export_opml()?;
    let Some(path) = app
        .dialog()
        .file()
        .set_title("Export subscriptions (OPML)")
        .set_file_name("sift-subscriptions.opml")
        .add_filter("OPML", &["opml"])
        .blocking_save_file()
        .and_then(|f| f.into_path().ok())
    else {
        return Ok(None);
    };
    std::fs::write(&path, opml).map_err(|e| {
        CommandError::new(
            ErrorKind::Internal,
            format!("could not write {}: {e}", path.display()),
        )
    })?;
    Ok(Some(path.display().to_string()))
}

/// Stored articles, newest first, narrowed by `filter` (feeds, rating, read mark, words)
/// in the core; lists ask for `without_content`.
#[tauri::command]
pub fn articles(
    state: State<'_, AppState>,
    filter: ArticleFilter,
) -> CommandResult<Vec<ArticleView>> {
    Ok(state.engine.articles(&filter)?)
}

#[tauri::command]
pub fn article(state: State<'_, AppState>, id: ArticleId) -> CommandResult<ArticleView> {
    Ok(state.engine.article(id)?)
}

fn open_in_browser(app: &AppHandle, url: &str) -> CommandResult<()> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(CommandError::new(
            ErrorKind::InvalidInput,
            format!("only web links open in the browser, not {url}"),
        ));
    }
    app.opener().open_url(url, None::<&str>).map_err(|e| {
        CommandError::new(
            ErrorKind::Internal,
            format!("could not open the browser: {e}"),
        )
    })
}

/// Opens an article's original page in the system browser. The webview passes an id, not a
/// URL, so the link is the one the feed gave.
#[tauri::command]
pub fn open_article_link(
    app: AppHandle,
    state: State<'_, AppState>,
    id: ArticleId,
) -> CommandResult<()> {
    let article = state.engine.article(id)?;
    let link = article.link.ok_or_else(|| {
        CommandError::new(ErrorKind::NotFound, "this article has no link to open")
    })?;
    open_in_browser(&app, &link)
}

/// Opens a link found inside an article in the system browser (web links only).
#[tauri::command]
pub fn open_external(app: AppHandle, url: String) -> CommandResult<()> {
    open_in_browser(&app, &url)
}

/// Records an answer (`None` clears it). The model retrains before this returns, so the
/// next `recommend` or `cards` already reflects it.
#[tauri::command]
pub async fn rate(
    state: State<'_, AppState>,
    id: ArticleId,
    rating: Option<Rating>,
) -> CommandResult<RatedArticle> {
    let engine = state.engine.clone();
    blocking(move || engine.rate(id, rating)).await
}

#[tauri::command]
pub async fn recommend(
    state: State<'_, AppState>,
    limit: Option<usize>,
) -> CommandResult<Vec<Recommendation>> {
    let engine = state.engine.clone();
    blocking(move || engine.recommend(limit)).await
}

/// For you: the ranking with each article's date and read mark.
#[tauri::command]
pub async fn for_you(
    state: State<'_, AppState>,
    limit: Option<usize>,
) -> CommandResult<Vec<ForYouItem>> {
    let engine = state.engine.clone();
    blocking(move || engine.for_you(limit)).await
}

/// The reader calls this when it opens an article.
#[tauri::command]
pub fn mark_read(state: State<'_, AppState>, id: ArticleId) -> CommandResult<()> {
    Ok(state.engine.mark_read(id)?)
}

#[tauri::command]
pub fn read_ids(state: State<'_, AppState>) -> CommandResult<Vec<ArticleId>> {
    Ok(state.engine.read_ids()?)
}

#[tauri::command]
pub async fn cards(state: State<'_, AppState>, limit: Option<usize>) -> CommandResult<Vec<Card>> {
    let engine = state.engine.clone();
    blocking(move || engine.cards(limit)).await
}

#[tauri::command]
pub async fn clusters(state: State<'_, AppState>) -> CommandResult<Vec<ClusterSummary>> {
    let engine = state.engine.clone();
    blocking(move || engine.clusters()).await
}

#[tauri::command]
pub async fn map(state: State<'_, AppState>) -> CommandResult<Vec<MapPoint>> {
    let engine = state.engine.clone();
    blocking(move || engine.map()).await
}

/// Training, clustering and projecting take real CPU time: run them off the async
/// workers so IPC and events keep flowing.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> sift_core::Result<T> + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(ErrorKind::Internal, format!("the work stopped: {e}")))?
        .map_err(CommandError::from)
}
