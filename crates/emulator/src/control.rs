//! Control routes under `/_emulator/` (no auth): state dump/load, seeding, faults, the request
//! log, persistence and token expiry.

use crate::app::{Shared, lock, write_state_file};
use crate::error::{ApiError, ApiResult, Flavor};
use crate::faults::{FaultState, Faults};
use crate::http::parse_body;
use crate::log::RequestLog;
use crate::seed::{SeedRequest, generate};
use crate::state::Tenant;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/health", get(|| async { "ok" }))
        .route("/_emulator/state", get(get_state).put(put_state))
        .route("/_emulator/seed", post(seed))
        .route(
            "/_emulator/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/_emulator/requests", get(get_log).delete(clear_log))
        .route("/_emulator/persist", post(persist))
        .route("/_emulator/tokens/expire", post(expire_tokens))
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(Flavor::Bap, message)
}

async fn get_state(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        shared.snapshot().to_json(),
    )
        .into_response()
}

async fn put_state(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<StatusCode> {
    let tenant = Tenant::from_json(&String::from_utf8_lossy(&body)).map_err(bad)?;
    shared.replace(tenant);
    Ok(StatusCode::NO_CONTENT)
}

async fn seed(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Response> {
    let req: Option<SeedRequest> = parse_body(Flavor::Bap, &body)?;
    let tenant = generate(&req.unwrap_or_default());
    let summary = summary(&tenant);
    shared.replace(tenant);
    Ok(axum::Json(summary).into_response())
}

/// Counts of what a tenant holds.
pub fn summary(t: &Tenant) -> serde_json::Value {
    json!({
        "tenantId": t.tenant_id,
        "environments": t.environments.len(),
        "managedEnvironments": t.environments.values().filter(|e| e.is_managed()).count(),
        "environmentGroups": t.environment_groups.len(),
        "ruleSets": t.rule_sets.len(),
        "ruleBasedPolicies": t.rule_based_policies.len(),
        "dlpPolicies": t.dlp_policies.len(),
        "bapRoleAssignments": t.bap_role_assignments.values().map(|m| m.len()).sum::<usize>(),
        "rbacRoleAssignments": t.rbac_role_assignments.len(),
        "apps": t.apps.values().map(|m| m.len()).sum::<usize>(),
        "flows": t.flows.values().map(|m| m.len()).sum::<usize>(),
        "customConnectors": t.custom_connectors.values().map(|m| m.len()).sum::<usize>(),
        "connections": t.connections.values().map(|m| m.len()).sum::<usize>(),
    })
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(lock(&shared.faults).config.clone()).into_response()
}

async fn set_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Response> {
    let faults: Faults = parse_body(Flavor::Bap, &body)?;
    faults.validate().map_err(bad)?;
    *lock(&shared.faults) = FaultState::new(faults.clone());
    Ok(axum::Json(faults).into_response())
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    *lock(&shared.faults) = FaultState::new(Faults::default());
    StatusCode::NO_CONTENT
}

async fn get_log(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(lock(&shared.log).clone()).into_response()
}

async fn clear_log(State(shared): State<Arc<Shared>>) -> StatusCode {
    *lock(&shared.log) = RequestLog::default();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersistRequest {
    path: String,
}

async fn persist(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<StatusCode> {
    let req: PersistRequest = parse_body(Flavor::Bap, &body)?;
    write_state_file(std::path::Path::new(&req.path), &shared.snapshot()).map_err(|e| {
        ApiError::new(
            Flavor::Bap,
            StatusCode::INTERNAL_SERVER_ERROR,
            "PersistFailed",
            format!("cannot write {}: {e}", req.path),
        )
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn expire_tokens(State(shared): State<Arc<Shared>>) -> StatusCode {
    lock(&shared.tokens).expire_all();
    StatusCode::NO_CONTENT
}
