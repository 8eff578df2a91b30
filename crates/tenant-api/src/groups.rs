//! Environment groups (Power Platform API).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentGroup {
    /// Assigned by the service; absent on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub display_name: String,
    /// The service may send `null`.
    #[serde(default, deserialize_with = "crate::null_as_default")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children_group_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<Value>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_null_description_reads_as_empty() {
        let g: super::EnvironmentGroup =
            serde_json::from_str(r#"{"id":"g1","displayName":"Finance","description":null}"#)
                .unwrap();
        assert_eq!(g.description, "");
        // One such group no longer fails the whole list.
        let page: crate::Page<super::EnvironmentGroup> = serde_json::from_str(
            r#"{"value":[{"id":"g1","displayName":"A","description":null},{"id":"g2","displayName":"B","description":"b"}]}"#,
        )
        .unwrap();
        assert_eq!(page.value.len(), 2);
    }
}
