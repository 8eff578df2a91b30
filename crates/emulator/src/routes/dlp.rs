//! DLP policies on the v2 (wrapped) route, with the service's validation (reference §1.3-1.4).
//!
//! One store of full documents. Reads always carry the three connector groups in the order
//! Confidential, General, Blocked and spell endpoint rules `endPoint`; writes accept both
//! spellings and ignore read-only fields. List items carry no connector groups.

use super::json;
use crate::app::Shared;
use crate::catalog::{Catalog, is_shared_connector_id};
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Ctx, new_id, now_iso, paginate};
use crate::state::Tenant;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ppgov_tenant_api::dlp::{
    ConnectorConfigurations, ConnectorGroup, PolicyDefinition, PolicyDocument, ResourceRef,
    UrlPatternRule, UrlPatterns, classification, environment_type,
};
use ppgov_tenant_api::errors::codes;
use ppgov_tenant_api::{BapPage, Identity};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

const GROUP_ORDER: [&str; 3] = [
    classification::BUSINESS,
    classification::NON_BUSINESS,
    classification::BLOCKED,
];

/// The kind's routes, served with the PowerPlatform.Governance routes.
pub fn routes() -> super::Hosts {
    super::Hosts::governance(router())
}

fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/providers/PowerPlatform.Governance/v2/policies",
            get(list).post(create),
        )
        .route(
            "/providers/PowerPlatform.Governance/v2/policies/{name}",
            get(get_one).patch(update).delete(delete),
        )
}

fn bad(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::bap(StatusCode::BAD_REQUEST, code, message)
}

fn not_found(name: &str) -> ApiError {
    ApiError::bap(
        StatusCode::NOT_FOUND,
        codes::POLICY_NOT_FOUND,
        format!("The policy '{name}' was not found."),
    )
}

/// The document as a read returns it: `endPoint` spelling.
fn to_wire(doc: &PolicyDocument) -> Value {
    let mut v = serde_json::to_value(doc).expect("policy serializes");
    if let Some(configs) = v
        .pointer_mut("/connectorConfigurationsDefinition/endpointConfigurations")
        .and_then(Value::as_array_mut)
    {
        for config in configs {
            if let Some(rules) = config
                .get_mut("endpointRules")
                .and_then(Value::as_array_mut)
            {
                for rule in rules.iter_mut().filter_map(Value::as_object_mut) {
                    if let Some(e) = rule.remove("endpoint") {
                        rule.insert("endPoint".to_owned(), e);
                    }
                }
            }
        }
    }
    v
}

async fn list(State(shared): State<Arc<Shared>>, ctx: Ctx) -> ApiResult<Response> {
    let items: Vec<PolicyDocument> = shared
        .read()
        .tenant
        .dlp_policies
        .values()
        .map(|d| PolicyDocument {
            policy_definition: PolicyDefinition {
                connector_groups: None,
                ..d.policy_definition.clone()
            },
            connector_configurations_definition: None,
            custom_connector_url_patterns_definition: None,
        })
        .collect();
    let (value, next_link) = paginate(items, &ctx, shared.settings.page_size)?;
    Ok(json(StatusCode::OK, &BapPage { value, next_link }))
}

async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let inner = shared.read();
    let key = find(&inner.tenant, &name).ok_or_else(|| not_found(&name))?;
    Ok(json(
        StatusCode::OK,
        &to_wire(&inner.tenant.dlp_policies[&key]),
    ))
}

