//! The HTML pages: one small, typed context per page kind, rendered with the theme. Project
//! pages, the many, have a module of their own (`project.rs`).

use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::blocks::{render_with_blocks, Html};
use super::rows::{Kind, Rows};
use super::{Link, NavItem, Output, Site, SiteInfo};
use crate::markdown;
use crate::procurements::Value;
use crate::rules::RuleSet;
use crate::theme::RenderError;

/// What every page has: the site, the way back to the root, navigation.
#[derive(Serialize)]
pub(super) struct Base<'s> {
    site: &'s SiteInfo,
    /// `../` repeated to reach the site root from this page.
    root: String,
    /// This page's path from the site root.
    url: String,
    page_title: String,
    description: String,
    nav: &'s [NavItem],
    sidebar: bool,
    /// Which header link is current: projects, guide, roles, resources, search.
    section: &'static str,
    guide_home: &'s str,
    /// The links in `<head>`, the site header and the footer: see [`Shell`].
    head: Text,
    header: Text,
    footer: Text,
}

/// The parts of every page that depend only on where it is in the site and which section it
/// belongs to — the links in `<head>`, the site header, the footer — rendered once for each
/// such place (`partials/head.html`, `header.html`, `footer.html`) rather than on every page.
/// A theme's own `base.html` may still build them itself: the context has what they are made of.
pub(super) struct Shell {
    root: String,
    section: &'static str,
    head: Text,
    header: Text,
    footer: Text,
}

/// Shared text in a page's context.
#[derive(Clone)]
struct Text(Arc<str>);

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// The shells rendered so far in one render of the site, by root and section (a handful).
#[derive(Default)]
pub(super) struct Shells(Mutex<Vec<Arc<Shell>>>);

#[derive(Serialize)]
struct ShellContext<'s> {
    site: &'s SiteInfo,
    root: &'s str,
    section: &'s str,
    guide_home: &'s str,
}

impl<'a> Site<'a> {
    /// The context every page template gets, for `output` in `section`.
    pub(super) fn base(
        &self,
        output: Output,
        title: String,
        description: String,
        section: &'static str,
    ) -> Result<Base<'_>, RenderError> {
        let url = self.path(output);
        let root = Site::root(&url);
        self.base_at(url, root, title, description, section)
    }

    /// Like [`Site::base`], for a page whose links start from `root`.
    fn base_at(
        &self,
        url: String,
        root: String,
        title: String,
        description: String,
        section: &'static str,
    ) -> Result<Base<'_>, RenderError> {
        let shell = self.shell(&root, section)?;
        Ok(Base {
            site: &self.info,
            root,
            url,
            page_title: title,
            description,
            // Only guidance pages have the sidebar; other pages skip its context entirely.
            nav: if section == "guide" { &self.nav } else { &[] },
            sidebar: section == "guide",
            section,
            guide_home: &self.guide_home,
            head: shell.head.clone(),
            header: shell.header.clone(),
            footer: shell.footer.clone(),
        })
    }

    /// The shell of the pages whose links start from `root`, in `section`.
    fn shell(&self, root: &str, section: &'static str) -> Result<Arc<Shell>, RenderError> {
        let found = |shells: &[Arc<Shell>]| {
            shells
                .iter()
                .find(|shell| shell.root == root && shell.section == section)
                .cloned()
        };
        if let Some(shell) = self.shells.0.lock().ok().and_then(|s| found(&s)) {
            return Ok(shell);
        }
        let context = ShellContext {
            site: &self.info,
            root,
            section,
            guide_home: &self.guide_home,
        };
        let part = |template: &str| Ok(Text(self.theme.render_partial(template, &context)?));
        let shell = Arc::new(Shell {
            root: root.to_string(),
            section,
            head: part("partials/head.html")?,
            header: part("partials/header.html")?,
            footer: part("partials/footer.html")?,
        });
        if let Ok(mut shells) = self.shells.0.lock() {
            if found(&shells).is_none() {
                shells.push(Arc::clone(&shell));
            }
        }
        Ok(shell)
    }
}

