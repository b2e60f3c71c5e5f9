//! Running the `sift` binary the way a user does, for the CLI's integration tests: one
//! process per command, the real model from the checkout's `models/`, JSON parsed and
//! checked, errors held to the contract (one line on stderr, nothing on stdout, no panic).
#![allow(dead_code)] // each test file uses its own part of these helpers

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn repo_models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// `sift --data-dir DATA ARGS…` with the checkout's model files.
pub fn sift(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sift"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("SIFT_MODEL_DIR", repo_models())
        .env_remove("ORT_DYLIB_PATH")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("sift runs")
}

/// `sift ARGS… --json`, which must succeed and print exactly one JSON document.
pub fn json(data_dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = sift(data_dir, &all);
    assert!(
        out.status.success(),
        "sift {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "sift {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Fails with one clear line on stderr mentioning `expect`, nothing on stdout, no panic or
/// backtrace.
pub fn fails(data_dir: &Path, args: &[&str], expect: &str) {
    let out = sift(data_dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "sift {args:?} should fail");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "not one line: {stderr}"
    );
    assert!(
        stderr.starts_with("error: ") && stderr.contains(expect),
        "{args:?}: {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

/// The `id` of every item of a JSON list.
pub fn ids(list: &Value) -> Vec<u64> {
    list.as_array()
        .expect("a JSON list")
        .iter()
        .map(|a| a["id"].as_u64().expect("an id"))
        .collect()
}
