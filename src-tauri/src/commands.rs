//! `#[tauri::command]`s: take the arguments, call the engine, return
//! `Result<T, CommandError>`. Nothing here decides anything the CLI would also need.
//!
//! Every command is `async` (a sync command runs on the main thread, and the window waits
//! for it), and every call that reads or writes the store, trains or embeds runs through
//! [`blocking`], off the async workers. The test below fails when a sync command is added.

use std::path::PathBuf;

use sift_core::domain::Settings;
use sift_core::domain::{ArticleId, FeedId, Rating};
use sift_core::engine::{
    ArticleFilter, ArticleView, Card, ClusterSummary, FeedRefreshResult, FeedSelection,
    FeedSummary, ForYouItem, MapView, ModelInfo, OpmlImportReport, RatedArticle, Recommendation,
    RefreshReport, SearchHit, SearchQuery, WholeArticlesReport,
};
use sift_core::EngineInfo;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::background;
use crate::error::{CommandError, ErrorKind};
use crate::AppState;

pub type CommandResult<T> = Result<T, CommandError>;

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> CommandResult<EngineInfo> {
    let engine = state.engine().await?;
    blocking(move || engine.info()).await
}

/// Where the model is looked for and whether it is there (reads the disk).
#[tauri::command]
pub async fn model_info(state: State<'_, AppState>) -> CommandResult<ModelInfo> {
    let engine = state.engine().await?;
    blocking(move || Ok::<_, CommandError>(engine.model_info())).await
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    let engine = state.engine().await?;
    blocking(move || engine.settings()).await
}

/// Saves the settings (the engine validates them) and applies the refresh interval.
#[tauri::command]
pub async fn update_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> CommandResult<Settings> {
    let engine = state.engine().await?;
    let (before, saved) = blocking(move || {
        let before = engine.settings()?;
        let saved = engine.update_settings(settings)?;
        Ok::<_, sift_core::Error>((before, saved))
    })
    .await?;
    if saved.start_at_login != before.start_at_login {
        if let Err(e) = crate::tray::set_start_at_login(&app, saved.start_at_login) {
            // The setting says what is true: put it back as it was and say why.
            let engine = state.engine().await?;
            blocking(move || engine.update_settings(before)).await?;
            return Err(CommandError::new(
                ErrorKind::Internal,
                format!("Start at login could not be changed: {e}"),
            ));
        }
    }
    if saved.refresh_interval_minutes != before.refresh_interval_minutes {
        state
            .jobs
            .schedule_refresh(&app, state.engine().await?, saved.refresh_interval_minutes);
    }
    Ok(saved)
}

#[tauri::command]
pub async fn feeds(state: State<'_, AppState>) -> CommandResult<Vec<FeedSummary>> {
    let engine = state.engine().await?;
    blocking(move || engine.feeds()).await
}

/// One feed as the sidebar lists it (counts every feed's articles: off the async workers).
async fn feed_summary(state: &AppState, id: FeedId) -> CommandResult<FeedSummary> {
    let engine = state.engine().await?;
    blocking(move || {
        engine
            .feeds()?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or_else(|| CommandError::new(ErrorKind::NotFound, format!("feed {id} is gone")))
    })
    .await
}

/// Subscribes (with autodiscovery), then ingests the new feed's articles in the background.
#[tauri::command]
pub async fn subscribe(
    app: AppHandle,
    state: State<'_, AppState>,
    url: String,
) -> CommandResult<FeedSummary> {
    let record = state.engine().await?.subscribe(&url).await?;
    background::ingest_detached(&app, state.engine().await?, FeedSelection::One(record.id));
    feed_summary(&state, record.id).await
}

/// Adds the bundled offline sample (a few hundred real articles); returns once they are
/// stored and embeds them in the background, so a machine with no network has cards to
/// answer within a minute.
#[tauri::command]
pub async fn load_sample(app: AppHandle, state: State<'_, AppState>) -> CommandResult<FeedSummary> {
    let engine = state.engine().await?;
    let feed = blocking(move || engine.sample_feed()).await?;
    background::ingest(&app, state.engine().await?, FeedSelection::One(feed.id)).await?;
    feed_summary(&state, feed.id).await
}

