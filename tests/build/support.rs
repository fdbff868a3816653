//! Helpers shared by the build tests: running procbook, copying the fixture, reading a site
//! back (files, parsed pages, exports), and the fixture's expected plans.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

use assert_cmd::Command;
use procbook::site::BuildMode;
use scraper::CaseSensitivity::CaseSensitive;
use scraper::{ElementRef, Html, Selector};
use tempfile::TempDir;

pub const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small");

pub fn procbook() -> Command {
    let mut cmd = Command::cargo_bin("procbook").expect("the procbook binary is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Builds `dir` into `out` with the library, panicking with the diagnostics on failure.
pub fn build_into(dir: &Path, out: &Path) {
    if let Err(d) = procbook::build::build(dir, BuildMode::Publish, Some(out)) {
        panic!(
            "the build of {} failed:\n{}",
            dir.display(),
            procbook::messages::diagnostics_text(&d)
        );
    }
}

/// The fixture built into a fresh temporary folder: (the folder, its `site/`).
pub fn built_fixture() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let site = tmp.path().join("site");
    build_into(Path::new(FIXTURE), &site);
    (tmp, site)
}

/// A copy of the fixture to modify: (the temporary folder, the handbook in it).
pub fn fixture_copy() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let book = tmp.path().join("book");
    copy_dir(Path::new(FIXTURE), &book);
    (tmp, book)
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.components().next() == Some(Component::Normal("site".as_ref())) {
            continue; // a stray build of the fixture is not part of it
        }
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` by its `/`-separated relative path, with its bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (rel_path(dir, e.path()), fs::read(e.path()).unwrap()))
        .collect()
}

pub fn rel_path(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap()
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

pub fn html_files(site: &Path) -> Vec<String> {
    tree(site)
        .into_keys()
        .filter(|p| p.ends_with(".html"))
        .collect()
}

pub fn read(site: &Path, rel: &str) -> String {
    fs::read_to_string(site.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn page(site: &Path, rel: &str) -> Html {
    Html::parse_document(&read(site, rel))
}

pub fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
}

pub fn all<'a>(doc: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    doc.select(&sel(css)).collect()
}

pub fn one<'a>(doc: &'a Html, css: &str) -> ElementRef<'a> {
    let found = all(doc, css);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one `{css}`, found {}",
        found.len()
    );
    found[0]
}

pub fn within<'a>(el: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    el.select(&sel(css)).collect()
}

/// Runs of whitespace as one space, trimmed.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// All the text of an element.
pub fn text(el: ElementRef<'_>) -> String {
    squash(&el.text().collect::<String>())
}

/// The text of an element, leaving out the descendants `skip` says to.
pub fn text_without(el: ElementRef<'_>, skip: &dyn Fn(ElementRef<'_>) -> bool) -> String {
    fn walk(el: ElementRef<'_>, skip: &dyn Fn(ElementRef<'_>) -> bool, out: &mut String) {
        for child in el.children() {
            if let Some(t) = child.value().as_text() {
                out.push_str(t);
            } else if let Some(c) = ElementRef::wrap(child) {
                if !skip(c) {
                    walk(c, skip, out);
                }
            }
        }
    }
    let mut out = String::new();
    walk(el, skip, &mut out);
    squash(&out)
}

/// What a sighted reader sees: no `.visually-hidden` text.
pub fn visible_text(el: ElementRef<'_>) -> String {
    text_without(el, &|c| {
        c.value().has_class("visually-hidden", CaseSensitive)
    })
}

/// What a screen reader reads: no `aria-hidden="true"` text.
pub fn spoken_text(el: ElementRef<'_>) -> String {
    text_without(el, &|c| c.value().attr("aria-hidden") == Some("true"))
}

pub fn attr<'a>(el: ElementRef<'a>, name: &str) -> &'a str {
    el.value()
        .attr(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}: {}", el.value().name(), el.html()))
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn projects_json(site: &Path) -> serde_json::Value {
    serde_json::from_str(&read(site, "projects.json")).expect("projects.json is JSON")
}

/// The JSON documents inside `search-index.js` and `search-procurements.js`, as one index.
pub fn search_index(site: &Path) -> serde_json::Value {
    let part = |file: &str, name: &str| -> serde_json::Value {
        let js = read(site, file);
        let prefix = format!("window.{name} = ");
        let payload = js
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{file} starts with `{prefix}`"));
        let payload = payload.trim_end().trim_end_matches(';');
        serde_json::from_str(payload).expect("the search index is JSON")
    };
    let mut index = part("search-index.js", "PROCBOOK_SEARCH");
    let procurements = part("search-procurements.js", "PROCBOOK_SEARCH_PROCUREMENTS");
    let docs = index["docs"].as_array_mut().expect("docs is an array");
    docs.extend(
        procurements["docs"]
            .as_array()
            .expect("docs is an array")
            .iter()
            .cloned(),
    );
    index
}

/// (url, title, kind) of every search document.
pub fn search_docs(site: &Path) -> Vec<(String, String, String)> {
    search_index(site)["docs"]
        .as_array()
        .expect("docs is an array")
        .iter()
        .map(|d| {
            let s = |i: usize| {
                d[i].as_str()
                    .expect("search fields are strings")
                    .to_string()
            };
            (s(0), s(1), s(2))
        })
        .collect()
}

pub fn csv_records(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

pub fn replace_in(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub const PHASES: [&str; 5] = [
    "Needs assessment",
    "Solicitation",
    "Evaluation",
    "Contracting",
    "Monitoring",
];

/// (id, slug, title, involved role ids) of every row of the fixture's procurements.csv.
pub const PROJECTS: [(&str, &str, &str, &[&str]); 5] = [
    (
        "SM-001",
        "sm-001",
        "Resident chatbot",
        &[
            "legal_officer",
            "privacy_officer",
            "procurement_officer",
            "project_lead",
            "public",
        ],
    ),
    (
        "SM-002",
        "sm-002",
        "Meeting minutes summariser",
        &["legal_officer", "procurement_officer", "project_lead"],
    ),
    (
        "SM-003",
        "sm-003",
        "Housing eligibility pre-screening",
        &[
            "legal_officer",
            "privacy_officer",
            "procurement_officer",
            "project_lead",
        ],
    ),
    (
        "SM-004",
        "sm-004",
        "Road damage detection",
        &["legal_officer", "procurement_officer", "project_lead"],
    ),
    (
        "SM-005",
        "sm-005",
        "Library reading suggestions",
        &["legal_officer", "procurement_officer", "project_lead"],
    ),
];
