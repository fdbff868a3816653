//! The seed's statements about who to involve, checked against the shipped rules
//! (data/roles.toml) on fixture procurements. Each test names the statement it checks.

use std::collections::BTreeMap;
use std::path::Path;

use procbook::handbook::{self, Handbook, LoadOptions};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A low-risk, off-the-shelf, department-bought purchase with in-house expertise: the baseline
/// every scenario changes one thing of.
fn baseline() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("Project ref", "BASE"),
        ("Project name", "Baseline"),
        ("Department", "Parks"),
        ("How are we buying it?", "Off-the-shelf"),
        ("Procurement route", "Purchase order"),
        ("Who runs the purchase?", "Central purchasing"),
        ("Estimated total value ($)", "9000"),
        ("Type of AI", "Machine learning"),
        ("What does the AI do in decisions?", "No decisions"),
        ("Affects decisions about individual people?", "No"),
        ("Used directly by residents?", "No"),
        ("Directly affects services to residents?", "No"),
        ("Uses demographic data (age/gender/ethnicity)?", "No"),
        ("Changes staff jobs or monitors staff?", "No"),
        ("Hosted by the vendor (cloud/SaaS)?", "No"),
        ("Impact level (AIA)", "Level I"),
        ("EU AI Act Annex III area", "None"),
        ("Personal data involved?", "None"),
        ("In-house AI/data expertise", "Strong"),
        ("Current stage", "Needs assessment"),
    ])
}

