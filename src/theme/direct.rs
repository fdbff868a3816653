//! Templates rendered without Tera's interpreter, when they are simple enough.
//!
//! A large handbook renders a few templates tens of thousands of times: each procurement's
//! page (`project.html` in `base.html`), its facts (`attribute.html`), its row on the index
//! (`index-row.html`) and on each role page it appears on (`role-row.html`). For such
//! templates most of Tera's work is building a JSON tree of the context and looking each
//! variable up by its dotted path.
//!
//! A template made only of
//! - text and `{{ variable }}` (optionally `| safe`),
//! - `{% if %}…{% elif %}…{% else %}…{% endif %}` on a variable, or on two variables or quoted
//!   texts compared with `==` or `!=`,
//! - `{% for item in list %}…{% else %}…{% endfor %}`, not nested, reading `item` and its
//!   fields (not Tera's `loop.*`),
//! - `{% extends %}` and `{% block %}` (not `super()`)
//!
//! is compiled here, from Tera's own parse of it, into a list of pieces; a context is then read
//! straight into the variables those pieces use. Anything else — another tag, a filter, a
//! fraction to print, a variable that is not there — is left to Tera, so the output is always
//! the one Tera makes: the tests render the built-in templates and random templates both ways
//! and compare. Any template qualifies, a theme's own copies included.
//!
//! Tera's parse tree (`tera::ast`) is not part of its stable interface, which is why
//! Cargo.toml pins Tera's exact version.

use std::ops::Range;

use serde::ser::{self, Serialize};
use tera::ast::{Block, Expr, ExprVal, LogicExpr, LogicOperator, Node};

/// A template compiled for direct rendering.
#[derive(Debug)]
pub(super) struct Direct {
    pieces: Vec<Piece>,
    /// The dotted path of each variable the pieces use, by slot.
    paths: Vec<String>,
    /// For a slot a `{% for %}` loops over: the paths inside an item the loop reads.
    item_paths: Vec<Vec<String>>,
    /// Whether Tera escapes variables in the template (and so the text it compares).
    autoescape: bool,
}

#[derive(Debug)]
enum Piece {
    Text(String),
    /// `{{ variable }}`, escaped unless the template is not autoescaped or the variable is `| safe`.
    Var {
        from: From,
        escape: bool,
    },
    /// `{% if %}` with its `{% elif %}`s, then the `{% else %}` body (empty when there is none).
    If {
        branches: Vec<(Condition, Vec<Piece>)>,
        otherwise: Vec<Piece>,
    },
    /// `{% for %}` over the list in a slot, then the `{% else %}` body for an empty list.
    For {
        slot: usize,
        body: Vec<Piece>,
        otherwise: Vec<Piece>,
    },
}

/// Where a variable's value comes from: a slot of the context, or the loop's item or a field
/// of it (by its index in the loop's item paths).
#[derive(Debug, Clone, Copy)]
enum From {
    Slot(usize),
    Item,
    ItemField(usize),
}

#[derive(Debug)]
enum Condition {
    /// `{% if variable %}`
    Truthy(From),
    /// `{% if a == b %}` or `!=` (`equal: false`), between variables or text in quotes.
    Compare {
        lhs: Operand,
        rhs: Operand,
        equal: bool,
    },
}

#[derive(Debug)]
enum Operand {
    Var(From),
    Literal(String),
}

impl Direct {
    /// The template as pieces, if it is simple enough; `autoescape` is whether Tera escapes
    /// variables in it. A template that extends another is compiled as Tera renders it: the
    /// top template's nodes, each block replaced by its nearest definition.
    pub(super) fn compile(
        tera: &tera::Tera,
        template: &tera::Template,
        autoescape: bool,
    ) -> Option<Direct> {
        let root = match template.parents.last() {
            Some(top) => tera.templates.get(top)?,
            None => template,
        };
        let mut compiler = Compiler {
            tera,
            template,
            autoescape,
            paths: Vec::new(),
            item_paths: Vec::new(),
        };
        let pieces = compiler.pieces(&root.ast, None)?;
        Some(Direct {
            pieces,
            paths: compiler.paths,
            item_paths: compiler.item_paths,
            autoescape,
        })
    }

    /// The template rendered with `context`, or `None` where only Tera knows what to do: the
    /// caller then renders it with Tera, which makes the same page or names the problem.
    pub(super) fn render<T: Serialize + ?Sized>(
        &self,
        context: &T,
        escape: impl Fn(&str, &mut String),
    ) -> Option<String> {
        let mut collector = Collector {
            paths: &self.paths,
            item_paths: &self.item_paths,
            values: vec![Slot::Missing; self.paths.len()],
            text: String::new(),
            path: String::new(),
            depth: 0,
            capture: None,
        };
        context.serialize(&mut collector).ok()?;
        let mut out = String::with_capacity(collector.text.len() + 256);
        let writer = Writer {
            values: &collector,
            escape: &escape,
            autoescape: self.autoescape,
        };
        writer.write(&self.pieces, None, &mut out)?;
        Some(out)
    }
}

struct Compiler<'t> {
    tera: &'t tera::Tera,
    /// The template being compiled (for a template that extends another, the one whose blocks
    /// come first).
    template: &'t tera::Template,
    autoescape: bool,
    paths: Vec<String>,
    item_paths: Vec<Vec<String>>,
}

