//! Power Platform Advisor (`api.powerplatform.com`, api-version 2024-10-01): the tenant's
//! recommendations, the scenario names, and the resources each recommendation is about.
//!
//! **Generated shapes, no recording** ([G] in `shared/reference/inventory-advisor-lifecycle-api.md`
//! §4): the field names follow the REST reference and Microsoft's generated SDK
//! (`powerplatform-management`: `AdvisorRecommendation`, `AdvisorScenario`,
//! `AdvisorRecommendationResource`), and no response of the real service has been recorded.
//! So every field is optional and unknown fields are kept. Lists page with a `nextLink`
//! (absolute, `$skipToken`); the scenario list is a bare array. Scenario ids are
//! undocumented: a client discovers them from `/scenarios` and never hard-codes one.

use crate::null_as_default;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One item of `GET /analytics/advisorRecommendations`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvisorRecommendation {
    #[serde(default, deserialize_with = "null_as_default")]
    pub scenario: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<AdvisorRecommendationDetails>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvisorRecommendationDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_refreshed_timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_next_refresh_timestamp: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// One item of `GET /analytics/advisorRecommendations/scenarios` (a bare array).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvisorScenario {
    #[serde(default, deserialize_with = "null_as_default")]
    pub scenario: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_name: Option<String>,
    /// Unknown fields; a category (`Security`, `Operational efficiency`, ...) is not part of
    /// the documented shape, so a client may only use one when the service sends it.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// One item of `GET /analytics/advisorRecommendations/{scenario}/resources`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvisorResource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_sub_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_owner_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_owner: Option<String>,
    /// Unique users in the last 30 days (a number in the SDK's model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_usage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_action_status: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A tenant's Advisor data as a snapshot holds it (`advisorRecommendations`, keyed by
/// scenario id): what the three listings above are served from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotRecommendation {
    /// The scenario's display name (`scenarioName` of `/scenarios`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_refreshed_timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_next_refresh_timestamp: Option<String>,
    /// The affected resources, in the order the service lists them.
    #[serde(default)]
    pub resources: Vec<AdvisorResource>,
}
