//! A diagnostic, built only with the `alloc-census` feature: which threads allocated the
//! Rust heap the app still holds. heaptrack cannot run on the app on this project's
//! machines (its interpreter needs more than their 24 GB; docs/BENCHMARKS.md), so this
//! counts inside the process instead.
//!
//! Every Rust allocation gets a 16-byte header naming the thread that made it (by its
//! name: `tokio-runtime-worker`, `sift-heap-release`, `main`, ...) and the work it was
//! doing: the innermost of Sift's tracing spans entered on that thread (`snapshot`, `embed
//! queued`, ...; [`Scopes`] follows them) or the window command it was running
//! ([`Scope`], entered by `commands::blocking`). A table keeps the live bytes per name. With `SIFT_ALLOC_CENSUS=FILE` set, the table is written to FILE
//! every two seconds (live bytes and allocations per thread name, largest first), for a
//! benchmark's settled hook to copy. Memory freed on another thread is taken off the
//! allocating thread's count, so a row says who made what is still live.
//!
//! A global allocator is process-wide by nature; this is the one static state the app
//! has, and only in this diagnostic build.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU8, Ordering};

/// Thread and scope names told apart at most (later ones count as "other").
const NAMES: usize = 160;
const NAME_BYTES: usize = 80;
/// Nested scopes followed per thread (deeper ones count as their parent).
const DEPTH: usize = 16;
/// Room before each block for the tag at the least; a block aligned more strictly gets as
/// much room as its alignment, so that what follows the room keeps it.
const HEADER: usize = 16;
/// The tag of a thread whose name is being looked up, or that has none yet.
const UNTAGGED: u8 = 0;
const BUSY: u8 = u8::MAX;

pub struct Census;

/// Live blocks by size: below 64 bytes, 256, 1 KiB, 4 KiB, 64 KiB, 1 MiB, and above.
const SIZES: usize = 7;
const SIZE_LIMITS: [usize; SIZES - 1] = [64, 256, 1 << 10, 4 << 10, 64 << 10, 1 << 20];

fn size_class(size: usize) -> usize {
    SIZE_LIMITS
        .iter()
        .position(|&l| size < l)
        .unwrap_or(SIZES - 1)
}

struct Table {
    live_bytes: [AtomicIsize; NAMES],
    live_blocks: [AtomicIsize; NAMES],
    bytes_by_size: [[AtomicIsize; SIZES]; NAMES],
    names: [[AtomicU8; NAME_BYTES]; NAMES],
    used: [AtomicBool; NAMES],
}

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicIsize = AtomicIsize::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const ZEROS: [AtomicIsize; SIZES] = [ZERO; SIZES];
#[allow(clippy::declare_interior_mutable_const)]
const NO_BYTE: AtomicU8 = AtomicU8::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const NO_NAME: [AtomicU8; NAME_BYTES] = [NO_BYTE; NAME_BYTES];
#[allow(clippy::declare_interior_mutable_const)]
const FREE: AtomicBool = AtomicBool::new(false);

static TABLE: Table = Table {
    live_bytes: [ZERO; NAMES],
    live_blocks: [ZERO; NAMES],
    bytes_by_size: [ZEROS; NAMES],
    names: [NO_NAME; NAMES],
    used: [FREE; NAMES],
};

