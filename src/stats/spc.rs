//! XmR charts and their special-cause rules, as NHS England's "Making Data Count"
//! and the `NHSRplotthedots` package define them.

use std::ops::Range;

/// Scaling of the mean moving range to the process limits (3 sigma).
const LIMIT: f64 = 2.66;
/// Scaling to the near-limit lines (2 sigma).
const NEAR_LIMIT: f64 = 2.0 * LIMIT / 3.0;
/// Points in a run on one side of the mean, or in a trend, that make a signal,
/// as Making Data Count reads them (a Plan may say 6).
pub const MDC_RUN_LENGTH: usize = 7;

/// Which direction of change is good news.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
    /// Neither direction is better (e.g. reporting that should neither rise nor fall).
    Neutral,
}

/// What a special-cause point means, by the measure's polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Improvement,
    Concern,
    SpecialCause,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Improvement => "improvement",
            Signal::Concern => "concern",
            Signal::SpecialCause => "special_cause",
        }
    }
}

/// The centre line and limits of an XmR chart.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct XmrLimits {
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
    pub near_lower: f64,
    pub near_upper: f64,
}

/// Limits, and the signal (if any) of every point.
#[derive(Debug, Clone, PartialEq)]
pub struct XmrChart {
    pub limits: XmrLimits,
    /// Each point's own limits, where they vary with its denominator (p′ and
    /// u′ charts); empty where every point has `limits`.
    pub point_limits: Vec<XmrLimits>,
    pub signals: Vec<Option<Signal>>,
}

/// Laney's large-sample charts, as PowerBI-SPC draws them: for a proportion
/// (p′) or a rate (u′) whose denominators are so large that the binomial or
/// Poisson limits are far too narrow for real month-to-month variation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prime {
    /// Proportions: σᵢ = √(p̄(1 − p̄)/nᵢ); limits kept within 0 to 1.
    Proportion,
    /// Rates per unit of the denominator: σᵢ = √(ū/nᵢ); limits kept above 0.
    Rate,
}

/// d₂ for moving ranges of two: the mean range of two normal values is
/// d₂ standard deviations.
pub(super) const D2: f64 = 1.128;

/// A p′ or u′ chart of `numerators` over `denominators`, values scaled by
/// `scale` (1 for a proportion, 1,000 for a rate per 1,000): the centre is
/// Σnumerators/Σdenominators of the baseline's points; each point's z-score is
/// its distance from the centre in its own binomial (Poisson) standard
/// errors; and each point's limits are the centre ± 3 (2 for the near-limit
/// lines) × its standard error × the mean moving range of the baseline's
/// z-scores / d₂. `None` when the baseline has fewer than two points, or the
/// centre is 0 (or 1 for a proportion), so that no z-score exists.
pub fn prime_chart(
    numerators: &[f64],
    denominators: &[f64],
    baseline: Range<usize>,
    prime: Prime,
    scale: f64,
    polarity: Polarity,
    run_length: usize,
) -> Option<XmrChart> {
    let (base_numerators, base_denominators) = (
        numerators.get(baseline.clone())?,
        denominators.get(baseline.clone())?,
    );
    if base_numerators.len() < 2 {
        return None;
    }
    let centre = base_numerators.iter().sum::<f64>() / base_denominators.iter().sum::<f64>();
    let variance = match prime {
        Prime::Proportion => centre * (1.0 - centre),
        Prime::Rate => centre,
    };
    if variance <= 0.0 || !variance.is_finite() {
        return None;
    }
    let standard_error = |n: f64| (variance / n).sqrt();
    let z: Vec<f64> = baseline
        .map(|i| (numerators[i] / denominators[i] - centre) / standard_error(denominators[i]))
        .collect();
    let mean_moving_range =
        z.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (z.len() - 1) as f64;
    let sigma_z = mean_moving_range / D2;
    let limits_for = |n: f64| {
        let sigma = standard_error(n) * sigma_z;
        let bounded = |v: f64| match prime {
            Prime::Proportion => v.clamp(0.0, 1.0),
            Prime::Rate => v.max(0.0),
        };
        XmrLimits {
            mean: centre * scale,
            lower: bounded(centre - 3.0 * sigma) * scale,
            upper: bounded(centre + 3.0 * sigma) * scale,
            near_lower: bounded(centre - 2.0 * sigma) * scale,
            near_upper: bounded(centre + 2.0 * sigma) * scale,
        }
    };
    let point_limits: Vec<XmrLimits> = denominators.iter().map(|&n| limits_for(n)).collect();
    let values: Vec<f64> = numerators
        .iter()
        .zip(denominators)
        .map(|(x, n)| x / n * scale)
        .collect();
    let special = special_cause_points(&values, &point_limits, run_length);
    let signals = values
        .iter()
        .zip(special)
        .map(|(&value, special)| special.then(|| meaning(value - centre * scale, polarity)))
        .collect();
    let mean_size = base_denominators.iter().sum::<f64>() / base_denominators.len() as f64;
    Some(XmrChart {
        limits: limits_for(mean_size),
        point_limits,
        signals,
    })
}

