//! `content/**/*.md` → guidance [`Page`]s: front matter, rendered HTML, headings and links.
//!
//! Owns where a guidance page goes in the site (`content/a/b.md` → `guide/a/b.html`,
//! `content/_index.md` → the home page's intro) and the resolution of relative `.md` links, so a
//! link to a missing page or anchor is reported with its file and line. Conditions in front
//! matter are compiled later, against the procurements' fields (`handbook.rs`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::config::toml_error_at;
use crate::diagnostics::{closest, display_path, Diagnostic, Diagnostics, LineIndex, Position};
use crate::markdown::{self, Heading, Trust};
use crate::slug::slugify;

/// The content file that becomes the home page's introduction.
pub const INTRO: &str = "_index.md";

/// One guidance page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Path inside the content folder, with `/` separators (`roles/legal-officer.md`).
    pub source: String,
    /// The file as shown to the user (`content/roles/legal-officer.md`).
    pub file: PathBuf,
    /// Where the page goes in the site (`guide/roles/legal-officer.html`).
    pub url: String,
    pub title: String,
    pub weight: i64,
    pub description: String,
    pub draft: bool,
    pub roles: Vec<Tag>,
    pub phases: Vec<Tag>,
    /// The raw `when` condition and where it is, compiled once the schema is known.
    pub when: Option<(toml::Value, Option<Position>)>,
    pub html: String,
    pub headings: Vec<Heading>,
    pub links: Vec<LocatedLink>,
    /// The plain text, for search.
    pub text: String,
}

impl Page {
    pub fn is_intro(&self) -> bool {
        self.source == INTRO
    }
}

/// A role or phase id in front matter, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: String,
    pub at: Option<Position>,
}

/// A link in a page's Markdown, located in its file.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedLink {
    pub target: String,
    pub at: Position,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: Option<String>,
    #[serde(default)]
    weight: i64,
    #[serde(default)]
    description: String,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    roles: Vec<Spanned<String>>,
    #[serde(default)]
    phases: Vec<Spanned<String>>,
    when: Option<Spanned<toml::Value>>,
}

/// All guidance pages, sorted for the sidebar (weight, then title).
#[derive(Debug, Clone, Default)]
pub struct Guidance {
    pub pages: Vec<Page>,
    by_source: HashMap<String, usize>,
    /// Content files that exist but could not be read (already reported): links to them are not
    /// reported again as links to missing pages.
    unreadable: HashSet<String>,
}

