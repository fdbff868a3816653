//! Builds that cannot finish: a read-only disk, a full disk, a guidance file deleted and
//! recreated while builds run. Each fails with a message naming the path and what went wrong,
//! or succeeds with a complete site; the previous site is never touched by a failure and no
//! temporary folder is left behind.
//!
//! The disk tests mount tmpfs file systems (root only). Where `mount` fails they print
//! "skipped …" with the reason and return: they check nothing there, rather than fail on a
//! machine that cannot run them. CI runs as root, where they run.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::support::*;

#[test]
fn a_read_only_disk_fails_the_build_naming_the_path_and_keeps_the_site() {
    let (tmp, book) = fixture_copy();
    let disk = tmp.path().join("disk");
    let mount = match mount_tmpfs(&disk, "8m") {
        Ok(m) => m,
        Err(why) => return skip("a_read_only_disk_…", &why),
    };
    let site = disk.join("site");
    build_ok(&book, &site);
    let before = snapshot(&disk);
    if let Err(why) = remount_read_only(&mount) {
        return skip("a_read_only_disk_…", &why);
    }
    fs::write(book.join("content/new.md"), "A new page.\n").unwrap();
    let err = build_fails(&book, &site);
    assert!(
        err.contains(&disk.display().to_string()) && err.contains("the disk is read-only"),
        "{err}"
    );
    assert!(snapshot(&disk) == before, "the read-only disk changed");
}

#[test]
fn an_output_folder_mounted_read_only_fails_the_build_naming_it_and_keeps_the_site() {
    let (tmp, book) = fixture_copy();
    let out = tmp.path().join("out");
    let site = out.join("site");
    build_ok(&book, &site);
    let before = tree(&site);
    let _mount = match bind_read_only(&site) {
        Ok(m) => m,
        Err(why) => return skip("an_output_folder_mounted_read_only_…", &why),
    };
    fs::write(book.join("content/new.md"), "A new page.\n").unwrap();
    let err = build_fails(&book, &site);
    // The new site is written beside the folder, but a mount point cannot be swapped out.
    assert!(
        err.contains(&site.display().to_string())
            && err.contains("cannot be replaced (a mount point cannot be"),
        "{err}"
    );
    assert!(tree(&site) == before, "the failed build changed the site");
    assert_eq!(
        names_in(&out),
        ["site"],
        "temporary folders were left behind"
    );
}

/// Adds `rows` procurements with long descriptions: a site of several megabytes.
fn make_large(book: &Path, rows: usize) {
    let csv = book.join("data/procurements.csv");
    let mut text = fs::read_to_string(&csv).unwrap();
    let description = "Words that take room on every page. ".repeat(40);
    for i in 0..rows {
        text.push_str(&format!(
            "BIG-{i:04},Large project {i},Housing,Customised,2,Yes,Yes,Evaluation,\"{description}\",,,\n"
        ));
    }
    fs::write(&csv, text).unwrap();
}

#[test]
fn a_full_disk_fails_the_build_naming_the_path_and_keeps_the_site() {
    let (tmp, book) = fixture_copy();
    let disk = tmp.path().join("disk");
    let _mount = match mount_tmpfs(&disk, "2m") {
        Ok(m) => m,
        Err(why) => return skip("a_full_disk_…", &why),
    };
    let site = disk.join("site");
    build_ok(&book, &site);
    let before = snapshot(&disk);
    make_large(&book, 400);
    let err = build_fails(&book, &site);
    assert!(
        err.contains(&disk.display().to_string()) && err.contains("no space left on the disk"),
        "{err}"
    );
    assert!(snapshot(&disk) == before, "the previous site changed");
    assert_eq!(
        names_in(&disk),
        ["site"],
        "temporary folders were left behind"
    );
    // With room again, the same handbook builds.
    let roomy = tmp.path().join("roomy");
    build_ok(&book, &roomy);
    let size: u64 = walkdir::WalkDir::new(&roomy)
        .into_iter()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(size > 2 << 20, "the new site should not fit: {size} bytes");
}

#[test]
fn a_guidance_file_deleted_and_recreated_during_builds_never_breaks_the_site() {
    const BUILDS: usize = 12;
    let (tmp, book) = fixture_copy();
    let page = book.join("content/flaky.md");
    let text = "+++\ntitle = \"Flaky\"\n+++\nThis page comes and goes.\n";
    // The two complete sites a build may produce: with the page and without it.
    let with = tmp.path().join("with");
    fs::write(&page, text).unwrap();
    build_ok(&book, &with);
    let with = tree(&with).unwrap();
    let without = tmp.path().join("without");
    fs::remove_file(&page).unwrap();
    build_ok(&book, &without);
    let without = tree(&without).unwrap();
    assert!(with != without);

    let out = tmp.path().join("out");
    let site = out.join("site");
    build_ok(&book, &site);
    let stop = Arc::new(AtomicBool::new(false));
    let flapper = {
        let (stop, page) = (Arc::clone(&stop), page.clone());
        let staged = book.join("content/.flaky.md.new");
        std::thread::spawn(move || {
            let mut n: u64 = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                // Recreated whole (written aside, then renamed), so a reader sees all or nothing.
                fs::write(&staged, text).unwrap();
                fs::rename(&staged, &page).unwrap();
                std::thread::sleep(Duration::from_micros(200 + n % 7 * 300));
                fs::remove_file(&page).unwrap();
                std::thread::sleep(Duration::from_micros(200 + n % 5 * 300));
            }
            n
        })
    };
    let (mut ok_with, mut ok_without, mut failed) = (0, 0, 0);
    for i in 0..BUILDS {
        let previous = tree(&site).unwrap();
        let o = build(&book, &site);
        let now = tree(&site).unwrap();
        if o.status.success() {
            if now == with {
                ok_with += 1;
            } else if now == without {
                ok_without += 1;
            } else {
                panic!("build {i} succeeded with an incomplete site");
            }
        } else {
            let err = stderr_of(&o);
            assert!(
                err.contains("content/flaky.md") && err.contains("the previous site was left"),
                "build {i} failed without naming the file:\n{err}"
            );
            assert!(now == previous, "build {i} failed and changed the site");
            failed += 1;
        }
        assert_eq!(
            names_in(&out),
            ["site"],
            "temporary folders were left behind"
        );
    }
    stop.store(true, Ordering::Relaxed);
    let flips = flapper.join().unwrap();
    eprintln!(
        "{BUILDS} builds while the page flipped {flips} times: {ok_with} with it, \
         {ok_without} without it, {failed} failed naming it"
    );
}
