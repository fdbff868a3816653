//! One CSV cell → a typed [`Value`], after recoding; or what was expected instead.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::Field;
use crate::config::FieldKind;
use crate::diagnostics::{list, Diagnostic};

/// A typed cell. Enum and markdown values are [`Value::Text`]; the field's kind says how to show
/// them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Bool(bool),
    Number(f64),
    Date(NaiveDate),
    List(Vec<String>),
}

impl Value {
    /// The value as plain text, the way pages and exports show it.
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Bool(true) => "yes".into(),
            Value::Bool(false) => "no".into(),
            Value::Number(n) => format_number(*n),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::List(items) => items.join("; "),
        }
    }
}

/// `350000` → `350,000`; fractions keep up to two decimals.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        let digits = format!("{}", n.abs() as u64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0.0 {
            out.insert(0, '-');
        }
        out
    } else {
        let s = format!("{n:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Why a cell could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueError {
    NotAllowed { value: String },
    NotBool,
    NotNumber,
    OutOfRange { value: f64 },
    NotDate,
}

impl ValueError {
    pub fn diagnostic(&self, field: &Field, raw: &str, file: PathBuf) -> Diagnostic {
        let shown = raw.trim();
        match self {
            ValueError::NotAllowed { value } => {
                let mut known: Vec<&str> = field.values.iter().map(String::as_str).collect();
                known.extend(field.map.keys().map(String::as_str));
                Diagnostic::error(
                    "value-not-allowed",
                    file,
                    format!("\"{value}\" is not an allowed value"),
                )
                .with_help(format!("expected one of: {}", list(&field.values)))
                .suggest(value, known)
            }
            ValueError::NotBool => Diagnostic::error(
                "value-not-bool",
                file,
                format!("\"{shown}\" is not a yes/no value"),
            )
            .with_help(
                "expected yes or no (also y/n, true/false, 1/0, x); leave it blank if unknown",
            ),
            ValueError::NotNumber => Diagnostic::error(
                "value-not-number",
                file,
                format!("\"{shown}\" is not a number"),
            )
            .with_help("expected a number such as 350000 or 350,000 (a currency sign is fine)"),
            ValueError::OutOfRange { value } => {
                let range = match (field.min, field.max) {
                    (Some(lo), Some(hi)) => {
                        format!("between {} and {}", format_number(lo), format_number(hi))
                    }
                    (Some(lo), None) => format!("at least {}", format_number(lo)),
                    (None, Some(hi)) => format!("at most {}", format_number(hi)),
                    (None, None) => String::new(),
                };
                Diagnostic::error(
                    "value-out-of-range",
                    file,
                    format!("{} is out of range", format_number(*value)),
                )
                .with_help(format!("expected a number {range}"))
            }
            ValueError::NotDate => {
                let formats = match &field.format {
                    Some(f) => format!("a date as {f} or YYYY-MM-DD"),
                    None => "a date as YYYY-MM-DD".into(),
                };
                Diagnostic::error("value-not-date", file, format!("\"{shown}\" is not a date"))
                    .with_help(format!("expected {formats}"))
            }
        }
    }
}

/// Reads one cell of `field`. `Ok(None)` is blank: a value the CSV does not know.
pub fn parse(field: &Field, raw: &str, blank: &[String]) -> Result<Option<Value>, ValueError> {
    let trimmed = raw.trim();
    if field.kind == FieldKind::List {
        return parse_list(field, raw, blank);
    }
    let text = recode(field, trimmed);
    if is_blank(text, blank) {
        return Ok(None);
    }
    let value = match field.kind {
        FieldKind::Text => Value::Text(text.to_string()),
        FieldKind::Markdown => Value::Text(if text == trimmed {
            raw.trim_end().to_string()
        } else {
            text.to_string()
        }),
        FieldKind::Enum => Value::Text(allowed(field, text)?),
        FieldKind::Bool => Value::Bool(parse_bool(text).ok_or(ValueError::NotBool)?),
        FieldKind::Number => {
            let n = parse_number(text).ok_or(ValueError::NotNumber)?;
            if field.min.is_some_and(|lo| n < lo) || field.max.is_some_and(|hi| n > hi) {
                return Err(ValueError::OutOfRange { value: n });
            }
            Value::Number(n)
        }
        FieldKind::Date => {
            Value::Date(parse_date(text, field.format.as_deref()).ok_or(ValueError::NotDate)?)
        }
        FieldKind::List => unreachable!("lists are parsed above"),
    };
    Ok(Some(value))
}

fn recode<'a>(field: &'a Field, text: &'a str) -> &'a str {
    if field.map.is_empty() {
        return text;
    }
    // The keys are lowercase: most cells already are, and need no lowercase copy.
    let found = if text.chars().all(|c| !c.is_alphabetic() || c.is_lowercase()) {
        field.map.get(text)
    } else {
        field.map.get(&text.to_lowercase())
    };
    found.map_or(text, String::as_str)
}

/// Whether `a` and `b` are the same ignoring case (Unicode lowercase, as the keys of `map` are).
fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

fn is_blank(text: &str, blank: &[String]) -> bool {
    // `blank` is lowercased once when loaded; most cells are longer than any blank marker.
    text.is_empty()
        || blank.iter().any(|b| {
            b.len() == text.len() && (b.eq_ignore_ascii_case(text) || *b == text.to_lowercase())
        })
}

/// The canonical spelling of an allowed value, matched ignoring case.
fn allowed(field: &Field, text: &str) -> Result<String, ValueError> {
    field
        .values
        .iter()
        .find(|v| v.as_str() == text || same_ignoring_case(v, text))
        .cloned()
        .ok_or_else(|| ValueError::NotAllowed {
            value: text.to_string(),
        })
}

fn parse_list(field: &Field, raw: &str, blank: &[String]) -> Result<Option<Value>, ValueError> {
    let mut items = Vec::new();
    for item in raw
        .split(['\n', '\r'])
        .flat_map(|line| line.split(field.separator.as_str()))
    {
        let item = recode(field, item.trim());
        if is_blank(item, blank) {
            continue;
        }
        items.push(if field.values.is_empty() {
            item.to_string()
        } else {
            allowed(field, item)?
        });
    }
    Ok((!items.is_empty()).then_some(Value::List(items)))
}

/// yes/no, y/n, true/false, 1/0, and `x` (a ticked box) for yes; case is ignored.
pub fn parse_bool(text: &str) -> Option<bool> {
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(text));
    if is(&["yes", "y", "true", "1", "x", "\u{2713}", "\u{2714}"]) {
        Some(true)
    } else if is(&["no", "n", "false", "0"]) {
        Some(false)
    } else {
        None
    }
}

