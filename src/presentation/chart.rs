//! Charts as SVG: the trend chart drawn with plotters (series, interval band,
//! SPC mean and limits, target, special-cause points), hover tooltips, and the
//! small sparklines and Making Data Count icons of the cards.

use crate::definition::Measure;
use crate::engine::Series;
use crate::presentation::reading::{Assurance, Variation};
use crate::stats::{Signal, XmrLimits};
use maud::{Markup, html};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write;

pub const BLUE: RGBColor = RGBColor(0, 94, 184); // NHS blue: improvement
// Concern: Making Data Count's orange (#ED8B00) darkened to reach 3:1
// against white, as every line and point must (WCAG 1.4.11).
pub const ORANGE: RGBColor = RGBColor(194, 94, 0);
pub const PURPLE: RGBColor = RGBColor(124, 40, 119); // special cause, neither direction better
pub const GREY: RGBColor = RGBColor(99, 102, 106);
pub const INK: RGBColor = RGBColor(33, 43, 50);
const BAND: RGBColor = RGBColor(173, 205, 234);
const TARGET: RGBColor = RGBColor(218, 41, 28);

/// How each of a measure's targets is drawn, in order: by dash as well as
/// colour, so that two targets are told apart without colour; with the words
/// that describe them under the chart.
pub const TARGET_STYLES: [(RGBColor, u32, &str); 2] = [
    (TARGET, 3, "red short-dashed"),
    (INK, 10, "dark long-dashed"),
];

/// Each annotation with the index of the point whose period holds its date
/// (for a rolling window, the point that ends in its month); annotations
/// outside the points are left off.
pub fn annotated_points<'a>(
    measure: &'a Measure,
    points: &[crate::engine::Point],
) -> Vec<(usize, &'a crate::definition::Annotation)> {
    measure
        .annotations
        .iter()
        .filter_map(|a| {
            let month = crate::common::period::Month::of(a.date);
            let i = points.iter().position(|p| match measure.periods {
                crate::definition::Periods::Discrete { .. } => {
                    p.period.first <= month && month <= p.period.last
                }
                _ => p.period.last == month,
            })?;
            Some((i, a))
        })
        .collect()
}

/// "3 April 2023: Online reporting form goes live".
pub fn annotation_text(annotation: &crate::definition::Annotation) -> String {
    format!(
        "{}: {}",
        crate::presentation::words::long_date(annotation.date),
        annotation.text
    )
}

pub fn signal_colour(signal: Option<Signal>) -> RGBColor {
    match signal {
        Some(Signal::Improvement) => BLUE,
        Some(Signal::Concern) => ORANGE,
        Some(Signal::SpecialCause) => PURPLE,
        None => GREY,
    }
}

/// The mark of a point by its special cause, in shape as well as colour (as
/// Making Data Count's icons tell them apart by letter): a circle for common
/// cause, a triangle for improvement, a square for concern, a diamond for a
/// special cause in neither direction.
pub fn signal_mark<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    at: (f64, f64),
    signal: Option<Signal>,
) {
    let style = signal_colour(signal).filled();
    let mark = EmptyElement::at(at);
    let _ = match signal {
        None => chart.draw_series(std::iter::once(mark + Circle::new((0, 0), 3, style))),
        Some(Signal::Improvement) => chart.draw_series(std::iter::once(
            mark + Polygon::new(vec![(0, -6), (6, 4), (-6, 4)], style),
        )),
        Some(Signal::Concern) => chart.draw_series(std::iter::once(
            mark + Rectangle::new([(-4, -4), (4, 4)], style),
        )),
        Some(Signal::SpecialCause) => chart.draw_series(std::iter::once(
            mark + Polygon::new(vec![(0, -6), (6, 0), (0, 6), (-6, 0)], style),
        )),
    };
}

/// How [`signal_mark`] draws each kind of point, for the words under a chart.
pub fn marks_said() -> String {
    crate::t!("marks-said")
}

fn short_label(point: &crate::engine::Point) -> String {
    let last = point.period.last;
    format!(
        "{} {:02}",
        crate::common::language::month_abbreviation(last.month()),
        last.year().rem_euclid(100)
    )
}

