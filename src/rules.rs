//! `data/roles.toml` → [`RuleSet`]: phases, levels, roles, thresholds and the rules that decide
//! who to involve; and [`RuleSet::evaluate`], one procurement → its [`StakeholderPlan`].
//!
//! Loading has two steps because conditions are typed by the procurements' fields: [`parse`]
//! reads the vocabulary (phases, levels, roles, thresholds), which the CSV loader needs for the
//! stage field, and [`RuleFile::compile`] then checks each rule's condition against the schema.
//! Evaluation is monotone: every rule whose condition holds contributes, per (role, phase) the
//! highest level wins and sign-offs are unioned, so rule order never matters.

mod condition;
mod plan;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

pub use condition::{compile as compile_condition, Condition, ConditionContext};
pub use plan::{Involvement, StakeholderPlan};

use crate::config::toml_error;
use crate::diagnostics::{display_path, list, Diagnostic, Diagnostics, LineIndex, Position};
use crate::procurements::{PhaseName, Procurement, Schema};

/// A step of the procurement, from needs assessment to monitoring.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// How deeply a role takes part, ordered from least to most (inform < consult < advise < lead).
#[derive(Debug, Clone, Serialize)]
pub struct Level {
    pub id: String,
    pub name: String,
    pub raci: String,
    pub description: String,
}

/// A stakeholder role: who they are and what they do.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub responsibilities: Vec<String>,
    /// The role stands for residents or end users: where it takes part, pages show the public
    /// participation resources.
    pub participation: bool,
    #[serde(skip)]
    pub guidance: Option<GuidanceRef>,
}

/// A link from the rules file to a guidance page (`page.md#anchor`), checked once guidance is
/// loaded.
#[derive(Debug, Clone)]
pub struct GuidanceRef {
    pub target: String,
    pub at: Option<Position>,
}

/// A set of phases, as bits in phase order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PhaseSet(u64);

impl PhaseSet {
    pub const MAX: usize = 64;

    pub fn all(n: usize) -> Self {
        PhaseSet(if n >= 64 { u64::MAX } else { (1u64 << n) - 1 })
    }
    pub fn insert(&mut self, phase: usize) {
        self.0 |= 1 << phase;
    }
    pub fn contains(self, phase: usize) -> bool {
        self.0 & (1 << phase) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn is_subset(self, other: PhaseSet) -> bool {
        self.0 & !other.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..64).filter(move |&i| self.contains(i))
    }
}

/// One rule: when its condition holds, `role` is involved at `level` in `phases`.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub role: usize,
    pub level: usize,
    pub phases: PhaseSet,
    pub sign_off: PhaseSet,
    pub why: String,
    pub source: String,
    pub source_url: Option<String>,
    pub guidance: Option<GuidanceRef>,
    pub when: Condition,
    pub line: usize,
}

/// The vocabulary and rules of a handbook.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The rules file as shown to the user.
    pub file: PathBuf,
    pub phases: Vec<Phase>,
    pub levels: Vec<Level>,
    pub roles: Vec<Role>,
    pub thresholds: BTreeMap<String, f64>,
    pub rules: Vec<Rule>,
}

impl RuleSet {
    pub fn phase(&self, id: &str) -> Option<usize> {
        self.phases.iter().position(|p| p.id == id)
    }
    pub fn role(&self, id: &str) -> Option<usize> {
        self.roles.iter().position(|r| r.id == id)
    }

    /// The ids of the phases in `set`, in order.
    pub fn phase_ids(&self, set: PhaseSet) -> Vec<&str> {
        set.iter()
            .filter_map(|i| self.phases.get(i))
            .map(|p| p.id.as_str())
            .collect()
    }

