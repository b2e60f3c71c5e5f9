//! all-MiniLM-L6-v2 (int8 ONNX) run directly on ONNX Runtime through `ort`, with the
//! tokenizer from `tokenizers`, loaded from local files only.
//!
//! What makes it fast and small on a laptop (measured: `make bench`, docs/BENCHMARKS.md):
//! - every call tokenizes all its texts first and runs them **sorted by token length**, in
//!   small batches padded only to the batch's longest text, so almost no compute or memory
//!   goes to padding (attention grows with batch × length²);
//! - a batch holds at most [`DEFAULT_BATCH_TOKENS`] padded tokens, so ONNX Runtime's CPU
//!   arena, which keeps the peak of the largest batch ever run, stays small (batches of 32
//!   full articles are what made embedding cost a gigabyte);
//! - intra-op threads do not spin-wait (on a busy laptop spinning threads starve each other);
//! - the session (weights and buffers) can be dropped after a quiet period and reloaded on
//!   the next call (~0.3 s), so an idle app does not hold the model.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::Tensor;
use tokenizers::{Tokenizer, TruncationParams};

use super::derived::{self, Provenance};
use super::manifest::{expected_sha256, read_verified, verify_model_file};
use super::{normalize, Embedder};
use crate::error::{Error, Result};

/// The ONNX Runtime build `models/fetch.sh` installs beside the model.
pub const ORT_DYLIB_NAME: &str = "libonnxruntime.so.1.32.0";

/// Tokens kept per text. Titles and feed summaries fit in far fewer; full articles are cut
/// here because attention cost grows with length and the opening carries the topic.
pub const DEFAULT_MAX_TOKENS: usize = 256;

/// Padded tokens per model run: a batch holds as many texts as fit when each is padded to
/// the batch's longest (texts run shortest first). Chosen from `make bench` on 2 cores: the
/// best fixed batch is ~32 for titles, ~4 for summaries and 1 for full articles, i.e. a
/// roughly constant 250–500 padded tokens; past that, attention (batch × length²) costs
/// memory and speed alike.
pub const DEFAULT_BATCH_TOKENS: usize = 256;

/// Never more texts than this in one run, however short they are.
pub const MAX_BATCH_TEXTS: usize = 32;

/// ONNX Runtime intra-op threads; 0: one per available core (titles ~3× one thread on 2 cores).
/// Threads never spin-wait, although spinning is faster on an otherwise idle machine (the
/// bare reference on titles: 1,064 docs/s spinning against 984 without, `make bench`
/// 2026-12-02): while Sift embeds, the window and the learner need a core too, and on a
/// loaded machine (earlier runs) spinning was the slowest setup, since a spinning thread
/// steals the core its partner needs. In the app (2026-12-03, a 10,000-summary import, two
/// back-to-back pairs, docs/BENCHMARKS.md) a spinning worker made the import take 262–283 s
/// against 230–236 s and every view slower: it takes the cores the app's fetching, storing
/// and indexing need.
pub const DEFAULT_THREADS: usize = 0;

/// Graph optimisation of the session. PROVISIONAL: to be chosen from `make bench`.
pub const DEFAULT_OPTIMIZATION: Optimization = Optimization::All;

/// How long an unused session is kept before its memory is given back.
pub const DEFAULT_IDLE_RELEASE: Duration = Duration::from_secs(60);

/// The length of every vector all-MiniLM-L6-v2 gives.
pub const MODEL_DIM: usize = 384;
const DIM: usize = MODEL_DIM;

