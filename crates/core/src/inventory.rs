//! What runs in a tenant: canvas apps, cloud flows and custom connectors, per environment,
//! with the connectors each uses. Model types (no wire types): the tenant client converts
//! the service's answers into these, and the DLP evaluation ([`crate::dlp_eval`]) reads them.
//!
//! Connectors are keyed by [`connector_key`]: the last segment of the connector id,
//! lower-cased. App references arrive lower-cased (`/providers/microsoft.powerapps/apis/
//! shared_sql`) while policies keep the catalog's casing, so every comparison goes through
//! the key.

use crate::catalog::{API_PREFIX, Connector, ConnectorMetadata, Fact, Provenance, Tier};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

mod item_map;
mod usage;

pub use item_map::ItemMap;
pub use usage::{EnvironmentUsage, Member, ProfileId, ProfileUse, UsageIndex};

/// A connector as inventory and policies are matched: `shared_sql`, `http`, a custom
/// connector's `shared_contoso-5f2a...`; always lower-case.
pub type ConnectorKey = String;

/// The [`ConnectorKey`] of a connector id, API name or virtual connector id
/// (`/providers/Microsoft.PowerApps/apis/shared_sql`, `shared_sql` and `SHARED_SQL` all give
/// `shared_sql`; `Http` gives `http`).
pub fn connector_key(id: &str) -> ConnectorKey {
    id.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

/// Every connector an item uses, with what is known of each use.
pub type ConnectorUsage = BTreeMap<ConnectorKey, ConnectorUse>;

/// The inventory ppgov has read, by lower-cased environment id. An environment that is absent
/// was not read (its inventory is unknown, not empty).
///
/// It also keeps a [`UsageIndex`] (items grouped by the connectors they use), built by
/// [`Inventory::index_usage`] once the inventory is complete; derived data, never serialized
/// and ignored by equality. Deserializing builds it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "InventoryData")]
pub struct Inventory {
    pub environments: BTreeMap<String, EnvironmentInventory>,
    #[serde(skip)]
    usage: Option<Arc<UsageIndex>>,
}

/// [`Inventory`] as serialized.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct InventoryData {
    environments: BTreeMap<String, EnvironmentInventory>,
}

impl From<InventoryData> for Inventory {
    fn from(data: InventoryData) -> Inventory {
        let mut inventory = Inventory {
            environments: data.environments,
            usage: None,
        };
        inventory.index_usage();
        inventory
    }
}

