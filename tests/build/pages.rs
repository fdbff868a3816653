//! The HTML pages of the fixture, parsed: structure, links and anchors, raw HTML, snapshots.

use std::collections::BTreeMap;
use std::path::Path;

use scraper::CaseSensitivity::CaseSensitive;
use scraper::ElementRef;

use super::support::*;

#[test]
fn index_lists_every_procurement_counts_them_and_names_the_gaps() {
    let (_tmp, site) = built_fixture();
    let doc = page(&site, "index.html");

    let rows = all(&doc, "table.procurements tbody tr");
    assert_eq!(rows.len(), PROJECTS.len(), "one row per procurement");
    for (row, (id, slug, title, roles)) in rows.iter().zip(PROJECTS) {
        let link = within(*row, "td a")[0];
        assert_eq!(attr(link, "href"), format!("projects/{slug}.html"));
        assert_eq!(text(link), title);
        assert_eq!(text(within(*row, "td .id")[0]), id);
        let last = within(*row, "td").last().copied().unwrap();
        assert_eq!(text(last), roles.len().to_string(), "roles column of {id}");
    }
    let headers: Vec<String> = all(&doc, "table.procurements thead th")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(
        headers,
        [
            "Procurement",
            "Department",
            "Buying pathway",
            "Impact level",
            "Current phase",
            "Roles"
        ]
    );

    let facets: BTreeMap<String, Vec<(String, String)>> = all(&doc, "table.facet")
        .into_iter()
        .map(|t| {
            let caption = text(within(t, "caption")[0]);
            let counts = within(t, "tbody tr")
                .into_iter()
                .map(|r| {
                    let cells: Vec<String> = within(r, "td").into_iter().map(text).collect();
                    (cells[0].clone(), cells[1].clone())
                })
                .collect();
            (caption, counts)
        })
        .collect();
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        facets["By impact level"],
        pairs(&[("1", "2"), ("2", "1"), ("3", "1"), ("Not known", "1")])
    );
    assert_eq!(
        facets["By buying pathway"],
        pairs(&[("Off the shelf", "2"), ("Customize", "2"), ("Build", "1")])
    );
    assert_eq!(facets["By current phase"], pairs(&PHASES.map(|p| (p, "1"))));

    let gaps = one(&doc, "section[aria-labelledby=gaps]");
    let items: Vec<String> = within(gaps, "li").into_iter().map(text).collect();
    assert_eq!(
        items,
        [
            "Housing eligibility pre-screening: Legal officer",
            "Library reading suggestions: Legal officer"
        ]
    );
    let links: Vec<&str> = within(gaps, "li a")
        .into_iter()
        .map(|a| attr(a, "href"))
        .collect();
    assert_eq!(links, ["projects/sm-003.html", "projects/sm-005.html"]);
    assert!(
        text(gaps).contains("Procurement officer, Project lead"),
        "roles without an assignee column are named: {}",
        text(gaps)
    );
}

