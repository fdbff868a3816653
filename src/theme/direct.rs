//! The simplest templates, rendered without Tera's interpreter.
//!
//! Three small partials are rendered tens of thousands of times in a large handbook:
//! `role-row.html` (a procurement's row on each role page it appears on), `attribute.html`
//! (each fact shown on a procurement page) and `index-row.html`. For a partial of a few variables, most of Tera's
//! work is building a JSON tree of the context and looking each variable up by its dotted path.
//!
//! A template made only of text, `{{ variable }}` (optionally `| safe`),
//! `{% if variable %}…{% elif variable %}…{% else %}…{% endif %}` and
//! `{% for item in list %}…{% else %}…{% endfor %}` (not nested, `loop.*` not used) is
//! compiled here, from Tera's own parse of it, into a list of pieces; a context is then read
//! straight into the few variables those pieces use. Anything else — another tag, a filter, a
//! fraction to print, a variable that is not there — is left to Tera, so the output is always
//! the one Tera makes:
//! the tests render the built-in partials and random templates both ways and compare. Any
//! template qualifies, a theme's own copies included.
//!
//! Tera's parse tree (`tera::ast`) is not part of its stable interface, which is why
//! Cargo.toml pins Tera's exact version.

use std::ops::Range;

use serde::ser::{self, Serialize};
use tera::ast::{Expr, ExprVal, Node};

/// A template compiled for direct rendering.
#[derive(Debug)]
pub(super) struct Direct {
    pieces: Vec<Piece>,
    /// The dotted path of each variable the pieces use, by slot.
    paths: Vec<String>,
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
        branches: Vec<(From, Vec<Piece>)>,
        otherwise: Vec<Piece>,
    },
    /// `{% for %}` over the list in a slot, then the `{% else %}` body for an empty list.
    For {
        slot: usize,
        body: Vec<Piece>,
        otherwise: Vec<Piece>,
    },
}

/// Where a variable's value comes from: a slot of the context, or the item of the loop.
#[derive(Debug, Clone, Copy)]
enum From {
    Slot(usize),
    Item,
}

impl Direct {
    /// The template as pieces, if it is simple enough; `autoescape` is whether Tera escapes
    /// variables in it.
    pub(super) fn compile(template: &tera::Template, autoescape: bool) -> Option<Direct> {
        if !template.parents.is_empty() {
            return None;
        }
        let mut paths = Vec::new();
        let pieces = pieces(&template.ast, autoescape, None, &mut paths)?;
        Some(Direct { pieces, paths })
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
            values: vec![Slot::Missing; self.paths.len()],
            text: String::new(),
            path: String::new(),
            depth: 0,
            capture: None,
            captured: Slot::Missing,
        };
        context.serialize(&mut collector).ok()?;
        let mut out = String::with_capacity(collector.text.len() + 256);
        write(&self.pieces, &collector, None, &escape, &mut out)?;
        Some(out)
    }
}

