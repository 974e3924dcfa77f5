//! Plain-English sentences from the statistics, the kind a board paper carries.
//! They never claim more than the statistics support: a change is called a
//! rise or a fall only when its 95% interval excludes no change.

use crate::definition::{Grain, Measure, Periods};
use crate::presentation::reading::{Assurance, Reading, TargetReading, Variation};
use crate::stats::change::Change;
use crate::t;

/// "in March 2026", "in the 12 months to March 2026", "in January to March 2026",
/// "in 2025/26 Q4 (January to March 2026)", "in 2025/26", "in 2025/26 to date (April to December 2025)".
pub fn period_phrase(measure: &Measure, point: &crate::engine::Point) -> String {
    let (first, last) = (point.period.first, point.period.last);
    let span = || {
        t!(
            "months-span",
            first = crate::common::language::month_name(first.month()),
            last = last.long_name()
        )
    };
    match measure.periods {
        Periods::Rolling { months } => t!("in-rolling", months = months, last = last.long_name()),
        Periods::FinancialYearToDate => {
            t!(
                "in-year-to-date",
                year = first.financial_year_label(),
                span = span()
            )
        }
        Periods::Discrete { grain, .. } => match grain {
            Grain::Month => t!("in-period", period = last.long_name()),
            Grain::Quarter => t!("in-period", period = span()),
            Grain::FinancialQuarter => t!(
                "in-quarter",
                quarter = measure.period_label(point.period),
                span = span()
            ),
            Grain::FinancialYear => t!("in-period", period = first.financial_year_label()),
        },
    }
}

/// The headline sentence: the latest figure, its interval, and the change on a year earlier.
pub fn headline(measure: &Measure, reading: &Reading) -> String {
    let title = measure.title.as_str();
    let Some(point) = &reading.latest else {
        return t!("headline-no-figures", title = title);
    };
    let when = period_phrase(measure, point);
    let Some(figures) = &point.figures else {
        return if point.suppressed {
            t!("headline-withheld", title = title, when = when)
        } else {
            t!("headline-not-published", title = title, when = when)
        };
    };
    let Some(value) = figures.value else {
        return t!("headline-nothing", title = title, when = when);
    };
    let interval = figures
        .interval
        .map(|i| {
            let interval = t!(
                "interval-95",
                lower = measure.format_value(i.lower),
                upper = measure.format_value(i.upper)
            );
            format!(" ({interval})")
        })
        .unwrap_or_default();
    let value = measure.format_value(value);
    let kind = measure.kind.verb();
    match reading.year_on_year {
        Some(y) => {
            let id = match y.change {
                Change::SignificantRise => "headline-rise",
                Change::SignificantFall => "headline-fall",
                Change::NoSignificantChange => "headline-no-change",
            };
            t!(
                id,
                title = title,
                kind = kind,
                value = value,
                interval = interval,
                when = when,
                earlier = measure.format_value(y.earlier_value)
            )
        }
        None => t!(
            "headline",
            title = title,
            kind = kind,
            value = value,
            interval = interval,
            when = when
        ),
    }
}

/// The breaks in a series' SPC chart, with their reasons: "The process limits
/// start afresh from Apr 2023 (new crime recording system)."; empty without breaks.
pub fn breaks(measure: &Measure, series: &crate::engine::Series) -> String {
    let listed: Vec<String> = series
        .spc
        .iter()
        .filter_map(|segment| {
            let reason = segment.break_reason.as_ref()?;
            let from = series.points.get(segment.points.start)?.period;
            Some(t!(
                "break-from",
                period = measure.period_label(from),
                reason = reason.as_str()
            ))
        })
        .collect();
    if listed.is_empty() {
        return String::new();
    }
    t!("breaks", breaks = listed.join("; "))
}

