//! Data-driven app criticality evaluation.
//!
//! Each folder in `tests/app_criticality/` holds `policies.yaml` (a repository with an
//! `AppCriticality`, which must validate) and optionally `tenant.json` (else the shared
//! `tests/app_criticality/tenant.json`): an `Observed` tenant in its JSON form (environments,
//! groups, the inventory) plus `today`. Every app's level, why, process, last review and what
//! is due are snapshotted next to the inputs.
//!
//! Accept intended changes with
//! `INSTA_UPDATE=always cargo test -p ppgov-core --test app_criticality_cases`.

use ppgov_core::SourceMap;
use ppgov_core::app_criticality::AppFacts;
use ppgov_core::observed::Observed;
use ppgov_core::rating::Date;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Tenant {
    today: String,
    #[serde(flatten)]
    observed: Observed,
}

#[test]
fn criticality_evaluates_as_recorded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/app_criticality");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/app_criticality")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut evaluated = 0;
    for case in &cases {
        let mut sources = SourceMap::new();
        sources.add(
            "policies.yaml",
            std::fs::read_to_string(case.join("policies.yaml")).expect("policies.yaml"),
        );
        let loaded = ppgov_core::load(sources);
        assert!(
            !loaded.has_errors(),
            "{}: {:#?}",
            case.display(),
            loaded.diagnostics
        );
        let criticality = loaded
            .desired
            .app_criticality
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no AppCriticality", case.display()));
        let tenant_file = [case.join("tenant.json"), dir.join("tenant.json")]
            .into_iter()
            .find(|p| p.exists())
            .expect("tenant.json");
        let tenant: Tenant =
            serde_json::from_str(&std::fs::read_to_string(&tenant_file).expect("tenant.json"))
                .unwrap_or_else(|e| panic!("{}: {e}", tenant_file.display()));
        let today = Date::parse(&tenant.today).expect("today is a date");
        let observed = &tenant.observed;
        let rating = loaded.desired.connector_rating.as_ref();
        let mut out = String::new();
        for env in observed.inventory.environments.values() {
            for app in env.apps.values() {
                let facts = AppFacts::of(app, observed, &loaded.desired, &loaded.catalog);
                let s = criticality.status(&facts, rating, today);
                let due: Vec<&str> = s.due.iter().map(|d| d.as_str()).collect();
                out.push_str(&format!(
                    "{} ({})\n  {}\n  process: {}; last review: {}; next review: {}; due: {}\n",
                    app.display_name,
                    facts.environment,
                    s.criticality.explain(),
                    s.process.describe(),
                    s.last_review.as_ref().map_or("-".into(), |r| format!(
                        "{} at {} ({:?})",
                        r.date, criticality.levels[r.level].name, r.outcome
                    )),
                    s.next_review.map_or("-".into(), |d| d.to_string()),
                    if due.is_empty() {
                        "nothing".into()
                    } else {
                        due.join(", ")
                    }
                ));
                evaluated += 1;
            }
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(case);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(case.join("policies.yaml"));
        settings.bind(|| insta::assert_snapshot!("criticality", out));
    }
    assert!(evaluated >= 15, "only {evaluated} app criticality cases");
}
