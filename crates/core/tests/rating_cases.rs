//! Data-driven connector rating evaluation.
//!
//! Each folder in `tests/rating/` holds `policies.yaml` (a repository with a `ConnectorRating`,
//! which must validate) and `connectors.json`: `extra`, connectors added to the catalog in its
//! JSON form (custom connectors found live, connectors with metadata the bundled catalog
//! lacks), and `rate`, the connectors to rate (as a user writes them). Each connector's level
//! and explanation are snapshotted next to the inputs.
//!
//! Accept intended changes with `INSTA_UPDATE=always cargo test -p ppgov-core --test rating_cases`.

use ppgov_core::SourceMap;
use ppgov_core::catalog::{Connector, Resolved};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Cases {
    #[serde(default)]
    extra: Vec<Connector>,
    rate: Vec<String>,
}

#[test]
fn ratings_evaluate_as_recorded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rating");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/rating")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut rated = 0;
    for case in &cases {
        let mut sources = SourceMap::new();
        let policies = case.join("policies.yaml");
        sources.add(
            "policies.yaml",
            std::fs::read_to_string(&policies).expect("policies.yaml"),
        );
        let loaded = ppgov_core::load(sources);
        assert!(
            !loaded.has_errors(),
            "{}: {:#?}",
            case.display(),
            loaded.diagnostics
        );
        let rating = loaded
            .desired
            .connector_rating
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no ConnectorRating", case.display()));
        let inputs: Cases = serde_json::from_str(
            &std::fs::read_to_string(case.join("connectors.json")).expect("connectors.json"),
        )
        .expect("connectors.json");
        let mut catalog = loaded.catalog.clone();
        for c in inputs.extra {
            assert!(
                catalog.insert(c),
                "{}: extra connector twice",
                case.display()
            );
        }
        let mut out = String::new();
        for written in &inputs.rate {
            let connector = match catalog.resolve(written) {
                Resolved::Known(c) => c,
                other => panic!("{}: `{written}`: {other:?}", case.display()),
            };
            let r = rating.rate(connector);
            let approvers: Vec<String> = rating.approvers(connector).into_iter().collect();
            out.push_str(&format!(
                "{written}\n  {}\n  approvers: {}\n",
                r.explain(rating, &connector.id),
                if approvers.is_empty() {
                    "-".into()
                } else {
                    approvers.join(", ")
                }
            ));
            rated += 1;
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(case);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(case.join("connectors.json"));
        settings.bind(|| insta::assert_snapshot!("ratings", out));
    }
    assert!(rated >= 20, "only {rated} rating cases");
}
