//! What each kind of measure is, in one place: its name, what its value is
//! out of, which SQL it reads, how its figures are headed, worded and
//! formatted, and which funnel limits it has. The rest of the program asks
//! these questions instead of matching on the kind, so a new kind is this
//! file, its statistic (`stats`), its parsing (`validate`) and the engine's
//! figures for it (`engine::series`, with `engine::sql` when it reads values).

use crate::stats::distribution::Statistic;
use crate::stats::funnel::{FunnelLimits, proportion_limits, rate_limits};

#[derive(Debug, Clone, PartialEq)]
pub enum MeasureKind {
    Count,
    /// `numerator` is counted among the rows that meet `denominator`.
    Proportion {
        numerator: String,
        denominator: Option<String>,
    },
    /// Count per `per` people of the population extract, by district.
    Rate {
        per: u32,
    },
    /// A statistic (mean, median, percentile) of a numeric column or SQL
    /// expression over the rows; `numerator` is the number of values.
    Distribution {
        of: String,
        statistic: Statistic,
    },
}

/// What a point's value is out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// Nothing: a count, or a statistic of values.
    None,
    /// The rows counted in the denominator (a proportion): a count that
    /// discloses as much as the numerator does.
    Denominator,
    /// The population (a rate): public, from the population table.
    Population,
}

impl MeasureKind {
    /// As a measure file writes it: `count`, `proportion`, `rate`, `mean`,
    /// `median` or `percentile`.
    pub fn name(&self) -> &'static str {
        match self {
            MeasureKind::Count => "count",
            MeasureKind::Proportion { .. } => "proportion",
            MeasureKind::Rate { .. } => "rate",
            MeasureKind::Distribution { statistic, .. } => match statistic {
                Statistic::Mean => "mean",
                Statistic::Median => "median",
                Statistic::Percentile(_) => "percentile",
            },
        }
    }

    /// The statistic of a mean, median or percentile.
    pub fn statistic(&self) -> Option<Statistic> {
        match self {
            MeasureKind::Distribution { statistic, .. } => Some(*statistic),
            _ => None,
        }
    }

    /// The fraction of a percentile measure (0.9 for the 90th).
    pub fn percentile(&self) -> Option<f64> {
        match self.statistic() {
            Some(Statistic::Percentile(p)) => Some(p),
            _ => None,
        }
    }

    /// The column or SQL expression whose values a distribution summarises.
    pub fn values_of(&self) -> Option<&str> {
        match self {
            MeasureKind::Distribution { of, .. } => Some(of),
            _ => None,
        }
    }

    /// The SQL the kind reads beyond the measure's filter: a proportion's
    /// conditions, a distribution's values.
    pub fn sql_read(&self) -> Vec<&str> {
        match self {
            MeasureKind::Proportion {
                numerator,
                denominator,
            } => [Some(numerator.as_str()), denominator.as_deref()]
                .into_iter()
                .flatten()
                .collect(),
            MeasureKind::Distribution { of, .. } => vec![of],
            MeasureKind::Count | MeasureKind::Rate { .. } => Vec::new(),
        }
    }

    pub fn base(&self) -> Base {
        match self {
            MeasureKind::Proportion { .. } => Base::Denominator,
            MeasureKind::Rate { .. } => Base::Population,
            MeasureKind::Count | MeasureKind::Distribution { .. } => Base::None,
        }
    }

    /// Whether the measure needs a population table.
    pub fn needs_population(&self) -> bool {
        self.base() == Base::Population
    }

    /// What a point's numerator counts, as a table's heading says it.
    pub fn numerator_heading(&self) -> String {
        crate::t!(match self {
            MeasureKind::Proportion { .. } => "heading-count",
            MeasureKind::Distribution { .. } => "heading-values",
            MeasureKind::Count | MeasureKind::Rate { .. } => "heading-events",
        })
    }

    /// What a point's denominator is, as a table's heading says it; `None`
    /// for a kind without one.
    pub fn denominator_heading(&self) -> Option<String> {
        match self.base() {
            Base::Denominator => Some(crate::t!("heading-out-of")),
            Base::Population => Some(crate::t!("heading-population")),
            Base::None => None,
        }
    }

    /// Whether every value is at least zero (a statistic of values may not be).
    pub fn never_negative(&self) -> bool {
        self.values_of().is_none()
    }

    /// "numbered 1,234" for a count, "was 12.3%" for the rest.
    pub fn verb(&self) -> &'static str {
        match self {
            MeasureKind::Count => "numbered",
            _ => "was",
        }
    }

    /// A value as the board reads it: a percentage, a rate, a count, or a
    /// statistic in its unit ("164.5 minutes").
    pub fn format(&self, value: f64, unit: Option<&str>) -> String {
        match self {
            MeasureKind::Proportion { .. } => format!("{:.1}%", value * 100.0),
            MeasureKind::Rate { .. } => crate::common::grouped(value, 2),
            MeasureKind::Count => crate::common::grouped(value, 0),
            MeasureKind::Distribution { .. } => {
                let decimals = if value.fract() == 0.0 { 0 } else { 1 };
                let shown = crate::common::grouped(value, decimals);
                match unit {
                    Some(unit) => format!("{shown} {unit}"),
                    None => shown,
                }
            }
        }
    }

    /// The size of a difference between two values: percentage points for a
    /// proportion ("2.5 points"), the value's own format otherwise.
    pub fn format_difference(&self, difference: f64, unit: Option<&str>) -> String {
        match self {
            MeasureKind::Proportion { .. } => {
                format!("{:.1} points", (difference * 100.0).abs())
            }
            _ => self.format(difference.abs(), unit),
        }
    }

    /// The spreadsheet number format of a value, as `format` shows it.
    pub fn spreadsheet_format(&self, unit: Option<&str>) -> String {
        match (self, unit) {
            (MeasureKind::Proportion { .. }, _) => "0.0%".into(),
            (MeasureKind::Rate { .. }, _) => "#,##0.00".into(),
            (MeasureKind::Distribution { .. }, Some(unit)) => {
                // The unit beside each figure, as the dashboard shows it: 42.5 minutes.
                let unit: String = unit.chars().filter(|c| *c != '"' && *c != '\\').collect();
                format!("#,##0.0 \"{unit}\"")
            }
            _ => "#,##0.##".into(),
        }
    }

    /// What the values are, for a table's notes; `None` for a count or a rate.
    pub fn values_note(&self, unit: Option<&str>) -> Option<String> {
        match self {
            MeasureKind::Proportion { .. } => Some(crate::t!("values-proportions")),
            MeasureKind::Distribution { statistic, .. } => Some(crate::t!(
                "values-statistic",
                statistic = statistic.name(),
                unit = unit.unwrap_or("none")
            )),
            MeasureKind::Count | MeasureKind::Rate { .. } => None,
        }
    }

    /// The funnel plot's limits around `centre` at `size` (a proportion's
    /// denominator, a rate's population); `None` for a kind without a funnel.
    pub fn funnel_limits(&self, centre: f64, size: f64) -> Option<FunnelLimits> {
        match self {
            MeasureKind::Proportion { .. } => Some(proportion_limits(centre, size)),
            MeasureKind::Rate { per } => Some(rate_limits(centre, size, *per as f64)),
            MeasureKind::Count | MeasureKind::Distribution { .. } => None,
        }
    }
}
