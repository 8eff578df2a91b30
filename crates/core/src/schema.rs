//! JSON Schemas generated from [`crate::doc`], and the mapping of schema errors to diagnostics.
//!
//! Each kind has its own schema (used for validation), and one combined schema dispatches on
//! `kind` for editors (`# yaml-language-server: $schema=...`). `ppgov schema` writes them to
//! `schemas/`; a test fails when the committed files are stale.

use crate::diag::{Code, Diagnostic};
use crate::doc;
use crate::source::Span;
use crate::yaml::{Node, flags};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use crate::kind::Kind;

const SCHEMA_BASE: &str = "https://ppgov.dev/schemas/v1/";

/// The schema of one kind of document.
pub fn kind_schema(kind: Kind) -> Value {
    let schema = kind.document_schema();
    let mut schema = schema.to_value();
    let obj = schema.as_object_mut().expect("schemars emits an object");
    obj.insert(
        "$id".into(),
        json!(format!("{SCHEMA_BASE}{}", kind.schema_file())),
    );
    obj.insert("title".into(), json!(format!("ppgov {kind}")));
    let props = obj
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .expect("documents have properties");
    props.insert(
        "apiVersion".into(),
        json!({ "description": "Always `ppgov.dev/v1`.", "const": doc::API_VERSION }),
    );
    props.insert(
        "kind".into(),
        json!({ "description": "The kind of resource this document declares.", "const": kind.as_str() }),
    );
    schema
}

/// One schema for every document, dispatching on `kind`: what editors use.
pub fn combined_schema() -> Value {
    let mut defs = Map::new();
    let mut branches = Vec::new();
    for kind in Kind::ALL {
        let mut schema = kind_schema(kind);
        let obj = schema.as_object_mut().expect("object");
        if let Some(Value::Object(kind_defs)) = obj.remove("$defs") {
            for (name, def) in kind_defs {
                if let Some(existing) = defs.get(&name) {
                    assert_eq!(
                        existing, &def,
                        "schema definition {name} differs between kinds"
                    );
                }
                defs.insert(name, def);
            }
        }
        obj.remove("$schema");
        obj.remove("$id");
        defs.insert(kind.as_str().to_owned(), schema);
        branches.push(json!({
            "if": { "properties": { "kind": { "const": kind.as_str() } }, "required": ["kind"] },
            "then": { "$ref": format!("#/$defs/{kind}") }
        }));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{SCHEMA_BASE}ppgov.schema.json"),
        "title": "ppgov policy document",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": { "const": doc::API_VERSION },
            "kind": { "enum": Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>() },
        },
        "allOf": branches,
        "$defs": defs,
    })
}

/// Every schema file `ppgov schema` writes: (file name, pretty JSON with a final newline).
pub fn schema_files() -> Vec<(String, String)> {
    let pretty = |v: &Value| {
        let mut s = serde_json::to_string_pretty(v).expect("schemas serialize");
        s.push('\n');
        s
    };
    let mut files = vec![("ppgov.schema.json".to_owned(), pretty(&combined_schema()))];
    for kind in Kind::ALL {
        files.push((kind.schema_file(), pretty(&kind_schema(kind))));
    }
    files
}

struct Compiled {
    schema: Value,
    validator: Validator,
}

/// The `jsonschema` validators, compiled on first use: only documents that fail the tree
/// validator need them, so a clean run never pays for compiling them.
fn compiled(kind: Kind) -> &'static Compiled {
    static COMPILED: OnceLock<BTreeMap<Kind, Compiled>> = OnceLock::new();
    &COMPILED.get_or_init(|| {
        Kind::ALL
            .into_iter()
            .map(|k| {
                let schema = kind_schema(k);
                let validator = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&schema)
                    .expect("generated schemas compile");
                (k, Compiled { schema, validator })
            })
            .collect()
    })[&kind]
}

