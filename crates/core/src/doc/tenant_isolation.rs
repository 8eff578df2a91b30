//! `TenantIsolationPolicy`: which other Entra tenants may connect to and from this one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The tenant isolation policy (cross-tenant inbound and outbound restrictions). A
/// singleton: one per tenant. While isolation is on, connections that sign in to another
/// tenant are blocked, except with the tenants listed here, in the directions given. Only
/// connectors that authenticate with Microsoft Entra ID are affected, and changes reach
/// running apps and flows within about an hour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenantIsolationPolicySpec {
    /// `true`: isolation is on. `false`: it is off (every cross-tenant connection is
    /// allowed) and the allow-list is kept for when it is turned on again.
    pub enabled: bool,
    /// The tenants connections may still reach while isolation is on.
    #[serde(default)]
    pub allowed_tenants: Vec<AllowedTenant>,
}

/// One tenant isolation allows connections with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AllowedTenant {
    /// The other tenant's Entra tenant id (a GUID), or `*` for every tenant in the given
    /// direction. Domain names are not accepted: the platform stores tenant ids.
    #[schemars(length(min = 1))]
    pub tenant_id: String,
    /// A name for people reading the file (e.g. the tenant's domain); not sent to the tenant.
    pub name: Option<String>,
    /// `inbound`: the other tenant's connections may reach this one; `outbound`: this
    /// tenant's connections may reach the other; `both`.
    pub direction: TenantDirection,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum TenantDirection {
    Inbound,
    Outbound,
    Both,
}
