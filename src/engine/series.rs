//! From monthly counts to a measure's points: periods (months, quarters,
//! rolling windows), values and intervals, suppression, and SPC.

use super::{EngineError, Figures, Point, Series, SpcSegment};
use crate::common::period::{Month, Period};
use crate::definition::{Base, Baseline, Measure, MeasureKind, Periods, SpcChart, SpcSpec};
use crate::stats::{self, poisson_count_interval, suppression, wilson_interval};
use std::collections::HashMap;

/// Numerator and denominator counts of one series, month by month over the span.
#[derive(Debug, Clone, Default)]
pub struct MonthlyCounts {
    pub numerator: Vec<u64>,
    pub denominator: Vec<u64>,
    /// Each month's values, for a mean, median or percentile (else empty).
    pub values: Vec<Vec<f64>>,
}

impl MonthlyCounts {
    pub fn zeros(months: usize) -> Self {
        MonthlyCounts {
            numerator: vec![0; months],
            denominator: vec![0; months],
            values: vec![Vec::new(); months],
        }
    }

    /// Adds another series' counts, month by month.
    pub fn add(&mut self, other: &MonthlyCounts) {
        for (total, n) in self.numerator.iter_mut().zip(&other.numerator) {
            *total += n;
        }
        for (total, d) in self.denominator.iter_mut().zip(&other.denominator) {
            *total += d;
        }
        for (all, v) in self.values.iter_mut().zip(&other.values) {
            all.extend_from_slice(v);
        }
    }
}

/// Population by district and year, for rates.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub by_district_year: HashMap<(String, i32), u64>,
    /// Every district of the force, which a force-wide rate divides by.
    pub districts: Vec<String>,
}

impl Population {
    /// The population of `district` in `year`; where that year's estimate is not
    /// yet published, the latest earlier one.
    pub fn get(&self, district: &str, year: i32) -> Option<u64> {
        (year - 10..=year).rev().find_map(|y| {
            self.by_district_year
                .get(&(district.to_string(), y))
                .copied()
        })
    }
}

/// The periods of a measure over a span of months, with the months each covers
/// as offsets into the span.
pub fn periods(measure: &Measure, first: Month, last: Month) -> Vec<Period> {
    let mut periods = Vec::new();
    match &measure.periods {
        Periods::Discrete { grain, .. } => {
            // Complete periods only: every month inside the span.
            let length = grain.months();
            let mut start = first;
            while !grain.starts_at(start) {
                start = start + 1;
            }
            while start + (length - 1) <= last {
                periods.push(Period {
                    first: start,
                    last: start + (length - 1),
                });
                start = start + length;
            }
        }
        Periods::FinancialYearToDate => {
            // A year to date needs its April inside the span.
            periods.extend(
                (first.0..=last.0)
                    .map(|m| Period {
                        first: Month(m).financial_year_start(),
                        last: Month(m),
                    })
                    .filter(|p| p.first >= first),
            );
        }
        Periods::Rolling { months } => {
            let n = *months as i32;
            periods.extend((first.0 + n - 1..=last.0).map(|m| Period {
                first: Month(m - n + 1),
                last: Month(m),
            }));
        }
    }
    periods
}

