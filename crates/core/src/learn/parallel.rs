//! Passes over every article split between the cores: scoring a store of 100,000 articles
//! after an answer, or valuing them all as cards, is one independent computation per row.

use std::ops::Range;

/// Rows per piece at least: large enough that starting a thread (~50 µs) is noise beside
/// its share.
pub const MIN_ROWS_PER_THREAD: usize = 8192;

/// `f` over `0..rows` in contiguous ranges, one per core (a single range, on this thread,
/// when there are few rows or one core); the pieces' results in row order.
pub fn map_ranges<T, F>(rows: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(Range<usize>) -> Vec<T> + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(rows / MIN_ROWS_PER_THREAD)
        .max(1);
    if threads == 1 {
        return f(0..rows);
    }
    let per_thread = rows.div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let pieces: Vec<_> = (0..threads)
            .map(|t| {
                let range = t * per_thread..((t + 1) * per_thread).min(rows);
                scope.spawn(move || f(range))
            })
            .collect();
        let mut out = Vec::with_capacity(rows);
        for piece in pieces {
            // A panic in a piece is a bug in `f`: carry it to the caller as it would have
            // surfaced without threads.
            out.extend(
                piece
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pieces_cover_every_row_once_in_order() {
        for rows in [0, 1, MIN_ROWS_PER_THREAD - 1, 3 * MIN_ROWS_PER_THREAD + 17] {
            let out = map_ranges(rows, |range| range.map(|i| i * 2).collect());
            assert_eq!(
                out,
                (0..rows).map(|i| i * 2).collect::<Vec<_>>(),
                "{rows} rows"
            );
        }
    }

    #[test]
    fn large_passes_run_on_several_threads_when_there_are_cores() {
        let rows = 4 * MIN_ROWS_PER_THREAD;
        let threads = map_ranges(rows, |range| {
            vec![(range.start, std::thread::current().id())]
        });
        let distinct: std::collections::HashSet<_> = threads.iter().map(|(_, id)| *id).collect();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(distinct.len(), cores.min(4));
        assert!(threads.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
