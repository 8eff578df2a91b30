//! Role assignments: BAP environment roles and Power Platform RBAC.

use serde::{Deserialize, Serialize};

/// BAP environment role names (matched case-insensitively).
pub mod bap_roles {
    pub const ENVIRONMENT_ADMIN: &str = "EnvironmentAdmin";
    pub const ENVIRONMENT_MAKER: &str = "EnvironmentMaker";
}

/// Built-in Power Platform RBAC role definition ids.
pub mod rbac_roles {
    pub const OWNER: &str = "0cb07c69-1631-4725-ab35-e59e001c51ea";
    pub const CONTRIBUTOR: &str = "ff954d61-a89a-4fbe-ace9-01c367b89f87";
    pub const READER: &str = "c886ad2e-27f7-4874-8381-5849b8d8a090";
    pub const RBAC_ADMINISTRATOR: &str = "95e94555-018c-447b-8691-bdac8e12211e";
}

/// One BAP environment role assignment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BapRoleAssignment {
    pub id: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    pub properties: BapRoleAssignmentProperties,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BapRoleAssignmentProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub role_definition: RoleDefinitionRef,
    pub principal: BapPrincipal,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDefinitionRef {
    pub id: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl RoleDefinitionRef {
    /// `EnvironmentAdmin` / `EnvironmentMaker`, from `name` or the tail of `id`.
    pub fn role_name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| self.id.rsplit('/').next().unwrap_or(&self.id))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BapPrincipal {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `User` | `Group` | `Tenant`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// Body of `POST .../modifyRoleAssignments`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModifyRoleAssignments {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<AddRoleAssignment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<RemoveRoleAssignment>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AddRoleAssignment {
    pub properties: NewBapRoleAssignment,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewBapRoleAssignment {
    pub role_definition: RoleDefinitionRef,
    pub principal: BapPrincipal,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveRoleAssignment {
    pub id: String,
}

/// Answer of `modifyRoleAssignments`: a status per added or removed assignment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModifyRoleAssignmentsResponse {
    #[serde(default)]
    pub add: Vec<ModifyResult>,
    #[serde(default)]
    pub remove: Vec<ModifyResult>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_assignment: Option<BapRoleAssignment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Created`, `OK`, `NoContent`, or an error status name.
    #[serde(default)]
    pub http_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::errors::ErrorDetail>,
}

/// One Power Platform RBAC role assignment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RbacRoleAssignment {
    #[serde(default)]
    pub role_assignment_id: String,
    pub principal_object_id: String,
    pub role_definition_id: String,
    /// `/tenants/{t}`, `/tenants/{t}/environmentGroups/{g}`, `/tenants/{t}/environments/{e}`,
    /// or the last two without `/tenants/{t}`.
    pub scope: String,
    /// `User`, `Group`, `ApplicationUser`.
    pub principal_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_principal_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_principal_object_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<String>,
}

/// Body of `POST /authorization/roleAssignments`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewRbacRoleAssignment {
    pub principal_object_id: String,
    pub principal_type: String,
    pub role_definition_id: String,
    pub scope: String,
}

/// The create answer is documented `value`-wrapped but seen flat: accept both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RbacCreateResponse {
    Wrapped { value: Vec<RbacRoleAssignment> },
    Flat(RbacRoleAssignment),
}

impl RbacCreateResponse {
    pub fn into_assignment(self) -> Option<RbacRoleAssignment> {
        match self {
            RbacCreateResponse::Wrapped { value } => value.into_iter().next(),
            RbacCreateResponse::Flat(a) => Some(a),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RbacRoleDefinition {
    pub role_definition_id: String,
    pub role_definition_name: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// Scope strings of RBAC assignments. The service also answers group and environment scopes
/// without the `/tenants/{t}` prefix ([`scopes::short_environment_group`],
/// [`scopes::short_environment`]).
pub mod scopes {
    pub fn short_environment_group(group: &str) -> String {
        format!("/environmentGroups/{group}")
    }
    pub fn short_environment(env: &str) -> String {
        format!("/environments/{env}")
    }
    pub fn tenant(tenant: &str) -> String {
        format!("/tenants/{tenant}")
    }
    pub fn environment_group(tenant: &str, group: &str) -> String {
        format!("/tenants/{tenant}/environmentGroups/{group}")
    }
    pub fn environment(tenant: &str, env: &str) -> String {
        format!("/tenants/{tenant}/environments/{env}")
    }
}
