//! Inventory: the Power Apps and Flow admin answers (apps, flows, connections) to
//! `ppgov_core::inventory`. Connector ids are keyed case-insensitively (apps send them
//! lower-cased); an item whose environment cannot be told is an error naming it.

use super::{ConvertError, err};
use ppgov_core::inventory::{
    Connection, ConnectorKey, ConnectorUse, CustomConnector, InventoryItem, ItemKind, Owner,
    ServiceEvaluation, connector_key,
};
use ppgov_tenant_api::inventory as wi;
use std::collections::BTreeMap;

/// The connector an app's references use to call flows: flows are evaluated on their own,
/// and DLP policies do not classify it (it is not in the connector catalog).
const FLOW_CALLS: &str = "shared_logicflows";

/// The connector DLP counts an app's Dataverse database reference as (the service's own
/// evaluation names it for `databaseReferences["default.cds"]`).
const CURRENT_ENVIRONMENT_DATAVERSE: &str = "shared_commondataservice";

/// Flow actions and triggers without an `api` that DLP classifies as virtual connectors,
/// by the operation's `type` (`Http` action, `Request` trigger, ...).
fn virtual_connector(operation_type: &str, trigger: bool) -> Option<&'static str> {
    match (operation_type.to_ascii_lowercase().as_str(), trigger) {
        ("http", _) => Some("http"),
        ("httpwebhook", _) => Some("httpwebhook"),
        ("request", true) => Some("httprequestreceived"),
        _ => None,
    }
}

/// `.../environments/{env}/...` in a resource id.
fn environment_in_path(id: Option<&str>) -> Option<String> {
    let mut parts = id?.split('/');
    parts.find(|p| p.eq_ignore_ascii_case("environments"))?;
    parts
        .next()
        .filter(|e| !e.is_empty())
        .map(str::to_lowercase)
}

fn environment_of(
    what: &str,
    name: &str,
    env: Option<&wi::EnvironmentRef>,
    id: Option<&str>,
) -> Result<String, ConvertError> {
    match env
        .and_then(wi::EnvironmentRef::environment_id)
        .map(str::to_lowercase)
        .or_else(|| environment_in_path(id))
    {
        Some(e) => Ok(e),
        None => err(format!(
            "{what} {name}: neither properties.environment nor the id names its environment"
        )),
    }
}

fn owner(p: &wi::Principal) -> Owner {
    Owner {
        id: p.id.as_deref().map(str::to_lowercase),
        display_name: p.display_name.clone(),
        email: p.email.clone(),
    }
}

/// The connectors named by "The app uses the following connectors: a, b." (the service's
/// message accompanies even a compliant evaluation); empty when the sentence differs.
fn connectors_in_message(message: &str) -> impl Iterator<Item = ConnectorKey> + '_ {
    const PREFIX: &str = "the app uses the following connectors:";
    let list = message
        .get(..PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(PREFIX))
        .map(|_| &message[PREFIX.len()..])
        .unwrap_or_default();
    list.trim()
        .trim_end_matches('.')
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(connector_key)
}

/// One canvas app of the Power Apps admin list.
pub fn app(a: &wi::App) -> Result<InventoryItem, ConvertError> {
    let p = &a.properties;
    if a.name.is_empty() {
        return err("an app without a name (GUID)");
    }
    let environment_id = environment_of("app", &a.name, p.environment.as_ref(), a.id.as_deref())?;
    let mut connectors: BTreeMap<ConnectorKey, ConnectorUse> = BTreeMap::new();
    for r in p.connection_references.values() {
        let key = connector_key(&r.id);
        if key.is_empty() || key == FLOW_CALLS {
            continue;
        }
        let used = connectors.entry(key).or_default();
        used.custom |= r.is_custom_api_connection == Some(true);
    }
    if p.database_references
        .keys()
        .any(|k| k.eq_ignore_ascii_case("default.cds"))
    {
        connectors
            .entry(CURRENT_ENVIRONMENT_DATAVERSE.to_owned())
            .or_default();
    }
    let service_evaluation = p
        .execution_restrictions
        .as_ref()
        .and_then(|r| r.data_loss_prevention_evaluation_result.as_ref())
        .map(|e| ServiceEvaluation {
            status: e.status.clone().unwrap_or_default(),
            last_evaluated: e.last_evaluation_date.clone(),
            violation_count: e.violations.len().max(e.violations_by_policy.len()),
            connectors: e
                .violation_error_message
                .as_deref()
                .map(|m| connectors_in_message(m).collect())
                .unwrap_or_default(),
        });
    Ok(InventoryItem {
        kind: ItemKind::App,
        id: a.name.to_lowercase(),
        display_name: p.display_name.clone().unwrap_or_default(),
        environment_id,
        owner: p.owner.as_ref().map(owner),
        last_modified: p.last_modified_time.clone(),
        shared_users: p.shared_users_count,
        shared_groups: p.shared_groups_count,
        state: None,
        connectors,
        service_evaluation,
        risk_flags: ppgov_core::inventory::RiskFlags {
            premium: p.uses_premium_api,
            custom: p.uses_custom_api,
            on_premises_gateway: p.uses_on_premise_gateway,
        },
        bypass_consent: p.bypass_consent,
        quarantined: ["appQuarantineState", "quarantineStatus"]
            .iter()
            .find_map(|k| p.other.get(*k).and_then(|v| v.as_str()))
            .map(|state| state.eq_ignore_ascii_case("Quarantined")),
    })
}

