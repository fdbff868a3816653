//! Project pages (`projects/*.html`), one per procurement: most of a large site.
//!
//! Most of a project page is shared with many other pages: the box for the current phase, the
//! matrix, each role's section, the guidance and the resources lists, most of the attributes.
//! Each is a theme partial, rendered once per distinct key — the few facts of the procurement
//! it shows — and reused for the rest of the render ([`Parts`]); the page's own template adds
//! the title and puts the parts together. A part's context is made from its key and the site
//! alone, so pages with equal keys get the same bytes they would get from rendering the partial
//! themselves.

use std::sync::Arc;

use serde::Serialize;

use super::memo::Memo;
use super::pages::{level_views, phase_view, phase_views, Base, LevelView, NameView};
use super::{Link, Output, Site};
use crate::config::FieldKind;
use crate::handbook::Handbook;
use crate::markdown::{self, Trust};
use crate::procurements::Value;
use crate::rules::{Involvement, PhaseSet, RuleSet};
use crate::theme::{RenderError, Theme};

/// Every project page is `projects/<slug>.html`, and a slug has no `/`.
const ROOT: &str = "../";

// ---- the page ----

#[derive(Serialize)]
struct ProjectPage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    p: ProjectView<'s>,
    /// Each public field's row (`partials/attribute.html`), but for the title, the stage and
    /// the assignees, which have places of their own.
    attributes: Vec<&'s str>,
    /// The box for the current phase (`partials/now.html`), when the stage is known.
    now: Option<Part<'s>>,
    /// The matrix and its legend (`partials/matrix.html`), when a role is involved.
    matrix: Option<Part<'s>>,
    /// Each involved role's section (`partials/project-role.html`).
    roles: Vec<&'s str>,
    /// The guidance whose conditions hold (`partials/project-guidance.html`), if any.
    guidance: Option<Part<'s>>,
    /// The participation resources (`partials/participation.html`), when they apply.
    resources: Option<Part<'s>>,
}

/// A part the page may not have. An object, not the bare text: Tera escapes a string it only
/// tests (`{% if now %}`), which for kilobytes of HTML costs more than the lookup of `now.html`.
/// Lists of parts are lists of strings: a loop tests nothing, and its items are cheaper to
/// look up without a dot.
#[derive(Serialize)]
struct Part<'s> {
    html: &'s str,
}

impl<'s> Part<'s> {
    fn of(text: &'s Option<Arc<str>>) -> Option<Self> {
        text.as_deref().map(|html| Part { html })
    }
}

#[derive(Serialize)]
struct ProjectView<'s> {
    id: &'s str,
    title: &'s str,
    stage: Option<NameView<'s>>,
}

