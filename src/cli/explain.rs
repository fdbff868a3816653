//! `procbook explain [DIR] ID`: one procurement's stakeholder plan in the terminal — a role ×
//! phase matrix, then each role's assignee and the rules that put it there, with why and source.

use std::fmt::Write as _;
use std::path::Path;

use anstream::{eprint, eprintln, print, println};
use anstyle::Style;

use super::{Format, Outcome};
use procbook::diagnostics::closest;
use procbook::handbook::{self, Handbook, LoadOptions};
use procbook::messages::{self, BOLD, DIM, ERROR, HELP};
use procbook::stakeholders::{project_plan, ProjectPlan};

pub fn run(dir: &Path, id: &str, format: Format) -> Outcome {
    let loaded = handbook::load(dir, LoadOptions::default());
    let Some(h) = loaded.handbook else {
        eprint!("{}", messages::diagnostics_text(&loaded.diagnostics));
        eprintln!("{ERROR}error{ERROR:#}: the handbook has problems; fix them first (`procbook check` lists them)");
        return Outcome::Problems;
    };
    let Some(index) = h.find(id) else {
        eprintln!(
            "{ERROR}error{ERROR:#}: no procurement has the id \"{id}\" in {}",
            h.procurements.file.display()
        );
        if let Some(s) = closest(id, h.procurements.rows.iter().map(|p| p.id.as_str())) {
            eprintln!("  {HELP}help:{HELP:#} did you mean `{s}`?");
        }
        return Outcome::Usage;
    };
    let plan = project_plan(&h, index);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&JsonPlan {
                schema: "procbook.plan/1",
                plan: &plan
            })
            .unwrap_or_default()
        ),
        Format::Text => print!("{}", text(&h, index, &plan)),
    }
    Outcome::Clean
}

#[derive(serde::Serialize)]
struct JsonPlan<'a> {
    schema: &'static str,
    #[serde(flatten)]
    plan: &'a ProjectPlan<'a>,
}

/// The widest role-name column; with 7 phases of 10 columns the table fits 100 columns.
const ROLE_WIDTH: usize = 26;
const CELL_WIDTH: usize = 10;

