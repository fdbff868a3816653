//! The watch invariant: after any sequence of edits, the output of a watch session is
//! byte-identical to a clean build of the same inputs; an edit that breaks a file leaves the
//! output exactly as it was, and fixing the file brings it back to a clean build's.
//!
//! Each step edits a copy of tests/fixtures/small/ on disk, turns the touched paths into
//! [`ChangeKind`]s the way the watcher does (`Session::classify`), applies them, and compares the
//! session's folder with a clean `build::build` of the same inputs, file by file. A successful
//! step must also report as written exactly the files whose bytes changed.

#[path = "watch_support/edits.rs"]
mod edits;
#[path = "watch_support/fixture.rs"]
mod fixture;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use edits::{
    break_file, broken_family, create, default_404, edit_page, family, perform, Breakage, Edit,
    Step, OVERRIDE_404,
};
use fixture::{clean_build, fixture_copy, tree, tree_difference};
use procbook::site::BuildMode;
use procbook::watch::{ChangeKind, Session};
use proptest::prelude::*;
use tempfile::TempDir;

/// A watch session on a copy of the fixture, and a folder for the clean builds it is compared with.
struct Harness {
    _tmp: TempDir,
    book: PathBuf,
    live: PathBuf,
    clean: PathBuf,
    session: Session,
}

impl Harness {
    fn new() -> Harness {
        Harness::with(|_| {})
    }

    /// A session started after `prepare` has changed the copy.
    fn with(prepare: impl FnOnce(&Path)) -> Harness {
        let (tmp, book) = fixture_copy();
        prepare(&book);
        let live = book.parent().unwrap().join("live");
        let clean = book.parent().unwrap().join("clean");
        let (session, _) = Session::start(&book, BuildMode::Publish, Some(live.clone()))
            .unwrap_or_else(|d| panic!("{}", procbook::messages::diagnostics_text(&d)));
        Harness {
            _tmp: tmp,
            book,
            live,
            clean,
            session,
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.book.join(relative)
    }

    /// Applies the changes `touched` means, checks the invariant, and says whether the build
    /// succeeded (or, with the clean build's diagnostics, why not).
    fn step(&mut self, label: &str, touched: &[PathBuf]) -> Result<(), String> {
        let before = tree(&self.live);
        let changes: BTreeSet<ChangeKind> = touched
            .iter()
            .filter_map(|p| self.session.classify(p))
            .collect();
        let applied = self.session.apply(&changes);
        let after = tree(&self.live);
        match (applied, clean_build(&self.book, &self.clean)) {
            (Ok(rebuilt), Ok(expected)) => {
                if let Some(d) = tree_difference(&after, &expected) {
                    panic!(
                        "after {label} ({changes:?}) the watch output is not a clean build's:\n{d}"
                    );
                }
                let changed: BTreeSet<&String> = after
                    .iter()
                    .filter(|(p, bytes)| before.get(*p) != Some(*bytes))
                    .map(|(p, _)| p)
                    .collect();
                let removed: BTreeSet<&String> =
                    before.keys().filter(|p| !after.contains_key(*p)).collect();
                assert_eq!(
                    rebuilt.written.iter().collect::<BTreeSet<_>>(),
                    changed,
                    "after {label}: `written` should be exactly the files whose bytes changed"
                );
                assert_eq!(
                    rebuilt.removed.iter().collect::<BTreeSet<_>>(),
                    removed,
                    "after {label}: `removed` should be exactly the files that went away"
                );
                Ok(())
            }
            (Err(_), Err(why)) => {
                if let Some(d) = tree_difference(&after, &before) {
                    panic!("{label} failed (as a clean build does) but changed the output:\n{d}");
                }
                Err(why)
            }
            (Ok(_), Err(why)) => {
                panic!("after {label} the session rebuilt, but a clean build fails:\n{why}")
            }
            (Err(d), Ok(_)) => panic!(
                "after {label} the session failed, but a clean build succeeds:\n{}",
                procbook::messages::diagnostics_text(&d)
            ),
        }
    }

    /// A step that must build.
    fn good(&mut self, label: &str, touched: &[PathBuf]) {
        if let Err(why) = self.step(label, touched) {
            panic!("{label} should build, but:\n{why}");
        }
    }

    /// A step that must fail.
    fn bad(&mut self, label: &str, touched: &[PathBuf]) {
        assert!(self.step(label, touched).is_err(), "{label} should fail");
    }
}

/// Runs a sequence of steps, checking the invariant after each.
fn run(steps: &[Step]) {
    let mut h = Harness::new();
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Edit(edit) => {
                let touched = perform(&h.book, edit);
                h.good(&format!("step {i}, {edit:?}"), &touched);
            }
            Step::Break(how, meanwhile) => {
                let (touched, path, good) = break_file(&h.book, *how);
                h.bad(&format!("step {i}, {how:?}"), &touched);
                if let Some(edit) = meanwhile
                    .as_ref()
                    .filter(|e| family(e) != broken_family(*how))
                {
                    let touched = perform(&h.book, edit);
                    let label = format!("step {i}, {edit:?} while {how:?}");
                    h.bad(&label, &touched);
                }
                if good.is_empty() {
                    fs::remove_file(&path).unwrap();
                } else {
                    fs::write(&path, good).unwrap();
                }
                h.good(&format!("step {i}, fixing {how:?}"), &[path]);
            }
        }
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    let i = || 0usize..16;
    let n = || any::<u8>();
    prop_oneof![
        (any::<bool>(), 0u8..6, -5i8..40).prop_map(|(in_folder, n, weight)| Edit::AddPage {
            in_folder,
            n,
            weight
        }),
        (i(), n(), any::<bool>()).prop_map(|(page, n, headings)| Edit::PageBody {
            page,
            n,
            headings
        }),
        (i(), 0u8..4).prop_map(|(page, n)| Edit::PageTitle { page, n }),
        (i(), -5i8..40).prop_map(|(page, weight)| Edit::PageWeight { page, weight }),
        i().prop_map(|page| Edit::PageDraft { page }),
        i().prop_map(|page| Edit::DeletePage { page }),
        (i(), n(), n()).prop_map(|(row, field, v)| Edit::CsvCell { row, field, v }),
        (i(), 0u8..8, n()).prop_map(|(at, n, v)| Edit::AddRow { at, n, v }),
        i().prop_map(|row| Edit::RemoveRow { row }),
        (i(), i()).prop_map(|(rule, level)| Edit::RuleLevel { rule, level }),
        (n(), n()).prop_map(|(which, v)| Edit::RuleCondition { which, v }),
        (i(), n()).prop_map(|(row, n)| Edit::Resource { row, n }),
        proptest::option::of(n()).prop_map(|variant| Edit::Template { variant }),
        n().prop_map(|n| Edit::Asset { n }),
        n().prop_map(|n| Edit::Config { n }),
    ]
}

