//! Helpers shared by the watch and serve tests (tests/incremental.rs, tests/watch_cli.rs,
//! tests/serve.rs): a temporary copy of the small fixture handbook, a site read back as a tree
//! of files, a readable comparison of two trees, and bounded waiting.

// Three test crates include this file and each uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use procbook::site::BuildMode;
use tempfile::TempDir;

pub const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small");

/// The longest any test waits for something to happen. Waits poll and return as soon as the
/// condition holds, so only a failing test waits this long.
pub const WAIT: Duration = Duration::from_secs(10);

/// A copy of the fixture to edit: (the temporary folder, the handbook in it). The handbook path
/// is canonical, as the watcher reports canonical paths.
pub fn fixture_copy() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let base = fs::canonicalize(tmp.path()).unwrap();
    let book = base.join("book");
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

/// Every file under `dir` by its `/`-separated relative path, with its bytes (empty when `dir`
/// does not exist).
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    if !dir.exists() {
        return BTreeMap::new();
    }
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| Some((rel_path(dir, e.path()), fs::read(e.path()).ok()?)))
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

/// A clean build of `book` with the library, into `out`: its tree, or the diagnostics as text.
pub fn clean_build(book: &Path, out: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    match procbook::build::build(book, BuildMode::Publish, Some(out)) {
        Ok(_) => Ok(tree(out)),
        Err(d) => Err(procbook::messages::diagnostics_text(&d)),
    }
}

/// What differs between two trees, for a failure message: `None` when they are the same.
pub fn tree_difference(
    actual: &BTreeMap<String, Vec<u8>>,
    expected: &BTreeMap<String, Vec<u8>>,
) -> Option<String> {
    let mut out = String::new();
    for path in expected.keys().filter(|p| !actual.contains_key(*p)) {
        out += &format!("  missing: {path}\n");
    }
    for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
        out += &format!("  extra:   {path}\n");
    }
    for (path, bytes) in actual {
        let Some(want) = expected.get(path) else {
            continue;
        };
        if bytes != want {
            out += &format!("  differs: {path}{}\n", first_difference(bytes, want));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The first line where two files differ.
fn first_difference(actual: &[u8], expected: &[u8]) -> String {
    let (a, e) = (
        String::from_utf8_lossy(actual),
        String::from_utf8_lossy(expected),
    );
    let mut lines = a.lines().zip(e.lines()).enumerate();
    match lines.find(|(_, (x, y))| x != y) {
        Some((i, (x, y))) => format!(
            " (line {}: got {:?}, expected {:?})",
            i + 1,
            clip(x),
            clip(y)
        ),
        None => format!(
            " ({} lines, expected {})",
            a.lines().count(),
            e.lines().count()
        ),
    }
}

fn clip(line: &str) -> String {
    line.chars().take(160).collect()
}

/// Polls `ready` every 10 ms until it holds; panics with `what` after [`WAIT`].
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "timed out after {WAIT:?} waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Writes `text` to `path` the way many editors save: into a temporary file beside it, then
/// renamed over it.
pub fn write_by_rename(path: &Path, text: &str) {
    let name = path.file_name().unwrap().to_string_lossy();
    let tmp = path.with_file_name(format!("{name}.tmp"));
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, path).unwrap();
}
