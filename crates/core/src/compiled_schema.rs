//! The generated JSON Schemas compiled once into a typed validator that runs on the YAML span
//! tree: references resolved at compile time, keywords as fields, properties matched by
//! length then bytes, and the name, GUID and other patterns as hand-written checks.
//!
//! It decides only *whether* a document is valid, the question asked of every document. A
//! document it rejects goes the old way (JSON, `jsonschema`, error mapping), so every
//! diagnostic is produced exactly as before. It must accept exactly what `jsonschema` accepts:
//! compiling fails on any keyword, pattern or format it does not implement (that kind then
//! goes the JSON way; a unit test requires every kind to compile), and
//! `tests/schema_differential.rs` compares both on the fixtures and thousands of mutations.

use crate::doc;
use crate::yaml::{Node, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Index of a compiled schema in [`Compiled::schemas`].
type Id = usize;

/// JSON Schema types as bits.
mod ty {
    pub const NULL: u8 = 1;
    pub const BOOLEAN: u8 = 2;
    pub const INTEGER: u8 = 4;
    pub const NUMBER: u8 = 8;
    pub const STRING: u8 = 16;
    pub const ARRAY: u8 = 32;
    pub const OBJECT: u8 = 64;
    pub const ANY: u8 = 127;
}

/// A `pattern`, checked by hand: every pattern the `doc` types use has an exact check here.
#[derive(Clone, Copy, Debug)]
enum Pattern {
    /// `^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`
    Name,
    /// `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
    Guid,
    /// `^[a-z]+$`
    LowerLetters,
    /// `^/providers/Microsoft\.PowerApps/apis/[A-Za-z0-9_.-]+$`
    ConnectorId,
}

const LOWER_LETTERS_PATTERN: &str = "^[a-z]+$";
const CONNECTOR_ID_PATTERN: &str = "^/providers/Microsoft\\.PowerApps/apis/[A-Za-z0-9_.-]+$";

impl Pattern {
    fn of(pattern: &str) -> Result<Pattern, String> {
        Ok(match pattern {
            doc::NAME_PATTERN => Pattern::Name,
            doc::GUID_PATTERN => Pattern::Guid,
            LOWER_LETTERS_PATTERN => Pattern::LowerLetters,
            CONNECTOR_ID_PATTERN => Pattern::ConnectorId,
            other => return Err(format!("pattern `{other}` has no hand-written check")),
        })
    }

    fn matches(self, s: &str) -> bool {
        let b = s.as_bytes();
        match self {
            Pattern::Name => {
                let inner = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
                match b {
                    [] => false,
                    [only] => inner(*only),
                    [first, middle @ .., last] => {
                        b.len() <= 63
                            && inner(*first)
                            && inner(*last)
                            && middle.iter().all(|&c| inner(c) || c == b'-')
                    }
                }
            }
            Pattern::Guid => doc::is_guid(s),
            Pattern::LowerLetters => !b.is_empty() && b.iter().all(u8::is_ascii_lowercase),
            Pattern::ConnectorId => s
                .strip_prefix("/providers/Microsoft.PowerApps/apis/")
                .is_some_and(|rest| {
                    !rest.is_empty()
                        && rest
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
                }),
        }
    }
}

/// A `const` or `enum` value. Only scalars occur in the generated schemas.
#[derive(Clone, Debug)]
enum Literal {
    Null,
    Bool(bool),
    Number(f64),
    Str(Box<str>),
}

impl Literal {
    fn of(v: &Json) -> Result<Literal, String> {
        Ok(match v {
            Json::Null => Literal::Null,
            Json::Bool(b) => Literal::Bool(*b),
            Json::Number(n) => match n.as_f64() {
                Some(f) if f.abs() < 9.0e15 => Literal::Number(f),
                _ => return Err(format!("numeric literal {n} is beyond exact comparison")),
            },
            Json::String(s) => Literal::Str(s.as_str().into()),
            other => return Err(format!("`const`/`enum` value {other} is not a scalar")),
        })
    }

    fn equals(&self, node: &Node) -> bool {
        match (self, &node.value) {
            (Literal::Null, Value::Null) => true,
            (Literal::Bool(a), Value::Bool(b)) => a == b,
            // JSON Schema compares numbers by value: 7 equals 7.0.
            (Literal::Number(a), Value::Int(i)) => (*i as f64) == *a && i.unsigned_abs() < 1 << 53,
            (Literal::Number(a), Value::Float(f)) => f == a,
            (Literal::Str(a), Value::Str(s)) => **a == **s,
            // A non-finite float reaches the schema as the string Rust prints for it.
            (Literal::Str(a), Value::Float(f)) if !f.is_finite() => **a == *f.to_string(),
            _ => false,
        }
    }
}

/// A numeric bound, kept as written so that integers compare exactly.
#[derive(Clone, Copy, Debug)]
enum Bound {
    Min(f64),
    Max(f64),
    ExclusiveMin(f64),
    ExclusiveMax(f64),
}

impl Bound {
    fn holds(self, x: f64) -> bool {
        match self {
            Bound::Min(m) => x >= m,
            Bound::Max(m) => x <= m,
            Bound::ExclusiveMin(m) => x > m,
            Bound::ExclusiveMax(m) => x < m,
        }
    }
}

enum Additional {
    Any,
    Forbidden,
    Schema(Id),
}

/// One schema object with its keywords compiled.
struct Schema {
    types: u8,
    constant: Option<Literal>,
    allowed: Option<Vec<Literal>>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<Pattern>,
    uri: bool,
    bounds: Vec<Bound>,
    items: Option<Id>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    /// (name, schema, required): a required property is counted when it is seen.
    properties: Vec<(Box<str>, Id, bool)>,
    /// How many properties are required; all of them are in `properties`, so a mapping has
    /// them all when it has that many required keys (its keys are unique).
    required_count: usize,
    /// Required names without a schema of their own (none in the generated schemas).
    required_elsewhere: Vec<Box<str>>,
    additional: Additional,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    any_of: Vec<Id>,
    one_of: Vec<Id>,
    all_of: Vec<Id>,
    reference: Option<Id>,
}

impl Schema {
    /// The target of a schema that does nothing but refer to another.
    fn pure_reference(&self) -> Option<Id> {
        let only_reference = self.types == ty::ANY
            && self.constant.is_none()
            && self.allowed.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
            && self.pattern.is_none()
            && !self.uri
            && self.bounds.is_empty()
            && self.items.is_none()
            && self.min_items.is_none()
            && self.max_items.is_none()
            && self.properties.is_empty()
            && self.required_count == 0
            && self.required_elsewhere.is_empty()
            && matches!(self.additional, Additional::Any)
            && self.min_properties.is_none()
            && self.max_properties.is_none()
            && self.any_of.is_empty()
            && self.one_of.is_empty()
            && self.all_of.is_empty();
        self.reference.filter(|_| only_reference)
    }

    fn empty() -> Schema {
        Schema {
            types: ty::ANY,
            constant: None,
            allowed: None,
            min_length: None,
            max_length: None,
            pattern: None,
            uri: false,
            bounds: Vec::new(),
            items: None,
            min_items: None,
            max_items: None,
            properties: Vec::new(),
            required_count: 0,
            required_elsewhere: Vec::new(),
            additional: Additional::Any,
            min_properties: None,
            max_properties: None,
            any_of: Vec::new(),
            one_of: Vec::new(),
            all_of: Vec::new(),
            reference: None,
        }
    }
}

/// One kind's schema, compiled.
pub struct Compiled {
    schemas: Vec<Schema>,
    root: Id,
}

/// `format: uri` is left to `jsonschema`'s own check (a full RFC 3986 parser), through a
/// one-keyword validator compiled on first use; only a few optional fields have that format.
fn is_uri(text: &str) -> bool {
    static URI: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    URI.get_or_init(|| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&serde_json::json!({ "format": "uri" }))
            .expect("a one-keyword schema compiles")
    })
    .is_valid(&Json::String(text.to_owned()))
}

