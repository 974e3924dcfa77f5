//! The integration tests, as one binary: one link of the library instead of
//! one per file, which keeps a clean build (and `cargo test --release`, which
//! shares its build with `cargo run --release`) quick. `tests/alerts.rs` is
//! its own binary, for it sets the environment.

mod common;
mod support;

mod architecture;
mod browser;
mod cli;
mod commentary;
mod cymraeg;
mod declarations;
mod disclosure;
mod distributions;
mod funnels;
mod incremental;
mod operations;
mod police_uk;
mod priorities;
mod publish;
mod reference_measures;
mod report;
mod standards;
mod web;
