//! Classic environment-group rule sets and rule-based policies (Power Platform API,
//! `{"error":{...}}` errors).

use super::{json, page_response};
use crate::app::Shared;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Ctx, new_id, now_iso};
use crate::state::assignment_key;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ppgov_tenant_api::Page;
use ppgov_tenant_api::errors::codes;
use ppgov_tenant_api::rules::{
    EnvironmentFilter, FilterValue, PolicyRuleSet, RuleAssignment, RuleBasedPolicy, RuleSet,
};
use std::collections::BTreeSet;
use std::sync::Arc;

/// `environmentFilter.type` values.
const FILTER_TYPES: &[&str] = &["NotSpecified", "Include", "Exclude"];
/// `parameters[].type` values.
const PARAMETER_TYPES: &[&str] = &[
    "NotSpecified",
    "Sharing",
    "AdminDigest",
    "SolutionChecker",
    "MakerOnboarding",
    "Lifecycle",
    "Copilot",
    "CrossGeoCopilotDataMovement",
    "GenerativeAISettings",
    "CopilotAuth",
    "FlowAutomationRestrictions",
];
/// `parameters[].resourceType` values.
const RESOURCE_TYPES: &[&str] = &["NotSpecified", "Flow", "App", "AuthoringBot", "UsersBot"];

/// The kind's routes, served with the Power Platform API routes.
pub fn routes() -> super::Hosts {
    super::Hosts::power_platform(router())
}

fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/governance/ruleSets", get(list_rule_sets))
        .route(
            "/governance/environmentGroups/{group}/ruleSets",
            get(group_rule_sets).post(create_rule_set),
        )
        .route(
            "/governance/ruleSets/{id}",
            axum::routing::put(update_rule_set).delete(delete_rule_set),
        )
        .route(
            "/governance/ruleBasedPolicies",
            get(list_policies).post(create_policy),
        )
        .route(
            "/governance/ruleBasedPolicies/assignments",
            get(list_assignments),
        )
        .route(
            "/governance/ruleBasedPolicies/{id}",
            get(get_policy)
                .put(replace_policy)
                .patch(merge_policy)
                .delete(delete_policy),
        )
        .route(
            "/governance/ruleBasedPolicies/{id}/environmentGroups/{group}/assignments",
            post(assign_to_group).delete(unassign_from_group),
        )
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::bap(status, code, message)
}

fn group_not_found(group: &str) -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        format!("Environment group '{group}' was not found."),
    )
}

// ---- rule sets ------------------------------------------------------------------------------

async fn list_rule_sets(State(shared): State<Arc<Shared>>, ctx: Ctx) -> ApiResult<Response> {
    let all: Vec<RuleSet> = shared.read().tenant.rule_sets.values().cloned().collect();
    page_response(all, &ctx, shared.settings.page_size)
}

async fn group_rule_sets(
    State(shared): State<Arc<Shared>>,
    Path(group): Path<String>,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = inner
        .tenant
        .group_key(&group)
        .ok_or_else(|| group_not_found(&group))?;
    match inner.tenant.group_rule_set(&key) {
        None => Ok(StatusCode::NO_CONTENT.into_response()),
        Some(id) => Ok(json(
            StatusCode::OK,
            &Page::new(vec![inner.tenant.rule_sets[&id].clone()]),
        )),
    }
}

/// Checks enums and duplicate parameters (values are strings by type: a JSON boolean or
/// number fails to parse before this runs).
fn check_rule_set(rs: &RuleSet) -> ApiResult<()> {
    let bad = |m: String| Err(error(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, m));
    if let Some(f) = &rs.environment_filter
        && !FILTER_TYPES.contains(&f.kind.as_str())
    {
        return bad(format!("Invalid environmentFilter.type '{}'.", f.kind));
    }
    let mut seen = BTreeSet::new();
    for p in &rs.parameters {
        if !PARAMETER_TYPES.contains(&p.kind.as_str()) {
            return bad(format!("Invalid parameter type '{}'.", p.kind));
        }
        if !p.resource_type.is_empty() && !RESOURCE_TYPES.contains(&p.resource_type.as_str()) {
            return bad(format!("Invalid resourceType '{}'.", p.resource_type));
        }
        if !seen.insert((p.kind.clone(), p.resource_type.clone())) {
            return bad(format!(
                "Parameter {}/{} appears twice.",
                p.kind, p.resource_type
            ));
        }
        let mut ids = BTreeSet::new();
        for v in &p.value {
            if !ids.insert(v.id.as_str()) {
                return bad(format!("Rule {}/{} appears twice.", p.kind, v.id));
            }
        }
    }
    Ok(())
}

fn group_filter(group: &str) -> EnvironmentFilter {
    EnvironmentFilter {
        kind: "Include".to_owned(),
        values: vec![FilterValue {
            id: group.to_owned(),
            kind: "EnvironmentGroup".to_owned(),
            name: None,
        }],
    }
}