/// How the model runs; [`EmbedOptions::default`] is what Sift ships.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbedOptions {
    pub max_tokens: usize,
    /// Padded tokens per model run (see [`DEFAULT_BATCH_TOKENS`]).
    pub batch_tokens: usize,
    /// Texts per model run at most.
    pub max_batch: usize,
    /// ONNX Runtime intra-op threads; 0: one per available core.
    pub threads: usize,
    /// Intra-op threads spin-wait for work instead of sleeping (ONNX Runtime's default;
    /// Sift's is off, see [`DEFAULT_THREADS`]). The benchmark turns it on to run Sift's
    /// code in the bare reference's own configuration.
    pub spinning: bool,
    /// Drop the session after this long without a call; `None`: keep it for good.
    pub idle_release: Option<Duration>,
    /// ONNX Runtime's graph optimisation (see [`DEFAULT_OPTIMIZATION`]).
    pub optimization: Optimization,
    /// ONNX Runtime's CPU arena: freed tensors are kept for reuse instead of going back
    /// to the allocator.
    pub arena: bool,
    /// ONNX Runtime's memory pattern: after a run, the next run of the same shape gets all
    /// its intermediate tensors as one block planned from the first (needs the arena).
    /// Off in Sift: its batches rarely repeat a shape (each is padded to its own longest
    /// text), so the plans are kept and seldom reused. Measured in `make bench` (three runs
    /// on 2026-12-02): the peak of a process embedding full articles 18 MB lower without
    /// it (159 against 177 MB), speed a wash (two runs favoured off, one on, all within
    /// the rounds' spread).
    pub memory_pattern: bool,
    /// The model's weights in the arena too (ONNX Runtime's default) rather than allocated
    /// at their exact size.
    pub weights_in_arena: bool,
    /// ONNX Runtime re-lays the weights out for its matrix kernels once, at load (its
    /// default); without it they are packed on each run instead.
    pub prepack: bool,
    /// Graph optimisation may fold constant subgraphs (ONNX Runtime's default). This
    /// model stores its weights as int8 with a Cast and a Mul in front of each: folding
    /// turns them into float weights once, at load (~90 MB, held twice while the session
    /// is built); without folding they are turned into floats on every run instead, while
    /// the other optimisations (fused attention, layer norm, GELU) still apply.
    pub fold_constants: bool,
    /// Where an already-optimised copy of the model is kept (see `embed/derived.rs`):
    /// sessions are built from it, which skips constant folding's peak (the folded weights
    /// held twice while a session is built). Derived from the checked model on first use
    /// and again whenever it is missing, damaged or from another model or ONNX Runtime.
    /// `None`, or a copy that cannot be made: sessions are built from the model file.
    pub derived_dir: Option<PathBuf>,
}

/// ONNX Runtime's graph optimisation levels: fusing operators makes the model faster and
/// costs memory while the session is built and for the fused weights it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optimization {
    Off,
    Basic,
    Extended,
    All,
}

impl Optimization {
    pub const LEVELS: [Optimization; 4] = [Self::Off, Self::Basic, Self::Extended, Self::All];

    fn level(self) -> GraphOptimizationLevel {
        match self {
            Self::Off => GraphOptimizationLevel::Disable,
            Self::Basic => GraphOptimizationLevel::Level1,
            Self::Extended => GraphOptimizationLevel::Level2,
            Self::All => GraphOptimizationLevel::Level3,
        }
    }
}

impl std::fmt::Display for Optimization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Off => "optimisation off",
            Self::Basic => "basic optimisation",
            Self::Extended => "extended optimisation",
            Self::All => "all optimisations",
        })
    }
}

impl Default for EmbedOptions {
    fn default() -> Self {
        Self {
            max_tokens: DEFAULT_MAX_TOKENS,
            batch_tokens: DEFAULT_BATCH_TOKENS,
            max_batch: MAX_BATCH_TEXTS,
            threads: DEFAULT_THREADS,
            spinning: false,
            idle_release: Some(DEFAULT_IDLE_RELEASE),
            optimization: DEFAULT_OPTIMIZATION,
            arena: true,
            memory_pattern: false,
            weights_in_arena: true,
            prepack: true,
            fold_constants: true,
            derived_dir: default_derived_dir(),
        }
    }
}

/// Where Sift keeps the optimised copy of the model by default: the user's cache directory
/// (it is recomputed when missing), shared by the app and the CLI.
pub fn default_derived_dir() -> Option<PathBuf> {
    crate::paths::default_cache_dir().map(|d| d.join("derived-model").join(DERIVED_NAME))
}

/// The optimised copy's directory name: the model it comes from.
const DERIVED_NAME: &str = "all-MiniLM-L6-v2-int8";