/// Inside a `{% for %}`: the item's name and the slot looped over.
type Loop<'n> = Option<(&'n str, usize)>;

impl<'t> Compiler<'t> {
    fn pieces(&mut self, nodes: &'t [Node], item: Loop<'t>) -> Option<Vec<Piece>> {
        let mut out = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node {
                // Tera has already removed the whitespace that `{%-` and `-%}` trim.
                Node::Text(text) | Node::Raw(_, text, _) => out.push(Piece::Text(text.clone())),
                Node::Comment(..) => {}
                Node::VariableBlock(_, expr) => {
                    let safe = match expr.filters.as_slice() {
                        [] => false,
                        [only] if only.name == "safe" && only.args.is_empty() => true,
                        _ => return None,
                    };
                    out.push(Piece::Var {
                        from: self.from(expr, item)?,
                        escape: self.autoescape && !safe,
                    });
                }
                Node::If(node, _) => {
                    let mut branches = Vec::with_capacity(node.conditions.len());
                    for (_, condition, body) in &node.conditions {
                        branches.push((self.condition(condition, item)?, self.pieces(body, item)?));
                    }
                    let otherwise = match &node.otherwise {
                        Some((_, body)) => self.pieces(body, item)?,
                        None => Vec::new(),
                    };
                    out.push(Piece::If {
                        branches,
                        otherwise,
                    });
                }
                Node::Forloop(_, forloop, _) => {
                    let name = forloop.value.as_str();
                    // `loop.index` and the like are Tera's; a nested loop is left to it too.
                    if item.is_some() || forloop.key.is_some() || name == "loop" {
                        return None;
                    }
                    if !forloop.container.filters.is_empty() {
                        return None;
                    }
                    let From::Slot(slot) = self.from(&forloop.container, None)? else {
                        return None;
                    };
                    out.push(Piece::For {
                        slot,
                        body: self.pieces(&forloop.body, Some((name, slot)))?,
                        otherwise: match &forloop.empty_body {
                            Some(body) => self.pieces(body, None)?,
                            None => Vec::new(),
                        },
                    });
                }
                Node::Block(_, block, _) => {
                    let body = self.block_body(block);
                    out.extend(self.pieces(body, item)?);
                }
                // `extends` is the first node of a template whose parents were looked up.
                Node::Extends(..) => {}
                _ => return None,
            }
        }
        Some(out)
    }

    /// The body Tera renders for `block`: the nearest definition, from the template being
    /// rendered up through its parents, else the block's own.
    fn block_body(&self, block: &'t Block) -> &'t [Node] {
        let levels = std::iter::once(self.template).chain(
            self.template
                .parents
                .iter()
                .filter_map(|p| self.tera.templates.get(p)),
        );
        for level in levels {
            if let Some(definitions) = level.blocks_definitions.get(&block.name) {
                if let Some((_, defined)) = definitions.first() {
                    return &defined.body;
                }
            }
        }
        &block.body
    }

    fn condition(&mut self, expr: &Expr, item: Loop<'_>) -> Option<Condition> {
        if !expr.filters.is_empty() || expr.negated {
            return None;
        }
        match &expr.val {
            ExprVal::Ident(_) => Some(Condition::Truthy(self.from(expr, item)?)),
            ExprVal::Logic(LogicExpr { lhs, rhs, operator })
                if matches!(operator, LogicOperator::Eq | LogicOperator::NotEq) =>
            {
                Some(Condition::Compare {
                    lhs: self.operand(lhs, item)?,
                    rhs: self.operand(rhs, item)?,
                    equal: *operator == LogicOperator::Eq,
                })
            }
            _ => None,
        }
    }

    fn operand(&mut self, expr: &Expr, item: Loop<'_>) -> Option<Operand> {
        if !expr.filters.is_empty() || expr.negated {
            return None;
        }
        match &expr.val {
            ExprVal::String(text) => Some(Operand::Literal(text.clone())),
            ExprVal::Ident(_) => Some(Operand::Var(self.from(expr, item)?)),
            _ => None,
        }
    }

    /// Where a plain variable (`name` or `name.field.field`) comes from: the loop's item or
    /// a field of it, or a slot of the context (added when new).
    fn from(&mut self, expr: &Expr, item: Loop<'_>) -> Option<From> {
        let ExprVal::Ident(name) = &expr.val else {
            return None;
        };
        let plain_part = |part: &str| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        };
        // `__tera_context` is Tera's dump of the whole context.
        if expr.negated || name.starts_with("__tera") || !name.split('.').all(plain_part) {
            return None;
        }
        let (first, rest) = name.split_once('.').unwrap_or((name, ""));
        if let Some((item, slot)) = item {
            if first == "loop" {
                return None; // Tera's
            }
            if first == item {
                if rest.is_empty() {
                    return Some(From::Item);
                }
                let fields = &mut self.item_paths[slot];
                return Some(From::ItemField(index_of(fields, rest)));
            }
        }
        let slot = index_of(&mut self.paths, name);
        self.item_paths.resize(self.paths.len(), Vec::new());
        Some(From::Slot(slot))
    }
}

/// The index of `name` in `list`, added when new.
fn index_of(list: &mut Vec<String>, name: &str) -> usize {
    match list.iter().position(|p| p == name) {
        Some(i) => i,
        None => {
            list.push(name.to_string());
            list.len() - 1
        }
    }
}

