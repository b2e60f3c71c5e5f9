//! The desktop shell. Every command is a thin call into `sift_core::Engine`; errors cross
//! IPC as readable strings, never as debug dumps.

mod commands;

use std::path::PathBuf;
use std::sync::Arc;

use sift_core::Engine;

/// The engine shared by all commands. Opened once at start-up; `Engine` is `Send + Sync`
/// and guards its own mutable state, so commands run concurrently without a global lock.
pub struct AppState {
    pub engine: Arc<Engine>,
}

fn data_dir() -> Result<PathBuf, sift_core::Error> {
    match std::env::var_os("SIFT_DATA_DIR") {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => sift_core::paths::default_data_dir().ok_or(sift_core::Error::NoDataDir),
    }
}

pub fn run() {
    let engine = match data_dir().and_then(Engine::open) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    tauri::Builder::default()
        .manage(AppState {
            engine: Arc::new(engine),
        })
        .invoke_handler(tauri::generate_handler![commands::app_info, commands::list_feeds])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("error: could not start the Sift window: {e}");
            std::process::exit(1);
        });
}
