//! The tenant isolation policy: wire <-> model.

use ppgov_core::model::{Directions, TenantIsolation};
use ppgov_tenant_api::tenant_isolation::{
    AllowedTenant, Direction, TenantIsolationPolicy, TenantIsolationProperties,
};

/// The policy as read. Tenant ids are compared without case; an id listed twice on the wire
/// is allowed in either entry's directions.
pub fn tenant_isolation(p: &TenantIsolationProperties) -> TenantIsolation {
    let mut out = TenantIsolation {
        enabled: !p.is_disabled,
        ..Default::default()
    };
    for allowed in &p.allowed_tenants {
        let d = out
            .allowed_tenants
            .entry(allowed.tenant_id.to_ascii_lowercase())
            .or_default();
        d.inbound |= allowed.direction.inbound;
        d.outbound |= allowed.direction.outbound;
    }
    out
}

/// The `PUT` body that makes the policy of `tenant_id` `policy`.
pub fn tenant_isolation_to_wire(
    policy: &TenantIsolation,
    tenant_id: &str,
) -> TenantIsolationPolicy {
    TenantIsolationPolicy {
        id: None,
        properties: TenantIsolationProperties {
            tenant_id: tenant_id.to_owned(),
            is_disabled: !policy.enabled,
            allowed_tenants: policy
                .allowed_tenants
                .iter()
                .map(|(tenant, d): (&String, &Directions)| AllowedTenant {
                    tenant_id: tenant.clone(),
                    tenant_display_name: None,
                    direction: Direction {
                        inbound: d.inbound,
                        outbound: d.outbound,
                    },
                })
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_merges_a_tenant_listed_twice() {
        let wire: TenantIsolationProperties = serde_json::from_str(
            r#"{"tenantId":"t","isDisabled":false,"allowedTenants":[
                {"tenantId":"AAAAAAAA-0000-0000-0000-000000000001","direction":{"inbound":true,"outbound":false}},
                {"tenantId":"aaaaaaaa-0000-0000-0000-000000000001","direction":{"inbound":false,"outbound":true}}]}"#,
        )
        .unwrap();
        let model = tenant_isolation(&wire);
        assert!(model.enabled);
        assert_eq!(
            model.allowed_tenants["aaaaaaaa-0000-0000-0000-000000000001"],
            Directions {
                inbound: true,
                outbound: true
            }
        );
        let back = tenant_isolation_to_wire(&model, "t");
        assert_eq!(tenant_isolation(&back.properties), model);
        assert_eq!(back.properties.tenant_id, "t");
    }
}