/// An SVG document as plotters draws it (its text escaped by plotters, the
/// hover titles by maud): markup that goes into a page as it stands, and the
/// one kind of markup from outside maud that pages take unescaped.
pub struct Svg(pub String);

impl maud::Render for Svg {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&self.0);
    }
}

/// The full trend chart of one series, as an SVG document.
pub fn trend_chart(measure: &Measure, series: &Series, title: &str, size: (u32, u32)) -> Svg {
    trend_chart_beside(measure, series, None, title, size, None)
}

/// Small multiples: a chart per series, all on one y scale (the widest any
/// of them needs), so that groups can be compared by eye.
pub fn small_multiples(
    measure: &Measure,
    series: &[(&Series, String)],
    size: (u32, u32),
) -> Vec<Svg> {
    let scale = series
        .iter()
        .filter_map(|(s, _)| extent(measure, s))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    series
        .iter()
        .map(|(s, title)| trend_chart_beside(measure, s, None, title, size, scale))
        .collect()
}

/// The least and greatest value a series' chart shows: its values, their
/// intervals, its control limits and the target; `None` with none of them.
fn extent(measure: &Measure, series: &Series) -> Option<(f64, f64)> {
    let mut lows: Vec<f64> = Vec::new();
    let mut highs: Vec<f64> = Vec::new();
    for p in &series.points {
        if let Some(f) = &p.figures {
            lows.extend(f.value);
            highs.extend(f.value);
            if let Some(i) = f.interval {
                lows.push(i.lower);
                highs.push(i.upper);
            }
        }
    }
    for segment in &series.spc {
        for l in std::iter::once(&segment.limits).chain(segment.point_limits.iter().flatten()) {
            lows.push(l.lower);
            highs.push(l.upper);
        }
    }
    let targets = measure
        .targets
        .iter()
        .flat_map(|t| t.steps.iter().map(|(_, v)| *v));
    lows.extend(targets.clone());
    highs.extend(targets);
    let low = lows.iter().copied().fold(f64::INFINITY, f64::min);
    let high = highs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (low.is_finite() && high.is_finite()).then_some((low, high))
}

/// For a measure compared with peers: the total's chart with the peer group's
/// rate as a dashed line beside it.
pub fn peer_chart(result: &crate::engine::MeasureResult, title: &str, size: (u32, u32)) -> Svg {
    let group = result.breakdown("peer_group").next();
    trend_chart_beside(&result.measure, result.total(), group, title, size, None)
}

