//! How figures are shown, for the dashboard and the packs alike (neither owns
//! it): a measure's reading (latest figure, change, variation, assurance), the
//! sentences that say it, charts (plotters), and the formats of values, names
//! and text.

pub mod chart;
pub mod funnel;
pub mod grade;
pub mod markdown;
pub mod priority;
pub mod reading;
pub mod words;

/// `text` made safe inside HTML text and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `victim_based` → "Victim based": an identifier as a reader would write it.
pub fn humanise(value: &str) -> String {
    let text = value.replace('_', " ");
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// The analysts' commentary on `point`'s period, as a section of a page or a
/// pack (the same words in both); empty where there is none.
pub fn commentary_section(
    measure: &crate::definition::Measure,
    point: &crate::engine::Point,
) -> String {
    let Some(commentary) = measure.commentary_for(point.period.last) else {
        return String::new();
    };
    let byline = [
        commentary.author.clone(),
        commentary
            .written
            .map(|d| d.format("%-d %B %Y").to_string()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    format!(
        r#"<section class="commentary"><h3>Commentary on {period}</h3>{body}{byline}</section>"#,
        period = esc(&measure.period_label(point.period)),
        body = markdown::to_html(&commentary.text),
        byline = if byline.is_empty() {
            String::new()
        } else {
            format!(r#"<p class="byline">{}</p>"#, esc(&byline))
        },
    )
}

/// The numbered list of the events drawn on a series' chart; empty without.
pub fn annotations_list(
    measure: &crate::definition::Measure,
    points: &[crate::engine::Point],
) -> String {
    let items: Vec<String> = chart::annotated_points(measure, points)
        .into_iter()
        .map(|(_, a)| format!("<li>{}</li>", esc(&chart::annotation_text(a))))
        .collect();
    if items.is_empty() {
        return String::new();
    }
    format!(
        r#"<div class="annotations"><p>Events on the chart:</p><ol>{}</ol></div>"#,
        items.concat()
    )
}
