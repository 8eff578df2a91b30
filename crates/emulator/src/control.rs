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
use axum::extract::{Path, State};
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
        .route(
            "/_emulator/environments/{env}/apps/{name}",
            axum::routing::put(put_app).delete(delete_app),
        )
        .route(
            "/_emulator/environments/{env}/flows/{name}",
            axum::routing::put(put_flow).delete(delete_flow),
        )
        .route(
            "/_emulator/environments/{env}/customConnectors/{name}",
            axum::routing::put(put_custom_connector).delete(delete_custom_connector),
        )
}

/// Which inventory collection a control route edits.
type Collection<T> =
    fn(
        &mut Tenant,
    ) -> &mut std::collections::BTreeMap<String, std::collections::BTreeMap<String, T>>;

/// Files `item` (its wire JSON) under `env` as `name`, replacing one of the same name (case
/// ignored): 201 when new, 200 when replaced, 404 for an environment the tenant lacks.
fn put_item<T: serde::de::DeserializeOwned>(
    shared: &Shared,
    env: &str,
    name: &str,
    body: &Bytes,
    collection: Collection<T>,
) -> ApiResult<StatusCode> {
    let item: T = parse_body(Flavor::Bap, body)?;
    let mut w = shared.write();
    let key = crate::routes::environments::bap_environment_key(&w.tenant, env)?;
    let items = collection(&mut w.tenant).entry(key).or_default();
    let existing = items.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned();
    let replaced = existing.is_some();
    items.insert(existing.unwrap_or_else(|| name.to_owned()), item);
    Ok(if replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    })
}

/// Removes `name` from `env`'s collection: 204, or 404 when there is no such item.
fn delete_item<T>(
    shared: &Shared,
    env: &str,
    name: &str,
    collection: Collection<T>,
) -> ApiResult<StatusCode> {
    let mut w = shared.write();
    let key = crate::routes::environments::bap_environment_key(&w.tenant, env)?;
    let items = collection(&mut w.tenant);
    let removed = items.get_mut(&key).and_then(|items| {
        let k = items
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .cloned()?;
        items.remove(&k)
    });
    if items.get(&key).is_some_and(|m| m.is_empty()) {
        items.remove(&key);
    }
    match removed {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(ApiError::new(
            Flavor::Bap,
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("'{name}' is not in environment '{env}'."),
        )),
    }
}

async fn put_app(
    State(shared): State<Arc<Shared>>,
    Path((env, name)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    put_item(&shared, &env, &name, &body, |t| &mut t.apps)
}

async fn delete_app(
    State(shared): State<Arc<Shared>>,
    Path((env, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    delete_item(&shared, &env, &name, |t| &mut t.apps)
}

async fn put_flow(
    State(shared): State<Arc<Shared>>,
    Path((env, name)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    put_item(&shared, &env, &name, &body, |t| &mut t.flows)
}

async fn delete_flow(
    State(shared): State<Arc<Shared>>,
    Path((env, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    delete_item(&shared, &env, &name, |t| &mut t.flows)
}

/// A maker publishes a custom connector (the body is one item of the admin custom connector
/// listing, as that listing serves it).
async fn put_custom_connector(
    State(shared): State<Arc<Shared>>,
    Path((env, name)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    put_item(&shared, &env, &name, &body, |t| &mut t.custom_connectors)
}

async fn delete_custom_connector(
    State(shared): State<Arc<Shared>>,
    Path((env, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    delete_item(&shared, &env, &name, |t| &mut t.custom_connectors)
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
