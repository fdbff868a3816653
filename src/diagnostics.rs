//! Problems found in a handbook's files, each located precisely.
//!
//! Every loader reports what is wrong with its input as [`Diagnostic`]s instead of stopping at
//! the first problem, so `procbook check` can list all of a file's problems in one run. This
//! module owns the data only; turning diagnostics into terminal text or JSON is `messages.rs`'s
//! job.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// Where in a file a problem is: a line and, when known, a column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum Column {
    /// A 1-based character column, as in TOML and Markdown files.
    Number(usize),
    /// A CSV column, named by its header.
    Header(String),
}

/// One problem in one of the handbook's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable, kebab-case name for the kind of problem (for scripts reading `--format json`).
    pub code: &'static str,
    /// The file, relative to the handbook folder when it is inside it.
    pub file: PathBuf,
    /// The 1-based physical line in the file (a CSV row spanning several lines reports its first).
    pub line: Option<usize>,
    pub column: Option<Column>,
    /// What is wrong, naming the offending value.
    pub message: String,
    /// What would fix it: the expected values, a "did you mean", the option to set.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(
        code: &'static str,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, message)
        }
    }

    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    pub fn at(mut self, position: Option<Position>) -> Self {
        if let Some(p) = position {
            self.line = Some(p.line);
            self.column = Some(Column::Number(p.column));
        }
        self
    }

    pub fn in_column(mut self, header: impl Into<String>) -> Self {
        self.column = Some(Column::Header(header.into()));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        let help = help.into();
        self.help = match self.help.take() {
            Some(existing) => Some(format!("{existing}; {help}")),
            None => Some(help),
        };
        self
    }

    /// Adds "did you mean …?" when `value` is close to one of `known`.
    pub fn suggest<'a>(self, value: &str, known: impl IntoIterator<Item = &'a str>) -> Self {
        match closest(value, known) {
            Some(s) => self.with_help(format!("did you mean `{s}`?")),
            None => self,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// The one-line form `file:line: column "X": message (help)`, used in error chains and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match &self.column {
            Some(Column::Number(c)) => write!(f, ":{c}")?,
            Some(Column::Header(h)) => write!(f, ": column \"{h}\"")?,
            None => {}
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

/// All the problems of one load or check, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Sorted by file, then line, errors before warnings on the same line; stable otherwise.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.0.iter().collect();
        v.sort_by(|a, b| {
            (&a.file, a.line.unwrap_or(0), std::cmp::Reverse(a.severity)).cmp(&(
                &b.file,
                b.line.unwrap_or(0),
                std::cmp::Reverse(b.severity),
            ))
        });
        v
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// A 1-based line and character column in a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Maps byte offsets in a text to lines and columns.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Added to every line number: the text may be a part of a file (front matter, say).
    line_offset: usize,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        Self::with_offset(text, 0)
    }

    pub fn with_offset(text: &'a str, line_offset: usize) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex {
            text,
            starts,
            line_offset,
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Position {
            line: line + 1 + self.line_offset,
            column,
        }
    }

    /// The position of the first occurrence of `needle` inside `span`, or of the span itself.
    pub fn find_in(&self, span: std::ops::Range<usize>, needle: &str) -> Position {
        let found = self
            .text
            .get(span.clone())
            .and_then(|s| s.find(needle))
            .map_or(span.start, |i| span.start + i);
        self.position(found)
    }
}

/// The known value closest to `value`, if it is close enough to be a likely typo.
pub fn closest<'a>(value: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        return None;
    }
    known
        .into_iter()
        .map(|k| {
            (
                k,
                strsim::normalized_damerau_levenshtein(&v, &k.to_lowercase()),
            )
        })
        .filter(|(_, score)| *score >= 0.6)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| k)
}

/// A list of values for a message: `a, b, c` (and "…" past 12 items).
pub fn list(values: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let mut out = String::new();
    for (i, v) in values.into_iter().enumerate() {
        if i == 12 {
            out.push_str(", …");
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(v.as_ref());
    }
    out
}

/// The path to show the user for `path`: relative to the handbook `root` when inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let idx = LineIndex::new("ab\ncdé f\n");
        assert_eq!(idx.position(0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(3), Position { line: 2, column: 1 });
        assert_eq!(idx.position(8), Position { line: 2, column: 5 });
    }

    #[test]
    fn suggests_only_close_values() {
        assert_eq!(closest("hihg", ["low", "medium", "high"]), Some("high"));
        assert_eq!(closest("Hight", ["low", "medium", "high"]), Some("high"));
        assert_eq!(closest("banana", ["low", "medium", "high"]), None);
    }
}