/// Formats `jsonschema` knows; any of them other than `uri` would need a check here. Other
/// format names (`uint32`) are annotations it ignores, and so does this validator.
const KNOWN_FORMATS: &[&str] = &[
    "date",
    "date-time",
    "duration",
    "email",
    "hostname",
    "idn-email",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "iri",
    "iri-reference",
    "json-pointer",
    "regex",
    "relative-json-pointer",
    "time",
    "uri-reference",
    "uri-template",
    "uuid",
];

/// Keywords that never affect validity.
const ANNOTATIONS: &[&str] = &[
    "description",
    "default",
    "title",
    "$schema",
    "$id",
    "$defs",
    "$comment",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

struct Compiler<'a> {
    document: &'a Json,
    schemas: Vec<Schema>,
    /// `$ref` targets already compiled (or being compiled), by reference.
    refs: BTreeMap<String, Id>,
}

impl Compiler<'_> {
    fn compile(&mut self, schema: &Json) -> Result<Id, String> {
        let id = self.schemas.len();
        self.schemas.push(Schema::empty());
        let Json::Object(keywords) = schema else {
            return Err(format!("boolean schema {schema}"));
        };
        let mut s = Schema::empty();
        let count = |v: &Json| v.as_u64().ok_or_else(|| format!("{v} is not a count"));
        for (keyword, value) in keywords {
            match keyword.as_str() {
                "type" => {
                    let names: Vec<&str> = match value {
                        Json::String(t) => vec![t.as_str()],
                        Json::Array(ts) => ts.iter().filter_map(Json::as_str).collect(),
                        other => return Err(format!("`type` {other}")),
                    };
                    s.types = 0;
                    for name in names {
                        s.types |= match name {
                            "null" => ty::NULL,
                            "boolean" => ty::BOOLEAN,
                            "integer" => ty::INTEGER,
                            "number" => ty::NUMBER | ty::INTEGER,
                            "string" => ty::STRING,
                            "array" => ty::ARRAY,
                            "object" => ty::OBJECT,
                            other => return Err(format!("unknown type `{other}`")),
                        };
                    }
                }
                "const" => s.constant = Some(Literal::of(value)?),
                "enum" => {
                    s.allowed = Some(
                        value
                            .as_array()
                            .ok_or("`enum` is not an array")?
                            .iter()
                            .map(Literal::of)
                            .collect::<Result<_, _>>()?,
                    );
                }
                "minLength" => s.min_length = Some(count(value)?),
                "maxLength" => s.max_length = Some(count(value)?),
                "pattern" => {
                    s.pattern = Some(Pattern::of(value.as_str().ok_or("`pattern`")?)?);
                }
                "format" => match value.as_str().ok_or("`format`")? {
                    "uri" => s.uri = true,
                    known if KNOWN_FORMATS.contains(&known) => {
                        return Err(format!("format `{known}` has no check"));
                    }
                    _ => {}
                },
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    let n = value
                        .as_f64()
                        .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
                        .ok_or_else(|| format!("bound {value}"))?;
                    s.bounds.push(match keyword.as_str() {
                        "minimum" => Bound::Min(n),
                        "maximum" => Bound::Max(n),
                        "exclusiveMinimum" => Bound::ExclusiveMin(n),
                        _ => Bound::ExclusiveMax(n),
                    });
                }
                "items" => s.items = Some(self.compile(value)?),
                "minItems" => s.min_items = Some(count(value)?),
                "maxItems" => s.max_items = Some(count(value)?),
                "properties" => {
                    for (name, property) in value.as_object().ok_or("`properties`")? {
                        let property = self.compile(property)?;
                        s.properties.push((name.as_str().into(), property, false));
                    }
                }
                "required" => {
                    s.required_elsewhere = value
                        .as_array()
                        .ok_or("`required`")?
                        .iter()
                        .map(|r| r.as_str().map(Into::into).ok_or("`required`"))
                        .collect::<Result<_, _>>()?;
                }
                "additionalProperties" => {
                    s.additional = match value {
                        Json::Bool(false) => Additional::Forbidden,
                        Json::Bool(true) => Additional::Any,
                        schema => Additional::Schema(self.compile(schema)?),
                    };
                }
                "minProperties" => s.min_properties = Some(count(value)?),
                "maxProperties" => s.max_properties = Some(count(value)?),
                "anyOf" | "oneOf" | "allOf" => {
                    let branches: Vec<Id> = value
                        .as_array()
                        .ok_or_else(|| format!("`{keyword}` is not an array"))?
                        .iter()
                        .map(|b| self.compile(b))
                        .collect::<Result<_, _>>()?;
                    match keyword.as_str() {
                        "anyOf" => s.any_of = branches,
                        "oneOf" => s.one_of = branches,
                        _ => s.all_of = branches,
                    }
                }
                "$ref" => s.reference = Some(self.reference(value.as_str().ok_or("`$ref`")?)?),
                annotation if ANNOTATIONS.contains(&annotation) => {}
                other => return Err(format!("keyword `{other}` is not implemented")),
            }
        }
        // Required properties with a schema are counted as they are seen.
        let mut elsewhere = Vec::new();
        for name in std::mem::take(&mut s.required_elsewhere) {
            match s.properties.iter_mut().find(|(p, _, _)| *p == name) {
                Some((_, _, required)) if !*required => {
                    *required = true;
                    s.required_count += 1;
                }
                Some(_) => {} // listed twice
                None => elsewhere.push(name),
            }
        }
        s.required_elsewhere = elsewhere;
        self.schemas[id] = s;
        Ok(id)
    }

    /// A schema that is only a `$ref` (and annotations) is replaced by its target wherever
    /// it is used, so checking it costs no extra step.
    fn collapse_references(&mut self) {
        let target = |schemas: &[Schema], mut id: Id| {
            for _ in 0..schemas.len() {
                match schemas[id].pure_reference() {
                    Some(next) => id = next,
                    None => break,
                }
            }
            id
        };
        for i in 0..self.schemas.len() {
            let mut s = std::mem::replace(&mut self.schemas[i], Schema::empty());
            let schemas = &self.schemas;
            let follow = |id: &mut Id| {
                // The slot being rewritten is empty for now, so never follow through it.
                if *id != i {
                    *id = target(schemas, *id);
                }
            };
            s.items.iter_mut().for_each(follow);
            s.properties.iter_mut().for_each(|(_, id, _)| follow(id));
            if let Additional::Schema(id) = &mut s.additional {
                follow(id);
            }
            s.any_of.iter_mut().for_each(follow);
            s.one_of.iter_mut().for_each(follow);
            s.all_of.iter_mut().for_each(follow);
            s.reference.iter_mut().for_each(follow);
            self.schemas[i] = s;
        }
    }

    fn reference(&mut self, reference: &str) -> Result<Id, String> {
        if let Some(&id) = self.refs.get(reference) {
            return Ok(id);
        }
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| self.document.pointer(pointer))
            .ok_or_else(|| format!("unresolved reference {reference}"))?;
        // The target's slot is the next one, so a recursive reference finds it.
        let id = self.schemas.len();
        self.refs.insert(reference.to_owned(), id);
        self.compile(target)
    }
}

