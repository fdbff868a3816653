//! What each procurement contributes to the outputs that gather all of them — its row in the
//! index table, its rows on role pages, its part of projects.json, stakeholders.csv and the
//! search index — made once per procurement, in parallel.
//!
//! Watch mode keeps them in a [`RowCache`] across rebuilds: when one CSV row changes, only its
//! fragments are made again and the gathering outputs are assembled from the rest. A fragment
//! depends only on its procurement's row and plan and on site-wide pieces: watch mode clears the
//! cache whenever those change and forgets the procurements whose row or plan changed (the same
//! comparison that decides which project pages to render again; see `watch.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use super::pages::UNKNOWN;
use super::{export, Output, Site};
use crate::theme::RenderError;

/// One procurement's fragments.
#[derive(Debug, Clone, Default)]
pub struct RowFragments {
    /// Its `<tr>` in the index table (`partials/index-row.html`).
    pub index_row: Arc<Vec<u8>>,
    /// Its entry in the home page's list of gaps (`partials/gap.html`), if it has gaps.
    pub gap: Option<Arc<Vec<u8>>>,
    /// (role, the role's deepest level, its `<tr>` on that role's page: `partials/role-row.html`).
    pub role_rows: Vec<(usize, usize, Arc<Vec<u8>>)>,
    /// Its object in projects.json.
    pub json: Arc<Vec<u8>>,
    /// Its rows in stakeholders.csv.
    pub csv: Arc<Vec<u8>>,
    /// Its entry in search-procurements.js.
    pub search: Arc<Vec<u8>>,
}

/// Fragments kept across the rebuilds of a watch session, by procurement id.
#[derive(Debug, Default)]
pub struct RowCache {
    rows: Mutex<HashMap<String, Arc<RowFragments>, Xxh3DefaultBuilder>>,
}

impl RowCache {
    /// Forgets everything (site-wide pieces changed).
    pub fn clear(&self) {
        if let Ok(mut rows) = self.rows.lock() {
            rows.clear();
        }
    }

    /// Forgets the procurements `ids` (their row or plan changed).
    pub fn forget<'i>(&self, ids: impl IntoIterator<Item = &'i str>) {
        if let Ok(mut rows) = self.rows.lock() {
            for id in ids {
                rows.remove(id);
            }
        }
    }

    fn get(&self, id: &str) -> Option<Arc<RowFragments>> {
        self.rows.lock().ok()?.get(id).cloned()
    }

    fn replace(&self, entries: HashMap<String, Arc<RowFragments>, Xxh3DefaultBuilder>) {
        if let Ok(mut rows) = self.rows.lock() {
            *rows = entries;
        }
    }
}

#[derive(Serialize)]
struct IndexRow<'s> {
    id: &'s str,
    slug: &'s str,
    title: &'s str,
    cells: Vec<String>,
    roles: usize,
}

#[derive(Serialize)]
struct GapRow<'s> {
    slug: &'s str,
    title: &'s str,
    roles: Vec<&'s str>,
}

#[derive(Serialize)]
struct RoleRow<'s> {
    role: &'s str,
    slug: &'s str,
    title: &'s str,
    stage: &'s str,
    phases: String,
    sign_off: String,
}

/// The fragments of every procurement, in row order (from `cache` where still valid).
pub(super) fn fragments(
    site: &Site<'_>,
    cache: Option<&RowCache>,
) -> Result<Vec<Arc<RowFragments>>, RenderError> {
    let h = site.handbook;
    let made: Vec<Arc<RowFragments>> = (0..h.procurements.rows.len())
        .into_par_iter()
        .map(|i| {
            let id = &h.procurements.rows[i].id;
            match cache.and_then(|c| c.get(id)) {
                Some(f) => Ok(f),
                None => make(site, i).map(Arc::new),
            }
        })
        .collect::<Result<_, _>>()?;
    if let Some(cache) = cache {
        let entries = h
            .procurements
            .rows
            .iter()
            .zip(&made)
            .map(|(p, f)| (p.id.clone(), Arc::clone(f)))
            .collect();
        cache.replace(entries);
    }
    Ok(made)
}

fn make(site: &Site<'_>, i: usize) -> Result<RowFragments, RenderError> {
    let h = site.handbook;
    let rules = &h.rules;
    let procurements = &h.procurements;
    let schema = &procurements.schema;
    let p = &procurements.rows[i];
    let plan = &h.plans[i];
    let title = procurements.title(p);
    let index_row = site.theme.render(
        "partials/index-row.html",
        &IndexRow {
            id: &p.id,
            slug: &p.slug,
            title,
            cells: schema
                .index_columns
                .iter()
                .map(|&f| {
                    p.value(f)
                        .map_or_else(|| UNKNOWN.to_string(), |v| schema.fields[f].display(v))
                })
                .collect(),
            roles: plan.roles().count(),
        },
    )?;
    let stage = procurements
        .stage(p)
        .and_then(|s| rules.phase(s))
        .map_or(UNKNOWN, |ph| rules.phases[ph].name.as_str());
    let mut role_rows = Vec::new();
    for r in plan.roles() {
        let Some(top) = plan.top_level(r) else {
            continue;
        };
        let names = |keep: &dyn Fn(crate::rules::Involvement) -> bool| {
            plan.row(r)
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_some_and(keep))
                .map(|(ph, _)| rules.phases[ph].name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let html = site.theme.render(
            "partials/role-row.html",
            &RoleRow {
                role: &rules.roles[r].id,
                slug: &p.slug,
                title,
                stage,
                phases: names(&|c| c.level() == top),
                sign_off: names(&|c| c.sign_off),
            },
        )?;
        role_rows.push((r, top, trimmed(html)));
    }
    let gap_roles = crate::handbook::gap_roles(h, i);
    let gap = if gap_roles.is_empty() {
        None
    } else {
        let roles = gap_roles
            .iter()
            .map(|&r| rules.roles[r].name.as_str())
            .collect();
        Some(trimmed(site.theme.render(
            "partials/gap.html",
            &GapRow {
                slug: &p.slug,
                title,
                roles,
            },
        )?))
    };
    Ok(RowFragments {
        index_row: trimmed(index_row),
        gap,
        role_rows,
        json: Arc::new(export::project_json(site, i)),
        csv: Arc::new(export::project_csv(site, i)),
        search: Arc::new(export::project_search(
            site,
            i,
            &site.path(Output::Project(i)),
        )),
    })
}

/// A partial's output without the whitespace around it, ready to be written as a part.
fn trimmed(html: String) -> Arc<Vec<u8>> {
    Arc::new(html.trim().as_bytes().to_vec())
}
