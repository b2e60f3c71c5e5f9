//! The rules face of [`Engine`]: adding, listing and removing mute/boost rules, and the
//! active set the reading views apply after the model's score (see `crate::rules`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::Engine;
use crate::domain::{ArticleId, ArticleMeta, FeedId};
use crate::error::{Error, Result};
use crate::rules::{NewRule, Rule, RuleField, RuleHit, RuleSet, RuleSubject};
use crate::search::{IndexVersion, Phrase};
use crate::store::Store;

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

    /// The rules active now, with feed titles for their reasons and, for words rules, the
    /// articles whose whole text holds their words (looked up in the search index once per
    /// change of the rules or the index, then kept: every view applies the rules).
    pub(crate) fn active_rules(&self) -> Result<ActiveRules> {
        let now = chrono::Utc::now();
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
        let words: Vec<(u64, String)> = rules
            .iter()
            .filter(|r| r.field == RuleField::Words && r.is_active(now))
            .map(|r| (r.id, r.pattern.clone()))
            .collect();
        let in_text = if words.is_empty() {
            None
        } else {
            match self.words_in_text(words) {
                Ok(found) => Some(found),
                Err(e) => {
                    // The rules still apply to what the metadata holds.
                    tracing::warn!("rule words could not be looked up in the search index: {e}");
                    None
                }
            }
        };
        Ok(ActiveRules {
            set: RuleSet::new(rules, now, titles),
            in_text,
        })
    }

    /// The articles each words rule finds in the whole text, from the cache while neither
    /// the rules nor the index changed.
    fn words_in_text(&self, rules: Vec<(u64, String)>) -> Result<Arc<WordsInText>> {
        let index = self.search_index()?;
        let version = index.version();
        let mut cached = self
            .rule_state
            .words
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cached.as_ref() {
            if found.rules == rules && found.version == version {
                return Ok(found.clone());
            }
        }
        let phrases: Vec<Phrase> = rules.iter().map(|(_, p)| Phrase::new(p)).collect();
        let lookup = index.find_phrases(&phrases.iter().collect::<Vec<_>>())?;
        let mut by_rule = HashMap::new();
        for (((id, _), phrase), mut found) in rules.iter().zip(phrases).zip(lookup.found) {
            if phrase.needs_text_check() {
                // The index's reading of the pattern is looser than the pattern ("C++" is
                // "c" to it): keep the candidates whose text holds it as written.
                let mut checked = HashSet::new();
                for candidate in found {
                    if let Some(article) = self.store.get_article(candidate)? {
                        if phrase.matches(&article.title, &article.text) {
                            checked.insert(candidate);
                        }
                    }
                }
                found = checked;
            }
            by_rule.insert(*id, (phrase, found));
        }
        let found = Arc::new(WordsInText {
            rules,
            version: lookup.version,
            indexed: lookup.indexed,
            by_rule,
        });
        *cached = Some(found.clone());
        Ok(found)
    }
}

/// The engine's cache of what words rules find in whole texts.
#[derive(Default)]
pub(crate) struct RuleState {
    words: Mutex<Option<Arc<WordsInText>>>,
}

/// What the active words rules find in the whole texts the search index holds.
pub(crate) struct WordsInText {
    /// The (id, pattern) of every active words rule: what this was looked up for.
    rules: Vec<(u64, String)>,
    /// The state of the index it was looked up in.
    version: IndexVersion,
    /// Every article the index held then; an article it did not (stored since) is looked
    /// at directly.
    indexed: HashSet<ArticleId>,
    /// Per rule id: its phrase and the articles whose whole text holds it.
    by_rule: HashMap<u64, (Phrase, HashSet<ArticleId>)>,
}

impl WordsInText {
    /// Whether the rule's words are in the article's whole text.
    fn holds(&self, store: &Store, rule: &Rule, article: &ArticleMeta) -> bool {
        let Some((phrase, found)) = self.by_rule.get(&rule.id) else {
            return false;
        };
        if self.indexed.contains(&article.id) {
            return found.contains(&article.id);
        }
        match store.get_article_content(article.id) {
            Ok(Some(content)) => phrase.matches(&article.title, &content.text),
            Ok(None) => false,
            Err(e) => {
                tracing::warn!("could not read article {} for the rules: {e}", article.id);
                false
            }
        }
    }
}

/// The rules active now, ready to apply to many articles (For you, "dismiss the rest",
/// notifications: all through [`ActiveRules::hit`], so they agree).
pub(crate) struct ActiveRules {
    set: RuleSet,
    in_text: Option<Arc<WordsInText>>,
}

impl ActiveRules {
    pub(crate) fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The rule that applies to a stored article, if any. Words are looked for as written
    /// in the title, the summary and the first words of the text (the metadata at hand),
    /// and anywhere in the whole text through the search index.
    pub(crate) fn hit(&self, store: &Store, article: &ArticleMeta) -> Option<RuleHit> {
        if self.set.is_empty() {
            return None;
        }
        let in_whole_text = |rule: &Rule| {
            self.in_text
                .as_ref()
                .is_some_and(|found| found.holds(store, rule, article))
        };
        self.set.apply(&RuleSubject {
            feed_id: article.feed_id,
            title: &article.title,
            summary: article.summary.as_deref().unwrap_or(""),
            text: &article.lead,
            author: article.author.as_deref(),
            in_whole_text: Some(&in_whole_text),
        })
    }
}
