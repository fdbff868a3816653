//! A `procbook watch` process on a temporary copy of the fixture (tests/watch_cli.rs,
//! tests/watch_faults.rs), with bounded waits for what the site shows.

// Two test crates include this file and each uses a part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::path::PathBuf;

use tempfile::TempDir;

use crate::fixture::{clean_build, fixture_copy, tree, tree_difference};
use crate::process::{Running, Stream};

/// A handbook being watched: the temporary folder, the handbook in it, and the process.
pub struct Watched {
    // Fields drop in order: the process is killed before its folder is removed.
    pub procbook: Running,
    pub tmp: TempDir,
    pub book: PathBuf,
}

impl Watched {
    pub fn start(extra: &[&str]) -> Watched {
        let (tmp, book) = fixture_copy();
        Watched::start_in(tmp, book, extra)
    }

    pub fn start_in(tmp: TempDir, book: PathBuf, extra: &[&str]) -> Watched {
        let mut args: Vec<&OsStr> = vec!["watch".as_ref(), book.as_os_str()];
        args.extend(extra.iter().map(OsStr::new));
        let mut procbook = Running::start(&args, tmp.path());
        procbook.wait_for_line(Stream::Out, 0, "the first build", |l| {
            l.starts_with("built ")
        });
        Watched {
            tmp,
            book,
            procbook,
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.book.join(relative)
    }

    pub fn site(&self, relative: &str) -> PathBuf {
        self.book.join("site").join(relative)
    }

    /// Waits until the site file `relative` contains `text`.
    pub fn wait_for_text(&mut self, relative: &str, text: &str) {
        self.wait_for_text_within(crate::fixture::WAIT, relative, text);
    }

    /// Waits up to `wait` until the site file `relative` contains `text`.
    pub fn wait_for_text_within(&mut self, wait: std::time::Duration, relative: &str, text: &str) {
        let path = self.site(relative);
        let what = format!("{relative} contains {text:?}");
        self.procbook.wait_until_within(wait, &what, |_| {
            fs::read_to_string(&path).is_ok_and(|t| t.contains(text))
        });
    }

    /// Waits until the site equals a clean build of the handbook as it now is.
    pub fn wait_for_clean_build(&mut self) {
        self.wait_for_clean_build_within(crate::fixture::WAIT);
    }

    /// Waits up to `wait` until the site equals a clean build of the handbook as it now is,
    /// compared file by file, byte by byte.
    pub fn wait_for_clean_build_within(&mut self, wait: std::time::Duration) {
        let expected = clean_build(&self.book, &self.tmp.path().join("clean"))
            .unwrap_or_else(|why| panic!("the handbook should build:\n{why}"));
        let site = self.book.join("site");
        let mut last = None;
        let what = "the site equals a clean build";
        let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.procbook.wait_until_within(wait, what, |_| {
                last = tree_difference(&tree(&site), &expected);
                last.is_none()
            })
        }));
        if let Err(panic) = waited {
            eprintln!("still different:\n{}", last.unwrap_or_default());
            std::panic::resume_unwind(panic);
        }
    }
}
