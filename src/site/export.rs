//! The data files of a site: `projects.json`, `stakeholders.csv`, the search index and the Atom
//! feed of resources. Hidden fields appear in none of them; every CSV value is escaped for the
//! format it lands in.

use std::sync::Arc;

use serde::Serialize;

use super::rows::{self, Kind};
use super::{Output, Site, SiteInfo};
use crate::markdown;
use crate::output::{part, Sink};
use crate::theme::RenderError;

#[derive(Serialize)]
struct ProjectsJson<'s> {
    schema: &'static str,
    title: &'s str,
    phases: Vec<Named<'s>>,
    levels: Vec<Named<'s>>,
    roles: Vec<Named<'s>>,
    rules: Vec<RuleJson<'s>>,
}

#[derive(Serialize)]
struct Named<'s> {
    id: &'s str,
    name: &'s str,
}

#[derive(Serialize)]
struct RuleJson<'s> {
    id: &'s str,
    role: &'s str,
    level: &'s str,
    phases: Vec<&'s str>,
    sign_off: Vec<&'s str>,
    why: &'s str,
    source: &'s str,
    source_url: Option<&'s str>,
}

#[derive(Serialize)]
struct ProjectJson<'s, 'a> {
    id: &'s str,
    url: String,
    title: &'s str,
    stage: Option<&'s str>,
    /// Public fields by name; blank ones are `null`.
    attributes: Attributes<'s, 'a>,
    /// Involved roles by id.
    roles: Roles<'s, 'a>,
}

/// The order of projects.json's objects, worked out once: public fields sorted by name, roles
/// by id (as a map keyed by them would hold them).
pub(super) struct JsonOrder {
    fields: Vec<usize>,
    roles: Vec<usize>,
}

impl JsonOrder {
    pub(super) fn new(h: &crate::handbook::Handbook) -> Self {
        let schema = &h.procurements.schema;
        let mut fields: Vec<usize> = schema.public_fields().map(|(f, _)| f).collect();
        fields.sort_by(|&a, &b| schema.fields[a].name.cmp(&schema.fields[b].name));
        let mut roles: Vec<usize> = (0..h.rules.roles.len()).collect();
        roles.sort_by(|&a, &b| h.rules.roles[a].id.cmp(&h.rules.roles[b].id));
        JsonOrder { fields, roles }
    }
}

/// A procurement's public fields, by name, as their values display (blank: `null`).
struct Attributes<'s, 'a> {
    site: &'s Site<'a>,
    row: usize,
}

impl Serialize for Attributes<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use crate::procurements::Value;
        use serde::ser::SerializeMap;
        let procurements = &self.site.handbook.procurements;
        let p = &procurements.rows[self.row];
        let fields = &self.site.json_order.fields;
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for &f in fields {
            let name = procurements.schema.fields[f].name.as_str();
            match p.value(f) {
                None => map.serialize_entry(name, &None::<&str>)?,
                // Text displays as itself: no copy.
                Some(Value::Text(text)) => map.serialize_entry(name, text)?,
                Some(value) => map.serialize_entry(name, &value.display())?,
            }
        }
        map.end()
    }
}

/// A procurement's involved roles, by id.
struct Roles<'s, 'a> {
    site: &'s Site<'a>,
    row: usize,
}

impl Serialize for Roles<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let h = self.site.handbook;
        let rules = &h.rules;
        let plan = &h.plans[self.row];
        let mut map = serializer.serialize_map(None)?;
        for &r in &self.site.json_order.roles {
            if !plan.involves(r) {
                continue;
            }
            let role = RoleJson {
                assignee: h.assignee(self.row, r),
                levels: plan
                    .row(r)
                    .iter()
                    .map(|c| c.map(|c| rules.levels[c.level()].id.as_str()))
                    .collect(),
                sign_off: rules.phase_ids(plan.sign_offs(r)),
                rules: plan
                    .rules_for(rules, r)
                    .map(|x| rules.rules[x].id.as_str())
                    .collect(),
            };
            map.serialize_entry(rules.roles[r].id.as_str(), &role)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct RoleJson<'s> {
    assignee: Option<&'s str>,
    /// One entry per phase, in the order of `phases`: the level id, or `null`.
    levels: Vec<Option<&'s str>>,
    sign_off: Vec<&'s str>,
    rules: Vec<&'s str>,
}

/// One procurement's object in projects.json.
pub(super) fn project_json(site: &Site<'_>, i: usize) -> Vec<u8> {
    let h = site.handbook;
    let p = &h.procurements.rows[i];
    let project = ProjectJson {
        id: &p.id,
        url: site.path(Output::Project(i)),
        title: h.procurements.title(p),
        stage: h.procurements.stage(p),
        attributes: Attributes { site, row: i },
        roles: Roles { site, row: i },
    };
    serde_json::to_vec(&project).unwrap_or_default()
}

