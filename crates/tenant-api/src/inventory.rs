//! What runs in a tenant: canvas apps (Power Apps admin scope), cloud flows (Flow admin
//! scope) and connections. Read-only shapes, tolerant like the SDKs: every field that the
//! recordings or the generated models show may be absent or `null`, and unknown fields are
//! kept so nothing is lost on the way through.
//!
//! Sources and confidence: `shared/reference/inventory-advisor-lifecycle-api.md` §2.

use crate::Identity;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `null` reads as the default, like an absent field.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A person or principal as the Power Apps and Flow resource providers describe one
/// (`owner`, `createdBy`, `lastModifiedBy`, connection `createdBy`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// The environment an inventory item lives in: `{ id, name?, location? }`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl EnvironmentRef {
    /// The environment id: `name` when present, else the last segment of `id`.
    pub fn environment_id(&self) -> Option<&str> {
        self.name
            .as_deref()
            .or_else(|| self.id.as_deref().and_then(|id| id.rsplit('/').next()))
            .filter(|s| !s.is_empty())
    }
}

// ---- canvas apps ------------------------------------------------------------------------------

/// One canvas app of `GET api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/
/// environments/{env}/apps` (paged with `nextLink`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    /// The app's GUID.
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `ClassicCanvasApp`, `CustomCanvasPage`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_type: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: AppProperties,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Principal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Principal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<Principal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_users_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_groups_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentRef>,
    /// A map keyed by GUID (the swagger and the SDK type it as an array; the service sends
    /// an object). An array is accepted too, keyed by position.
    #[serde(default, deserialize_with = "keyed_references")]
    pub connection_references: BTreeMap<String, AppConnectionReference>,
    /// Dataverse databases the app reads, keyed like `default.cds` (the environment's own
    /// database, which DLP counts as the `shared_commondataservice` connector).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub database_references: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_restrictions: Option<ExecutionRestrictions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bypass_consent: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses_premium_api: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses_custom_api: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses_on_premise_gateway: Option<bool>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// One entry of an app's `connectionReferences`. Connector ids arrive lower-cased
/// (`/providers/microsoft.powerapps/apis/shared_sql`): compare them case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppConnectionReference {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_custom_api_connection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_on_premise_connection: Option<bool>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// The service's own last DLP evaluation of an app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionRestrictions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_teams_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_loss_prevention_evaluation_result: Option<DlpEvaluation>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DlpEvaluation {
    /// `Compliant` is the only value recorded; others are unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_evaluation_date: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub violations: Vec<Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub violations_by_policy: Vec<Value>,
    /// A sentence naming the connectors evaluated ("The app uses the following connectors:
    /// shared_commondataservice."), even when compliant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation_error_message: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

// ---- cloud flows ------------------------------------------------------------------------------

