//! The HTML pages: one small, typed context per page kind, rendered with the theme.

use serde::Serialize;

use super::blocks::{render_with_blocks, Html};
use super::rows::{Kind, Rows};
use super::{Link, NavItem, Output, Site, SiteInfo};
use crate::config::FieldKind;
use crate::markdown::{self, Trust};
use crate::procurements::Value;
use crate::rules::{PhaseSet, RuleSet};
use crate::theme::RenderError;

/// What every page has: the site, the way back to the root, navigation.
#[derive(Serialize)]
struct Base<'s> {
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
}

impl<'a> Site<'a> {
    fn base(
        &self,
        output: Output,
        title: String,
        description: String,
        section: &'static str,
    ) -> Base<'_> {
        let url = self.path(output);
        Base {
            site: &self.info,
            root: Site::root(&url),
            url,
            page_title: title,
            description,
            // Only guidance pages have the sidebar; other pages skip its context entirely.
            nav: if section == "guide" { &self.nav } else { &[] },
            sidebar: section == "guide",
            section,
            guide_home: &self.guide_home,
        }
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
        ),
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
        ),
        page: view,
    };
    site.theme.render("guide.html", &ctx)
}

// ---- projects/*.html ----

#[derive(Serialize)]
struct ProjectPage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    /// The phase id of the current stage, or "".
    stage: &'s str,
    p: ProjectView<'s>,
    phases: Vec<NameView<'s>>,
    levels: Vec<LevelView<'s>>,
    resources: Vec<&'s crate::resources::Resource>,
}

#[derive(Serialize)]
struct NameView<'s> {
    id: &'s str,
    name: &'s str,
    description: &'s str,
}

#[derive(Serialize)]
struct LevelView<'s> {
    id: &'s str,
    name: &'s str,
    raci: &'s str,
    description: &'s str,
}

#[derive(Serialize)]
struct ProjectView<'s> {
    id: &'s str,
    title: &'s str,
    stage: Option<NameView<'s>>,
    now: Option<NowView<'s>>,
    attributes: Vec<AttributeView<'s>>,
    matrix: Vec<MatrixRow<'s>>,
    roles: Vec<RoleView<'s>>,
    guidance: Vec<GuidanceLink<'s>>,
}

#[derive(Serialize)]
struct NowView<'s> {
    name: &'s str,
    description: &'s str,
    roles: Vec<NowRole<'s>>,
    guidance: Vec<Link>,
}

#[derive(Serialize)]
struct NowRole<'s> {
    id: &'s str,
    name: &'s str,
    level: &'s str,
    sign_off: bool,
    assignee: Option<&'s str>,
    tracked: bool,
}

#[derive(Serialize)]
struct AttributeView<'s> {
    label: &'s str,
    value: Option<String>,
    html: Option<String>,
}

#[derive(Serialize)]
struct MatrixRow<'s> {
    id: &'s str,
    name: &'s str,
    /// The row's cells as HTML: `partials/cell.html`, rendered once per kind of cell, joined.
    cells: String,
}

#[derive(Serialize)]
struct CellView<'s> {
    level: &'s str,
    rank: usize,
    sign_off: bool,
}

#[derive(Serialize)]
struct RoleView<'s> {
    id: &'s str,
    name: &'s str,
    assignee: Option<&'s str>,
    tracked: bool,
    level: &'s str,
    sign_off: Vec<&'s str>,
    /// The rules that fired, each as HTML (`partials/why.html`, rendered once per rule).
    why: Vec<&'s str>,
    guidance: Vec<Link>,
}

#[derive(Serialize)]
struct WhyView<'s> {
    why: &'s str,
    scope: String,
    source: &'s str,
    source_url: Option<&'s str>,
}

