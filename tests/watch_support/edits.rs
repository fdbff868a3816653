//! The edits of the incremental-build tests (tests/incremental.rs): each makes one change an
//! office could make to the fixture handbook on disk and returns the paths a watcher would
//! report for it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const PATHWAYS: [&str; 3] = ["Off-the-shelf", "Customised", "Built in-house"];
const LEVELS: [&str; 4] = ["inform", "consult", "advise", "lead"];
const STAGES: [&str; 5] = [
    "Needs assessment",
    "Solicitation",
    "Evaluation",
    "Contracting",
    "Monitoring",
];
pub const OVERRIDE_404: &str = "themes/default/templates/404.html";

/// One edit the office could make. Indices are taken modulo what exists at the time.
#[derive(Debug, Clone)]
pub enum Edit {
    AddPage { in_folder: bool, n: u8, weight: i8 },
    PageBody { page: usize, n: u8, headings: bool },
    PageTitle { page: usize, n: u8 },
    PageWeight { page: usize, weight: i8 },
    PageDraft { page: usize },
    DeletePage { page: usize },
    CsvCell { row: usize, field: u8, v: u8 },
    AddRow { at: usize, n: u8, v: u8 },
    RemoveRow { row: usize },
    RuleLevel { rule: usize, level: usize },
    RuleCondition { which: u8, v: u8 },
    Resource { row: usize, n: u8 },
    Template { variant: Option<u8> },
    Asset { n: u8 },
    Config { n: u8 },
}

/// A way to break a file; the fix puts its bytes back.
#[derive(Debug, Clone, Copy)]
pub enum Breakage {
    CsvEnum { row: usize },
    RulesSyntax,
    FrontMatter { page: usize },
    Template,
    Config,
}

#[derive(Debug, Clone)]
pub enum Step {
    Edit(Edit),
    /// Break a file, maybe make another edit while it is broken, then fix it.
    Break(Breakage, Option<Edit>),
}

/// Which file family an edit touches (an edit made while a file is broken must not touch it).
pub fn family(edit: &Edit) -> u8 {
    match edit {
        Edit::AddPage { .. }
        | Edit::PageBody { .. }
        | Edit::PageTitle { .. }
        | Edit::PageWeight { .. }
        | Edit::PageDraft { .. }
        | Edit::DeletePage { .. } => 0,
        Edit::CsvCell { .. } | Edit::AddRow { .. } | Edit::RemoveRow { .. } => 1,
        Edit::RuleLevel { .. } | Edit::RuleCondition { .. } => 2,
        Edit::Template { .. } | Edit::Asset { .. } => 3,
        Edit::Config { .. } => 4,
        Edit::Resource { .. } => 5,
    }
}

pub fn broken_family(b: Breakage) -> u8 {
    match b {
        Breakage::FrontMatter { .. } => 0,
        Breakage::CsvEnum { .. } => 1,
        Breakage::RulesSyntax => 2,
        Breakage::Template => 3,
        Breakage::Config => 4,
    }
}

fn pages(book: &Path) -> Vec<PathBuf> {
    let mut d = procbook::diagnostics::Diagnostics::default();
    procbook::guidance::files(book, &book.join("content"), &mut d)
}

fn nth<T: Clone>(items: &[T], i: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[i % items.len()].clone())
}

/// A page's front matter (as a table) and body.
fn read_page(path: &Path) -> (toml::Table, String) {
    let text = fs::read_to_string(path).unwrap();
    let rest = text
        .strip_prefix("+++\n")
        .expect("pages start with front matter");
    let end = rest.find("\n+++\n").expect("front matter is closed");
    (rest[..=end].parse().unwrap(), rest[end + 5..].to_string())
}

fn write_page(path: &Path, front: &toml::Table, body: &str) {
    fs::write(
        path,
        format!("+++\n{}+++\n{body}", toml::to_string(front).unwrap()),
    )
    .unwrap();
}

pub fn edit_page(path: &Path, change: impl FnOnce(&mut toml::Table, &mut String)) -> Vec<PathBuf> {
    let (mut front, mut body) = read_page(path);
    change(&mut front, &mut body);
    write_page(path, &front, &body);
    vec![path.to_path_buf()]
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn write_csv(path: &Path, rows: &[Vec<String>]) -> Vec<PathBuf> {
    let mut writer = csv::Writer::from_path(path).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
    vec![path.to_path_buf()]
}

fn column(rows: &[Vec<String>], header: &str) -> usize {
    rows[0].iter().position(|h| h == header).unwrap()
}

/// Rewrites lines of roles.toml; `change` gets the number of the `[[rule]]` a line is in (0
/// before the first). Edited as text because serialising it with `toml` writes headers such as
/// `[rule.when.impact]`, which procbook rejects (toml's `Spanned` and dotted headers,
/// toml-rs/toml#798).
fn edit_rules(book: &Path, change: impl Fn(usize, &str) -> Option<String>) -> Vec<PathBuf> {
    let path = book.join("data/roles.toml");
    let text = fs::read_to_string(&path).unwrap();
    let mut rule = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            rule += usize::from(line == "[[rule]]");
            change(rule, line).unwrap_or_else(|| line.to_string())
        })
        .collect();
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    vec![path]
}

