//! A CSV file as a table of text cells, each row with the physical line it starts on.
//!
//! Owns the byte-level concerns every CSV input shares (procurements, resources): encoding
//! (UTF-8, UTF-8 with BOM, Windows-1252 with a warning, UTF-16 refused), the delimiter (`,` `;`
//! or tab, detected), quoting, CRLF and CR line ends, blank lines, ragged rows and headers. It
//! knows nothing of fields or types: that is `procurements.rs`.

use std::path::Path;

use crate::config::{Delimiter, Encoding};
use crate::diagnostics::{list, Diagnostic, Diagnostics};

/// One data row: its cells (as many as the header has columns) and its first physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub cells: Vec<String>,
}

/// A decoded CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    /// The physical line of the header row.
    pub header_line: usize,
    pub records: Vec<Record>,
    pub delimiter: u8,
}

impl Table {
    pub fn column(&self, header: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == header)
    }

    /// The column whose header matches `name` exactly, or else ignoring case and spaces around.
    pub fn find_column(&self, name: &str) -> Option<usize> {
        self.column(name).or_else(|| {
            let want = name.trim().to_lowercase();
            self.headers
                .iter()
                .position(|h| h.trim().to_lowercase() == want)
        })
    }
}

/// Reads and decodes a CSV file. Problems that lose no data (a Windows-1252 file, say) are
/// warnings in `diagnostics`; anything that would drop or shift a value is an error.
pub fn read(
    path: &Path,
    shown: &Path,
    delimiter: Delimiter,
    encoding: Encoding,
    diagnostics: &mut Diagnostics,
) -> Option<Table> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            diagnostics.push(
                Diagnostic::error("io", shown, "there is no procurements file here")
                    .with_help("save the list of procurements as CSV under this name, or set `file` under [procurements] in book.toml to where it is"),
            );
            return None;
        }
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                "io",
                shown,
                format!("cannot read {}: {e}", path.display()),
            ));
            return None;
        }
    };
    parse(&bytes, shown, delimiter, encoding, diagnostics)
}

/// Like [`read`], on bytes already in memory.
pub fn parse(
    bytes: &[u8],
    shown: &Path,
    delimiter: Delimiter,
    encoding: Encoding,
    diagnostics: &mut Diagnostics,
) -> Option<Table> {
    let text = decode(bytes, shown, encoding, diagnostics)?;
    let text = text.as_ref();
    if text.trim().is_empty() {
        diagnostics.push(
            Diagnostic::error("csv-empty", shown, "the file is empty").with_help(
                "it needs a header row naming the columns, then one row per procurement",
            ),
        );
        return None;
    }
    let delimiter = match delimiter {
        Delimiter::Auto => detect_delimiter(text),
        Delimiter::Comma => b',',
        Delimiter::Semicolon => b';',
        Delimiter::Tab => b'\t',
    };
    if let Some(d) = unclosed_quote(text, delimiter) {
        diagnostics.push(
            Diagnostic::error(
                "csv-unclosed-quote",
                shown,
                "a quoted value starts here and its closing quote `\"` is missing",
            )
            .at_line(d)
            .with_help(
                "add the closing quote; inside a quoted value a quote is written twice (`\"\"`)",
            ),
        );
        return None;
    }
    split(text, shown, delimiter, diagnostics)
}

/// Bytes → text: UTF-8 (BOM stripped), else Windows-1252 with a warning; UTF-16 is refused.
fn decode<'a>(
    bytes: &'a [u8],
    shown: &Path,
    encoding: Encoding,
    diagnostics: &mut Diagnostics,
) -> Option<std::borrow::Cow<'a, str>> {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || {
        let sample = &bytes[..bytes.len().min(4096)];
        sample.len() >= 4 && sample.iter().filter(|&&b| b == 0).count() * 4 >= sample.len()
    };
    if utf16 {
        diagnostics.push(
            Diagnostic::error(
                "csv-encoding",
                shown,
                "the file is UTF-16 encoded, which procbook does not read",
            )
            .with_help("save it again as \"CSV UTF-8\" (in Excel: File → Save As → CSV UTF-8)"),
        );
        return None;
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match (encoding, std::str::from_utf8(bytes)) {
        (Encoding::Windows1252, _) => Some(windows_1252(bytes)),
        (_, Ok(text)) => Some(text.into()),
        (Encoding::Utf8, Err(e)) => {
            let line = line_of(bytes, e.valid_up_to());
            diagnostics.push(
                Diagnostic::error("csv-encoding", shown, "the file is not valid UTF-8")
                    .at_line(line)
                    .with_help("save it as \"CSV UTF-8\", or set `encoding = \"windows-1252\"` under [procurements] in book.toml"),
            );
            None
        }
        (Encoding::Auto, Err(e)) => {
            let line = line_of(bytes, e.valid_up_to());
            diagnostics.push(
                Diagnostic::warning(
                    "csv-encoding",
                    shown,
                    "the file is not UTF-8; read it as Windows-1252 (the usual \"CSV\" of spreadsheet programs on Windows)",
                )
                .at_line(line)
                .with_help("check accented letters on the pages; save as \"CSV UTF-8\" to silence this"),
            );
            Some(windows_1252(bytes))
        }
    }
}

