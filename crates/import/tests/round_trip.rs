//! The guarantee of `ppgov import`: what it writes loads with no diagnostics, and planning it
//! against the tenant it came from plans nothing and reports nothing "not managed here".
//! Tenants are read the way the CLI reads them: served by an emulator, through the client.

use ppgov_core::catalog::Catalog;
use ppgov_core::observed::Observed;
use ppgov_core::{LoadOptions, SourceMap};
use ppgov_emulator::{Config, Emulator, seed::SeedRequest, state::Tenant};
use ppgov_import::{EnvironmentSelection, Imported, Options, import};
use ppgov_tenant_client::{AuthConfig, Client, ClientConfig, ObserveOptions, Secret};
use std::path::PathBuf;

async fn observe(tenant: Tenant, options: &Options) -> Observed {
    let emulator = Emulator::start(Config {
        tenant,
        ..Default::default()
    })
    .await
    .unwrap();
    let token = emulator.token().unwrap_or_default().to_owned();
    let config = ClientConfig::new(Default::default(), AuthConfig::Static(Secret::new(token)))
        .with_single_base_url(&emulator.base_url());
    let client = Client::new(config).unwrap();
    let mut observed = client
        .observe(&ObserveOptions {
            connectors: true,
            bap_roles_of_managed_or_grouped: true,
            ..Default::default()
        })
        .await
        .unwrap();
    // As the CLI does: BAP roles of the environments the import declares.
    let wanted = ppgov_import::environments_needing_bap_roles(&observed, options);
    client
        .observe_environment_roles(&wanted, &mut observed)
        .await
        .unwrap();
    emulator.shutdown().await;
    observed
}

/// Loads the imported files and plans them against `observed`; panics with the files and
/// the problems when the round trip is not exact.
fn assert_round_trip(observed: &Observed, imported: &Imported, what: &str) {
    let mut sources = SourceMap::new();
    for (path, text) in &imported.files {
        sources.add(path.clone(), text.clone());
    }
    let loaded = ppgov_core::load_with(sources, LoadOptions::default());
    let dump = || {
        imported
            .files
            .iter()
            .map(|(p, t)| format!("--- {p}\n{t}"))
            .collect::<String>()
    };
    assert!(
        loaded.diagnostics.is_empty(),
        "{what}: diagnostics {:#?}\n{}",
        loaded.diagnostics,
        dump()
    );
    let plan = ppgov_planner::plan(&loaded.desired, observed, &loaded.catalog);
    assert!(
        plan.changes.is_empty() && plan.notes.is_empty() && plan.errors.is_empty(),
        "{what}: changes {:#?}\nnotes {:#?}\nerrors {:#?}\n{}",
        plan.changes,
        plan.notes,
        plan.errors,
        dump()
    );
}

fn options(environments: EnvironmentSelection, infer_selectors: bool) -> Options {
    Options {
        environments,
        infer_selectors,
        source: "tenant under test".into(),
        date: "2026-11-27".into(),
        ..Default::default()
    }
}

fn bundled_snapshot() -> Tenant {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/tenant-snapshot.json");
    Tenant::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn the_bundled_snapshot_round_trips() {
    for environments in [EnvironmentSelection::Governed, EnvironmentSelection::All] {
        for infer in [false, true] {
            let options = options(environments, infer);
            let observed = observe(bundled_snapshot(), &options).await;
            let imported = import(&observed, Catalog::bundled(), &options);
            assert_round_trip(
                &observed,
                &imported,
                &format!("{environments:?} infer={infer}"),
            );
            let again = import(&observed, Catalog::bundled(), &options);
            assert_eq!(imported, again, "the same tenant gives the same files");
        }
    }
}

/// Seeded tenants of many shapes: sizes, groups, DLP shapes, roles, settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_tenants_round_trip() {
    let cases: u64 = std::env::var("PPGOV_IMPORT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let mut nontrivial = 0;
    for seed in 0..cases {
        let request = SeedRequest {
            environments: 1 + (seed as usize * 7) % 40,
            groups: (seed as usize * 3) % 6,
            dlp_policies: (seed as usize * 5) % 7,
            role_assignments: (seed as usize * 11) % 15,
            seed,
            tenant_id: None,
            apps: 0,
            flows: 0,
        };
        let options = options(
            if seed % 3 == 0 {
                EnvironmentSelection::All
            } else {
                EnvironmentSelection::Governed
            },
            seed % 2 == 0,
        );
        let tenant = ppgov_emulator::seed::generate(&request);
        let observed = observe(tenant, &options).await;
        let imported = import(&observed, Catalog::bundled(), &options);
        if imported.documents.values().sum::<usize>() >= 5 {
            nontrivial += 1;
        }
        assert_round_trip(&observed, &imported, &format!("seed {seed}: {request:?}"));
    }
    // Guard against a generator that stopped producing anything worth importing.
    assert!(
        nontrivial * 4 >= cases * 3,
        "only {nontrivial} of {cases} tenants had five or more documents"
    );
}

/// A tenant isolation policy is imported as a `TenantIsolationPolicy` document that plans
/// nothing; an entry the language cannot hold (the tenant itself) is left out, with the
/// reason.
#[tokio::test]
async fn the_tenant_isolation_policy_round_trips() {
    let with_policy = |extra: Option<&str>| {
        let mut tenant = bundled_snapshot();
        let mut allowed = vec![
            serde_json::json!({"tenantId": "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f",
                "direction": {"inbound": true, "outbound": false}}),
            serde_json::json!({"tenantId": "*", "direction": {"inbound": false, "outbound": true}}),
        ];
        if let Some(id) = extra {
            allowed.push(serde_json::json!({"tenantId": id,
                "direction": {"inbound": true, "outbound": true}}));
        }
        tenant.tenant_isolation_policy = Some(
            serde_json::from_value(serde_json::json!({
                "tenantId": tenant.tenant_id, "isDisabled": false, "allowedTenants": allowed
            }))
            .unwrap(),
        );
        tenant
    };
    let options = options(EnvironmentSelection::Governed, false);
    let observed = observe(with_policy(None), &options).await;
    let imported = import(&observed, Catalog::bundled(), &options);
    assert!(
        imported.files.contains_key("tenant-isolation.yaml"),
        "{:?}",
        imported.files.keys().collect::<Vec<_>>()
    );
    assert_round_trip(&observed, &imported, "tenant isolation");

    let own = bundled_snapshot().tenant_id.to_lowercase();
    let observed = observe(with_policy(Some(&own)), &options).await;
    let imported = import(&observed, Catalog::bundled(), &options);
    assert!(
        imported
            .skipped
            .iter()
            .any(|s| s.contains("is the tenant itself")),
        "{:?}",
        imported.skipped
    );
}
