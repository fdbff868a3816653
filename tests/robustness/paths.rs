//! Ids and guidance file names that try to leave the output folder, clash with each other, or
//! are names Windows refuses: each gets its own page inside the output folder under a portable
//! name, or the build fails naming every row or file involved and keeps the previous site.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use scraper::{Html, Selector};
use tempfile::TempDir;

use super::support::*;

/// Ids that a careless or hostile CSV could hold, each with a distinct page name.
const HOSTILE_IDS: [&str; 20] = [
    "../../x",
    "/etc/passwd",
    "C:\\x",
    "CON",
    "con.md",
    "a/b",
    "nul\0byte",
    "bell\x07tab\tesc\x1b[31m",
    "Alpha",
    "com1.txt",
    "LPT9",
    "com0.csv",
    "aux",
    "x/../../../y",
    "\\\\server\\share\\f",
    "%2e%2e%2fz",
    "prn ",
    "\u{202e}evil\u{200b}",
    "Ünïcödé/東京",
    "SM-1",
];

/// Builds `book` into `tmp/out/site` and checks that nothing outside `tmp/out/site` changed and
/// nothing was left beside it.
fn build_inside(tmp: &Path, book: &Path) -> PathBuf {
    let site = tmp.join("out/site");
    fs::create_dir_all(tmp.join("out")).unwrap();
    let before = snapshot(tmp);
    build_ok(book, &site);
    let after = snapshot(tmp);
    assert!(
        outside(&after, Path::new("out/site")) == before,
        "the build wrote outside its output folder"
    );
    assert_eq!(
        names_in(&tmp.join("out")),
        ["site"],
        "leftovers beside the site"
    );
    site
}

#[test]
fn hostile_ids_give_one_page_each_inside_the_output_folder() {
    let (tmp, book) = fixture_copy();
    let long = "L".repeat(300);
    let mut ids = HOSTILE_IDS.to_vec();
    ids.push(&long);
    write_ids(&book, &ids);
    let site = build_inside(tmp.path(), &book);
    assert_portable_names(&site);

    // One page per row, each listed once in projects.json under its own address.
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(site.join("projects.json")).unwrap()).unwrap();
    let projects = json["projects"].as_array().unwrap();
    let listed: Vec<(&str, &str)> = projects
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["url"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed.iter().map(|l| l.0).collect::<Vec<_>>(),
        ids.iter().map(|id| id.trim()).collect::<Vec<_>>(),
        "every row is published with its id as written (less surrounding spaces)"
    );
    let urls: BTreeSet<&str> = listed.iter().map(|l| l.1).collect();
    assert_eq!(urls.len(), ids.len(), "two rows share a page: {listed:?}");
    let pages: BTreeSet<String> = fs::read_dir(site.join("projects"))
        .unwrap()
        .map(|e| format!("projects/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(
        pages,
        urls.iter().map(|u| u.to_string()).collect::<BTreeSet<_>>(),
        "the project pages are exactly the listed ones"
    );
    for (i, (_, url)) in listed.iter().enumerate() {
        let html = fs::read_to_string(site.join(url)).unwrap();
        assert!(
            html.contains(&format!("Project {}", i + 1)),
            "{url} is not the page of row {}",
            i + 1
        );
    }
    assert_links_resolve(&site);
}

#[test]
fn ids_that_differ_only_in_case_punctuation_or_past_80_characters_are_refused() {
    let (tmp, book) = fixture_copy();
    let site = tmp.path().join("out/site");
    build_ok(&book, &site);
    let before = tree(&site);
    let (long1, long2) = ("L".repeat(300) + "1", "L".repeat(300) + "2");
    write_ids(
        &book,
        &["Alpha", "SM-1", "alpha", "a/b", "A B", &long1, &long2],
    );
    let err = build_fails(&book, &site);
    for expected in [
        "data/procurements.csv",
        "\"Alpha\" (line 2)",
        "\"alpha\" (line 4)",
        "\"alpha.html\"",
        "\"a/b\" (line 5)",
        "\"A B\" (line 6)",
        "\"a-b.html\"",
        "(line 7)",
        "(line 8)",
        "keep only their first 80 characters",
    ] {
        assert!(err.contains(expected), "{expected:?} missing:\n{err}");
    }
    assert_eq!(
        err.matches("would all get the page name").count(),
        3,
        "{err}"
    );
    assert!(tree(&site) == before, "the failed build changed the site");
    assert_eq!(names_in(&tmp.path().join("out")), ["site"]);
}

#[test]
fn ids_with_no_letter_or_digit_are_refused_by_line() {
    let (tmp, book) = fixture_copy();
    let site = tmp.path().join("out/site");
    build_ok(&book, &site);
    let before = tree(&site);
    write_ids(&book, &["SM-1", "../..", "/", "\0\x1b"]);
    let err = build_fails(&book, &site);
    for line in [3, 4, 5] {
        assert!(
            err.contains(&format!("line {line}: the id")),
            "line {line} is not reported:\n{err}"
        );
    }
    assert_eq!(err.matches("has no letter or digit").count(), 3, "{err}");
    // Control characters are shown as symbols, not sent to the terminal.
    assert!(
        err.contains("the id \"\u{2400}\u{241b}\" has no letter"),
        "{err}"
    );
    assert!(!err.contains('\0') && !err.contains('\x1b'), "{err}");
    assert!(tree(&site) == before, "the failed build changed the site");
}