impl Guidance {
    pub fn new(mut pages: Vec<Page>) -> Self {
        pages.sort_by(|a, b| (a.weight, &a.title, &a.source).cmp(&(b.weight, &b.title, &b.source)));
        let by_source = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.source.clone(), i))
            .collect();
        Guidance {
            pages,
            by_source,
            unreadable: HashSet::new(),
        }
    }

    /// Remembers content files that exist but could not be read (already reported).
    pub fn with_unreadable(mut self, unreadable: HashSet<String>) -> Self {
        self.unreadable = unreadable;
        self
    }

    /// Two pages that would be published at the same address are an error.
    pub fn check_collisions(&self, diagnostics: &mut Diagnostics) {
        let mut urls: HashMap<&str, &Page> = HashMap::new();
        for p in &self.pages {
            if let Some(other) = urls.insert(&p.url, p) {
                diagnostics.push(
                    Diagnostic::error(
                        "page-collision",
                        p.file.clone(),
                        format!(
                            "this page and {} would both be published as {}",
                            other.file.display(),
                            p.url
                        ),
                    )
                    .with_help("rename one of the files"),
                );
            }
        }
    }

    pub fn page(&self, source: &str) -> Option<&Page> {
        self.by_source.get(source).map(|&i| &self.pages[i])
    }

    pub fn intro(&self) -> Option<&Page> {
        self.page(INTRO)
    }

    /// The published pages of the sidebar, in order (the intro is the home page, not listed).
    pub fn published(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(|p| !p.draft && !p.is_intro())
    }

    /// Resolves a link `target` written in the page at `from` (a content path; `""` for the
    /// content root itself). `Ok(None)` for links that are not to guidance (external, images…).
    pub fn resolve(
        &self,
        from: &str,
        target: &str,
    ) -> Result<Option<(&Page, Option<String>)>, LinkProblem> {
        let Some((path, fragment)) = guidance_target(target) else {
            return Ok(None);
        };
        let page = if path.is_empty() {
            self.page(from)
                .ok_or(LinkProblem::MissingPage(from.to_string()))?
        } else {
            let joined = join(parent(from), path).ok_or(LinkProblem::Outside)?;
            self.page(&joined).ok_or(LinkProblem::MissingPage(joined))?
        };
        if let Some(f) = fragment {
            if !page.headings.iter().any(|h| h.id == f) {
                return Err(LinkProblem::MissingAnchor {
                    page: page.source.clone(),
                    anchor: f.to_string(),
                });
            }
        }
        Ok(Some((page, fragment.map(str::to_string))))
    }

    /// Checks every link of every page; missing targets are `severity`-level diagnostics.
    pub fn check_links(&self, as_errors: bool, diagnostics: &mut Diagnostics) {
        for page in &self.pages {
            for link in &page.links {
                if let Some(d) = self.check_link(
                    &page.source,
                    &link.target,
                    &page.file,
                    Some(link.at),
                    as_errors,
                ) {
                    diagnostics.push(d);
                } else if let Ok(Some((target, _))) = self.resolve(&page.source, &link.target) {
                    if target.draft && !page.draft {
                        diagnostics.push(
                            Diagnostic::warning(
                                "link-to-draft",
                                page.file.clone(),
                                format!(
                                    "the link to \"{}\" points to a draft, which is not published",
                                    link.target
                                ),
                            )
                            .at(Some(link.at)),
                        );
                    }
                }
            }
        }
    }

    /// A diagnostic if `target` (written in `from`) points to a missing page or anchor.
    pub fn check_link(
        &self,
        from: &str,
        target: &str,
        file: &Path,
        at: Option<Position>,
        as_error: bool,
    ) -> Option<Diagnostic> {
        let problem = self.resolve(from, target).err()?;
        if matches!(&problem, LinkProblem::MissingPage(p) if self.unreadable.contains(p)) {
            return None;
        }
        let make = if as_error {
            Diagnostic::error
        } else {
            Diagnostic::warning
        };
        let d = match &problem {
            LinkProblem::Outside => make(
                "link-outside",
                file.to_path_buf(),
                format!("the link \"{target}\" points outside the content folder"),
            ),
            LinkProblem::MissingPage(p) => make(
                "link-missing-page",
                file.to_path_buf(),
                format!("the link \"{target}\" points to {p}, which does not exist"),
            )
            .suggest(p, self.pages.iter().map(|p| p.source.as_str())),
            LinkProblem::MissingAnchor { page, anchor } => {
                let ids = self
                    .page(page)
                    .map(|p| p.headings.iter().map(|h| h.id.as_str()).collect::<Vec<_>>())
                    .unwrap_or_default();
                let d = make("link-missing-anchor", file.to_path_buf(), format!("the link \"{target}\" points to the heading #{anchor}, which {page} does not have"));
                match closest(anchor, ids.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `#{s}`?")),
                    None if !ids.is_empty() => d.with_help(format!(
                        "its headings are: {}",
                        crate::diagnostics::list(ids.iter().map(|i| format!("#{i}")))
                    )),
                    None => d,
                }
            }
        };
        Some(d.at(at))
    }
}

/// Why a guidance link does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    Outside,
    MissingPage(String),
    MissingAnchor { page: String, anchor: String },
}