#[tauri::command]
pub async fn unsubscribe(state: State<'_, AppState>, id: FeedId) -> CommandResult<FeedId> {
    let engine = state.engine().await?;
    blocking(move || engine.unsubscribe(&id.to_string())).await
}

/// Fetches every feed now, reporting progress after each; returns when all are stored
/// (embedding goes on in the background).
#[tauri::command]
pub async fn refresh_all(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<RefreshReport> {
    background::ingest(&app, state.engine().await?, FeedSelection::All).await
}

#[tauri::command]
pub async fn refresh_feed(
    app: AppHandle,
    state: State<'_, AppState>,
    id: FeedId,
) -> CommandResult<FeedRefreshResult> {
    let report = background::ingest(&app, state.engine().await?, FeedSelection::One(id)).await?;
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
    // The dialog waits for the user: on a blocking thread, not an async worker.
    let picker = app.clone();
    let picked =
        blocking(move || Ok::<_, CommandError>(pick_file(&picker, "Import subscriptions (OPML)")))
            .await?;
    let Some(path) = picked else {
        return Ok(None);
    };
    let engine = state.engine().await?;
    let report = blocking(move || engine.import_opml(&path)).await?;
    if report.added > 0 {
        background::ingest_detached(&app, state.engine().await?, FeedSelection::All);
    }
    Ok(Some(report))
}

/// Saves every subscription as OPML where the user chooses; the path written, or `None`.
#[tauri::command]
pub async fn export_opml_dialog(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<Option<String>> {
    let engine = state.engine().await?;
    // The dialog waits for the user: on a blocking thread, not an async worker.
    blocking(move || -> CommandResult<Option<String>> {
        let opml = engine.export_opml()?;
        let picked = app
            .dialog()
            .file()
            .set_title("Export subscriptions (OPML)")
            .set_file_name("sift-subscriptions.opml")
            .add_filter("OPML", &["opml"])
            .blocking_save_file()
            .and_then(|f| f.into_path().ok());
        let Some(path) = picked else {
            return Ok(None);
        };
        std::fs::write(&path, opml).map_err(|e| {
            CommandError::new(
                ErrorKind::Internal,
                format!("could not write {}: {e}", path.display()),
            )
        })?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

/// Stored articles, newest first, narrowed by `filter` (feeds, rating, read mark, words)
/// in the core; lists ask for `without_content`.
#[tauri::command]
pub async fn articles(
    state: State<'_, AppState>,
    filter: ArticleFilter,
) -> CommandResult<Vec<ArticleView>> {
    let engine = state.engine().await?;
    blocking(move || engine.articles(&filter)).await
}

#[tauri::command]
pub async fn article(state: State<'_, AppState>, id: ArticleId) -> CommandResult<ArticleView> {
    let engine = state.engine().await?;
    blocking(move || engine.article(id)).await
}

/// The web address a link really points to, as the browser will read it: parsed with the
/// WHATWG rules (`url::Url`, as the webview does), so spaces, control characters and
/// backslashes cannot make the browser see something other than what was checked; only
/// http(s) with a host.
fn browser_url(raw: &str) -> CommandResult<tauri::Url> {
    let refuse = || {
        CommandError::new(
            ErrorKind::InvalidInput,
            format!("only web links open in the browser, not {raw:?}"),
        )
    };
    let url = tauri::Url::parse(raw).map_err(|_| refuse())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(refuse());
    }
    Ok(url)
}

fn open_in_browser(app: &AppHandle, raw: &str) -> CommandResult<()> {
    let url = browser_url(raw)?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| {
            CommandError::new(
                ErrorKind::Internal,
                format!("could not open the browser: {e}"),
            )
        })
}

/// Opens an article's original page in the system browser. The webview passes an id, not a
/// URL, so the link is the one the feed gave.
#[tauri::command]
pub async fn open_article_link(
    app: AppHandle,
    state: State<'_, AppState>,
    id: ArticleId,
) -> CommandResult<()> {
    let engine = state.engine().await?;
    blocking(move || {
        let article = engine.article(id)?;
        let link = article.link.ok_or_else(|| {
            CommandError::new(ErrorKind::NotFound, "this article has no link to open")
        })?;
        open_in_browser(&app, &link)
    })
    .await
}

/// Opens a link found inside an article in the system browser (web links only).
#[tauri::command]
pub async fn open_external(app: AppHandle, url: String) -> CommandResult<()> {
    blocking(move || open_in_browser(&app, &url)).await
}

/// Records an answer (`None` clears it). The model retrains before this returns, so the
/// next `recommend` or `cards` already reflects it.
#[tauri::command]
pub async fn rate(
    state: State<'_, AppState>,
    id: ArticleId,
    rating: Option<Rating>,
) -> CommandResult<RatedArticle> {
    let engine = state.engine().await?;
    // A rated article leaves For you: the window asks its unread counts next, which the
    // tray shows too (`unread_counts`).
    blocking(move || engine.rate(id, rating)).await
}

#[tauri::command]
pub async fn recommend(
    state: State<'_, AppState>,
    limit: Option<usize>,
) -> CommandResult<Vec<Recommendation>> {
    let engine = state.engine().await?;
    let answer = blocking(move || engine.recommend(limit)).await;
    state.first_view.served();
    answer
}

/// For you: the ranking with each article's date and read mark.
#[tauri::command]
pub async fn for_you(
    state: State<'_, AppState>,
    limit: Option<usize>,
    include_read: Option<bool>,
) -> CommandResult<Vec<ForYouItem>> {
    tracing::info!("for_you asked");
    let engine = state.engine().await?;
    let answer = blocking(move || engine.for_you(limit, include_read.unwrap_or(false))).await;
    tracing::info!("for_you answered");
    state.first_view.served();
    answer
}

#[tauri::command]
pub async fn cards(state: State<'_, AppState>, limit: Option<usize>) -> CommandResult<Vec<Card>> {
    let engine = state.engine().await?;
    blocking(move || engine.cards(limit)).await
}

#[tauri::command]
pub async fn clusters(state: State<'_, AppState>) -> CommandResult<Vec<ClusterSummary>> {
    let engine = state.engine().await?;
    blocking(move || engine.clusters()).await
}

/// The whole map view in one call (points with titles, cluster and region labels);
/// `recompute` lays the map out again instead of keeping the stored layout.
#[tauri::command]
pub async fn map(state: State<'_, AppState>, recompute: Option<bool>) -> CommandResult<MapView> {
    let engine = state.engine().await?;
    blocking(move || engine.map_view(recompute.unwrap_or(false))).await
}

/// Search by words, meaning or both (the core ranks and highlights).
#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    query: SearchQuery,
) -> CommandResult<Vec<SearchHit>> {
    let engine = state.engine().await?;
    blocking(move || engine.search(&query)).await
}

/// The articles closest in meaning to one article.
#[tauri::command]
pub async fn more_like_this(
    state: State<'_, AppState>,
    id: ArticleId,
    limit: Option<usize>,
) -> CommandResult<Vec<SearchHit>> {
    let engine = state.engine().await?;
    blocking(move || engine.more_like_this(id, limit)).await
}

/// Turns whole-article fetching on or off for a feed; on fetches the recent pages now, and
/// what changed is embedded in the background.
#[tauri::command]
pub async fn set_full_text(
    app: AppHandle,
    state: State<'_, AppState>,
    id: FeedId,
    on: bool,
) -> CommandResult<WholeArticlesReport> {
    let report = state
        .engine()
        .await?
        .set_full_text(&id.to_string(), on)
        .await?;
    if !report.changed.is_empty() {
        // Embeds the whole texts in the background, with progress, like any new articles.
        background::ingest_detached(&app, state.engine().await?, FeedSelection::One(id));
    }
    Ok(report)
}

/// Store reads and writes, training, clustering and projecting take real time: run them
/// on Tauri's blocking pool, so neither the main thread (the window) nor the async workers
/// (IPC and events) wait for them.
pub(crate) async fn blocking<T, E, F>(work: F) -> CommandResult<T>
where
    T: Send + 'static,
    E: Into<CommandError> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    // The alloc-census diagnostic counts what the work allocates under the command's name.
    #[cfg(feature = "alloc-census")]
    let work = move || {
        let _scope = crate::alloc_census::Scope::of::<F>();
        work()
    };
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(ErrorKind::Internal, format!("the work stopped: {e}")))?
        .map_err(Into::into)
}

