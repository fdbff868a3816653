//! The condition language of `when`, compiled against the procurements' fields, and evaluated on
//! a row.
//!
//! `{ field = value }` equals, `{ field = [a, b] }` is one of, `{ field = { gte = 3 } }` compares
//! (also `gt`, `lte`, `lt`, against a number, a date or a `"$threshold"`), `{ nin = [...] }` is
//! present and not one of, `{ missing = true }` is blank. Keys are ANDed; `any = [ {...} ]` is
//! OR, `all = [ {...} ]` is AND and `not = {...}` negates. A test on a blank value is false.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::config::FieldKind;
use crate::diagnostics::{list, Diagnostic, Diagnostics, Position};
use crate::procurements::{value, Procurement, Schema, Value};

/// A compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Always,
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test { field: usize, test: Test },
}

/// What a condition asks of one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal to one of these (one value for `field = value`); for lists, contains one of them.
    OneOf(Vec<Value>),
    /// Present and equal to none of these.
    NoneOf(Vec<Value>),
    Compare(Vec<(Comparison, Bound)>),
    Missing(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Number(f64),
    Date(NaiveDate),
}

impl Condition {
    /// Whether the condition holds for `p`. A test on a blank value is false, so `not` over it
    /// is true.
    pub fn holds(&self, p: &Procurement) -> bool {
        match self {
            Condition::Always => true,
            Condition::All(cs) => cs.iter().all(|c| c.holds(p)),
            Condition::Any(cs) => cs.iter().any(|c| c.holds(p)),
            Condition::Not(c) => !c.holds(p),
            Condition::Test { field, test } => test.holds(p.value(*field)),
        }
    }
}

impl Test {
    fn holds(&self, value: Option<&Value>) -> bool {
        match (self, value) {
            (Test::Missing(want), v) => v.is_none() == *want,
            (_, None) => false,
            (Test::OneOf(options), Some(v)) => options.iter().any(|o| matches(v, o)),
            (Test::NoneOf(options), Some(v)) => !options.iter().any(|o| matches(v, o)),
            (Test::Compare(bounds), Some(v)) => bounds.iter().all(|(op, bound)| {
                let ord = match (v, bound) {
                    (Value::Number(n), Bound::Number(b)) => n.partial_cmp(b),
                    (Value::Date(d), Bound::Date(b)) => Some(d.cmp(b)),
                    _ => None,
                };
                match (ord, op) {
                    (None, _) => false,
                    (Some(o), Comparison::Gt) => o == Ordering::Greater,
                    (Some(o), Comparison::Gte) => o != Ordering::Less,
                    (Some(o), Comparison::Lt) => o == Ordering::Less,
                    (Some(o), Comparison::Lte) => o != Ordering::Greater,
                }
            }),
        }
    }
}

/// A list value matches an option when it contains it.
fn matches(value: &Value, option: &Value) -> bool {
    match (value, option) {
        (Value::List(items), Value::Text(o)) => items.iter().any(|i| i == o),
        _ => value == option,
    }
}

/// What conditions are checked against.
pub struct ConditionContext<'a> {
    pub schema: &'a Schema,
    pub thresholds: &'a BTreeMap<String, f64>,
}

const OPERATORS: &[&str] = &["gte", "gt", "lte", "lt", "in", "nin", "missing"];

