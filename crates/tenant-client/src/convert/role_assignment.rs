//! Role assignments: BAP environment roles and Power Platform RBAC assignments, their
//! scopes and requests.

use super::{ConvertError, err};
use ppgov_core::model::{PrincipalType, Role};
use ppgov_core::observed::{ObservedRoleAssignment, ObservedScope};
use ppgov_tenant_api::roles as wro;

pub(super) const BAP_ENVS: &str =
    "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments";

pub(super) fn bap_role(name: &str) -> Option<Role> {
    if name.eq_ignore_ascii_case(wro::bap_roles::ENVIRONMENT_ADMIN) {
        Some(Role::EnvironmentAdmin)
    } else if name.eq_ignore_ascii_case(wro::bap_roles::ENVIRONMENT_MAKER) {
        Some(Role::EnvironmentMaker)
    } else {
        None
    }
}

/// A BAP environment role assignment of environment `env_id`. Its id is the full
/// `.../roleAssignments/{id}` path, which removal needs.
pub fn bap_role_assignment(a: &wro::BapRoleAssignment, env_id: &str) -> ObservedRoleAssignment {
    let principal = &a.properties.principal;
    ObservedRoleAssignment {
        id: a.id.clone(),
        principal_id: principal.id.to_lowercase(),
        principal_type: match principal.kind.to_ascii_lowercase().as_str() {
            "user" => Some(PrincipalType::User),
            "group" => Some(PrincipalType::Group),
            _ => None,
        },
        principal_name: principal.display_name.clone(),
        role: bap_role(a.properties.role_definition.role_name()),
        scope: ObservedScope::Environment(env_id.to_lowercase()),
    }
}

pub(super) fn bap_target(
    a: &ObservedRoleAssignment,
) -> Result<(&str, &'static str, &'static str), ConvertError> {
    let ObservedScope::Environment(env) = &a.scope else {
        return err("environment roles apply to one environment");
    };
    let role = match a.role {
        Some(Role::EnvironmentAdmin) => wro::bap_roles::ENVIRONMENT_ADMIN,
        Some(Role::EnvironmentMaker) => wro::bap_roles::ENVIRONMENT_MAKER,
        _ => return err("only EnvironmentAdmin and EnvironmentMaker are BAP roles"),
    };
    let kind = match a.principal_type {
        Some(PrincipalType::User) => "User",
        Some(PrincipalType::Group) => "Group",
        _ => return err("BAP environment roles take users and groups only"),
    };
    Ok((env, role, kind))
}

/// The `add` item of `modifyRoleAssignments` for an environment role.
pub fn bap_role_assignment_request(
    a: &ObservedRoleAssignment,
    tenant_id: &str,
) -> Result<wro::AddRoleAssignment, ConvertError> {
    let (env, role, kind) = bap_target(a)?;
    Ok(wro::AddRoleAssignment {
        properties: wro::NewBapRoleAssignment {
            role_definition: wro::RoleDefinitionRef {
                id: format!("{BAP_ENVS}/{env}/roleDefinitions/{role}"),
                kind: None,
                name: None,
            },
            principal: wro::BapPrincipal {
                id: a.principal_id.clone(),
                kind: kind.into(),
                tenant_id: Some(tenant_id.to_owned()),
                ..Default::default()
            },
        },
    })
}

/// An environment role assignment as BAP lists it (for tests and the wire-sample checks).
pub fn bap_role_assignment_to_wire(
    a: &ObservedRoleAssignment,
    tenant_id: &str,
) -> Result<wro::BapRoleAssignment, ConvertError> {
    let req = bap_role_assignment_request(a, tenant_id)?;
    let (env, role, _) = bap_target(a)?;
    let mut principal = req.properties.principal;
    principal.display_name = a.principal_name.clone();
    Ok(wro::BapRoleAssignment {
        id: a.id.clone(),
        kind: "Microsoft.BusinessAppPlatform/scopes/environments/roleAssignments".into(),
        name: a.id.rsplit('/').next().unwrap_or_default().to_owned(),
        properties: wro::BapRoleAssignmentProperties {
            scope: Some(format!(
                "/providers/Microsoft.BusinessAppPlatform/environments/{env}"
            )),
            role_definition: wro::RoleDefinitionRef {
                name: Some(role.into()),
                ..req.properties.role_definition
            },
            principal,
        },
    })
}

pub(super) fn rbac_role(definition_id: &str) -> Option<Role> {
    let id = definition_id.rsplit('/').next().unwrap_or(definition_id);
    [
        (wro::rbac_roles::OWNER, Role::Owner),
        (wro::rbac_roles::CONTRIBUTOR, Role::Contributor),
        (wro::rbac_roles::READER, Role::Reader),
        (wro::rbac_roles::RBAC_ADMINISTRATOR, Role::RbacAdministrator),
    ]
    .into_iter()
    .find(|(known, _)| known.eq_ignore_ascii_case(id))
    .map(|(_, r)| r)
}

