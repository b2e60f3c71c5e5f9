//! How the process's C allocator (glibc's malloc, which Rust's global allocator uses on
//! Linux) holds memory, and giving freed memory back.
//!
//! glibc gives each thread that meets contention its own heap ("arena", up to 8 per core)
//! and keeps what is freed in it for reuse. Sift runs its work on many threads (Tauri's
//! blocking pool, ONNX Runtime's, tantivy's, the fetchers), so a large import left freed
//! memory spread over a dozen arenas of up to 64 MB each. Measured with the release app
//! importing 10,000 articles (`docs/BENCHMARKS.md`, app-import): sift-app held 738 MB PSS
//! right after the import with glibc's default and 413 MB with two arenas. Two are plenty on
//! a laptop's few cores, and the freed pages of every arena go back to the system after
//! large jobs ([`release_freed_memory`]).
//!
//! Process-wide by nature: each face calls [`tune_allocator`] first thing in `main`.

/// Heaps glibc may create (its default is 8 per core).
pub const ARENAS: i32 = 2;

/// The environment variable through which glibc takes the same limit in the processes this
/// one starts (the app's WebKit processes), which `mallopt` here cannot reach.
pub const ARENAS_ENV: &str = "MALLOC_ARENA_MAX";

/// Large blocks (ONNX Runtime's tensors, the tokenizer's buffers, big vectors) are mapped
/// on their own and unmapped when freed, instead of glibc raising its threshold to the
/// largest block freed so far (up to 32 MB), after which MB-sized blocks come from heaps
/// that fragment and never shrink. Measured with ONNX Runtime's arena off, a `sift refresh`
/// of 64 articles peaked at 575 MB with glibc's default and 331 MB with this.
const MMAP_THRESHOLD: i32 = 1 << 20;

/// Limits glibc to [`ARENAS`] heaps and maps large blocks on their own. Call before any
/// thread is started (arenas already made stay); does nothing on other platforms.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_MMAP_THRESHOLD: i32 = -3;
        const M_ARENA_MAX: i32 = -8;
        // SAFETY: mallopt only changes glibc's allocation policy; valid for any value.
        unsafe {
            mallopt(M_ARENA_MAX, ARENAS);
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        }
    }
}

/// Hands the free pages of every heap back to the system (glibc keeps them otherwise):
/// after a large job, so the process returns near its idle size.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only walks glibc's own heaps; it has no preconditions.
        unsafe {
            malloc_trim(0);
        }
    }
}
