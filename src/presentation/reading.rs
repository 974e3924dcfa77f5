//! How a measure reads: its latest figure, the change on a year earlier and
//! whether it is significant, and the two "Making Data Count" judgements:
//! variation (is a change real?) and assurance (will the target be met?).
//! Shared by the dashboard and the board reports, so both say the same.

use crate::definition::Measure;
use crate::engine::{MeasureResult, Point, Series};
use crate::stats::change::{Change, classify, difference_interval};
use crate::stats::{Polarity, Signal};

/// The variation judgement of a measure's latest point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variation {
    /// Special cause in the good direction (SPC), or a significant change for the better.
    Improvement,
    /// Special cause in the bad direction, or a significant change for the worse.
    Concern,
    /// Special cause, or a significant change, where neither direction is better.
    NeutralChange,
    /// Common-cause variation, or no significant change on a year earlier.
    CommonCause,
}

/// The assurance judgement against a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// The whole process (SPC limits, or the interval) is on the right side of the target.
    ConsistentlyMet,
    ConsistentlyMissed,
    HitAndMiss,
}

/// The change on the point a year earlier.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct YearOnYear {
    #[serde(serialize_with = "as_text")]
    pub earlier_period_end: chrono::NaiveDate,
    pub earlier_value: f64,
    pub difference: f64,
    pub change: Change,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Reading {
    /// The latest point, suppressed or not.
    pub latest: Option<Point>,
    pub year_on_year: Option<YearOnYear>,
    pub variation: Variation,
    /// Against the target that grades the measure (see `targets`).
    pub assurance: Option<Assurance>,
    /// Each of the measure's targets, as it stands at the latest point.
    pub targets: Vec<TargetReading>,
    /// Where the latest point's SPC limits are trial limits: the number of
    /// points they rest on.
    pub trial_limits: Option<usize>,
}

/// A target at the latest point: its value then, and whether it is met.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TargetReading {
    pub name: String,
    /// The value in force for the latest point.
    pub value: f64,
    /// The value's first month, for a target that changes (a trajectory).
    #[serde(serialize_with = "month_as_text")]
    pub from: Option<crate::common::period::Month>,
    pub assurance: Option<Assurance>,
    /// Whether the measure's assurance icon and grade read against it.
    pub grades: bool,
}

impl serde::Serialize for Point {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let f = self.figures.as_ref();
        let mut s = serializer.serialize_struct("Point", 9)?;
        s.serialize_field("period_start", &self.period.start_date().to_string())?;
        s.serialize_field("period_end", &self.period.end_date().to_string())?;
        s.serialize_field("suppressed", &self.suppressed)?;
        s.serialize_field("numerator", &f.map(|f| f.numerator))?;
        s.serialize_field("denominator", &f.and_then(|f| f.denominator))?;
        s.serialize_field("value", &f.and_then(|f| f.value))?;
        s.serialize_field("ci_lower", &f.and_then(|f| f.interval).map(|i| i.lower))?;
        s.serialize_field("ci_upper", &f.and_then(|f| f.interval).map(|i| i.upper))?;
        s.serialize_field("spc_signal", &self.signal.map(Signal::as_str))?;
        s.end()
    }
}

/// Whether the latest value lies above the SPC mean (or, without SPC, above
/// the year before's): the H or L of the variation icon.
pub fn above_mean(result: &MeasureResult, reading: &Reading) -> Option<bool> {
    let value = reading.latest.as_ref()?.value()?;
    match result.total().latest_limits() {
        Some(l) => Some(value > l.mean),
        None => reading.year_on_year.map(|y| y.difference > 0.0),
    }
}

pub fn read(result: &MeasureResult) -> Reading {
    read_series(&result.measure, result.total())
}

