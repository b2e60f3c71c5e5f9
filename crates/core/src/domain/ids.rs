//! Newtype IDs so a feed id can never be passed where an article id is expected.
//! Both print and parse as plain decimal numbers, which is what the CLI shows and takes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// Big-endian bytes, so sled's key order is numeric order.
            pub fn to_key(self) -> [u8; 8] {
                self.0.to_be_bytes()
            }

            pub fn from_key(bytes: &[u8]) -> Option<Self> {
                bytes.try_into().ok().map(u64::from_be_bytes).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map(Self)
            }
        }
    };
}

id_type!(
    /// A subscribed feed.
    FeedId
);
id_type!(
    /// A stored article (unique across feeds).
    ArticleId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_is_numeric_order() {
        assert!(FeedId(2).to_key() < FeedId(256).to_key());
        assert_eq!(
            ArticleId::from_key(&ArticleId(77).to_key()),
            Some(ArticleId(77))
        );
        assert_eq!("42".parse::<FeedId>().unwrap(), FeedId(42));
        assert!("x".parse::<ArticleId>().is_err());
    }
}