/// `item`: the name of the loop's item, inside a `{% for %}`.
fn pieces(
    nodes: &[Node],
    autoescape: bool,
    item: Option<&str>,
    paths: &mut Vec<String>,
) -> Option<Vec<Piece>> {
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
                    from: from(expr, item, paths)?,
                    escape: autoescape && !safe,
                });
            }
            Node::If(node, _) => {
                let mut branches = Vec::with_capacity(node.conditions.len());
                for (_, condition, body) in &node.conditions {
                    if !condition.filters.is_empty() {
                        return None;
                    }
                    branches.push((
                        from(condition, item, paths)?,
                        pieces(body, autoescape, item, paths)?,
                    ));
                }
                let otherwise = match &node.otherwise {
                    Some((_, body)) => pieces(body, autoescape, item, paths)?,
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
                let From::Slot(slot) = from(&forloop.container, None, paths)? else {
                    return None;
                };
                if !forloop.container.filters.is_empty() {
                    return None;
                }
                out.push(Piece::For {
                    slot,
                    body: pieces(&forloop.body, autoescape, Some(name), paths)?,
                    otherwise: match &forloop.empty_body {
                        Some(body) => pieces(body, autoescape, None, paths)?,
                        None => Vec::new(),
                    },
                });
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Where a plain variable (`name` or `name.field.field`) comes from: the loop's `item`, or a
/// slot of the context (added when new).
fn from(expr: &Expr, item: Option<&str>, paths: &mut Vec<String>) -> Option<From> {
    let ExprVal::Ident(name) = &expr.val else {
        return None;
    };
    if let Some(item) = item {
        if name == item && !expr.negated {
            return Some(From::Item);
        }
        // A field of the item, or Tera's `loop` variable.
        let first = name.split('.').next().unwrap_or_default();
        if first == item || first == "loop" {
            return None;
        }
    }
    let plain_part = |part: &str| {
        part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    // `__tera_context` is Tera's dump of the whole context.
    if expr.negated || name.starts_with("__tera") || !name.split('.').all(plain_part) {
        return None;
    }
    Some(From::Slot(match paths.iter().position(|p| p == name) {
        Some(i) => i,
        None => {
            paths.push(name.clone());
            paths.len() - 1
        }
    }))
}

/// Writes `pieces`; `item` is the loop's current item, inside a `{% for %}`.
fn write(
    pieces: &[Piece],
    values: &Collector<'_>,
    item: Option<&Slot>,
    escape: &impl Fn(&str, &mut String),
    out: &mut String,
) -> Option<()> {
    let value = |from: &From| match from {
        From::Slot(slot) => Some(&values.values[*slot]),
        From::Item => item,
    };
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Var { from, escape: e } => match value(from)? {
                Slot::Text(range) => {
                    let text = &values.text[range.clone()];
                    if *e {
                        escape(text, out);
                    } else {
                        out.push_str(text);
                    }
                }
                // Whole numbers print as Rust prints them; digits need no escaping.
                Slot::Integer { digits, .. } => out.push_str(&values.text[digits.clone()]),
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
                for (from, branch) in branches {
                    if value(from)?.truthy()? {
                        body = branch;
                        break;
                    }
                }
                write(body, values, item, escape, out)?;
            }
            Piece::For {
                slot,
                body,
                otherwise,
            } => {
                // Tera iterates over text by character, and refuses anything but a list or text.
                let Slot::List(items) = &values.values[*slot] else {
                    return None;
                };
                if items.is_empty() {
                    write(otherwise, values, None, escape, out)?;
                }
                for each in items {
                    write(body, values, Some(each), escape, out)?;
                }
            }
        }
    }
    Some(())
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
    List(Vec<Slot>),
    /// An object, and whether it has anything in it.
    Composite(bool),
    /// A fraction.
    Other,
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
    values: Vec<Slot>,
    /// The text of every text slot, one after the other.
    text: String,
    /// The dotted path of the value being read.
    path: String,
    /// How many objects deep the value being read is (0: the context itself).
    depth: usize,
    /// While a list's item is read: the depth of the item, and what it is so far.
    capture: Option<usize>,
    captured: Slot,
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

impl<'p> Collector<'p> {
    fn slot(&self) -> Option<usize> {
        self.paths.iter().position(|p| *p == self.path)
    }

    fn set(&mut self, slot: usize, value: Slot) -> Result<(), Unsupported> {
        // A key given twice would leave the last value in Tera's object: rare enough to leave.
        if self.values[slot] != Slot::Missing {
            return Err(Unsupported);
        }
        self.values[slot] = value;
        Ok(())
    }

    /// Whether the value being read is wanted: a slot's, or a list item being read. The
    /// context itself must be an object.
    fn wanted(&self) -> Result<bool, Unsupported> {
        if self.depth == 0 {
            return Err(Unsupported);
        }
        Ok(match self.capture {
            Some(depth) => depth == self.depth,
            None => self.slot().is_some(),
        })
    }

    /// A value that is not an object or a list.
    fn leaf(&mut self, value: Slot) -> Result<(), Unsupported> {
        if !self.wanted()? {
            return Ok(());
        }
        if self.capture.is_some() {
            self.captured = value;
            return Ok(());
        }
        match self.slot() {
            Some(slot) => self.set(slot, value),
            None => Ok(()),
        }
    }

    fn text(&mut self, text: &str) -> Result<(), Unsupported> {
        if !self.wanted()? {
            return Ok(());
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.leaf(Slot::Text(start..self.text.len()))
    }

    fn integer(&mut self, n: i128) -> Result<(), Unsupported> {
        if !self.wanted()? {
            return Ok(());
        }
        let start = self.text.len();
        self.text.push_str(&n.to_string());
        self.leaf(Slot::Integer {
            digits: start..self.text.len(),
            zero: n == 0,
        })
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

    /// An object or a list (`list`) starts: a slot's is counted, and a list's items kept.
    fn composite<'c>(&'c mut self, list: bool) -> Composite<'c, 'p> {
        let slot = match self.capture {
            Some(depth) => {
                // A list item that is an object or a list: only Tera prints it.
                if depth == self.depth {
                    self.captured = Slot::Other;
                }
                None
            }
            None if self.depth == 0 => None,
            None => self.slot(),
        };
        Composite {
            slot,
            entries: 0,
            key: None,
            items: (list && slot.is_some()).then(Vec::new),
            collector: self,
        }
    }
}

/// An object or a list being read: its entries are counted, an object's are read.
struct Composite<'c, 'p> {
    collector: &'c mut Collector<'p>,
    slot: Option<usize>,
    entries: usize,
    /// A map's key, until its value comes.
    key: Option<String>,
    /// A slot's list: its items.
    items: Option<Vec<Slot>>,
}

impl Composite<'_, '_> {
    fn end(self) -> Result<(), Unsupported> {
        let Some(slot) = self.slot else {
            return Ok(());
        };
        let value = match self.items {
            Some(items) => Slot::List(items),
            None => Slot::Composite(self.entries > 0),
        };
        self.collector.set(slot, value)
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        if self.collector.depth == 0 {
            return Err(Unsupported);
        }
        self.entries += 1;
        // An item has no plain name (`list.0`): only a slot's list keeps its items.
        if let Some(items) = &mut self.items {
            let c = &mut *self.collector;
            c.depth += 1;
            c.capture = Some(c.depth);
            c.captured = Slot::Missing;
            let read = value.serialize(&mut *c);
            c.capture = None;
            c.depth -= 1;
            read?;
            items.push(std::mem::replace(&mut c.captured, Slot::Missing));
        }
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

impl ser::SerializeSeq for Composite<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Composite::end(self)
    }
}

impl ser::SerializeTuple for Composite<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Composite::end(self)
    }
}

impl ser::SerializeTupleStruct for Composite<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Composite::end(self)
    }
}

