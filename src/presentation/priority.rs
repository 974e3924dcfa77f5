//! A People's Priority read before and after: the months since residents
//! raised it against the months before, on the SPC chart that starts afresh
//! in the month it was raised. It says a level changed only on SPC's own
//! evidence (a shift, or the new level beyond the old limits), and says when
//! there are too few months to tell.

use crate::definition::Measure;
use crate::definition::PriorityStatus;
use crate::engine::MeasureResult;
use crate::presentation::words::long_date;
use crate::stats::Polarity;
use crate::t;
use maud::{Markup, html};

/// What the months since a priority was raised show.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum BeforeAfter {
    /// The measure has no SPC to compare with.
    NoSpc,
    /// Fewer than two published points before it was raised: no earlier level.
    TooFewBefore { before: usize },
    /// No change shown yet, on too few points since to rule one out.
    TooFewAfter {
        after: usize,
        mean_before: f64,
        mean_after: Option<f64>,
    },
    /// The level moved: a shift, or the new mean beyond the earlier limits.
    Changed {
        mean_before: f64,
        mean_after: f64,
        rose: bool,
        /// The SPC run length (7, or the Plan's 6) or more months in a row on
        /// one side of the earlier mean.
        shift: bool,
        /// The new mean beyond the earlier process limits.
        beyond_limits: bool,
        /// Whether the change is for the better (`None` for a neutral measure).
        better: Option<bool>,
        after: usize,
    },
    NoChange {
        mean_before: f64,
        mean_after: f64,
        after: usize,
    },
}

/// How long an open priority may go without a review with residents: the
/// Neighbourhood Policing Guarantee asks for one at least every three months.
pub const REVIEW_MONTHS: u32 = 3;

/// "not reviewed since 14 November 2025": an open priority whose last review
/// (or, without one, its raising) is more than [`REVIEW_MONTHS`] before the
/// end of its latest figures; `None` when it is up to date, or closed.
pub fn review_overdue(result: &MeasureResult) -> Option<String> {
    let p = result.measure.priority.as_ref()?;
    if p.status != PriorityStatus::Open {
        return None;
    }
    let as_of = result.total().points.last()?.period.end_date();
    let last = p.reviewed.unwrap_or(p.raised);
    let due = last.checked_add_months(chrono::Months::new(REVIEW_MONTHS))?;
    (due < as_of).then(|| match p.reviewed {
        Some(day) => t!("not-reviewed-since", day = long_date(day)),
        None => t!("not-reviewed-since-raised", day = long_date(p.raised)),
    })
}