    /// Who to involve in `procurement`, in which phase, how deeply, and which rules say so.
    pub fn evaluate(&self, procurement: &Procurement) -> StakeholderPlan {
        plan::evaluate(self, procurement)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    phase: Vec<Spanned<RawPhase>>,
    #[serde(default)]
    level: Vec<Spanned<RawLevel>>,
    #[serde(default)]
    role: Vec<Spanned<RawRole>>,
    #[serde(default)]
    thresholds: BTreeMap<String, Spanned<f64>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhase {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    raci: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    responsibilities: Vec<String>,
    #[serde(default)]
    participation: bool,
    guidance: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    role: Spanned<String>,
    level: Spanned<String>,
    phases: Option<Spanned<Phases>>,
    #[serde(default)]
    sign_off: Vec<Spanned<String>>,
    why: String,
    #[serde(default)]
    source: String,
    source_url: Option<String>,
    guidance: Option<Spanned<String>>,
    /// Not `Spanned`: the toml crate cannot give a span to a value written as a `[rule.when]`
    /// table (toml-rs/toml#798); errors inside it are located by searching the rule's text.
    when: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Phases {
    All(String),
    List(Vec<String>),
}

/// A rules file whose vocabulary is loaded and whose rules await the procurements' schema.
pub struct RuleFile {
    source: String,
    set: RuleSet,
    raw_rules: Vec<Spanned<RawRule>>,
}

impl RuleFile {
    /// The phases, for checking the stage field of the procurements.
    pub fn phase_names(&self) -> Vec<PhaseName<'_>> {
        self.set
            .phases
            .iter()
            .map(|p| PhaseName {
                id: &p.id,
                name: &p.name,
            })
            .collect()
    }

    pub fn vocabulary(&self) -> &RuleSet {
        &self.set
    }

    /// Checks every rule against the vocabulary and the procurements' fields.
    pub fn compile(mut self, schema: &Schema, diagnostics: &mut Diagnostics) -> RuleSet {
        let file = self.set.file.clone();
        let index = LineIndex::new(&self.source);
        let mut seen: HashMap<String, usize> = HashMap::new();
        let raw_rules = std::mem::take(&mut self.raw_rules);
        let context = ConditionContext {
            schema,
            thresholds: &self.set.thresholds,
        };
        for raw in raw_rules {
            let rule_span = raw.span();
            let raw = raw.into_inner();
            let line = index.position(rule_span.start).line;
            let err = |code, span: Range<usize>, message: String| {
                Diagnostic::error(code, file.clone(), message).at(Some(index.position(span.start)))
            };
            let id = raw.id.as_ref().clone();
            if let Some(first) = seen.insert(id.clone(), line) {
                diagnostics.push(err(
                    "rule-duplicate",
                    raw.id.span(),
                    format!("the rule id \"{id}\" is already used by the rule on line {first}"),
                ));
            }
            let role = self.set.role(raw.role.as_ref());
            if role.is_none() {
                diagnostics.push(
                    err(
                        "unknown-role",
                        raw.role.span(),
                        format!(
                            "rule \"{id}\" names the role \"{}\", which is not defined",
                            raw.role.as_ref()
                        ),
                    )
                    .suggest(
                        raw.role.as_ref(),
                        self.set.roles.iter().map(|r| r.id.as_str()),
                    )
                    .with_help(format!(
                        "the roles are: {}",
                        list(self.set.roles.iter().map(|r| &r.id))
                    )),
                );
            }
            let level = self
                .set
                .levels
                .iter()
                .position(|l| l.id == *raw.level.as_ref());
            if level.is_none() {
                diagnostics.push(
                    err(
                        "unknown-level",
                        raw.level.span(),
                        format!(
                            "rule \"{id}\" names the level \"{}\", which is not defined",
                            raw.level.as_ref()
                        ),
                    )
                    .suggest(
                        raw.level.as_ref(),
                        self.set.levels.iter().map(|l| l.id.as_str()),
                    )
                    .with_help(format!(
                        "the levels are: {}",
                        list(self.set.levels.iter().map(|l| &l.id))
                    )),
                );
            }
            let phases = match &raw.phases {
                None => Some(PhaseSet::all(self.set.phases.len())),
                Some(p) => self.phase_set(p.as_ref(), p.span(), &id, &index, diagnostics),
            };
            let mut sign_off = PhaseSet::default();
            let mut sign_off_ok = true;
            for s in &raw.sign_off {
                match self.set.phase(s.as_ref()) {
                    Some(p) if phases.is_none_or(|ps| ps.contains(p)) => sign_off.insert(p),
                    Some(_) => {
                        sign_off_ok = false;
                        diagnostics.push(
                            err("sign-off-phase", s.span(), format!("rule \"{id}\" signs off in \"{}\" but does not involve the role in that phase", s.as_ref()))
                                .with_help("add the phase to `phases`, or remove it from `sign_off`"),
                        );
                    }
                    None => {
                        sign_off_ok = false;
                        diagnostics.push(self.unknown_phase(&id, s.as_ref(), s.span(), &index));
                    }
                }
            }
            let when = match &raw.when {
                None => Some(Condition::Always),
                Some(w) => {
                    // From the rule's start on: a `[rule.when]` table may come after its span.
                    let span = rule_span.start..self.source.len();
                    let locate = |needle: &str| Some(index.find_in(span.clone(), needle));
                    condition::compile(
                        w,
                        &context,
                        &locate,
                        &file,
                        &format!("rule \"{id}\""),
                        diagnostics,
                    )
                }
            };
            let guidance = raw.guidance.as_ref().map(|g| GuidanceRef {
                target: g.as_ref().clone(),
                at: Some(index.position(g.span().start)),
            });
            if let (Some(role), Some(level), Some(phases), Some(when), true) =
                (role, level, phases, when, sign_off_ok)
            {
                self.set.rules.push(Rule {
                    id,
                    role,
                    level,
                    phases,
                    sign_off,
                    why: raw.why,
                    source: raw.source,
                    source_url: raw.source_url,
                    guidance,
                    when,
                    line,
                });
            }
        }
        self.set
    }

    fn phase_set(
        &self,
        phases: &Phases,
        span: Range<usize>,
        rule: &str,
        index: &LineIndex,
        diagnostics: &mut Diagnostics,
    ) -> Option<PhaseSet> {
        match phases {
            Phases::All(s) if s == "*" => Some(PhaseSet::all(self.set.phases.len())),
            Phases::All(s) => {
                diagnostics.push(
                    Diagnostic::error("phases", self.set.file.clone(), format!("rule \"{rule}\" has `phases = \"{s}\"`"))
                        .at(Some(index.position(span.start)))
                        .with_help("write `phases = \"*\"` for all phases, or a list such as `phases = [\"solicitation\", \"contracting\"]`"),
                );
                None
            }
            Phases::List(list) => {
                let mut set = PhaseSet::default();
                let mut ok = true;
                for p in list {
                    match self.set.phase(p) {
                        Some(i) => set.insert(i),
                        None => {
                            ok = false;
                            diagnostics.push(self.unknown_phase(rule, p, span.clone(), index));
                        }
                    }
                }
                ok.then_some(set)
            }
        }
    }

    fn unknown_phase(
        &self,
        rule: &str,
        phase: &str,
        span: Range<usize>,
        index: &LineIndex,
    ) -> Diagnostic {
        Diagnostic::error(
            "unknown-phase",
            self.set.file.clone(),
            format!("rule \"{rule}\" names the phase \"{phase}\", which is not defined"),
        )
        .at(Some(index.find_in(span, &format!("\"{phase}\""))))
        .suggest(phase, self.set.phases.iter().map(|p| p.id.as_str()))
        .with_help(format!(
            "the phases are: {}",
            list(self.set.phases.iter().map(|p| &p.id))
        ))
    }
}

/// Reads the rules file's vocabulary. `None` when the file cannot be used at all.
pub fn parse(root: &Path, path: &Path, diagnostics: &mut Diagnostics) -> Option<RuleFile> {
    let shown = display_path(root, path);
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                "io",
                shown,
                format!("cannot read {}: {e}", path.display()),
            ));
            return None;
        }
    };
    parse_str(source, shown, diagnostics)
}

