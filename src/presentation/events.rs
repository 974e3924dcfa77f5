//! A t or g chart of rare events, as the page and the pack show it: each
//! event after the first at its date, the days (or opportunities) since the
//! one before, the centre and limits, and a sentence that says no more than
//! the chart does.

use crate::definition::{Measure, SpcChart};
use crate::engine::events::{EventChart, EventPoint};
use crate::presentation::chart::{
    Described, GREY, INK, MARKS_SAID, Svg, points_chart, signal_mark, with_hover,
};
use crate::presentation::words::long_date;
use crate::stats::Signal;
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
fn unit_words(chart: &EventChart) -> (&'static str, &'static str) {
    let between = match chart.chart {
        SpcChart::G => "opportunities between events",
        _ => "days between events",
    };
    (chart.unit(), between)
}

/// The chart's heading: "Days between events (t chart)".
pub fn title(chart: &EventChart) -> String {
    let (_, between) = unit_words(chart);
    format!(
        "{} ({} chart)",
        crate::presentation::words::upper_first(between),
        chart.chart.name()
    )
}

/// "1 day", "12 days", "1 opportunity".
fn counted(value: f64, unit: &str) -> String {
    let one = if unit == "days" { "day" } else { "opportunity" };
    format!(
        "{} {}",
        amount(value),
        if value == 1.0 { one } else { unit }
    )
}

/// What the chart says, in words: how many events, the latest gap, the
/// limits, and the latest special cause (if any) and what it means.
pub fn sentence(chart: &EventChart) -> String {
    let (unit, _) = unit_words(chart);
    let (Some(first), Some(latest)) = (chart.first, chart.points.last()) else {
        return "Too few events yet to read the gaps between them: the chart needs at least two."
            .to_string();
    };
    let mut text = format!(
        "{} events from {} to {}; the latest came {} after the one before.",
        chart.points.len() + 1,
        long_date(first),
        long_date(latest.date),
        counted(latest.value, unit),
    );
    match chart.limits {
        Some(l) => text.push_str(&format!(
            " Gaps from {} to {} are usual (the limits, from {} gaps), around a centre of {}.",
            amount(l.lower),
            counted(l.upper, unit),
            chart.points_in_limits,
            counted(l.mean, unit)
        )),
        None => text.push_str(" Too few gaps yet to compute limits."),
    }
    let signalled = chart
        .points
        .iter()
        .rev()
        .find_map(|p| p.signal.map(|s| (p.date, s)));
    text.push(' ');
    match signalled {
        Some((when, signal)) => text.push_str(&format!(
            "The latest special cause, at the event of {}, {}.",
            long_date(when),
            match signal {
                Signal::Improvement => "is one of improvement: events had become rarer than before",
                Signal::Concern => "is one of concern: events had come closer together than before",
                Signal::SpecialCause => "says the gaps had changed by more than chance explains",
            }
        )),
        None => text.push_str("No special cause: the gaps vary no more than chance explains."),
    }
    text
}

fn signal_label(signal: Option<Signal>) -> &'static str {
    match signal {
        Some(Signal::Improvement) => "Improvement",
        Some(Signal::Concern) => "Concern",
        Some(Signal::SpecialCause) => "Special cause",
        None => "",
    }
}

/// The chart as SVG: each gap at its event's place in order, labelled by date.
pub fn chart_svg(chart: &EventChart, title: &str, size: (u32, u32)) -> Svg {
    let (unit, _) = unit_words(chart);
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
            |i| points[i].date.format("%-d %b %y").to_string(),
            amount,
            Some(unit),
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
    let description = format!("{} Every gap is in the table below.", sentence(chart));
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
    format!(
        "{}: {} since the event before{signal}",
        long_date(p.date),
        counted(p.value, unit)
    )
}

/// The chart, its reading and every gap, for the measure's page and pack.
pub fn section(measure: &Measure, chart: &EventChart) -> Markup {
    let heading = title(chart);
    let (unit, _) = unit_words(chart);
    let svg = chart_svg(chart, &heading, (960, 380));
    let how = match chart.chart {
        SpcChart::G => {
            "The limits are geometric, around the mean (PowerBI-SPC's g chart); a run is read about the median."
        }
        _ => {
            "The days are read on an individuals chart of the days to the power 1/3.6, whose limits are turned back into days (PowerBI-SPC's t chart)."
        }
    };
    html! {
        section.events id=(format!("{}-events", measure.id)) {
            h2 { (heading) }
            figure.chart role="group" aria-label=(heading) {
                (svg)
                figcaption {
                    "Each point is an event after the first, at its date: the " (unit)
                    " since the one before. A long gap is fewer events; a short one, more. The grey line is the centre and the dashed grey lines the limits; " (MARKS_SAID) ". "
                    (how)
                }
            }
            p.reading { (sentence(chart)) }
            details.figures {
                summary { "Every event" }
                div.table-wrap { table {
                    caption { (heading) " – every event after the first" }
                    thead { tr {
                        th scope="col" { "Date" }
                        th scope="col" { (crate::presentation::words::upper_first(unit)) " since the one before" }
                        th scope="col" { "Signal" }
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
