//! Hosts, paths and api-versions.
//!
//! A path here is relative to a host's base URL, which is configuration: the real service,
//! a sovereign cloud, or the emulator on loopback.

/// The API hosts ppgov talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Host {
    /// `api.bap.microsoft.com`: environments, DLP policies, BAP roles, tenant settings.
    Bap,
    /// `api.powerapps.com`: the connector catalog; inventory (apps, custom connectors,
    /// connections).
    PowerApps,
    /// `api.powerplatform.com`: environment groups, rule sets, rule-based policies, RBAC.
    PowerPlatform,
    /// `api.flow.microsoft.com`: cloud flows (inventory).
    Flow,
}

impl Host {
    pub const ALL: [Host; 4] = [Host::Bap, Host::PowerApps, Host::PowerPlatform, Host::Flow];

    /// The base URL of the public cloud.
    pub fn public_base_url(self) -> &'static str {
        match self {
            Host::Bap => "https://api.bap.microsoft.com",
            Host::PowerApps => "https://api.powerapps.com",
            Host::PowerPlatform => "https://api.powerplatform.com",
            Host::Flow => "https://api.flow.microsoft.com",
        }
    }

    /// The OAuth scope of tokens for this host (public cloud).
    pub fn public_scope(self) -> &'static str {
        match self {
            Host::Bap | Host::PowerApps => "https://service.powerapps.com/.default",
            Host::PowerPlatform => "https://api.powerplatform.com/.default",
            // The double slash is the resource id's own trailing slash (as clients send it).
            Host::Flow => "https://service.flow.microsoft.com//.default",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Host::Bap => "bap",
            Host::PowerApps => "powerapps",
            Host::PowerPlatform => "powerplatform",
            Host::Flow => "flow",
        }
    }
}

/// api-versions, one constant per API family.
pub mod versions {
    /// BAP environments (admin scope) and tenant settings.
    pub const BAP_ENVIRONMENTS: &str = "2023-06-01";
    /// BAP role assignments and governance configuration (managed environments).
    pub const BAP_2021: &str = "2021-04-01";
    /// The Power Platform API (groups, rule sets, rule-based policies, RBAC).
    pub const POWER_PLATFORM: &str = "2024-10-01";
    /// The Power Apps connector list.
    pub const POWERAPPS_APIS: &str = "2019-05-01";
    /// The Power Apps admin app list, as recorded (`inventory/powerapps-admin-list-apps.json`).
    pub const POWERAPPS_ADMIN: &str = "2023-06-01";
    /// The Power Apps admin connection list (reference §2.4, generated connector).
    pub const POWERAPPS_CONNECTIONS: &str = "2016-11-01";
    /// The Power Apps admin custom connector list (reference §3, generated connector).
    pub const POWERAPPS_CUSTOM_CONNECTORS: &str = "2017-05-01";
    /// The Flow admin routes (reference §2.2).
    pub const FLOW_ADMIN: &str = "2016-11-01";
}

/// A request target: host, path and query (already encoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub host: Host,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
}

impl Endpoint {
    pub(crate) fn new(host: Host, path: impl Into<String>) -> Self {
        Endpoint {
            host,
            path: path.into(),
            query: Vec::new(),
        }
    }

    fn version(mut self, v: &str) -> Self {
        self.query.push(("api-version", v.to_owned()));
        self
    }

