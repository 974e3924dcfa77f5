//! Whether two independent estimates differ: the interval of their difference by
//! the method of variance estimates recovery (MOVER), which for two Wilson
//! intervals is Newcombe's hybrid score interval.

use super::Interval;

/// The 95% interval of `later - earlier`, from each estimate and its own interval.
pub fn difference_interval(
    later: f64,
    later_ci: Interval,
    earlier: f64,
    earlier_ci: Interval,
) -> Interval {
    let d = later - earlier;
    Interval {
        lower: d - ((later - later_ci.lower).powi(2) + (earlier_ci.upper - earlier).powi(2)).sqrt(),
        upper: d + ((later_ci.upper - later).powi(2) + (earlier - earlier_ci.lower).powi(2)).sqrt(),
    }
}

/// How a figure moved, judged by the interval of the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    SignificantRise,
    SignificantFall,
    NoSignificantChange,
}

pub fn classify(difference: Interval) -> Change {
    if difference.lower > 0.0 {
        Change::SignificantRise
    } else if difference.upper < 0.0 {
        Change::SignificantFall
    } else {
        Change::NoSignificantChange
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::wilson_interval;

    #[test]
    fn newcombe_example_56_of_70_against_48_of_80() {
        // Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10: 0.0524 to 0.3339.
        let d = difference_interval(
            56.0 / 70.0,
            wilson_interval(56, 70).unwrap(),
            48.0 / 80.0,
            wilson_interval(48, 80).unwrap(),
        );
        assert!((d.lower - 0.0524).abs() < 5e-5, "{d:?}");
        assert!((d.upper - 0.3339).abs() < 5e-5, "{d:?}");
        assert_eq!(classify(d), Change::SignificantRise);
    }

    #[test]
    fn overlapping_estimates_are_no_significant_change() {
        let d = difference_interval(
            0.52,
            wilson_interval(52, 100).unwrap(),
            0.50,
            wilson_interval(50, 100).unwrap(),
        );
        assert_eq!(classify(d), Change::NoSignificantChange);
        let fall = difference_interval(
            0.30,
            wilson_interval(300, 1000).unwrap(),
            0.40,
            wilson_interval(400, 1000).unwrap(),
        );
        assert_eq!(classify(fall), Change::SignificantFall);
    }
}