/// Where a value sits in the document, kept on the stack and turned into a JSON pointer only
/// when an error is recorded.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn pointer(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Key(parent, key) => format!(
                "{}/{}",
                parent.pointer(),
                key.replace('~', "~0").replace('/', "~1")
            ),
            Path::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

/// Where errors go: nowhere (stop at the first) or a list of locations.
trait Sink {
    /// Keep going after an error to find every location.
    const ALL: bool;
    fn error(&mut self, path: &Path<'_>);
}

struct FirstOnly;

impl Sink for FirstOnly {
    const ALL: bool = false;
    fn error(&mut self, _: &Path<'_>) {}
}

struct Locations(Vec<String>);

impl Sink for Locations {
    const ALL: bool = true;
    fn error(&mut self, path: &Path<'_>) {
        self.0.push(path.pointer());
    }
}

/// The JSON type bits of a node, as the JSON form of the tree has them.
fn type_bits(node: &Node) -> u8 {
    match &node.value {
        Value::Null => ty::NULL,
        Value::Bool(_) => ty::BOOLEAN,
        Value::Int(_) => ty::INTEGER | ty::NUMBER,
        // JSON Schema counts 10.0 as an integer.
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 => ty::INTEGER | ty::NUMBER,
        Value::Float(f) if f.is_finite() => ty::NUMBER,
        // `Node::to_json` writes non-finite floats as strings.
        Value::Float(_) => ty::STRING,
        Value::Str(_) => ty::STRING,
        Value::Seq(_) => ty::ARRAY,
        Value::Map(_) => ty::OBJECT,
    }
}

impl Compiled {
    /// Compiles a kind's schema; `Err` names what it uses that this validator does not
    /// implement (that kind's documents then all take the JSON path).
    pub fn new(kind_schema: &Json) -> Result<Compiled, String> {
        let mut compiler = Compiler {
            document: kind_schema,
            schemas: Vec::new(),
            refs: BTreeMap::new(),
        };
        let root = compiler.compile(kind_schema)?;
        compiler.collapse_references();
        Ok(Compiled {
            schemas: compiler.schemas,
            root,
        })
    }

