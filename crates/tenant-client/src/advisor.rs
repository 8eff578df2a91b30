//! Power Platform Advisor reads (`api.powerplatform.com`, api-version 2024-10-01; generated
//! shapes, no recording: reference §4 [G]). Scenario ids are undocumented, so they are
//! discovered: the scenario list names them, the recommendation list says which have
//! resources, and each such scenario's resources are listed.
//!
//! Requests: one scenario list, the recommendation list plus its pages, and per
//! recommendation with resources one listing plus pages, concurrently within the client's
//! request limit. Every listing is bounded like the others (`max_pages`, a repeated
//! `nextLink` is an error, items listed twice are refused) and the whole read ends within
//! `Limits::observe_deadline`. 429s are retried by the transport (`Retry-After`, budget).

use crate::Client;
use crate::error::ClientError;
use crate::http::Req;
use futures::StreamExt;
use ppgov_core::advisor::Advisor;
use ppgov_tenant_api::advisor as wa;
use ppgov_tenant_api::paths;

impl Client {
    /// Every Advisor recommendation of the tenant with its affected resources, converted.
    pub async fn read_advisor(&self) -> Result<Advisor, ClientError> {
        self.within_observe_deadline(
            "the Power Platform Advisor recommendations",
            self.read_advisor_unbounded(),
        )
        .await
    }

    async fn read_advisor_unbounded(&self) -> Result<Advisor, ClientError> {
        let scenarios_ep = paths::advisor_scenarios();
        let scenarios: Vec<wa::AdvisorScenario> =
            self.transport.send(&Req::get(scenarios_ep)).await?.json()?;
        let listing_ep = paths::advisor_recommendations();
        let listing = format!("GET {} {}", listing_ep.host.name(), listing_ep.path);
        let listed: Vec<wa::AdvisorRecommendation> = self
            .transport
            .list_unique(listing_ep, |r: &wa::AdvisorRecommendation| {
                Some(r.scenario.clone())
            })
            .await?;
        if let Some(r) = listed.iter().find(|r| r.scenario.trim().is_empty()) {
            return Err(ClientError::invalid(
                &listing,
                format!("a recommendation has no scenario id: {r:?}"),
            ));
        }
        let in_flight = self.transport.config.max_concurrent_requests;
        let reads: Vec<Result<_, ClientError>> = futures::stream::iter(&listed)
            .map(|r| async {
                let has_none = r
                    .details
                    .as_ref()
                    .and_then(|d| d.resource_count)
                    .is_some_and(|n| n == 0);
                let resources: Vec<wa::AdvisorResource> = if has_none {
                    Vec::new()
                } else {
                    self.transport
                        .list_unique(
                            paths::advisor_resources(&r.scenario),
                            |x: &wa::AdvisorResource| x.resource_id.clone(),
                        )
                        .await?
                };
                let scenario = scenarios
                    .iter()
                    .find(|s| s.scenario.eq_ignore_ascii_case(&r.scenario));
                crate::convert::advisor::recommendation(r, scenario, &resources)
                    .map_err(|e| ClientError::invalid(&listing, e.0))
            })
            .buffer_unordered(in_flight)
            .collect()
            .await;
        let recommendations = reads.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(crate::convert::advisor::advisor(recommendations))
    }
}
