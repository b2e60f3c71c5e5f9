//! The rules face of [`Engine`]: adding, listing and removing mute/boost rules, and the
//! active set the reading views apply after the model's score (see `crate::rules`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::Engine;
use crate::domain::{ArticleId, ArticleMeta, FeedId};
use crate::error::{Error, Result};
use crate::rules::{NewRule, Rule, RuleAction, RuleField, RuleHit, RuleSet, RuleSubject};
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
    /// articles whose title or whole text holds their words (looked up in the search index
    /// once per change of the rules or the index, then kept: every view applies the rules).
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
        let words = patterns(&rules, RuleField::Words, now);
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
            authors: None,
            set: RuleSet::new(rules, now, titles),
            in_text,
        })
    }

    /// [`Engine::active_rules`] for a whole ranking (For you): author rules are answered
    /// from sets kept per store generation, so no article's metadata is read per listing.
    pub(crate) fn active_rules_for_ranking(&self) -> Result<ActiveRules> {
        let mut rules = self.active_rules()?;
        let authors = patterns(rules.set.rules(), RuleField::Author, chrono::Utc::now());
        if !authors.is_empty() {
            rules.authors = Some(self.authors_matching(authors)?);
        }
        Ok(rules)
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

    /// The articles each author rule matches, from the cache while neither the rules nor
    /// the stored articles changed (one pass over every article's metadata otherwise).
    fn authors_matching(&self, rules: Vec<(u64, String)>) -> Result<Arc<AuthorsMatching>> {
        let generation = self.store.corpus_generation()?;
        let mut cached = self
            .rule_state
            .authors
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cached.as_ref() {
            if found.rules == rules && found.generation == generation {
                return Ok(found.clone());
            }
        }
        let patterns: Vec<String> = rules.iter().map(|(_, p)| p.to_lowercase()).collect();
        let mut by_rule: HashMap<u64, HashSet<ArticleId>> = HashMap::new();
        for meta in self.store.article_metas() {
            let meta = meta?;
            let Some(author) = meta.author.as_deref().map(str::to_lowercase) else {
                continue;
            };
            for ((id, _), pattern) in rules.iter().zip(&patterns) {
                if author.contains(pattern.as_str()) {
                    by_rule.entry(*id).or_default().insert(meta.id);
                }
            }
        }
        let found = Arc::new(AuthorsMatching {
            rules,
            generation,
            by_rule,
        });
        *cached = Some(found.clone());
        Ok(found)
    }
}

