//! What each procurement contributes to the outputs that gather all of them — its row in the
//! index table, its rows on role pages, its part of projects.json, stakeholders.csv and the
//! search index — made once per procurement, in parallel.
//!
//! Watch mode keeps them in a [`RowCache`] across rebuilds: when one CSV row changes, only its
//! fragments are made again and the gathering outputs are assembled from the rest. A fragment
//! depends only on its procurement's row and plan and on site-wide pieces; the cache is cleared
//! whenever those change (see `watch.rs`), and each entry is keyed by a hash of the row and plan.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::Serialize;

use super::pages::UNKNOWN;
use super::{export, Output, Site};
use crate::procurements::Value;
use crate::theme::RenderError;

/// One procurement's fragments.
#[derive(Debug, Clone, Default)]
pub struct RowFragments {
    /// A hash of the procurement's row and plan: the entry is valid while it is unchanged.
    key: u64,
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
    rows: Mutex<HashMap<String, Arc<RowFragments>>>,
}

impl RowCache {
    /// Forgets everything (site-wide pieces changed).
    pub fn clear(&self) {
        if let Ok(mut rows) = self.rows.lock() {
            rows.clear();
        }
    }

    fn get(&self, id: &str, key: u64) -> Option<Arc<RowFragments>> {
        let rows = self.rows.lock().ok()?;
        rows.get(id).filter(|f| f.key == key).cloned()
    }

    fn replace(&self, entries: HashMap<String, Arc<RowFragments>>) {
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
            let key = row_key(site, i);
            let id = &h.procurements.rows[i].id;
            match cache.and_then(|c| c.get(id, key)) {
                Some(f) => Ok(f),
                None => make(site, i, key).map(Arc::new),
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

/// A hash of everything of one procurement that its fragments show.
fn row_key(site: &Site<'_>, i: usize) -> u64 {
    let h = site.handbook;
    let p = &h.procurements.rows[i];
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (&p.id, &p.slug).hash(&mut hasher);
    for v in &p.values {
        match v {
            None => 0u8.hash(&mut hasher),
            Some(Value::Text(t)) => (1u8, t).hash(&mut hasher),
            Some(Value::Bool(b)) => (2u8, b).hash(&mut hasher),
            Some(Value::Number(n)) => (3u8, n.to_bits()).hash(&mut hasher),
            Some(Value::Date(d)) => (4u8, d).hash(&mut hasher),
            Some(Value::List(items)) => (5u8, items).hash(&mut hasher),
        }
    }
    let plan = &h.plans[i];
    plan.fired.hash(&mut hasher);
    for r in 0..h.rules.roles.len() {
        plan.row(r).hash(&mut hasher);
    }
    hasher.finish()
}

fn make(site: &Site<'_>, i: usize, key: u64) -> Result<RowFragments, RenderError> {
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
        key,
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