/// `projects.json` (schema `procbook.projects/1`, see docs/formats.md): each procurement with
/// its stakeholder plan; rule texts are listed once, at the top.
pub(super) fn projects_json(site: &Site<'_>, sink: &mut dyn Sink) -> Result<(), RenderError> {
    let h = site.handbook;
    let rules = &h.rules;
    let doc = ProjectsJson {
        schema: "procbook.projects/1",
        title: &site.info.title,
        phases: rules
            .phases
            .iter()
            .map(|p| Named {
                id: &p.id,
                name: &p.name,
            })
            .collect(),
        levels: rules
            .levels
            .iter()
            .map(|l| Named {
                id: &l.id,
                name: &l.name,
            })
            .collect(),
        roles: rules
            .roles
            .iter()
            .map(|r| Named {
                id: &r.id,
                name: &r.name,
            })
            .collect(),
        rules: rules
            .rules
            .iter()
            .map(|r| RuleJson {
                id: &r.id,
                role: &rules.roles[r.role].id,
                level: &rules.levels[r.level].id,
                phases: rules.phase_ids(r.phases),
                sign_off: rules.phase_ids(r.sign_off),
                why: &r.why,
                source: &r.source,
                source_url: r.source_url.as_deref().filter(|u| markdown::is_safe_url(u)),
            })
            .collect(),
    };
    // The projects (made per procurement, in parallel) are spliced into the last field.
    let mut head = serde_json::to_vec(&doc).unwrap_or_default();
    head.pop();
    head.extend_from_slice(b",\"projects\":[");
    sink.bytes(head);
    separated(site, Kind::Json, sink)?;
    sink.bytes(b"]}\n".to_vec());
    Ok(())
}

/// Every procurement's `kind` fragment, with commas between them.
fn separated(site: &Site<'_>, kind: Kind, sink: &mut dyn Sink) -> Result<(), RenderError> {
    let comma = part(b",".to_vec());
    let mut first = true;
    rows::each(site, kind, |chunk| {
        let mut parts = Vec::with_capacity(2 * chunk.len());
        for part in chunk {
            if !first {
                parts.push(Arc::clone(&comma));
            }
            first = false;
            parts.push(Arc::clone(part));
        }
        sink.parts(&parts);
    })
}

/// `stakeholders.csv`: one row per procurement × role × phase the role takes part in.
pub(super) fn stakeholders_csv(site: &Site<'_>, sink: &mut dyn Sink) -> Result<(), RenderError> {
    sink.bytes(b"project,role,phase,level,sign_off,assignee,rules\n".to_vec());
    rows::each(site, Kind::Csv, |chunk| sink.parts(chunk))
}

/// The rules' ids as stakeholders.csv fields, encoded once for every procurement's rows.
pub(super) struct CsvIds {
    roles: Vec<Vec<u8>>,
    phases: Vec<Vec<u8>>,
    levels: Vec<Vec<u8>>,
}

impl CsvIds {
    pub(super) fn new(rules: &crate::rules::RuleSet) -> Self {
        fn encoded<'r>(ids: impl Iterator<Item = &'r str>) -> Vec<Vec<u8>> {
            ids.map(|id| {
                let mut field = Vec::new();
                csv_field(&mut field, id);
                field
            })
            .collect()
        }
        CsvIds {
            roles: encoded(rules.roles.iter().map(|r| r.id.as_str())),
            phases: encoded(rules.phases.iter().map(|p| p.id.as_str())),
            levels: encoded(rules.levels.iter().map(|l| l.id.as_str())),
        }
    }
}

/// One procurement's rows in stakeholders.csv: each field encoded by csv-core, as the csv
/// crate's writer does (quoted only where needed), the ids of the rules' vocabulary once per
/// site and the procurement's own values once per procurement.
pub(super) fn project_csv(site: &Site<'_>, i: usize) -> Vec<u8> {
    let h = site.handbook;
    let rules = &h.rules;
    let ids = &site.csv_ids;
    let plan = &h.plans[i];
    let mut project = Vec::new();
    csv_field(&mut project, &spreadsheet_safe(&h.procurements.rows[i].id));
    let mut out = Vec::with_capacity(1024);
    for r in plan.roles() {
        let mut assignee = Vec::new();
        csv_field(
            &mut assignee,
            &spreadsheet_safe(h.assignee(i, r).unwrap_or("")),
        );
        for (ph, cell) in plan.row(r).iter().enumerate() {
            let Some(c) = cell else { continue };
            let trace: Vec<&str> = plan
                .trace(rules, r, ph)
                .map(|x| rules.rules[x].id.as_str())
                .collect();
            let sign_off: &[u8] = if c.sign_off { b"yes" } else { b"no" };
            for field in [
                &project[..],
                &ids.roles[r],
                &ids.phases[ph],
                &ids.levels[c.level()],
                sign_off,
                &assignee,
            ] {
                out.extend_from_slice(field);
                out.push(b',');
            }
            csv_field(&mut out, &trace.join(";"));
            out.push(b'\n');
        }
    }
    out
}