#[test]
fn project_page_shows_title_matrix_roles_reasons_and_current_stage() {
    let (_tmp, site) = built_fixture();
    let doc = page(&site, "projects/sm-003.html");

    let h1s = all(&doc, "h1");
    assert_eq!(h1s.len(), 1, "exactly one h1");
    assert_eq!(text(h1s[0]), "Housing eligibility pre-screening");

    // The matrix: phases as column headers, in order; the involved roles as row headers.
    let matrix = one(&doc, "table.matrix");
    let head: Vec<ElementRef<'_>> = within(matrix, "thead th");
    assert_eq!(text(head[0]), "Role");
    let phases: Vec<String> = head[1..].iter().map(|th| visible_text(*th)).collect();
    assert_eq!(phases, PHASES);
    assert!(head[1].value().has_class("current", CaseSensitive));
    assert_eq!(spoken_text(head[1]), "Needs assessment (current stage)");

    // Worked out by hand: SM-003 is built in-house (po-leads-custom), impact 3 (legal-high-impact)
    // with personal data (privacy-personal-data), not used by residents (no public).
    let expected: [(&str, [&str; 5]); 4] = [
        (
            "Procurement officer",
            ["Advise", "Lead", "Lead sign-off", "Lead", "Advise"],
        ),
        ("Project lead", ["Lead", "Lead", "Lead", "Lead", "Lead"]),
        (
            "Legal officer",
            [
                "Lead",
                "not involved",
                "not involved",
                "Lead sign-off",
                "not involved",
            ],
        ),
        (
            "Privacy officer",
            ["Advise", "not involved", "not involved", "Advise", "Advise"],
        ),
    ];
    let rows = within(matrix, "tbody tr");
    assert_eq!(rows.len(), expected.len(), "one row per involved role");
    for (row, (role, cells)) in rows.iter().zip(expected) {
        assert_eq!(text(within(*row, "th[scope=row]")[0]), role);
        let spoken: Vec<String> = within(*row, "td").into_iter().map(spoken_text).collect();
        assert_eq!(spoken, cells, "cells of {role}, as read aloud");
    }
    let legal_contracting = within(rows[2], "td")[3];
    assert_eq!(visible_text(legal_contracting), "Lead sign-off");
    assert_eq!(
        within(legal_contracting, ".sign-off").len(),
        1,
        "sign-off is marked in words, not only by colour"
    );

    // A section per role: the assignee (or unassigned), the reasons with their sources.
    let sections = all(&doc, "section.role");
    let ids: Vec<&str> = sections.iter().map(|s| attr(*s, "id")).collect();
    assert_eq!(
        ids,
        [
            "role-procurement_officer",
            "role-project_lead",
            "role-legal_officer",
            "role-privacy_officer"
        ]
    );
    let legal = sections[2];
    assert_eq!(text(within(legal, "h3")[0]), "Legal officer");
    let facts: Vec<String> = within(legal, "dl.role-facts dd")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(facts, ["unassigned", "Lead", "Contracting"]);
    let why: Vec<ElementRef<'_>> = within(legal, "ul.why li");
    assert_eq!(why.len(), 2);
    assert!(text(why[0]).starts_with("Every contract is reviewed and approved by legal."));
    assert!(text(why[0]).contains("Source: Test office policy"));
    assert!(
        within(why[0], "a").is_empty(),
        "a source without URL is not a link"
    );
    assert!(text(why[1]).starts_with("High-impact systems raise legal questions from the start."));
    let source = within(why[1], ".source a")[0];
    assert_eq!(text(source), "Directive on Automated Decision-Making");
    assert_eq!(
        attr(source, "href"),
        "https://www.tbs-sct.canada.ca/pol/doc-eng.aspx?id=32592"
    );
    let read_more: Vec<&str> = within(legal, ".guidance-links a")
        .into_iter()
        .map(|a| attr(a, "href"))
        .collect();
    assert_eq!(read_more, ["../guide/roles.html#legal-officer"]);

    // Now: the current stage and who takes part in it.
    let now = one(&doc, "section.now");
    assert_eq!(text(within(now, "h2")[0]), "Now: Needs assessment");
    let now_roles: Vec<String> = within(now, "li").into_iter().map(text).collect();
    assert_eq!(
        now_roles,
        [
            "Procurement officer: Advise",
            "Project lead: Lead",
            "Legal officer: Lead (unassigned)",
            "Privacy officer: Advise"
        ]
    );

    // Hidden columns are not among the attributes.
    let labels: Vec<String> = all(&doc, "dl.attributes dt")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(
        labels,
        [
            "Reference",
            "Department",
            "Buying pathway",
            "Impact level",
            "Used by residents",
            "Personal data",
            "What it is for"
        ]
    );
    // The markdown cell is rendered as markup.
    assert_eq!(all(&doc, "dl.attributes dd ul li").len(), 2);
}

