//! Each measure's grade for the board, by the Plan's rules (`[grading]` in
//! `dashboards/plan.toml`), the same for the dashboard and the packs: a
//! special cause of concern among the latest points (of either direction on
//! a neutral measure), or a target consistently missed, requires scrutiny; a
//! special cause of improvement there is improving; the rest is content. An
//! analyst's grade in the period's commentary stands over the rules', shown as
//! overridden.

use super::reading::{Assurance, Reading, Variation};
use crate::definition::commentary::Grade;
use crate::definition::dashboards::Grading;
use crate::engine::MeasureResult;
use crate::stats::{Polarity, Signal};
use maud::{Markup, html};

/// A measure's grade and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Graded {
    pub grade: Grade,
    /// Why, in words for the board.
    pub why: String,
    /// Set by an analyst (with this reason) over the rules' grade.
    pub overridden: bool,
}

pub fn grade(result: &MeasureResult, reading: &Reading, rules: &Grading) -> Graded {
    let measure = &result.measure;
    let latest = result.total().points.last();
    if let Some((grade, reason)) = latest
        .and_then(|p| measure.commentary_for(p.period.last))
        .and_then(|c| c.grade.clone())
    {
        return Graded {
            grade,
            why: reason,
            overridden: true,
        };
    }
    let points = &result.total().points;
    let recent = &points[points.len().saturating_sub(rules.latest_points.max(1))..];
    let signals: Vec<Signal> = if measure.spc().is_some() {
        recent.iter().filter_map(|p| p.signal).collect()
    } else {
        // Without SPC, the latest point's significant change on a year earlier.
        match reading.variation {
            Variation::Concern => vec![Signal::Concern],
            Variation::Improvement => vec![Signal::Improvement],
            Variation::NeutralChange => vec![Signal::SpecialCause],
            Variation::CommonCause => vec![],
        }
    };
    let neutral = measure.polarity == Polarity::Neutral;
    let concern = signals
        .iter()
        .any(|s| *s == Signal::Concern || (neutral && *s != Signal::Improvement));
    let spc = measure.spc().is_some();
    // Said as the statistics say it: a special cause on an SPC chart, a
    // significant change on a year earlier otherwise.
    let said = |good: Option<bool>| match (spc, good) {
        (true, None) => format!("a special cause among the latest {} points", recent.len()),
        (true, Some(false)) => format!(
            "a special cause of concern among the latest {} points",
            recent.len()
        ),
        (true, Some(true)) => format!(
            "a special cause of improvement among the latest {} points",
            recent.len()
        ),
        (false, None) => "a significant change on a year earlier".to_string(),
        (false, Some(false)) => "a significant change for the worse on a year earlier".to_string(),
        (false, Some(true)) => "a significant change for the better on a year earlier".to_string(),
    };
    let (grade, why) = if concern {
        (
            Grade::RequiresScrutiny,
            said(if neutral { None } else { Some(false) }),
        )
    } else if rules.missed_target && reading.assurance == Some(Assurance::ConsistentlyMissed) {
        (
            Grade::RequiresScrutiny,
            "the target is being missed consistently".to_string(),
        )
    } else if signals.contains(&Signal::Improvement) {
        (Grade::Improving, said(Some(true)))
    } else {
        (
            Grade::Content,
            "no special cause, no target missed".to_string(),
        )
    };
    Graded {
        grade,
        why,
        overridden: false,
    }
}

/// One measure as the board's summary lists it.
pub struct Row<'a> {
    pub result: &'a MeasureResult,
    pub reading: &'a Reading,
    pub graded: &'a Graded,
    /// Where its figures are: the measure page, or its section of the pack.
    pub href: String,
}

fn grade_cell(graded: &Graded) -> Markup {
    let class = match graded.grade {
        Grade::RequiresScrutiny => "scrutiny",
        Grade::Improving => "improving",
        Grade::Content => "content",
    };
    html! {
        span class={ "grade " (class) } { (graded.grade.label()) }
        @if graded.overridden { " " span.overridden { "(set by an analyst)" } }
    }
}

