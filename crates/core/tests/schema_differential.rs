//! The typed validator that checks documents on the span tree must accept exactly what the
//! generated JSON Schemas accept, as `jsonschema` reads them, and find errors at the same
//! places; and reading a document straight from the tree must give what reading its JSON gives.
//!
//! Inputs: every YAML file of the validate fixtures (ok and err), the sample repository and the
//! examples, each document checked against every kind's schema; then thousands of seeded
//! mutations of the valid ones (wrong types, missing and extra fields, bad names, GUIDs, URLs,
//! lengths, enum values, numbers, lists).

use ppgov_core::doc;
use ppgov_core::schema::{self, Kind};
use ppgov_core::tree_de;
use ppgov_core::yaml::{self, Node, Value};
use ppgov_core::{SourceId, Span};
use std::path::{Path, PathBuf};

fn root_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Every document of the fixtures, the sample repository and the examples.
fn corpus() -> Vec<Node> {
    let mut files = Vec::new();
    for dir in ["tests/fixtures/validate", "policies", "examples"] {
        yaml_files(&root_dir().join(dir), &mut files);
    }
    assert!(files.len() > 100, "found only {} YAML files", files.len());
    let mut docs = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue; // the fixtures include a file that is not UTF-8 on purpose
        };
        let mut diagnostics = Vec::new();
        for document in yaml::parse(SourceId(i as u32), &text, &mut diagnostics) {
            docs.push(document.root);
        }
    }
    docs
}

struct Reference {
    kind: Kind,
    validator: jsonschema::Validator,
}

fn references() -> Vec<Reference> {
    Kind::ALL
        .into_iter()
        .map(|kind| Reference {
            kind,
            validator: jsonschema::options()
                .should_validate_formats(true)
                .build(&schema::kind_schema(kind))
                .expect("generated schemas compile"),
        })
        .collect()
}

/// Compares the tree validator with `jsonschema` on one document; returns whether it is valid.
fn compare(reference: &Reference, root: &Node, what: &str) -> bool {
    let json = root.to_json();
    let expected_valid = reference.validator.is_valid(&json);
    let mut expected_locations: Vec<String> = reference
        .validator
        .iter_errors(&json)
        .map(|e| e.instance_path().as_str().to_owned())
        .collect();
    expected_locations.sort();
    expected_locations.dedup();
    let valid = schema::tree_is_valid(reference.kind, root);
    let locations = schema::tree_error_locations(reference.kind, root)
        .expect("every kind has a tree validator");
    assert_eq!(
        valid, expected_valid,
        "{what} as {}: tree validator says valid={valid}, jsonschema says {expected_valid}\n{json:#}",
        reference.kind
    );
    assert_eq!(
        locations, expected_locations,
        "{what} as {}: error locations differ\n{json:#}",
        reference.kind
    );
    // The first error in document order is then the same too; check it explicitly.
    assert_eq!(
        first_in_document_order(root, &locations),
        first_in_document_order(root, &expected_locations),
    );
    valid
}

/// The location whose node comes first in the file (then the shallowest).
fn first_in_document_order(root: &Node, locations: &[String]) -> Option<String> {
    locations
        .iter()
        .min_by_key(|l| {
            let node = root.locate_pointer(l).node;
            (node.span.start, l.len())
        })
        .cloned()
}

/// For a document valid as `kind` with plain numbers: reading it from the tree gives what
/// reading its JSON gives, and serde accepts it.
fn compare_typed(kind: Kind, root: &Node, what: &str) {
    fn both<S: serde::de::DeserializeOwned + std::fmt::Debug>(root: &Node, what: &str) {
        let from_tree =
            tree_de::take::<doc::Document<S>>(&mut root.clone()).map(|d| format!("{d:?}"));
        let from_json =
            serde_json::from_value::<doc::Document<S>>(root.to_json()).map(|d| format!("{d:?}"));
        match (&from_tree, &from_json) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{what}: typed documents differ"),
            _ => panic!(
                "{what}: from the tree {:?}, from JSON {:?}",
                from_tree.as_ref().map(|_| ()),
                from_json.as_ref().map(|_| ())
            ),
        }
    }
    match kind {
        Kind::Project => both::<doc::ProjectSpec>(root, what),
        Kind::Environment => both::<doc::EnvironmentSpec>(root, what),
        Kind::EnvironmentGroup => both::<doc::EnvironmentGroupSpec>(root, what),
        Kind::DlpPolicy => both::<doc::DlpPolicySpec>(root, what),
        Kind::RoleAssignment => both::<doc::RoleAssignmentSpec>(root, what),
        Kind::TenantSettings => both::<doc::TenantSettingsSpec>(root, what),
        Kind::TenantIsolationPolicy => both::<doc::TenantIsolationPolicySpec>(root, what),
        Kind::ConnectorRating => both::<doc::ConnectorRatingSpec>(root, what),
        Kind::AppCriticality => both::<doc::AppCriticalitySpec>(root, what),
    }
}

