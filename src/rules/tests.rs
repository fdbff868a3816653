use super::condition::{Bound, Comparison, Test};
use super::*;
use crate::config::{self, Delimiter, Encoding, LoadedConfig};
use crate::procurements::{self, Procurements, Value};
use crate::table;
use proptest::prelude::*;

const BOOK: &str = r#"
[procurements.fields.pathway]
type = "enum"
values = ["off_the_shelf", "customize", "build"]
[procurements.fields.impact]
type = "number"
[procurements.fields.resident_facing]
type = "bool"
"#;

const VOCABULARY: &str = r#"
[[phase]]
id = "needs_assessment"
name = "Needs assessment"
[[phase]]
id = "solicitation"
name = "Solicitation"
[[phase]]
id = "contracting"
name = "Contracting"

[[level]]
id = "inform"
name = "Inform"
[[level]]
id = "consult"
name = "Consult"
[[level]]
id = "lead"
name = "Lead"

[[role]]
id = "procurement_officer"
name = "Procurement officer"
[[role]]
id = "legal_officer"
name = "Legal officer"
[[role]]
id = "public"
name = "The public"

[thresholds]
high = 3
"#;

fn procurements(csv: &str) -> Procurements {
    let config = LoadedConfig {
        config: config::parse(BOOK).unwrap(),
        source: BOOK.into(),
        root: ".".into(),
    };
    let mut d = Diagnostics::default();
    let t = table::parse(
        csv.as_bytes(),
        Path::new("p.csv"),
        Delimiter::Auto,
        Encoding::Auto,
        &mut d,
    )
    .unwrap();
    let p = procurements::from_table(&config, &t, "p.csv".into(), &[], &mut d).unwrap();
    assert!(d.is_empty(), "{d:?}");
    p
}

fn compile(rules: &str) -> (RuleSet, Vec<String>) {
    let p = procurements("id,pathway,impact,resident_facing\n1,build,2,yes\n");
    let mut d = Diagnostics::default();
    let file = parse_str(format!("{VOCABULARY}{rules}"), "roles.toml".into(), &mut d)
        .expect("vocabulary loads");
    let set = file.compile(&p.schema, &mut d);
    (set, d.iter().map(|d| d.to_string()).collect())
}

