//! Inventory: the canvas apps of an environment (Power Apps admin scope), from the snapshot's
//! `apps`, paged with an absolute `nextLink` like the BAP lists.

use crate::app::Shared;
use crate::error::ApiResult;
use crate::http::{Ctx, paginate};
use crate::routes::bap::env_not_found;
use crate::routes::json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use ppgov_tenant_api::BapPage;
use std::sync::Arc;

/// `api.powerapps.com` (requires api-version).
pub fn router() -> Router<Arc<Shared>> {
    Router::new().route(
        "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps",
        get(list_apps),
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