/// Writes a guidance page at `rel` (raw bytes: names need not be UTF-8) under `content/`.
fn guidance(book: &Path, rel: &[u8], text: &str) {
    let path = book.join("content").join(OsStr::from_bytes(rel));
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn hostile_guidance_file_names_give_one_page_each_inside_the_output_folder() {
    let (tmp, book) = fixture_copy();
    let long = format!("{}.md", "L".repeat(252)); // 255 bytes, the most Linux allows
    let names: Vec<&[u8]> = vec![
        b"con.md",
        b"nul.md",
        b"C:\\x.md",
        b"\x01\x1b[31mred.md",
        b"tab\there.md",
        long.as_bytes(),
        b"a/b.md",
        b"!!!/deep.md",
        b"-.md",
        b"caf\xe9.md",
        b" leading.md",
        b"PRN.txt.md",
        b"CON/aux.md",
        b"Alpha.md",
        b"...---/x.md",
    ];
    for (i, name) in names.iter().enumerate() {
        guidance(&book, name, &format!("Guidance text number {i}.\n"));
    }
    let pages_in_content = walkdir::WalkDir::new(book.join("content"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.file_name() != "_index.md")
        .count();
    let site = build_inside(tmp.path(), &book);
    assert_portable_names(&site);
    let guide: Vec<PathBuf> = walkdir::WalkDir::new(site.join("guide"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    assert_eq!(
        guide.len(),
        pages_in_content,
        "one page per guidance file: {guide:?}"
    );
    for (i, name) in names.iter().enumerate() {
        let text = format!("Guidance text number {i}.");
        let holding = guide
            .iter()
            .filter(|p| fs::read_to_string(p).unwrap().contains(&text))
            .count();
        assert_eq!(
            holding,
            1,
            "the page of {:?}",
            String::from_utf8_lossy(name)
        );
    }
    assert_links_resolve(&site);
}

#[test]
fn guidance_files_that_would_share_a_page_are_refused_naming_both() {
    let (tmp, book) = fixture_copy();
    let site = tmp.path().join("out/site");
    build_ok(&book, &site);
    let before = tree(&site);
    guidance(&book, b"Alpha.md", "Upper.\n");
    guidance(&book, b"alpha.md", "Lower.\n");
    guidance(&book, b"!!!/roles.md", "Beside the roles page.\n");
    let err = build_fails(&book, &site);
    assert!(
        err.contains("content/Alpha.md")
            && err.contains("content/alpha.md")
            && err.contains("guide/alpha.html"),
        "{err}"
    );
    assert!(
        err.contains("content/!!!/roles.md")
            && err.contains("content/roles.md")
            && err.contains("guide/roles.html"),
        "{err}"
    );
    assert!(tree(&site) == before, "the failed build changed the site");
    assert_eq!(names_in(&tmp.path().join("out")), ["site"]);
}

#[test]
fn role_ids_that_clash_with_a_page_or_windows_are_refused() {
    let (tmp, book) = fixture_copy();
    let site = tmp.path().join("out/site");
    build_ok(&book, &site);
    let before = tree(&site);
    let rules = book.join("data/roles.toml");
    let mut text = fs::read_to_string(&rules).unwrap();
    for id in ["index", "con"] {
        text.push_str(&format!(
            "\n[[role]]\nid = \"{id}\"\nname = \"Role {id}\"\nsummary = \"A role.\"\n"
        ));
    }
    fs::write(&rules, text).unwrap();
    let err = build_fails(&book, &site);
    assert!(
        err.contains("data/roles.toml")
            && err.contains("the role \"index\"")
            && err.contains("both be published as roles/index.html"),
        "{err}"
    );
    assert!(
        err.contains("the role \"con\"") && err.contains("Windows cannot use \"con.html\""),
        "{err}"
    );
    assert!(tree(&site) == before, "the failed build changed the site");
}

/// Every relative link, stylesheet and script of every page points at a file of the site.
fn assert_links_resolve(site: &Path) {
    let refs = Selector::parse("a[href], link[href], script[src], img[src]").unwrap();
    for entry in walkdir::WalkDir::new(site) {
        let entry = entry.unwrap();
        if entry.path().extension() != Some(OsStr::new("html")) {
            continue;
        }
        let doc = Html::parse_document(&fs::read_to_string(entry.path()).unwrap());
        for el in doc.select(&refs) {
            let v = el.value();
            let target = v.attr("href").or(v.attr("src")).unwrap();
            if target.contains(':') || target.starts_with('#') || target.starts_with("//") {
                continue;
            }
            let target = target.split(['#', '?']).next().unwrap();
            if target.is_empty() {
                continue;
            }
            let mut resolved = entry.path().parent().unwrap().to_path_buf();
            for c in Path::new(target).components() {
                match c {
                    Component::ParentDir => assert!(
                        resolved.pop() && resolved.starts_with(site),
                        "{}: {target} leaves the site",
                        entry.path().display()
                    ),
                    Component::Normal(n) => resolved.push(n),
                    _ => {}
                }
            }
            assert!(
                resolved.exists(),
                "{}: the link {target} leads nowhere",
                entry.path().display()
            );
        }
    }
}

#[test]
fn a_symlinked_guidance_page_is_published_and_one_pointing_nowhere_is_reported() {
    let (tmp, book) = fixture_copy();
    let elsewhere = TempDir::new().unwrap();
    let shared = elsewhere.path().join("shared.md");
    fs::write(&shared, "Kept in another folder.\n").unwrap();
    std::os::unix::fs::symlink(&shared, book.join("content/shared.md")).unwrap();
    let site = build_inside(tmp.path(), &book);
    assert!(fs::read_to_string(site.join("guide/shared.html"))
        .unwrap()
        .contains("Kept in another folder."));

    let before = tree(&site);
    std::os::unix::fs::symlink("/nonexistent/gone.md", book.join("content/gone.md")).unwrap();
    let err = build_fails(&book, &site);
    assert!(
        err.contains("content/gone.md")
            && err.contains("/nonexistent/gone.md, which does not exist"),
        "{err}"
    );
    assert!(tree(&site) == before, "the failed build changed the site");
}
