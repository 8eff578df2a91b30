//! Inventory: the canvas apps (Power Apps admin scope) and cloud flows (Flow admin scope) of
//! an environment, from the snapshot's `apps` and `flows`, paged with an absolute `nextLink`
//! like the BAP lists. The flow list leaves connection references out, as the service's does;
//! the per-flow GET carries them.

use crate::app::Shared;
use crate::error::{ApiError, ApiResult};
use crate::http::{Ctx, paginate};
use crate::routes::bap::env_not_found;
use crate::routes::json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use ppgov_tenant_api::BapPage;
use ppgov_tenant_api::errors::codes;
use std::sync::Arc;

/// `api.powerapps.com` and `api.flow.microsoft.com` (require api-version).
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps",
            get(list_apps),
        )
        .route(
            "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows",
            get(list_flows),
        )
        .route(
            "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/flows/{flow}",
            get(get_flow),
        )
}

/// 404 `EnvironmentNotFound` for an environment the tenant does not have; an environment
/// without apps lists none.
async fn list_apps(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
    ctx: Ctx,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = inner
        .tenant
        .environment_key(&env)
        .ok_or_else(|| env_not_found(&env))?;
    let apps: Vec<_> = inner
        .tenant
        .apps
        .get(&key)
        .map(|apps| apps.values().cloned().collect())
        .unwrap_or_default();
    drop(inner);
    let (value, next_link) = paginate(apps, &ctx, shared.settings.page_size)?;
    Ok(json(StatusCode::OK, &BapPage { value, next_link }))
}

async fn list_flows(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
    ctx: Ctx,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = inner
        .tenant
        .environment_key(&env)
        .ok_or_else(|| env_not_found(&env))?;
    let flows: Vec<_> = inner
        .tenant
        .flows
        .get(&key)
        .map(|flows| {
            flows
                .values()
                .map(|f| {
                    let mut item = f.clone();
                    item.properties.connection_references.clear();
                    item
                })
                .collect()
        })
        .unwrap_or_default();
    drop(inner);
    let (value, next_link) = paginate(flows, &ctx, shared.settings.page_size)?;
    Ok(json(StatusCode::OK, &BapPage { value, next_link }))
}

/// 404 for an unknown environment or flow (the flow's code is not recorded: the generic one).
async fn get_flow(
    State(shared): State<Arc<Shared>>,
    Path((env, flow)): Path<(String, String)>,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = inner
        .tenant
        .environment_key(&env)
        .ok_or_else(|| env_not_found(&env))?;
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
