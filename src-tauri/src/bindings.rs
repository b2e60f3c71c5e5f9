//! TypeScript declarations for every type that crosses IPC, generated from the Rust types
//! into `ui/src/lib/bindings/` (committed). The test below fails when they are stale;
//! `SIFT_UPDATE_BINDINGS=1 cargo test -p sift-app bindings` rewrites them.

use std::path::Path;

use ts_rs::{Config, ExportError, TS};

/// Writes the declarations into `dir`. IDs are `u64` in Rust but stay far below 2^53, so
/// they are plain `number`s in TypeScript (JSON has no bigint).
pub fn export_bindings(dir: &Path) -> Result<(), ExportError> {
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    crate::error::CommandError::export_all(&cfg)?;
    crate::events::Progress::export_all(&cfg)?;
    sift_core::EngineInfo::export_all(&cfg)?;
    sift_core::engine::ModelInfo::export_all(&cfg)?;
    sift_core::engine::FeedSummary::export_all(&cfg)?;
    sift_core::engine::ArticleView::export_all(&cfg)?;
    sift_core::engine::ArticleFilter::export_all(&cfg)?;
    sift_core::engine::OpmlImportReport::export_all(&cfg)?;
    sift_core::engine::RefreshReport::export_all(&cfg)?;
    sift_core::engine::RatedArticle::export_all(&cfg)?;
    sift_core::engine::Recommendation::export_all(&cfg)?;
    sift_core::engine::ForYouItem::export_all(&cfg)?;
    sift_core::engine::Card::export_all(&cfg)?;
    sift_core::engine::ClusterSummary::export_all(&cfg)?;
    sift_core::engine::MapView::export_all(&cfg)?;
    sift_core::domain::Settings::export_all(&cfg)?;
    sift_core::engine::SearchQuery::export_all(&cfg)?;
    sift_core::engine::SearchHit::export_all(&cfg)?;
    sift_core::engine::WholeArticlesReport::export_all(&cfg)?;
    sift_core::engine::ReadState::export_all(&cfg)?;
    sift_core::engine::MarkReadScope::export_all(&cfg)?;
    sift_core::engine::MarkReadReport::export_all(&cfg)?;
    sift_core::engine::UnreadCounts::export_all(&cfg)?;
    sift_core::engine::SavedState::export_all(&cfg)?;
    sift_core::engine::RuleView::export_all(&cfg)?;
    sift_core::engine::PruneReport::export_all(&cfg)?;
    sift_core::engine::StoreStats::export_all(&cfg)?;
    sift_core::rules::NewRule::export_all(&cfg)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;

    fn read_ts_files(dir: &Path) -> BTreeMap<String, String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return BTreeMap::new();
        };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(e.path()).unwrap())
            })
            .collect()
    }

    #[test]
    fn bindings_are_fresh() {
        let committed_dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
        let fresh_dir = tempfile::tempdir().unwrap();
        export_bindings(fresh_dir.path()).unwrap();
        let fresh = read_ts_files(fresh_dir.path());

        if std::env::var_os("SIFT_UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(&committed_dir).unwrap();
            for stale in read_ts_files(&committed_dir).keys() {
                std::fs::remove_file(committed_dir.join(stale)).unwrap();
            }
            for (name, text) in &fresh {
                std::fs::write(committed_dir.join(name), text).unwrap();
            }
            return;
        }

        let committed = read_ts_files(&committed_dir);
        let differing: Vec<&String> = fresh
            .keys()
            .chain(committed.keys())
            .filter(|name| fresh.get(*name) != committed.get(*name))
            .collect();
        assert!(
            differing.is_empty(),
            "ui/src/lib/bindings is stale ({differing:?} differ from the Rust types); \
             regenerate with: SIFT_UPDATE_BINDINGS=1 cargo test -p sift-app bindings"
        );
    }
}