/// The board's one-page summary: every measure with its latest value,
/// variation and assurance icons, and grade.
pub fn summary_matrix(rows: &[Row<'_>]) -> Markup {
    use super::chart::{assurance_icon, variation_icon};
    html! {
        table.matrix {
            thead { tr {
                th scope="col" { "Measure" } th scope="col" { "Latest" } th scope="col" { "Variation" }
                th scope="col" { "Assurance" } th scope="col" { "Grade" }
            } }
            tbody {
                @for row in rows {
                    @let m = &row.result.measure;
                    @let (period, value) = match &row.reading.latest {
                        Some(p) => (
                            m.period_label(p.period),
                            match p.value() {
                                Some(v) => m.format_value(v),
                                None if p.suppressed => "withheld".into(),
                                None => "–".into(),
                            },
                        ),
                        None => (String::new(), "–".into()),
                    };
                    tr {
                        th scope="row" { a href=(row.href) { (m.title) } }
                        td { (value) br; span.muted { (period) } }
                        td { (variation_icon(row.reading.variation, super::reading::above_mean(row.result, row.reading))) }
                        td { (assurance_icon(row.reading.assurance)) }
                        td { (grade_cell(row.graded)) }
                    }
                }
            }
        }
    }
}

/// The exceptions: the measures that require scrutiny, each with its reading
/// and the analysts' commentary; a sentence where there are none.
pub fn exceptions(rows: &[Row<'_>]) -> Markup {
    let scrutiny: Vec<&Row> = rows
        .iter()
        .filter(|r| r.graded.grade == Grade::RequiresScrutiny)
        .collect();
    if scrutiny.is_empty() {
        return html! { section.exceptions { h2 { "Exceptions" } p { "No measure requires scrutiny." } } };
    }
    html! {
        section.exceptions {
            h2 { "Exceptions: what requires scrutiny" }
            @for row in scrutiny {
                @let m = &row.result.measure;
                article.exception {
                    h3 { a href=(row.href) { (m.title) } }
                    p.why { "Requires scrutiny: " (row.graded.why) @if row.graded.overridden { " (set by an analyst)" } "." }
                    p { (super::words::judgement(m, row.reading)) }
                    @if let Some(p) = &row.reading.latest { (super::commentary_section(m, p)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::period::{Month, Period};
    use crate::definition::{Grain, Measure, MeasureKind, Periods, SpcSpec};
    use crate::engine::{Figures, Point, Series};

    /// A monthly count with SPC, its latest points' signals as given (oldest first).
    fn result(polarity: Polarity, signals: &[Option<Signal>]) -> MeasureResult {
        let mut measure = Measure::for_tests(
            MeasureKind::Count,
            Periods::Discrete {
                grain: Grain::Month,
                spc: Some(SpcSpec {
                    baseline: None,
                    breaks: Vec::new(),
                }),
            },
        );
        measure.polarity = polarity;
        let points = signals
            .iter()
            .enumerate()
            .map(|(i, &signal)| {
                let month = Month::new(2025, 1) + i as i32;
                Point {
                    period: Period {
                        first: month,
                        last: month,
                    },
                    suppressed: false,
                    figures: Some(Figures {
                        numerator: 10,
                        denominator: None,
                        value: Some(10.0),
                        interval: None,
                    }),
                    signal,
                }
            })
            .collect();
        MeasureResult {
            measure,
            series: vec![Series {
                breakdown: None,
                group: None,
                points,
                spc: Vec::new(),
            }],
            withheld: Vec::new(),
        }
    }

    fn graded(polarity: Polarity, signals: &[Option<Signal>]) -> Grade {
        let result = result(polarity, signals);
        let reading = crate::presentation::reading::read(&result);
        grade(&result, &reading, &Grading::default()).grade
    }

    #[test]
    fn the_default_rules_grade_the_latest_three_points() {
        use Signal::*;
        let lower = Polarity::LowerIsBetter;
        assert_eq!(graded(lower, &[None, None, None, None]), Grade::Content);
        assert_eq!(
            graded(lower, &[None, Some(Concern), None, None]),
            Grade::RequiresScrutiny
        );
        // Four points back is outside the latest three.
        assert_eq!(
            graded(lower, &[Some(Concern), None, None, None]),
            Grade::Content
        );
        assert_eq!(
            graded(lower, &[None, None, Some(Improvement), None]),
            Grade::Improving
        );
        // Concern outweighs improvement.
        assert_eq!(
            graded(lower, &[None, Some(Improvement), Some(Concern), None]),
            Grade::RequiresScrutiny
        );
        // On a neutral measure, a special cause of either direction.
        assert_eq!(
            graded(Polarity::Neutral, &[None, None, None, Some(SpecialCause)]),
            Grade::RequiresScrutiny
        );
    }
}
