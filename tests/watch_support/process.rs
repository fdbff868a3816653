//! A `procbook` process run by a test (`watch`, `serve`): its output lines collected by reader
//! threads, bounded waits on them, and a guard that kills the process when the test ends or
//! panics.

// Two test crates include this file and each uses a part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::fixture::WAIT;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// A running procbook; killed on drop.
pub struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<(Stream, String)>>>,
}

impl Running {
    /// Starts `procbook <args>`. Its temporary files (serve's preview folder) go into `tmp`,
    /// which the test removes: a killed process cannot clean up after itself.
    pub fn start(args: &[&OsStr], tmp: &Path) -> Running {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("procbook"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("TMPDIR", tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("procbook starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        read_lines(stdout, Stream::Out, Arc::clone(&lines));
        read_lines(stderr, Stream::Err, Arc::clone(&lines));
        Running { child, lines }
    }

    /// The lines printed so far on `stream`.
    pub fn lines(&self, stream: Stream) -> Vec<String> {
        let lines = self.lines.lock().unwrap();
        let of_stream = lines.iter().filter(|(s, _)| *s == stream);
        of_stream.map(|(_, l)| l.clone()).collect()
    }

    /// How many lines on stdout start with `word`.
    pub fn count(&self, word: &str) -> usize {
        let lines = self.lines(Stream::Out);
        lines.iter().filter(|l| l.starts_with(word)).count()
    }

    /// Everything printed so far, for failure messages.
    pub fn log(&self) -> String {
        let lines = self.lines.lock().unwrap();
        let shown = lines.iter().map(|(s, l)| format!("  {s:?}: {l}\n"));
        shown.collect()
    }

    /// Polls `ready` every 10 ms until it holds; panics with the process's output after [`WAIT`].
    pub fn wait_until(&mut self, what: &str, ready: impl FnMut(&Running) -> bool) {
        self.wait_until_within(WAIT, what, ready);
    }

    /// Polls `ready` every 10 ms until it holds; panics with the process's output after `wait`,
    /// or as soon as the process has exited.
    pub fn wait_until_within(
        &mut self,
        wait: Duration,
        what: &str,
        mut ready: impl FnMut(&Running) -> bool,
    ) {
        let deadline = Instant::now() + wait;
        while !ready(self) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "procbook exited ({status}) while waiting until {what}:\n{}",
                    self.log()
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {wait:?} waiting until {what}; procbook printed:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running (it has neither exited nor crashed).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for a line on `stream` that `matches`, after the first `skip` such lines.
    pub fn wait_for_line(
        &mut self,
        stream: Stream,
        skip: usize,
        what: &str,
        matches: impl Fn(&str) -> bool,
    ) -> String {
        let found = |r: &Running| {
            let lines = r.lines(stream);
            lines.into_iter().filter(|l| matches(l)).nth(skip)
        };
        self.wait_until(what, |r| found(r).is_some());
        found(self).unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_lines(
    from: impl Read + Send + 'static,
    stream: Stream,
    to: Arc<Mutex<Vec<(Stream, String)>>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            to.lock().unwrap().push((stream, line));
        }
    });
}
