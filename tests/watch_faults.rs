//! `procbook watch` when the files misbehave: the procurement list deleted, renamed away, caught
//! half-saved or locked, the content folder removed and made again, and a storm of saves. In
//! every case the watcher must keep running, say what is wrong while it is wrong, leave the last
//! good site alone meanwhile, and end with a site equal to a clean build of the final files,
//! compared file by file, byte by byte.

#[path = "watch_support/fixture.rs"]
mod fixture;
#[path = "watch_support/process.rs"]
mod process;
#[path = "watch_support/watched.rs"]
mod watched;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fixture::{copy_dir, tree, tree_difference, write_by_rename};
use process::{Running, Stream};
use watched::Watched;

const CSV: &str = "data/procurements.csv";

/// How many rebuilds the watcher has finished so far, good or failed.
fn outcomes(procbook: &Running) -> usize {
    procbook.count("rebuilt")
        + procbook
            .lines(Stream::Err)
            .iter()
            .filter(|l| l.starts_with("rebuild failed"))
            .count()
}

/// Waits until the watcher has finished more than `before` rebuilds.
fn wait_for_outcome(w: &mut Watched, before: usize, what: &str) {
    w.procbook.wait_until(what, |p| outcomes(p) > before);
}

/// Waits for the `n`th (from 0) "rebuild failed" line and returns everything printed on stderr.
fn wait_for_failure(w: &mut Watched, n: usize, what: &str) -> String {
    w.procbook
        .wait_for_line(Stream::Err, n, what, |l| l.starts_with("rebuild failed"));
    w.procbook.lines(Stream::Err).join("\n")
}

/// Panics if the site is no longer `before`.
fn assert_site_unchanged(w: &Watched, before: &BTreeMap<String, Vec<u8>>, when: &str) {
    if let Some(d) = tree_difference(&tree(&w.book.join("site")), before) {
        panic!("the site changed {when}:\n{d}");
    }
}

#[test]
fn a_deleted_procurement_list_is_reported_and_its_return_rebuilt() {
    let mut w = Watched::start(&[]);
    let csv = w.path(CSV);
    let good = fs::read_to_string(&csv).unwrap();
    let before = tree(&w.book.join("site"));

    fs::remove_file(&csv).unwrap();
    let errors = wait_for_failure(&mut w, 0, "the missing file is reported");
    assert!(
        errors.contains("data/procurements.csv")
            && errors.contains("there is no procurements file here"),
        "the error should name the missing file:\n{errors}"
    );
    assert!(errors.contains("the last good build stays"), "{errors}");
    assert_site_unchanged(&w, &before, "while the procurement list was missing");
    assert!(w.procbook.is_running(), "{}", w.procbook.log());

    // Put back as it was: the rebuild succeeds and changes nothing.
    let rebuilt = w.procbook.count("rebuilt");
    fs::write(&csv, &good).unwrap();
    w.procbook
        .wait_for_line(Stream::Out, rebuilt, "the restored list is rebuilt", |l| {
            l.starts_with("rebuilt")
        });
    w.wait_for_clean_build();

    // Deleted again, and put back with a change: the change is published.
    fs::remove_file(&csv).unwrap();
    wait_for_failure(&mut w, 1, "the second deletion is reported");
    write_by_rename(&csv, &good.replace("Resident chatbot", "Resident helper"));
    w.wait_for_text("projects/sm-001.html", "Resident helper");
    w.wait_for_clean_build();
}