// ---- index.html ----

#[derive(Serialize)]
struct IndexPage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    intro: Option<&'s str>,
    intro_has_h1: bool,
    /// The intro's title, or the site's.
    heading: &'s str,
    total: usize,
    facets: &'s [Facet],
    columns: Vec<&'s str>,
    /// The table's rows (`partials/index-row.html`, one per procurement).
    rows: String,
    gap_count: usize,
    /// The list of gaps (`partials/gap.html`, one per procurement with gaps).
    gaps: String,
    untracked: &'s [&'s str],
}

#[derive(Serialize)]
struct Facet {
    field: String,
    label: String,
    /// The column of the index table holding this field (for the filter), if it has one.
    column: Option<usize>,
    counts: Vec<Count>,
}

#[derive(Serialize)]
struct Count {
    label: String,
    count: usize,
}

/// How a blank value is shown and counted.
pub const UNKNOWN: &str = "Not known";

pub(super) fn index<'s, 'a>(site: &'s Site<'a>) -> Result<Html<Rows<'s, 'a>>, RenderError> {
    let h = site.handbook;
    let procurements = &h.procurements;
    let schema = &procurements.schema;
    let facets: Vec<Facet> = schema
        .facets
        .iter()
        .map(|&f| {
            let field = &schema.fields[f];
            let counts = site.counts_by(|i| sort_key(field, procurements.rows[i].value(f)));
            Facet {
                field: field.name.clone(),
                label: field.label.clone(),
                column: schema
                    .index_columns
                    .iter()
                    .position(|&c| c == f)
                    .map(|c| c + 1),
                counts: counts
                    .into_iter()
                    .map(|((_, label), count)| Count { label, count })
                    .collect(),
            }
        })
        .collect();
    let rows = Rows {
        site,
        kind: Kind::IndexRow,
        after: b"\n  ",
        count: procurements.rows.len(),
    };
    let gap_count = (0..procurements.rows.len())
        .filter(|&i| !crate::handbook::gap_roles(h, i).is_empty())
        .count();
    let gaps = Rows {
        site,
        kind: Kind::Gap,
        after: b"\n",
        count: gap_count,
    };
    let untracked: Vec<&str> = crate::handbook::untracked_roles(h)
        .into_iter()
        .map(|(r, _)| h.rules.roles[r].name.as_str())
        .collect();
    render_with_blocks(vec![rows, gaps], |mut blocks| {
        let gaps = blocks.pop().unwrap_or_default();
        let rows = blocks.pop().unwrap_or_default();
        index_page(site, &facets, rows, gap_count, gaps, &untracked)
    })
}

fn index_page(
    site: &Site<'_>,
    facets: &[Facet],
    rows: String,
    gap_count: usize,
    gaps: String,
    untracked: &[&str],
) -> Result<String, RenderError> {
    let h = site.handbook;
    let procurements = &h.procurements;
    let schema = &procurements.schema;
    let intro = h.guidance.intro();
    let page = IndexPage {
        base: site.base(
            Output::Index,
            site.info.title.clone(),
            site.info.description.clone(),
            "projects",
        )?,
        intro: intro.map(|p| p.html.as_str()),
        intro_has_h1: intro.is_some_and(|p| p.headings.iter().any(|h| h.level == 1)),
        heading: intro.map_or(site.info.title.as_str(), |p| p.title.as_str()),
        total: procurements.rows.len(),
        facets,
        columns: schema
            .index_columns
            .iter()
            .map(|&f| schema.fields[f].label.as_str())
            .collect(),
        rows,
        gap_count,
        gaps,
        untracked,
    };
    site.theme.render("index.html", &page)
}

