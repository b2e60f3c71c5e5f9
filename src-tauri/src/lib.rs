//! The desktop shell. Every command is a thin call into `sift_core::Engine`; errors cross
//! IPC as readable messages, never as debug dumps.

#[cfg(feature = "alloc-census")]
pub mod alloc_census;
#[cfg(target_os = "linux")]
mod autostart;
mod background;
pub mod bindings;
#[cfg(test)]
mod command_names;
mod commands;
#[cfg(target_os = "linux")]
mod desktop_bus;
mod engine_slot;
pub mod error;
pub mod events;
mod heap_release;
mod icons;
mod reader_commands;
mod startup;
mod tray;
mod webview_memory;

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sift_core::Engine;
use tauri::Manager;

/// What every command can reach. `Engine` is `Send + Sync` and guards its own mutable
/// state, so commands run concurrently without a global lock.
pub struct AppState {
    /// Opened behind the window (see `engine_slot.rs`).
    engine: Arc<engine_slot::EngineSlot>,
    jobs: background::Jobs,
    /// Which tray count is the newest asked for (see [`tray::update_unread`]).
    newest_count: tray::NewestCount,
    /// Start-up work waits for the first For you (see `startup.rs`).
    first_view: startup::FirstView,
    /// Freed memory goes back to the system once the app is quiet (see `heap_release.rs`).
    heap: heap_release::QuietRelease,
}

impl AppState {
    /// The engine, once it is open (a command that comes first waits here, off the main
    /// thread), or why it could not be opened.
    pub async fn engine(&self) -> Result<Arc<Engine>, error::CommandError> {
        self.engine.get().await
    }
}

fn data_dir() -> Result<PathBuf, sift_core::Error> {
    match std::env::var_os("SIFT_DATA_DIR") {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => sift_core::paths::default_data_dir().ok_or(sift_core::Error::NoDataDir),
    }
}

/// One running app per data directory (not per user): launching Sift again on the same
/// store focuses the open window, while a second store — the end-to-end tests' fresh
/// temporary ones — runs side by side. The store's own lock stays the hard guarantee.
fn single_instance_id(data_dir: &Path) -> String {
    // DefaultHasher is stable within one build, and only the same binary compares ids.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut hasher);
    format!("app.sift.desktop.store{:016x}", hasher.finish())
}

/// The webview shows the app and nothing else: any attempt to navigate it elsewhere (a
/// link in an article, a hostile redirect) is refused; links open in the browser instead.
fn navigation_guard<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| is_app_url(url))
        .build()
}

