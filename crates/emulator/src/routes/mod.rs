//! The API routes, one module per area, assembled into one router that serves every host:
//! routing is by path alone, so a client may point all its base URLs at one listener.

pub mod advisor;
pub mod bap;
pub mod connectors;
pub mod dlp;
pub mod groups;
pub mod inventory;
pub mod roles;
pub mod rules;
pub mod tenant;
pub mod tenant_isolation;

use crate::app::{Shared, lock};
use crate::error::{ApiError, Flavor};
use crate::faults::Dropped;
use crate::log::DROPPED;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use ppgov_tenant_api::errors::codes;
use ppgov_tenant_api::paths::versions;
use std::sync::Arc;

/// api-versions the Power Platform API routes accept: the documented one, the preview versions
/// Terraform sends to the tenant host, and `1` (TF's removeEnvironment).
pub const POWER_PLATFORM_VERSIONS: &[&str] = &[
    versions::POWER_PLATFORM,
    "2022-03-01-preview",
    "2021-10-01-preview",
    "1",
];

/// Every API route plus the token endpoint, with api-version checks, auth, faults and the
/// request log (outermost first: log, faults, auth, failed saves of the state file).
pub fn api(shared: Arc<Shared>) -> Router {
    let bap = Router::new()
        .merge(bap::router())
        .merge(roles::bap_router())
        .merge(tenant::router())
        .merge(connectors::powerapps_router())
        .merge(inventory::router())
        .route_layer(middleware::from_fn(require_any_api_version));
    let power_platform = Router::new()
        .merge(groups::router())
        .merge(rules::router())
        .merge(roles::rbac_router())
        .merge(advisor::router())
        .route_layer(middleware::from_fn(require_power_platform_api_version));
    // PowerPlatform.Governance routes ignore api-version.
    let governance = Router::new()
        .merge(dlp::router())
        .merge(connectors::governance_router())
        .merge(tenant_isolation::router());
    Router::new()
        .merge(bap)
        .merge(power_platform)
        .merge(governance)
        .route(
            "/{tenant}/oauth2/v2.0/token",
            axum::routing::post(crate::auth::token_endpoint),
        )
        .merge(crate::control::router())
        .fallback(not_found)
        .layer(middleware::from_fn(crate::app::persist_failures))
        .layer(middleware::from_fn(crate::error::with_detail_url_type))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            crate::auth::middleware,
        ))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            crate::faults::middleware,
        ))
        .layer(middleware::from_fn_with_state(shared.clone(), log_request))
        .with_state(shared)
}

async fn not_found(req: Request) -> ApiError {
    let path = req.uri().path();
    ApiError::new(
        Flavor::for_path(path),
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        format!("No route for {} {path}.", req.method()),
    )
}

fn api_version(req: &Request) -> Option<String> {
    crate::http::parse_query(req.uri().query().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn missing_api_version(path: &str) -> Response {
    ApiError::new(
        Flavor::for_path(path),
        StatusCode::BAD_REQUEST,
        codes::MISSING_API_VERSION,
        "The api-version query parameter (?api-version=) is required for all requests.",
    )
    .into_response()
}

async fn require_any_api_version(req: Request, next: Next) -> Response {
    match api_version(&req) {
        Some(_) => next.run(req).await,
        None => missing_api_version(req.uri().path()),
    }
}

async fn require_power_platform_api_version(req: Request, next: Next) -> Response {
    match api_version(&req) {
        None => missing_api_version(req.uri().path()),
        Some(v) if POWER_PLATFORM_VERSIONS.contains(&v.as_str()) => next.run(req).await,
        Some(v) => ApiError::new(
            Flavor::for_path(req.uri().path()),
            StatusCode::BAD_REQUEST,
            codes::UNSUPPORTED_API_VERSION,
            format!(
                "The api-version '{v}' is not supported. Supported versions: {}.",
                POWER_PLATFORM_VERSIONS.join(", ")
            ),
        )
        .into_response(),
    }
}

async fn log_request(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/_emulator/") {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let uri = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "<unmatched>".to_owned());
    let response = next.run(req).await;
    let status = if response.extensions().get::<Dropped>().is_some() {
        DROPPED
    } else {
        response.status().as_u16()
    };
    lock(&shared.log).record(&method, &uri, &route, status);
    response
}

/// A JSON response with a status.
pub fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    (status, axum::Json(body)).into_response()
}

/// The page of `items` the request's `$top` and `$skiptoken` select, in the
/// `api.powerplatform.com` list shape (`value`, `@odata.nextLink`).
pub fn page_response<T: serde::Serialize>(
    items: Vec<T>,
    ctx: &crate::http::Ctx,
    page_size: usize,
) -> crate::error::ApiResult<Response> {
    let (value, next_link) = crate::http::paginate(items, ctx, page_size)?;
    Ok(json(
        StatusCode::OK,
        &ppgov_tenant_api::Page { value, next_link },
    ))
}
