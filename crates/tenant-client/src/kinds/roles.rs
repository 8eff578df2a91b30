//! Role assignments: BAP environment roles (`modifyRoleAssignments`) and Power Platform
//! RBAC assignments, their scopes and requests; list, create, delete.

use super::{cannot_write, gone_is_fine};
use crate::Client;
use crate::convert;
use crate::convert::{ConvertError, err};
use crate::error::{ClientError, ErrorKind};
use crate::http::Req;
use ppgov_core::model::{PrincipalType, Role};
use ppgov_core::observed::{ObservedRoleAssignment, ObservedScope};
use ppgov_tenant_api::roles as wro;
use ppgov_tenant_api::{environments as we, groups as wg, paths};
use std::collections::BTreeMap;

pub(crate) const BAP_ENVS: &str =
    "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments";

pub(crate) fn bap_role(name: &str) -> Option<Role> {
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

pub(crate) fn bap_target(
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

pub(crate) fn rbac_role(definition_id: &str) -> Option<Role> {
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

pub(crate) fn rbac_role_id(role: Option<Role>) -> Result<&'static str, ConvertError> {
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

pub(crate) fn rbac_principal_type(t: Option<PrincipalType>) -> Result<&'static str, ConvertError> {
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

impl Client {
    /// The BAP environment role assignments of one environment.
    pub async fn list_environment_role_assignments(
        &self,
        env: &str,
    ) -> Result<Vec<ObservedRoleAssignment>, ClientError> {
        let list: Vec<wro::BapRoleAssignment> = self
            .transport
            .list_unique(
                paths::environment_role_assignments(env),
                |a: &wro::BapRoleAssignment| Some(a.id.clone()),
            )
            .await?;
        Ok(list
            .iter()
            .map(|a| convert::bap_role_assignment(a, env))
            .collect())
    }

    /// Every Power Platform RBAC assignment of the tenant, at every scope ppgov governs: the
    /// tenant-level list holds only tenant-scope assignments, so each group's and each
    /// environment's list is read too (concurrently, bounded by the request limit).
    pub async fn list_rbac_role_assignments(
        &self,
    ) -> Result<Vec<ObservedRoleAssignment>, ClientError> {
        let t = &self.transport;
        let (groups, envs) = futures::try_join!(
            t.list::<wg::EnvironmentGroup>(paths::environment_groups()),
            t.list::<we::Environment>(paths::list_environments()),
        )?;
        let scopes = std::iter::once(ObservedScope::Tenant)
            .chain(
                groups
                    .into_iter()
                    .filter_map(|g| g.id)
                    .map(ObservedScope::EnvironmentGroup),
            )
            .chain(envs.into_iter().map(|e| ObservedScope::Environment(e.name)));
        let mut by_id = BTreeMap::new();
        for a in self.rbac_scopes(scopes, None).await? {
            by_id.insert(a.id.clone(), a);
        }
        Ok(by_id.into_values().collect())
    }

    /// The RBAC assignments one scope's list answers (tenant, group or environment).
    pub async fn list_rbac_role_assignments_at(
        &self,
        scope: &ObservedScope,
    ) -> Result<Vec<ObservedRoleAssignment>, ClientError> {
        let endpoint = match scope {
            ObservedScope::Tenant => paths::rbac_role_assignments(),
            ObservedScope::EnvironmentGroup(g) => paths::rbac_group_role_assignments(g),
            ObservedScope::Environment(e) => paths::rbac_environment_role_assignments(e),
            ObservedScope::Unknown(s) => {
                return Err(ClientError::config(format!(
                    "cannot list role assignments at the unknown scope `{s}`"
                )));
            }
        };
        let label = format!("GET powerplatform {}", endpoint.path);
        let list: Vec<wro::RbacRoleAssignment> = self
            .transport
            .list_unique(endpoint, |a: &wro::RbacRoleAssignment| {
                Some(a.role_assignment_id.clone()).filter(|id| !id.is_empty())
            })
            .await?;
        list.iter()
            .map(|a| {
                convert::rbac_role_assignment(a).map_err(|e| ClientError::invalid(&label, e.0))
            })
            .collect()
    }

    /// Creates an assignment (its `id` is ignored): environment roles through BAP
    /// `modifyRoleAssignments`, the others through Power Platform RBAC.
    pub async fn create_role_assignment(
        &self,
        a: &ObservedRoleAssignment,
    ) -> Result<ObservedRoleAssignment, ClientError> {
        let tenant = self.tenant_id().await?;
        let t = &self.transport;
        let Some(role) = a.role else {
            return Err(ClientError::config(
                "cannot create an assignment of an unknown role",
            ));
        };
        if role.is_environment_role() {
            let ObservedScope::Environment(env) = &a.scope else {
                return Err(ClientError::config(
                    "environment roles are assigned on one environment",
                ));
            };
            let body = wro::ModifyRoleAssignments {
                add: vec![convert::bap_role_assignment_request(a, &tenant).map_err(cannot_write)?],
                remove: Vec::new(),
            };
            let resp = t
                .send(&Req::post(paths::modify_environment_role_assignments(env)).json(&body))
                .await?;
            let answer: wro::ModifyRoleAssignmentsResponse = resp.json()?;
            let item = answer.add.into_iter().next().ok_or_else(|| {
                ClientError::invalid(&resp.label, "the answer has no result for the added item")
            })?;
            if !item_succeeded(&item.http_status) {
                return Err(item_error(&resp.label, &item));
            }
            if let Some(created) = &item.role_assignment {
                return Ok(convert::bap_role_assignment(created, env));
            }
            // No echo: find it.
            return self
                .list_environment_role_assignments(env)
                .await?
                .into_iter()
                .find(|x| x.principal_id == a.principal_id && x.role == a.role)
                .ok_or_else(|| {
                    ClientError::invalid(&resp.label, "the new assignment is not listed")
                });
        }
        let body = convert::rbac_role_assignment_request(a, &tenant).map_err(cannot_write)?;
        // Group and environment assignments are created on their scope's route, as
        // Microsoft's PowerShell module does.
        let route = match &a.scope {
            ObservedScope::Tenant => paths::rbac_role_assignments(),
            ObservedScope::EnvironmentGroup(g) => paths::rbac_group_role_assignments(g),
            ObservedScope::Environment(e) => paths::rbac_environment_role_assignments(e),
            ObservedScope::Unknown(s) => {
                return Err(ClientError::config(format!(
                    "cannot create a role assignment at the unknown scope `{s}`"
                )));
            }
        };
        let resp = t.send(&Req::post(route).json(&body)).await?;
        if !resp.is_empty()
            && let Some(created) = resp.json::<wro::RbacCreateResponse>()?.into_assignment()
        {
            return convert::rbac_role_assignment(&created)
                .map_err(|e| ClientError::invalid(&resp.label, e.0));
        }
        let scope = a.scope.clone();
        self.list_rbac_role_assignments_at(&scope)
            .await?
            .into_iter()
            .find(|x| x.principal_id == a.principal_id && x.role == a.role && x.scope == scope)
            .ok_or_else(|| ClientError::invalid(&resp.label, "the new assignment is not listed"))
    }

    /// Deletes an assignment by its id (BAP ids are `.../roleAssignments/{id}` paths).
    pub async fn delete_role_assignment(
        &self,
        a: &ObservedRoleAssignment,
    ) -> Result<(), ClientError> {
        let t = &self.transport;
        if !a.is_bap() {
            let route = match &a.scope {
                ObservedScope::EnvironmentGroup(g) => paths::rbac_group_role_assignment(g, &a.id),
                ObservedScope::Environment(e) => paths::rbac_environment_role_assignment(e, &a.id),
                ObservedScope::Tenant | ObservedScope::Unknown(_) => {
                    paths::rbac_role_assignment(&a.id)
                }
            };
            return gone_is_fine(t.send(&Req::delete(route)).await);
        }
        let ObservedScope::Environment(env) = &a.scope else {
            return Err(ClientError::config(
                "environment role assignments belong to one environment",
            ));
        };
        let body = wro::ModifyRoleAssignments {
            add: Vec::new(),
            remove: vec![wro::RemoveRoleAssignment { id: a.id.clone() }],
        };
        let resp = t
            .send(
                &Req::post(paths::modify_environment_role_assignments(env))
                    .json(&body)
                    .idempotent(),
            )
            .await?;
        if resp.is_empty() {
            return Ok(());
        }
        let answer: wro::ModifyRoleAssignmentsResponse = resp.json()?;
        match answer.remove.first() {
            Some(item)
                if !item_succeeded(&item.http_status)
                    && !item.http_status.eq_ignore_ascii_case("NotFound") =>
            {
                Err(item_error(&resp.label, item))
            }
            _ => Ok(()),
        }
    }
}

/// Per-item `httpStatus` of `modifyRoleAssignments`: `Created`, `OK`, `NoContent`, `200`, ...
fn item_succeeded(status: &str) -> bool {
    matches!(
        status.to_ascii_lowercase().as_str(),
        "ok" | "created" | "nocontent" | "accepted"
    ) || status.parse::<u16>().is_ok_and(|s| (200..300).contains(&s))
}

pub(crate) fn item_error(label: &str, item: &wro::ModifyResult) -> ClientError {
    let detail = item.error.clone().unwrap_or_default();
    ClientError {
        kind: ErrorKind::Rejected,
        request: Some(label.to_owned()),
        status: None,
        code: Some(detail.code).filter(|c| !c.is_empty()),
        message: if detail.message.is_empty() {
            format!("the item failed with {}", item.http_status)
        } else {
            detail.message
        },
        hint: None,
    }
}

#[cfg(test)]
mod tests;