#[test]
fn a_procurement_list_renamed_away_and_back_is_rebuilt() {
    let mut w = Watched::start(&[]);
    let csv = w.path(CSV);
    let away = w.path("data/procurements-old.csv");
    let good = fs::read_to_string(&csv).unwrap();
    let before = tree(&w.book.join("site"));

    // Renamed away: reported, the site kept; edited while away, then renamed back.
    fs::rename(&csv, &away).unwrap();
    let errors = wait_for_failure(&mut w, 0, "the renamed-away list is reported");
    assert!(errors.contains("data/procurements.csv"), "{errors}");
    assert_site_unchanged(&w, &before, "while the procurement list was renamed away");
    fs::write(
        &away,
        good.replace("Road damage detection", "Pothole finder"),
    )
    .unwrap();
    fs::rename(&away, &csv).unwrap();
    w.wait_for_text("projects/sm-004.html", "Pothole finder");
    w.wait_for_clean_build();

    // Away and back within one moment: whatever the watcher saw, it ends on the file as it is.
    fs::rename(&csv, &away).unwrap();
    fs::rename(&away, &csv).unwrap();
    w.wait_for_clean_build();
    // The list is still watched afterwards.
    fs::write(&csv, good.replace("Road damage detection", "Road survey")).unwrap();
    w.wait_for_text("projects/sm-004.html", "Road survey");
    w.wait_for_clean_build();
    assert!(w.procbook.is_running(), "{}", w.procbook.log());
}

#[test]
fn a_save_caught_half_written_ends_equal_to_a_clean_build() {
    let mut w = Watched::start(&["--debounce", "20"]);
    let csv = w.path(CSV);
    let good = fs::read_to_string(&csv).unwrap();
    let new = good.replace("Library reading suggestions", "Reading suggestions");
    // Cut in the middle of SM-004's row: a partial line, as a slow save leaves it.
    let cut = new.find("Cameras on refuse trucks").unwrap();

    let done = outcomes(&w.procbook);
    let mut file = fs::File::create(&csv).unwrap();
    file.write_all(&new.as_bytes()[..cut]).unwrap();
    file.flush().unwrap();
    // The watcher reads the partial file (and fails or builds fewer rows) before the save ends.
    wait_for_outcome(&mut w, done, "the half-written file is read");
    file.write_all(&new.as_bytes()[cut..]).unwrap();
    drop(file);
    w.wait_for_text("projects/sm-005.html", "Reading suggestions");
    w.wait_for_clean_build();

    // The same with the cut inside a quoted cell that spans lines.
    let cut = new.find("- never to refuse").unwrap();
    let done = outcomes(&w.procbook);
    let mut file = fs::File::create(&csv).unwrap();
    file.write_all(&new.as_bytes()[..cut]).unwrap();
    file.flush().unwrap();
    wait_for_outcome(&mut w, done, "the second half-written file is read");
    let finished = new.replace("Reading suggestions", "Book suggestions");
    file.write_all(&finished.as_bytes()[cut..]).unwrap();
    drop(file);
    w.wait_for_text("projects/sm-005.html", "Book suggestions");
    w.wait_for_clean_build();
}

/// A process holding an exclusive `flock` on `path` until killed.
struct Lock(Child);

impl Lock {
    fn hold(path: &Path) -> Lock {
        let child = Command::new("flock")
            .arg("--exclusive")
            .arg(path)
            .args(["sleep", "60"])
            .stdin(Stdio::null())
            .spawn()
            .expect("the flock program (util-linux) runs");
        let lock = Lock(child);
        // Held once a non-blocking attempt from here fails.
        fixture::wait_until("the lock is held", || {
            let free = Command::new("flock")
                .args(["--nonblock", "--exclusive"])
                .arg(path)
                .arg("true")
                .status()
                .unwrap();
            !free.success()
        });
        lock
    }

