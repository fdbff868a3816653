//! Every relative `href`, `src` and form `action` of every page resolves to a file of the site,
//! and every `#fragment` to an element id in its target; nothing is loaded from outside.

use std::collections::{BTreeMap, BTreeSet};

use super::support::*;

/// Where a relative link from the page at `from` leads, as a path from the site root; `None`
/// when it leaves the site folder.
fn resolve(from: &str, path: &str) -> Option<String> {
    if let Some(abs) = path.strip_prefix('/') {
        // Only the 404 page uses root-relative links (it is served at any depth).
        return resolve("", abs);
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // the page's own file name
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The scheme of a URL, if it has one (`https:`, `mailto:`, `javascript:`).
fn scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    (!scheme.contains(['/', '?', '#'])).then(|| scheme.trim().to_ascii_lowercase())
}

#[test]
fn every_relative_link_and_anchor_resolves_inside_the_site() {
    let (_tmp, site) = built_fixture();
    let files = tree(&site);
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut docs = BTreeMap::new();
    for path in html_files(&site) {
        let doc = page(&site, &path);
        let found = all(&doc, "[id]")
            .into_iter()
            .map(|e| attr(e, "id").to_string())
            .collect();
        ids.insert(path.clone(), found);
        docs.insert(path, doc);
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for (path, doc) in &docs {
        for el in all(doc, "[href], [src], form[action]") {
            let loads = matches!(el.value().name(), "script" | "img" | "link")
                && el.value().attr("rel") != Some("alternate");
            for name in ["href", "src", "action"] {
                let Some(url) = el.value().attr(name) else {
                    continue;
                };
                if let Some(s) = scheme(url) {
                    if !matches!(s.as_str(), "http" | "https" | "mailto") {
                        problems.push(format!("{path}: {name}=\"{url}\" has scheme {s}:"));
                    } else if loads {
                        problems.push(format!(
                            "{path}: <{}> loads {url} from outside the site",
                            el.value().name()
                        ));
                    }
                    continue;
                }
                if url.starts_with("//") {
                    problems.push(format!("{path}: {name}=\"{url}\" leaves the site"));
                    continue;
                }
                checked += 1;
                let (rest, fragment) = url.split_once('#').unwrap_or((url, ""));
                let file_part = rest.split_once('?').map_or(rest, |(p, _)| p);
                let target = if file_part.is_empty() {
                    Some(path.clone())
                } else {
                    resolve(path, file_part)
                };
                let Some(target) = target else {
                    problems.push(format!(
                        "{path}: {name}=\"{url}\" leads outside the site folder"
                    ));
                    continue;
                };
                if !files.contains_key(&target) {
                    problems.push(format!(
                        "{path}: {name}=\"{url}\" → {target}, which does not exist"
                    ));
                    continue;
                }
                if !fragment.is_empty() {
                    match ids.get(&target) {
                        Some(known) if known.contains(fragment) => {}
                        _ => problems.push(format!(
                            "{path}: {name}=\"{url}\" → no element with id \"{fragment}\" in {target}"
                        )),
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
    assert!(checked > 200, "the checker looked at only {checked} links");
}