fn find(tenant: &Tenant, name: &str) -> Option<String> {
    tenant
        .dlp_policies
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

/// `createdBy` / `lastModifiedBy`: the service records a display name only.
fn admin() -> Identity {
    Identity {
        id: None,
        display_name: Some("Emulator Admin".to_owned()),
        kind: None,
    }
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Body(body): Body<PolicyDocument>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let mut doc = normalize(&inner.tenant, body, shared.settings.strict_connectors)?;
    let name = new_id();
    let now = now_iso();
    let def = &mut doc.policy_definition;
    def.name = Some(name.clone());
    def.created_by = Some(admin());
    def.created_time = Some(now.clone());
    def.last_modified_by = Some(admin());
    def.last_modified_time = Some(now);
    def.etag = Some(new_id());
    def.is_legacy_schema_version = Some(false);
    inner.tenant.dlp_policies.insert(name, doc.clone());
    Ok(json(StatusCode::CREATED, &to_wire(&doc)))
}

async fn update(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    Body(body): Body<PolicyDocument>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let key = find(&inner.tenant, &name).ok_or_else(|| not_found(&name))?;
    let mut doc = normalize(&inner.tenant, body, shared.settings.strict_connectors)?;
    let old = &inner.tenant.dlp_policies[&key].policy_definition;
    let def = &mut doc.policy_definition;
    def.name = Some(key.clone());
    def.created_by = old.created_by.clone();
    def.created_time = old.created_time.clone();
    def.last_modified_by = Some(admin());
    def.last_modified_time = Some(now_iso());
    def.etag = Some(new_id());
    def.is_legacy_schema_version = Some(false);
    inner.tenant.dlp_policies.insert(key, doc.clone());
    Ok(json(StatusCode::OK, &to_wire(&doc)))
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let mut inner = shared.write();
    let key = find(&inner.tenant, &name).ok_or_else(|| not_found(&name))?;
    inner.tenant.dlp_policies.remove(&key);
    Ok(StatusCode::OK.into_response())
}

/// Validates a written document and brings it to stored form: read-only fields dropped, three
/// groups in order, canonical references, empty configurations removed, default URL patterns.
pub fn normalize(
    tenant: &Tenant,
    doc: PolicyDocument,
    strict_connectors: bool,
) -> ApiResult<PolicyDocument> {
    let catalog = Catalog::new(crate::state::catalog_entries(tenant));
    let def = doc.policy_definition;
    if def.display_name.trim().is_empty() {
        return Err(bad(codes::BAD_REQUEST, "displayName is required."));
    }
    if !GROUP_ORDER.contains(&def.default_connectors_classification.as_str()) {
        return Err(bad(
            codes::BAD_REQUEST,
            format!(
                "defaultConnectorsClassification must be Confidential, General or Blocked, not '{}'.",
                def.default_connectors_classification
            ),
        ));
    }
    let environments = check_environments(tenant, &def.environment_type, def.environments)?;

    // Connector groups: each classification at most once, each connector in one group.
    let mut by_class: BTreeMap<&str, Vec<ResourceRef>> = BTreeMap::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for group in def.connector_groups.unwrap_or_default() {
        let class = GROUP_ORDER
            .iter()
            .find(|c| **c == group.classification)
            .ok_or_else(|| {
                bad(
                    codes::BAD_REQUEST,
                    format!(
                        "Unknown connector group classification '{}'.",
                        group.classification
                    ),
                )
            })?;
        if by_class.contains_key(class) {
            return Err(bad(
                codes::BAD_REQUEST,
                format!("Connector group '{class}' appears twice."),
            ));
        }
        let mut refs = Vec::new();
        for c in group.connectors {
            let r = resolve_connector(&catalog, &c.id, &c.name, strict_connectors)?;
            if let Some(other) = seen.insert(r.id.to_ascii_lowercase(), class.to_string()) {
                return Err(bad(
                    codes::BAD_REQUEST,
                    format!("Connector '{}' is in both '{other}' and '{class}'.", r.id),
                ));
            }
            if *class == classification::BLOCKED
                && catalog.get(&r.id).is_some_and(|e| e.unblockable)
            {
                return Err(bad(
                    codes::UNBLOCKABLE_CONNECTOR_BLOCKED,
                    format!(
                        "You cannot block the following trusted connectors: '{}'.",
                        r.name
                    ),
                ));
            }
            refs.push(r);
        }
        by_class.insert(class, refs);
    }
    let connector_groups = GROUP_ORDER
        .iter()
        .map(|c| ConnectorGroup {
            classification: (*c).to_owned(),
            connectors: by_class.remove(c).unwrap_or_default(),
        })
        .collect();

    let configs = match doc.connector_configurations_definition {
        None => None,
        Some(c) => check_configurations(&catalog, c, strict_connectors)?,
    };
    let patterns = check_url_patterns(doc.custom_connector_url_patterns_definition)?;

    Ok(PolicyDocument {
        policy_definition: PolicyDefinition {
            name: None,
            display_name: def.display_name,
            default_connectors_classification: def.default_connectors_classification,
            connector_groups: Some(connector_groups),
            environment_type: def.environment_type,
            environments,
            created_by: None,
            created_time: None,
            last_modified_by: None,
            last_modified_time: None,
            etag: None,
            is_legacy_schema_version: None,
        },
        connector_configurations_definition: configs,
        custom_connector_url_patterns_definition: Some(patterns),
    })
}

fn check_environments(
    tenant: &Tenant,
    kind: &str,
    envs: Vec<ResourceRef>,
) -> ApiResult<Vec<ResourceRef>> {
    match kind {
        environment_type::ALL => {
            if !envs.is_empty() {
                return Err(bad(
                    codes::BAD_REQUEST,
                    "A policy for AllEnvironments lists no environments.",
                ));
            }
            Ok(envs)
        }
        environment_type::EXCEPT | environment_type::ONLY => {
            if kind == environment_type::ONLY && envs.is_empty() {
                return Err(bad(
                    codes::BAD_REQUEST,
                    "A policy for OnlyEnvironments needs at least one environment.",
                ));
            }
            let mut out: Vec<ResourceRef> = Vec::new();
            for e in envs {
                let name = e.environment_name().to_owned();
                let key = tenant.environment_key(&name).ok_or_else(|| {
                    bad(
                        codes::ENVIRONMENT_NOT_FOUND,
                        format!("The environment '{name}' could not be found in the tenant."),
                    )
                })?;
                if !out.iter().any(|o| o.name == key) {
                    out.push(ResourceRef::environment(&key));
                }
            }
            Ok(out)
        }
        environment_type::SINGLE => Err(ApiError::bap(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            "An environment-level policy (SingleEnvironment) must be created by an environment admin, not with tenant-level permissions.",
        )),
        other => Err(bad(
            codes::BAD_REQUEST,
            format!(
                "environmentType must be AllEnvironments, ExceptEnvironments, OnlyEnvironments or SingleEnvironment, not '{other}'."
            ),
        )),
    }
}

fn reference_invalid() -> ApiError {
    bad(
        codes::CONNECTOR_REFERENCE_INVALID,
        "The data loss policy connector reference is invalid for the request.",
    )
}

/// A connector id must be in the catalog, or (unless strict) a well-formed `shared_` id such as
/// a custom connector's; the stored reference uses the catalog's spelling of the id.
fn resolve_connector(
    catalog: &Catalog<'_>,
    id: &str,
    name: &str,
    strict: bool,
) -> ApiResult<ResourceRef> {
    if let Some(e) = catalog.get(id) {
        return Ok(ResourceRef {
            id: e.id.clone(),
            name: if name.is_empty() {
                e.display_name.clone()
            } else {
                name.to_owned()
            },
            kind: ppgov_tenant_api::dlp::CONNECTOR_TYPE.to_owned(),
        });
    }
    if !strict && is_shared_connector_id(id) {
        let mut r = ResourceRef::connector(id);
        if !name.is_empty() {
            r.name = name.to_owned();
        }
        return Ok(r);
    }
    Err(reference_invalid())
}

fn check_configurations(
    catalog: &Catalog<'_>,
    configs: ConnectorConfigurations,
    strict: bool,
) -> ApiResult<Option<ConnectorConfigurations>> {
    let mut out = ConnectorConfigurations::default();
    for mut a in configs.connector_action_configurations {
        a.connector_id = resolve_connector(catalog, &a.connector_id, "", strict)?.id;
        if !matches!(
            a.default_connector_action_rule_behavior.as_str(),
            "" | "Allow" | "Block"
        ) {
            return Err(bad(
                codes::BAD_REQUEST,
                format!(
                    "defaultConnectorActionRuleBehavior must be Allow or Block, not '{}'.",
                    a.default_connector_action_rule_behavior
                ),
            ));
        }
        for r in &a.action_rules {
            if r.behavior != "Allow" && r.behavior != "Block" {
                return Err(bad(
                    codes::BAD_REQUEST,
                    format!(
                        "Action rule behavior must be Allow or Block, not '{}'.",
                        r.behavior
                    ),
                ));
            }
        }
        out.connector_action_configurations.push(a);
    }
    for mut e in configs.endpoint_configurations {
        e.connector_id = resolve_connector(catalog, &e.connector_id, "", strict)?.id;
        let invalid = |m: String| bad(codes::ENDPOINT_RULES_INVALID, m);
        if !catalog
            .get(&e.connector_id)
            .is_some_and(|c| c.endpoint_filtering)
        {
            return Err(invalid(format!(
                "Connector '{}' does not support endpoint filtering.",
                e.connector_id
            )));
        }
        e.endpoint_rules.sort_by_key(|r| r.order);
        for (i, r) in e.endpoint_rules.iter().enumerate() {
            if r.order as usize != i + 1 {
                return Err(invalid(format!(
                    "Endpoint rules of '{}' must be numbered 1 to {}; found order {}.",
                    e.connector_id,
                    e.endpoint_rules.len(),
                    r.order
                )));
            }
            if r.behavior != "Allow" && r.behavior != "Deny" {
                return Err(invalid(format!(
                    "Endpoint rule behavior must be Allow or Deny, not '{}'.",
                    r.behavior
                )));
            }
            if r.endpoint.trim().is_empty() {
                return Err(invalid(format!(
                    "Endpoint rule {} of '{}' has no endpoint.",
                    r.order, e.connector_id
                )));
            }
            let last = i + 1 == e.endpoint_rules.len();
            if (r.endpoint == "*") != last {
                return Err(invalid(format!(
                    "The last endpoint rule of '{}' must be '*' and only the last; rule {} is '{}'.",
                    e.connector_id, r.order, r.endpoint
                )));
            }
        }
        if e.endpoint_rules.is_empty() {
            continue;
        }
        out.endpoint_configurations.push(e);
    }
    if out.connector_action_configurations.is_empty() && out.endpoint_configurations.is_empty() {
        Ok(None)
    } else {
        Ok(Some(out))
    }
}

/// Orders 1..N, `*` last (and present once rules exist), `Ignore` only on `*`; no rules means
/// the service default, a single `Ignore` on `*`.
fn check_url_patterns(patterns: Option<UrlPatterns>) -> ApiResult<UrlPatterns> {
    let mut rules = patterns.map(|p| p.rules).unwrap_or_default();
    if rules.is_empty() {
        return Ok(UrlPatterns {
            rules: vec![UrlPatternRule {
                order: 1,
                custom_connector_rule_classification: classification::IGNORE.to_owned(),
                pattern: "*".to_owned(),
            }],
        });
    }
    rules.sort_by_key(|r| r.order);
    let n = rules.len();
    for (i, r) in rules.iter().enumerate() {
        let class = r.custom_connector_rule_classification.as_str();
        let known = GROUP_ORDER.contains(&class) || class == classification::IGNORE;
        let last = i + 1 == n;
        let star = r.pattern == "*";
        let valid = known
            && r.order as usize == i + 1
            && star == last
            && !r.pattern.trim().is_empty()
            && (class != classification::IGNORE || star);
        if !valid {
            return Err(bad(
                codes::URL_PATTERNS_INVALID_RULE,
                format!(
                    "Url pattern rule provided is invalid. Order: {}, Action: {}, Pattern: {}",
                    r.order, r.custom_connector_rule_classification, r.pattern
                ),
            ));
        }
    }
    Ok(UrlPatterns { rules })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(order: u32, class: &str, pattern: &str) -> UrlPatternRule {
        UrlPatternRule {
            order,
            custom_connector_rule_classification: class.into(),
            pattern: pattern.into(),
        }
    }

    fn check(rules: Vec<UrlPatternRule>) -> Result<(), String> {
        check_url_patterns(Some(UrlPatterns { rules }))
            .map(|_| ())
            .map_err(|e| e.message)
    }

    #[test]
    fn url_pattern_rules() {
        assert!(
            check(vec![
                rule(1, "Confidential", "https://a/*"),
                rule(2, "Ignore", "*")
            ])
            .is_ok()
        );
        assert_eq!(
            check(vec![
                rule(1, "Blocked", "*"),
                rule(2, "General", "https://a/*")
            ])
            .unwrap_err(),
            "Url pattern rule provided is invalid. Order: 1, Action: Blocked, Pattern: *"
        );
        assert!(
            check(vec![
                rule(1, "Ignore", "https://a/*"),
                rule(2, "Blocked", "*")
            ])
            .is_err()
        );
        assert!(
            check(vec![
                rule(1, "General", "https://a/*"),
                rule(3, "Blocked", "*")
            ])
            .is_err()
        );
        assert!(check(vec![rule(1, "General", "https://a/*")]).is_err());
        assert_eq!(
            check_url_patterns(None).unwrap().rules,
            vec![rule(1, "Ignore", "*")]
        );
    }
}
