//! What the app's reading views need beyond the learner's ranking: which articles were
//! opened, and the For you list with each article's date and read mark.

use serde::Serialize;

use super::{Engine, Recommendation};
use crate::domain::ArticleId;
use crate::error::{Error, Result};

/// One line of For you: the learner's recommendation, with the date and whether it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ForYouItem {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub recommendation: Recommendation,
    /// RFC 3339, when the feed says.
    pub published: Option<String>,
    pub read: bool,
}

impl Engine {
    /// Marks an article as read (opened in the reader). Reading is not a rating: the
    /// learner does not use it.
    pub fn mark_read(&self, id: ArticleId) -> Result<()> {
        if self.store.get_article_meta(id)?.is_none() {
            return Err(Error::NotFound(format!(
                "no stored article has the id {id}"
            )));
        }
        self.store.mark_read(id)?;
        Ok(())
    }

    /// Every article marked read.
    pub fn read_ids(&self) -> Result<Vec<ArticleId>> {
        let mut ids: Vec<ArticleId> = self.store.read_ids()?.into_iter().collect();
        ids.sort();
        Ok(ids)
    }

    /// [`Engine::recommend`] with each article's date and read mark.
    pub fn for_you(&self, limit: Option<usize>) -> Result<Vec<ForYouItem>> {
        let read = self.store.read_ids()?;
        self.recommend(limit)?
            .into_iter()
            .map(|recommendation| {
                let published = self
                    .store
                    .get_article_meta(recommendation.id)?
                    .and_then(|a| a.published);
                Ok(ForYouItem {
                    read: read.contains(&recommendation.id),
                    published,
                    recommendation,
                })
            })
            .collect()
    }
}
