//! The tenant isolation policy: read (404 is "no policy") and write (`PUT`, which may answer
//! 202: the operation is polled, then the policy read again).

use crate::Client;
use crate::convert::tenant_isolation::{tenant_isolation, tenant_isolation_to_wire};
use crate::error::{ClientError, ErrorKind};
use crate::http::{Req, Transport};
use ppgov_core::model::TenantIsolation;
use ppgov_tenant_api::tenant_isolation::{PolicyRead, tenant_isolation_policy};

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