/// Appends `value` to `out` as one field of a record with several.
fn csv_field(out: &mut Vec<u8>, value: &str) {
    // csv-core quotes an empty field on its own (`""`, a record of one empty field); in a
    // record of several it is nothing, as the csv crate writes it.
    if value.is_empty() {
        return;
    }
    let mut writer = csv_core::Writer::new();
    let mut input = value.as_bytes();
    let mut buf = [0; 256];
    loop {
        let (result, read, written) = writer.field(input, &mut buf);
        out.extend_from_slice(&buf[..written]);
        input = &input[read..];
        if result == csv_core::WriteResult::InputEmpty {
            break;
        }
    }
    loop {
        let (result, written) = writer.finish(&mut buf);
        out.extend_from_slice(&buf[..written]);
        if result == csv_core::WriteResult::InputEmpty {
            break;
        }
    }
}

/// A cell starting with `=`, `+`, `-`, `@` (or a tab or CR) is a formula to a spreadsheet
/// program; a leading `'` keeps it text.
fn spreadsheet_safe(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// `search-index.js`: `window.PROCBOOK_SEARCH = {"docs": [[url, title, kind, text], …]}`, a
/// script rather than JSON so the search page works from `file://`.
pub(super) fn search_index(site: &Site<'_>) -> Vec<u8> {
    let h = site.handbook;
    let mut docs: Vec<[String; 4]> = Vec::new();
    for (i, page) in h.guidance.pages.iter().enumerate() {
        if site.is_published(i) {
            docs.push([
                page.url.clone(),
                page.title.clone(),
                "guidance".into(),
                page.text.clone(),
            ]);
        }
    }
    for (r, role) in h.rules.roles.iter().enumerate() {
        let text = format!("{} {}", role.summary, role.responsibilities.join(" "));
        docs.push([
            site.path(Output::Role(r)),
            role.name.clone(),
            "role".into(),
            text,
        ]);
    }
    for res in &h.resources {
        docs.push([
            format!("resources.html#{}", res.id),
            res.title.clone(),
            "resource".into(),
            res.description.clone(),
        ]);
    }
    search_script("PROCBOOK_SEARCH", docs)
}

/// `search-procurements.js`: the procurements' part of the search index, in a file of its own
/// so that editing a guidance page does not rewrite it (and editing the CSV does not rewrite
/// the guidance part).
pub(super) fn search_procurements(site: &Site<'_>, sink: &mut dyn Sink) -> Result<(), RenderError> {
    sink.bytes(b"window.PROCBOOK_SEARCH_PROCUREMENTS = {\"docs\":[".to_vec());
    separated(site, Kind::Search, sink)?;
    sink.bytes(b"]};\n".to_vec());
    Ok(())
}

/// One procurement's entry in the search index: `[url, title, "procurement", text]`.
pub(super) fn project_search(site: &Site<'_>, i: usize) -> Vec<u8> {
    let h = site.handbook;
    let schema = &h.procurements.schema;
    let p = &h.procurements.rows[i];
    let mut text = p.id.clone();
    for (f, field) in schema.public_fields() {
        if Some(f) == schema.title {
            continue;
        }
        if let Some(v) = p.value(f) {
            text.push(' ');
            match (field.kind, v) {
                (crate::config::FieldKind::Markdown, crate::procurements::Value::Text(t)) => {
                    markdown_words(t, SEARCH_TEXT_LIMIT, &mut text)
                }
                _ => text.push_str(&field.display(v)),
            }
        }
    }
    let url = site.path(Output::Project(i));
    let doc = [
        url.as_str(),
        h.procurements.title(p),
        "procurement",
        text.as_str(),
    ];
    script_safe(&serde_json::to_string(&doc).unwrap_or_default()).into_bytes()
}

/// `window.NAME = {"docs": [[url, title, kind, text], …]};`
fn search_script(name: &str, docs: Vec<[String; 4]>) -> Vec<u8> {
    #[derive(Serialize)]
    struct Index {
        docs: Vec<[String; 4]>,
    }
    let json = serde_json::to_string(&Index { docs }).unwrap_or_default();
    format!("window.{name} = {};\n", script_safe(&json)).into_bytes()
}

/// JSON made safe to embed in a script: no `</script>`, no HTML comment openers, no line
/// separators that older engines reject.
fn script_safe(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    let mut start = 0;
    // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
    for i in memchr::memchr3_iter(b'<', b'>', 0xE2, bytes) {
        let (replacement, len) = match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'<', _) => ("\\u003c", 1),
            (b'>', _) => ("\\u003e", 1),
            (_, Some([0x80, 0xA8])) => ("\\u2028", 3),
            (_, Some([0x80, 0xA9])) => ("\\u2029", 3),
            _ => continue,
        };
        out.push_str(&json[start..i]);
        out.push_str(replacement);
        start = i + len;
    }
    out.push_str(&json[start..]);
    out
}

