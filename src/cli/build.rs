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
            if !built.warnings.is_empty() {
                eprint!("{}", messages::diagnostics_text(&built.warnings));
            }
            let warn = match built.warnings.len() {
                0 => String::new(),
                n => format!(" {WARNING}({}){WARNING:#}", messages::counts(0, n)),
            };
            println!("{}{warn}", messages::build_summary(&built));
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
