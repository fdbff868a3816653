//! Project pages (`projects/*.html`), one per procurement: most of a large site.

use serde::Serialize;

use super::pages::{level_views, phase_view, phase_views, Base, LevelView, NameView};
use super::{Link, Output, Site};
use crate::config::FieldKind;
use crate::handbook::Handbook;
use crate::markdown::{self, Trust};
use crate::procurements::Value;
use crate::rules::{PhaseSet, RuleSet};
use crate::theme::{RenderError, Theme};

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

#[derive(Serialize)]
struct GuidanceLink<'s> {
    title: &'s str,
    url: &'s str,
    description: &'s str,
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
            stage: stage.map(|ph| phase_view(rules, ph)),
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
