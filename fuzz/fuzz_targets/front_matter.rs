//! Any text as a guidance page with TOML front matter: a page, or errors on a line of the file.
#![no_main]

use std::collections::HashSet;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use procbook::guidance;
use procbook_fuzz::{assert_located, lf_lines};

const FILE: &str = "content/roles/fuzz.md";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = lf_lines(&text);
    let result = guidance::parse_page(&text, "roles/fuzz.md".into(), PathBuf::from(FILE), true);
    let page = match result {
        Err(problems) => {
            assert!(!problems.is_empty(), "an error without a diagnostic");
            for d in &problems {
                assert!(d.is_error(), "{d}");
                assert_located(d, FILE, lines, false);
            }
            return;
        }
        Ok(page) => page,
    };
    assert_eq!(page.url, "guide/roles/fuzz.html");
    let mut ids = HashSet::new();
    for h in &page.headings {
        assert!((1..=6).contains(&h.level));
        assert!(ids.insert(&h.id), "two headings with the id {:?}", h.id);
    }
    for link in &page.links {
        assert!(
            link.at.line >= 1 && link.at.line <= lines,
            "link at {:?}",
            link.at
        );
        assert!(link.at.column >= 1);
    }
    for tag in page.roles.iter().chain(&page.phases) {
        let at = tag.at.expect("front matter tags are located");
        assert!(at.line >= 2 && at.line <= lines, "tag {} at {at:?}", tag.id);
    }
    if let Some((_, Some(at))) = &page.when {
        assert!(at.line >= 2 && at.line <= lines, "when at {at:?}");
    }
});
