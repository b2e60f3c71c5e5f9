//! Ingestion at an interval, for the app (the CLI's `refresh` runs once). Each run ingests
//! the feeds that are due (failing feeds wait out their backoff), through the same
//! [`Engine::ingest`] as a manual refresh.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Engine, FeedSelection, IngestEvent, IngestReport};
use crate::error::Result;

/// A running background refresher. [`Scheduler::stop`] ends it and waits; dropping it ends
/// it too, at the task's next await point.
pub struct Scheduler {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Scheduler {
    /// Starts ingesting the feeds that are due now and then every `interval`. Must be
    /// called inside a Tokio runtime (Tauri's async runtime is one). `events` gets every
    /// run's progress; `on_run` each run's outcome (a run that fails is reported and the
    /// schedule goes on).
    pub fn start(
        engine: Arc<Engine>,
        interval: Duration,
        events: impl Fn(IngestEvent<'_>) + Send + Sync + 'static,
        on_run: impl Fn(Result<IngestReport>) + Send + Sync + 'static,
    ) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let events = Arc::new(events);
        let task = tokio::spawn(async move {
            loop {
                let events = events.clone();
                let run = engine.ingest(FeedSelection::Due, move |e| events(e));
                tokio::select! {
                    report = run => on_run(report),
                    _ = stopped.changed() => return,
                }
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        Self { stop, task }
    }

    /// Stops the schedule; a run in progress is abandoned between feeds' writes (each
    /// feed's write is one transaction, so nothing half-written remains) or between
    /// embedding batches (the batch being embedded finishes on its thread).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
