//! The API routes, one module per area, assembled into one router that serves every host:
//! routing is by path alone, so a client may point all its base URLs at one listener.

pub mod advisor;
pub mod connectors;
pub mod inventory;

/// One route module per wire kind (`routes/<kind>.rs`, named like its `ppgov-tenant-api`
/// module), each giving its [`Hosts`]; merged into [`api`] with the routes of the areas that
/// are not kinds (connectors, inventory, Advisor).
macro_rules! wire_kind_routes {
    ($( $(#[doc = $doc:literal])* $module:ident; )*) => {
        $( pub mod $module; )*

        /// Every wire kind's routes, by host.
        fn wire_kind_routes() -> Hosts {
            Hosts::default()$( .merge($module::routes()) )*
        }
    };
}
ppgov_tenant_api::wire_kinds!(wire_kind_routes);

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
    let kinds = wire_kind_routes();
    let bap = kinds
        .bap
        .merge(connectors::powerapps_router())
        .merge(inventory::router())
        .route_layer(middleware::from_fn(require_any_api_version));
    let power_platform = kinds
        .power_platform
        .merge(advisor::router())
        .route_layer(middleware::from_fn(require_power_platform_api_version));
    // PowerPlatform.Governance routes ignore api-version.
    let governance = kinds.governance.merge(connectors::governance_router());
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

/// Routes by the host whose api-version rules they follow (routing itself is by path alone).
#[derive(Default)]
pub struct Hosts {
    /// BAP and Power Apps admin: any api-version.
    pub bap: Router<Arc<Shared>>,
    /// `api.powerplatform.com`: one of [`POWER_PLATFORM_VERSIONS`].
    pub power_platform: Router<Arc<Shared>>,
    /// PowerPlatform.Governance: api-version ignored.
    pub governance: Router<Arc<Shared>>,
}

impl Hosts {
    pub fn bap(routes: Router<Arc<Shared>>) -> Hosts {
        Hosts {
            bap: routes,
            ..Hosts::default()
        }
    }

    pub fn power_platform(routes: Router<Arc<Shared>>) -> Hosts {
        Hosts {
            power_platform: routes,
            ..Hosts::default()
        }
    }

    pub fn governance(routes: Router<Arc<Shared>>) -> Hosts {
        Hosts {
            governance: routes,
            ..Hosts::default()
        }
    }

    fn merge(self, other: Hosts) -> Hosts {
        Hosts {
            bap: self.bap.merge(other.bap),
            power_platform: self.power_platform.merge(other.power_platform),
            governance: self.governance.merge(other.governance),
        }
    }
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