/// The line of `needle` in the combined rules text, for expected messages.
fn line_of(rules: &str, needle: &str) -> usize {
    let text = format!("{VOCABULARY}{rules}");
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

#[test]
fn the_highest_level_wins_and_sign_offs_are_unioned() {
    let (set, errors) = compile(
        r#"
[[rule]]
id = "po-informed"
role = "procurement_officer"
level = "inform"
why = "Always kept informed."
[[rule]]
id = "po-leads-big"
role = "procurement_officer"
level = "lead"
phases = ["solicitation", "contracting"]
sign_off = ["contracting"]
why = "Leads formal procurements."
when = { impact = { gte = "$high" } }
[[rule]]
id = "po-signs-built"
role = "procurement_officer"
level = "consult"
phases = ["solicitation"]
sign_off = ["solicitation"]
why = "Signs off solicitations for built systems."
when = { pathway = "build" }
[[rule]]
id = "public-residents"
role = "public"
level = "consult"
phases = "*"
why = "Residents are affected."
when = { resident_facing = true, not = { pathway = "off_the_shelf" } }
"#,
    );
    assert!(errors.is_empty(), "{errors:#?}");
    let p = procurements("id,pathway,impact,resident_facing\n1,build,4,yes\n2,off_the_shelf,,no\n");
    let plan = set.evaluate(&p.rows[0]);
    let po = set.role("procurement_officer").unwrap();
    assert_eq!(
        plan.cell(po, 0),
        Some(Involvement {
            rank: 0,
            sign_off: false
        })
    );
    assert_eq!(
        plan.cell(po, 1),
        Some(Involvement {
            rank: 2,
            sign_off: true
        })
    );
    assert_eq!(
        plan.cell(po, 2),
        Some(Involvement {
            rank: 2,
            sign_off: true
        })
    );
    assert_eq!(
        plan.trace(&set, po, 1)
            .map(|r| set.rules[r].id.as_str())
            .collect::<Vec<_>>(),
        ["po-informed", "po-leads-big", "po-signs-built"]
    );
    assert!(plan.involves(set.role("public").unwrap()));
    assert!(!plan.involves(set.role("legal_officer").unwrap()));

    // Blank impact: the comparison is false; only the baseline rule fires.
    let plan = set.evaluate(&p.rows[1]);
    assert_eq!(plan.fired, vec![0]);
}

#[test]
fn unknown_names_are_located_with_suggestions() {
    let rules = r#"
[[rule]]
id = "x"
role = "legal_oficer"
level = "leed"
phases = ["contracting", "solicitaton"]
sign_off = ["needs_assessment"]
why = "."
when = { pathwya = "build", impact = { gte = "$hihg" }, resident_facing = "yes", any = [{ pathway = "bulid" }] }
"#;
    let (_, errors) = compile(rules);
    let l = |needle| line_of(rules, needle);
    assert_eq!(
        errors,
        vec![
            format!("roles.toml:{}:8: rule \"x\" names the role \"legal_oficer\", which is not defined (did you mean `legal_officer`?; the roles are: procurement_officer, legal_officer, public)", l("role = \"legal_oficer")),
            format!("roles.toml:{}:9: rule \"x\" names the level \"leed\", which is not defined (did you mean `lead`?; the levels are: inform, consult, lead)", l("level = \"leed")),
            format!("roles.toml:{}:26: rule \"x\" names the phase \"solicitaton\", which is not defined (did you mean `solicitation`?; the phases are: needs_assessment, solicitation, contracting)", l("phases = [")),
            format!("roles.toml:{0}:10: rule \"x\": the field \"pathwya\" is not a field of the procurements (did you mean `pathway`?; the fields are: id, pathway, impact, resident_facing)", l("when")),
            format!("roles.toml:{0}:47: rule \"x\": the threshold \"$hihg\" is not defined under [thresholds] (did you mean `high`?; the thresholds are: high)", l("when")),
            format!("roles.toml:{0}:57: rule \"x\": the field \"resident_facing\" has the type bool, so it is compared with true or false, not the text \"yes\"", l("when")),
            format!("roles.toml:{0}:102: rule \"x\": \"bulid\" is not a value of the field \"pathway\" (did you mean `build`?; the values are: off_the_shelf, customize, build)", l("when")),
        ]
    );
}

#[test]
fn sign_off_outside_the_rules_phases_is_an_error() {
    let rules = "[[rule]]\nid = \"s\"\nrole = \"public\"\nlevel = \"inform\"\nphases = [\"solicitation\"]\nsign_off = [\"contracting\"]\nwhy = \".\"\n";
    let (_, errors) = compile(rules);
    assert_eq!(errors, [format!("roles.toml:{}:13: rule \"s\" signs off in \"contracting\" but does not involve the role in that phase (add the phase to `phases`, or remove it from `sign_off`)", line_of(rules, "sign_off"))]);
}

#[test]
fn comparisons_need_numbers_and_known_operators() {
    let (_, errors) = compile("[[rule]]\nid = \"y\"\nrole = \"public\"\nlevel = \"inform\"\nwhy = \".\"\nwhen = { pathway = { gte = 2 }, impact = { above = 2 } }\n");
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].contains(
            "`gte` compares numbers or dates, but the field \"pathway\" has the type enum"
        ) || errors[0].contains("\"above\" is not an operator"),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("\"above\" is not an operator")),
        "{errors:#?}"
    );
}

#[test]
fn nan_and_infinity_are_not_numbers_a_rule_can_compare_with() {
    let rules = "[[rule]]\nid = \"y\"\nrole = \"public\"\nlevel = \"inform\"\nwhy = \".\"\nwhen = { impact = nan }\n\n[[rule]]\nid = \"z\"\nrole = \"public\"\nlevel = \"inform\"\nwhy = \".\"\nwhen = { impact = { gte = inf } }\n";
    let (_, errors) = compile(rules);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].contains("\"impact\" is compared with NaN"),
        "{errors:#?}"
    );
    assert!(
        errors[1].contains("\"impact\" is compared with inf"),
        "{errors:#?}"
    );

    let mut d = Diagnostics::default();
    let text = VOCABULARY.replace("[thresholds]", "[thresholds]\nbroken = nan");
    assert!(parse_str(text, "roles.toml".into(), &mut d).is_none());
    let message = d.iter().next().unwrap().to_string();
    assert!(
        message.contains("the threshold \"broken\" is NaN"),
        "{message}"
    );
    assert!(message.contains("roles.toml:"), "located: {message}");
}

#[test]
fn conditions_may_be_written_as_tables() {
    let rules = "[[rule]]\nid = \"t\"\nrole = \"public\"\nlevel = \"inform\"\nwhy = \".\"\n[rule.when]\npathway = \"build\"\n[rule.when.impact]\ngte = \"$hihg\"\n";
    let (_, errors) = compile(rules);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(&format!("roles.toml:{}:", line_of(rules, "gte"))),
        "{errors:#?}"
    );
    assert!(
        errors[0].contains("the threshold \"$hihg\" is not defined"),
        "{errors:#?}"
    );
}

