//! The model in a child process: [`WorkerEmbedder`] starts this same program as an
//! embedding worker (`PROGRAM --embed-worker MODEL_DIR`), hands it texts over a pipe and
//! reads back vectors; the worker runs [`OnnxEmbedder`] and nothing else.
//!
//! Why: a long-lived process that embeds keeps what embedding leaves behind — ONNX Runtime's
//! library mapped (~24 MB), its threads, the tokenizer, and heaps fragmented by tensors of
//! every size — long after the session is dropped. In a worker all of that ends with the
//! process: when the embedding queue empties (or after [`DEFAULT_IDLE_RELEASE`] unused)
//! the worker exits and the app is back near its idle size. The CLI, whose process ends
//! anyway, embeds in process.
//!
//! The protocol (little-endian; a string is a `u32` byte length and UTF-8 bytes):
//! - worker, once at start: `R` + `u32` dim + model id string, or `U` + why the model is
//!   unavailable (then it exits);
//! - parent, per call: `u32` text count, then each text as a string;
//! - worker, per call: `V` + `u32` count + `u32` dim + count × dim `f32`, or `E` + why it
//!   failed (the worker goes on serving).
//!
//! The worker's stdout carries only the protocol; it logs to stderr, which it shares with
//! the parent. It exits when its stdin closes, so it never outlives the parent.

use std::ffi::OsString;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{EmbedOptions, Embedder, OnnxEmbedder, DEFAULT_IDLE_RELEASE};
use crate::error::{Error, Result};

/// The argument that makes a Sift program an embedding worker (see [`serve_if_requested`]).
pub const WORKER_FLAG: &str = "--embed-worker";

/// The worker's process name, as `ps` and `/proc/PID/comm` show it.
const WORKER_NAME: &str = "sift-embed";

// The worker runs at the app's own priority. Niceness 10 was tried (make bench 2026-12-02,
// app-import, the window used without pause): the import took 330 s against 298 s at the
// app's priority in the same boot, and the views were not faster, so it was not kept.

/// Longest text or message a frame may carry (a text is cut at 256 tokens anyway).
const MAX_STRING_BYTES: usize = 16 << 20;

/// Most texts in one call (the engine sends at most [`super::MAX_TEXTS_PER_CALL`]).
const MAX_TEXTS: usize = 1 << 16;

/// How long a worker whose stdin was closed may take to exit before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// How to start a worker: a program and the arguments that come before
/// [`WORKER_FLAG`] and the model directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

impl WorkerCommand {
    /// The program running now: every Sift face calls [`serve_if_requested`] first thing
    /// in `main`, so it can serve as its own worker.
    pub fn current_exe() -> Result<Self> {
        let program = std::env::current_exe().map_err(|e| {
            Error::Embedding(format!(
                "cannot find this program to start its embedding worker: {e}"
            ))
        })?;
        Ok(Self {
            program,
            args: Vec::new(),
        })
    }
}

/// When this process was started as a worker (`PROGRAM --embed-worker MODEL_DIR`), serves
/// on stdin/stdout until stdin closes and returns the exit code; otherwise `None`, at once.
pub fn serve_if_requested() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(WORKER_FLAG.as_ref()) {
        return None;
    }
    let Some(model_dir) = args.next() else {
        eprintln!("sift: {WORKER_FLAG} needs the model directory");
        return Some(2);
    };
    name_this_process(WORKER_NAME);
    crate::heap::tune_allocator();
    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    let code = match serve(Path::new(&model_dir), stdin, stdout) {
        Ok(code) => code,
        // The parent went away mid-answer: nothing is left to tell.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("sift embedding worker: {e}");
            1
        }
    };
    Some(code)
}

/// Loads the model from `model_dir` and answers requests from `input` until it closes.
/// Returns the exit code: 0 after serving, 1 when the model could not be loaded.
fn serve(model_dir: &Path, input: impl Read, output: impl Write) -> io::Result<i32> {
    let mut output = BufWriter::new(output);
    // The worker lives only while there is work: the parent ends it when idle.
    let options = EmbedOptions {
        idle_release: None,
        ..EmbedOptions::default()
    };
    let embedder = match OnnxEmbedder::load_with(model_dir, options) {
        Ok(embedder) => embedder,
        Err(e) => {
            let detail = match e {
                Error::ModelUnavailable { detail, .. } => detail,
                other => crate::error::display_chain(&other),
            };
            output.write_all(b"U")?;
            write_string(&mut output, &detail)?;
            output.flush()?;
            return Ok(1);
        }
    };
    write_ready(&mut output, &embedder)?;
    serve_requests(&embedder, input, &mut output)?;
    Ok(0)
}

