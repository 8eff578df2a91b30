//! The official SARIF 2.1.0 JSON Schema, to validate ppgov's SARIF output in tests with no
//! network. `.ci/run` takes it from the npm package `@microsoft/jest-sarif` (MIT; it ships
//! `lib/schemas/sarif-2.1.0-rtm.5.json`, the OASIS schema as published at
//! https://json.schemastore.org/sarif-2.1.0-rtm.5.json) into `target/sarif-schema/`;
//! `PPGOV_SARIF_SCHEMA` names another copy.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// Where the schema is expected.
pub fn schema_path() -> PathBuf {
    match std::env::var_os("PPGOV_SARIF_SCHEMA") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/sarif-schema/sarif-2.1.0-rtm.5.json"),
    }
}

/// A compiled validator, or `None` (saying so) when the schema is absent on a developer's
/// machine; under CI it fails instead.
pub fn validator() -> Option<jsonschema::Validator> {
    let path = match super::locate(
        &schema_path(),
        std::env::var("CI").ok().as_deref(),
        "the SARIF 2.1.0 schema is missing: expected {} (`.ci/run` installs it; or set PPGOV_SARIF_SCHEMA)",
    ) {
        Ok(Some(path)) => path,
        Ok(None) => {
            eprintln!(
                "skipped: the SARIF schema is not at {} (run the SARIF step of .ci/run, or set CI to make this a failure)",
                schema_path().display()
            );
            return None;
        }
        Err(message) => panic!("{message}"),
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // The `language` patterns have an unescaped `]`, a literal in ECMAScript but an error for
    // Rust's regex engines: escape it (same meaning).
    let text = text.replace("{2}]?$\"", "{2}\\\\]?$\"");
    let schema: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(jsonschema::validator_for(&schema).expect("the SARIF schema compiles"))
}

/// The schema's complaints about `document` (empty: valid).
pub fn errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}