/// Facet counts sort by the field's own order (enum values, numbers), blanks last.
fn sort_key(
    field: &crate::procurements::Field,
    value: Option<&Value>,
) -> ((u8, usize, i64, String), String) {
    match value {
        None => ((1, 0, 0, String::new()), UNKNOWN.to_string()),
        Some(v) => {
            let label = field.display(v);
            let (position, number) = match v {
                Value::Text(t) => (
                    field
                        .values
                        .iter()
                        .position(|x| x == t)
                        .unwrap_or(usize::MAX),
                    0,
                ),
                Value::Number(n) => (0, (n * 1000.0) as i64),
                Value::Bool(b) => (usize::from(!*b), 0),
                _ => (0, 0),
            };
            ((0, position, number, label.clone()), label)
        }
    }
}

// ---- guide/*.html ----

#[derive(Serialize)]
struct GuidePage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    page: GuideView<'s>,
}

#[derive(Serialize)]
struct GuideView<'s> {
    title: &'s str,
    html: &'s str,
    has_h1: bool,
    toc: Vec<&'s markdown::Heading>,
    prev: Option<&'s NavItem>,
    next: Option<&'s NavItem>,
}

pub(super) fn guide(site: &Site<'_>, index: usize) -> Result<String, RenderError> {
    let page = &site.handbook.guidance.pages[index];
    let position = site.nav.iter().position(|n| n.url == page.url);
    let view = GuideView {
        title: &page.title,
        html: &page.html,
        has_h1: page.headings.iter().any(|h| h.level == 1),
        toc: page
            .headings
            .iter()
            .filter(|h| h.level == 2 || h.level == 3)
            .collect(),
        prev: position
            .and_then(|p| p.checked_sub(1))
            .and_then(|p| site.nav.get(p)),
        next: position.and_then(|p| site.nav.get(p + 1)),
    };
    let ctx = GuidePage {
        base: site.base(
            Output::Guide(index),
            page.title.clone(),
            page.description.clone(),
            "guide",
        )?,
        page: view,
    };
    site.theme.render("guide.html", &ctx)
}

// ---- phase and level names (project and roles pages) ----

#[derive(Serialize)]
pub(super) struct NameView<'s> {
    id: &'s str,
    name: &'s str,
    description: &'s str,
}

#[derive(Serialize)]
pub(super) struct LevelView<'s> {
    id: &'s str,
    name: &'s str,
    raci: &'s str,
    description: &'s str,
}

pub(super) fn phase_view(rules: &RuleSet, phase: usize) -> NameView<'_> {
    let p = &rules.phases[phase];
    NameView {
        id: &p.id,
        name: &p.name,
        description: &p.description,
    }
}

pub(super) fn phase_views(rules: &RuleSet) -> Vec<NameView<'_>> {
    (0..rules.phases.len())
        .map(|p| phase_view(rules, p))
        .collect()
}

pub(super) fn level_views(rules: &RuleSet) -> Vec<LevelView<'_>> {
    rules
        .levels
        .iter()
        .map(|l| LevelView {
            id: &l.id,
            name: &l.name,
            raci: &l.raci,
            description: &l.description,
        })
        .collect()
}

// ---- roles/*.html ----

#[derive(Serialize)]
struct RolePage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    role: RoleDetail<'s>,
}

#[derive(Serialize)]
struct RoleDetail<'s> {
    id: &'s str,
    name: &'s str,
    summary: &'s str,
    responsibilities: &'s [String],
    guidance: &'s [Link],
    count: usize,
    groups: Vec<LevelGroup<'s>>,
}

#[derive(Serialize)]
struct LevelGroup<'s> {
    id: &'s str,
    name: &'s str,
    count: usize,
    /// The procurements' rows (`partials/role-row.html`).
    rows: String,
}

pub(super) fn role<'s, 'a>(
    site: &'s Site<'a>,
    r: usize,
) -> Result<Html<Rows<'s, 'a>>, RenderError> {
    let h = site.handbook;
    let levels = h.rules.levels.len();
    // Deepest level first.
    let mut counts = vec![0; levels];
    for plan in h.plans.iter() {
        if let Some(top) = plan.top_level(r) {
            counts[levels - 1 - top] += 1;
        }
    }
    let blocks = counts
        .iter()
        .enumerate()
        .filter(|(_, &count)| count > 0)
        .map(|(l, &count)| Rows {
            site,
            kind: Kind::Role {
                role: r,
                level: levels - 1 - l,
            },
            after: b"\n  ",
            count,
        })
        .collect();
    render_with_blocks(blocks, |texts| role_page(site, r, &counts, texts))
}

