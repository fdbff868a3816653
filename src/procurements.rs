//! The procurements CSV → typed [`Procurement`] rows.
//!
//! Owns field mapping (book.toml's `[procurements.fields]` onto whatever headers the CSV has),
//! recoding (`map`), typing (text, enum, bool, number, date, list, markdown), required and hidden
//! fields, ids (a column or a template) and their slugs. Every problem is reported with file,
//! physical line, column header, the value and what was expected; all of a file's problems are
//! reported in one run. Byte-level CSV concerns live in `table.rs`.

pub mod value;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

pub use value::Value;

use crate::config::{FieldKind, FieldSpec, LoadedConfig, BOOK_TOML};
use crate::diagnostics::{display_path, list, Diagnostic, Diagnostics};
use crate::slug::slugify;
use crate::table::{self, Record, Table};

/// One column of the CSV as the handbook sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// What rules, templates and book.toml call it.
    pub name: String,
    /// How pages label it.
    pub label: String,
    /// The CSV header it is read from.
    pub header: String,
    #[serde(skip)]
    pub column: usize,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(skip)]
    pub map: HashMap<String, String>,
    /// Display labels of enum and list values.
    #[serde(skip)]
    pub labels: HashMap<String, String>,
    #[serde(skip)]
    pub required: bool,
    /// Loaded (rules may use it) but never rendered or exported.
    #[serde(skip)]
    pub hidden: bool,
    #[serde(skip)]
    pub min: Option<f64>,
    #[serde(skip)]
    pub max: Option<f64>,
    #[serde(skip)]
    pub separator: String,
    #[serde(skip)]
    pub format: Option<String>,
    /// Declared in book.toml (rather than an extra CSV column read as text).
    #[serde(skip)]
    pub declared: bool,
}

/// The fields of a procurements file and the roles some of them play.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub fields: Vec<Field>,
    by_name: HashMap<String, usize>,
    pub title: Option<usize>,
    pub stage: Option<usize>,
    /// (role id, field naming the person assigned to it).
    pub assignees: Vec<(String, usize)>,
    pub index_columns: Vec<usize>,
    pub facets: Vec<usize>,
}

impl Field {
    /// A value as a reader sees it: enum values by their label, numbers with separators.
    pub fn display(&self, value: &Value) -> String {
        match value {
            Value::Text(v) if self.kind == FieldKind::Enum => self.label_of(v),
            Value::List(items) if !self.values.is_empty() => items
                .iter()
                .map(|i| self.label_of(i))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.display(),
        }
    }

    /// The label of an enum value.
    pub fn label_of(&self, value: &str) -> String {
        match self.labels.get(value) {
            Some(l) => l.clone(),
            None => humanize(value),
        }
    }
}

/// `off_the_shelf` → `Off the shelf`.
pub fn humanize(value: &str) -> String {
    let spaced = value.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Schema {
    /// A field by name, or else by CSV header (exact, then ignoring case).
    pub fn field(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied().or_else(|| {
            let want = name.trim().to_lowercase();
            self.fields
                .iter()
                .position(|f| f.header == name || f.header.to_lowercase() == want)
        })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.name.as_str())
    }

    /// The fields a reader may see, in CSV order.
    pub fn public_fields(&self) -> impl Iterator<Item = (usize, &Field)> {
        self.fields.iter().enumerate().filter(|(_, f)| !f.hidden)
    }

    pub fn assignee_field(&self, role: &str) -> Option<usize> {
        self.assignees
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, f)| *f)
    }
}

/// One row of the procurements CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Procurement {
    pub id: String,
    /// The file-name-safe form of the id (unique among procurements).
    pub slug: String,
    /// The physical line of the CSV the row starts on.
    pub line: usize,
    /// One value per field of the schema; `None` is blank (unknown).
    pub values: Vec<Option<Value>>,
}

impl Procurement {
    pub fn value(&self, field: usize) -> Option<&Value> {
        self.values.get(field).and_then(Option::as_ref)
    }

    pub fn text(&self, field: Option<usize>) -> Option<&str> {
        match field.and_then(|f| self.value(f)) {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        }
    }
}