fn write_ready(output: &mut impl Write, embedder: &dyn Embedder) -> io::Result<()> {
    output.write_all(b"R")?;
    write_u32(output, embedder.dim())?;
    write_string(output, embedder.model_id())?;
    output.flush()
}

/// Answers every request on `input` with `embedder`'s vectors (or its error) until `input`
/// ends between requests; each answer is flushed whole (`output` should be buffered).
fn serve_requests(
    embedder: &dyn Embedder,
    input: impl Read,
    output: &mut impl Write,
) -> io::Result<()> {
    let mut input = BufReader::new(input);
    while let Some(texts) = read_request(&mut input)? {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        match embedder.embed(&refs) {
            Ok(vectors) => {
                output.write_all(b"V")?;
                write_u32(output, vectors.len())?;
                write_u32(output, embedder.dim())?;
                for v in &vectors {
                    if v.len() != embedder.dim() {
                        return Err(invalid("the model returned a vector of the wrong length"));
                    }
                    for x in v {
                        output.write_all(&x.to_le_bytes())?;
                    }
                }
            }
            Err(e) => {
                output.write_all(b"E")?;
                write_string(output, &crate::error::display_chain(&e))?;
            }
        }
        output.flush()?;
    }
    Ok(())
}

/// One request's texts, or `None` when the input ended cleanly before a request.
fn read_request(input: &mut impl Read) -> io::Result<Option<Vec<String>>> {
    let mut count = [0u8; 4];
    match input.read_exact(&mut count) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let count = u32::from_le_bytes(count) as usize;
    if count > MAX_TEXTS {
        return Err(invalid("too many texts in one request"));
    }
    (0..count)
        .map(|_| read_string(input))
        .collect::<io::Result<_>>()
        .map(Some)
}

/// The parent's end of a worker's pipes.
struct Channel<R, W: Write> {
    input: BufReader<R>,
    output: BufWriter<W>,
}

/// What a worker says when it starts.
#[derive(Debug, PartialEq)]
enum Hello {
    Ready { dim: usize, model_id: String },
    Unavailable(String),
}

impl<R: Read, W: Write> Channel<R, W> {
    fn new(input: R, output: W) -> Self {
        Self {
            input: BufReader::new(input),
            output: BufWriter::new(output),
        }
    }

    fn hello(&mut self) -> io::Result<Hello> {
        match read_tag(&mut self.input)? {
            b'R' => {
                let dim = read_u32(&mut self.input)?;
                let model_id = read_string(&mut self.input)?;
                Ok(Hello::Ready { dim, model_id })
            }
            b'U' => Ok(Hello::Unavailable(read_string(&mut self.input)?)),
            other => Err(invalid(&format!("unexpected greeting {other:#04x}"))),
        }
    }

    /// Sends `texts` and reads the answer: the vectors, or the worker's own error
    /// (`Ok(Err(message))`); `Err` is a broken pipe or a malformed answer.
    fn embed(
        &mut self,
        texts: &[&str],
        dim: usize,
    ) -> io::Result<std::result::Result<Vec<Vec<f32>>, String>> {
        write_u32(&mut self.output, texts.len())?;
        for text in texts {
            write_string(&mut self.output, text)?;
        }
        self.output.flush()?;
        match read_tag(&mut self.input)? {
            b'V' => {
                let count = read_u32(&mut self.input)?;
                let got_dim = read_u32(&mut self.input)?;
                if count != texts.len() || got_dim != dim {
                    return Err(invalid(&format!(
                        "the worker answered {count} vectors of {got_dim} for {} texts of {dim}",
                        texts.len()
                    )));
                }
                let mut bytes = vec![0u8; dim * 4];
                let mut vectors = Vec::with_capacity(count);
                for _ in 0..count {
                    self.input.read_exact(&mut bytes)?;
                    let v = bytes
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect();
                    vectors.push(v);
                }
                Ok(Ok(vectors))
            }
            b'E' => Ok(Err(read_string(&mut self.input)?)),
            other => Err(invalid(&format!("unexpected answer {other:#04x}"))),
        }
    }
}

