//! Power Platform Advisor (`api.powerplatform.com`, api-version checked like the other
//! Power Platform API routes), served from the snapshot's `advisorRecommendations`.
//!
//! The shapes are generated, not recorded (reference §4 [G]; the field names match
//! Microsoft's generated SDK, which `tests/conformance` drives against these routes). The
//! recommendation and resource lists page with an absolute `nextLink` carrying `$skipToken`;
//! the scenario list is a bare array. A recommendation's `resourceCount` is the number of
//! resources the emulator holds for it. An unknown scenario answers 404. 429s come from the
//! fault configuration like on every route (`routes: ["advisorRecommendations"]`).

use crate::app::Shared;
use crate::error::{ApiError, ApiResult};
use crate::http::{Ctx, paginate_by};
use crate::routes::json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use ppgov_tenant_api::BapPage;
use ppgov_tenant_api::advisor::{
    AdvisorRecommendation, AdvisorRecommendationDetails, AdvisorScenario,
};
use ppgov_tenant_api::errors::codes;
use std::sync::Arc;

const SKIP_TOKEN: &str = "$skipToken";

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/analytics/advisorRecommendations",
            get(list_recommendations),
        )
        .route(
            "/analytics/advisorRecommendations/scenarios",
            get(scenarios),
        )
        .route(
            "/analytics/advisorRecommendations/{scenario}/resources",
            get(list_resources),
        )
}

async fn list_recommendations(State(shared): State<Arc<Shared>>, ctx: Ctx) -> ApiResult<Response> {
    let items: Vec<AdvisorRecommendation> = shared
        .read()
        .tenant
        .advisor_recommendations
        .iter()
        .map(|(scenario, r)| AdvisorRecommendation {
            scenario: scenario.clone(),
            details: Some(AdvisorRecommendationDetails {
                resource_count: Some(r.resources.len() as u64),
                last_refreshed_timestamp: r.last_refreshed_timestamp.clone(),
                expected_next_refresh_timestamp: r.expected_next_refresh_timestamp.clone(),
                other: Default::default(),
            }),
            other: Default::default(),
        })
        .collect();
    page(items, &ctx, &shared)
}

async fn scenarios(State(shared): State<Arc<Shared>>) -> ApiResult<Response> {
    let items: Vec<AdvisorScenario> = shared
        .read()
        .tenant
        .advisor_recommendations
        .iter()
        .map(|(scenario, r)| AdvisorScenario {
            scenario: scenario.clone(),
            scenario_name: r.scenario_name.clone(),
            other: Default::default(),
        })
        .collect();
    Ok(json(StatusCode::OK, &items))
}

async fn list_resources(
    State(shared): State<Arc<Shared>>,
    Path(scenario): Path<String>,
    ctx: Ctx,
) -> ApiResult<Response> {
    let resources = shared
        .read()
        .tenant
        .advisor_recommendations
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(&scenario))
        .map(|(_, r)| r.resources.clone());
    match resources {
        Some(items) => page(items, &ctx, &shared),
        None => Err(ApiError::bap(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("The recommendation scenario '{scenario}' was not found."),
        )),
    }
}

fn page<T: serde::Serialize>(items: Vec<T>, ctx: &Ctx, shared: &Shared) -> ApiResult<Response> {
    let (value, next_link) = paginate_by(SKIP_TOKEN, items, ctx, shared.settings.page_size)?;
    Ok(json(StatusCode::OK, &BapPage { value, next_link }))
}
