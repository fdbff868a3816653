//! Any Markdown, rendered as guidance and as CSV cell text, and its links resolved against a few
//! guidance pages. Never a panic; with raw HTML off no tag but the renderer's own reaches the
//! page; CSV text links only to http(s), mailto or relative addresses; every broken link is
//! reported on a line of the page.
#![no_main]

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use procbook::diagnostics::Diagnostics;
use procbook::guidance::{self, Guidance, Page};
use procbook::markdown::{self, is_safe_url, Trust};
use procbook_fuzz::lf_lines;

const SOURCE: &str = "roles/fuzz.md";

/// The tags pulldown-cmark writes for the Markdown procbook enables.
const RENDERER_TAGS: &[&str] = &[
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "input",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

fn other_pages() -> &'static [Page] {
    static PAGES: OnceLock<Vec<Page>> = OnceLock::new();
    PAGES.get_or_init(|| {
        [
            ("_index.md", "# Welcome\n\nSee [phases](phases.md).\n"),
            ("phases.md", "+++\ntitle = \"Phases\"\n+++\n# Phases\n\n## Contracting\n\n## Monitoring {#watch}\n"),
            ("roles/legal.md", "# Legal officer\n\n## Duties\n\n## Duties\n"),
            ("roles/draft.md", "+++\ndraft = true\n+++\n# Draft\n"),
        ]
        .iter()
        .map(|(source, text)| {
            guidance::parse_page(text, source.to_string(), PathBuf::from("content").join(source), true)
                .expect("the fixed pages parse")
        })
        .collect()
    })
}

/// The names of the tags opened or closed in `html` (text and attributes are escaped, so every
/// `<` starts a tag).
fn tags(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        out.push(name.to_ascii_lowercase());
    }
    out
}

/// The values of `attr="..."` in `html`, with the entities the renderer writes decoded.
fn attributes(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        let end = rest.find('"').expect("attribute values are closed");
        out.push(
            rest[..end]
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&#39;", "'")
                .replace("&amp;", "&"),
        );
        rest = &rest[end..];
    }
    out
}

fn assert_no_raw_html(html: &str, text: &str) {
    for tag in tags(html) {
        assert!(
            RENDERER_TAGS.contains(&tag.as_str()),
            "the tag <{tag}> came through from {text:?}: {html}"
        );
    }
    assert!(!html.to_ascii_lowercase().contains("<script"));
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let none = |_: &str| None;

    // CSV cells: no raw HTML, only safe links and images.
    let cell = markdown::render(&text, Trust::Data, &none);
    assert_no_raw_html(&cell.html, &text);
    for url in attributes(&cell.html, "href")
        .iter()
        .chain(&attributes(&cell.html, "src"))
    {
        assert!(is_safe_url(url), "unsafe link {url:?} from {text:?}");
    }
    let plain = markdown::plain_text(&text);
    assert!(!plain.starts_with(' ') && !plain.ends_with(' '));

    // Guidance with raw HTML off, as a whole page with front matter and links.
    let lines = lf_lines(&text);
    for raw_html in [false, true] {
        let Ok(page) = guidance::parse_page(
            &text,
            SOURCE.into(),
            PathBuf::from("content").join(SOURCE),
            raw_html,
        ) else {
            return; // front matter problems: the front_matter target's business
        };
        if !raw_html {
            assert_no_raw_html(&page.html, &text);
        }
        let ids: HashSet<&str> = page.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids.len(), page.headings.len(), "heading ids repeat");
        let links = page.links.clone();
        let mut pages = other_pages().to_vec();
        pages.push(page);
        let guidance = Guidance::new(pages);
        let mut d = Diagnostics::default();
        guidance.check_links(true, &mut d);
        for diag in &d {
            let line = diag.line.expect("link problems are located");
            assert!(line >= 1 && line <= lines, "{diag}");
        }
        for link in &links {
            match guidance.resolve(SOURCE, &link.target) {
                Ok(Some((target, fragment))) => {
                    if let Some(f) = fragment {
                        assert!(target.headings.iter().any(|h| h.id == f));
                    }
                }
                Ok(None) => {}
                Err(_) => assert!(
                    d.iter()
                        .any(|diag| diag.message.contains(&format!("\"{}\"", link.target))),
                    "the broken link {:?} was not reported",
                    link.target
                ),
            }
        }
    }
});
