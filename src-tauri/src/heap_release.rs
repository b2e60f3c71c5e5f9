//! Gives the heap's freed pages back to the system once the app has gone quiet, after the
//! engine lets go of what only its writes need (the search index's writer).
//!
//! glibc keeps what is freed for reuse; only `malloc_trim` (sift_core::heap) hands free
//! pages back. Trimming when an import finishes is too early: the map layout, the views'
//! reloads and the notification's scoring run right after it and free their own memory
//! later. So every command from the window and every background job asks for a release,
//! and one happens [`QUIET`] after the last ask: after an import, a view switch, a search.
//! Measured with the release app after importing 10,000 articles (scripts/bench/
//! app-import.mjs), a trim 90 s after the import still handed back 30 MB of sift-app's
//! 175 MB of anonymous memory.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use crate::engine_slot::EngineSlot;

/// How long the app must have asked nothing before freed memory goes back: long enough that
/// a burst of commands (a view's reload asks several) ends first, short enough that memory
/// returns while the reader looks at the result.
pub const QUIET: Duration = Duration::from_secs(3);

/// Asks for a release; cheap (a channel send), callable from any thread. Clones share the
/// one releasing thread, which ends when the last clone is dropped.
#[derive(Clone)]
pub struct QuietRelease {
    asks: Sender<()>,
}

impl QuietRelease {
    /// The app's releaser, after [`QUIET`]: the engine (once open) lets go of what only
    /// its writes need, then `sift_core::heap::release_freed_memory` hands back the pages.
    pub fn start_for_app(engine: Arc<EngineSlot>) -> Self {
        Self::start(QUIET, move || {
            if let Some(engine) = engine.now() {
                engine.close_search_writer();
            }
            sift_core::heap::release_freed_memory();
        })
    }

    /// Starts the thread that calls `release` once no ask came for `quiet` after one did.
    pub fn start(quiet: Duration, release: impl Fn() + Send + 'static) -> Self {
        let (asks, received) = mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("sift-heap-release".into())
            .spawn(move || {
                // Sleeps until the first ask: nothing to give back before work was done.
                while received.recv().is_ok() {
                    loop {
                        match received.recv_timeout(quiet) {
                            // Still busy: wait for quiet again.
                            Ok(()) => continue,
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                    release();
                }
            });
        if let Err(e) = spawned {
            // The app works without it; it only holds more memory.
            eprintln!("sift: freed memory will not be given back (no thread): {e}");
        }
        Self { asks }
    }

    /// Work was done (or is starting): release what it freed once the app is quiet.
    pub fn ask(&self) {
        // The thread is gone only if it could not start; nothing to do then.
        let _ = self.asks.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn counting(quiet: Duration) -> (QuietRelease, mpsc::Receiver<Instant>) {
        let (done, releases) = mpsc::channel();
        let release = QuietRelease::start(quiet, move || {
            let _ = done.send(Instant::now());
        });
        (release, releases)
    }

    #[test]
    fn nothing_is_released_before_anything_asks() {
        let (_release, releases) = counting(Duration::from_millis(20));
        assert!(releases.recv_timeout(Duration::from_millis(300)).is_err());
    }

    #[test]
    fn a_burst_of_asks_releases_once_after_the_last() {
        let quiet = Duration::from_millis(150);
        let (release, releases) = counting(quiet);
        let mut last = Instant::now();
        for _ in 0..10 {
            release.ask();
            last = Instant::now();
            std::thread::sleep(Duration::from_millis(10));
        }
        let released = releases.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(
            released.duration_since(last) >= quiet,
            "released {:?} after the last ask, before the quiet time",
            released.duration_since(last)
        );
        assert!(releases.recv_timeout(quiet * 3).is_err(), "released twice");
        // Work after a release is released again.
        release.ask();
        assert!(releases.recv_timeout(Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn asks_keep_postponing_the_release_while_work_goes_on() {
        let quiet = Duration::from_millis(400);
        let (release, releases) = counting(quiet);
        // Asks every 20 ms for 5 quiet times: busy all along.
        let started = Instant::now();
        while started.elapsed() < quiet * 5 {
            release.ask();
            std::thread::sleep(Duration::from_millis(20));
            assert!(releases.try_recv().is_err(), "released while busy");
        }
        assert!(releases.recv_timeout(Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn the_thread_ends_with_the_last_handle() {
        let (done, ended) = mpsc::channel::<()>();
        let release = QuietRelease::start(Duration::from_millis(10), move || {
            let _ = &done;
        });
        release.ask();
        drop(release);
        // The closure (and its sender) goes with the thread.
        assert_eq!(
            ended.recv_timeout(Duration::from_secs(10)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        );
    }
}
