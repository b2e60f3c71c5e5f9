//! Answers: recording a rating and retraining before the call returns.

use serde::Serialize;

use crate::domain::{ArticleId, Rating};
use crate::engine::Engine;
use crate::error::{Error, Result};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatedArticle {
    pub id: ArticleId,
    /// `None` after a clear.
    pub rating: Option<Rating>,
}

impl Engine {
    /// Records an answer (`None` clears it) and retrains before returning.
    pub fn rate(&self, id: ArticleId, rating: Option<Rating>) -> Result<RatedArticle> {
        if self.store.get_article_meta(id)?.is_none() {
            return Err(Error::UnknownArticle(id));
        }
        match rating {
            Some(r) => {
                self.store.put_rating(id, r)?;
            }
            None => {
                self.store.clear_rating(id)?;
            }
        }
        self.retrain()?;
        Ok(RatedArticle { id, rating })
    }
}
