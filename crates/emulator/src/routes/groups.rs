//! Environment groups (Power Platform API, RFC 7807 errors) and membership operations.
//!
//! Membership is stored on the environment (`properties.parentEnvironmentGroup.id`); adding or
//! removing starts an operation (202 + `Operation-Location`) that applies the change when it
//! completes.

use super::environments::ensure_idle;
use super::{json, page_response};
use crate::app::{Change, OpKind, OpStatus, Operation, Shared};
use crate::error::{ApiError, ApiResult, Flavor};
use crate::http::{Body, Ctx, new_id, now_iso};
use crate::state::assignment_key;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ppgov_tenant_api::errors::codes;
use ppgov_tenant_api::groups::EnvironmentGroup;
use ppgov_tenant_api::paths;
use serde_json::json;
use std::sync::Arc;

/// The kind's routes, served with the Power Platform API routes.
pub fn routes() -> super::Hosts {
    super::Hosts::power_platform(router())
}

fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/environmentmanagement/environmentGroups",
            get(list).post(create),
        )
        .route(
            "/environmentmanagement/environmentGroups/{group}",
            get(get_one).put(update).delete(delete),
        )
        .route(
            "/environmentmanagement/environmentGroups/{group}/addEnvironment/{env}",
            post(add_environment),
        )
        .route(
            "/environmentmanagement/environmentGroups/{group}/removeEnvironment/{env}",
            post(remove_environment),
        )
        .route(
            "/environmentmanagement/environmentGroupOperations/{op}",
            get(operation),
        )
}

/// The identity the emulator writes as `createdBy` / `lastModifiedBy`.
pub fn admin_identity() -> serde_json::Value {
    json!({
        "id": "00000000-0000-0000-0000-00000000ad01",
        "displayName": "Emulator Admin",
        "type": "User"
    })
}

fn group_not_found(group: &str) -> ApiError {
    ApiError::problem(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        format!("Environment group '{group}' was not found."),
    )
}

fn environment_not_found(env: &str) -> ApiError {
    ApiError::problem(
        StatusCode::NOT_FOUND,
        codes::ENVIRONMENT_NOT_FOUND,
        format!("Environment '{env}' was not found."),
    )
}

async fn list(State(shared): State<Arc<Shared>>, ctx: Ctx) -> ApiResult<Response> {
    let groups: Vec<EnvironmentGroup> = shared
        .read()
        .tenant
        .environment_groups
        .values()
        .cloned()
        .collect();
    page_response(groups, &ctx, shared.settings.page_size)
}

fn check_display_name(group: &EnvironmentGroup) -> ApiResult<String> {
    let name = group.display_name.trim();
    if name.is_empty() {
        return Err(ApiError::problem(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            "displayName is required.",
        ));
    }
    Ok(name.to_owned())
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Body(body): Body<EnvironmentGroup>,
) -> ApiResult<Response> {
    let display_name = check_display_name(&body)?;
    let now = now_iso();
    let id = new_id();
    let group = EnvironmentGroup {
        id: Some(id.clone()),
        display_name,
        description: body.description,
        parent_group_id: None,
        children_group_ids: None,
        created_time: Some(now.clone()),
        created_by: Some(admin_identity()),
        last_modified_time: Some(now),
        last_modified_by: Some(admin_identity()),
        other: Default::default(),
    };
    shared
        .write()
        .tenant
        .environment_groups
        .insert(id, group.clone());
    Ok(json(StatusCode::OK, &group))
}

async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path(group): Path<String>,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = inner
        .tenant
        .group_key(&group)
        .ok_or_else(|| group_not_found(&group))?;
    Ok(json(StatusCode::OK, &inner.tenant.environment_groups[&key]))
}

