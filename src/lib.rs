//! # Measures of Success
//!
//! The engine and dashboard with which a Police and Crime Commissioner's office
//! runs its performance framework. Data flows one way, and so do the modules'
//! dependencies (`tests/suite/architecture.rs` proves it):
//!
//! ```text
//!  data/force.toml, data/sources/*.toml ──► ingest::declared ──┐ (contracts)
//!  dashboards/plan.toml, measures/*.toml ──► definition ◄──────┘
//!                                                │
//!  extracts (CSV, Parquet, workbooks) ──► ingest ──► engine (DataFusion) ──► stats
//!                                                         │
//!                         evaluation (run, kept work, snapshots, results)
//!                                                         │
//!                         presentation (readings, sentences, charts, formats)
//!                                                         │
//!                                      web dashboard ──► board reports
//! ```
//!
//! - [`common`]: what every layer may use: periods, diagnostics, digests,
//!   private atomic writes, the shipped project files.
//! - [`definition`]: the measure language, the Plan's objectives and themes and
//!   its dashboard layout, parsed with positions and validated once; what each
//!   kind of measure is ([`definition::kind`]), asked rather than matched on.
//! - [`ingest`]: the declared sources and force, their contracts; typed Arrow
//!   batches; rejected rows with reasons; peer groups; `mos init`.
//! - [`engine`]: definitions compiled to DataFusion queries; periods, windows, series.
//! - [`stats`]: Wilson and Poisson intervals, XmR charts and their rules,
//!   suppression, means, medians and percentiles, funnel limits.
//! - [`evaluation`]: the whole run from folders to evaluated measures, the work
//!   kept between runs, snapshots and publications, the results contract,
//!   and measure tests.
//! - [`presentation`]: how a measure reads and is said, drawn and formatted,
//!   for the dashboard and the packs alike; its HTML pieces are maud markup,
//!   every value escaped.
//! - [`web`]: the axum dashboard and API; [`report`]: the board packs.
//! - [`demo`]: the deterministic generator behind the embedded demo data.
//! - [`operations`]: keeping an installation over years (backup, restore).

pub mod common;
pub mod definition;
pub mod demo;
pub mod engine;
pub mod evaluation;
pub mod ingest;
pub mod operations;
pub mod presentation;
pub mod report;
pub mod stats;
pub mod web;

pub use evaluation::{Error, Evaluation};
// Shorter names, kept for the library's users.
pub use common::period;
pub use definition::dashboards;
pub use evaluation::fixture;
pub use evaluation::{history, incremental, pipeline, results};
pub use ingest::{peers, project};
pub use presentation::reading;
