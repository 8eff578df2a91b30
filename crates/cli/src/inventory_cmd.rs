//! `ppgov inventory`: what runs in the tenant (or one environment), the connectors each app
//! and flow uses, their groups under the live DLP policies, and whether each item violates a
//! policy now. Reads the tenant like `plan` (a snapshot or a live tenant), then the
//! inventory of the environments shown; evaluates with `ppgov_core::dlp_eval`.
//!
//! One report model, three renderings: text for people, JSON (documented in
//! docs/inventory.md, `formatVersion` 1) and CSV (RFC 4180, a header row, one row per item).
//! Environments come in id order; items by display name, then id.

use crate::tenant::{self, TenantArgs};
use clap::{Args, ValueEnum};
use ppgov_core::dlp_eval::Evaluator;
use ppgov_core::inventory::{CustomConnector, EnvironmentInventory, InventoryItem, ItemKind};
use ppgov_core::model::ConnectorGroup;
use ppgov_core::observed::Observed;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct InventoryArgs {
    /// The policy directory, for `ppgov.yaml` (tenant id, cloud, connector catalog); optional.
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    #[command(flatten)]
    pub tenant: TenantArgs,
    /// Only this environment: its id or its display name (either without case).
    #[arg(long, value_name = "ID|NAME")]
    pub environment: Option<String>,
    #[arg(long, value_enum, default_value_t = InventoryFormat::Text)]
    pub format: InventoryFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    /// A readable listing per environment.
    Text,
    /// One JSON document (see docs/inventory.md).
    Json,
    /// One row per app, flow and custom connector, with a header row (RFC 4180).
    Csv,
}