/// The months since the measure's priority was raised against those before.
pub fn before_after(result: &MeasureResult) -> Option<BeforeAfter> {
    let measure = &result.measure;
    let priority = measure.priority.as_ref()?;
    let shift_length = measure.spc()?.run_length;
    let total = result.total();
    let raised = crate::common::period::Month::of(priority.raised);
    let values = |points: &[crate::engine::Point]| -> Vec<f64> {
        points.iter().filter_map(|p| p.value()).collect()
    };
    let split = total.points.partition_point(|p| p.period.first < raised);
    let before = values(&total.points[..split]);
    let after = values(&total.points[split..]);
    if before.len() < 2 {
        return Some(BeforeAfter::TooFewBefore {
            before: before.len(),
        });
    }
    // The earlier segment's limits: those in force at the last point before.
    let segment = total.spc.iter().find(|s| s.points.contains(&(split - 1)));
    let Some(earlier) = segment.map(|s| s.limits) else {
        return Some(BeforeAfter::NoSpc);
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let mean_after = (!after.is_empty()).then(|| mean(&after));
    let mut run = 0usize;
    let mut longest = 0usize;
    let mut side = 0i8;
    for v in &after {
        let now = if *v > earlier.mean {
            1
        } else if *v < earlier.mean {
            -1
        } else {
            0
        };
        run = if now != 0 && now == side {
            run + 1
        } else {
            usize::from(now != 0)
        };
        side = now;
        longest = longest.max(run);
    }
    let shift = longest >= shift_length;
    let beyond_limits =
        after.len() >= 2 && mean_after.is_some_and(|m| m > earlier.upper || m < earlier.lower);
    match mean_after {
        Some(m) if shift || beyond_limits => {
            let rose = m > earlier.mean;
            Some(BeforeAfter::Changed {
                mean_before: earlier.mean,
                mean_after: m,
                rose,
                shift,
                beyond_limits,
                better: match measure.polarity {
                    Polarity::HigherIsBetter => Some(rose),
                    Polarity::LowerIsBetter => Some(!rose),
                    Polarity::Neutral => None,
                },
                after: after.len(),
            })
        }
        Some(m) if after.len() >= shift_length => Some(BeforeAfter::NoChange {
            mean_before: earlier.mean,
            mean_after: m,
            after: after.len(),
        }),
        _ => Some(BeforeAfter::TooFewAfter {
            after: after.len(),
            mean_before: earlier.mean,
            mean_after,
        }),
    }
}

/// The reading in plain words: "Since residents raised it in June 2024 …".
pub fn sentence(measure: &Measure, finding: &BeforeAfter) -> String {
    let Some(priority) = &measure.priority else {
        return String::new();
    };
    let when = crate::common::period::Month::of(priority.raised).long_name();
    let when = when.as_str();
    // A key of the catalogue's select expressions, not a word shown.
    let noun = match measure.periods {
        crate::definition::Periods::Discrete { grain, .. } if grain.months() > 1 => "period",
        _ => "month",
    };
    let v = |x: f64| measure.format_value(x);
    // Months in a row on one side of the earlier mean that make a shift: the
    // SPC chart's own run length.
    let run = measure
        .spc()
        .map_or(crate::stats::spc::MDC_RUN_LENGTH, |s| s.run_length);
    match finding {
        BeforeAfter::NoSpc => t!("priority-no-spc", when = when),
        BeforeAfter::TooFewBefore { before } => {
            t!(
                "priority-too-few-before",
                when = when,
                count = *before,
                noun = noun
            )
        }
        BeforeAfter::TooFewAfter {
            after,
            mean_before,
            mean_after,
        } => {
            let since = match mean_after {
                Some(m) => format!(
                    " ({})",
                    t!(
                        "priority-average",
                        after = v(*m),
                        before = v(*mean_before),
                        noun = noun
                    )
                ),
                None => String::new(),
            };
            t!(
                "priority-too-few-after",
                when = when,
                count = *after,
                noun = noun,
                since = since,
                run = run
            )
        }
        BeforeAfter::NoChange {
            mean_before,
            mean_after,
            after,
        } => t!(
            "priority-no-change",
            when = when,
            count = *after,
            noun = noun,
            average = t!(
                "priority-average",
                after = v(*mean_after),
                before = v(*mean_before),
                noun = noun
            )
        ),
        BeforeAfter::Changed {
            mean_before,
            mean_after,
            rose,
            shift,
            beyond_limits,
            better,
            after,
        } => {
            let evidence = match (shift, beyond_limits) {
                (true, true) => "both",
                (true, false) => "run",
                _ => "beyond",
            };
            t!(
                "priority-changed",
                when = when,
                moved = if *rose { "risen" } else { "fallen" },
                after = v(*mean_after),
                before = v(*mean_before),
                count = *after,
                noun = noun,
                evidence = evidence,
                run = run,
                verdict = match better {
                    Some(true) => "better",
                    Some(false) => "worse",
                    None => "neither",
                }
            )
        }
    }
}

/// The People's Priorities as a page or pack section: the open ones grouped
/// by district (in the force's order, then those of no one district), each
/// with its area, who raised it and when, its chart with the break, and the
/// before-and-after reading; the closed ones listed apart. `link` makes each
/// title a link to its measure page (the dashboard's, not the pack's). Each
/// open one carries its grade by the Plan's `grading` (or an analyst's) and
/// the analysts' commentary on its latest period, as every measure does.
pub fn section(
    results: &[&MeasureResult],
    force: &crate::ingest::Force,
    grading: &crate::definition::dashboards::Grading,
    link: bool,
) -> Markup {
    let item = |result: &MeasureResult, chart: bool| -> Markup {
        let m = &result.measure;
        let p = m.priority.as_ref().expect("a priority");
        let reading = before_after(result)
            .map(|f| sentence(m, &f))
            .unwrap_or_default();
        let graded =
            chart.then(|| super::grade::grade(result, &super::reading::read(result), grading));
        html! {
            article.priority id=(m.id) {
                h3 { @if link { a href={ "/measures/" (m.id) } { (m.title) } } @else { (m.title) } }
                p.meta {
                    (if p.area.is_empty() { &m.title } else { &p.area }) " · "
                    @if p.raised_by.is_empty() {
                        (t!("raised-on", on = long_date(p.raised)))
                    } @else {
                        (t!("raised-by-on", by = p.raised_by.as_str(), on = long_date(p.raised)))
                    }
                    @if let Some(day) = p.reviewed { " · " (t!("last-reviewed-on", on = long_date(day))) }
                }
                @if let Some(overdue) = review_overdue(result) {
                    p.review-overdue {
                        strong { (crate::presentation::words::upper_first(&overdue)) }
                        ": " (t!("reviews-due", months = REVIEW_MONTHS))
                    }
                }
                @if chart {
                    figure.chart {
                        (crate::presentation::chart::trend_chart(m, result.total(), &m.title, (760, 300)))
                        figcaption { (crate::presentation::words::breaks(m, result.total())) }
                    }
                }
                p.reading { (reading) }
                @if let Some(graded) = &graded { (super::grade::statement(graded)) }
                @if let (true, Some(point)) = (chart, result.total().points.last()) {
                    (super::commentary_section(m, point))
                }
            }
        }
    };
    let with_status = |status: PriorityStatus| -> Vec<&MeasureResult> {
        results
            .iter()
            .copied()
            .filter(|r| {
                r.measure
                    .priority
                    .as_ref()
                    .is_some_and(|p| p.status == status)
            })
            .collect()
    };
    let (open, closed) = (
        with_status(PriorityStatus::Open),
        with_status(PriorityStatus::Closed),
    );
    let mut districts: Vec<(Option<&str>, String)> = force
        .districts
        .iter()
        .map(|d| (Some(d.id.as_str()), d.name.clone()))
        .collect();
    districts.push((None, t!("across-the-force")));
    let in_district = |id: Option<&str>| -> Vec<&MeasureResult> {
        open.iter()
            .copied()
            .filter(|r| {
                r.measure
                    .priority
                    .as_ref()
                    .and_then(|p| p.district.as_deref())
                    == id
            })
            .collect()
    };
    html! {
        @for (id, name) in districts {
            @let here = in_district(id);
            @if !here.is_empty() {
                section.district { h2 { (name) } @for r in here { (item(r, true)) } }
            }
        }
        @if open.is_empty() { p.muted { (t!("no-open-priorities")) } }
        @if !closed.is_empty() {
            section.closed { h2 { (t!("closed-priorities")) } @for r in closed { (item(r, false)) } }
        }
    }
}