/// The same schemas as typed validators on the span tree: the fast path. `None` for a kind
/// whose schema uses something the typed validator does not implement: its documents take
/// the JSON path (a unit test keeps every kind compiling).
fn compiled_tree(kind: Kind) -> Option<&'static crate::compiled_schema::Compiled> {
    type Tree = Result<crate::compiled_schema::Compiled, String>;
    static COMPILED: OnceLock<BTreeMap<Kind, Tree>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            Kind::ALL
                .into_iter()
                .map(|k| (k, crate::compiled_schema::Compiled::new(&kind_schema(k))))
                .collect()
        })
        .get(&kind)
        .and_then(|c| c.as_ref().ok())
}

/// Whether the JSON form of a document (`Node::to_json`) is valid for its kind's schema,
/// decided on the tree itself, without building the JSON.
pub fn tree_is_valid(kind: Kind, root: &Node) -> bool {
    compiled_tree(kind).is_some_and(|c| c.is_valid(root))
}

/// Where the tree validator finds errors (JSON pointers, sorted, without repeats): the
/// instance locations `jsonschema` reports for the JSON form; `None` if the kind has no tree
/// validator. For differential tests.
#[doc(hidden)]
pub fn tree_error_locations(kind: Kind, root: &Node) -> Option<Vec<String>> {
    compiled_tree(kind).map(|c| c.error_locations(root))
}

/// What schema validation concluded about one document.
pub enum Validity {
    Valid,
    /// Only unknown fields (already reported): the document can still be read once these
    /// keys (JSON-pointer segments) are removed, so later checks still run on it.
    UnknownFieldsOnly(Vec<Vec<String>>),
    Invalid,
}

/// Validates one document, appending diagnostics to `out`.
pub fn validate(kind: Kind, root: &Node, json: &Value, out: &mut Vec<Diagnostic>) -> Validity {
    let compiled = compiled(kind);
    if compiled.validator.is_valid(json) {
        return Validity::Valid;
    }
    let mut unknown = Vec::new();
    let mut hard = false;
    let errors: Vec<ValidationError<'_>> = compiled.validator.iter_errors(json).collect();
    for error in &errors {
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let path = segments(error.instance_path());
                unknown.extend(unexpected.iter().map(|field| {
                    let mut p = path.clone();
                    p.push(field.clone());
                    p
                }));
            }
            _ => hard = true,
        }
    }
    let cx = Cx {
        root,
        instance_root: json,
        schema: &compiled.schema,
    };
    report_all(&errors, &cx, out);
    if hard {
        Validity::Invalid
    } else {
        Validity::UnknownFieldsOnly(unknown)
    }
}

/// Removes the keys at `paths` from `json`.
pub fn remove_paths(json: &mut Value, paths: &[Vec<String>]) {
    for path in paths {
        let Some((last, parents)) = path.split_last() else {
            continue;
        };
        let pointer: String = parents
            .iter()
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect();
        if let Some(Value::Object(m)) = json.pointer_mut(&pointer) {
            m.remove(last);
        }
    }
}

fn segments(location: &jsonschema::paths::Location) -> Vec<String> {
    location
        .as_str()
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The schema object that holds the keyword at `schema_path` (the path minus its keyword).
fn schema_parent<'a>(schema: &'a Value, schema_path: &[String]) -> Option<&'a Value> {
    let mut here = schema;
    for segment in &schema_path[..schema_path.len().saturating_sub(1)] {
        here = match here {
            Value::Object(m) => m.get(segment)?,
            Value::Array(a) => a.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(here)
}

fn resolve_ref<'a>(schema: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|p| schema.pointer(p))
            .unwrap_or(node),
        None => node,
    }
}

