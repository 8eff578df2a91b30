//! The tenant snapshot: a whole tenant in wire types, and its JSON form. The emulator serves
//! one (and persists its state as one); `ppgov export` writes one through the client's
//! conversions.
//!
//! Every collection is a `BTreeMap` keyed by the object's id, so a dump is deterministic and
//! lists come out in id order. The format is documented in `crates/emulator/README.md` and
//! `docs/snapshot-format.md`.

use crate::dlp::PolicyDocument;
use crate::environments::Environment;
use crate::groups::EnvironmentGroup;
use crate::roles::{BapRoleAssignment, RbacRoleAssignment};
use crate::rules::{RuleAssignment, RuleBasedPolicy, RuleSet};
use crate::tenant::TenantSettings;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The value of the snapshot's `format` field.
pub const SNAPSHOT_FORMAT: &str = "ppgov-tenant-snapshot/1";

/// The whole tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantSnapshot {
    /// Always [`SNAPSHOT_FORMAT`]; loading refuses anything else.
    pub format: String,
    pub tenant_id: String,
    /// Extra fields of `GET .../BusinessAppPlatform/tenant` (`state`, `location`, ...).
    #[serde(default)]
    pub tenant_info: BTreeMap<String, Value>,
    /// BAP environments by name (GUID). Group membership lives here, in
    /// `properties.parentEnvironmentGroup.id`.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// Environment groups by id.
    #[serde(default)]
    pub environment_groups: BTreeMap<String, EnvironmentGroup>,
    /// Classic rule sets by id (at most one per group).
    #[serde(default)]
    pub rule_sets: BTreeMap<String, RuleSet>,
    /// Rule-based policies by id.
    #[serde(default)]
    pub rule_based_policies: BTreeMap<String, RuleBasedPolicy>,
    /// Assignments of rule-based policies, keyed by `{resourceType}/{resourceId}` (one policy
    /// per group or environment).
    #[serde(default)]
    pub rule_assignments: BTreeMap<String, RuleAssignment>,
    /// DLP policies by name (GUID), as full v2 documents.
    #[serde(default)]
    pub dlp_policies: BTreeMap<String, PolicyDocument>,
    /// BAP environment role assignments: environment name -> assignment name -> assignment.
    #[serde(default)]
    pub bap_role_assignments: BTreeMap<String, BTreeMap<String, BapRoleAssignment>>,
    /// Power Platform RBAC role assignments by `roleAssignmentId`.
    #[serde(default)]
    pub rbac_role_assignments: BTreeMap<String, RbacRoleAssignment>,
    /// The tenant settings object, stored as written (zero-GUID routing targets are dropped on
    /// read, like the service).
    #[serde(default)]
    pub tenant_settings: TenantSettings,
    /// The tenant isolation policy; absent until one is first written (reads answer 404).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_isolation_policy: Option<crate::tenant_isolation::TenantIsolationProperties>,
    /// The connector catalog; absent means the emulator's bundled `data/connectors.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connectors: Option<Vec<CatalogEntry>>,
    /// Canvas apps: environment name -> app name (GUID) -> app, as the Power Apps admin list
    /// returns them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub apps: BTreeMap<String, BTreeMap<String, crate::inventory::App>>,
    /// Cloud flows: environment name -> flow name (GUID) -> flow, as the per-flow admin GET
    /// returns it (with its connection references; the list leaves them out).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flows: BTreeMap<String, BTreeMap<String, crate::inventory::Flow>>,
    /// Custom connectors: environment name -> connector name -> connector, as the Power Apps
    /// admin `apis` list returns them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_connectors: BTreeMap<String, BTreeMap<String, crate::inventory::CustomConnector>>,
    /// Connections: environment name -> connection name -> connection, as the Power Apps admin
    /// `connections` list returns them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub connections: BTreeMap<String, BTreeMap<String, crate::inventory::Connection>>,
    /// Power Platform Advisor: scenario id -> its name, refresh times and affected resources
    /// (generated shapes, see `advisor`). `ppgov export` does not write it; a snapshot written
    /// by hand or persisted by the emulator may carry it for `ppgov assess --advisor`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub advisor_recommendations: BTreeMap<String, crate::advisor::SnapshotRecommendation>,
}

