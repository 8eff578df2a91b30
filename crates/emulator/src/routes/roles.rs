//! BAP environment roles (admin/maker, environments without Dataverse) and Power Platform RBAC.

use super::environments::bap_environment_key;
use super::json;
use crate::app::Shared;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, new_id, now_iso};
use crate::state::Tenant;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use ppgov_tenant_api::errors::{ErrorDetail, codes};
use ppgov_tenant_api::roles::{
    BapRoleAssignment, BapRoleAssignmentProperties, ModifyResult, ModifyRoleAssignments,
    ModifyRoleAssignmentsResponse, NewRbacRoleAssignment, RbacRoleAssignment, RbacRoleDefinition,
    RoleDefinitionRef, bap_roles, rbac_roles, scopes,
};
use ppgov_tenant_api::{BapPage, Page};
use std::collections::BTreeMap;
use std::sync::Arc;

const ENVS: &str = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments";

/// BAP environment roles with the BAP routes, RBAC with the Power Platform API's.
pub fn routes() -> super::Hosts {
    super::Hosts {
        bap: bap_router(),
        power_platform: rbac_router(),
        ..Default::default()
    }
}

fn bap_router() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{ENVS}/{{env}}/roleAssignments"), get(list_bap))
        .route(
            &format!("{ENVS}/{{env}}/modifyRoleAssignments"),
            post(modify_bap),
        )
}

fn rbac_router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/authorization/roleAssignments",
            get(list_rbac_tenant).post(create_rbac_tenant),
        )
        .route("/authorization/roleAssignments/{id}", delete(delete_rbac))
        .route(
            "/authorization/environmentGroups/{group}/roleAssignments",
            get(list_rbac_group).post(create_rbac_group),
        )
        .route(
            "/authorization/environmentGroups/{group}/roleAssignments/{id}",
            delete(delete_rbac_scoped),
        )
        .route(
            "/authorization/environments/{env}/roleAssignments",
            get(list_rbac_env).post(create_rbac_env),
        )
        .route(
            "/authorization/environments/{env}/roleAssignments/{id}",
            delete(delete_rbac_scoped),
        )
        .route("/authorization/roleDefinitions", get(role_definitions))
}

// ---- BAP environment roles ------------------------------------------------------------------

/// The environment key, or 404; 403 when it has Dataverse (use Dataverse security roles).
fn bap_env(tenant: &Tenant, env: &str) -> ApiResult<String> {
    let key = bap_environment_key(tenant, env)?;
    if tenant.environments[&key].has_dataverse() {
        return Err(ApiError::bap(
            StatusCode::FORBIDDEN,
            codes::DATAVERSE_ENVIRONMENT,
            format!(
                "The environment '{key}' has a Dataverse database: environment roles are managed with Dataverse security roles."
            ),
        ));
    }
    Ok(key)
}

async fn list_bap(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = bap_env(&inner.tenant, &env)?;
    let value: Vec<BapRoleAssignment> = inner
        .tenant
        .bap_role_assignments
        .get(&key)
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    Ok(json(
        StatusCode::OK,
        &BapPage {
            value,
            next_link: None,
        },
    ))
}

/// The canonical spelling of a BAP role name, matched case-insensitively.
fn canonical_role(name: &str) -> Option<&'static str> {
    [bap_roles::ENVIRONMENT_ADMIN, bap_roles::ENVIRONMENT_MAKER]
        .into_iter()
        .find(|r| r.eq_ignore_ascii_case(name))
}

/// A BAP role assignment in the service's shape.
pub fn bap_assignment(
    env: &str,
    name: &str,
    role: &str,
    principal: ppgov_tenant_api::roles::BapPrincipal,
) -> BapRoleAssignment {
    BapRoleAssignment {
        id: format!("{ENVS}/{env}/roleAssignments/{name}"),
        kind: "Microsoft.BusinessAppPlatform/scopes/environments/roleAssignments".to_owned(),
        name: name.to_owned(),
        properties: BapRoleAssignmentProperties {
            scope: Some(format!(
                "/providers/Microsoft.BusinessAppPlatform/environments/{env}"
            )),
            role_definition: RoleDefinitionRef {
                id: format!("{ENVS}/{env}/roleDefinitions/{role}"),
                kind: Some(
                    "Microsoft.BusinessAppPlatform/scopes/environments/roleDefinitions".to_owned(),
                ),
                name: Some(role.to_owned()),
            },
            principal,
        },
    }
}

fn item_error(status: &str, code: &str, message: String) -> ModifyResult {
    ModifyResult {
        role_assignment: None,
        id: None,
        http_status: status.to_owned(),
        error: Some(ErrorDetail {
            code: code.to_owned(),
            message,
            detail_url_type: None,
        }),
    }
}