/// The fragments every project page shares: matrix cells and rule explanations, each rendered
/// once with the theme's partials instead of once per page.
pub(super) fn fragments(
    h: &crate::handbook::Handbook,
    theme: &crate::theme::Theme,
) -> Result<(Vec<String>, Vec<String>), RenderError> {
    let rules = &h.rules;
    let mut cells = vec![theme.render(
        "partials/cell.html",
        &CellView {
            level: "",
            rank: 0,
            sign_off: false,
        },
    )?];
    for (rank, level) in rules.levels.iter().enumerate() {
        for sign_off in [false, true] {
            cells.push(theme.render(
                "partials/cell.html",
                &CellView {
                    level: &level.name,
                    rank,
                    sign_off,
                },
            )?);
        }
    }
    let whys = rules
        .rules
        .iter()
        .map(|rule| {
            theme.render(
                "partials/why.html",
                &WhyView {
                    why: &rule.why,
                    scope: scope(rules, rule.level, rule.phases, rule.sign_off),
                    source: &rule.source,
                    source_url: rule
                        .source_url
                        .as_deref()
                        .filter(|u| markdown::is_safe_url(u)),
                },
            )
        })
        .collect::<Result<_, _>>()?;
    // A partial's own line breaks (after its comment, at the end of the file) are not content.
    let trim = |v: Vec<String>| v.into_iter().map(|f| f.trim().to_string()).collect();
    Ok((trim(cells), trim(whys)))
}

#[derive(Serialize)]
struct GuidanceLink<'s> {
    title: &'s str,
    url: &'s str,
    description: &'s str,
}

fn phase_views(rules: &RuleSet) -> Vec<NameView<'_>> {
    rules
        .phases
        .iter()
        .map(|p| NameView {
            id: &p.id,
            name: &p.name,
            description: &p.description,
        })
        .collect()
}

fn level_views(rules: &RuleSet) -> Vec<LevelView<'_>> {
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

