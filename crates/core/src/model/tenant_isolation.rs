//! The tenant isolation policy as the desired state, the observed state and the plan JSON
//! carry it (its serde form is part of the plan file format).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The tenant isolation policy: on or off, and the tenants connections may still reach.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantIsolation {
    /// Isolation is on (`isDisabled: false` on the wire).
    pub enabled: bool,
    /// By lower-cased tenant id, or `*` for every tenant.
    pub allowed_tenants: BTreeMap<String, Directions>,
}

/// The directions in which connections with one tenant are allowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Directions {
    /// The other tenant's connections may reach this one.
    pub inbound: bool,
    /// This tenant's connections may reach the other.
    pub outbound: bool,
}

impl TenantIsolation {
    /// What "removing" the policy writes: the platform has no delete, so it is turned off
    /// with an empty allow-list.
    pub fn removed() -> TenantIsolation {
        TenantIsolation::default()
    }
}

/// The declared policy (`kind: TenantIsolationPolicy`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantIsolationPolicy {
    pub meta: super::ResourceMeta,
    pub policy: TenantIsolation,
}
