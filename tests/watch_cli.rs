//! `procbook watch`, run as the office runs it: the real binary on a temporary copy of the
//! fixture handbook, changed the ways editors save files. After each change the test waits
//! (polling, bounded) until the site shows it, then until the whole site equals a clean build of
//! the same inputs.

#[path = "watch_support/fixture.rs"]
mod fixture;
#[path = "watch_support/process.rs"]
mod process;
#[path = "watch_support/watched.rs"]
mod watched;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fixture::{fixture_copy, tree, tree_difference, write_by_rename};
use process::{Running, Stream};
use tempfile::TempDir;
use watched::Watched;

fn edited(text: &str, marker: &str) -> String {
    format!("{text}\nA paragraph added: {marker}.\n")
}

#[test]
fn an_edit_written_in_place_is_rebuilt() {
    let mut w = Watched::start(&[]);
    let page = w.path("content/roles.md");
    let text = fs::read_to_string(&page).unwrap();
    fs::write(&page, edited(&text, "written in place")).unwrap();
    w.wait_for_text("guide/roles.html", "written in place");
    w.wait_for_clean_build();
}

#[test]
fn saves_by_rename_are_rebuilt() {
    let mut w = Watched::start(&[]);
    // VS Code, spreadsheet programs: a temporary file renamed over the original.
    let page = w.path("content/who-to-involve.md");
    let text = fs::read_to_string(&page).unwrap();
    write_by_rename(&page, &edited(&text, "saved by rename"));
    w.wait_for_text("guide/who-to-involve.html", "saved by rename");
    w.wait_for_clean_build();

    // vim: the original renamed to a backup, the new text written, the backup removed.
    let backup = w.path("content/who-to-involve.md~");
    fs::rename(&page, &backup).unwrap();
    fs::write(&page, edited(&text, "saved like vim")).unwrap();
    fs::remove_file(&backup).unwrap();
    w.wait_for_text("guide/who-to-involve.html", "saved like vim");
    w.wait_for_clean_build();

    // The CSV, saved by rename: a new project title.
    let csv = w.path("data/procurements.csv");
    let rows = fs::read_to_string(&csv).unwrap();
    write_by_rename(&csv, &rows.replace("Resident chatbot", "Resident helper"));
    w.wait_for_text("projects/sm-001.html", "Resident helper");
    w.wait_for_clean_build();
}

#[test]
fn a_deleted_page_is_removed_from_the_site() {
    let mut w = Watched::start(&[]);
    assert!(w.site("guide/public-participation.html").is_file());
    fs::remove_file(w.path("content/public-participation.md")).unwrap();
    let gone = w.site("guide/public-participation.html");
    w.procbook
        .wait_until("the page's file is removed", |_| !gone.exists());
    w.wait_for_clean_build();
}

#[test]
fn pages_in_a_new_folder_are_published() {
    let mut w = Watched::start(&[]);
    let page = |title: &str| format!("+++\ntitle = \"{title}\"\nweight = 40\n+++\n\n{title}.\n");
    fs::create_dir(w.path("content/buying")).unwrap();
    fs::write(w.path("content/buying/tenders.md"), page("Writing tenders")).unwrap();
    w.wait_for_text("guide/buying/tenders.html", "Writing tenders");
    w.wait_for_clean_build();
    // The new folder is watched too.
    fs::write(
        w.path("content/buying/contracts.md"),
        page("Signing contracts"),
    )
    .unwrap();
    w.wait_for_text("guide/buying/contracts.html", "Signing contracts");
    w.wait_for_text("guide/roles.html", "Signing contracts");
    w.wait_for_clean_build();
}

#[test]
fn a_bad_edit_keeps_the_last_good_site_until_it_is_fixed() {
    let mut w = Watched::start(&[]);
    let csv = w.path("data/procurements.csv");
    let good = fs::read_to_string(&csv).unwrap();
    let before = tree(&w.book.join("site"));

    fs::write(
        &csv,
        good.replace("City Clerk,Off-the-shelf", "City Clerk,Leased"),
    )
    .unwrap();
    w.procbook
        .wait_for_line(Stream::Err, 0, "the failure", |l| {
            l.starts_with("rebuild failed")
        });
    let errors = w.procbook.lines(Stream::Err).join("\n");
    assert!(errors.contains("data/procurements.csv"), "{errors}");
    assert!(
        errors.contains(
            "line 3, column \"How are we buying it?\": \"Leased\" is not an allowed value"
        ),
        "{errors}"
    );
    if let Some(d) = tree_difference(&tree(&w.book.join("site")), &before) {
        panic!("a failed rebuild changed the site:\n{d}");
    }

    // Fixed with another change: both show.
    let fixed = good.replace("Resident chatbot", "Resident helper");
    fs::write(&csv, fixed).unwrap();
    w.wait_for_text("projects/sm-001.html", "Resident helper");
    w.wait_for_clean_build();

    // A TOML typo in the rules, then its fix.
    let rules = w.path("data/roles.toml");
    let text = fs::read_to_string(&rules).unwrap();
    write_by_rename(
        &rules,
        &text.replace("high_impact = 3", "high_impact = = 3"),
    );
    w.procbook
        .wait_for_line(Stream::Err, 1, "the second failure", |l| {
            l.starts_with("rebuild failed")
        });
    assert!(
        w.procbook.log().contains("data/roles.toml"),
        "{}",
        w.procbook.log()
    );
    write_by_rename(&rules, &text.replace("high_impact = 3", "high_impact = 2"));
    w.wait_for_clean_build();
}

