//! The tenant isolation policy (`PowerPlatform.Governance/v1`, reference §6.1 of
//! `inventory-advisor-lifecycle-api.md`): `GET` (404 when the tenant has none) and `PUT` (200
//! with the policy, or 202 with `Location`/`Operation-Location` to poll, then re-read). There
//! is no DELETE: removing writes `isDisabled: true` with an empty allow-list.

use crate::paths::{Endpoint, Host};
use serde::{Deserialize, Serialize};

/// `GET` or `PUT` the tenant's policy; no api-version.
pub fn tenant_isolation_policy(tenant_id: &str) -> Endpoint {
    Endpoint::new(
        Host::Bap,
        format!("/providers/PowerPlatform.Governance/v1/tenants/{tenant_id}/tenantIsolationPolicy"),
    )
}

/// The policy as `PUT` sends it and `GET` answers it: `{ "properties": {...} }`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantIsolationPolicy {
    /// `/providers/PowerPlatform.Governance/v1/tenants/{tenantId}/tenantIsolationPolicy`, on
    /// some reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub properties: TenantIsolationProperties,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantIsolationProperties {
    #[serde(default)]
    pub tenant_id: String,
    /// `false`: isolation is on.
    #[serde(default)]
    pub is_disabled: bool,
    #[serde(default, deserialize_with = "crate::null_as_default")]
    pub allowed_tenants: Vec<AllowedTenant>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllowedTenant {
    /// A tenant id, or `*` for every tenant.
    pub tenant_id: String,
    /// Filled in by the service on reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_display_name: Option<String>,
    #[serde(default)]
    pub direction: Direction,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Direction {
    #[serde(default)]
    pub inbound: bool,
    #[serde(default)]
    pub outbound: bool,
}

/// A policy as a `GET` answers it, in either shape seen: wrapped in `properties`, or flat (a
/// Terraform fixture shows the fields at the top level).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum PolicyRead {
    Wrapped(TenantIsolationPolicy),
    Flat(TenantIsolationProperties),
}

impl PolicyRead {
    pub fn into_properties(self) -> TenantIsolationProperties {
        match self {
            PolicyRead::Wrapped(policy) => policy.properties,
            PolicyRead::Flat(properties) => properties,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_read() {
        let wrapped = br#"{"properties":{"tenantId":"t","isDisabled":false,"allowedTenants":[{"tenantId":"a","direction":{"inbound":true,"outbound":false}}]}}"#;
        let flat = br#"{"isDisabled":false,"allowedTenants":[{"tenantId":"a","direction":{"inbound":true}}]}"#;
        let read = |body: &[u8]| {
            serde_json::from_slice::<PolicyRead>(body)
                .unwrap()
                .into_properties()
        };
        let (w, f) = (read(wrapped), read(flat));
        assert_eq!(w.allowed_tenants, f.allowed_tenants);
        assert!(!f.is_disabled);
        assert_eq!(w.tenant_id, "t");
    }
}