pub struct OnnxEmbedder {
    shared: Arc<Shared>,
    model_id: String,
}

struct Shared {
    model_path: PathBuf,
    tokenizer: Tokenizer,
    options: EmbedOptions,
    threads: usize,
    environment: Environment,
    // `Session::run` takes `&mut self`; the lock lets one model serve every thread.
    slot: Mutex<Slot>,
}

struct Slot {
    session: Option<Session>,
    /// Whether `session` was built from the optimised copy (else from the model file).
    from_derived: bool,
    last_used: Instant,
}

impl OnnxEmbedder {
    /// The id [`OnnxEmbedder::load`] will report, known without loading anything (the
    /// store's cached vectors are found by it). Batch size and threads are not part of it:
    /// they change the vectors only by rounding noise.
    pub fn model_id_for(max_tokens: usize) -> String {
        format!("all-MiniLM-L6-v2-int8/max{max_tokens}")
    }

    /// Loads the model from `dir` with Sift's defaults and `max_tokens`.
    pub fn load(dir: &Path, max_tokens: usize) -> Result<Self> {
        Self::load_with(
            dir,
            EmbedOptions {
                max_tokens,
                ..EmbedOptions::default()
            },
        )
    }

    /// Loads the model from `dir`. ONNX Runtime comes from `ORT_DYLIB_PATH` when set, else
    /// from `dir`. Every file, the native library included, must have the sha256 that
    /// `models/MANIFEST` lists before it is used; a missing, unreadable or unexpected file
    /// becomes [`Error::ModelUnavailable`].
    pub fn load_with(dir: &Path, options: EmbedOptions) -> Result<Self> {
        let unavailable = |detail: String| Error::ModelUnavailable {
            dir: dir.to_path_buf(),
            detail,
        };
        if options.max_batch == 0 || options.max_tokens < 2 {
            return Err(Error::Embedding(format!(
                "invalid embedding options: max batch {} and max tokens {} must be positive",
                options.max_batch, options.max_tokens
            )));
        }
        let model_path = dir.join("model.onnx");
        if !model_path.is_file() {
            return Err(unavailable("model.onnx: not found".into()));
        }
        let tokenizer =
            load_tokenizer(&dir.join("tokenizer.json"), options.max_tokens).map_err(unavailable)?;
        let environment = onnx_environment(dir).map_err(unavailable)?;
        let threads = match options.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let shared = Arc::new(Shared {
            model_path,
            tokenizer,
            options,
            threads,
            environment,
            slot: Mutex::new(Slot {
                session: None,
                from_derived: false,
                last_used: Instant::now(),
            }),
        });
        // Load now so that a corrupt model is reported by `load`, not by the first embed.
        {
            let mut slot = shared.lock_slot()?;
            let (session, from_derived) = shared.open_session().map_err(|e| match e {
                SessionError::File(e) => unavailable(e.to_string()),
                SessionError::Runtime(e) => {
                    unavailable(format!("the model is unreadable or corrupt ({e})"))
                }
            })?;
            slot.session = Some(session);
            slot.from_derived = from_derived;
        }
        if let Some(idle) = shared.options.idle_release {
            super::spawn_idle_releaser(Arc::downgrade(&shared), idle, release_if_idle);
        }
        Ok(Self {
            model_id: Self::model_id_for(shared.options.max_tokens),
            shared,
        })
    }

    /// Whether the session is in memory now (it is reloaded on demand after an idle release).
    pub fn is_loaded(&self) -> bool {
        self.shared
            .slot
            .lock()
            .map(|slot| slot.session.is_some())
            .unwrap_or(false)
    }

    /// Whether the session in memory was built from the optimised copy of the model
    /// ([`EmbedOptions::derived_dir`]); false when none is loaded.
    pub fn uses_derived_model(&self) -> bool {
        self.shared
            .slot
            .lock()
            .map(|slot| slot.session.is_some() && slot.from_derived)
            .unwrap_or(false)
    }

    /// Drops the session now; the next call reloads it.
    pub fn release(&self) {
        if let Ok(mut slot) = self.shared.slot.lock() {
            slot.session = None;
        }
    }

