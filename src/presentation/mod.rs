//! How figures are shown, for the dashboard and the packs alike (neither owns
//! it): a measure's reading (latest figure, change, variation, assurance), the
//! sentences that say it, charts (plotters), and the formats of values, names
//! and text.

pub mod chart;
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
