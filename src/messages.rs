//! Every message procbook prints, in one place: diagnostics grouped by file, summaries and their
//! colours. Colours are written as ANSI styles and stripped by `anstream` when the output is not
//! a terminal or `NO_COLOR` is set.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::diagnostics::{Column, Diagnostic, Diagnostics, Severity};

pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const HELP: Style = AnsiColor::Cyan.on_default();
pub const BOLD: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
pub const GOOD: Style = AnsiColor::Green.on_default().bold();

/// Diagnostics as text, grouped by file (files in name order, problems by line), each file
/// headed by its name and counts.
pub fn diagnostics_text(diagnostics: &Diagnostics) -> String {
    let mut by_file: BTreeMap<&Path, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diagnostics.sorted() {
        by_file.entry(d.file.as_path()).or_default().push(d);
    }
    let mut out = String::new();
    for (file, ds) in by_file {
        let errors = ds.iter().filter(|d| d.is_error()).count();
        let _ = writeln!(
            out,
            "{BOLD}{}{BOLD:#} {DIM}({}){DIM:#}",
            visible(&file.display().to_string()),
            counts(errors, ds.len() - errors)
        );
        let mut last_help = None;
        for d in ds {
            let (style, word) = match d.severity {
                Severity::Error => (ERROR, "error"),
                Severity::Warning => (WARNING, "warning"),
            };
            let _ = writeln!(
                out,
                "  {style}{word}{style:#}: {}{}",
                visible(&location(d)),
                visible(&d.message)
            );
            // The same advice on consecutive lines is given once.
            if let Some(help) = &d.help {
                if last_help != Some(help) {
                    let _ = writeln!(out, "    {HELP}help:{HELP:#} {}", visible(help));
                }
            }
            last_help = d.help.as_ref();
        }
        out.push('\n');
    }
    out
}

/// Control characters from the inputs (an id or file name holding ESC, NUL, a carriage
/// return) shown as visible symbols (␛, ␀, ␍), so they can neither garble nor restyle the
/// terminal. Line breaks and tabs stay.
fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let shown = |c: char| match c {
        '\n' | '\t' => c,
        '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        c if c.is_control() => '\u{fffd}',
        c => c,
    };
    if text.chars().all(|c| shown(c) == c) {
        return text.into();
    }
    text.chars().map(shown).collect::<String>().into()
}

fn location(d: &Diagnostic) -> String {
    match (d.line, &d.column) {
        (Some(l), Some(Column::Number(c))) => format!("line {l}, column {c}: "),
        (Some(l), Some(Column::Header(h))) => format!("line {l}, column \"{h}\": "),
        (Some(l), None) => format!("line {l}: "),
        (None, Some(Column::Header(h))) => format!("column \"{h}\": "),
        _ => String::new(),
    }
}

/// "2 errors, 1 warning", "no problems".
pub fn counts(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => "no problems".into(),
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// The JSON document of `check --format json` (schema `procbook.check/1`, see docs/formats.md).
#[derive(Serialize)]
pub struct CheckReport<'a> {
    pub schema: &'static str,
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<&'a Diagnostic>,
}

impl<'a> CheckReport<'a> {
    pub fn new(diagnostics: &'a Diagnostics, ok: bool) -> Self {
        CheckReport {
            schema: "procbook.check/1",
            ok,
            errors: diagnostics.error_count(),
            warnings: diagnostics.warning_count(),
            diagnostics: diagnostics.sorted(),
        }
    }
}

/// "built 1,097 pages (1,124 files, 6.2 MB) into site in 0.41 s".
pub fn build_summary(built: &crate::build::Built) -> String {
    let w = &built.written;
    let changed = if w.rewritten == w.files {
        String::new()
    } else {
        format!(", {} changed", w.rewritten)
    };
    format!(
        "{GOOD}built{GOOD:#} {} pages ({} files, {}{changed}) into {} in {:.2} s",
        crate::procurements::value::format_number(built.pages as f64),
        crate::procurements::value::format_number(w.files as f64),
        size(w.bytes),
        built.output_dir.display(),
        built.elapsed.as_secs_f64()
    )
}

/// Bytes for people: "812 B", "6.2 MB".
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "kB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// "rebuilt in 12 ms: 3 of 40 files changed (guide/phases.html, index.html, …)".
pub fn rebuild_summary(r: &crate::watch::Rebuilt) -> String {
    let mut names: Vec<&str> = r
        .written
        .iter()
        .chain(&r.removed)
        .map(String::as_str)
        .take(3)
        .collect();
    if r.written.len() + r.removed.len() > 3 {
        names.push("…");
    }
    let changed = match (r.written.len(), r.removed.len()) {
        (0, 0) => "nothing changed".to_string(),
        (w, 0) => format!(
            "{w} of {} files rewritten ({})",
            r.rendered,
            names.join(", ")
        ),
        (w, d) => format!(
            "{w} of {} files rewritten, {d} removed ({})",
            r.rendered,
            names.join(", ")
        ),
    };
    format!(
        "{GOOD}rebuilt{GOOD:#} in {} ms: {changed}",
        r.elapsed.as_millis()
    )
}
