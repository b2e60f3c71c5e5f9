//! What the window's web engine keeps in memory. By default WebKitGTK composites pages
//! through OpenGL (a software renderer, llvmpipe, where there is no GPU driver), and the GL
//! buffers live in the web process. Sift's window is lists and a 2-D canvas, which paint
//! without it. Measured with `scripts/bench/app-import.mjs` (3,000 articles, release app
//! under Xvfb): the web process's anonymous memory was 76 MB idle and 164-168 MB after the
//! import with the default, 24 and 51 MB with compositing off. WebKit's cache model
//! (DocumentViewer instead of WebBrowser) changed nothing measurable, so it stays.

/// Turns the window's OpenGL compositing off (Linux; elsewhere nothing).
pub fn configure(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        let configured = window.with_webview(|webview| {
            use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
            if let Some(settings) = WebViewExt::settings(&webview.inner()) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
        if let Err(e) = configured {
            eprintln!("warning: the web view's memory settings could not be applied: {e}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
