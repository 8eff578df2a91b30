//! Data-driven planner scenarios.
//!
//! Each folder in `tests/scenarios/` holds `desired/*.yaml` (policy documents, which must
//! validate) and `observed.json` (the tenant, in the `Observed` model's JSON; omitted fields
//! default). The plan is snapshotted as text, JSON and Markdown next to the inputs. When the
//! plan has no errors, applying it in memory and planning again must give an empty plan.
//!
//! Accept intended changes with `INSTA_UPDATE=always cargo test -p ppgov-planner --test scenarios`.

use ppgov_core::SourceMap;
use ppgov_core::observed::Observed;
use ppgov_planner::render::{self, Colors};
use ppgov_planner::simulate::apply_in_memory;
use std::path::{Path, PathBuf};

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("scenarios folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn load_desired(dir: &Path) -> ppgov_core::Loaded {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("desired"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut sources = SourceMap::new();
    for f in files {
        sources.add(
            f.file_name().unwrap().to_string_lossy(),
            std::fs::read_to_string(&f).unwrap(),
        );
    }
    let loaded = ppgov_core::load(sources);
    assert!(
        !loaded.has_errors(),
        "{}: desired state has errors:\n{}",
        dir.display(),
        ppgov_core::diag::render::human(
            &loaded.diagnostics,
            &loaded.sources,
            ppgov_core::diag::render::Style::PLAIN
        )
    );
    loaded
}

#[test]
fn scenarios_plan_as_recorded_and_converge() {
    let all = scenarios();
    assert!(!all.is_empty());
    for dir in all {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let loaded = load_desired(&dir);
        let observed: Observed = serde_json::from_str(
            &std::fs::read_to_string(dir.join("observed.json"))
                .unwrap_or_else(|e| panic!("{name}: observed.json: {e}")),
        )
        .unwrap_or_else(|e| panic!("{name}: observed.json: {e}"));
        let plan = ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog);

        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(dir.join("observed.json"));
        settings.bind(|| {
            insta::assert_snapshot!("plan-text", render::text(&plan, Colors { enabled: false }));
            insta::assert_snapshot!("plan-json", serde_json::to_string_pretty(&plan).unwrap());
            insta::assert_snapshot!("plan-markdown", render::markdown(&plan));
        });

        if plan.errors.is_empty() {
            let after = apply_in_memory(&observed, &plan);
            let again = ppgov_planner::plan(&loaded.desired, &after, &loaded.catalog);
            assert!(
                again.errors.is_empty(),
                "{name}: errors after apply: {:#?}",
                again.errors
            );
            assert!(
                again.is_empty(),
                "{name}: does not converge; left: {}",
                render::text(&again, Colors { enabled: false })
            );
        }
    }
}