/// "In the 12 months to January 2021, 61.2 (95% CI 59.1 to 63.4) was
/// significantly above the most similar group's 52.3."; empty without peers.
pub fn peers(result: &crate::engine::MeasureResult) -> String {
    let measure = &result.measure;
    let (Some(comparison), Some(point)) = (
        crate::presentation::reading::peer_comparison(result),
        result.total().points.last(),
    ) else {
        return String::new();
    };
    let Some(figures) = &point.figures else {
        return String::new();
    };
    let (Some(value), Some(interval)) = (figures.value, figures.interval) else {
        return String::new();
    };
    let standing = match comparison.standing {
        crate::presentation::reading::PeerStanding::SignificantlyAbove => "above",
        crate::presentation::reading::PeerStanding::SignificantlyBelow => "below",
        crate::presentation::reading::PeerStanding::InLine => "in-line",
    };
    upper_first(&t!(
        "peers-sentence",
        when = period_phrase(measure, point),
        value = measure.format_value(value),
        lower = measure.format_value(interval.lower),
        upper = measure.format_value(interval.upper),
        standing = standing,
        group = comparison.group.to_lowercase(),
        group_value = measure.format_value(comparison.group_value),
    ))
}

/// "month", "quarter", "year": what one point of the measure is.
fn point_noun(measure: &Measure) -> &'static str {
    // A key of the catalogue's select expressions, not a word shown.
    match measure.periods {
        Periods::Discrete { grain, .. } => match grain {
            Grain::Month => "month",
            Grain::Quarter | Grain::FinancialQuarter => "quarter",
            Grain::FinancialYear => "year",
        },
        _ => "point",
    }
}

/// What the SPC chart or the interval says, and how the target stands.
pub fn judgement(measure: &Measure, reading: &Reading) -> String {
    let noun = point_noun(measure);
    let variation = match reading.variation {
        Variation::Improvement => "improvement",
        Variation::Concern => "concern",
        Variation::NeutralChange => "neither",
        Variation::CommonCause => "common",
    };
    let mut text = if measure.spc().is_some() {
        t!("judgement-spc", noun = noun, variation = variation)
    } else {
        String::new()
    };
    if let (Some(_), Some(points)) = (measure.spc(), reading.trial_limits) {
        text += " ";
        text += &t!(
            "trial-limits",
            points = points,
            firm = crate::stats::spc::POINTS_FOR_FIRM_LIMITS
        );
    }
    text += &targets_sentence(measure, &reading.targets);
    text.trim().to_string()
}

/// How the latest figures stand against each target: " The target of 90.0%
/// is being met consistently." for a single one; for several, "It
/// consistently meets the national standard of 90.0% and sometimes meets and
/// sometimes misses the local target of 92.0% (from April 2026)."
pub fn targets_sentence(measure: &Measure, targets: &[TargetReading]) -> String {
    let value = |t: &TargetReading| {
        let v = measure.format_value(t.value);
        match t.from {
            Some(from) => t!("target-value-from", value = v, from = from.long_name()),
            None => v,
        }
    };
    let assurance = |t: &TargetReading| match t.assurance {
        Some(Assurance::ConsistentlyMet) => "met",
        Some(Assurance::ConsistentlyMissed) => "missed",
        Some(Assurance::HitAndMiss) | None => "mixed",
    };
    match targets {
        [] => String::new(),
        [only] if only.name == "Target" => {
            format!(
                " {}",
                t!(
                    "target-single",
                    value = value(only),
                    assurance = assurance(only)
                )
            )
        }
        several => {
            let phrases: Vec<String> = several
                .iter()
                .map(|t| {
                    t!(
                        "target-phrase",
                        name = lower_first(&target_name(&t.name)),
                        value = value(t),
                        assurance = assurance(t)
                    )
                })
                .collect();
            format!(" {}", t!("targets-several", phrases = listed(&phrases)))
        }
    }
}

