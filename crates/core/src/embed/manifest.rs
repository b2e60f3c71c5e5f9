//! Whether a model file is the file Sift was built for: its sha256 against
//! `models/MANIFEST`, compiled into the binary (so a planted manifest changes nothing).
//!
//! Every file the embedder loads — ONNX Runtime's native library included — is checked here
//! before it is used, wherever it was found.

use std::path::Path;

/// `models/MANIFEST` as the build saw it: file name, tab, sha256, tab, where it comes from.
const MANIFEST: &str = include_str!("../../../../models/MANIFEST");

/// Why a model file is refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("{name}: {source}")]
    Unreadable {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{name} is not listed in models/MANIFEST, so it is not loaded")]
    NotListed { name: String },
    #[error(
        "{name} has sha256 {actual}, but models/MANIFEST expects {expected}: not loading it \
         (run models/fetch.sh to get the right file)"
    )]
    Mismatch {
        name: String,
        expected: &'static str,
        actual: String,
    },
}

/// The sha256 `models/MANIFEST` lists for `file_name`, if it lists it.
pub fn expected_sha256(file_name: &str) -> Option<&'static str> {
    MANIFEST
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut columns = line.split('\t');
            Some((columns.next()?, columns.next()?))
        })
        .find(|(name, _)| *name == file_name)
        .map(|(_, sha)| sha)
}

/// Checks `bytes`, the content of the model file the manifest calls `file_name`.
pub fn verify_model_bytes(file_name: &str, bytes: &[u8]) -> Result<(), ModelFileError> {
    check_listed_sha256(file_name, || Ok(sha256_hex(bytes)))
}

/// Reads `path` and checks it as the manifest's `file_name`; returns the checked bytes, so
/// what is loaded is what was checked.
pub fn read_verified(path: &Path, file_name: &str) -> Result<Vec<u8>, ModelFileError> {
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Unreadable {
        name: file_name.to_string(),
        source,
    })?;
    verify_model_bytes(file_name, &bytes)?;
    Ok(bytes)
}

/// Checks the file at `path` as the manifest's `file_name` without holding it in memory
/// (for files that are checked but then opened by ONNX Runtime itself).
pub fn verify_model_file(path: &Path, file_name: &str) -> Result<(), ModelFileError> {
    check_listed_sha256(file_name, || sha256_file(path))
}

/// Compares the sha256 that `actual` works out with the manifest's entry for `file_name`;
/// a file the manifest does not list is refused before anything is hashed.
fn check_listed_sha256(
    file_name: &str,
    actual: impl FnOnce() -> std::io::Result<String>,
) -> Result<(), ModelFileError> {
    let Some(expected) = expected_sha256(file_name) else {
        return Err(ModelFileError::NotListed {
            name: file_name.to_string(),
        });
    };
    let actual = actual().map_err(|source| ModelFileError::Unreadable {
        name: file_name.to_string(),
        source,
    })?;
    if actual.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(ModelFileError::Mismatch {
            name: file_name.to_string(),
            expected,
            actual,
        })
    }
}

/// sha256 of a file, read in pieces (the optimised model's weights are ~90 MB; reading them
/// whole would add that much to the very peak the copy exists to avoid).
pub(super) fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = openssl::sha::Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finish()))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// OpenSSL's SHA-256 (already linked through reqwest's native-tls): assembly even in debug
/// builds, where a Rust implementation takes seconds over the ~58 MB checked per model load.
fn sha256_hex(bytes: &[u8]) -> String {
    hex(&openssl::sha::sha256(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_checked_against_the_compiled_in_manifest() {
        assert_eq!(
            expected_sha256("model.onnx"),
            Some("8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6")
        );
        assert!(expected_sha256("libonnxruntime.so.1.32.0").is_some());
        assert!(expected_sha256("# The embedding model").is_none());
        let wrong = verify_model_bytes("tokenizer.json", b"{\"evil\": true}").unwrap_err();
        assert!(matches!(wrong, ModelFileError::Mismatch { .. }), "{wrong}");
        assert!(wrong.to_string().contains("models/MANIFEST expects"));
        let unlisted = verify_model_bytes("libevil.so", b"").unwrap_err();
        assert!(matches!(unlisted, ModelFileError::NotListed { .. }));
        // The known digest of the empty input, so the hex encoding is checked too.
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn the_checked_bytes_are_the_ones_returned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.onnx");
        std::fs::write(&path, b"planted").unwrap();
        assert!(matches!(
            read_verified(&path, "model.onnx"),
            Err(ModelFileError::Mismatch { .. })
        ));
        assert!(matches!(
            read_verified(&dir.path().join("missing"), "model.onnx"),
            Err(ModelFileError::Unreadable { .. })
        ));
        assert!(matches!(
            verify_model_file(&path, "model.onnx"),
            Err(ModelFileError::Mismatch { .. })
        ));
        assert!(matches!(
            verify_model_file(&dir.path().join("missing"), "model.onnx"),
            Err(ModelFileError::Unreadable { .. })
        ));
        // Read in pieces, hashed as a whole.
        let big = vec![3u8; 200_000];
        std::fs::write(&path, &big).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(&big));
    }
}
