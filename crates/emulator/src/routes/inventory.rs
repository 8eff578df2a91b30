//! Inventory: the canvas apps, custom connectors and connections (Power Apps admin scope)
//! and cloud flows (Flow admin scope) of an environment, from the snapshot's `apps`,
//! `custom_connectors`, `connections` and `flows`, paged with an absolute `nextLink` like
//! the BAP lists. The flow list leaves connection references out, as the service's does;
//! the per-flow GET carries them.

use crate::app::Shared;
use crate::error::{ApiError, ApiResult};
use crate::http::{Ctx, paginate};
use crate::routes::environments::bap_environment_key;
use crate::routes::json;
use crate::state::Tenant;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use ppgov_tenant_api::BapPage;
use ppgov_tenant_api::errors::codes;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `api.powerapps.com` and `api.flow.microsoft.com` (require api-version).
pub fn router() -> Router<Arc<Shared>> {
    const APPS_ADMIN: &str = "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}";
    const FLOW_ADMIN: &str = "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}";
    Router::new()
        .route(&format!("{APPS_ADMIN}/apps"), get(list_apps))
        .route(&format!("{APPS_ADMIN}/apis"), get(list_custom_connectors))
        .route(&format!("{APPS_ADMIN}/connections"), get(list_connections))
        .route(&format!("{FLOW_ADMIN}/v2/flows"), get(list_flows))
        .route(&format!("{FLOW_ADMIN}/flows/{{flow}}"), get(get_flow))
}

/// One page of an environment's collection, each item shaped by `shape`. 404
/// `EnvironmentNotFound` for an environment the tenant does not have; an environment
/// without items lists none.
fn list_of<T: Clone + serde::Serialize>(
    shared: &Shared,
    env: &str,
    ctx: &Ctx,
    collection: impl Fn(&Tenant) -> &BTreeMap<String, BTreeMap<String, T>>,
    shape: impl Fn(&T) -> T,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = bap_environment_key(&inner.tenant, env)?;
    let items: Vec<T> = collection(&inner.tenant)
        .get(&key)
        .map(|items| items.values().map(&shape).collect())
        .unwrap_or_default();
    drop(inner);
    let (value, next_link) = paginate(items, ctx, shared.settings.page_size)?;
    Ok(json(StatusCode::OK, &BapPage { value, next_link }))
}

async fn list_apps(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
    ctx: Ctx,
) -> ApiResult<Response> {
    list_of(&shared, &env, &ctx, |t| &t.apps, Clone::clone)
}

async fn list_custom_connectors(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
    ctx: Ctx,
) -> ApiResult<Response> {
    list_of(&shared, &env, &ctx, |t| &t.custom_connectors, Clone::clone)
}

async fn list_connections(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
    ctx: Ctx,
) -> ApiResult<Response> {
    list_of(&shared, &env, &ctx, |t| &t.connections, Clone::clone)
}

async fn list_flows(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
    ctx: Ctx,
) -> ApiResult<Response> {
    list_of(
        &shared,
        &env,
        &ctx,
        |t| &t.flows,
        |f| {
            let mut item = f.clone();
            item.properties.connection_references.clear();
            item
        },
    )
}

/// 404 for an unknown environment or flow (the flow's code is not recorded: the generic one).
async fn get_flow(
    State(shared): State<Arc<Shared>>,
    Path((env, flow)): Path<(String, String)>,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = bap_environment_key(&inner.tenant, &env)?;
    let found = inner.tenant.flows.get(&key).and_then(|flows| {
        flows
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&flow))
            .map(|(_, f)| f.clone())
    });
    match found {
        Some(f) => Ok(json(StatusCode::OK, &f)),
        None => Err(ApiError::bap(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("The flow '{flow}' was not found in environment '{env}'."),
        )),
    }
}
