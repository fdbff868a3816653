//! `procbook check [DIR]`: load everything, report every problem, write nothing.

use std::path::Path;

use anstream::{eprint, println};

use super::{Format, Outcome};
use procbook::handbook::{self, LoadOptions};
use procbook::messages::{self, CheckReport, ERROR, GOOD};

pub fn run(dir: &Path, format: Format, strict: bool) -> Outcome {
    let loaded = handbook::load(
        dir,
        LoadOptions {
            links_are_errors: true,
        },
    );
    let mut diagnostics = loaded.diagnostics;
    if let Some(h) = &loaded.handbook {
        diagnostics.extend(handbook::gap_diagnostics(h, strict));
    }
    let ok = !diagnostics.has_errors();
    match format {
        Format::Json => {
            let report = CheckReport::new(&diagnostics, ok);
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        Format::Text => {
            eprint!("{}", messages::diagnostics_text(&diagnostics));
            let summary = messages::counts(diagnostics.error_count(), diagnostics.warning_count());
            match &loaded.handbook {
                Some(h) if ok => println!(
                    "{GOOD}ok{GOOD:#}: {} procurements, {} rules, {} guidance pages: {summary}",
                    h.procurements.rows.len(),
                    h.rules.rules.len(),
                    h.guidance.pages.len()
                ),
                _ => println!("{ERROR}check failed{ERROR:#}: {summary}"),
            }
        }
    }
    if ok {
        Outcome::Clean
    } else {
        Outcome::Problems
    }
}
