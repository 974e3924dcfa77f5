//! Commentary's Markdown, rendered to a small safe subset of HTML: paragraphs,
//! emphasis, lists, links (http, https and mailto only) and inline code.
//! Raw HTML is shown as the text it is, never passed through; headings, code
//! blocks and images become their text. pulldown-cmark parses and escapes.

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};

/// Whether a link's destination is one a reader may safely follow.
fn safe_link(destination: &str) -> bool {
    let lower = destination.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// The events of the safe subset: tags outside it are dropped (their text
/// kept), raw HTML becomes text.
fn safe_events(text: &str) -> Vec<Event<'_>> {
    let mut links: Vec<bool> = Vec::new();
    let mut events = Vec::new();
    for event in Parser::new(text) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::Start(Tag::Link {
                dest_url,
                title,
                id,
                link_type,
            }) => {
                let keep = safe_link(&dest_url);
                links.push(keep);
                if keep {
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Link) => {
                if links.pop() == Some(true) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(
                tag @ (Tag::Paragraph | Tag::Emphasis | Tag::Strong | Tag::List(_) | Tag::Item),
            ) => events.push(Event::Start(tag)),
            Event::End(
                tag @ (TagEnd::Paragraph
                | TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::List(_)
                | TagEnd::Item),
            ) => events.push(Event::End(tag)),
            // A heading or a code block reads as a paragraph of its text.
            Event::Start(Tag::Heading { .. } | Tag::CodeBlock(_)) => {
                events.push(Event::Start(Tag::Paragraph))
            }
            Event::End(TagEnd::Heading(_) | TagEnd::CodeBlock) => {
                events.push(Event::End(TagEnd::Paragraph))
            }
            Event::Start(_) | Event::End(_) => {}
            Event::Text(_) | Event::Code(_) | Event::SoftBreak | Event::HardBreak => {
                events.push(event)
            }
            Event::Rule => {}
            other => events.push(Event::Text(CowStr::from(format!("{other:?}")))),
        }
    }
    events
}

/// The commentary as HTML of the safe subset. pulldown-cmark escapes the
/// text, and `safe_events` has already made raw HTML and unsafe links inert,
/// so its output is markup as it stands.
pub fn to_html(text: &str) -> maud::Markup {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, safe_events(text).into_iter());
    maud::PreEscaped(html)
}

/// The commentary as plain text, paragraphs on lines of their own: for the
/// workbook, where no markup is read.
pub fn to_text(text: &str) -> String {
    let mut out = String::new();
    for event in safe_events(text) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Item) => out.push('\n'),
            Event::Start(Tag::Item) => out.push_str("• "),
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_is_kept_and_everything_else_is_inert() {
        let html = to_html(
            "Reports *rose* after **the campaign**:\n\n- one\n- two\n\n[Plan](https://example.org/plan) and `code`.\n",
        )
        .into_string();
        assert_eq!(
            html,
            "<p>Reports <em>rose</em> after <strong>the campaign</strong>:</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<p><a href=\"https://example.org/plan\">Plan</a> and <code>code</code>.</p>\n"
        );
    }

    #[test]
    fn an_xss_attempt_is_rendered_inert() {
        let html = to_html(
            "<script>alert(1)</script>\n\nHi <img src=x onerror=alert(2)> [click](javascript:alert(3)) ![x](https://evil.example/x.png)\n\n<a href=\"javascript:alert(4)\">a</a>",
        )
        .into_string();
        // No tag but the subset's: every `<` left is one of theirs.
        for tag in html.match_indices('<').map(|(at, _)| &html[at..]) {
            assert!(
                ["<p>", "</p>"].iter().any(|ok| tag.starts_with(ok)),
                "an unexpected tag in {html}"
            );
        }
        // The Markdown link to a script is no link at all, its text kept.
        assert!(!html.contains("<a"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("click"), "the link's text stays: {html}");
    }

    #[test]
    fn plain_text_for_the_workbook() {
        assert_eq!(
            to_text("Reports *rose*.\n\n- one\n- two\n"),
            "Reports rose.\n• one\n• two"
        );
    }
}
