//! Funnel plot limits (Spiegelhalter 2005) as Public Health England's
//! `PHEindicatormethods` computes them: around the overall value, the band a
//! unit of a given size falls in by chance alone, at 95% and 99.8%.

use super::intervals::solve_decreasing;
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::gamma::gamma_lr;

/// The two limits at one size.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Band {
    pub lower: f64,
    pub upper: f64,
}

/// The 95% and 99.8% limits at one size.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FunnelLimits {
    pub inner: Band,
    pub outer: Band,
}

/// Where a unit lies against the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Above the 99.8% limit.
    AboveOuter,
    /// Above the 95% limit, within the 99.8%.
    AboveInner,
    Within,
    BelowInner,
    BelowOuter,
}

impl FunnelLimits {
    pub fn place(&self, value: f64) -> Placement {
        if value > self.outer.upper {
            Placement::AboveOuter
        } else if value < self.outer.lower {
            Placement::BelowOuter
        } else if value > self.inner.upper {
            Placement::AboveInner
        } else if value < self.inner.lower {
            Placement::BelowInner
        } else {
            Placement::Within
        }
    }
}

/// The two probabilities PHE draws funnels at: 95% and 99.8% two-sided.
const INNER: f64 = 0.975;
const OUTER: f64 = 0.999;