#[test]
fn duplicate_rule_ids_are_reported() {
    let rule = "[[rule]]\nid = \"same\"\nrole = \"public\"\nlevel = \"inform\"\nwhy = \".\"\n";
    let (_, errors) = compile(&format!("{rule}{rule}"));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("the rule id \"same\" is already used by the rule on line"),
        "{errors:#?}"
    );
}

// ---- properties of evaluation ----

fn arb_condition() -> impl Strategy<Value = Condition> {
    let leaf = prop_oneof![
        Just(Condition::Always),
        prop::sample::select(vec!["off_the_shelf", "customize", "build"]).prop_map(|v| {
            Condition::Test {
                field: 1,
                test: Test::OneOf(vec![Value::Text(v.into())]),
            }
        }),
        (1.0f64..4.0).prop_map(|n| Condition::Test {
            field: 2,
            test: Test::Compare(vec![(Comparison::Gte, Bound::Number(n.round()))])
        }),
        any::<bool>().prop_map(|b| Condition::Test {
            field: 3,
            test: Test::OneOf(vec![Value::Bool(b)])
        }),
        any::<bool>().prop_map(|b| Condition::Test {
            field: 2,
            test: Test::Missing(b)
        }),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(Condition::Any),
            prop::collection::vec(inner.clone(), 1..3).prop_map(Condition::All),
            inner.prop_map(|c| Condition::Not(Box::new(c))),
        ]
    })
}

fn arb_rule() -> impl Strategy<Value = Rule> {
    (0usize..3, 0usize..3, 1u64..8, 0u64..8, arb_condition()).prop_map(
        |(role, level, phases, sign_off, when)| Rule {
            id: format!("r{role}{level}{phases}{sign_off}"),
            role,
            level,
            phases: PhaseSet(phases),
            sign_off: PhaseSet(sign_off & phases),
            why: String::new(),
            source: String::new(),
            source_url: None,
            guidance: None,
            when,
            line: 0,
        },
    )
}

fn arb_procurement() -> impl Strategy<Value = Procurement> {
    (
        prop::option::of(prop::sample::select(vec![
            "off_the_shelf",
            "customize",
            "build",
        ])),
        prop::option::of(1u8..=4),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(pathway, impact, resident)| Procurement {
            id: "p".into(),
            slug: "p".into(),
            line: 2,
            values: vec![
                Some(Value::Text("p".into())),
                pathway.map(|p| Value::Text(p.into())),
                impact.map(|i| Value::Number(i as f64)),
                resident.map(Value::Bool),
            ],
        })
}

fn rule_set(rules: Vec<Rule>) -> RuleSet {
    let (vocabulary, _) = compile("");
    RuleSet {
        rules,
        ..vocabulary
    }
}

fn cells(set: &RuleSet, plan: &StakeholderPlan) -> Vec<Option<Involvement>> {
    (0..set.roles.len())
        .flat_map(|r| plan.row(r).to_vec())
        .collect()
}

proptest! {
    #[test]
    fn evaluation_does_not_depend_on_rule_order(
        rules in prop::collection::vec(arb_rule(), 0..12),
        p in arb_procurement(),
        seed in any::<u64>(),
    ) {
        let forward = rule_set(rules.clone());
        let mut shuffled = rules;
        // A deterministic shuffle from the seed.
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let backward = rule_set(shuffled);
        let a = forward.evaluate(&p);
        let b = backward.evaluate(&p);
        prop_assert_eq!(cells(&forward, &a), cells(&backward, &b));
        let mut fired_a: Vec<&str> = a.fired.iter().map(|&r| forward.rules[r].id.as_str()).collect();
        let mut fired_b: Vec<&str> = b.fired.iter().map(|&r| backward.rules[r].id.as_str()).collect();
        fired_a.sort();
        fired_b.sort();
        prop_assert_eq!(fired_a, fired_b);
    }

    #[test]
    fn adding_a_rule_never_removes_involvement(
        rules in prop::collection::vec(arb_rule(), 0..12),
        extra in arb_rule(),
        p in arb_procurement(),
    ) {
        let before = rule_set(rules.clone());
        let mut more = rules;
        more.push(extra);
        let after = rule_set(more);
        let a = cells(&before, &before.evaluate(&p));
        let b = cells(&after, &after.evaluate(&p));
        for (x, y) in a.iter().zip(&b) {
            if let Some(x) = x {
                let y = y.expect("a cell that was involved stays involved");
                prop_assert!(y.rank >= x.rank);
                prop_assert!(y.sign_off || !x.sign_off);
            }
        }
    }
}