#[test]
fn project_page_names_the_assignee_and_signs_off_in_the_current_stage() {
    let (_tmp, site) = built_fixture();
    let doc = page(&site, "projects/sm-001.html");
    let legal = one(&doc, "section#role-legal_officer");
    assert_eq!(text(within(legal, "dl.role-facts dd")[0]), "Grace Mensah");
    let now = one(&doc, "section.now");
    assert_eq!(text(within(now, "h2")[0]), "Now: Evaluation");
    let now_roles: Vec<String> = within(now, "li").into_iter().map(text).collect();
    assert_eq!(
        now_roles,
        [
            "Procurement officer: Lead, signs off",
            "Project lead: Lead",
            "The public: Consult"
        ]
    );
    // The markdown cell: bold and a link, nothing else.
    let what = all(&doc, "dl.attributes dd").last().copied().unwrap();
    assert_eq!(text(within(what, "strong")[0]), "city website");
    assert_eq!(
        attr(within(what, "a")[0], "href"),
        "https://example.org/311"
    );
}

#[test]
fn participation_resources_appear_exactly_when_a_participation_role_is_involved() {
    let (_tmp, site) = built_fixture();
    for (id, slug, _, roles) in PROJECTS {
        let doc = page(&site, &format!("projects/{slug}.html"));
        let sections = all(&doc, "section[aria-labelledby=participation]");
        if roles.contains(&"public") {
            assert_eq!(sections.len(), 1, "{id} involves the public");
            let links: Vec<(&str, String)> = within(sections[0], "li a")
                .into_iter()
                .map(|a| (attr(a, "href"), text(a)))
                .collect();
            assert_eq!(
                links,
                [
                    (
                        "../resources.html#buying-ai",
                        "Buying AI: Tips and tools for public procurement".to_string()
                    ),
                    (
                        "../resources.html#iap2-spectrum",
                        "IAP2 Spectrum of Public Participation".to_string()
                    ),
                    (
                        "../resources.html#comment-template",
                        "Template for written comments".to_string()
                    ),
                ]
            );
        } else {
            assert!(sections.is_empty(), "{id} does not involve the public");
            assert!(all(&doc, "#participation").is_empty());
        }
    }
}