fn z(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Limits for a proportion (a fraction 0..1) of `denominator` around the
/// overall fraction `average`: PHE's `sigma_adjustment`, the Wilson score
/// limits solved for the proportion at which the unit's interval touches
/// the average.
pub fn proportion_limits(average: f64, denominator: f64) -> FunnelLimits {
    let band = |p: f64| {
        let z2 = z(p).powi(2);
        let n = denominator;
        let first = average * (n / z2 + 1.0);
        let adjustment = ((-8.0 * average * (n / z2 + 1.0)).powi(2)
            - 64.0
                * (1.0 / z2 + 1.0 / n)
                * average
                * (n * (average * (n / z2 + 2.0) - 1.0) + z2 * (average - 1.0)))
            .max(0.0)
            .sqrt();
        let last = 1.0 / z2 + 1.0 / n;
        Band {
            lower: ((first - adjustment / 8.0) / last / n).max(0.0),
            upper: ((first + adjustment / 8.0) / last / n).min(1.0),
        }
    };
    FunnelLimits {
        inner: band(INNER),
        outer: band(OUTER),
    }
}

/// Limits for a rate per `per` people of `population` around the overall
/// rate `average`, by exact Poisson limits on the count as PHE's
/// `poisson_funnel` draws them: the upper limit is the count whose exact
/// lower confidence limit is the expected count, and the lower limit the
/// count whose exact upper confidence limit is.
pub fn rate_limits(average: f64, population: f64, per: f64) -> FunnelLimits {
    let expected = average * population / per;
    let scale = per / population;
    let band = |p: f64| {
        let tail = 1.0 - p;
        Band {
            lower: count_with_upper_limit(expected, tail) * scale,
            upper: count_with_lower_limit(expected, tail) * scale,
        }
    };
    FunnelLimits {
        inner: band(INNER),
        outer: band(OUTER),
    }
}

/// The (continuous) count x whose exact lower limit, qchisq(tail, 2x)/2, is
/// `expected`: P(Gamma(x) ≤ expected) = tail, decreasing in x.
fn count_with_lower_limit(expected: f64, tail: f64) -> f64 {
    if expected <= 0.0 {
        return 0.0;
    }
    solve_decreasing(|x| gamma_lr(x, expected), tail)
}

/// The count x whose exact upper limit, qchisq(1 − tail, 2x + 2)/2, is
/// `expected`; 0 where even a count of none has an upper limit above it.
fn count_with_upper_limit(expected: f64, tail: f64) -> f64 {
    if expected <= 0.0 || gamma_lr(1.0, expected) <= 1.0 - tail {
        return 0.0;
    }
    solve_decreasing(|x| gamma_lr(x + 1.0, expected), 1.0 - tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::close;
    use crate::stats::intervals::exact_poisson_interval;

    /// PHEindicatormethods' test data (testFunnels.R): proportions with
    /// multiplier 100 around a baseline of 80.642448.
    #[test]
    fn proportion_limits_match_phe_published_values() {
        let average = 0.806_424_48;
        for (n, inner, outer) in [
            (539.0, (77.306_949, 83.977_947), (75.383_44, 85.901_456)),
            (
                110_000.0,
                (80.408_963, 80.875_933),
                (80.274_317, 81.010_579),
            ),
        ] {
            let limits = proportion_limits(average, n);
            close(limits.inner.lower * 100.0, inner.0, 5e-6);
            close(limits.inner.upper * 100.0, inner.1, 5e-6);
            close(limits.outer.lower * 100.0, outer.0, 5e-6);
            close(limits.outer.upper * 100.0, outer.1, 5e-6);
        }
    }

    #[test]
    fn rate_limits_invert_the_exact_poisson_interval() {
        // At an expected count equal to the exact lower limit of 20 events,
        // 20 is the upper 95% funnel count; at the exact upper limit of 20,
        // 20 is the lower one.
        let per = 1000.0;
        let population = 50_000.0;
        let ci = exact_poisson_interval(20);
        let rate = |events: f64| events * per / population;
        let at_lower = rate_limits(rate(ci.lower), population, per);
        close(at_lower.inner.upper, rate(20.0), 1e-6);
        let at_upper = rate_limits(rate(ci.upper), population, per);
        close(at_upper.inner.lower, rate(20.0), 1e-6);
        // The funnel narrows, relative to the average, as the population grows.
        let small = rate_limits(5.0, 2_000.0, per);
        let large = rate_limits(5.0, 2_000_000.0, per);
        assert!(small.outer.upper - small.outer.lower > large.outer.upper - large.outer.lower);
        assert!(small.outer.lower < small.inner.lower && small.inner.upper < small.outer.upper);
        assert!(large.inner.lower < 5.0 && 5.0 < large.inner.upper);
        // Few expected events: the lower limit is none.
        assert_eq!(rate_limits(1.0, 1_000.0, per).outer.lower, 0.0);
    }

    /// PHE's published vectors for `poisson_funnel` (PHStatsMethods'
    /// test_funnels): the expected count at which 200 events are the upper
    /// 95% limit is 173.24086241121654, and at which 500 are the lower
    /// 99.8% limit 573.0274767209943. Our limits invert them.
    #[test]
    fn rate_limits_match_phe_poisson_funnel_vectors() {
        close(
            count_with_lower_limit(173.240_862_411_216_54, 0.025),
            200.0,
            1e-3,
        );
        close(
            count_with_upper_limit(573.027_476_720_994_3, 0.001),
            500.0,
            1e-3,
        );
        // The same through the rates: per 1,000 of 100,000 people.
        let limits = rate_limits(1.732_408_624_112_165_4, 100_000.0, 1000.0);
        close(limits.inner.upper, 2.0, 1e-5);
        let limits = rate_limits(5.730_274_767_209_943, 100_000.0, 1000.0);
        close(limits.outer.lower, 5.0, 1e-5);
    }

    #[test]
    fn units_are_placed_against_both_limits() {
        let limits = proportion_limits(0.5, 100.0);
        assert_eq!(limits.place(0.5), Placement::Within);
        assert_eq!(
            limits.place(limits.inner.upper + 1e-6),
            Placement::AboveInner
        );
        assert_eq!(limits.place(0.99), Placement::AboveOuter);
        assert_eq!(
            limits.place(limits.inner.lower - 1e-6),
            Placement::BelowInner
        );
        assert_eq!(limits.place(0.01), Placement::BelowOuter);
    }
}