pub(super) fn project<'a>(site: &Site<'a>, index: usize) -> Result<String, RenderError> {
    let h: &'a Handbook = site.handbook;
    let rules = &h.rules;
    let procurements = &h.procurements;
    let p = &procurements.rows[index];
    let plan = &h.plans[index];
    let parts = &site.project_parts;
    let theme = site.theme;
    let title = procurements.title(p);
    let stage = procurements.stage(p).and_then(|s| rules.phase(s));
    let involved: Vec<usize> = plan.roles().collect();

    let attributes = attribute_keys(h, index)
        .map(|key| {
            let render = |key: &AttributeKey| {
                theme.render_partial("partials/attribute.html", &attribute_row(h, key))
            };
            if key.repeats() {
                parts.attributes.get_or_render(key, render)
            } else {
                render(&key)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let now = stage
        .map(|phase| {
            let key = NowKey {
                phase,
                roles: involved
                    .iter()
                    .filter_map(|&r| Some((r, plan.cell(r, phase)?, h.assignee(index, r))))
                    .collect(),
                guidance: applying(site, &site.phase_guidance[phase], index),
            };
            parts.now.get_or_render(key, |key| {
                theme.render_partial("partials/now.html", &now_box(site, key))
            })
        })
        .transpose()?;
    let matrix = if involved.is_empty() {
        None
    } else {
        let key = MatrixKey {
            stage,
            rows: involved.iter().map(|&r| (r, plan.row(r))).collect(),
        };
        Some(parts.matrix.get_or_render(key, |key| {
            theme.render_partial("partials/matrix.html", &matrix_view(site, key))
        })?)
    };
    let roles = involved
        .iter()
        .map(|&r| {
            let key = RoleKey {
                role: r,
                assignee: h.assignee(index, r),
                level: plan.top_level(r),
                sign_off: plan.sign_offs(r),
                rules: plan.rules_for(rules, r).collect(),
                guidance: applying(site, &site.role_guidance[r], index),
            };
            parts.roles.get_or_render(key, |key| {
                theme.render_partial("partials/project-role.html", &role_section(site, key))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let pages: Vec<usize> = h
        .guidance
        .pages
        .iter()
        .zip(&h.guidance_when)
        .enumerate()
        .filter(|(_, (page, when))| {
            !page.draft && !page.is_intro() && when.as_ref().is_some_and(|w| w.holds(p))
        })
        .map(|(i, _)| i)
        .collect();
    let guidance = if pages.is_empty() {
        None
    } else {
        Some(parts.guidance.get_or_render(pages, |pages| {
            theme.render_partial("partials/project-guidance.html", &guidance_list(h, pages))
        })?)
    };
    let shows_resources = !h.resources.is_empty()
        && involved
            .iter()
            .any(|r| site.participation_roles.contains(r));
    let resources = if shows_resources {
        Some(parts.resources.get_or_render((), |()| {
            theme.render_partial(
                "partials/participation.html",
                &Participation {
                    resources: &h.resources,
                },
            )
        })?)
    } else {
        None
    };

    let ctx = ProjectPage {
        base: site.base(
            Output::Project(index),
            title.to_string(),
            format!("Who to involve in {title}, in which phase, and why."),
            "projects",
        )?,
        p: ProjectView {
            id: &p.id,
            title,
            stage: stage.map(|ph| phase_view(rules, ph)),
        },
        attributes: attributes.iter().map(|a| &**a).collect(),
        now: Part::of(&now),
        matrix: Part::of(&matrix),
        roles: roles.iter().map(|r| &**r).collect(),
        guidance: Part::of(&guidance),
        resources: Part::of(&resources),
    };
    site.theme.render("project.html", &ctx)
}

/// The positions in `links` of the links that apply to procurement `index`.
fn applying(site: &Site<'_>, links: &[Link], index: usize) -> Vec<usize> {
    links
        .iter()
        .enumerate()
        .filter(|(_, l)| site.applies(l, index))
        .map(|(i, _)| i)
        .collect()
}

// ---- the parts many pages share ----

/// The parts of project pages rendered so far in one render of the site, by key.
#[derive(Default)]
pub(super) struct Parts<'a> {
    attributes: Memo<AttributeKey<'a>>,
    now: Memo<NowKey<'a>>,
    matrix: Memo<MatrixKey<'a>>,
    roles: Memo<RoleKey<'a>>,
    /// By the guidance pages that apply.
    guidance: Memo<Vec<usize>>,
    resources: Memo<()>,
}

/// What an attribute's row shows: a field and its value, if known. The value is compared as it
/// is typed (numbers by their bits), so a page whose row is kept does not format it at all.
struct AttributeKey<'a> {
    field: usize,
    value: Option<&'a Value>,
}

impl AttributeKey<'_> {
    /// Whether the row may well show on other pages too, and is worth keeping. Long text (a
    /// description, say) is rarely the same in two procurements: kept, it would only hold
    /// memory and be compared.
    fn repeats(&self) -> bool {
        match self.value {
            Some(Value::Text(t)) => t.len() <= LONG_TEXT,
            _ => true,
        }
    }
}

/// Bytes past which a text value is taken as one procurement's own (see [`AttributeKey::repeats`]).
const LONG_TEXT: usize = 80;

impl PartialEq for AttributeKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field
            && match (self.value, other.value) {
                (Some(Value::Number(a)), Some(Value::Number(b))) => a.to_bits() == b.to_bits(),
                (a, b) => a == b,
            }
    }
}

impl Eq for AttributeKey<'_> {}

impl std::hash::Hash for AttributeKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.field.hash(state);
        match self.value {
            None => 0u8.hash(state),
            Some(Value::Text(t)) => (1u8, t).hash(state),
            Some(Value::Bool(b)) => (2u8, b).hash(state),
            Some(Value::Number(n)) => (3u8, n.to_bits()).hash(state),
            Some(Value::Date(d)) => (4u8, d).hash(state),
            Some(Value::List(items)) => (5u8, items).hash(state),
        }
    }
}

