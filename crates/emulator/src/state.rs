//! The in-memory tenant, held in wire types: the wire contract's tenant snapshot.

use crate::catalog::{self, CatalogEntry};
pub use ppgov_tenant_api::snapshot::{SNAPSHOT_FORMAT, TenantSnapshot as Tenant, assignment_key};

/// The tenant's connector catalog: its own, else the bundled one.
pub fn catalog_entries(tenant: &Tenant) -> &[CatalogEntry] {
    tenant
        .connectors
        .as_deref()
        .unwrap_or_else(|| catalog::builtin())
}
