//! `ppgov export --snapshot FILE`: write a tenant snapshot, to plan offline later.
//!
//! The tenant is read with the same client as `plan` and written in the snapshot format the
//! emulator serves (the APIs' own JSON), through the client's model-to-wire conversions: a
//! snapshot holds the governed state, which is all an offline plan needs.

use crate::tenant::{self, TenantArgs};
use clap::Args;
use ppgov_core::observed::{Observed, ObservedScope};
use ppgov_emulator::{Tenant, catalog::CatalogEntry, state::assignment_key};
use ppgov_tenant_api::rules::RuleSet;
use ppgov_tenant_client::convert;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ExportArgs {
    /// Where to write the snapshot.
    #[arg(long, value_name = "FILE")]
    pub snapshot: PathBuf,
    /// The policy directory, for `ppgov.yaml` (tenant id and cloud); optional.
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    /// Read the tenant from another snapshot (a normalising copy), instead of live.
    #[arg(long, value_name = "FILE")]
    pub from_snapshot: Option<PathBuf>,
    #[arg(long, value_name = "URL", env = "PPGOV_BASE_URL")]
    pub base_url: Option<String>,
}

pub fn run(args: ExportArgs) -> Result<ExitCode, String> {
    let loaded = if args.policies.is_dir() {
        crate::repo::load(std::slice::from_ref(&args.policies))?
    } else {
        ppgov_core::load(ppgov_core::SourceMap::new())
    };
    let tenant_args = TenantArgs {
        snapshot: args.from_snapshot.clone(),
        base_url: args.base_url.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let (observed, rule_sets) = runtime.block_on(async {
        let connection = tenant::connect(&tenant_args, &loaded).await?;
        let client = &connection.client;
        let options = ppgov_tenant_client::ObserveOptions {
            connectors: true,
            // Every RBAC scope: a snapshot holds the whole tenant.
            rbac_environment_scopes: None,
            ..Default::default()
        };
        let mut observed = client.observe(&options).await.map_err(|e| e.to_string())?;
        // BAP environment roles have no tenant-wide list: read them per environment.
        let every_environment = observed.environments.keys().cloned().collect();
        tenant::read_bap_roles(client, every_environment, &mut observed).await?;
        // The live rule sets carry what the model leaves out (the maker-content timestamp):
        // a snapshot must keep it, not stamp the time of the export.
        let reads = observed
            .environment_groups
            .values()
            .filter(|g| g.rule_set_id.is_some())
            .map(|g| async move {
                client
                    .get_group_rule_set(&g.id)
                    .await
                    .map(|set| (g.id.clone(), set))
            });
        let mut rule_sets = BTreeMap::new();
        for read in futures::future::join_all(reads).await {
            let (group, set) = read.map_err(|e| e.to_string())?;
            if let Some(set) = set {
                rule_sets.insert(group, set);
            }
        }
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        Ok::<_, String>((observed, rule_sets))
    })?;
    let tenant = snapshot_of(&observed, &rule_sets)?;
    ppgov_emulator::atomic_file::write(&args.snapshot, tenant.to_json().as_bytes())
        .map_err(|e| format!("cannot write `{}`: {e}", args.snapshot.display()))?;
    println!(
        "wrote {}: {} environments, {} groups, {} DLP policies, {} role assignments",
        args.snapshot.display(),
        observed.environments.len(),
        observed.environment_groups.len(),
        observed.dlp_policies.len(),
        observed.role_assignments.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The snapshot of an observed tenant, in wire shapes; `rule_sets` are the live classic rule
/// sets by group id.
fn snapshot_of(
    observed: &Observed,
    rule_sets: &BTreeMap<String, RuleSet>,
) -> Result<Tenant, String> {
    let tenant_id = observed.tenant_id.clone().unwrap_or_default();
    let mut t = Tenant::new(tenant_id.clone());
    let now = httpdate::fmt_http_date(std::time::SystemTime::now());
    for env in observed.environments.values() {
        t.environments
            .insert(env.id.clone(), convert::environment_to_wire(env));
    }
    for group in observed.environment_groups.values() {
        t.environment_groups
            .insert(group.id.clone(), convert::group_to_wire(group));
        if let Some(mut set) = convert::rule_set_to_wire(
            &group.id,
            &group.rules,
            &group.unmodelled_rules,
            rule_sets.get(&group.id),
            &now,
        ) {
            let id = group
                .rule_set_id
                .clone()
                .unwrap_or_else(|| format!("rs-{}", group.id));
            set.id = Some(id.clone());
            if let Some(live) = rule_sets.get(&group.id) {
                set.last_modified.clone_from(&live.last_modified);
            }
            t.rule_sets.insert(id, set);
        }
        if let Some(mut policy) = convert::policy_to_wire(
            &group.display_name,
            &group.rules,
            &group.unmodelled_policy_rules,
        ) {
            let id = group
                .rule_based_policy_id
                .clone()
                .unwrap_or_else(|| format!("rbp-{}", group.id));
            policy.id = Some(id.clone());
            t.rule_based_policies.insert(id.clone(), policy);
            t.rule_assignments.insert(
                assignment_key("EnvironmentGroup", &group.id),
                ppgov_tenant_api::rules::RuleAssignment {
                    policy_id: id,
                    tenant_id: Some(tenant_id.clone()),
                    resource_id: Some(group.id.clone()),
                    resource_type: "EnvironmentGroup".into(),
                    rule_set_count: None,
                },
            );
        }
    }
    for policy in observed.dlp_policies.values() {
        let doc = convert::dlp_policy_to_wire(policy)
            .map_err(|e| format!("DLP policy {}: {e}", policy.id))?;
        t.dlp_policies.insert(policy.id.clone(), doc);
    }
    for a in observed.role_assignments.values() {
        let bap = a.role.is_some_and(|r| r.is_environment_role()) || a.principal_type.is_none();
        match (&a.scope, bap) {
            (ObservedScope::Environment(env), true) => {
                let wire = convert::bap_role_assignment_to_wire(a, &tenant_id)
                    .map_err(|e| format!("role assignment {}: {e}", a.id))?;
                t.bap_role_assignments
                    .entry(env.clone())
                    .or_default()
                    .insert(a.id.clone(), wire);
            }
            _ => {
                let wire = convert::rbac_role_assignment_to_wire(a, &tenant_id)
                    .map_err(|e| format!("role assignment {}: {e}", a.id))?;
                t.rbac_role_assignments.insert(a.id.clone(), wire);
            }
        }
    }
    t.tenant_settings = convert::tenant_settings_update(&observed.tenant_settings);
    if let Some(connectors) = &observed.connectors {
        t.connectors = Some(
            connectors
                .iter()
                .map(|c| CatalogEntry {
                    name: c.name.clone(),
                    id: c.id.clone(),
                    display_name: c.display_name.clone(),
                    tier: serde_json::to_value(c.tier)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    publisher: c.publisher.clone(),
                    unblockable: c.unblockable,
                    is_virtual: c.is_virtual,
                    endpoint_filtering: c.endpoint_filtering,
                })
                .collect(),
        );
    }
    Ok(t)
}