/// The procurements file, loaded.
#[derive(Debug, Clone, Default)]
pub struct Procurements {
    /// The CSV's path as shown to the user.
    pub file: PathBuf,
    pub schema: Schema,
    pub rows: Vec<Procurement>,
}

impl Procurements {
    pub fn title<'a>(&self, p: &'a Procurement) -> &'a str {
        p.text(self.schema.title).unwrap_or(&p.id)
    }

    pub fn stage<'a>(&self, p: &'a Procurement) -> Option<&'a str> {
        p.text(self.schema.stage)
    }

    pub fn by_id(&self, id: &str) -> Option<&Procurement> {
        self.rows.iter().find(|p| p.id == id).or_else(|| {
            let slug = slugify(id);
            self.rows.iter().find(|p| p.slug == slug)
        })
    }
}

/// A phase known from the rules file, so the stage field can be checked against it.
pub struct PhaseName<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// Reads the procurements CSV named in book.toml. Returns `None` when the file cannot be read as
/// a table at all; otherwise the rows that are fine, with every problem in `diagnostics`.
pub fn load(
    config: &LoadedConfig,
    phases: &[PhaseName<'_>],
    diagnostics: &mut Diagnostics,
) -> Option<Procurements> {
    let settings = &config.config.procurements;
    let path = config.path(&settings.file);
    let shown = display_path(&config.root, &path);
    let table = table::read(
        &path,
        &shown,
        settings.delimiter,
        settings.encoding,
        diagnostics,
    )?;
    from_table(config, &table, shown, phases, diagnostics)
}

/// Maps an already-split table onto the schema of book.toml.
pub fn from_table(
    config: &LoadedConfig,
    table: &Table,
    shown: PathBuf,
    phases: &[PhaseName<'_>],
    diagnostics: &mut Diagnostics,
) -> Option<Procurements> {
    from_owned_table(config, table.clone(), shown, phases, diagnostics)
}

/// Like [`from_table`], consuming the table: each row's cells are freed as soon as the row is
/// typed, so a large CSV is not held twice.
pub fn from_owned_table(
    config: &LoadedConfig,
    table: Table,
    shown: PathBuf,
    phases: &[PhaseName<'_>],
    diagnostics: &mut Diagnostics,
) -> Option<Procurements> {
    let schema = build_schema(config, &table, phases, diagnostics)?;
    let id = IdSource::new(config, &schema, diagnostics)?;
    let blank: Vec<String> = config
        .config
        .procurements
        .blank
        .iter()
        .map(|b| b.trim().to_lowercase())
        .collect();
    let parsed: Vec<(Option<Procurement>, Vec<Diagnostic>)> = table
        .records
        .into_par_iter()
        .enumerate()
        .map(|(i, record)| parse_row(&schema, &id, &blank, &record, i + 1, &shown))
        .collect();
    let mut rows = Vec::with_capacity(parsed.len());
    for (row, problems) in parsed {
        diagnostics.extend(problems);
        rows.extend(row);
    }
    check_ids(&rows, &id, &shown, diagnostics);
    Some(Procurements {
        file: shown,
        schema,
        rows,
    })
}

fn build_schema(
    config: &LoadedConfig,
    table: &Table,
    phases: &[PhaseName<'_>],
    diagnostics: &mut Diagnostics,
) -> Option<Schema> {
    let settings = &config.config.procurements;
    let mut schema = Schema::default();
    let mut ok = true;
    let mut claimed = vec![false; table.headers.len()];
    for (name, spec) in &settings.fields {
        let header = spec
            .as_ref()
            .column
            .as_ref()
            .map_or_else(|| name.clone(), |c| c.as_ref().clone());
        let span = spec
            .as_ref()
            .column
            .as_ref()
            .map_or_else(|| spec.span(), |c| c.span());
        let Some(column) = table.find_column(&header) else {
            ok = false;
            diagnostics.push(
                Diagnostic::error(
                    "field-column",
                    BOOK_TOML,
                    format!(
                        "field `{name}` reads the column \"{header}\", which {} does not have",
                        display_path(&config.root, &config.path(&settings.file)).display()
                    ),
                )
                .at(config.position(span))
                .suggest(&header, table.headers.iter().map(String::as_str))
                .with_help(format!("the columns are: {}", list(&table.headers))),
            );
            continue;
        };
        claimed[column] = true;
        let field = declared_field(name, spec.as_ref(), column, &table.headers[column]);
        if let Err(message) = check_spec(&field) {
            ok = false;
            diagnostics.push(
                Diagnostic::error(
                    "field-spec",
                    BOOK_TOML,
                    format!("field `{name}`: {message}"),
                )
                .at(config.position(spec.span())),
            );
        }
        schema.fields.push(field);
    }
    // Columns not declared in book.toml are still read, as text named by their header.
    for (column, header) in table.headers.iter().enumerate() {
        if !claimed[column] && !header.is_empty() {
            let mut f = declared_field(header, &FieldSpec::undeclared(), column, header);
            f.declared = false;
            schema.fields.push(f);
        }
    }
    schema.fields.sort_by_key(|f| (f.column, !f.declared));
    for (i, f) in schema.fields.iter().enumerate() {
        schema.by_name.entry(f.name.clone()).or_insert(i);
    }

    let lookup = |schema: &Schema,
                  what: &str,
                  name: &str,
                  span: std::ops::Range<usize>,
                  d: &mut Diagnostics| {
        let found = schema.field(name);
        if found.is_none() {
            d.push(
                Diagnostic::error("unknown-field", BOOK_TOML, format!("{what} names the field \"{name}\", which is neither a field in book.toml nor a column of the CSV"))
                    .at(config.position(span))
                    .suggest(name, schema.names().chain(table.headers.iter().map(String::as_str))),
            );
        }
        found
    };
    for h in &settings.hidden {
        match lookup(&schema, "`hidden`", h.as_ref(), h.span(), diagnostics) {
            Some(f) => schema.fields[f].hidden = true,
            None => ok = false,
        }
    }
    schema.title = match &settings.title {
        Some(t) => {
            let f = lookup(&schema, "`title`", t.as_ref(), t.span(), diagnostics);
            ok &= f.is_some();
            f
        }
        None => schema.field("title"),
    };
    schema.stage = match &settings.stage {
        Some(s) => {
            let f = lookup(&schema, "`stage`", s.as_ref(), s.span(), diagnostics);
            ok &= f.is_some();
            f
        }
        None => schema.field("stage"),
    };
    if let Some(f) = schema.stage {
        ok &= make_stage_field(
            &mut schema.fields[f],
            phases,
            config,
            settings.stage.as_ref().map(|s| s.span()),
            diagnostics,
        );
    }
    for (role, column) in &settings.assignees {
        match lookup(
            &schema,
            "`assignees`",
            column.as_ref(),
            column.span(),
            diagnostics,
        ) {
            Some(f) => schema.assignees.push((role.as_ref().clone(), f)),
            None => ok = false,
        }
    }
    let mut pick = |names: &Option<Vec<toml::Spanned<String>>>,
                    what: &str,
                    d: &mut Diagnostics|
     -> Option<Vec<usize>> {
        let names = names.as_ref()?;
        let mut out = Vec::new();
        for n in names {
            match lookup(&schema, what, n.as_ref(), n.span(), d) {
                Some(f) => out.push(f),
                None => ok = false,
            }
        }
        Some(out)
    };
    let index_columns = pick(&settings.index_columns, "`index-columns`", diagnostics);
    let facets = pick(&settings.facets, "`facets`", diagnostics);
    let enums: Vec<usize> = schema
        .public_fields()
        .filter(|(i, f)| f.declared && f.kind == FieldKind::Enum && Some(*i) != schema.title)
        .map(|(i, _)| i)
        .collect();
    schema.index_columns = index_columns.unwrap_or_else(|| enums.iter().copied().take(4).collect());
    schema.facets = facets.unwrap_or_else(|| enums.iter().copied().take(4).collect());
    for &f in schema.index_columns.iter().chain(&schema.facets) {
        if schema.fields[f].hidden {
            ok = false;
            diagnostics.push(Diagnostic::error(
                "hidden-field-shown",
                BOOK_TOML,
                format!(
                    "the field `{}` is hidden, so it cannot be an index column or a facet",
                    schema.fields[f].name
                ),
            ));
        }
    }
    ok.then_some(schema)
}

impl FieldSpec {
    fn undeclared() -> Self {
        FieldSpec {
            column: None,
            kind: FieldKind::Text,
            values: Vec::new(),
            map: Default::default(),
            labels: Default::default(),
            required: false,
            label: None,
            min: None,
            max: None,
            separator: None,
            format: None,
        }
    }
}

fn declared_field(name: &str, spec: &FieldSpec, column: usize, header: &str) -> Field {
    Field {
        name: name.to_string(),
        label: spec.label.clone().unwrap_or_else(|| header.to_string()),
        header: header.to_string(),
        column,
        kind: spec.kind,
        values: spec.values.clone(),
        map: spec
            .map
            .iter()
            .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
            .collect(),
        labels: declared_labels(spec),
        required: spec.required,
        hidden: false,
        min: spec.min,
        max: spec.max,
        separator: spec.separator.clone().unwrap_or_else(|| ";".into()),
        format: spec.format.clone(),
        declared: true,
    }
}

/// The label of each declared value: its own, or its name made readable once here rather than
/// on every page that shows it. (A label for a value not declared is kept: `check_spec` says so.)
fn declared_labels(spec: &FieldSpec) -> HashMap<String, String> {
    let mut labels: HashMap<String, String> = spec.labels.clone().into_iter().collect();
    for value in &spec.values {
        labels
            .entry(value.clone())
            .or_insert_with(|| humanize(value));
    }
    labels
}

/// Settings that make no sense for a field's type.
fn check_spec(f: &Field) -> Result<(), String> {
    if let Some(k) = f.labels.keys().find(|k| !f.values.contains(k)) {
        return Err(format!(
            "`labels` names \"{k}\", which is not one of its values ({})",
            list(&f.values)
        ));
    }
    match f.kind {
        FieldKind::Enum if f.values.is_empty() => {
            Err("an enum needs `values = [...]`, the values it may take".into())
        }
        FieldKind::Enum | FieldKind::List => {
            // A recoding target must itself be an allowed value.
            match f
                .map
                .values()
                .find(|v| !f.values.is_empty() && !f.values.contains(v))
            {
                Some(v) => Err(format!(
                    "`map` recodes to \"{v}\", which is not one of its values ({})",
                    list(&f.values)
                )),
                None => Ok(()),
            }
        }
        _ if !f.values.is_empty() => Err(format!(
            "`values` only applies to enum and list fields, and this one is {}",
            f.kind.name()
        )),
        FieldKind::Number => match (f.min, f.max) {
            (Some(lo), Some(hi)) if lo > hi => Err(format!("`min` ({lo}) is above `max` ({hi})")),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The stage field holds phase ids: a declared enum must list only phase ids; otherwise it
/// becomes an enum of the phase ids that also accepts the phases' names.
fn make_stage_field(
    field: &mut Field,
    phases: &[PhaseName<'_>],
    config: &LoadedConfig,
    span: Option<std::ops::Range<usize>>,
    diagnostics: &mut Diagnostics,
) -> bool {
    if phases.is_empty() {
        return true; // the rules file failed to load and has said so
    }
    let ids: Vec<&str> = phases.iter().map(|p| p.id).collect();
    if field.kind == FieldKind::Enum {
        let unknown: Vec<&String> = field
            .values
            .iter()
            .filter(|v| !ids.contains(&v.as_str()))
            .collect();
        if !unknown.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "stage-values",
                    BOOK_TOML,
                    format!(
                        "the stage field `{}` has values that are not phases of the rules file: {}",
                        field.name,
                        list(&unknown)
                    ),
                )
                .at(span.and_then(|s| config.position(s)))
                .with_help(format!("the phases are: {}", list(&ids))),
            );
            return false;
        }
    } else {
        field.kind = FieldKind::Enum;
        field.values = ids.iter().map(|s| s.to_string()).collect();
    }
    for p in phases {
        field
            .map
            .entry(p.name.to_lowercase())
            .or_insert_with(|| p.id.to_string());
    }
    true
}

/// Where a procurement's id comes from.
enum IdSource {
    Field(usize),
    /// Literal text and field references; `None` stands for the row number.
    Template(Vec<IdPart>),
}

enum IdPart {
    Text(String),
    Field(usize),
    Row,
}

impl IdSource {
    fn new(config: &LoadedConfig, schema: &Schema, diagnostics: &mut Diagnostics) -> Option<Self> {
        let spec = &config.config.procurements.id;
        let at = config.position(spec.span());
        let text = spec.as_ref();
        if !text.contains('{') {
            return match schema.field(text) {
                Some(f) => Some(IdSource::Field(f)),
                None => {
                    diagnostics.push(
                        Diagnostic::error("id-column", BOOK_TOML, format!("the id column \"{text}\" is not in the CSV"))
                            .at(at)
                            .suggest(text, schema.fields.iter().map(|f| f.header.as_str()))
                            .with_help(format!(
                                "set `id` under [procurements] to the column that identifies each row, or to a template such as \"{{agency}}-{{row}}\"; the columns are: {}",
                                list(schema.fields.iter().map(|f| &f.header))
                            )),
                    );
                    None
                }
            };
        }
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            parts.push(IdPart::Text(rest[..open].to_string()));
            let Some(close) = rest[open..].find('}') else {
                diagnostics.push(
                    Diagnostic::error(
                        "id-template",
                        BOOK_TOML,
                        format!("the id template \"{text}\" has a `{{` without its `}}`"),
                    )
                    .at(at),
                );
                return None;
            };
            let name = &rest[open + 1..open + close];
            if name == "row" {
                parts.push(IdPart::Row);
            } else if let Some(f) = schema.field(name) {
                parts.push(IdPart::Field(f));
            } else {
                diagnostics.push(
                    Diagnostic::error(
                        "id-template",
                        BOOK_TOML,
                        format!(
                            "the id template names \"{{{name}}}\", which is not a field or column"
                        ),
                    )
                    .at(at)
                    .suggest(name, schema.names().chain(["row"]))
                    .with_help("use field names, column headers or {row} (the row number)"),
                );
                return None;
            }
            rest = &rest[open + close + 1..];
        }
        parts.push(IdPart::Text(rest.to_string()));
        Some(IdSource::Template(parts))
    }

    fn make(&self, record: &Record, schema: &Schema, row: usize) -> String {
        let cell = |f: usize| record.cells[schema.fields[f].column].trim();
        match self {
            IdSource::Field(f) => cell(*f).to_string(),
            IdSource::Template(parts) => {
                let mut id = String::new();
                for p in parts {
                    match p {
                        IdPart::Text(t) => id.push_str(t),
                        IdPart::Field(f) => id.push_str(cell(*f)),
                        IdPart::Row => id.push_str(&row.to_string()),
                    }
                }
                id
            }
        }
    }

    fn is_template(&self) -> bool {
        matches!(self, IdSource::Template(_))
    }
}

fn parse_row(
    schema: &Schema,
    id: &IdSource,
    blank: &[String],
    record: &Record,
    row: usize,
    shown: &Path,
) -> (Option<Procurement>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut values = Vec::with_capacity(schema.fields.len());
    for field in &schema.fields {
        let raw = &record.cells[field.column];
        match value::parse(field, raw, blank) {
            Ok(v) => {
                if v.is_none() && field.required {
                    problems.push(
                        Diagnostic::error(
                            "required",
                            shown.to_path_buf(),
                            format!(
                                "\"{}\" is required but this row leaves it blank",
                                field.label
                            ),
                        )
                        .at_line(record.line)
                        .in_column(&field.header),
                    );
                }
                values.push(v);
            }
            Err(e) => {
                problems.push(
                    e.diagnostic(field, raw, shown.to_path_buf())
                        .at_line(record.line)
                        .in_column(&field.header),
                );
                values.push(None);
            }
        }
    }
    let id = id.make(record, schema, row);
    let slug = slugify(&id);
    (
        Some(Procurement {
            id,
            slug,
            line: record.line,
            values,
        }),
        problems,
    )
}

/// Blank, duplicate and slug-colliding ids: one error per kind of problem, listing every row.
fn check_ids(rows: &[Procurement], source: &IdSource, shown: &Path, diagnostics: &mut Diagnostics) {
    let fix = if source.is_template() {
        "change the id template under [procurements] in book.toml so it gives each row its own id"
    } else {
        "give each row its own id in the CSV, or build ids from several columns with a template such as `id = \"{agency}-{row}\"` under [procurements] in book.toml"
    };
    let blank: Vec<usize> = rows
        .iter()
        .filter(|r| r.id.is_empty())
        .map(|r| r.line)
        .collect();
    if !blank.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "id-blank",
                shown.to_path_buf(),
                format!(
                    "{} {} no id: line {}",
                    blank.len(),
                    if blank.len() == 1 {
                        "row has"
                    } else {
                        "rows have"
                    },
                    list(blank.iter().map(usize::to_string))
                ),
            )
            .at_line(blank[0])
            .with_help(fix),
        );
    }
    let unnamed: Vec<&Procurement> = rows
        .iter()
        .filter(|r| !r.id.is_empty() && r.slug.is_empty())
        .collect();
    for r in &unnamed {
        diagnostics.push(
            Diagnostic::error(
                "id-slug",
                shown.to_path_buf(),
                format!(
                    "the id \"{}\" has no letter or digit to make a page name from",
                    r.id
                ),
            )
            .at_line(r.line)
            .with_help(fix),
        );
    }
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_slug: HashMap<&str, Vec<&Procurement>> = HashMap::new();
    // (Filled in row order, so each group lists its rows by line.)
    for r in rows.iter().filter(|r| !r.slug.is_empty()) {
        by_id.entry(&r.id).or_default().push(r.line);
        by_slug.entry(&r.slug).or_default().push(r);
    }
    let mut duplicates: Vec<(&str, &Vec<usize>)> = by_id
        .iter()
        .filter(|(_, l)| l.len() > 1)
        .map(|(k, v)| (*k, v))
        .collect();
    duplicates.sort_by_key(|(_, lines)| lines[0]);
    for (id, lines) in duplicates {
        diagnostics.push(
            Diagnostic::error(
                "id-duplicate",
                shown.to_path_buf(),
                format!(
                    "the id \"{id}\" is used by {} rows: lines {}",
                    lines.len(),
                    list(lines.iter().map(usize::to_string))
                ),
            )
            .at_line(lines[1])
            .with_help(fix),
        );
    }
    let mut collisions: Vec<Vec<&Procurement>> = by_slug
        .into_values()
        .map(|mut rs| {
            // Exact duplicates are reported above; here each distinct id counts once.
            let mut seen = std::collections::HashSet::new();
            rs.retain(|r| seen.insert(r.id.as_str()));
            rs
        })
        .filter(|rs| rs.len() > 1)
        .collect();
    collisions.sort_by_key(|rs| rs[0].line);
    for rs in collisions {
        let ids = list(rs.iter().map(|r| format!("\"{}\" (line {})", r.id, r.line)));
        // Long ids may differ only past the point where page names are cut.
        let help = if rs.iter().any(|r| r.id.len() > crate::slug::MAX_LEN) {
            format!("page names ignore case, spaces and punctuation, and keep only their first {} characters; make the ids differ in letters or digits near the start", crate::slug::MAX_LEN)
        } else {
            "page names ignore case, spaces and punctuation; make the ids differ in letters or digits".to_string()
        };
        diagnostics.push(
            Diagnostic::error(
                "id-slug-collision",
                shown.to_path_buf(),
                format!(
                    "the ids {ids} would all get the page name \"{}.html\"",
                    rs[0].slug
                ),
            )
            .at_line(rs[1].line)
            .with_help(help),
        );
    }
}

#[cfg(test)]
mod tests;