async fn create_rule_set(
    State(shared): State<Arc<Shared>>,
    Path(group): Path<String>,
    Body(body): Body<RuleSet>,
) -> ApiResult<Response> {
    check_rule_set(&body)?;
    let mut inner = shared.write();
    let key = inner
        .tenant
        .group_key(&group)
        .ok_or_else(|| group_not_found(&group))?;
    if let Some(existing) = inner.tenant.group_rule_set(&key) {
        return Err(error(
            StatusCode::CONFLICT,
            codes::CONFLICT,
            format!(
                "Environment group '{key}' already has rule set '{existing}'; update it with PUT /governance/ruleSets/{existing}."
            ),
        ));
    }
    let id = new_id();
    let rs = RuleSet {
        id: Some(id.clone()),
        last_modified: Some(now_iso()),
        environment_filter: Some(group_filter(&key)),
        parameters: body.parameters,
    };
    inner.tenant.rule_sets.insert(id, rs.clone());
    Ok(json(StatusCode::CREATED, &rs))
}

fn rule_set_not_found(id: &str) -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        format!("Rule set '{id}' was not found."),
    )
}

async fn update_rule_set(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Body(body): Body<RuleSet>,
) -> ApiResult<Response> {
    check_rule_set(&body)?;
    let mut inner = shared.write();
    let key =
        find_key(inner.tenant.rule_sets.keys(), &id).ok_or_else(|| rule_set_not_found(&id))?;
    let rs = inner.tenant.rule_sets.get_mut(&key).expect("key exists");
    rs.parameters = body.parameters;
    rs.last_modified = Some(now_iso());
    Ok(json(StatusCode::OK, &rs.clone()))
}

async fn delete_rule_set(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let key =
        find_key(inner.tenant.rule_sets.keys(), &id).ok_or_else(|| rule_set_not_found(&id))?;
    inner.tenant.rule_sets.remove(&key);
    Ok(StatusCode::OK.into_response())
}

fn find_key<'a>(mut keys: impl Iterator<Item = &'a String>, id: &str) -> Option<String> {
    keys.find(|k| k.eq_ignore_ascii_case(id)).cloned()
}

// ---- rule-based policies --------------------------------------------------------------------

fn policy_not_found(id: &str) -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        codes::POLICY_NOT_FOUND,
        format!("Rule-based policy '{id}' was not found."),
    )
}

async fn list_policies(State(shared): State<Arc<Shared>>, ctx: Ctx) -> ApiResult<Response> {
    let all: Vec<RuleBasedPolicy> = shared
        .read()
        .tenant
        .rule_based_policies
        .values()
        .cloned()
        .collect();
    page_response(all, &ctx, shared.settings.page_size)
}

fn check_policy(p: &RuleBasedPolicy) -> ApiResult<()> {
    if p.name.trim().is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            "name is required.",
        ));
    }
    check_policy_rule_sets(&p.rule_sets)
}

fn check_policy_rule_sets(rule_sets: &[PolicyRuleSet]) -> ApiResult<()> {
    let mut ids = BTreeSet::new();
    for rs in rule_sets {
        if rs.id.trim().is_empty() || !ids.insert(rs.id.as_str()) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                format!("Rule set id '{}' is empty or repeated.", rs.id),
            ));
        }
    }
    Ok(())
}

fn stamp(p: &mut RuleBasedPolicy, id: &str, tenant: &str) {
    p.id = Some(id.to_owned());
    p.tenant_id = Some(tenant.to_owned());
    p.last_modified = Some(now_iso());
    p.rule_set_count = Some(p.rule_sets.len() as u32);
}

async fn create_policy(
    State(shared): State<Arc<Shared>>,
    Body(mut body): Body<RuleBasedPolicy>,
) -> ApiResult<Response> {
    check_policy(&body)?;
    let mut inner = shared.write();
    let id = new_id();
    let tenant = inner.tenant.tenant_id.clone();
    stamp(&mut body, &id, &tenant);
    inner.tenant.rule_based_policies.insert(id, body.clone());
    Ok(json(StatusCode::CREATED, &body))
}

async fn get_policy(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = find_key(inner.tenant.rule_based_policies.keys(), &id)
        .ok_or_else(|| policy_not_found(&id))?;
    Ok(json(
        StatusCode::OK,
        &inner.tenant.rule_based_policies[&key],
    ))
}

