//! `procbook build [DIR]`: the whole site, published only when everything succeeded.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anstream::{eprint, eprintln, println};

use super::Outcome;
use procbook::build;
use procbook::messages::{self, ERROR, WARNING};
use procbook::site::BuildMode;

/// Builds with fewer files than this finish before a bar would help.
const PROGRESS_FROM: usize = 5_000;

pub fn run(dir: &Path, output: Option<PathBuf>) -> Outcome {
    // A progress bar only on a terminal (indicatif draws nothing otherwise), for long builds.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files  {eta} left")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            if done == 1 && total >= PROGRESS_FROM {
                bar.set_length(total as u64);
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_position(done as u64);
        }
    };
    let result = build::build_with_progress(dir, BuildMode::Publish, output.as_deref(), &progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(built) => {
            // Unassigned roles are a report of their own (`check`, the index page's gaps):
            // here they are counted, other warnings are shown in full.
            let (gaps, others): (Vec<_>, Vec<_>) = built
                .warnings
                .iter()
                .cloned()
                .partition(|d| d.code.starts_with("gap"));
            let mut others_list = procbook::diagnostics::Diagnostics::default();
            others_list.extend(others);
            if !others_list.is_empty() {
                eprint!("{}", messages::diagnostics_text(&others_list));
            }
            let warn = match others_list.len() {
                0 => String::new(),
                n => format!(" {WARNING}({}){WARNING:#}", messages::counts(0, n)),
            };
            println!("{}{warn}", messages::build_summary(&built));
            if !gaps.is_empty() {
                println!("  {} lead or sign-off gaps: roles with nobody assigned (listed on the home page; `procbook check` shows each)", gaps.len());
            }
            Outcome::Clean
        }
        Err(diagnostics) => {
            eprint!("{}", messages::diagnostics_text(&diagnostics));
            eprintln!(
                "{ERROR}build failed{ERROR:#}: {}; the previous site was left as it was",
                messages::counts(diagnostics.error_count(), diagnostics.warning_count())
            );
            Outcome::Problems
        }
    }
}