pub(super) fn rbac_role_id(role: Option<Role>) -> Result<&'static str, ConvertError> {
    Ok(match role {
        Some(Role::Owner) => wro::rbac_roles::OWNER,
        Some(Role::Contributor) => wro::rbac_roles::CONTRIBUTOR,
        Some(Role::Reader) => wro::rbac_roles::READER,
        Some(Role::RbacAdministrator) => wro::rbac_roles::RBAC_ADMINISTRATOR,
        _ => return err("not a Power Platform RBAC role"),
    })
}

/// `/tenants/{t}[/environmentGroups/{g}|/environments/{e}]`, and the short forms
/// `/environmentGroups/{g}` and `/environments/{e}` the service also answers (segment names
/// case-insensitive). Any other shape is [`ObservedScope::Unknown`]: reported, never a failed
/// read.
pub fn parse_rbac_scope(scope: &str) -> ObservedScope {
    let parts: Vec<&str> = scope.trim_matches('/').split('/').collect();
    let nested = |kind: &str, id: &str| {
        if id.is_empty() {
            None
        } else if kind.eq_ignore_ascii_case("environmentGroups") {
            Some(ObservedScope::EnvironmentGroup(id.to_lowercase()))
        } else if kind.eq_ignore_ascii_case("environments") {
            Some(ObservedScope::Environment(id.to_lowercase()))
        } else {
            None
        }
    };
    let known = match parts.as_slice() {
        [t, id] if t.eq_ignore_ascii_case("tenants") && !id.is_empty() => {
            Some(ObservedScope::Tenant)
        }
        [t, _, kind, id] if t.eq_ignore_ascii_case("tenants") => nested(kind, id),
        [kind, id] => nested(kind, id),
        _ => None,
    };
    known.unwrap_or_else(|| ObservedScope::Unknown(scope.to_owned()))
}

pub fn rbac_scope(scope: &ObservedScope, tenant_id: &str) -> String {
    match scope {
        ObservedScope::Tenant => wro::scopes::tenant(tenant_id),
        ObservedScope::EnvironmentGroup(g) => wro::scopes::environment_group(tenant_id, g),
        ObservedScope::Environment(e) => wro::scopes::environment(tenant_id, e),
        ObservedScope::Unknown(s) => s.clone(),
    }
}

pub fn rbac_role_assignment(
    a: &wro::RbacRoleAssignment,
) -> Result<ObservedRoleAssignment, ConvertError> {
    Ok(ObservedRoleAssignment {
        id: a.role_assignment_id.clone(),
        principal_id: a.principal_object_id.to_lowercase(),
        principal_type: match a.principal_type.to_ascii_lowercase().as_str() {
            "user" => Some(PrincipalType::User),
            "group" => Some(PrincipalType::Group),
            "applicationuser" | "serviceprincipal" => Some(PrincipalType::ServicePrincipal),
            _ => None,
        },
        principal_name: None,
        role: rbac_role(&a.role_definition_id),
        scope: parse_rbac_scope(&a.scope),
    })
}

pub(super) fn rbac_principal_type(t: Option<PrincipalType>) -> Result<&'static str, ConvertError> {
    match t {
        Some(PrincipalType::User) => Ok("User"),
        Some(PrincipalType::Group) => Ok("Group"),
        Some(PrincipalType::ServicePrincipal) => Ok("ApplicationUser"),
        None => err("RBAC assignments need a principal type"),
    }
}

pub fn rbac_role_assignment_request(
    a: &ObservedRoleAssignment,
    tenant_id: &str,
) -> Result<wro::NewRbacRoleAssignment, ConvertError> {
    Ok(wro::NewRbacRoleAssignment {
        principal_object_id: a.principal_id.clone(),
        principal_type: rbac_principal_type(a.principal_type)?.into(),
        role_definition_id: rbac_role_id(a.role)?.into(),
        scope: rbac_scope(&a.scope, tenant_id),
    })
}

pub fn rbac_role_assignment_to_wire(
    a: &ObservedRoleAssignment,
    tenant_id: &str,
) -> Result<wro::RbacRoleAssignment, ConvertError> {
    let r = rbac_role_assignment_request(a, tenant_id)?;
    Ok(wro::RbacRoleAssignment {
        role_assignment_id: a.id.clone(),
        principal_object_id: r.principal_object_id,
        role_definition_id: r.role_definition_id,
        scope: r.scope,
        principal_type: r.principal_type,
        ..Default::default()
    })
}