impl TenantSnapshot {
    /// An empty tenant with default tenant settings and the bundled connector catalog.
    pub fn new(tenant_id: impl Into<String>) -> Self {
        TenantSnapshot {
            format: SNAPSHOT_FORMAT.to_owned(),
            tenant_id: tenant_id.into(),
            tenant_info: default_tenant_info(),
            environments: BTreeMap::new(),
            environment_groups: BTreeMap::new(),
            rule_sets: BTreeMap::new(),
            rule_based_policies: BTreeMap::new(),
            rule_assignments: BTreeMap::new(),
            dlp_policies: BTreeMap::new(),
            bap_role_assignments: BTreeMap::new(),
            rbac_role_assignments: BTreeMap::new(),
            tenant_settings: default_tenant_settings(),
            tenant_isolation_policy: None,
            connectors: None,
            apps: BTreeMap::new(),
            flows: BTreeMap::new(),
            custom_connectors: BTreeMap::new(),
            connections: BTreeMap::new(),
            advisor_recommendations: BTreeMap::new(),
        }
    }

    /// Parses a snapshot, checking its `format`.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let tenant: TenantSnapshot =
            serde_json::from_str(text).map_err(|e| format!("invalid tenant snapshot: {e}"))?;
        if tenant.format != SNAPSHOT_FORMAT {
            return Err(format!(
                "unsupported snapshot format {:?} (expected {SNAPSHOT_FORMAT:?})",
                tenant.format
            ));
        }
        Ok(tenant)
    }

    /// The snapshot as pretty JSON, with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("tenant serializes");
        s.push('\n');
        s
    }

    /// Finds an environment by name, case-insensitively; `~default` is the default one.
    pub fn environment_key(&self, name: &str) -> Option<String> {
        if name.eq_ignore_ascii_case("~default") {
            return self
                .environments
                .iter()
                .find(|(_, e)| e.properties.is_default)
                .map(|(k, _)| k.clone());
        }
        if self.environments.contains_key(name) {
            return Some(name.to_owned());
        }
        self.environments
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .cloned()
    }

    /// Finds a group by id, case-insensitively.
    pub fn group_key(&self, id: &str) -> Option<String> {
        if self.environment_groups.contains_key(id) {
            return Some(id.to_owned());
        }
        self.environment_groups
            .keys()
            .find(|k| k.eq_ignore_ascii_case(id))
            .cloned()
    }

    /// The environments whose `parentEnvironmentGroup` is `group`.
    pub fn group_members(&self, group: &str) -> Vec<String> {
        self.environments
            .iter()
            .filter(|(_, e)| e.group_id().is_some_and(|g| g.eq_ignore_ascii_case(group)))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The rule set attached to `group`, if any.
    pub fn group_rule_set(&self, group: &str) -> Option<String> {
        self.rule_sets
            .iter()
            .find(|(_, r)| r.group_id().is_some_and(|g| g.eq_ignore_ascii_case(group)))
            .map(|(k, _)| k.clone())
    }
}

/// The key of a rule-based policy assignment in [`TenantSnapshot::rule_assignments`].
pub fn assignment_key(resource_type: &str, resource_id: &str) -> String {
    format!("{resource_type}/{}", resource_id.to_ascii_lowercase())
}

fn default_tenant_info() -> BTreeMap<String, Value> {
    match serde_json::json!({
        "state": "Enabled",
        "location": "europe",
        "aadCountryGeo": "europe",
        "dataStorageGeo": "europe",
        "defaultEnvironmentGeo": "europe",
        "aadDataBoundary": "none",
        "fedRAMPHighCertificationRequired": false
    }) {
        Value::Object(m) => m.into_iter().collect(),
        _ => unreachable!(),
    }
}

