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
//! Threads also keep freed small blocks for themselves (glibc's per-thread caches), which
//! keeps their pages from going back; the app turns those caches off for itself and its
//! WebKit processes ([`run_again_without_thread_cache`]), the CLI, whose process ends
//! anyway, does not.
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

/// The environment variable through which glibc takes its tunables. It reads them only when
/// a process starts, so a process sets them for the processes it starts, or for itself by
/// running itself again ([`run_again_without_thread_cache`]).
pub const TUNABLES_ENV: &str = "GLIBC_TUNABLES";

/// The tunable that turns glibc's per-thread caches of freed blocks off. Each thread keeps
/// up to 7 freed blocks of each of 64 small sizes for its own next allocations; to the heap
/// they are in use, so no page holding one goes back to the system, and a long-lived app
/// has dozens of threads (the async runtime's, sled's, tantivy's, WebKit's). Measured with
/// the release app importing 10,000 summaries (`scripts/bench/app-import.mjs`, docs/
/// BENCHMARKS.md, session 11), sift-app settled at 172–185 MB PSS over four runs with the
/// caches off (median 178) against 185–188 with them (median 186), the whole app ~10 MB
/// lighter, views as fast.
pub const NO_THREAD_CACHE: &str = "glibc.malloc.tcache_count=0";

/// `current` (the tunables' variable, if set) with the per-thread caches turned off; `None`
/// when nothing is to change: they are off already, or whoever started us chose a count.
pub fn tunables_without_thread_cache(current: Option<&str>) -> Option<String> {
    const KEY: &str = "glibc.malloc.tcache_count=";
    match current.map(str::trim) {
        None | Some("") => Some(NO_THREAD_CACHE.to_string()),
        Some(tunables) if tunables.split(':').any(|t| t.starts_with(KEY)) => None,
        Some(tunables) => Some(format!("{tunables}:{NO_THREAD_CACHE}")),
    }
}

/// Runs this program again, in this same process (`exec`), with glibc's per-thread caches
/// off ([`NO_THREAD_CACHE`]) unless they already are: does not return then. Returns when
/// nothing was to change, on other platforms, or when running again failed (said on stderr;
/// the program goes on with the caches, only holding more memory). Call first thing in
/// `main`, before any thread starts. Processes started afterwards inherit the setting.
pub fn run_again_without_thread_cache() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        let current = std::env::var(TUNABLES_ENV).ok();
        let Some(tunables) = tunables_without_thread_cache(current.as_deref()) else {
            return;
        };
        let program = match std::env::current_exe() {
            Ok(program) => program,
            Err(e) => {
                eprintln!("sift: could not find this program to run it again: {e}");
                return;
            }
        };
        let mut args = std::env::args_os();
        let mut again = std::process::Command::new(&program);
        if let Some(name) = args.next() {
            again.arg0(name);
        }
        let e = again.args(args).env(TUNABLES_ENV, tunables).exec();
        eprintln!("sift: could not run {} again: {e}", program.display());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_caches_are_turned_off_once_and_a_chosen_count_is_kept() {
        assert_eq!(
            tunables_without_thread_cache(None).as_deref(),
            Some(NO_THREAD_CACHE)
        );
        assert_eq!(
            tunables_without_thread_cache(Some(" ")).as_deref(),
            Some(NO_THREAD_CACHE)
        );
        // Other tunables stay, in front.
        assert_eq!(
            tunables_without_thread_cache(Some("glibc.malloc.arena_max=2")).as_deref(),
            Some("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0")
        );
        // Off already (the second start), or a count someone chose: nothing to change, so
        // the program is not run again.
        assert_eq!(tunables_without_thread_cache(Some(NO_THREAD_CACHE)), None);
        assert_eq!(
            tunables_without_thread_cache(Some(
                "glibc.malloc.tcache_count=3:glibc.malloc.arena_max=1"
            )),
            None
        );
    }
}
