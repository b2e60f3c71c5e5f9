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
    /// Records an answer (`None` clears it) and retrains before returning. The answer is
    /// on disk before the model retrains: a crash after this returns (or during the
    /// retraining) loses nothing the user confirmed.
    pub fn rate(&self, id: ArticleId, rating: Option<Rating>) -> Result<RatedArticle> {
        let _span = tracing::info_span!("rate").entered();
        let stored = tracing::info_span!("store answer").entered();
        match rating {
            // Checked and written in one transaction: an answer racing an unsubscribe or a
            // clean-up either lands first (and keeps its article) or is refused.
            Some(r) => {
                if self.store.rate_existing(id, r)?.is_none() {
                    return Err(Error::UnknownArticle(id));
                }
            }
            None => {
                if self.store.get_article_meta(id)?.is_none() {
                    return Err(Error::UnknownArticle(id));
                }
                self.store.clear_rating(id)?;
            }
        }
        self.store.flush()?;
        drop(stored);
        self.retrain()?;
        Ok(RatedArticle { id, rating })
    }
}
