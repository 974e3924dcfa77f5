//! The accessibility statement every public-sector website must publish
//! (the Public Sector Bodies Accessibility Regulations 2018), in the
//! government's model format. What it says of testing is what the tests do:
//! the axe-core rule sets below are the ones the test suite runs on every page.

use crate::definition::dashboards::Plan;
use maud::{Markup, html};

/// The axe-core rule sets (WCAG 2.0, 2.1 and 2.2, levels A and AA) the tests
/// run on every page of the dashboard, as the public and as an analyst.
pub const AXE_RULE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// The statement's body for the Plan's area and `[accessibility]` table.
pub fn statement(plan: &Plan) -> Markup {
    let a = &plan.accessibility;
    let organisation = a.organisation.clone().unwrap_or_else(|| {
        format!(
            "The office that publishes {}'s performance figures",
            plan.area
        )
    });
    let contact = |fallback: &'static str| -> Markup {
        match a.contact.as_deref() {
            Some(c) if c.contains('@') => html! { a href={ "mailto:" (c) } { (c) } },
            Some(c) if c.starts_with("https://") => html! { a href=(c) { (c) } },
            Some(c) => html! { (c) },
            None => html! { (fallback) },
        }
    };
    html! {
        h1 { "Accessibility statement" }
        p.lede {
            "This statement applies to the performance dashboard of the " (plan.plan) " for " (plan.area)
            ": its pages, charts and downloads. " (organisation) " wants as many people as possible to be able to use it."
        }
        h2 { "How accessible this website is" }
        p { "You should be able to:" }
        ul {
            li { "read every chart's reading in words, and its figures in a table beside it" }
            li { "download every measure's figures as CSV or a spreadsheet" }
        }
        p { "Some parts are not fully accessible: see " a href="#non-accessible" { "Non-accessible content" } "." }
        h2 { "Feedback and contact information" }
        p {
            "If you need information on this website in a different format, or find a problem not listed here, contact: "
            (contact("the office that publishes this dashboard, through its main website"))
            @if let Some(days) = a.reply_days { ". We'll reply within " (days) " working days" } "."
        }
        h2 { "Enforcement procedure" }
        p {
            "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the 'accessibility regulations'). If you're not happy with how we respond to your complaint, contact the Equality Advisory and Support Service (EASS)."
        }
        h2 { "Technical information about this website's accessibility" }
        p {
            (organisation) " is committed to making its website accessible, in accordance with the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018."
        }
        h3 { "Compliance status" }
        p {
            "This website is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard, due to the non-compliances listed below."
        }
        h2 id="non-accessible" { "Non-accessible content" }
        ul {
            li { "A chart shows each value when a pointer rests on it; by keyboard, the same values are read from the table of figures beneath the chart, not on the chart itself (WCAG 2.1.1)." }
            li { "The PDF board packs are printed from the same pages as their HTML, but have not been tested with assistive technology; the HTML pack and the workbook hold the same figures." }
            li { "A chart's shaded confidence band and its grid are lighter than 3:1 against the white (WCAG 1.4.11): they are background, and every interval they show is in the table of figures." }
            li { "Automated checks cannot judge everything WCAG asks; the pages have not yet been checked by a person using assistive technology." }
        }
        h2 { "How we tested this website" }
        p {
            "Every release of the software behind it (Measures of Success " (crate::common::digest::VERSION)
            ") is tested automatically before it is used: every page of the dashboard, as the public sees it and as a signed-in analyst sees it, is checked in a headless Chromium browser with axe-core's rules for "
            @for (i, tag) in AXE_RULE_TAGS.iter().enumerate() {
                @if i > 0 { ", " } code { (tag) }
            }
            " (WCAG 2.0, 2.1 and 2.2, levels A and AA), and so is every page of the static site published for the office's website; a release with any violation is not published."
        }
        p {
            "axe-core cannot judge charts, so the tests check each of them too: it is an image with a title and a description of what it shows in words; each value shown on it is in the table of figures its caption links to; its lines and marks reach a contrast of 3:1 with the white; and a special cause is told by its shape as well as its colour."
        }
    }
}