    pub fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    /// `path?query`, percent-encoding query values.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("{}?{}", self.path, query.join("&"))
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'$' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

const BAP_ADMIN_ENVS: &str = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments";
const GOVERNANCE_V2: &str = "/providers/PowerPlatform.Governance/v2/policies";

// ---- environments -------------------------------------------------------------------------

pub fn list_environments() -> Endpoint {
    Endpoint::new(Host::Bap, BAP_ADMIN_ENVS).version(versions::BAP_ENVIRONMENTS)
}

pub fn get_environment(env: &str) -> Endpoint {
    Endpoint::new(Host::Bap, format!("{BAP_ADMIN_ENVS}/{env}")).version(versions::BAP_ENVIRONMENTS)
}

/// Creates an environment (BAP; the lifecycle operation's `Location` is on a geo host).
pub fn create_environment() -> Endpoint {
    Endpoint::new(
        Host::Bap,
        "/providers/Microsoft.BusinessAppPlatform/environments",
    )
    .version(versions::BAP_ENVIRONMENTS)
}

/// Deletes an environment: `DELETE` on its admin path (202 + lifecycle operation, 204, or
/// 404 when already gone).
pub fn delete_environment(env: &str) -> Endpoint {
    get_environment(env)
}

/// Turns Managed Environment on (`protectionLevel: Standard`) or off (`Basic`).
pub fn governance_configuration(env: &str) -> Endpoint {
    Endpoint::new(
        Host::Bap,
        format!(
            "/providers/Microsoft.BusinessAppPlatform/environments/{env}/governanceConfiguration"
        ),
    )
    .version(versions::BAP_2021)
}

/// A BAP lifecycle operation, polled at the `Location` of a 202 (absolute URLs from the
/// service are followed verbatim; this is the path the emulator serves).
pub fn lifecycle_operation(id: &str) -> Endpoint {
    Endpoint::new(
        Host::Bap,
        format!("/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/{id}"),
    )
    .version(versions::BAP_2021)
}

// ---- environment groups ---------------------------------------------------------------------

pub fn environment_groups() -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        "/environmentmanagement/environmentGroups",
    )
    .version(versions::POWER_PLATFORM)
}

pub fn environment_group(group: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/environmentmanagement/environmentGroups/{group}"),
    )
    .version(versions::POWER_PLATFORM)
}

pub fn add_environment_to_group(group: &str, env: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/environmentmanagement/environmentGroups/{group}/addEnvironment/{env}"),
    )
    .version(versions::POWER_PLATFORM)
}

pub fn remove_environment_from_group(group: &str, env: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/environmentmanagement/environmentGroups/{group}/removeEnvironment/{env}"),
    )
    .version(versions::POWER_PLATFORM)
}

/// Status of an environment-group add/remove operation (`Operation-Location` of a 202).
pub fn environment_group_operation(id: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/environmentmanagement/environmentGroupOperations/{id}"),
    )
    .version(versions::POWER_PLATFORM)
}

// ---- rule sets and rule-based policies ------------------------------------------------------

/// Every rule set in the tenant, in one paged list.
pub fn rule_sets() -> Endpoint {
    Endpoint::new(Host::PowerPlatform, "/governance/ruleSets").version(versions::POWER_PLATFORM)
}

pub fn group_rule_sets(group: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/governance/environmentGroups/{group}/ruleSets"),
    )
    .version(versions::POWER_PLATFORM)
}

pub fn rule_set(id: &str) -> Endpoint {
    Endpoint::new(Host::PowerPlatform, format!("/governance/ruleSets/{id}"))
        .version(versions::POWER_PLATFORM)
}

pub fn rule_based_policies() -> Endpoint {
    Endpoint::new(Host::PowerPlatform, "/governance/ruleBasedPolicies")
        .version(versions::POWER_PLATFORM)
}

pub fn rule_based_policy(id: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/governance/ruleBasedPolicies/{id}"),
    )
    .version(versions::POWER_PLATFORM)
}

/// Every assignment of every rule-based policy.
pub fn rule_based_policy_assignments() -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        "/governance/ruleBasedPolicies/assignments",
    )
    .version(versions::POWER_PLATFORM)
}

pub fn assign_rule_based_policy_to_group(policy: &str, group: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/governance/ruleBasedPolicies/{policy}/environmentGroups/{group}/assignments"),
    )
    .version(versions::POWER_PLATFORM)
}

// ---- DLP policies -----------------------------------------------------------------------------

