//! What each procurement contributes to the outputs that gather all of them — its row in the
//! index table, its rows on role pages, its part of projects.json, stakeholders.csv and the
//! search index — made in parallel, a chunk of procurements at a time.
//!
//! A build streams them: each gathering output makes its kind of fragment for a chunk of
//! procurements, writes the chunk and drops it, so memory does not grow with the number of
//! rows beyond the handbook itself. Watch mode instead makes all of a procurement's fragments
//! at once and keeps them in a [`RowCache`] across rebuilds in a [`RowCache`] across rebuilds: when one CSV row changes, only its
//! fragments are made again and the gathering outputs are assembled from the rest. A fragment
//! depends only on its procurement's row and plan and on site-wide pieces: watch mode clears the
//! cache whenever those change and forgets the procurements whose row or plan changed (the same
//! comparison that decides which project pages to render again; see `watch.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use super::blocks::Block;
use super::pages::UNKNOWN;
use super::{export, Site};
use crate::output::{part, Part, Sink};
use crate::theme::RenderError;

/// One procurement's fragments.
#[derive(Debug, Clone, Default)]
pub struct RowFragments {
    /// Its `<tr>` in the index table (`partials/index-row.html`).
    pub index_row: Part,
    /// Its entry in the home page's list of gaps (`partials/gap.html`), if it has gaps.
    pub gap: Option<Part>,
    /// (role, the role's deepest level, its `<tr>` on that role's page: `partials/role-row.html`).
    pub role_rows: Vec<(usize, usize, Part)>,
    /// Its object in projects.json.
    pub json: Part,
    /// Its rows in stakeholders.csv.
    pub csv: Part,
    /// Its entry in search-procurements.js.
    pub search: Part,
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

/// One kind of fragment: what one gathering output takes from each procurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    IndexRow,
    Gap,
    /// The rows on role `role`'s page, of the procurements where its deepest level is `level`.
    Role {
        role: usize,
        level: usize,
    },
    Json,
    Csv,
    Search,
}

impl RowFragments {
    fn get(&self, kind: Kind) -> Option<&Part> {
        match kind {
            Kind::IndexRow => Some(&self.index_row),
            Kind::Gap => self.gap.as_ref(),
            Kind::Role { role, level } => self
                .role_rows
                .iter()
                .find(|(r, top, _)| *r == role && *top == level)
                .map(|(_, _, html)| html),
            Kind::Json => Some(&self.json),
            Kind::Csv => Some(&self.csv),
            Kind::Search => Some(&self.search),
        }
    }
}

/// How many procurements a chunk of a streamed output holds: enough to keep every core busy,
/// few enough that a chunk's fragments are a few megabytes.
const CHUNK: usize = 1024;

/// Passes the `kind` fragments of every procurement that has one to `each`, in row order, a
/// chunk at a time. In watch mode they come from the cache (made for all procurements at once,
/// and kept); otherwise each chunk's are made in parallel and dropped once `each` has them, so
/// a build never holds all procurements' fragments: at 100,000 rows they are over 500 MB.
pub(super) fn each(
    site: &Site<'_>,
    kind: Kind,
    mut each: impl FnMut(&[Part]),
) -> Result<(), RenderError> {
    if site.cache.is_some() {
        for chunk in site.rows()?.chunks(CHUNK) {
            let parts: Vec<Part> = chunk.iter().filter_map(|f| f.get(kind).cloned()).collect();
            each(&parts);
        }
        return Ok(());
    }
    let n = site.handbook.procurements.rows.len();
    for start in (0..n).step_by(CHUNK) {
        let made: Vec<Option<Part>> = (start..n.min(start + CHUNK))
            .into_par_iter()
            .map(|i| fragment(site, i, kind))
            .collect::<Result<_, _>>()?;
        let parts: Vec<Part> = made.into_iter().flatten().collect();
        each(&parts);
    }
    Ok(())
}

/// A block of a page: the `kind` fragments of the `count` procurements that have one, each
/// followed by `after`.
pub(super) struct Rows<'s, 'a> {
    pub site: &'s Site<'a>,
    pub kind: Kind,
    pub after: &'static [u8],
    pub count: usize,
}

