//! `#[tauri::command]`s: parse, call the engine, return `Result<T, CommandError>`.

use serde::Serialize;
use sift_core::{store::FeedRecord, EngineInfo};
use tauri::State;

use crate::AppState;

/// What the UI receives when a command fails: a message a person can read.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub message: String,
}

impl<E: std::error::Error> From<E> for CommandError {
    fn from(e: E) -> Self {
        Self {
            message: e.to_string(),
        }
    }
}

type CommandResult<T> = Result<T, CommandError>;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> CommandResult<EngineInfo> {
    Ok(state.engine.info()?)
}

#[tauri::command]
pub fn list_feeds(state: State<'_, AppState>) -> CommandResult<Vec<FeedRecord>> {
    Ok(state.engine.store().list_feeds()?)
}
