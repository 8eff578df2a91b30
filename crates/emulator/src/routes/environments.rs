//! BAP admin environments, Managed Environment on/off and lifecycle operations.

use super::json;
use crate::app::{Change, Inner, OpKind, OpStatus, Operation, Shared};
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Ctx, paginate};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ppgov_tenant_api::BapPage;
use ppgov_tenant_api::environments::{
    CreateEnvironmentRequest, Environment, GovernanceConfigurationRequest, PROTECTION_BASIC,
    PROTECTION_MANAGED, State as EnvState, States,
};
use ppgov_tenant_api::errors::codes;
use ppgov_tenant_api::paths;
use serde_json::{Value, json};
use std::sync::Arc;

/// The kind's routes, served with the BAP routes.
pub fn routes() -> super::Hosts {
    super::Hosts::bap(router())
}

fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments",
            get(list),
        )
        .route(
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{env}",
            get(get_one).delete(delete_one),
        )
        .route(
            "/providers/Microsoft.BusinessAppPlatform/environments",
            post(create),
        )
        .route(
            "/providers/Microsoft.BusinessAppPlatform/environments/{env}/governanceConfiguration",
            post(governance_configuration),
        )
        .route(
            "/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/{op}",
            get(poll),
        )
}

/// The environment as a read shows it: `states.management` is `Running` while an operation
/// runs on it.
pub fn view(inner: &Inner, key: &str) -> Option<Environment> {
    let mut env = inner.tenant.environments.get(key)?.clone();
    // The service sends `"linkedEnvironmentMetadata": null` for an environment without
    // Dataverse (recorded in bap-list-environments.json), rather than leaving it out.
    if env.properties.linked_environment_metadata.is_none() {
        env.properties
            .other
            .insert("linkedEnvironmentMetadata".to_owned(), Value::Null);
    }
    if inner.busy(key) {
        let states = env.properties.states.get_or_insert_with(States::default);
        states.management = Some(EnvState {
            id: "Running".to_owned(),
        });
    }
    Some(env)
}

/// The key of the environment `env` names (by name or id), or the BAP host's 404.
pub fn bap_environment_key(tenant: &crate::state::Tenant, env: &str) -> ApiResult<String> {
    tenant.environment_key(env).ok_or_else(|| {
        ApiError::bap(
            StatusCode::NOT_FOUND,
            codes::ENVIRONMENT_NOT_FOUND,
            format!("The environment '{env}' could not be found in the tenant."),
        )
    })
}

/// `$filter=properties/parentEnvironmentGroup/id eq {id}` (the id may be quoted).
fn group_filter(ctx: &Ctx) -> ApiResult<Option<String>> {
    let Some(filter) = ctx.param("$filter") else {
        return Ok(None);
    };
    let parts: Vec<&str> = filter.split_whitespace().collect();
    match parts.as_slice() {
        [field, op, value]
            if field.eq_ignore_ascii_case("properties/parentEnvironmentGroup/id")
                && op.eq_ignore_ascii_case("eq") =>
        {
            Ok(Some(
                value.trim_matches(|c| c == '\'' || c == '"').to_owned(),
            ))
        }
        _ => Err(ApiError::bad_request(
            ctx.flavor(),
            format!(
                "Unsupported $filter {filter:?}; the emulator supports properties/parentEnvironmentGroup/id eq {{id}}."
            ),
        )),
    }
}

async fn list(State(shared): State<Arc<Shared>>, ctx: Ctx) -> ApiResult<Response> {
    let group = group_filter(&ctx)?;
    let inner = shared.read();
    // Page over the keys, and build views only for the page: a tenant has thousands of
    // environments and a listing has hundreds of pages.
    let keys: Vec<&String> = inner
        .tenant
        .environments
        .iter()
        .filter(|(_, e)| match &group {
            None => true,
            Some(g) => e.group_id().is_some_and(|id| id.eq_ignore_ascii_case(g)),
        })
        .map(|(k, _)| k)
        .collect();
    let (page, next_link) = paginate(keys, &ctx, shared.settings.page_size)?;
    let value: Vec<Environment> = page.into_iter().filter_map(|k| view(&inner, k)).collect();
    drop(inner);
    Ok(json(StatusCode::OK, &BapPage { value, next_link }))
}

async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path(env): Path<String>,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = bap_environment_key(&inner.tenant, &env)?;
    Ok(json(StatusCode::OK, &view(&inner, &key)))
}

