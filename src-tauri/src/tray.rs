//! Sift in the background: a tray icon showing the unread count, with Show, Refresh now and
//! Quit; closing the window hides it to the tray (when Settings say so) while refresh,
//! embedding and notifications go on; Quit really quits. Without a tray the desktop shows
//! (GNOME without the AppIndicator extension, a bare X server) closing quits, as it does in
//! any app without a tray: a hidden window with no icon to bring it back would leave Sift
//! running where the user cannot see or reach it.

use std::time::Duration;

use sift_core::engine::UnreadCounts;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, WindowEvent};
use tokio::sync::watch;

use crate::AppState;

const TRAY_ID: &str = "sift";

pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Creates the tray icon; failing to is not fatal (there may be no tray on this desktop).
/// The icon shows no count until the first one, which start-up asks for once the window's
/// first For you is answered (`startup.rs`).
pub fn install(app: &AppHandle) {
    if let Err(e) = build(app) {
        eprintln!("sift: no tray icon ({e}); closing the window will quit");
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
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let Some(state) = app.try_state::<AppState>() else {
                        return;
                    };
                    // Clicked while the store still opens: refreshes once it is open.
                    if let Ok(engine) = state.engine().await {
                        crate::background::ingest_detached(
                            &app,
                            engine,
                            sift_core::engine::FeedSelection::All,
                        );
                    }
                });
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

/// Which unread count is the newest asked for. Counts run concurrently and an older one may
/// finish last; and a newer count asked before an older one started makes the older moot,
/// so a burst of reads counts once. The window's counts (`unread_counts`) take tickets too
/// and show on the icon, so a count the tray would make for itself is moot once the window
/// asks one. One per app, owned by [`AppState`].
pub struct NewestCount(watch::Sender<u64>);

impl Default for NewestCount {
    fn default() -> Self {
        Self(watch::Sender::new(0))
    }
}

impl NewestCount {
    /// A ticket for a count about to be asked; it makes every earlier ticket stale.
    pub fn ask(&self) -> u64 {
        let mut ticket = 0;
        self.0.send_modify(|newest| {
            *newest += 1;
            ticket = *newest;
        });
        ticket
    }

    /// Whether no count was asked since `ticket`.
    pub fn is_newest(&self, ticket: u64) -> bool {
        *self.0.borrow() == ticket
    }

    /// Waits until some count has been asked since the app started, or `at_most`; whether
    /// one was.
    pub async fn wait_for_any(&self, at_most: Duration) -> bool {
        let mut asked = self.0.subscribe();
        tokio::time::timeout(at_most, asked.wait_for(|&n| n > 0))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

/// Counts For you's unread articles for the tray alone and shows the count: for what the
/// window does not follow with its own count (a refresh or cleanup behind it, or a start
/// whose window asked none).
pub fn update_unread(app: &AppHandle) {
    if app.tray_by_id(TRAY_ID).is_none() {
        return;
    }
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    // Counts are asked once the store is open (start-up asks after the first For you).
    let Some(engine) = state.engine.now() else {
        return;
    };
    let asked = state.newest_count.ask();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let still_newest = {
            let app = app.clone();
            move || {
                app.try_state::<AppState>()
                    .is_some_and(|s| s.newest_count.is_newest(asked))
            }
        };
        // A newer count asked meanwhile makes this one moot: a burst of reads counts once.
        let counts = tauri::async_runtime::spawn_blocking(move || {
            still_newest().then(|| engine.unread_counts())
        })
        .await;
        if let Ok(Some(Ok(counts))) = counts {
            show_count(&app, asked, &counts);
        }
    });
}

/// Shows the unread count of For you beside the icon (and in its tooltip where supported),
/// unless a count newer than `ticket` was asked meanwhile (it shows instead). The window's
/// `unread_counts` calls this with its own count, so a read is counted once, not once for
/// the window and again for the tray.
pub fn show_count(app: &AppHandle, ticket: u64, counts: &UnreadCounts) {
    let newest = app
        .try_state::<AppState>()
        .is_some_and(|s| s.newest_count.is_newest(ticket));
    let Some(tray) = app.tray_by_id(TRAY_ID).filter(|_| newest) else {
        return;
    };
    let label = (counts.for_you > 0).then(|| counts.for_you.to_string());
    let _ = tray.set_title(label.as_deref());
    let _ = tray.set_tooltip(Some(format!("Sift: {} unread for you", counts.for_you)));
}

