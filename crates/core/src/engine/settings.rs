//! The user's preferences, read and changed through the engine so that the CLI and the app
//! validate them the same way.

use crate::error::{Error, Result};
use crate::store::Settings;

use super::Engine;

impl Engine {
    pub fn settings(&self) -> Result<Settings> {
        Ok(self.store.get_settings()?)
    }

    /// Saves `settings` when they are valid; otherwise nothing changes and the error says why.
    pub fn update_settings(&self, settings: Settings) -> Result<Settings> {
        if let Some(problem) = settings.problem() {
            return Err(Error::InvalidInput(problem));
        }
        self.store.put_settings(&settings)?;
        Ok(settings)
    }
}
