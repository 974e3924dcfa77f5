//! A measure's rare events read between them: the t chart's days, or the g
//! chart's opportunities, from one event to the next (see
//! [`crate::stats::events`]). Only each event's date and gap leave here;
//! the monthly points of the measure carry the chart's signals, so that its
//! grade, icons and exceptions read the events as they read any chart.

use super::Series;
use super::tally::GroupValues;
use crate::common::period::Month;
use crate::definition::{Baseline, Measure, SpcChart};
use crate::stats::{self, Signal, XmrLimits};
use chrono::NaiveDate;

/// One event on the chart: its date and how long (or how many chances)
/// since the one before.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventPoint {
    pub date: NaiveDate,
    /// Days (t) or opportunities (g) since the event before.
    pub value: f64,
    pub signal: Option<Signal>,
}

/// The t or g chart of a measure's events.
#[derive(Debug, Clone, PartialEq)]
pub struct EventChart {
    pub chart: SpcChart,
    /// The first event's date: the gaps start from it.
    pub first: Option<NaiveDate>,
    /// Each event after the first, in date order.
    pub points: Vec<EventPoint>,
    /// `None` with fewer than two gaps to compute them from.
    pub limits: Option<XmrLimits>,
    /// How many gaps the limits were computed from.
    pub points_in_limits: usize,
}

impl EventChart {
    /// What a point's value counts: "days" or "opportunities".
    pub fn unit(&self) -> &'static str {
        match self.chart {
            SpcChart::G => "opportunities",
            _ => "days",
        }
    }

    /// The chart as it stood when `last` was the latest month: the gaps to
    /// then (each depends only on the events before it), charted afresh.
    pub fn up_to(&self, measure: &Measure, last: Month) -> EventChart {
        let points = self
            .points
            .iter()
            .filter(|p| Month::of(p.date) <= last)
            .map(|p| (p.date, p.value))
            .collect();
        let first = self.first.filter(|d| Month::of(*d) <= last);
        chart(measure, self.chart, first, points)
    }

    /// Puts each event's signal on the monthly point of the period it falls
    /// in (the latest signalling event's, where a period has several), so
    /// that the measure's grade, icons and exceptions read them.
    pub fn mark(&self, total: &mut Series) {
        for point in &mut total.points {
            point.signal = None;
            if point.figures.is_none() {
                continue;
            }
            let (first, last) = (point.period.start_date(), point.period.end_date());
            point.signal = self
                .points
                .iter()
                .rev()
                .filter(|e| first <= e.date && e.date <= last)
                .find_map(|e| e.signal);
        }
    }
}

/// The measure's event chart from what its tally counted; `None` for a
/// measure on another chart.
pub fn from_tally(measure: &Measure, events: Option<&GroupValues>) -> Option<EventChart> {
    let kind = measure.spc()?.chart;
    if !kind.between_events() {
        return None;
    }
    let times = |group: &str| -> Vec<f64> {
        let mut times: Vec<f64> = events
            .and_then(|e| e.get(group))
            .into_iter()
            .flat_map(|months| months.values().flatten().copied())
            .collect();
        times.sort_by(f64::total_cmp);
        times
    };
    let events = times("event");
    let date = |days: f64| {
        crate::common::period::date_of_day(days.floor() as i64).expect("the day of a loaded date")
    };
    let points: Vec<(NaiveDate, f64)> = match kind {
        SpcChart::G => {
            // The opportunities since the event before: an opportunity at the
            // same moment as an event counts before it.
            let opportunities = times("opportunity");
            let mut before = opportunities.iter().peekable();
            let mut since = 0usize;
            let mut gaps = Vec::new();
            for (k, &at) in events.iter().enumerate() {
                while before.next_if(|&&o| o <= at).is_some() {
                    since += 1;
                }
                if k > 0 {
                    gaps.push((date(at), since as f64));
                }
                since = 0;
            }
            gaps
        }
        _ => events
            .windows(2)
            .map(|w| (date(w[1]), (w[1] - w[0]).round()))
            .collect(),
    };
    Some(chart(
        measure,
        kind,
        events.first().map(|&d| date(d)),
        points,
    ))
}

/// Charts the gaps: limits from the measure's baseline (the first N gaps,
/// or those whose events fall in its months), signals for each.
fn chart(
    measure: &Measure,
    kind: SpcChart,
    first: Option<NaiveDate>,
    points: Vec<(NaiveDate, f64)>,
) -> EventChart {
    let spc = measure.spc();
    let baseline = match spc.and_then(|s| s.baseline) {
        Some(Baseline::FirstPoints(n)) => n.min(points.len()),
        Some(Baseline::Months(_, to)) => points.iter().filter(|(d, _)| Month::of(*d) <= to).count(),
        None => points.len(),
    };
    let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
    let run_length = spc.map_or(stats::spc::MDC_RUN_LENGTH, |s| s.run_length);
    let charted = match kind {
        SpcChart::G => stats::events::g_chart(&values, baseline, measure.polarity, run_length),
        _ => stats::events::t_chart(&values, baseline, measure.polarity, run_length),
    };
    let signals = charted
        .as_ref()
        .map_or_else(|| vec![None; values.len()], |c| c.signals.clone());
    EventChart {
        chart: kind,
        first,
        points: points
            .into_iter()
            .zip(signals)
            .map(|((date, value), signal)| EventPoint {
                date,
                value,
                signal,
            })
            .collect(),
        limits: charted.map(|c| c.limits),
        points_in_limits: baseline,
    }
}