fn property_names(parent: Option<&Value>) -> Vec<String> {
    parent
        .and_then(|p| p.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The last named field on an instance path, for messages ("in `spec.scope`").
fn context(path: &[String]) -> String {
    if path.is_empty() {
        "the document".to_owned()
    } else {
        format!("`{}`", path.join("."))
    }
}

fn describe_json(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// Reports a set of sibling errors. A value of the wrong type also fails its enum; only the
/// type error is reported, as it says more.
/// What reporting needs besides the error: the YAML tree (spans), the JSON instance
/// (values) and the schema (allowed fields and forms).
struct Cx<'a> {
    root: &'a Node,
    instance_root: &'a Value,
    schema: &'a Value,
}

fn report_all(errors: &[ValidationError<'_>], cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let type_errors: Vec<&str> = errors
        .iter()
        .filter(|e| matches!(e.kind(), ValidationErrorKind::Type { .. }))
        .map(|e| e.instance_path().as_str())
        .collect();
    for error in errors {
        let redundant = matches!(
            error.kind(),
            ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. }
        ) && type_errors.contains(&error.instance_path().as_str());
        if !redundant {
            report(error, cx, out);
        }
    }
}

fn report(error: &ValidationError<'_>, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
    let (root, instance_root, schema) = (cx.root, cx.instance_root, cx.schema);
    let path = segments(error.instance_path());
    let schema_path = segments(error.schema_path());
    if root.flagged_on_path(&path, flags::POISONED) {
        return;
    }
    let located = root.locate(&path);
    let node = located.node;
    // Values come from the JSON instance: the YAML tree keeps only structure and spans once
    // its scalars have moved into the JSON.
    let instance = instance_root
        .pointer(error.instance_path().as_str())
        .unwrap_or(&Value::Null);
    let value_span = node.span;
    let anchor_span = located.key.unwrap_or(value_span);
    let parent = schema_parent(schema, &schema_path);
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = property_names(parent);
            for field in unexpected {
                let key_span = node.entry(field).map_or(value_span, |(k, _)| k.span);
                let mut d = Diagnostic::new(
                    Code::UnknownField,
                    format!("unknown field `{field}` in {}", context(&path)),
                )
                .at(key_span, "not a field here");
                d = match crate::suggest::closest(field, &allowed) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!("allowed fields: {}", allowed.join(", "))),
                };
                out.push(d);
            }
        }
        ValidationErrorKind::Required { property } => {
            if node.flags & flags::INCOMPLETE != 0 {
                return;
            }
            let property = property.as_str().unwrap_or_default();
            let span = if path.is_empty() {
                value_span.start_point()
            } else {
                anchor_span
            };
            let description = parent
                .and_then(|p| p.get("properties"))
                .and_then(|p| p.get(property))
                .map(|p| resolve_ref(schema, p))
                .and_then(|p| p.get("description"))
                .and_then(Value::as_str);
            let mut d = Diagnostic::new(
                Code::MissingField,
                format!("missing required field `{property}` in {}", context(&path)),
            )
            .at(span, format!("`{property}` is required here"));
            d = d.help(match description {
                Some(desc) => format!("add `{property}:` ({})", first_sentence(desc)),
                None => format!("add `{property}:`"),
            });
            out.push(d);
        }
        ValidationErrorKind::Type { kind } => {
            if node.flags & flags::YAML11_BOOL != 0 {
                return;
            }
            let _ = kind;
            let expected = parent.map_or_else(|| "another type".to_owned(), schema_type_words);
            let mut d = Diagnostic::new(
                Code::WrongType,
                format!(
                    "expected {expected} for {}, found {}",
                    context(&path),
                    json_type_name(instance)
                ),
            )
            .at(value_span, format!("{} here", json_type_name(instance)));
            if let Value::String(s) = instance {
                if expected.contains("boolean") && (s == "true" || s == "false") {
                    d = d.help("remove the quotes to make it a boolean");
                } else if expected.contains("integer") && s.parse::<i64>().is_ok() {
                    d = d.help("remove the quotes to make it a number");
                } else if expected.contains("a list")
                    && let Some(item) = s
                        .split_whitespace()
                        .next()
                        .and_then(|w| w.strip_prefix('-'))
                    && !item.is_empty()
                {
                    d = d.help(format!(
                        "a list item needs a space after `-`: write `- {item}`, one item per line"
                    ));
                } else if expected.contains("a mapping")
                    && let Some((key, value)) = s.split_once(':')
                    && !key.is_empty()
                    && !key.contains(char::is_whitespace)
                    && !value.is_empty()
                    && !value.starts_with([' ', '/'])
                {
                    d = d.help(format!(
                        "a key needs a space after its colon: write `{key}: {value}`, not `{s}`"
                    ));
                }
            }
            if d.help.is_none() {
                if instance.is_null() {
                    d = d.help("the value is empty; write one after the colon");
                } else {
                    d = d.help(format!("write {expected} here"));
                }
            }
            out.push(d);
        }
        ValidationErrorKind::Enum { options } => {
            if node.flags & flags::YAML11_BOOL != 0 {
                return;
            }
            let options: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|o| o.as_str().map_or(o.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            out.push(not_allowed(instance, &options, &path, value_span));
        }
        ValidationErrorKind::Constant { expected_value } => {
            if node.flags & flags::YAML11_BOOL != 0 {
                return;
            }
            let (code, help) = match path.last().map(String::as_str) {
                Some("apiVersion") => (
                    Code::ApiVersion,
                    "use `apiVersion: ppgov.dev/v1`".to_owned(),
                ),
                _ => (
                    Code::InvalidValue,
                    format!("write {}", describe_json(expected_value)),
                ),
            };
            out.push(
                Diagnostic::new(
                    code,
                    format!(
                        "{} must be {}",
                        context(&path),
                        describe_json(expected_value)
                    ),
                )
                .at(value_span, "not allowed")
                .help(help),
            );
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            let range = parent
                .map(describe_range)
                .unwrap_or_else(|| format!("limit {limit}"));
            out.push(
                Diagnostic::new(
                    Code::OutOfRange,
                    format!("{} is out of range for {}", instance, context(&path)),
                )
                .at(value_span, "out of range")
                .help(format!("allowed: {range}")),
            );
        }
        ValidationErrorKind::MinLength { limit } | ValidationErrorKind::MaxLength { limit } => {
            let too = if matches!(error.kind(), ValidationErrorKind::MinLength { .. }) {
                format!("at least {limit} character{}", plural(*limit))
            } else {
                format!("at most {limit} character{}", plural(*limit))
            };
            out.push(
                Diagnostic::new(
                    Code::OutOfRange,
                    format!("{} must have {too}", context(&path)),
                )
                .at(value_span, "wrong length")
                .help(format!("write a value with {too}")),
            );
        }
        ValidationErrorKind::MinItems { limit } | ValidationErrorKind::MaxItems { limit } => {
            let too = if matches!(error.kind(), ValidationErrorKind::MinItems { .. }) {
                format!("at least {limit} item{}", plural(*limit))
            } else {
                format!("at most {limit} item{}", plural(*limit))
            };
            out.push(
                Diagnostic::new(
                    Code::OutOfRange,
                    format!("{} must have {too}", context(&path)),
                )
                .at(anchor_span, "wrong number of items")
                .help(format!("list {too}")),
            );
        }
        ValidationErrorKind::MinProperties { .. } | ValidationErrorKind::MaxProperties { .. } => {
            let names = property_names(parent);
            out.push(
                Diagnostic::new(
                    Code::SchemaViolation,
                    format!(
                        "{} must set exactly one of {}",
                        context(&path),
                        names.join(", ")
                    ),
                )
                .at(anchor_span, "here")
                .help(format!("keep exactly one of: {}", names.join(", "))),
            );
        }
        ValidationErrorKind::Pattern { pattern } => {
            let written = instance.as_str().unwrap_or_default();
            let (message, help) = if pattern == doc::NAME_PATTERN {
                (
                    format!("`{written}` is not a valid name"),
                    "names use lower-case letters, digits and `-` (at most 63), e.g. `finance-prod`".to_owned(),
                )
            } else if pattern == doc::GUID_PATTERN {
                (
                    format!("`{written}` is not a GUID"),
                    "write the id as 8-4-4-4-12 hex digits, e.g. `1f0e5a3c-2b7d-4c1e-9a8f-3d6b2e4c7a10`".to_owned(),
                )
            } else {
                (
                    format!("`{written}` has the wrong format for {}", context(&path)),
                    format!("the value must match `{pattern}`"),
                )
            };
            out.push(
                Diagnostic::new(Code::BadFormat, message)
                    .at(value_span, "wrong format")
                    .help(help),
            );
        }
        ValidationErrorKind::Format { format } => {
            let written = instance.as_str().unwrap_or_default();
            let what = if format == "uri" {
                "an absolute URL"
            } else {
                format.as_str()
            };
            out.push(
                Diagnostic::new(Code::BadFormat, format!("`{written}` is not {what}"))
                    .at(value_span, "wrong format")
                    .help(format!("write {what}, e.g. `https://contoso.com/welcome`")),
            );
        }
        ValidationErrorKind::AnyOf { context: branches }
        | ValidationErrorKind::OneOfNotValid { context: branches } => {
            report_alternatives(error, branches, &path, node, cx, out);
        }
        _ => {
            out.push(
                Diagnostic::new(
                    Code::SchemaViolation,
                    format!("{} is invalid: {error}", context(&path)),
                )
                .at(value_span, "here")
                .help("see the schema in `schemas/` for what is allowed"),
            );
        }
    }
}

