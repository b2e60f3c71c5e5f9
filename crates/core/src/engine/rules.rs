//! The rules face of [`Engine`]: adding, listing and removing mute/boost rules, and the
//! active set the reading views apply after the model's score (see `crate::rules`).

use serde::Serialize;

use super::Engine;
use crate::domain::{ArticleMeta, FeedId};
use crate::error::{Error, Result};
use crate::rules::{NewRule, Rule, RuleField, RuleHit, RuleSet, RuleSubject};

/// A rule as listed: whether it still applies (limited rules expire, and stay listed until
/// removed so the reader sees what lapsed).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleView {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub rule: Rule,
    pub active: bool,
}

impl Engine {
    /// Every rule, oldest first.
    pub fn rules(&self) -> Result<Vec<RuleView>> {
        let now = chrono::Utc::now();
        Ok(self
            .store
            .list_rules()?
            .into_iter()
            .map(|rule| RuleView {
                active: rule.is_active(now),
                rule,
            })
            .collect())
    }

    /// Adds a rule; a feed rule must name a subscribed feed. Nothing is deleted or retrained.
    pub fn add_rule(&self, new: NewRule) -> Result<Rule> {
        let rule = new
            .into_rule(0, chrono::Utc::now())
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        if rule.field == RuleField::Feed {
            let feed: FeedId = rule
                .pattern
                .parse()
                .map_err(|_| Error::InvalidInput(format!("{:?} is not a feed id", rule.pattern)))?;
            if self.store.get_feed(feed)?.is_none() {
                return Err(Error::NotFound(format!(
                    "no subscribed feed has the id {feed} (see `sift feeds`)"
                )));
            }
        }
        let rule = Rule {
            id: self.store.new_rule_id()?,
            ..rule
        };
        self.store.put_rule(&rule)?;
        self.store.flush()?;
        Ok(rule)
    }

    pub fn remove_rule(&self, id: u64) -> Result<Rule> {
        let removed = self.store.remove_rule(id)?.ok_or_else(|| {
            Error::NotFound(format!("no rule has the id {id} (see `sift rules`)"))
        })?;
        self.store.flush()?;
        Ok(removed)
    }

    /// The rules active now, with feed titles for their reasons.
    pub(crate) fn active_rules(&self) -> Result<RuleSet> {
        let rules = self.store.list_rules()?;
        let titles = if rules.iter().any(|r| r.field == RuleField::Feed) {
            self.store
                .list_feeds()?
                .into_iter()
                .map(|f| (f.id, f.title))
                .collect()
        } else {
            Default::default()
        };
        Ok(RuleSet::new(rules, chrono::Utc::now(), titles))
    }
}

/// The rule that applies to a stored article, if any. Words are looked for in the title,
/// the summary and the first words of the text (the metadata the store keeps at hand;
/// reading every article's whole body at each listing would cost too much).
pub(crate) fn rule_for(rules: &RuleSet, article: &ArticleMeta) -> Option<RuleHit> {
    if rules.is_empty() {
        return None;
    }
    rules.apply(&RuleSubject {
        feed_id: article.feed_id,
        title: &article.title,
        summary: article.summary.as_deref().unwrap_or(""),
        text: &article.lead,
        author: article.author.as_deref(),
    })
}
