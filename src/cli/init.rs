//! `procbook init [DIR] [--theme]`: scaffold a handbook from the example, or copy the theme.

use std::path::Path;

use anstream::{eprintln, println};

use super::Outcome;
use procbook::init;
use procbook::messages::{ERROR, GOOD, HELP};

pub fn run(dir: &Path, theme: bool) -> Outcome {
    match init::init(dir, theme) {
        Ok(created) => {
            if created.handbook {
                println!(
                    "{GOOD}created{GOOD:#} a handbook in {} ({} files)",
                    dir.display(),
                    created.files.len()
                );
                println!("  next: `procbook serve {}` to preview it, then edit book.toml, data/ and content/", dir.display());
            }
            if created.theme {
                println!("{GOOD}copied{GOOD:#} the default theme to {}; edit its templates and static files", dir.join("themes/default").display());
            }
            Outcome::Clean
        }
        Err(e) => {
            eprintln!("{ERROR}error{ERROR:#}: {e}");
            if matches!(e, init::InitError::Exists(_)) && !theme {
                eprintln!("  {HELP}help:{HELP:#} choose an empty folder, or use `--theme` to copy only the theme into this handbook");
            }
            Outcome::Problems
        }
    }
}