fn breakage() -> impl Strategy<Value = Breakage> {
    prop_oneof![
        (0usize..16).prop_map(|row| Breakage::CsvEnum { row }),
        Just(Breakage::RulesSyntax),
        (0usize..16).prop_map(|page| Breakage::FrontMatter { page }),
        Just(Breakage::Template),
        Just(Breakage::Config),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => edit().prop_map(Step::Edit),
        1 => (breakage(), proptest::option::of(edit())).prop_map(|(b, e)| Step::Break(b, e)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 20,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn incremental_output_equals_a_clean_build(steps in prop::collection::vec(step(), 3..=8)) {
        run(&steps);
    }
}

// ---- specific sequences -------------------------------------------------------------------

#[test]
fn a_new_title_reaches_every_page_that_lists_it() {
    let mut h = Harness::new();
    let touched = edit_page(&h.path("content/roles.md"), |front, _| {
        front.insert("title".into(), "Who does what".into());
    });
    h.good("retitling roles.md", &touched);
    for page in [
        "guide/who-to-involve.html",
        "projects/sm-001.html",
        "roles/legal_officer.html",
    ] {
        let html = fs::read_to_string(h.live.join(page)).unwrap();
        assert!(html.contains("Who does what"), "{page} shows the new title");
    }
}

#[test]
fn changes_made_while_another_file_is_broken_are_not_lost() {
    use {Breakage as B, Edit as E};
    for (broken, meanwhile) in [
        (B::CsvEnum { row: 0 }, E::Template { variant: Some(1) }),
        (B::CsvEnum { row: 1 }, E::Asset { n: 2 }),
        (B::CsvEnum { row: 2 }, E::Resource { row: 0, n: 7 }),
        (B::CsvEnum { row: 3 }, E::Config { n: 3 }),
        (B::RulesSyntax, E::Config { n: 4 }),
        (B::RulesSyntax, E::PageTitle { page: 1, n: 2 }),
        (
            B::Template,
            E::PageBody {
                page: 2,
                n: 5,
                headings: true,
            },
        ),
        (
            B::Config,
            E::PageBody {
                page: 2,
                n: 6,
                headings: false,
            },
        ),
        (B::Config, E::RuleLevel { rule: 3, level: 0 }),
        (
            B::FrontMatter { page: 1 },
            E::CsvCell {
                row: 0,
                field: 1,
                v: 2,
            },
        ),
    ] {
        run(&[Step::Break(broken, Some(meanwhile))]);
    }
}

#[test]
fn a_folder_removed_or_renamed_at_once_moves_its_pages() {
    let mut h = Harness::new();
    let page = |title: &str| format!("+++\ntitle = \"{title}\"\nweight = 5\n+++\n\nText.\n");
    let mut touched = create(&h.book, "content/topics/a.md", &page("Topic A"));
    touched.extend(create(
        &h.book,
        "content/topics/deeper/b.md",
        &page("Topic B"),
    ));
    h.good("adding a folder of pages", &touched);
    assert!(h.live.join("guide/topics/deeper/b.html").is_file());

    // Renamed: the watcher may report only the two folders.
    let (from, to) = (h.path("content/topics"), h.path("content/subjects"));
    fs::rename(&from, &to).unwrap();
    h.good("renaming the folder", &[from, to.clone()]);
    assert!(h.live.join("guide/subjects/deeper/b.html").is_file());

    fs::remove_dir_all(&to).unwrap();
    h.good("removing the folder", &[to]);
    let left: Vec<String> = walkdir::WalkDir::new(h.live.join("guide"))
        .into_iter()
        .map(|e| fixture::rel_path(&h.live, e.unwrap().path()))
        .filter(|p| p.contains("topics") || p.contains("subjects"))
        .collect();
    assert_eq!(
        left,
        Vec::<String>::new(),
        "no empty folders are left behind"
    );
}

#[test]
fn a_renamed_page_moves_its_output() {
    let mut h = Harness::new();
    let (from, to) = (
        h.path("content/who-to-involve.md"),
        h.path("content/why.md"),
    );
    fs::rename(&from, &to).unwrap();
    h.good("renaming a page", &[from, to]);
    assert!(h.live.join("guide/why.html").is_file());
    assert!(!h.live.join("guide/who-to-involve.html").exists());
}

#[test]
fn rows_inserted_and_removed_before_others_shift_them_correctly() {
    run(&[
        Step::Edit(Edit::AddRow { at: 0, n: 1, v: 1 }),
        Step::Edit(Edit::AddRow { at: 0, n: 2, v: 2 }),
        Step::Edit(Edit::RemoveRow { row: 2 }),
        Step::Edit(Edit::CsvCell {
            row: 0,
            field: 2,
            v: 0,
        }),
        Step::Edit(Edit::RemoveRow { row: 0 }),
    ]);
}

#[test]
fn a_heading_a_rule_links_to_reaches_the_projects() {
    // public-participation.md's "How to ask" is the guidance of a rule shown on project pages.
    run(&[
        Step::Edit(Edit::PageBody {
            page: 1,
            n: 0,
            headings: true,
        }),
        Step::Edit(Edit::PageTitle { page: 1, n: 1 }),
    ]);
}

#[test]
fn a_draft_intro_still_updates_the_home_page() {
    run(&[
        Step::Edit(Edit::PageDraft { page: 0 }),
        Step::Edit(Edit::PageBody {
            page: 0,
            n: 1,
            headings: false,
        }),
    ]);
}

#[test]
fn rules_and_conditions_change_who_is_involved() {
    run(&[
        Step::Edit(Edit::RuleCondition { which: 0, v: 0 }),
        Step::Edit(Edit::RuleLevel { rule: 0, level: 3 }),
        Step::Edit(Edit::RuleCondition { which: 1, v: 0 }),
        Step::Edit(Edit::CsvCell {
            row: 1,
            field: 1,
            v: 2,
        }),
        Step::Edit(Edit::RuleCondition { which: 2, v: 1 }),
    ]);
}

/// Each output file's modification time and (on Unix) inode: a rewrite changes one of them.
fn stamps(dir: &Path) -> std::collections::BTreeMap<String, (std::time::SystemTime, u64)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            #[cfg(unix)]
            let inode = std::os::unix::fs::MetadataExt::ino(&meta);
            #[cfg(not(unix))]
            let inode = 0;
            (
                fixture::rel_path(dir, e.path()),
                (meta.modified().unwrap(), inode),
            )
        })
        .collect()
}

