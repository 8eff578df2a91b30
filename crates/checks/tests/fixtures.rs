//! Every check fires on its `fire` fixture and stays quiet on its `quiet` one.
//!
//! `tests/fixtures/checks/_base/` is a repository (`policies/`) and an observed tenant
//! (`observed.json`, the `Observed` model as JSON, with inventory) that no check fires on.
//! `tests/fixtures/checks/<check id, lower-case>/{fire,quiet}/` change it: files under
//! `policies/` replace or add the base's files of the same name, `remove` lists base policy
//! files to leave out, and `observed.patch.json` is a JSON merge patch (RFC 7386) on the
//! observed tenant. `quiet/` may be absent (the base is the quiet case). The findings of the
//! check under test are snapshotted (`snapshots/fixtures__fire@<id>.snap`); accept intended
//! changes with `INSTA_UPDATE=always cargo test -p ppgov-checks --test fixtures`, then review.

use ppgov_checks::{Input, registry};
use ppgov_core::observed::Observed;
use ppgov_core::{LoadOptions, SourceMap};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A fixed day, so suppressions expire the same way on every run.
const TODAY: &str = "2026-06-01";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/checks")
}

fn read_dir_files(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let entry = entry.expect("readable");
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.path().is_dir() {
            read_dir_files(&entry.path(), &format!("{name}/"), out);
        } else {
            out.insert(name, std::fs::read_to_string(entry.path()).expect("UTF-8"));
        }
    }
}

fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// The case's repository files and observed tenant.
fn case(overlay: Option<&Path>) -> (BTreeMap<String, String>, Observed) {
    let base = fixtures().join("_base");
    let mut files = BTreeMap::new();
    read_dir_files(&base.join("policies"), "", &mut files);
    let mut observed: Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("observed.json")).unwrap())
            .unwrap();
    if let Some(dir) = overlay {
        read_dir_files(&dir.join("policies"), "", &mut files);
        if let Ok(remove) = std::fs::read_to_string(dir.join("remove")) {
            for name in remove.lines().filter(|l| !l.trim().is_empty()) {
                assert!(
                    files.remove(name.trim()).is_some(),
                    "{dir:?}: no base file {name}"
                );
            }
        }
        if let Ok(patch) = std::fs::read_to_string(dir.join("observed.patch.json")) {
            merge_patch(&mut observed, &serde_json::from_str(&patch).unwrap());
        }
    }
    (
        files,
        serde_json::from_value(observed).expect("observed.json is an Observed"),
    )
}

/// The report on a case.
fn report_of(overlay: Option<&Path>) -> ppgov_checks::Report {
    let (files, observed) = case(overlay);
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(name, text);
    }
    let loaded = ppgov_core::load_with(sources, LoadOptions::default());
    assert!(
        !loaded.has_errors(),
        "{overlay:?}: the fixture's policies have errors: {:?}",
        loaded.diagnostics
    );
    ppgov_checks::run(&Input {
        loaded: &loaded,
        observed: Some(&observed),
        today: TODAY,
        advisor: None,
    })
}

/// The findings of check `id` in a report, one line each.
fn lines_of(id: &str, report: &ppgov_checks::Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.rule_id == id)
        .map(|f| {
            format!(
                "{} {} {:?} {}: {}",
                f.severity,
                f.rule_id,
                f.source,
                f.location.display(),
                f.message
            )
        })
        .collect()
}

#[test]
fn every_check_fires_and_stays_quiet() {
    let mut failures = Vec::new();
    let sarif = ppgov_test_support::sarif::validator();
    for info in registry::all_infos() {
        let dir = fixtures().join(info.id.to_lowercase());
        let fire = dir.join("fire");
        if !fire.is_dir() {
            failures.push(format!("{}: no fixture {}", info.id, fire.display()));
            continue;
        }
        let quiet = dir.join("quiet");
        let quiet_findings = lines_of(
            info.id,
            &report_of(quiet.is_dir().then_some(quiet.as_path())),
        );
        if !quiet_findings.is_empty() {
            failures.push(format!(
                "{}: fires on its quiet case: {quiet_findings:?}",
                info.id
            ));
        }
        let report = report_of(Some(&fire));
        if let Some(validator) = &sarif {
            let document = ppgov_checks::sarif::sarif(&report, "policies/", "0.0.0");
            let errors = ppgov_test_support::sarif::errors(validator, &document);
            if !errors.is_empty() {
                failures.push(format!("{}: invalid SARIF: {errors:?}", info.id));
            }
        }
        let fired = lines_of(info.id, &report);
        if fired.is_empty() {
            failures.push(format!("{}: does not fire on {}", info.id, fire.display()));
            continue;
        }
        insta::assert_snapshot!(format!("fire@{}", info.id), fired.join("\n"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_base_fixture_is_clean() {
    let (files, observed) = case(None);
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(name, text);
    }
    let loaded = ppgov_core::load(sources);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let report = ppgov_checks::run(&Input {
        loaded: &loaded,
        observed: Some(&observed),
        today: TODAY,
        advisor: None,
    });
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.checks_run.len(), registry::all_infos().count());
}

#[test]
fn no_fixture_without_a_check() {
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "_base" {
            assert!(
                registry::info(&name).is_some(),
                "fixture {name} names no check"
            );
        }
    }
}

#[test]
fn the_sarif_schema_rejects_what_it_should() {
    let Some(validator) = ppgov_test_support::sarif::validator() else {
        return;
    };
    let report = report_of(Some(&fixtures().join("ppg-c001/fire")));
    let mut document = ppgov_checks::sarif::sarif(&report, "policies/", "0.0.0");
    assert!(ppgov_test_support::sarif::errors(&validator, &document).is_empty());
    document["version"] = serde_json::json!("2.0.0");
    document["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    let errors = ppgov_test_support::sarif::errors(&validator, &document);
    assert!(errors.len() >= 2, "{errors:?}");
}