/// An [`Embedder`] whose model runs in a worker process, started on first use and ended
/// by [`Embedder::release`] or after a quiet period.
pub struct WorkerEmbedder {
    shared: Arc<Shared>,
    model_id: String,
    dim: usize,
}

struct Shared {
    command: WorkerCommand,
    model_dir: PathBuf,
    slot: Mutex<Slot>,
}

struct Slot {
    worker: Option<Worker>,
    last_used: Instant,
}

/// A running worker; its pipes are `None` once it was told to end.
struct Worker {
    child: Child,
    channel: Option<Channel<ChildStdout, ChildStdin>>,
}

impl WorkerEmbedder {
    /// Starts a worker with `command` on the model in `model_dir` and waits until it has
    /// loaded it, so a missing or corrupt model is reported here, as [`OnnxEmbedder::load`]
    /// reports it. The worker is ended after `idle_release` without a call (`None`: only
    /// by [`Embedder::release`]).
    pub fn start(
        command: WorkerCommand,
        model_dir: &Path,
        idle_release: Option<Duration>,
    ) -> Result<Self> {
        let shared = Arc::new(Shared {
            command,
            model_dir: model_dir.to_path_buf(),
            slot: Mutex::new(Slot {
                worker: None,
                last_used: Instant::now(),
            }),
        });
        let (worker, dim, model_id) = shared.spawn()?;
        shared.lock_slot().worker = Some(worker);
        if let Some(idle) = idle_release {
            super::spawn_idle_releaser(Arc::downgrade(&shared), idle, release_if_idle);
        }
        Ok(Self {
            shared,
            model_id,
            dim,
        })
    }

    /// Starts with Sift's default idle release ([`DEFAULT_IDLE_RELEASE`]).
    pub fn start_default(command: WorkerCommand, model_dir: &Path) -> Result<Self> {
        Self::start(command, model_dir, Some(DEFAULT_IDLE_RELEASE))
    }

    /// The worker's process id while one runs.
    pub fn worker_pid(&self) -> Option<u32> {
        self.shared
            .lock_slot()
            .worker
            .as_ref()
            .map(|w| w.child.id())
    }
}

impl Embedder for WorkerEmbedder {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut slot = self.shared.lock_slot();
        slot.last_used = Instant::now();
        if slot.worker.is_none() {
            let (worker, dim, model_id) = self.shared.spawn()?;
            if dim != self.dim || model_id != self.model_id {
                return Err(Error::Embedding(format!(
                    "the embedding worker now runs {model_id} ({dim} dimensions), not {} ({})",
                    self.model_id, self.dim
                )));
            }
            slot.worker = Some(worker);
        }
        let worker = slot.worker.as_mut().expect("started above");
        let answer = match worker.channel.as_mut() {
            Some(channel) => channel.embed(texts, self.dim),
            None => Err(io::Error::from(io::ErrorKind::BrokenPipe)),
        };
        slot.last_used = Instant::now();
        match answer {
            Ok(Ok(vectors)) => Ok(vectors),
            Ok(Err(message)) => Err(Error::Embedding(message)),
            Err(e) => {
                // The worker died or garbled its answer: it is ended, and the next call
                // starts a fresh one.
                let mut worker = slot.worker.take().expect("used above");
                let status = worker.end();
                Err(Error::Embedding(format!(
                    "the embedding worker stopped answering ({e}; {status})"
                )))
            }
        }
    }

    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn release(&self) {
        let worker = self.shared.lock_slot().worker.take();
        if let Some(mut worker) = worker {
            worker.end();
        }
    }
}

impl Drop for WorkerEmbedder {
    fn drop(&mut self) {
        Embedder::release(self);
    }
}

impl Shared {
    /// The slot; a panic while it was held leaves nothing half-done that the next call
    /// cannot redo (a worker mid-answer is ended and restarted), so the guard is recovered.
    fn lock_slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|poisoned| {
            self.slot.clear_poison();
            let mut slot = poisoned.into_inner();
            if let Some(mut worker) = slot.worker.take() {
                worker.end();
            }
            slot
        })
    }

    /// Starts a worker and reads its greeting: the worker, its vectors' length and model id.
    fn spawn(&self) -> Result<(Worker, usize, String)> {
        let mut child = Command::new(&self.command.program)
            .args(&self.command.args)
            .arg(WORKER_FLAG)
            .arg(&self.model_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                Error::Embedding(format!(
                    "could not start the embedding worker {}: {e}",
                    self.command.program.display()
                ))
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            unreachable!("both pipes were asked for");
        };
        let mut channel = Channel::new(stdout, stdin);
        let hello = channel.hello();
        let mut worker = Worker {
            child,
            channel: Some(channel),
        };
        match hello {
            Ok(Hello::Ready { dim, model_id }) => Ok((worker, dim, model_id)),
            Ok(Hello::Unavailable(detail)) => {
                worker.end();
                Err(Error::ModelUnavailable {
                    dir: self.model_dir.clone(),
                    detail,
                })
            }
            Err(e) => {
                let status = worker.end();
                Err(Error::Embedding(format!(
                    "the embedding worker {} did not start ({e}; {status})",
                    self.command.program.display()
                )))
            }
        }
    }
}

