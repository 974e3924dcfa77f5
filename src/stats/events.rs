//! Charts of rare events, read between the events rather than by month: a
//! t chart of the days between them and a g chart of the opportunities
//! between them, as PowerBI-SPC computes them. A monthly XmR chart of counts
//! that are mostly 0 has a lower limit below 0 and reads nothing; the time
//! (or the number of chances) between events has a limit on either side.

use super::spc::{D2, XmrLimits, meaning, special_cause_points};
use super::{Polarity, Signal};

/// The power that makes days between events (exponential) near enough
/// normal for an individuals chart (Nelson, 1994), as PowerBI-SPC's t chart.
const T_POWER: f64 = 3.6;
/// PowerBI-SPC leaves moving ranges above 3.267 times their mean out of the
/// mean it computes the limits from (its default): one long gap is a signal,
/// not a wider process.
const MOVING_RANGE_SCREEN: f64 = 3.267;

/// The limits of an event chart on the scale its values are in, and each
/// value's signal.
#[derive(Debug, Clone, PartialEq)]
pub struct EventLimits {
    /// Drawn: the centre line, the 99.8% (3σ) and 95% (2σ) limits.
    pub limits: XmrLimits,
    pub signals: Vec<Option<Signal>>,
}

/// What fewer events means for a gap between them: a longer gap is good news
/// where fewer events are.
fn gap_polarity(events: Polarity) -> Polarity {
    match events {
        Polarity::LowerIsBetter => Polarity::HigherIsBetter,
        Polarity::HigherIsBetter => Polarity::LowerIsBetter,
        Polarity::Neutral => Polarity::Neutral,
    }
}

/// A t chart of `days` between successive events, with limits from the
/// first `baseline` of them: each gap is raised to the power 1/3.6, an
/// individuals chart drawn on those (σ the screened mean moving range / d₂),
/// and its centre and limits raised back to 3.6 (a lower limit below 0 is 0).
/// Signals follow Making Data Count's rules on the transformed scale, with
/// `events` the polarity of the events themselves. `None` with fewer than
/// two gaps in the baseline.
pub fn t_chart(
    days: &[f64],
    baseline: usize,
    events: Polarity,
    run_length: usize,
) -> Option<EventLimits> {
    let y: Vec<f64> = days
        .iter()
        .map(|d| d.max(0.0).powf(1.0 / T_POWER))
        .collect();
    let base = &y[..baseline.min(y.len())];
    if base.len() < 2 {
        return None;
    }
    let mean = base.iter().sum::<f64>() / base.len() as f64;
    let ranges: Vec<f64> = base.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let all = ranges.iter().sum::<f64>() / ranges.len() as f64;
    let kept: Vec<f64> = ranges
        .iter()
        .copied()
        .filter(|r| *r < MOVING_RANGE_SCREEN * all)
        .collect();
    let screened = if kept.is_empty() {
        all
    } else {
        kept.iter().sum::<f64>() / kept.len() as f64
    };
    let sigma = screened / D2;
    let transformed = XmrLimits {
        mean,
        lower: mean - 3.0 * sigma,
        upper: mean + 3.0 * sigma,
        near_lower: mean - 2.0 * sigma,
        near_upper: mean + 2.0 * sigma,
    };
    let special = special_cause_points(&y, &vec![transformed; y.len()], run_length);
    let polarity = gap_polarity(events);
    let signals = y
        .iter()
        .zip(special)
        .map(|(&v, special)| special.then(|| meaning(v - mean, polarity)))
        .collect();
    let back = |v: f64| v.max(0.0).powf(T_POWER);
    Some(EventLimits {
        limits: XmrLimits {
            mean: back(transformed.mean),
            lower: back(transformed.lower),
            upper: back(transformed.upper),
            near_lower: back(transformed.near_lower),
            near_upper: back(transformed.near_upper),
        },
        signals,
    })
}