fn is_app_url(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => true,
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

pub fn run() {
    // Started as the embedding worker of another sift-app (see sift_core::embed::worker):
    // serve it and exit, before any window or thread.
    if let Some(code) = sift_core::embed::serve_if_requested() {
        std::process::exit(code);
    }
    // Before anything else: glibc's per-thread caches of freed blocks off, for the app and
    // the processes it starts (see sift_core::heap). glibc reads that only at start, so
    // the first time the app runs itself again here, in the same process.
    sift_core::heap::run_again_without_thread_cache();
    // Before any thread starts: a few heaps, not one per busy thread (see sift_core::heap),
    // also in the WebKit processes, which inherit this environment (measured: the idle
    // app's whole tree 246 MB PSS instead of 323).
    sift_core::heap::tune_allocator();
    sift_core::trace::install_from_env();
    #[cfg(feature = "alloc-census")]
    if std::env::var_os("SIFT_ALLOC_CENSUS").is_some() {
        // Without SIFT_TRACE's span log: which span each thread is in names its allocations.
        let _ = tracing::subscriber::set_global_default(alloc_census::Scopes);
        alloc_census::start_reporting();
    }
    if std::env::var_os(sift_core::heap::ARENAS_ENV).is_none() {
        std::env::set_var(
            sift_core::heap::ARENAS_ENV,
            sift_core::heap::ARENAS.to_string(),
        );
    }
    let data_dir = match data_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let focus_main_window = |app: &tauri::AppHandle, _argv: Vec<String>, _cwd: String| {
        // Also brings back a window hidden in the tray.
        tray::show_main_window(app);
    };
    // Window geometry belongs to the store it was used with, and tests never touch the
    // user's config directory. (An absolute file name replaces the plugin's config dir.)
    let window_state_file = data_dir.join("window-state.json");
    let engine = Arc::new(engine_slot::EngineSlot::default());
    let heap = heap_release::QuietRelease::start_for_app(engine.clone());
    let heap_in_setup = heap.clone();

    let builder = tauri::Builder::default()
        // Must come first: a second launch exits here, before it tries to open the store.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .callback(focus_main_window)
                .dbus_id(single_instance_id(&data_dir))
                .build(),
        )
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_filename(window_state_file.to_string_lossy())
                .build(),
        )
        .plugin(navigation_guard())
        // Links open through our own `open_external`/`open_article_link` (checked and
        // normalised there); the plugin's script that opens any clicked link by itself is
        // not injected.
        .plugin(
            tauri_plugin_opener::Builder::new()
                .open_js_links_on_click(false)
                .build(),
        )
        .plugin(tauri_plugin_dialog::init());
    // Linux sends its notifications itself, named Sift (the plugin names them after the
    // binary, "sift-app"; see desktop_bus), and writes its own login item (autostart.rs).
    #[cfg(not(target_os = "linux"))]
    let builder =
        builder
            .plugin(tauri_plugin_notification::init())
            .plugin(tauri_plugin_autostart::init(
                tauri_plugin_autostart::MacosLauncher::LaunchAgent,
                Some(vec!["--minimized"]),
            ));
    let result = builder
        .on_window_event(tray::on_window_event)
        .register_asynchronous_uri_scheme_protocol(icons::SCHEME, icons::serve)
        .setup(move |app| {
            tracing::info!("setup");
            app.manage(AppState {
                engine: engine.clone(),
                jobs: background::Jobs::default(),
                newest_count: tray::NewestCount::default(),
                first_view: startup::FirstView::default(),
                heap: heap_in_setup.clone(),
            });
            // The window shows at once; the store opens behind it (seconds at 100,000
            // articles), and the commands the page sends meanwhile wait for it.
            open_engine_behind_the_window(app.handle(), data_dir.clone());
            tray::install(app.handle());
            if let Some(window) = app.get_webview_window("main") {
                webview_memory::configure(&window);
            }
            // Started at login: stay in the tray until the user opens the window.
            if std::env::args().any(|a| a == "--minimized") {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.hide();
                }
            }
            Ok(())
        })
        .invoke_handler(after_every_command(
            heap,
            tauri::generate_handler![
                commands::app_info,
                commands::model_info,
                commands::get_settings,
                commands::update_settings,
                commands::feeds,
                commands::subscribe,
                commands::load_sample,
                commands::unsubscribe,
                commands::refresh_all,
                commands::refresh_feed,
                commands::import_opml_dialog,
                commands::export_opml_dialog,
                commands::articles,
                commands::article,
                commands::open_article_link,
                commands::open_external,
                commands::rate,
                commands::recommend,
                commands::for_you,
                commands::cards,
                commands::clusters,
                commands::map,
                commands::search,
                commands::more_like_this,
                commands::set_full_text,
                reader_commands::set_read,
                reader_commands::mark_read_where,
                reader_commands::undo_mark_read,
                reader_commands::unread_counts,
                reader_commands::set_saved,
                reader_commands::saved,
                reader_commands::rules,
                reader_commands::add_rule,
                reader_commands::remove_rule,
                reader_commands::prune,
                reader_commands::store_stats,
            ],
        ))
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: could not start Sift: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        // Every change is flushed when it is made; this is the last word before the
        // process goes (Tauri exits without running the engine's destructors).
        if let tauri::RunEvent::Exit = event {
            if let Some(engine) = app.try_state::<AppState>().and_then(|s| s.engine.now()) {
                if let Err(e) = engine.flush() {
                    eprintln!("error: could not write the last changes to disk: {e}");
                }
            }
        }
    });
}

/// Every command the window sends (a view's answer, a search) frees what it built once it
/// is sent: each asks for the heap's freed pages to go back once the app is quiet.
fn after_every_command<R: tauri::Runtime>(
    heap: heap_release::QuietRelease,
    handler: impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    move |invoke| {
        heap.ask();
        handler(invoke)
    }
}