#[test]
fn role_pages_list_the_procurements_that_need_them_by_level() {
    let (_tmp, site) = built_fixture();
    let doc = page(&site, "roles/legal_officer.html");
    assert_eq!(text(one(&doc, "h1")), "Legal officer");
    let groups: Vec<String> = all(&doc, "section h3").into_iter().map(text).collect();
    assert_eq!(groups, ["Lead (1)", "Consult (4)"]);
    let lead_row: Vec<String> = all(&doc, "section[aria-labelledby=level-lead] tbody td")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(
        lead_row,
        [
            "Housing eligibility pre-screening",
            "Needs assessment",
            "Needs assessment, Contracting",
            "Contracting"
        ]
    );

    for role in [
        "procurement_officer",
        "project_lead",
        "legal_officer",
        "privacy_officer",
        "public",
    ] {
        let doc = page(&site, &format!("roles/{role}.html"));
        let mut linked: Vec<String> = all(&doc, "table.role-procurements tbody a")
            .into_iter()
            .map(|a| attr(a, "href").to_string())
            .collect();
        linked.sort();
        let expected: Vec<String> = PROJECTS
            .iter()
            .filter(|(.., roles)| roles.contains(&role))
            .map(|(_, slug, ..)| format!("../projects/{slug}.html#role-{role}"))
            .collect();
        assert_eq!(linked, expected, "procurements on roles/{role}.html");
    }

    let index = page(&site, "roles/index.html");
    let counts: Vec<(String, String)> = all(&index, "table.roles tbody tr")
        .into_iter()
        .map(|r| {
            let cells: Vec<String> = within(r, "td").into_iter().map(text).collect();
            (cells[0].clone(), cells[2].clone())
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("Procurement officer", "5"),
        ("Project lead", "5"),
        ("Legal officer", "5"),
        ("Privacy officer", "2"),
        ("The public", "1"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(counts, want);
}

#[test]
fn guidance_pages_have_navigation_a_table_of_contents_and_prev_next() {
    let (_tmp, site) = built_fixture();
    let pages = [
        ("guide/who-to-involve.html", "Who to involve and why"),
        ("guide/roles.html", "The roles"),
        ("guide/public-participation.html", "Public participation"),
    ];
    for (i, (path, title)) in pages.iter().enumerate() {
        let doc = page(&site, path);
        assert_eq!(text(one(&doc, "h1")), *title);

        let nav: Vec<(String, Option<&str>)> = all(&doc, "nav.sidebar a")
            .into_iter()
            .map(|a| (text(a), a.value().attr("aria-current")))
            .collect();
        let want: Vec<(String, Option<&str>)> = pages
            .iter()
            .enumerate()
            .map(|(j, (_, t))| (t.to_string(), (i == j).then_some("page")))
            .collect();
        assert_eq!(
            nav, want,
            "sidebar of {path}, weight order, current page marked"
        );

        let toc = one(&doc, "nav.toc");
        for a in within(toc, "a") {
            let id = attr(a, "href")
                .strip_prefix('#')
                .expect("toc links are anchors");
            let target = all(&doc, &format!("[id=\"{id}\"]"));
            assert_eq!(target.len(), 1, "{path}: toc anchor #{id}");
            assert_eq!(text(target[0]), text(a));
        }

        let prev = all(&doc, "nav.prev-next a[rel=prev]");
        let next = all(&doc, "nav.prev-next a[rel=next]");
        match i.checked_sub(1) {
            Some(p) => assert_eq!(
                attr(prev[0], "href"),
                format!("../{}", pages[p].0),
                "{path}: previous"
            ),
            None => assert!(prev.is_empty(), "{path}: the first page has no previous"),
        }
        match pages.get(i + 1) {
            Some((n, _)) => assert_eq!(attr(next[0], "href"), format!("../{n}"), "{path}: next"),
            None => assert!(next.is_empty(), "{path}: the last page has no next"),
        }
    }
    let roles = page(&site, "guide/roles.html");
    let toc: Vec<String> = all(&roles, "nav.toc a").into_iter().map(text).collect();
    assert_eq!(toc, ["Procurement officer", "Legal officer", "The public"]);
    // A relative .md link with an anchor became a site link.
    let link = all(&roles, "article a")
        .into_iter()
        .find(|a| text(*a) == "a mixed team")
        .expect("the link to who-to-involve.md#a-mixed-team");
    assert_eq!(attr(link, "href"), "who-to-involve.html#a-mixed-team");
}

#[test]
fn raw_html_in_guidance_passes_by_default_and_is_escaped_when_turned_off() {
    let (_tmp, site) = built_fixture();
    let doc = page(&site, "guide/who-to-involve.html");
    let abbr = one(&doc, "article abbr");
    assert_eq!(attr(abbr, "title"), "artificial intelligence");
    assert_eq!(text(abbr), "AI");

    let (tmp, book) = fixture_copy();
    replace_in(
        &book.join("book.toml"),
        "[build]\n",
        "[build]\nraw-html = false\n",
    );
    let site = tmp.path().join("site");
    build_into(&book, &site);
    let doc = page(&site, "guide/who-to-involve.html");
    assert!(all(&doc, "abbr").is_empty(), "raw HTML was passed through");
    assert!(
        text(one(&doc, "article")).contains("<abbr title=\"artificial intelligence\">AI</abbr>"),
        "the raw HTML is shown as text"
    );
}

/// Snapshots the `<main>` of the page at `rel` as scraper serialises it, into tests/snapshots/.
fn assert_main_snapshot(name: &str, site: &Path, rel: &str) {
    let main = one(&page(site, rel), "main").html();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_description(format!("<main> of {rel} in the tests/fixtures/small site"));
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, main));
}

#[test]
fn snapshot_index_main() {
    let (_tmp, site) = built_fixture();
    assert_main_snapshot("index_main", &site, "index.html");
}

#[test]
fn snapshot_project_main() {
    let (_tmp, site) = built_fixture();
    assert_main_snapshot("project_sm_003_main", &site, "projects/sm-003.html");
}

#[test]
fn snapshot_role_main() {
    let (_tmp, site) = built_fixture();
    assert_main_snapshot("role_legal_officer_main", &site, "roles/legal_officer.html");
}

/// Puts `files` (paths under `templates/`, with their text) into the handbook's own copy of the
/// default theme.
fn theme_templates(book: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = book.join("themes/default/templates").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A copy of the fixture with a guidance page one folder down, so pages sit at three depths
/// (the home page, `projects/…`, `guide/more/…`) and the 404 page links from the site root.
fn fixture_at_three_depths() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, book) = fixture_copy();
    std::fs::create_dir_all(book.join("content/more")).unwrap();
    std::fs::write(
        book.join("content/more/deeper.md"),
        "---\ntitle: Deeper\n---\n# Deeper\n\nA page one folder down.\n",
    )
    .unwrap();
    (tmp, book)
}

