//! Long-running operations: BAP lifecycle operations and Power Platform operation results.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A BAP lifecycle operation (polled at the `Location` of a 202).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LifecycleOperation {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub state: OperationState,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationState {
    /// `Running`, `Succeeded`, `Failed`, ...
    #[serde(default)]
    pub id: String,
}

/// A Power Platform API operation result (`Operation-Location` of a 202).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationResult {
    #[serde(default)]
    pub operation_id: String,
    /// `Queued`, `InProgress`, `Succeeded`, `Failed`, `ValidationFailed`, ...
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_detail: Option<Value>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// Terminal states of either kind of operation.
pub fn is_terminal(state: &str) -> bool {
    matches!(
        state,
        "Succeeded" | "Failed" | "Canceled" | "Cancelled" | "ValidationFailed" | "NoOperation"
    )
}

pub fn is_success(state: &str) -> bool {
    matches!(state, "Succeeded" | "NoOperation" | "ValidationPassed")
}