fn windows_1252(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Counts `,` `;` and tabs outside quotes on the first non-blank line; the most frequent wins,
/// a comma on a tie.
fn detect_delimiter(text: &str) -> u8 {
    let header = text
        .split(['\r', '\n'])
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if b == *d {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map_or(b',', |(d, _)| *d)
}

/// The line of a quoted value that never closes, if any. A quote only opens a quoted value at the
/// start of a cell, after `delimiter` or a line end (as in the `csv` crate); elsewhere it is an
/// ordinary character. Only the quotes are visited, so a large file is scanned at memory speed.
fn unclosed_quote(text: &str, delimiter: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'"', &bytes[at..]) {
        let open = at + found;
        let cell_start =
            open == 0 || matches!(bytes[open - 1], b'\n' | b'\r') || bytes[open - 1] == delimiter;
        at = open + 1;
        if !cell_start {
            continue;
        }
        // Inside the quoted value: `""` is a quote, a lone `"` closes it.
        loop {
            let Some(found) = memchr::memchr(b'"', &bytes[at..]) else {
                return Some(line_of_offset(bytes, open));
            };
            let quote = at + found;
            if bytes.get(quote + 1) == Some(&b'"') {
                at = quote + 2;
            } else {
                at = quote + 1;
                break;
            }
        }
    }
    None
}

/// The 1-based line of the byte at `offset`; lines end at LF, CRLF or a lone CR.
fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    let before = &bytes[..offset];
    let lone_cr = memchr::memchr_iter(b'\r', before)
        .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
        .count();
    memchr::memchr_iter(b'\n', before).count() + lone_cr + 1
}

fn split(text: &str, shown: &Path, delimiter: u8, diagnostics: &mut Diagnostics) -> Option<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header: Option<(usize, Vec<String>)> = None;
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut ragged = Vec::new();
    // The csv crate's own line count is off with CRLF and lone CR, so lines come from offsets.
    let starts = line_starts(text);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e
                    .position()
                    .map_or(1, |p| line_at(text, &starts, p.byte() as usize));
                diagnostics.push(
                    Diagnostic::error("csv-syntax", shown, format!("this row cannot be read: {e}"))
                        .at_line(line),
                );
                return None;
            }
        }
        let line = record
            .position()
            .map_or(1, |p| line_at(text, &starts, p.byte() as usize));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // a blank line: no data to lose
        }
        let Some((_, headers)) = &header else {
            header = Some((line, record.iter().map(|h| h.trim().to_string()).collect()));
            continue;
        };
        let mut cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.len() != headers.len() {
            // Trailing empty cells past the header, as spreadsheets often export, lose nothing.
            let extra_blank = cells.len() > headers.len()
                && cells[headers.len()..].iter().all(|c| c.trim().is_empty());
            if extra_blank {
                cells.truncate(headers.len());
            } else {
                ragged.push((line, cells.len()));
                continue;
            }
        }
        records.push(Record { line, cells });
    }
    let Some((header_line, headers)) = header else {
        diagnostics.push(Diagnostic::error("csv-empty", shown, "the file is empty"));
        return None;
    };
    let mut ok = ragged.is_empty();
    for (line, n) in ragged {
        let d = Diagnostic::error(
            "csv-ragged-row",
            shown,
            format!(
                "this row has {n} values but the header (line {header_line}) names {} columns",
                headers.len()
            ),
        )
        .at_line(line);
        diagnostics.push(if n > headers.len() {
            d.with_help("add the missing column names to the header, or quote values that contain the delimiter")
        } else {
            d.with_help("a value or a delimiter is missing; empty values still need their delimiter")
        });
    }
    ok &= check_headers(&headers, header_line, shown, &records, diagnostics);
    ok.then_some(Table {
        headers,
        header_line,
        records,
        delimiter,
    })
}

/// Byte offsets where lines start; a line ends at LF, CRLF or a lone CR.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    starts.extend(
        memchr::memchr2_iter(b'\n', b'\r', bytes)
            .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
            .map(|i| i + 1),
    );
    starts
}

/// The 1-based line a record starts on, from the offset the csv crate gives (which may point at
/// the line end before the record).
fn line_at(text: &str, starts: &[usize], offset: usize) -> usize {
    let skip = text.as_bytes().get(offset..).map_or(0, |rest| {
        rest.iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count()
    });
    starts.partition_point(|&s| s <= offset + skip)
}

