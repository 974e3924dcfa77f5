//! Each measure's grade for the board, by the Plan's rules (`[grading]` in
//! `dashboards/plan.toml`), the same for the dashboard and the packs: a
//! special cause of concern among the latest points (of either direction on
//! a neutral measure), or a target consistently missed, requires scrutiny; a
//! special cause of improvement there is improving; the rest is content. An
//! analyst's grade in the period's commentary stands over the rules', shown as
//! overridden.

use super::reading::{Assurance, Reading, Variation};
use super::words::listed;
use crate::definition::commentary::Grade;
use crate::definition::dashboards::Grading;
use crate::engine::MeasureResult;
use crate::stats::{Polarity, Signal};
use crate::t;
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
    // Said as the statistics say it: which points of an SPC chart were a
    // special cause, and why, and whether the latest is back within its
    // limits; a significant change on a year earlier otherwise.
    let said = |good: Option<bool>| match (spc, good) {
        (true, good) => triggered(result, recent.len(), good),
        (false, None) => t!("why-year-change", direction = "either"),
        (false, Some(false)) => t!("why-year-change", direction = "worse"),
        (false, Some(true)) => t!("why-year-change", direction = "better"),
    };
    // A People's Priority is also read before and after it was raised: a
    // significant change of level since is part of its grade, as its reading says.
    let since_raised = match super::priority::before_after(result) {
        Some(super::priority::BeforeAfter::Changed { rose, better, .. }) => {
            let when = measure
                .priority
                .as_ref()
                .map(|p| crate::common::period::Month::of(p.raised).long_name())
                .unwrap_or_default();
            Some((
                better,
                t!(
                    "why-since-raised",
                    when = when,
                    moved = if rose { "risen" } else { "fallen" }
                ),
            ))
        }
        _ => None,
    };
    let (grade, why) = if concern {
        (
            Grade::RequiresScrutiny,
            said(if neutral { None } else { Some(false) }),
        )
    } else if let Some((_, why)) = since_raised
        .clone()
        .filter(|(better, _)| *better != Some(true))
    {
        // Worse, or a change on a measure with no better direction: scrutiny.
        (Grade::RequiresScrutiny, why)
    } else if let Some(overdue) = super::priority::review_overdue(result) {
        (
            Grade::RequiresScrutiny,
            t!(
                "why-review-overdue",
                overdue = overdue,
                months = super::priority::REVIEW_MONTHS
            ),
        )
    } else if rules.missed_target && reading.assurance == Some(Assurance::ConsistentlyMissed) {
        let name = reading.targets.iter().find(|t| t.grades).map_or_else(
            || t!("target-lower"),
            |t| super::words::lower_first(&super::words::target_name(&t.name)),
        );
        (
            Grade::RequiresScrutiny,
            t!("why-target-missed", name = name),
        )
    } else if signals.contains(&Signal::Improvement) {
        (Grade::Improving, said(Some(true)))
    } else if let Some((_, why)) = since_raised {
        (Grade::Improving, why)
    } else {
        (Grade::Content, t!("why-content"))
    };
    Graded {
        grade,
        why,
        overridden: false,
    }
}

/// The special causes among a series' latest `recent` points, said as the
/// board reads them: "Jan 2026 and Feb 2026 were below the lower process
/// limit: a special cause of concern. Mar 2026 is back within the expected
/// range (common cause variation)" (without the last full stop). `good` picks the signals of improvement
/// (`Some(true)`), of concern (`Some(false)`) or any (`None`).
fn triggered(result: &MeasureResult, recent: usize, good: Option<bool>) -> String {
    let measure = &result.measure;
    let series = result.total();
    let points = &series.points;
    let from = points.len().saturating_sub(recent);
    let wanted = |s: Signal| match good {
        Some(true) => s == Signal::Improvement,
        Some(false) => s != Signal::Improvement,
        None => true,
    };
    // Each flagged point by where it lies: beyond a limit, or within them
    // (a run or a trend).
    let mut beyond: Vec<(&'static str, Vec<String>)> = Vec::new();
    // Each place is a key of the catalogue's `why-points`.
    for (i, point) in points.iter().enumerate().skip(from) {
        let (Some(signal), Some(value)) = (point.signal, point.value()) else {
            continue;
        };
        if !wanted(signal) {
            continue;
        }
        let place = match series.limits_at(i) {
            Some(l) if value > l.upper => "above",
            Some(l) if value < l.lower => "below",
            _ => "run",
        };
        let label = measure.period_label(point.period);
        match beyond.iter_mut().find(|(p, _)| *p == place) {
            Some((_, labels)) => labels.push(label),
            None => beyond.push((place, vec![label])),
        }
    }
    let kind = t!(
        "special-cause-kind",
        good = match good {
            Some(true) => "improvement",
            Some(false) => "concern",
            None => "either",
        }
    );
    let mut said: Vec<String> = beyond
        .into_iter()
        .map(|(place, labels)| {
            t!(
                "why-points",
                points = listed(&labels),
                count = labels.len(),
                place = place
            )
        })
        .collect();
    if said.is_empty() {
        said.push(t!(
            "why-latest-points",
            count = recent,
            kind = kind.as_str()
        ));
    }
    // No closing full stop: the reason is set in a sentence of its reader's.
    let mut text = format!("{}: {kind}", said.join("; "));
    if let Some(latest) = points.last()
        && latest.signal.is_none()
        && latest.value().is_some()
    {
        text.push_str(". ");
        text.push_str(&t!(
            "why-back-within",
            period = measure.period_label(latest.period)
        ));
    }
    text
}

/// One measure as the board's summary lists it.
#[derive(Clone)]
pub struct Row<'a> {
    pub result: &'a MeasureResult,
    pub reading: &'a Reading,
    pub graded: &'a Graded,
    /// Where its figures are: the measure page, or its section of the pack.
    pub href: String,
}