#[cfg(test)]
mod tests {
    /// Tauri runs a sync command on the main thread, where it freezes the window while it
    /// works. Every command here must be `async` (and hand its work to [`super::blocking`]),
    /// and every command the app registers must be one of them.
    #[test]
    fn every_command_is_async_and_registered_from_here() {
        // The daily loop's commands live in reader_commands.rs, under the same rule.
        let source = [
            include_str!("commands.rs"),
            include_str!("reader_commands.rs"),
        ]
        .join("\n");
        let mut commands = Vec::new();
        let mut lines = source.lines().map(str::trim);
        while let Some(line) = lines.by_ref().find(|l| *l == "#[tauri::command]") {
            let signature = lines
                .by_ref()
                .find(|l| !l.starts_with("#[") && !l.starts_with("//"))
                .unwrap_or_else(|| panic!("nothing follows {line}"));
            let name = signature
                .split("fn ")
                .nth(1)
                .and_then(|rest| rest.split(['(', '<']).next())
                .unwrap_or_else(|| panic!("not a function after #[tauri::command]: {signature}"));
            assert!(
                signature.starts_with("pub async fn "),
                "command `{name}` is not async, so Tauri would run it on the main thread: \
                 make it `pub async fn` and move its work into `blocking(..)`"
            );
            commands.push(name.to_string());
        }
        commands.sort();
        let mut expected: Vec<String> = crate::command_names::COMMANDS
            .iter()
            .map(|c| c.to_string())
            .collect();
        expected.sort();
        assert_eq!(
            commands, expected,
            "commands.rs and command_names.rs disagree"
        );

        let lib = include_str!("lib.rs");
        let handler = lib
            .split("generate_handler![")
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .expect("lib.rs registers commands with generate_handler!");
        let mut registered: Vec<String> = handler
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.strip_prefix("commands::")
                    .or_else(|| c.strip_prefix("reader_commands::"))
                    .unwrap_or_else(|| panic!("{c} is registered from outside commands.rs"))
                    .to_string()
            })
            .collect();
        registered.sort();
        assert_eq!(registered, expected, "lib.rs registers other commands");
    }
}

#[cfg(test)]
mod browser_url_tests {
    use super::browser_url;

    #[test]
    fn links_are_normalised_before_the_browser_sees_them() {
        let ok = |raw: &str| browser_url(raw).map(|u| u.to_string()).ok();
        assert_eq!(
            ok("https://example.com/a b").as_deref(),
            Some("https://example.com/a%20b")
        );
        assert_eq!(
            ok(" http://example.com").as_deref(),
            Some("http://example.com/")
        );
        assert_eq!(
            ok("http:\\\\evil.example\\x").as_deref(),
            Some("http://evil.example/x")
        );
        assert_eq!(
            ok("ht\ttps://example.com/").as_deref(),
            Some("https://example.com/")
        );
        for refused in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "mailto:a@b.example",
            "/relative",
            "data:text/html,x",
            "smb://host/share",
            "",
        ] {
            assert!(browser_url(refused).is_err(), "{refused:?} was accepted");
        }
    }
}