async fn modify_bap(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
    Body(body): Body<ModifyRoleAssignments>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let key = bap_env(&inner.tenant, &env)?;
    let tenant_id = inner.tenant.tenant_id.clone();
    let assignments = inner
        .tenant
        .bap_role_assignments
        .entry(key.clone())
        .or_default();
    let mut answer = ModifyRoleAssignmentsResponse::default();
    for add in body.add {
        let p = add.properties;
        let Some(role) = canonical_role(p.role_definition.role_name()) else {
            answer.add.push(item_error(
                "BadRequest",
                codes::BAD_REQUEST,
                format!("Unknown role definition '{}'.", p.role_definition.id),
            ));
            continue;
        };
        let mut principal = p.principal;
        if !matches!(principal.kind.as_str(), "User" | "Group" | "Tenant") {
            answer.add.push(item_error(
                "BadRequest",
                codes::BAD_REQUEST,
                format!(
                    "Principal type must be User, Group or Tenant, not '{}'.",
                    principal.kind
                ),
            ));
            continue;
        }
        if principal.kind != "Tenant" && principal.id.is_empty() {
            answer.add.push(item_error(
                "BadRequest",
                codes::BAD_REQUEST,
                "The principal id is required.".to_owned(),
            ));
            continue;
        }
        if principal.tenant_id.as_deref().is_none_or(str::is_empty) {
            principal.tenant_id = Some(tenant_id.clone());
        }
        if let Some(existing) = assignments.values().find(|a| {
            a.properties
                .principal
                .id
                .eq_ignore_ascii_case(&principal.id)
                && a.properties.principal.kind == principal.kind
                && a.properties.role_definition.role_name() == role
        }) {
            answer.add.push(ModifyResult {
                role_assignment: Some(existing.clone()),
                id: None,
                http_status: "OK".to_owned(),
                error: None,
            });
            continue;
        }
        let name = new_id();
        let a = bap_assignment(&key, &name, role, principal);
        assignments.insert(name, a.clone());
        answer.add.push(ModifyResult {
            role_assignment: Some(a),
            id: None,
            http_status: "Created".to_owned(),
            error: None,
        });
    }
    for remove in body.remove {
        let tail = remove
            .id
            .rsplit('/')
            .next()
            .unwrap_or(&remove.id)
            .to_owned();
        let found = assignments
            .keys()
            .find(|k| k.eq_ignore_ascii_case(&tail))
            .cloned();
        match found {
            Some(k) => {
                assignments.remove(&k);
                answer.remove.push(ModifyResult {
                    role_assignment: None,
                    id: Some(remove.id),
                    http_status: "OK".to_owned(),
                    error: None,
                });
            }
            None => {
                let mut r = item_error(
                    "NotFound",
                    codes::NOT_FOUND,
                    format!("Role assignment '{}' was not found.", remove.id),
                );
                r.id = Some(remove.id);
                answer.remove.push(r);
            }
        }
    }
    if assignments.is_empty() {
        inner.tenant.bap_role_assignments.remove(&key);
    }
    Ok(json(StatusCode::OK, &answer))
}

// ---- Power Platform RBAC --------------------------------------------------------------------

/// The four built-in role definitions.
pub fn role_definition_list() -> Vec<RbacRoleDefinition> {
    [
        (rbac_roles::OWNER, "Power Platform Owner", vec!["*"]),
        (
            rbac_roles::CONTRIBUTOR,
            "Power Platform Contributor",
            vec!["*/read", "*/write", "*/delete"],
        ),
        (rbac_roles::READER, "Power Platform Reader", vec!["*/read"]),
        (
            rbac_roles::RBAC_ADMINISTRATOR,
            "Power Platform Role Based Access Control Administrator",
            vec![
                "Microsoft.PowerPlatform/roleAssignments/read",
                "Microsoft.PowerPlatform/roleAssignments/write",
                "Microsoft.PowerPlatform/roleAssignments/delete",
            ],
        ),
    ]
    .into_iter()
    .map(|(id, name, permissions)| RbacRoleDefinition {
        role_definition_id: id.to_owned(),
        role_definition_name: name.to_owned(),
        permissions: permissions.into_iter().map(str::to_owned).collect(),
    })
    .collect()
}

async fn role_definitions() -> Response {
    json(StatusCode::OK, &Page::new(role_definition_list()))
}

fn rbac_error(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::bap(status, code, message)
}

