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

/// How far a funnel's units vary beyond chance (Spiegelhalter 2005,
/// "Handling over-dispersion of performance indicators"), as FunnelPlotR and
/// PowerBI-Funnels estimate it: on a variance-stabilising scale, the
/// z-scores winsorised at their 10th and 90th percentiles, φ the mean of
/// their squares, and an additive between-unit variance τ² (DerSimonian and
/// Laird) where kφ exceeds k − 1.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Overdispersion {
    /// The dispersion ratio: 1 when the units vary by chance alone.
    pub phi: f64,
    /// The between-unit variance on the transformed scale; 0 when the test
    /// finds no overdispersion, and the limits are then the plain ones.
    pub tau2: f64,
    /// How many units it was estimated from.
    pub units: usize,
}

/// The variance-stabilising scale of a funnel: arcsine of the square root
/// for a proportion, the square root for a rate (per person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Proportion,
    Rate,
}

impl Scale {
    fn transform(self, value: f64) -> f64 {
        match self {
            Scale::Proportion => value.clamp(0.0, 1.0).sqrt().asin(),
            Scale::Rate => value.max(0.0).sqrt(),
        }
    }

    fn back(self, y: f64) -> f64 {
        match self {
            Scale::Proportion => y.clamp(0.0, std::f64::consts::FRAC_PI_2).sin().powi(2),
            Scale::Rate => y.max(0.0).powi(2),
        }
    }
}

/// A unit's standard error on the transformed scale at size `n`: 1/(2√n)
/// for both scales.
fn transformed_se(n: f64) -> f64 {
    1.0 / (2.0 * n.sqrt())
}

/// R's default quantile (type 7): linear interpolation between order
/// statistics of `sorted`.
fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (below, frac) = (h.floor() as usize, h - h.floor());
    match sorted.get(below + 1) {
        Some(next) => sorted[below] + frac * (next - sorted[below]),
        None => sorted[below],
    }
}

/// The overdispersion of `units` (numerator, size) around `target` (a
/// proportion, or a rate per person); `None` with fewer than two units.
pub fn overdispersion(scale: Scale, target: f64, units: &[(f64, f64)]) -> Option<Overdispersion> {
    let units: Vec<(f64, f64)> = units.iter().copied().filter(|(_, n)| *n > 0.0).collect();
    let k = units.len();
    if k < 2 {
        return None;
    }
    let centre = scale.transform(target);
    let mut z: Vec<f64> = units
        .iter()
        .map(|(x, n)| (scale.transform(x / n) - centre) / transformed_se(*n))
        .collect();
    let mut sorted = z.clone();
    sorted.sort_by(f64::total_cmp);
    let (low, high) = (quantile_type7(&sorted, 0.1), quantile_type7(&sorted, 0.9));
    for z in &mut z {
        *z = z.clamp(low, high);
    }
    let phi = z.iter().map(|z| z * z).sum::<f64>() / k as f64;
    let k = k as f64;
    let tau2 = if k * phi > k - 1.0 {
        let w: Vec<f64> = units
            .iter()
            .map(|(_, n)| transformed_se(*n).powi(-2))
            .collect();
        let (sum, squares) = (w.iter().sum::<f64>(), w.iter().map(|w| w * w).sum::<f64>());
        ((k * phi - (k - 1.0)) / (sum - squares / sum)).max(0.0)
    } else {
        0.0
    };
    Some(Overdispersion {
        phi,
        tau2,
        units: units.len(),
    })
}

/// The limits at size `n` allowing for a between-unit variance `tau2`:
/// back-transformed from target ± z·√(s² + τ²) on the scale's own terms
/// (`target` and the limits a proportion, or a rate per person).
pub fn adjusted_limits(scale: Scale, target: f64, n: f64, tau2: f64) -> FunnelLimits {
    let centre = scale.transform(target);
    let spread = (transformed_se(n).powi(2) + tau2).sqrt();
    let band = |p: f64| Band {
        lower: scale.back(centre - z(p) * spread),
        upper: scale.back(centre + z(p) * spread),
    };
    FunnelLimits {
        inner: band(INNER),
        outer: band(OUTER),
    }
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

    /// Overdispersion as the issue spells it out, computed independently
    /// (Python, with R's type-7 quantiles written out) for ten units of a
    /// proportion and six of a rate.
    #[test]
    fn overdispersed_limits_match_an_independent_computation() {
        let units = [
            (48.0, 120.0),
            (210.0, 600.0),
            (95.0, 310.0),
            (400.0, 1000.0),
            (33.0, 150.0),
            (520.0, 1250.0),
            (61.0, 170.0),
            (150.0, 500.0),
            (280.0, 640.0),
            (18.0, 90.0),
        ];
        let target = 0.375_776_397_515_527_94;
        let od = overdispersion(Scale::Proportion, target, &units).unwrap();
        close(od.phi, 6.938_189_181_015_828, 1e-12);
        close(od.tau2, 0.003_724_364_265_904_853, 1e-14);
        assert_eq!(od.units, 10);
        for (n, inner, outer) in [
            (
                100.0,
                (0.234_263_656_570_344_5, 0.529_075_808_101_715_3),
                (0.163_342_840_179_401_68, 0.617_164_681_171_592_1),
            ),
            (
                1000.0,
                (0.261_077_812_979_657_3, 0.498_022_717_338_288_8),
                (0.201_117_942_293_520_48, 0.569_056_271_287_417_2),
            ),
        ] {
            let l = adjusted_limits(Scale::Proportion, target, n, od.tau2);
            close(l.inner.lower, inner.0, 1e-9);
            close(l.inner.upper, inner.1, 1e-9);
            close(l.outer.lower, outer.0, 1e-9);
            close(l.outer.upper, outer.1, 1e-9);
        }
        // A rate, per person, on the square-root scale; limits per 1,000.
        let units = [
            (120.0, 50_000.0),
            (300.0, 90_000.0),
            (80.0, 40_000.0),
            (700.0, 200_000.0),
            (150.0, 30_000.0),
            (410.0, 160_000.0),
        ];
        let target = 1760.0 / 570_000.0;
        let od = overdispersion(Scale::Rate, target, &units).unwrap();
        close(od.phi, 11.904_636_146_711_63, 1e-10);
        close(od.tau2, 3.844_826_931_534_705e-5, 1e-15);
        let l = adjusted_limits(Scale::Rate, target, 100_000.0, od.tau2);
        close(l.outer.lower * 1000.0, 1.281_109_910_373_852_6, 1e-9);
        close(l.outer.upper * 1000.0, 5.676_402_605_975_816, 1e-9);
    }

    /// Units that vary by chance alone: kφ ≤ k − 1, no τ², and the adjusted
    /// limits are the normal ones on the transformed scale, which for large
    /// units are close to PHE's.
    #[test]
    fn without_overdispersion_the_limits_are_not_widened() {
        let units: Vec<(f64, f64)> = (0..12)
            .map(|i| (if i % 2 == 0 { 501.0 } else { 499.0 }, 1000.0))
            .collect();
        let od = overdispersion(Scale::Proportion, 0.5, &units).unwrap();
        assert!(od.phi < 1.0, "{od:?}");
        assert_eq!(od.tau2, 0.0);
        let adjusted = adjusted_limits(Scale::Proportion, 0.5, 10_000.0, 0.0);
        let plain = proportion_limits(0.5, 10_000.0);
        close(adjusted.outer.upper, plain.outer.upper, 2e-4);
        close(adjusted.inner.lower, plain.inner.lower, 2e-4);
        assert!(overdispersion(Scale::Proportion, 0.5, &units[..1]).is_none());
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