/// The v2 (wrapped) policy list. Items carry no connector groups: read each with
/// [`dlp_policy`]. The Governance routes take no api-version.
pub fn dlp_policies() -> Endpoint {
    Endpoint::new(Host::Bap, GOVERNANCE_V2)
}

pub fn dlp_policy(name: &str) -> Endpoint {
    Endpoint::new(Host::Bap, format!("{GOVERNANCE_V2}/{name}"))
}

// ---- roles ---------------------------------------------------------------------------------------

pub fn environment_role_assignments(env: &str) -> Endpoint {
    Endpoint::new(Host::Bap, format!("{BAP_ADMIN_ENVS}/{env}/roleAssignments"))
        .version(versions::BAP_2021)
}

pub fn modify_environment_role_assignments(env: &str) -> Endpoint {
    Endpoint::new(
        Host::Bap,
        format!("{BAP_ADMIN_ENVS}/{env}/modifyRoleAssignments"),
    )
    .version(versions::BAP_2021)
}

/// Power Platform RBAC assignments at the tenant scope. Assignments at group and environment
/// scope are listed by [`rbac_group_role_assignments`] and [`rbac_environment_role_assignments`]
/// (see the tenant-client README, "RBAC scopes").
pub fn rbac_role_assignments() -> Endpoint {
    Endpoint::new(Host::PowerPlatform, "/authorization/roleAssignments")
        .version(versions::POWER_PLATFORM)
}

pub fn rbac_role_assignment(id: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/authorization/roleAssignments/{id}"),
    )
    .version(versions::POWER_PLATFORM)
}

/// RBAC assignments at one environment group's scope (list and create).
pub fn rbac_group_role_assignments(group: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/authorization/environmentGroups/{group}/roleAssignments"),
    )
    .version(versions::POWER_PLATFORM)
}

pub fn rbac_group_role_assignment(group: &str, id: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/authorization/environmentGroups/{group}/roleAssignments/{id}"),
    )
    .version(versions::POWER_PLATFORM)
}

/// RBAC assignments at one environment's scope (list and create).
pub fn rbac_environment_role_assignments(env: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/authorization/environments/{env}/roleAssignments"),
    )
    .version(versions::POWER_PLATFORM)
}

pub fn rbac_environment_role_assignment(env: &str, id: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!("/authorization/environments/{env}/roleAssignments/{id}"),
    )
    .version(versions::POWER_PLATFORM)
}

pub fn rbac_role_definitions() -> Endpoint {
    Endpoint::new(Host::PowerPlatform, "/authorization/roleDefinitions")
        .version(versions::POWER_PLATFORM)
}

// ---- tenant -------------------------------------------------------------------------------------

pub fn tenant() -> Endpoint {
    Endpoint::new(Host::Bap, "/providers/Microsoft.BusinessAppPlatform/tenant")
        .version(versions::BAP_2021)
}

/// POST, no body: the whole settings object.
pub fn list_tenant_settings() -> Endpoint {
    Endpoint::new(
        Host::Bap,
        "/providers/Microsoft.BusinessAppPlatform/listTenantSettings",
    )
    .version(versions::BAP_ENVIRONMENTS)
}

/// POST a sparse object: a deep merge; the answer is the whole settings object.
pub fn update_tenant_settings() -> Endpoint {
    Endpoint::new(
        Host::Bap,
        "/providers/Microsoft.BusinessAppPlatform/scopes/admin/updateTenantSettings",
    )
    .version(versions::BAP_ENVIRONMENTS)
}

// ---- connectors ------------------------------------------------------------------------------

/// The connectors of the default environment, i.e. the tenant's catalog.
pub fn connectors() -> Endpoint {
    Endpoint::new(Host::PowerApps, "/providers/Microsoft.PowerApps/apis")
        .version(versions::POWERAPPS_APIS)
        .with("$filter", "environment eq '~Default'")
        .with("hideDlpExemptApis", "true")
        .with("showAllDlpEnforceableApis", "true")
        .with("showApisWithToS", "true")
}