/// For `anyOf`/`oneOf` failures: an enum written as one constant per variant is reported as
/// an enum; if exactly one alternative fits the value's type, its own errors are reported;
/// otherwise one message lists the allowed forms.
fn report_alternatives(
    error: &ValidationError<'_>,
    branches: &[Vec<ValidationError<'static>>],
    path: &[String],
    node: &Node,
    cx: &Cx<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let (instance_root, schema) = (cx.instance_root, cx.schema);
    let instance = instance_root
        .pointer(error.instance_path().as_str())
        .unwrap_or(&Value::Null);
    let schema_path = segments(error.schema_path());
    let alternatives: Vec<&Value> = schema_parent(schema, &schema_path)
        .and_then(|p| p.get(schema_path.last().map(String::as_str).unwrap_or("anyOf")))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    // An enum whose variants carry docs becomes one `const` (or `enum` of the undocumented
    // ones) per branch: when every branch is a list of values, report it as an enum.
    let values_of = |branch: &Value| -> Option<Vec<String>> {
        let branch = resolve_ref(schema, branch);
        let values: Vec<&Value> = match (branch.get("const"), branch.get("enum")) {
            (Some(c), _) => vec![c],
            (None, Some(Value::Array(e))) => e.iter().collect(),
            _ => return None,
        };
        Some(
            values
                .into_iter()
                .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
                .collect(),
        )
    };
    let per_branch: Vec<Option<Vec<String>>> = alternatives.iter().map(|b| values_of(b)).collect();
    let all_values = !per_branch.is_empty() && per_branch.iter().all(Option::is_some);
    let consts: Vec<String> = per_branch.into_iter().flatten().flatten().collect();
    if all_values {
        if node.flags & flags::YAML11_BOOL != 0 {
            return;
        }
        out.push(not_allowed(instance, &consts, path, node.span));
        return;
    }
    let type_mismatch_here = |errors: &Vec<ValidationError<'static>>| {
        errors.iter().any(|e| {
            matches!(e.kind(), ValidationErrorKind::Type { .. })
                && segments(e.instance_path()) == path
        })
    };
    let candidates: Vec<&Vec<ValidationError<'static>>> = branches
        .iter()
        .filter(|errors| !type_mismatch_here(errors))
        .collect();
    if let [only] = candidates.as_slice() {
        report_all(only, cx, out);
        return;
    }
    let mut forms: Vec<String> = alternatives
        .iter()
        .filter_map(|b| describe_form(schema, b))
        .collect();
    forms.dedup();
    let forms = forms.join(", or ");
    let d = if candidates.is_empty() {
        Diagnostic::new(
            Code::WrongType,
            format!(
                "{} has the wrong type: found {}",
                context(path),
                json_type_name(instance)
            ),
        )
        .at(node.span, format!("{} here", json_type_name(instance)))
    } else {
        Diagnostic::new(
            Code::SchemaViolation,
            format!("{} matches none of its allowed forms", context(path)),
        )
        .at(node.span, "not an allowed form")
    };
    out.push(d.help(format!("write {forms}")));
}

