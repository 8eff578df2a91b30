//! The connector catalog: the Power Apps list and the governance metadata lists.

use super::json;
use crate::app::Shared;
use crate::catalog::Catalog;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use ppgov_tenant_api::Page;
use std::sync::Arc;

/// `api.powerapps.com` (requires api-version).
pub fn powerapps_router() -> Router<Arc<Shared>> {
    Router::new().route("/providers/Microsoft.PowerApps/apis", get(powerapps))
}

/// PowerPlatform.Governance metadata (api-version ignored).
pub fn governance_router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/providers/PowerPlatform.Governance/v1/connectors/metadata/unblockable",
            get(unblockable),
        )
        .route(
            "/providers/PowerPlatform.Governance/v1/connectors/metadata/virtual",
            get(virtual_list),
        )
}

async fn powerapps(State(shared): State<Arc<Shared>>) -> Response {
    let inner = shared.read();
    let list = Catalog::new(crate::state::catalog_entries(&inner.tenant)).powerapps_list();
    json(StatusCode::OK, &Page::new(list))
}

async fn unblockable(State(shared): State<Arc<Shared>>) -> Response {
    let inner = shared.read();
    json(
        StatusCode::OK,
        &Catalog::new(crate::state::catalog_entries(&inner.tenant)).unblockable_list(),
    )
}

async fn virtual_list(State(shared): State<Arc<Shared>>) -> Response {
    let inner = shared.read();
    json(
        StatusCode::OK,
        &Catalog::new(crate::state::catalog_entries(&inner.tenant)).virtual_list(),
    )
}