async fn replace_policy(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Body(mut body): Body<RuleBasedPolicy>,
) -> ApiResult<Response> {
    check_policy(&body)?;
    let mut inner = shared.write();
    let key = find_key(inner.tenant.rule_based_policies.keys(), &id)
        .ok_or_else(|| policy_not_found(&id))?;
    let tenant = inner.tenant.tenant_id.clone();
    stamp(&mut body, &key, &tenant);
    inner
        .tenant
        .rule_based_policies
        .insert(key.clone(), body.clone());
    refresh_counts(&mut inner.tenant, &key);
    Ok(json(StatusCode::OK, &body))
}

/// PATCH: rule sets are added or replaced by id; the others stay; `name` changes if given.
async fn merge_policy(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Body(body): Body<RuleBasedPolicy>,
) -> ApiResult<Response> {
    check_policy_rule_sets(&body.rule_sets)?;
    let mut inner = shared.write();
    let key = find_key(inner.tenant.rule_based_policies.keys(), &id)
        .ok_or_else(|| policy_not_found(&id))?;
    let tenant = inner.tenant.tenant_id.clone();
    let p = inner
        .tenant
        .rule_based_policies
        .get_mut(&key)
        .expect("key exists");
    if !body.name.trim().is_empty() {
        p.name = body.name;
    }
    for rs in body.rule_sets {
        match p.rule_sets.iter_mut().find(|r| r.id == rs.id) {
            Some(existing) => *existing = rs,
            None => p.rule_sets.push(rs),
        }
    }
    stamp(p, &key, &tenant);
    let out = p.clone();
    refresh_counts(&mut inner.tenant, &key);
    Ok(json(StatusCode::OK, &out))
}

fn refresh_counts(tenant: &mut crate::state::Tenant, policy: &str) {
    let count = tenant
        .rule_based_policies
        .get(policy)
        .map(|p| p.rule_sets.len() as u32);
    for a in tenant.rule_assignments.values_mut() {
        if a.policy_id == policy {
            a.rule_set_count = count;
        }
    }
}

async fn delete_policy(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let key = find_key(inner.tenant.rule_based_policies.keys(), &id)
        .ok_or_else(|| policy_not_found(&id))?;
    if let Some(a) = inner
        .tenant
        .rule_assignments
        .values()
        .find(|a| a.policy_id == key)
    {
        return Err(error(
            StatusCode::CONFLICT,
            codes::CONFLICT,
            format!(
                "Rule-based policy '{key}' is assigned to {} '{}'; remove the assignment first.",
                a.resource_type,
                a.resource_id.as_deref().unwrap_or_default()
            ),
        ));
    }
    inner.tenant.rule_based_policies.remove(&key);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_assignments(State(shared): State<Arc<Shared>>, ctx: Ctx) -> ApiResult<Response> {
    let all: Vec<RuleAssignment> = shared
        .read()
        .tenant
        .rule_assignments
        .values()
        .cloned()
        .collect();
    page_response(all, &ctx, shared.settings.page_size)
}

async fn assign_to_group(
    State(shared): State<Arc<Shared>>,
    Path((id, group)): Path<(String, String)>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let policy = find_key(inner.tenant.rule_based_policies.keys(), &id)
        .ok_or_else(|| policy_not_found(&id))?;
    let group = inner
        .tenant
        .group_key(&group)
        .ok_or_else(|| group_not_found(&group))?;
    let key = assignment_key("EnvironmentGroup", &group);
    if let Some(existing) = inner.tenant.rule_assignments.get(&key) {
        if existing.policy_id == policy {
            return Ok(json(StatusCode::OK, &existing.clone()));
        }
        return Err(error(
            StatusCode::CONFLICT,
            codes::CONFLICT,
            format!(
                "Environment group '{group}' already has rule-based policy '{}' assigned; a group can have one policy.",
                existing.policy_id
            ),
        ));
    }
    let assignment = RuleAssignment {
        policy_id: policy.clone(),
        tenant_id: Some(inner.tenant.tenant_id.clone()),
        resource_id: Some(group),
        resource_type: "EnvironmentGroup".to_owned(),
        rule_set_count: Some(inner.tenant.rule_based_policies[&policy].rule_sets.len() as u32),
    };
    inner
        .tenant
        .rule_assignments
        .insert(key, assignment.clone());
    Ok(json(StatusCode::CREATED, &assignment))
}

async fn unassign_from_group(
    State(shared): State<Arc<Shared>>,
    Path((id, group)): Path<(String, String)>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let policy = find_key(inner.tenant.rule_based_policies.keys(), &id)
        .ok_or_else(|| policy_not_found(&id))?;
    let group = inner
        .tenant
        .group_key(&group)
        .ok_or_else(|| group_not_found(&group))?;
    let key = assignment_key("EnvironmentGroup", &group);
    match inner.tenant.rule_assignments.get(&key) {
        Some(a) if a.policy_id == policy => {
            inner.tenant.rule_assignments.remove(&key);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(error(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("Rule-based policy '{policy}' is not assigned to environment group '{group}'."),
        )),
    }
}