impl Worker {
    /// Closes the worker's stdin, which ends it, and waits for it (killing it if it does
    /// not exit within [`EXIT_GRACE`]); says how it ended.
    fn end(&mut self) -> String {
        // Dropping the pipes closes them: the worker reads the end of its input and exits.
        self.channel = None;
        let deadline = Instant::now() + EXIT_GRACE;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return format!("worker {status}"),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => {
                    let _ = self.child.kill();
                    return match self.child.wait() {
                        Ok(status) => format!("worker killed, {status}"),
                        Err(e) => format!("worker killed ({e})"),
                    };
                }
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if self.channel.is_some() {
            self.end();
        }
    }
}

/// Ends the worker of `shared` if it has not been used for `idle`.
fn release_if_idle(shared: &Shared, idle: Duration) {
    // Never wait behind a running call: that one is by definition not idle.
    let Ok(mut slot) = shared.slot.try_lock() else {
        return;
    };
    if slot.worker.is_some() && slot.last_used.elapsed() >= idle {
        let worker = slot.worker.take();
        drop(slot);
        drop(worker);
        // The worker ends a minute after the app's last release (heap_release.rs), and
        // what this side held for it (the calls' texts and answers, the pipes' buffers)
        // would otherwise stay with glibc until the next job.
        crate::heap::release_freed_memory();
    }
}

fn name_this_process(name: &str) {
    #[cfg(target_os = "linux")]
    {
        extern "C" {
            fn prctl(option: i32, arg2: usize, arg3: usize, arg4: usize, arg5: usize) -> i32;
        }
        const PR_SET_NAME: i32 = 15;
        let name = std::ffi::CString::new(name).expect("no NUL in the name");
        // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes, which
        // `name` is; it only renames the calling thread (the main thread: the process).
        unsafe {
            prctl(PR_SET_NAME, name.as_ptr() as usize, 0, 0, 0);
        }
    }
}

fn read_tag(input: &mut impl Read) -> io::Result<u8> {
    let mut tag = [0u8; 1];
    input.read_exact(&mut tag)?;
    Ok(tag[0])
}

fn read_u32(input: &mut impl Read) -> io::Result<usize> {
    let mut bytes = [0u8; 4];
    input.read_exact(&mut bytes)?;
    Ok(u32::from_le_bytes(bytes) as usize)
}

fn write_u32(output: &mut impl Write, value: usize) -> io::Result<()> {
    let value = u32::try_from(value).map_err(|_| invalid("a length over 4 GiB"))?;
    output.write_all(&value.to_le_bytes())
}

fn read_string(input: &mut impl Read) -> io::Result<String> {
    let len = read_u32(input)?;
    if len > MAX_STRING_BYTES {
        return Err(invalid("a string over 16 MiB"));
    }
    let mut bytes = vec![0u8; len];
    input.read_exact(&mut bytes)?;
    String::from_utf8(bytes).map_err(|_| invalid("a string that is not UTF-8"))
}

