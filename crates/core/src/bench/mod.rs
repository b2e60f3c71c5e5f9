//! Measuring Sift at the sizes readers reach: a generator for big stores and the view
//! benchmarks that run on them (`sift generate-store`, `sift bench views`), and the
//! ingestion benchmark (`sift bench ingest`). Figures go to
//! `docs/BENCHMARKS.md`, never into timed tests.

pub mod generate;
pub mod ingest;
pub mod views;