/// Loads the example handbook's rules with these procurements (each a change to the baseline).
fn handbook(scenarios: &[(&str, &[(&str, &str)])]) -> (tempfile::TempDir, Handbook) {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(REPO);
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::copy(root.join("book.toml"), dir.path().join("book.toml")).unwrap();
    std::fs::copy(
        root.join("data/roles.toml"),
        dir.path().join("data/roles.toml"),
    )
    .unwrap();
    copy_dir(&root.join("content"), &dir.path().join("content"));
    let example = std::fs::read_to_string(root.join("data/procurements.csv")).unwrap();
    let header: Vec<String> = csv::Reader::from_reader(example.as_bytes())
        .headers()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    for (id, changes) in scenarios {
        let mut row = baseline();
        row.insert("Project ref", id);
        for (k, v) in *changes {
            assert!(header.iter().any(|h| h == k), "no column {k}");
            row.insert(k, v);
        }
        w.write_record(
            header
                .iter()
                .map(|h| row.get(h.as_str()).copied().unwrap_or("")),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("data/procurements.csv"),
        w.into_inner().unwrap(),
    )
    .unwrap();
    let loaded = handbook::load(dir.path(), LoadOptions::default());
    let problems: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    (dir, loaded.handbook.unwrap())
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The level id of `role` in `phase` for procurement `id`, or None.
fn level(h: &Handbook, id: &str, role: &str, phase: &str) -> Option<String> {
    let i = h.find(id).unwrap();
    let cell = h.plans[i].cell(h.rules.role(role).unwrap(), h.rules.phase(phase).unwrap())?;
    Some(h.rules.levels[cell.level()].id.clone())
}

fn signs_off(h: &Handbook, id: &str, role: &str, phase: &str) -> bool {
    let i = h.find(id).unwrap();
    h.plans[i]
        .cell(h.rules.role(role).unwrap(), h.rules.phase(phase).unwrap())
        .is_some_and(|c| c.sign_off)
}

/// How many (role, phase) cells are involved, and how deeply in total.
fn weight(h: &Handbook, id: &str) -> (usize, usize) {
    let i = h.find(id).unwrap();
    let plan = &h.plans[i];
    let cells: Vec<_> = (0..h.rules.roles.len())
        .flat_map(|r| plan.row(r).iter().flatten().copied().collect::<Vec<_>>())
        .collect();
    (cells.len(), cells.iter().map(|c| c.level() + 1).sum())
}

const BEFORE_LAUNCH: [&str; 6] = [
    "needs_assessment",
    "market_research",
    "solicitation",
    "evaluation",
    "contracting",
    "implementation",
];

#[test]
fn low_risk_off_the_shelf_gets_lighter_engagement_than_custom_or_risky() {
    let (_d, h) = handbook(&[
        ("LOW", &[]),
        ("CUSTOM", &[("How are we buying it?", "Customised")]),
        ("BUILT", &[("How are we buying it?", "Built in-house")]),
        ("RISKY", &[("Impact level (AIA)", "Level III")]),
    ]);
    let low = weight(&h, "LOW");
    for other in ["CUSTOM", "BUILT", "RISKY"] {
        let w = weight(&h, other);
        assert!(
            w.0 > low.0 && w.1 > low.1,
            "{other} {w:?} should involve more than LOW {low:?}"
        );
    }
    // The IT/data expert only does a quick check on the low-risk purchase.
    assert_eq!(
        level(&h, "LOW", "it_data_expert", "needs_assessment").as_deref(),
        Some("consult")
    );
    assert_eq!(level(&h, "LOW", "it_data_expert", "solicitation"), None);
}

#[test]
fn custom_built_or_higher_risk_involve_the_it_expert_from_needs_assessment_through_implementation()
{
    let (_d, h) = handbook(&[
        ("CUSTOM", &[("How are we buying it?", "Customised")]),
        (
            "BUILT",
            &[("How are we buying it?", "Custom build (contractor)")],
        ),
        ("RISKY-OTS", &[("Impact level (AIA)", "Level II")]),
        ("UNASSESSED-OTS", &[("Impact level (AIA)", "")]),
    ]);
    for id in ["CUSTOM", "BUILT", "RISKY-OTS", "UNASSESSED-OTS"] {
        for phase in BEFORE_LAUNCH {
            assert_eq!(
                level(&h, id, "it_data_expert", phase).as_deref(),
                Some("advise"),
                "{id} {phase}"
            );
        }
        // …and the other stakeholders, from the first phase on.
        assert!(
            level(&h, id, "legal_officer", "needs_assessment").is_some(),
            "{id}"
        );
        assert!(
            level(&h, id, "end_user_advocate", "needs_assessment").is_some(),
            "{id}"
        );
    }
}

#[test]
fn the_procurement_officer_leads_signs_off_vendor_selection_and_oversees_the_contract() {
    let (_d, h) = handbook(&[("P", &[])]);
    for phase in [
        "market_research",
        "solicitation",
        "evaluation",
        "contracting",
        "monitoring",
    ] {
        assert_eq!(
            level(&h, "P", "procurement_officer", phase).as_deref(),
            Some("lead"),
            "{phase}"
        );
    }
    assert!(signs_off(&h, "P", "procurement_officer", "evaluation"));
}

#[test]
fn the_project_lead_facilitates_discovery() {
    let (_d, h) = handbook(&[("P", &[])]);
    assert_eq!(
        level(&h, "P", "project_lead", "needs_assessment").as_deref(),
        Some("lead")
    );
}

#[test]
fn legal_signs_off_the_solicitation_and_the_contract() {
    let (_d, h) = handbook(&[
        ("P", &[]),
        ("Q", &[("How are we buying it?", "Built in-house")]),
    ]);
    for id in ["P", "Q"] {
        assert!(signs_off(&h, id, "legal_officer", "solicitation"), "{id}");
        assert!(signs_off(&h, id, "legal_officer", "contracting"), "{id}");
    }
}

#[test]
fn resident_facing_service_delivery_brings_in_the_public_and_end_users() {
    let (_d, h) = handbook(&[
        ("INTERNAL", &[]),
        (
            "RESIDENTS",
            &[("Directly affects services to residents?", "Yes")],
        ),
    ]);
    assert_eq!(
        level(&h, "RESIDENTS", "public", "needs_assessment").as_deref(),
        Some("consult")
    );
    assert_eq!(
        level(&h, "RESIDENTS", "end_user_advocate", "needs_assessment").as_deref(),
        Some("consult")
    );
    let i = h.find("INTERNAL").unwrap();
    assert!(!h.plans[i].involves(h.rules.role("public").unwrap()));
}

#[test]
fn no_in_house_expertise_brings_in_an_external_advisor() {
    let (_d, h) = handbook(&[
        ("STRONG", &[]),
        ("NONE", &[("In-house AI/data expertise", "None")]),
        ("LIMITED", &[("In-house AI/data expertise", "Limited")]),
    ]);
    let i = h.find("STRONG").unwrap();
    assert!(!h.plans[i].involves(h.rules.role("external_advisor").unwrap()));
    for id in ["NONE", "LIMITED"] {
        assert_eq!(
            level(&h, id, "external_advisor", "needs_assessment").as_deref(),
            Some("advise"),
            "{id}"
        );
    }
}

#[test]
fn centralised_or_decentralised_buying_changes_who_leads() {
    let (_d, h) = handbook(&[
        ("CENTRAL", &[]),
        (
            "DEPARTMENT",
            &[("Who runs the purchase?", "Department buys directly")],
        ),
    ]);
    assert_eq!(
        level(&h, "CENTRAL", "procurement_officer", "solicitation").as_deref(),
        Some("lead")
    );
    assert_eq!(
        level(&h, "CENTRAL", "project_lead", "solicitation").as_deref(),
        Some("advise")
    );
    assert_eq!(
        level(&h, "DEPARTMENT", "project_lead", "solicitation").as_deref(),
        Some("lead")
    );
    assert_eq!(
        level(&h, "DEPARTMENT", "procurement_officer", "solicitation").as_deref(),
        Some("advise")
    );
    // The procurement officer still approves the request and the contract.
    assert!(signs_off(
        &h,
        "DEPARTMENT",
        "procurement_officer",
        "solicitation"
    ));
    assert!(signs_off(
        &h,
        "DEPARTMENT",
        "procurement_officer",
        "contracting"
    ));
}

#[test]
fn every_phase_has_exactly_one_lead_in_the_example() {
    let (_d, h) = handbook(&[
        ("CENTRAL", &[]),
        (
            "DEPARTMENT",
            &[("Who runs the purchase?", "Department buys directly")],
        ),
    ]);
    let lead = h.rules.levels.iter().position(|l| l.id == "lead").unwrap();
    for (i, plan) in h.plans.iter().enumerate() {
        for ph in 0..h.rules.phases.len() {
            let leads = (0..h.rules.roles.len())
                .filter(|&r| plan.cell(r, ph).is_some_and(|c| c.level() == lead))
                .count();
            assert_eq!(
                leads, 1,
                "{} {}",
                h.procurements.rows[i].id, h.rules.phases[ph].id
            );
        }
    }
}

#[test]
fn framework_rules_follow_impact_level() {
    let (_d, h) = handbook(&[
        ("L2", &[("Impact level (AIA)", "Level II")]),
        ("L3", &[("Impact level (AIA)", "Level III")]),
    ]);
    // Peer review from level II; a sign-off gate on going live from level III (DADM Appendix C).
    assert!(level(&h, "L2", "independent_reviewer", "evaluation").is_some());
    assert!(!signs_off(
        &h,
        "L2",
        "independent_reviewer",
        "implementation"
    ));
    assert!(signs_off(
        &h,
        "L3",
        "independent_reviewer",
        "implementation"
    ));
    assert!(signs_off(&h, "L3", "executive_approver", "implementation"));
}