fn write_string(output: &mut impl Write, text: &str) -> io::Result<()> {
    write_u32(output, text.len())?;
    output.write_all(text.as_bytes())
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("embedding worker protocol: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixStream;

    use super::*;
    use crate::embed::HashingEmbedder;

    /// A worker serving `embedder` on one end of a socket pair, as a child would on its
    /// pipes; the parent's channel on the other end.
    fn serving(embedder: Arc<dyn Embedder>) -> Channel<UnixStream, UnixStream> {
        let (parent, worker) = UnixStream::pair().unwrap();
        let (worker_in, mut worker_out) = (worker.try_clone().unwrap(), worker);
        std::thread::spawn(move || {
            write_ready(&mut worker_out, embedder.as_ref()).unwrap();
            serve_requests(embedder.as_ref(), worker_in, &mut worker_out).unwrap();
        });
        Channel::new(parent.try_clone().unwrap(), parent)
    }

    #[test]
    fn vectors_come_back_as_the_embedder_made_them_in_order() {
        let embedder = Arc::new(HashingEmbedder::new(48));
        let mut channel = serving(embedder.clone());
        assert_eq!(
            channel.hello().unwrap(),
            Hello::Ready {
                dim: 48,
                model_id: embedder.model_id().to_string()
            }
        );
        let texts = ["lighthouse lens", "", "ünïcödé 🦀 text", "lighthouse lens"];
        let expected = embedder.embed(&texts).unwrap();
        // Twice: the worker goes on serving after an answer.
        for _ in 0..2 {
            let got = channel.embed(&texts, 48).unwrap().unwrap();
            assert_eq!(got, expected);
        }
        assert!(channel.embed(&[], 48).unwrap().unwrap().is_empty());
    }

    /// An embedder that fails on a text saying "fail" and works otherwise.
    struct Picky(HashingEmbedder);

    impl Embedder for Picky {
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
            if texts.contains(&"fail") {
                return Err(Error::Embedding("the model choked".into()));
            }
            self.0.embed(texts)
        }
        fn model_id(&self) -> &str {
            self.0.model_id()
        }
        fn dim(&self) -> usize {
            self.0.dim()
        }
    }

    #[test]
    fn an_embedding_error_is_answered_and_the_worker_goes_on() {
        let mut channel = serving(Arc::new(Picky(HashingEmbedder::new(16))));
        channel.hello().unwrap();
        let failed = channel.embed(&["ok", "fail"], 16).unwrap();
        assert_eq!(
            failed,
            Err("embedding failed: the model choked".to_string())
        );
        let vectors = channel.embed(&["ok"], 16).unwrap().unwrap();
        assert_eq!(vectors.len(), 1);
    }

    #[test]
    fn a_garbled_or_short_answer_is_an_error_not_vectors() {
        // A "worker" that greets, then answers with vectors of the wrong length.
        let (parent, mut worker) = UnixStream::pair().unwrap();
        std::thread::spawn(move || {
            write_ready(&mut worker, &HashingEmbedder::new(8)).unwrap();
            let mut input = worker.try_clone().unwrap();
            read_request(&mut input).unwrap();
            worker.write_all(b"V").unwrap();
            write_u32(&mut worker, 1).unwrap();
            write_u32(&mut worker, 4).unwrap();
            // ... and then it dies.
        });
        let mut channel = Channel::new(parent.try_clone().unwrap(), parent);
        channel.hello().unwrap();
        let err = channel.embed(&["text"], 8).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");

        // A worker that ends mid-answer.
        let (parent, mut worker) = UnixStream::pair().unwrap();
        std::thread::spawn(move || {
            let mut input = worker.try_clone().unwrap();
            read_request(&mut input).unwrap();
            worker.write_all(b"V").unwrap();
            write_u32(&mut worker, 1).unwrap();
            write_u32(&mut worker, 8).unwrap();
            worker.write_all(&[0u8; 10]).unwrap();
        });
        let mut channel = Channel::new(parent.try_clone().unwrap(), parent);
        let err = channel.embed(&["text"], 8).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
    }

    #[test]
    fn a_worker_without_a_model_says_why_and_exits_with_1() {
        let dir = tempfile::tempdir().unwrap();
        let mut said = Vec::new();
        let code = serve(dir.path(), io::empty(), &mut said).unwrap();
        assert_eq!(code, 1);
        let mut channel = Channel::new(&said[..], io::sink());
        match channel.hello().unwrap() {
            Hello::Unavailable(detail) => assert!(detail.contains("model.onnx"), "{detail}"),
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[test]
    fn requests_are_checked_before_anything_is_allocated() {
        let mut too_many = Vec::new();
        write_u32(&mut too_many, MAX_TEXTS + 1).unwrap();
        assert!(read_request(&mut &too_many[..]).is_err());
        let mut too_long = Vec::new();
        write_u32(&mut too_long, 1).unwrap();
        write_u32(&mut too_long, MAX_STRING_BYTES + 1).unwrap();
        assert!(read_request(&mut &too_long[..]).is_err());
        // A clean end between requests is the end of the work, not an error.
        assert!(read_request(&mut io::empty()).unwrap().is_none());
    }
}
