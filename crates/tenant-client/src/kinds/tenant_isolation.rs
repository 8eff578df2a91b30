//! The tenant isolation policy: wire <-> model; read (404 is "no policy") and write (`PUT`,
//! which may answer 202: the operation is polled, then the policy read again).

use crate::Client;
use crate::error::{ClientError, ErrorKind};
use crate::http::{Req, Transport};
use ppgov_core::model::{Directions, TenantIsolation};
use ppgov_tenant_api::tenant_isolation::{
    AllowedTenant, Direction, TenantIsolationPolicy, TenantIsolationProperties,
};
use ppgov_tenant_api::tenant_isolation::{PolicyRead, tenant_isolation_policy};

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

/// The policy of `tenant_id`; `None` when the tenant has none.
pub(crate) async fn read(
    t: &Transport,
    tenant_id: &str,
) -> Result<Option<TenantIsolation>, ClientError> {
    match t.send(&Req::get(tenant_isolation_policy(tenant_id))).await {
        Ok(resp) => Ok(Some(tenant_isolation(
            &resp.json::<PolicyRead>()?.into_properties(),
        ))),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl Client {
    /// The tenant isolation policy; `None` when the tenant has none.
    pub async fn get_tenant_isolation(&self) -> Result<Option<TenantIsolation>, ClientError> {
        let tenant = self.tenant_id().await?;
        read(&self.transport, &tenant).await
    }

    /// Writes the whole policy (removing it is writing [`TenantIsolation::removed`]) and
    /// returns it as read back.
    pub async fn put_tenant_isolation(
        &self,
        policy: &TenantIsolation,
    ) -> Result<TenantIsolation, ClientError> {
        let tenant = self.tenant_id().await?;
        let endpoint = tenant_isolation_policy(&tenant);
        let body = tenant_isolation_to_wire(policy, &tenant);
        let resp = self
            .transport
            .send_lro(&Req::put(endpoint).json(&body).idempotent())
            .await?;
        if resp.status == 200 && !resp.is_empty() {
            return Ok(tenant_isolation(
                &resp.json::<PolicyRead>()?.into_properties(),
            ));
        }
        // 202 (polled to its end) or an empty answer: read what the tenant now holds.
        read(&self.transport, &tenant).await?.ok_or_else(|| {
            ClientError::invalid(
                &format!("GET {}", tenant_isolation_policy(&tenant).path),
                "the tenant isolation policy was written but reading it back answers 404",
            )
        })
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