impl ser::SerializeMap for Composite<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.key = Some(key.serialize(KeyName)?);
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

/// A map key: text only (Tera's object keys are text; other keys are left to Tera).
struct KeyName;

impl ser::Serializer for KeyName {
    type Ok = String;
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<String, Unsupported>;
    type SerializeTuple = ser::Impossible<String, Unsupported>;
    type SerializeTupleStruct = ser::Impossible<String, Unsupported>;
    type SerializeTupleVariant = ser::Impossible<String, Unsupported>;
    type SerializeMap = ser::Impossible<String, Unsupported>;
    type SerializeStruct = ser::Impossible<String, Unsupported>;
    type SerializeStructVariant = ser::Impossible<String, Unsupported>;

    fn serialize_str(self, v: &str) -> Result<String, Unsupported> {
        Ok(v.to_owned())
    }
    fn serialize_char(self, v: char) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_bool(self, _: bool) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i8(self, _: i8) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i16(self, _: i16) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i32(self, _: i32) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i64(self, _: i64) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u8(self, _: u8) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u16(self, _: u16) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u32(self, _: u32) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u64(self, _: u64) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f32(self, _: f32) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, Unsupported> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
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
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
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
        Direct::compile(&tera.templates[name], name.ends_with(".html"))
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
        for partial in [
            "partials/role-row.html",
            "partials/attribute.html",
            "partials/index-row.html",
        ] {
            assert!(theme.direct.contains_key(partial), "{partial}");
        }
        for page in ["base.html", "project.html", "partials/gap.html"] {
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
        for (name, _) in &templates {
            let Some(d) = direct(&tera, name) else {
                continue;
            };
            // Every variable set to each text in turn, then each left out, null or false.
            let mut contexts: Vec<Value> = texts
                .iter()
                .map(|t| context(&d.paths, &|_| json!(t)))
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
                            json!("x")
                        }
                    }));
                }
            }
            for c in &contexts {
                let (by_tera, by_direct) = both(&tera, name, c);
                if let Some(out) = by_direct {
                    assert_eq!(Ok(out), by_tera, "{name} with {c}");
                    rendered += 1;
                }
            }
        }
        assert!(rendered > 20, "only {rendered} contexts rendered directly");
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
            "{% for x in a %}{{ x.name }}{% endfor %}",
            "{% for x in a %}{% for y in x %}{{ y }}{% endfor %}{% endfor %}",
            "{% for k, v in a %}{{ v }}{% endfor %}",
            "{% for x in a | reverse %}{{ x }}{% endfor %}",
            "{% if a == 'x' %}y{% endif %}",
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
        let name = prop::sample::select(vec!["a", "b", "c", "c.d", "e", "v"]);
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
                (tag("if"), name.clone(), body.clone()),
                prop::collection::vec((tag("elif"), name.clone(), body.clone()), 0..2),
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
            let (mut depth, mut nested) = (0, false);
            for tag in source.split("{%").skip(1) {
                match tag.trim_start_matches('-').split_whitespace().next() {
                    Some("for") => {
                        nested |= depth > 0;
                        depth += 1;
                    }
                    Some("endfor") => depth -= 1,
                    _ => {}
                }
            }
            prop_assert_eq!(direct(&tera, name).is_some(), !nested);
            let (by_tera, by_direct) = both(&tera, name, &ctx);
            if let Some(out) = by_direct {
                prop_assert_eq!(Ok(out), by_tera);
            }
            // (`c` itself is an object there, which only Tera prints.)
            // (A loop needs a list; `v` outside one is not there.)
            let all_text = json!({ "a": ["<a>", ""], "b": "", "c": { "d": "&" }, "e": "e", "v": "v" });
            let (by_tera, by_direct) = both(&tera, name, &all_text);
            let prints = |v: &str| source.contains(&format!("{{{{ {v} ")) || source.contains(&format!("{{{{- {v} "));
            if !prints("c") && !prints("a") {
                prop_assert_eq!(by_direct.map(Ok), Some(by_tera));
            }
        }
    }
}