// ---- inventory -------------------------------------------------------------------------------

/// The canvas apps of one environment (admin scope), paged with `nextLink`; the page size
/// is the service's (the recorded request sends no `$top`).
pub fn environment_apps(env: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerApps,
        format!("{POWERAPPS_ADMIN_ENVS}/{env}/apps"),
    )
    .version(versions::POWERAPPS_ADMIN)
}

const POWERAPPS_ADMIN_ENVS: &str = "/providers/Microsoft.PowerApps/scopes/admin/environments";
const FLOW_ADMIN_ENVS: &str = "/providers/Microsoft.ProcessSimple/scopes/admin/environments";

/// The cloud flows of one environment (admin scope, `v2` list), paged with `nextLink`. The
/// items carry no connection references: [`environment_flow`] does.
pub fn environment_flows(env: &str) -> Endpoint {
    Endpoint::new(Host::Flow, format!("{FLOW_ADMIN_ENVS}/{env}/v2/flows"))
        .version(versions::FLOW_ADMIN)
}

/// One cloud flow (admin scope), with its connection references.
pub fn environment_flow(env: &str, flow: &str) -> Endpoint {
    Endpoint::new(Host::Flow, format!("{FLOW_ADMIN_ENVS}/{env}/flows/{flow}"))
        .version(versions::FLOW_ADMIN)
}

/// The custom connectors of one environment (admin scope: custom ones only), paged.
pub fn environment_custom_connectors(env: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerApps,
        format!("{POWERAPPS_ADMIN_ENVS}/{env}/apis"),
    )
    .version(versions::POWERAPPS_CUSTOM_CONNECTORS)
    .with("$top", "250")
}

/// The connections of one environment (admin scope), paged.
pub fn environment_connections(env: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerApps,
        format!("{POWERAPPS_ADMIN_ENVS}/{env}/connections"),
    )
    .version(versions::POWERAPPS_CONNECTIONS)
    .with("$top", "250")
}

pub fn unblockable_connectors() -> Endpoint {
    Endpoint::new(
        Host::Bap,
        "/providers/PowerPlatform.Governance/v1/connectors/metadata/unblockable",
    )
}

pub fn virtual_connectors() -> Endpoint {
    Endpoint::new(
        Host::Bap,
        "/providers/PowerPlatform.Governance/v1/connectors/metadata/virtual",
    )
}

// ---- Power Platform Advisor ([G]: see `advisor`) ------------------------------------------

const ADVISOR: &str = "/analytics/advisorRecommendations";

pub fn advisor_recommendations() -> Endpoint {
    Endpoint::new(Host::PowerPlatform, ADVISOR).version(versions::POWER_PLATFORM)
}

pub fn advisor_scenarios() -> Endpoint {
    Endpoint::new(Host::PowerPlatform, format!("{ADVISOR}/scenarios"))
        .version(versions::POWER_PLATFORM)
}

/// The resources of one scenario (its id percent-encoded: ids are undocumented).
pub fn advisor_resources(scenario: &str) -> Endpoint {
    Endpoint::new(
        Host::PowerPlatform,
        format!(
            "{ADVISOR}/{}/resources",
            encode(scenario).replace('/', "%2F")
        ),
    )
    .version(versions::POWER_PLATFORM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_queries() {
        assert_eq!(
            list_environments().path_and_query(),
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2023-06-01"
        );
        assert_eq!(
            dlp_policies().path_and_query(),
            "/providers/PowerPlatform.Governance/v2/policies"
        );
        assert_eq!(
            connectors().path_and_query(),
            "/providers/Microsoft.PowerApps/apis?api-version=2019-05-01&$filter=environment%20eq%20%27~Default%27&hideDlpExemptApis=true&showAllDlpEnforceableApis=true&showApisWithToS=true"
        );
    }
}
