//! A funnel plot of a measure's groups at one period: each group's value
//! against its size (a proportion's denominator, a rate's population), the
//! total's value as the centre, and PHE's 95% and 99.8% limits around it;
//! with a sentence per group that says no more than the limits do.

use crate::common::period::Period;
use crate::definition::{Base, Measure, MeasureKind};
use crate::engine::MeasureResult;
use crate::presentation::chart::{BLUE, GREY, ORANGE, PURPLE};
use crate::stats::funnel::{self as stats, FunnelLimits, Overdispersion, Placement};
use crate::t;
use maud::{Markup, html};
use plotters::prelude::*;

/// One group on the funnel.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FunnelPoint {
    pub group: String,
    pub numerator: u64,
    /// Its size: a proportion's denominator, a rate's population.
    pub denominator: u64,
    pub value: f64,
    pub limits: FunnelLimits,
    pub placement: Placement,
}

/// The funnel of one breakdown at one period.
#[derive(Debug, Clone)]
pub struct Funnel {
    pub period: Period,
    pub breakdown: String,
    /// The total's value: the overall proportion or rate.
    pub centre: f64,
    pub points: Vec<FunnelPoint>,
    /// Groups left off: withheld for small numbers, or with nothing to measure.
    pub left_off: usize,
    /// For `funnel = "adjusted"`: how much more than chance the groups vary
    /// (φ and τ²); the limits allow for it where τ² is above 0.
    pub overdispersion: Option<Overdispersion>,
}

impl Funnel {
    /// Whether the limits are widened for overdispersion.
    pub fn adjusted(&self) -> bool {
        self.overdispersion.is_some_and(|o| o.tau2 > 0.0)
    }

    /// The limits at one size, as this funnel draws them.
    pub fn limits_at(&self, measure: &Measure, size: f64) -> Option<FunnelLimits> {
        limits_at(measure, self.centre, size, self.overdispersion)
    }
}

/// The funnel of the measure's first breakdown at its latest period (or the
/// period that ends in `at`); `None` for a measure without a funnel, or a
/// period whose total has no value.
pub fn funnel(result: &MeasureResult, at: Option<crate::common::period::Month>) -> Option<Funnel> {
    let measure = &result.measure;
    if !measure.funnel {
        return None;
    }
    let breakdown = measure.breakdowns.first()?;
    let total = result.total();
    let index = match at {
        Some(month) => total.points.iter().position(|p| p.period.last == month)?,
        None => total.points.iter().rposition(|p| p.value().is_some())?,
    };
    let centre_point = &total.points[index];
    let centre = centre_point.value()?;
    let mut groups = Vec::new();
    let mut left_off = 0;
    for series in result.breakdown(&breakdown.name) {
        let figures = series.points.get(index).and_then(|p| p.figures.as_ref());
        let (Some(f), Some(group)) = (figures, series.group.as_deref()) else {
            left_off += 1;
            continue;
        };
        let (Some(value), Some(denominator)) = (f.value, f.denominator.filter(|d| *d > 0)) else {
            left_off += 1;
            continue;
        };
        groups.push((group, f.numerator, denominator, value));
    }
    let overdispersion = match (measure.funnel_adjusted, scale(measure)) {
        (true, Some((scale, per))) => {
            let units: Vec<(f64, f64)> = groups
                .iter()
                .map(|(_, x, n, _)| (*x as f64, *n as f64))
                .collect();
            stats::overdispersion(scale, centre / per, &units)
        }
        _ => None,
    };
    let mut points = Vec::new();
    for (group, numerator, denominator, value) in groups {
        let limits = limits_at(measure, centre, denominator as f64, overdispersion)?;
        points.push(FunnelPoint {
            group: group.to_string(),
            numerator,
            denominator,
            value,
            limits,
            placement: limits.place(value),
        });
    }
    Some(Funnel {
        period: centre_point.period,
        breakdown: breakdown.name.clone(),
        centre,
        points,
        left_off,
        overdispersion,
    })
}

/// The transformed scale of a measure's funnel, and what its values are per
/// (1 for a proportion, `per` people for a rate).
fn scale(measure: &Measure) -> Option<(stats::Scale, f64)> {
    match measure.kind {
        MeasureKind::Proportion { .. } => Some((stats::Scale::Proportion, 1.0)),
        MeasureKind::Rate { per } => Some((stats::Scale::Rate, per as f64)),
        _ => None,
    }
}

