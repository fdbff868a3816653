//! procbook turns a procurement office's working files — guidance in Markdown, a CSV of its AI
//! procurements and role rules in TOML — into a static HTML handbook on who to involve in buying
//! AI, when, how deeply and why.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! load ([`config`], [`procurements`], [`rules`], [`guidance`], [`resources`], assembled by
//! [`handbook`]) → plan ([`rules::RuleSet::evaluate`], [`stakeholders`]) → render ([`site`],
//! [`theme`]) → write ([`output`]), driven by [`build`]; [`messages`] words what is reported.

pub mod build;
pub mod config;
pub mod diagnostics;
pub mod guidance;
pub mod handbook;
pub mod init;
pub mod markdown;
pub mod messages;
pub mod output;
pub mod procurements;
pub mod resources;
pub mod rules;
pub mod serve;
pub mod site;
pub mod slug;
pub mod stakeholders;
pub mod table;
pub mod theme;
pub mod watch;