/// One cloud flow: an item of the admin list (no connection references: connectors only
/// from the definition summary) or the per-flow GET (with them).
pub fn flow(f: &wi::Flow) -> Result<InventoryItem, ConvertError> {
    let p = &f.properties;
    if f.name.is_empty() {
        return err("a flow without a name (GUID)");
    }
    let environment_id = environment_of("flow", &f.name, p.environment.as_ref(), f.id.as_deref())?;
    let mut connectors: BTreeMap<ConnectorKey, ConnectorUse> = BTreeMap::new();
    for r in p.connection_references.values() {
        let key = connector_key(&r.id);
        if key.is_empty() {
            continue;
        }
        let used = connectors.entry(key).or_default();
        // The per-flow GET describes the connector in `apiDefinition.properties`.
        used.custom |= r
            .other
            .get("apiDefinition")
            .and_then(|d| d.pointer("/properties/isCustomApi"))
            .and_then(serde_json::Value::as_bool)
            == Some(true);
        if let Some(c) = r.connection_name.as_deref().filter(|c| !c.is_empty()) {
            used.connections.insert(c.to_lowercase());
        }
    }
    let summary = p.definition_summary.as_ref();
    let operations = summary
        .into_iter()
        .flat_map(|s| s.triggers.iter().map(|o| (o, true)))
        .chain(
            summary
                .into_iter()
                .flat_map(|s| s.actions.iter().map(|o| (o, false))),
        );
    for (op, trigger) in operations {
        let key = match op.api.as_ref().and_then(|api| api.id.as_deref()) {
            Some(id) => connector_key(id),
            None => match op
                .kind
                .as_deref()
                .and_then(|t| virtual_connector(t, trigger))
            {
                Some(v) => v.to_owned(),
                None => continue,
            },
        };
        let used = connectors.entry(key).or_default();
        // Action rules govern actions; a trigger only tells the connector is used.
        let operations = used.operations.get_or_insert_with(Default::default);
        if let (false, Some(id)) = (trigger, op.swagger_operation_id.as_deref()) {
            operations.insert(id.to_owned());
        }
    }
    Ok(InventoryItem {
        kind: ItemKind::Flow,
        id: f.name.to_lowercase(),
        display_name: p.display_name.clone().unwrap_or_default(),
        environment_id,
        owner: p.creator.as_ref().map(|c| Owner {
            id: c.object_id.as_deref().map(str::to_lowercase),
            display_name: None,
            email: None,
        }),
        last_modified: p.last_modified_time.clone(),
        shared_users: None,
        shared_groups: None,
        state: p.state.clone(),
        connectors,
        service_evaluation: None,
        risk_flags: Default::default(),
        bypass_consent: None,
        quarantined: None,
    })
}

/// A connection parameter's text: `connectionParameters` holds strings, a
/// `connectionParametersSet` holds `{ "value": ... }` objects.
fn parameter<'a>(c: &'a wi::ConnectionProperties, name: &str) -> Option<&'a str> {
    let plain = c.connection_parameters.as_ref().and_then(|p| p.get(name));
    let in_set = c
        .connection_parameters_set
        .as_ref()
        .and_then(|s| s.values.get(name))
        .map(|v| v.get("value").unwrap_or(v));
    plain
        .or(in_set)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The endpoint as endpoint rules write it, where the parameters tell it. Only SQL Server is
