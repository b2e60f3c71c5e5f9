//! Where the model files are: an explicit override first, then the places a checkout, an
//! installed binary and a bundle keep them.

use std::path::{Path, PathBuf};

/// The file whose presence marks a model directory.
const MARKER: &str = "model.onnx";

/// `SIFT_MODEL_DIR` if set (even when it is wrong, so the error names it), else the first of
/// `./models`, `<exe dir>/models`, `<exe dir>/../../models` (a `target/<profile>/sift` run
/// from anywhere finds the repository's models) that holds a model, else `./models`.
pub fn locate_model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SIFT_MODEL_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let mut candidates = vec![PathBuf::from("models")];
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        candidates.push(exe_dir.join("models"));
        // The .deb: Tauri installs bundle resources under /usr/lib/<productName>/ and the
        // binary in /usr/bin/ (see src-tauri/tauri.bundle.conf.json).
        candidates.push(exe_dir.join("../lib/Sift/models"));
        candidates.push(exe_dir.join("../../models"));
        // `target/<profile>/deps/` holds test binaries.
        candidates.push(exe_dir.join("../../../models"));
    }
    // A build from a checkout whose target directory lives elsewhere (CARGO_TARGET_DIR, as
    // CI uses) still finds the checkout's models. Absent in an installed package, where the
    // candidates above (or SIFT_MODEL_DIR) apply.
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    candidates
        .iter()
        .find(|dir| dir.join(MARKER).is_file())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("models"))
}