/// What an assignment's scope string names. The service writes nested scopes with or
/// without the `/tenants/{t}` prefix; both name the same scope.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ScopeTarget {
    /// The tenant, or a scope of a shape the emulator does not know (listed with the tenant).
    Tenant,
    Group(String),
    Environment(String),
}

fn scope_target(scope: &str) -> ScopeTarget {
    let parts: Vec<&str> = scope.trim_matches('/').split('/').collect();
    let nested = match parts.as_slice() {
        [t, _, kind, id] if t.eq_ignore_ascii_case("tenants") => Some((*kind, *id)),
        [kind, id] if !kind.eq_ignore_ascii_case("tenants") => Some((*kind, *id)),
        _ => None,
    };
    match nested {
        Some((kind, id)) if kind.eq_ignore_ascii_case("environmentGroups") => {
            ScopeTarget::Group(id.to_ascii_lowercase())
        }
        Some((kind, id)) if kind.eq_ignore_ascii_case("environments") => {
            ScopeTarget::Environment(id.to_ascii_lowercase())
        }
        _ => ScopeTarget::Tenant,
    }
}

/// Which assignments a scoped list shows: exactly that scope. The tenant-level list does not
/// include group- or environment-scope assignments; Microsoft's clients read those scopes on
/// their own routes (README, "RBAC scopes").
fn list_scope(shared: &Shared, target: ScopeTarget) -> Response {
    let mut inner = shared.read();
    let inner = &mut *inner;
    let tenant = &inner.tenant;
    let index = inner.rbac_by_scope.get_or_insert_with(|| {
        let mut index: BTreeMap<ScopeTarget, Vec<String>> = BTreeMap::new();
        // In id order, as a scan of the map would list them.
        for (id, a) in &tenant.rbac_role_assignments {
            index
                .entry(scope_target(&a.scope))
                .or_default()
                .push(id.clone());
        }
        index
    });
    let value: Vec<RbacRoleAssignment> = index
        .get(&target)
        .into_iter()
        .flatten()
        .filter_map(|id| tenant.rbac_role_assignments.get(id))
        .cloned()
        .collect();
    json(StatusCode::OK, &Page::new(value))
}

async fn list_rbac_tenant(State(shared): State<Arc<Shared>>) -> Response {
    list_scope(&shared, ScopeTarget::Tenant)
}

async fn list_rbac_group(
    State(shared): State<Arc<Shared>>,
    Path(group): Path<String>,
) -> ApiResult<Response> {
    let key = shared.read().tenant.group_key(&group).ok_or_else(|| {
        rbac_error(
            StatusCode::BAD_REQUEST,
            codes::ENVIRONMENT_GROUP_ID_INVALID,
            format!("Environment group '{group}' is invalid."),
        )
    })?;
    Ok(list_scope(
        &shared,
        ScopeTarget::Group(key.to_ascii_lowercase()),
    ))
}

async fn list_rbac_env(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
) -> ApiResult<Response> {
    let key = shared.read().tenant.environment_key(&env).ok_or_else(|| {
        rbac_error(
            StatusCode::BAD_REQUEST,
            codes::ENVIRONMENT_ID_INVALID,
            format!("Environment '{env}' is invalid."),
        )
    })?;
    Ok(list_scope(
        &shared,
        ScopeTarget::Environment(key.to_ascii_lowercase()),
    ))
}

/// Checks a scope string and returns it in canonical form.
fn canonical_scope(tenant: &Tenant, scope: &str) -> ApiResult<String> {
    let invalid_scope = || {
        rbac_error(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!(
                "Scope '{scope}' is invalid; expected /tenants/{{t}}, /tenants/{{t}}/environmentGroups/{{g}} or /tenants/{{t}}/environments/{{e}}."
            ),
        )
    };
    let parts: Vec<&str> = scope.trim_start_matches('/').split('/').collect();
    let (t, rest) = match parts.as_slice() {
        ["tenants", t, rest @ ..] => (*t, rest),
        // A nested scope without the tenant prefix names this tenant.
        rest @ [_, _] => (tenant.tenant_id.as_str(), rest),
        _ => return Err(invalid_scope()),
    };
    if !t.eq_ignore_ascii_case(&tenant.tenant_id) {
        return Err(rbac_error(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("Scope '{scope}' names another tenant."),
        ));
    }
    match rest {
        [] => Ok(scopes::tenant(&tenant.tenant_id)),
        ["environmentGroups", g] => {
            let key = tenant.group_key(g).ok_or_else(|| {
                rbac_error(
                    StatusCode::BAD_REQUEST,
                    codes::ENVIRONMENT_GROUP_ID_INVALID,
                    format!("EnvironmentGroupIdInvalid: environment group '{g}' does not exist."),
                )
            })?;
            Ok(scopes::environment_group(&tenant.tenant_id, &key))
        }
        ["environments", e] => {
            let key = tenant.environment_key(e).ok_or_else(|| {
                rbac_error(
                    StatusCode::BAD_REQUEST,
                    codes::ENVIRONMENT_ID_INVALID,
                    format!("EnvironmentIdInvalid: environment '{e}' does not exist."),
                )
            })?;
            Ok(scopes::environment(&tenant.tenant_id, &key))
        }
        _ => Err(invalid_scope()),
    }
}