    pub fn options(&self) -> &EmbedOptions {
        &self.shared.options
    }
}

impl Embedder for OnnxEmbedder {
    fn release(&self) {
        OnnxEmbedder::release(self);
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .shared
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Embedding(format!("tokenizing failed: {e}")))?;
        // Shortest first, so each batch pads to a length close to all of its texts.
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| encodings[i].get_ids().len());

        let mut vectors = vec![Vec::new(); texts.len()];
        let mut slot = self.shared.lock_slot()?;
        slot.last_used = Instant::now();
        if slot.session.is_none() {
            let (session, from_derived) = self
                .shared
                .open_session()
                .map_err(|e| Error::Embedding(e.to_string()))?;
            slot.session = Some(session);
            slot.from_derived = from_derived;
        }
        let session = slot.session.as_mut().expect("loaded above");
        let lengths: Vec<usize> = order
            .iter()
            .map(|&i| encodings[i].get_ids().len())
            .collect();
        let mut start = 0;
        for size in batch_sizes(&lengths, &self.shared.options) {
            let batch = &order[start..start + size];
            start += size;
            let rows: Vec<Row<'_>> = batch
                .iter()
                .map(|&i| Row {
                    ids: encodings[i].get_ids(),
                    mask: encodings[i].get_attention_mask(),
                })
                .collect();
            for (&i, v) in batch.iter().zip(run_batch(session, &rows)?) {
                vectors[i] = v;
            }
        }
        slot.last_used = Instant::now();
        Ok(vectors)
    }

    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        DIM
    }
}

