//! Themes: Tera templates and static assets. The `default` theme is embedded in the binary, so
//! procbook works from any folder; a handbook's `themes/<name>/templates/*` and
//! `themes/<name>/static/*` replace or add single files on top of it.
//!
//! Templates are compiled once per theme load; rendering takes a typed, serialisable context.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tera::Tera;

use crate::diagnostics::{display_path, Diagnostic, Diagnostics};

mod direct;

macro_rules! embedded {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/", $dir, "/", $name)))),*]
    };
}

/// The default theme's templates, by name.
pub const DEFAULT_TEMPLATES: &[(&str, &[u8])] = embedded!("templates":
    "base.html", "index.html", "guide.html", "project.html", "role.html", "roles.html",
    "resources.html", "search.html", "404.html", "resources.xml",
    "partials/cell.html", "partials/why.html", "partials/index-row.html", "partials/role-row.html",
    "partials/gap.html", "partials/now.html", "partials/matrix.html", "partials/project-role.html",
    "partials/project-guidance.html", "partials/participation.html", "partials/attribute.html",
    "partials/head.html", "partials/header.html", "partials/footer.html",
);

/// The default theme's static files, published under `assets/`.
pub const DEFAULT_ASSETS: &[(&str, &[u8])] =
    embedded!("static": "style.css", "app.js", "search.js");

/// How messages name the theme built into procbook, where a file would be named.
pub const BUILT_IN: &str = "(built-in theme)";

/// A loaded theme.
pub struct Theme {
    tera: Tera,
    /// The templates simple enough to render without Tera's interpreter, by name.
    direct: std::collections::HashMap<String, direct::Direct>,
    /// (path under `assets/`, bytes), sorted by path.
    pub assets: Vec<(String, Vec<u8>)>,
    /// The files the theme was read from (for watch mode).
    pub files: Vec<PathBuf>,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Theme")
            .field("assets", &self.assets.len())
            .finish()
    }
}

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("{template}: {message}")]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

