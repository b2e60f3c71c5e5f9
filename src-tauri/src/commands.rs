//! `#[tauri::command]`s: take the arguments, call the engine, return
//! `Result<T, CommandError>`. Nothing here decides anything the CLI would also need.

use sift_core::store::{ArticleId, FeedRecord, Settings};
use sift_core::EngineInfo;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::{CommandError, ErrorKind};
use crate::AppState;

pub type CommandResult<T> = Result<T, CommandError>;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> CommandResult<EngineInfo> {
    Ok(state.engine.info()?)
}

#[tauri::command]
pub fn list_feeds(state: State<'_, AppState>) -> CommandResult<Vec<FeedRecord>> {
    Ok(state.engine.store().list_feeds()?)
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    Ok(state.engine.settings()?)
}

/// Saves the settings (the engine validates them) and returns what was stored.
#[tauri::command]
pub fn update_settings(state: State<'_, AppState>, settings: Settings) -> CommandResult<Settings> {
    Ok(state.engine.update_settings(settings)?)
}

/// Opens an article's original page in the system browser. The webview passes an id, not a
/// URL, so a hostile page can never make the app open an arbitrary address; and the
/// webview itself never navigates away from the app.
#[tauri::command]
pub fn open_article_link(
    app: AppHandle,
    state: State<'_, AppState>,
    id: ArticleId,
) -> CommandResult<()> {
    let article =
        state.engine.store().get_article(id)?.ok_or_else(|| {
            CommandError::new(ErrorKind::NotFound, format!("article {id} is gone"))
        })?;
    let link = article.link.ok_or_else(|| {
        CommandError::new(ErrorKind::NotFound, "this article has no link to open")
    })?;
    if !(link.starts_with("https://") || link.starts_with("http://")) {
        return Err(CommandError::new(
            ErrorKind::InvalidInput,
            format!("refusing to open a non-web link: {link}"),
        ));
    }
    app.opener().open_url(link, None::<&str>).map_err(|e| {
        CommandError::new(
            ErrorKind::Internal,
            format!("could not open the browser: {e}"),
        )
    })
}