fn create_rbac(
    shared: &Shared,
    body: NewRbacRoleAssignment,
    route_scope: Option<String>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let scope = canonical_scope(&inner.tenant, &body.scope)?;
    if let Some(route_scope) = route_scope
        && !route_scope.eq_ignore_ascii_case(&scope)
    {
        return Err(rbac_error(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!(
                "Scope '{}' does not match the route's scope '{route_scope}'.",
                body.scope
            ),
        ));
    }
    let definitions = role_definition_list();
    let Some(def) = definitions.iter().find(|d| {
        d.role_definition_id
            .eq_ignore_ascii_case(&body.role_definition_id)
    }) else {
        return Err(rbac_error(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!(
                "Role definition '{}' does not exist.",
                body.role_definition_id
            ),
        ));
    };
    if !matches!(
        body.principal_type.as_str(),
        "User" | "Group" | "ApplicationUser"
    ) {
        return Err(rbac_error(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!(
                "principalType must be User, Group or ApplicationUser, not '{}'.",
                body.principal_type
            ),
        ));
    }
    if uuid::Uuid::parse_str(&body.principal_object_id).is_err() {
        return Err(rbac_error(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!(
                "principalObjectId '{}' is not a GUID.",
                body.principal_object_id
            ),
        ));
    }
    if inner.tenant.rbac_role_assignments.values().any(|a| {
        a.principal_object_id
            .eq_ignore_ascii_case(&body.principal_object_id)
            && a.role_definition_id == def.role_definition_id
            && scope_target(&a.scope) == scope_target(&scope)
    }) {
        return Err(rbac_error(
            StatusCode::CONFLICT,
            codes::CONFLICT,
            "The role assignment already exists.",
        ));
    }
    let id = new_id();
    let a = RbacRoleAssignment {
        role_assignment_id: id.clone(),
        principal_object_id: body.principal_object_id.to_ascii_lowercase(),
        role_definition_id: def.role_definition_id.clone(),
        scope,
        principal_type: body.principal_type,
        created_by_principal_type: Some("User".to_owned()),
        created_by_principal_object_id: Some("00000000-0000-0000-0000-00000000ad01".to_owned()),
        created_on: Some(now_iso()),
    };
    inner.tenant.rbac_role_assignments.insert(id, a.clone());
    Ok(json(StatusCode::CREATED, &Page::new(vec![a])))
}

async fn create_rbac_tenant(
    State(shared): State<Arc<Shared>>,
    Body(body): Body<NewRbacRoleAssignment>,
) -> ApiResult<Response> {
    create_rbac(&shared, body, None)
}

async fn create_rbac_group(
    State(shared): State<Arc<Shared>>,
    Path(group): Path<String>,
    Body(body): Body<NewRbacRoleAssignment>,
) -> ApiResult<Response> {
    let scope = {
        let t = &shared.read().tenant;
        scopes::environment_group(&t.tenant_id, &group)
    };
    create_rbac(&shared, body, Some(scope))
}

async fn create_rbac_env(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
    Body(body): Body<NewRbacRoleAssignment>,
) -> ApiResult<Response> {
    let scope = {
        let t = &shared.read().tenant;
        scopes::environment(&t.tenant_id, &env)
    };
    create_rbac(&shared, body, Some(scope))
}

fn remove_rbac(shared: &Shared, id: &str) -> ApiResult<Response> {
    let mut inner = shared.write();
    let key = inner
        .tenant
        .rbac_role_assignments
        .keys()
        .find(|k| k.eq_ignore_ascii_case(id))
        .cloned()
        .ok_or_else(|| {
            rbac_error(
                StatusCode::NOT_FOUND,
                codes::NOT_FOUND,
                format!("Role assignment '{id}' was not found."),
            )
        })?;
    inner.tenant.rbac_role_assignments.remove(&key);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_rbac(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    remove_rbac(&shared, &id)
}

async fn delete_rbac_scoped(
    State(shared): State<Arc<Shared>>,
    Path((_scope, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    remove_rbac(&shared, &id)
}
