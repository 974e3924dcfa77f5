//! Statistics of a set of values (minutes in police care, seconds to answer
//! a call): the mean with Student's t interval, and the median or a
//! percentile by nearest rank with the distribution-free interval from order
//! statistics.

use super::Interval;
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};

/// Which statistic of the values a measure reports.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Statistic {
    Mean,
    Median,
    /// The nearest-rank percentile at this fraction (0 < p < 1): 0.9 is the
    /// 90th percentile.
    Percentile(f64),
}

impl Statistic {
    /// "mean", "median", "90th percentile".
    pub fn name(self) -> String {
        match self {
            Statistic::Mean => "mean".into(),
            Statistic::Median => "median".into(),
            Statistic::Percentile(p) => {
                let n = (p * 1000.0).round() / 10.0;
                let whole = n.fract() == 0.0;
                let shown = if whole {
                    format!("{n:.0}")
                } else {
                    format!("{n}")
                };
                let suffix = match (whole, n as u64 % 100, n as u64 % 10) {
                    (false, _, _) => "th",
                    (true, 11..=13, _) => "th",
                    (true, _, 1) => "st",
                    (true, _, 2) => "nd",
                    (true, _, 3) => "rd",
                    _ => "th",
                };
                format!("{shown}{suffix} percentile")
            }
        }
    }
}

/// The statistic of `values` and its 95% interval; `None` without values.
/// The interval is `None` where it cannot be had (a mean of one value).
pub fn summarise(statistic: Statistic, values: &mut [f64]) -> Option<(f64, Option<Interval>)> {
    if values.is_empty() {
        return None;
    }
    // Sorted first, so that a mean sums in the same order however the values
    // arrived (a month's kept rows and its appended ones): the same bits.
    values.sort_by(f64::total_cmp);
    match statistic {
        Statistic::Mean => Some(mean_with_interval(values)),
        Statistic::Median => Some((
            median_of_sorted(values),
            Some(order_statistic_interval(values, 0.5)),
        )),
        Statistic::Percentile(p) => Some((
            values[nearest_rank(values.len(), p) - 1],
            Some(order_statistic_interval(values, p)),
        )),
    }
}

/// The middle value of `sorted` (not empty), or the mean of the middle two.
pub fn median_of_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The mean, and mean ± t(0.975, n−1) · s/√n with s on n−1 degrees of freedom.
fn mean_with_interval(values: &[f64]) -> (f64, Option<Interval>) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, None);
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .expect("at least one degree of freedom")
        .inverse_cdf(0.975);
    let half = t * variance.sqrt() / n.sqrt();
    (
        mean,
        Some(Interval {
            lower: mean - half,
            upper: mean + half,
        }),
    )
}

/// The 1-based rank of the nearest-rank `p` percentile of `n` values: the
/// smallest rank with at least `p` of the values at or below it.
pub fn nearest_rank(n: usize, p: f64) -> usize {
    // A hair below the product, so that 0.9 × 10 (9.000000000000002) is rank 9.
    ((p * n as f64 - 1e-9).ceil() as usize).clamp(1, n)
}