#[test]
fn a_save_is_rebuilt_while_other_programs_use_the_folders() {
    let mut w = Watched::start(&[]);
    // Sync clients, search indexers and backup tools open the handbook's files and folders all
    // the time, some write files of their own beside them: none of it may hold back a rebuild.
    let busy = Arc::new(AtomicBool::new(true));
    let others = {
        let (busy, book) = (Arc::clone(&busy), w.book.clone());
        std::thread::spawn(move || {
            let mut log = fs::File::create(book.join("sync.log")).unwrap();
            while busy.load(Ordering::Relaxed) {
                let _ = fs::read_dir(book.join("site")).map(Iterator::count);
                let _ = fs::read(book.join("data/roles.toml"));
                writeln!(log, "checked").unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let rules = w.path("data/roles.toml");
    let text = fs::read_to_string(&rules).unwrap();
    write_by_rename(&rules, &text.replace("high_impact = 3", "high_impact = 2"));
    let page = w.site("roles/legal_officer.html");
    let what = "the new rule shows while other programs use the folders";
    w.procbook.wait_until(what, |_| {
        fs::read_to_string(&page).is_ok_and(|t| t.contains("Lead (2)"))
    });
    busy.store(false, Ordering::Relaxed);
    others.join().unwrap();
    w.wait_for_clean_build();
}

#[test]
fn swap_and_backup_files_do_not_trigger_a_rebuild() {
    let mut w = Watched::start(&["--debounce", "20"]);
    let rebuilt = w.procbook.count("rebuilt");
    for scratch in [
        "content/.roles.md.swp",
        "content/roles.md~",
        "content/4913",
        "content/.#roles.md",
        "data/.~lock.procurements.csv#",
    ] {
        fs::write(w.path(scratch), "scratch").unwrap();
    }
    fs::write(w.path("content/.roles.md.swp"), "scratch, again").unwrap();
    fs::remove_file(w.path("content/4913")).unwrap();
    // Several debounce windows, so that the scratch files' events make a batch of their own.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(w.procbook.count("rebuilt"), rebuilt, "{}", w.procbook.log());

    // A real edit afterwards is the only rebuild: the scratch files' events, which arrived
    // first, did not cause one.
    let page = w.path("content/roles.md");
    let text = fs::read_to_string(&page).unwrap();
    fs::write(&page, edited(&text, "after the swap files")).unwrap();
    w.wait_for_text("guide/roles.html", "after the swap files");
    w.procbook
        .wait_for_line(Stream::Out, rebuilt, "the rebuild", |l| {
            l.starts_with("rebuilt")
        });
    assert_eq!(
        w.procbook.count("rebuilt"),
        rebuilt + 1,
        "{}",
        w.procbook.log()
    );
    assert!(!w.site("guide/.roles.md.html").exists());
}

#[test]
fn a_new_output_folder_in_book_toml_is_used() {
    let mut w = Watched::start(&[]);
    let config = w.path("book.toml");
    let text = fs::read_to_string(&config).unwrap();
    write_by_rename(
        &config,
        &text.replace("output-dir = \"site\"", "output-dir = \"public\""),
    );
    let index = w.path("public/index.html");
    w.procbook
        .wait_until("the site is built into public/", |_| index.is_file());
    let page = w.path("content/roles.md");
    let roles = fs::read_to_string(&page).unwrap();
    fs::write(&page, edited(&roles, "into public")).unwrap();
    let guide = w.path("public/guide/roles.html");
    w.procbook.wait_until("the edit reaches public/", |_| {
        fs::read_to_string(&guide).is_ok_and(|t| t.contains("into public"))
    });
}

#[test]
fn polling_notices_changes_too() {
    let mut w = Watched::start(&["--poll", "--poll-interval", "50"]);
    let page = w.path("content/roles.md");
    let text = fs::read_to_string(&page).unwrap();
    fs::write(&page, edited(&text, "found by polling")).unwrap();
    w.wait_for_text("guide/roles.html", "found by polling");
    fs::remove_file(w.path("content/public-participation.md")).unwrap();
    let gone = w.site("guide/public-participation.html");
    w.procbook
        .wait_until("the page is removed", |_| !gone.exists());
    w.wait_for_clean_build();
}

/// A handbook big enough that its first build takes a while.
fn large_copy() -> (TempDir, PathBuf) {
    let (tmp, book) = fixture_copy();
    let csv = book.join("data/procurements.csv");
    let mut text = fs::read_to_string(&csv).unwrap();
    for i in 0..3000 {
        text += &format!(
            "BIG-{i},Purchase {i},Finance,Customised,{},No,Yes,Evaluation,,,,\n",
            1 + i % 4
        );
    }
    fs::write(&csv, text).unwrap();
    (tmp, book)
}

#[test]
fn an_edit_saved_during_the_first_build_is_not_lost() {
    let (tmp, book) = large_copy();
    let mut procbook = Running::start(&["watch".as_ref(), book.as_os_str()], tmp.path());
    // The first build writes into a temporary folder beside the site: edit while it exists.
    let building = |book: &Path| {
        fs::read_dir(book).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".site.tmp")
        })
    };
    procbook.wait_until_within(Duration::from_secs(60), "the first build is writing", |r| {
        building(&book) || r.count("built") > 0
    });
    if procbook.count("built") > 0 {
        eprintln!("the first build finished before the edit could be made; nothing to test");
        return;
    }
    let page = book.join("content/roles.md");
    let text = fs::read_to_string(&page).unwrap();
    fs::write(&page, edited(&text, "saved during the first build")).unwrap();
    let w = &mut Watched {
        tmp,
        book,
        procbook,
    };
    // The first build of 3,000 rows comes first; a debug build on a busy machine takes a while.
    w.wait_for_text_within(
        Duration::from_secs(60),
        "guide/roles.html",
        "saved during the first build",
    );
}
