//! # Measures of Success
//!
//! The engine and dashboard with which a Police and Crime Commissioner's office
//! runs its performance framework. Data flows one way:
//!
//! ```text
//!  measures/*.toml ──► definition ──┐
//!                                   ▼
//!  extracts (CSV, Parquet) ──► ingest ──► engine (DataFusion) ──► stats ──► results
//!                                                                   │
//!                                                      web dashboard, board reports
//! ```
//!
//! - [`definition`]: the measure language, parsed with positions and validated once.
//! - [`ingest`]: the extract contracts; typed Arrow batches; rejected rows with reasons.
//! - [`engine`]: definitions compiled to DataFusion queries; periods, windows, series.
//! - [`stats`]: Wilson and Poisson intervals, XmR charts and their rules, suppression.
//! - [`results`]: the results contract and its writers.
//! - [`demo`]: the deterministic generator behind the embedded demo data.
//! - [`pipeline`]: the whole run, from folders to evaluated measures.
//! - [`fixture`]: measure tests, expected figures on small fixture extracts (`mos test`).
//! - [`peers`]: most similar groups of forces, for comparing a force with its peers.
//! - [`history`]: every evaluation kept as a snapshot; what each board pack published.

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
