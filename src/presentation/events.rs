//! A t or g chart of rare events, as the page and the pack show it: each
//! event after the first at its date, the days (or opportunities) since the
//! one before, the centre and limits, and a sentence that says no more than
//! the chart does.

use crate::definition::{Measure, SpcChart};
use crate::engine::events::{EventChart, EventPoint};
use crate::presentation::chart::{
    Described, GREY, INK, Svg, marks_said, points_chart, signal_mark, with_hover,
};
use crate::presentation::words::long_date;
use crate::stats::Signal;
use crate::t;
use chrono::Datelike;
use maud::{Markup, html};
use plotters::prelude::*;

/// A number of days or opportunities as the chart's words write it: whole
/// from 10, else to one decimal place, without a trailing ".0".
fn amount(value: f64) -> String {
    let decimals = if value >= 10.0 { 0 } else { 1 };
    let text = crate::common::grouped(value, decimals);
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

/// What a gap is counted in ("days", "opportunities"), and the gaps in words.
/// "days", "opportunities": what the chart counts between events, as the
/// catalogue's select expressions name it.
fn unit_words(chart: &EventChart) -> (&'static str, String) {
    (chart.unit(), t!("event-unit", unit = chart.unit()))
}

/// The chart's heading: "Days between events (t chart)".
pub fn title(chart: &EventChart) -> String {
    t!(
        "events-title",
        unit = chart.unit(),
        chart = chart.chart.name()
    )
}

/// "1 day", "12 days", "1 opportunity".
fn counted(value: f64, unit: &str) -> String {
    // Whole days and opportunities pick their plural form; a fraction is "other".
    let count = if value == 1.0 { 1 } else { 2 };
    t!(
        "event-counted",
        amount = amount(value),
        unit = unit,
        count = count
    )
}

/// What the chart says, in words: how many events, the latest gap, the
/// limits, and the latest special cause (if any) and what it means.
pub fn sentence(chart: &EventChart) -> String {
    let (unit, _) = unit_words(chart);
    let (Some(first), Some(latest)) = (chart.first, chart.points.last()) else {
        return t!("events-too-few");
    };
    let mut text = t!(
        "events-span",
        count = chart.points.len() + 1,
        first = long_date(first),
        last = long_date(latest.date),
        gap = counted(latest.value, unit)
    );
    text.push(' ');
    match chart.limits {
        Some(l) => text.push_str(&t!(
            "events-limits",
            lower = amount(l.lower),
            upper = counted(l.upper, unit),
            gaps = chart.points_in_limits,
            centre = counted(l.mean, unit)
        )),
        None => text.push_str(&t!("events-no-limits")),
    }
    let signalled = chart
        .points
        .iter()
        .rev()
        .find_map(|p| p.signal.map(|s| (p.date, s)));
    text.push(' ');
    match signalled {
        Some((when, signal)) => text.push_str(&t!(
            "events-latest-cause",
            when = long_date(when),
            signal = signal.as_str()
        )),
        None => text.push_str(&t!("events-no-cause")),
    }
    text
}

fn signal_label(signal: Option<Signal>) -> String {
    signal.map_or_else(String::new, crate::presentation::words::signal_name)
}

/// The chart as SVG: each gap at its event's place in order, labelled by date.
pub fn chart_svg(chart: &EventChart, title: &str, size: (u32, u32)) -> Svg {
    let (unit, unit_name) = unit_words(chart);
    let points = &chart.points;
    let n = points.len().max(1);
    let mut high = points.iter().map(|p| p.value).fold(1.0, f64::max);
    if let Some(l) = chart.limits {
        high = high.max(l.upper);
    }
    let y_high = high * 1.08;
    let mut svg = String::new();
    let mut hover: Vec<(i32, i32, String)> = Vec::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let Some(mut plot) = points_chart(
            &root,
            title,
            n,
            0.0..y_high,
            |i| {
                let day = points[i].date;
                format!(
                    "{} {} {:02}",
                    day.day(),
                    crate::common::language::month_abbreviation(day.month()),
                    day.year().rem_euclid(100)
                )
            },
            amount,
            Some(&unit_name),
        ) else {
            return Svg(String::new());
        };
        if let Some(l) = chart.limits {
            let x = [-0.5, n as f64 - 0.5];
            let _ = plot.draw_series(LineSeries::new(
                x.map(|x| (x, l.mean)),
                GREY.stroke_width(1),
            ));
            for v in [l.lower, l.upper] {
                let _ = plot.draw_series(DashedLineSeries::new(
                    x.map(|x| (x, v)),
                    6,
                    4,
                    GREY.stroke_width(1),
                ));
            }
        }
        let _ = plot.draw_series(LineSeries::new(
            points.iter().enumerate().map(|(i, p)| (i as f64, p.value)),
            INK.stroke_width(2),
        ));
        for (i, p) in points.iter().enumerate() {
            signal_mark(&mut plot, (i as f64, p.value), p.signal);
            let (x, y) = plot.backend_coord(&(i as f64, p.value));
            hover.push((x, y, tooltip(p, unit)));
        }
        let _ = root.present();
    }
    let description = format!("{} {}", sentence(chart), t!("events-every-gap"));
    with_hover(
        &svg,
        hover,
        Described {
            title,
            description: &description,
        },
    )
}

fn tooltip(p: &EventPoint, unit: &str) -> String {
    let signal = match p.signal {
        Some(_) => format!(" ({})", signal_label(p.signal).to_lowercase()),
        None => String::new(),
    };
    t!(
        "event-tooltip",
        date = long_date(p.date),
        gap = counted(p.value, unit),
        signal = signal
    )
}

/// The chart, its reading and every gap, for the measure's page and pack.
pub fn section(measure: &Measure, chart: &EventChart) -> Markup {
    let heading = title(chart);
    let (_, unit) = unit_words(chart);
    let svg = chart_svg(chart, &heading, (960, 380));
    let how = match chart.chart {
        SpcChart::G => t!("events-how-g"),
        _ => t!("events-how-t"),
    };
    html! {
        section.events id=(format!("{}-events", measure.id)) {
            h2 { (heading) }
            figure.chart role="group" aria-label=(heading) {
                (svg)
                figcaption {
                    (t!("events-caption", unit = unit.as_str(), marks = marks_said())) " "
                    (how)
                }
            }
            p.reading { (sentence(chart)) }
            details.figures {
                summary { (t!("every-event")) }
                div.table-wrap { table {
                    caption { (t!("every-event-caption", heading = heading.as_str())) }
                    thead { tr {
                        th scope="col" { (t!("date")) }
                        th scope="col" { (t!("since-the-one-before", unit = crate::presentation::words::upper_first(&unit))) }
                        th scope="col" { (t!("signal-heading")) }
                    } }
                    tbody {
                        @for p in &chart.points {
                            tr {
                                th scope="row" { (long_date(p.date)) }
                                td { (amount(p.value)) }
                                td { (signal_label(p.signal)) }
                            }
                        }
                    }
                } }
            }
        }
    }
}
