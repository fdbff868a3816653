//! Structured `when` conditions compiled against the fixed procurements' fields and evaluated on
//! a generated row: never a panic, a compile either succeeds or says why, and the laws of the
//! condition language hold (`not` inverts, `all`/`any` are and/or, exactly one of `in`, `nin`
//! and `missing`, `gt` and `lte` are complements on a present value).
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use procbook::diagnostics::{Diagnostics, Position};
use procbook::procurements::{value, Procurement, Schema};
use procbook::rules::{compile_condition, Condition, ConditionContext};
use toml::value::{Date, Datetime};
use toml::{Table, Value};

/// Deeper nesting than this is cut off (real files cannot nest far: the TOML parser limits it).
const MAX_DEPTH: usize = 24;

/// Keys: the fields by name, one by its CSV header, and one that is not a field.
const KEYS: &[&str] = &[
    "id",
    "title",
    "pathway",
    "impact",
    "value",
    "public_facing",
    "started",
    "data",
    "tags",
    "stage",
    "description",
    "notes",
    "Impact level",
    "imapct",
];

/// Texts as they appear in conditions and in cells.
const TEXTS: &[&str] = &[
    "",
    "yes",
    "no",
    "x",
    "0",
    "1",
    "2",
    "3",
    "4",
    "-1",
    "2.5",
    "10000",
    "10,000",
    "$1 000 000",
    "1e3",
    "NaN",
    "2025-01-31",
    "31/01/2025",
    "2024/12/31",
    "customize",
    "Customised",
    "BUILD",
    "off_the_shelf",
    "personal",
    "Personal data",
    "sensitive;open",
    "chat,311",
    "evaluation",
    "Monitoring",
    "n/a",
    "$small",
    "$big",
    "$nope",
];

#[derive(Arbitrary, Debug)]
enum Cond {
    Test(u8, Rhs),
    Many(Vec<(u8, Rhs)>),
    Not(Box<Cond>),
    All(Vec<Cond>),
    Any(Vec<Cond>),
    /// `any = <not a list>`, `not = <not a table>` and the like.
    Malformed(u8, Lit),
}

#[derive(Arbitrary, Debug)]
enum Rhs {
    Lit(Lit),
    List(Vec<Lit>),
    Ops(Vec<(Op, Lit)>),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Nin,
    Missing,
    Unknown,
}

#[derive(Arbitrary, Debug, Clone)]
enum Lit {
    Known(u8),
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(u16, u8, u8),
    List(Vec<u8>),
    Table,
}

#[derive(Arbitrary, Debug)]
enum Cell {
    Blank,
    Known(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    first: Cond,
    second: Cond,
    row: Vec<Cell>,
    /// For the field laws: a field and a list of values.
    field: u8,
    options: Vec<Lit>,
    /// For the comparison laws: a field and a bound.
    compared: u8,
    bound: Lit,
}

fn key(i: u8) -> &'static str {
    KEYS[usize::from(i) % KEYS.len()]
}

fn text(i: u8) -> &'static str {
    TEXTS[usize::from(i) % TEXTS.len()]
}

fn lit(l: &Lit) -> Value {
    match l {
        Lit::Known(i) => Value::String(text(*i).into()),
        Lit::Text(s) => Value::String(s.clone()),
        Lit::Int(i) => Value::Integer(*i),
        Lit::Float(f) => Value::Float(*f),
        Lit::Bool(b) => Value::Boolean(*b),
        Lit::Date(y, m, d) => Value::Datetime(Datetime {
            date: Some(Date {
                year: 1900 + y % 300,
                month: 1 + m % 12,
                day: 1 + d % 31,
            }),
            time: None,
            offset: None,
        }),
        Lit::List(items) => Value::Array(
            items
                .iter()
                .map(|&i| Value::String(text(i).into()))
                .collect(),
        ),
        Lit::Table => Value::Table(Table::new()),
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Gt => "gt",
        Op::Gte => "gte",
        Op::Lt => "lt",
        Op::Lte => "lte",
        Op::In => "in",
        Op::Nin => "nin",
        Op::Missing => "missing",
        Op::Unknown => "equals",
    }
}