/// The summary's cell: the grade, and an analyst's reason where one set it.
fn grade_cell(graded: &Graded) -> Markup {
    html! {
        (grade_label(graded))
        @if graded.overridden { " " span.overridden { "(" (t!("set-by-analyst-because", why = graded.why.as_str())) ")" } }
    }
}

/// A measure's grade as its page, pack section and priority say it: the
/// grade, why, and who set it when an analyst did.
pub fn statement(graded: &Graded) -> Markup {
    html! {
        p.grade-statement {
            strong { (t!("grade")) ": " } (grade_label(graded)) ": " (graded.why)
            @if graded.overridden { " (" (t!("set-by-analyst-over-rules")) ")" } "."
        }
    }
}

fn grade_label(graded: &Graded) -> Markup {
    let class = match graded.grade {
        Grade::RequiresScrutiny => "scrutiny",
        Grade::Improving => "improving",
        Grade::Content => "content",
    };
    html! { span class={ "grade " (class) } { (graded.grade.label()) } }
}

/// The board's one-page summary: every measure with its latest value,
/// variation and assurance icons, and grade.
pub fn summary_matrix(rows: &[Row<'_>]) -> Markup {
    use super::chart::{assurance_icon, variation_icon};
    html! {
        table.matrix {
            thead { tr {
                th scope="col" { (t!("measure")) } th scope="col" { (t!("latest")) } th scope="col" { (t!("variation")) }
                th scope="col" { (t!("assurance")) } th scope="col" { (t!("grade")) }
            } }
            tbody {
                @for row in rows {
                    @let m = &row.result.measure;
                    @let (period, value) = match &row.reading.latest {
                        Some(p) => (
                            m.period_label(p.period),
                            match p.value() {
                                Some(v) => m.format_value(v),
                                None if p.suppressed => t!("withheld"),
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

/// The board's headline: how many measures require scrutiny, are improving
/// and are content.
pub fn headline(rows: &[Row<'_>]) -> String {
    let count = |grade: Grade| rows.iter().filter(|r| r.graded.grade == grade).count();
    let (scrutiny, improving, content) = (
        count(Grade::RequiresScrutiny),
        count(Grade::Improving),
        count(Grade::Content),
    );
    t!(
        "grades-headline",
        count = rows.len(),
        scrutiny = scrutiny,
        improving = improving,
        content = content
    )
}

/// The exceptions: the measures that require scrutiny, each with its reading
/// and the analysts' commentary; a sentence where there are none.
pub fn exceptions(rows: &[Row<'_>]) -> Markup {
    let scrutiny: Vec<&Row> = rows
        .iter()
        .filter(|r| r.graded.grade == Grade::RequiresScrutiny)
        .collect();
    if scrutiny.is_empty() {
        return html! { section.exceptions { h2 { (t!("exceptions")) } p { (t!("no-exceptions")) } } };
    }
    html! {
        section.exceptions {
            h2 { (t!("exceptions-heading")) }
            @for row in scrutiny {
                @let m = &row.result.measure;
                article.exception {
                    h3 { a href=(row.href) { (m.title) } }
                    p.why { (Grade::RequiresScrutiny.label()) ": " (row.graded.why) @if row.graded.overridden { " (" (t!("set-by-analyst")) ")" } "." }
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
                    run_length: crate::stats::spc::MDC_RUN_LENGTH,
                    chart: crate::definition::SpcChart::Xmr,
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
            events: None,
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

    /// The reason names the points that triggered it, where they lay, and
    /// that the latest is back within its limits: one story, not "a special
    /// cause among the latest 3 points" beside "the latest month is common
    /// cause".
    #[test]
    fn the_reason_names_what_triggered_it_and_when() {
        use Signal::*;
        let mut r = result(
            Polarity::LowerIsBetter,
            &[None, None, None, Some(Concern), Some(Concern), None],
        );
        let series = &mut r.series[0];
        for (i, value) in [10.0, 11.0, 9.0, 25.0, 24.0, 10.0].into_iter().enumerate() {
            series.points[i].figures.as_mut().unwrap().value = Some(value);
        }
        series.spc = vec![crate::engine::SpcSegment {
            points: 0..6,
            limits: crate::stats::XmrLimits {
                mean: 12.0,
                lower: 2.0,
                upper: 22.0,
                near_lower: 5.0,
                near_upper: 19.0,
            },
            point_limits: Vec::new(),
            points_in_limits: 6,
            break_reason: None,
        }];
        let reading = crate::presentation::reading::read(&r);
        let graded = grade(&r, &reading, &Grading::default());
        assert_eq!(graded.grade, Grade::RequiresScrutiny);
        assert_eq!(
            graded.why,
            "Apr 2025 and May 2025 were above the upper process limit: a special cause of concern. \
             Jun 2025 is back within the expected range (common cause variation)"
        );
    }
}
