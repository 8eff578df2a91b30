//! BAP admin environments.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `governanceConfiguration.protectionLevel` of a Managed Environment.
pub const PROTECTION_MANAGED: &str = "Standard";
/// ... of an environment that is not managed.
pub const PROTECTION_BASIC: &str = "Basic";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    #[serde(default)]
    pub id: String,
    /// The environment GUID.
    pub name: String,
    #[serde(default)]
    pub location: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    pub properties: EnvironmentProperties,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentProperties {
    #[serde(default)]
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_region: Option<String>,
    /// `Production`, `Sandbox`, `Trial`, `Developer`, `Default`, `Teams`, ...
    #[serde(default)]
    pub environment_sku: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_environment_group: Option<GroupRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governance_configuration: Option<GovernanceConfiguration>,
    /// Present when the environment has Dataverse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_environment_metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub states: Option<States>,
    /// Everything else the service returns, kept so nothing is lost in a round trip.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    #[serde(default)]
    pub id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GovernanceConfiguration {
    /// `Standard` (managed) or `Basic`.
    #[serde(default)]
    pub protection_level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<GovernanceSettings>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GovernanceSettings {
    /// String-valued settings (`limitSharingMode`, `solutionCheckerMode`, ...).
    #[serde(default)]
    pub extended_settings: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct States {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management: Option<State>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub id: String,
}

impl Environment {
    pub fn is_managed(&self) -> bool {
        self.properties
            .governance_configuration
            .as_ref()
            .is_some_and(|g| g.protection_level == PROTECTION_MANAGED)
    }

    /// The group the environment belongs to; an empty or zero id means none.
    pub fn group_id(&self) -> Option<&str> {
        self.properties
            .parent_environment_group
            .as_ref()
            .map(|g| g.id.as_str())
            .filter(|id| !id.is_empty() && *id != "00000000-0000-0000-0000-000000000000")
    }

    pub fn has_dataverse(&self) -> bool {
        self.properties.linked_environment_metadata.is_some()
    }
}

/// Body of `POST .../environments/{id}/governanceConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GovernanceConfigurationRequest {
    pub protection_level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<GovernanceSettings>,
}

/// Body of `POST /providers/Microsoft.BusinessAppPlatform/environments` (create; reference
/// §5.1). The service answers 202 + `Location` of a lifecycle operation (or 201 with the
/// environment), 409 `OperationNotStartable` (busy, retried) or
/// `InsufficientCapacity_StorageDriven` (not retried).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateEnvironmentRequest {
    pub location: String,
    pub properties: CreateEnvironmentProperties,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateEnvironmentProperties {
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Production`, `Sandbox`, `Trial` or `Developer`.
    pub environment_sku: String,
    /// `CommonDataService` to provision Dataverse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_environment_metadata: Option<CreateDataverse>,
}

/// `linkedEnvironmentMetadata` of a create.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDataverse {
    pub base_language: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    pub currency: Currency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Currency {
    pub code: String,
}

/// `lifecycleOperationsEnforcement.disallowedOperations` entry of `operation`, as
/// `(operation, reason)`: the platform refuses that operation on the environment.
pub fn disallowed_operation(env: &Environment, operation: &str) -> Option<String> {
    let enforcement = env.properties.other.get("lifecycleOperationsEnforcement")?;
    let disallowed = enforcement.get("disallowedOperations")?.as_array()?;
    disallowed
        .iter()
        .find(|o| {
            o.pointer("/type/id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.eq_ignore_ascii_case(operation))
        })
        .map(|o| {
            o.pointer("/reason/message")
                .and_then(Value::as_str)
                .unwrap_or("the platform's lifecycle operations enforcement disallows it")
                .to_owned()
        })
}
