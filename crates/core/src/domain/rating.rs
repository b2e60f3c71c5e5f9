//! A reader's answer about one article.

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Like,
    Dislike,
    /// "Don't ask me about this one": remembered so the card is not shown again, but it is
    /// no evidence either way.
    Skip,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Like => "like",
            Rating::Dislike => "dislike",
            Rating::Skip => "skip",
        }
    }

    /// `Some(true)` for like, `Some(false)` for dislike, `None` for skip.
    pub fn label(self) -> Option<bool> {
        match self {
            Rating::Like => Some(true),
            Rating::Dislike => Some(false),
            Rating::Skip => None,
        }
    }
}

impl std::str::FromStr for Rating {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "like" => Ok(Rating::Like),
            "dislike" => Ok(Rating::Dislike),
            "skip" => Ok(Rating::Skip),
            other => Err(format!("unknown rating {other:?} (like, dislike or skip)")),
        }
    }
}