pub fn read_series(measure: &Measure, series: &Series) -> Reading {
    let latest = series.points.last().cloned();
    let year_on_year = latest.as_ref().and_then(|point| {
        let n = series.points.len();
        let earlier = series
            .points
            .get(n.checked_sub(1 + measure.points_per_year())?)?;
        let (now, before) = (point.figures.as_ref()?, earlier.figures.as_ref()?);
        let (v1, ci1, v0, ci0) = (now.value?, now.interval?, before.value?, before.interval?);
        Some(YearOnYear {
            earlier_period_end: earlier.period.end_date(),
            earlier_value: v0,
            difference: v1 - v0,
            change: classify(difference_interval(v1, ci1, v0, ci0)),
        })
    });
    let variation = match (measure.spc(), &latest) {
        (Some(_), Some(point)) => match point.signal {
            Some(Signal::Improvement) => Variation::Improvement,
            Some(Signal::Concern) => Variation::Concern,
            Some(Signal::SpecialCause) => Variation::NeutralChange,
            None => Variation::CommonCause,
        },
        _ => match year_on_year.map(|y| y.change) {
            Some(Change::SignificantRise) => direction(measure.polarity, true),
            Some(Change::SignificantFall) => direction(measure.polarity, false),
            _ => Variation::CommonCause,
        },
    };
    // The whole process (SPC limits, or the interval) against each target.
    let process = match (series.latest_limits(), &latest) {
        (Some(limits), _) => Some((limits.lower, limits.upper)),
        (None, Some(point)) => point
            .figures
            .as_ref()
            .and_then(|f| f.interval)
            .map(|i| (i.lower, i.upper)),
        _ => None,
    };
    let against = |target: f64| -> Option<Assurance> {
        let (low, high) = process?;
        let higher_is_better = match measure.polarity {
            Polarity::HigherIsBetter => true,
            Polarity::LowerIsBetter => false,
            Polarity::Neutral => return None,
        };
        Some(
            if (higher_is_better && low > target) || (!higher_is_better && high < target) {
                Assurance::ConsistentlyMet
            } else if (higher_is_better && high < target) || (!higher_is_better && low > target) {
                Assurance::ConsistentlyMissed
            } else {
                Assurance::HitAndMiss
            },
        )
    };
    let targets: Vec<TargetReading> = latest
        .as_ref()
        .map(|point| {
            let month = point.period.last;
            measure
                .targets
                .iter()
                .filter_map(|t| {
                    let (from, value) = t.step_at(month)?;
                    Some(TargetReading {
                        name: t.name.clone(),
                        value,
                        from,
                        assurance: against(value),
                        grades: t.grades,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let assurance = targets.iter().find(|t| t.grades).and_then(|t| t.assurance);
    let trial_limits = series
        .latest_segment()
        .filter(|s| s.trial())
        .map(|s| s.points_in_limits);
    Reading {
        latest,
        year_on_year,
        variation,
        assurance,
        targets,
        trial_limits,
    }
}

fn month_as_text<S: serde::Serializer>(
    month: &Option<crate::common::period::Month>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match month {
        Some(m) => serializer.serialize_str(&m.to_string()),
        None => serializer.serialize_none(),
    }
}

fn as_text<S: serde::Serializer>(
    date: &chrono::NaiveDate,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&date.to_string())
}

fn direction(polarity: Polarity, rise: bool) -> Variation {
    match (polarity, rise) {
        (Polarity::Neutral, _) => Variation::NeutralChange,
        (Polarity::HigherIsBetter, true) | (Polarity::LowerIsBetter, false) => {
            Variation::Improvement
        }
        _ => Variation::Concern,
    }
}

/// Where a force stands against its peer group, as the Home Office's iQuanta
/// read it: significantly above or below when the force's 95% interval
/// excludes the group's rate, in line otherwise.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PeerComparison {
    /// The group's title ("Most similar group").
    pub group: String,
    /// The group's pooled rate over the same period.
    pub group_value: f64,
    pub standing: PeerStanding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerStanding {
    SignificantlyAbove,
    SignificantlyBelow,
    InLine,
}

impl PeerStanding {
    pub fn words(self) -> &'static str {
        match self {
            PeerStanding::SignificantlyAbove => "significantly above",
            PeerStanding::SignificantlyBelow => "significantly below",
            PeerStanding::InLine => "in line with",
        }
    }
}

/// The latest point of a peer-compared measure against its group's.
pub fn peer_comparison(result: &MeasureResult) -> Option<PeerComparison> {
    result.measure.peer_group.as_ref()?;
    let group = result.breakdown("peer_group").next()?;
    let latest = result.total().points.last()?;
    let interval = latest.figures.as_ref()?.interval?;
    let group_point = group.points.iter().find(|p| p.period == latest.period)?;
    let group_value = group_point.value()?;
    Some(PeerComparison {
        group: group.group.clone().unwrap_or_default(),
        group_value,
        standing: if interval.lower > group_value {
            PeerStanding::SignificantlyAbove
        } else if interval.upper < group_value {
            PeerStanding::SignificantlyBelow
        } else {
            PeerStanding::InLine
        },
    })
}
