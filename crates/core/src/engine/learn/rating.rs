//! Answers: recording a rating and retraining before the call returns.

use std::sync::Arc;

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

    /// Rebuilds the model from the stored ratings, keeping the loaded vectors.
    fn retrain(&self) -> Result<()> {
        let mut slot = self.learn.snapshot.write().expect("lock");
        let previous = slot.take();
        let corpus = match &previous {
            Some(s) => s.corpus.clone(),
            None => Arc::new(self.load_corpus()?),
        };
        *slot = Some(Arc::new(self.train(corpus, previous.as_deref())?));
        Ok(())
    }
}
