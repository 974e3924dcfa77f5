//! 95% confidence intervals as Public Health England's indicator methods
//! (`PHEindicatormethods`) compute them.

/// The 97.5th percentile of the standard normal distribution (`qnorm(0.975)`).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A two-sided 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

impl Interval {
    /// The same interval multiplied by `factor` (a count's interval scaled to a rate).
    pub fn scaled(self, factor: f64) -> Interval {
        Interval {
            lower: self.lower * factor,
            upper: self.upper * factor,
        }
    }

    /// Whether two intervals share no value: the usual test of a significant difference
    /// between two independent estimates on a board paper.
    pub fn disjoint_from(self, other: Interval) -> bool {
        self.upper < other.lower || other.upper < self.lower
    }
}

/// Wilson score interval for `successes` out of `trials`; `None` when there are no trials.
pub fn wilson_interval(successes: u64, trials: u64) -> Option<Interval> {
    if trials == 0 || successes > trials {
        return None;
    }
    let (x, n, z) = (successes as f64, trials as f64, Z_95);
    let p = x / n;
    let centre = 2.0 * x + z * z;
    let spread = z * (z * z + 4.0 * x * (1.0 - p)).sqrt();
    let divisor = 2.0 * (n + z * z);
    Some(Interval {
        lower: (centre - spread) / divisor,
        upper: (centre + spread) / divisor,
    })
}

/// Interval for an observed count of events: exact Poisson limits below 10,
/// Byar's approximation from 10 up.
pub fn poisson_count_interval(count: u64) -> Interval {
    if count < 10 {
        exact_poisson_interval(count)
    } else {
        byar_interval(count)
    }
}

/// Byar's approximation to the Poisson interval.
pub fn byar_interval(count: u64) -> Interval {
    let x = count as f64;
    let lower = if count == 0 {
        0.0
    } else {
        x * (1.0 - 1.0 / (9.0 * x) - Z_95 / (3.0 * x.sqrt())).powi(3)
    };
    let x1 = x + 1.0;
    let upper = x1 * (1.0 - 1.0 / (9.0 * x1) + Z_95 / (3.0 * x1.sqrt())).powi(3);
    Interval {
        lower: lower.max(0.0),
        upper,
    }
}

/// Exact Poisson limits, `qchisq(0.025, 2x)/2` and `qchisq(0.975, 2x+2)/2`.
///
/// With an even number of degrees of freedom the chi-squared quantiles are the
/// means at which a Poisson tail probability is 2.5%, which a bisection on the
/// (finite) Poisson distribution function finds to machine precision without a
/// special-function library.
pub fn exact_poisson_interval(count: u64) -> Interval {
    let alpha = (1.0 - 0.95) / 2.0;
    let lower = if count == 0 {
        0.0
    } else {
        // P(X >= count | mean) = alpha  <=>  P(X <= count - 1 | mean) = 1 - alpha
        solve_decreasing(|mean| poisson_cdf(count - 1, mean), 1.0 - alpha)
    };
    let upper = solve_decreasing(|mean| poisson_cdf(count, mean), alpha);
    Interval { lower, upper }
}

/// P(X <= k) for X ~ Poisson(mean).
fn poisson_cdf(k: u64, mean: f64) -> f64 {
    let mut term = (-mean).exp();
    let mut sum = term;
    for i in 1..=k {
        term *= mean / i as f64;
        sum += term;
    }
    sum.min(1.0)
}

/// The x > 0 at which a function decreasing in x equals `target`, by bisection.
pub(super) fn solve_decreasing(f: impl Fn(f64) -> f64, target: f64) -> f64 {
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    while f(high) > target {
        high *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if f(mid) > target {
            low = mid;
        } else {
            high = mid;
        }
        if high - low <= f64::EPSILON * high {
            break;
        }
    }
    0.5 * (low + high)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::close;

    #[test]
    fn wilson_matches_published_value_for_32_of_81() {
        // Reference from shared/data/real/SOURCES.md (stop and search outcomes, Nov 2016).
        let interval = wilson_interval(32, 81).unwrap();
        close(interval.lower, 0.295681, 5e-7);
        close(interval.upper, 0.503945, 5e-7);
    }

    #[test]
    fn wilson_handles_the_edges() {
        // PHEindicatormethods phe_proportion(0, 10) and (10, 10).
        let none = wilson_interval(0, 10).unwrap();
        close(none.lower, 0.0, 1e-12);
        close(none.upper, 0.2775328, 5e-7);
        let all = wilson_interval(10, 10).unwrap();
        close(all.lower, 0.7224672, 5e-7);
        close(all.upper, 1.0, 1e-12);
        assert_eq!(wilson_interval(1, 0), None);
    }

    #[test]
    fn exact_poisson_limits_match_tables() {
        // Garwood's exact 95% limits, as printed in standard tables.
        let expected = [
            (0, 0.0, 3.688879),
            (1, 0.025318, 5.571643),
            (2, 0.242209, 7.224688),
            (5, 1.623486, 11.668332),
            (9, 4.115373, 17.084803),
        ];
        for (count, lower, upper) in expected {
            let interval = poisson_count_interval(count);
            close(interval.lower, lower, 5e-6);
            close(interval.upper, upper, 5e-6);
        }
    }

    #[test]
    fn byar_used_from_ten_up() {
        // Byar's formula as published (Breslow & Day 1987), evaluated by hand for 65.
        let interval = poisson_count_interval(65);
        close(interval.lower, 50.163188, 5e-6);
        close(interval.upper, 82.849139, 5e-6);
        // At 10, Byar's approximation applies, not Garwood's exact limits (4.795389, 18.390356).
        let ten = poisson_count_interval(10);
        close(ten.lower, 4.787450, 5e-6);
        close(ten.upper, 18.391459, 5e-6);
        let exact_ten = exact_poisson_interval(10);
        close(exact_ten.lower, 4.795389, 5e-6);
        close(exact_ten.upper, 18.390356, 5e-6);
        // And it stays close to the exact limits for large counts (Garwood, x = 100).
        let hundred = poisson_count_interval(100);
        close(hundred.lower, 81.363886, 2e-2);
        close(hundred.upper, 121.627954, 2e-2);
    }

    #[test]
    fn disjoint_intervals_are_significant() {
        let a = Interval {
            lower: 0.80,
            upper: 0.84,
        };
        let b = Interval {
            lower: 0.85,
            upper: 0.88,
        };
        assert!(a.disjoint_from(b) && b.disjoint_from(a));
        assert!(!a.disjoint_from(Interval {
            lower: 0.83,
            upper: 0.9
        }));
    }
}
