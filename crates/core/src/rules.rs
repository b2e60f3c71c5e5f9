//! Rules beside the model: the reader's own "mute this" and "boost that", by words in the
//! title or text, by author or by feed, optionally until a time. They are applied after the
//! model's score (which they never train) and never delete anything; the first matching mute
//! wins over any boost, and the rule that applied becomes the article's reason.

use serde::{Deserialize, Serialize};

use crate::domain::FeedId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// Scored 0: sinks to the bottom of For you and counts as below the threshold.
    Mute,
    /// Halfway from the model's score to 1.
    Boost,
}

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum RuleField {
    /// Words anywhere in the title or the whole text, as Search reads words (any case, any
    /// ending: "election" also finds "elections"; a phrase as a phrase).
    Words,
    /// The author's name contains the pattern (case-insensitive).
    Author,
    /// The article comes from this feed (the pattern is the feed's id).
    Feed,
}

/// A rule as stored and listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rule {
    pub id: u64,
    pub action: RuleAction,
    pub field: RuleField,
    pub pattern: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; the rule stops applying then. `None`: until removed.
    pub expires_at: Option<String>,
}

/// A rule as the user asks for it (`sift rules add`, the app's form).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewRule {
    pub action: RuleAction,
    pub field: RuleField,
    pub pattern: String,
    /// Applies for this many days from now; `None`: until removed.
    pub days: Option<u32>,
}

/// The longest limited rule: ten years is "for ever" anyway.
pub const MAX_RULE_DAYS: u32 = 3650;
/// The longest pattern: a phrase or a name, not a text. Every view matches every active
/// rule against every article listed, so a pattern's length is paid many times over.
pub const MAX_PATTERN_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    #[error("a rule needs something to match: give a word, an author or a feed")]
    EmptyPattern,
    #[error("a feed rule needs a feed id (see `sift feeds`), not {0:?}")]
    NotAFeedId(String),
    #[error("a rule lasts between 1 and {MAX_RULE_DAYS} days (or until removed), not {0}")]
    BadDays(u32),
    #[error("a rule's words are at most {MAX_PATTERN_CHARS} characters, not {0}")]
    TooLong(usize),
}

impl NewRule {
    /// The rule to store, or why it cannot be: the pattern trimmed, the feed id checked
    /// for form (whether the feed exists is the engine's business), the expiry computed.
    pub fn into_rule(self, id: u64, now: chrono::DateTime<chrono::Utc>) -> Result<Rule, RuleError> {
        let pattern = self.pattern.trim().to_string();
        if pattern.is_empty() {
            return Err(RuleError::EmptyPattern);
        }
        let chars = pattern.chars().count();
        if chars > MAX_PATTERN_CHARS {
            return Err(RuleError::TooLong(chars));
        }
        if self.field == RuleField::Feed && pattern.parse::<FeedId>().is_err() {
            return Err(RuleError::NotAFeedId(pattern));
        }
        let expires_at = match self.days {
            None => None,
            Some(days) if (1..=MAX_RULE_DAYS).contains(&days) => {
                Some((now + chrono::Duration::days(i64::from(days))).to_rfc3339())
            }
            Some(days) => return Err(RuleError::BadDays(days)),
        };
        Ok(Rule {
            id,
            action: self.action,
            field: self.field,
            pattern,
            created_at: now.to_rfc3339(),
            expires_at,
        })
    }
}

impl Rule {
    /// Whether the rule still applies at `now` (a rule whose expiry cannot be read applies:
    /// it is safer to go on muting than to show what the reader asked to hide).
    pub fn is_active(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        match &self.expires_at {
            None => true,
            Some(at) => chrono::DateTime::parse_from_rfc3339(at).map_or(true, |at| at > now),
        }
    }

    /// Whether the rule matches what `article` holds. Words are looked for as written in
    /// the fields given; the engine looks them up in whole texts through the search index
    /// instead, and uses this only when the index cannot answer.
    pub fn matches(&self, article: &RuleSubject<'_>) -> bool {
        let pattern = self.pattern.to_lowercase();
        match self.field {
            RuleField::Words => [article.title, article.summary, article.text]
                .iter()
                .any(|field| field.to_lowercase().contains(&pattern)),
            RuleField::Author => article
                .author
                .is_some_and(|a| a.to_lowercase().contains(&pattern)),
            RuleField::Feed => self.pattern.parse::<FeedId>().ok() == Some(article.feed_id),
        }
    }

