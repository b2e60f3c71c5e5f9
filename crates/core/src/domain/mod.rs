//! The types every part of Sift shares: ids, ratings, articles, feeds and the user's settings. `feeds` produces
//! them, `store` persists them, `learn` and the faces read them; none of those depends on
//! another for its vocabulary.

mod article;
mod feed;
mod ids;
mod rating;
mod settings;

pub use article::{
    lead_words, prefix_within, ArticleContent, ArticleMeta, ArticleRecord, Enclosure, NewArticle,
    WholeArticle, LEAD_WORDS,
};
pub use feed::{feed_url_key, FeedRecord, FeedStatus};
pub use ids::{ArticleId, FeedId};
pub use rating::Rating;
pub use settings::{Settings, Theme};