thread_local! {
    static TAG: Cell<u8> = const { Cell::new(UNTAGGED) };
    /// The scopes entered on this thread, innermost last (`SCOPE_DEPTH` of them).
    static SCOPES: Cell<[&'static str; DEPTH]> = const { Cell::new([""; DEPTH]) };
    static SCOPE_DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Counts what this thread allocates under `name` until [`leave_scope`].
fn enter_scope(name: &'static str) {
    let depth = SCOPE_DEPTH.get();
    if depth < DEPTH {
        let mut scopes = SCOPES.get();
        scopes[depth] = name;
        SCOPES.set(scopes);
    }
    SCOPE_DEPTH.set(depth + 1);
    TAG.set(UNTAGGED);
}

fn leave_scope() {
    SCOPE_DEPTH.set(SCOPE_DEPTH.get().saturating_sub(1));
    TAG.set(UNTAGGED);
}

fn current_scope() -> &'static str {
    match SCOPE_DEPTH.try_with(Cell::get).unwrap_or(0) {
        0 => "",
        depth => SCOPES
            .try_with(|s| s.get()[depth.min(DEPTH) - 1])
            .unwrap_or(""),
    }
}

/// Names a command's work by its closure's type (`sift_app_lib::commands::recommend::
/// {{closure}}::{{closure}}` → `commands::recommend`).
fn short_scope(type_name: &'static str) -> &'static str {
    let name = type_name.split("::{{closure}}").next().unwrap_or(type_name);
    name.strip_prefix("sift_app_lib::").unwrap_or(name)
}

/// What a window command allocates while this lives counts under the command's name.
pub struct Scope(());

impl Scope {
    /// `F` is the command's work: its type names the command.
    pub fn of<F>() -> Self {
        enter_scope(short_scope(std::any::type_name::<F>()));
        Self(())
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        leave_scope();
    }
}

/// A tracing subscriber that only follows which of Sift's spans each thread is in, for the
/// census: installed instead of `SIFT_TRACE`'s span log when the census runs. A span's id
/// is its callsite's static metadata, so entering one allocates nothing.
pub struct Scopes;

impl tracing::Subscriber for Scopes {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.is_span() && metadata.target().starts_with("sift")
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let metadata: &'static tracing::Metadata<'static> = span.metadata();
        tracing::span::Id::from_u64(metadata as *const _ as u64)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, _: &tracing::Event<'_>) {}

    fn enter(&self, span: &tracing::span::Id) {
        // SAFETY: every id this subscriber hands out is the address of a callsite's
        // `&'static Metadata` (new_span above).
        let metadata = unsafe { &*(span.into_u64() as *const tracing::Metadata<'static>) };
        enter_scope(metadata.name());
    }

    fn exit(&self, _: &tracing::span::Id) {
        leave_scope();
    }
}

/// This thread's slot in the table (0, "unnamed or other", while it is being found).
fn tag() -> usize {
    let current = TAG.try_with(Cell::get).unwrap_or(BUSY);
    match current {
        BUSY => 0,
        UNTAGGED => {
            let _ = TAG.try_with(|t| t.set(BUSY));
            // May allocate (the thread's handle): those allocations see BUSY and count as 0.
            let thread = std::thread::current();
            let thread_name = thread.name().unwrap_or("unnamed");
            // "thread / scope" in a buffer on the stack: allocating here would recurse.
            let mut name = [0u8; NAME_BYTES];
            let mut len = 0;
            let scope = current_scope();
            let parts: [&[u8]; 3] = if scope.is_empty() {
                [thread_name.as_bytes(), b"", b""]
            } else {
                [thread_name.as_bytes(), b" / ", scope.as_bytes()]
            };
            for byte in parts.iter().flat_map(|p| p.iter()) {
                if len == NAME_BYTES {
                    break;
                }
                name[len] = *byte;
                len += 1;
            }
            let slot = slot_for(&name[..len]);
            let _ = TAG.try_with(|t| t.set(slot as u8));
            slot
        }
        slot => slot as usize,
    }
}

/// The table's slot for `name` (slot 0 is "unnamed or other").
fn slot_for(name: &[u8]) -> usize {
    let name = &name[..name.len().min(NAME_BYTES)];
    for slot in 1..NAMES {
        if TABLE.used[slot].load(Ordering::Acquire) {
            if holds(slot, name) {
                return slot;
            }
            continue;
        }
        // Claim the slot; another thread may race for it, then look again.
        if TABLE.used[slot]
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            for (i, b) in name.iter().enumerate() {
                TABLE.names[slot][i].store(*b, Ordering::Relaxed);
            }
            return slot;
        }
        if holds(slot, name) {
            return slot;
        }
    }
    0
}

/// Whether `slot` is named `name`, compared in place: this runs inside the allocator,
/// after every scope a thread enters or leaves, so it must not allocate.
fn holds(slot: usize, name: &[u8]) -> bool {
    let stored = &TABLE.names[slot];
    name.iter()
        .zip(stored)
        .all(|(b, s)| s.load(Ordering::Relaxed) == *b)
        && stored
            .get(name.len())
            .is_none_or(|s| s.load(Ordering::Relaxed) == 0)
}

/// The name of `slot`, for the report.
fn name_at(slot: usize) -> Vec<u8> {
    TABLE.names[slot]
        .iter()
        .map(|b| b.load(Ordering::Relaxed))
        .take_while(|&b| b != 0)
        .collect()
}

/// The room before a block of `layout`: a multiple of its alignment, at least HEADER.
fn room(layout: Layout) -> usize {
    layout.align().max(HEADER)
}

fn outer(layout: Layout) -> Option<Layout> {
    Layout::from_size_align(layout.size().checked_add(room(layout))?, room(layout)).ok()
}

impl Census {
    /// Counts a block of `layout` made by this thread and writes its tag before it.
    ///
    /// # Safety
    /// `base` is null or a block of `outer(layout)`.
    unsafe fn tagged(base: *mut u8, layout: Layout) -> *mut u8 {
        if base.is_null() {
            return base;
        }
        let slot = tag();
        let size = layout.size() as isize;
        TABLE.live_bytes[slot].fetch_add(size, Ordering::Relaxed);
        TABLE.live_blocks[slot].fetch_add(1, Ordering::Relaxed);
        TABLE.bytes_by_size[slot][size_class(layout.size())].fetch_add(size, Ordering::Relaxed);
        // SAFETY: the block is `room` bytes longer than asked and aligned to `room`, a
        // multiple of the alignment asked for.
        unsafe {
            base.write(slot as u8);
            base.add(room(layout))
        }
    }
}

unsafe impl GlobalAlloc for Census {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(outer) = outer(layout) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `outer` has a non-zero size (at least HEADER bytes of room).
        unsafe { Self::tagged(System.alloc(outer), layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let Some(outer) = outer(layout) else {
            return std::ptr::null_mut();
        };
        // Through calloc, as without the census: untouched zero pages stay unresident.
        // SAFETY: `outer` has a non-zero size (at least HEADER bytes of room).
        unsafe { Self::tagged(System.alloc_zeroed(outer), layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout: the header precedes it.
        unsafe {
            let base = ptr.sub(room(layout));
            let slot = usize::from(base.read()).min(NAMES - 1);
            let size = layout.size() as isize;
            TABLE.live_bytes[slot].fetch_sub(size, Ordering::Relaxed);
            TABLE.live_blocks[slot].fetch_sub(1, Ordering::Relaxed);
            TABLE.bytes_by_size[slot][size_class(layout.size())].fetch_sub(size, Ordering::Relaxed);
            System.dealloc(base, outer(layout).expect("the layout allocated"));
        }
    }
}

/// Writes the table to the file `SIFT_ALLOC_CENSUS` names every two seconds, on its own
/// thread; nothing without the variable.
pub fn start_reporting() {
    let Some(path) = std::env::var_os("SIFT_ALLOC_CENSUS") else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("sift-alloc-census".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(2));
            let mut rows: Vec<(isize, isize, usize)> = (0..NAMES)
                .map(|slot| {
                    (
                        TABLE.live_bytes[slot].load(Ordering::Relaxed),
                        TABLE.live_blocks[slot].load(Ordering::Relaxed),
                        slot,
                    )
                })
                .filter(|(bytes, blocks, _)| *bytes != 0 || *blocks != 0)
                .collect();
            rows.sort_by_key(|r| std::cmp::Reverse(r.0));
            let total: isize = rows.iter().map(|r| r.0).sum();
            let mut text = format!(
                "live Rust heap by allocating thread / scope: {:.1} MB in all\n\
                 MB by block size: <64 B, <256 B, <1 KiB, <4 KiB, <64 KiB, <1 MiB, larger\n",
                total as f64 / 1e6
            );
            for (bytes, blocks, slot) in rows {
                let name = if slot == 0 {
                    "(unnamed, other, or while naming)".to_string()
                } else {
                    String::from_utf8_lossy(&name_at(slot)).into_owned()
                };
                let sizes: Vec<String> = TABLE.bytes_by_size[slot]
                    .iter()
                    .map(|b| format!("{:.1}", b.load(Ordering::Relaxed) as f64 / 1e6))
                    .collect();
                text += &format!(
                    "{:>10.1} MB {:>10} blocks  {name}  [{}]\n",
                    bytes as f64 / 1e6,
                    blocks,
                    sizes.join(" ")
                );
            }
            let tmp = std::path::Path::new(&path).with_extension("tmp");
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, &path);
            }
        });
}
