//! `data/resources.csv` → the public participation [`Resource`]s a handbook shares.
//!
//! Columns: `id` (optional; made from the title), `title` and `url` (required), `kind`,
//! `audience`, `description`. A link that is not http(s), mailto or relative (`javascript:`,
//! `data:`) is an error: these pages are handed to residents.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::config::{Delimiter, Encoding};
use crate::diagnostics::{display_path, list, Diagnostic, Diagnostics};
use crate::markdown::is_safe_url;
use crate::slug::slugify;
use crate::table;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// Stable anchor on the resources page.
    pub id: String,
    pub title: String,
    pub url: String,
    pub kind: String,
    pub audience: String,
    pub description: String,
    /// When the resource last changed (`YYYY-MM-DD`), for the feed; may be empty.
    pub updated: String,
}

const COLUMNS: &[&str] = &[
    "id",
    "title",
    "url",
    "kind",
    "audience",
    "description",
    "updated",
];

/// Reads the resources file if there is one (a handbook may have none).
pub fn load(root: &Path, path: &Path, diagnostics: &mut Diagnostics) -> Vec<Resource> {
    if !path.exists() {
        return Vec::new();
    }
    let shown = display_path(root, path);
    let Some(t) = table::read(path, &shown, Delimiter::Auto, Encoding::Auto, diagnostics) else {
        return Vec::new();
    };
    let col = |name: &str| t.find_column(name);
    let mut ok = true;
    for required in ["title", "url"] {
        if col(required).is_none() {
            ok = false;
            diagnostics.push(
                Diagnostic::error(
                    "resources-column",
                    shown.clone(),
                    format!("the column \"{required}\" is missing"),
                )
                .at_line(t.header_line)
                .with_help(format!(
                    "the resources file has the columns {}",
                    list(COLUMNS)
                )),
            );
        }
    }
    for (i, h) in t.headers.iter().enumerate() {
        if !COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(h.trim())) {
            diagnostics.push(
                Diagnostic::warning(
                    "resources-column",
                    shown.clone(),
                    format!("the column \"{h}\" (column {}) is not used", i + 1),
                )
                .at_line(t.header_line)
                .suggest(h, COLUMNS.iter().copied())
                .with_help(format!(
                    "the resources file has the columns {}",
                    list(COLUMNS)
                )),
            );
        }
    }
    if !ok {
        return Vec::new();
    }
    let mut resources = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &t.records {
        let cell = |name: &str| {
            col(name)
                .map(|c| r.cells[c].trim().to_string())
                .unwrap_or_default()
        };
        let (title, url) = (cell("title"), cell("url"));
        let mut row_ok = true;
        for (name, value) in [("title", &title), ("url", &url)] {
            if value.is_empty() {
                row_ok = false;
                diagnostics.push(
                    Diagnostic::error(
                        "required",
                        shown.clone(),
                        format!("\"{name}\" is required but this row leaves it blank"),
                    )
                    .at_line(r.line)
                    .in_column(name),
                );
            }
        }
        if !url.is_empty() && !is_safe_url(&url) {
            row_ok = false;
            diagnostics.push(
                Diagnostic::error(
                    "resource-url",
                    shown.clone(),
                    format!("the link \"{url}\" is not a web address"),
                )
                .at_line(r.line)
                .in_column("url")
                .with_help("use an address starting with https:// (or http://, mailto:)"),
            );
        }
        let updated = cell("updated");
        if !updated.is_empty() && crate::procurements::value::parse_date(&updated, None).is_none() {
            row_ok = false;
            diagnostics.push(
                Diagnostic::error(
                    "value-not-date",
                    shown.clone(),
                    format!("\"{updated}\" is not a date"),
                )
                .at_line(r.line)
                .in_column("updated")
                .with_help("expected a date as YYYY-MM-DD"),
            );
        }
        let id = slugify(&match cell("id") {
            id if id.is_empty() => title.clone(),
            id => id,
        });
        if id.is_empty() && !title.is_empty() {
            row_ok = false;
            diagnostics.push(
                Diagnostic::error("resource-id", shown.clone(), "this resource has no letter or digit in its id or title to make its address from")
                    .at_line(r.line)
                    .in_column("id")
                    .with_help("give it an id such as \"feedback-form\""),
            );
        } else if let Some(first) = seen.insert(id.clone(), r.line) {
            row_ok = false;
            diagnostics.push(
                Diagnostic::error("resource-duplicate", shown.clone(), format!("the resource id \"{id}\" is already used on line {first}"))
                    .at_line(r.line)
                    .with_help("each resource needs its own id: it is the resource's address on the resources page"),
            );
        }
        if row_ok {
            resources.push(Resource {
                id,
                title,
                url,
                kind: cell("kind"),
                audience: cell("audience"),
                description: cell("description"),
                updated,
            });
        }
    }
    resources
}