    fn still_held(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Linux has no mandatory locks, so a "locked" file can still be read and written: what a user
/// meets is a program (a spreadsheet, a sync client) holding an advisory lock while saving. The
/// test holds an exclusive `flock` on the list while it is edited and while the watcher reads
/// it, and checks the edit is published while the lock is still held. (LibreOffice's lock file
/// beside the list, `.~lock.procurements.csv#`, is covered in tests/watch_cli.rs.)
#[test]
fn an_edit_to_a_locked_procurement_list_is_picked_up() {
    let mut w = Watched::start(&[]);
    let csv = w.path(CSV);
    let good = fs::read_to_string(&csv).unwrap();
    let mut lock = Lock::hold(&csv);
    fs::write(&csv, good.replace("Resident chatbot", "Resident assistant")).unwrap();
    w.wait_for_text("projects/sm-001.html", "Resident assistant");
    w.wait_for_clean_build();
    assert!(
        lock.still_held(),
        "the lock ended before the edit was published"
    );
    drop(lock);
}

#[test]
fn a_content_folder_removed_and_made_again_is_published_again() {
    let mut w = Watched::start(&[]);
    let content = w.path("content");
    let saved = w.tmp.path().join("content-copy");
    copy_dir(&content, &saved);

    // Removed: the guide pages go, as in a clean build of the handbook without them.
    fs::remove_dir_all(&content).unwrap();
    let gone = w.site("guide/roles.html");
    w.procbook
        .wait_until("the guide pages are removed", |_| !gone.exists());
    w.wait_for_clean_build();

    // Made again with its pages, one of them changed.
    copy_dir(&saved, &content);
    let roles = content.join("roles.md");
    let text = fs::read_to_string(&roles).unwrap();
    fs::write(&roles, format!("{text}\nBack again.\n")).unwrap();
    w.wait_for_text("guide/roles.html", "Back again.");
    w.wait_for_clean_build();

    // Removed and made again at once (a sync client replacing the folder), then edited: the new
    // folder is watched, not only read once.
    for round in 0..3 {
        fs::remove_dir_all(&content).unwrap();
        copy_dir(&saved, &content);
        std::thread::sleep(Duration::from_millis(100));
        let page = content.join("who-to-involve.md");
        let text = fs::read_to_string(&page).unwrap();
        let marker = format!("Edited in the new folder, round {round}.");
        fs::write(&page, format!("{text}\n{marker}\n")).unwrap();
        w.wait_for_text("guide/who-to-involve.html", &marker);
        w.wait_for_clean_build();
    }
    assert!(w.procbook.is_running(), "{}", w.procbook.log());
}

/// 1,000 saves in about ten seconds to the guide pages and the procurement list, half written in
/// place and half written to a temporary file renamed over the original.
#[test]
fn a_storm_of_saves_ends_equal_to_a_clean_build() {
    let mut w = Watched::start(&[]);
    let pages = [
        "content/roles.md",
        "content/who-to-involve.md",
        "content/public-participation.md",
        "content/_index.md",
    ];
    let originals: Vec<String> = pages
        .iter()
        .map(|p| fs::read_to_string(w.path(p)).unwrap())
        .collect();
    let csv = fs::read_to_string(w.path(CSV)).unwrap();
    let rebuilds_before = outcomes(&w.procbook);

    const SAVES: u32 = 1000;
    let start = Instant::now();
    for i in 0..SAVES {
        let which = i as usize % (pages.len() + 1);
        let (path, text) = match pages.get(which) {
            Some(page) => (
                w.path(page),
                format!("{}\nSave number {i}.\n", originals[which]),
            ),
            None => (
                w.path(CSV),
                csv.replace("Resident chatbot", &format!("Resident chatbot {i}")),
            ),
        };
        // Alternate by pairs, so that every file gets both kinds of save.
        if (i / 2) % 2 == 0 {
            fs::write(&path, text).unwrap();
        } else {
            write_by_rename(&path, &text);
        }
        let due = start + Duration::from_millis(10) * (i + 1);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    let storm = start.elapsed();
    assert!(
        w.procbook.is_running(),
        "the watcher stopped during the storm:\n{}",
        w.procbook.log()
    );
    let settle = Instant::now();
    w.wait_for_clean_build_within(Duration::from_secs(30));
    eprintln!(
        "{SAVES} saves in {storm:?}; {} rebuilds; settled {:?} after the last save",
        outcomes(&w.procbook) - rebuilds_before,
        settle.elapsed()
    );
    assert!(w.procbook.is_running(), "{}", w.procbook.log());

    // Still watching: one more save is published.
    let page = w.path(pages[0]);
    fs::write(&page, format!("{}\nAfter the storm.\n", originals[0])).unwrap();
    w.wait_for_text("guide/roles.html", "After the storm.");
    w.wait_for_clean_build();
}
