//! Script and attribute-injection payloads through every field: no executable markup comes out.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use scraper::ElementRef;
use tempfile::TempDir;

use super::support::*;

const PAYLOADS: [&str; 11] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "{% raw %}",
    "</title>",
    "<!--",
    "=HYPERLINK(\"https://example.org\",\"x\")",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "x\" style=\"background:url(javascript:alert(1));width:expression(alert(1))",
];

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn csv_bytes(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// A handbook whose every CSV cell, resource and guidance title carries a payload.
fn injection_handbook(dir: &Path) {
    fs::create_dir_all(dir.join("data")).unwrap();
    fs::create_dir_all(dir.join("content")).unwrap();
    fs::write(
        dir.join("book.toml"),
        r#"[book]
title = "Injection test"

[procurements]
id = "id"
title = "title"
stage = "stage"
index-columns = ["agency", "pathway", "stage"]
facets = ["agency", "pathway"]

[procurements.fields.agency]
column = "Department"

[procurements.fields.notes]
column = "Notes"

[procurements.fields.pathway]
type = "enum"
values = ["off_the_shelf", "build"]

[procurements.fields.public_facing]
type = "bool"

[procurements.fields.description]
type = "markdown"

[procurements.fields.lead]
column = "Project lead (assigned)"

[procurements.assignees]
project_lead = "lead"
"#,
    )
    .unwrap();
    fs::write(
        dir.join("data/roles.toml"),
        r#"[[phase]]
id = "plan"
name = "Plan"

[[phase]]
id = "buy"
name = "Buy"

[[level]]
id = "consult"
name = "Consult"

[[level]]
id = "lead"
name = "Lead"

[[role]]
id = "project_lead"
name = "Project lead"

[[role]]
id = "public"
name = "The public"
participation = true

[[rule]]
id = "lead-always"
role = "project_lead"
level = "lead"
phases = "*"
sign_off = ["buy"]
why = "The project lead runs it."
source = "A source whose link is not a web address"
source_url = "javascript:alert(1)"

[[rule]]
id = "public-when-facing"
role = "public"
level = "consult"
phases = ["plan"]
why = "Residents use it."
when = { public_facing = true }
"#,
    )
    .unwrap();
    let mut rows = vec![[
        "id",
        "title",
        "Department",
        "Notes",
        "pathway",
        "public_facing",
        "description",
        "stage",
        "Project lead (assigned)",
    ]
    .map(String::from)
    .to_vec()];
    for (i, p) in PAYLOADS.iter().enumerate() {
        rows.push(vec![
            format!("{p} {}", i + 1),
            p.to_string(),
            p.to_string(),
            p.to_string(),
            "build".into(),
            "yes".into(),
            format!("{p}\n\n[a link](javascript:alert(1)) and {p}"),
            if i % 2 == 0 { "plan" } else { "Buy" }.into(),
            p.to_string(),
        ]);
    }
    fs::write(dir.join("data/procurements.csv"), csv_bytes(&rows)).unwrap();
    let mut resources = vec!["id,title,url,kind,audience,description,updated"
        .split(',')
        .map(String::from)
        .collect::<Vec<_>>()];
    for (i, p) in PAYLOADS.iter().enumerate() {
        resources.push(vec![
            format!("res-{}", i + 1),
            p.to_string(),
            format!("https://example.org/?q={p}"),
            p.to_string(),
            p.to_string(),
            p.to_string(),
            "2025-01-01".into(),
        ]);
    }
    fs::write(dir.join("data/resources.csv"), csv_bytes(&resources)).unwrap();
    fs::write(
        dir.join("content/_index.md"),
        "+++\ntitle = \"Injection test\"\n+++\n\nIntro.\n",
    )
    .unwrap();
    for (i, p) in PAYLOADS.iter().enumerate() {
        fs::write(
            dir.join(format!("content/page-{}.md", i + 1)),
            format!(
                "+++\ntitle = {}\ndescription = {}\nweight = {}\n+++\n\n## One\n\nBody.\n\n## Two\n\nMore.\n",
                toml_string(p),
                toml_string(p),
                i + 1
            ),
        )
        .unwrap();
    }
}

#[test]
fn injection_payloads_never_become_markup_or_code() {
    let tmp = TempDir::new().unwrap();
    let book = tmp.path().join("book");
    injection_handbook(&book);
    let site = tmp.path().join("site");
    procbook()
        .arg("build")
        .arg(&book)
        .arg("-o")
        .arg(&site)
        .assert()
        .success();

    let mut problems = Vec::new();
    let mut saw_literal_template = false;
    let htmls = html_files(&site);
    assert!(htmls.len() >= 2 * PAYLOADS.len() + 5, "pages: {htmls:?}");
    for path in &htmls {
        let doc = page(&site, path);
        for node in doc.tree.root().descendants() {
            if node.value().is_comment() {
                problems.push(format!("{path}: an HTML comment was opened by the data"));
            }
            let Some(el) = ElementRef::wrap(node) else {
                continue;
            };
            let e = el.value();
            for (name, value) in e.attrs() {
                if name.to_ascii_lowercase().starts_with("on") {
                    problems.push(format!("{path}: <{}> has the attribute {name}", e.name()));
                }
                if name.eq_ignore_ascii_case("style") {
                    problems.push(format!("{path}: <{}> has a style attribute", e.name()));
                }
                if matches!(name, "href" | "src" | "action" | "formaction") {
                    let v: String = value
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if v.starts_with("javascript:") || v.starts_with("data:") {
                        problems.push(format!("{path}: <{}> {name}=\"{value}\"", e.name()));
                    }
                }
            }
            if e.name() == "script" {
                let src = e.attr("src").unwrap_or("");
                let ours = [
                    "assets/app.js",
                    "assets/search.js",
                    "search-index.js",
                    "search-procurements.js",
                ]
                .iter()
                .any(|s| src == *s || src.ends_with(&format!("/{s}")));
                if !ours {
                    problems.push(format!(
                        "{path}: a script that is not the theme's: {}",
                        el.html()
                    ));
                }
            }
            if matches!(
                e.name(),
                "img" | "iframe" | "object" | "embed" | "svg" | "style"
            ) {
                problems.push(format!("{path}: unexpected <{}>", e.name()));
            }
        }
        let body = text(doc.root_element());
        if body.contains("49") {
            problems.push(format!(
                "{path}: \"49\" appears, so `{{{{ 7*7 }}}}` was evaluated"
            ));
        }
        saw_literal_template |= body.contains("{{ 7*7 }}") && body.contains("{% raw %}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        saw_literal_template,
        "the template syntax is shown as typed"
    );

    // Every payload comes back as the very same text where it was put.
    for (i, p) in PAYLOADS.iter().enumerate() {
        let id = format!("{p} {}", i + 1);
        let slug = procbook::slug::slugify(&id);
        let doc = page(&site, &format!("projects/{slug}.html"));
        assert_eq!(text(one(&doc, "h1")), *p, "title of row {}", i + 1);
        assert_eq!(
            one(&doc, "title").text().collect::<String>(),
            format!("{p} · Injection test"),
            "<title> of row {}",
            i + 1
        );
        assert_eq!(text(one(&doc, "p.lede .id")), id);
        let values: Vec<String> = all(&doc, "dl.attributes dd")
            .into_iter()
            .map(text)
            .collect();
        assert!(values.iter().filter(|v| *v == p).count() >= 2, "{values:?}");
        let description = all(&doc, "dl.attributes dd").last().copied().unwrap();
        assert!(
            text(description).starts_with(p),
            "markdown cell of row {}: {}",
            i + 1,
            description.html()
        );
        for a in within(description, "a") {
            assert_eq!(attr(a, "href"), "#", "the javascript: link is neutralised");
        }
        let lead = all(&doc, "section#role-project_lead dl.role-facts dd")[0];
        assert_eq!(text(lead), *p, "assignee of row {}", i + 1);
        assert!(
            all(&doc, "section#role-project_lead .source a").is_empty(),
            "the rule's javascript: source is not linked"
        );

        let guide = page(&site, &format!("guide/page-{}.html", i + 1));
        assert_eq!(text(one(&guide, "h1")), *p);
        assert_eq!(attr(one(&guide, "meta[name=description]"), "content"), *p);
    }
    let index = page(&site, "index.html");
    let options: BTreeSet<&str> = all(&index, "select#filter-agency option")
        .into_iter()
        .map(|o| attr(o, "value"))
        .collect();
    for p in PAYLOADS {
        assert!(options.contains(p), "filter option {p:?}: {options:?}");
    }
    let resources = page(&site, "resources.html");
    let links: Vec<(String, &str)> = all(&resources, "ul.resources h2 a")
        .into_iter()
        .map(|a| (text(a), attr(a, "href")))
        .collect();
    let want: Vec<(String, String)> = PAYLOADS
        .iter()
        .map(|p| (p.to_string(), format!("https://example.org/?q={p}")))
        .collect();
    assert_eq!(
        links,
        want.iter()
            .map(|(t, u)| (t.clone(), u.as_str()))
            .collect::<Vec<_>>()
    );

    // projects.json: valid JSON, the payloads as strings.
    let json = projects_json(&site);
    let projects = json["projects"].as_array().unwrap();
    for (p, payload) in projects.iter().zip(PAYLOADS) {
        assert_eq!(p["title"], payload);
        assert_eq!(p["attributes"]["agency"], payload);
        assert_eq!(p["attributes"]["notes"], payload);
        assert_eq!(p["roles"]["project_lead"]["assignee"], payload);
    }

    // search-index.js: no `<` can close the script or open a comment; the JSON round-trips.
    for file in ["search-index.js", "search-procurements.js"] {
        let js = fs::read(site.join(file)).unwrap();
        assert!(!js.contains(&b'<'), "{file} contains a raw <");
    }
    let titles: BTreeSet<String> = search_docs(&site).into_iter().map(|(_, t, _)| t).collect();
    for p in PAYLOADS {
        assert!(titles.contains(p), "search title {p:?}");
    }

    // stakeholders.csv: parses, and a spreadsheet will not run the formulas.
    let (_, rows) = csv_records(&fs::read(site.join("stakeholders.csv")).unwrap());
    let formula_id = format!("{} 9", PAYLOADS[8]);
    for r in &rows {
        for cell in [&r[0], &r[5]] {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "formula cell {r:?}"
            );
        }
    }
    let formula_rows: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[0] == format!("'{formula_id}"))
        .collect();
    assert!(!formula_rows.is_empty(), "the = id is prefixed with '");
    assert!(formula_rows
        .iter()
        .filter(|r| r[1] == "project_lead")
        .all(|r| r[5] == format!("'{}", PAYLOADS[8])));
    let script_rows = rows
        .iter()
        .filter(|r| r[0] == format!("{} 1", PAYLOADS[0]) && r[1] == "project_lead")
        .count();
    assert_eq!(script_rows, 2, "other values round-trip unchanged");

    // resources.xml: well-formed, the payloads as text.
    let xml = read(&site, "resources.xml");
    let doc = roxmltree::Document::parse(&xml).expect("resources.xml is well-formed XML");
    let entries: Vec<roxmltree::Node<'_, '_>> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), PAYLOADS.len());
    for (e, p) in entries.iter().zip(PAYLOADS) {
        let child = |name: &str| e.children().find(|c| c.has_tag_name(name)).unwrap();
        assert_eq!(child("title").text(), Some(p));
        assert_eq!(child("summary").text(), Some(p));
        assert_eq!(
            child("link").attribute("href"),
            Some(format!("https://example.org/?q={p}").as_str())
        );
    }
}

#[test]
fn check_rejects_a_resource_with_a_javascript_url() {
    let (_tmp, book) = fixture_copy();
    let path = book.join("data/resources.csv");
    let mut csv = fs::read_to_string(&path).unwrap();
    csv.push_str("bad,Click me,javascript:alert(1),guide,residents,Looks harmless.,2025-01-01\n");
    fs::write(&path, csv).unwrap();
    let out = procbook().arg("check").arg(&book).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("data/resources.csv"), "{err}");
    assert!(
        err.contains(
            "line 5, column \"url\": the link \"javascript:alert(1)\" is not a web address"
        ),
        "{err}"
    );
}