/// The app embeds in a worker process, this same binary started with
/// [`sift_core::embed::WORKER_FLAG`], so that what embedding leaves in memory ends with the
/// worker after each import (see sift_core::embed::worker). When this binary cannot be
/// found again, it embeds in process: the store opens either way.
fn with_embedding_worker(engine: Engine) -> Engine {
    match sift_core::embed::WorkerCommand::current_exe() {
        Ok(command) => engine.with_embedding_worker(command),
        Err(e) => {
            eprintln!("sift: embedding in this process: {e}");
            engine
        }
    }
}

/// Opens the engine on a thread of its own, then starts what needs it: the deferred
/// start-up work and the login item. A store held by another Sift (a second launch the
/// single-instance plugin could not hand over, e.g. without a session bus) ends this
/// process with one line, as before; any other failure is kept in the slot, and every
/// command answers with it, so the window says why.
fn open_engine_behind_the_window(app: &tauri::AppHandle, data_dir: PathBuf) {
    let app = app.clone();
    std::thread::Builder::new()
        .name("sift-open".into())
        .spawn(move || {
            // The end-to-end tests hold the opening back to see the window answer first.
            if let Some(ms) = std::env::var("SIFT_E2E_OPEN_DELAY_MS")
                .ok()
                .and_then(|ms| ms.parse().ok())
            {
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }
            let opened = {
                let _span = tracing::info_span!("open engine").entered();
                // The views are built right after: the corpus file is read beside the
                // store's opening.
                Engine::open_for_views(&data_dir)
                    .map(with_embedding_worker)
                    .map(Arc::new)
            };
            if let Err(e) = &opened {
                if e.is_store_in_use() {
                    eprintln!("error: could not start Sift: {e}");
                    std::process::exit(1);
                }
                eprintln!("error: could not open the store: {e}");
            }
            let Some(state) = app.try_state::<AppState>() else {
                return;
            };
            state.engine.fill(&data_dir, opened);
            let Some(engine) = state.engine.now() else {
                return;
            };
            // The learner's snapshot is built here, while WebKit starts its page, rather
            // than when For you first asks (at 100,000 articles ~0.37 s after the page
            // asked). A failure is the first view's to report: it meets it again.
            {
                let _span = tracing::info_span!("prepare views").entered();
                if let Err(e) = engine.prepare_views() {
                    eprintln!("sift: could not prepare the views: {e}");
                }
            }
            let settings = match engine.settings() {
                Ok(settings) => settings,
                Err(e) => {
                    eprintln!("sift: could not read the settings: {e}");
                    return;
                }
            };
            // The first scheduled refresh, the tray's count, the cleanup and a missing map
            // layout wait for the first For you.
            startup::after_first_view(&app, engine, settings.refresh_interval_minutes);
            // While start at login is on, the login item names the binary that runs now
            // (it may have moved). Off, nothing is touched: the item belongs to the user's
            // default store, and a Sift on another store (a test's) must not remove it.
            if settings.start_at_login {
                if let Err(e) = tray::set_start_at_login(&app, true) {
                    eprintln!("sift: could not update the login item: {e}");
                }
            }
        })
        .expect("a thread to open the store");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_instance_id_is_per_store_and_a_valid_dbus_name() {
        let a = single_instance_id(Path::new("/tmp/a"));
        assert_eq!(a, single_instance_id(Path::new("/tmp/a")));
        assert_ne!(a, single_instance_id(Path::new("/tmp/b")));
        assert!(a
            .split('.')
            .all(|part| !part.is_empty() && !part.starts_with(|c: char| c.is_ascii_digit())));
    }

    #[test]
    fn the_webview_may_only_show_the_app() {
        let ok = |u: &str| is_app_url(&u.parse().unwrap());
        assert!(ok("tauri://localhost/index.html"));
        assert!(ok("http://tauri.localhost/"));
        assert!(!ok("https://example.com/"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("javascript:alert(1)"));
    }

    /// Each command has exactly one grant in the capability, and nothing else is granted
    /// but events and zoom.
    #[test]
    fn capabilities_grant_exactly_the_commands() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/default.json");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut granted: Vec<String> = json["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .filter(|p| p.starts_with("allow-"))
            .collect();
        granted.sort();
        let mut wanted: Vec<String> = command_names::COMMANDS
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-")))
            .collect();
        wanted.sort();
        assert_eq!(granted, wanted);
    }
}