    /// How the rule is shown as a reason: `'sponsored'`, `author 'Jane Doe'`, `feed 'Name'`.
    fn describe(&self, feed_title: impl Fn(FeedId) -> Option<String>) -> String {
        match self.field {
            RuleField::Words => format!("'{}'", self.pattern),
            RuleField::Author => format!("author '{}'", self.pattern),
            RuleField::Feed => {
                let title = self
                    .pattern
                    .parse::<FeedId>()
                    .ok()
                    .and_then(&feed_title)
                    .unwrap_or_else(|| self.pattern.clone());
                format!("feed '{title}'")
            }
        }
    }
}

/// What rules look at in an article.
#[derive(Debug, Clone, Copy)]
pub struct RuleSubject<'a> {
    pub feed_id: FeedId,
    pub title: &'a str,
    pub summary: &'a str,
    /// As much of the text as the caller holds.
    pub text: &'a str,
    pub author: Option<&'a str>,
}

/// The rule that applies to an article and what it does to the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleHit {
    pub rule_id: u64,
    pub action: RuleAction,
    /// The reason shown: "muted: 'sponsored'", "boosted: author 'Jane Doe'".
    pub reason: String,
}

impl RuleHit {
    /// The score after the rule: 0 for a mute, halfway to 1 for a boost.
    pub fn adjust(&self, model_score: f32) -> f32 {
        self.action.adjust(model_score)
    }
}

impl RuleAction {
    /// The score after the action: 0 for a mute, halfway to 1 for a boost.
    pub fn adjust(self, model_score: f32) -> f32 {
        match self {
            RuleAction::Mute => 0.0,
            RuleAction::Boost => 1.0 - (1.0 - model_score.clamp(0.0, 1.0)) / 2.0,
        }
    }
}

/// The active rules, ready to apply to many articles.
pub struct RuleSet {
    rules: Vec<Rule>,
    feed_titles: std::collections::HashMap<FeedId, String>,
}