/// The (id, pattern) of the rules on `field` active at `now`: what a cache is kept for.
fn patterns(
    rules: &[Rule],
    field: RuleField,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(u64, String)> {
    rules
        .iter()
        .filter(|r| r.field == field && r.is_active(now))
        .map(|r| (r.id, r.pattern.clone()))
        .collect()
}

/// The engine's caches of what rules match, so a listing applies them without reading
/// every article.
#[derive(Default)]
pub(crate) struct RuleState {
    words: Mutex<Option<Arc<WordsInText>>>,
    authors: Mutex<Option<Arc<AuthorsMatching>>>,
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
    /// Per rule id: its phrase and the articles whose title or whole text holds it.
    by_rule: HashMap<u64, (Phrase, HashSet<ArticleId>)>,
}

impl WordsInText {
    /// Whether the rule's words are in the article's title or whole text.
    fn holds(&self, store: &Store, rule: &Rule, id: ArticleId) -> bool {
        let Some((phrase, found)) = self.by_rule.get(&rule.id) else {
            return false;
        };
        if self.indexed.contains(&id) {
            return found.contains(&id);
        }
        match store.get_article(id) {
            Ok(Some(article)) => phrase.matches(&article.title, &article.text),
            Ok(None) => false,
            Err(e) => {
                tracing::warn!("could not read article {id} for the rules: {e}");
                false
            }
        }
    }
}

/// What the active author rules match, at one generation of the stored articles.
pub(crate) struct AuthorsMatching {
    rules: Vec<(u64, String)>,
    generation: u64,
    by_rule: HashMap<u64, HashSet<ArticleId>>,
}

/// The rules active now, ready to apply to many articles (For you, "dismiss the rest",
/// notifications: all through the same matching, so they agree).
pub(crate) struct ActiveRules {
    set: RuleSet,
    in_text: Option<Arc<WordsInText>>,
    /// Present for rankings (see [`Engine::active_rules_for_ranking`]).
    authors: Option<Arc<AuthorsMatching>>,
}

impl ActiveRules {
    pub(crate) fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The rule that applies to a stored article whose metadata is at hand.
    pub(crate) fn hit(&self, store: &Store, article: &ArticleMeta) -> Option<RuleHit> {
        self.place_with(store, article.id, article.feed_id, Some(article))
            .map(|place| self.set.hit_at(place))
    }

    /// Whether a mute applies to a stored article whose metadata is at hand (counts: the
    /// reason is not written).
    pub(crate) fn muted(&self, store: &Store, article: &ArticleMeta) -> bool {
        self.place_with(store, article.id, article.feed_id, Some(article))
            .is_some_and(|place| self.set.action_at(place) == RuleAction::Mute)
    }

    /// The place (in the set's order) of the rule that applies to an article of a ranking,
    /// known by id and feed: words and authors are answered from the kept sets, so nothing
    /// is read for most articles.
    fn place_ranked(&self, store: &Store, id: ArticleId, feed: FeedId) -> Option<usize> {
        self.place_with(store, id, feed, None)
    }

    /// The place of the first rule that applies (mutes first), reading the article's
    /// metadata only when a rule cannot be answered otherwise.
    fn place_with(
        &self,
        store: &Store,
        id: ArticleId,
        feed: FeedId,
        given: Option<&ArticleMeta>,
    ) -> Option<usize> {
        if self.set.is_empty() {
            return None;
        }
        // Read only when a rule cannot be answered otherwise.
        let read = std::cell::OnceCell::new();
        let meta = || {
            given.or_else(|| {
                read.get_or_init(|| store.get_article_meta(id).ok().flatten())
                    .as_ref()
            })
        };
        let by_fields = |rule: &Rule, meta: Option<&ArticleMeta>| {
            meta.is_some_and(|m| {
                rule.matches(&RuleSubject {
                    feed_id: m.feed_id,
                    title: &m.title,
                    summary: m.summary.as_deref().unwrap_or(""),
                    text: &m.lead,
                    author: m.author.as_deref(),
                })
            })
        };
        self.set.first_place(|rule| match rule.field {
            RuleField::Feed => rule.pattern.parse::<FeedId>().ok() == Some(feed),
            RuleField::Words => match &self.in_text {
                Some(found) => found.holds(store, rule, id),
                // The index could not answer: the title, summary and first words.
                None => by_fields(rule, meta()),
            },
            RuleField::Author => match (&self.authors, given) {
                (Some(found), None) => found
                    .by_rule
                    .get(&rule.id)
                    .is_some_and(|ids| ids.contains(&id)),
                (_, _) => by_fields(rule, meta()),
            },
        })
    }
}

impl ActiveRules {
    /// The rules ready for a whole ranking: each article's first matching rule comes from
    /// one lookup in a map built from the kept sets, not from trying every rule on it.
    pub(crate) fn over_ranking(&self) -> RankingRules<'_> {
        let rules = self.set.rules();
        let answered_by_sets = |rule: &Rule| match rule.field {
            RuleField::Words => self.in_text.is_some(),
            RuleField::Author => self.authors.is_some(),
            RuleField::Feed => false,
        };
        if !rules
            .iter()
            .all(|r| r.field == RuleField::Feed || answered_by_sets(r))
        {
            return RankingRules {
                rules: self,
                first: None,
                feeds: Vec::new(),
            };
        }
        // Later rules first, so an earlier rule's place overwrites a later one's.
        let mut first: HashMap<ArticleId, usize> = HashMap::new();
        for (place, rule) in rules.iter().enumerate().rev() {
            let ids = match rule.field {
                RuleField::Words => self
                    .in_text
                    .as_ref()
                    .and_then(|w| w.by_rule.get(&rule.id))
                    .map(|(_, ids)| ids),
                RuleField::Author => self.authors.as_ref().and_then(|a| a.by_rule.get(&rule.id)),
                RuleField::Feed => None,
            };
            for id in ids.into_iter().flatten() {
                first.insert(*id, place);
            }
        }
        let feeds = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.field == RuleField::Feed)
            .filter_map(|(place, r)| r.pattern.parse::<FeedId>().ok().map(|f| (place, f)))
            .collect();
        RankingRules {
            rules: self,
            first: Some(first),
            feeds,
        }
    }
}

/// [`ActiveRules`] over a ranking (see [`ActiveRules::over_ranking`]).
pub(crate) struct RankingRules<'a> {
    rules: &'a ActiveRules,
    /// Per article, the place of its first matching words or author rule, for articles the
    /// sets cover; `None` when some rule can only be answered article by article.
    first: Option<HashMap<ArticleId, usize>>,
    /// (place, feed) of each feed rule.
    feeds: Vec<(usize, FeedId)>,
}

impl RankingRules<'_> {
    /// The place of the rule that applies to an article of the ranking, if any.
    pub(crate) fn place(&self, store: &Store, id: ArticleId, feed: FeedId) -> Option<usize> {
        let rules = self.rules;
        if rules.set.is_empty() {
            return None;
        }
        let Some(first) = &self.first else {
            return rules.place_ranked(store, id, feed);
        };
        let mut best = first.get(&id).copied();
        if let Some(&(place, _)) = self.feeds.iter().find(|(_, f)| *f == feed) {
            best = Some(best.map_or(place, |b| b.min(place)));
        }
        // An article the index did not hold when it was asked is read directly.
        if let Some(words) = &rules.in_text {
            if !words.indexed.contains(&id) {
                let before = best.unwrap_or(usize::MAX);
                let direct = rules.set.rules()[..before.min(rules.set.rules().len())]
                    .iter()
                    .position(|r| r.field == RuleField::Words && words.holds(store, r, id));
                best = direct.or(best);
            }
        }
        best
    }

    /// Whether the rule at `place` mutes.
    pub(crate) fn mutes(&self, place: usize) -> bool {
        self.rules.set.action_at(place) == RuleAction::Mute
    }

    /// What the rule at `place` does to the model's score.
    pub(crate) fn adjust(&self, place: usize, model_score: f32) -> f32 {
        self.rules.set.action_at(place).adjust(model_score)
    }

    /// The rule at `place` as the reason shown.
    pub(crate) fn hit(&self, place: usize) -> RuleHit {
        self.rules.set.hit_at(place)
    }
}
