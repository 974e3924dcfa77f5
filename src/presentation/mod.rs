//! How figures are shown, for the dashboard and the packs alike (neither owns
//! it): a measure's reading (latest figure, change, variation, assurance), the
//! sentences that say it, charts (plotters), and the formats of values, names
//! and text.

pub mod chart;
pub mod events;
pub mod funnel;
pub mod grade;
pub mod markdown;
pub mod open_data;
pub mod priority;
pub mod reading;
pub mod words;

use maud::{Markup, html};

/// "31 Mar 2026", "31 Maw 2026": a date as the dashboard and the packs write it.
pub fn date(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "{} {} {}",
        day.day(),
        crate::common::language::month_abbreviation(day.month()),
        day.year()
    )
}

/// "31 Mar 2026 09:15 UTC": a moment, as notices and provenance write it.
pub fn date_time(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{} {} UTC", date(at.date_naive()), at.format("%H:%M"))
}

/// "Data to 31 Mar 2026, loaded 3 Apr 2026 (snapshot …)": how fresh the
/// figures are, in the page footer, on each measure page, on the pack's cover
/// and in its workbook alike.
pub fn freshness(
    data_to: Option<chrono::NaiveDate>,
    loaded: chrono::DateTime<chrono::Utc>,
    snapshot: Option<&str>,
) -> String {
    crate::t!(
        "freshness",
        data_to = data_to.map_or_else(|| "–".to_string(), date),
        loaded = date(loaded.date_naive()),
        snapshot = snapshot.unwrap_or("none")
    )
}

pub use crate::common::humanise;

/// The analysts' commentary on `point`'s period, as a section of a page or a
/// pack (the same words in both); empty where there is none.
pub fn commentary_section(
    measure: &crate::definition::Measure,
    point: &crate::engine::Point,
) -> Markup {
    let Some(commentary) = measure.commentary_for(point.period.last) else {
        return html! {};
    };
    let byline = [
        commentary.author.clone(),
        commentary.written.map(words::long_date),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    html! {
        section.commentary {
            h3 { (crate::t!("commentary-on", period = measure.period_label(point.period))) }
            (markdown::to_html(&commentary.text))
            @if !byline.is_empty() { p.byline { (byline) } }
        }
    }
}

/// The numbered list of the events drawn on a series' chart; empty without.
pub fn annotations_list(
    measure: &crate::definition::Measure,
    points: &[crate::engine::Point],
) -> Markup {
    let annotated = chart::annotated_points(measure, points);
    if annotated.is_empty() {
        return html! {};
    }
    html! {
        div.annotations {
            p { (crate::t!("events-on-chart")) }
            ol { @for (_, a) in annotated { li { (chart::annotation_text(a)) } } }
        }
    }
}
