// Declaring the app's commands makes Tauri generate one permission per command
// (`allow-<command>`), so capabilities/ can grant each window exactly what it uses.
include!("src/command_names.rs");

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