/// The trend chart, with `beside` (a comparison series over the same periods)
/// drawn dashed, on a y scale reaching at least `scale` where given.
fn trend_chart_beside(
    measure: &Measure,
    series: &Series,
    beside: Option<&Series>,
    title: &str,
    size: (u32, u32),
    scale: Option<(f64, f64)>,
) -> Svg {
    let mut svg = String::new();
    let mut hover: Vec<(i32, i32, String)> = Vec::new();
    let points = &series.points;
    let n = points.len().max(1);
    let mut lows: Vec<f64> = Vec::new();
    let mut highs: Vec<f64> = Vec::new();
    for (low, high) in extent(measure, series).into_iter().chain(scale) {
        lows.push(low);
        highs.push(high);
    }
    let beside_values: Vec<Option<f64>> = beside.map_or_else(Vec::new, |b| {
        points
            .iter()
            .map(|p| {
                b.points
                    .iter()
                    .find(|q| q.period == p.period)
                    .and_then(|q| q.value())
            })
            .collect()
    });
    lows.extend(beside_values.iter().flatten());
    highs.extend(beside_values.iter().flatten());
    let mut low = lows.iter().copied().fold(f64::INFINITY, f64::min);
    let mut high = highs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !low.is_finite() || !high.is_finite() {
        (low, high) = (0.0, 1.0);
    }
    if measure.kind.never_negative() {
        low = low.max(0.0).min(high);
    }
    let pad = ((high - low) * 0.08).max(if measure.is_proportion() { 0.01 } else { 1.0 });
    let (y_low, y_high) = (
        (low - pad).max(if low >= 0.0 { 0.0 } else { f64::MIN }),
        high + pad,
    );
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let _ = root.fill(&WHITE);
        let Some(mut chart) = points_chart(
            &root,
            title,
            n,
            y_low..y_high,
            |i| short_label(&points[i]),
            |y| measure.format_value(y),
            None,
        ) else {
            return Svg(String::new());
        };

        // The 95% interval as a band, in runs of points that have one.
        for run in runs(
            points
                .iter()
                .map(|p| p.figures.as_ref().and_then(|f| f.interval))
                .collect::<Vec<_>>(),
        ) {
            let mut outline: Vec<(f64, f64)> =
                run.iter().map(|(i, ci)| (*i as f64, ci.upper)).collect();
            outline.extend(run.iter().rev().map(|(i, ci)| (*i as f64, ci.lower)));
            let _ = chart.draw_series(std::iter::once(Polygon::new(
                outline,
                BAND.mix(0.55).filled(),
            )));
        }
        for segment in &series.spc {
            let l = segment.limits;
            let x = [
                segment.points.start as f64 - 0.5,
                segment.points.end as f64 - 0.5,
            ];
            let _ = chart.draw_series(LineSeries::new(
                x.map(|x| (x, l.mean)),
                GREY.stroke_width(1),
            ));
            for limit in [(|l: &XmrLimits| l.lower) as fn(&XmrLimits) -> f64, |l| {
                l.upper
            }] {
                // A p′ or u′ chart's limits step with each point's size.
                let path: Vec<(f64, f64)> = if segment.point_limits.is_empty() {
                    x.map(|x| (x, limit(&l))).to_vec()
                } else {
                    segment
                        .points
                        .clone()
                        .zip(&segment.point_limits)
                        .filter_map(|(i, l)| l.as_ref().map(|l| (i as f64, limit(l))))
                        .flat_map(|(i, v)| [(i - 0.5, v), (i + 0.5, v)])
                        .collect()
                };
                let _ = chart.draw_series(DashedLineSeries::new(path, 6, 4, GREY.stroke_width(1)));
            }
            // Trial limits are labelled where they start, just above the upper one.
            if segment.trial() {
                let _ = chart.draw_series(std::iter::once(Text::new(
                    crate::t!("trial-limits-label", points = segment.points_in_limits),
                    (x[0] + 0.1, l.upper),
                    ("sans-serif", 12)
                        .into_font()
                        .color(&GREY)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                )));
            }
            // A break: a dotted line where the process changed, its reason on hover.
            if let Some(reason) = &segment.break_reason {
                let _ = chart.draw_series(DashedLineSeries::new(
                    [y_low, y_high].map(|y| (x[0], y)),
                    2,
                    3,
                    INK.stroke_width(1),
                ));
                let (bx, by) = chart.backend_coord(&(x[0], y_high));
                hover.push((
                    bx,
                    by + 8,
                    crate::t!(
                        "break-hover",
                        period = measure.period_label(points[segment.points.start].period),
                        reason = reason.as_str()
                    ),
                ));
            }
        }
        // Annotations: a dotted line at the point whose period holds the
        // event, numbered at the top as the list under the chart is.
        for (k, (i, annotation)) in annotated_points(measure, points).into_iter().enumerate() {
            let x = i as f64;
            let _ = chart.draw_series(DashedLineSeries::new(
                [y_low, y_high].map(|y| (x, y)),
                1,
                3,
                BLUE.stroke_width(1),
            ));
            let _ = chart.draw_series(std::iter::once(Text::new(
                format!("{}", k + 1),
                (x, y_high),
                ("sans-serif", 12)
                    .into_font()
                    .color(&BLUE)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            )));
            let (bx, by) = chart.backend_coord(&(x, y_high));
            hover.push((bx, by + 8, annotation_text(annotation)));
        }
        for (target, (colour, dash, _)) in measure.targets.iter().zip(TARGET_STYLES.iter().cycle())
        {
            // Its value at each point: a trajectory steps where a new value starts.
            let values: Vec<Option<f64>> = points
                .iter()
                .map(|p| target.value_at(p.period.last))
                .collect();
            let mut i = 0;
            while i < values.len() {
                let Some(v) = values[i] else {
                    i += 1;
                    continue;
                };
                let end = (i..values.len())
                    .take_while(|&j| values[j] == Some(v))
                    .last()
                    .unwrap_or(i);
                let _ = chart.draw_series(DashedLineSeries::new(
                    [(i as f64 - 0.5, v), (end as f64 + 0.5, v)],
                    *dash,
                    3,
                    colour.stroke_width(2),
                ));
                let (x, y) = chart.backend_coord(&(end as f64 + 0.5, v));
                hover.push((
                    x - 4,
                    y,
                    format!("{}: {}", target.name, measure.format_value(v)),
                ));
                i = end + 1;
            }
        }
        for run in runs(beside_values.clone()) {
            let _ = chart.draw_series(DashedLineSeries::new(
                run.iter().map(|(i, v)| (*i as f64, *v)),
                5,
                4,
                PURPLE.stroke_width(2),
            ));
            for (i, v) in &run {
                let (x, y) = chart.backend_coord(&(*i as f64, *v));
                hover.push((
                    x,
                    y,
                    format!(
                        "{}, {}: {}",
                        beside
                            .and_then(|b| b.group.clone())
                            .unwrap_or_else(|| crate::t!("comparison")),
                        measure.period_label(points[*i].period),
                        measure.format_value(*v)
                    ),
                ));
            }
        }
        for run in runs(points.iter().map(|p| p.value()).collect::<Vec<_>>()) {
            let _ = chart.draw_series(LineSeries::new(
                run.iter().map(|(i, v)| (*i as f64, *v)),
                INK.stroke_width(2),
            ));
        }
        for (i, p) in points.iter().enumerate() {
            let Some(v) = p.value() else { continue };
            signal_mark(&mut chart, (i as f64, v), p.signal);
            let (x, y) = chart.backend_coord(&(i as f64, v));
            hover.push((x, y, tooltip(measure, p)));
        }
        for (i, p) in points.iter().enumerate().filter(|(_, p)| p.suppressed) {
            let (x, _) = chart.backend_coord(&(i as f64, y_low));
            hover.push((
                x,
                size.1 as i32 - 52,
                format!(
                    "{}: suppressed (small number)",
                    measure.period_label(p.period)
                ),
            ));
        }
        let _ = root.present();
    }
    let description = describe(measure, series);
    with_hover(
        &svg,
        hover,
        Described {
            title,
            description: &description,
        },
    )
}

