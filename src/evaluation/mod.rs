//! The evaluation's lifecycle: a run from folders to evaluated measures
//! ([`pipeline`]), the work kept for the next month's run ([`incremental`]),
//! every evaluation kept as a snapshot and what each pack published
//! ([`history`]), the results contract and its writers ([`results`]), and
//! measure tests on fixture extracts ([`fixture`]).
//! Below it: definitions, ingest, engine and statistics; above it:
//! presentation, the dashboard and the packs.

pub mod fixture;
pub mod history;
pub mod incremental;
pub mod pipeline;
pub mod results;

pub use pipeline::{Error, Evaluation};
