//! Integration tests for ingestion: fixtures of every feed format, a loopback HTTP server
//! for fetching and refreshing, OPML, the store's guarantees. One test binary on purpose.

mod server;

mod engine;
mod fetching;
mod fuzz;
mod icons;
mod ingest;
mod limits;
mod opml;
mod parsing;
mod shapes;
mod store;
mod throughput;
mod whole;