/// Computes an XmR chart over `values`, with limits from the points in `baseline`
/// (every point when the measure declares no baseline). `None` when the
/// baseline has fewer than two points, so no moving range exists.
/// Limits computed from fewer points than this are trial limits (NHS England's
/// Making Data Count guidance, as NHSRplotthedots reads it): to be revised as
/// points come in, and their signals read with care.
pub const POINTS_FOR_FIRM_LIMITS: usize = 12;

pub fn xmr_chart(
    values: &[f64],
    baseline: Range<usize>,
    polarity: Polarity,
    run_length: usize,
) -> Option<XmrChart> {
    let base = values.get(baseline)?;
    if base.len() < 2 {
        return None;
    }
    let mean = base.iter().sum::<f64>() / base.len() as f64;
    let mean_moving_range = base
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).abs())
        .sum::<f64>()
        / (base.len() - 1) as f64;
    let limits = XmrLimits {
        mean,
        lower: mean - LIMIT * mean_moving_range,
        upper: mean + LIMIT * mean_moving_range,
        near_lower: mean - NEAR_LIMIT * mean_moving_range,
        near_upper: mean + NEAR_LIMIT * mean_moving_range,
    };
    let special = special_cause_points(values, &vec![limits; values.len()], run_length);
    let signals = values
        .iter()
        .zip(special)
        .map(|(&value, special)| special.then(|| meaning(value - mean, polarity)))
        .collect();
    Some(XmrChart {
        limits,
        point_limits: Vec::new(),
        signals,
    })
}

pub(super) fn meaning(offset_from_mean: f64, polarity: Polarity) -> Signal {
    let above = offset_from_mean > 0.0;
    match polarity {
        _ if offset_from_mean == 0.0 => Signal::SpecialCause,
        Polarity::Neutral => Signal::SpecialCause,
        Polarity::HigherIsBetter if above => Signal::Improvement,
        Polarity::LowerIsBetter if !above => Signal::Improvement,
        _ => Signal::Concern,
    }
}

/// Flags the points that meet any of the four Making Data Count rules, each
/// point read against its own limits (the same for every point of an XmR chart).
pub(super) fn special_cause_points(
    values: &[f64],
    limits: &[XmrLimits],
    run_length: usize,
) -> Vec<bool> {
    let n = values.len();
    let side: Vec<i8> = values
        .iter()
        .zip(limits)
        .map(|(&v, l)| sign(v - l.mean))
        .collect();
    let outside: Vec<bool> = values
        .iter()
        .zip(limits)
        .map(|(&v, l)| v > l.upper || v < l.lower)
        .collect();
    let near: Vec<bool> = values
        .iter()
        .zip(limits)
        .zip(&outside)
        .map(|((&v, l), &out)| !out && (v > l.near_upper || v < l.near_lower))
        .collect();
    let mut flagged = outside.clone();

    // Rule 2: a run of 7 (or the Plan's length) or more on one side of the
    // mean (a point on the mean breaks it).
    mark_runs(
        &mut flagged,
        n,
        run_length,
        |i| side[i] != 0 && side[i] == side[i - 1],
        |i| side[i] != 0,
    );
    // Rule 3: 7 (or the Plan's length) or more points each strictly above (or
    // below) the one before.
    let step: Vec<i8> = (0..n)
        .map(|i| {
            if i == 0 {
                0
            } else {
                sign(values[i] - values[i - 1])
            }
        })
        .collect();
    mark_trends(&mut flagged, &step, run_length);
    // Rule 4: two of three consecutive points near a limit, all three on one side.
    for start in 0..n.saturating_sub(2) {
        let window = start..start + 3;
        let same_side = side[window.clone()]
            .iter()
            .all(|&s| s != 0 && s == side[start]);
        let near_count = near[window.clone()].iter().filter(|&&x| x).count();
        if same_side && near_count >= 2 {
            for i in window {
                flagged[i] |= near[i];
            }
        }
    }
    flagged
}

