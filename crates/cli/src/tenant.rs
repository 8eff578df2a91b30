//! Where the observed state comes from: a local tenant snapshot (served by an in-process
//! emulator, so the same client code path reads it) or a tenant reached with credentials.

use clap::Args;
use ppgov_core::Loaded;
use ppgov_core::observed::Observed;
use ppgov_emulator::{Emulator, RunningEmulator};
use ppgov_tenant_client::{AuthConfig, Client, ClientConfig, ObserveOptions, Secret};
use std::path::PathBuf;

/// Tenant selection, shared by commands that read the tenant.
#[derive(Args, Clone, Debug)]
pub struct TenantArgs {
    /// Use a local tenant snapshot instead of a live tenant (no credentials needed).
    #[arg(long, value_name = "FILE", env = "PPGOV_SNAPSHOT")]
    pub snapshot: Option<PathBuf>,
    /// One base URL for every API host, e.g. an emulator at http://127.0.0.1:8787.
    #[arg(long, value_name = "URL", env = "PPGOV_BASE_URL")]
    pub base_url: Option<String>,
}

/// Which environments' inventory (apps, flows, custom connectors) a plan reads, to say what
/// its DLP changes break.
#[derive(Args, Clone, Copy, Debug)]
pub struct InventoryArgs {
    /// `affected`: the environments whose effective DLP policies the plan changes (none when
    /// it changes no DLP policy); `all`: every environment; `none`: no inventory, so the
    /// impact of DLP changes is reported as unknown.
    #[arg(long, value_enum, value_name = "WHICH", default_value = "affected")]
    pub inventory: InventoryRead,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InventoryRead {
    #[default]
    Affected,
    All,
    None,
}

/// A connected client, and the emulator serving a snapshot when there is one.
pub struct Connection {
    pub client: Client,
    /// Kept alive while the client is used.
    pub emulator: Option<RunningEmulator>,
    /// Where the observed tenant comes from, for messages: a snapshot file or a live service.
    pub source: String,
    /// Whether the tenant can tell what runs in it. A snapshot exported without
    /// `--inventory` holds no apps, flows, custom connectors or connections at all: reading it
    /// would answer "nothing runs anywhere", so its inventory is left unread (impact unknown).
    pub inventory_known: bool,
}

const CREDENTIALS_HELP: &str = "set PPGOV_TOKEN (a bearer token), or a client id (PPGOV_CLIENT_ID or `spec.tenant.clientId` in ppgov.yaml) with PPGOV_CLIENT_SECRET \
     or AZURE_FEDERATED_TOKEN_FILE (and the tenant id in ppgov.yaml or PPGOV_TENANT_ID); \
     or plan offline with --snapshot FILE";

/// Connects to the tenant the arguments and the environment name.
pub async fn connect(args: &TenantArgs, loaded: &Loaded) -> Result<Connection, String> {
    connect_with(args, loaded, false).await
}

/// [`connect`]; with `persist`, a snapshot is the tenant itself: every write is saved to the
/// file (the emulator's `state_file`), and operations are polled quickly (they run in-process).
pub async fn connect_with(
    args: &TenantArgs,
    loaded: &Loaded,
    persist: bool,
) -> Result<Connection, String> {
    let project = &loaded.desired.project;
    if let Some(path) = &args.snapshot {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read snapshot `{}`: {e}", path.display()))?;
        let tenant = ppgov_emulator::state::Tenant::from_json(&text)
            .map_err(|e| format!("`{}`: {e}", path.display()))?;
        let inventory_known = !(tenant.apps.is_empty()
            && tenant.flows.is_empty()
            && tenant.custom_connectors.is_empty()
            && tenant.connections.is_empty());
        let emulator = Emulator::start(ppgov_emulator::Config {
            tenant,
            state_file: persist.then(|| path.clone()),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("cannot start the local tenant: {e}"))?;
        let token = emulator.token().unwrap_or_default().to_owned();
        let mut config = ClientConfig::new(project.cloud, AuthConfig::Static(Secret::new(token)))
            .with_single_base_url(&emulator.base_url());
        if persist {
            config.lro.poll_interval = std::time::Duration::from_millis(50);
        }
        crate::client_env::configure(&mut config)?;
        let client = Client::new(config).map_err(|e| e.to_string())?;
        return Ok(Connection {
            client,
            emulator: Some(emulator),
            source: format!("the snapshot `{}`", path.display()),
            inventory_known,
        });
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let tenant_id = var("PPGOV_TENANT_ID").or_else(|| project.tenant_id.clone());
    let auth = if var("PPGOV_TOKEN").is_some() {
        AuthConfig::environment_token()
    } else if let Some(client_id) = var("PPGOV_CLIENT_ID").or_else(|| project.client_id.clone()) {
        let tenant_id = tenant_id.clone().ok_or_else(|| {
            "PPGOV_CLIENT_ID is set but no tenant id: set `spec.tenant.id` in ppgov.yaml or PPGOV_TENANT_ID".to_owned()
        })?;
        let authority = var("PPGOV_AUTHORITY");
        if let Some(secret) = var("PPGOV_CLIENT_SECRET") {
            AuthConfig::ClientSecret {
                authority,
                tenant_id,
                client_id,
                client_secret: Secret::new(secret),
            }
        } else if var("AZURE_FEDERATED_TOKEN_FILE").is_some() {
            AuthConfig::WorkloadIdentity {
                authority,
                tenant_id,
                client_id,
                token_file: None,
            }
        } else {
            return Err(format!(
                "a client id is set (PPGOV_CLIENT_ID or ppgov.yaml) without a credential: {CREDENTIALS_HELP}"
            ));
        }
    } else {
        return Err(format!("no tenant to read: {CREDENTIALS_HELP}"));
    };
    let mut config = ClientConfig::new(project.cloud, auth);
    config.tenant_id = tenant_id;
    let base_url = args.base_url.as_ref().or(project.base_url.as_ref());
    if let Some(url) = base_url {
        config = config.with_single_base_url(url);
    }
    crate::client_env::configure(&mut config)?;
    let client = Client::new(config).map_err(|e| e.to_string())?;
    Ok(Connection {
        client,
        emulator: None,
        source: match base_url {
            Some(url) => format!("the tenant the credentials reach at {url}"),
            None => "the tenant the credentials reach".to_owned(),
        },
        inventory_known: true,
    })
}

/// Reads the tenant as the planner needs it. BAP environment roles have no tenant-wide list,
/// so they are read, in a second step, only for the environments the plan assigns them on;
/// likewise environments' own RBAC scopes, only where the repository assigns RBAC roles
/// (every environment's when RoleAssignment ownership is exclusive: it must find strays).
/// The inventory of the environments `inventory` selects is read too (after a first plan, for
/// `affected`).
pub async fn observe(
    connection: &Connection,
    loaded: &Loaded,
    inventory: InventoryRead,
) -> Result<Observed, String> {
    observe_with(connection, loaded, Default::default(), inventory).await
}

/// [`observe`], reading every environment's RBAC scope whatever the ownership: for
/// `import --missing`, which must see every assignment a plan would not know.
pub async fn observe_every_rbac_scope(
    connection: &Connection,
    loaded: &Loaded,
) -> Result<Observed, String> {
    observe_reading(
        connection,
        loaded,
        Default::default(),
        true,
        InventoryRead::None,
    )
    .await
}

/// [`observe`], also reading the BAP role assignments of `extra` environments (those a saved
/// plan's fingerprints name).
pub async fn observe_with(
    connection: &Connection,
    loaded: &Loaded,
    extra: std::collections::BTreeSet<String>,
    inventory: InventoryRead,
) -> Result<Observed, String> {
    let exclusive = loaded.desired.project.ownership.role_assignment
        == ppgov_core::model::OwnershipMode::Exclusive;
    observe_reading(connection, loaded, extra, exclusive, inventory).await
}

async fn observe_reading(
    connection: &Connection,
    loaded: &Loaded,
    extra: std::collections::BTreeSet<String>,
    every_rbac_scope: bool,
    inventory: InventoryRead,
) -> Result<Observed, String> {
    let client = &connection.client;
    let options = ObserveOptions {
        connectors: loaded.desired.project.live_connector_catalog,
        rbac_environment_scopes: (!every_rbac_scope).then(Default::default),
        ..Default::default()
    };
    let mut observed = client.observe(&options).await.map_err(|e| e.to_string())?;
    observed.observed_on = Some(crate::clock::today()?);
    check_tenant(connection, loaded, &observed)?;
    let rbac_scopes = ppgov_planner::rbac_environment_scopes(&loaded.desired, &observed);
    client
        .observe_rbac_environment_scopes(&rbac_scopes, &mut observed)
        .await
        .map_err(|e| e.to_string())?;
    let catalog = catalog_for(loaded, &observed);
    let first = ppgov_planner::plan(&loaded.desired, &observed, &catalog);
    let wanted: std::collections::BTreeSet<String> = first
        .changes
        .iter()
        .filter_map(|c| {
            // Only environment roles (BAP) are read per environment.
            if let ppgov_planner::After::RoleAssignment(a) = &c.after
                && a.role.is_some_and(|r| r.is_environment_role())
                && let ppgov_planner::PlannedScope::Environment(id) = &a.scope
            {
                Some(id.clone())
            } else {
                None
            }
        })
        .chain(extra)
        .collect();
    let inventory_of: std::collections::BTreeSet<String> = match inventory {
        _ if !connection.inventory_known => {
            let wanted = match inventory {
                InventoryRead::None => false,
                InventoryRead::All => true,
                InventoryRead::Affected => {
                    !ppgov_planner::impact::affected_environments(&first, &observed, &catalog)
                        .is_empty()
                }
            };
            if wanted {
                eprintln!(
                    "note: {} holds no inventory (apps, flows, custom connectors), so what runs there, and what DLP changes break, is unknown; export one with `ppgov export --inventory`",
                    connection.source
                );
            }
            Default::default()
        }
        InventoryRead::None => Default::default(),
        InventoryRead::All => observed.environments.keys().cloned().collect(),
        InventoryRead::Affected => {
            ppgov_planner::impact::affected_environments(&first, &observed, &catalog)
        }
    };
    read_bap_roles(client, wanted, &mut observed).await?;
    if !inventory_of.is_empty() {
        observed.inventory = client
            .read_inventory(&inventory_of)
            .await
            .map_err(|e| {
                format!(
                    "cannot read the inventory (apps, flows, custom connectors) of {} environment(s) (--inventory {}): {e}",
                    inventory_of.len(),
                    match inventory {
                        InventoryRead::All => "all",
                        _ => "affected",
                    }
                )
            })?;
    }
    Ok(observed)
}

/// Refuses a tenant other than the one `ppgov.yaml` names in `spec.tenant.id`: planning or
/// applying one repository's policies to another organisation's tenant is never intended.
pub fn check_tenant(
    connection: &Connection,
    loaded: &Loaded,
    observed: &Observed,
) -> Result<(), String> {
    let (Some(declared), Some(seen)) = (&loaded.desired.project.tenant_id, &observed.tenant_id)
    else {
        return Ok(());
    };
    if declared.eq_ignore_ascii_case(seen) {
        return Ok(());
    }
    Err(format!(
        "wrong tenant: ppgov.yaml (`spec.tenant.id`) names tenant {declared}, but {} is tenant {seen}; nothing was planned or applied. Use the snapshot or credentials of tenant {declared}, or the repository of tenant {seen}",
        connection.source
    ))
}

/// Reads the BAP environment role assignments of the `ids` environments into `observed`
/// (see [`Client::observe_environment_roles`]).
pub async fn read_bap_roles(
    client: &Client,
    ids: std::collections::BTreeSet<String>,
    observed: &mut Observed,
) -> Result<(), String> {
    client
        .observe_environment_roles(&ids, observed)
        .await
        .map_err(|e| e.to_string())
}

/// The catalog to plan with: the live one when the project asks for it and it was read.
pub fn catalog_for(loaded: &Loaded, observed: &Observed) -> ppgov_core::catalog::Catalog {
    match &observed.connectors {
        Some(live) if loaded.desired.project.live_connector_catalog => {
            ppgov_core::catalog::Catalog::from_connectors(live.iter().cloned())
        }
        _ => loaded.catalog.clone(),
    }
}
