//! DLP policies, v2 route (wrapped documents with connector configurations and URL patterns).

use crate::Identity;
use serde::{Deserialize, Serialize};

/// Connector group classifications on the wire: Business is `Confidential`, Non-business is
/// `General`.
pub mod classification {
    pub const BUSINESS: &str = "Confidential";
    pub const NON_BUSINESS: &str = "General";
    pub const BLOCKED: &str = "Blocked";
    /// Custom connector patterns only: leave to the connector classification.
    pub const IGNORE: &str = "Ignore";
}

/// `environmentType` values.
pub mod environment_type {
    pub const ALL: &str = "AllEnvironments";
    pub const EXCEPT: &str = "ExceptEnvironments";
    pub const ONLY: &str = "OnlyEnvironments";
    pub const SINGLE: &str = "SingleEnvironment";
}

pub const CONNECTOR_TYPE: &str = "Microsoft.PowerApps/apis";
pub const ENVIRONMENT_TYPE: &str = "Microsoft.BusinessAppPlatform/scopes/environments";

/// A whole policy as `GET/POST/PATCH .../v2/policies[/{name}]` carry it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDocument {
    pub policy_definition: PolicyDefinition,
    /// Absent when no connector has action or endpoint rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_configurations_definition: Option<ConnectorConfigurations>,
    /// `{"rules": null}` is read as no patterns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_connector_url_patterns_definition: Option<UrlPatterns>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDefinition {
    /// The policy GUID; absent on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub display_name: String,
    pub default_connectors_classification: String,
    /// List items of the v2 route omit the groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_groups: Option<Vec<ConnectorGroup>>,
    pub environment_type: String,
    #[serde(default)]
    pub environments: Vec<ResourceRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_legacy_schema_version: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorGroup {
    pub classification: String,
    /// Never send `null`: the service rejects it; an empty list is fine.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub connectors: Vec<ResourceRef>,
}

/// `{ id, name, type }` reference to a connector or an environment. Key on `id`; `name` is
/// informational (sometimes a display name).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
}

impl ResourceRef {
    pub fn connector(id: &str) -> Self {
        let name = id.rsplit('/').next().unwrap_or(id).to_owned();
        ResourceRef {
            id: id.to_owned(),
            name,
            kind: CONNECTOR_TYPE.to_owned(),
        }
    }

    pub fn environment(env: &str) -> Self {
        ResourceRef {
            id: format!("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{env}"),
            name: env.to_owned(),
            kind: ENVIRONMENT_TYPE.to_owned(),
        }
    }

    /// The environment GUID of an environment reference (`name`, or the tail of `id`).
    pub fn environment_name(&self) -> &str {
        if self.name.is_empty() {
            self.id.rsplit('/').next().unwrap_or(&self.id)
        } else {
            &self.name
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorConfigurations {
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub connector_action_configurations: Vec<ConnectorActionConfiguration>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub endpoint_configurations: Vec<EndpointConfiguration>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorActionConfiguration {
    pub connector_id: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub action_rules: Vec<ActionRule>,
    /// `Allow` | `Block`; `""` means unset.
    #[serde(default)]
    pub default_connector_action_rule_behavior: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRule {
    pub action_id: String,
    /// `Allow` | `Block`.
    pub behavior: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    pub connector_id: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub endpoint_rules: Vec<EndpointRule>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointRule {
    pub order: u32,
    /// `Allow` | `Deny`.
    pub behavior: String,
    /// Requests spell it `endpoint`, responses `endPoint`: both are read; `endpoint` is written.
    #[serde(alias = "endPoint")]
    pub endpoint: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UrlPatterns {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub rules: Vec<UrlPatternRule>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlPatternRule {
    pub order: u32,
    /// `Confidential` | `General` | `Blocked` | `Ignore`.
    pub custom_connector_rule_classification: String,
    pub pattern: String,
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_is_read_in_both_spellings_and_written_lower_case() {
        let a: EndpointRule =
            serde_json::from_str(r#"{"order":1,"behavior":"Allow","endPoint":"x"}"#).unwrap();
        let b: EndpointRule =
            serde_json::from_str(r#"{"order":1,"behavior":"Allow","endpoint":"x"}"#).unwrap();
        assert_eq!(a, b);
        assert!(
            serde_json::to_string(&a)
                .unwrap()
                .contains(r#""endpoint":"x""#)
        );
    }

    #[test]
    fn null_rules_are_empty() {
        let p: UrlPatterns = serde_json::from_str(r#"{"rules":null}"#).unwrap();
        assert!(p.rules.is_empty());
    }
}
