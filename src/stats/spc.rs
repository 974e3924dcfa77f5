//! XmR charts and their special-cause rules, as NHS England's "Making Data Count"
//! and the `NHSRplotthedots` package define them.

use std::ops::Range;

/// Scaling of the mean moving range to the process limits (3 sigma).
const LIMIT: f64 = 2.66;
/// Scaling to the near-limit lines (2 sigma).
const NEAR_LIMIT: f64 = 2.0 * LIMIT / 3.0;
/// Points in a run on one side of the mean, or in a trend, that make a signal.
pub const RUN_LENGTH: usize = 7;

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
    pub signals: Vec<Option<Signal>>,
}

/// Computes an XmR chart over `values`, with limits from the points in `baseline`
/// (every point when the measure declares no baseline). `None` when the
/// baseline has fewer than two points, so no moving range exists.
/// Limits computed from fewer points than this are trial limits (NHS England's
/// Making Data Count guidance, as NHSRplotthedots reads it): to be revised as
/// points come in, and their signals read with care.
pub const POINTS_FOR_FIRM_LIMITS: usize = 12;

pub fn xmr_chart(values: &[f64], baseline: Range<usize>, polarity: Polarity) -> Option<XmrChart> {
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
    let special = special_cause_points(values, &limits);
    let signals = values
        .iter()
        .zip(special)
        .map(|(&value, special)| special.then(|| meaning(value - mean, polarity)))
        .collect();
    Some(XmrChart { limits, signals })
}

fn meaning(offset_from_mean: f64, polarity: Polarity) -> Signal {
    let above = offset_from_mean > 0.0;
    match polarity {
        _ if offset_from_mean == 0.0 => Signal::SpecialCause,
        Polarity::Neutral => Signal::SpecialCause,
        Polarity::HigherIsBetter if above => Signal::Improvement,
        Polarity::LowerIsBetter if !above => Signal::Improvement,
        _ => Signal::Concern,
    }
}

/// Flags the points that meet any of the four Making Data Count rules.
fn special_cause_points(values: &[f64], limits: &XmrLimits) -> Vec<bool> {
    let n = values.len();
    let side: Vec<i8> = values.iter().map(|&v| sign(v - limits.mean)).collect();
    let outside: Vec<bool> = values
        .iter()
        .map(|&v| v > limits.upper || v < limits.lower)
        .collect();
    let near: Vec<bool> = values
        .iter()
        .zip(&outside)
        .map(|(&v, &out)| !out && (v > limits.near_upper || v < limits.near_lower))
        .collect();
    let mut flagged = outside.clone();

    // Rule 2: a run of 7 or more on one side of the mean (a point on the mean breaks it).
    mark_runs(
        &mut flagged,
        n,
        |i| side[i] != 0 && side[i] == side[i - 1],
        |i| side[i] != 0,
    );
    // Rule 3: 7 or more points each strictly above (or below) the one before.
    let step: Vec<i8> = (0..n)
        .map(|i| {
            if i == 0 {
                0
            } else {
                sign(values[i] - values[i - 1])
            }
        })
        .collect();
    mark_trends(&mut flagged, &step);
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

/// Marks every maximal run of at least `RUN_LENGTH` points, where `continues(i)` says
/// point i extends the run through point i-1 and `starts(i)` says point i can begin one.
fn mark_runs(
    flagged: &mut [bool],
    n: usize,
    continues: impl Fn(usize) -> bool,
    starts: impl Fn(usize) -> bool,
) {
    let mut run_start = 0;
    for i in 0..=n {
        let extends = i < n && i > run_start && continues(i);
        if extends {
            continue;
        }
        if i > run_start && i - run_start >= RUN_LENGTH && starts(run_start) {
            flagged[run_start..i].iter_mut().for_each(|f| *f = true);
        }
        run_start = i;
    }
}

/// A trend of 7 points is 6 consecutive strictly rising (or falling) steps.
fn mark_trends(flagged: &mut [bool], step: &[i8]) {
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
        if end + 1 - (i - 1) >= RUN_LENGTH {
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
        xmr_chart(values, 0..values.len(), Polarity::HigherIsBetter).unwrap()
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
        let low = xmr_chart(&values, 0..values.len(), Polarity::LowerIsBetter).unwrap();
        assert_eq!(low.signals[10], Some(Signal::Concern));
        let neutral = xmr_chart(&values, 0..values.len(), Polarity::Neutral).unwrap();
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
        let c = xmr_chart(&values, 0..4, Polarity::Neutral).unwrap();
        assert!((c.limits.mean - 11.0).abs() < 1e-12);
        assert_eq!(flagged(&c), vec![4, 5]);
        assert!(xmr_chart(&values, 0..1, Polarity::Neutral).is_none());
    }
}