async fn update(
    State(shared): State<Arc<Shared>>,
    Path(group): Path<String>,
    Body(body): Body<EnvironmentGroup>,
) -> ApiResult<Response> {
    let display_name = check_display_name(&body)?;
    let mut inner = shared.write();
    let key = inner
        .tenant
        .group_key(&group)
        .ok_or_else(|| group_not_found(&group))?;
    let g = inner
        .tenant
        .environment_groups
        .get_mut(&key)
        .expect("key exists");
    g.display_name = display_name;
    g.description = body.description;
    g.last_modified_time = Some(now_iso());
    g.last_modified_by = Some(admin_identity());
    Ok(json(StatusCode::OK, &g.clone()))
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(group): Path<String>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let key = inner
        .tenant
        .group_key(&group)
        .ok_or_else(|| group_not_found(&group))?;
    let members = inner.tenant.group_members(&key);
    if !members.is_empty() {
        return Err(ApiError::problem(
            StatusCode::CONFLICT,
            codes::ENVIRONMENTS_IN_GROUP,
            format!(
                "Environment group '{key}' has {} environment(s); remove them before deleting the group.",
                members.len()
            ),
        ));
    }
    if inner
        .tenant
        .rule_assignments
        .contains_key(&assignment_key("EnvironmentGroup", &key))
    {
        return Err(ApiError::problem(
            StatusCode::CONFLICT,
            codes::POLICY_ASSIGNED_TO_GROUP,
            format!(
                "A rule-based policy is assigned to environment group '{key}'; remove the assignment before deleting the group."
            ),
        ));
    }
    inner.tenant.environment_groups.remove(&key);
    // The group's rule set goes with it.
    if let Some(rs) = inner.tenant.group_rule_set(&key) {
        inner.tenant.rule_sets.remove(&rs);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn add_environment(
    State(shared): State<Arc<Shared>>,
    ctx: Ctx,
    Path((group, env)): Path<(String, String)>,
) -> ApiResult<Response> {
    let duration = shared.lro_duration();
    let mut inner = shared.write();
    let group = inner
        .tenant
        .group_key(&group)
        .ok_or_else(|| group_not_found(&group))?;
    let key = inner
        .tenant
        .environment_key(&env)
        .ok_or_else(|| environment_not_found(&env))?;
    ensure_idle(&inner, &key, Flavor::Problem)?;
    let e = &inner.tenant.environments[&key];
    if !e.is_managed() {
        return Err(ApiError::problem(
            StatusCode::BAD_REQUEST,
            codes::ENVIRONMENT_NOT_MANAGED,
            format!(
                "Environment '{key}' is not a Managed Environment; only Managed Environments can join an environment group."
            ),
        ));
    }
    if let Some(current) = e.group_id()
        && !current.eq_ignore_ascii_case(&group)
    {
        return Err(ApiError::problem(
            StatusCode::CONFLICT,
            codes::ENVIRONMENT_ALREADY_IN_GROUP,
            format!(
                "Environment '{key}' already belongs to environment group '{current}'; an environment can be in one group only."
            ),
        ));
    }
    let op = inner.start(
        OpKind::GroupMembership,
        &key,
        Change::JoinGroup(group),
        duration,
    );
    drop(inner);
    shared.complete_on_clock(&op);
    Ok(accepted(&ctx, &op))
}

async fn remove_environment(
    State(shared): State<Arc<Shared>>,
    ctx: Ctx,
    Path((group, env)): Path<(String, String)>,
) -> ApiResult<Response> {
    let duration = shared.lro_duration();
    let mut inner = shared.write();
    let group = inner
        .tenant
        .group_key(&group)
        .ok_or_else(|| group_not_found(&group))?;
    let key = inner
        .tenant
        .environment_key(&env)
        .ok_or_else(|| environment_not_found(&env))?;
    ensure_idle(&inner, &key, Flavor::Problem)?;
    let in_group = inner.tenant.environments[&key]
        .group_id()
        .is_some_and(|g| g.eq_ignore_ascii_case(&group));
    if !in_group {
        return Err(ApiError::problem(
            StatusCode::BAD_REQUEST,
            codes::ENVIRONMENT_NOT_IN_GROUP,
            format!("Environment '{key}' is not in environment group '{group}'."),
        ));
    }
    let op = inner.start(
        OpKind::GroupMembership,
        &key,
        Change::LeaveGroup(group),
        duration,
    );
    drop(inner);
    shared.complete_on_clock(&op);
    Ok(accepted(&ctx, &op))
}

fn accepted(ctx: &Ctx, op: &Operation) -> Response {
    let location = ctx.url(&paths::environment_group_operation(&op.id).path_and_query());
    let mut response = StatusCode::ACCEPTED.into_response();
    if let Ok(v) = location.parse() {
        response
            .headers_mut()
            .insert(HeaderName::from_static("operation-location"), v);
    }
    response
}

async fn operation(
    State(shared): State<Arc<Shared>>,
    Path(op): Path<String>,
) -> ApiResult<Response> {
    let op = shared
        .write()
        .poll(&op)
        .filter(|o| o.kind == OpKind::GroupMembership)
        .ok_or_else(|| {
            ApiError::problem(
                StatusCode::NOT_FOUND,
                codes::NOT_FOUND,
                format!("Environment group operation '{op}' was not found."),
            )
        })?;
    let status = match op.status {
        OpStatus::Running => "InProgress",
        OpStatus::Succeeded => "Succeeded",
        OpStatus::Failed => "Failed",
    };
    let mut body = json!({
        "operationId": op.id,
        "name": op.change.type_name(),
        "status": status,
        "environmentId": op.env,
        "startTime": op.created,
    });
    if let Some(end) = &op.finished {
        body["endTime"] = json!(end);
    }
    if let Some(error) = &op.error {
        body["errorDetail"] = json!({ "code": "OperationFailed", "message": error });
    }
    Ok(json(StatusCode::OK, &body))
}