impl RuleSet {
    /// Keeps the rules active at `now`, mutes first (a mute wins over a boost), then oldest.
    pub fn new(
        rules: Vec<Rule>,
        now: chrono::DateTime<chrono::Utc>,
        feed_titles: std::collections::HashMap<FeedId, String>,
    ) -> Self {
        let mut rules: Vec<Rule> = rules.into_iter().filter(|r| r.is_active(now)).collect();
        rules.sort_by_key(|r| (r.action != RuleAction::Mute, r.id));
        Self { rules, feed_titles }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The active rules, in the order they are tried.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The first rule that matches, as the reason and the score change.
    pub fn apply(&self, article: &RuleSubject<'_>) -> Option<RuleHit> {
        self.first_match(|r| r.matches(article))
    }

    /// The first rule `matches` accepts (mutes first), as the reason and the score change:
    /// for callers that answer "does this rule match" from elsewhere than the article's
    /// fields (the engine's lookups in the search index).
    pub fn first_match(&self, matches: impl Fn(&Rule) -> bool) -> Option<RuleHit> {
        self.first_place(matches).map(|place| self.hit_at(place))
    }

    /// The place (in [`RuleSet::rules`]) of the first rule `matches` accepts: the earlier
    /// of two matching rules wins.
    pub fn first_place(&self, matches: impl Fn(&Rule) -> bool) -> Option<usize> {
        self.rules.iter().position(matches)
    }

    /// What the rule at `place` does, without writing its reason (for callers that only
    /// sort or count by it).
    pub fn action_at(&self, place: usize) -> RuleAction {
        self.rules[place].action
    }

    /// The rule at `place` as the reason and the score change.
    pub fn hit_at(&self, place: usize) -> RuleHit {
        let rule = &self.rules[place];
        let what = rule.describe(|id| self.feed_titles.get(&id).cloned());
        let verb = match rule.action {
            RuleAction::Mute => "muted",
            RuleAction::Boost => "boosted",
        };
        RuleHit {
            rule_id: rule.id,
            action: rule.action,
            reason: format!("{verb}: {what}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z")
            .unwrap()
            .into()
    }

    fn rule(
        id: u64,
        action: RuleAction,
        field: RuleField,
        pattern: &str,
        days: Option<u32>,
    ) -> Rule {
        NewRule {
            action,
            field,
            pattern: pattern.into(),
            days,
        }
        .into_rule(id, now())
        .unwrap()
    }

    #[test]
    fn a_pattern_is_a_phrase_not_a_text() {
        let new = |pattern: String| NewRule {
            action: RuleAction::Mute,
            field: RuleField::Words,
            pattern,
            days: None,
        };
        let longest = "é".repeat(MAX_PATTERN_CHARS);
        assert!(new(longest.clone()).into_rule(1, now()).is_ok());
        assert_eq!(
            new(longest + "x").into_rule(1, now()),
            Err(RuleError::TooLong(MAX_PATTERN_CHARS + 1))
        );
    }

    fn subject<'a>(feed: u64, title: &'a str, author: Option<&'a str>) -> RuleSubject<'a> {
        RuleSubject {
            feed_id: FeedId(feed),
            title,
            summary: "",
            text: title,
            author,
        }
    }

    #[test]
    fn words_authors_and_feeds_match_case_insensitively() {
        let set = RuleSet::new(
            vec![
                rule(1, RuleAction::Mute, RuleField::Words, "Sponsored", None),
                rule(2, RuleAction::Boost, RuleField::Author, "jane", None),
                rule(3, RuleAction::Mute, RuleField::Feed, "7", None),
            ],
            now(),
            [(FeedId(7), "Noisy News".to_string())].into(),
        );
        let hit = set.apply(&subject(1, "A SPONSORED post", None)).unwrap();
        assert_eq!(hit.reason, "muted: 'Sponsored'");
        assert_eq!(hit.adjust(0.9), 0.0);
        let hit = set.apply(&subject(1, "Comets", Some("Jane Doe"))).unwrap();
        assert_eq!(hit.reason, "boosted: author 'jane'");
        assert!((hit.adjust(0.4) - 0.7).abs() < 1e-6);
        assert_eq!(
            set.apply(&subject(7, "Anything", None)).unwrap().reason,
            "muted: feed 'Noisy News'"
        );
        assert_eq!(set.apply(&subject(1, "Comets", Some("John"))), None);
    }

    #[test]
    fn a_mute_wins_over_an_earlier_boost() {
        let set = RuleSet::new(
            vec![
                rule(1, RuleAction::Boost, RuleField::Words, "rust", None),
                rule(2, RuleAction::Mute, RuleField::Words, "election", None),
            ],
            now(),
            Default::default(),
        );
        let hit = set
            .apply(&subject(1, "Rust and the election", None))
            .unwrap();
        assert_eq!(hit.action, RuleAction::Mute);
    }

    #[test]
    fn limited_rules_expire() {
        let r = rule(1, RuleAction::Mute, RuleField::Words, "election", Some(7));
        assert!(r.is_active(now() + chrono::Duration::days(6)));
        assert!(!r.is_active(now() + chrono::Duration::days(8)));
        let set = RuleSet::new(
            vec![r],
            now() + chrono::Duration::days(8),
            Default::default(),
        );
        assert!(set.is_empty());
    }

    #[test]
    fn bad_rules_are_explained() {
        let new = |field, pattern: &str, days| NewRule {
            action: RuleAction::Mute,
            field,
            pattern: pattern.into(),
            days,
        };
        assert_eq!(
            new(RuleField::Words, "  ", None).into_rule(1, now()),
            Err(RuleError::EmptyPattern)
        );
        assert_eq!(
            new(RuleField::Feed, "news", None).into_rule(1, now()),
            Err(RuleError::NotAFeedId("news".into()))
        );
        assert_eq!(
            new(RuleField::Words, "x", Some(0)).into_rule(1, now()),
            Err(RuleError::BadDays(0))
        );
    }
}