/// Close-to-tray: the window hides instead of closing when Settings keep Sift running in
/// the background and its tray icon is where the user can see it (asked at each close: a
/// panel may come or go while Sift runs). Otherwise the window closes and Sift quits.
pub fn on_window_event(window: &tauri::Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let app = window.app_handle();
    let keep_running = app
        .try_state::<AppState>()
        .and_then(|s| s.engine.now())
        .and_then(|engine| engine.settings().ok())
        .is_some_and(|s| s.close_to_tray);
    if !keep_running {
        return;
    }
    if app.tray_by_id(TRAY_ID).is_some() && tray_is_shown() {
        api.prevent_close();
        let _ = window.hide();
    } else {
        eprintln!("sift: this desktop shows no tray icon, so closing the window quits");
    }
}

#[cfg(target_os = "linux")]
fn tray_is_shown() -> bool {
    crate::desktop_bus::tray_is_shown() || xembed_tray_is_shown()
}

/// Whether an X11 system tray (XEmbed: i3bar, stalonetray, older panels) shows the icon:
/// without a StatusNotifierWatcher the icon library falls back to one. It exists when some
/// window owns the screen's `_NET_SYSTEM_TRAY_S<n>` selection (System Tray Protocol). Never
/// under Wayland, where the window is not an X11 one. Runs on the main thread (GDK's).
#[cfg(target_os = "linux")]
fn xembed_tray_is_shown() -> bool {
    use gdkx11::glib::{translate::ToGlibPtr, Cast};
    let Some(display) = gdkx11::gdk::Display::default() else {
        return false;
    };
    let Ok(x11) = display.downcast::<gdkx11::X11Display>() else {
        return false;
    };
    // libX11 is loaded already (GDK uses it); its functions are looked up, not linked.
    let Ok(xlib) = x11_dl::xlib::Xlib::open() else {
        return false;
    };
    // SAFETY: the Xlib display of a live GDK X11 display, used on GDK's thread for two
    // read-only requests.
    unsafe {
        let xdisplay = gdkx11::ffi::gdk_x11_display_get_xdisplay(x11.to_glib_none().0)
            .cast::<x11_dl::xlib::Display>();
        if xdisplay.is_null() {
            return false;
        }
        let screen = (xlib.XDefaultScreen)(xdisplay);
        let selection = format!("_NET_SYSTEM_TRAY_S{screen}");
        let atom = gdkx11::functions::x11_get_xatom_by_name_for_display(&x11, &selection);
        (xlib.XGetSelectionOwner)(xdisplay, atom) != 0
    }
}

/// Windows and macOS always show tray icons.
#[cfg(not(target_os = "linux"))]
fn tray_is_shown() -> bool {
    true
}

/// Adds or removes the login item that starts Sift with `--minimized`, in the tray
/// ("start at login", opt-in). Called when the setting changes, and at every start while it
/// is on, so the item names the binary that runs now.
#[cfg(target_os = "linux")]
pub fn set_start_at_login(_app: &AppHandle, on: bool) -> Result<(), String> {
    let result = if on {
        crate::autostart::enable()
    } else {
        crate::autostart::disable()
    };
    result.map_err(|e| e.to_string())
}

#[cfg(not(target_os = "linux"))]
pub fn set_start_at_login(app: &AppHandle, on: bool) -> Result<(), String> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let result = if on {
        launcher.enable()
    } else {
        launcher.disable()
    };
    result.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::NewestCount;

    #[test]
    fn only_the_newest_count_asked_is_wanted() {
        let counts = NewestCount::default();
        let burst: Vec<u64> = (0..3).map(|_| counts.ask()).collect();
        // Three reads in a row: the first two counts are moot, the last one runs.
        assert!(!counts.is_newest(burst[0]));
        assert!(!counts.is_newest(burst[1]));
        assert!(counts.is_newest(burst[2]));
        let later = counts.ask();
        assert!(!counts.is_newest(burst[2]));
        assert!(counts.is_newest(later));
        // Each app has its own: another one's counts do not make these stale.
        let other = NewestCount::default();
        other.ask();
        assert!(counts.is_newest(later));
    }

    #[tokio::test]
    async fn waiting_for_any_count_ends_when_one_is_asked_or_at_the_limit() {
        let counts = std::sync::Arc::new(NewestCount::default());
        // Nobody asks: the wait ends at the limit, saying so.
        let started = std::time::Instant::now();
        assert!(!counts.wait_for_any(Duration::from_millis(50)).await);
        assert!(started.elapsed() >= Duration::from_millis(50));
        // Asked while waiting: the wait ends then, long before its limit.
        let waiting = {
            let counts = counts.clone();
            tokio::spawn(async move { counts.wait_for_any(Duration::from_secs(30)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = std::time::Instant::now();
        counts.ask();
        assert!(waiting.await.unwrap());
        assert!(started.elapsed() < Duration::from_secs(5));
        // Asked before: no wait.
        assert!(counts.wait_for_any(Duration::ZERO).await);
    }
}
