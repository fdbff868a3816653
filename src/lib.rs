//! procbook turns a procurement office's working files — guidance in Markdown, a CSV of its AI
//! procurements and role rules in TOML — into a static HTML handbook on who to involve in buying
//! AI, when, how deeply and why.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! load ([`config`], [`procurements`], [`rules`], [`guidance`], [`resources`], assembled by
//! [`handbook`]) → plan ([`rules::RuleSet::evaluate`], [`stakeholders`]) → report ([`messages`]).

pub mod config;
pub mod diagnostics;
pub mod guidance;
pub mod handbook;
pub mod markdown;
pub mod messages;
pub mod procurements;
pub mod resources;
pub mod rules;
pub mod slug;
pub mod stakeholders;
pub mod table;
