//! `ppgov export --snapshot FILE`: write a tenant snapshot, to plan offline later.
//!
//! The tenant is read with the same client as `plan` and converted by the client's
//! `convert::tenant_snapshot` into the snapshot format the emulator serves (the APIs' own
//! JSON): a snapshot holds the governed state, which is all an offline plan needs. With
//! `--inventory` it also holds what runs in every environment (apps, flows, custom
//! connectors, connections): one more listing per kind and environment, and one read per
//! flow, so it is off by default.

use crate::tenant::{self, TenantArgs};
use clap::Args;
use ppgov_tenant_client::convert;
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
    /// Also write the inventory of every environment: apps, flows (one read each), custom
    /// connectors and connections. Off by default: a plan does not need it.
    #[arg(long)]
    pub inventory: bool,
}

pub fn run(args: ExportArgs) -> Result<ExitCode, String> {
    let loaded = crate::repo::load_if_present(&args.policies)?;
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
        if args.inventory {
            observed.inventory = client
                .read_inventory(&every_environment)
                .await
                .map_err(|e| e.to_string())?;
        }
        tenant::read_bap_roles(client, every_environment, &mut observed).await?;
        let rule_sets = client
            .group_rule_sets(&observed)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        Ok::<_, String>((observed, rule_sets))
    })?;
    let now = httpdate::fmt_http_date(std::time::SystemTime::now());
    let snapshot = convert::tenant_snapshot(&observed, &rule_sets, &now)
        .map_err(|e| format!("cannot export the tenant: {e}"))?;
    ppgov_emulator::atomic_file::write(&args.snapshot, snapshot.to_json().as_bytes())
        .map_err(|e| format!("cannot write `{}`: {e}", args.snapshot.display()))?;
    let inventory = match args.inventory {
        true => {
            let count = |f: fn(&ppgov_core::inventory::EnvironmentInventory) -> usize| -> usize {
                observed.inventory.environments.values().map(f).sum()
            };
            format!(
                ", {} apps, {} flows, {} custom connectors, {} connections",
                count(|e| e.apps.len()),
                count(|e| e.flows.len()),
                count(|e| e.custom_connectors.len()),
                count(|e| e.connections.len())
            )
        }
        false => String::new(),
    };
    println!(
        "wrote {}: {} environments, {} groups, {} DLP policies, {} role assignments{inventory}",
        args.snapshot.display(),
        observed.environments.len(),
        observed.environment_groups.len(),
        observed.dlp_policies.len(),
        observed.role_assignments.len()
    );
    Ok(ExitCode::SUCCESS)
}
