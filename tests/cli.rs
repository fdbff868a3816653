//! The command line as a user meets it: exit codes, the exact wording of the important
//! messages, JSON for scripts, no colour off a terminal.

use assert_cmd::Command;
use predicates::prelude::*;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn procbook() -> Command {
    let mut c = Command::cargo_bin("procbook").unwrap();
    c.env_remove("NO_COLOR");
    c
}

#[test]
fn check_passes_on_the_example_handbook_and_reports_gaps_as_warnings() {
    let out = procbook().args(["check", REPO]).assert().code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stdout.starts_with("ok: 35 procurements, 46 rules, 14 guidance pages: "),
        "{stdout}"
    );
    assert!(stderr.contains("warning: line 3: \"EC-2025-002\" has nobody assigned to lead or sign-off roles: Procurement officer"), "{stderr}");
    // Piped output carries no colour codes.
    assert!(!stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'));
}

#[test]
fn strict_check_turns_gaps_into_errors() {
    procbook()
        .args(["check", REPO, "--strict"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error: line 3: \"EC-2025-002\" has nobody assigned",
        ));
}

#[test]
fn check_json_is_a_documented_report() {
    let out = procbook()
        .args(["check", REPO, "--format", "json"])
        .assert()
        .code(0);
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["schema"], "procbook.check/1");
    assert_eq!(report["ok"], true);
    assert_eq!(report["errors"], 0);
    let first = &report["diagnostics"][0];
    for key in [
        "severity", "code", "file", "line", "column", "message", "help",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
}

#[test]
fn check_reports_every_problem_of_a_file_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join("book.toml"),
        "[procurements.fields.risk]\ncolumn = \"Risk level\"\ntype = \"enum\"\nvalues = [\"low\", \"medium\", \"high\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("data/roles.toml"),
        "[[phase]]\nid = \"buy\"\nname = \"Buy\"\n[[level]]\nid = \"lead\"\nname = \"Lead\"\n[[role]]\nid = \"buyer\"\nname = \"Buyer\"\n[[rule]]\nid = \"r\"\nrole = \"buyer\"\nlevel = \"lead\"\nwhy = \"Someone buys.\"\nwhen = { risk = \"hgih\" }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("data/procurements.csv"),
        "id,title,Risk level\nA,One,hihg\nB,Two,\"Medium \"\nC,Three,lwo\n",
    )
    .unwrap();
    let out = procbook()
        .args(["check"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        "data/procurements.csv (2 errors)\n\
         \x20 error: line 2, column \"Risk level\": \"hihg\" is not an allowed value\n\
         \x20   help: expected one of: low, medium, high; did you mean `high`?\n\
         \x20 error: line 4, column \"Risk level\": \"lwo\" is not an allowed value\n\
         \x20   help: expected one of: low, medium, high; did you mean `low`?\n\
         \n\
         data/roles.toml (1 error)\n\
         \x20 error: line 15, column 18: rule \"r\": \"hgih\" is not a value of the field \"risk\"\n\
         \x20   help: did you mean `high`?; the values are: low, medium, high\n\
         \n"
    );
    assert_eq!(
        String::from_utf8(out.get_output().stdout.clone()).unwrap(),
        "check failed: 3 errors\n"
    );
}

#[test]
fn explain_shows_the_matrix_and_the_rules_behind_it() {
    let out = procbook()
        .args(["explain", REPO, "EC-2025-003"])
        .env("NO_COLOR", "1")
        .assert()
        .code(0);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Pothole detection from garbage-truck cameras  EC-2025-003"
    );
    assert_eq!(lines[1], "Current stage: Market research");
    assert_eq!(lines[3], "Role                  Needs     Market    Solicit.  Evaluat.  Contrac.  Impleme.  Monitor.");
    assert_eq!(
        lines[4],
        "Procurement officer   advise    lead      lead      lead*     lead      advise    lead"
    );
    assert!(
        text.contains(
            "Legal officer: advise, signs off in solicitation, contracting; assigned: unassigned"
        ),
        "{text}"
    );
    assert!(text.contains("  - legal-signs-off-solicitation-and-contract\n    (advise in solicitation, contracting; signs off in solicitation, contracting)\n    why: "), "{text}");
    assert!(
        text.contains("    source: OCP, Buying AI: Who to involve <https://"),
        "{text}"
    );
    // Everything fits 100 columns but a web address too long to break, alone on its line.
    for l in &lines {
        assert!(
            l.chars().count() <= 100 || l.trim_start().starts_with("<http"),
            "wider than 100 columns: {l}"
        );
    }
}

#[test]
fn explain_json_gives_the_same_plan_as_data() {
    let out = procbook()
        .args(["explain", REPO, "EC-2025-003", "--format", "json"])
        .assert()
        .code(0);
    let plan: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(plan["schema"], "procbook.plan/1");
    assert_eq!(plan["id"], "EC-2025-003");
    assert_eq!(plan["stage"], "market_research");
    let legal = plan["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "legal_officer")
        .unwrap();
    assert_eq!(
        legal["sign_off"],
        serde_json::json!(["solicitation", "contracting"])
    );
    assert_eq!(legal["assignee"], serde_json::Value::Null);
    let solicitation = legal["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["phase"] == "solicitation")
        .unwrap();
    assert_eq!(solicitation["sign_off"], true);
    assert!(solicitation["rules"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(
            "legal-signs-off-solicitation-and-contract"
        )));
    // Hidden fields never appear.
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!text.contains("@example.org") && !text.contains("contact_email"));
}

#[test]
fn explain_an_unknown_id_suggests_the_closest() {
    procbook()
        .args(["explain", REPO, "EC-2025-0003"])
        .env("NO_COLOR", "1")
        .assert()
        .code(2)
        .stderr("error: no procurement has the id \"EC-2025-0003\" in data/procurements.csv\n  help: did you mean `EC-2025-003`?\n");
}

#[test]
fn usage_errors_exit_2() {
    procbook().arg("frobnicate").assert().code(2);
    procbook()
        .args(["check", "--format", "yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values: text, json"));
    procbook().args(["explain"]).assert().code(2);
}

#[test]
fn a_folder_without_book_toml_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    procbook()
        .args(["check"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("book.toml (1 error)\n  error: cannot read").and(
                predicate::str::contains(
                    "help: is this a handbook folder? `procbook init` creates one",
                ),
            ),
        );
}

#[test]
fn a_missing_content_folder_is_named_as_the_cause_of_the_broken_links() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    let minimal = std::path::Path::new(REPO).join("tests/good/minimal");
    for file in ["book.toml", "data/procurements.csv", "data/roles.toml"] {
        let target = book.join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(minimal.join(file), target).unwrap();
    }
    let out = procbook()
        .env("NO_COLOR", "1")
        .arg("check")
        .arg(&book)
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let warning = stderr
        .find("content (1 warning)\n  warning: there is no content folder here, so the handbook has no guidance pages")
        .unwrap_or_else(|| panic!("{stderr}"));
    let link = stderr
        .find("points to roles.md, which does not exist")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(warning < link, "the cause comes first: {stderr}");
}
