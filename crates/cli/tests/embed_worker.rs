//! The embedding worker for real: `sift --embed-worker MODEL_DIR` started by
//! `WorkerEmbedder` (what the app does with its own binary), with the real model.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sift_core::embed::{Embedder, OnnxEmbedder, WorkerCommand, WorkerEmbedder, DEFAULT_MAX_TOKENS};

fn sift_worker() -> WorkerCommand {
    WorkerCommand {
        program: PathBuf::from(env!("CARGO_BIN_EXE_sift")),
        args: Vec::new(),
    }
}

fn alive(pid: u32) -> bool {
    // A zombie still has a /proc entry; its state is 'Z'.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.contains(") Z "))
        .unwrap_or(false)
}

fn wait_until_gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn the_worker_gives_the_in_process_models_vectors_and_ends_when_released() {
    let models = common::repo_models();
    let worker = WorkerEmbedder::start(sift_worker(), &models, None).expect("worker starts");
    let local = OnnxEmbedder::load(&models, DEFAULT_MAX_TOKENS).unwrap();
    assert_eq!(worker.model_id(), local.model_id());
    assert_eq!(worker.dim(), local.dim());
    let pid = worker.worker_pid().expect("a worker runs after start");
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "sift-embed");
    let texts = [
        "Lighthouse keepers restore a Fresnel lens",
        "Central bank raises interest rates again",
        "",
        "A much longer text about the season's football results, the coach's plans and \
         the fans who travelled across the country to watch the final match of the cup",
    ];
    let remote = worker.embed(&texts).unwrap();
    let expected = local.embed(&texts).unwrap();
    for (r, e) in remote.iter().zip(&expected) {
        let cosine: f32 = r.iter().zip(e).map(|(a, b)| a * b).sum();
        assert!(cosine > 0.9999, "cosine {cosine}");
    }

    // Released: the process is gone; the next call starts a new one and still works.
    worker.release();
    assert!(worker.worker_pid().is_none());
    assert!(
        wait_until_gone(pid),
        "worker {pid} still runs after release"
    );
    let again = worker.embed(&texts[..1]).unwrap();
    assert_eq!(again.len(), 1);
    let second = worker.worker_pid().expect("restarted on demand");
    assert_ne!(second, pid);

    // Dropping the embedder ends its worker too.
    drop(worker);
    assert!(
        wait_until_gone(second),
        "worker {second} outlived its embedder"
    );
}

#[test]
fn a_killed_worker_fails_one_call_clearly_and_the_next_starts_a_new_one() {
    let worker = WorkerEmbedder::start(sift_worker(), &common::repo_models(), None).unwrap();
    let pid = worker.worker_pid().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(wait_until_gone(pid) || !alive(pid));
    let err = worker.embed(&["anything"]).unwrap_err().to_string();
    assert!(err.contains("embedding worker stopped answering"), "{err}");
    let vectors = worker.embed(&["anything"]).unwrap();
    assert_eq!(vectors[0].len(), 384);
}

#[test]
fn a_missing_model_is_reported_as_the_in_process_model_reports_it() {
    let empty = tempfile::tempdir().unwrap();
    let err = WorkerEmbedder::start(sift_worker(), empty.path(), None)
        .err()
        .expect("no model there");
    assert!(
        matches!(err, sift_core::Error::ModelUnavailable { ref detail, .. } if detail.contains("model.onnx")),
        "{err}"
    );
    let missing = WorkerCommand {
        program: empty.path().join("no-such-program"),
        args: Vec::new(),
    };
    let err = WorkerEmbedder::start(missing, &common::repo_models(), None)
        .err()
        .expect("no program there")
        .to_string();
    assert!(
        err.contains("could not start the embedding worker"),
        "{err}"
    );
}

#[test]
fn an_idle_worker_ends_by_itself_and_comes_back_on_demand() {
    let worker = WorkerEmbedder::start(
        sift_worker(),
        &common::repo_models(),
        Some(Duration::from_millis(200)),
    )
    .unwrap();
    let pid = worker.worker_pid().unwrap();
    assert!(wait_until_gone(pid), "the idle worker {pid} was not ended");
    assert!(worker.worker_pid().is_none());
    assert_eq!(worker.embed(&["back again"]).unwrap().len(), 1);
}
