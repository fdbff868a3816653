//! projects.json, stakeholders.csv, the search index and the feed; hidden columns in none of them.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use super::support::*;

#[test]
fn projects_json_has_every_procurement_with_its_roles() {
    let (_tmp, site) = built_fixture();
    let json = projects_json(&site);
    assert_eq!(json["schema"], "procbook.projects/1");
    let projects = json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), PROJECTS.len());
    for (p, (id, slug, title, roles)) in projects.iter().zip(PROJECTS) {
        assert_eq!(p["id"], id);
        assert_eq!(p["title"], title);
        assert_eq!(p["url"], format!("projects/{slug}.html"));
        let got: Vec<&str> = p["roles"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(got, roles, "roles of {id}");
    }
    let sm3 = &projects[2];
    assert_eq!(sm3["stage"], "needs_assessment");
    let legal = &sm3["roles"]["legal_officer"];
    assert_eq!(
        legal["levels"],
        serde_json::json!(["lead", null, null, "lead", null])
    );
    assert_eq!(legal["sign_off"], serde_json::json!(["contracting"]));
    assert_eq!(
        legal["rules"],
        serde_json::json!(["legal-signs-contracts", "legal-high-impact"])
    );
    assert_eq!(legal["assignee"], serde_json::Value::Null);
    assert_eq!(
        projects[0]["roles"]["legal_officer"]["assignee"],
        "Grace Mensah"
    );
}

#[test]
fn stakeholders_csv_has_one_row_per_involved_role_and_phase() {
    let (_tmp, site) = built_fixture();
    let (header, rows) = csv_records(&fs::read(site.join("stakeholders.csv")).unwrap());
    assert_eq!(
        header,
        ["project", "role", "phase", "level", "sign_off", "assignee", "rules"]
    );
    // By hand: SM-001 5+5+1+3+2, SM-002 5+5+1, SM-003 5+5+2+3, SM-004 and SM-005 as SM-002.
    assert_eq!(rows.len(), 16 + 11 + 15 + 11 + 11);
    // The same count from projects.json: one row per non-null level.
    let json = projects_json(&site);
    let cells: usize = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["roles"].as_object().unwrap().values())
        .map(|r| {
            r["levels"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|l| !l.is_null())
                .count()
        })
        .sum();
    assert_eq!(rows.len(), cells);
    let mut seen = BTreeSet::new();
    for r in &rows {
        assert!(seen.insert((&r[0], &r[1], &r[2])), "duplicate row {r:?}");
    }
    let find = |p: &str, role: &str, phase: &str| {
        rows.iter()
            .find(|r| r[0] == p && r[1] == role && r[2] == phase)
            .unwrap_or_else(|| panic!("no row for {p} {role} {phase}"))
            .clone()
    };
    assert_eq!(
        find("SM-003", "legal_officer", "contracting"),
        [
            "SM-003",
            "legal_officer",
            "contracting",
            "lead",
            "yes",
            "",
            "legal-signs-contracts;legal-high-impact"
        ]
    );
    assert_eq!(
        find("SM-001", "legal_officer", "contracting")[5],
        "Grace Mensah"
    );
    assert_eq!(find("SM-001", "public", "evaluation")[3], "consult");
    assert!(!rows
        .iter()
        .any(|r| r[0] == "SM-003" && r[1] == "legal_officer" && r[2] == "solicitation"));
}

#[test]
fn search_index_lists_every_procurement_and_guidance_page() {
    let (_tmp, site) = built_fixture();
    let js = read(&site, "search-index.js");
    assert!(js.starts_with("window.PROCBOOK_SEARCH = "));
    let docs = search_docs(&site);
    for (_, slug, title, _) in PROJECTS {
        assert!(
            docs.iter()
                .any(|(u, t, k)| *u == format!("projects/{slug}.html")
                    && t == title
                    && k == "procurement"),
            "{slug} is searchable"
        );
    }
    let guidance: Vec<&str> = docs
        .iter()
        .filter(|(_, _, k)| k == "guidance")
        .map(|(u, _, _)| u.as_str())
        .collect();
    assert_eq!(
        guidance,
        [
            "guide/who-to-involve.html",
            "guide/roles.html",
            "guide/public-participation.html"
        ]
    );
    for (url, _, _) in &docs {
        let file = url.split('#').next().unwrap();
        assert!(site.join(file).is_file(), "search result {url} exists");
    }
}

#[test]
fn resources_feed_is_well_formed_atom_with_one_entry_per_resource() {
    let (_tmp, site) = built_fixture();
    let xml = read(&site, "resources.xml");
    let doc = roxmltree::Document::parse(&xml).expect("resources.xml is well-formed XML");
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(
        feed.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let titles: Vec<&str> = feed
        .children()
        .filter(|n| n.has_tag_name("entry"))
        .map(|e| {
            e.children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap_or("")
        })
        .collect();
    assert_eq!(
        titles,
        [
            "Buying AI: Tips and tools for public procurement",
            "IAP2 Spectrum of Public Participation",
            "Template for written comments"
        ]
    );
    let resources = page(&site, "resources.html");
    assert_eq!(all(&resources, "ul.resources > li").len(), 3);
}

#[test]
fn hidden_columns_appear_in_no_output_file() {
    let (_tmp, site) = built_fixture();
    let csv = fs::read(Path::new(FIXTURE).join("data/procurements.csv")).unwrap();
    let (header, rows) = csv_records(&csv);
    let mut secrets: Vec<String> = vec![
        "contact_email".into(),
        "internal_notes".into(),
        "@example.org".into(),
    ];
    for hidden in ["Contact e-mail", "Internal notes"] {
        let col = header.iter().position(|h| h == hidden).unwrap();
        secrets.push(hidden.to_string());
        secrets.extend(
            rows.iter()
                .map(|r| r[col].clone())
                .filter(|v| !v.is_empty()),
        );
    }
    assert_eq!(
        secrets.len(),
        3 + 2 + 5 + 4,
        "the fixture's hidden values: {secrets:?}"
    );
    let files = tree(&site);
    assert!(files.len() > 20);
    let mut leaks = Vec::new();
    for (path, bytes) in &files {
        for s in &secrets {
            if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                leaks.push(format!("{path} contains {s:?}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "hidden values published:\n{}",
        leaks.join("\n")
    );
}