/// Like [`parse`], on text already in memory; `shown` is the path used in messages.
pub fn parse_str(
    source: String,
    shown: PathBuf,
    diagnostics: &mut Diagnostics,
) -> Option<RuleFile> {
    let raw: RawFile = match toml::from_str(&source) {
        Ok(r) => r,
        Err(e) => {
            diagnostics.push(toml_error(shown, &source, &e));
            return None;
        }
    };
    let index = LineIndex::new(&source);
    let before = diagnostics.error_count();
    let duplicate = |kind: &str, ids: Vec<&Spanned<String>>, d: &mut Diagnostics| {
        let mut seen = HashMap::new();
        for id in ids {
            let line = index.position(id.span().start).line;
            if let Some(first) = seen.insert(id.as_ref().clone(), line) {
                d.push(
                    Diagnostic::error(
                        "duplicate-id",
                        shown.clone(),
                        format!(
                            "the {kind} id \"{}\" is already defined on line {first}",
                            id.as_ref()
                        ),
                    )
                    .at(Some(index.position(id.span().start))),
                );
            }
            let valid = !id.as_ref().is_empty()
                && id
                    .as_ref()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !valid {
                d.push(
                    Diagnostic::error(
                        "id-format",
                        shown.clone(),
                        format!(
                            "the {kind} id \"{}\" may only use a-z, 0-9, `_` and `-`",
                            id.as_ref()
                        ),
                    )
                    .at(Some(index.position(id.span().start)))
                    .with_help(
                        "ids become parts of page addresses; put the display text in `name`",
                    ),
                );
            }
        }
    };
    duplicate(
        "phase",
        raw.phase.iter().map(|p| &p.as_ref().id).collect(),
        diagnostics,
    );
    duplicate(
        "level",
        raw.level.iter().map(|l| &l.as_ref().id).collect(),
        diagnostics,
    );
    duplicate(
        "role",
        raw.role.iter().map(|r| &r.as_ref().id).collect(),
        diagnostics,
    );
    for (what, empty) in [
        ("[[phase]]", raw.phase.is_empty()),
        ("[[level]]", raw.level.is_empty()),
    ] {
        if empty {
            diagnostics.push(
                Diagnostic::error(
                    "vocabulary",
                    shown.clone(),
                    format!("the rules file defines no {what}"),
                )
                .with_help(
                    "see the example handbook's data/roles.toml (`procbook init` writes one)",
                ),
            );
        }
    }
    if raw.level.len() > usize::from(u8::MAX) {
        diagnostics.push(Diagnostic::error(
            "vocabulary",
            shown.clone(),
            format!(
                "the rules file defines {} levels; at most {} are supported",
                raw.level.len(),
                u8::MAX
            ),
        ));
    }
    if raw.phase.len() > PhaseSet::MAX {
        diagnostics.push(Diagnostic::error(
            "vocabulary",
            shown.clone(),
            format!(
                "the rules file defines {} phases; at most {} are supported",
                raw.phase.len(),
                PhaseSet::MAX
            ),
        ));
    }
    for (name, value) in &raw.thresholds {
        if !value.get_ref().is_finite() {
            diagnostics.push(
                Diagnostic::error(
                    "threshold",
                    shown.clone(),
                    format!(
                        "the threshold \"{name}\" is {}, which no value equals or is above or below",
                        value.get_ref()
                    ),
                )
                .at(Some(index.position(value.span().start)))
                .with_help("write a number, such as 250000"),
            );
        }
    }
    if diagnostics.error_count() > before {
        return None;
    }
    let set = RuleSet {
        file: shown,
        phases: raw
            .phase
            .into_iter()
            .map(|p| p.into_inner())
            .map(|p| Phase {
                id: p.id.into_inner(),
                name: p.name,
                description: p.description,
            })
            .collect(),
        levels: raw
            .level
            .into_iter()
            .map(|l| l.into_inner())
            .map(|l| Level {
                id: l.id.into_inner(),
                name: l.name,
                raci: l.raci,
                description: l.description,
            })
            .collect(),
        roles: raw
            .role
            .into_iter()
            .map(|r| r.into_inner())
            .map(|r| Role {
                id: r.id.into_inner(),
                name: r.name,
                summary: r.summary,
                responsibilities: r.responsibilities,
                participation: r.participation,
                guidance: r.guidance.map(|g| GuidanceRef {
                    at: Some(index.position(g.span().start)),
                    target: g.into_inner(),
                }),
            })
            .collect(),
        thresholds: raw
            .thresholds
            .into_iter()
            .map(|(k, v)| (k, v.into_inner()))
            .collect(),
        rules: Vec::new(),
    };
    Some(RuleFile {
        source,
        set,
        raw_rules: raw.rule,
    })
}

#[cfg(test)]
mod tests;