/// Marks every maximal run of at least `run_length` points, where `continues(i)` says
/// point i extends the run through point i-1 and `starts(i)` says point i can begin one.
fn mark_runs(
    flagged: &mut [bool],
    n: usize,
    run_length: usize,
    continues: impl Fn(usize) -> bool,
    starts: impl Fn(usize) -> bool,
) {
    let mut run_start = 0;
    for i in 0..=n {
        let extends = i < n && i > run_start && continues(i);
        if extends {
            continue;
        }
        if i > run_start && i - run_start >= run_length && starts(run_start) {
            flagged[run_start..i].iter_mut().for_each(|f| *f = true);
        }
        run_start = i;
    }
}

/// A trend of 7 points is 6 consecutive strictly rising (or falling) steps.
fn mark_trends(flagged: &mut [bool], step: &[i8], run_length: usize) {
    let n = step.len();
    let mut i = 1;
    while i < n {
        if step[i] == 0 {
            i += 1;
            continue;
        }
        let direction = step[i];
        let mut end = i;
        while end + 1 < n && step[end + 1] == direction {
            end += 1;
        }
        // Steps i..=end join points i-1..=end.
        if end + 1 - (i - 1) >= run_length {
            flagged[i - 1..=end].iter_mut().for_each(|f| *f = true);
        }
        i = end + 1;
    }
}

