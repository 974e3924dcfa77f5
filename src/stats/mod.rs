//! Statistics on aggregated figures: intervals, statistical process control and
//! small-number suppression. Pure functions over numbers; nothing here knows of
//! Arrow, DataFusion or files.

pub mod change;
pub mod distribution;
pub mod events;
pub mod funnel;
pub mod intervals;
pub mod spc;
pub mod suppression;

pub use intervals::{Interval, poisson_count_interval, wilson_interval};
pub use spc::{Polarity, Prime, Signal, XmrChart, XmrLimits, prime_chart, xmr_chart};

/// For the tests of each statistic: `actual` within `tolerance` of a published value.
#[cfg(test)]
pub(crate) fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}