impl Shared {
    /// The session slot. A panic while a batch ran (inside ONNX Runtime or the tokenizer)
    /// poisons the lock; the session it held may be in any state, so it is dropped and the
    /// next call opens a fresh one, instead of every later call failing.
    fn lock_slot(&self) -> Result<std::sync::MutexGuard<'_, Slot>> {
        Ok(self.slot.lock().unwrap_or_else(|poisoned| {
            self.slot.clear_poison();
            let mut slot = poisoned.into_inner();
            slot.session = None;
            slot
        }))
    }

    /// A session built from the optimised copy of the model when there is (or can be made)
    /// a trusted one, else from the model file, read and checked against the manifest each
    /// time (the session is reopened after an idle release). True: from the copy.
    fn open_session(&self) -> std::result::Result<(Session, bool), SessionError> {
        if let Some(dir) = self.derived_dir() {
            // The model file must be sound whether or not its copy is used (a damaged or
            // replaced one is reported as it would be without the copy); checked while
            // read in pieces, so it adds nothing to the session's memory.
            verify_model_file(&self.model_path, "model.onnx")?;
            match self.open_derived(dir) {
                Ok(session) => return Ok((session, true)),
                Err(e) => tracing::warn!(
                    "building the embedding session from the model file, not its optimised copy in {}: {e}",
                    dir.display()
                ),
            }
        }
        let bytes = read_verified(&self.model_path, "model.onnx")?;
        let session = session_builder(&self.environment, &self.options, self.threads)
            .map_err(SessionError::Runtime)?
            .commit_from_memory(&bytes)
            .map_err(|e| SessionError::Runtime(e.to_string()))?;
        Ok((session, false))
    }

    /// Where the optimised copy is kept, when these options may use it: it holds the
    /// folded constants and [`derived::SAVED_LEVEL`]'s optimisations, so options that ask
    /// for less build their session from the model file.
    fn derived_dir(&self) -> Option<&Path> {
        let level_included = matches!(
            self.options.optimization,
            Optimization::Extended | Optimization::All
        );
        self.options
            .derived_dir
            .as_deref()
            .filter(|_| self.options.fold_constants && level_included)
    }

    /// A session on the trusted optimised copy in `dir`, derived first when there is none.
    fn open_derived(&self, dir: &Path) -> std::result::Result<Session, String> {
        let provenance = Provenance {
            source_sha256: expected_sha256("model.onnx")
                .ok_or("model.onnx is not in models/MANIFEST")?
                .to_string(),
            runtime_sha256: expected_sha256(ORT_DYLIB_NAME)
                .ok_or("ONNX Runtime is not in models/MANIFEST")?
                .to_string(),
        };
        let graph = match derived::trusted(dir, &provenance) {
            Ok(graph) => graph,
            Err(why) => {
                tracing::info!(
                    "deriving an optimised copy of the model in {} ({why})",
                    dir.display()
                );
                let graph = self.derive(dir, &provenance)?;
                // The build that saved the copy held the folded weights twice: give that
                // back before the session that is kept is built.
                crate::heap::release_freed_memory();
                graph
            }
        };
        session_builder(&self.environment, &self.options, self.threads)?
            .commit_from_file(&graph)
            .map_err(|e| e.to_string())
    }

    /// Optimises the checked model file at [`derived::SAVED_LEVEL`] and saves the result
    /// into `dir`; returns the saved graph's path.
    ///
    /// This session is only saved, never run, so it skips what only a running session needs:
    /// prepacked weights (~50 MB more at its peak). ONNX Runtime reads the model file itself,
    /// after [`Shared::open_session`] checked it, so its bytes are not held beside the build.
    fn derive(&self, dir: &Path, provenance: &Provenance) -> std::result::Result<PathBuf, String> {
        let options = EmbedOptions {
            optimization: derived::SAVED_LEVEL,
            fold_constants: true,
            prepack: false,
            ..self.options.clone()
        };
        derived::derive(dir, provenance, |graph| {
            let text = |e: ort::Error<ort::session::builder::SessionBuilder>| e.to_string();
            let mut builder = session_builder(&self.environment, &options, self.threads)?
                .with_optimized_model_path(graph)
                .map_err(text)?;
            for (key, value) in derived::save_config() {
                builder = builder.with_config_entry(key, value).map_err(text)?;
            }
            builder
                .commit_from_file(&self.model_path)
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .map_err(|e| e.to_string())
    }
}

/// Why a session could not be opened.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error(transparent)]
    File(#[from] super::manifest::ModelFileError),
    #[error("ONNX Runtime session: {0}")]
    Runtime(String),
}

/// Sift's session options. ONNX Runtime's CPU arena stays on: measured
/// in `make bench`, turning them off made full articles 3× slower (every large tensor
/// allocated afresh), while with batches capped at [`DEFAULT_BATCH_TOKENS`] the arena holds
/// only ~20 MB more than without it. (Capping the batch is what fixes the arena's memory:
/// it keeps the peak of the largest batch, which batches of 32 × 256 tokens made huge.)
fn session_builder(
    environment: &Environment,
    options: &EmbedOptions,
    threads: usize,
) -> std::result::Result<ort::session::builder::SessionBuilder, String> {
    let text = |e: ort::Error<ort::session::builder::SessionBuilder>| e.to_string();
    let builder = Session::builder(environment)
        .map_err(|e| e.to_string())?
        .with_execution_providers([ort::ep::CPU::default()
            .with_arena_allocator(options.arena)
            .build()])
        .map_err(text)?
        .with_optimization_level(options.optimization.level())
        .map_err(text)?
        .with_intra_threads(threads)
        .map_err(text)?
        .with_memory_pattern(options.arena && options.memory_pattern)
        .map_err(text)?
        // Spin-waiting threads steal the cores the other threads (and the window) need.
        .with_intra_op_spinning(options.spinning)
        .map_err(text)?
        .with_prepacking(options.prepack)
        .map_err(text)?;
    let builder = if options.fold_constants {
        builder
    } else {
        builder
            .with_config_entry(
                "optimization.disable_specified_optimizers",
                "ConstantFolding",
            )
            .map_err(text)?
    };
    if options.weights_in_arena {
        Ok(builder)
    } else {
        builder.with_device_allocated_initializers().map_err(text)
    }
}

/// Splits texts sorted by ascending token length into consecutive batches: each as long as
/// its texts, padded to the last (longest) one, fit in `batch_tokens`, and at least one text.
fn batch_sizes(sorted_lengths: &[usize], options: &EmbedOptions) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut size = 0;
    for &len in sorted_lengths {
        if size > 0 && ((size + 1) * len > options.batch_tokens || size == options.max_batch) {
            sizes.push(size);
            size = 0;
        }
        size += 1;
    }
    if size > 0 {
        sizes.push(size);
    }
    sizes
}