/// "Lead in all phases; signs off in evaluation".
fn scope(rules: &RuleSet, level: usize, phases: PhaseSet, sign_off: PhaseSet) -> String {
    let names = |set: PhaseSet| {
        if set == PhaseSet::all(rules.phases.len()) {
            "all phases".to_string()
        } else {
            set.iter()
                .filter_map(|i| rules.phases.get(i))
                .map(|p| p.name.to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut s = format!("{} in {}", rules.levels[level].name, names(phases));
    if !sign_off.is_empty() {
        s.push_str("; signs off in ");
        s.push_str(&names(sign_off));
    }
    s
}

pub(super) fn project(site: &Site<'_>, index: usize) -> Result<String, RenderError> {
    let h = site.handbook;
    let rules = &h.rules;
    let procurements = &h.procurements;
    let schema = &procurements.schema;
    let p = &procurements.rows[index];
    let plan = &h.plans[index];
    let title = procurements.title(p);
    let stage = procurements.stage(p).and_then(|s| rules.phase(s));
    let involved: Vec<usize> = plan.roles().collect();
    let tracked = |r: usize| schema.assignee_field(&rules.roles[r].id).is_some();

    // The title, the stage and the assignees have places of their own on the page.
    let elsewhere = |i: usize| {
        Some(i) == schema.title
            || Some(i) == schema.stage
            || schema.assignees.iter().any(|(_, f)| *f == i)
    };
    let attributes = schema
        .public_fields()
        .filter(|(i, _)| !elsewhere(*i))
        .map(|(i, f)| {
            let value = p.value(i);
            let html = match (f.kind, value) {
                (FieldKind::Markdown, Some(Value::Text(t))) => {
                    Some(markdown::render(t, Trust::Data, &|_| None).html)
                }
                _ => None,
            };
            AttributeView {
                label: &f.label,
                value: value.map(|v| f.display(v)),
                html,
            }
        })
        .collect();
    let matrix = involved
        .iter()
        .map(|&r| MatrixRow {
            id: &rules.roles[r].id,
            name: &rules.roles[r].name,
            cells: plan
                .row(r)
                .iter()
                .map(|c| {
                    site.cells[c.map_or(0, |c| 1 + c.level() * 2 + usize::from(c.sign_off))]
                        .as_str()
                })
                .collect(),
        })
        .collect();
    let roles = involved
        .iter()
        .map(|&r| {
            let mut guidance: Vec<Link> = site.role_guidance[r]
                .iter()
                .filter(|l| site.applies(l, index))
                .cloned()
                .collect();
            for rule in plan.rules_for(rules, r) {
                if let Some(link) = rules.rules[rule]
                    .guidance
                    .as_ref()
                    .and_then(|g| site.guidance_link(&g.target))
                {
                    if !guidance.contains(&link) {
                        guidance.push(link);
                    }
                }
            }
            RoleView {
                id: &rules.roles[r].id,
                name: &rules.roles[r].name,
                assignee: h.assignee(index, r),
                tracked: tracked(r),
                level: plan
                    .top_level(r)
                    .map_or("", |l| rules.levels[l].name.as_str()),
                sign_off: plan
                    .sign_offs(r)
                    .iter()
                    .map(|ph| rules.phases[ph].name.as_str())
                    .collect(),
                why: plan
                    .rules_for(rules, r)
                    .map(|i| site.whys[i].as_str())
                    .collect(),
                guidance,
            }
        })
        .collect();
    let now = stage.map(|ph| NowView {
        name: &rules.phases[ph].name,
        description: &rules.phases[ph].description,
        roles: involved
            .iter()
            .filter_map(|&r| {
                let c = plan.cell(r, ph)?;
                Some(NowRole {
                    id: &rules.roles[r].id,
                    name: &rules.roles[r].name,
                    level: &rules.levels[c.level()].name,
                    sign_off: c.sign_off,
                    assignee: h.assignee(index, r),
                    tracked: tracked(r),
                })
            })
            .collect(),
        guidance: site.phase_guidance[ph]
            .iter()
            .filter(|l| site.applies(l, index))
            .cloned()
            .collect(),
    });
    let guidance = h
        .guidance
        .pages
        .iter()
        .zip(&h.guidance_when)
        .filter(|(page, when)| {
            !page.draft && !page.is_intro() && when.as_ref().is_some_and(|w| w.holds(p))
        })
        .map(|(page, _)| GuidanceLink {
            title: &page.title,
            url: &page.url,
            description: &page.description,
        })
        .collect();
    let shows_resources = involved
        .iter()
        .any(|r| site.participation_roles.contains(r));
    let ctx = ProjectPage {
        stage: stage.map_or("", |ph| rules.phases[ph].id.as_str()),
        base: site.base(
            Output::Project(index),
            title.to_string(),
            format!("Who to involve in {title}, in which phase, and why."),
            "projects",
        ),
        p: ProjectView {
            id: &p.id,
            title,
            stage: stage.map(|ph| NameView {
                id: &rules.phases[ph].id,
                name: &rules.phases[ph].name,
                description: &rules.phases[ph].description,
            }),
            now,
            attributes,
            matrix,
            roles,
            guidance,
        },
        phases: phase_views(rules),
        levels: level_views(rules),
        resources: if shows_resources {
            h.resources.iter().collect()
        } else {
            Vec::new()
        },
    };
    site.theme.render("project.html", &ctx)
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
        ),
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
        ),
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
        ),
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
        ),
    };
    site.theme.render("search.html", &ctx)
}

pub(super) fn not_found(site: &Site<'_>) -> Result<String, RenderError> {
    let mut base = site.base(Output::NotFound, "Page not found".into(), String::new(), "");
    // The 404 page is served at any depth, so its links start from the site's address.
    let base_url = site
        .handbook
        .config
        .config
        .build
        .base_url
        .trim_end_matches('/');
    base.root = format!("{base_url}/");
    site.theme.render("404.html", &PlainPage { base })
}