#[test]
fn touching_a_file_without_changing_it_rewrites_nothing() {
    let mut h = Harness::with(|book| {
        create(book, OVERRIDE_404, &default_404());
    });
    for input in [
        "content/_index.md",
        "content/roles.md",
        "data/procurements.csv",
        "data/roles.toml",
        "data/resources.csv",
        OVERRIDE_404,
        "book.toml",
    ] {
        let path = h.path(input);
        let before = stamps(&h.live);
        fs::write(&path, fs::read(&path).unwrap()).unwrap();
        let change = h.session.classify(&path).expect("an input");
        let rebuilt = h.session.apply(&BTreeSet::from([change])).unwrap();
        assert_eq!(
            (rebuilt.written, rebuilt.removed),
            (vec![], vec![]),
            "touching {input} rewrote files"
        );
        assert!(before == stamps(&h.live), "touching {input} rewrote files");
    }
}

#[test]
fn swap_backup_and_output_files_are_not_changes() {
    let h = Harness::new();
    for scratch in [
        "content/.roles.md.swp",
        "content/roles.md~",
        "content/.#roles.md",
        "content/4913",
        "data/.~lock.procurements.csv#",
        "data/~$procurements.csv",
    ] {
        assert_eq!(h.session.classify(&h.path(scratch)), None, "{scratch}");
    }
    assert_eq!(h.session.classify(&h.live.join("index.html")), None);
    assert_eq!(
        h.session.classify(&h.path("content/roles.md")),
        Some(ChangeKind::Guidance(h.path("content/roles.md")))
    );
}

