//! Data-driven planner scenarios.
//!
//! Each folder in `tests/scenarios/` holds `desired/*.yaml` (policy documents, which must
//! validate) and `observed.json` (the tenant, in the `Observed` model's JSON; omitted fields
//! default), and optionally `inventory.json`: what runs in the tenant, for the DLP impact, as
//! `{"read": [environment ids], "items": [InventoryItem...], "customConnectors": [...]}`
//! (an environment is read when listed or when an item or connector names it; any other is
//! unknown). The plan is snapshotted as text, JSON and Markdown next to the inputs. When the
//! plan has no errors, applying it in memory and planning again must give an empty plan.
//!
//! Accept intended changes with `INSTA_UPDATE=always cargo test -p ppgov-planner --test scenarios`.

use ppgov_core::SourceMap;
use ppgov_core::dlp_eval::coverage;
use ppgov_core::inventory::{CustomConnector, Inventory, InventoryItem};
use ppgov_core::observed::{Observed, ObservedDlpPolicy};
use ppgov_planner::render::{self, Colors};
use ppgov_planner::simulate::apply_in_memory;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `inventory.json` of a scenario.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InventoryFixture {
    #[serde(default)]
    read: Vec<String>,
    #[serde(default)]
    items: Vec<InventoryItem>,
    #[serde(default)]
    custom_connectors: Vec<CustomConnector>,
}

fn load_inventory(dir: &Path) -> Inventory {
    let path = dir.join("inventory.json");
    let mut inventory = Inventory::default();
    if !path.exists() {
        return inventory;
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let fixture: InventoryFixture =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for env in fixture.read {
        inventory.environments.entry(env).or_default();
    }
    for item in fixture.items {
        inventory.insert(item);
    }
    for connector in fixture.custom_connectors {
        inventory.insert_custom_connector(connector);
    }
    inventory.index_usage();
    inventory
}

/// The rules of a policy that decide what it allows, names and scope aside.
fn rules(p: &ObservedDlpPolicy) -> serde_json::Value {
    serde_json::json!([
        p.default_group,
        p.classification,
        p.action_rules,
        p.endpoint_rules,
        p.custom_connector_patterns
    ])
}

/// The environments whose effective DLP differs between two tenants, by brute force: every
/// environment, every policy, rules compared as written.
fn effective_dlp_differs(before: &Observed, after: &Observed) -> BTreeSet<String> {
    let effective = |state: &Observed, env: &str| -> Vec<(String, serde_json::Value)> {
        state
            .dlp_policies
            .values()
            .filter(|p| coverage(p, env).is_some())
            .map(|p| (p.id.clone(), rules(p)))
            .collect()
    };
    before
        .environments
        .keys()
        .filter(|env| effective(before, env) != effective(after, env))
        .cloned()
        .collect()
}

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

/// `observed.json` with the scenario's inventory.
fn load_observed(dir: &Path) -> Observed {
    let name = dir.display();
    let mut observed: Observed = serde_json::from_str(
        &std::fs::read_to_string(dir.join("observed.json"))
            .unwrap_or_else(|e| panic!("{name}: observed.json: {e}")),
    )
    .unwrap_or_else(|e| panic!("{name}: observed.json: {e}"));
    observed.inventory = load_inventory(dir);
    observed
}

#[test]
fn affected_environments_are_those_whose_effective_dlp_changes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    for (scenario, expected) in [
        ("impact-a-renamed-policy-has-no-impact", &[][..]),
        (
            "impact-scope-widened-to-another-environment-breaks-only-there",
            &["e2"],
        ),
        (
            "impact-scope-narrowed-fixes-the-environment-that-leaves",
            &["e2"],
        ),
        (
            "impact-environment-moving-between-groups-whose-policies-differ",
            &["e2"],
        ),
        (
            "impact-tenant-wide-policy-with-exclusions-spares-the-excluded",
            &["e1", "e3"],
        ),
        ("impact-deleted-policy-fixes-what-it-blocked", &["e1", "e3"]),
        ("impact-created-policy-breaks", &["e3"]),
        (
            "impact-group-scoped-policy-tightened-breaks-in-every-member",
            &["e1", "e2"],
        ),
        (
            "dlp-scope-via-environment-groups-follows-planned-members",
            &["e2", "e3"],
        ),
        ("dlp-listing-order-and-default-group-are-not-changes", &[]),
    ] {
        let dir = dir.join(scenario);
        let loaded = load_desired(&dir);
        let mut observed = load_observed(&dir);
        // Needs no inventory: it decides which inventory to read.
        observed.inventory = Inventory::default();
        let plan = ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog);
        let affected = ppgov_planner::affected_environments(&plan, &observed, &loaded.catalog);
        assert_eq!(
            affected.iter().map(String::as_str).collect::<Vec<_>>(),
            expected,
            "{scenario}"
        );
    }
}

#[test]
fn scenarios_plan_as_recorded_and_converge() {
    let all = scenarios();
    assert!(!all.is_empty());
    for dir in all {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let loaded = load_desired(&dir);
        let observed = load_observed(&dir);
        let plan = ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog);

        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(dir.join("observed.json"));
        settings.bind(|| {
            insta::assert_snapshot!("plan-text", render::text(&plan, Colors { enabled: false }));
            insta::assert_snapshot!("plan-json", serde_json::to_string_pretty(&plan).unwrap());
            insta::assert_snapshot!("plan-markdown", render::markdown(&plan));
            let warnings = ppgov_planner::expiry::warnings(&loaded.desired, &observed);
            if !warnings.is_empty() {
                insta::assert_debug_snapshot!("expiry-warnings", warnings);
            }
        });

        if plan.errors.is_empty() {
            let after = apply_in_memory(&observed, &plan);
            assert_eq!(
                ppgov_planner::affected_environments(&plan, &observed, &loaded.catalog),
                effective_dlp_differs(&observed, &after),
                "{name}: affected environments"
            );
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
