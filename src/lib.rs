//! # Measures of Success
//!
//! The engine and dashboard with which a Police and Crime Commissioner's office
//! runs its performance framework. Data flows one way:
//!
//! ```text
//!  data/force.toml, data/sources/*.toml ──► ingest::declared ──┐ (contracts)
//!  dashboards/plan.toml, measures/*.toml ──► definition ◄──────┘
//!                                                │
//!  extracts (CSV, Parquet, workbooks) ──► ingest ──► engine (DataFusion) ──► stats ──► results
//!                                                                              │
//!                                                                 web dashboard, board reports
//! ```
//!
//! - [`common`]: what every layer may use: diagnostics, digests, the shipped project files.
//! - [`definition`]: the measure language and the Plan's objectives and themes,
//!   parsed with positions and validated once.
//! - [`ingest`]: the declared sources and force, their contracts; typed Arrow
//!   batches; rejected rows with reasons.
//! - [`engine`]: definitions compiled to DataFusion queries; periods, windows, series.
//! - [`stats`]: Wilson and Poisson intervals, XmR charts and their rules, suppression.
//! - [`results`]: the results contract and its writers.
//! - [`demo`]: the deterministic generator behind the embedded demo data.
//! - [`pipeline`]: the whole run, from folders to evaluated measures.
//! - [`fixture`]: measure tests, expected figures on small fixture extracts (`mos test`).
//! - [`peers`]: most similar groups of forces, for comparing a force with its peers.
//! - [`history`]: every evaluation kept as a snapshot; what each board pack published.
//! - [`project`]: a project's folders, and `mos init` for a new force.

pub mod bits;
pub mod common;
pub mod dashboards;
pub mod definition;
pub mod demo;
pub mod engine;
pub mod fixture;
pub mod hash_sort;
pub mod history;
pub mod incremental;
pub mod ingest;
pub mod peers;
pub mod period;
pub mod pipeline;
pub mod project;
pub mod reading;
pub mod report;
pub mod results;
pub mod stats;
pub mod web;

pub use pipeline::{Error, Evaluation};