/// Empty header names (over a column with data) and duplicate names are errors: a value under
/// them could not be told apart from another column's.
fn check_headers(
    headers: &[String],
    line: usize,
    shown: &Path,
    records: &[Record],
    diagnostics: &mut Diagnostics,
) -> bool {
    let mut ok = true;
    let mut columns: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, h) in headers.iter().enumerate() {
        columns.entry(h).or_default().push(i);
    }
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            if records.iter().any(|r| !r.cells[i].trim().is_empty()) {
                ok = false;
                diagnostics.push(
                    Diagnostic::error(
                        "csv-header",
                        shown,
                        format!("column {} has values but no name in the header", i + 1),
                    )
                    .at_line(line)
                    .with_help("give the column a name in the header row"),
                );
            }
            continue;
        }
        let same = &columns[h.as_str()];
        if same.len() > 1 && same[0] == i {
            ok = false;
            diagnostics.push(
                Diagnostic::error(
                    "csv-header",
                    shown,
                    format!(
                        "the column name \"{h}\" appears {} times (columns {})",
                        same.len(),
                        list(same.iter().map(|j| (j + 1).to_string()))
                    ),
                )
                .at_line(line)
                .with_help("rename the columns so each name is used once"),
            );
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &[u8]) -> (Option<Table>, Diagnostics) {
        let mut d = Diagnostics::default();
        let t = parse(
            text,
            Path::new("t.csv"),
            Delimiter::Auto,
            Encoding::Auto,
            &mut d,
        );
        (t, d)
    }

    #[test]
    fn quoted_newlines_keep_physical_lines() {
        let (t, d) = table(b"id,text\r\na,\"one\r\ntwo\"\r\n\r\nb,three\r\n");
        assert!(d.is_empty(), "{d:?}");
        let t = t.unwrap();
        assert_eq!(t.records[0].line, 2);
        assert_eq!(t.records[0].cells[1], "one\r\ntwo");
        assert_eq!(t.records[1].line, 5);
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let (t, _) = table(b"a,b\r1,2\r3,4");
        let lines: Vec<usize> = t.unwrap().records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn semicolons_and_tabs_are_detected() {
        assert_eq!(table(b"a;b;c\n1;2,5;3\n").0.unwrap().delimiter, b';');
        assert_eq!(table(b"a\tb\n1\t2\n").0.unwrap().delimiter, b'\t');
        assert_eq!(table(b"\"a;b\",c\n1,2\n").0.unwrap().delimiter, b',');
    }

    #[test]
    fn windows_1252_is_decoded_with_a_warning() {
        let (t, d) = table(b"id,name\n1,Caf\xe9\n");
        assert_eq!(t.unwrap().records[0].cells[1], "Café");
        assert_eq!(d.warning_count(), 1);
        assert_eq!(d.iter().next().unwrap().line, Some(2));
    }

    #[test]
    fn utf16_is_refused() {
        let (t, d) = table(b"\xff\xfei\x00d\x00\n\x00");
        assert!(t.is_none());
        assert!(d.iter().next().unwrap().message.contains("UTF-16"));
    }

    #[test]
    fn unclosed_quote_names_the_line_it_opens_on() {
        let (t, d) = table(b"id,t\n1,ok\n2,\"never closed\n3,x\n");
        assert!(t.is_none());
        assert_eq!(d.iter().next().unwrap().line, Some(3));
    }

    #[test]
    fn ragged_rows_are_errors_not_shifted_values() {
        let (t, d) = table(b"a,b,c\n1,2,3\n1,2\n1,2,3,4\n");
        assert!(t.is_none());
        let lines: Vec<_> = d.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![Some(3), Some(4)]);
    }

    /// The byte-by-byte scan that `unclosed_quote` and `line_starts` replaced, kept as the
    /// statement of what they must find.
    fn scanned(text: &str, delimiter: u8) -> (Option<usize>, Vec<usize>) {
        let (mut line, mut opened_at, mut quoted, mut at_cell_start) = (1, 0, false, true);
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                line += 1;
                starts.push(i + 1);
            }
            if quoted {
                if b == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 1;
                    } else {
                        quoted = false;
                    }
                }
            } else {
                match b {
                    b'"' if at_cell_start => (quoted, opened_at) = (true, line),
                    b'\n' | b'\r' => at_cell_start = true,
                    _ => at_cell_start = b == delimiter,
                }
            }
            i += 1;
        }
        (quoted.then_some(opened_at), starts)
    }

    proptest::proptest! {
        #[test]
        fn quote_and_line_scans_agree_with_a_byte_by_byte_scan(text in "[\",;a\r\n]{0,40}") {
            let (open, starts) = scanned(&text, b',');
            proptest::prop_assert_eq!(unclosed_quote(&text, b','), open);
            proptest::prop_assert_eq!(line_starts(&text), starts);
        }
    }
}