/// The settings of a new tenant (the service's defaults, as far as they are documented).
pub fn default_tenant_settings() -> TenantSettings {
    match serde_json::json!({
        "walkMeOptOut": false,
        "disableNPSCommentsReachout": false,
        "disableNewsletterSendout": false,
        "disableEnvironmentCreationByNonAdminUsers": false,
        "disablePortalsCreationByNonAdminUsers": false,
        "disableSurveyFeedback": false,
        "disableTrialEnvironmentCreationByNonAdminUsers": false,
        "disableCapacityAllocationByEnvironmentAdmins": false,
        "disableSupportTicketsVisibleByAllUsers": false,
        "powerPlatform": {
            "search": {
                "disableDocsSearch": false,
                "disableCommunitySearch": false,
                "disableBingVideoSearch": false
            },
            "teamsIntegration": { "shareWithColleaguesUserLimit": 10000 },
            "powerApps": {
                "disableShareWithEveryone": false,
                "enableGuestsToMake": false,
                "disableMakerMatch": false,
                "disableUnusedLicenseAssignment": false,
                "disableCreateFromImage": false,
                "disableCreateFromFigma": false,
                "disableConnectionSharingWithEveryone": false
            },
            "powerAutomate": { "disableCopilot": false, "disableCopilotWithBing": false },
            "environments": { "disablePreferredDataLocationForTeamsEnvironment": false },
            "governance": {
                "disableAdminDigest": false,
                "disableDeveloperEnvironmentCreationByNonAdminUsers": false,
                "enableDefaultEnvironmentRouting": false,
                "environmentRoutingAllMakers": false,
                "environmentRoutingTargetEnvironmentGroupId": "00000000-0000-0000-0000-000000000000",
                "environmentRoutingTargetSecurityGroupId": "00000000-0000-0000-0000-000000000000",
                "policy": { "enableDesktopFlowDataPolicyManagement": false }
            },
            "licensing": {
                "disableBillingPolicyCreationByNonAdminUsers": false,
                "enableTenantCapacityReportForEnvironmentAdmins": false,
                "storageCapacityConsumptionWarningThreshold": 85,
                "enableTenantLicensingReportForEnvironmentAdmins": false,
                "disableUseOfUnassignedAIBuilderCredits": false,
                "applyAutoClaimToOnlyManagedEnvironments": false
            },
            "powerPages": {},
            "champions": {
                "disableChampionsInvitationReachout": false,
                "disableSkillsMatchInvitationReachout": false
            },
            "intelligence": {
                "disableCopilot": false,
                "enableOpenAiBotPublishing": false,
                "disableCopilotFeedback": false,
                "disableCopilotFeedbackMetadata": false
            },
            "modelExperimentation": { "enableModelDataSharing": false, "disableDataLogging": false },
            "catalogSettings": { "powerCatalogAudienceSetting": "All" },
            "userManagementSettings": { "enableDeleteDisabledUserinAllEnvironments": false }
        }
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// One connector catalog entry, in the schema of `data/connectors.json` (see `data/CONNECTORS-SOURCES.md`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogEntry {
    pub name: String,
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub unblockable: bool,
    #[serde(default, rename = "virtual")]
    pub is_virtual: bool,
    #[serde(default)]
    pub endpoint_filtering: bool,
    /// Further Power Apps `properties` of the connector, served as they are: `isCustomApi`,
    /// `connectionParameters`, `capabilities`, `releaseTag`, `createdTime`, `changedTime`
    /// (a tenant's custom connectors, connector metadata for ratings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub api_properties: BTreeMap<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_round_trips_and_checks_format() {
        let t = TenantSnapshot::new("11111111-1111-1111-1111-111111111111");
        let json = t.to_json();
        assert!(json.contains(r#""format": "ppgov-tenant-snapshot/1""#));
        assert!(
            !json.contains("\"connectors\""),
            "the builtin catalog is not dumped"
        );
        assert_eq!(TenantSnapshot::from_json(&json).unwrap(), t);
        let bad = json.replace("ppgov-tenant-snapshot/1", "other/9");
        assert!(
            TenantSnapshot::from_json(&bad)
                .unwrap_err()
                .contains("unsupported")
        );
    }
}