fn busy(env: &str) -> ApiError {
    ApiError::bap(
        StatusCode::CONFLICT,
        codes::OPERATION_NOT_STARTABLE,
        format!(
            "The environment '{env}' has an active lifecycle operation; another operation cannot be started until it completes."
        ),
    )
}

/// Fails with 409 `OperationNotStartable` while an operation runs on `env`.
pub fn ensure_idle(inner: &Inner, env: &str, flavor: crate::error::Flavor) -> ApiResult<()> {
    if inner.busy(env) {
        let mut e = busy(env);
        e.flavor = flavor;
        return Err(e);
    }
    Ok(())
}

async fn governance_configuration(
    State(shared): State<Arc<Shared>>,
    ctx: Ctx,
    Path(env): Path<String>,
    Body(req): Body<GovernanceConfigurationRequest>,
) -> ApiResult<Response> {
    if req.protection_level != PROTECTION_MANAGED && req.protection_level != PROTECTION_BASIC {
        return Err(ApiError::bad_request(
            ctx.flavor(),
            format!(
                "protectionLevel must be '{PROTECTION_MANAGED}' or '{PROTECTION_BASIC}', not '{}'.",
                req.protection_level
            ),
        ));
    }
    let duration = shared.lro_duration();
    let mut inner = shared.write();
    let key = bap_environment_key(&inner.tenant, &env)?;
    ensure_idle(&inner, &key, ctx.flavor())?;
    let e = &inner.tenant.environments[&key];
    if req.protection_level == PROTECTION_BASIC
        && let Some(group) = e.group_id()
    {
        return Err(ApiError::conflict(
            ctx.flavor(),
            codes::ENVIRONMENT_IN_GROUP,
            format!(
                "The environment '{key}' belongs to environment group '{group}'; remove it from the group before turning Managed Environment off."
            ),
        ));
    }
    let op = inner.start(OpKind::Lifecycle, &key, Change::Governance(req), duration);
    drop(inner);
    shared.complete_on_clock(&op);
    Ok(accepted(&ctx, &op))
}

/// The SKUs a create accepts (reference §5.1).
const CREATABLE_SKUS: [&str; 4] = ["Production", "Sandbox", "Trial", "Developer"];

