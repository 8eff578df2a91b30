//! The checked desired state: what the planner consumes.
//!
//! References are resolved (connectors to canonical ids, environments to targets) and every
//! collection is ordered (`BTreeMap`/`BTreeSet`), so the same input always yields the same
//! model, and the same plan. No spans, no YAML, no wire types.

use crate::catalog::ConnectorId;
pub use crate::doc::{
    AllowBlock, AllowDeny, Cloud, ConnectorGroup, EnvironmentType, OwnershipMode, PatternGroup,
    PrincipalType, Role, ScopeMode, TenantSettingsSpec,
};
pub use group_rules::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

mod group_rules;
crate::kind::kind_model_types!();

/// Everything the repository declares.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Desired {
    pub project: Project,
    pub environments: BTreeMap<String, Environment>,
    pub environment_groups: BTreeMap<String, EnvironmentGroup>,
    pub dlp_policies: BTreeMap<String, DlpPolicy>,
    /// Serialized as a list in key order (JSON object keys must be strings).
    #[serde(serialize_with = "values_in_key_order")]
    pub role_assignments: BTreeMap<RoleAssignmentKey, RoleAssignment>,
    pub tenant_settings: Option<TenantSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_isolation: Option<TenantIsolationPolicy>,
    /// Repository-only: governs where connectors may be classified; never planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_rating: Option<crate::rating::ConnectorRating>,
    /// Repository-only: the app criticality scale and reviews; never planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_criticality: Option<crate::app_criticality::AppCriticality>,
}

fn values_in_key_order<K, V: Serialize, S: serde::Serializer>(
    map: &BTreeMap<K, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(map.values())
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// `metadata.name` of the Project document; empty when there is none.
    pub name: String,
    pub tenant_id: Option<String>,
    pub cloud: Cloud,
    /// The application id to sign in as (lower-cased), when the project names one.
    pub client_id: Option<String>,
    /// A base URL for every API host, when the project names one.
    pub base_url: Option<String>,
    /// Use the tenant's live connector list when planning.
    pub live_connector_catalog: bool,
    pub ownership: Ownership,
    /// `spec.checks` of the project file, as written (the checks crate interprets it).
    pub checks: crate::doc::ChecksConfig,
    /// Approvers every change needs (`spec.approvals.default`).
    pub default_approvers: BTreeSet<String>,
    /// `spec.lifecycle.expiryWarningDays`, when set ([`Project::expiry_warning_days`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_warning_days: Option<u32>,
}

impl Project {
    /// How many days ahead of an environment's expiry the reports warn.
    pub fn expiry_warning_days(&self) -> u32 {
        self.expiry_warning_days.unwrap_or(30)
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ownership {
    pub environment_group: OwnershipMode,
    pub dlp_policy: OwnershipMode,
    pub role_assignment: OwnershipMode,
    pub tenant_isolation_policy: OwnershipMode,
}

/// Identity shared by every resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceMeta {
    pub name: String,
    /// A pinned live id, lower-cased.
    pub id: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// An environment as a reference resolves it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EnvironmentTarget {
    /// An `Environment` document, by `metadata.name`.
    Declared(String),
    /// A live environment by id (lower-cased).
    Id(String),
    /// A live environment by exact display name.
    DisplayName(String),
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentGroup {
    pub meta: ResourceMeta,
    pub display_name: String,
    pub description: String,
    /// Explicit members: listed in the group, or naming the group in their `Environment`.
    pub members: BTreeSet<EnvironmentTarget>,
    pub selectors: Vec<Selector>,
    pub rules: GroupRules,
    /// Who must approve a change to the group.
    pub owners: BTreeSet<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    pub types: BTreeSet<EnvironmentType>,
    /// Lower-cased.
    pub regions: BTreeSet<String>,
    /// Case-insensitive glob.
    pub display_name: Option<String>,
    pub labels: BTreeMap<String, String>,
}

/// The attributes a selector can see.
#[derive(Clone, Copy, Debug)]
pub struct SelectorInput<'a> {
    pub environment_type: Option<EnvironmentType>,
    pub region: Option<&'a str>,
    pub display_name: &'a str,
    pub labels: Option<&'a BTreeMap<String, String>>,
}

impl Selector {
    /// Compiles the display-name glob once, for matching many environments.
    pub fn compile(&self) -> CompiledSelector<'_> {
        let glob = self.display_name.as_deref().map(|g| {
            globset::GlobBuilder::new(g)
                .case_insensitive(true)
                .literal_separator(false)
                .build()
                .map(|g| g.compile_matcher())
        });
        CompiledSelector {
            selector: self,
            glob,
        }
    }
}

/// A [`Selector`] ready to match.
pub struct CompiledSelector<'a> {
    selector: &'a Selector,
    glob: Option<Result<globset::GlobMatcher, globset::Error>>,
}

impl CompiledSelector<'_> {
    /// Whether the selector matches. An attribute the input lacks never matches a condition
    /// on it; an invalid glob (already reported when loading) matches nothing.
    pub fn matches(&self, env: SelectorInput<'_>) -> bool {
        let s = self.selector;
        (s.types.is_empty() || env.environment_type.is_some_and(|t| s.types.contains(&t)))
            && (s.regions.is_empty()
                || env
                    .region
                    .is_some_and(|r| s.regions.contains(&r.to_lowercase())))
            && match &self.glob {
                None => true,
                Some(Ok(glob)) => glob.is_match(env.display_name),
                Some(Err(_)) => false,
            }
            && s.labels
                .iter()
                .all(|(k, v)| env.labels.is_some_and(|labels| labels.get(k) == Some(v)))
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DlpPolicy {
    pub meta: ResourceMeta,
    pub display_name: String,
    pub scope: DlpScope,
    pub default_group: ConnectorGroup,
    /// Connectors listed explicitly, with their group (the exceptions to the default).
    pub classification: BTreeMap<ConnectorId, ConnectorGroup>,
    pub action_rules: BTreeMap<ConnectorId, ActionRules>,
    /// Ordered rules per connector; the last is `*`.
    pub endpoint_rules: BTreeMap<ConnectorId, Vec<EndpointRule>>,
    /// Ordered; the last is `*` when any are given.
    pub custom_connector_patterns: Vec<UrlPattern>,
    /// Who must approve a change to the policy.
    pub owners: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DlpScope {
    pub mode: ScopeMode,
    pub environments: BTreeSet<EnvironmentTarget>,
    pub environment_groups: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRules {
    pub default_behavior: AllowBlock,
    /// Action id to behaviour.
    pub actions: BTreeMap<String, AllowBlock>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointRule {
    pub endpoint: String,
    pub behavior: AllowDeny,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlPattern {
    pub pattern: String,
    pub group: PatternGroup,
}

/// Where a role applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RoleScope {
    Tenant,
    EnvironmentGroup(String),
    Environment(EnvironmentTarget),
}

/// The natural key of a role assignment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentKey {
    /// Lower-cased object id.
    pub principal_id: String,
    pub role: Role,
    pub scope: RoleScope,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub key: RoleAssignmentKey,
    pub principal_type: PrincipalType,
    pub principal_name: Option<String>,
    /// The `RoleAssignment` document that declared it.
    pub document: String,
}

impl Role {
    /// Environment Admin and Maker are BAP environment roles; the rest are Power Platform RBAC.
    pub fn is_environment_role(self) -> bool {
        matches!(self, Role::EnvironmentAdmin | Role::EnvironmentMaker)
    }
}