/// "`x` is not an allowed value", with the closest allowed value as a suggestion.
fn not_allowed(instance: &Value, options: &[String], path: &[String], span: Span) -> Diagnostic {
    let written = match instance {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let d = Diagnostic::new(
        Code::InvalidValue,
        format!("`{written}` is not an allowed value for {}", context(path)),
    )
    .at(span, "not allowed");
    match crate::suggest::closest(&written, options) {
        Some(s) => d.help(format!(
            "did you mean `{s}`? allowed: {}",
            options.join(", ")
        )),
        None => d.help(format!("allowed: {}", options.join(", "))),
    }
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn describe_range(parent: &Value) -> String {
    match (parent.get("minimum"), parent.get("maximum")) {
        (Some(min), Some(max)) => format!("{min} to {max}"),
        (Some(min), None) => format!("{min} or more"),
        (None, Some(max)) => format!("up to {max}"),
        (None, None) => "see the schema".to_owned(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn first_sentence(s: &str) -> String {
    let s = s.split("\n\n").next().unwrap_or(s).replace('\n', " ");
    s.trim_end_matches('.').to_owned()
}

/// Describes a schema's `type` keyword in words, leaving out `null` (optional fields accept it
/// but nobody means to write it).
fn schema_type_words(schema_object: &Value) -> String {
    let types: Vec<&str> = match schema_object.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut words: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null" || types.len() == 1)
        .map(|t| match *t {
            "boolean" => "a boolean",
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "array" => "a list",
            "object" => "a mapping",
            _ => "null",
        })
        .collect();
    words.dedup();
    if words.is_empty() {
        "another type".to_owned()
    } else {
        words.join(" or ")
    }
}

/// How a user would write a value that fits `branch` (for "expected one of" messages).
fn describe_form(schema: &Value, branch: &Value) -> Option<String> {
    let branch = resolve_ref(schema, branch);
    if let Some(c) = branch.get("const") {
        return Some(describe_json(c));
    }
    if let Some(Value::Array(values)) = branch.get("enum") {
        return Some(
            values
                .iter()
                .map(describe_json)
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    match branch.get("type").and_then(Value::as_str) {
        Some("object") => {
            let required: Vec<&str> = branch
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            Some(if required.is_empty() {
                "a mapping".to_owned()
            } else {
                format!(
                    "`{{{}}}`",
                    required
                        .iter()
                        .map(|k| format!("{k}: ..."))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        }
        Some("string") => Some(match branch.get("pattern").and_then(Value::as_str) {
            Some(p) if p == doc::NAME_PATTERN => {
                "a name (lower-case, e.g. `finance-prod`)".to_owned()
            }
            _ => "a string".to_owned(),
        }),
        Some(other) => Some(other.to_owned()),
        None => branch.get("$ref").map(|_| "a mapping".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_compiles_and_combined_schema_merges() {
        for kind in Kind::ALL {
            let _ = compiled(kind);
            let tree = crate::compiled_schema::Compiled::new(&kind_schema(kind));
            assert!(
                tree.is_ok(),
                "{kind}: the tree validator cannot compile its schema: {:?}",
                tree.err()
            );
        }
        let combined = combined_schema();
        jsonschema::validator_for(&combined).expect("combined schema compiles");
    }

    #[test]
    fn schema_file_names() {
        assert_eq!(Kind::DlpPolicy.schema_file(), "dlp-policy.schema.json");
        assert_eq!(
            Kind::EnvironmentGroup.schema_file(),
            "environment-group.schema.json"
        );
    }
}
