//! Where the model files are looked for.
//!
//! The model directory holds native code (ONNX Runtime is a shared library loaded into the
//! process), so it is only looked for in places the user or the installation chose:
//! `SIFT_MODEL_DIR`, the installed bundle, beside the executable (and, for a cargo build,
//! the checkout its target directory sits in), and the user's data directory — never the
//! current directory, which may be anybody's checkout. Debug builds also look in the
//! checkout they were compiled from. Wherever a file is found, it is checked against
//! `models/MANIFEST` before use (`manifest.rs`).

use std::path::{Path, PathBuf};

/// The file whose presence marks a model directory.
const MARKER: &str = "model.onnx";

/// `SIFT_MODEL_DIR` if set (even when it is wrong, so the error names it), else the first
/// of [`model_dir_candidates`] that holds a model, else the first candidate (so the error
/// names a place Sift really looks).
pub fn locate_model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SIFT_MODEL_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let candidates = model_dir_candidates(&SearchContext::current());
    candidates
        .iter()
        .find(|dir| dir.join(MARKER).is_file())
        .or(candidates.first())
        .cloned()
        // No executable path and no home: name a place that says what is missing.
        .unwrap_or_else(|| PathBuf::from("/nonexistent/sift/models"))
}

/// What the search depends on, gathered once so the rules can be tested without touching
/// the process's environment.
#[derive(Debug, Clone, Default)]
pub struct SearchContext {
    /// The directory of the running executable.
    pub exe_dir: Option<PathBuf>,
    /// The user's data directory for Sift (e.g. `~/.local/share/sift`).
    pub data_dir: Option<PathBuf>,
    /// The checkout this crate was compiled from; `None` in release builds.
    pub build_checkout: Option<PathBuf>,
}

impl SearchContext {
    pub fn current() -> Self {
        Self {
            exe_dir: std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(Path::to_path_buf)),
            data_dir: crate::paths::default_data_dir(),
            build_checkout: build_checkout(),
        }
    }
}

/// The checkout path compiled in, for `cargo run`/`cargo test` with a target directory
/// elsewhere (CI, worktrees). A development convenience: release binaries carry no such path.
fn build_checkout() -> Option<PathBuf> {
    if cfg!(debug_assertions) {
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
    } else {
        None
    }
}

/// Every place a model directory is looked for, in order. All are absolute: a relative
/// path would resolve against the current directory.
pub fn model_dir_candidates(context: &SearchContext) -> Vec<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(exe_dir) = &context.exe_dir {
        // The .deb: Tauri installs bundle resources under /usr/lib/<productName>/ and the
        // binary in /usr/bin/ (see src-tauri/tauri.bundle.conf.json).
        candidates.push(exe_dir.join("../lib/Sift/models"));
        candidates.push(exe_dir.join("models"));
        // A cargo build: `<checkout>/target/<profile>/sift`, and test binaries one level
        // deeper in `deps/`. Only when the directory really is a cargo target directory
        // (cargo marks it with CACHEDIR.TAG), so an installed `/usr/bin/sift` never looks
        // in `/models`.
        for profile_dir in [Some(exe_dir.as_path()), exe_dir.parent()]
            .into_iter()
            .flatten()
        {
            let Some(target_dir) = profile_dir.parent() else {
                continue;
            };
            if target_dir.join("CACHEDIR.TAG").is_file() {
                if let Some(checkout) = target_dir.parent() {
                    candidates.push(checkout.join("models"));
                }
            }
        }
    }
    if let Some(data_dir) = &context.data_dir {
        candidates.push(data_dir.join("models"));
    }
    if let Some(checkout) = &context.build_checkout {
        candidates.push(checkout.join("models"));
    }
    candidates.retain(|dir| dir.is_absolute());
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_directory_is_never_a_candidate() {
        let scratch = tempfile::tempdir().unwrap();
        let context = SearchContext {
            exe_dir: Some(scratch.path().join("bin")),
            data_dir: Some(scratch.path().join("data")),
            build_checkout: None,
        };
        let candidates = model_dir_candidates(&context);
        assert!(candidates.iter().all(|c| c.is_absolute()), "{candidates:?}");
        let cwd = std::env::current_dir().unwrap().join("models");
        assert!(!candidates.contains(&cwd), "{candidates:?}");
        assert!(candidates.contains(&scratch.path().join("data/models")));
        assert!(candidates.contains(&scratch.path().join("bin/models")));
        assert!(candidates.contains(&scratch.path().join("bin/../lib/Sift/models")));
        // Relative places (e.g. an executable path that came out relative) are dropped.
        let relative = SearchContext {
            exe_dir: Some(PathBuf::from("bin")),
            data_dir: Some(PathBuf::from("data")),
            build_checkout: Some(PathBuf::from(".")),
        };
        assert!(model_dir_candidates(&relative).is_empty());
    }

    #[test]
    fn a_checkout_is_searched_only_from_a_real_cargo_target_dir() {
        let scratch = tempfile::tempdir().unwrap();
        let profile = scratch.path().join("checkout/target/release");
        std::fs::create_dir_all(&profile).unwrap();
        let context = SearchContext {
            exe_dir: Some(profile.clone()),
            ..Default::default()
        };
        let checkout_models = scratch.path().join("checkout/models");
        assert!(!model_dir_candidates(&context).contains(&checkout_models));
        std::fs::write(scratch.path().join("checkout/target/CACHEDIR.TAG"), "").unwrap();
        assert!(model_dir_candidates(&context).contains(&checkout_models));
        // Test binaries live in target/<profile>/deps.
        let deps = SearchContext {
            exe_dir: Some(profile.join("deps")),
            ..Default::default()
        };
        assert!(model_dir_candidates(&deps).contains(&checkout_models));
    }

    #[test]
    fn debug_builds_alone_know_their_checkout() {
        assert_eq!(build_checkout().is_some(), cfg!(debug_assertions));
    }
}
