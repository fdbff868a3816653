//! Any text as data/roles.toml: a rule set checked against the fixed procurements' fields and
//! evaluated on their rows, or errors on a line of the file. Never a panic; rule order never
//! changes a plan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procbook::diagnostics::Diagnostics;
use procbook::rules::{self, PhaseSet, RuleSet};
use procbook_fuzz::{assert_located, lf_lines, procurements};

const FILE: &str = "data/roles.toml";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let lines = lf_lines(&text);
    let mut d = Diagnostics::default();
    let parsed = rules::parse_str(text, FILE.into(), &mut d);
    let Some(file) = parsed else {
        assert!(d.has_errors(), "no rules and no error");
        for diag in &d {
            // Too many phases or levels, or none at all, is about the whole file.
            assert_located(diag, FILE, lines, diag.code == "vocabulary");
        }
        return;
    };
    assert!(d.is_empty(), "{d:?}");
    let procurements = {
        let phases = file.phase_names();
        assert!(!phases.is_empty() && phases.len() <= PhaseSet::MAX);
        procurements(&phases)
    };
    let set = file.compile(&procurements.schema, &mut d);
    for diag in &d {
        assert_located(diag, FILE, lines, false);
    }
    let all = PhaseSet::all(set.phases.len());
    for rule in &set.rules {
        assert!(rule.role < set.roles.len() && rule.level < set.levels.len());
        assert!(rule.phases.is_subset(all) && rule.sign_off.is_subset(rule.phases));
        assert!(rule.line >= 1 && rule.line <= lines);
    }
    let mut reversed: RuleSet = set.clone();
    reversed.rules.reverse();
    for row in &procurements.rows {
        let plan = set.evaluate(row);
        let other = reversed.evaluate(row);
        for role in 0..set.roles.len() {
            for phase in 0..set.phases.len() {
                // Per (role, phase) the highest level of the rules that hold wins, sign-offs
                // are unioned, and the order of the rules does not matter.
                let covering: Vec<_> = plan
                    .fired
                    .iter()
                    .map(|&r| &set.rules[r])
                    .filter(|r| r.role == role && r.phases.contains(phase))
                    .collect();
                let cell = plan.cell(role, phase);
                match cell {
                    None => assert!(covering.is_empty()),
                    Some(c) => {
                        assert_eq!(Some(c.level()), covering.iter().map(|r| r.level).max());
                        assert_eq!(
                            c.sign_off,
                            covering.iter().any(|r| r.sign_off.contains(phase))
                        );
                    }
                }
                assert_eq!(cell, other.cell(role, phase), "rule order changed a cell");
            }
        }
        for &r in &plan.fired {
            assert!(set.rules[r].when.holds(row));
        }
    }
});