#[test]
fn the_preview_writes_pages_before_the_downloads_and_then_equals_a_clean_build() {
    let mut h = Harness::new();
    let csv = h.path("data/procurements.csv");
    let text = fs::read_to_string(&csv).unwrap();
    fs::write(&csv, text.replace("Resident chatbot", "Resident helpdesk")).unwrap();
    let changes: BTreeSet<ChangeKind> = h.session.classify(&csv).into_iter().collect();
    let json_before = fs::read(h.live.join("projects.json")).unwrap();

    let rebuilt = h.session.apply_pages_first(&changes).unwrap();
    let page = fs::read_to_string(h.live.join("projects/sm-001.html")).unwrap();
    assert!(
        page.contains("Resident helpdesk"),
        "the page shows the edit"
    );
    assert_eq!(
        fs::read(h.live.join("projects.json")).unwrap(),
        json_before,
        "the download waits for finish()"
    );
    assert!(!rebuilt.written.contains(&"projects.json".to_string()));

    assert_eq!(
        h.session.finish().unwrap(),
        vec!["projects.json".to_string()]
    );
    assert!(h.session.finish().unwrap().is_empty(), "written once");
    let expected = clean_build(&h.book, &h.clean).unwrap();
    if let Some(d) = tree_difference(&tree(&h.live), &expected) {
        panic!("after finish() the output is not a clean build's:\n{d}");
    }
}

#[test]
fn a_role_whose_page_would_replace_another_fails_as_a_clean_build_does() {
    let mut h = Harness::new();
    let rules = h.path("data/roles.toml");
    let text = fs::read_to_string(&rules).unwrap();
    let role =
        "[[role]]\nid = \"index\"\nname = \"Index keeper\"\nsummary = \"Keeps the index.\"\n\n";
    fs::write(
        &rules,
        text.replacen("[[role]]\n", &format!("{role}[[role]]\n"), 1),
    )
    .unwrap();
    h.bad("a role named index", std::slice::from_ref(&rules));
    fs::write(&rules, &text).unwrap();
    h.good("the role removed again", &[rules]);
}

#[test]
fn a_batch_in_which_the_system_dropped_events_reloads_everything() {
    let h = Harness::new();
    let paths = BTreeSet::from([PathBuf::from(procbook::watch::RESCAN)]);
    assert_eq!(
        h.session.changes(&paths),
        BTreeSet::from([ChangeKind::Config])
    );
}
