//! The user's preferences. Every field has a default, so a record written by an older Sift
//! still loads; `problem` says why values cannot be kept (the app's Settings view and a
//! learner import check the same way). The store keeps them as one JSON record.

use serde::{Deserialize, Serialize};

/// Light or dark; `System` follows the desktop's preference (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Settings {
    pub theme: Theme,
    /// Load images from other hosts in the reader. Off by default: a remote image tells
    /// its server when you read the article.
    pub remote_images: bool,
    /// Desktop notifications when new articles score high. Opt-in.
    pub notifications: bool,
    /// How often the background scheduler refreshes every feed; 0 turns it off.
    pub refresh_interval_minutes: u32,
    /// An article is "interesting" when its score is above this.
    pub recommend_threshold: f32,
    /// Unrated, unsaved articles are deleted (with their vectors) this many days after they
    /// were published (else fetched); 0 keeps everything.
    pub retention_days: u32,
    /// Closing the window keeps Sift running in the tray (refresh and notifications go on).
    pub close_to_tray: bool,
    /// Start Sift (in the tray) when the user logs in. Opt-in.
    pub start_at_login: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            theme: Theme::System,
            remote_images: false,
            notifications: false,
            refresh_interval_minutes: 60,
            recommend_threshold: 0.5,
            retention_days: 90,
            close_to_tray: true,
            start_at_login: false,
        }
    }
}

impl Settings {
    /// Longest refresh interval accepted: one week.
    pub const MAX_REFRESH_MINUTES: u32 = 7 * 24 * 60;
    /// Shortest non-zero interval: more often than this only annoys the feeds' servers.
    pub const MIN_REFRESH_MINUTES: u32 = 5;
    /// Longest retention: ten years (0, keep for ever, is also accepted).
    pub const MAX_RETENTION_DAYS: u32 = 3650;

    /// Why these settings cannot be saved, or `None` when they can.
    pub fn problem(&self) -> Option<String> {
        let minutes = self.refresh_interval_minutes;
        if minutes != 0
            && !(Self::MIN_REFRESH_MINUTES..=Self::MAX_REFRESH_MINUTES).contains(&minutes)
        {
            return Some(format!(
                "the refresh interval must be between {} and {} minutes (or 0 for never), not {minutes}",
                Self::MIN_REFRESH_MINUTES,
                Self::MAX_REFRESH_MINUTES
            ));
        }
        let threshold = self.recommend_threshold;
        if !(threshold.is_finite() && (0.0..=1.0).contains(&threshold)) {
            return Some(format!(
                "the recommendation threshold must be between 0 and 1, not {threshold}"
            ));
        }
        if self.retention_days > Self::MAX_RETENTION_DAYS {
            return Some(format!(
                "articles are kept between 1 and {} days (or 0 for ever), not {}",
                Self::MAX_RETENTION_DAYS,
                self.retention_days
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_missing_from_an_old_record_get_defaults() {
        let settings: Settings = serde_json::from_str(r#"{"theme":"light"}"#).unwrap();
        assert_eq!(settings.theme, Theme::Light);
        assert_eq!(settings.refresh_interval_minutes, 60);
    }

    #[test]
    fn out_of_range_values_are_explained() {
        let bad = Settings {
            refresh_interval_minutes: 1,
            ..Settings::default()
        };
        assert!(bad.problem().unwrap().contains("refresh interval"));
        let bad = Settings {
            recommend_threshold: 1.5,
            ..Settings::default()
        };
        assert!(bad.problem().unwrap().contains("threshold"));
        assert_eq!(Settings::default().problem(), None);
    }
}
