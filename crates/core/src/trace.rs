//! Where start-up time goes, written down when asked for: with `SIFT_TRACE=FILE` the CLI
//! and the app append one JSON line per finished span (`tracing::info_span!` in the core:
//! opening the store, reading the corpus file, building the snapshot, ranking...) and per
//! warning, with wall-clock times in ms since the epoch, so a benchmark can line them up
//! with the process's start and the page's marks (scripts/bench/app-cold-start.mjs).
//! Without the variable nothing is installed and spans cost next to nothing.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// The environment variable naming the file spans are appended to.
pub const TRACE_ENV: &str = "SIFT_TRACE";

/// Installs the span log for this process when [`TRACE_ENV`] names a file; says on stderr
/// (and goes on without it) when that file cannot be opened.
pub fn install_from_env() {
    let Some(path) = std::env::var_os(TRACE_ENV) else {
        return;
    };
    match SpanLog::append_to(Path::new(&path)) {
        Ok(log) => {
            if tracing::subscriber::set_global_default(log).is_err() {
                eprintln!("sift: {TRACE_ENV}: a tracing subscriber is already installed");
            }
        }
        Err(e) => eprintln!("sift: {TRACE_ENV}: cannot write {path:?}: {e}"),
    }
}

/// Writes each span's name, start and end (ms since the epoch) and thread when it is
/// exited, and each event's level and message, one JSON object per line.
pub struct SpanLog {
    out: Mutex<File>,
    next_id: AtomicU64,
    /// Span id → (name, when it was first entered).
    open: Mutex<HashMap<u64, (&'static str, Option<f64>)>>,
}

impl SpanLog {
    pub fn append_to(path: &Path) -> std::io::Result<Self> {
        let out = File::options().create(true).append(true).open(path)?;
        Ok(Self {
            out: Mutex::new(out),
            next_id: AtomicU64::new(1),
            open: Mutex::new(HashMap::new()),
        })
    }

    fn write(&self, line: serde_json::Value) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        // One write per line: lines of concurrent threads do not interleave.
        let _ = out.write_all(format!("{line}\n").as_bytes());
    }
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

fn thread_name() -> String {
    let thread = std::thread::current();
    thread
        .name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:?}", thread.id()))
}

impl Subscriber for SpanLog {
    /// Sift's own spans and every warning: the libraries' spans (zbus instruments each
    /// D-Bus message) would bury the start-up's few in noise.
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("sift")
            || (metadata.is_event() && *metadata.level() <= tracing::Level::WARN)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, (span.metadata().name(), None));
        Id::from_u64(id)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        struct Message(String);
        impl Visit for Message {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        self.write(serde_json::json!({
            "event": message.0,
            "level": event.metadata().level().as_str(),
            "at_ms": now_ms(),
            "thread": thread_name(),
        }));
    }

    fn enter(&self, id: &Id) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, started)) = open.get_mut(&id.into_u64()) {
            started.get_or_insert_with(now_ms);
        }
    }

    fn exit(&self, id: &Id) {
        let ended = now_ms();
        let span = self
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id.into_u64())
            .copied();
        if let Some((name, Some(started))) = span {
            self.write(serde_json::json!({
                "span": name,
                "start_ms": started,
                "end_ms": ended,
                "thread": thread_name(),
            }));
        }
    }

    fn try_close(&self, id: Id) -> bool {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id.into_u64());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_warnings_are_written_as_json_lines_with_their_times() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trace.jsonl");
        let log = SpanLog::append_to(&path).unwrap();
        let before = now_ms();
        tracing::subscriber::with_default(log, || {
            let _outer = tracing::info_span!("outer work").entered();
            {
                let _inner = tracing::info_span!("inner work").entered();
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            tracing::warn!("something to say {}", 42);
            // A library's span is left out; its warning is not.
            let _library = tracing::info_span!(target: "zbus::connection", "perform").entered();
            tracing::warn!(target: "zbus::connection", "a library says");
        });
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let names: Vec<&str> = lines
            .iter()
            .map(|l| l["span"].as_str().or(l["event"].as_str()).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "inner work",
                "something to say 42",
                "a library says",
                "outer work"
            ]
        );
        let inner = &lines[0];
        let (start, end) = (
            inner["start_ms"].as_f64().unwrap(),
            inner["end_ms"].as_f64().unwrap(),
        );
        assert!(start >= before && end - start >= 20.0, "{inner}");
        assert_eq!(lines[1]["level"], "WARN");
        assert!(lines[3]["start_ms"].as_f64().unwrap() <= start);
        assert!(lines[3]["end_ms"].as_f64().unwrap() >= end);
    }
}
