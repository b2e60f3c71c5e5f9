//! The one error type the facade returns. Each variant's message is written for a person:
//! the CLI prints the Display chain and the app shows it as-is.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),

    #[error(transparent)]
    Feed(#[from] crate::feeds::FeedError),

    #[error(transparent)]
    Search(#[from] crate::search::SearchError),

    #[error(
        "no data directory could be found for this user; pass --data-dir or set SIFT_DATA_DIR"
    )]
    NoDataDir,

    #[error("could not create the data directory {path}: {source}")]
    CreateDataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{0}")]
    InvalidInput(String),

    #[error("not found: {0}")]
    NotFound(String),

    #[error("no article with id {0}; list them with `sift articles`")]
    UnknownArticle(crate::domain::ArticleId),

    #[error("the embedding model could not be loaded from {dir}: {detail}; run models/fetch.sh (or make setup), or point SIFT_MODEL_DIR at a directory holding the model files")]
    ModelUnavailable { dir: PathBuf, detail: String },

    #[error("embedding failed: {0}")]
    Embedding(String),

    #[error("could not read or write the model file {path}: {detail}")]
    ModelFile { path: PathBuf, detail: String },
}

impl Error {
    /// Another Sift process holds the store: the faces say so and stop instead of treating
    /// it as a broken store.
    pub fn is_store_in_use(&self) -> bool {
        matches!(self, Error::Store(crate::store::StoreError::InUse(_)))
    }
}

/// "outer: inner: innermost", skipping causes whose text the outer message already holds
/// (thiserror's `transparent` and `{0}` repeat them). The one way Sift turns an error into
/// the line a person reads, in the CLI, the app and stored feed errors alike.
pub fn display_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