/// What the box for the current phase shows.
#[derive(PartialEq, Eq, Hash)]
struct NowKey<'a> {
    phase: usize,
    /// The roles involved in the phase: (role, how, assignee).
    roles: Vec<(usize, Involvement, Option<&'a str>)>,
    /// Which of the guidance pages tagged with the phase apply.
    guidance: Vec<usize>,
}

/// What the matrix shows.
#[derive(PartialEq, Eq, Hash)]
struct MatrixKey<'a> {
    stage: Option<usize>,
    /// The involved roles, each with its cells.
    rows: Vec<(usize, &'a [Option<Involvement>])>,
}

/// What a role's section shows.
#[derive(PartialEq, Eq, Hash)]
struct RoleKey<'a> {
    role: usize,
    assignee: Option<&'a str>,
    level: Option<usize>,
    sign_off: PhaseSet,
    /// The fired rules that involve the role.
    rules: Vec<usize>,
    /// Which of the role's guidance links apply.
    guidance: Vec<usize>,
}

// ---- the parts' contexts: each made from its key and the site alone ----

/// The keys of procurement `index`'s attributes: its public fields, but for those with places
/// of their own on the page (the title, the stage and the assignees).
fn attribute_keys(h: &Handbook, index: usize) -> impl Iterator<Item = AttributeKey<'_>> {
    let schema = &h.procurements.schema;
    let p = &h.procurements.rows[index];
    let elsewhere = |i: usize| {
        Some(i) == schema.title
            || Some(i) == schema.stage
            || schema.assignees.iter().any(|(_, f)| *f == i)
    };
    schema
        .public_fields()
        .filter(move |(i, _)| !elsewhere(*i))
        .map(move |(i, _)| AttributeKey {
            field: i,
            value: p.value(i),
        })
}

/// `partials/attribute.html`.
#[derive(Serialize)]
struct AttributeRow<'s> {
    a: AttributeView<'s>,
}

#[derive(Serialize)]
struct AttributeView<'s> {
    label: &'s str,
    value: Option<String>,
    html: Option<String>,
}

fn attribute_row<'s>(h: &'s Handbook, key: &AttributeKey<'_>) -> AttributeRow<'s> {
    let field = &h.procurements.schema.fields[key.field];
    AttributeRow {
        a: AttributeView {
            label: &field.label,
            value: key.value.map(|v| field.display(v)),
            html: match (field.kind, key.value) {
                (FieldKind::Markdown, Some(Value::Text(t))) => {
                    Some(markdown::render(t, Trust::Data, &|_| None).html)
                }
                _ => None,
            },
        },
    }
}

/// `partials/now.html`.
#[derive(Serialize)]
struct NowBox<'s> {
    root: &'s str,
    now: NowView<'s>,
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

fn now_box<'s>(site: &'s Site<'_>, key: &'s NowKey<'_>) -> NowBox<'s> {
    let rules = &site.handbook.rules;
    let phase = &rules.phases[key.phase];
    NowBox {
        root: ROOT,
        now: NowView {
            name: &phase.name,
            description: &phase.description,
            roles: key
                .roles
                .iter()
                .map(|&(r, c, assignee)| NowRole {
                    id: &rules.roles[r].id,
                    name: &rules.roles[r].name,
                    level: &rules.levels[c.level()].name,
                    sign_off: c.sign_off,
                    assignee,
                    tracked: tracked(site.handbook, r),
                })
                .collect(),
            guidance: key
                .guidance
                .iter()
                .map(|&i| site.phase_guidance[key.phase][i].clone())
                .collect(),
        },
    }
}

