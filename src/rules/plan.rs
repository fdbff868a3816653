//! A procurement's stakeholder plan: the role × phase matrix of levels and sign-offs, and the
//! trace of rules behind every cell.

use super::{PhaseSet, RuleSet};
use crate::procurements::Procurement;

/// How one role takes part in one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Involvement {
    /// Index into [`RuleSet::levels`]; higher is deeper. (A byte: a plan has a cell per role and
    /// phase for every procurement, so at 100,000 rows its size matters; see [`Self::level`].)
    pub rank: u8,
    /// The role's approval is a gate in this phase.
    pub sign_off: bool,
}

impl Involvement {
    /// Index into [`RuleSet::levels`].
    pub fn level(&self) -> usize {
        usize::from(self.rank)
    }
}

/// Who to involve in one procurement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakeholderPlan {
    phases: usize,
    /// Role-major: `cells[role * phases + phase]`.
    cells: Vec<Option<Involvement>>,
    /// The rules whose condition held, in file order.
    pub fired: Vec<usize>,
}

impl StakeholderPlan {
    pub fn cell(&self, role: usize, phase: usize) -> Option<Involvement> {
        self.cells[role * self.phases + phase]
    }

    /// The cells of one role, in phase order.
    pub fn row(&self, role: usize) -> &[Option<Involvement>] {
        &self.cells[role * self.phases..(role + 1) * self.phases]
    }

    /// Whether the role takes part at all.
    pub fn involves(&self, role: usize) -> bool {
        self.row(role).iter().any(Option::is_some)
    }

    /// The roles that take part, in the rules file's order.
    pub fn roles(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.cells.len() / self.phases.max(1)).filter(|&r| self.involves(r))
    }

    /// The deepest level of a role over all phases.
    pub fn top_level(&self, role: usize) -> Option<usize> {
        self.row(role)
            .iter()
            .flatten()
            .map(Involvement::level)
            .max()
    }

    /// The phases where the role signs off.
    pub fn sign_offs(&self, role: usize) -> PhaseSet {
        let mut set = PhaseSet::default();
        for (p, c) in self.row(role).iter().enumerate() {
            if c.is_some_and(|c| c.sign_off) {
                set.insert(p);
            }
        }
        set
    }

    /// The fired rules that put `role` into the plan.
    pub fn rules_for<'a>(
        &'a self,
        rules: &'a RuleSet,
        role: usize,
    ) -> impl Iterator<Item = usize> + 'a {
        self.fired
            .iter()
            .copied()
            .filter(move |&r| rules.rules[r].role == role)
    }

    /// The fired rules behind one cell: those that involve `role` in `phase`.
    pub fn trace<'a>(
        &'a self,
        rules: &'a RuleSet,
        role: usize,
        phase: usize,
    ) -> impl Iterator<Item = usize> + 'a {
        self.rules_for(rules, role)
            .filter(move |&r| rules.rules[r].phases.contains(phase))
    }
}

pub(super) fn evaluate(rules: &RuleSet, p: &Procurement) -> StakeholderPlan {
    let phases = rules.phases.len();
    let mut cells = vec![None::<Involvement>; rules.roles.len() * phases];
    let mut fired = Vec::new();
    for (i, rule) in rules.rules.iter().enumerate() {
        if !rule.when.holds(p) {
            continue;
        }
        fired.push(i);
        for phase in rule.phases.iter().take_while(|&ph| ph < phases) {
            let cell = &mut cells[rule.role * phases + phase];
            let sign_off = rule.sign_off.contains(phase);
            let level = u8::try_from(rule.level).unwrap_or(u8::MAX);
            *cell = Some(match *cell {
                None => Involvement {
                    rank: level,
                    sign_off,
                },
                Some(c) => Involvement {
                    rank: c.rank.max(level),
                    sign_off: c.sign_off || sign_off,
                },
            });
        }
    }
    StakeholderPlan {
        phases,
        cells,
        fired,
    }
}
