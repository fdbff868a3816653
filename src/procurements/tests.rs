use super::*;
use crate::config::{self, Delimiter, Encoding};
use crate::diagnostics::Column;
use std::path::Path;

fn load(book: &str, csv: &str) -> (Option<Procurements>, Vec<Diagnostic>) {
    let config = LoadedConfig {
        config: config::parse(book).unwrap(),
        source: book.to_string(),
        root: ".".into(),
    };
    let mut d = Diagnostics::default();
    let table = table::parse(
        csv.as_bytes(),
        Path::new("p.csv"),
        Delimiter::Auto,
        Encoding::Auto,
        &mut d,
    )
    .unwrap();
    let phases = [
        PhaseName {
            id: "needs_assessment",
            name: "Needs assessment",
        },
        PhaseName {
            id: "contracting",
            name: "Contracting",
        },
    ];
    let p = from_table(&config, &table, "p.csv".into(), &phases, &mut d);
    (p, d.into_vec())
}

const BOOK: &str = r#"
[procurements]
title = "title"
hidden = ["Contact e-mail"]

[procurements.fields.risk]
column = "Risk level"
type = "enum"
values = ["low", "medium", "high"]
map = { "High-impact" = "high" }

[procurements.fields.resident_facing]
column = "Resident facing?"
type = "bool"

[procurements.fields.value]
column = "Estimated value"
type = "number"
min = 0

[procurements.fields.stage]
column = "Stage"
"#;

#[test]
fn fields_are_mapped_recoded_and_typed() {
    let csv = "id,title,Risk level,Resident facing?,Estimated value,Stage,Contact e-mail\n\
               A-1,Chatbot, high-impact ,YES,\"$350,000\",Needs assessment,a@example.org\n\
               A-2,Triage,Low,,N/A,contracting,\n";
    let (p, d) = load(BOOK, csv);
    assert!(d.is_empty(), "{d:?}");
    let p = p.unwrap();
    let s = &p.schema;
    let row = &p.rows[0];
    assert_eq!(
        row.value(s.field("risk").unwrap()),
        Some(&Value::Text("high".into()))
    );
    assert_eq!(
        row.value(s.field("resident_facing").unwrap()),
        Some(&Value::Bool(true))
    );
    assert_eq!(
        row.value(s.field("value").unwrap()),
        Some(&Value::Number(350000.0))
    );
    assert_eq!(
        row.value(s.field("stage").unwrap()),
        Some(&Value::Text("needs_assessment".into()))
    );
    assert!(s.fields[s.field("Contact e-mail").unwrap()].hidden);
    // Blank and N/A are unknown, not "no" or zero.
    assert_eq!(p.rows[1].value(s.field("resident_facing").unwrap()), None);
    assert_eq!(p.rows[1].value(s.field("value").unwrap()), None);
    assert_eq!(p.title(&p.rows[1]), "Triage");
}

#[test]
fn every_bad_cell_is_reported_with_line_column_and_suggestion() {
    let csv = "id,title,Risk level,Resident facing?,Estimated value,Stage,Contact e-mail\n\
               A-1,\"Two\nlines\",hihg,maybe,-5,Contracting,\n\
               A-2,Ok,low,no,about 3,Finished,\n";
    let (p, d) = load(BOOK, csv);
    assert!(
        p.is_some(),
        "the rows are kept so that every problem is found"
    );
    type Found<'a> = (Option<usize>, Option<Column>, &'a str, Option<&'a str>);
    let found: Vec<Found> = d
        .iter()
        .map(|d| {
            (
                d.line,
                d.column.clone(),
                d.message.as_str(),
                d.help.as_deref(),
            )
        })
        .collect();
    let header = |h: &str| Some(Column::Header(h.into()));
    assert_eq!(
        found,
        vec![
            (
                Some(2),
                header("Risk level"),
                "\"hihg\" is not an allowed value",
                Some("expected one of: low, medium, high; did you mean `high`?")
            ),
            (
                Some(2),
                header("Resident facing?"),
                "\"maybe\" is not a yes/no value",
                Some(
                    "expected yes or no (also y/n, true/false, 1/0, x); leave it blank if unknown"
                )
            ),
            (
                Some(2),
                header("Estimated value"),
                "-5 is out of range",
                Some("expected a number at least 0")
            ),
            (
                Some(4),
                header("Estimated value"),
                "\"about 3\" is not a number",
                Some("expected a number such as 350000 or 350,000 (a currency sign is fine)")
            ),
            (
                Some(4),
                header("Stage"),
                "\"Finished\" is not an allowed value",
                Some("expected one of: needs_assessment, contracting")
            ),
        ]
    );
}

#[test]
fn blank_and_duplicate_ids_list_every_row_and_name_the_fix() {
    let csv = "id,title\nA,x\n,y\nA,z\n  ,w\na,v\n";
    let (_, d) = load("", csv);
    let messages: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(messages[0].starts_with("p.csv:3: 2 rows have no id: line 3, 5 (give each row its own id in the CSV, or build ids from several columns"), "{}", messages[0]);
    assert!(
        messages[1].starts_with("p.csv:4: the id \"A\" is used by 2 rows: lines 2, 4"),
        "{}",
        messages[1]
    );
    assert!(messages[2].starts_with("p.csv:6: the ids \"A\" (line 2), \"a\" (line 6) would all get the page name \"a.html\""), "{}", messages[2]);
}

#[test]
fn ids_from_a_template() {
    let book = "[procurements]\nid = \"{agency}-{row}\"\n";
    let (p, d) = load(book, "agency,title\nParks,x\nParks,y\n");
    assert!(d.is_empty(), "{d:?}");
    let ids: Vec<&str> = p
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, ["Parks-1", "Parks-2"]);

    let (_, d) = load(
        "[procurements]\nid = \"{agnecy}-{row}\"\n",
        "agency,title\nParks,x\n",
    );
    assert_eq!(d[0].to_string(), "book.toml:2:6: the id template names \"{agnecy}\", which is not a field or column (did you mean `agency`?; use field names, column headers or {row} (the row number))");
}

#[test]
fn a_missing_column_points_into_book_toml() {
    let book = "[procurements.fields.risk]\ncolumn = \"Risk levle\"\ntype = \"enum\"\nvalues = [\"low\"]\n";
    let (p, d) = load(book, "id,Risk level\n1,low\n");
    assert!(p.is_none());
    assert_eq!(d[0].line, Some(2));
    assert!(
        d[0].to_string().contains("did you mean `Risk level`?"),
        "{}",
        d[0]
    );
}

#[test]
fn lists_split_on_separators_and_check_values() {
    let book = "[procurements.fields.tags]\ntype = \"list\"\nvalues = [\"a\", \"b\"]\n";
    let (p, d) = load(book, "id,tags\n1,\"A; b\"\n2,\"a\nc\"\n");
    assert_eq!(
        p.unwrap().rows[0].values[1],
        Some(Value::List(vec!["a".into(), "b".into()]))
    );
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].message, "\"c\" is not an allowed value");
}
