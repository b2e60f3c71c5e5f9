//! The error every command returns. It crosses IPC as `{ kind, message }`: `message` is
//! written for a person (the UI shows it as-is), `kind` lets the UI react without parsing text.

use serde::Serialize;
use sift_core::error::display_chain;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The thing asked for does not exist (any more).
    NotFound,
    /// The request itself is wrong (a bad URL, an empty name); the user can fix it.
    InvalidInput,
    /// Another Sift process holds the data directory.
    InUse,
    /// Reading or writing the store failed.
    Storage,
    /// The store could not be opened when Sift started: nothing works until it is fixed
    /// and Sift started again (the window says why instead of its views).
    Unavailable,
    /// Anything else: a bug or an environment problem.
    Internal,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
}

impl CommandError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<sift_core::Error> for CommandError {
    fn from(e: sift_core::Error) -> Self {
        use sift_core::Error;
        let kind = match &e {
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            _ if e.is_store_in_use() => ErrorKind::InUse,
            Error::Store(_) => ErrorKind::Storage,
            _ => ErrorKind::Internal,
        };
        Self::new(kind, display_chain(&e))
    }
}

impl From<tauri::Error> for CommandError {
    fn from(e: tauri::Error) -> Self {
        Self::new(ErrorKind::Internal, display_chain(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_message_and_get_a_kind() {
        let e: CommandError = sift_core::Error::NotFound("article 7".into()).into();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.message, "not found: article 7");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["kind"], "not_found");
    }

    #[test]
    fn chain_skips_repeated_causes() {
        let io = std::io::Error::other("disk full");
        let e = sift_core::Error::CreateDataDir {
            path: "/x".into(),
            source: io,
        };
        let message = CommandError::from(e).message;
        assert_eq!(message.matches("disk full").count(), 1, "{message}");
    }
}
