//! `procbook build [DIR]`: the whole site, published only when everything succeeded.

use std::path::{Path, PathBuf};

use anstream::{eprint, eprintln, println};

use super::Outcome;
use procbook::build;
use procbook::messages::{self, ERROR, WARNING};
use procbook::site::BuildMode;

pub fn run(dir: &Path, output: Option<PathBuf>) -> Outcome {
    match build::build(dir, BuildMode::Publish, output.as_deref()) {
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
