//! `book.toml` → [`Config`].
//!
//! Strict: an unknown key is an error with its line, column and the list of known keys. Every
//! setting has a default, so a three-line book.toml works. This module only parses and checks
//! the shape of the file; whether a field's column exists in the CSV is checked when the CSV is
//! loaded (`procurements.rs`), with the location kept here in [`toml::Spanned`] values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::{Diagnostic, LineIndex, Position};

/// The name of the settings file at the root of every handbook.
pub const BOOK_TOML: &str = "book.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub book: BookConfig,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub procurements: ProcurementsConfig,
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub resources: ResourcesConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BookConfig {
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default = "default_language")]
    pub language: String,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            title: default_title(),
            description: String::new(),
            authors: Vec::new(),
            language: default_language(),
        }
    }
}

fn default_title() -> String {
    "Procurement handbook".into()
}
fn default_language() -> String {
    "en".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildConfig {
    #[serde(default = "default_content_dir")]
    pub content_dir: PathBuf,
    #[serde(default = "default_output_dir")]
    pub output_dir: PathBuf,
    #[serde(default = "default_theme")]
    pub theme: String,
    /// The address the site is published at; used only for absolute links in the Atom feed.
    #[serde(default)]
    pub base_url: String,
    /// Whether raw HTML in guidance Markdown is passed through (trusted authors) or escaped.
    #[serde(default = "yes")]
    pub raw_html: bool,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            content_dir: default_content_dir(),
            output_dir: default_output_dir(),
            theme: default_theme(),
            base_url: String::new(),
            raw_html: true,
        }
    }
}

fn default_content_dir() -> PathBuf {
    "content".into()
}
fn default_output_dir() -> PathBuf {
    "site".into()
}
fn default_theme() -> String {
    "default".into()
}
fn yes() -> bool {
    true
}

/// How the procurements CSV is read and mapped onto typed fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProcurementsConfig {
    #[serde(default = "default_procurements_file")]
    pub file: PathBuf,
    /// A field (or column) holding the id, or a template such as `"{agency}-{row}"`.
    #[serde(default = "default_id")]
    pub id: Spanned<String>,
    /// The field (or column) holding a procurement's title; the id when absent.
    pub title: Option<Spanned<String>>,
    /// The field whose value is the procurement's current phase.
    pub stage: Option<Spanned<String>>,
    #[serde(default)]
    pub delimiter: Delimiter,
    #[serde(default)]
    pub encoding: Encoding,
    /// Cell values that mean "unknown" (compared after trimming, ignoring case).
    #[serde(default = "default_blank")]
    pub blank: Vec<String>,
    /// Fields or columns loaded but never rendered or exported.
    #[serde(default)]
    pub hidden: Vec<Spanned<String>>,
    /// Fields shown as columns of the index table.
    pub index_columns: Option<Vec<Spanned<String>>>,
    /// Fields counted on the index page.
    pub facets: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub fields: BTreeMap<String, Spanned<FieldSpec>>,
    /// Role id → field (or column) naming the person assigned to that role.
    #[serde(default)]
    pub assignees: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl Default for ProcurementsConfig {
    fn default() -> Self {
        ProcurementsConfig {
            file: default_procurements_file(),
            id: default_id(),
            title: None,
            stage: None,
            delimiter: Delimiter::default(),
            encoding: Encoding::default(),
            blank: default_blank(),
            hidden: Vec::new(),
            index_columns: None,
            facets: None,
            fields: BTreeMap::new(),
            assignees: BTreeMap::new(),
        }
    }
}

fn default_procurements_file() -> PathBuf {
    "data/procurements.csv".into()
}
fn default_id() -> Spanned<String> {
    Spanned::new(0..0, "id".to_string())
}
fn default_blank() -> Vec<String> {
    ["", "n/a", "na", "-", "\u{2014}", "none given"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// How one field is read from the CSV.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FieldSpec {
    /// The CSV header; the field's name when absent.
    pub column: Option<Spanned<String>>,
    #[serde(rename = "type", default)]
    pub kind: FieldKind,
    /// Allowed values (enum, list).
    #[serde(default)]
    pub values: Vec<String>,
    /// Recoding: what the CSV says → the value to use (matched trimmed, ignoring case).
    #[serde(default)]
    pub map: BTreeMap<String, String>,
    /// How enum and list values are shown on pages: value → label (default: the value with
    /// `_` as spaces and a capital first letter).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub required: bool,
    /// How the field is labelled on pages; the column header when absent.
    pub label: Option<String>,
    /// Bounds for numbers.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The separator between list items (default `;`; line breaks always separate).
    pub separator: Option<String>,
    /// A `strftime`-style date format such as `"%d/%m/%Y"` (ISO `YYYY-MM-DD` always works).
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    #[default]
    Text,
    Enum,
    Bool,
    Number,
    Date,
    List,
    Markdown,
}

impl FieldKind {
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Enum => "enum",
            FieldKind::Bool => "bool",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::List => "list",
            FieldKind::Markdown => "markdown",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Delimiter {
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = ",")]
    Comma,
    #[serde(rename = ";")]
    Semicolon,
    #[serde(rename = "\t", alias = "tab")]
    Tab,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    #[default]
    Auto,
    #[serde(alias = "utf8")]
    Utf8,
    #[serde(alias = "cp1252", alias = "latin1")]
    Windows1252,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RulesConfig {
    #[serde(default = "default_rules_file")]
    pub file: PathBuf,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            file: default_rules_file(),
        }
    }
}