/// What a series' chart shows, in words: its span, its latest figure, and
/// its special causes.
pub fn describe(measure: &Measure, series: &Series) -> String {
    let shown: Vec<&crate::engine::Point> = series
        .points
        .iter()
        .filter(|p| p.value().is_some())
        .collect();
    let (Some(first), Some(latest)) = (shown.first(), shown.last()) else {
        return match (series.points.first(), series.points.last()) {
            (Some(first), Some(last)) => crate::t!(
                "describe-all-withheld",
                count = series.points.len(),
                first = measure.period_label(first.period),
                last = measure.period_label(last.period)
            ),
            _ => crate::t!("describe-no-periods"),
        };
    };
    let mut text = crate::t!(
        "describe-span",
        count = shown.len(),
        first = measure.period_label(first.period),
        last = measure.period_label(latest.period),
        value = measure.format_value(latest.value().unwrap_or_default())
    );
    let withheld = series.points.iter().filter(|p| p.suppressed).count();
    if withheld > 0 {
        text += " ";
        text += &crate::t!("describe-withheld", count = withheld);
    }
    if !series.spc.is_empty() {
        let count = |s: Signal| series.points.iter().filter(|p| p.signal == Some(s)).count();
        let causes: Vec<String> = [Signal::Improvement, Signal::Concern, Signal::SpecialCause]
            .into_iter()
            .filter(|s| count(*s) > 0)
            .map(|s| crate::t!("describe-cause", count = count(s), signal = s.as_str()))
            .collect();
        text += " ";
        text += &if causes.is_empty() {
            crate::t!("describe-no-cause")
        } else {
            crate::t!("describe-causes", causes = causes.join(", "))
        };
    }
    text += " ";
    text += &crate::t!("describe-table");
    text
}