/// known (`server, database`, the form Learn's "Connector endpoint filtering" gives).
fn endpoint(connector: &str, c: &wi::ConnectionProperties) -> Option<String> {
    match connector {
        "shared_sql" => {
            let server = parameter(c, "server")?;
            Some(match parameter(c, "database") {
                Some(db) => format!("{server}, {db}"),
                None => server.to_owned(),
            })
        }
        _ => None,
    }
}

/// One connection of an environment's connection list.
pub fn connection(c: &wi::Connection) -> Result<Connection, ConvertError> {
    let p = &c.properties;
    if c.name.is_empty() {
        return err("a connection without a name");
    }
    let connector = connector_key(&p.api_id);
    if connector.is_empty() {
        return err(format!("connection {}: no properties.apiId", c.name));
    }
    let environment_id = match p
        .environment
        .as_ref()
        .and_then(wi::EnvironmentRef::environment_id)
    {
        Some(e) => e.to_lowercase(),
        None => return err(format!("connection {}: no properties.environment", c.name)),
    };
    Ok(Connection {
        name: c.name.to_lowercase(),
        endpoint: endpoint(&connector, p),
        connector,
        display_name: p.display_name.clone().unwrap_or_default(),
        environment_id,
        created_by: p.created_by.as_ref().map(owner),
        status: p.statuses.first().map(|s| s.status.clone()),
        auth: p.connection_parameters_set.as_ref().map(|s| s.name.clone()),
    })
}

/// `scheme://host` of an OpenAPI 2 document (`schemes[0]`, https when absent), the URL
/// custom connector URL patterns match.
fn swagger_host_url(swagger: &serde_json::Value) -> Option<String> {
    let host = swagger.get("host")?.as_str()?.trim();
    if host.is_empty() {
        return None;
    }
    let scheme = swagger
        .pointer("/schemes/0")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("https");
    Some(format!(
        "{}://{}",
        scheme.to_lowercase(),
        host.to_lowercase()
    ))
}