/// xorshift64*: seeded, so every run checks the same mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const STRINGS: &[&str] = &[
    "",
    "x",
    "Finance",
    "finance-prod",
    "a-",
    "-a",
    "a_b",
    "inf",
    "1f0e5a3c-2b7d-4c1e-9a8f-3d6b2e4c7a10",
    "1F0E5A3C-2B7D-4C1E-9A8F-3D6B2E4C7A10",
    "1f0e5a3c-2b7d-4c1e-9a8f-3d6b2e4c7a1",
    "https://contoso.com/welcome",
    "not a url",
    "http://",
    "all",
    "allExcept",
    "only",
    "business",
    "nonBusiness",
    "blocked",
    "ignore",
    "allow",
    "block",
    "deny",
    "Production",
    "Sandbox",
    "production",
    "user",
    "group",
    "servicePrincipal",
    "environmentAdmin",
    "reader",
    "shared",
    "exclusive",
    "public",
    "gcc",
    "bundled",
    "tenant",
    "europe",
    "Europe",
    "*",
    "/providers/Microsoft.PowerApps/apis/shared_custom",
    "/providers/Microsoft.PowerApps/apis/",
    "ppgov.dev/v1",
    "Environment",
    "DlpPolicy",
    "Finanças",
    "éé",
];

const KEYS: &[&str] = &[
    "bogus",
    "name",
    "id",
    "displayName",
    "labels",
    "description",
    "environments",
    "environment",
    "environmentGroup",
    "tenant",
    "mode",
    "type",
    "group",
    "days",
    "maxUsers",
    "enabled",
    "default",
    "business",
    "pattern",
    "rules",
    "connector",
    "behavior",
    "url",
    "baseUrl",
    "powerPlatform",
    "shareWithColleaguesUserLimit",
];

fn scalar(rng: &mut Rng, span: Span) -> Node {
    let value = match rng.below(14) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::Int(*rng.pick(&[
            0,
            1,
            -1,
            7,
            14,
            20,
            28,
            99,
            100,
            5_000_000_000,
            4_294_967_295,
        ])),
        3 => Value::Float(*rng.pick(&[
            1.5,
            10.0,
            7.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e300,
        ])),
        4 => Value::Str("x".repeat(*rng.pick(&[62, 63, 64, 100, 101, 200, 201, 256, 257, 1001]))),
        _ => Value::Str((*rng.pick(STRINGS)).to_owned()),
    };
    Node {
        span,
        value,
        flags: 0,
    }
}

fn key(name: &str, span: Span) -> Node {
    Node {
        span,
        value: Value::Str(name.to_owned()),
        flags: 0,
    }
}

