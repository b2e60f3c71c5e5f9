//! Feed icons for the webview, served from the store through a custom protocol
//! (`sift-icon://localhost/<feed id>` on Linux and macOS, `http://sift-icon.localhost/<feed
//! id>` on Windows): a list showing icons makes no request outside the app. The core
//! fetched each icon once (`Engine::fetch_missing_icons`) and checked it is an image.

use sift_core::domain::FeedId;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::AppState;

pub const SCHEME: &str = "sift-icon";

/// Answers one icon request off the main thread: the icon, or 404 when there is none.
pub fn serve<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let wanted = request
        .uri()
        .path()
        .trim_start_matches('/')
        .parse::<FeedId>();
    tauri::async_runtime::spawn(async move {
        // An icon asked for while the store still opens waits for it.
        let engine = match app.try_state::<AppState>() {
            Some(state) => state.engine().await.ok(),
            None => None,
        };
        let icon = tauri::async_runtime::spawn_blocking(move || {
            let (feed, engine) = (wanted.ok()?, engine?);
            engine.feed_icon(feed).ok().flatten()
        })
        .await
        .ok()
        .flatten();
        let response = match icon {
            Some(icon) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, icon.mime_type)
                .header(header::CACHE_CONTROL, "max-age=86400")
                .header("X-Content-Type-Options", "nosniff")
                .body(icon.bytes),
            None => Response::builder()
                .status(StatusCode::NOT_FOUND)
                .body(Vec::new()),
        };
        responder.respond(response.unwrap_or_else(|_| Response::new(Vec::new())));
    });
}