impl Theme {
    /// The embedded default theme with the overrides of `root/themes/<name>/`.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Diagnostics> {
        let mut templates: Vec<(String, String, PathBuf)> = DEFAULT_TEMPLATES
            .iter()
            .map(|(n, b)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(b).into_owned(),
                    PathBuf::from(format!("(built-in theme)/templates/{n}")),
                )
            })
            .collect();
        let mut assets: Vec<(String, Vec<u8>)> = DEFAULT_ASSETS
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect();
        let mut files = Vec::new();
        let mut diagnostics = Diagnostics::default();
        let dir = root.join("themes").join(name);
        if !dir.is_dir() && name != "default" {
            diagnostics.push(
                Diagnostic::error("theme", "book.toml", format!("the theme \"{name}\" does not exist: there is no folder {}", display_path(root, &dir).display()))
                    .with_help("use theme = \"default\", or create the folder (`procbook init --theme` copies the default theme there)"),
            );
            return Err(diagnostics);
        }
        for (sub, is_template) in [("templates", true), ("static", false)] {
            let base = dir.join(sub);
            if !base.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&base).sort_by_file_name() {
                let entry = match entry {
                    Ok(e) if e.file_type().is_file() => e,
                    Ok(_) => continue,
                    Err(e) => {
                        diagnostics.push(Diagnostic::error(
                            "io",
                            display_path(root, &base),
                            format!("cannot read the theme folder: {e}"),
                        ));
                        continue;
                    }
                };
                let path = entry.path();
                let name = relative_name(&base, path);
                let shown = display_path(root, path);
                let bytes = match std::fs::read(path) {
                    Ok(b) => b,
                    Err(e) => {
                        diagnostics.push(Diagnostic::error(
                            "io",
                            shown,
                            format!("cannot read {}: {e}", path.display()),
                        ));
                        continue;
                    }
                };
                files.push(path.to_path_buf());
                if is_template {
                    match String::from_utf8(bytes) {
                        Ok(text) => match templates.iter_mut().find(|(n, _, _)| *n == name) {
                            Some(t) => *t = (name, text, shown),
                            None => templates.push((name, text, shown)),
                        },
                        Err(_) => diagnostics.push(Diagnostic::error(
                            "template",
                            shown,
                            "the template is not UTF-8 text",
                        )),
                    }
                } else {
                    match assets.iter_mut().find(|(n, _)| *n == name) {
                        Some(a) => a.1 = bytes,
                        None => assets.push((name, bytes)),
                    }
                }
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        assets.sort_by(|a, b| a.0.cmp(&b.0));
        let mut tera = Tera::default();
        tera.autoescape_on(AUTOESCAPE.to_vec());
        tera.set_escape_fn(escape_html);
        let raw: Vec<(&str, &str)> = templates
            .iter()
            .map(|(n, t, _)| (n.as_str(), t.as_str()))
            .collect();
        if let Err(e) = tera.add_raw_templates(raw) {
            let message = error_chain(&e);
            let file = templates
                .iter()
                .find(|(n, _, _)| message.contains(&format!("'{n}'")))
                .map_or_else(|| PathBuf::from("themes"), |(_, _, f)| f.clone());
            let (position, message) = tera_position(&message);
            diagnostics.push(
                Diagnostic::error("template", file, message)
                    .at(position)
                    .with_help("see https://keats.github.io/tera/docs/ for the template syntax"),
            );
            return Err(diagnostics);
        }
        let direct = tera
            .templates
            .iter()
            .filter_map(|(name, template)| {
                // Which templates Tera escapes variables in, decided as Tera decides it.
                let file = template.path.as_deref().unwrap_or(name);
                let autoescape = AUTOESCAPE.iter().any(|suffix| file.ends_with(suffix));
                Some((
                    name.clone(),
                    direct::Direct::compile(&tera, template, autoescape)?,
                ))
            })
            .collect();
        Ok(Theme {
            tera,
            direct,
            assets,
            files,
        })
    }

    /// The file a template comes from, as shown to the user: the handbook's override when there
    /// is one, else the built-in theme's.
    pub fn template_file(&self, root: &Path, template: &str) -> PathBuf {
        self.files
            .iter()
            .find(|f| f.ends_with(Path::new("templates").join(template)))
            .map(|f| display_path(root, f))
            .unwrap_or_else(|| PathBuf::from(format!("{BUILT_IN}/templates/{template}")))
    }

    /// Renders a partial shared by many pages, without its leading and trailing whitespace (its
    /// comment line, the file's last line break): the template places it.
    pub fn render_partial<T: Serialize>(
        &self,
        template: &str,
        context: &T,
    ) -> Result<std::sync::Arc<str>, RenderError> {
        Ok(std::sync::Arc::from(self.render(template, context)?.trim()))
    }

    /// Renders `template` with `context`.
    pub fn render<T: Serialize>(&self, template: &str, context: &T) -> Result<String, RenderError> {
        if let Some(html) = self
            .direct
            .get(template)
            .and_then(|d| d.render(context, escape_html_into))
        {
            return Ok(html);
        }
        let ctx = tera::Context::from_serialize(context).map_err(|e| RenderError {
            template: template.into(),
            message: error_chain(&e),
        })?;
        self.tera.render(template, &ctx).map_err(|e| RenderError {
            template: template.into(),
            message: error_chain(&e),
        })
    }
}

/// The templates Tera escapes variables in, by the end of their names.
const AUTOESCAPE: [&str; 3] = [".html", ".htm", ".xml"];

/// Escapes text for HTML and XML text and quoted attributes. Unlike Tera's default it leaves
/// `/` alone, which keeps links readable and pages smaller.
pub fn escape_html(input: &str) -> String {
    let bytes = input.as_bytes();
    if !bytes.iter().any(|&b| ESCAPE[usize::from(b)] != 0) {
        return input.to_owned();
    }
    let mut out = String::with_capacity(input.len() + input.len() / 8 + 8);
    escape_html_into(input, &mut out);
    out
}

