//! Reading a tenant with every environment's inventory (apps, flows, custom connectors,
//! connections), for the reports over what runs in it: `ppgov connectors` (live custom
//! connectors) and `ppgov apps`.

use crate::tenant::{self, TenantArgs};
use ppgov_core::Loaded;
use ppgov_core::observed::Observed;
use std::collections::BTreeSet;

/// Reads the tenant (its connector list too with `connectors`) and the inventory of every
/// environment. A snapshot exported without `--inventory` holds none: the inventory stays
/// empty and a note says so (nothing is claimed about what runs there).
pub fn read(args: &TenantArgs, loaded: &Loaded, connectors: bool) -> Result<Observed, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let connection = tenant::connect(args, loaded).await?;
        let client = &connection.client;
        let options = ppgov_tenant_client::ObserveOptions {
            connectors,
            // No environment's RBAC scope: these reports show no roles.
            rbac_environment_scopes: Some(BTreeSet::new()),
            ..Default::default()
        };
        let mut observed = client.observe(&options).await.map_err(|e| e.to_string())?;
        tenant::check_tenant(&connection, loaded, &observed)?;
        if connection.inventory_known {
            let environments: BTreeSet<String> = observed.environments.keys().cloned().collect();
            observed.inventory = client.read_inventory(&environments).await.map_err(|e| {
                format!(
                    "cannot read the inventory (apps, flows, custom connectors) of {} environment(s) from {}: {e}",
                    environments.len(),
                    connection.source
                )
            })?;
        } else {
            eprintln!(
                "note: {} holds no inventory (apps, flows, custom connectors), so what runs there is unknown; export one with `ppgov export --inventory`",
                connection.source
            );
        }
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        Ok(observed)
    })
}
