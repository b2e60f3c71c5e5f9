//! What the desktop session offers Sift over its D-Bus session bus (Linux): whether a tray
//! actually shows icons, and desktop notifications that name Sift.
//!
//! Both use GLib's shared session connection (the one the tray icon's libappindicator
//! already holds open), so notifications go out on a connection that lives as long as the
//! app: some servers (GNOME's) drop a notification once the connection that sent it goes.

use gio::glib::{self, ToVariant};

/// The tray protocol desktops speak today (KDE, XFCE, Cinnamon, GNOME with the
/// AppIndicator extension...): a watcher that tray icons register with, and hosts (the
/// panels) that show what registered.
const WATCHER: &str = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH: &str = "/StatusNotifierWatcher";

/// How long a question to the desktop may take: asked when the window closes, on the main
/// thread, so a bus that does not answer must not freeze the app.
const ANSWER_WITHIN_MS: i32 = 500;

/// The name notifications carry (the server shows it as the sender) and the desktop entry
/// the .deb installs (`/usr/share/applications/Sift.desktop`), which lets a desktop group
/// them under Sift with its icon.
pub const APP_NAME: &str = "Sift";
const DESKTOP_ENTRY: &str = "Sift";
/// The icon the .deb installs in the icon theme (named after the binary).
const ICON: &str = "sift-app";

fn session_bus() -> Option<gio::DBusConnection> {
    gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE)
        .map_err(|e| eprintln!("sift: no session bus ({e})"))
        .ok()
}

/// Whether a tray icon would be seen: a StatusNotifierWatcher is on the bus and a host (a
/// panel) has registered with it. Without one (GNOME without the AppIndicator extension,
/// a bare X server) the icon exists only in our process, and a window hidden to it could
/// never be brought back.
pub fn tray_is_shown() -> bool {
    let Some(bus) = session_bus() else {
        return false;
    };
    let answer = bus.call_sync(
        Some(WATCHER),
        WATCHER_PATH,
        "org.freedesktop.DBus.Properties",
        "Get",
        Some(&(WATCHER, "IsStatusNotifierHostRegistered").to_variant()),
        glib::VariantTy::new("(v)").ok(),
        // No watcher is an answer, not a reason to start one.
        gio::DBusCallFlags::NO_AUTO_START,
        ANSWER_WITHIN_MS,
        gio::Cancellable::NONE,
    );
    match answer {
        Ok(reply) => {
            reply
                .child_value(0)
                .as_variant()
                .and_then(|v| v.get::<bool>())
                == Some(true)
        }
        Err(_) => false, // no watcher on the bus (or it did not answer)
    }
}

/// Shows a desktop notification named Sift (the Desktop Notifications Specification's
/// `Notify`). `body` must already be escaped: servers read it as markup.
pub fn notify(summary: &str, body: &str) -> Result<(), glib::Error> {
    let Some(bus) = session_bus() else {
        return Ok(()); // nowhere to show it
    };
    let mut hints = std::collections::HashMap::new();
    hints.insert("desktop-entry".to_string(), DESKTOP_ENTRY.to_variant());
    let no_actions: Vec<String> = Vec::new();
    let parameters = (
        APP_NAME, 0u32, // replaces no earlier notification
        ICON, summary, body, no_actions, hints, -1i32, // the server's default timeout
    )
        .to_variant();
    bus.call_sync(
        Some("org.freedesktop.Notifications"),
        "/org/freedesktop/Notifications",
        "org.freedesktop.Notifications",
        "Notify",
        Some(&parameters),
        glib::VariantTy::new("(u)").ok(),
        gio::DBusCallFlags::NONE,
        // A server may start on demand; it is not the main thread waiting here.
        10_000,
        gio::Cancellable::NONE,
    )
    .map(|_| ())
}