/// [`escape_html`], onto the end of `out`.
pub fn escape_html_into(input: &str, out: &mut String) {
    let bytes = input.as_bytes();
    let Some(first) = bytes.iter().position(|&b| ESCAPE[usize::from(b)] != 0) else {
        out.push_str(input);
        return;
    };
    out.push_str(&input[..first]);
    let mut start = first;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        let replacement = match ESCAPE[usize::from(b)] {
            0 => continue,
            1 => "&amp;",
            2 => "&lt;",
            3 => "&gt;",
            4 => "&quot;",
            5 => "&#39;",
            // Control characters are not allowed in HTML; tab, newline and return are.
            _ => "\u{fffd}",
        };
        out.push_str(&input[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&input[start..]);
}

/// What [`escape_html`] does with each byte: 0 keeps it, 1–5 are `& < > " '`, 6 a control
/// character. Bytes of multi-byte characters are 0x80 and above, so they are kept whole.
const ESCAPE: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 0x20 {
        if !matches!(b, b'\t' | b'\n' | b'\r') {
            table[b as usize] = 6;
        }
        b += 1;
    }
    table[0x7f] = 6;
    table[b'&' as usize] = 1;
    table[b'<' as usize] = 2;
    table[b'>' as usize] = 3;
    table[b'"' as usize] = 4;
    table[b'\'' as usize] = 5;
    table
};

fn relative_name(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Tera reports syntax errors as "… --> 3:16 | … = expected …": take the position out, and
/// keep the message short.
fn tera_position(message: &str) -> (Option<crate::diagnostics::Position>, String) {
    let Some(at) = message.find("--> ") else {
        return (None, message.to_string());
    };
    let rest = &message[at + 4..];
    let digits = |s: &str| {
        s.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    };
    let line = digits(rest);
    let column = rest.get(line.len() + 1..).map(digits).unwrap_or_default();
    let position = match (line.parse(), column.parse()) {
        (Ok(line), Ok(column)) => Some(crate::diagnostics::Position { line, column }),
        _ => None,
    };
    let what = message.rsplit_once("= ").map_or(message, |(_, w)| w).trim();
    let head = message[..at].trim().trim_end_matches(':');
    (position, format!("{head}: {what}"))
}

/// Tera nests the useful message in its error sources.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_control_characters() {
        assert_eq!(escape_html("plain /path"), "plain /path");
        assert_eq!(
            escape_html("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(
            escape_html("a\u{1b}[31mb\0c\td"),
            "a\u{fffd}[31mb\u{fffd}c\td"
        );
        assert_eq!(escape_html("café <é>"), "café &lt;é&gt;");
    }

    proptest::proptest! {
        /// The table-driven escape equals its definition, character by character.
        #[test]
        fn escaping_is_its_definition(text in "(?s).{0,40}|[<>&\"'\\x00-\\x1f\\x7fa é]{0,40}") {
            let defined: String = text
                .chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '"' => "&quot;".to_string(),
                    '\'' => "&#39;".to_string(),
                    '\t' | '\n' | '\r' => c.to_string(),
                    c if c < ' ' || c == '\u{7f}' => "\u{fffd}".to_string(),
                    c => c.to_string(),
                })
                .collect();
            proptest::prop_assert_eq!(escape_html(&text), defined);
        }
    }

    #[test]
    fn template_syntax_errors_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join("themes/default/templates");
        std::fs::create_dir_all(&templates).unwrap();
        std::fs::write(templates.join("404.html"), "{% extends \"base.html\" %}\n{% block main %}\n<h1>{{ page_title }</h1>\n{% endblock main %}\n").unwrap();
        let d = Theme::load(dir.path(), "default").unwrap_err();
        let d = d.iter().next().unwrap();
        assert_eq!(d.file, PathBuf::from("themes/default/templates/404.html"));
        assert_eq!(d.line, Some(3));
        assert!(
            d.message
                .starts_with("Failed to parse '404.html': expected"),
            "{}",
            d.message
        );
    }
}