    /// Whether the JSON form of `root` satisfies the schema.
    pub fn is_valid(&self, root: &Node) -> bool {
        self.check(self.root, root, &Path::Root, &mut FirstOnly)
    }

    /// The instance locations (JSON pointers) of every error `jsonschema` would report at the
    /// top level, sorted and without repeats: for differential testing.
    pub fn error_locations(&self, root: &Node) -> Vec<String> {
        let mut sink = Locations(Vec::new());
        self.check(self.root, root, &Path::Root, &mut sink);
        let mut locations = sink.0;
        locations.sort();
        locations.dedup();
        locations
    }

    /// Checks `node` against schema `id`; with a collecting sink it goes on after errors.
    fn check<S: Sink>(&self, id: Id, node: &Node, path: &Path<'_>, sink: &mut S) -> bool {
        let s = &self.schemas[id];
        let mut valid = true;
        macro_rules! fail {
            () => {{
                sink.error(path);
                if !S::ALL {
                    return false;
                }
                valid = false;
            }};
        }
        let bits = type_bits(node);
        if s.types & bits == 0 {
            fail!();
        }
        if let Some(c) = &s.constant
            && !c.equals(node)
        {
            fail!();
        }
        if let Some(allowed) = &s.allowed
            && !allowed.iter().any(|a| a.equals(node))
        {
            fail!();
        }
        match &node.value {
            Value::Str(text) => {
                if !Self::string_ok(s, text) {
                    fail!();
                }
            }
            Value::Float(f) if !f.is_finite() => {
                if !Self::string_ok(s, &f.to_string()) {
                    fail!();
                }
            }
            Value::Int(i) => {
                // Every bound is a whole number below 2^53, so an i64 compares exactly as
                // f64 unless it is beyond that, where the comparison is decided anyway.
                if !s.bounds.iter().all(|b| b.holds(*i as f64)) {
                    fail!();
                }
            }
            Value::Float(f) => {
                if !s.bounds.iter().all(|b| b.holds(*f)) {
                    fail!();
                }
            }
            Value::Seq(items) => {
                let n = items.len() as u64;
                if s.min_items.is_some_and(|m| n < m) || s.max_items.is_some_and(|m| n > m) {
                    fail!();
                }
                if let Some(item_schema) = s.items {
                    for (i, item) in items.iter().enumerate() {
                        if !self.check(item_schema, item, &Path::Index(path, i), sink) {
                            if !S::ALL {
                                return false;
                            }
                            valid = false;
                        }
                    }
                }
            }
            Value::Map(entries) => {
                let n = entries.len() as u64;
                if s.min_properties.is_some_and(|m| n < m)
                    || s.max_properties.is_some_and(|m| n > m)
                {
                    fail!();
                }
                if !s.required_elsewhere.iter().all(|r| {
                    entries
                        .iter()
                        .any(|(k, _)| k.as_str().unwrap_or_default() == &**r)
                }) {
                    fail!();
                }
                let mut unexpected = false;
                let mut required_seen = 0;
                for (key, value) in entries {
                    let key = key.as_str().unwrap_or_default();
                    let property = s
                        .properties
                        .iter()
                        .find(|(name, _, _)| crate::yaml::same_key(name, key))
                        .map(|(_, p, required)| {
                            required_seen += usize::from(*required);
                            *p
                        });
                    let child = match (property, &s.additional) {
                        (Some(p), _) => Some(p),
                        (None, Additional::Schema(p)) => Some(*p),
                        (None, Additional::Any) => None,
                        (None, Additional::Forbidden) => {
                            unexpected = true;
                            None
                        }
                    };
                    if let Some(child) = child
                        && !self.check(child, value, &Path::Key(path, key), sink)
                    {
                        if !S::ALL {
                            return false;
                        }
                        valid = false;
                    }
                }
                if unexpected || required_seen < s.required_count {
                    fail!();
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
        if let Some(target) = s.reference
            && !self.check(target, node, path, sink)
        {
            if !S::ALL {
                return false;
            }
            valid = false;
        }
        for &branch in &s.all_of {
            if !self.check(branch, node, path, sink) {
                if !S::ALL {
                    return false;
                }
                valid = false;
            }
        }
        // Branch errors are not reported on their own: the alternative fails where it is.
        if !s.any_of.is_empty()
            && !s
                .any_of
                .iter()
                .any(|&b| self.check(b, node, path, &mut FirstOnly))
        {
            fail!();
        }
        if !s.one_of.is_empty()
            && s.one_of
                .iter()
                .filter(|&&b| self.check(b, node, path, &mut FirstOnly))
                .count()
                != 1
        {
            fail!();
        }
        valid
    }

    fn string_ok(s: &Schema, text: &str) -> bool {
        if s.min_length.is_some() || s.max_length.is_some() {
            // Lengths count characters (code points), not bytes.
            let n = if text.is_ascii() {
                text.len()
            } else {
                text.chars().count()
            } as u64;
            if s.min_length.is_some_and(|m| n < m) || s.max_length.is_some_and(|m| n > m) {
                return false;
            }
        }
        if let Some(p) = s.pattern
            && !p.matches(text)
        {
            return false;
        }
        !s.uri || is_uri(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_implemented_fails_to_compile_instead_of_being_ignored() {
        for schema in [
            serde_json::json!({ "type": "array", "uniqueItems": true }),
            serde_json::json!({ "type": "string", "pattern": "^x$" }),
            serde_json::json!({ "type": "string", "format": "email" }),
            serde_json::json!({ "const": { "a": 1 } }),
            serde_json::json!({ "$ref": "#/$defs/Missing" }),
        ] {
            assert!(Compiled::new(&schema).is_err(), "{schema}");
        }
        // Unknown format names are annotations, as for `jsonschema`.
        assert!(
            Compiled::new(&serde_json::json!({ "type": "integer", "format": "uint32" })).is_ok()
        );
    }

    #[test]
    fn hand_written_patterns_match_the_regexes() {
        let samples = [
            "",
            "a",
            "-",
            "a-",
            "-a",
            "a-b",
            "ab",
            "A",
            "finance-prod",
            "x1",
            "1f0e5a3c-2b7d-4c1e-9a8f-3d6b2e4c7a10",
            "1F0E5A3C-2B7D-4C1E-9A8F-3D6B2E4C7A10",
            "1f0e5a3c-2b7d-4c1e-9a8f-3d6b2e4c7a1",
            "1f0e5a3c-2b7d-4c1e-9a8f-3d6b2e4c7a100",
            "1f0e5a3c2b7d-4c1e-9a8f-3d6b2e4c7a10-",
            "g f0e5a3c-2b7d-4c1e-9a8f-3d6b2e4c7a1",
            "europe",
            "Europe",
            "a\n",
            "/providers/Microsoft.PowerApps/apis/shared_x.y-z",
            "/providers/Microsoft.PowerApps/apis/",
            "/providers/MicrosoftXPowerApps/apis/a",
            "/providers/Microsoft.PowerApps/apis/a/b",
            "é",
            &"a".repeat(63),
            &"a".repeat(64),
            &format!("a{}b", "-".repeat(61)),
            &format!("a{}b", "-".repeat(62)),
        ];
        for pattern in [
            doc::NAME_PATTERN,
            doc::GUID_PATTERN,
            LOWER_LETTERS_PATTERN,
            CONNECTOR_ID_PATTERN,
        ] {
            let reference = jsonschema::validator_for(&serde_json::json!({ "pattern": pattern }))
                .expect("compiles");
            for sample in samples {
                assert_eq!(
                    Pattern::of(pattern).expect("implemented").matches(sample),
                    reference.is_valid(&Json::String(sample.to_owned())),
                    "{pattern} on {sample:?}"
                );
            }
        }
    }
}