struct Writer<'w, 'p, E> {
    values: &'w Collector<'p>,
    escape: &'w E,
    autoescape: bool,
}

impl<E: Fn(&str, &mut String)> Writer<'_, '_, E> {
    /// Writes `pieces`; `item` is the loop's current item, inside a `{% for %}`.
    fn write(&self, pieces: &[Piece], item: Option<&Item>, out: &mut String) -> Option<()> {
        for piece in pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Var { from, escape } => match self.value(from, item)? {
                    Slot::Text(range) => {
                        let text = &self.values.text[range.clone()];
                        if *escape {
                            (self.escape)(text, out);
                        } else {
                            out.push_str(text);
                        }
                    }
                    // Whole numbers print as Rust prints them; digits need no escaping.
                    Slot::Integer { digits, .. } => out.push_str(&self.values.text[digits.clone()]),
                    // Tera prints fractions, booleans and lists its own way, and refuses a missing
                    // variable.
                    _ => return None,
                },
                Piece::If {
                    branches,
                    otherwise,
                } => {
                    let mut body = otherwise;
                    // In order, as Tera does: a condition after the first true one is not looked at.
                    for (condition, branch) in branches {
                        if self.holds(condition, item)? {
                            body = branch;
                            break;
                        }
                    }
                    self.write(body, item, out)?;
                }
                Piece::For {
                    slot,
                    body,
                    otherwise,
                } => {
                    // Tera iterates over text by character, and refuses anything but a list or text.
                    let Slot::List(items) = &self.values.values[*slot] else {
                        return None;
                    };
                    if items.is_empty() {
                        self.write(otherwise, None, out)?;
                    }
                    for each in items {
                        self.write(body, Some(each), out)?;
                    }
                }
            }
        }
        Some(())
    }

    fn value<'v>(&'v self, from: &From, item: Option<&'v Item>) -> Option<&'v Slot> {
        match from {
            From::Slot(slot) => Some(&self.values.values[*slot]),
            From::Item => Some(&item?.value),
            From::ItemField(field) => item?.fields.get(*field),
        }
    }

    fn holds(&self, condition: &Condition, item: Option<&Item>) -> Option<bool> {
        match condition {
            Condition::Truthy(from) => self.value(from, item)?.truthy(),
            Condition::Compare { lhs, rhs, equal } => {
                Some((self.operand(lhs, item)? == self.operand(rhs, item)?) == *equal)
            }
        }
    }

    /// An operand as Tera compares it: text (escaped in an autoescaped template, as Tera's
    /// are), a boolean or null. Anything else is left to Tera.
    fn operand(&self, operand: &Operand, item: Option<&Item>) -> Option<Compared> {
        let text = match operand {
            Operand::Literal(text) => text.as_str(),
            Operand::Var(from) => match self.value(from, item)? {
                Slot::Text(range) => &self.values.text[range.clone()],
                Slot::Bool(b) => return Some(Compared::Bool(*b)),
                Slot::Null => return Some(Compared::Null),
                // A missing variable is an error in Tera; numbers compare as numbers there.
                _ => return None,
            },
        };
        Some(Compared::Text(if self.autoescape {
            let mut escaped = String::with_capacity(text.len());
            (self.escape)(text, &mut escaped);
            escaped
        } else {
            text.to_owned()
        }))
    }
}

#[derive(PartialEq)]
enum Compared {
    Text(String),
    Bool(bool),
    Null,
}

/// What the context holds at one variable's path.
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    Missing,
    /// A range of [`Collector::text`].
    Text(Range<usize>),
    /// A whole number: its digits (a range of [`Collector::text`]), and whether it is zero.
    Integer {
        digits: Range<usize>,
        zero: bool,
    },
    Null,
    Bool(bool),
    /// A list's items.
    List(Vec<Item>),
    /// An object, and whether it has anything in it.
    Composite(bool),
    /// A fraction, or a list inside a list's item.
    Other,
}

/// An item of a list a loop goes over: its value, and the fields the loop reads.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    value: Slot,
    fields: Vec<Slot>,
}

impl Slot {
    /// Whether `{% if %}` takes this as true, as Tera does; `None` for a fraction.
    fn truthy(&self) -> Option<bool> {
        match self {
            // Tera takes a variable that is not there as false in a condition.
            Slot::Missing | Slot::Null => Some(false),
            Slot::Text(range) => Some(!range.is_empty()),
            Slot::Integer { zero, .. } => Some(!zero),
            Slot::Bool(b) => Some(*b),
            Slot::List(items) => Some(!items.is_empty()),
            Slot::Composite(filled) => Some(*filled),
            Slot::Other => None,
        }
    }
}

/// Reads a serialisable context into the slots of the variables a template uses, as the JSON
/// object Tera would make of it, without making that object.
struct Collector<'p> {
    paths: &'p [String],
    item_paths: &'p [Vec<String>],
    values: Vec<Slot>,
    /// The text of every text slot, one after the other.
    text: String,
    /// The dotted path of the value being read.
    path: String,
    /// How many objects deep the value being read is (0: the context itself).
    depth: usize,
    /// While a list's item is read: where, and what it is so far.
    capture: Option<Capture>,
}