/// One custom connector of an environment's admin `apis` list; `environment` is the
/// environment it was listed in (the item's own `environment`, when it names one, wins).
pub fn custom_connector(
    c: &wi::CustomConnector,
    environment: &str,
) -> Result<CustomConnector, ConvertError> {
    let p = &c.properties;
    let key = connector_key(if c.name.is_empty() {
        c.id.as_deref().unwrap_or_default()
    } else {
        &c.name
    });
    if key.is_empty() {
        return err("a custom connector without a name");
    }
    let environment_id = p
        .environment
        .as_ref()
        .and_then(wi::EnvironmentRef::environment_id)
        .unwrap_or(environment)
        .to_lowercase();
    let text = |field: &str| {
        p.other
            .get(field)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    // The listing is the catalog shape: its properties give the same rating facts.
    let as_catalog = ppgov_tenant_api::connectors::ConnectorProperties {
        display_name: p.display_name.clone().unwrap_or_default(),
        tier: text("tier"),
        publisher: text("publisher"),
        is_custom_api: p.is_custom_api,
        other: p.other.clone(),
    };
    let mut metadata = super::connector_metadata::metadata(&as_catalog);
    // The admin listing holds custom connectors only; the model says so for every one.
    metadata.custom = None;
    Ok(CustomConnector {
        id: c.id.clone().unwrap_or_else(|| c.name.clone()),
        display_name: as_catalog.display_name,
        environment_id,
        host_url: p.swagger.as_ref().and_then(swagger_host_url),
        key,
        tier: as_catalog.tier.as_deref().map(|t| {
            if t.eq_ignore_ascii_case("premium") {
                ppgov_core::catalog::Tier::Premium
            } else {
                ppgov_core::catalog::Tier::Standard
            }
        }),
        publisher: as_catalog.publisher,
        metadata,
    })
}

// ---- model -> wire (the inventory of a tenant snapshot) ------------------------------------

/// The connector id the Power Apps resource provider gives `key`.
fn api_id(key: &str) -> String {
    format!("/providers/Microsoft.PowerApps/apis/{key}")
}

fn environment_ref(env: &str) -> wi::EnvironmentRef {
    wi::EnvironmentRef {
        id: Some(format!("/providers/Microsoft.PowerApps/environments/{env}")),
        name: Some(env.to_owned()),
        ..Default::default()
    }
}

fn principal(o: &Owner) -> wi::Principal {
    wi::Principal {
        id: o.id.clone(),
        display_name: o.display_name.clone(),
        email: o.email.clone(),
        ..Default::default()
    }
}

/// An app as the admin list would send it, with what the model knows (reads back through
/// [`app`] as the same item). The service's evaluation keeps its status, date and the
/// connectors its message named; its violations are kept as a count of empty entries.
pub fn app_to_wire(item: &InventoryItem) -> wi::App {
    let connection_references = item
        .connectors
        .iter()
        .map(|(key, used)| {
            let reference = wi::AppConnectionReference {
                id: api_id(key),
                is_custom_api_connection: used.custom.then_some(true),
                ..Default::default()
            };
            (key.clone(), reference)
        })
        .collect();
    let execution_restrictions = item.service_evaluation.as_ref().map(|e| {
        let named: Vec<&str> = e.connectors.iter().map(String::as_str).collect();
        wi::ExecutionRestrictions {
            data_loss_prevention_evaluation_result: Some(wi::DlpEvaluation {
                status: Some(e.status.clone()),
                last_evaluation_date: e.last_evaluated.clone(),
                violations: vec![serde_json::json!({}); e.violation_count],
                violation_error_message: (!named.is_empty()).then(|| {
                    format!(
                        "The app uses the following connectors: {}.",
                        named.join(", ")
                    )
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    });
    wi::App {
        name: item.id.clone(),
        id: Some(format!(
            "/providers/Microsoft.PowerApps/scopes/admin/environments/{}/apps/{}",
            item.environment_id, item.id
        )),
        properties: wi::AppProperties {
            display_name: Some(item.display_name.clone()),
            last_modified_time: item.last_modified.clone(),
            owner: item.owner.as_ref().map(principal),
            shared_users_count: item.shared_users,
            shared_groups_count: item.shared_groups,
            environment: Some(environment_ref(&item.environment_id)),
            connection_references,
            execution_restrictions,
            uses_premium_api: item.risk_flags.premium,
            uses_custom_api: item.risk_flags.custom,
            uses_on_premise_gateway: item.risk_flags.on_premises_gateway,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A flow as the per-flow admin GET would send it (reads back through [`flow`] as the same
/// item): a connection reference per connection used (one without a connection when none
/// is known), an action per operation, and a trigger on a connector whose operations are
/// known to be none.
pub fn flow_to_wire(item: &InventoryItem) -> wi::Flow {
    let mut connection_references = BTreeMap::new();
    let mut summary = wi::DefinitionSummary::default();
    for (key, used) in &item.connectors {
        let reference = |connection: Option<&String>| wi::FlowConnectionReference {
            id: api_id(key),
            connection_name: connection.cloned(),
            other: match used.custom {
                true => [(
                    "apiDefinition".to_owned(),
                    serde_json::json!({"properties": {"isCustomApi": true}}),
                )]
                .into(),
                false => BTreeMap::new(),
            },
            ..Default::default()
        };
        if used.connections.is_empty() {
            connection_references.insert(key.clone(), reference(None));
        }
        for (n, c) in used.connections.iter().enumerate() {
            connection_references.insert(format!("{key}_{n}"), reference(Some(c)));
        }
        let api = || {
            Some(ppgov_tenant_api::Identity {
                id: Some(api_id(key)),
                ..Default::default()
            })
        };
        match &used.operations {
            None => {}
            Some(ops) if ops.is_empty() => summary.triggers.push(wi::FlowOperation {
                api: api(),
                ..Default::default()
            }),
            Some(ops) => summary
                .actions
                .extend(ops.iter().map(|op| wi::FlowOperation {
                    kind: Some("OpenApiConnection".to_owned()),
                    swagger_operation_id: Some(op.clone()),
                    api: api(),
                    ..Default::default()
                })),
        }
    }
    wi::Flow {
        name: item.id.clone(),
        id: Some(format!(
            "/providers/Microsoft.ProcessSimple/environments/{}/flows/{}",
            item.environment_id, item.id
        )),
        properties: wi::FlowProperties {
            display_name: Some(item.display_name.clone()),
            state: item.state.clone(),
            last_modified_time: item.last_modified.clone(),
            environment: Some(environment_ref(&item.environment_id)),
            creator: item.owner.as_ref().map(|o| wi::FlowCreator {
                object_id: o.id.clone(),
                ..Default::default()
            }),
            definition_summary: Some(summary),
            connection_references,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A custom connector as the admin `apis` list would send it (the host URL as a minimal
/// OpenAPI `host` and `schemes`).
pub fn custom_connector_to_wire(c: &CustomConnector) -> wi::CustomConnector {
    let swagger = c.host_url.as_deref().map(|url| {
        let (scheme, host) = url.split_once("://").unwrap_or(("https", url));
        serde_json::json!({"host": host, "schemes": [scheme]})
    });
    wi::CustomConnector {
        name: c.key.clone(),
        id: Some(c.id.clone()),
        properties: wi::CustomConnectorProperties {
            display_name: Some(c.display_name.clone()),
            is_custom_api: Some(true),
            environment: Some(environment_ref(&c.environment_id)),
            swagger,
            other: custom_connector_properties_to_wire(c),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The catalog-shape properties of a custom connector: tier, publisher and its rating facts.
fn custom_connector_properties_to_wire(c: &CustomConnector) -> BTreeMap<String, serde_json::Value> {
    let mut out = super::connector_metadata::metadata_to_wire(&c.metadata);
    if let Some(tier) = c.tier {
        let tier = match tier {
            ppgov_core::catalog::Tier::Premium => "Premium",
            _ => "Standard",
        };
        out.insert("tier".to_owned(), tier.into());
    }
    if let Some(publisher) = &c.publisher {
        out.insert("publisher".to_owned(), publisher.as_str().into());
    }
    out
}

/// A connection as the admin list would send it; its endpoint (SQL Server `server,
/// database`) as the parameters it came from.
pub fn connection_to_wire(c: &Connection) -> wi::Connection {
    let mut values: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    if let Some(endpoint) = &c.endpoint {
        let (server, database) = match endpoint.split_once(',') {
            Some((s, d)) => (s.trim(), Some(d.trim())),
            None => (endpoint.trim(), None),
        };
        values.insert("server".to_owned(), server.into());
        if let Some(d) = database {
            values.insert("database".to_owned(), d.into());
        }
    }
    let (connection_parameters, connection_parameters_set) = match &c.auth {
        Some(name) => (
            None,
            Some(wi::ConnectionParameterSet {
                name: name.clone(),
                values: values
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::json!({ "value": v })))
                    .collect(),
            }),
        ),
        None => ((!values.is_empty()).then_some(values), None),
    };
    wi::Connection {
        name: c.name.clone(),
        id: Some(format!("{}/connections/{}", api_id(&c.connector), c.name)),
        properties: wi::ConnectionProperties {
            api_id: api_id(&c.connector),
            display_name: Some(c.display_name.clone()),
            statuses: c
                .status
                .iter()
                .map(|s| wi::ConnectionStatus {
                    status: s.clone(),
                    ..Default::default()
                })
                .collect(),
            connection_parameters,
            connection_parameters_set,
            created_by: c.created_by.as_ref().map(principal),
            environment: Some(environment_ref(&c.environment_id)),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Files `inventory` into a snapshot's collections (environment -> name -> wire object).
pub fn inventory_to_wire(
    inventory: &ppgov_core::inventory::Inventory,
    snapshot: &mut ppgov_tenant_api::snapshot::TenantSnapshot,
) {
    for (env, read) in &inventory.environments {
        let mut put = |apps: bool, item: &InventoryItem| match apps {
            true => {
                let app = app_to_wire(item);
                let list = snapshot.apps.entry(env.clone()).or_default();
                list.insert(app.name.clone(), app);
            }
            false => {
                let flow = flow_to_wire(item);
                let list = snapshot.flows.entry(env.clone()).or_default();
                list.insert(flow.name.clone(), flow);
            }
        };
        read.apps.values().for_each(|i| put(true, i));
        read.flows.values().for_each(|i| put(false, i));
        for c in read.custom_connectors.values() {
            let wire = custom_connector_to_wire(c);
            let list = snapshot.custom_connectors.entry(env.clone()).or_default();
            list.insert(wire.name.clone(), wire);
        }
        for c in read.connections.values() {
            let wire = connection_to_wire(c);
            let list = snapshot.connections.entry(env.clone()).or_default();
            list.insert(wire.name.clone(), wire);
        }
    }
}

#[cfg(test)]
mod tests;
