//! Environment-group rule sets (classic managed-environment rules) and rule-based policies.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Parameter types and value ids of classic rule sets. All values are strings on the wire.
pub mod params {
    pub const SHARING: &str = "Sharing";
    pub const ADMIN_DIGEST: &str = "AdminDigest";
    pub const MAKER_ONBOARDING: &str = "MakerOnboarding";
    pub const SOLUTION_CHECKER: &str = "SolutionChecker";
    pub const LIFECYCLE: &str = "Lifecycle";
    pub const COPILOT: &str = "Copilot";
    pub const GENERATIVE_AI: &str = "GenerativeAISettings";

    pub const CAN_SHARE_WITH_SECURITY_GROUPS: &str = "CanShareWithSecurityGroups";
    pub const IS_GROUP_SHARING_DISABLED: &str = "IsGroupSharingDisabled";
    pub const MAXIMUM_SHARE_LIMIT: &str = "MaximumShareLimit";
    pub const INCLUDE_ON_HOME_PAGE_INSIGHTS: &str = "IncludeOnHomePageInsights";
    pub const EXCLUDE_ENVIRONMENT_FROM_ANALYSIS: &str = "ExcludeEnvironmentFromAnalysis";
    pub const MAKER_ONBOARDING_URL: &str = "makerOnboardingUrl";
    pub const MAKER_ONBOARDING_MARKDOWN: &str = "makerOnboardingMarkdown";
    pub const MAKER_ONBOARDING_TIMESTAMP: &str = "makerOnboardingTimestamp";
    pub const SOLUTION_CHECKER_MODE: &str = "solutionCheckerMode";
    pub const SUPPRESS_VALIDATION_EMAILS: &str = "suppressValidationEmails";
    pub const SOLUTION_CHECKER_RULE_OVERRIDES: &str = "solutionCheckerRuleOverrides";
    pub const RETENTION_PERIOD: &str = "RetentionPeriod";
    pub const DISABLE_AI_GENERATED_DESCRIPTIONS: &str = "DisableAiGeneratedDescriptions";
    pub const CROSS_GEO_COPILOT_DATA_MOVEMENT_ENABLED: &str = "crossGeoCopilotDataMovementEnabled";
    pub const BING_CHAT_ENABLED: &str = "bingChatEnabled";
}

/// A classic rule set: one per group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_filter: Option<EnvironmentFilter>,
    #[serde(default)]
    pub parameters: Vec<RuleParameter>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentFilter {
    /// `Include` | `Exclude` | `NotSpecified`.
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub values: Vec<FilterValue>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterValue {
    pub id: String,
    /// `EnvironmentGroup`.
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl RuleSet {
    /// The group the rule set belongs to (its `Include` filter's `EnvironmentGroup` value).
    pub fn group_id(&self) -> Option<&str> {
        self.environment_filter
            .as_ref()?
            .values
            .iter()
            .find(|v| v.kind == "EnvironmentGroup")
            .map(|v| v.id.as_str())
    }

    /// The value of parameter `id` in the parameter of type `kind`.
    pub fn value(&self, kind: &str, id: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|p| p.kind == kind)?
            .value
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.value.as_str())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleParameter {
    #[serde(rename = "type")]
    pub kind: String,
    /// `App`, `Flow`, `NotSpecified`, ...
    #[serde(default)]
    pub resource_type: String,
    #[serde(default)]
    pub value: Vec<RuleValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_staged_changes: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleValue {
    pub id: String,
    /// Always a string, booleans and numbers included.
    pub value: String,
}

/// Rule-set ids of rule-based policies.
pub mod policy_rule_sets {
    pub const CONNECTOR_MANAGEMENT: &str = "ConnectorManagement";
    pub const ADVANCED_CONNECTOR_POLICIES_ONLY: &str = "AdvancedConnectorPoliciesOnly";
    pub const CONTENT_SECURITY_POLICY: &str = "PowerAppsContentSecurityPolicy";
    pub const MAKER_ONBOARDING_CONTENT: &str = "MakerOnboardingContent";
    pub const VERSION: &str = "1.0";
}

/// A rule-based policy: one per group, holding typed rule sets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleBasedPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_set_count: Option<u32>,
    #[serde(default)]
    pub rule_sets: Vec<PolicyRuleSet>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyRuleSet {
    pub id: String,
    #[serde(default)]
    pub version: String,
    /// Typed JSON (booleans stay booleans), per rule set.
    #[serde(default)]
    pub inputs: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleAssignment {
    pub policy_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Absent on some assignments the service lists (the SDK types it optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// `EnvironmentGroup` | `Environment`.
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_set_count: Option<u32>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_assignment_without_resource_id_parses() {
        let page: crate::Page<super::RuleAssignment> = serde_json::from_str(
            r#"{"value":[{"policyId":"p1","tenantId":"t1","resourceType":"Tenant","ruleSetCount":2},{"policyId":"p2","resourceId":"g1","resourceType":"EnvironmentGroup"}]}"#,
        )
        .unwrap();
        assert_eq!(page.value[0].resource_id, None);
        assert_eq!(page.value[1].resource_id.as_deref(), Some("g1"));
    }
}