/// Compiles a `when` table. `locate` finds a piece of text (a key) in the file, for error
/// positions; `owner` names what the condition belongs to in messages (`rule "x"`).
pub fn compile(
    value: &toml::Value,
    context: &ConditionContext<'_>,
    locate: &dyn Fn(&str) -> Option<Position>,
    file: &Path,
    owner: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Condition> {
    let mut c = Compiler {
        context,
        locate,
        file,
        owner,
        diagnostics,
        ok: true,
    };
    let condition = c.table(value);
    c.ok.then_some(condition)
}

struct Compiler<'a, 'b> {
    context: &'a ConditionContext<'a>,
    locate: &'a dyn Fn(&str) -> Option<Position>,
    file: &'a Path,
    owner: &'a str,
    diagnostics: &'b mut Diagnostics,
    ok: bool,
}

impl Compiler<'_, '_> {
    fn error(&mut self, near: &str, message: String) -> Diagnostic {
        self.ok = false;
        Diagnostic::error("condition", self.file, format!("{}: {message}", self.owner))
            .at((self.locate)(near))
    }

    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// A number literal: `nan` and `inf` would make a rule that silently never applies.
    fn finite(&mut self, key: &str, x: f64) -> Option<f64> {
        if x.is_finite() {
            return Some(x);
        }
        let d = self
            .error(
                key,
                format!(
                    "\"{key}\" is compared with {x}, which no value equals or is above or below"
                ),
            )
            .with_help("write a number, such as 250000");
        self.push(d);
        None
    }

    fn table(&mut self, value: &toml::Value) -> Condition {
        let Some(table) = value.as_table() else {
            let d = self.error(
                "when",
                format!(
                    "a condition is a table such as {{ pathway = \"build\" }}, not {}",
                    describe(value)
                ),
            );
            self.push(d);
            return Condition::Always;
        };
        let mut all = Vec::new();
        for (key, v) in table {
            let c = match key.as_str() {
                "any" | "all" => {
                    let items: Vec<Condition> = match v.as_array() {
                        Some(items) => items.iter().map(|i| self.table(i)).collect(),
                        None => {
                            let d = self.error(key, format!("`{key}` takes a list of conditions, such as {key} = [{{ a = 1 }}, {{ b = 2 }}]"));
                            self.push(d);
                            continue;
                        }
                    };
                    if key == "any" {
                        Condition::Any(items)
                    } else {
                        Condition::All(items)
                    }
                }
                "not" => Condition::Not(Box::new(self.table(v))),
                _ => match self.field_test(key, v) {
                    Some(c) => c,
                    None => continue,
                },
            };
            all.push(c);
        }
        if all.len() == 1 {
            all.pop().unwrap_or(Condition::Always)
        } else {
            Condition::All(all)
        }
    }

    fn field_test(&mut self, key: &str, v: &toml::Value) -> Option<Condition> {
        let schema = self.context.schema;
        let Some(field) = schema.field(key) else {
            let d = self
                .error(
                    key,
                    format!("the field \"{key}\" is not a field of the procurements"),
                )
                .suggest(key, schema.names())
                .with_help(format!("the fields are: {}", list(schema.names())));
            self.push(d);
            return None;
        };
        let test = match v {
            toml::Value::Array(items) => Test::OneOf(self.values(field, key, items)?),
            toml::Value::Table(ops) => self.operators(field, key, ops)?,
            scalar => Test::OneOf(vec![self.value(field, key, scalar)?]),
        };
        Some(Condition::Test { field, test })
    }

    fn operators(&mut self, field: usize, key: &str, ops: &toml::Table) -> Option<Test> {
        let mut bounds = Vec::new();
        let mut test = None;
        for (op, v) in ops {
            let comparison = match op.as_str() {
                "gt" => Some(Comparison::Gt),
                "gte" => Some(Comparison::Gte),
                "lt" => Some(Comparison::Lt),
                "lte" => Some(Comparison::Lte),
                _ => None,
            };
            if let Some(c) = comparison {
                bounds.push((c, self.bound(field, key, op, v)?));
                continue;
            }
            let t = match (op.as_str(), v) {
                ("missing", toml::Value::Boolean(b)) => Test::Missing(*b),
                ("in", toml::Value::Array(items)) => Test::OneOf(self.values(field, key, items)?),
                ("nin", toml::Value::Array(items)) => Test::NoneOf(self.values(field, key, items)?),
                ("missing" | "in" | "nin", other) => {
                    let expected = if op == "missing" {
                        "true or false"
                    } else {
                        "a list of values"
                    };
                    let d = self.error(
                        op,
                        format!("`{op}` takes {expected}, not {}", describe(other)),
                    );
                    self.push(d);
                    return None;
                }
                _ => {
                    let d = self
                        .error(op, format!("\"{op}\" is not an operator"))
                        .suggest(op, OPERATORS.iter().copied())
                        .with_help(format!("the operators are: {}", list(OPERATORS)));
                    self.push(d);
                    return None;
                }
            };
            if test.replace(t).is_some() {
                let d = self.error(
                    op,
                    format!("the test on \"{key}\" combines operators that cannot go together"),
                );
                self.push(d);
                return None;
            }
        }
        match (test, bounds.is_empty()) {
            (Some(_), false) => {
                let d = self.error(key, format!("the test on \"{key}\" mixes comparisons with in/nin/missing; write two conditions"));
                self.push(d);
                None
            }
            (Some(t), true) => Some(t),
            (None, false) => Some(Test::Compare(bounds)),
            (None, true) => {
                let d = self.error(key, format!("the test on \"{key}\" is empty"));
                self.push(d);
                None
            }
        }
    }

    fn bound(&mut self, field: usize, key: &str, op: &str, v: &toml::Value) -> Option<Bound> {
        let f = &self.context.schema.fields[field];
        match (f.kind, v) {
            (FieldKind::Number, toml::Value::Integer(i)) => Some(Bound::Number(*i as f64)),
            (FieldKind::Number, toml::Value::Float(x)) => self.finite(key, *x).map(Bound::Number),
            (FieldKind::Number, toml::Value::String(s)) if s.starts_with('$') => {
                let name = &s[1..];
                match self.context.thresholds.get(name) {
                    Some(n) => Some(Bound::Number(*n)),
                    None => {
                        let thresholds = self.context.thresholds;
                        let d = self
                            .error(
                                s,
                                format!("the threshold \"{s}\" is not defined under [thresholds]"),
                            )
                            .suggest(name, thresholds.keys().map(String::as_str))
                            .with_help(format!("the thresholds are: {}", list(thresholds.keys())));
                        self.push(d);
                        None
                    }
                }
            }
            (FieldKind::Date, toml::Value::Datetime(d)) => {
                match value::parse_date(&d.to_string(), None) {
                    Some(d) => Some(Bound::Date(d)),
                    None => {
                        let d = self.error(
                            op,
                            format!("`{op}` on the date \"{key}\" needs a date such as 2025-01-31"),
                        );
                        self.push(d);
                        None
                    }
                }
            }
            (FieldKind::Date, toml::Value::String(s)) if value::parse_date(s, None).is_some() => {
                value::parse_date(s, None).map(Bound::Date)
            }
            (FieldKind::Number | FieldKind::Date, other) => {
                let d = self.error(
                    op,
                    format!(
                        "`{op}` on \"{key}\" needs a {}, not {}",
                        if f.kind == FieldKind::Number {
                            "number or a \"$threshold\""
                        } else {
                            "date"
                        },
                        describe(other)
                    ),
                );
                self.push(d);
                None
            }
            (kind, _) => {
                let d = self.error(
                    op,
                    format!(
                        "`{op}` compares numbers or dates, but the field \"{key}\" has the type {}",
                        kind.name()
                    ),
                );
                self.push(d);
                None
            }
        }
    }

    fn values(&mut self, field: usize, key: &str, items: &[toml::Value]) -> Option<Vec<Value>> {
        let values: Vec<Option<Value>> = items.iter().map(|i| self.value(field, key, i)).collect();
        values.into_iter().collect()
    }

    /// A literal in a condition, typed and checked like a CSV cell of the field.
    fn value(&mut self, field: usize, key: &str, v: &toml::Value) -> Option<Value> {
        let f = &self.context.schema.fields[field];
        let parsed = match (f.kind, v) {
            (FieldKind::Bool, toml::Value::Boolean(b)) => Some(Value::Bool(*b)),
            (FieldKind::Number, toml::Value::Integer(i)) => Some(Value::Number(*i as f64)),
            (FieldKind::Number, toml::Value::Float(x)) => {
                return self.finite(key, *x).map(Value::Number)
            }
            (FieldKind::Number, toml::Value::String(s)) if s.starts_with('$') => {
                return self.bound(field, key, "=", v).map(|b| match b {
                    Bound::Number(n) => Value::Number(n),
                    Bound::Date(d) => Value::Date(d),
                })
            }
            (FieldKind::Date, toml::Value::Datetime(d)) => {
                value::parse_date(&d.to_string(), None).map(Value::Date)
            }
            (FieldKind::Date, toml::Value::String(s)) => {
                value::parse_date(s, None).map(Value::Date)
            }
            (FieldKind::Enum | FieldKind::List, toml::Value::String(s)) if !f.values.is_empty() => {
                let recoded = f.map.get(&s.trim().to_lowercase()).unwrap_or(s);
                match f.values.iter().find(|v| v.eq_ignore_ascii_case(recoded)) {
                    Some(v) => Some(Value::Text(v.clone())),
                    None => {
                        let d = self
                            .error(s, format!("\"{s}\" is not a value of the field \"{key}\""))
                            .suggest(s, f.values.iter().map(String::as_str))
                            .with_help(format!("the values are: {}", list(&f.values)));
                        self.push(d);
                        return None;
                    }
                }
            }
            (
                FieldKind::Text | FieldKind::Markdown | FieldKind::Enum | FieldKind::List,
                toml::Value::String(s),
            ) => Some(Value::Text(s.clone())),
            _ => None,
        };
        if parsed.is_none() {
            let expected = match f.kind {
                FieldKind::Bool => "true or false",
                FieldKind::Number => "a number or a \"$threshold\"",
                FieldKind::Date => "a date such as 2025-01-31",
                _ => "a text in quotes",
            };
            let d = self.error(
                key,
                format!(
                    "the field \"{key}\" has the type {}, so it is compared with {expected}, not {}",
                    f.kind.name(),
                    describe(v)
                ),
            );
            self.push(d);
        }
        parsed
    }
}

fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("the text \"{s}\""),
        toml::Value::Integer(i) => format!("the number {i}"),
        toml::Value::Float(f) => format!("the number {f}"),
        toml::Value::Boolean(b) => format!("{b}"),
        toml::Value::Datetime(d) => format!("the date {d}"),
        toml::Value::Array(_) => "a list".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}
