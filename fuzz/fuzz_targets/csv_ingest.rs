//! Any bytes as data/procurements.csv, read through a fixed book.toml: typed rows or located
//! errors, never a panic, and no row lost without an error.
#![no_main]

use std::collections::HashSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use procbook::diagnostics::{Column, Diagnostics};
use procbook::procurements;
use procbook::slug::slugify;
use procbook::table;
use procbook_fuzz::{assert_located, config, phase_names, physical_lines, CSV_FILE};

fuzz_target!(|data: &[u8]| {
    let config = config();
    let settings = &config.config.procurements;
    let shown = Path::new(CSV_FILE);
    let lines = physical_lines(data);
    let mut d = Diagnostics::default();
    let table = table::parse(data, shown, settings.delimiter, settings.encoding, &mut d);
    let Some(table) = table else {
        assert!(d.has_errors(), "no table and no error: {d:?}");
        for diag in &d {
            let whole_file = diag.code == "csv-empty"
                || (diag.code == "csv-encoding" && diag.message.contains("UTF-16"));
            assert_located(diag, CSV_FILE, lines, whole_file);
        }
        return;
    };
    // A table only comes with warnings (a Windows-1252 file, say), each on a line.
    assert!(!d.has_errors(), "a table and errors: {d:?}");
    for diag in &d {
        assert_located(diag, CSV_FILE, lines, false);
    }
    assert!(table.header_line >= 1 && table.header_line <= lines);
    let mut previous = table.header_line;
    for r in &table.records {
        assert_eq!(r.cells.len(), table.headers.len(), "row on line {}", r.line);
        assert!(
            r.line > previous && r.line <= lines,
            "row line {} after {previous}",
            r.line
        );
        previous = r.line;
    }
    // No silent loss: every non-blank record after the header is a row, counted here with the
    // csv crate directly (for UTF-8 input, where the text is the bytes).
    let bom_less = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if std::str::from_utf8(bom_less).is_ok() {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(table.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(bom_less);
        let mut records = 0usize;
        for record in reader.records() {
            let record = record.expect("the table parser read these bytes");
            if !record.iter().all(|c| c.trim().is_empty()) {
                records += 1;
            }
        }
        assert_eq!(
            records,
            table.records.len() + 1,
            "records in the file vs rows read (plus the header)"
        );
    }

    let headers = table.headers.clone();
    let n = table.records.len();
    let mut d = Diagnostics::default();
    let loaded =
        procurements::from_owned_table(config, table, CSV_FILE.into(), &phase_names(), &mut d);
    let book_lines = procbook_fuzz::lf_lines(&config.source);
    for diag in &d {
        if diag.file == Path::new("book.toml") {
            assert_located(diag, "book.toml", book_lines, false);
        } else {
            assert_located(diag, CSV_FILE, lines, false);
            if let Some(Column::Header(h)) = &diag.column {
                assert!(headers.contains(h), "column {h:?} is not a header: {diag}");
            }
        }
    }
    let Some(p) = loaded else {
        assert!(d.has_errors(), "no procurements and no error");
        return;
    };
    // Every record is a row (rows with bad cells are kept, their problems reported).
    assert_eq!(p.rows.len(), n);
    for row in &p.rows {
        assert_eq!(row.values.len(), p.schema.fields.len());
        assert_eq!(row.slug, slugify(&row.id));
    }
    if !d.has_errors() {
        let mut ids = HashSet::new();
        let mut slugs = HashSet::new();
        for row in &p.rows {
            assert!(
                !row.slug.is_empty(),
                "blank slug for {:?} without an error",
                row.id
            );
            assert!(
                ids.insert(&row.id),
                "duplicate id {:?} without an error",
                row.id
            );
            assert!(
                slugs.insert(&row.slug),
                "slug collision {:?} without an error",
                row.slug
            );
        }
        for (i, field) in p.schema.fields.iter().enumerate() {
            if field.required {
                assert!(
                    p.rows.iter().all(|r| r.value(i).is_some()),
                    "blank {}",
                    field.name
                );
            }
        }
    }
});
