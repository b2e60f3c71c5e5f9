//! The `settings` tree: the user's preferences ([`Settings`]), one JSON record; a missing
//! record means defaults.

use super::{Store, StoreError};
use crate::domain::Settings;

pub(super) const SETTINGS_KEY: &[u8] = b"settings";

impl Store {
    pub fn get_settings(&self) -> Result<Settings, StoreError> {
        match self.live().settings.get(SETTINGS_KEY)? {
            Some(bytes) => Ok(serde_json::from_slice(&bytes)?),
            None => Ok(Settings::default()),
        }
    }

    pub fn put_settings(&self, settings: &Settings) -> Result<(), StoreError> {
        self.live()
            .settings
            .insert(SETTINGS_KEY, serde_json::to_vec(settings)?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Theme;

    #[test]
    fn a_new_store_has_default_settings_and_keeps_saved_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.get_settings().unwrap(), Settings::default());
        let changed = Settings {
            theme: Theme::Dark,
            remote_images: true,
            ..Settings::default()
        };
        store.put_settings(&changed).unwrap();
        drop(store);
        assert_eq!(Store::open(&path).unwrap().get_settings().unwrap(), changed);
    }
}