/// A g chart of the `opportunities` (cases, contacts, detentions) between
/// successive events, with limits from the first `baseline`: geometric
/// limits around the mean ḡ, σ = √(ḡ(ḡ + 1)), the upper ones ḡ + 3σ and
/// ḡ + 2σ and the lower ones 0, as PowerBI-SPC's. A point above the upper
/// limit is a signal; so is a run of `run_length` on one side of the
/// median, since the mean of so skewed a distribution has most points below
/// it. `None` with fewer than two in the baseline.
pub fn g_chart(
    opportunities: &[f64],
    baseline: usize,
    events: Polarity,
    run_length: usize,
) -> Option<EventLimits> {
    let base = &opportunities[..baseline.min(opportunities.len())];
    if base.len() < 2 {
        return None;
    }
    let mean = base.iter().sum::<f64>() / base.len() as f64;
    let sigma = (mean * (mean + 1.0)).sqrt();
    let limits = XmrLimits {
        mean,
        lower: 0.0,
        upper: mean + 3.0 * sigma,
        near_lower: 0.0,
        near_upper: mean + 2.0 * sigma,
    };
    let mut sorted = base.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = super::distribution::median_of_sorted(&sorted);
    // Runs about the median; only the upper limit reads single points (the
    // lower is 0, and two of three near it cannot happen).
    let about_median = XmrLimits {
        mean: median,
        lower: f64::NEG_INFINITY,
        near_lower: f64::NEG_INFINITY,
        ..limits
    };
    let special = special_cause_points(
        opportunities,
        &vec![about_median; opportunities.len()],
        run_length,
    );
    let polarity = gap_polarity(events);
    let signals = opportunities
        .iter()
        .zip(special)
        .map(|(&v, special)| special.then(|| meaning(v - median, polarity)))
        .collect();
    Some(EventLimits { limits, signals })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::close;
    use crate::stats::spc::MDC_RUN_LENGTH;

    /// PowerBI-SPC's own test data for its t chart (test/Chart
    /// Types/test-t.ts): 67 gaps, and the limits it expects to 2 decimals.
    const T_GAPS: [f64; 67] = [
        16., 20., 5., 13., 1., 26., 46., 12., 12., 5., 19., 4., 3., 15., 14., 9., 8., 15., 21., 6.,
        3., 1., 56., 117., 1., 33., 9., 9., 19., 12., 1., 16., 13., 18., 1., 35., 16., 5., 21.,
        38., 3., 25., 3., 11., 13., 20., 9., 3., 8., 21., 24., 38., 8., 13., 9., 1., 30., 23., 3.,
        7., 22., 19., 11., 31., 6., 1., 1.,
    ];

    #[test]
    fn t_chart_limits_are_powerbi_spcs() {
        let c = t_chart(&T_GAPS, 67, Polarity::LowerIsBetter, MDC_RUN_LENGTH).unwrap();
        close(c.limits.upper, 97.268, 0.005);
        close(c.limits.near_upper, 54.0812, 0.005);
        close(c.limits.near_lower, 0.6402, 0.005);
        close(c.limits.lower, 0.0221, 0.005);
        // 117 days is above the upper limit: fewer events, good news.
        assert_eq!(c.signals[23], Some(Signal::Improvement));
    }

    /// PowerBI-SPC's test data for its g chart (test/Chart Types/test-g.ts).
    #[test]
    fn g_chart_limits_are_powerbi_spcs() {
        let g = [
            23., 39., 15., 34., 1., 49., 98., 29., 27., 13., 45., 7., 10., 27., 24., 14., 20., 38.,
            44., 11., 10., 3., 113., 183., 3., 47., 18., 18., 33., 15., 2., 38., 27., 27., 1., 52.,
            23., 7., 26., 82., 5., 49., 5., 17., 24., 44., 26., 2., 27., 46., 55., 97., 22., 22.,
            20., 4., 60., 51., 7., 21., 66., 36., 25., 72., 15., 5., 3.,
        ];
        let c = g_chart(&g, 67, Polarity::LowerIsBetter, MDC_RUN_LENGTH).unwrap();
        close(c.limits.upper, 128.17, 0.005);
        close(c.limits.near_upper, 96.01, 0.005);
        assert_eq!((c.limits.lower, c.limits.near_lower), (0.0, 0.0));
        // Only 183 is above the upper limit.
        let flagged: Vec<usize> = (0..g.len()).filter(|&i| c.signals[i].is_some()).collect();
        assert_eq!(flagged, [23]);
        assert_eq!(c.signals[23], Some(Signal::Improvement));
    }

    #[test]
    fn a_run_of_short_gaps_is_a_concern() {
        // Ten gaps of about 20 days, then eight of 2: events have become frequent.
        let mut days = vec![20.0, 22.0, 19.0, 21.0, 20.0, 23.0, 18.0, 21.0, 20.0, 22.0];
        days.extend([2.0; 8]);
        let c = t_chart(&days, 10, Polarity::LowerIsBetter, MDC_RUN_LENGTH).unwrap();
        assert!(c.signals[10..].iter().all(|s| *s == Some(Signal::Concern)));
        assert!(c.signals[..10].iter().all(Option::is_none));
    }
}
