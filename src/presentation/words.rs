//! Plain-English sentences from the statistics, the kind a board paper carries.
//! They never claim more than the statistics support: a change is called a
//! rise or a fall only when its 95% interval excludes no change.

use crate::definition::{Grain, Measure, Periods};
use crate::presentation::reading::{Assurance, Reading, TargetReading, Variation};
use crate::stats::change::Change;

/// "in March 2026", "in the 12 months to March 2026", "in January to March 2026",
/// "in 2025/26 Q4 (January to March 2026)", "in 2025/26", "in 2025/26 to date (April to December 2025)".
pub fn period_phrase(measure: &Measure, point: &crate::engine::Point) -> String {
    let (first, last) = (point.period.first, point.period.last);
    let span = || format!("{} to {}", first.first_day().format("%B"), last.long_name());
    match measure.periods {
        Periods::Rolling { months } => format!("in the {months} months to {}", last.long_name()),
        Periods::FinancialYearToDate => {
            format!("in {} to date ({})", first.financial_year_label(), span())
        }
        Periods::Discrete { grain, .. } => match grain {
            Grain::Month => format!("in {}", last.long_name()),
            Grain::Quarter => format!("in {}", span()),
            Grain::FinancialQuarter => {
                format!("in {} ({})", measure.period_label(point.period), span())
            }
            Grain::FinancialYear => format!("in {}", first.financial_year_label()),
        },
    }
}

/// The headline sentence: the latest figure, its interval, and the change on a year earlier.
pub fn headline(measure: &Measure, reading: &Reading) -> String {
    let title = &measure.title;
    let Some(point) = &reading.latest else {
        return format!("{title}: no figures yet.");
    };
    let when = period_phrase(measure, point);
    let Some(figures) = &point.figures else {
        return if point.suppressed {
            format!("{title}: the figure {when} is withheld because it rests on a small number.")
        } else {
            format!("{title}: no figures were published {when}.")
        };
    };
    let Some(value) = figures.value else {
        return format!("{title}: there was nothing to measure {when}.");
    };
    let interval = figures
        .interval
        .map(|i| {
            format!(
                " (95% CI {} to {})",
                measure.format_value(i.lower),
                measure.format_value(i.upper)
            )
        })
        .unwrap_or_default();
    let mut sentence = format!(
        "{title} {} {}{interval} {when}",
        measure.kind.verb(),
        measure.format_value(value)
    );
    match reading.year_on_year {
        Some(y) => {
            let earlier = measure.format_value(y.earlier_value);
            sentence += &match y.change {
                Change::SignificantRise => format!(
                    ", up from {earlier} a year earlier; the rise is statistically significant."
                ),
                Change::SignificantFall => format!(
                    ", down from {earlier} a year earlier; the fall is statistically significant."
                ),
                Change::NoSignificantChange => {
                    format!(", compared with {earlier} a year earlier: no significant change.")
                }
            };
        }
        None => sentence.push('.'),
    }
    sentence
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
            Some(format!("{} ({reason})", measure.period_label(from)))
        })
        .collect();
    if listed.is_empty() {
        return String::new();
    }
    format!(
        "The process limits start afresh, and no signal crosses, where the process changed: from {}.",
        listed.join("; from ")
    )
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
    let when = period_phrase(measure, point);
    let mut when = when.chars();
    let when = when
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + when.as_str())
        .unwrap_or_default();
    format!(
        "{when}, the force's {} (95% CI {} to {}) was {} the {}'s {}.",
        measure.format_value(value),
        measure.format_value(interval.lower),
        measure.format_value(interval.upper),
        comparison.standing.words(),
        comparison.group.to_lowercase(),
        measure.format_value(comparison.group_value),
    )
}

/// "month", "quarter", "year": what one point of the measure is.
fn point_noun(measure: &Measure) -> &'static str {
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
    let mut text = match (measure.spc().is_some(), reading.variation) {
        (true, Variation::Improvement) => {
            format!("The latest {noun} is a special cause of improvement on the SPC chart.")
        }
        (true, Variation::Concern) => {
            format!("The latest {noun} is a special cause of concern on the SPC chart.")
        }
        (true, Variation::NeutralChange) => format!(
            "The latest {noun} is a special cause on the SPC chart, in a direction that is neither better nor worse."
        ),
        (true, Variation::CommonCause) => {
            format!("The latest {noun} is within the expected range of variation (common cause).")
        }
        (false, _) => String::new(),
    };
    if let (Some(_), Some(points)) = (measure.spc(), reading.trial_limits) {
        text += &format!(
            " The limits are trial limits: they rest on {points} point{}, fewer than the {} that firm limits need, so they will move as points come in.",
            if points == 1 { "" } else { "s" },
            crate::stats::spc::POINTS_FOR_FIRM_LIMITS
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
            Some(from) => format!("{v} (from {})", from.first_day().format("%B %Y")),
            None => v,
        }
    };
    match targets {
        [] => String::new(),
        [only] if only.name == "Target" => {
            let t = value(only);
            match only.assurance {
                Some(Assurance::ConsistentlyMet) => {
                    format!(" The target of {t} is being met consistently.")
                }
                Some(Assurance::ConsistentlyMissed) => {
                    format!(" The target of {t} is being missed consistently.")
                }
                Some(Assurance::HitAndMiss) | None => format!(
                    " The target of {t} is within the range of the figure's uncertainty: sometimes met, sometimes missed."
                ),
            }
        }
        several => {
            let phrases: Vec<String> = several
                .iter()
                .map(|t| {
                    let what = format!("the {} of {}", lower_first(&t.name), value(t));
                    match t.assurance {
                        Some(Assurance::ConsistentlyMet) => format!("consistently meets {what}"),
                        Some(Assurance::ConsistentlyMissed) => {
                            format!("consistently misses {what}")
                        }
                        Some(Assurance::HitAndMiss) | None => {
                            format!("sometimes meets and sometimes misses {what}")
                        }
                    }
                })
                .collect();
            format!(" It {}.", listed(&phrases))
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
                        (Some(from), _) => format!("{v} from {}", from.first_day().format("%B %Y")),
                        (None, Some(next)) => {
                            format!("{v} to {}", (next - 1).first_day().format("%B %Y"))
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
        [one] => Some(format!("Target: {one}.")),
        several => Some(format!("Targets: {}.", several.join("; "))),
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

/// A day as every page and pack writes it: "4 January 2021".
pub fn long_date(day: chrono::NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
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
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
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