/// Every target and its values over time: "Targets: national standard 90.0%;
/// local target 88.0% to March 2026, 92.0% from April 2026."
pub fn targets_declared(measure: &Measure) -> Option<String> {
    let described: Vec<String> = measure
        .targets
        .iter()
        .map(|t| {
            let values: Vec<String> = t
                .steps
                .iter()
                .enumerate()
                .map(|(i, (from, value))| {
                    let v = measure.format_value(*value);
                    let until = t.steps.get(i + 1).and_then(|(next, _)| *next);
                    match (from, until) {
                        (Some(from), _) => t!("value-from", value = v, from = from.long_name()),
                        (None, Some(next)) => {
                            t!("value-to", value = v, to = (next - 1).long_name())
                        }
                        (None, None) => v,
                    }
                })
                .collect();
            match t.name.as_str() {
                "Target" => values.join(", "),
                name => format!("{} {}", lower_first(name), values.join(", ")),
            }
        })
        .collect();
    match described.as_slice() {
        [] => None,
        [one] => Some(t!("target-declared", targets = one.as_str())),
        several => Some(t!("targets-declared", targets = several.join("; "))),
    }
}

/// A target's name as the page's language says it: the one a measure's
/// `target = x` declares is "Target" ("Targed"); a named one as declared.
pub fn target_name(name: &str) -> String {
    match name {
        "Target" => t!("target-default"),
        name => name.to_string(),
    }
}

/// "National standard" as a sentence reads it: "national standard"; an
/// acronym ("PCC target") as written.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => first
            .to_lowercase()
            .chain(name[first.len_utf8()..].chars())
            .collect(),
        _ => name.to_string(),
    }
}

/// A day as every page and pack writes it: "4 January 2021", "4 Ionawr 2021".
pub fn long_date(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "{} {} {}",
        day.day(),
        crate::common::language::month_name(day.month()),
        day.year()
    )
}

/// An SPC signal as a table of figures names it: "Special cause high".
pub fn signal_name(signal: crate::stats::Signal) -> String {
    t!("signal", signal = signal.as_str())
}

