//! The tenant and its settings (BAP).

use super::json;
use crate::app::Shared;
use crate::error::{ApiError, ApiResult};
use crate::http::parse_body;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use ppgov_tenant_api::errors::codes;
use ppgov_tenant_api::tenant::{TenantInfo, TenantSettings};
use serde_json::Value;
use std::sync::Arc;

const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// The kind's routes, served with the BAP routes.
pub fn routes() -> super::Hosts {
    super::Hosts::bap(router())
}

fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/providers/Microsoft.BusinessAppPlatform/tenant",
            get(tenant),
        )
        .route(
            "/providers/Microsoft.BusinessAppPlatform/listTenantSettings",
            post(list_settings),
        )
        // The documentation spells it in lower case.
        .route(
            "/providers/Microsoft.BusinessAppPlatform/listtenantsettings",
            post(list_settings),
        )
        .route(
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/updateTenantSettings",
            post(update_settings),
        )
}

async fn tenant(State(shared): State<Arc<Shared>>) -> Response {
    let t = &shared.read().tenant;
    json(
        StatusCode::OK,
        &TenantInfo {
            tenant_id: t.tenant_id.clone(),
            other: t.tenant_info.clone(),
        },
    )
}

/// Settings as a read shows them: routing targets set to the zero GUID are left out.
pub fn settings_view(settings: &TenantSettings) -> TenantSettings {
    let mut out = settings.clone();
    if let Some(Value::Object(gov)) = out
        .get_mut("powerPlatform")
        .and_then(|p| p.get_mut("governance"))
    {
        for key in [
            "environmentRoutingTargetEnvironmentGroupId",
            "environmentRoutingTargetSecurityGroupId",
        ] {
            if gov.get(key).and_then(Value::as_str) == Some(ZERO_GUID) {
                gov.remove(key);
            }
        }
    }
    out
}

async fn list_settings(State(shared): State<Arc<Shared>>) -> Response {
    json(
        StatusCode::OK,
        &settings_view(&shared.read().tenant.tenant_settings),
    )
}

async fn update_settings(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Response> {
    let flavor = crate::error::Flavor::Bap;
    let patch: Value = parse_body(flavor, &body)?;
    let Value::Object(patch) = patch else {
        return Err(ApiError::bad_request(
            flavor,
            "The tenant settings update must be a JSON object.",
        ));
    };
    let mut inner = shared.write();
    let mut merged = inner.tenant.tenant_settings.clone();
    merge(&mut merged, patch, "")?;
    inner.tenant.tenant_settings = merged;
    Ok(json(
        StatusCode::OK,
        &settings_view(&inner.tenant.tenant_settings),
    ))
}

/// Deep merge: objects merge key by key, anything else replaces; `null` leaves the value
/// alone. A value whose JSON type differs from the stored one is a 400.
pub fn merge(
    target: &mut serde_json::Map<String, Value>,
    patch: serde_json::Map<String, Value>,
    path: &str,
) -> ApiResult<()> {
    for (key, value) in patch {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        if value.is_null() {
            continue;
        }
        match (target.get_mut(&key), value) {
            (Some(Value::Object(t)), Value::Object(p)) => merge(t, p, &here)?,
            (Some(existing), value) => {
                if !existing.is_null() && kind(existing) != kind(&value) {
                    return Err(ApiError::bap(
                        StatusCode::BAD_REQUEST,
                        codes::BAD_REQUEST,
                        format!(
                            "Tenant setting '{here}' must be a {}, not a {}.",
                            kind(existing),
                            kind(&value)
                        ),
                    ));
                }
                *existing = value;
            }
            (None, value) => {
                target.insert(key, value);
            }
        }
    }
    Ok(())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