/// Every node's path from the root (indices into maps' entries and sequences' items).
fn node_paths(node: &Node, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(here.clone());
    match &node.value {
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                here.push(i);
                node_paths(item, here, out);
                here.pop();
            }
        }
        Value::Map(entries) => {
            for (i, (_, v)) in entries.iter().enumerate() {
                here.push(i);
                node_paths(v, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn node_at<'a>(node: &'a mut Node, path: &[usize]) -> &'a mut Node {
    match path.split_first() {
        None => node,
        Some((&i, rest)) => match &mut node.value {
            Value::Seq(items) => node_at(&mut items[i], rest),
            Value::Map(entries) => node_at(&mut entries[i].1, rest),
            _ => unreachable!("paths follow the tree"),
        },
    }
}

fn mutate(rng: &mut Rng, root: &mut Node) {
    let mut paths = Vec::new();
    node_paths(root, &mut Vec::new(), &mut paths);
    let path = rng.pick(&paths).clone();
    let node = node_at(root, &path);
    let span = node.span;
    match rng.below(10) {
        0..=2 => *node = scalar(rng, span),
        3 => {
            node.value = match rng.below(4) {
                0 => Value::Seq(Vec::new()),
                1 => Value::Seq(vec![scalar(rng, span)]),
                2 => Value::Map(Vec::new()),
                _ => {
                    let name = *rng.pick(KEYS);
                    Value::Map(vec![(key(name, span), scalar(rng, span))])
                }
            }
        }
        4 => match &mut node.value {
            Value::Map(entries) if !entries.is_empty() => {
                let i = rng.below(entries.len());
                entries.remove(i);
            }
            Value::Seq(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                items.remove(i);
            }
            _ => *node = scalar(rng, span),
        },
        5 => match &mut node.value {
            Value::Map(entries) => {
                let name = *rng.pick(KEYS);
                if !entries.iter().any(|(k, _)| k.as_str() == Some(name)) {
                    let value = scalar(rng, span);
                    entries.push((key(name, span), value));
                }
            }
            Value::Seq(items) if !items.is_empty() => {
                let copy = items[rng.below(items.len())].clone();
                items.push(copy);
            }
            _ => *node = scalar(rng, span),
        },
        6 => {
            // Wrap in a list, or unwrap a list's first item.
            let taken = std::mem::replace(&mut node.value, Value::Null);
            node.value = match taken {
                Value::Seq(mut items) if !items.is_empty() => items.swap_remove(0).value,
                other => Value::Seq(vec![Node {
                    span,
                    value: other,
                    flags: 0,
                }]),
            };
        }
        _ => {
            if let Value::Str(s) = &mut node.value {
                match rng.below(6) {
                    0 => s.push('x'),
                    1 => s.push('-'),
                    2 => *s = s.to_uppercase(),
                    3 => {
                        s.pop();
                    }
                    4 => *s = s.replace('-', "_"),
                    _ => s.insert(0, ' '),
                }
            } else if let Value::Int(i) = node.value {
                // Near misses for numbers: the same value as a float, the next one, quoted.
                node.value = match rng.below(4) {
                    0 => Value::Float(i as f64),
                    1 => Value::Int(i + 1),
                    2 => Value::Int(i - 1),
                    _ => Value::Str(i.to_string()),
                };
            } else if let Value::Bool(b) = node.value {
                node.value = Value::Str(b.to_string());
            } else {
                *node = scalar(rng, span);
            }
        }
    }
}

#[test]
fn tree_validator_agrees_with_jsonschema_on_every_fixture_for_every_kind() {
    let references = references();
    let docs = corpus();
    let mut valid = 0;
    for (i, root) in docs.iter().enumerate() {
        for reference in &references {
            if compare(reference, root, &format!("document {i}")) {
                valid += 1;
                if tree_de::plain_numbers(root) {
                    compare_typed(reference.kind, root, &format!("document {i}"));
                }
            }
        }
    }
    assert!(
        valid > 50,
        "only {valid} valid (document, kind) pairs in the corpus"
    );
}

#[test]
fn tree_validator_agrees_with_jsonschema_on_seeded_mutations() {
    let references = references();
    // The valid documents of the corpus, each with its own kind.
    let bases: Vec<(&Reference, Node)> = corpus()
        .into_iter()
        .filter_map(|root| {
            let kind = root
                .get("kind")
                .and_then(Node::as_str)
                .and_then(Kind::parse)?;
            let reference = references.iter().find(|r| r.kind == kind)?;
            reference
                .validator
                .is_valid(&root.to_json())
                .then_some((reference, root))
        })
        .collect();
    assert!(
        bases.len() > 30,
        "only {} valid base documents",
        bases.len()
    );
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let (mut accepted, mut rejected) = (0, 0);
    const MUTATIONS: usize = 6_000;
    for n in 0..MUTATIONS {
        let (reference, base) = &bases[n % bases.len()];
        let mut root = base.clone();
        for _ in 0..=rng.below(3) {
            mutate(&mut rng, &mut root);
        }
        let what = format!("mutation {n}");
        if compare(reference, &root, &what) {
            accepted += 1;
            // The documents the loader reads from the tree; the others go through JSON.
            if tree_de::plain_numbers(&root) {
                compare_typed(reference.kind, &root, &what);
            }
        } else {
            rejected += 1;
        }
    }
    // Both outcomes must be well represented for the comparison to mean something.
    assert!(
        accepted > MUTATIONS / 20 && rejected > MUTATIONS / 2,
        "accepted {accepted}, rejected {rejected}"
    );
}