/// The limits at one size, for the measure's kind: widened by τ² where the
/// groups are overdispersed, PHE's otherwise.
fn limits_at(
    measure: &Measure,
    centre: f64,
    size: f64,
    overdispersion: Option<Overdispersion>,
) -> Option<FunnelLimits> {
    match (overdispersion, scale(measure)) {
        (Some(o), Some((scale, per))) if o.tau2 > 0.0 => {
            let l = stats::adjusted_limits(scale, centre / per, size, o.tau2);
            let band = |b: stats::Band| stats::Band {
                lower: b.lower * per,
                upper: b.upper * per,
            };
            Some(FunnelLimits {
                inner: band(l.inner),
                outer: band(l.outer),
            })
        }
        _ => measure.kind.funnel_limits(centre, size),
    }
}

/// "Fenland, 23.4% of 1,234: above the 99.8% limit, so very unlikely to
/// differ from the overall 18.0% by chance alone."
pub fn sentence(measure: &Measure, funnel: &Funnel, point: &FunnelPoint) -> String {
    let overall = measure.format_value(funnel.centre);
    let size = match measure.kind.base() {
        Base::Population => t!("funnel-population", size = thousands(point.denominator)),
        _ => t!(
            "funnel-of",
            numerator = thousands(point.numerator),
            denominator = thousands(point.denominator)
        ),
    };
    t!(
        "funnel-sentence",
        group = measure.group_name(&point.group),
        value = measure.format_value(point.value),
        size = size,
        overall = overall,
        placement = placement_key(point.placement),
        // Adjusted limits allow for the usual differences between groups too.
        adjusted = if funnel.adjusted() { "yes" } else { "no" }
    )
}

/// What the test for overdispersion found and what the limits are, with φ
/// and τ²: "The forces vary far more than chance explains (φ = 31.2): …".
pub fn overdispersion_sentence(funnel: &Funnel, o: &Overdispersion, noun: &str) -> String {
    let phi = crate::common::grouped(o.phi, 2);
    if funnel.adjusted() {
        t!(
            "overdispersion-adjusted",
            noun = noun,
            phi = phi,
            units = o.units,
            tau2 = format!("{:.3e}", o.tau2)
        )
    } else {
        t!(
            "overdispersion-none",
            noun = noun,
            phi = phi,
            units = o.units
        )
    }
}

/// The placement as a short word for tables and the workbook.
pub fn placement_label(placement: Placement) -> String {
    t!("placement", placement = placement_key(placement))
}

/// The placement as the catalogue's select expressions name it.
fn placement_key(placement: Placement) -> &'static str {
    match placement {
        Placement::AboveOuter => "above-outer",
        Placement::AboveInner => "above-inner",
        Placement::Within => "within",
        Placement::BelowInner => "below-inner",
        Placement::BelowOuter => "below-outer",
    }
}

fn thousands(n: u64) -> String {
    crate::common::grouped(n as f64, 0)
}