struct Capture {
    /// The slot of the list.
    slot: usize,
    /// The depth of the item.
    depth: usize,
    /// The length of the list's path (the item's fields follow it and a dot).
    base: usize,
    item: Item,
}

/// Something Tera would see differently or refuse; the template is then left to Tera.
#[derive(Debug)]
struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("left to Tera")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

/// Where a value being read goes.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Nowhere,
    Slot(usize),
    /// The list item being read.
    Item,
    /// A field of the list item being read.
    ItemField(usize),
}

impl<'p> Collector<'p> {
    /// Where the value being read goes. The context itself must be an object.
    fn target(&self) -> Result<Target, Unsupported> {
        if self.depth == 0 {
            return Err(Unsupported);
        }
        Ok(match &self.capture {
            Some(c) if c.depth == self.depth => Target::Item,
            Some(c) => {
                let field = self.path.get(c.base + 1..).unwrap_or_default();
                self.item_paths[c.slot]
                    .iter()
                    .position(|p| p == field)
                    .map_or(Target::Nowhere, Target::ItemField)
            }
            None => self
                .paths
                .iter()
                .position(|p| *p == self.path)
                .map_or(Target::Nowhere, Target::Slot),
        })
    }

    fn put(&mut self, target: Target, value: Slot) -> Result<(), Unsupported> {
        let place = match target {
            Target::Nowhere => return Ok(()),
            Target::Slot(slot) => &mut self.values[slot],
            Target::Item => match &mut self.capture {
                Some(c) => &mut c.item.value,
                None => return Err(Unsupported),
            },
            Target::ItemField(field) => match &mut self.capture {
                Some(c) => &mut c.item.fields[field],
                None => return Err(Unsupported),
            },
        };
        // A key given twice would leave the last value in Tera's object: rare enough to leave.
        if *place != Slot::Missing {
            return Err(Unsupported);
        }
        *place = value;
        Ok(())
    }

    /// A value that is not an object or a list.
    fn leaf(&mut self, value: Slot) -> Result<(), Unsupported> {
        let target = self.target()?;
        self.put(target, value)
    }

    fn text(&mut self, text: &str) -> Result<(), Unsupported> {
        let target = self.target()?;
        if target == Target::Nowhere {
            return Ok(());
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.put(target, Slot::Text(start..self.text.len()))
    }

    fn integer(&mut self, n: i128) -> Result<(), Unsupported> {
        let target = self.target()?;
        if target == Target::Nowhere {
            return Ok(());
        }
        let start = self.text.len();
        self.text.push_str(&n.to_string());
        let digits = start..self.text.len();
        self.put(
            target,
            Slot::Integer {
                digits,
                zero: n == 0,
            },
        )
    }

    /// Reads the value under `key` of the object being read.
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unsupported> {
        // Tera would read `a.b` as the key `b` of `a`.
        if key.contains('.') {
            return Err(Unsupported);
        }
        let len = self.path.len();
        if self.depth > 0 {
            self.path.push('.');
        }
        self.path.push_str(key);
        self.depth += 1;
        let read = value.serialize(&mut *self);
        self.depth -= 1;
        self.path.truncate(len);
        read
    }

    /// An object or a list (`list`) starts.
    fn composite<'c>(&'c mut self, list: bool) -> Composite<'c, 'p> {
        let target = if self.depth == 0 {
            Target::Nowhere
        } else {
            self.target().unwrap_or(Target::Nowhere)
        };
        // Only a slot's list keeps its items (a list in an item is left to Tera).
        let items = match target {
            Target::Slot(_) if list => Some(Vec::new()),
            _ => None,
        };
        Composite {
            target,
            list,
            entries: 0,
            key: None,
            items,
            collector: self,
        }
    }
}

/// An object or a list being read: its entries are counted, an object's are read.
struct Composite<'c, 'p> {
    collector: &'c mut Collector<'p>,
    target: Target,
    list: bool,
    entries: usize,
    /// A map's key, until its value comes.
    key: Option<String>,
    /// A slot's list: its items.
    items: Option<Vec<Item>>,
}

impl Composite<'_, '_> {
    fn end(self) -> Result<(), Unsupported> {
        let value = match (self.items, self.target) {
            (Some(items), _) => Slot::List(items),
            (None, Target::Slot(_)) => Slot::Composite(self.entries > 0),
            // In a list's item, only Tera prints or tests a list.
            (None, _) if self.list => Slot::Other,
            (None, _) => Slot::Composite(self.entries > 0),
        };
        self.collector.put(self.target, value)
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        if self.collector.depth == 0 {
            return Err(Unsupported);
        }
        self.entries += 1;
        // An item has no plain name (`list.0`): only a slot's list reads its items.
        let (Some(items), Target::Slot(slot)) = (&mut self.items, self.target) else {
            return Ok(());
        };
        let c = &mut *self.collector;
        c.depth += 1;
        c.capture = Some(Capture {
            slot,
            depth: c.depth,
            base: c.path.len(),
            item: Item {
                value: Slot::Missing,
                fields: vec![Slot::Missing; c.item_paths[slot].len()],
            },
        });
        let read = value.serialize(&mut *c);
        c.depth -= 1;
        let captured = c.capture.take();
        read?;
        items.extend(captured.map(|c| c.item));
        Ok(())
    }
}

