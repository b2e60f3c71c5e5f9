//! What the app's reading views need beyond the learner's ranking: which articles were
//! read, and the For you list with each article's date, read and saved marks, and the
//! reader's rules applied after the model's score.

use serde::Serialize;

use super::{Engine, Recommendation};
use crate::domain::ArticleId;
use crate::error::{Error, Result};
use crate::rules::{RuleAction, RuleHit};

/// One line of For you: the learner's recommendation (its `score` and `reason` after the
/// rules), with the date and whether it was read or saved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ForYouItem {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub recommendation: Recommendation,
    /// The model's own score, before any rule.
    pub model_score: f32,
    /// The mute or boost rule that applied.
    pub rule: Option<RuleHit>,
    /// RFC 3339, when the feed says.
    pub published: Option<String>,
    pub read: bool,
    pub saved: bool,
}

/// Whether an article is read, after a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReadState {
    pub id: ArticleId,
    pub read: bool,
}

impl Engine {
    /// Marks an article as read (opened in the reader). Reading is not a rating: the
    /// learner does not use it.
    pub fn mark_read(&self, id: ArticleId) -> Result<()> {
        self.set_read(id, true).map(|_| ())
    }

    /// Marks an article read or unread (the reader's toggle).
    pub fn set_read(&self, id: ArticleId, read: bool) -> Result<ReadState> {
        if self.store.get_article_meta(id)?.is_none() {
            return Err(Error::NotFound(format!(
                "no stored article has the id {id}"
            )));
        }
        if read {
            self.store.mark_read(id)?;
        } else {
            self.store.mark_unread(id)?;
        }
        // On disk before the call returns, like every change the user makes.
        self.store.flush()?;
        Ok(ReadState { id, read })
    }

    /// Every article marked read.
    pub fn read_ids(&self) -> Result<Vec<ArticleId>> {
        let mut ids: Vec<ArticleId> = self.store.read_ids()?.into_iter().collect();
        ids.sort();
        Ok(ids)
    }

    /// For you: unrated articles ranked by score after the rules (a muted article sinks to
    /// the bottom and says why), unread ones only unless `include_read`.
    pub fn for_you(&self, limit: Option<usize>, include_read: bool) -> Result<Vec<ForYouItem>> {
        let _span = tracing::info_span!("for you").entered();
        let read = self.store.read_ids()?;
        let saved = self.store.saved_articles()?;
        let rules = {
            let _span = tracing::info_span!("rules").entered();
            self.active_rules_for_ranking()?
        };
        let ranking = self.ranking(None)?;
        let limit = limit.unwrap_or(usize::MAX);
        // Without rules the model's order is final, so the page ends at `limit` kept items;
        // rules can lift or sink any article, so then every one is looked at first (from
        // what the rules keep at hand: no article is read for it).
        let order_is_final = rules.is_empty();
        let rules = rules.over_ranking();
        let mut scored = Vec::new();
        for k in 0..ranking.len() {
            if order_is_final && scored.len() == limit {
                break;
            }
            let (id, model_score) = ranking.entry(k);
            let is_read = read.contains(&id);
            if is_read && !include_read {
                continue;
            }
            let rule = rules.place(&self.store, id, ranking.feed(k));
            let score = rule.map_or(model_score, |place| rules.adjust(place, model_score));
            scored.push((k, score, model_score, rule, is_read));
        }
        // Stable: ties keep the model's order.
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut kept = Vec::with_capacity(limit.min(scored.len()));
        for (k, score, model_score, rule, is_read) in scored {
            if kept.len() == limit {
                break;
            }
            let Some(record) = self.store.get_article_meta(ranking.entry(k).0)? else {
                continue; // removed since the snapshot was built
            };
            let rule = rule.map(|place| rules.hit(place));
            kept.push((k, score, model_score, rule, is_read, record.published));
        }
        // Only the page that is returned is described (a reason is a pass over the likes).
        let _span = tracing::info_span!("describe page").entered();
        let items = kept
            .into_iter()
            .map(|(k, score, model_score, rule, is_read, published)| {
                let mut recommendation = ranking.describe(k);
                if let Some(hit) = &rule {
                    recommendation.score = score;
                    recommendation.reason = match hit.action {
                        RuleAction::Mute => hit.reason.clone(),
                        RuleAction::Boost => format!("{} · {}", hit.reason, recommendation.reason),
                    };
                }
                ForYouItem {
                    read: is_read,
                    saved: saved.contains_key(&recommendation.id),
                    published,
                    model_score,
                    rule,
                    recommendation,
                }
            })
            .collect();
        Ok(items)
    }
}
