//! Every live document kind (`Kind::is_live`) is planned: `examples/` declares one document
//! of each kind (`core/tests/doc_examples.rs` checks that), and against an empty tenant each
//! must be known to `--target` (`target::declared_addresses`, crates/planner/src/target.rs)
//! and produce a change of its kind (its planning step, dispatched from
//! crates/planner/src/diff.rs). A kind added without them fails here, by name.

use ppgov_core::observed::Observed;
use ppgov_core::{Kind, SourceMap};
use std::path::Path;

#[test]
fn every_live_kind_of_the_examples_is_targetable_and_planned() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut sources = SourceMap::new();
    for f in files {
        sources.add(
            f.display().to_string(),
            std::fs::read_to_string(&f).unwrap(),
        );
    }
    let loaded = ppgov_core::load(sources);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let declared = ppgov_planner::target::declared_addresses(&loaded.desired);
    // An empty tenant, with the environments the examples adopt so they resolve.
    let mut observed = Observed::default();
    for env in loaded.desired.environments.values() {
        let id = env.meta.id.clone().unwrap_or_else(|| {
            format!(
                "00000000-0000-4000-8000-{:012}",
                observed.environments.len()
            )
        });
        observed.environments.insert(
            id.clone(),
            ppgov_core::observed::ObservedEnvironment {
                id,
                display_name: env.display_name.clone(),
                ..Default::default()
            },
        );
    }
    let plan = ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog);
    for kind in Kind::ALL.into_iter().filter(|k| k.is_live()) {
        let name = kind.as_str();
        assert!(
            declared.iter().any(|a| a.starts_with(&format!("{name}."))),
            "{name}: declared in examples/ but unknown to `--target`: add it to declared_addresses in crates/planner/src/target.rs ({declared:?})"
        );
        if kind == Kind::Environment {
            continue; // adopted, not created: nothing to change in a tenant that has it
        }
        assert!(
            plan.changes
                .iter()
                .any(|c| c.address.starts_with(&format!("{name}."))),
            "{name}: declared in examples/ but nothing planned against an empty tenant: plan it from crates/planner/src/diff.rs ({:?})",
            plan.changes.iter().map(|c| &c.address).collect::<Vec<_>>()
        );
    }
}
