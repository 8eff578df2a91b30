//! Files generated from code must match what is committed.
//!
//! On failure, regenerate: `cargo run -p ppgov-cli -- schema --out schemas` for the schemas,
//! `UPDATE_GENERATED=1 cargo test -p ppgov-core --test generated_files` for the docs.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_schemas_are_current() {
    let dir = root().join("schemas");
    let mut stale = Vec::new();
    for (name, text) in ppgov_core::schema::schema_files() {
        if std::fs::read_to_string(dir.join(&name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .expect("schemas/ exists")
        .map(|e| {
            e.expect("readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    committed.sort();
    let mut expected: Vec<String> = ppgov_core::schema::schema_files()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    expected.sort();
    assert_eq!(
        committed, expected,
        "schemas/ holds files the generator does not write"
    );
    assert!(
        stale.is_empty(),
        "stale schemas: {stale:?}; run `cargo run -p ppgov-cli -- schema --out schemas`"
    );
}

/// `docs/diagnostics.md`: one section per code, from the registry.
fn diagnostics_reference() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         Generated from `crates/core/src/diag/codes.rs` by \
         `UPDATE_GENERATED=1 cargo test -p ppgov-core --test generated_files`; do not edit.\n\n\
         Codes are stable: a released code keeps its number and meaning. Ranges: `PPG1xx` reading YAML, \
         `PPG2xx` document structure and schema, `PPG3xx` references and platform rules, `PPG4xx` project file.\n\n\
         | code | severity | title |\n|---|---|---|\n",
    );
    for code in ppgov_core::Code::ALL {
        out.push_str(&format!(
            "| [{0}](#{1}) | {2} | {3} |\n",
            code.as_str(),
            code.as_str().to_lowercase(),
            code.severity(),
            code.title()
        ));
    }
    for code in ppgov_core::Code::ALL {
        out.push_str(&format!(
            "\n## {}\n\n**{}** ({})\n\n{}\n",
            code.as_str(),
            code.title(),
            code.severity(),
            code.explanation()
        ));
    }
    out
}

#[test]
fn diagnostics_reference_is_current() {
    let path = root().join("docs/diagnostics.md");
    let expected = diagnostics_reference();
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &expected).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "docs/diagnostics.md is stale; run `UPDATE_GENERATED=1 cargo test -p ppgov-core --test generated_files`"
    );
}