fn sign(x: f64) -> i8 {
    if x > 0.0 {
        1
    } else if x < 0.0 {
        -1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(values: &[f64]) -> XmrChart {
        xmr_chart(
            values,
            0..values.len(),
            Polarity::HigherIsBetter,
            MDC_RUN_LENGTH,
        )
        .unwrap()
    }

    fn flagged(chart: &XmrChart) -> Vec<usize> {
        chart
            .signals
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|_| i))
            .collect()
    }

    #[test]
    fn limits_follow_the_mean_moving_range() {
        // Worked by hand: mean 13, moving ranges 2,4,2,2 (mean 2.5).
        let c = chart(&[12.0, 14.0, 10.0, 12.0, 14.0, 16.0]);
        assert!((c.limits.mean - 13.0).abs() < 1e-12);
        let mr = (2.0 + 4.0 + 2.0 + 2.0 + 2.0) / 5.0;
        assert!((c.limits.upper - (13.0 + 2.66 * mr)).abs() < 1e-12);
        assert!((c.limits.lower - (13.0 - 2.66 * mr)).abs() < 1e-12);
        assert!((c.limits.near_upper - (13.0 + 2.0 / 3.0 * 2.66 * mr)).abs() < 1e-12);
    }

    #[test]
    fn a_point_beyond_a_limit_is_special_cause() {
        // Alternating either side of the mean, so only the last point can signal.
        let mut values = vec![10.0, 30.0, 10.0, 30.0, 10.0, 30.0, 10.0, 30.0, 10.0, 30.0];
        values.push(100.0);
        let c = chart(&values);
        assert_eq!(flagged(&c), vec![10]);
        assert_eq!(c.signals[10], Some(Signal::Improvement));
        let low = xmr_chart(
            &values,
            0..values.len(),
            Polarity::LowerIsBetter,
            MDC_RUN_LENGTH,
        )
        .unwrap();
        assert_eq!(low.signals[10], Some(Signal::Concern));
        let neutral =
            xmr_chart(&values, 0..values.len(), Polarity::Neutral, MDC_RUN_LENGTH).unwrap();
        assert_eq!(neutral.signals[10], Some(Signal::SpecialCause));
    }

    #[test]
    fn seven_on_one_side_is_a_shift_and_the_mean_breaks_it() {
        // Mean 10; points 1..=7 are all above it: a shift of seven.
        let values = [
            5.0, 11.0, 12.0, 11.0, 12.0, 11.0, 12.0, 11.0, 5.0, 10.0, 5.0, 5.0,
        ];
        let c = chart(&values);
        let mean = c.limits.mean;
        assert!(values[1..8].iter().all(|&v| v > mean));
        assert!((1..8).all(|i| c.signals[i].is_some()), "{:?}", c.signals);
        // Six above the mean only: no shift.
        let six = [
            5.0, 11.0, 12.0, 11.0, 12.0, 11.0, 12.0, 5.0, 9.5, 5.0, 9.0, 5.0,
        ];
        assert!(
            chart(&six).signals.iter().all(Option::is_none),
            "{:?}",
            chart(&six)
        );
    }

    #[test]
    fn a_plan_may_read_six_in_a_row_as_a_signal() {
        // Six above the mean of 8.69 (points 1..=6), then six rising (points
        // 7..=12, 4.6 up to 9.6), worked by hand: neither is a signal at
        // seven; both are at six.
        let values = [
            5.0, 11.0, 12.0, 11.0, 12.0, 11.0, 12.0, 4.6, 5.6, 6.6, 7.6, 8.6, 9.6, 5.0,
        ];
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!(values[1..7].iter().all(|&v| v > mean) && values[0] < mean && values[7] < mean);
        assert!(values[7..13].windows(2).all(|w| w[1] > w[0]));
        let at = |run| {
            let c = xmr_chart(&values, 0..values.len(), Polarity::Neutral, run).unwrap();
            flagged(&c)
        };
        assert!(at(7).is_empty(), "{:?}", at(7));
        let six: Vec<usize> = (1..=12).collect();
        assert_eq!(at(6), six);
    }

    #[test]
    fn seven_rising_points_are_a_trend_and_a_tie_breaks_it() {
        let rising = [10.0, 10.5, 10.2, 10.4, 10.6, 10.8, 11.0, 11.2, 10.1, 10.6];
        let c = chart(&rising);
        // Points 2..=7 rise each time: that is six points; with point 1 (10.5 > 10.2? no) it is not seven.
        assert!(c.signals.iter().all(Option::is_none), "{:?}", c.signals);
        let seven = [
            10.0, 10.5, 10.1, 10.2, 10.4, 10.6, 10.8, 11.0, 11.2, 10.1, 10.6,
        ];
        let c = chart(&seven);
        assert!((2..=8).all(|i| c.signals[i].is_some()), "{:?}", c.signals);
        let tied = [
            10.0, 10.5, 10.1, 10.2, 10.4, 10.4, 10.8, 11.0, 11.2, 10.1, 10.6,
        ];
        assert!(chart(&tied).signals[2..=8].iter().any(Option::is_none));
    }

    #[test]
    fn two_of_three_near_a_limit_on_one_side() {
        let mut values: Vec<f64> = (0..20)
            .map(|i| if i % 2 == 0 { 10.0 } else { 12.0 })
            .collect();
        // Mean about 11.5 and mean moving range about 2.2: near-limit line about 15.5, limit 17.5.
        values.extend([16.0, 12.5, 16.2]);
        let c = chart(&values);
        let l = c.limits;
        assert!(values[20] > l.near_upper && values[20] <= l.upper);
        assert!(values[22] > l.near_upper && values[22] <= l.upper);
        assert_eq!(flagged(&c), vec![20, 22]);
        // The same two near points with the middle one below the mean: no signal.
        let mut split = values.clone();
        split[21] = 9.0;
        assert!(flagged(&chart(&split)).is_empty());
    }

    #[test]
    fn baseline_fixes_the_limits() {
        let values = [10.0, 12.0, 10.0, 12.0, 30.0, 31.0];
        let c = xmr_chart(&values, 0..4, Polarity::Neutral, MDC_RUN_LENGTH).unwrap();
        assert!((c.limits.mean - 11.0).abs() < 1e-12);
        assert_eq!(flagged(&c), vec![4, 5]);
        assert!(xmr_chart(&values, 0..1, Polarity::Neutral, MDC_RUN_LENGTH).is_none());
    }

    /// PowerBI-SPC's own test data for its p′ and u′ charts (test/Chart
    /// Types/test-pprime.ts and test-uprime.ts): 20 large samples, and the
    /// limits it expects to 4 decimals (p′ in percent).
    const NUMERATORS: [f64; 20] = [
        266501.0, 264225.0, 276532.0, 281461.0, 269071.0, 261215.0, 270409.0, 279778.0, 270483.0,
        270320.0, 267923.0, 271478.0, 255353.0, 256820.0, 261835.0, 259144.0, 255910.0, 260863.0,
        264465.0, 260989.0,
    ];
    const DENOMINATORS: [f64; 20] = [
        280443.0, 276823.0, 291681.0, 296155.0, 282343.0, 275888.0, 283867.0, 295251.0, 284468.0,
        282529.0, 279618.0, 283932.0, 266629.0, 268091.0, 276803.0, 271578.0, 266005.0, 273520.0,
        278574.0, 273772.0,
    ];

    fn prime(prime: Prime, scale: f64) -> XmrChart {
        prime_chart(
            &NUMERATORS,
            &DENOMINATORS,
            0..20,
            prime,
            scale,
            Polarity::HigherIsBetter,
            MDC_RUN_LENGTH,
        )
        .unwrap()
    }

    #[test]
    fn p_prime_limits_are_powerbi_spcs() {
        let upper = [
            96.567, 96.5753, 96.5421, 96.5326, 96.5627, 96.5775, 96.5593, 96.5345, 96.5579,
            96.5623, 96.5689, 96.5591, 96.5996, 96.5961, 96.5753, 96.5877, 96.6012, 96.583,
            96.5713, 96.5824,
        ];
        let near_upper = [
            96.1413, 96.1469, 96.1247, 96.1184, 96.1384, 96.1483, 96.1362, 96.1197, 96.1353,
            96.1382, 96.1426, 96.1361, 96.1631, 96.1607, 96.1469, 96.1551, 96.1641, 96.152,
            96.1442, 96.1516,
        ];
        let near_lower = [
            94.4386, 94.4331, 94.4552, 94.4615, 94.4415, 94.4316, 94.4438, 94.4603, 94.4447,
            94.4418, 94.4374, 94.4439, 94.4169, 94.4192, 94.4331, 94.4248, 94.4158, 94.4279,
            94.4358, 94.4283,
        ];
        let lower = [
            94.013, 94.0046, 94.0378, 94.0473, 94.0173, 94.0025, 94.0207, 94.0454, 94.022, 94.0177,
            94.0111, 94.0208, 93.9803, 93.9839, 94.0046, 93.9923, 93.9788, 93.9969, 94.0087,
            93.9975,
        ];
        let chart = prime(Prime::Proportion, 100.0);
        for (i, l) in chart.point_limits.iter().enumerate() {
            assert!((l.upper - upper[i]).abs() < 5e-4, "{i}: {l:?}");
            assert!((l.near_upper - near_upper[i]).abs() < 5e-4, "{i}: {l:?}");
            assert!((l.near_lower - near_lower[i]).abs() < 5e-4, "{i}: {l:?}");
            assert!((l.lower - lower[i]).abs() < 5e-4, "{i}: {l:?}");
        }
        // The plain p chart's limits would be some 60 times narrower, and
        // flag most points; the p′ chart flags none of these.
        assert!(chart.signals.iter().all(Option::is_none));
    }

    #[test]
    fn u_prime_limits_are_powerbi_spcs() {
        let upper = [
            0.9657, 0.9658, 0.9654, 0.9653, 0.9656, 0.9658, 0.9656, 0.9653, 0.9656, 0.9656, 0.9657,
            0.9656, 0.966, 0.966, 0.9658, 0.9659, 0.966, 0.9658, 0.9657, 0.9658,
        ];
        let lower = [
            0.9401, 0.940, 0.9404, 0.9405, 0.9402, 0.94, 0.9402, 0.9405, 0.9402, 0.9402, 0.9401,
            0.9402, 0.9398, 0.9398, 0.94, 0.9399, 0.9398, 0.94, 0.9401, 0.94,
        ];
        let chart = prime(Prime::Rate, 1.0);
        for (i, l) in chart.point_limits.iter().enumerate() {
            assert!((l.upper - upper[i]).abs() < 5e-5, "{i}: {l:?}");
            assert!((l.lower - lower[i]).abs() < 5e-5, "{i}: {l:?}");
        }
    }
}
