//! From monthly counts to a measure's points: periods (months, quarters,
//! rolling windows), values and intervals, suppression, and SPC.

use super::{EngineError, Figures, Point, Series};
use crate::definition::{Grain, Measure, MeasureKind, Periods};
use crate::period::{Month, Period};
use crate::stats::{self, poisson_count_interval, suppression, wilson_interval};
use std::collections::HashMap;

/// Numerator and denominator counts of one series, month by month over the span.
#[derive(Debug, Clone, Default)]
pub struct MonthlyCounts {
    pub numerator: Vec<u64>,
    pub denominator: Vec<u64>,
}

impl MonthlyCounts {
    pub fn zeros(months: usize) -> Self {
        MonthlyCounts {
            numerator: vec![0; months],
            denominator: vec![0; months],
        }
    }
}

/// Population by district and year, for rates.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub by_district_year: HashMap<(String, i32), u64>,
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
        Periods::Discrete {
            grain: Grain::Month,
            ..
        } => {
            periods.extend((first.0..=last.0).map(|m| Period {
                first: Month(m),
                last: Month(m),
            }));
        }
        Periods::Discrete {
            grain: Grain::Quarter,
            ..
        } => {
            // Complete quarters only: all three months inside the span.
            let mut q = first.quarter_start();
            if q < first {
                q = q + 3;
            }
            while q + 2 <= last {
                periods.push(Period {
                    first: q,
                    last: q + 2,
                });
                q = q + 3;
            }
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

/// The name of the series' group for population: a district, or the total.
pub enum PopulationOf<'a> {
    District(&'a str),
    AllDistricts,
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
            Ok(match &measure.kind {
                MeasureKind::Count => Figures {
                    numerator,
                    denominator: None,
                    value: Some(numerator as f64),
                    interval: Some(poisson_count_interval(numerator)),
                },
                MeasureKind::Proportion { .. } => {
                    let denominator = sum(&counts.denominator, p);
                    Figures {
                        numerator,
                        denominator: Some(denominator),
                        value: (denominator > 0).then(|| numerator as f64 / denominator as f64),
                        interval: wilson_interval(numerator, denominator),
                    }
                }
                MeasureKind::Rate { per } => {
                    let (table, of) = population.as_ref().expect("rates are given population");
                    let year = p.last.year();
                    let people = match of {
                        PopulationOf::District(d) => table.get(d, year),
                        PopulationOf::AllDistricts => crate::ingest::contract::DISTRICTS
                            .iter()
                            .map(|d| table.get(d, year))
                            .sum::<Option<u64>>(),
                    }
                    .ok_or_else(|| EngineError::MissingPopulation {
                        measure: measure.id.clone(),
                        district: match of {
                            PopulationOf::District(d) => d.to_string(),
                            PopulationOf::AllDistricts => "every district".to_string(),
                        },
                        year,
                    })?;
                    let scale = *per as f64 / people as f64;
                    Figures {
                        numerator,
                        denominator: Some(people),
                        value: Some(numerator as f64 * scale),
                        interval: Some(poisson_count_interval(numerator).scaled(scale)),
                    }
                }
            })
        })
        .collect()
}

/// Whether each point is suppressed in its own right.
pub fn primary_suppression(measure: &Measure, figures: &[Figures]) -> Vec<bool> {
    let Some(threshold) = measure.suppress_below else {
        return vec![false; figures.len()];
    };
    figures
        .iter()
        .map(|f| match (&measure.kind, f.denominator) {
            (MeasureKind::Proportion { .. }, Some(den)) => {
                suppression::below_threshold(&[f.numerator, den], threshold)
            }
            _ => suppression::below_threshold(&[f.numerator], threshold),
        })
        .collect()
}

/// The size by which secondary suppression picks the smallest group.
pub fn suppression_size(measure: &Measure, figures: &Figures) -> u64 {
    match measure.kind {
        MeasureKind::Proportion { .. } => figures.denominator.unwrap_or(0),
        _ => figures.numerator,
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
    // SPC over the points that have a value (not unpublished, not a proportion of nothing).
    let charted: Vec<usize> = (0..periods.len())
        .filter(|&i| !unpublished[i] && figures[i].value.is_some())
        .collect();
    let chart = measure.spc().and_then(|spc| {
        let values: Vec<f64> = charted
            .iter()
            .map(|&i| figures[i].value.expect("charted points have values"))
            .collect();
        let baseline = match spc.baseline {
            None => 0..values.len(),
            Some((from, to)) => {
                let start = charted
                    .iter()
                    .position(|&i| periods[i].first >= from)
                    .unwrap_or(values.len());
                let end = charted
                    .iter()
                    .rposition(|&i| periods[i].last <= to)
                    .map_or(start, |k| k + 1);
                start..end.max(start)
            }
        };
        stats::xmr_chart(&values, baseline, measure.polarity)
    });
    let mut signals = vec![None; periods.len()];
    if let Some(c) = &chart {
        for (k, &i) in charted.iter().enumerate() {
            signals[i] = c.signals[k];
        }
    }
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
        spc: chart.map(|c| c.limits),
    }
}