fn default_rules_file() -> PathBuf {
    "data/roles.toml".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ResourcesConfig {
    #[serde(default = "default_resources_file")]
    pub file: PathBuf,
}

impl Default for ResourcesConfig {
    fn default() -> Self {
        ResourcesConfig {
            file: default_resources_file(),
        }
    }
}

fn default_resources_file() -> PathBuf {
    "data/resources.csv".into()
}

/// A book.toml read from disk, with its text kept for locating later errors.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub source: String,
    /// The handbook folder (where book.toml is).
    pub root: PathBuf,
}

impl LoadedConfig {
    /// Line and column of a span in book.toml (`None` for settings left at their default).
    pub fn position(&self, span: std::ops::Range<usize>) -> Option<Position> {
        (span.end > 0).then(|| LineIndex::new(&self.source).position(span.start))
    }

    /// A path from book.toml, resolved against the handbook folder.
    pub fn path(&self, relative: &Path) -> PathBuf {
        self.root.join(relative)
    }

    pub fn output_dir(&self) -> PathBuf {
        self.path(&self.config.build.output_dir)
    }
}

/// Reads `root/book.toml`.
pub fn load(root: &Path) -> Result<LoadedConfig, Box<Diagnostic>> {
    let path = root.join(BOOK_TOML);
    let source = std::fs::read_to_string(&path).map_err(|e| {
        let d = Diagnostic::error(
            "io",
            BOOK_TOML,
            format!("cannot read {}: {e}", path.display()),
        );
        if e.kind() == std::io::ErrorKind::NotFound {
            d.with_help("is this a handbook folder? `procbook init` creates one")
        } else {
            d
        }
    })?;
    let config = parse(&source)?;
    Ok(LoadedConfig {
        config,
        source,
        root: root.to_path_buf(),
    })
}

/// Parses the text of a book.toml.
pub fn parse(source: &str) -> Result<Config, Box<Diagnostic>> {
    let config: Config =
        toml::from_str(source).map_err(|e| Box::new(toml_error(BOOK_TOML, source, &e)))?;
    Ok(config)
}

/// A TOML syntax or shape error as a located diagnostic.
pub fn toml_error(file: impl Into<PathBuf>, source: &str, e: &toml::de::Error) -> Diagnostic {
    toml_error_at(file, source, e, 0)
}

/// Like [`toml_error`] for TOML that starts `line_offset` lines into its file (front matter).
pub fn toml_error_at(
    file: impl Into<PathBuf>,
    source: &str,
    e: &toml::de::Error,
    line_offset: usize,
) -> Diagnostic {
    let position = e
        .span()
        .map(|s| LineIndex::with_offset(source, line_offset).position(s.start));
    let mut message = e.message().trim().replace('\n', ": ");
    if message.is_empty() || stray_control(source, e.span()).is_some() {
        message = unreadable_at(source, e.span());
    }
    let (message, help) = split_expected(&message);
    let d = Diagnostic::error("toml", file, message).at(position);
    match help {
        Some(h) => d.with_help(h),
        None => d,
    }
}

/// The control character (other than a tab or a line end) where a TOML error is, if any.
fn stray_control(source: &str, span: Option<std::ops::Range<usize>>) -> Option<char> {
    span.and_then(|s| source.get(s.start..))
        .and_then(|rest| rest.chars().next())
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// What to say where the TOML parser gives no message (it gives none for some stray characters)
/// or only says what it expected instead of an invisible character.
fn unreadable_at(source: &str, span: Option<std::ops::Range<usize>>) -> String {
    match stray_control(source, span) {
        Some(c) => format!(
            "an invisible control character (U+{:04X}) is here, which TOML does not allow; delete it",
            u32::from(c)
        ),
        None => "the text cannot be read as TOML here".to_string(),
    }
}

/// serde says "unknown field `x`, expected one of `a`, `b`": keep the first part as the message
/// and the list as help, and add a "did you mean".
fn split_expected(message: &str) -> (String, Option<String>) {
    if let Some((what, expected)) = message.split_once(", expected ") {
        let mut help = format!("expected {}", plain_type(expected));
        if let Some(unknown) = what
            .strip_prefix("unknown field `")
            .or_else(|| what.strip_prefix("unknown variant `"))
            .and_then(|s| s.strip_suffix('`'))
        {
            let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            if let Some(s) = crate::diagnostics::closest(unknown, known) {
                help = format!("did you mean `{s}`? {help}");
            }
        }
        (what.replace("unknown variant", "unknown value"), Some(help))
    } else {
        (message.to_string(), None)
    }
}

/// serde's names for Rust types, in the words of a book.toml author.
fn plain_type(expected: &str) -> &str {
    match expected {
        "f32" | "f64" => "a number",
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number",
        "a sequence" => "a list",
        "a map" => "a table",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_lines_are_enough() {
        let c = parse("[book]\ntitle = \"Our handbook\"\n").unwrap();
        assert_eq!(c.book.title, "Our handbook");
        assert_eq!(c.build.output_dir, PathBuf::from("site"));
        assert_eq!(c.procurements.file, PathBuf::from("data/procurements.csv"));
        assert_eq!(c.rules.file, PathBuf::from("data/roles.toml"));
    }

    #[test]
    fn unknown_key_is_located_and_lists_known_keys() {
        let d = parse("[book]\ntitle = \"x\"\n\n[build]\noutptu-dir = \"out\"\n").unwrap_err();
        assert_eq!(d.line, Some(5));
        assert_eq!(d.column, Some(crate::diagnostics::Column::Number(1)));
        assert_eq!(d.message, "unknown field `outptu-dir`");
        let help = d.help.unwrap();
        assert!(help.starts_with("did you mean `output-dir`?"), "{help}");
        assert!(help.contains("`theme`"), "{help}");
    }
}
