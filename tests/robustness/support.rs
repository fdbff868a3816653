//! Helpers for the robustness tests: running the binary, copying the fixture, writing hostile
//! CSVs, snapshotting whole folder trees (file names need not be UTF-8), and mounting tmpfs.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

// The fixture and its copies are the watch tests' own.
#[path = "../watch_support/fixture.rs"]
mod fixture;
pub use fixture::fixture_copy;

pub fn procbook() -> Command {
    let mut cmd = Command::cargo_bin("procbook").expect("the procbook binary is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// `procbook build BOOK -o OUT`, whatever its outcome.
pub fn build(book: &Path, out: &Path) -> Output {
    procbook()
        .arg("build")
        .arg(book)
        .arg("-o")
        .arg(out)
        .output()
        .expect("procbook runs")
}

/// Builds and panics with procbook's messages when the build fails.
pub fn build_ok(book: &Path, out: &Path) {
    let o = build(book, out);
    assert!(o.status.success(), "the build failed:\n{}", stderr_of(&o));
}

/// Builds, expects a failure, and returns the messages.
pub fn build_fails(book: &Path, out: &Path) -> String {
    let o = build(book, out);
    let err = stderr_of(&o);
    assert_eq!(o.status.code(), Some(1), "the build should fail:\n{err}");
    assert!(
        err.contains("the previous site was left as it was"),
        "{err}"
    );
    err
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Replaces the fixture's procurements with one row per id (a copy of row SM-002 each, titled
/// "Project N"). The csv writer quotes what needs quoting; NUL and other control characters
/// go in as they are.
pub fn write_ids(book: &Path, ids: &[&str]) {
    let path = book.join("data/procurements.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let template = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "SM-002")
        .expect("the fixture has SM-002");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&header).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let mut row: Vec<String> = template.iter().map(str::to_string).collect();
        row[0] = id.to_string();
        row[1] = format!("Project {}", i + 1);
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
}

/// Every file under `dir` by its `/`-separated relative path, with its bytes; `None` when
/// `dir` does not exist.
pub fn tree(dir: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    if !dir.exists() {
        return None;
    }
    Some(
        walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(dir).unwrap();
                let rel = rel.to_string_lossy().replace('\\', "/");
                (rel, fs::read(e.path()).unwrap())
            })
            .collect(),
    )
}

/// What one entry of a folder tree is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
}

/// Everything under `dir` — folders, files with their bytes, links with their targets — by raw
/// relative path, so that any write anywhere in the tree shows up.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Entry> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            let t = e.file_type();
            let entry = if t.is_symlink() {
                Entry::Link(fs::read_link(e.path()).unwrap())
            } else if t.is_dir() {
                Entry::Dir
            } else {
                Entry::File(fs::read(e.path()).unwrap())
            };
            (rel, entry)
        })
        .collect()
}

/// `snapshot` without the entries under `inside` (a path relative to the snapshot's root).
pub fn outside(snap: &BTreeMap<PathBuf, Entry>, inside: &Path) -> BTreeMap<PathBuf, Entry> {
    snap.iter()
        .filter(|(p, _)| !p.starts_with(inside))
        .map(|(p, e)| (p.clone(), e.clone()))
        .collect()
}

pub fn names_in(dir: &Path) -> Vec<OsString> {
    let mut names: Vec<OsString> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    names
}

/// Checks that every name in the site could be copied to any common file system: at most 255
/// bytes, not a name Windows reserves, lowercase, no character beyond `a-z 0-9 - _ .`.
pub fn assert_portable_names(site: &Path) {
    const RESERVED: [&str; 24] = [
        "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
        "com8", "com9", "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8",
        "lpt9",
    ];
    for entry in walkdir::WalkDir::new(site).min_depth(1) {
        let entry = entry.unwrap();
        let name = entry.file_name().as_bytes();
        let shown = entry.path().display();
        assert!(name.len() <= 255, "{shown}: a name longer than 255 bytes");
        let plain = name
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(b));
        assert!(
            plain,
            "{shown}: a name with other characters than a-z 0-9 - _ ."
        );
        let name = String::from_utf8_lossy(name);
        let stem = name.split('.').next().unwrap_or_default();
        assert!(
            !RESERVED.contains(&stem),
            "{shown}: a name Windows reserves"
        );
    }
}

/// A file system mounted for a test, unmounted when dropped (lazily if it is still busy).
/// Declare it after the `TempDir` holding its mount point, so that it is dropped first.
pub struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let done = std::process::Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !done {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.0)
                .status();
        }
    }
}

fn mount_command(args: &[&str], at: &Path) -> Result<(), String> {
    let out = std::process::Command::new("mount")
        .args(args)
        .arg(at)
        .output()
        .map_err(|e| format!("`mount` cannot be run: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`mount {} {}` failed (these tests need root and a working mount): {}",
            args.join(" "),
            at.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Mounts a tmpfs of `size` (such as "2m") at `at`, creating the folder.
pub fn mount_tmpfs(at: &Path, size: &str) -> Result<Mount, String> {
    fs::create_dir_all(at).unwrap();
    mount_command(&["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"], at)?;
    Ok(Mount(at.to_path_buf()))
}

/// Makes a mounted tmpfs read-only.
pub fn remount_read_only(m: &Mount) -> Result<(), String> {
    mount_command(&["-o", "remount,ro"], &m.0)
}

/// Mounts `dir` on itself, read-only.
pub fn bind_read_only(dir: &Path) -> Result<Mount, String> {
    mount_command(&["--bind", &dir.to_string_lossy()], dir)?;
    let m = Mount(dir.to_path_buf());
    mount_command(&["-o", "remount,ro,bind"], dir)?;
    Ok(m)
}

/// Says why a test that needs mounting did not run.
pub fn skip(test: &str, why: &str) {
    eprintln!("skipped {test}: {why}");
}
