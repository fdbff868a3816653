//! `procbook build`, tested the way a reader and an office would notice problems: the pages are
//! parsed with an HTML5 parser (scraper) and checked for structure, links, escaping and the data
//! they show; the exports are parsed with their own parsers; the output folder is compared byte
//! by byte across builds, failed builds and removed rows.
//!
//! The reference handbook is `tests/fixtures/small/`; the expected stakeholder matrices below
//! are worked out by hand from its `data/roles.toml`. Tests that change inputs copy it to a
//! temporary folder first, and every site is written into a temporary folder. The tests live in
//! `tests/build/`, one file per concern.

#[path = "build/exports.rs"]
mod exports;
#[path = "build/injection.rs"]
mod injection;
#[path = "build/links.rs"]
mod links;
#[path = "build/output.rs"]
mod output;
#[path = "build/pages.rs"]
mod pages;
#[path = "build/support.rs"]
mod support;
