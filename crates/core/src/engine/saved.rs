//! Save for later: the reader's own collection, apart from taste. Saving never trains the
//! model and liking never saves; saved articles are never pruned.

use serde::Serialize;

use super::{ArticleView, Engine};
use crate::domain::ArticleId;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SavedState {
    pub id: ArticleId,
    pub saved: bool,
}

impl Engine {
    /// Saves (or, with `false`, unsaves) an article.
    pub fn set_saved(&self, id: ArticleId, saved: bool) -> Result<SavedState> {
        if self.store.get_article_meta(id)?.is_none() {
            return Err(Error::UnknownArticle(id));
        }
        if saved {
            self.store.save_article(id)?;
        } else {
            self.store.unsave_article(id)?;
        }
        self.store.flush()?;
        Ok(SavedState { id, saved })
    }

    /// Saved articles, most recently saved first, without their HTML (the reader asks for
    /// one article at a time).
    pub fn saved(&self) -> Result<Vec<ArticleView>> {
        let mut saved: Vec<(ArticleId, u64)> = self.store.saved_articles()?.into_iter().collect();
        saved.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        let mut views = Vec::with_capacity(saved.len());
        for (id, _) in saved {
            match self.article(id) {
                Ok(mut view) => {
                    view.content_html = None;
                    views.push(view);
                }
                Err(Error::NotFound(_)) => {} // a saved article whose feed went away
                Err(e) => return Err(e),
            }
        }
        Ok(views)
    }

    /// The ids of every saved article (for marks in lists).
    pub fn saved_ids(&self) -> Result<Vec<ArticleId>> {
        let mut ids: Vec<ArticleId> = self.store.saved_articles()?.into_keys().collect();
        ids.sort();
        Ok(ids)
    }
}
