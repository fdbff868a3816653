//! The output folder: deterministic, untouched by failed builds, no stale files, never a
//! folder procbook did not make; and `init`.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use super::support::*;

#[test]
fn two_builds_of_the_same_inputs_are_byte_identical() {
    let tmp = TempDir::new().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    build_into(Path::new(FIXTURE), &a);
    build_into(Path::new(FIXTURE), &b);
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(bytes == &tb[path], "{path} differs between two builds");
    }
    // Rebuilding over an existing site gives the same bytes too.
    build_into(Path::new(FIXTURE), &a);
    assert!(tree(&a) == ta, "a rebuild in place changed the site");
}

/// Builds a copy of the fixture, breaks it with `break_it`, builds again and checks that the
/// build failed, said so naming `expected` in its messages, and left the site alone.
fn failed_build_leaves_site(break_it: impl FnOnce(&Path), expected: &[&str]) -> String {
    let (_in, book) = fixture_copy();
    let out_dir = TempDir::new().unwrap();
    let site = out_dir.path().join("site");
    procbook()
        .arg("build")
        .arg(&book)
        .arg("-o")
        .arg(&site)
        .assert()
        .success();
    let before = tree(&site);
    break_it(&book);
    let out = procbook()
        .arg("build")
        .arg(&book)
        .arg("-o")
        .arg(&site)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for e in expected {
        assert!(err.contains(e), "the error should mention {e:?}:\n{err}");
    }
    assert!(
        err.contains("the previous site was left as it was"),
        "{err}"
    );
    assert!(tree(&site) == before, "the failed build changed the site");
    assert_eq!(
        names_in(out_dir.path()),
        ["site"],
        "leftovers beside the site"
    );
    err
}

#[test]
fn a_bad_csv_cell_fails_the_build_and_keeps_the_previous_site() {
    failed_build_leaves_site(
        |book| {
            replace_in(
                &book.join("data/procurements.csv"),
                "Off-the-shelf,1,No,No,Contracting",
                "Off-the-shelf,high,No,No,Contracting",
            )
        },
        &[
            "data/procurements.csv",
            "line 3, column \"Impact level\"",
            "\"high\"",
        ],
    );
}

#[test]
fn a_template_syntax_error_fails_the_build_and_keeps_the_previous_site() {
    failed_build_leaves_site(
        |book| {
            let dir = book.join("themes/default/templates");
            fs::create_dir_all(&dir).unwrap();
            fs::write(
                dir.join("project.html"),
                "{% extends \"base.html\" %}\n{% block main %}\n<h1>{{ p.title }</h1>\n{% endblock main %}\n",
            )
            .unwrap();
        },
        &[
            "themes/default/templates/project.html",
            "line 3, column 16: Failed to parse",
        ],
    );
}

#[test]
fn a_page_that_fails_to_render_fails_the_build_and_keeps_the_previous_site() {
    // Only SM-003's page refers to a variable that does not exist.
    let err = failed_build_leaves_site(
        |book| {
            let dir = book.join("themes/default/templates");
            fs::create_dir_all(&dir).unwrap();
            fs::write(
                dir.join("project.html"),
                "{% extends \"base.html\" %}\n{% block main %}\n<h1>{{ p.title }}</h1>\n\
                 {% if p.id == \"SM-003\" %}<p>{{ p.no_such_field }}</p>{% endif %}\n\
                 {% endblock main %}\n",
            )
            .unwrap();
        },
        &[
            "themes/default/templates/project.html",
            "cannot render projects/sm-003.html",
            "p.no_such_field",
            // The theme's copy may be older than procbook: the help says where the current is.
            "procbook init --theme NEW-FOLDER",
        ],
    );
    assert_eq!(
        err.matches("error:").count(),
        1,
        "one page failed, one error: {err}"
    );
}

#[test]
fn a_removed_procurement_leaves_no_stale_page() {
    let (_in, book) = fixture_copy();
    let out_dir = TempDir::new().unwrap();
    let site = out_dir.path().join("site");
    build_into(&book, &site);
    assert!(site.join("projects/sm-004.html").is_file());
    let csv = book.join("data/procurements.csv");
    let text = fs::read_to_string(&csv).unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("SM-004,")).collect();
    fs::write(&csv, kept.join("\n") + "\n").unwrap();
    build_into(&book, &site);
    assert!(!site.join("projects/sm-004.html").exists(), "stale page");
    let index = page(&site, "index.html");
    assert_eq!(all(&index, "table.procurements tbody tr").len(), 4);
    assert!(!read(&site, "search-procurements.js").contains("sm-004"));
    assert!(!read(&site, "stakeholders.csv").contains("SM-004"));
    assert_eq!(names_in(out_dir.path()), ["site"]);
}

#[test]
fn an_output_dir_holding_the_handbook_data_is_refused() {
    let (_tmp, book) = fixture_copy();
    replace_in(
        &book.join("book.toml"),
        "output-dir = \"site\"",
        "output-dir = \"data\"",
    );
    let before = tree(&book);
    let out = procbook().arg("build").arg(&book).output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the output folder") && err.contains("would contain the handbook's own files"),
        "{err}"
    );
    assert!(
        err.contains("output-dir"),
        "the message says what to change: {err}"
    );
    assert!(tree(&book) == before, "the handbook's files were touched");
}

#[test]
fn a_non_empty_folder_not_made_by_procbook_is_refused() {
    let tmp = TempDir::new().unwrap();
    let mine = tmp.path().join("mine");
    fs::create_dir_all(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "do not delete").unwrap();
    let out = procbook()
        .arg("build")
        .arg(FIXTURE)
        .arg("-o")
        .arg(&mine)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("was not made by procbook"), "{err}");
    assert_eq!(names_in(&mine), ["notes.txt"]);
    assert_eq!(
        fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "do not delete"
    );
    assert_eq!(
        names_in(tmp.path()),
        ["mine"],
        "leftovers beside the folder"
    );

    // An empty folder is fine.
    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    build_into(Path::new(FIXTURE), &empty);
    assert!(empty.join("index.html").is_file());
}

#[test]
fn init_makes_a_handbook_that_builds_and_checks_clean() {
    let tmp = TempDir::new().unwrap();
    let new = tmp.path().join("new");
    procbook().arg("init").arg(&new).assert().success();
    let built = procbook().arg("build").arg(&new).output().unwrap();
    assert!(built.status.success(), "{}", stderr_of(&built));
    assert!(String::from_utf8_lossy(&built.stdout).starts_with("built "));
    assert!(new.join("site/index.html").is_file());
    procbook().arg("check").arg(&new).assert().code(0);
}
