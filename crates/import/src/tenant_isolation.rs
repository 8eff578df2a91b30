//! The tenant isolation policy as a `TenantIsolationPolicy` document.

use crate::{ImportKind, Importer, yaml};
use ppgov_core::model::TenantIsolation;
use serde_json::{Value, json};

impl Importer<'_> {
    /// The `TenantIsolationPolicy` document, `tenant-isolation` (fresh imports only, when the
    /// tenant's policy was read).
    pub(crate) fn tenant_isolation_documents(&mut self) -> Vec<(String, String)> {
        let observed = self.observed;
        let Some(policy) = &observed.tenant_isolation else {
            return Vec::new();
        };
        if self.options.adopt.is_some()
            || !self
                .options
                .kinds
                .contains(&ImportKind::TenantIsolationPolicy)
        {
            return Vec::new();
        }
        let (spec, skipped) = self::spec(policy, observed.tenant_id.as_deref());
        self.out.skipped.extend(skipped);
        let doc = yaml::document(&Self::envelope(
            "TenantIsolationPolicy",
            json!({"name": "tenant-isolation"}),
            spec,
        ));
        vec![("tenant-isolation".to_owned(), doc)]
    }
}

/// The spec that declares `policy`, and what was left out with the reason: entries that are
/// not a tenant id or `*`, the tenant's own id (the language rejects both) and entries that
/// allow no direction (they allow nothing).
fn spec(policy: &TenantIsolation, own_tenant: Option<&str>) -> (Value, Vec<String>) {
    let mut allowed = Vec::new();
    let mut skipped = Vec::new();
    for (tenant, d) in &policy.allowed_tenants {
        let direction = match (d.inbound, d.outbound) {
            (true, true) => "both",
            (true, false) => "inbound",
            (false, true) => "outbound",
            (false, false) => {
                skipped.push(format!("TenantIsolationPolicy: allowed tenant `{tenant}` allows no direction, so it is left out"));
                continue;
            }
        };
        if tenant != "*" && !crate::is_guid(tenant) {
            skipped.push(format!("TenantIsolationPolicy: allowed tenant `{tenant}` is not a tenant id, so it is left out"));
            continue;
        }
        if Some(tenant.as_str()) == own_tenant {
            skipped.push(format!("TenantIsolationPolicy: allowed tenant `{tenant}` is the tenant itself, so it is left out"));
            continue;
        }
        allowed.push(json!({ "tenantId": tenant, "direction": direction }));
    }
    (
        json!({ "enabled": policy.enabled, "allowedTenants": allowed }),
        skipped,
    )
}
