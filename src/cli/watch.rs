//! `procbook watch [DIR]` and `procbook serve [DIR]`: rebuild on every change; serve adds the
//! live preview in the browser.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anstream::{eprint, eprintln, println};

use super::Outcome;
use procbook::messages::{self, ERROR, GOOD};
use procbook::serve::{self, Live, Notice};
use procbook::site::BuildMode;
use procbook::watch::{self, WatchEvent, WatchOptions};

/// Prints what happened; returns the text of a failure, for the browser overlay.
fn report(event: &WatchEvent<'_>) -> Option<String> {
    match event {
        WatchEvent::Built {
            rebuilt,
            output_dir,
            first,
        } => {
            if *first {
                println!(
                    "{GOOD}built{GOOD:#} {} files into {} in {} ms",
                    rebuilt.written.len(),
                    output_dir.display(),
                    rebuilt.elapsed.as_millis()
                );
            } else {
                println!("{}", messages::rebuild_summary(rebuilt));
            }
            let warnings = rebuilt.warnings.len();
            if warnings > 0 && *first {
                eprintln!(
                    "{}",
                    messages::counts(0, warnings) + " (run `procbook check` to list them)"
                );
            }
            None
        }
        WatchEvent::Failed(diagnostics) => {
            let text =
                anstream::adapter::strip_str(&messages::diagnostics_text(diagnostics)).to_string();
            eprint!("{}", messages::diagnostics_text(diagnostics));
            eprintln!(
                "{ERROR}rebuild failed{ERROR:#}: {}; the last good build stays",
                messages::counts(diagnostics.error_count(), diagnostics.warning_count())
            );
            Some(text)
        }
    }
}

pub fn run_watch(dir: &Path, output: Option<PathBuf>, options: WatchOptions) -> Outcome {
    println!("watching {} for changes (Ctrl-C to stop)", dir.display());
    match watch::run(dir, BuildMode::Publish, output, options, |e| {
        report(&e);
    }) {
        Ok(()) => Outcome::Clean,
        Err(e) => {
            eprintln!("{ERROR}error{ERROR:#}: cannot watch the files: {e}");
            Outcome::Problems
        }
    }
}

pub fn run_serve(
    dir: &Path,
    bind: IpAddr,
    port: u16,
    open: bool,
    options: WatchOptions,
) -> Outcome {
    let scratch = match tempfile::Builder::new().prefix("procbook-serve-").tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{ERROR}error{ERROR:#}: cannot create a folder for the preview: {e}");
            return Outcome::Problems;
        }
    };
    let site_dir = scratch.path().join("site");
    let live = Live::new(site_dir.clone());
    // Files are read on blocking threads; a few are enough for a preview, and a crowd of
    // requests then waits its turn instead of starting hundreds of threads.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(8)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{ERROR}error{ERROR:#}: {e}");
            return Outcome::Problems;
        }
    };
    let listener = match runtime.block_on(serve::bind(bind, port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "{ERROR}error{ERROR:#}: cannot listen on {bind} port {port} or the next 20: {e}"
            );
            return Outcome::Usage;
        }
    };
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let url = format!("http://{address}/");
    runtime.spawn(serve::run(listener, serve::router(live.clone())));
    let watcher_live = live.clone();
    let dir = dir.to_path_buf();
    let mut opened = false;
    let watching = std::thread::spawn(move || {
        watch::run(
            &dir,
            BuildMode::Preview {
                reload_url: serve::LIVE_SCRIPT.into(),
            },
            Some(site_dir),
            options,
            |e| {
                let first = matches!(e, WatchEvent::Built { first: true, .. });
                match report(&e) {
                    Some(text) => watcher_live.notify(Notice::Failed(text)),
                    None => watcher_live.notify(Notice::Reload),
                }
                if first {
                    println!("serving the handbook at {GOOD}{url}{GOOD:#} (Ctrl-C to stop)");
                    if open && !opened {
                        opened = true;
                        open_browser(&url);
                    }
                }
            },
        )
    });
    let _ = runtime.block_on(tokio::signal::ctrl_c());
    drop(watching);
    drop(scratch);
    Outcome::Clean
}

fn open_browser(url: &str) {
    let command = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let _ = std::process::Command::new(command.0)
        .args(command.1)
        .spawn();
}

/// `--debounce` in milliseconds.
pub fn options(debounce_ms: u64, poll: bool, poll_ms: u64) -> WatchOptions {
    WatchOptions {
        debounce: Duration::from_millis(debounce_ms),
        poll: poll.then(|| Duration::from_millis(poll_ms)),
    }
}
