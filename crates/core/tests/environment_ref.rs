//! `EnvironmentRef`'s hand-written `Deserialize` reads exactly what `#[serde(untagged)]` over
//! the same variants reads, with the same error, from JSON and from the span tree.

use ppgov_core::doc::{EnvironmentByDisplayName, EnvironmentById, EnvironmentRef, Name};
use ppgov_core::{SourceId, tree_de, yaml};
use serde::Deserialize;

/// What the type derived before it was written by hand.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Untagged {
    Name(Name),
    Id(EnvironmentById),
    DisplayName(EnvironmentByDisplayName),
}

impl From<Untagged> for EnvironmentRef {
    fn from(u: Untagged) -> Self {
        match u {
            Untagged::Name(n) => EnvironmentRef::Name(n),
            Untagged::Id(i) => EnvironmentRef::Id(i),
            Untagged::DisplayName(d) => EnvironmentRef::DisplayName(d),
        }
    }
}

const CASES: &[&str] = &[
    "env-1",
    "'quoted name'",
    "{id: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}",
    "{displayName: Contoso Production}",
    "{displayName: ''}",
    "{id: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0, displayName: both}",
    "{displayName: first, id: second}",
    "{id: x, other: 1}",
    "{other: 1}",
    "{}",
    "{id: 5}",
    "{id: null}",
    "{displayName: [a]}",
    "5",
    "-3",
    "1.5",
    "true",
    "null",
    "[env-1]",
    "[env-1, env-2]",
    "[5]",
    "[]",
    "{id: [a]}",
];

fn tree(text: &str) -> yaml::Node {
    let mut diagnostics = Vec::new();
    let mut docs = yaml::parse(SourceId(0), text, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{text}: {diagnostics:?}");
    docs.remove(0).root
}

/// The result, with the error as text (naming the enum as the old derive did).
fn outcome<E: std::fmt::Display>(r: Result<EnvironmentRef, E>) -> Result<EnvironmentRef, String> {
    r.map_err(|e| {
        e.to_string()
            .replace("enum Untagged", "enum EnvironmentRef")
    })
}

#[test]
fn reads_what_untagged_reads_from_json_and_from_the_tree() {
    for text in CASES {
        let json = tree(text).to_json();
        let expected = outcome(serde_json::from_value::<Untagged>(json.clone()).map(Into::into));
        let from_json = outcome(serde_json::from_value::<EnvironmentRef>(json));
        assert_eq!(from_json, expected, "from JSON: {text}");
        let from_tree = outcome(tree_de::take::<EnvironmentRef>(&mut tree(text)));
        let expected_from_tree =
            outcome(tree_de::take::<Untagged>(&mut tree(text)).map(Into::into));
        assert_eq!(from_tree, expected_from_tree, "from the tree: {text}");
    }
    // The cases cover every variant and failures.
    let read: Vec<_> = CASES
        .iter()
        .filter_map(|t| serde_json::from_value::<EnvironmentRef>(tree(t).to_json()).ok())
        .collect();
    assert!(read.iter().any(|r| matches!(r, EnvironmentRef::Name(_))));
    assert!(read.iter().any(|r| matches!(r, EnvironmentRef::Id(_))));
    assert!(
        read.iter()
            .any(|r| matches!(r, EnvironmentRef::DisplayName(_)))
    );
    assert!(read.len() < CASES.len());
}