#[test]
fn head_links_header_and_footer_made_once_per_place_equal_a_base_that_makes_them_on_every_page() {
    // The built-in base.html takes them from partials rendered once per depth and section; the
    // fixture's copy is base.html as it was before, which writes them out on every page.
    let (_tmp, book) = fixture_at_three_depths();
    let out = tempfile::TempDir::new().unwrap();
    build_into(&book, &out.path().join("shared"));
    let inline_base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/themes/inline-base.html"),
    )
    .unwrap();
    theme_templates(&book, &[("base.html", &inline_base)]);
    build_into(&book, &out.path().join("inline"));
    let (shared, inline) = (
        tree(&out.path().join("shared")),
        tree(&out.path().join("inline")),
    );
    assert!(shared.contains_key("guide/more/deeper.html"));
    assert_eq!(
        shared.keys().collect::<Vec<_>>(),
        inline.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &shared {
        assert!(bytes == &inline[path], "{path} differs");
    }
}

#[test]
fn a_theme_header_shows_on_every_page_with_links_from_where_the_page_is() {
    let (tmp, book) = fixture_at_three_depths();
    theme_templates(
        &book,
        &[(
            "partials/header.html",
            "<header class=\"office\"><a href=\"{{ root }}index.html\">{{ site.title }}</a> {{ section }}</header>\n",
        )],
    );
    let site = tmp.path().join("site");
    build_into(&book, &site);
    let pages = html_files(&site);
    assert!(pages.len() > 10, "{pages:?}");
    for rel in &pages {
        let doc = page(&site, rel);
        let header = one(&doc, "header.office");
        let expected_root = if rel == "404.html" {
            "/".to_string()
        } else {
            "../".repeat(rel.matches('/').count())
        };
        assert_eq!(
            attr(within(header, "a")[0], "href"),
            format!("{expected_root}index.html"),
            "{rel}"
        );
        assert!(all(&doc, "header.site-header").is_empty(), "{rel}");
    }
    let project = page(&site, "projects/sm-001.html");
    assert!(text(one(&project, "header.office")).ends_with("projects"));
    let guide = page(&site, "guide/more/deeper.html");
    assert!(text(one(&guide, "header.office")).ends_with("guide"));
}

#[test]
fn a_themes_own_row_and_fact_partials_show_whether_or_not_they_render_without_tera() {
    // The built-in role-row.html and attribute.html are simple enough to be rendered without
    // Tera's interpreter; a theme's copy is rendered so too when it is (the attribute below),
    // and by Tera when it uses more of Tera (the filter in the row below).
    let (tmp, book) = fixture_copy();
    theme_templates(
        &book,
        &[
            (
                "partials/role-row.html",
                "<tr class=\"mine\"><td>{{ title | upper }}</td><td>{{ stage }}</td></tr>\n",
            ),
            (
                "partials/attribute.html",
                "<div class=\"fact\"><dt>{{ a.label }}</dt><dd>{% if a.value %}{{ a.value }}{% else %}?{% endif %}</dd></div>\n",
            ),
        ],
    );
    let site = tmp.path().join("site");
    build_into(&book, &site);
    let role = page(&site, "roles/legal_officer.html");
    let rows: Vec<String> = all(&role, "tr.mine td:first-child")
        .into_iter()
        .map(text)
        .collect();
    assert!(
        rows.contains(&"HOUSING ELIGIBILITY PRE-SCREENING".to_string()),
        "{rows:?}"
    );
    let project = page(&site, "projects/sm-001.html");
    let facts = all(&project, "dl.attributes div.fact");
    assert!(facts.len() > 3, "{} facts", facts.len());
    assert!(all(&project, "dl.attributes > div:not(.fact)").is_empty());
}