/// `(path, fragment)` of a link to guidance: a relative `.md` path or a bare `#anchor`.
fn guidance_target(target: &str) -> Option<(&str, Option<&str>)> {
    let (path, fragment) = match target.split_once('#') {
        Some((p, f)) => (p, Some(f).filter(|f| !f.is_empty())),
        None => (target, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let has_scheme = path.split_once(':').is_some_and(|(s, _)| !s.contains('/'));
    if has_scheme || path.starts_with('/') {
        return None;
    }
    (path.is_empty() || path.ends_with(".md")).then_some((path, fragment))
}

fn parent(source: &str) -> &str {
    source.rfind('/').map_or("", |i| &source[..i])
}

/// `join("roles", "../phases.md")` → `phases.md`; `None` when it climbs out of the root.
fn join(dir: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Where a content file goes in the site.
pub fn url_for(source: &str) -> String {
    if source == INTRO {
        return "index.html".into();
    }
    let (dirs, file) = source.rsplit_once('/').unwrap_or(("", source));
    // A folder whose name has no letter or digit adds nothing (an empty part would make `//`,
    // which the file system reads as `/`: two pages could then share a file unnoticed).
    let mut parts: Vec<String> = dirs
        .split('/')
        .map(slugify)
        .filter(|p| !p.is_empty())
        .collect();
    let last = slugify(file.trim_end_matches(".md"));
    parts.push(if file == INTRO || last.is_empty() {
        "index".into()
    } else {
        last
    });
    format!("guide/{}.html", parts.join("/"))
}

/// The relative address of `to` from the page at `from` (both relative to the site root).
pub fn relative_url(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "../".repeat(from_dirs.len() - common);
    out.push_str(&to_parts[common..].join("/"));
    out
}

/// Every `.md` file under `content_dir`, in name order.
pub fn files(root: &Path, content_dir: &Path, diagnostics: &mut Diagnostics) -> Vec<PathBuf> {
    if !content_dir.is_dir() {
        let shown = display_path(root, content_dir);
        diagnostics.push(if content_dir.exists() {
            Diagnostic::error(
                "content-folder",
                shown,
                "the content folder is a file, not a folder",
            )
            .with_help("set `content-dir` under [build] in book.toml to the folder of guidance pages")
        } else {
            Diagnostic::warning(
                "content-folder",
                shown,
                "there is no content folder here, so the handbook has no guidance pages",
            )
            .with_help("make the folder and put the guidance pages (Markdown) in it, or set `content-dir` under [build] in book.toml")
        });
        return Vec::new();
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(content_dir).sort_by_file_name() {
        match entry {
            // A symbolic link is read like the file it points to; one that points nowhere is
            // reported when it is read, never skipped in silence.
            Ok(e) if (e.file_type().is_file() || e.path_is_symlink()) && is_page(e.path()) => {
                files.push(e.into_path())
            }
            Ok(_) => {}
            Err(e) => diagnostics.push(Diagnostic::error(
                "io",
                display_path(root, content_dir),
                format!("cannot read the content folder: {e}"),
            )),
        }
    }
    files
}

/// Whether a file in the content folder is a guidance page (editors' swap and backup files are not).
pub fn is_page(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.extension().is_some_and(|x| x == "md") && !name.starts_with('.') && !name.starts_with('#')
}

/// The name of a content file inside the content folder, with `/` separators.
pub fn source_name(content_dir: &Path, path: &Path) -> String {
    path.strip_prefix(content_dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads one content file.
pub fn load_page(
    root: &Path,
    content_dir: &Path,
    path: &Path,
    raw_html: bool,
) -> Result<Page, Vec<Diagnostic>> {
    let file = display_path(root, path);
    let text = std::fs::read_to_string(path).map_err(|e| {
        let why = match std::fs::read_link(path) {
            Ok(target) if e.kind() == std::io::ErrorKind::NotFound => {
                format!("it is a link to {}, which does not exist", target.display())
            }
            _ => e.to_string(),
        };
        vec![Diagnostic::error(
            "io",
            file.clone(),
            format!("cannot read {}: {why}", path.display()),
        )]
    })?;
    parse_page(&text, source_name(content_dir, path), file, raw_html)
}

/// Parses one content file's text.
pub fn parse_page(
    text: &str,
    source: String,
    file: PathBuf,
    raw_html: bool,
) -> Result<Page, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body_start) = split_front_matter(text).map_err(|line| {
        vec![Diagnostic::error(
            "front-matter",
            file.clone(),
            "the front matter starts with `+++` but has no closing `+++` line",
        )
        .at_line(line)]
    })?;
    let index = LineIndex::new(text);
    let fm: FrontMatter = match front {
        None => FrontMatter {
            title: None,
            weight: 0,
            description: String::new(),
            draft: false,
            roles: vec![],
            phases: vec![],
            when: None,
        },
        Some(fm_text) => toml::from_str(fm_text)
            .map_err(|e| vec![toml_error_at(file.clone(), fm_text, &e, 1)])?,
    };
    let fm_index = front.map(|f| LineIndex::with_offset(f, 1));
    let at = |span: std::ops::Range<usize>| fm_index.as_ref().map(|i| i.position(span.start));
    let url = url_for(&source);
    let dir = parent(&source).to_string();
    let rewrite = |target: &str| -> Option<String> {
        let (path, fragment) = guidance_target(target)?;
        if path.is_empty() {
            return None;
        }
        let joined = join(&dir, path)?;
        let mut out = relative_url(&url, &url_for(&joined));
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(f);
        }
        Some(out)
    };
    let body = &text[body_start..];
    let rendered = markdown::render(body, Trust::Author { raw_html }, &rewrite);
    let title = fm
        .title
        .clone()
        .or_else(|| {
            rendered
                .headings
                .iter()
                .find(|h| h.level == 1)
                .map(|h| h.text.clone())
        })
        .unwrap_or_else(|| title_from_file(&source));
    let links = rendered
        .links
        .into_iter()
        .map(|l| LocatedLink {
            target: l.target,
            at: index.position(body_start + l.offset),
        })
        .collect();
    let tags = |v: Vec<Spanned<String>>| {
        v.into_iter()
            .map(|t| Tag {
                at: at(t.span()),
                id: t.into_inner(),
            })
            .collect()
    };
    let plain = markdown::plain_text(body);
    let description = if fm.description.is_empty() {
        first_sentence(&plain, 160)
    } else {
        fm.description
    };
    Ok(Page {
        source,
        file,
        url,
        title,
        weight: fm.weight,
        description,
        draft: fm.draft,
        roles: tags(fm.roles),
        phases: tags(fm.phases),
        when: fm.when.map(|w| {
            let pos = at(w.span());
            (w.into_inner(), pos)
        }),
        html: rendered.html,
        headings: rendered.headings,
        links,
        text: plain,
    })
}

/// `(front matter text, byte offset of the body)`; `Err(line)` for an unclosed block.
fn split_front_matter(text: &str) -> Result<(Option<&str>, usize), usize> {
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_line_end].trim_end() != "+++" {
        return Ok((None, 0));
    }
    let mut offset = first_line_end;
    for line in text[first_line_end..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Ok((Some(&text[first_line_end..offset]), offset + line.len()));
        }
        offset += line.len();
    }
    Err(1)
}

fn title_from_file(source: &str) -> String {
    let stem = source
        .rsplit('/')
        .next()
        .unwrap_or(source)
        .trim_end_matches(".md")
        .replace(['-', '_'], " ");
    let mut chars = stem.trim().chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The first sentence of `text`, at most about `max` characters.
pub fn first_sentence(text: &str, max: usize) -> String {
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    let s = &text[..end];
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut
        .rfind(' ')
        .map_or(cut.as_str(), |i| &cut[..i])
        .to_string();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(source: &str, text: &str) -> Page {
        parse_page(
            text,
            source.into(),
            format!("content/{source}").into(),
            true,
        )
        .unwrap()
    }

    #[test]
    fn urls_mirror_the_content_tree() {
        assert_eq!(url_for("_index.md"), "index.html");
        assert_eq!(url_for("phases.md"), "guide/phases.html");
        assert_eq!(
            url_for("roles/Legal Officer.md"),
            "guide/roles/legal-officer.html"
        );
        assert_eq!(url_for("roles/_index.md"), "guide/roles/index.html");
        assert_eq!(url_for("!!!/roles.md"), "guide/roles.html");
        assert_eq!(url_for("a/???/b.md"), "guide/a/b.html");
        assert_eq!(url_for("???.md"), "guide/index.html");
        assert_eq!(url_for("CON.md"), "guide/con-page.html");
    }

    #[test]
    fn relative_urls() {
        assert_eq!(
            relative_url("guide/roles/a.html", "guide/phases.html"),
            "../phases.html"
        );
        assert_eq!(
            relative_url("index.html", "guide/phases.html"),
            "guide/phases.html"
        );
        assert_eq!(relative_url("guide/a.html", "index.html"), "../index.html");
        assert_eq!(relative_url("projects/x.html", "projects/y.html"), "y.html");
    }

    #[test]
    fn links_are_rewritten_and_checked() {
        let a = page("roles/a.md", "+++\ntitle = \"A\"\n+++\n# A\n\nSee [phases](../phases.md#contracting) and [b](b.md#nope).\n");
        let p = page("phases.md", "# Phases\n\n## Contracting\n");
        let b = page("roles/b.md", "# B\n");
        assert!(
            a.html.contains("href=\"../phases.html#contracting\""),
            "{}",
            a.html
        );
        let g = Guidance::new(vec![a, p, b]);
        let mut d = Diagnostics::default();
        g.check_links(true, &mut d);
        let problems: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert_eq!(problems, ["content/roles/a.md:6:44: the link \"b.md#nope\" points to the heading #nope, which roles/b.md does not have (its headings are: #b)"]);
    }

    #[test]
    fn front_matter_errors_carry_the_file_line() {
        let e = parse_page(
            "+++\ntitle = \"x\"\nwieght = 3\n+++\nbody",
            "x.md".into(),
            "content/x.md".into(),
            true,
        )
        .unwrap_err();
        assert_eq!(e[0].line, Some(3));
        assert!(
            e[0].help
                .as_deref()
                .unwrap_or("")
                .contains("did you mean `weight`?"),
            "{:?}",
            e[0]
        );
    }
}