/// The distribution-free 95% interval of the `p` quantile of sorted `values`:
/// with B ~ Binomial(n, p), from the l-th value (l the smallest k with
/// P(B ≤ k) ≥ 0.025, at least 1) to the u-th (u the smallest k with
/// P(B ≤ k) ≥ 0.975, plus one, at most n), 1-indexed.
fn order_statistic_interval(sorted: &[f64], p: f64) -> Interval {
    let n = sorted.len();
    let binomial = Binomial::new(p, n as u64).expect("p is a fraction");
    let smallest = |target: f64| {
        (0..=n as u64)
            .find(|&k| binomial.cdf(k) >= target - 1e-12)
            .unwrap_or(n as u64) as usize
    };
    let lower = smallest(0.025).max(1);
    let upper = (smallest(0.975) + 1).min(n);
    Interval {
        lower: sorted[lower - 1],
        upper: sorted[upper - 1],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::close;

    #[test]
    fn the_mean_has_a_students_t_interval() {
        // t(0.975, 4) = 2.776445 (R's qt); s = sd(c(2, 4, 4, 5, 10)) = 3.0
        let mut values = [2.0, 4.0, 4.0, 5.0, 10.0];
        let (mean, interval) = summarise(Statistic::Mean, &mut values).unwrap();
        let interval = interval.unwrap();
        close(mean, 5.0, 1e-12);
        let half = 2.776_445_105_197_793 * 3.0 / 5f64.sqrt();
        close(interval.lower, 5.0 - half, 1e-9);
        close(interval.upper, 5.0 + half, 1e-9);
        // One value: a mean, and no interval to give.
        assert_eq!(summarise(Statistic::Mean, &mut [7.0]), Some((7.0, None)));
    }

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_two() {
        let mut odd = [9.0, 1.0, 5.0];
        assert_eq!(summarise(Statistic::Median, &mut odd).unwrap().0, 5.0);
        let mut even = [4.0, 1.0, 3.0, 10.0];
        assert_eq!(summarise(Statistic::Median, &mut even).unwrap().0, 3.5);
        assert_eq!(summarise(Statistic::Median, &mut []), None);
    }

    #[test]
    fn a_percentile_is_the_nearest_rank() {
        let mut values: Vec<f64> = (1..=10).map(f64::from).collect();
        // 9 of 10 at or below the 9th value.
        assert_eq!(
            summarise(Statistic::Percentile(0.9), &mut values)
                .unwrap()
                .0,
            9.0
        );
        assert_eq!(nearest_rank(10, 0.91), 10);
        assert_eq!(nearest_rank(10, 0.05), 1);
        assert_eq!(nearest_rank(3, 0.5), 2);
    }

    #[test]
    fn the_order_statistic_interval_follows_the_binomial() {
        // n = 20, p = 0.5: P(B ≤ 5) = 0.0207, P(B ≤ 6) = 0.0577, so l = 6;
        // P(B ≤ 13) = 0.9423, P(B ≤ 14) = 0.9793, so u = 14 + 1 = 15.
        let mut values: Vec<f64> = (1..=20).map(|v| f64::from(v) * 10.0).collect();
        let (median, interval) = summarise(Statistic::Median, &mut values).unwrap();
        assert_eq!(median, 105.0);
        assert_eq!(
            interval.unwrap(),
            Interval {
                lower: 60.0,
                upper: 150.0
            }
        );
        // A plain loop over the binomial probabilities, for the 90th percentile of 50.
        let n = 50u64;
        let mut cdf = Vec::new();
        let mut total = 0.0;
        for k in 0..=n {
            let ln = ln_choose(n, k) + k as f64 * 0.9f64.ln() + (n - k) as f64 * 0.1f64.ln();
            total += ln.exp();
            cdf.push(total);
        }
        let l = (cdf.iter().position(|&c| c >= 0.025).unwrap()).max(1);
        let u = (cdf.iter().position(|&c| c >= 0.975).unwrap() + 1).min(n as usize);
        let mut values: Vec<f64> = (1..=50).map(f64::from).collect();
        let interval = summarise(Statistic::Percentile(0.9), &mut values)
            .unwrap()
            .1
            .unwrap();
        assert_eq!(
            interval,
            Interval {
                lower: l as f64,
                upper: u as f64
            }
        );
        // Few values: the interval is the whole range, never out of bounds.
        let interval = summarise(Statistic::Median, &mut [3.0, 1.0])
            .unwrap()
            .1
            .unwrap();
        assert_eq!(
            interval,
            Interval {
                lower: 1.0,
                upper: 3.0
            }
        );
    }

    fn ln_choose(n: u64, k: u64) -> f64 {
        (1..=k).map(|i| ((n - k + i) as f64 / i as f64).ln()).sum()
    }

    #[test]
    fn statistics_are_named_as_a_reader_says_them() {
        assert_eq!(Statistic::Median.name(), "median");
        assert_eq!(Statistic::Percentile(0.9).name(), "90th percentile");
        assert_eq!(Statistic::Percentile(0.95).name(), "95th percentile");
        assert_eq!(Statistic::Percentile(0.01).name(), "1st percentile");
        assert_eq!(Statistic::Percentile(0.975).name(), "97.5th percentile");
    }
}
