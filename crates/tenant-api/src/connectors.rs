//! The connector catalog: the Power Apps list and the governance metadata lists.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Connector {
    /// The API name, e.g. `shared_sharepointonline`.
    pub name: String,
    pub id: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    pub properties: ConnectorProperties,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorProperties {
    #[serde(default)]
    pub display_name: String,
    /// `Standard` | `Premium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_custom_api: Option<bool>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// An item of `.../connectors/metadata/unblockable` (a bare array).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UnblockableConnector {
    pub id: String,
    #[serde(default)]
    pub metadata: UnblockableMetadata,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnblockableMetadata {
    #[serde(default)]
    pub unblockable: bool,
}

/// An item of `.../connectors/metadata/virtual` (a bare array).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VirtualConnector {
    /// Short ids such as `Http`.
    pub id: String,
    #[serde(default)]
    pub metadata: VirtualMetadata,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualMetadata {
    #[serde(default)]
    pub virtual_connector: bool,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_uri: Option<String>,
    #[serde(default)]
    pub display_name: String,
}