/// `POST /providers/Microsoft.BusinessAppPlatform/environments`: the environment appears at
/// once, `provisioningState: Creating` and locked by its lifecycle operation; Dataverse
/// (asked for with `databaseType: CommonDataService`) appears when the operation completes.
async fn create(
    State(shared): State<Arc<Shared>>,
    ctx: Ctx,
    Body(req): Body<CreateEnvironmentRequest>,
) -> ApiResult<Response> {
    let p = &req.properties;
    if !CREATABLE_SKUS.contains(&p.environment_sku.as_str()) {
        return Err(ApiError::bad_request(
            ctx.flavor(),
            format!(
                "environmentSku must be one of {}, not '{}'.",
                CREATABLE_SKUS.join(", "),
                p.environment_sku
            ),
        ));
    }
    if req.location.trim().is_empty() || p.display_name.trim().is_empty() {
        return Err(ApiError::bad_request(
            ctx.flavor(),
            "location and properties.displayName are required.",
        ));
    }
    let wants_dataverse = p.database_type.as_deref() == Some("CommonDataService");
    if wants_dataverse != p.linked_environment_metadata.is_some() {
        return Err(ApiError::bad_request(
            ctx.flavor(),
            "databaseType CommonDataService and linkedEnvironmentMetadata go together.",
        ));
    }
    let id = crate::http::new_id();
    let dataverse = p.linked_environment_metadata.as_ref().map(|d| {
        let domain = d
            .domain_name
            .clone()
            .unwrap_or_else(|| format!("org{}", &id[..8]));
        json!({
            "resourceId": crate::http::new_id(),
            "friendlyName": p.display_name,
            "uniqueName": format!("unq{}", id.replace('-', "")),
            "domainName": domain,
            "instanceUrl": format!("https://{domain}.crm.dynamics.com/"),
            "instanceApiUrl": format!("https://{domain}.api.crm.dynamics.com"),
            "baseLanguage": d.base_language,
            "instanceState": "Ready",
            "backgroundOperationsState": "Enabled"
        })
    });
    let env = Environment {
        id: format!("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{id}"),
        name: id.clone(),
        location: req.location.clone(),
        kind: "Microsoft.BusinessAppPlatform/scopes/environments".to_owned(),
        properties: ppgov_tenant_api::environments::EnvironmentProperties {
            display_name: p.display_name.clone(),
            description: Some(p.description.clone().unwrap_or_default()),
            environment_sku: p.environment_sku.clone(),
            governance_configuration: Some(
                ppgov_tenant_api::environments::GovernanceConfiguration {
                    protection_level: PROTECTION_BASIC.to_owned(),
                    settings: None,
                },
            ),
            states: Some(States {
                management: Some(EnvState {
                    id: "Ready".to_owned(),
                }),
                runtime: Some(json!({ "id": "Enabled" })),
            }),
            other: [
                ("provisioningState".to_owned(), json!("Creating")),
                ("createdTime".to_owned(), json!(crate::http::now_iso())),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        },
    };
    let duration = shared.lro_duration();
    let mut inner = shared.write();
    inner.tenant.environments.insert(id.clone(), env);
    let op = inner.start(OpKind::Lifecycle, &id, Change::Create(dataverse), duration);
    drop(inner);
    shared.complete_on_clock(&op);
    Ok(accepted(&ctx, &op))
}

/// `DELETE .../scopes/admin/environments/{env}`: refused for the default environment and
/// where `lifecycleOperationsEnforcement` disallows `Delete`; the environment goes when its
/// lifecycle operation completes.
async fn delete_one(
    State(shared): State<Arc<Shared>>,
    ctx: Ctx,
    Path(env): Path<String>,
) -> ApiResult<Response> {
    let duration = shared.lro_duration();
    let mut inner = shared.write();
    let key = bap_environment_key(&inner.tenant, &env)?;
    ensure_idle(&inner, &key, ctx.flavor())?;
    let e = &inner.tenant.environments[&key];
    if e.properties.is_default {
        return Err(ApiError::bad_request(
            ctx.flavor(),
            "The default environment cannot be deleted.",
        ));
    }
    if let Some(reason) = ppgov_tenant_api::environments::disallowed_operation(e, "Delete") {
        return Err(ApiError::conflict(
            ctx.flavor(),
            "OperationNotAllowed",
            reason,
        ));
    }
    let op = inner.start(OpKind::Lifecycle, &key, Change::Delete, duration);
    drop(inner);
    shared.complete_on_clock(&op);
    Ok(accepted(&ctx, &op))
}

/// 202 with the operation's body and its `Location`.
fn accepted(ctx: &Ctx, op: &Operation) -> Response {
    let location = ctx.url(&paths::lifecycle_operation(&op.id).path_and_query());
    let mut response = json(StatusCode::ACCEPTED, &lifecycle_body(op));
    if let Ok(v) = location.parse() {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

async fn poll(State(shared): State<Arc<Shared>>, Path(op): Path<String>) -> ApiResult<Response> {
    let op = shared
        .write()
        .poll(&op)
        .filter(|o| o.kind == OpKind::Lifecycle)
        .ok_or_else(|| {
            ApiError::bap(
                StatusCode::NOT_FOUND,
                codes::NOT_FOUND,
                format!("The lifecycle operation '{op}' was not found."),
            )
        })?;
    let status = if op.status == OpStatus::Running {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(lifecycle_body(&op))).into_response())
}

fn state_name(status: OpStatus) -> &'static str {
    match status {
        OpStatus::Running => "Running",
        OpStatus::Succeeded => "Succeeded",
        OpStatus::Failed => "Failed",
    }
}

/// A lifecycle operation as the BAP service describes it.
pub fn lifecycle_body(op: &Operation) -> Value {
    let state = state_name(op.status);
    let last = op.finished.clone().unwrap_or_else(|| op.created.clone());
    let mut body = json!({
        "id": op.id,
        "links": {
            "self": { "path": format!("/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/{}", op.id) },
            "environment": { "path": format!("/providers/Microsoft.BusinessAppPlatform/environments/{}", op.env) }
        },
        "type": { "id": op.change.type_name() },
        "typeDisplayName": op.change.type_name(),
        "state": { "id": state },
        "createdDateTime": op.created,
        "lastActionDateTime": last,
        "requestedBy": { "id": "00000000-0000-0000-0000-00000000e1a7", "displayName": "ppgov emulator", "type": "ServicePrincipal" },
        "stages": [ {
            "id": "1",
            "name": op.change.type_name(),
            "state": { "id": state },
            "firstActionDateTime": op.created,
            "lastActionDateTime": last
        } ]
    });
    if let Some(error) = &op.error {
        body["error"] = json!({ "code": "OperationFailed", "message": error });
    }
    body
}