/// The JSON document (`formatVersion` 1); text and CSV render the same values.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    format_version: u32,
    environments: Vec<EnvironmentReport>,
    summary: Summary,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    environments: usize,
    apps: usize,
    flows: usize,
    custom_connectors: usize,
    /// Apps and flows that violate at least one live policy.
    violating: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvironmentReport {
    id: String,
    display_name: String,
    /// The live policies that apply here, in policy id order.
    policies: Vec<PolicyRef>,
    apps: Vec<ItemReport>,
    flows: Vec<ItemReport>,
    custom_connectors: Vec<CustomConnectorReport>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyRef {
    id: String,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemReport {
    kind: &'static str,
    id: String,
    display_name: String,
    owner: Option<String>,
    last_modified: Option<String>,
    shared_users: Option<u64>,
    state: Option<String>,
    connectors: Vec<ConnectorReport>,
    violates: bool,
    violations: Vec<ViolationReport>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectorReport {
    connector: String,
    custom: bool,
    /// The connector's group under each applicable policy, by policy id: `business`,
    /// `nonBusiness`, `blocked`, or `unclassified` (an `Ignore` URL pattern).
    groups: BTreeMap<String, &'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ViolationReport {
    policy_id: String,
    policy_name: String,
    reasons: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomConnectorReport {
    connector: String,
    id: String,
    display_name: String,
    host_url: Option<String>,
}

pub fn run(args: InventoryArgs) -> Result<ExitCode, String> {
    let loaded = crate::repo::load_if_present(&args.policies)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let observed = runtime.block_on(async {
        let connection = tenant::connect(&args.tenant, &loaded).await?;
        let client = &connection.client;
        let options = ppgov_tenant_client::ObserveOptions {
            connectors: loaded.desired.project.live_connector_catalog,
            // No environment's RBAC scope: the inventory does not show roles.
            rbac_environment_scopes: Some(BTreeSet::new()),
            ..Default::default()
        };
        let mut observed = client.observe(&options).await.map_err(|e| e.to_string())?;
        tenant::check_tenant(&connection, &loaded, &observed)?;
        let environments = match &args.environment {
            Some(wanted) => BTreeSet::from([environment_id(&observed, wanted)?]),
            None => observed.environments.keys().cloned().collect(),
        };
        observed.inventory = client
            .read_inventory(&environments)
            .await
            .map_err(|e| format!("reading the inventory from {}: {e}", connection.source))?;
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        Ok::<_, String>(observed)
    })?;
    let catalog = tenant::catalog_for(&loaded, &observed);
    let report = report(
        &observed,
        &Evaluator::new(observed.dlp_policies.values(), &catalog),
    );
    match args.format {
        InventoryFormat::Text => print!("{}", text(&report)),
        InventoryFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("the report serializes")
        ),
        InventoryFormat::Csv => print!("{}", csv(&report)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The id of the environment `wanted` names: an id, else a unique display name.
fn environment_id(observed: &Observed, wanted: &str) -> Result<String, String> {
    let wanted = wanted.trim();
    if let Some(id) = observed
        .environments
        .keys()
        .find(|id| id.eq_ignore_ascii_case(wanted))
    {
        return Ok(id.clone());
    }
    let named: Vec<&String> = observed
        .environments
        .values()
        .filter(|e| e.display_name.trim().eq_ignore_ascii_case(wanted))
        .map(|e| &e.id)
        .collect();
    match named.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(format!(
            "--environment `{wanted}`: no environment of the tenant has that id or display name"
        )),
        many => Err(format!(
            "--environment `{wanted}`: {} environments have that display name ({}); give the id",
            many.len(),
            many.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn group_name(group: Option<ConnectorGroup>) -> &'static str {
    match group {
        Some(ConnectorGroup::Business) => "business",
        Some(ConnectorGroup::NonBusiness) => "nonBusiness",
        Some(ConnectorGroup::Blocked) => "blocked",
        None => "unclassified",
    }
}

fn report(observed: &Observed, evaluator: &Evaluator) -> Report {
    let mut environments = Vec::new();
    for (id, read) in &observed.inventory.environments {
        let display_name = observed
            .environments
            .get(id)
            .map(|e| e.display_name.clone())
            .unwrap_or_default();
        let policies = evaluator
            .effective(id)
            .map(|(p, _)| PolicyRef {
                id: p.policy.id.clone(),
                name: p.policy.display_name.clone(),
            })
            .collect();
        let items = |list: &ppgov_core::inventory::ItemMap| -> Vec<ItemReport> {
            let mut out: Vec<ItemReport> = list
                .values()
                .map(|item| item_report(item, read, evaluator))
                .collect();
            out.sort_by(|a, b| {
                (a.display_name.to_lowercase(), &a.id).cmp(&(b.display_name.to_lowercase(), &b.id))
            });
            out
        };
        environments.push(EnvironmentReport {
            id: id.clone(),
            display_name,
            policies,
            apps: items(&read.apps),
            flows: items(&read.flows),
            custom_connectors: read
                .custom_connectors
                .values()
                .map(custom_connector_report)
                .collect(),
        });
    }
    let count = |f: fn(&EnvironmentReport) -> usize| environments.iter().map(f).sum();
    let summary = Summary {
        environments: environments.len(),
        apps: count(|e| e.apps.len()),
        flows: count(|e| e.flows.len()),
        custom_connectors: count(|e| e.custom_connectors.len()),
        violating: count(|e| e.apps.iter().chain(&e.flows).filter(|i| i.violates).count()),
    };
    Report {
        format_version: 1,
        environments,
        summary,
    }
}

fn item_report(
    item: &InventoryItem,
    read: &EnvironmentInventory,
    evaluator: &Evaluator,
) -> ItemReport {
    let groups = evaluator.classification(item, &read.custom_connectors);
    let evaluation = evaluator.evaluate(item, &read.custom_connectors);
    ItemReport {
        kind: match item.kind {
            ItemKind::App => "app",
            ItemKind::Flow => "flow",
        },
        id: item.id.clone(),
        display_name: item.display_name.clone(),
        owner: item.owner.as_ref().and_then(|o| {
            o.display_name
                .clone()
                .or_else(|| o.email.clone())
                .or_else(|| o.id.clone())
        }),
        last_modified: item.last_modified.clone(),
        shared_users: item.shared_users,
        state: item.state.clone(),
        connectors: item
            .connectors
            .iter()
            .map(|(key, used)| ConnectorReport {
                connector: key.clone(),
                custom: used.custom || read.custom_connectors.contains_key(key),
                groups: groups
                    .get(key)
                    .into_iter()
                    .flatten()
                    .map(|(policy, group)| (policy.clone(), group_name(*group)))
                    .collect(),
            })
            .collect(),
        violates: !evaluation.complies(),
        violations: evaluation
            .violations
            .iter()
            .map(|v| ViolationReport {
                policy_id: v.policy_id.clone(),
                policy_name: v.policy_name.clone(),
                reasons: v.reasons.iter().map(ToString::to_string).collect(),
            })
            .collect(),
    }
}

fn custom_connector_report(c: &CustomConnector) -> CustomConnectorReport {
    CustomConnectorReport {
        connector: c.key.clone(),
        id: c.id.clone(),
        display_name: c.display_name.clone(),
        host_url: c.host_url.clone(),
    }
}

/// `shared_sql: business` when every applicable policy agrees, else the group per policy
/// name (`shared_sql: business (Baseline), blocked (Finance)`); `no policy` when none applies.
fn connector_text(c: &ConnectorReport, policy_names: &BTreeMap<&str, &str>) -> String {
    let distinct: BTreeSet<&str> = c.groups.values().copied().collect();
    let groups = match distinct.len() {
        0 => "no policy".to_owned(),
        1 => distinct.into_iter().next().unwrap_or_default().to_owned(),
        _ => c
            .groups
            .iter()
            .map(|(p, g)| {
                format!(
                    "{g} ({})",
                    policy_names.get(p.as_str()).unwrap_or(&p.as_str())
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    let custom = if c.custom { " [custom]" } else { "" };
    format!("{}{custom}: {groups}", c.connector)
}

fn policy_names(e: &EnvironmentReport) -> BTreeMap<&str, &str> {
    e.policies
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect()
}

fn text(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for e in &report.environments {
        let names = policy_names(e);
        let _ = writeln!(out, "Environment {} ({})", e.display_name, e.id);
        let policies: Vec<&str> = e.policies.iter().map(|p| p.name.as_str()).collect();
        let _ = writeln!(
            out,
            "  policies: {}",
            if policies.is_empty() {
                "none".to_owned()
            } else {
                policies.join(", ")
            }
        );
        for item in e.apps.iter().chain(&e.flows) {
            let mut facts = Vec::new();
            if let Some(o) = &item.owner {
                facts.push(format!("owner {o}"));
            }
            if let Some(m) = &item.last_modified {
                facts.push(format!("modified {m}"));
            }
            if let Some(u) = item.shared_users {
                facts.push(format!("shared with {u} users"));
            }
            if let Some(s) = &item.state {
                facts.push(s.to_lowercase());
            }
            let verdict = if item.violates { "VIOLATES" } else { "ok" };
            let _ = writeln!(
                out,
                "  {verdict:<8} {:<4} {} ({}){}",
                item.kind,
                item.display_name,
                item.id,
                if facts.is_empty() {
                    String::new()
                } else {
                    format!(" - {}", facts.join(", "))
                }
            );
            for c in &item.connectors {
                let _ = writeln!(out, "             {}", connector_text(c, &names));
            }
            for v in &item.violations {
                for r in &v.reasons {
                    let _ = writeln!(out, "             ! {}: {r}", v.policy_name);
                }
            }
        }
        for c in &e.custom_connectors {
            let _ = writeln!(
                out,
                "  custom connector {} ({}), host {}",
                c.display_name,
                c.connector,
                c.host_url.as_deref().unwrap_or("unknown")
            );
        }
        out.push('\n');
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "Inventory: {} apps, {} flows, {} custom connectors in {} environments; {} violate a policy now.",
        s.apps, s.flows, s.custom_connectors, s.environments, s.violating
    );
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

const CSV_HEADER: [&str; 13] = [
    "environmentId",
    "environmentName",
    "kind",
    "id",
    "displayName",
    "owner",
    "lastModified",
    "sharedUsers",
    "state",
    "connectors",
    "hostUrl",
    "violates",
    "violations",
];

fn csv(report: &Report) -> String {
    let mut rows: Vec<Vec<String>> = vec![CSV_HEADER.iter().map(|h| h.to_string()).collect()];
    for e in &report.environments {
        let names = policy_names(e);
        for item in e.apps.iter().chain(&e.flows) {
            let connectors: Vec<String> = item
                .connectors
                .iter()
                .map(|c| connector_text(c, &names))
                .collect();
            let violations: Vec<String> = item
                .violations
                .iter()
                .flat_map(|v| {
                    v.reasons
                        .iter()
                        .map(move |r| format!("{}: {r}", v.policy_name))
                })
                .collect();
            rows.push(vec![
                e.id.clone(),
                e.display_name.clone(),
                item.kind.to_owned(),
                item.id.clone(),
                item.display_name.clone(),
                item.owner.clone().unwrap_or_default(),
                item.last_modified.clone().unwrap_or_default(),
                item.shared_users.map(|u| u.to_string()).unwrap_or_default(),
                item.state.clone().unwrap_or_default(),
                connectors.join("; "),
                String::new(),
                item.violates.to_string(),
                violations.join("; "),
            ]);
        }
        for c in &e.custom_connectors {
            rows.push(vec![
                e.id.clone(),
                e.display_name.clone(),
                "customConnector".to_owned(),
                c.connector.clone(),
                c.display_name.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                c.host_url.clone().unwrap_or_default(),
                String::new(),
                String::new(),
            ]);
        }
    }
    rows.iter()
        .map(|r| {
            let fields: Vec<String> = r.iter().map(|f| csv_field(f)).collect();
            format!("{}\r\n", fields.join(","))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_as_rfc_4180_says() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
