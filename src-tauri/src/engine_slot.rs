//! The engine, opened behind the window. Opening a large store takes a while (sled reads its
//! log: ~0.4 s at 100,000 articles), so the app shows its window first and opens the engine
//! on a thread of its own; a command that arrives before it is open waits for it here, on
//! an async worker, never on the main thread. An engine that could not be opened is kept as
//! its error, which every command then returns, so the window can say why.

use std::path::Path;
use std::sync::Arc;

use sift_core::Engine;
use tokio::sync::watch;

use crate::error::{CommandError, ErrorKind};

type Opened = Option<Result<Arc<Engine>, CommandError>>;

/// The engine once it is open, or why it could not be; empty while it opens.
pub struct EngineSlot {
    opened: watch::Sender<Opened>,
}

impl Default for EngineSlot {
    fn default() -> Self {
        Self {
            opened: watch::Sender::new(None),
        }
    }
}

impl EngineSlot {
    /// Fills the slot with the opened engine, or with why it could not be opened (as the
    /// message every later command answers with). Only the first fill counts.
    pub fn fill(&self, data_dir: &Path, opened: Result<Arc<Engine>, sift_core::Error>) {
        let opened = opened.map_err(|e| {
            let cause = CommandError::from(e);
            CommandError::new(
                ErrorKind::Unavailable,
                format!(
                    "Sift could not open its store in {}: {}",
                    data_dir.display(),
                    cause.message
                ),
            )
        });
        self.opened.send_if_modified(|slot| {
            if slot.is_some() {
                return false;
            }
            *slot = Some(opened);
            true
        });
    }

    /// The engine, waiting for it to be opened if it is not yet.
    pub async fn get(&self) -> Result<Arc<Engine>, CommandError> {
        let mut opened = self.opened.subscribe();
        let filled = opened.wait_for(Option::is_some).await.map_err(|_| {
            CommandError::new(ErrorKind::Unavailable, "Sift is closing; its store is gone")
        })?;
        filled.clone().expect("waited until filled")
    }

    /// The engine if it is open now; `None` while it opens or when it failed to. For the
    /// few places that cannot wait (closing the window, quitting).
    pub fn now(&self) -> Option<Arc<Engine>> {
        self.opened.borrow().as_ref().and_then(|o| o.clone().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_command_that_asks_before_the_engine_is_open_waits_and_then_gets_it() {
        let dir = tempfile::tempdir().unwrap();
        let slot = Arc::new(EngineSlot::default());
        assert!(slot.now().is_none());
        let waiting = {
            let slot = slot.clone();
            tokio::spawn(async move { slot.get().await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "answered before the engine was open"
        );

        let engine = Arc::new(Engine::open(dir.path()).unwrap());
        slot.fill(dir.path(), Ok(engine.clone()));
        let got = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the waiting command ends once the engine is open")
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&got, &engine));
        // Asked afterwards: at once, the same engine.
        assert!(Arc::ptr_eq(&slot.get().await.unwrap(), &engine));
        assert!(Arc::ptr_eq(&slot.now().unwrap(), &engine));
    }

    #[tokio::test]
    async fn an_engine_that_failed_to_open_answers_every_command_with_why() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the store's directory should be: opening fails.
        std::fs::write(dir.path().join("store"), b"not a store").unwrap();
        let slot = Arc::new(EngineSlot::default());
        let waiting = {
            let slot = slot.clone();
            tokio::spawn(async move { slot.get().await })
        };
        let opened = Engine::open(dir.path()).map(Arc::new);
        assert!(opened.is_err(), "a file in the store's place must not open");
        slot.fill(dir.path(), opened);
        for answer in [waiting.await.unwrap(), slot.get().await] {
            let e = answer.err().expect("no engine");
            assert_eq!(e.kind, ErrorKind::Unavailable);
            assert!(
                e.message.starts_with(&format!(
                    "Sift could not open its store in {}: ",
                    dir.path().display()
                )),
                "{}",
                e.message
            );
        }
        assert!(slot.now().is_none());
    }
}
