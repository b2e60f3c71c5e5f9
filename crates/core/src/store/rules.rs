//! The `rules` tree: the reader's mute and boost rules (see `crate::rules`), one JSON
//! record each, keyed by rule id. Ids come from the `meta` counter and are never reused.

use super::{Store, StoreError, Trees};
use crate::rules::Rule;

const NEXT_RULE_ID_KEY: &[u8] = b"next_rule_id";

/// The tree in the open database: use it while `live` is held (a compaction must not
/// swap the database under the handle, see [`Store::live`]).
fn rules_tree(live: &Trees) -> Result<sled::Tree, StoreError> {
    Ok(live.db.open_tree("rules")?)
}

impl Store {
    pub fn new_rule_id(&self) -> Result<u64, StoreError> {
        self.reserve_ids(NEXT_RULE_ID_KEY, 1)
    }

    pub fn put_rule(&self, rule: &Rule) -> Result<(), StoreError> {
        rules_tree(&self.live())?.insert(rule.id.to_be_bytes(), serde_json::to_vec(rule)?)?;
        Ok(())
    }

    /// Returns the removed rule, or `None` when there was none with that id.
    pub fn remove_rule(&self, id: u64) -> Result<Option<Rule>, StoreError> {
        match rules_tree(&self.live())?.remove(id.to_be_bytes())? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Every rule, oldest first.
    pub fn list_rules(&self) -> Result<Vec<Rule>, StoreError> {
        rules_tree(&self.live())?
            .iter()
            .values()
            .map(|v| Ok(serde_json::from_slice(&v?)?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{RuleAction, RuleField};

    #[test]
    fn rules_persist_in_id_order_and_ids_are_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::open(&path).unwrap();
        let rule = |id, pattern: &str| Rule {
            id,
            action: RuleAction::Mute,
            field: RuleField::Words,
            pattern: pattern.into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            expires_at: None,
        };
        let a = store.new_rule_id().unwrap();
        let b = store.new_rule_id().unwrap();
        assert!(b > a);
        store.put_rule(&rule(b, "b")).unwrap();
        store.put_rule(&rule(a, "a")).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        let listed: Vec<String> = store
            .list_rules()
            .unwrap()
            .into_iter()
            .map(|r| r.pattern)
            .collect();
        assert_eq!(listed, ["a", "b"]);
        assert_eq!(store.remove_rule(a).unwrap().unwrap().pattern, "a");
        assert_eq!(store.remove_rule(a).unwrap(), None);
        assert!(store.new_rule_id().unwrap() > b);
    }
}