impl PartialEq for Inventory {
    /// The usage index is derived from the environments: equal environments, equal inventories.
    fn eq(&self, other: &Inventory) -> bool {
        self.environments == other.environments
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvironmentInventory {
    /// Canvas apps by lower-cased app id.
    pub apps: ItemMap,
    /// Cloud flows by lower-cased flow id.
    pub flows: ItemMap,
    /// The environment's custom connectors, by key.
    pub custom_connectors: BTreeMap<ConnectorKey, CustomConnector>,
    /// Connections by lower-cased connection name.
    pub connections: BTreeMap<String, Connection>,
}

impl Inventory {
    /// Whether no environment's inventory was read.
    pub fn is_empty(&self) -> bool {
        self.environments.is_empty()
    }

    /// Builds the usage index; call once the inventory is complete (every item inserted,
    /// endpoints resolved). The inserting methods drop it again.
    pub fn index_usage(&mut self) {
        self.usage = Some(Arc::new(UsageIndex::build(self)));
    }

    /// The usage index: the one [`Inventory::index_usage`] built while it still matches the
    /// inventory, else one built now. It matches while the environments are the same, none of
    /// their apps and flows has changed since (any change to an [`ItemMap`] gives it a new
    /// stamp) and each has as many custom connectors.
    pub fn usage(&self) -> Cow<'_, UsageIndex> {
        match &self.usage {
            Some(index) if index.is_current_for(self) => Cow::Borrowed(index),
            _ => Cow::Owned(UsageIndex::build(self)),
        }
    }

    /// Files an item under its environment (by its kind and id; a second item with the same
    /// kind and id replaces the first).
    pub fn insert(&mut self, item: InventoryItem) {
        self.usage = None;
        let env = self
            .environments
            .entry(item.environment_id.clone())
            .or_default();
        let list = match item.kind {
            ItemKind::App => &mut env.apps,
            ItemKind::Flow => &mut env.flows,
        };
        list.insert(item.id.clone(), item);
    }

    /// Files a connection under its environment.
    pub fn insert_connection(&mut self, connection: Connection) {
        self.usage = None;
        self.environments
            .entry(connection.environment_id.clone())
            .or_default()
            .connections
            .insert(connection.name.clone(), connection);
    }

    /// Adds to every item's connector uses the endpoints of the connections it uses (by
    /// connection name, within its environment). Call once everything is inserted.
    pub fn resolve_endpoints(&mut self) {
        self.usage = None;
        for env in self.environments.values_mut() {
            let connections = &env.connections;
            for item in env.apps.values_mut().chain(env.flows.values_mut()) {
                for used in item.connectors.values_mut() {
                    let endpoints: Vec<String> = used
                        .connections
                        .iter()
                        .filter_map(|name| connections.get(name)?.endpoint.clone())
                        .collect();
                    used.endpoints.extend(endpoints);
                }
            }
        }
    }

    /// Files a custom connector under its environment.
    pub fn insert_custom_connector(&mut self, connector: CustomConnector) {
        self.usage = None;
        self.environments
            .entry(connector.environment_id.clone())
            .or_default()
            .custom_connectors
            .insert(connector.key.clone(), connector);
    }
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum ItemKind {
    /// A canvas app.
    #[default]
    App,
    /// A cloud flow.
    Flow,
}

/// A canvas app or a cloud flow: who owns it, how far it reaches, and what it connects to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InventoryItem {
    pub kind: ItemKind,
    /// The app or flow GUID, lower-cased.
    pub id: String,
    pub display_name: String,
    /// Lower-cased.
    pub environment_id: String,
    pub owner: Option<Owner>,
    /// As the service sends it (ISO 8601).
    pub last_modified: Option<String>,
    /// Users the item is shared with (apps); `None` when unknown.
    pub shared_users: Option<u64>,
    /// Groups the item is shared with (apps); `None` when unknown.
    pub shared_groups: Option<u64>,
    /// Flows: `Started`, `Stopped`, `Suspended` (the service suspends a violating flow).
    pub state: Option<String>,
    /// Every connector the item uses, with what is known of that use.
    pub connectors: ConnectorUsage,
    /// The service's own last DLP evaluation (apps carry one).
    pub service_evaluation: Option<ServiceEvaluation>,
    /// The service's risk flags for an app (`usesPremiumApi`, `usesCustomApi`,
    /// `usesOnPremiseGateway`); `None` when it does not say.
    #[serde(skip_serializing_if = "RiskFlags::is_empty")]
    pub risk_flags: RiskFlags,
    /// Apps: the app opens without asking users to consent to its connections
    /// (`bypassConsent`); `None` when the service does not say.
    pub bypass_consent: Option<bool>,
    /// Apps: an admin quarantined the app (only its owners can open it). The recorded app
    /// list carries no quarantine field; ppgov reads `appQuarantineState` or
    /// `quarantineStatus` (the write's spelling) when present: an assumption, `None` otherwise.
    pub quarantined: Option<bool>,
}

/// What the service says an app uses; each `None` when it does not say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RiskFlags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub premium: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_gateway: Option<bool>,
}

impl RiskFlags {
    pub fn is_empty(&self) -> bool {
        *self == RiskFlags::default()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Owner {
    /// Entra object id, lower-cased.
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
}

/// How an item uses one connector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectorUse {
    /// The service marked the connector custom (app references say so).
    pub custom: bool,
    /// The operations (actions and triggers) used, when known: a flow's definition summary
    /// lists them; an app's references do not (`None`: unknown, so action rules cannot be
    /// checked).
    pub operations: Option<BTreeSet<String>>,
    /// The connections (lower-cased names) the item uses this connector through, where
    /// known (a flow's connection references name them).
    pub connections: BTreeSet<String>,
    /// Static endpoints the item reaches through this connector, where known (the server of
    /// a SQL connection, ...). Empty: unknown, so endpoint rules cannot be checked.
    pub endpoints: BTreeSet<String>,
}

/// The service's evaluation of an app against the policies of its day
/// (`executionRestrictions.dataLossPreventionEvaluationResult`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceEvaluation {
    /// `Compliant` is the only value recorded.
    pub status: String,
    pub last_evaluated: Option<String>,
    /// How many violations the service listed.
    pub violation_count: usize,
    /// The connectors the service says the app uses, when its message names them.
    pub connectors: BTreeSet<ConnectorKey>,
}

impl ServiceEvaluation {
    pub fn is_compliant(&self) -> bool {
        self.status.eq_ignore_ascii_case("Compliant") && self.violation_count == 0
    }
}

