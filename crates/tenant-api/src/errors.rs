//! Error bodies: BAP `{ "error": { "code", "message" } }` and RFC 7807 ProblemDetails.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BapError {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_url_type: Option<String>,
}

/// The flat form some services (Power Platform RBAC) answer: `{"code", "message", "innererror"}`
/// at the top level. `innererror` is kept as it came.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlatError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innererror: Option<serde_json::Value>,
}

/// RFC 7807 problem details (Power Platform API environment management).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemDetails {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

/// Error codes ppgov and the emulator agree on (BAP codes where the service documents one).
pub mod codes {
    pub const OPERATION_NOT_STARTABLE: &str = "OperationNotStartable";
    /// Environment creation refused for lack of Dataverse capacity: final, never retried.
    pub const INSUFFICIENT_CAPACITY: &str = "InsufficientCapacity_StorageDriven";
    pub const ENVIRONMENT_NOT_FOUND: &str = "EnvironmentNotFound";
    pub const URL_PATTERNS_INVALID_RULE: &str = "UrlPatternsInvalidRule";
    pub const CONNECTOR_REFERENCE_INVALID: &str = "DLPPolicyConnectorReferenceInvalid";
    pub const ENVIRONMENTS_IN_GROUP: &str = "EnvironmentsInEnvironmentGroup";
    pub const POLICY_ASSIGNED_TO_GROUP: &str = "PolicyAssignedToEnvironmentGroup";
    pub const UNBLOCKABLE_CONNECTOR_BLOCKED: &str = "UnblockableConnectorBlocked";
    pub const ENDPOINT_RULES_INVALID: &str = "EndpointRulesInvalid";
    pub const ENVIRONMENT_NOT_MANAGED: &str = "EnvironmentNotManaged";
    pub const ENVIRONMENT_ALREADY_IN_GROUP: &str = "EnvironmentAlreadyInGroup";
    pub const NOT_FOUND: &str = "NotFound";
    pub const BAD_REQUEST: &str = "BadRequest";
    pub const UNAUTHORIZED: &str = "Unauthorized";
    pub const TOO_MANY_REQUESTS: &str = "TooManyRequests";
    pub const CONFLICT: &str = "Conflict";
    pub const FORBIDDEN: &str = "Forbidden";
    /// A missing or unsupported `api-version` query parameter.
    pub const MISSING_API_VERSION: &str = "MissingApiVersionParameter";
    pub const UNSUPPORTED_API_VERSION: &str = "UnsupportedApiVersion";
    /// Removing an environment from a group it is not in.
    pub const ENVIRONMENT_NOT_IN_GROUP: &str = "EnvironmentNotInGroup";
    /// Turning Managed Environment off while the environment is in a group.
    pub const ENVIRONMENT_IN_GROUP: &str = "EnvironmentInEnvironmentGroup";
    /// A BAP role assignment call on an environment with Dataverse.
    pub const DATAVERSE_ENVIRONMENT: &str = "EnvironmentHasDataverse";
    /// RBAC scope naming an environment or group that does not exist.
    pub const ENVIRONMENT_ID_INVALID: &str = "EnvironmentIdInvalid";
    pub const ENVIRONMENT_GROUP_ID_INVALID: &str = "EnvironmentGroupIdInvalid";
    pub const POLICY_NOT_FOUND: &str = "PolicyNotFound";
    pub const INTERNAL_SERVER_ERROR: &str = "InternalServerError";
    pub const SERVICE_UNAVAILABLE: &str = "ServiceUnavailable";
}

/// The `(code, message)` of any error body the APIs return (wrapped `{"error":{..}}`, flat
/// `{"code","message"}`, ProblemDetails); `None` for empty or unknown bodies.
pub fn parse(body: &str) -> Option<(String, String)> {
    if let Ok(e) = serde_json::from_str::<BapError>(body)
        && (!e.error.code.is_empty() || !e.error.message.is_empty())
    {
        return Some((e.error.code, e.error.message));
    }
    if let Ok(e) = serde_json::from_str::<FlatError>(body)
        && !e.code.is_empty()
    {
        return Some((e.code, e.message));
    }
    if let Ok(p) = serde_json::from_str::<ProblemDetails>(body)
        && (!p.title.is_empty() || p.detail.is_some())
    {
        let code = p.title.clone();
        return Some((code, p.detail.unwrap_or(p.title)));
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_both_shapes() {
        assert_eq!(
            super::parse(r#"{"error":{"code":"OperationNotStartable","message":"busy"}}"#),
            Some(("OperationNotStartable".into(), "busy".into()))
        );
        assert_eq!(
            super::parse(
                r#"{"title":"Bad Request","status":400,"detail":"displayName is required"}"#
            ),
            Some(("Bad Request".into(), "displayName is required".into()))
        );
        assert_eq!(super::parse(""), None);
    }

    #[test]
    fn parses_the_flat_form_with_its_code() {
        assert_eq!(
            super::parse(
                r#"{"code":"EnvironmentGroupIdInvalid","message":"The group does not exist.","innererror":{"code":"NotFound","target":"scope"}}"#
            ),
            Some((
                "EnvironmentGroupIdInvalid".into(),
                "The group does not exist.".into()
            ))
        );
    }
}
