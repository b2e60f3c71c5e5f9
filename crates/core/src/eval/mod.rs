//! Offline evaluation: a simulated reader who likes some categories of a labelled news corpus
//! answers cards truthfully; after each budget of answers the model ranks held-out articles.
//! Compared: Sift's cards, random cards (same model), the prototype's method, and the
//! ceiling (the same model trained on every pool label).

mod corpus;
mod map;
mod metrics;
mod search;
mod simulate;

pub use corpus::{clean_ag_news_text, embed_with_cache, load_ag_news, LabelledCorpus};
pub use map::{evaluate_map, MapEvalReport};
pub use metrics::{auc, brier, precision_at_k};
pub use search::{
    evaluate_search, LabelledQuery, QueryKind, SearchEvalReport, SearchEvalRow, AG_NEWS_QUERIES,
};
pub use simulate::{evaluate, EvalConfig, EvalReport, EvalRow, Method};