/// `partials/matrix.html`.
#[derive(Serialize)]
struct MatrixView<'s> {
    /// The phase id of the current stage, or "".
    stage: &'s str,
    phases: Vec<NameView<'s>>,
    levels: Vec<LevelView<'s>>,
    matrix: Vec<MatrixRow<'s>>,
}

#[derive(Serialize)]
struct MatrixRow<'s> {
    id: &'s str,
    name: &'s str,
    /// The row's cells as HTML: `partials/cell.html`, rendered once per kind of cell, joined.
    cells: String,
}

fn matrix_view<'s>(site: &'s Site<'_>, key: &MatrixKey<'_>) -> MatrixView<'s> {
    let rules = &site.handbook.rules;
    MatrixView {
        stage: key.stage.map_or("", |ph| rules.phases[ph].id.as_str()),
        phases: phase_views(rules),
        levels: level_views(rules),
        matrix: key
            .rows
            .iter()
            .map(|&(r, cells)| MatrixRow {
                id: &rules.roles[r].id,
                name: &rules.roles[r].name,
                cells: cells
                    .iter()
                    .map(|c| {
                        site.cells[c.map_or(0, |c| 1 + c.level() * 2 + usize::from(c.sign_off))]
                            .as_str()
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `partials/project-role.html`.
#[derive(Serialize)]
struct RoleSection<'s> {
    root: &'s str,
    r: RoleView<'s>,
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

fn role_section<'s>(site: &'s Site<'_>, key: &'s RoleKey<'_>) -> RoleSection<'s> {
    let rules = &site.handbook.rules;
    let r = key.role;
    let mut guidance: Vec<Link> = key
        .guidance
        .iter()
        .map(|&i| site.role_guidance[r][i].clone())
        .collect();
    for &rule in &key.rules {
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
    RoleSection {
        root: ROOT,
        r: RoleView {
            id: &rules.roles[r].id,
            name: &rules.roles[r].name,
            assignee: key.assignee,
            tracked: tracked(site.handbook, r),
            level: key.level.map_or("", |l| rules.levels[l].name.as_str()),
            sign_off: key
                .sign_off
                .iter()
                .map(|ph| rules.phases[ph].name.as_str())
                .collect(),
            why: key.rules.iter().map(|&i| site.whys[i].as_str()).collect(),
            guidance,
        },
    }
}

/// Whether the CSV has a column for who holds the role.
fn tracked(h: &Handbook, role: usize) -> bool {
    h.procurements
        .schema
        .assignee_field(&h.rules.roles[role].id)
        .is_some()
}

/// `partials/project-guidance.html`.
#[derive(Serialize)]
struct GuidanceList<'s> {
    root: &'s str,
    guidance: Vec<GuidanceLink<'s>>,
}

#[derive(Serialize)]
struct GuidanceLink<'s> {
    title: &'s str,
    url: &'s str,
    description: &'s str,
}

fn guidance_list<'s>(h: &'s Handbook, pages: &[usize]) -> GuidanceList<'s> {
    GuidanceList {
        root: ROOT,
        guidance: pages
            .iter()
            .map(|&i| {
                let page = &h.guidance.pages[i];
                GuidanceLink {
                    title: &page.title,
                    url: &page.url,
                    description: &page.description,
                }
            })
            .collect(),
    }
}

/// `partials/participation.html`.
#[derive(Serialize)]
struct Participation<'s> {
    resources: &'s [crate::resources::Resource],
}

// ---- the fragments of the parts, rendered when the site is made ----

#[derive(Serialize)]
struct CellView<'s> {
    level: &'s str,
    rank: usize,
    sign_off: bool,
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
    h: &Handbook,
    theme: &Theme,
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