/// The funnel drawn as the trend charts are: the groups as points against
/// their size, the centre line, and the 95% (dashed) and 99.8% (solid)
/// limits; `marked` (the home force, say) drawn larger, in blue.
pub fn funnel_chart(
    measure: &Measure,
    funnel: &Funnel,
    marked: Option<&str>,
    title: &str,
    size: (u32, u32),
) -> crate::presentation::chart::Svg {
    let mut svg = String::new();
    let mut hover: Vec<(i32, i32, String)> = Vec::new();
    let largest = funnel
        .points
        .iter()
        .map(|p| p.denominator as f64)
        .fold(1.0, f64::max)
        * 1.08;
    let smallest = funnel
        .points
        .iter()
        .map(|p| p.denominator as f64)
        .fold(largest, f64::min)
        .max(1.0);
    // Sizes a hundred-fold apart (forces from the City of London to the Met)
    // are drawn on a log scale, so the small are not crowded at the mouth.
    let logarithmic = largest / smallest > 20.0;
    let x_of = |n: f64| if logarithmic { n.log10() } else { n };
    let n_of = |x: f64| if logarithmic { 10f64.powf(x) } else { x };
    // The limits along the size axis, from a little below the smallest group.
    let from = (smallest * 0.6).max(1.0);
    let (x_from, x_to) = (if logarithmic { x_of(from) } else { 0.0 }, x_of(largest));
    let curve: Vec<(f64, FunnelLimits)> = (0..=120)
        .map(|i| n_of(x_of(from) + (x_to - x_of(from)) * i as f64 / 120.0))
        .filter_map(|n| Some((x_of(n), funnel.limits_at(measure, n)?)))
        .collect();
    let mut low = funnel.centre;
    let mut high = funnel.centre;
    for p in &funnel.points {
        low = low.min(p.value);
        high = high.max(p.value);
    }
    // The limits at the smallest group, not their ends: a funnel's mouth can be wide.
    if let Some(l) = funnel.limits_at(measure, smallest) {
        low = low.min(l.outer.lower);
        high = high.max(l.outer.upper);
    }
    let pad = ((high - low) * 0.08).max(f64::EPSILON);
    let (y_low, y_high) = ((low - pad).max(0.0), high + pad);
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let _ = root.fill(&WHITE);
        let ink = RGBColor(33, 43, 50);
        let mut chart = match ChartBuilder::on(&root)
            .margin(12)
            .margin_right(40)
            .x_label_area_size(48)
            .y_label_area_size(76)
            .caption(title, ("sans-serif", 20).into_font().color(&ink))
            .build_cartesian_2d(x_from..x_to, y_low..y_high)
        {
            Ok(c) => c,
            Err(_) => return crate::presentation::chart::Svg(String::new()),
        };
        let size = measure
            .kind
            .denominator_heading()
            .unwrap_or_else(|| t!("heading-out-of"));
        let x_name = if logarithmic {
            t!("log-scale", axis = size)
        } else {
            size
        };
        let _ = chart
            .configure_mesh()
            .light_line_style(RGBColor(236, 238, 240))
            .bold_line_style(RGBColor(220, 224, 227))
            .x_desc(x_name)
            .x_label_formatter(&|x| thousands(n_of(*x).round() as u64))
            .y_label_formatter(&|y| measure.format_value(*y))
            .label_style(("sans-serif", 14).into_font().color(&GREY))
            .axis_style(RGBColor(118, 124, 130))
            .draw();
        let clip = |v: f64| v.clamp(y_low, y_high);
        let _ = chart.draw_series(LineSeries::new(
            [(x_from, funnel.centre), (x_to, funnel.centre)],
            GREY.stroke_width(1),
        ));
        for (band, dashed) in [(true, true), (false, false)] {
            for upper in [false, true] {
                let line = curve.iter().map(|(n, l)| {
                    let b = if band { l.inner } else { l.outer };
                    (*n, clip(if upper { b.upper } else { b.lower }))
                });
                if dashed {
                    let _ =
                        chart.draw_series(DashedLineSeries::new(line, 6, 4, GREY.stroke_width(1)));
                } else {
                    let _ = chart.draw_series(LineSeries::new(line, GREY.stroke_width(1)));
                }
            }
        }
        for p in &funnel.points {
            let is_marked = marked == Some(p.group.as_str());
            let colour = match p.placement {
                _ if is_marked => BLUE,
                Placement::AboveOuter | Placement::BelowOuter => PURPLE,
                Placement::AboveInner | Placement::BelowInner => ORANGE,
                Placement::Within => ink,
            };
            let at = (x_of(p.denominator as f64), p.value);
            // Shape as well as colour: a diamond outside the 99.8% limits, a
            // square outside the 95%, a dot within; the home force a ring
            // beside its name, wherever it lies.
            let mark = EmptyElement::at(at);
            let style = colour.filled();
            let _ = match p.placement {
                _ if is_marked => chart.draw_series(std::iter::once(
                    mark + Circle::new((0, 0), 6, colour.stroke_width(3)),
                )),
                Placement::AboveOuter | Placement::BelowOuter => {
                    chart.draw_series(std::iter::once(
                        mark + Polygon::new(vec![(0, -6), (6, 0), (0, 6), (-6, 0)], style),
                    ))
                }
                Placement::AboveInner | Placement::BelowInner => chart.draw_series(
                    std::iter::once(mark + Rectangle::new([(-4, -4), (4, 4)], style)),
                ),
                Placement::Within => {
                    chart.draw_series(std::iter::once(mark + Circle::new((0, 0), 4, style)))
                }
            };
            if is_marked {
                let _ = chart.draw_series(std::iter::once(Text::new(
                    measure.group_name(&p.group),
                    at,
                    ("sans-serif", 13).into_font().color(&BLUE),
                )));
            }
            let (x, y) = chart.backend_coord(&at);
            hover.push((x, y, sentence(measure, funnel, p)));
        }
        let _ = root.present();
    }
    let within = funnel
        .points
        .iter()
        .filter(|p| p.placement == Placement::Within)
        .count();
    let description = t!(
        "funnel-description",
        breakdown = humanise_lower(&funnel.breakdown),
        overall = measure.format_value(funnel.centre),
        within = within,
        all = funnel.points.len()
    );
    crate::presentation::chart::with_hover(
        &svg,
        hover,
        crate::presentation::chart::Described {
            title,
            description: &description,
        },
    )
}

