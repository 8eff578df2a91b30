//! The tenant isolation policy (PowerPlatform.Governance v1, no api-version): `GET` answers
//! 404 until a policy is first written; `PUT` validates the allow-list, stores the policy and
//! answers 202 with a `Location` to poll, as the service may; there is no `DELETE` (removing
//! is a `PUT` with `isDisabled: true` and an empty allow-list).

use super::json;
use crate::app::Shared;
use crate::error::{ApiError, ApiResult, Flavor};
use crate::http::{Ctx, parse_body};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use ppgov_tenant_api::errors::codes;
use ppgov_tenant_api::tenant_isolation::{TenantIsolationPolicy, tenant_isolation_policy};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;

const POLICY: &str =
    "/providers/PowerPlatform.Governance/v1/tenants/{tenant}/tenantIsolationPolicy";

/// The kind's routes, served with the PowerPlatform.Governance routes.
pub fn routes() -> super::Hosts {
    super::Hosts::governance(router())
}

fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(POLICY, get(read).put(write))
        .route(
            "/providers/PowerPlatform.Governance/v1/tenants/{tenant}/tenantIsolationPolicy/operations/{op}",
            get(poll),
        )
}

/// The emulated tenant's id, or 403 for another tenant's policy.
fn own_tenant(shared: &Shared, tenant: &str) -> ApiResult<String> {
    let own = shared.read().tenant.tenant_id.clone();
    if own.eq_ignore_ascii_case(tenant) {
        Ok(own)
    } else {
        Err(ApiError::bap(
            StatusCode::FORBIDDEN,
            codes::FORBIDDEN,
            format!(
                "The caller is not authorized to access the tenant isolation policy of tenant '{tenant}'."
            ),
        ))
    }
}

async fn read(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
) -> ApiResult<Response> {
    let own = own_tenant(&shared, &tenant)?;
    let policy = shared.read().tenant.tenant_isolation_policy.clone();
    let properties = policy.ok_or_else(|| {
        ApiError::bap(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("No tenant isolation policy exists for tenant '{own}'."),
        )
    })?;
    Ok(json(
        StatusCode::OK,
        &TenantIsolationPolicy {
            id: Some(tenant_isolation_policy(&own).path),
            properties,
        },
    ))
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

async fn write(
    State(shared): State<Arc<Shared>>,
    ctx: Ctx,
    Path(tenant): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let own = own_tenant(&shared, &tenant)?;
    let mut policy: TenantIsolationPolicy = parse_body(Flavor::Bap, &body)?;
    let p = &mut policy.properties;
    if !p.tenant_id.is_empty() && !p.tenant_id.eq_ignore_ascii_case(&own) {
        return Err(ApiError::bad_request(
            Flavor::Bap,
            format!(
                "properties.tenantId '{}' does not match the tenant '{own}' in the path.",
                p.tenant_id
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    for allowed in &p.allowed_tenants {
        if allowed.tenant_id != "*" && !is_guid(&allowed.tenant_id) {
            return Err(ApiError::bad_request(
                Flavor::Bap,
                format!(
                    "Invalid tenant ID format: '{}'. The tenant ID must be a valid GUID.",
                    allowed.tenant_id
                ),
            ));
        }
        if !seen.insert(allowed.tenant_id.to_ascii_lowercase()) {
            return Err(ApiError::bad_request(
                Flavor::Bap,
                format!(
                    "The tenant '{}' is listed more than once in allowedTenants.",
                    allowed.tenant_id
                ),
            ));
        }
    }
    p.tenant_id = own.clone();
    for allowed in &mut p.allowed_tenants {
        // The service fills display names in itself; the emulator knows none.
        allowed.tenant_display_name = None;
    }
    shared.write().tenant.tenant_isolation_policy = Some(policy.properties);
    let location = ctx.url(&format!(
        "{}/operations/{}",
        tenant_isolation_policy(&own).path,
        crate::http::new_id()
    ));
    let mut response = json(StatusCode::ACCEPTED, &json!({ "status": "Running" }));
    if let Ok(v) = location.parse() {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// The operation a `PUT` started: the policy is stored when the `PUT` answers, so it is done.
async fn poll(
    State(shared): State<Arc<Shared>>,
    Path((tenant, _op)): Path<(String, String)>,
) -> ApiResult<Response> {
    own_tenant(&shared, &tenant)?;
    Ok(json(StatusCode::OK, &json!({ "status": "Succeeded" })))
}
