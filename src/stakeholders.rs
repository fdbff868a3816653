//! One procurement's stakeholder plan as plain data, with names resolved: what `explain
//! --format json` prints and what the build exports. The schema is documented in
//! docs/formats.md (`procbook.plan/1`); hidden fields never appear in it.

use serde::Serialize;

use crate::handbook::Handbook;

/// A procurement with its plan.
#[derive(Debug, Serialize)]
pub struct ProjectPlan<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub title: &'a str,
    /// The phase id of the current stage, when known.
    pub stage: Option<&'a str>,
    /// The CSV line the row starts on.
    pub line: usize,
    /// Every public field, in CSV order, blank ones included as `null`.
    pub attributes: Vec<Attribute<'a>>,
    /// The roles involved, in the rules file's order.
    pub roles: Vec<RolePlan<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Attribute<'a> {
    pub field: &'a str,
    pub label: &'a str,
    pub value: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RolePlan<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// The person named in the role's assignee column; `null` when blank or not tracked.
    pub assignee: Option<&'a str>,
    /// The deepest level over all phases.
    pub level: &'a str,
    /// Phase ids where the role's approval is a gate.
    pub sign_off: Vec<&'a str>,
    /// The phases the role takes part in, in order.
    pub phases: Vec<PhaseCell<'a>>,
    /// The rules that put the role in the plan.
    pub rules: Vec<RuleRef<'a>>,
}

#[derive(Debug, Serialize)]
pub struct PhaseCell<'a> {
    pub phase: &'a str,
    pub level: &'a str,
    pub sign_off: bool,
    /// Ids of the rules behind this cell.
    pub rules: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct RuleRef<'a> {
    pub id: &'a str,
    pub level: &'a str,
    pub phases: Vec<&'a str>,
    pub sign_off: Vec<&'a str>,
    pub why: &'a str,
    pub source: &'a str,
    pub source_url: Option<&'a str>,
    /// The line of the rule in the rules file.
    pub line: usize,
}

/// The plan of procurement `index` of the handbook.
pub fn project_plan(h: &Handbook, index: usize) -> ProjectPlan<'_> {
    let p = &h.procurements.rows[index];
    let plan = &h.plans[index];
    let rules = &h.rules;
    let roles = plan
        .roles()
        .map(|r| {
            let role = &rules.roles[r];
            RolePlan {
                id: &role.id,
                name: &role.name,
                assignee: h.assignee(index, r),
                level: plan
                    .top_level(r)
                    .map_or("", |l| rules.levels[l].id.as_str()),
                sign_off: rules.phase_ids(plan.sign_offs(r)),
                phases: plan
                    .row(r)
                    .iter()
                    .enumerate()
                    .filter_map(|(ph, c)| {
                        let c = (*c)?;
                        Some(PhaseCell {
                            phase: &rules.phases[ph].id,
                            level: &rules.levels[c.level()].id,
                            sign_off: c.sign_off,
                            rules: plan
                                .trace(rules, r, ph)
                                .map(|i| rules.rules[i].id.as_str())
                                .collect(),
                        })
                    })
                    .collect(),
                rules: plan
                    .rules_for(rules, r)
                    .map(|i| {
                        let rule = &rules.rules[i];
                        RuleRef {
                            id: &rule.id,
                            level: &rules.levels[rule.level].id,
                            phases: rules.phase_ids(rule.phases),
                            sign_off: rules.phase_ids(rule.sign_off),
                            why: &rule.why,
                            source: &rule.source,
                            source_url: rule.source_url.as_deref(),
                            line: rule.line,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    ProjectPlan {
        id: &p.id,
        slug: &p.slug,
        title: h.procurements.title(p),
        stage: h.procurements.stage(p),
        line: p.line,
        attributes: h
            .procurements
            .schema
            .public_fields()
            .map(|(i, f)| Attribute {
                field: &f.name,
                label: &f.label,
                value: p.value(i).map(|v| v.display()),
            })
            .collect(),
        roles,
    }
}