/// "days between events" as a heading starts it: "Days between events".
pub fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// "a", "a and b", "a, b and c".
pub fn listed(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => t!("listed", first = rest.join(", "), last = last.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::period::{Month, Period};
    use crate::definition::MeasureKind;
    use crate::engine::{Figures, Point};
    use crate::presentation::reading::YearOnYear;
    use crate::stats::Interval;

    fn measure(kind: MeasureKind, periods: Periods) -> Measure {
        Measure::for_tests(kind, periods)
    }

    fn reading(value: f64, change: Option<Change>) -> Reading {
        let last = Month::new(2014, 11);
        Reading {
            latest: Some(Point {
                period: Period {
                    first: last - 11,
                    last,
                },
                suppressed: false,
                figures: Some(Figures {
                    numerator: 831,
                    denominator: Some(1000),
                    value: Some(value),
                    interval: Some(Interval {
                        lower: 0.810,
                        upper: 0.850,
                    }),
                }),
                signal: None,
            }),
            year_on_year: change.map(|change| YearOnYear {
                earlier_period_end: last.last_day() - chrono::Days::new(365),
                earlier_value: 0.862,
                difference: value - 0.862,
                change,
            }),
            variation: Variation::CommonCause,
            assurance: None,
            targets: Vec::new(),
            trial_limits: None,
        }
    }

    #[test]
    fn trial_limits_are_said_to_be_trial_ones() {
        let spc = Periods::Discrete {
            grain: Grain::Month,
            spc: Some(crate::definition::SpcSpec {
                baseline: None,
                run_length: crate::stats::spc::MDC_RUN_LENGTH,
                chart: crate::definition::SpcChart::Xmr,
                breaks: Vec::new(),
            }),
        };
        let m = measure(MeasureKind::Count, spc);
        let mut r = reading(30.0, None);
        assert!(!judgement(&m, &r).contains("trial"));
        r.trial_limits = Some(2);
        let said = judgement(&m, &r);
        assert!(
            said.contains("The limits are trial limits: they rest on 2 points, fewer than the 12"),
            "{said}"
        );
    }

    #[test]
    fn a_significant_fall_is_called_a_fall_and_nothing_else() {
        let m = measure(
            MeasureKind::Proportion {
                numerator: "x".into(),
                denominator: None,
            },
            Periods::Rolling { months: 12 },
        );
        let text = headline(&m, &reading(0.831, Some(Change::SignificantFall)));
        assert_eq!(
            text,
            "Victim satisfaction with the whole experience was 83.1% (95% CI 81.0% to 85.0%) in the 12 months to November 2014, down from 86.2% a year earlier; the fall is statistically significant."
        );
        assert!(!text.contains("rise") && !text.contains("no significant"));
    }

    #[test]
    fn no_significant_change_is_said_as_such() {
        let m = measure(
            MeasureKind::Proportion {
                numerator: "x".into(),
                denominator: None,
            },
            Periods::Rolling { months: 12 },
        );
        let text = headline(&m, &reading(0.851, Some(Change::NoSignificantChange)));
        assert!(
            text.ends_with("compared with 86.2% a year earlier: no significant change."),
            "{text}"
        );
        assert!(
            !text.contains("rise")
                && !text.contains("fall")
                && !text.contains("up from")
                && !text.contains("down from")
        );
        let rise = headline(&m, &reading(0.9, Some(Change::SignificantRise)));
        assert!(
            rise.contains("up from 86.2%")
                && rise.contains("the rise is statistically significant")
                && !rise.contains("fall")
        );
    }

    #[test]
    fn suppressed_figures_are_said_to_be_withheld() {
        let m = measure(
            MeasureKind::Count,
            Periods::Discrete {
                grain: Grain::Quarter,
                spc: None,
            },
        );
        let mut r = reading(3.0, None);
        let point = r.latest.as_mut().unwrap();
        point.period = Period {
            first: Month::new(2024, 1),
            last: Month::new(2024, 3),
        };
        point.suppressed = true;
        point.figures = None;
        let text = headline(&m, &r);
        assert_eq!(
            text,
            "Victim satisfaction with the whole experience: the figure in January to March 2024 is withheld because it rests on a small number."
        );
    }

    #[test]
    fn targets_are_listed_with_their_trajectories_and_read_each_in_turn() {
        let mut m = measure(
            MeasureKind::Proportion {
                numerator: "x".into(),
                denominator: None,
            },
            Periods::Rolling { months: 12 },
        );
        let local = crate::definition::Target {
            name: "Local target".into(),
            steps: vec![(None, 0.88), (Some(Month::new(2025, 4)), 0.92)],
            grades: false,
        };
        assert_eq!(local.value_at(Month::new(2025, 3)), Some(0.88));
        assert_eq!(local.value_at(Month::new(2025, 4)), Some(0.92));
        let later = crate::definition::Target {
            name: "PCC stretch".into(),
            steps: vec![(Some(Month::new(2026, 1)), 0.95)],
            grades: false,
        };
        assert_eq!(later.value_at(Month::new(2025, 12)), None, "not set yet");
        m.targets = vec![local, later];
        assert_eq!(
            targets_declared(&m).unwrap(),
            "Targets: local target 88.0% to March 2025, 92.0% from April 2025; PCC stretch 95.0% from January 2026."
        );
        let read = |name: &str, value, from, assurance| TargetReading {
            name: name.into(),
            value,
            from,
            assurance: Some(assurance),
            grades: false,
        };
        assert_eq!(
            targets_sentence(
                &m,
                &[
                    read("National standard", 0.9, None, Assurance::ConsistentlyMet),
                    read(
                        "Local target",
                        0.92,
                        Some(Month::new(2025, 4)),
                        Assurance::ConsistentlyMissed
                    ),
                ]
            ),
            " It consistently meets the national standard of 90.0% and consistently misses the local target of 92.0% (from April 2025)."
        );
        // A single `target = x` reads as it always has.
        assert_eq!(
            targets_sentence(&m, &[read("Target", 0.9, None, Assurance::HitAndMiss)]),
            " The target of 90.0% is within the range of the figure's uncertainty: sometimes met, sometimes missed."
        );
    }
}