impl Block for Rows<'_, '_> {
    fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn write(&self, sink: &mut dyn Sink) -> Result<(), RenderError> {
        let after = part(self.after.to_vec());
        each(self.site, self.kind, |chunk| {
            let parts: Vec<Part> = chunk
                .iter()
                .flat_map(|part| [Arc::clone(part), Arc::clone(&after)])
                .collect();
            sink.parts(&parts);
        })
    }
}

/// Procurement `i`'s fragment of `kind`, if it has one.
fn fragment(site: &Site<'_>, i: usize, kind: Kind) -> Result<Option<Part>, RenderError> {
    Ok(match kind {
        Kind::IndexRow => Some(index_row(site, i)?),
        Kind::Gap => gap(site, i)?,
        Kind::Role { role, level } => match site.handbook.plans[i].top_level(role) {
            Some(top) if top == level => Some(role_row(site, i, role, top)?),
            _ => None,
        },
        Kind::Json => Some(part(export::project_json(site, i))),
        Kind::Csv => Some(part(export::project_csv(site, i))),
        Kind::Search => Some(part(export::project_search(site, i))),
    })
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

/// All of procurement `i`'s fragments.
fn make(site: &Site<'_>, i: usize) -> Result<RowFragments, RenderError> {
    let plan = &site.handbook.plans[i];
    let role_rows = plan
        .roles()
        .filter_map(|r| Some((r, plan.top_level(r)?)))
        .map(|(r, top)| Ok((r, top, role_row(site, i, r, top)?)))
        .collect::<Result<_, RenderError>>()?;
    Ok(RowFragments {
        index_row: index_row(site, i)?,
        gap: gap(site, i)?,
        role_rows,
        json: part(export::project_json(site, i)),
        csv: part(export::project_csv(site, i)),
        search: part(export::project_search(site, i)),
    })
}

/// Procurement `i`'s `<tr>` in the index table.
fn index_row(site: &Site<'_>, i: usize) -> Result<Part, RenderError> {
    let h = site.handbook;
    let procurements = &h.procurements;
    let schema = &procurements.schema;
    let p = &procurements.rows[i];
    let html = site.theme.render(
        "partials/index-row.html",
        &IndexRow {
            id: &p.id,
            slug: &p.slug,
            title: procurements.title(p),
            cells: schema
                .index_columns
                .iter()
                .map(|&f| {
                    p.value(f)
                        .map_or_else(|| UNKNOWN.to_string(), |v| schema.fields[f].display(v))
                })
                .collect(),
            roles: h.plans[i].roles().count(),
        },
    )?;
    Ok(trimmed(html))
}

/// Procurement `i`'s `<tr>` on role `r`'s page, where `top` is the role's deepest level.
fn role_row(site: &Site<'_>, i: usize, r: usize, top: usize) -> Result<Part, RenderError> {
    let h = site.handbook;
    let rules = &h.rules;
    let procurements = &h.procurements;
    let p = &procurements.rows[i];
    let plan = &h.plans[i];
    let stage = procurements
        .stage(p)
        .and_then(|s| rules.phase(s))
        .map_or(UNKNOWN, |ph| rules.phases[ph].name.as_str());
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
            title: procurements.title(p),
            stage,
            phases: names(&|c| c.level() == top),
            sign_off: names(&|c| c.sign_off),
        },
    )?;
    Ok(trimmed(html))
}

/// Procurement `i`'s entry in the home page's list of gaps, if it has gaps.
fn gap(site: &Site<'_>, i: usize) -> Result<Option<Part>, RenderError> {
    let h = site.handbook;
    let gap_roles = crate::handbook::gap_roles(h, i);
    if gap_roles.is_empty() {
        return Ok(None);
    }
    let p = &h.procurements.rows[i];
    let html = site.theme.render(
        "partials/gap.html",
        &GapRow {
            slug: &p.slug,
            title: h.procurements.title(p),
            roles: gap_roles
                .iter()
                .map(|&r| h.rules.roles[r].name.as_str())
                .collect(),
        },
    )?;
    Ok(Some(trimmed(html)))
}

/// A partial's output without the whitespace around it, ready to be written as a part.
fn trimmed(html: String) -> Part {
    part(html.trim().as_bytes().to_vec())
}