fn text(h: &Handbook, index: usize, plan: &ProjectPlan<'_>) -> String {
    let rules = &h.rules;
    let mut out = String::new();
    let _ = writeln!(out, "{BOLD}{}{BOLD:#}  {DIM}{}{DIM:#}", plan.title, plan.id);
    if let Some(stage) = plan.stage.and_then(|s| rules.phase(s)) {
        let _ = writeln!(out, "Current stage: {}", rules.phases[stage].name);
    }
    let _ = writeln!(out);
    if plan.roles.is_empty() {
        let _ = writeln!(out, "No rule involves any role in this procurement.");
        return out;
    }
    let width = plan
        .roles
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(ROLE_WIDTH);
    let _ = write!(out, "{BOLD}{:width$}{BOLD:#}", "Role");
    for phase in &rules.phases {
        let _ = write!(
            out,
            "  {BOLD}{:<w$}{BOLD:#}",
            abbreviate(&phase.name, CELL_WIDTH - 2),
            w = CELL_WIDTH - 2
        );
    }
    while out.ends_with(' ') {
        out.pop();
    }
    let _ = writeln!(out);
    let cells = &h.plans[index];
    for (role_plan, r) in plan.roles.iter().zip(cells.roles()) {
        let _ = write!(out, "{:width$}", abbreviate(role_plan.name, width));
        for ph in 0..rules.phases.len() {
            let cell = match cells.cell(r, ph) {
                Some(c) => format!(
                    "{}{}",
                    rules.levels[c.level()].id,
                    if c.sign_off { "*" } else { "" }
                ),
                None => "-".into(),
            };
            let style = level_style(cells.cell(r, ph).map(|c| c.level()), rules.levels.len());
            let w = if ph + 1 == rules.phases.len() {
                0
            } else {
                CELL_WIDTH - 2
            };
            let _ = write!(out, "  {style}{cell:<w$}{style:#}");
        }
        let _ = writeln!(out);
    }
    let levels = rules
        .levels
        .iter()
        .map(|l| l.id.as_str())
        .collect::<Vec<_>>()
        .join(" < ");
    let _ = writeln!(
        out,
        "\n{DIM}* sign-off: the role's approval is a gate in that phase.{DIM:#}"
    );
    let _ = writeln!(out, "{DIM}Levels, lowest first: {levels}.{DIM:#}");

    for role in &plan.roles {
        let _ = writeln!(out);
        let assignee = match role.assignee {
            Some(a) => a.to_string(),
            None if h.procurements.schema.assignee_field(role.id).is_some() => "unassigned".into(),
            None => "not tracked".into(),
        };
        let _ = write!(out, "{BOLD}{}{BOLD:#}: {}", role.name, role.level);
        if !role.sign_off.is_empty() {
            let _ = write!(out, ", signs off in {}", phase_names(h, &role.sign_off));
        }
        let _ = writeln!(out, "; assigned: {assignee}");
        for rule in &role.rules {
            let mut scope = format!("{} in {}", rule.level, phase_names(h, &rule.phases));
            if !rule.sign_off.is_empty() {
                let _ = write!(scope, "; signs off in {}", phase_names(h, &rule.sign_off));
            }
            if 7 + rule.id.chars().count() + scope.chars().count() <= WIDTH {
                let _ = writeln!(out, "  - {HELP}{}{HELP:#} {DIM}({scope}){DIM:#}", rule.id);
            } else {
                let _ = writeln!(out, "  - {HELP}{}{HELP:#}", rule.id);
                wrap(&mut out, "    (", &format!("{scope})"));
            }
            wrap(&mut out, "    why: ", rule.why);
            if !rule.source.is_empty() || rule.source_url.is_some() {
                let url = rule
                    .source_url
                    .map(|u| format!(" <{u}>"))
                    .unwrap_or_default();
                if 12 + rule.source.chars().count() + url.chars().count() <= WIDTH {
                    let _ = writeln!(out, "    source: {}{url}", rule.source);
                } else {
                    // A long address goes on a line of its own: it cannot be broken.
                    wrap(&mut out, "    source: ", rule.source);
                    if !url.is_empty() {
                        let _ = writeln!(out, "           {url}");
                    }
                }
            }
        }
    }
    out
}

/// The width explain's text fits in.
const WIDTH: usize = 100;

/// Writes `text` after `label`, wrapped at [`WIDTH`] with continuation lines indented.
fn wrap(out: &mut String, label: &str, text: &str) {
    let indent = label.chars().count();
    let mut line = String::from(label);
    let mut width = indent;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if width > indent && width + 1 + w > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent);
            width = indent;
        }
        if width > indent {
            line.push(' ');
            width += 1;
        }
        line.push_str(word);
        width += w;
    }
    out.push_str(&line);
    out.push('\n');
}

fn phase_names(h: &Handbook, ids: &[&str]) -> String {
    if ids.len() == h.rules.phases.len() {
        return "all phases".into();
    }
    ids.iter()
        .filter_map(|id| h.rules.phase(id))
        .map(|p| h.rules.phases[p].name.to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Deeper levels stand out more.
fn level_style(level: Option<usize>, levels: usize) -> Style {
    match level {
        None => DIM,
        Some(l) if l + 1 == levels => BOLD,
        Some(_) => Style::new(),
    }
}

/// "Solicitation" → "Solicita." for a column of `width`; "Needs assessment" → "Needs".
fn abbreviate(name: &str, width: usize) -> String {
    if name.chars().count() <= width {
        return name.to_string();
    }
    let first = name.split_whitespace().next().unwrap_or(name);
    if first.chars().count() <= width {
        return first.to_string();
    }
    let mut s: String = first.chars().take(width - 1).collect();
    s.push('.');
    s
}

#[cfg(test)]
mod tests {
    use super::abbreviate;

    #[test]
    fn phase_names_fit_their_column() {
        assert_eq!(abbreviate("Needs assessment", 8), "Needs");
        assert_eq!(abbreviate("Solicitation", 8), "Solicit.");
        assert_eq!(abbreviate("Evaluation", 10), "Evaluation");
    }
}
