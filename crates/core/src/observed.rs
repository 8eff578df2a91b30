//! The tenant as observed: what the planner compares the desired state with.
//!
//! Model types only (no wire types, no spans): the tenant client converts the service's
//! JSON into these, and nothing else does. Every collection is ordered, so the same tenant
//! always yields the same value. Live objects ppgov cannot manage (an environment-level DLP
//! policy, a role the model has no name for) are still recorded, marked as such, so plans can
//! report them and never touch them.

use crate::catalog::{Connector, ConnectorId};
use crate::model::{
    ActionRules, ConnectorGroup, EndpointRule, GroupRules, PrincipalType, Role, ScopeMode,
    UrlPattern,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Observed {
    /// Lower-cased Entra tenant id.
    pub tenant_id: Option<String>,
    /// By lower-cased environment id.
    pub environments: BTreeMap<String, ObservedEnvironment>,
    /// By group id.
    pub environment_groups: BTreeMap<String, ObservedGroup>,
    /// By policy id (the policy GUID, `name` on the wire).
    pub dlp_policies: BTreeMap<String, ObservedDlpPolicy>,
    /// By assignment id.
    pub role_assignments: BTreeMap<String, ObservedRoleAssignment>,
    /// Every live tenant setting, flattened to dotted paths
    /// (`powerPlatform.powerApps.disableShareWithEveryone`).
    pub tenant_settings: BTreeMap<String, serde_json::Value>,
    /// The tenant isolation policy; `None` when the tenant has none (never written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_isolation: Option<crate::model::TenantIsolation>,
    /// The tenant's live connector catalog, when it was read.
    pub connectors: Option<Vec<Connector>>,
    /// Environments whose BAP role assignments were read; assignments of other environments
    /// are unknown, not absent.
    pub role_assignments_read_for: BTreeSet<String>,
    /// Environments whose own Power Platform RBAC scope was listed; `None` means every
    /// environment's was (and the tenant's and every group's always are). RBAC assignments at
    /// other environment scopes are unknown, not absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rbac_environment_scopes_read: Option<BTreeSet<String>>,
    /// What runs in the environments whose inventory was read (apps, flows, custom
    /// connectors). An environment absent from it was not read: its inventory is unknown, not
    /// empty. Read only when a plan or report needs it.
    #[serde(skip_serializing_if = "crate::inventory::Inventory::is_empty")]
    pub inventory: crate::inventory::Inventory,
    /// The day (UTC, `YYYY-MM-DD`) the tenant was read, which environment expiry is judged
    /// against; the caller's clock, so the planner stays pure. `None`: nothing expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_on: Option<String>,
}

impl Observed {
    /// Whether the RBAC assignments at environment `id`'s own scope were read.
    pub fn rbac_environment_scope_read(&self, id: &str) -> bool {
        self.rbac_environment_scopes_read
            .as_ref()
            .is_none_or(|read| read.contains(id))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObservedEnvironment {
    pub id: String,
    pub display_name: String,
    /// The platform's type (`Production`, `Sandbox`, `Developer`, `Default`, ...).
    pub environment_type: String,
    /// The location, e.g. `europe`.
    pub region: String,
    pub managed: bool,
    pub group_id: Option<String>,
    pub has_dataverse: bool,
    pub is_default: bool,
    /// A lifecycle operation is running: writes will be refused until it ends.
    pub busy: bool,
    /// The project whose ppgov created the environment (the ownership marker in its
    /// description), if one did: only such an environment is ever deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Why the platform refuses to delete it (`lifecycleOperationsEnforcement`), if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_blocked: Option<String>,
    /// The Dataverse to provision when ppgov creates the environment (a create's after-value
    /// only; not read back: the platform cannot change it afterwards).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataverse: Option<crate::model::Dataverse>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObservedGroup {
    pub id: String,
    pub display_name: String,
    pub description: String,
    pub rules: GroupRules,
    /// The group's classic rule set, if it has one.
    pub rule_set_id: Option<String>,
    /// The rule-based policy assigned to the group, if any.
    pub rule_based_policy_id: Option<String>,
    /// Rule-set parameters ppgov does not model (type -> value id -> value), kept so an
    /// update writes them back unchanged.
    pub unmodelled_rules: BTreeMap<String, BTreeMap<String, String>>,
    /// Rule sets of the rule-based policy ppgov does not model (id -> inputs), likewise.
    pub unmodelled_policy_rules: BTreeMap<String, serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedDlpPolicy {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    /// `None` for an environment-level policy (`SingleEnvironment`), which a tenant admin
    /// cannot manage: ppgov leaves it alone.
    pub scope_mode: Option<ScopeMode>,
    /// Lower-cased environment ids.
    #[serde(default)]
    pub environment_ids: BTreeSet<String>,
    pub default_group: ConnectorGroup,
    /// Every connector the policy lists, with its group, as listed.
    #[serde(default)]
    pub classification: BTreeMap<ConnectorId, ConnectorGroup>,
    #[serde(default)]
    pub action_rules: BTreeMap<ConnectorId, ActionRules>,
    /// Ordered by `order`.
    #[serde(default)]
    pub endpoint_rules: BTreeMap<ConnectorId, Vec<EndpointRule>>,
    /// Ordered by `order`.
    #[serde(default)]
    pub custom_connector_patterns: Vec<UrlPattern>,
    /// Changes on every write: the optimistic-concurrency fingerprint.
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
}

/// Where an observed assignment applies (ids, not names).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ObservedScope {
    Tenant,
    EnvironmentGroup(String),
    Environment(String),
    /// A scope string of a shape ppgov does not know, kept verbatim: the assignment is
    /// reported, never changed.
    Unknown(String),
}

/// A role assignment. `S` is its scope: an [`ObservedScope`] for a live assignment; a plan's
/// after-value uses a scope that may also name a group the same plan creates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedRoleAssignment<S = ObservedScope> {
    pub id: String,
    /// Lower-cased object id.
    pub principal_id: String,
    /// `None` for principals ppgov does not manage (e.g. BAP's whole-tenant principal).
    pub principal_type: Option<PrincipalType>,
    #[serde(default)]
    pub principal_name: Option<String>,
    /// `None` for roles ppgov has no name for (custom RBAC roles).
    pub role: Option<Role>,
    pub scope: S,
}

impl<S> ObservedRoleAssignment<S> {
    /// The same assignment at the scope `f` makes of this one's.
    pub fn map_scope<T, E>(
        self,
        f: impl FnOnce(S) -> Result<T, E>,
    ) -> Result<ObservedRoleAssignment<T>, E> {
        Ok(ObservedRoleAssignment {
            id: self.id,
            principal_id: self.principal_id,
            principal_type: self.principal_type,
            principal_name: self.principal_name,
            role: self.role,
            scope: f(self.scope)?,
        })
    }
}

impl ObservedRoleAssignment {
    /// A BAP environment role assignment (Environment Admin/Maker, or a BAP id), not a Power
    /// Platform RBAC one.
    pub fn is_bap(&self) -> bool {
        self.id.starts_with("/providers/") || self.role.is_some_and(|r| r.is_environment_role())
    }

    /// An RBAC assignment at an environment scope whose list was not read (see
    /// [`Observed::rbac_environment_scopes_read`]).
    pub fn in_unread_scope(&self, observed: &Observed) -> bool {
        match &self.scope {
            ObservedScope::Environment(env) => {
                !self.is_bap() && !observed.rbac_environment_scope_read(env)
            }
            _ => false,
        }
    }
}

/// Flattens a JSON object to dotted paths of its leaves (objects recurse; arrays and scalars
/// are leaves). Used for tenant settings, on both the desired and the observed side.
pub fn flatten_settings(value: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, serde_json::Value>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&path, v, out);
                }
            }
            serde_json::Value::Null => {}
            leaf => {
                out.insert(prefix.to_owned(), leaf.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", value, &mut out);
    out
}

/// The inverse of [`flatten_settings`] for a subset of paths: a sparse nested object, as the
/// update call wants.
pub fn nest_settings(flat: &BTreeMap<String, serde_json::Value>) -> serde_json::Value {
    let mut root = serde_json::Map::new();
    for (path, value) in flat {
        let mut here = &mut root;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                here.insert(part.to_owned(), value.clone());
            } else {
                here = here
                    .entry(part.to_owned())
                    .or_insert_with(|| serde_json::Value::Object(Default::default()))
                    .as_object_mut()
                    .expect("settings paths do not overlap");
            }
        }
    }
    serde_json::Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_flatten_and_nest_round_trip() {
        let v = json!({"a": true, "powerPlatform": {"powerApps": {"x": false, "y": 3}, "z": null}});
        let flat = flatten_settings(&v);
        assert_eq!(flat.len(), 3);
        assert_eq!(flat["powerPlatform.powerApps.y"], json!(3));
        assert_eq!(
            nest_settings(&flat),
            json!({"a": true, "powerPlatform": {"powerApps": {"x": false, "y": 3}}})
        );
    }
}