/// A chart of points in order (at x = 0, 1, …) and their values.
pub type PointsChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A chart of `n` points in order, drawn on a white `root` with the trend
/// chart's margins, caption, grid and axes: a label under a point every so
/// often, ending on the latest (`label(i)` says what), and values on the y
/// axis as `value` writes them. `None` where the ranges cannot be drawn.
pub fn points_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    title: &str,
    n: usize,
    y: std::ops::Range<f64>,
    label: impl Fn(usize) -> String,
    value: impl Fn(f64) -> String,
    y_description: Option<&str>,
) -> Option<PointsChart<'a, 'b>> {
    let _ = root.fill(&WHITE);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .margin_right(36)
        .x_label_area_size(36)
        .y_label_area_size(76)
        .caption(title, ("sans-serif", 20).into_font().color(&INK))
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), y)
        .ok()?;
    let step = n.div_ceil(8).max(1);
    let x_label = |x: &f64| {
        let i = x.round() as usize;
        if (x - x.round()).abs() < 1e-6 && i < n && i % step == (n - 1) % step {
            label(i)
        } else {
            String::new()
        }
    };
    let y_label = |y: &f64| value(*y);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .light_line_style(RGBColor(236, 238, 240))
        .bold_line_style(RGBColor(220, 224, 227))
        .x_labels(n + 1)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style(("sans-serif", 14).into_font().color(&GREY))
        .axis_style(RGBColor(118, 124, 130));
    if let Some(description) = y_description {
        mesh.y_desc(description);
    }
    let _ = mesh.draw();
    Some(chart)
}

/// What a chart is, for those who cannot see it: its title, and a
/// description of what it shows in words.
pub struct Described<'a> {
    pub title: &'a str,
    pub description: &'a str,
}

/// The SVG as an image with its title and description (role="img", the
/// `<title>` and `<desc>` a screen reader reads), its values readable on
/// hover: a transparent target with a `<title>` at each (x, y) of `hover`.
/// Every value hovered is also in the table that goes with the chart.
pub fn with_hover(svg: &str, hover: Vec<(i32, i32, String)>, about: Described<'_>) -> Svg {
    let overlay = html! {
        @for (x, y, text) in hover {
            circle cx=(x) cy=(y) r="8" fill="transparent" class="hover" { title { (text) } }
        }
    };
    let heading = html! { title { (about.title) } desc { (about.description) } };
    let svg = match svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|end| at + end))
    {
        Some(end) => format!(
            "{} role=\"img\">{}{}",
            &svg[..end],
            heading.0,
            &svg[end + 1..]
        ),
        None => svg.to_string(),
    };
    let svg = svg.replace("</svg>", &format!("{}</svg>", overlay.0));
    // XML allows no control character but tab and line ends, not even
    // escaped: one in a group's name or an annotation would leave the
    // document ill-formed (and its PNG unrenderable).
    Svg(svg
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect())
}

fn tooltip(measure: &Measure, point: &crate::engine::Point) -> String {
    let Some(f) = &point.figures else {
        return format!(
            "{}: {}",
            measure.period_label(point.period),
            crate::t!("suppressed-lower")
        );
    };
    let mut text = format!(
        "{}: {}",
        measure.period_label(point.period),
        f.value
            .map_or_else(|| crate::t!("no-data-lower"), |v| measure.format_value(v))
    );
    if let Some(i) = f.interval {
        let interval = crate::t!(
            "interval-95",
            lower = measure.format_value(i.lower),
            upper = measure.format_value(i.upper)
        );
        text += &format!(" ({interval})");
    }
    if let Some(d) = f.denominator.filter(|_| measure.is_proportion()) {
        let grouped = |n: u64| crate::common::grouped(n as f64, 0);
        text += ", ";
        text += &crate::t!(
            "funnel-of",
            numerator = grouped(f.numerator),
            denominator = grouped(d)
        );
    }
    if let Some(s) = point.signal {
        text += ", ";
        text += &crate::t!("special-cause-hover", signal = s.as_str());
    }
    text
}

