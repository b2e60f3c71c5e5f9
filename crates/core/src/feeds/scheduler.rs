//! Background refresh at an interval, for the app (the CLI's `refresh` runs once). Feeds
//! that keep failing are skipped until their backoff has passed.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::RefreshReport;
use crate::Engine;

/// A running background refresher. [`Scheduler::stop`] ends it and waits; dropping it ends
/// it too, at the task's next await point.
pub struct Scheduler {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Scheduler {
    /// Starts refreshing the feeds that are due now and then every `interval`. Must be
    /// called inside a Tokio runtime (Tauri's async runtime is one). `on_report` gets each
    /// run's results, e.g. to emit an event to the UI; errors of a run are reported and the
    /// schedule goes on.
    pub fn start(
        engine: Arc<Engine>,
        interval: Duration,
        on_report: impl Fn(crate::Result<RefreshReport>) + Send + Sync + 'static,
    ) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let run = engine.refresh_due(|_| {});
                tokio::select! {
                    report = run => on_report(report),
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

    /// Stops the schedule; a refresh in progress is abandoned between feeds' writes (each
    /// feed's write is one transaction, so nothing half-written remains).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