/// Whose population a series' rate is per head of.
pub enum PopulationOf<'a> {
    /// One district (or force) of the population table.
    Group(&'a str),
    AllDistricts,
    /// Several forces pooled: a peer group.
    Sum(&'a [String]),
}

/// Sums the counts over each period and computes values and intervals.
pub fn figures(
    measure: &Measure,
    span_first: Month,
    periods: &[Period],
    counts: &MonthlyCounts,
    population: Option<(&Population, PopulationOf)>,
) -> Result<Vec<Figures>, EngineError> {
    let sum = |v: &[u64], p: &Period| -> u64 {
        let from = (p.first.0 - span_first.0) as usize;
        let to = (p.last.0 - span_first.0) as usize;
        v[from..=to].iter().sum()
    };
    periods
        .iter()
        .map(|p| {
            let numerator = sum(&counts.numerator, p);
            let base = match &measure.kind {
                MeasureKind::Distribution { statistic, .. } => {
                    let from = (p.first.0 - span_first.0) as usize;
                    let to = (p.last.0 - span_first.0) as usize;
                    let mut values: Vec<f64> = counts.values[from..=to].concat();
                    let summary = stats::distribution::summarise(*statistic, &mut values);
                    return Ok(Figures {
                        numerator,
                        denominator: None,
                        value: summary.map(|s| s.0),
                        interval: summary.and_then(|s| s.1),
                    });
                }
                MeasureKind::Count => None,
                MeasureKind::Proportion { .. } => Some(sum(&counts.denominator, p)),
                MeasureKind::Rate { .. } => {
                    let (table, of) = population.as_ref().expect("rates are given population");
                    let year = p.last.year();
                    let people = match of {
                        PopulationOf::Group(d) => table.get(d, year),
                        PopulationOf::AllDistricts => table
                            .districts
                            .iter()
                            .map(|d| table.get(d, year))
                            .sum::<Option<u64>>(),
                        PopulationOf::Sum(names) => names
                            .iter()
                            .map(|d| table.get(d, year))
                            .sum::<Option<u64>>(),
                    };
                    Some(people.ok_or_else(|| EngineError::MissingPopulation {
                        measure: measure.id.clone(),
                        district: match of {
                            PopulationOf::Group(d) => d.to_string(),
                            PopulationOf::AllDistricts => "every district".to_string(),
                            PopulationOf::Sum(names) => format!("one of {}", names.join(", ")),
                        },
                        year,
                    })?)
                }
            };
            Ok(figures_of(measure, numerator, base))
        })
        .collect()
}

/// Value and interval from a point's numerator and its base (a proportion's
/// denominator, a rate's population).
fn figures_of(measure: &Measure, numerator: u64, base: Option<u64>) -> Figures {
    match (&measure.kind, base) {
        (MeasureKind::Proportion { .. }, Some(denominator)) => Figures {
            numerator,
            denominator: Some(denominator),
            value: (denominator > 0).then(|| numerator as f64 / denominator as f64),
            interval: wilson_interval(numerator, denominator),
        },
        (MeasureKind::Rate { per }, Some(people)) => {
            let scale = *per as f64 / people as f64;
            Figures {
                numerator,
                denominator: Some(people),
                value: Some(numerator as f64 * scale),
                interval: Some(poisson_count_interval(numerator).scaled(scale)),
            }
        }
        _ => Figures {
            numerator,
            denominator: None,
            value: Some(numerator as f64),
            interval: Some(poisson_count_interval(numerator)),
        },
    }
}

/// The figures as published when the measure asks for counts rounded for
/// disclosure: the counts (not a rate's population) go to the nearest multiple,
/// halves up, and the value and interval follow from the rounded counts, so
/// no published figure gives the true count away.
pub fn rounded_for_disclosure(measure: &Measure, figures: Figures) -> Figures {
    let Some(step) = measure.round_to else {
        return figures;
    };
    let round = |n: u64| (n + step / 2) / step * step;
    // A statistic of values is published as it is; only how many values it has is rounded.
    if measure.kind.values_of().is_some() {
        return Figures {
            numerator: round(figures.numerator),
            ..figures
        };
    }
    let base = match measure.kind.base() {
        Base::Denominator => figures.denominator.map(round),
        Base::Population | Base::None => figures.denominator,
    };
    figures_of(measure, round(figures.numerator), base)
}

/// Whether each point is suppressed in its own right.
pub fn primary_suppression(measure: &Measure, figures: &[Figures]) -> Vec<bool> {
    let Some(threshold) = measure.suppress_below else {
        return vec![false; figures.len()];
    };
    figures
        .iter()
        .map(|f| suppression::below_threshold(&disclosive_counts(measure, f), threshold))
        .collect()
}

/// The counts the suppression threshold applies to: a proportion's numerator,
/// its complement (the denominator less the numerator: "5 of 7" says 2 were
/// not) and its denominator, any other measure's numerator (a population is
/// public). The last is the group's size, by which secondary suppression picks.
pub fn disclosive_counts(measure: &Measure, figures: &Figures) -> Vec<u64> {
    match measure.kind.base() {
        Base::Denominator => {
            let denominator = figures.denominator.unwrap_or(0);
            vec![
                figures.numerator,
                denominator.saturating_sub(figures.numerator),
                denominator,
            ]
        }
        Base::Population | Base::None => vec![figures.numerator],
    }
}

/// Builds the points of a series: figures withheld where suppressed, SPC applied
/// to the discrete series when the measure asks for it.
pub fn assemble(
    measure: &Measure,
    breakdown: Option<&str>,
    group: Option<&str>,
    periods: &[Period],
    figures: Vec<Figures>,
    suppressed: &[bool],
    unpublished: &[bool],
) -> Series {
    let figures: Vec<Figures> = figures
        .into_iter()
        .map(|f| rounded_for_disclosure(measure, f))
        .collect();
    let mut signals = vec![None; periods.len()];
    // SPC reads the published points only: a mean or a limit over a withheld
    // point, less the published counts, would give the withheld count back.
    let withheld: Vec<bool> = (0..periods.len())
        .map(|i| suppressed[i] || unpublished[i])
        .collect();
    let segments = match measure.spc() {
        Some(spc) => spc_segments(measure, spc, periods, &figures, &withheld, &mut signals),
        None => Vec::new(),
    };
    let points = periods
        .iter()
        .zip(figures)
        .enumerate()
        .map(|(i, (period, figures))| {
            let hidden = suppressed[i] && !unpublished[i];
            Point {
                period: *period,
                suppressed: hidden,
                figures: (!hidden && !unpublished[i]).then_some(figures),
                signal: if hidden { None } else { signals[i] },
            }
        })
        .collect();
    Series {
        breakdown: breakdown.map(str::to_string),
        group: group.map(str::to_string),
        points,
        spc: segments,
    }
}

/// The series cut to the periods that end by `last`, with its SPC charted
/// again from those points alone: the series as it stood then, so that a pack
/// for a past month shows the limits and signals it would have shown then.
/// (SPC reads only published points, which the series keeps.)
pub fn up_to(measure: &Measure, series: &Series, last: Month) -> Series {
    let points: Vec<Point> = series
        .points
        .iter()
        .filter(|p| p.period.last <= last)
        .cloned()
        .collect();
    let mut signals = vec![None; points.len()];
    let segments = match measure.spc() {
        Some(spc) => {
            let periods: Vec<Period> = points.iter().map(|p| p.period).collect();
            let withheld: Vec<bool> = points.iter().map(|p| p.figures.is_none()).collect();
            let figures: Vec<Figures> = points
                .iter()
                .map(|p| {
                    p.figures.clone().unwrap_or(Figures {
                        numerator: 0,
                        denominator: None,
                        value: None,
                        interval: None,
                    })
                })
                .collect();
            spc_segments(measure, spc, &periods, &figures, &withheld, &mut signals)
        }
        None => Vec::new(),
    };
    Series {
        breakdown: series.breakdown.clone(),
        group: series.group.clone(),
        points: points
            .into_iter()
            .zip(signals)
            .map(|(point, signal)| Point {
                signal: if point.figures.is_some() {
                    signal
                } else {
                    None
                },
                ..point
            })
            .collect(),
        spc: segments,
    }
}

/// XmR charts per segment between the measure's break points: each segment has
/// its own limits (from the baseline where the segment holds it), and its
/// points are judged only against them, so no run or trend crosses a break.
/// Points with no value (withheld, unpublished, a proportion of nothing) are
/// left out, so every figure of the chart comes from published values alone.
fn spc_segments(
    measure: &Measure,
    spc: &SpcSpec,
    periods: &[Period],
    figures: &[Figures],
    withheld: &[bool],
    signals: &mut [Option<stats::Signal>],
) -> Vec<SpcSegment> {
    let mut segments = Vec::new();
    let mut start = 0;
    for k in 0..=spc.breaks.len() {
        let end = spc.breaks.get(k).map_or(periods.len(), |b| {
            periods
                .iter()
                .position(|p| p.first >= b.month)
                .unwrap_or(periods.len())
        });
        if end <= start {
            continue;
        }
        let charted: Vec<usize> = (start..end)
            .filter(|&i| !withheld[i] && figures[i].value.is_some())
            .collect();
        let values: Vec<f64> = charted
            .iter()
            .map(|&i| figures[i].value.expect("charted points have values"))
            .collect();
        let baseline = match spc.baseline {
            Some(Baseline::Months(from, to))
                if (start..end).any(|i| periods[i].first >= from && periods[i].last <= to) =>
            {
                let first = charted
                    .iter()
                    .position(|&i| periods[i].first >= from)
                    .unwrap_or(values.len());
                let last = charted
                    .iter()
                    .rposition(|&i| periods[i].last <= to)
                    .map_or(first, |k| k + 1);
                first..last.max(first)
            }
            Some(Baseline::FirstPoints(n)) => 0..n.min(values.len()),
            _ => 0..values.len(),
        };
        let points_in_limits = baseline.len();
        let chart = match spc.chart {
            // Read between events, not by period (see `super::events`).
            SpcChart::T | SpcChart::G => None,
            SpcChart::Xmr => stats::xmr_chart(&values, baseline, measure.polarity, spc.run_length),
            SpcChart::PPrime | SpcChart::UPrime => {
                let (prime, scale) = match measure.kind {
                    MeasureKind::Rate { per } => (stats::Prime::Rate, per as f64),
                    _ => (stats::Prime::Proportion, 1.0),
                };
                let numerators: Vec<f64> = charted
                    .iter()
                    .map(|&i| figures[i].numerator as f64)
                    .collect();
                let denominators: Vec<f64> = charted
                    .iter()
                    .map(|&i| figures[i].denominator.unwrap_or(0) as f64)
                    .collect();
                stats::prime_chart(
                    &numerators,
                    &denominators,
                    baseline,
                    prime,
                    scale,
                    measure.polarity,
                    spc.run_length,
                )
            }
        };
        if let Some(chart) = chart {
            for (j, &i) in charted.iter().enumerate() {
                signals[i] = chart.signals[j];
            }
            let mut point_limits = Vec::new();
            if !chart.point_limits.is_empty() {
                point_limits = vec![None; end - start];
                for (j, &i) in charted.iter().enumerate() {
                    point_limits[i - start] = Some(chart.point_limits[j]);
                }
            }
            segments.push(SpcSegment {
                points: start..end,
                limits: chart.limits,
                point_limits,
                points_in_limits,
                break_reason: (k > 0).then(|| spc.breaks[k - 1].reason.clone()),
            });
        }
        start = end;
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{Grain, SpcBreak};
    use crate::stats::Signal;

    fn labels(measure: &Measure, first: Month, last: Month) -> Vec<String> {
        periods(measure, first, last)
            .into_iter()
            .map(|p| measure.period_label(p))
            .collect()
    }

    fn discrete(grain: Grain, spc: Option<SpcSpec>) -> Measure {
        Measure::for_tests(MeasureKind::Count, Periods::Discrete { grain, spc })
    }

    #[test]
    fn financial_periods_are_complete_and_labelled_as_board_papers_write_them() {
        let (first, last) = (Month::new(2014, 2), Month::new(2016, 5));
        assert_eq!(
            labels(
                &discrete(Grain::FinancialQuarter, None),
                first,
                Month::new(2015, 6)
            ),
            [
                "2014/15 Q1",
                "2014/15 Q2",
                "2014/15 Q3",
                "2014/15 Q4",
                "2015/16 Q1"
            ]
        );
        // Only complete years: April 2014 to March 2016.
        assert_eq!(
            labels(&discrete(Grain::FinancialYear, None), first, last),
            ["2014/15", "2015/16"]
        );
        let ytd = Measure::for_tests(MeasureKind::Count, Periods::FinancialYearToDate);
        let points = periods(&ytd, first, last);
        assert_eq!(points.first().unwrap().first, Month::new(2014, 4));
        assert_eq!(ytd.period_label(points[8]), "2014/15 to Dec");
        assert_eq!(
            points[12].first,
            Month::new(2015, 4),
            "a new year starts afresh"
        );
        assert_eq!(points[12].last, Month::new(2015, 4));
        assert_eq!(points.last().unwrap().first, Month::new(2016, 4));
        assert_eq!(ytd.points_per_year(), 12);
        assert_eq!(discrete(Grain::FinancialYear, None).points_per_year(), 1);
    }

    fn assembled(measure: &Measure, values: &[u64]) -> Series {
        let first = Month::new(2020, 1);
        let periods = periods(measure, first, first + (values.len() as i32 - 1));
        let figures = values
            .iter()
            .map(|&v| figures_of(measure, v, None))
            .collect();
        let none = vec![false; values.len()];
        assemble(measure, None, None, &periods, figures, &none, &none)
    }

    #[test]
    fn limits_are_computed_per_segment_and_no_signal_crosses_a_break() {
        // Eight months at 10-11, then eight at 20-21: on one chart the second half
        // is a run above the mean; with a break at the step, it is common cause.
        let values = [
            10, 11, 10, 11, 10, 11, 10, 11, 20, 21, 20, 21, 20, 21, 20, 21,
        ];
        let unbroken = assembled(
            &discrete(
                Grain::Month,
                Some(SpcSpec {
                    baseline: None,
                    run_length: crate::stats::spc::MDC_RUN_LENGTH,
                    chart: crate::definition::SpcChart::Xmr,
                    breaks: vec![],
                }),
            ),
            &values,
        );
        assert!(unbroken.points[8..].iter().all(|p| p.signal.is_some()));
        let broken = discrete(
            Grain::Month,
            Some(SpcSpec {
                baseline: None,
                run_length: crate::stats::spc::MDC_RUN_LENGTH,
                chart: crate::definition::SpcChart::Xmr,
                breaks: vec![SpcBreak {
                    month: Month::new(2020, 9),
                    reason: "new recording system".into(),
                }],
            }),
        );
        let series = assembled(&broken, &values);
        assert!(series.points.iter().all(|p| p.signal.is_none()));
        assert_eq!(series.spc.len(), 2);
        assert_eq!(series.spc[0].points, 0..8);
        // Eight points, fewer than twelve: trial limits, and said so.
        assert_eq!(series.spc[0].points_in_limits, 8);
        assert!(series.spc[0].trial());
        assert_eq!(series.limits_at(3).unwrap().mean, 10.5);
        assert_eq!(series.limits_at(8).unwrap().mean, 20.5);
        // Mean moving range 1, so limits 2.66 either side.
        assert!((series.limits_at(15).unwrap().upper - 23.16).abs() < 1e-9);
        assert_eq!(
            series.spc[1].break_reason.as_deref(),
            Some("new recording system")
        );
        // A point beyond the new segment's limits still signals.
        let mut spiked = values;
        spiked[14] = 40;
        let series = assembled(&broken, &spiked);
        assert_eq!(series.points[14].signal, Some(Signal::Improvement));
        assert!(series.points[..8].iter().all(|p| p.signal.is_none()));
    }

    #[test]
    fn rounding_publishes_counts_to_the_nearest_multiple_and_derives_the_rest() {
        let mut m = Measure::for_tests(
            MeasureKind::Proportion {
                numerator: "x".into(),
                denominator: None,
            },
            Periods::Rolling { months: 12 },
        );
        m.round_to = Some(5);
        let f = rounded_for_disclosure(&m, figures_of(&m, 12, Some(37)));
        assert_eq!((f.numerator, f.denominator), (10, Some(35)));
        assert_eq!(f.value, Some(10.0 / 35.0));
        assert_eq!(f.interval, wilson_interval(10, 35));
        let f = rounded_for_disclosure(&m, figures_of(&m, 2, Some(3)));
        assert_eq!(
            (f.numerator, f.denominator, f.value),
            (0, Some(5), Some(0.0))
        );
        // A rate's population is not a count of people counted: it stays.
        let mut rate = Measure::for_tests(
            MeasureKind::Rate { per: 1000 },
            Periods::Rolling { months: 12 },
        );
        rate.round_to = Some(10);
        let f = rounded_for_disclosure(&rate, figures_of(&rate, 1234, Some(50_000)));
        assert_eq!((f.numerator, f.denominator), (1230, Some(50_000)));
        assert_eq!(f.value, Some(1230.0 * 1000.0 / 50_000.0));
    }
}