/// One cloud flow: an item of `GET api.flow.microsoft.com/providers/Microsoft.ProcessSimple/
/// scopes/admin/environments/{env}/v2/flows` (no connection references there) or the answer
/// of the per-flow GET (with them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: FlowProperties,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `Started`, `Stopped`, `Suspended`, `Deleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    /// `None` when the flow is not suspended; other values are not documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_suspension_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<FlowCreator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition_summary: Option<DefinitionSummary>,
    /// Only on the per-flow GET: a map keyed by reference name (the swagger types it as an
    /// array; both are accepted). Left out when empty, as the admin list does.
    #[serde(
        default,
        deserialize_with = "keyed_references",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub connection_references: BTreeMap<String, FlowConnectionReference>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowCreator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowConnectionReference {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// Triggers and actions with the connector (`api.id`) each one calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionSummary {
    #[serde(default, deserialize_with = "null_as_default")]
    pub triggers: Vec<FlowOperation>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub actions: Vec<FlowOperation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowOperation {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swagger_operation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<Identity>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

// ---- connections ------------------------------------------------------------------------------

/// One connection of `GET {env-host}/connectivity/connections?api-version=1` (or the Power
/// Apps admin list): who authenticated which connector, and how.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: ConnectionProperties,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionProperties {
    /// `/providers/Microsoft.PowerApps/apis/shared_...`.
    #[serde(default)]
    pub api_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub statuses: Vec<ConnectionStatus>,
    /// Either this map of parameter values ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_parameters: Option<BTreeMap<String, Value>>,
    /// ... or a named parameter set (its name tells the auth mode, e.g. `firstParty`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_parameters_set: Option<ConnectionParameterSet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Principal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentRef>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectionStatus {
    #[serde(default)]
    pub status: String,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectionParameterSet {
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub values: BTreeMap<String, Value>,
}

// ---- custom connectors ------------------------------------------------------------------------

/// One custom connector of `GET api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/
/// environments/{env}/apis` (custom connectors only; the catalog shape plus `environment`,
/// `createdBy`, `apiDefinitions`, `metadata`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomConnector {
    /// The API name, `shared_contoso-2dapi-5f...`.
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: CustomConnectorProperties,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomConnectorProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_custom_api: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Principal>,
    /// The OpenAPI document, when the answer includes it: its `schemes` and `host` are the
    /// URL that custom connector URL patterns match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swagger: Option<Value>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// The connector name (`shared_sql`) at the end of a connector id, lower-cased: app
/// references arrive lower-cased while DLP policies keep the catalog's casing.
pub fn connector_name(api_id: &str) -> String {
    api_id
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A reference collection the service sends as a map keyed by id, that swaggers type as an
/// array; `null` is empty. Array entries are keyed by their position, zero-padded so the
/// map keeps their order.
fn keyed_references<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either<T> {
        Map(BTreeMap<String, T>),
        List(Vec<T>),
    }
    Ok(match Option::<Either<T>>::deserialize(d)? {
        None => BTreeMap::new(),
        Some(Either::Map(m)) => m,
        Some(Either::List(v)) => v
            .into_iter()
            .enumerate()
            .map(|(i, r)| (format!("{i:06}"), r))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_as_a_map_an_array_or_null() {
        let map: AppProperties = serde_json::from_str(
            r#"{"connectionReferences":{"a1":{"id":"/providers/microsoft.powerapps/apis/shared_sql"}}}"#,
        )
        .unwrap();
        assert_eq!(
            map.connection_references["a1"].id,
            "/providers/microsoft.powerapps/apis/shared_sql"
        );
        let list: FlowProperties = serde_json::from_str(
            r#"{"connectionReferences":[{"id":"/x/shared_a"},{"id":"/x/shared_b"}]}"#,
        )
        .unwrap();
        let ids: Vec<_> = list.connection_references.values().map(|r| &r.id).collect();
        assert_eq!(ids, ["/x/shared_a", "/x/shared_b"]);
        let none: FlowProperties =
            serde_json::from_str(r#"{"connectionReferences":null}"#).unwrap();
        assert!(none.connection_references.is_empty());
    }

    #[test]
    fn null_objects_read_as_empty() {
        let app: App = serde_json::from_str(r#"{"name":"a","properties":null}"#).unwrap();
        assert_eq!(app.properties, AppProperties::default());
        let e: DlpEvaluation = serde_json::from_str(r#"{"violations":null}"#).unwrap();
        assert!(e.violations.is_empty());
    }

    #[test]
    fn connector_names_are_compared_lower_cased() {
        assert_eq!(
            connector_name("/providers/Microsoft.PowerApps/apis/shared_SQL"),
            "shared_sql"
        );
        assert_eq!(connector_name("shared_office365"), "shared_office365");
    }

    #[test]
    fn environment_id_from_name_or_id() {
        let e: EnvironmentRef = serde_json::from_str(
            r#"{"id":"/providers/Microsoft.PowerApps/environments/Default-1"}"#,
        )
        .unwrap();
        assert_eq!(e.environment_id(), Some("Default-1"));
        let e: EnvironmentRef = serde_json::from_str(r#"{"id":"/x/y","name":"abc"}"#).unwrap();
        assert_eq!(e.environment_id(), Some("abc"));
    }
}