/// The role page, given the rows of each level that has any (deepest first).
fn role_page(
    site: &Site<'_>,
    r: usize,
    counts: &[usize],
    rows: Vec<String>,
) -> Result<String, RenderError> {
    let rules = &site.handbook.rules;
    let role = &rules.roles[r];
    let groups: Vec<LevelGroup<'_>> = rules
        .levels
        .iter()
        .rev()
        .zip(counts)
        .filter(|(_, &count)| count > 0)
        .zip(rows)
        .map(|((l, &count), rows)| LevelGroup {
            id: &l.id,
            name: &l.name,
            count,
            rows,
        })
        .collect();
    let ctx = RolePage {
        base: site.base(
            Output::Role(r),
            role.name.clone(),
            role.summary.clone(),
            "roles",
        )?,
        role: RoleDetail {
            id: &role.id,
            name: &role.name,
            summary: &role.summary,
            responsibilities: &role.responsibilities,
            guidance: &site.role_guidance[r],
            count: counts.iter().sum(),
            groups,
        },
    };
    site.theme.render("role.html", &ctx)
}

#[derive(Serialize)]
struct RolesPage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    roles: Vec<RoleSummary<'s>>,
    levels: Vec<LevelView<'s>>,
    phases: Vec<NameView<'s>>,
}

#[derive(Serialize)]
struct RoleSummary<'s> {
    id: &'s str,
    name: &'s str,
    summary: &'s str,
    count: usize,
}

pub(super) fn roles(site: &Site<'_>) -> Result<String, RenderError> {
    let h = site.handbook;
    let rules = &h.rules;
    let ctx = RolesPage {
        base: site.base(
            Output::RolesIndex,
            "Roles".into(),
            "The people to involve in buying AI, and what each of them does.".into(),
            "roles",
        )?,
        roles: rules
            .roles
            .iter()
            .enumerate()
            .map(|(r, role)| RoleSummary {
                id: &role.id,
                name: &role.name,
                summary: &role.summary,
                count: h.plans.iter().filter(|p| p.involves(r)).count(),
            })
            .collect(),
        levels: level_views(rules),
        phases: phase_views(rules),
    };
    site.theme.render("roles.html", &ctx)
}

// ---- resources.html, search.html, 404.html ----

#[derive(Serialize)]
struct ResourcesPage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    resources: &'s [crate::resources::Resource],
}

pub(super) fn resources(site: &Site<'_>) -> Result<String, RenderError> {
    let ctx = ResourcesPage {
        base: site.base(
            Output::Resources,
            "Public participation resources".into(),
            "Guides, templates and examples to share with residents, advocates and staff.".into(),
            "resources",
        )?,
        resources: &site.handbook.resources,
    };
    site.theme.render("resources.html", &ctx)
}

#[derive(Serialize)]
struct PlainPage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
}

pub(super) fn search(site: &Site<'_>) -> Result<String, RenderError> {
    let ctx = PlainPage {
        base: site.base(
            Output::Search,
            "Search".into(),
            "Search the guidance and the procurements.".into(),
            "search",
        )?,
    };
    site.theme.render("search.html", &ctx)
}

pub(super) fn not_found(site: &Site<'_>) -> Result<String, RenderError> {
    // The 404 page is served at any depth, so its links start from the site's address.
    let base_url = site
        .handbook
        .config
        .config
        .build
        .base_url
        .trim_end_matches('/');
    let base = site.base_at(
        site.path(Output::NotFound),
        format!("{base_url}/"),
        "Page not found".into(),
        String::new(),
        "",
    )?;
    site.theme.render("404.html", &PlainPage { base })
}