/// A connection: who authenticated which connector, and where it points.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Connection {
    /// Lower-cased connection name.
    pub name: String,
    pub connector: ConnectorKey,
    pub display_name: String,
    /// Lower-cased.
    pub environment_id: String,
    pub created_by: Option<Owner>,
    /// The first status the service reports (`Connected`, `Error`, ...).
    pub status: Option<String>,
    /// The parameter set used to authenticate (`firstParty`, `oauth2-auth`, ...), when the
    /// connection names one.
    pub auth: Option<String>,
    /// The static endpoint, in the form the connector's endpoint rules use, where the
    /// connection parameters tell it (SQL Server: `server, database`).
    pub endpoint: Option<String>,
}

/// A custom connector of one environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomConnector {
    pub key: ConnectorKey,
    /// The full id as the service sends it.
    pub id: String,
    pub display_name: String,
    /// Lower-cased.
    pub environment_id: String,
    /// Scheme and host of the API it calls (`https://api.contoso.com`), matched against a
    /// policy's custom connector URL patterns; `None` when unknown.
    pub host_url: Option<String>,
    /// `Standard` or `Premium`, when the listing tells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// The publisher's name, when the listing tells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// The rating facts the listing holds (sign-in, created and changed times, ...).
    #[serde(skip_serializing_if = "ConnectorMetadata::is_empty")]
    pub metadata: ConnectorMetadata,
}

impl CustomConnector {
    /// The connector as a catalog entry, so connector ratings apply to it. A custom connector
    /// is premium unless the service says otherwise (custom connectors need a premium
    /// licence), and custom whatever the listing omits: only custom connectors are listed.
    pub fn as_catalog_connector(&self) -> Connector {
        let mut metadata = self.metadata.clone();
        metadata.custom = Some(Fact::new(true, Provenance::Live));
        let id = if self.id.starts_with(API_PREFIX) {
            self.id.clone()
        } else {
            format!(
                "{API_PREFIX}{}",
                self.id.rsplit('/').next().unwrap_or(&self.key)
            )
        };
        Connector {
            name: id.rsplit('/').next().unwrap_or(&self.key).to_owned(),
            id,
            display_name: self.display_name.clone(),
            tier: self.tier.unwrap_or(Tier::Premium),
            publisher: self.publisher.clone().unwrap_or_default(),
            unblockable: false,
            is_virtual: false,
            endpoint_filtering: false,
            metadata,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connector_keys_ignore_case_and_prefix() {
        for id in [
            "/providers/Microsoft.PowerApps/apis/shared_sql",
            "/providers/microsoft.powerapps/apis/shared_sql",
            "shared_SQL",
            " /providers/Microsoft.PowerApps/apis/shared_sql/ ",
        ] {
            assert_eq!(connector_key(id), "shared_sql", "{id}");
        }
        assert_eq!(connector_key("Http"), "http");
    }

    #[test]
    fn items_are_filed_by_environment_and_kind() {
        let mut inv = Inventory::default();
        for (kind, id) in [
            (ItemKind::App, "a"),
            (ItemKind::Flow, "a"),
            (ItemKind::Flow, "b"),
        ] {
            inv.insert(InventoryItem {
                kind,
                id: id.into(),
                environment_id: "env".into(),
                ..Default::default()
            });
        }
        let env = &inv.environments["env"];
        assert_eq!(env.apps.len(), 1);
        assert_eq!(env.flows.keys().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn endpoints_come_from_the_connections_an_item_uses() {
        let mut inv = Inventory::default();
        let mut flow = InventoryItem {
            kind: ItemKind::Flow,
            id: "f".into(),
            environment_id: "env".into(),
            ..Default::default()
        };
        let used = flow.connectors.entry("shared_sql".into()).or_default();
        used.connections.insert("c1".into());
        inv.insert(flow);
        for (name, env, endpoint) in [
            ("c1", "env", "a, db"),
            ("c2", "env", "b, db"),
            ("c1", "other", "c, db"),
        ] {
            inv.insert_connection(Connection {
                name: name.into(),
                connector: "shared_sql".into(),
                environment_id: env.into(),
                endpoint: Some(endpoint.into()),
                ..Default::default()
            });
        }
        inv.resolve_endpoints();
        let endpoints = &inv.environments["env"].flows["f"].connectors["shared_sql"].endpoints;
        assert_eq!(endpoints.iter().collect::<Vec<_>>(), ["a, db"]);
    }
}
