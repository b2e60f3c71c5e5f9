//! Sift in the background: a tray icon showing the unread count, with Show, Refresh now and
//! Quit; closing the window hides it to the tray (when Settings say so) while refresh,
//! embedding and notifications go on; Quit really quits. Without a tray host (a bare X
//! server, some desktops) the icon is simply absent and closing quits as before.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, WindowEvent};

use crate::AppState;

const TRAY_ID: &str = "sift";

/// Set once the tray icon exists: only then may closing the window hide it (otherwise the
/// user would have no way back to a hidden window).
static TRAY_READY: AtomicBool = AtomicBool::new(false);

pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Creates the tray icon; failing to is not fatal (there may be no tray on this desktop).
pub fn install(app: &AppHandle) {
    match build(app) {
        Ok(()) => {
            TRAY_READY.store(true, Ordering::SeqCst);
            update_unread(app);
        }
        Err(e) => eprintln!("sift: no tray icon ({e}); closing the window will quit"),
    }
}

fn build(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show Sift", true, None::<&str>)?;
    let refresh = MenuItem::with_id(app, "refresh", "Refresh now", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Sift", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &refresh, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip("Sift")
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" => show_main_window(app),
            "refresh" => {
                if let Some(state) = app.try_state::<AppState>() {
                    crate::background::ingest_detached(
                        app,
                        state.engine.clone(),
                        sift_core::engine::FeedSelection::All,
                    );
                }
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// Counts asked for so far; only the newest count reaches the icon (counts run
/// concurrently, and an older one may finish last).
static UNREAD_ASKED: AtomicU64 = AtomicU64::new(0);

/// Shows the unread count of For you beside the icon (and in its tooltip where supported).
pub fn update_unread(app: &AppHandle) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let engine = state.engine.clone();
    let tray = tray.clone();
    let asked = UNREAD_ASKED.fetch_add(1, Ordering::SeqCst) + 1;
    tauri::async_runtime::spawn(async move {
        // A newer count asked meanwhile makes this one moot: a burst of reads counts once.
        let counts = tauri::async_runtime::spawn_blocking(move || {
            (UNREAD_ASKED.load(Ordering::SeqCst) == asked).then(|| engine.unread_counts())
        })
        .await;
        let Ok(Some(Ok(counts))) = counts else { return };
        if UNREAD_ASKED.load(Ordering::SeqCst) != asked {
            return;
        }
        let label = (counts.for_you > 0).then(|| counts.for_you.to_string());
        let _ = tray.set_title(label.as_deref());
        let _ = tray.set_tooltip(Some(format!("Sift: {} unread for you", counts.for_you)));
    });
}

/// Close-to-tray: the window hides instead of closing when the tray exists and Settings
/// keep Sift running in the background.
pub fn on_window_event(window: &tauri::Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    if !TRAY_READY.load(Ordering::SeqCst) {
        return;
    }
    let keep_running = window
        .app_handle()
        .try_state::<AppState>()
        .and_then(|s| s.engine.settings().ok())
        .is_some_and(|s| s.close_to_tray);
    if keep_running {
        api.prevent_close();
        let _ = window.hide();
    }
}

/// Makes "start at login" match the setting (opt-in; off unless the user turned it on).
/// The login item starts Sift with `--minimized`, in the tray.
pub fn apply_autostart(app: &AppHandle, engine: &sift_core::Engine) {
    use tauri_plugin_autostart::ManagerExt;
    let Ok(settings) = engine.settings() else {
        return;
    };
    let launcher = app.autolaunch();
    let enabled = launcher.is_enabled().unwrap_or(false);
    let result = match (settings.start_at_login, enabled) {
        (true, false) => launcher.enable(),
        (false, true) => launcher.disable(),
        _ => Ok(()),
    };
    if let Err(e) = result {
        eprintln!("sift: could not change start at login: {e}");
    }
}
