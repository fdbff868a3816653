//! `procbook check` on handbooks with one mistake each (tests/bad/<case>/), compared with
//! reviewed snapshots of everything it prints (tests/snapshots/bad_inputs__<case>.snap).
//!
//! Every case is tests/good/minimal/ with one file changed (see tests/bad/README.md). A new case
//! folder is picked up by itself; its first run writes a `.snap.new` to review and accept.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The case folders of tests/bad/, by name.
fn cases() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(tests_dir().join("bad"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `procbook check <case> [extra args]` from tests/bad/, without colours.
fn check(case: &str, extra: &[&str]) -> std::process::Output {
    Command::cargo_bin("procbook")
        .unwrap()
        .current_dir(tests_dir().join("bad"))
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .arg("check")
        .arg(case)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn every_bad_case_fails_check_with_its_reviewed_messages() {
    let cases = cases();
    assert!(cases.len() >= 38, "{cases:?}");
    let mut failed = Vec::new();
    for case in &cases {
        let out = check(case, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        // Diagnostics go to stderr and the summary to stdout, in that order.
        let text = format!("{stderr}{stdout}");
        let result = std::panic::catch_unwind(|| {
            assert!(!stderr.contains("panicked"), "{case}: {stderr}");
            assert_eq!(out.status.code(), Some(1), "{case}: {text}");
            insta::with_settings!({ omit_expression => true, description => format!("procbook check tests/bad/{case}") }, {
                insta::assert_snapshot!(case.as_str(), text);
            });
        });
        if result.is_err() {
            failed.push(case.clone());
        }
    }
    assert!(failed.is_empty(), "cases that failed: {failed:?}");
}

/// The handbook every case was made from passes, so each case's errors come from its mistake.
#[test]
fn the_minimal_handbook_the_cases_come_from_is_clean() {
    let out = Command::cargo_bin("procbook")
        .unwrap()
        .current_dir(tests_dir().join("good"))
        .env("NO_COLOR", "1")
        .args(["check", "--strict", "minimal"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "no warnings either"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ok: 2 procurements, 3 rules, 2 guidance pages: no problems\n"
    );
    assert_eq!(out.status.code(), Some(0));
}

/// The relative paths and contents of every file under `dir`.
fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

/// One mistake per case: each differs from the minimal handbook in one file.
#[test]
fn every_case_is_the_minimal_handbook_with_one_file_changed() {
    let base = read_tree(&tests_dir().join("good/minimal"));
    for case in cases() {
        let tree = read_tree(&tests_dir().join("bad").join(&case));
        let changed: Vec<&PathBuf> = tree
            .iter()
            .filter(|f| !base.contains(f))
            .map(|(p, _)| p)
            .collect();
        let removed: Vec<&PathBuf> = base
            .iter()
            .filter(|(p, _)| !tree.iter().any(|(q, _)| q == p))
            .map(|(p, _)| p)
            .collect();
        assert_eq!(
            changed.len() + removed.len(),
            1,
            "{case}: changed {changed:?}, removed {removed:?}"
        );
    }
}

#[test]
fn check_json_locates_each_problem_for_scripts() {
    let out = check("csv-enum-typo", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stdout));
    });
    assert_eq!(report["schema"], "procbook.check/1");
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 1);
    assert_eq!(report["warnings"], 0);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{report:#}");
    let d = &diagnostics[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "value-not-allowed");
    assert_eq!(d["file"], "data/procurements.csv");
    assert_eq!(d["line"], 3);
    assert_eq!(d["column"], "Risk level");
    assert_eq!(d["message"], "\"hihg\" is not an allowed value");
    assert_eq!(
        d["help"],
        "expected one of: low, medium, high; did you mean `high`?"
    );

    // A TOML file's column is a number.
    let out = check("rules-unknown-role", &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["file"], "data/roles.toml");
    assert_eq!(d["line"], 39);
    assert_eq!(d["column"], 8);
    assert!(d["help"]
        .as_str()
        .unwrap()
        .starts_with("did you mean `legal`?"));
}