/// Writes `text` at `relative`, creating folders; the touched paths include every new folder.
pub fn create(book: &Path, relative: &str, text: &str) -> Vec<PathBuf> {
    let path = book.join(relative);
    let mut touched = vec![];
    let mut dir = path.parent().unwrap();
    while !dir.exists() {
        touched.push(dir.to_path_buf());
        dir = dir.parent().unwrap();
    }
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    touched.push(path);
    touched
}

pub fn default_404() -> String {
    let (_, bytes) = procbook::theme::DEFAULT_TEMPLATES
        .iter()
        .find(|(name, _)| *name == "404.html")
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Makes `edit` on disk and returns the paths a watcher would report.
pub fn perform(book: &Path, edit: &Edit) -> Vec<PathBuf> {
    let page = |i: usize| nth(&pages(book), i);
    let csv = book.join("data/procurements.csv");
    match *edit {
        Edit::AddPage {
            in_folder,
            n,
            weight,
        } => {
            let (name, up) = match in_folder {
                true => (format!("content/topics/extra-{n}.md"), "../"),
                false => (format!("content/extra-{n}.md"), ""),
            };
            let tags = match n % 3 {
                0 => "roles = [\"legal_officer\"]\nphases = [\"contracting\"]\n",
                1 => "when = { personal_data = true }\n",
                _ => "",
            };
            let text = format!(
                "+++\ntitle = \"Extra {n}\"\nweight = {weight}\n{tags}+++\n\n## Part {n}\n\n\
                 Ask the [legal officer]({up}roles.md#legal-officer) early.\n"
            );
            create(book, &name, &text)
        }
        Edit::PageBody {
            page: i,
            n,
            headings,
        } => page(i).map_or(vec![], |p| {
            edit_page(&p, |_, body| match headings {
                true => *body = format!("\n## Step {n}\n\nRewritten {n}.\n\n## The end\n"),
                false => body.push_str(&format!("\nOne more paragraph, {n}.\n")),
            })
        }),
        Edit::PageTitle { page: i, n } => page(i).map_or(vec![], |p| {
            edit_page(&p, |front, _| {
                front.insert("title".into(), format!("Renamed {n}").into());
            })
        }),
        Edit::PageWeight { page: i, weight } => page(i).map_or(vec![], |p| {
            edit_page(&p, |front, _| {
                front.insert("weight".into(), i64::from(weight).into());
            })
        }),
        Edit::PageDraft { page: i } => page(i).map_or(vec![], |p| {
            edit_page(&p, |front, _| {
                let draft = front.get("draft").and_then(toml::Value::as_bool) == Some(true);
                front.insert("draft".into(), (!draft).into());
            })
        }),
        Edit::DeletePage { page: i } => page(i).map_or(vec![], |p| {
            fs::remove_file(&p).unwrap();
            let mut touched = vec![p.clone()];
            let dir = p.parent().unwrap();
            if dir != book.join("content") && fs::read_dir(dir).unwrap().next().is_none() {
                fs::remove_dir(dir).unwrap();
                touched.push(dir.to_path_buf());
            }
            touched
        }),
        Edit::CsvCell { row, field, v } => {
            let mut rows = read_csv(&csv);
            let r = 1 + row % (rows.len() - 1);
            let (header, value) = match field % 4 {
                0 => ("Project name", format!("Purchase {v}")),
                1 => ("How are we buying it?", PATHWAYS[v as usize % 3].into()),
                2 => ("Used by residents?", ["Yes", "No"][v as usize % 2].into()),
                _ => ("Impact level", (1 + v % 4).to_string()),
            };
            let c = column(&rows, header);
            rows[r][c] = value;
            write_csv(&csv, &rows)
        }
        Edit::AddRow { at, n, v } => {
            let mut rows = read_csv(&csv);
            let ids: BTreeSet<String> = rows.iter().map(|r| r[0].clone()).collect();
            let id = (100 + u32::from(n)..)
                .map(|k| format!("SM-{k}"))
                .find(|id| !ids.contains(id))
                .unwrap();
            let mut row = vec![String::new(); rows[0].len()];
            for (header, value) in [
                ("Ref", id.clone()),
                ("Project name", format!("New purchase {n}")),
                ("Department", "Finance".into()),
                ("How are we buying it?", PATHWAYS[v as usize % 3].into()),
                ("Impact level", (1 + v % 4).to_string()),
                ("Used by residents?", ["Yes", "No"][n as usize % 2].into()),
                ("Personal data?", ["No", "Yes"][v as usize % 2].into()),
                ("Current stage", STAGES[n as usize % 5].into()),
                ("What is it for?", format!("Row {id}, *new*.")),
            ] {
                let c = column(&rows, header);
                row[c] = value;
            }
            let at = 1 + at % rows.len();
            rows.insert(at, row);
            write_csv(&csv, &rows)
        }
        Edit::RemoveRow { row } => {
            let mut rows = read_csv(&csv);
            if rows.len() <= 2 {
                return vec![];
            }
            rows.remove(1 + row % (rows.len() - 1));
            write_csv(&csv, &rows)
        }
        Edit::RuleLevel { rule, level } => edit_rules(book, |r, line| {
            // The fixture has seven rules.
            (r == 1 + rule % 7 && line.starts_with("level = "))
                .then(|| format!("level = \"{}\"", LEVELS[level % 4]))
        }),
        Edit::RuleCondition { which, v } => edit_rules(book, |_, line| match which % 3 {
            0 => line
                .starts_with("high_impact = ")
                .then(|| format!("high_impact = {}", 1 + v % 4)),
            1 => line.starts_with("when = { public_facing = true").then(|| {
                format!(
                    "when = {{ public_facing = true, impact = {{ gte = {} }} }}",
                    1 + v % 4
                )
            }),
            _ => line.starts_with("when = { pathway = ").then(|| {
                let values = ["\"customize\", \"build\"", "\"build\"", "\"off_the_shelf\""];
                format!("when = {{ pathway = [{}] }}", values[v as usize % 3])
            }),
        }),
        Edit::Resource { row, n } => {
            let path = book.join("data/resources.csv");
            let mut rows = read_csv(&path);
            let r = 1 + row % (rows.len() - 1);
            let c = column(&rows, "title");
            rows[r][c] = format!("Resource {n}");
            write_csv(&path, &rows)
        }
        Edit::Template { variant: Some(n) } => {
            let text = default_404().replace(
                "{% endblock main %}",
                &format!("<p>Variant {n}.</p>\n{{% endblock main %}}"),
            );
            create(book, OVERRIDE_404, &text)
        }
        Edit::Template { variant: None } => {
            let path = book.join(OVERRIDE_404);
            match fs::remove_file(&path) {
                Ok(()) => vec![path],
                Err(_) => vec![],
            }
        }
        Edit::Asset { n } => {
            let name = ["style.css", "extra.css"][n as usize % 2];
            create(
                book,
                &format!("themes/default/static/{name}"),
                &format!("/* override {n} */\nbody {{ margin: {n}px; }}\n"),
            )
        }
        Edit::Config { n } => {
            let path = book.join("book.toml");
            let text = fs::read_to_string(&path).unwrap();
            let mut done = false;
            let lines: Vec<String> = text
                .lines()
                .map(|l| match l.starts_with("description = ") && !done {
                    true => {
                        done = true;
                        format!("description = \"Described {n} times.\"")
                    }
                    false => l.to_string(),
                })
                .collect();
            fs::write(&path, lines.join("\n") + "\n").unwrap();
            vec![path]
        }
    }
}

/// Breaks a file: the paths touched, and the file with the bytes that fix it.
pub fn break_file(book: &Path, how: Breakage) -> (Vec<PathBuf>, PathBuf, Vec<u8>) {
    let path = match how {
        Breakage::CsvEnum { .. } => book.join("data/procurements.csv"),
        Breakage::RulesSyntax => book.join("data/roles.toml"),
        Breakage::FrontMatter { page } => nth(&pages(book), page).unwrap(),
        Breakage::Template => book.join(OVERRIDE_404),
        Breakage::Config => book.join("book.toml"),
    };
    let good = fs::read(&path).unwrap_or_default();
    let text = String::from_utf8(good.clone()).unwrap();
    let touched = match how {
        Breakage::CsvEnum { row } => {
            let mut rows = read_csv(&path);
            let (r, c) = (
                1 + row % (rows.len() - 1),
                column(&rows, "How are we buying it?"),
            );
            rows[r][c] = "Leased".into();
            write_csv(&path, &rows)
        }
        Breakage::RulesSyntax | Breakage::Config => {
            fs::write(&path, text + "\n[[rule\nlevel = \n").unwrap();
            vec![path.clone()]
        }
        Breakage::FrontMatter { .. } => {
            fs::write(&path, text.replacen("\n+++\n", "\n\n", 1)).unwrap();
            vec![path.clone()]
        }
        Breakage::Template => create(
            book,
            OVERRIDE_404,
            "{% extends \"base.html\" %}\n{% block main %}\n<h1>{{ oops </h1>\n",
        ),
    };
    (touched, path, good)
}
