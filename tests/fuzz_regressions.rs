//! Inputs the fuzz targets (fuzz/) found to break procbook, each with the behaviour it now has.
//! One test per finding; the input is the fuzzer's, minimized.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use procbook::config::{Delimiter, Encoding};
use procbook::diagnostics::{Column, Diagnostics};
use procbook::markdown::{self, Trust};
use procbook::slug::slugify;
use procbook::{guidance, rules, table};

/// slug: "com0:" became the slug "com0", a name Windows reserves (as it does COM1–COM9).
#[test]
fn com0_and_lpt0_are_not_used_as_page_names() {
    assert_eq!(slugify("com0:"), "com0-page");
    assert_eq!(slugify("LPT0"), "lpt0-page");
    assert_eq!(slugify("com10"), "com10");
}

/// front_matter: a control character in a TOML comment gave an error with an empty message
/// (the toml crate has none for it), shown as "content/x.md:2:17: " and nothing more.
#[test]
fn a_control_character_in_front_matter_is_named() {
    let e = guidance::parse_page(
        "+++\ndescription =[#\0\0high}\n+++\nbody\n",
        "x.md".into(),
        PathBuf::from("content/x.md"),
        true,
    )
    .unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, Some(2));
    assert_eq!(e[0].column, Some(Column::Number(17)));
    assert_eq!(
        e[0].message,
        "an invisible control character (U+0000) is here, which TOML does not allow; delete it"
    );
}

/// rules_file: the same in roles.toml; and where the parser does give a message for a control
/// character, it only says what it expected ("expected newline"), not what is wrong.
#[test]
fn a_control_character_in_the_rules_file_is_named() {
    for (text, column, code) in [
        ("# Phases\0\n", 9, "U+0000"),
        ("x = 1 # \u{7f}\n", 9, "U+007F"),
    ] {
        let mut d = Diagnostics::default();
        assert!(rules::parse_str(text.into(), "data/roles.toml".into(), &mut d).is_none());
        let e = d.iter().next().unwrap();
        assert_eq!(e.line, Some(1), "{e}");
        assert_eq!(e.column, Some(Column::Number(column)), "{e}");
        assert!(e.message.contains(code), "{e}");
    }
    // Errors at a tab or a line end keep the parser's own words.
    let mut d = Diagnostics::default();
    assert!(rules::parse_str("x =\n".into(), "data/roles.toml".into(), &mut d).is_none());
    assert!(!d
        .iter()
        .next()
        .unwrap()
        .message
        .contains("control character"));
}

/// markdown_links: each heading whose text repeats an earlier one tried every suffix before its
/// own (`-1`, `-2`, …), so a page of 20,000 headings "a" took minutes to render (quadratic);
/// found by running the target on a long page. Ids stay as before: the first free suffix.
#[test]
fn many_repeated_headings_render_quickly_with_the_same_ids() {
    let none = |_: &str| None;
    let r = markdown::render(
        "# A 1\n# a\n# a\n## A {#a-2}\n# a\n# A 1\n",
        Trust::Data,
        &none,
    );
    let ids: Vec<&str> = r.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["a-1", "a", "a-2", "a-2-1", "a-3", "a-1-1"]);

    let started = Instant::now();
    let r = markdown::render(&"# a\n".repeat(20_000), Trust::Data, &none);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.headings.len(), 20_000);
    assert_eq!(r.headings[19_999].id, "a-19999");
}

/// csv_ingest: every header was compared with every other to find duplicates (quadratic), so
/// a CSV with 100,000 columns took minutes to read; found by running the target on a wide
/// header row. Duplicates are still reported once, naming all their columns.
#[test]
fn a_very_wide_csv_is_read_quickly_and_duplicates_still_found() {
    let n = 100_000;
    let mut headers: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    headers[n - 1] = "c7".into();
    let text = format!("{}\n{}\n", headers.join(","), vec!["v"; n].join(","));
    let started = Instant::now();
    let mut d = Diagnostics::default();
    let t = table::parse(
        text.as_bytes(),
        Path::new("wide.csv"),
        Delimiter::Auto,
        Encoding::Auto,
        &mut d,
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(t.is_none());
    let messages: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        messages,
        ["wide.csv:1: the column name \"c7\" appears 2 times (columns 8, 100000) (rename the columns so each name is used once)"]
    );
}