impl<'c, 'p> ser::Serializer for &'c mut Collector<'p> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Composite<'c, 'p>;
    type SerializeTuple = Composite<'c, 'p>;
    type SerializeTupleStruct = Composite<'c, 'p>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = Composite<'c, 'p>;
    type SerializeStruct = Composite<'c, 'p>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.leaf(Slot::Bool(v))
    }
    fn serialize_i8(self, n: i8) -> Result<(), Unsupported> {
        self.integer(n.into())
    }
    fn serialize_i16(self, n: i16) -> Result<(), Unsupported> {
        self.integer(n.into())
    }
    fn serialize_i32(self, n: i32) -> Result<(), Unsupported> {
        self.integer(n.into())
    }
    fn serialize_i64(self, n: i64) -> Result<(), Unsupported> {
        self.integer(n.into())
    }
    fn serialize_u8(self, n: u8) -> Result<(), Unsupported> {
        self.integer(n.into())
    }
    fn serialize_u16(self, n: u16) -> Result<(), Unsupported> {
        self.integer(n.into())
    }
    fn serialize_u32(self, n: u32) -> Result<(), Unsupported> {
        self.integer(n.into())
    }
    fn serialize_u64(self, n: u64) -> Result<(), Unsupported> {
        self.integer(n.into())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        self.leaf(Slot::Other)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        self.leaf(Slot::Other)
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.text(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.leaf(Slot::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.leaf(Slot::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.leaf(Slot::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Composite<'c, 'p>, Unsupported> {
        Ok(self.composite(true))
    }
    fn serialize_tuple(self, _: usize) -> Result<Composite<'c, 'p>, Unsupported> {
        Ok(self.composite(true))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Composite<'c, 'p>, Unsupported> {
        Ok(self.composite(true))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Composite<'c, 'p>, Unsupported> {
        Ok(self.composite(false))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Composite<'c, 'p>, Unsupported> {
        Ok(self.composite(false))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

/// Lists, tuples and tuple structs are all lists in Tera's JSON.
macro_rules! list_like {
    ($($serialize:ident :: $element:ident),*) => {$(
        impl ser::$serialize for Composite<'_, '_> {
            type Ok = ();
            type Error = Unsupported;
            fn $element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
                self.element(value)
            }
            fn end(self) -> Result<(), Unsupported> {
                Composite::end(self)
            }
        }
    )*};
}

list_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

impl ser::SerializeMap for Composite<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        // A map key as Tera's object has it: text only here (other keys are left to Tera). A
        // map is rare in a context (a flattened struct), so the key's JSON value is cheap enough.
        match serde_json::to_value(key) {
            Ok(serde_json::Value::String(key)) => self.key = Some(key),
            _ => return Err(Unsupported),
        }
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        let key = self.key.take().ok_or(Unsupported)?;
        self.entries += 1;
        self.collector.field(&key, value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Composite::end(self)
    }
}

impl ser::SerializeStruct for Composite<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.entries += 1;
        self.collector.field(key, value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Composite::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;
    use serde_json::{json, Value};

    /// A Tera set up as a theme's is, with `source` as `t.html` (escaped) and `t.txt` (not).
    fn tera(source: &str) -> tera::Tera {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(super::super::AUTOESCAPE.to_vec());
        tera.set_escape_fn(super::super::escape_html);
        tera.add_raw_templates([("t.html", source), ("t.txt", source)])
            .unwrap();
        tera
    }

    fn direct(tera: &tera::Tera, name: &str) -> Option<Direct> {
        Direct::compile(tera, &tera.templates[name], name.ends_with(".html"))
    }

    /// Renders `name` both ways: what Tera makes, and what direct rendering makes (if anything).
    fn both<T: Serialize>(
        tera: &tera::Tera,
        name: &str,
        context: &T,
    ) -> (Result<String, String>, Option<String>) {
        let by_tera = tera::Context::from_serialize(context)
            .and_then(|c| tera.render(name, &c))
            .map_err(|e| e.to_string());
        let direct =
            direct(tera, name).and_then(|d| d.render(context, super::super::escape_html_into));
        (by_tera, direct)
    }

    #[test]
    fn the_hot_built_in_partials_render_directly_and_the_pages_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let theme = super::super::Theme::load(dir.path(), "default").unwrap();
        for template in [
            "partials/role-row.html",
            "partials/attribute.html",
            "partials/index-row.html",
            "project.html",
        ] {
            assert!(theme.direct.contains_key(template), "{template}");
        }
        for page in ["partials/gap.html", "role.html", "index.html"] {
            assert!(!theme.direct.contains_key(page), "{page}");
        }
    }

    #[test]
    fn the_built_in_partials_render_as_tera_renders_them() {
        let templates: Vec<(&str, String)> = super::super::DEFAULT_TEMPLATES
            .iter()
            .map(|(n, b)| (*n, String::from_utf8_lossy(b).into_owned()))
            .collect();
        let mut tera = tera::Tera::default();
        tera.autoescape_on(super::super::AUTOESCAPE.to_vec());
        tera.set_escape_fn(super::super::escape_html);
        tera.add_raw_templates(templates.iter().map(|(n, t)| (*n, t.as_str())))
            .unwrap();
        let texts = ["", "plain", "<b>\"Tom\" & 'Jerry'</b>", "a\u{1}b", "ÿ / é"];
        let mut rendered = 0;
        let mut seen = std::collections::HashSet::new();
        for (name, _) in &templates {
            let Some(d) = direct(&tera, name) else {
                continue;
            };
            // Every variable set to each text in turn (a loop's list to two items made of
            // it), then each variable to something else: left out, null, false, a number…
            let loops = loop_slots(&d.pieces);
            let filled = |slot: usize, t: &str| {
                if !loops.contains(&slot) {
                    return json!(t);
                }
                let item = match d.item_paths[slot].as_slice() {
                    [] => json!(t),
                    fields => context(fields, &|_| json!(t)),
                };
                json!([item.clone(), item])
            };
            let mut contexts: Vec<Value> = texts
                .iter()
                .map(|t| context(&d.paths, &|slot| filled(slot, t)))
                .collect();
            for (i, _) in d.paths.iter().enumerate() {
                for other in [
                    Value::Null,
                    json!(false),
                    json!(true),
                    json!(0),
                    json!(12),
                    json!(1.5),
                    json!([]),
                    json!(["<x>", "y"]),
                    json!([1, null]),
                    json!({}),
                ] {
                    contexts.push(context(&d.paths, &|j| {
                        if i == j {
                            other.clone()
                        } else {
                            filled(j, "x")
                        }
                    }));
                }
            }
            for c in &contexts {
                let (by_tera, by_direct) = both(&tera, name, c);
                if let Some(out) = by_direct {
                    assert_eq!(Ok(out), by_tera, "{name} with {c}");
                    rendered += 1;
                    seen.insert(*name);
                }
            }
        }
        for name in [
            "project.html",
            "partials/role-row.html",
            "partials/attribute.html",
            "partials/index-row.html",
        ] {
            assert!(seen.contains(name), "{name} was never rendered directly");
        }
        assert!(rendered > 20, "only {rendered} contexts rendered directly");
    }

    #[test]
    fn templates_that_extend_others_render_as_tera_renders_them() {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(super::super::AUTOESCAPE.to_vec());
        tera.set_escape_fn(super::super::escape_html);
        tera.add_raw_templates([
            (
                "p.html",
                "<{% block a %}A{{ x }}{% endblock a %}|{% block b %}B{% block inner %}I{% endblock inner %}{% endblock b %}|{% block c %}C{% endblock c %}>",
            ),
            (
                "c.html",
                "{% extends \"p.html\" %}{% block a %}[{{ y }}]{% endblock a %}{% block inner %}i{{ x }}{% endblock inner %}",
            ),
            (
                "g.html",
                "{% extends \"c.html\" %}{% block b %}b{% block inner %}g{% endblock inner %}{% endblock b %}not shown",
            ),
            (
                "s.html",
                "{% extends \"p.html\" %}{% block a %}{{ super() }}!{% endblock a %}",
            ),
        ])
        .unwrap();
        let ctx = json!({ "x": "<", "y": "y" });
        for (name, expected) in [
            ("p.html", "<A&lt;|BI|C>"),
            ("c.html", "<[y]|Bi&lt;|C>"),
            ("g.html", "<[y]|bg|C>"),
        ] {
            let (by_tera, by_direct) = both(&tera, name, &ctx);
            assert_eq!(by_tera.as_deref(), Ok(expected), "{name}");
            assert_eq!(by_direct.as_deref(), Some(expected), "{name}");
        }
        // `super()` is Tera's.
        assert!(direct(&tera, "s.html").is_none());
    }

    /// The slots the pieces loop over.
    fn loop_slots(pieces: &[Piece]) -> Vec<usize> {
        let mut slots = Vec::new();
        for piece in pieces {
            match piece {
                Piece::For {
                    slot,
                    body,
                    otherwise,
                } => {
                    slots.push(*slot);
                    slots.extend(loop_slots(body));
                    slots.extend(loop_slots(otherwise));
                }
                Piece::If {
                    branches,
                    otherwise,
                } => {
                    for (_, body) in branches {
                        slots.extend(loop_slots(body));
                    }
                    slots.extend(loop_slots(otherwise));
                }
                Piece::Text(_) | Piece::Var { .. } => {}
            }
        }
        slots
    }

    /// A JSON object with `value(i)` at each dotted path `paths[i]`.
    fn context(paths: &[String], value: &dyn Fn(usize) -> Value) -> Value {
        let mut root = json!({});
        for (i, path) in paths.iter().enumerate() {
            let mut at = &mut root;
            let parts: Vec<&str> = path.split('.').collect();
            for part in &parts[..parts.len() - 1] {
                if !at.get(*part).is_some_and(Value::is_object) {
                    at[*part] = json!({});
                }
                at = &mut at[*part];
            }
            at[parts[parts.len() - 1]] = value(i);
        }
        root
    }

    #[derive(Serialize)]
    struct Row<'a> {
        title: &'a str,
        stage: Option<&'a str>,
        kind: Kind,
        inner: Inner,
        tags: Vec<&'a str>,
        count: u32,
        pair: (i64, &'a str),
    }

    #[derive(Serialize)]
    struct Inner {
        name: String,
        html: Option<String>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        SignOff,
    }

    #[test]
    fn typed_contexts_read_as_tera_reads_their_json() {
        let tera = tera(
            "<{{ title }}>{% if stage %}[{{ stage }}]{% else %}no stage{% endif %} {{ kind }} \
             {{ inner.name }}{% if inner.html %}{{ inner.html | safe }}{% elif tags %}tags{% endif %} \
             {{ count }}{% for p in pair %}({{ p }}){% endfor %}",
        );
        let mut row = Row {
            title: "A & B",
            stage: None,
            kind: Kind::SignOff,
            inner: Inner {
                name: "<n>".into(),
                html: Some("<em>x</em>".into()),
            },
            tags: vec!["t"],
            count: 3,
            pair: (-4, "<p>"),
        };
        for name in ["t.html", "t.txt"] {
            let (by_tera, by_direct) = both(&tera, name, &row);
            assert_eq!(by_direct.map(Ok), Some(by_tera), "{name}");
        }
        row.stage = Some("Evaluation");
        row.inner.html = None;
        let (by_tera, by_direct) = both(&tera, "t.html", &row);
        assert_eq!(
            by_tera.as_deref(),
            Ok("<A &amp; B>[Evaluation] sign-off &lt;n&gt;tags 3(-4)(&lt;p&gt;)")
        );
        assert_eq!(by_direct.map(Ok), Some(by_tera));
    }

    #[test]
    fn what_only_tera_knows_is_left_to_tera() {
        // Whole numbers print as Rust prints them; a fraction, a list or a missing variable
        // Tera prints or refuses its own way.
        let tera = tera("{{ count }}");
        let (by_tera, by_direct) = both(&tera, "t.html", &json!({ "count": 3 }));
        assert_eq!(
            (by_tera.as_deref(), by_direct.as_deref()),
            (Ok("3"), Some("3"))
        );
        let (by_tera, by_direct) = both(&tera, "t.html", &json!({ "count": 2.5 }));
        assert_eq!((by_tera.as_deref(), by_direct), (Ok("2.5"), None));
        let (by_tera, by_direct) = both(&tera, "t.html", &json!({ "count": ["a"] }));
        assert_eq!((by_tera.as_deref(), by_direct), (Ok("[a]"), None));
        // A map whose keys are not text.
        let ctx: std::collections::BTreeMap<i32, &str> = [(1, "x")].into();
        let (by_tera, by_direct) = both(&self::tera("{% if a %}y{% endif %}"), "t.html", &ctx);
        assert_eq!((by_tera.as_deref(), by_direct), (Ok(""), None));
        // Items that are lists or objects themselves.
        let tera = self::tera("{% for v in a %}{% if v %}y{% else %}n{% endif %}{% endfor %}");
        let (by_tera, by_direct) = both(&tera, "t.html", &json!({ "a": [["x"], [], {}] }));
        assert_eq!((by_tera.as_deref(), by_direct), (Ok("ynn"), None));
        let (by_tera, by_direct) = both(&tera, "t.html", &json!({}));
        assert!(by_tera.is_err() && by_direct.is_none());
        // A context that is not an object.
        let (by_tera, by_direct) = both(&tera, "t.html", &json!(["count"]));
        assert!(by_tera.is_err() && by_direct.is_none());
        // Templates with anything else are not compiled at all.
        for source in [
            "{{ a | upper }}",
            "{{ a | default(value='x') }}",
            "{% for x in a %}{{ loop.index }}{% endfor %}",
            "{% for x in a %}{{ x.0 }}{% endfor %}",
            "{% for x in a %}{% for y in x %}{{ y }}{% endfor %}{% endfor %}",
            "{% for k, v in a %}{{ v }}{% endfor %}",
            "{% for x in a | reverse %}{{ x }}{% endfor %}",
            "{% if a == 1 %}y{% endif %}",
            "{% if a > b %}y{% endif %}",
            "{% if a == b and c %}y{% endif %}",
            "{% if not a %}y{% endif %}",
            "{{ a.0 }}",
            "{{ __tera_context }}",
            "{% set b = a %}{{ b }}",
            "{% include 't.txt' %}",
        ] {
            let mut tera = tera::Tera::default();
            tera.add_raw_template("x.html", source).unwrap();
            assert!(direct(&tera, "x.html").is_none(), "{source}");
        }
    }

    /// Templates made of the pieces direct rendering knows, with every kind of whitespace control.
    fn template() -> impl Strategy<Value = String> {
        let name = prop::sample::select(vec!["a", "b", "c", "c.d", "e", "v", "v.d"]);
        // A condition: a variable, or two compared (a variable or text in quotes).
        let operand = prop_oneof![
            name.clone().prop_map(String::from),
            prop::sample::select(vec!["\"x\"", "\"<&>\"", "\"\""]).prop_map(String::from),
        ];
        let condition = prop_oneof![
            2 => name.clone().prop_map(String::from),
            1 => (name.clone(), prop::sample::select(vec!["==", "!="]), operand)
                .prop_map(|(n, op, other)| format!("{n} {op} {other}")),
        ];
        let text = "[a-z <>&\"'\n]{0,5}";
        let open = prop::sample::select(vec!["{{", "{{-"]);
        let close = prop::sample::select(vec!["}}", "-}}"]);
        let var = (open, name.clone(), any::<bool>(), close).prop_map(|(o, n, safe, c)| {
            format!("{o} {n}{} {c}", if safe { " | safe" } else { "" })
        });
        let leaf = prop_oneof![text.prop_map(String::from), var];
        let tag = |word: &'static str| {
            (any::<bool>(), any::<bool>()).prop_map(move |(l, r)| {
                let (l, r) = (if l { "-" } else { "" }, if r { "-" } else { "" });
                format!("{{%{l} {word} {r}%}}")
            })
        };
        leaf.prop_recursive(3, 24, 4, move |inner| {
            let body = prop::collection::vec(inner, 0..4).prop_map(|v| v.concat());
            (
                (tag("if"), condition.clone(), body.clone()),
                prop::collection::vec((tag("elif"), condition.clone(), body.clone()), 0..2),
                prop::option::of((tag("else"), body.clone())),
                tag("endif"),
                body,
            )
                .prop_map(|((if_, n, b), elifs, otherwise, endif, after)| {
                    // (An `if` on `a` becomes a loop over it, with `v` its item.)
                    if n == "a" && !if_.contains('-') {
                        let otherwise = otherwise.map_or(String::new(), |(_, b)| {
                            "{% else %}".to_string() + &b.replace(" v ", " b ")
                        });
                        return format!("{{% for v in a %}}{b}{otherwise}{{% endfor %}}{after}");
                    }
                    let mut s = if_.replace(" if ", &format!(" if {n} ")) + &b;
                    for (elif, n, b) in elifs {
                        s += &(elif.replace(" elif ", &format!(" elif {n} ")) + &b);
                    }
                    if let Some((e, b)) = otherwise {
                        s += &(e + &b);
                    }
                    s + &endif + &after
                })
        })
    }

    fn value() -> impl Strategy<Value = Option<Value>> {
        prop_oneof![
            4 => prop::sample::select(vec!["", "x", "<&>", "\"q\" 'a'", " \n "]).prop_map(|s| Some(json!(s))),
            1 => Just(None),
            1 => Just(Some(Value::Null)),
            1 => any::<bool>().prop_map(|b| Some(json!(b))),
            1 => (0..3i64).prop_map(|n| Some(json!(n))),
            2 => prop::sample::select(vec![
                json!([]),
                json!(["x"]),
                json!(["<", "", "y"]),
                json!([0, 7]),
                json!([true, null]),
                json!([["x"]]),
                json!([{ "d": "x" }, { "d": "<" }, {}]),
                json!([{ "d": null }, { "d": 2 }]),
                json!({}),
            ])
            .prop_map(Some),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Whatever direct rendering makes, Tera makes too; and with text in every variable it
        /// renders (so the comparison is not empty).
        #[test]
        fn direct_rendering_is_tera_rendering(
            source in template(),
            values in prop::collection::vec(value(), 4),
            d in prop::option::of(value()),
            escaped in any::<bool>(),
        ) {
            // `c` is an object with `d` in it, or any other value.
            let mut ctx = json!({});
            for (name, v) in ["a", "b", "e"].iter().zip(&values) {
                if let Some(v) = v {
                    ctx[*name] = v.clone();
                }
            }
            match (&values[3], d) {
                (_, Some(d)) => ctx["c"] = json!({ "d": d.unwrap_or(Value::Null) }),
                (Some(c), None) => ctx["c"] = c.clone(),
                (None, None) => {}
            }
            let tera = tera(&source);
            let name = if escaped { "t.html" } else { "t.txt" };
            // Everything but a loop in a loop is compiled.
            // (A loop's `{% else %}` body is outside it.)
            let (mut open, mut nested) = (Vec::new(), false);
            for tag in source.split("{%").skip(1) {
                match tag.trim_start_matches('-').split_whitespace().next() {
                    Some(word @ ("for" | "if")) => {
                        nested |= word == "for" && open.contains(&"for");
                        open.push(word);
                    }
                    Some("else") if open.last() == Some(&"for") => {
                        open.pop();
                        open.push("for-else");
                    }
                    Some("endfor" | "endif") => {
                        open.pop();
                    }
                    _ => {}
                }
            }
            prop_assert_eq!(direct(&tera, name).is_some(), !nested);
            let (by_tera, by_direct) = both(&tera, name, &ctx);
            if let Some(out) = by_direct {
                prop_assert_eq!(Ok(out), by_tera);
            }
            // Text wherever a variable is printed: direct rendering must then render, unless
            // the template prints an object or a list (`a`, `c`, `v`), which only Tera does.
            let all_text = json!({
                "a": [{ "d": "<a>" }, { "d": "" }],
                "b": "",
                "c": { "d": "&" },
                "e": "e",
                "v": { "d": "v" },
            });
            let (by_tera, by_direct) = both(&tera, name, &all_text);
            // (Printed or compared as a whole.)
            let prints = |v: &str| {
                [format!("{{{{ {v} "), format!("{{{{- {v} "), format!(" {v} ="), format!(" {v} !"), format!("= {v} ")]
                    .iter()
                    .any(|p| source.contains(p.as_str()))
            };
            match (by_tera, by_direct) {
                (by_tera, Some(out)) => prop_assert_eq!(Ok(out), by_tera),
                (Ok(_), None) => prop_assert!(nested || prints("a") || prints("c") || prints("v")),
                (Err(_), None) => {}
            }
        }
    }
}
