//! What the fuzz targets share: a fixed book.toml with one field of every type, a small
//! procurements table read through it, the phases of a small rules file, and checks on
//! diagnostics.
//!
//! Built once per process ([`fixture`]), so each run of a target only does the work under test.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use procbook::config::{self, LoadedConfig};
use procbook::diagnostics::{Column, Diagnostic, Diagnostics};
use procbook::procurements::{self, PhaseName, Procurements};
use procbook::table;

/// The book.toml of every target: one field of each type, with recoding, bounds, a date format,
/// list separators and the stage field (which becomes an enum of the rules file's phases).
pub const BOOK_TOML: &str = r#"
[procurements]
file = "data/procurements.csv"
id = "id"
title = "title"
stage = "stage"
hidden = ["notes"]

[procurements.fields.id]
column = "Ref"
required = true

[procurements.fields.title]
column = "Project name"

[procurements.fields.pathway]
column = "How are we buying it?"
type = "enum"
values = ["off_the_shelf", "customize", "build"]
map = { "Off-the-shelf" = "off_the_shelf", "Customised" = "customize", "Built in-house" = "build" }
labels = { build = "Built" }

[procurements.fields.impact]
column = "Impact level"
type = "number"
min = 1
max = 4

[procurements.fields.value]
column = "Value ($)"
type = "number"

[procurements.fields.public_facing]
column = "Used by residents?"
type = "bool"

[procurements.fields.started]
column = "Started"
type = "date"
format = "%d/%m/%Y"

[procurements.fields.data]
column = "Data used"
type = "list"
values = ["personal", "sensitive", "open"]
map = { "Personal data" = "personal" }

[procurements.fields.tags]
column = "Tags"
type = "list"
separator = ","

[procurements.fields.stage]
column = "Current stage"

[procurements.fields.description]
column = "What is it for?"
type = "markdown"

[procurements.fields.notes]
column = "Notes"
"#;

/// A procurements CSV that fits [`BOOK_TOML`] and [`PHASES`].
pub const PROCUREMENTS_CSV: &str = "\
Ref,Project name,How are we buying it?,Impact level,Value ($),Used by residents?,Started,Data used,Tags,Current stage,What is it for?,Notes
SM-001,Resident chatbot,Customised,2,\"420,000\",Yes,01/02/2025,Personal data;open,\"chat,311\",Evaluation,Answers **residents**.,call back
SM-002,Minutes summariser,Off-the-shelf,1,9800,No,2024-11-30,,,contracting,,
SM-003,Benefit pre-screening,Built in-house,4,$2 400 000,n/a,,sensitive,risk,Needs assessment,\"Checks [claims](https://example.org).\",
SM-004,Pothole finder,build,,650000,x,15/05/2025,open,,monitoring,,
";

/// The phases the CSV's stage field is checked against (those of the small test handbook).
pub const PHASES: &[(&str, &str)] = &[
    ("needs_assessment", "Needs assessment"),
    ("solicitation", "Solicitation"),
    ("evaluation", "Evaluation"),
    ("contracting", "Contracting"),
    ("monitoring", "Monitoring"),
];

/// The path the procurements file is shown as in messages.
pub const CSV_FILE: &str = "data/procurements.csv";

/// [`BOOK_TOML`] as loaded from a handbook folder.
pub fn config() -> &'static LoadedConfig {
    static CONFIG: OnceLock<LoadedConfig> = OnceLock::new();
    CONFIG.get_or_init(|| LoadedConfig {
        config: config::parse(BOOK_TOML).expect("the fuzz book.toml is valid"),
        source: BOOK_TOML.to_string(),
        root: PathBuf::from("/handbook"),
    })
}

pub fn phase_names() -> Vec<PhaseName<'static>> {
    PHASES
        .iter()
        .map(|&(id, name)| PhaseName { id, name })
        .collect()
}

/// [`PROCUREMENTS_CSV`] loaded against `phases`.
pub fn procurements(phases: &[PhaseName<'_>]) -> Procurements {
    let settings = &config().config.procurements;
    let mut d = Diagnostics::default();
    let table = table::parse(
        PROCUREMENTS_CSV.as_bytes(),
        Path::new(CSV_FILE),
        settings.delimiter,
        settings.encoding,
        &mut d,
    )
    .expect("the fuzz CSV is a table");
    procurements::from_owned_table(config(), table, CSV_FILE.into(), phases, &mut d)
        .expect("the fuzz CSV fits the fuzz book.toml")
}

/// The fixed procurements, read against [`PHASES`].
pub fn fixed_procurements() -> &'static Procurements {
    static ROWS: OnceLock<Procurements> = OnceLock::new();
    ROWS.get_or_init(|| {
        let p = procurements(&phase_names());
        assert_eq!(p.rows.len(), 4);
        p
    })
}

/// The number of lines of `text` as procbook counts them: lines end at LF, CRLF or a lone CR.
pub fn physical_lines(bytes: &[u8]) -> usize {
    let mut lines = 1;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            lines += 1;
        }
    }
    lines
}

/// The number of lines of a TOML or Markdown text (these count LF only).
pub fn lf_lines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// Checks that a diagnostic names `file`, and is located on one of its `lines` lines unless it
/// is `whole_file` (about the file as a whole, where there is nothing to point at).
pub fn assert_located(d: &Diagnostic, file: &str, lines: usize, whole_file: bool) {
    assert_eq!(d.file, Path::new(file), "wrong file in {d}");
    assert!(!d.message.trim().is_empty(), "empty message: {d:?}");
    match d.line {
        Some(line) => {
            assert!(line >= 1 && line <= lines, "line {line} of {lines} in {d}");
            if let Some(Column::Number(c)) = d.column {
                assert!(c >= 1, "column 0 in {d}");
            }
        }
        None => assert!(whole_file, "unlocated diagnostic: {d:?}"),
    }
}