/// Consecutive runs of present values, with their indices.
fn runs<T: Copy>(values: Vec<Option<T>>) -> Vec<Vec<(usize, T)>> {
    let mut out: Vec<Vec<(usize, T)>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.into_iter().enumerate() {
        match v {
            Some(v) => current.push((i, v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A small line of the last two years, for cards.
pub fn sparkline(series: &Series) -> Markup {
    let values: Vec<Option<f64>> = series
        .points
        .iter()
        .rev()
        .take(24)
        .rev()
        .map(|p| p.value())
        .collect();
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let (w, h) = (120.0, 32.0);
    if present.len() < 2 {
        return html! {};
    }
    let (low, high) = present
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    let span = (high - low).max(1e-9);
    let x = |i: usize| 2.0 + (w - 4.0) * i as f64 / (values.len() - 1).max(1) as f64;
    let y = |v: f64| h - 3.0 - (h - 6.0) * (v - low) / span;
    let mut path = String::new();
    let mut pen_down = false;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(*v)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let last = values.iter().rposition(Option::is_some).unwrap_or(0);
    let last_value = values[last].unwrap_or(low);
    html! {
        svg.spark viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h) aria-hidden="true" {
            path d=(path) fill="none" stroke="#425563" stroke-width="1.5" {}
            circle cx=(format!("{:.1}", x(last))) cy=(format!("{:.1}", y(last_value))) r="2.5" fill="#212b32" {}
        }
    }
}

/// The variation icon: grey for common cause, blue for improvement, orange for
/// concern, purple where neither direction is better; H or L for the direction.
pub fn variation_icon(variation: Variation, above: Option<bool>) -> Markup {
    let (colour, letter, label) = match variation {
        Variation::Improvement => ("#005eb8", above.map(high_low), "variation-improvement"),
        Variation::Concern => ("#ed8b00", above.map(high_low), "variation-concern"),
        Variation::NeutralChange => ("#7c2877", above.map(high_low), "variation-neither"),
        Variation::CommonCause => ("#63666a", None, "variation-common"),
    };
    let label = crate::t!(label);
    let mark = html! {
        @match letter {
            Some(l) => (icon_letter(colour, l)),
            None => path d="M9 22 q5.5 -9 11 0 t11 0" fill="none" stroke="#63666a" stroke-width="2.5" {},
        }
    };
    icon(colour, &label, mark)
}

/// A Making Data Count icon: a ringed circle in `colour` around `mark`.
fn icon(colour: &str, label: &str, mark: Markup) -> Markup {
    html! {
        svg.icon viewBox="0 0 40 40" width="40" height="40" role="img" aria-label=(label) {
            title { (label) }
            circle cx="20" cy="20" r="17" fill="#fff" stroke=(colour) stroke-width="3" {}
            (mark)
        }
    }
}

fn icon_letter(colour: &str, letter: &str) -> Markup {
    html! {
        text x="20" y="26" text-anchor="middle" font-size="16" font-weight="700" fill=(colour) { (letter) }
    }
}

fn high_low(above: bool) -> &'static str {
    if above { "H" } else { "L" }
}

/// The assurance icon: P (target consistently met), F (consistently missed), ? (hit and miss).
pub fn assurance_icon(assurance: Option<Assurance>) -> Markup {
    let (colour, letter, label) = match assurance {
        Some(Assurance::ConsistentlyMet) => ("#005eb8", "P", "assurance-met"),
        Some(Assurance::ConsistentlyMissed) => ("#ed8b00", "F", "assurance-missed"),
        Some(Assurance::HitAndMiss) => ("#63666a", "?", "assurance-mixed"),
        None => return html! {},
    };
    icon(colour, &crate::t!(label), icon_letter(colour, letter))
}

/// The system's fonts, loaded once, for rasterising charts.
fn fonts() -> std::sync::Arc<resvg::usvg::fontdb::Database> {
    static FONTS: std::sync::OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> =
        std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = resvg::usvg::fontdb::Database::new();
            db.load_system_fonts();
            db.set_sans_serif_family("DejaVu Sans");
            std::sync::Arc::new(db)
        })
        .clone()
}

/// Rasterises a chart's SVG to PNG at twice its size (sharp on high-density screens and in print).
pub fn svg_to_png(svg: &str) -> Option<Vec<u8>> {
    let options = resvg::usvg::Options {
        fontdb: fonts(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options).ok()?;
    let size = tree.size().to_int_size().scale_by(2.0)?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(2.0, 2.0),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::period::{Month, Period};
    use crate::definition::{Grain, MeasureKind, Periods};
    use crate::engine::{Figures, Point};

    /// A monthly count's series of `values` from April 2024.
    fn series(group: &str, values: &[u64]) -> Series {
        let points = values
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let month = Month::new(2024, 4) + i as i32;
                Point {
                    period: Period {
                        first: month,
                        last: month,
                    },
                    suppressed: false,
                    figures: Some(Figures {
                        numerator: n,
                        denominator: None,
                        value: Some(n as f64),
                        interval: None,
                    }),
                    signal: None,
                }
            })
            .collect();
        Series {
            breakdown: Some("district".into()),
            group: Some(group.into()),
            points,
            spc: Vec::new(),
        }
    }

    fn count() -> Measure {
        Measure::for_tests(
            MeasureKind::Count,
            Periods::Discrete {
                grain: Grain::Month,
                spc: None,
            },
        )
    }

    /// The texts of an SVG's `<text>` elements, with where each is anchored
    /// and its x.
    fn texts(svg: &str) -> Vec<(String, f64, String)> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                let (attributes, rest) = t.split_once('>')?;
                let text = rest.split_once("</text>")?.0.trim().to_string();
                let attribute = |name: &str| {
                    let at = attributes.find(&format!(" {name}=\""))? + name.len() + 3;
                    Some(attributes[at..].split('"').next()?.to_string())
                };
                let x = attribute("x")?.parse().ok()?;
                Some((text, x, attribute("text-anchor").unwrap_or_default()))
            })
            .collect()
    }

    /// Small multiples share one y scale: a small district's chart has the
    /// same axis labels as a big one's, where on its own it would not.
    #[test]
    fn small_multiples_share_one_scale() {
        let m = count();
        let (big, small) = (
            series("city", &[15_770, 16_020, 15_400]),
            series("fen", &[30, 41, 27]),
        );
        let labels = |svg: &Svg| -> Vec<String> {
            texts(&svg.0)
                .into_iter()
                .map(|(t, _, _)| t)
                .filter(|t| t.chars().all(|c| c.is_ascii_digit() || c == ','))
                .collect()
        };
        let alone = labels(&trend_chart(&m, &small, "fen", (420, 240)));
        let shared = small_multiples(
            &m,
            &[(&big, "city".into()), (&small, "fen".into())],
            (420, 240),
        );
        assert_eq!(labels(&shared[0]), labels(&shared[1]));
        assert_ne!(
            labels(&shared[1]),
            alone,
            "alone, the small one has its own scale"
        );
        // People's numbers: thousands grouped on the axis.
        assert!(
            labels(&shared[0]).iter().any(|l| l.contains(',')),
            "{:?}",
            labels(&shared[0])
        );
    }

    /// No axis label runs past the chart's right edge: the latest month's
    /// label, centred on the last point, fits, at 14px (about 8.5px a
    /// character at most in sans-serif digits and capitals).
    #[test]
    fn the_last_axis_label_is_not_cut_off() {
        let m = count();
        let s = series("city", &[15_770; 24]);
        let Svg(svg) = trend_chart(&m, &s, "city", (420, 240));
        let last = Month::new(2024, 4) + 23;
        let label = texts(&svg)
            .into_iter()
            .find(|(t, _, _)| *t == short_label(&s.points[23]))
            .unwrap_or_else(|| panic!("the label of {last} in {svg}"));
        let half = label.0.chars().count() as f64 * 8.5 / 2.0;
        assert_eq!(label.2, "middle", "{label:?}");
        assert!(label.1 + half <= 420.0, "{label:?} runs past 420px");
    }

    /// A group's name or an annotation with control characters (an escape
    /// sequence, a NUL) still gives a well-formed SVG, and so a PNG.
    #[test]
    fn control_characters_leave_the_svg_well_formed() {
        let plain = r#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="1" y="10">Ely"#;
        let svg = format!("{plain}\u{1b}[31m\u{0}</text></svg>");
        let hover = vec![(5, 5, "Fenland\u{7}\u{1b}[2J: 4".to_string())];
        let Svg(out) = with_hover(
            &svg,
            hover,
            Described {
                title: "t",
                description: "d",
            },
        );
        assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
        assert!(out.contains("Fenland\u{fffd}\u{fffd}[2J: 4"), "{out}");
        let options = resvg::usvg::Options::default();
        assert!(resvg::usvg::Tree::from_str(&out, &options).is_ok(), "{out}");
        assert!(svg_to_png(&out).is_some());
        // Without the mending, the same SVG is refused.
        assert!(resvg::usvg::Tree::from_str(&svg, &options).is_err());
    }
}