/// A number as people type it in spreadsheets: `350000`, `350,000`, `$350 000`, `1.234,5 €`,
/// `12.5%` (the percent sign is dropped).
pub fn parse_number(text: &str) -> Option<f64> {
    let s: String = text
        .chars()
        .filter(|c| {
            !c.is_whitespace() && *c != '\'' && *c != '_' && *c != '\u{a0}' && *c != '\u{202f}'
        })
        .collect();
    let mut t = s.as_str();
    for symbol in ["EUR", "USD", "CAD", "GBP", "$", "€", "£", "%"] {
        t = t.trim_start_matches(symbol).trim_end_matches(symbol);
    }
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return None;
    }
    let normal = match (digits.rfind(','), digits.rfind('.')) {
        // Both: whichever comes last is the decimal separator.
        (Some(c), Some(d)) if c > d => digits.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => digits.replace(',', ""),
        // Commas only: thousands separators when every group after the first has three digits.
        (Some(_), None) => {
            let groups: Vec<&str> = digits.split(',').collect();
            if groups.len() > 1 && groups[1..].iter().all(|g| g.len() == 3) && !groups[0].is_empty()
            {
                digits.replace(',', "")
            } else if groups.len() == 2 {
                digits.replace(',', ".")
            } else {
                return None;
            }
        }
        (None, Some(_)) if digits.matches('.').count() > 1 => {
            let groups: Vec<&str> = digits.split('.').collect();
            if groups[1..].iter().all(|g| g.len() == 3) {
                digits.replace('.', "")
            } else {
                return None;
            }
        }
        _ => digits.to_string(),
    };
    let n: f64 = normal.parse().ok()?;
    n.is_finite().then_some(if negative { -n } else { n })
}

/// `YYYY-MM-DD` (also with `/`), or the field's own format.
pub fn parse_date(text: &str, format: Option<&str>) -> Option<NaiveDate> {
    format
        .and_then(|f| NaiveDate::parse_from_str(text, f).ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%Y/%m/%d").ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_typed_in_spreadsheets() {
        assert_eq!(parse_number("350000"), Some(350000.0));
        assert_eq!(parse_number("350,000"), Some(350000.0));
        assert_eq!(parse_number("$ 1,250,000"), Some(1250000.0));
        assert_eq!(parse_number("1.234.567"), Some(1234567.0));
        assert_eq!(parse_number("1.234,50 €"), Some(1234.5));
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("about 3"), None);
        assert_eq!(parse_number("1,2,3"), None);
        assert_eq!(parse_number("inf"), None);
    }

    #[test]
    fn booleans_accept_the_usual_spellings() {
        for yes in ["Yes", "YES", "y", "true", "1", "x", "X"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["No", "n", "FALSE", "0"] {
            assert_eq!(parse_bool(no), Some(false), "{no}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn numbers_display_with_thousands_separators() {
        assert_eq!(format_number(350000.0), "350,000");
        assert_eq!(format_number(-1234.0), "-1,234");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(3.0), "3");
    }
}