/// How much of a procurement's Markdown text goes into the search index: enough to find it by
/// what it is about, while the index stays small enough for a browser at 10,000 rows.
const SEARCH_TEXT_LIMIT: usize = 240;

/// The first `limit` characters of a Markdown cell's words, for search: markup characters
/// become spaces. (Much cheaper than parsing, and search only needs the words.)
fn markdown_words(text: &str, limit: usize, out: &mut String) {
    let mut space = false;
    for c in text.chars().take(limit) {
        if c.is_whitespace() || matches!(c, '*' | '_' | '#' | '>' | '`' | '[' | ']' | '|' | '~') {
            space = true;
        } else {
            if space && !out.ends_with(' ') {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
}

#[derive(Serialize)]
struct Feed<'s> {
    site: &'s SiteInfo,
    base_url: &'s str,
    feed_id: String,
    updated: String,
    resources: Vec<FeedEntry<'s>>,
}

#[derive(Serialize)]
struct FeedEntry<'s> {
    id: &'s str,
    title: &'s str,
    url: &'s str,
    kind: &'s str,
    description: &'s str,
    updated: String,
}

/// `resources.xml`, an Atom feed of the resources. Dates come from the resources file's
/// `updated` column, so the feed is the same for the same inputs.
pub(super) fn feed(site: &Site<'_>) -> Result<String, RenderError> {
    let h = site.handbook;
    let base_url = h.config.config.build.base_url.trim_end_matches('/');
    let stamp = |d: &str| {
        if d.is_empty() {
            "1970-01-01T00:00:00Z".to_string()
        } else {
            format!("{d}T00:00:00Z")
        }
    };
    let resources: Vec<FeedEntry<'_>> = h
        .resources
        .iter()
        .map(|r| FeedEntry {
            id: &r.id,
            title: &r.title,
            url: &r.url,
            kind: &r.kind,
            description: &r.description,
            updated: stamp(&r.updated),
        })
        .collect();
    let updated = resources
        .iter()
        .map(|r| r.updated.clone())
        .max()
        .unwrap_or_else(|| stamp(""));
    let feed_id = if base_url.is_empty() {
        format!(
            "urn:procbook:{}:resources",
            crate::slug::slugify(&site.info.title)
        )
    } else {
        format!("{base_url}/resources.xml")
    };
    site.theme.render(
        "resources.xml",
        &Feed {
            site: &site.info,
            base_url,
            feed_id,
            updated,
            resources,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_empty_and_odd_ones_quoted() {
        let record = |fields: &[&str]| {
            let mut out = Vec::new();
            for (k, field) in fields.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                csv_field(&mut out, field);
            }
            String::from_utf8(out).unwrap()
        };
        assert_eq!(record(&["", ""]), ",");
        assert_eq!(
            record(&["a,b", "say \"hi\"", "x"]),
            "\"a,b\",\"say \"\"hi\"\"\",x"
        );
    }

    proptest::proptest! {
        /// The scan for the few characters to replace equals the definition, character by
        /// character: `<` and `>` (no `</script>`, no comment opener) and the line separators.
        #[test]
        fn script_safe_is_its_definition(json in "(?s).{0,40}|[<>a\u{2028}\u{2029}\u{2027}\u{e2}\u{20ac}é]{0,40}") {
            let defined: String = json
                .chars()
                .map(|c| match c {
                    '<' => "\\u003c".to_string(),
                    '>' => "\\u003e".to_string(),
                    '\u{2028}' => "\\u2028".to_string(),
                    '\u{2029}' => "\\u2029".to_string(),
                    c => c.to_string(),
                })
                .collect();
            proptest::prop_assert_eq!(script_safe(&json), defined);
        }

        /// Fields encoded one by one make the record the csv crate's writer makes of them:
        /// quotes, delimiters, line breaks and spaces included.
        #[test]
        fn fields_encode_as_the_csv_writer_writes_them(
            fields in proptest::collection::vec("(?s).{0,12}|[\",\r\n ;a]{0,6}", 2..6)
        ) {
            let mut ours = Vec::new();
            for (k, field) in fields.iter().enumerate() {
                if k > 0 {
                    ours.push(b',');
                }
                csv_field(&mut ours, field);
            }
            ours.push(b'\n');
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(&fields).unwrap();
            proptest::prop_assert_eq!(ours, writer.into_inner().unwrap());
        }
    }
}
