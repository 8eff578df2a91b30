//! Every remediation snippet that is a whole document (it starts with `apiVersion:`) loads
//! without a diagnostic into the checks' base repository (`tests/fixtures/checks/_base`),
//! in place of the base's documents of its kind: a user can copy it into a repository as it
//! is. Snippets that are a fragment of a document (`spec: ...`) show only what they change.

use ppgov_checks::registry;
use ppgov_core::SourceMap;
use std::path::Path;

fn kind_of(yaml: &str) -> Option<&str> {
    yaml.lines()
        .find_map(|l| l.strip_prefix("kind: "))
        .map(str::trim)
}

#[test]
fn whole_document_remediations_validate() {
    let base =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/checks/_base/policies");
    let mut base_files: Vec<(String, String)> = std::fs::read_dir(&base)
        .expect("the base fixture")
        .map(|e| {
            let path = e.expect("readable").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).expect("UTF-8"))
        })
        .collect();
    base_files.sort();
    let mut checked = Vec::new();
    for info in registry::all_infos() {
        let Some(yaml) = info.fix_yaml.filter(|y| y.starts_with("apiVersion:")) else {
            continue;
        };
        let kind = kind_of(yaml).unwrap_or_else(|| panic!("{}: no `kind:`", info.id));
        let mut sources = SourceMap::new();
        for (name, text) in &base_files {
            if kind_of(text) != Some(kind) {
                sources.add(name.clone(), text.clone());
            }
        }
        sources.add(format!("{}.yaml", info.id), yaml);
        let loaded = ppgov_core::load(sources);
        let rendered: Vec<String> = loaded
            .diagnostics
            .iter()
            .map(|d| format!("{d:?}"))
            .collect();
        assert!(
            rendered.is_empty(),
            "{}: its remediation does not validate: {rendered:#?}",
            info.id
        );
        checked.push(info.id);
    }
    // Some checks' remediation is a whole document; a new one joins by itself.
    for id in ["PPG-C003", "PPG-C032"] {
        assert!(
            checked.contains(&id),
            "{id}: no whole-document remediation: {checked:?}"
        );
    }
}
