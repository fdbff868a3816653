//! A build killed with SIGKILL at any moment leaves the output folder holding the previous
//! complete site or the new complete site, and the temporary folders it leaves are removed by
//! the next build. (`scripts/kill-test.sh` does the same a hundred times on a large handbook.)

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Instant;

use super::support::*;

/// Renames the first procurement, so that the next build changes several files.
fn retitle(book: &Path, from: &str, to: &str) {
    let csv = book.join("data/procurements.csv");
    let text = fs::read_to_string(&csv).unwrap();
    assert!(text.contains(from));
    fs::write(&csv, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_killed_build_leaves_the_previous_site_or_the_new_one() {
    const KILLS: u32 = 6;
    let (tmp, book) = fixture_copy();
    let out = tmp.path().join("out");
    let site = out.join("site");
    let start = Instant::now();
    build_ok(&book, &site);
    let typical = start.elapsed();
    let mut current = tree(&site).unwrap();
    let mut title = "Resident chatbot".to_string();
    let mut outcomes: BTreeMap<&str, u32> = BTreeMap::new();
    for k in 0..KILLS {
        let next = format!("Resident chatbot version {k}");
        retitle(&book, &title, &next);
        title = next;
        let reference = tmp.path().join(format!("reference-{k}"));
        build_ok(&book, &reference);
        let expected = tree(&reference).unwrap();
        assert!(expected != current, "the edit should change the site");

        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("procbook"))
            .arg("build")
            .arg(&book)
            .arg("-o")
            .arg(&site)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill points spread evenly over a typical build, from at once to its end.
        std::thread::sleep(typical.mul_f64(f64::from(k) / f64::from(KILLS - 1)));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();

        let now = tree(&site);
        let outcome = match now {
            None => panic!("kill {k}: the output folder is gone"),
            Some(t) if t == current => "previous site",
            Some(t) if t == expected => {
                current = t;
                "new site"
            }
            Some(t) => {
                let differing: Vec<&String> = t
                    .keys()
                    .chain(expected.keys())
                    .filter(|p| t.get(*p) != expected.get(*p) && t.get(*p) != current.get(*p))
                    .take(5)
                    .collect();
                panic!("kill {k}: the site is neither the previous nor the new one: {differing:?}")
            }
        };
        *outcomes
            .entry(if finished { "finished first" } else { outcome })
            .or_default() += 1;
        if names_in(&out).len() > 1 {
            *outcomes.entry("left a temporary folder").or_default() += 1;
        }
    }
    eprintln!("{KILLS} kills over a {typical:?} build: {outcomes:?}");

    // Whatever the kills left beside the site, the next complete build removes.
    retitle(&book, &title, "Resident chatbot");
    build_ok(&book, &site);
    assert_eq!(
        names_in(&out),
        ["site"],
        "temporary folders were left behind"
    );
}