fn humanise_lower(name: &str) -> String {
    crate::presentation::humanise(name).to_lowercase()
}

/// The funnel as a page or pack section: its chart, a sentence per group
/// outside the 95% limits (and how many lie within), and a table of every
/// group with its limits. `periods` lists the periods a reader may choose
/// (`?funnel=YYYY-MM` on the measure page); empty in a pack.
pub fn section(
    measure: &Measure,
    funnel: &Funnel,
    periods: &[Period],
    force: &crate::ingest::Force,
) -> Markup {
    use crate::presentation::humanise;
    let when = measure.period_label(funnel.period);
    let breakdown_title = humanise(&funnel.breakdown);
    let breakdown = breakdown_title.to_lowercase();
    let title = t!("funnel-title", breakdown = breakdown.as_str(), when = when);
    let marked = funnel
        .points
        .iter()
        .find(|p| force.is_named(&p.group))
        .map(|p| p.group.as_str());
    let svg = funnel_chart(measure, funnel, marked, &title, (960, 420));
    let within = funnel
        .points
        .iter()
        .filter(|p| p.placement == Placement::Within)
        .count();
    // The home force first, in blue on the chart, whatever its reading.
    let home = funnel
        .points
        .iter()
        .find(|p| Some(p.group.as_str()) == marked);
    let outside = funnel
        .points
        .iter()
        .filter(|p| p.placement != Placement::Within && Some(p.group.as_str()) != marked);
    let overall = measure.format_value(funnel.centre);
    let band = |b: crate::stats::funnel::Band| {
        t!(
            "range",
            lower = measure.format_value(b.lower),
            upper = measure.format_value(b.upper)
        )
    };
    let size = measure
        .kind
        .denominator_heading()
        .unwrap_or_else(|| t!("heading-out-of"));
    html! {
        section.funnel id="funnel" {
            h2 { (title) }
            @if periods.len() > 1 {
                form method="get" class="funnel-period" {
                    label for="funnel-period" { (t!("period")) } " "
                    select id="funnel-period" name="funnel" {
                        @for period in periods.iter().rev() {
                            option value=(format!("{:04}-{:02}", period.last.year(), period.last.month()))
                                selected[*period == funnel.period] { (measure.period_label(*period)) }
                        }
                    }
                    " " button type="submit" { (t!("show")) }
                }
            }
            figure.chart role="group" aria-label=(title) {
                (svg)
                figcaption {
                    (t!("funnel-caption", breakdown = breakdown.as_str(), overall = overall.as_str()))
                    @if let Some(o) = funnel.overdispersion { " " (overdispersion_sentence(funnel, &o, &breakdown)) }
                }
            }
            ul.funnel-reading {
                @if let Some(home) = home {
                    li.home { strong { (sentence(measure, funnel, home)) } " (" (t!("marked-in-blue")) ")" }
                }
                @for p in outside { li { (sentence(measure, funnel, p)) } }
                li { (t!("funnel-within", within = within, all = funnel.points.len(), overall = overall.as_str())) }
                @if funnel.left_off > 0 {
                    li { (t!("funnel-left-off", count = funnel.left_off)) }
                }
            }
            div.table-wrap { table {
                caption { (t!("funnel-table-caption", title = title.as_str(), breakdown = breakdown.as_str())) }
                thead { tr {
                    th scope="col" { (breakdown_title) } th scope="col" { (t!("value")) } th scope="col" { (size) }
                    th scope="col" { (t!("limits-95")) } th scope="col" { (t!("limits-998")) } th scope="col" { (t!("reading")) }
                } }
                tbody {
                    @for p in &funnel.points {
                        tr {
                            th scope="row" { (measure.group_name(&p.group)) }
                            td { (measure.format_value(p.value)) }
                            td { (thousands(p.denominator)) }
                            td { (band(p.limits.inner)) }
                            td { (band(p.limits.outer)) }
                            td { (placement_label(p.placement)) }
                        }
                    }
                }
            } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_written_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234), "1,234");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
