//! Data-driven tests of `ppgov validate`, through the real binary.
//!
//! `tests/fixtures/validate/err/<case>` (a file or a folder) must produce diagnostics, and its rendered
//! output (no colour, 100 columns) is compared with `snapshots/<case>.snap`.
//! `tests/fixtures/validate/ok/<case>` must pass with no diagnostics at all.
//! Every code in the registry must be produced by some `err` case.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/validate")
}

fn cases(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join(dir))
        .expect("fixture folder exists")
        .map(|e| {
            e.expect("readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Runs `ppgov validate <args>` in the fixtures folder; returns (exit code, stdout).
fn validate(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ppgov"))
        .arg("validate")
        .args(args)
        .current_dir(fixtures())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("ppgov runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "unexpected stderr: {stderr}");
    (
        output.status.code().expect("exited"),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
    )
}

#[test]
fn every_err_case_fails_with_the_recorded_diagnostics() {
    let mut seen_codes = BTreeSet::new();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(fixtures().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    let _guard = settings.bind_to_scope();
    let names = cases("err");
    assert!(names.len() >= 40, "only {} error cases", names.len());
    for name in names {
        let (code, stdout) = validate(&[&format!("err/{name}")]);
        let case = name.trim_end_matches(".yaml");
        // Warning-only cases exit 0; every case must produce at least one diagnostic.
        assert!(
            !stdout.contains("; 0 errors, 0 warnings"),
            "{case} produced no diagnostics:\n{stdout}"
        );
        for line in stdout.lines() {
            let line = line.trim();
            if line.len() == 6 && line.starts_with("PPG") {
                seen_codes.insert(line.to_owned());
            }
        }
        insta::assert_snapshot!(case, format!("exit code: {code}\n{stdout}"));
    }
    // Codes no fixture can produce, and why.
    let unreachable = [
        ("PPG110", "only a parser panic produces it"),
        (
            "PPG500",
            "found when planning; covered by crates/cli/tests/plan.rs",
        ),
    ];
    let missing: Vec<&str> = ppgov_core::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !seen_codes.contains(*c) && !unreachable.iter().any(|(u, _)| u == c))
        .collect();
    assert!(missing.is_empty(), "codes with no fixture: {missing:?}");
}

#[test]
fn every_ok_case_passes_without_diagnostics() {
    for name in cases("ok") {
        let (code, stdout) = validate(&[&format!("ok/{name}")]);
        assert_eq!(code, 0, "{name}:\n{stdout}");
        assert!(stdout.contains("0 errors, 0 warnings"), "{name}:\n{stdout}");
    }
}

#[test]
fn json_output_lists_every_diagnostic_with_positions() {
    let (code, stdout) = validate(&["--format", "json", "err/unknown-connector.yaml"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(json["errors"], 2);
    let first = &json["diagnostics"][0];
    assert_eq!(first["code"], "PPG304");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["primary"]["file"], "err/unknown-connector.yaml");
    assert_eq!(first["primary"]["start"]["line"], 9);
    assert_eq!(first["primary"]["start"]["column"], 16);
    assert!(first["help"].as_str().unwrap().contains("sharepointonline"));
}

#[test]
fn the_sample_repository_and_the_examples_are_clean() {
    // The examples are the `*.yaml` files of `examples/` (its `ci/` holds CI recipes, not
    // policies).
    let mut examples: Vec<String> = std::fs::read_dir(fixtures().join("../../../examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .map(|n| format!("../../../examples/{n}"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 5, "{examples:?}");
    let examples: Vec<&str> = examples.iter().map(String::as_str).collect();
    for args in [vec!["../../../policies"], examples] {
        let (code, stdout) = validate(&args);
        assert_eq!(code, 0, "{args:?}: {stdout}");
        assert!(
            stdout.contains("0 errors, 0 warnings"),
            "{args:?}: {stdout}"
        );
    }
}

#[test]
fn every_yaml_file_in_the_repository_names_the_schema_for_editors() {
    let root = fixtures().join("../../..");
    for dir in ["policies", "examples"] {
        for path in ppgov_test_support::yaml_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&path).unwrap();
            let first = text.lines().next().unwrap_or_default();
            let schema = first
                .strip_prefix("# yaml-language-server: $schema=")
                .unwrap_or_else(|| panic!("{} lacks the schema line", path.display()));
            assert!(
                path.parent().unwrap().join(schema).exists(),
                "{}: {schema} does not exist",
                path.display()
            );
        }
    }
}