fn rhs(r: &Rhs) -> Value {
    match r {
        Rhs::Lit(l) => lit(l),
        Rhs::List(items) => Value::Array(items.iter().map(lit).collect()),
        Rhs::Ops(ops) => Value::Table(
            ops.iter()
                .map(|(op, l)| (op_name(*op).to_string(), lit(l)))
                .collect(),
        ),
    }
}

fn table(pairs: impl IntoIterator<Item = (String, Value)>) -> Value {
    Value::Table(pairs.into_iter().collect())
}

fn cond(c: &Cond, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return table([("impact".to_string(), Value::Integer(2))]);
    }
    match c {
        Cond::Test(k, r) => table([(key(*k).to_string(), rhs(r))]),
        Cond::Many(tests) => table(tests.iter().map(|(k, r)| (key(*k).to_string(), rhs(r)))),
        Cond::Not(inner) => table([("not".to_string(), cond(inner, depth + 1))]),
        Cond::All(items) => table([(
            "all".to_string(),
            Value::Array(items.iter().map(|i| cond(i, depth + 1)).collect()),
        )]),
        Cond::Any(items) => table([(
            "any".to_string(),
            Value::Array(items.iter().map(|i| cond(i, depth + 1)).collect()),
        )]),
        Cond::Malformed(k, l) => {
            let name = ["any", "all", "not", "pathway"][usize::from(*k) % 4];
            table([(name.to_string(), lit(l))])
        }
    }
}

struct Compiler<'a> {
    context: ConditionContext<'a>,
}

impl Compiler<'_> {
    /// Compiles `value`; checks that a failed compile says why, and a successful one is silent.
    fn compile(&self, value: &Value) -> Option<Condition> {
        let mut d = Diagnostics::default();
        let locate = |_: &str| Some(Position { line: 1, column: 1 });
        let c = compile_condition(
            value,
            &self.context,
            &locate,
            Path::new("data/roles.toml"),
            "rule \"fuzz\"",
            &mut d,
        );
        assert_eq!(c.is_none(), d.has_errors(), "{value:?}: {d:?}");
        for diag in &d {
            assert!(diag.message.starts_with("rule \"fuzz\": "), "{diag}");
            assert!(diag.line.is_some(), "{diag}");
        }
        c
    }
}

fn row(schema: &Schema, cells: &[Cell], blank: &[String]) -> Procurement {
    let values = schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let raw = match cells.get(i) {
                None | Some(Cell::Blank) => return None,
                Some(Cell::Known(t)) => text(*t),
                Some(Cell::Raw(s)) => s.as_str(),
            };
            value::parse(field, raw, blank).ok().flatten()
        })
        .collect();
    Procurement {
        id: "FZ-1".into(),
        slug: "fz-1".into(),
        line: 2,
        values,
    }
}

fn thresholds() -> &'static BTreeMap<String, f64> {
    static T: std::sync::OnceLock<BTreeMap<String, f64>> = std::sync::OnceLock::new();
    T.get_or_init(|| BTreeMap::from([("small".into(), 10_000.0), ("big".into(), 1_000_000.0)]))
}