/// One tokenized text: its ids and attention mask, unpadded.
struct Row<'a> {
    ids: &'a [u32],
    mask: &'a [u32],
}

/// Runs one batch padded to its longest row; returns one mean-pooled unit vector per row.
fn run_batch(session: &mut Session, rows: &[Row<'_>]) -> Result<Vec<Vec<f32>>> {
    let failed = |e: ort::Error| Error::Embedding(e.to_string());
    let width = rows.iter().map(|r| r.ids.len()).max().unwrap_or(0).max(1);
    let shape = [rows.len(), width];
    let mut ids = vec![0i64; rows.len() * width];
    let mut mask = vec![0i64; rows.len() * width];
    for (r, row) in rows.iter().enumerate() {
        for (t, (&id, &m)) in row.ids.iter().zip(row.mask).enumerate() {
            ids[r * width + t] = i64::from(id);
            mask[r * width + t] = i64::from(m);
        }
    }
    let types = vec![0i64; rows.len() * width];
    let inputs = ort::inputs![
        "input_ids" => Tensor::from_array((shape, ids)).map_err(failed)?,
        "attention_mask" => Tensor::from_array((shape, mask.clone())).map_err(failed)?,
        "token_type_ids" => Tensor::from_array((shape, types)).map_err(failed)?,
    ];
    let outputs = session.run(inputs).map_err(failed)?;
    let (out_shape, hidden) = outputs[0].try_extract_tensor::<f32>().map_err(failed)?;
    if out_shape.len() != 3
        || out_shape[0] as usize != rows.len()
        || out_shape[1] as usize != width
        || out_shape[2] as usize != DIM
    {
        return Err(Error::Embedding(format!(
            "unexpected model output shape {out_shape:?}"
        )));
    }
    Ok(mean_pool(hidden, &mask, rows.len(), width))
}

/// Mean of the token vectors under the attention mask, scaled to unit length.
fn mean_pool(hidden: &[f32], mask: &[i64], rows: usize, width: usize) -> Vec<Vec<f32>> {
    (0..rows)
        .map(|r| {
            let mut v = vec![0.0f32; DIM];
            let mut count = 0.0f32;
            for t in 0..width {
                if mask[r * width + t] == 0 {
                    continue;
                }
                count += 1.0;
                let token = &hidden[(r * width + t) * DIM..(r * width + t + 1) * DIM];
                v.iter_mut().zip(token).for_each(|(a, b)| *a += b);
            }
            if count > 0.0 {
                v.iter_mut().for_each(|a| *a /= count);
            }
            normalize(&mut v);
            v
        })
        .collect()
}

fn load_tokenizer(path: &Path, max_tokens: usize) -> std::result::Result<Tokenizer, String> {
    let name = "tokenizer.json";
    let bytes = read_verified(path, name).map_err(|e| e.to_string())?;
    let mut tokenizer = Tokenizer::from_bytes(bytes).map_err(|e| format!("{name}: {e}"))?;
    // The file pads every text to a fixed 128; padding is done per batch here instead.
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: max_tokens,
            ..TruncationParams::default()
        }))
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(tokenizer)
}

