//! The accessibility statement every public-sector website must publish
//! (the Public Sector Bodies Accessibility Regulations 2018), in the
//! government's model format. What it says of testing is what the tests do:
//! the axe-core rule sets below are the ones the test suite runs on every page.

use crate::definition::dashboards::Plan;
use crate::t;
use maud::{Markup, html};

/// The axe-core rule sets (WCAG 2.0, 2.1 and 2.2, levels A and AA) the tests
/// run on every page of the dashboard, as the public and as an analyst.
pub const AXE_RULE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// The statement's body for the Plan's area and `[accessibility]` table.
pub fn statement(plan: &Plan) -> Markup {
    let a = &plan.accessibility;
    let organisation = a
        .organisation
        .clone()
        .unwrap_or_else(|| t!("a11y-default-organisation", area = plan.area.as_str()));
    let contact = |fallback: String| -> Markup {
        match a.contact.as_deref() {
            Some(c) if c.contains('@') => html! { a href={ "mailto:" (c) } { (c) } },
            Some(c) if c.starts_with("https://") => html! { a href=(c) { (c) } },
            Some(c) => html! { (c) },
            None => html! { (fallback) },
        }
    };
    html! {
        h1 { (t!("accessibility-statement")) }
        p.lede {
            (t!("a11y-applies", plan = plan.plan.as_str(), area = plan.area.as_str(), organisation = organisation.as_str()))
        }
        h2 { (t!("a11y-how-accessible")) }
        p { (t!("a11y-you-should")) }
        ul {
            li { (t!("a11y-read-charts")) }
            li { (t!("a11y-download")) }
        }
        p { (t!("a11y-some-parts")) " " a href="#non-accessible" { (t!("a11y-non-accessible")) } "." }
        h2 { (t!("a11y-feedback")) }
        p {
            (t!("a11y-contact")) " "
            (contact(t!("a11y-contact-fallback")))
            @if let Some(days) = a.reply_days { ". " (t!("a11y-reply", days = days)) } "."
        }
        h2 { (t!("a11y-enforcement")) }
        p { (t!("a11y-enforcement-text")) }
        h2 { (t!("a11y-technical")) }
        p { (t!("a11y-committed", organisation = organisation.as_str())) }
        h3 { (t!("a11y-compliance")) }
        p { (t!("a11y-partially")) }
        h2 id="non-accessible" { (t!("a11y-non-accessible")) }
        ul {
            li { (t!("a11y-gap-hover")) }
            li { (t!("a11y-gap-pdf")) }
            li { (t!("a11y-gap-contrast")) }
            li { (t!("a11y-gap-manual")) }
            @if crate::common::language::current() == crate::common::language::Language::Welsh {
                li { (t!("a11y-gap-welsh")) }
            }
        }
        h2 { (t!("a11y-how-tested")) }
        p {
            (t!("a11y-tested", version = crate::common::digest::VERSION)) " "
            @for (i, tag) in AXE_RULE_TAGS.iter().enumerate() {
                @if i > 0 { ", " } code { (tag) }
            }
            " " (t!("a11y-tested-levels"))
        }
        p { (t!("a11y-charts-checked")) }
    }
}