fuzz_target!(|input: Input| {
    let procurements = procbook_fuzz::fixed_procurements();
    let schema = &procurements.schema;
    let compiler = Compiler {
        context: ConditionContext {
            schema,
            thresholds: thresholds(),
        },
    };
    let blank: Vec<String> = procbook_fuzz::config()
        .config
        .procurements
        .blank
        .iter()
        .map(|b| b.trim().to_lowercase())
        .collect();
    let row = row(schema, &input.row, &blank);
    let rows = std::iter::once(&row).chain(&procurements.rows);

    let first = cond(&input.first, 0);
    let second = cond(&input.second, 0);
    let c1 = compiler.compile(&first);
    let c2 = compiler.compile(&second);
    // Compiling is deterministic (compared as text: a NaN bound is not equal to itself).
    assert_eq!(format!("{c1:?}"), format!("{:?}", compiler.compile(&first)));
    let negated = compiler.compile(&table([("not".to_string(), first.clone())]));
    assert_eq!(c1.is_some(), negated.is_some());
    let both = [first.clone(), second.clone()];
    let all = compiler.compile(&table([("all".to_string(), Value::Array(both.to_vec()))]));
    let any = compiler.compile(&table([("any".to_string(), Value::Array(both.to_vec()))]));
    assert_eq!(all.is_some(), c1.is_some() && c2.is_some());
    assert_eq!(any.is_some(), c1.is_some() && c2.is_some());

    // The field laws.
    let field = key(input.field).to_string();
    let options = Value::Array(input.options.iter().map(lit).collect());
    let op = |name: &str, v: Value| table([(field.clone(), table([(name.to_string(), v)]))]);
    let is_in = compiler.compile(&op("in", options.clone()));
    let not_in = compiler.compile(&op("nin", options));
    let missing = compiler.compile(&op("missing", Value::Boolean(true)));
    let present = compiler.compile(&op("missing", Value::Boolean(false)));
    let field_index = schema.field(&field);
    assert_eq!(missing.is_some(), field_index.is_some());

    let compared = key(input.compared).to_string();
    let bound = lit(&input.bound);
    let bound_nan = matches!(bound, Value::Float(f) if f.is_nan());
    let cmp = |name: &str| {
        compiler.compile(&table([(
            compared.clone(),
            table([(name.to_string(), bound.clone())]),
        )]))
    };
    let (gt, lte, lt, gte) = (cmp("gt"), cmp("lte"), cmp("lt"), cmp("gte"));
    assert_eq!(gt.is_some(), lte.is_some());
    assert_eq!(lt.is_some(), gte.is_some());

    for p in rows {
        if let Some(c) = &c1 {
            let holds = c.holds(p);
            assert_eq!(holds, c.holds(p), "evaluation is deterministic");
            if let Some(n) = &negated {
                assert_eq!(n.holds(p), !holds, "`not` inverts");
            }
            if let Some(c2) = &c2 {
                let holds2 = c2.holds(p);
                assert_eq!(all.as_ref().map(|a| a.holds(p)), Some(holds && holds2));
                assert_eq!(any.as_ref().map(|a| a.holds(p)), Some(holds || holds2));
            }
        }
        if let (Some(m), Some(pr)) = (&missing, &present) {
            assert_eq!(
                m.holds(p),
                !pr.holds(p),
                "missing = true/false are complements"
            );
            if let (Some(i), Some(n)) = (&is_in, &not_in) {
                let held = [i.holds(p), n.holds(p), m.holds(p)];
                assert_eq!(
                    held.iter().filter(|&&h| h).count(),
                    1,
                    "exactly one of in/nin/missing: {held:?} for {:?}",
                    field_index.and_then(|f| p.value(f))
                );
            }
        }
        let value_present = schema.field(&compared).and_then(|f| p.value(f)).is_some();
        if let (Some(gt), Some(lte)) = (&gt, &lte) {
            let (a, b) = (gt.holds(p), lte.holds(p));
            assert!(!(a && b), "gt and lte both hold");
            if value_present && !bound_nan {
                assert!(a || b, "neither gt nor lte holds on a present value");
            }
        }
        if let (Some(lt), Some(gte)) = (&lt, &gte) {
            let (a, b) = (lt.holds(p), gte.holds(p));
            assert!(!(a && b), "lt and gte both hold");
            if value_present && !bound_nan {
                assert!(a || b, "neither lt nor gte holds on a present value");
            }
        }
    }
});
