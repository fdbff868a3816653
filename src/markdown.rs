//! Markdown → HTML, the one place pulldown-cmark is driven from.
//!
//! Adds ids to headings (explicit `{#id}` or made from the text, unique within the page),
//! rewrites link targets through a callback (guidance `.md` links become site links), escapes
//! raw HTML unless the text is trusted, and neutralises `javascript:`-style links in untrusted
//! text (CSV cells).

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::slug::anchor;

/// A heading of a page: its level (1–6), text and id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
}

/// A link in the Markdown source and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub target: String,
    pub offset: usize,
}

/// The rendered HTML with what was found on the way.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
}

/// Whether the text comes from the office's own authors or from data cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Guidance: raw HTML passes through when the handbook allows it.
    Author { raw_html: bool },
    /// CSV cells: raw HTML is escaped and only http(s), mailto and relative links are kept.
    Data,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders `text`; `rewrite` may replace a link target (it gets the original).
pub fn render(text: &str, trust: Trust, rewrite: &dyn Fn(&str) -> Option<String>) -> Rendered {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut links = Vec::new();
    let mut heading_starts = Vec::new();
    let raw_html_ok = matches!(trust, Trust::Author { raw_html: true });
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                links.push(Link {
                    target: dest_url.to_string(),
                    offset: range.start,
                });
                let dest_url = match rewrite(&dest_url) {
                    Some(new) => CowStr::from(new),
                    None if trust == Trust::Data && !is_safe_url(&dest_url) => CowStr::from("#"),
                    None => dest_url,
                };
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if trust == Trust::Data && !is_safe_url(&dest_url) => Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::from(""),
                title,
                id,
            }),
            Event::Html(h) | Event::InlineHtml(h) if !raw_html_ok => Event::Text(h),
            Event::Start(Tag::Heading { .. }) => {
                heading_starts.push(events.len());
                event
            }
            other => other,
        };
        events.push(event);
    }
    let headings = name_headings(&mut events, &heading_starts);
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Rendered {
        html,
        headings,
        links,
    }
}

/// Gives every heading an id (keeping explicit ones) so that no two are equal.
fn name_headings(events: &mut [Event<'_>], starts: &[usize]) -> Vec<Heading> {
    let mut headings = Vec::new();
    let mut used = std::collections::HashSet::new();
    // The next suffix to try for each base id: every smaller one is taken, so many headings with
    // the same text do not each try all the suffixes before theirs.
    let mut next_suffix: std::collections::HashMap<String, usize> = Default::default();
    for &start in starts {
        let mut text = String::new();
        for e in &events[start + 1..] {
            match e {
                Event::End(TagEnd::Heading(_)) => break,
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                _ => {}
            }
        }
        let Event::Start(Tag::Heading { level, id, .. }) = &mut events[start] else {
            continue;
        };
        let base = match id {
            Some(explicit) => explicit.to_string(),
            None => {
                let a = anchor(&text);
                if a.is_empty() {
                    "section".to_string()
                } else {
                    a
                }
            }
        };
        let mut unique = base.clone();
        if !used.insert(unique.clone()) {
            let n = next_suffix.entry(base.clone()).or_insert(1);
            loop {
                unique = format!("{base}-{n}");
                *n += 1;
                if used.insert(unique.clone()) {
                    break;
                }
            }
        }
        *id = Some(CowStr::from(unique.clone()));
        headings.push(Heading {
            level: heading_number(*level),
            text: text.trim().to_string(),
            id: unique,
        });
    }
    headings
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Whether a link target is one a reader can follow safely: http(s), mailto, or no scheme at
/// all (a relative link or an anchor).
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let lower = cleaned.to_ascii_lowercase();
    match lower.split_once(':') {
        None => true,
        Some((scheme, _)) if scheme.contains(['/', '?', '#']) => true,
        Some((scheme, _)) => matches!(scheme, "http" | "https" | "mailto"),
    }
}

/// The text of some Markdown, without markup (for descriptions and the search index).
pub fn plain_text(text: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock,
            ) if !out.ends_with(' ') => {
                out.push(' ');
            }
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn headings_get_unique_ids() {
        let r = render(
            "# Intro\n\n## Who signs?\n\n## Who signs?\n\n## Custom {#mine}\n",
            Trust::Author { raw_html: true },
            &none,
        );
        let ids: Vec<&str> = r.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["intro", "who-signs", "who-signs-1", "mine"]);
        assert!(r.html.contains("<h2 id=\"who-signs-1\">"), "{}", r.html);
    }

    #[test]
    fn data_text_cannot_carry_html_or_script_links() {
        let r = render("<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](https://example.org) <img src=x onerror=alert(1)>", Trust::Data, &none);
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("javascript:"), "{}", r.html);
        assert!(!r.html.contains("<img"), "{}", r.html);
        assert!(r.html.contains("href=\"#\""), "{}", r.html);
        assert!(r.html.contains("href=\"https://example.org\""));
    }

    #[test]
    fn authors_may_use_raw_html_unless_turned_off() {
        let html = "<abbr title=\"x\">AIA</abbr>";
        assert!(render(html, Trust::Author { raw_html: true }, &none)
            .html
            .contains("<abbr"));
        assert!(!render(html, Trust::Author { raw_html: false }, &none)
            .html
            .contains("<abbr"));
    }

    #[test]
    fn safe_urls() {
        assert!(is_safe_url("https://example.org"));
        assert!(is_safe_url("../x.html#a"));
        assert!(is_safe_url("mailto:a@example.org"));
        assert!(!is_safe_url("javascript:alert(1)"));
        assert!(!is_safe_url(" JaVa\tScript:alert(1)"));
        assert!(!is_safe_url("data:text/html,x"));
    }
}