/// The process's ONNX Runtime environment, loading the library on first use: from
/// `ORT_DYLIB_PATH` when set, else [`ORT_DYLIB_NAME`] in `model_dir`; either way only once
/// its sha256 is the one `models/MANIFEST` lists for [`ORT_DYLIB_NAME`].
///
/// This is the crate's one piece of process-global state, because ONNX Runtime allows one
/// environment per process (ort refuses a second even after the first is dropped). The
/// benchmark's bare-`ort` reference creates its sessions in it too.
pub fn onnx_environment(model_dir: &Path) -> std::result::Result<Environment, String> {
    static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();
    // ort refuses a second environment, so two threads loading the model at once must not
    // both build one: the second waits here and takes the first one's.
    static BUILDING: Mutex<()> = Mutex::new(());
    if let Some(environment) = ENVIRONMENT.get() {
        return Ok(environment.clone());
    }
    let _building = BUILDING.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(environment) = ENVIRONMENT.get() {
        return Ok(environment.clone());
    }
    let dylib = std::env::var_os("ORT_DYLIB_PATH")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| model_dir.join(ORT_DYLIB_NAME));
    if !dylib.is_file() {
        return Err(format!(
            "ONNX Runtime library {} not found",
            dylib.display()
        ));
    }
    // The loader reads the file once more; swapping it in between needs write access to
    // a place the user or the installation chose, not just a planted checkout.
    read_verified(&dylib, ORT_DYLIB_NAME)
        .map_err(|e| format!("ONNX Runtime library {}: {e}", dylib.display()))?;
    let environment = ort::init_from(&dylib)
        .map_err(|e| format!("ONNX Runtime {} could not be loaded: {e}", dylib.display()))?
        .with_name("sift")
        .build()
        .map_err(|e| format!("ONNX Runtime environment: {e}"))?;
    // Large tensors are mapped on their own and unmapped when freed (see `heap`), also in
    // processes whose `main` did not tune the allocator (tests, benchmarks).
    crate::heap::tune_allocator();
    Ok(ENVIRONMENT.get_or_init(|| environment).clone())
}

/// Drops the session of `shared` if it has not been used for `idle`.
fn release_if_idle(shared: &Shared, idle: Duration) {
    // Never wait behind a running batch: that one is by definition not idle.
    let Ok(mut slot) = shared.slot.try_lock() else {
        return;
    };
    if slot.session.is_some() && slot.last_used.elapsed() >= idle {
        slot.session = None;
        drop(slot);
        crate::heap::release_freed_memory();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_fill_a_token_budget_padded_to_their_longest_text() {
        let options = EmbedOptions {
            batch_tokens: 64,
            max_batch: 4,
            ..EmbedOptions::default()
        };
        // Titles of 10 tokens: 4 fit (the text cap), 6 would fit the budget.
        assert_eq!(batch_sizes(&[10; 9], &options), vec![4, 4, 1]);
        // 20 tokens: 3 × 20 = 60 fits, a fourth would pad to 80.
        assert_eq!(batch_sizes(&[20; 6], &options), vec![3, 3]);
        // Growing lengths: [10, 12, 30] would pad to 90, so 30 starts a batch; 100 alone
        // exceeds the budget and still runs, by itself.
        assert_eq!(batch_sizes(&[10, 12, 30, 100], &options), vec![2, 1, 1]);
        assert!(batch_sizes(&[], &options).is_empty());
    }

    /// A panic during a batch must not leave the model unusable for good.
    #[test]
    fn the_model_recovers_from_a_panic_during_a_batch() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
        let embedder = OnnxEmbedder::load(&dir, 32).expect("run models/fetch.sh");
        let shared = embedder.shared.clone();
        let _ = std::thread::spawn(move || {
            let _slot = shared.slot.lock().unwrap();
            panic!("a bug while a batch runs");
        })
        .join();
        let vectors = embedder.embed(&["still works"]).unwrap();
        assert_eq!(vectors[0].len(), DIM);
        assert!(!embedder.shared.slot.is_poisoned());
        assert!(embedder.is_loaded());
    }

    #[test]
    fn mean_pool_ignores_padding_and_normalises() {
        // Two rows of width 2: the second row's second token is padding and must not count.
        let mut hidden = vec![0.0f32; 2 * 2 * DIM];
        hidden[0] = 1.0; // row 0, token 0
        hidden[DIM + 1] = 1.0; // row 0, token 1
        hidden[2 * DIM + 2] = 3.0; // row 1, token 0
        hidden[3 * DIM + 3] = 100.0; // row 1, padding
        let mask = [1, 1, 1, 0];
        let pooled = mean_pool(&hidden, &mask, 2, 2);
        let s = std::f32::consts::FRAC_1_SQRT_2;
        assert!((pooled[0][0] - s).abs() < 1e-6 && (pooled[0][1] - s).abs() < 1e-6);
        assert_eq!(pooled[1][2], 1.0);
        assert_eq!(pooled[1][3], 0.0);
    }
}
