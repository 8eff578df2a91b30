//! Power Platform Advisor: the recommendation, scenario and resource listings (generated
//! shapes, reference §4 [G]) to `ppgov_core::advisor`. A resource without an id is an
//! error naming the scenario: a finding must say which object it is about.

use super::ConvertError;
use ppgov_core::advisor::{Advisor, AffectedResource, Category, Recommendation};
use ppgov_tenant_api::advisor as wa;

/// One scenario's recommendation with its resources, its name and category from the
/// scenario list (`scenarioName`, and a `category` only if the service sends one).
pub fn recommendation(
    listed: &wa::AdvisorRecommendation,
    scenario: Option<&wa::AdvisorScenario>,
    resources: &[wa::AdvisorResource],
) -> Result<Recommendation, ConvertError> {
    let name = scenario
        .and_then(|s| s.scenario_name.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| listed.scenario.clone());
    let named_category = scenario
        .and_then(|s| s.other.get("category"))
        .and_then(|c| c.as_str());
    let details = listed.details.as_ref();
    Ok(Recommendation {
        scenario: listed.scenario.clone(),
        category: Category::infer(named_category, &name),
        name,
        resource_count: details.and_then(|d| d.resource_count),
        last_refreshed: details.and_then(|d| d.last_refreshed_timestamp.clone()),
        resources: resources
            .iter()
            .map(|r| resource(&listed.scenario, r))
            .collect::<Result<_, _>>()?,
    })
}

fn resource(scenario: &str, r: &wa::AdvisorResource) -> Result<AffectedResource, ConvertError> {
    let id = r
        .resource_id
        .clone()
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| {
            ConvertError(format!(
                "a resource of Advisor scenario `{scenario}` has no resourceId{}",
                r.resource_name
                    .as_deref()
                    .map(|n| format!(" (resourceName `{n}`)"))
                    .unwrap_or_default()
            ))
        })?;
    Ok(AffectedResource {
        id,
        name: r.resource_name.clone(),
        resource_type: r.resource_type.clone(),
        sub_type: r.resource_sub_type.clone(),
        description: r.resource_description.clone(),
        owner: r.resource_owner.clone(),
        owner_id: r.resource_owner_id.clone(),
        environment_id: r.environment_id.clone(),
        environment_name: r.environment_name.clone(),
        last_accessed: r.last_accessed_date.clone(),
        usage: r.resource_usage,
    })
}

/// The recommendations, sorted by scenario id.
pub fn advisor(mut recommendations: Vec<Recommendation>) -> Advisor {
    recommendations.sort_by(|a, b| a.scenario.cmp(&b.scenario));
    Advisor { recommendations }
}
