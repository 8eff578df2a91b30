//! Environments ppgov owns (`lifecycle: owned`): created when missing, replaced when an
//! attribute the platform cannot change in place differs, deleted when their document is
//! removed. Runs before the other kinds: it returns the tenant as the rest of the plan must
//! see it, with each environment to create standing in under its placeholder id
//! ([`created_environment_id`]) and each environment to delete gone, so memberships, roles
//! and data policies refer to a new environment like to any other.

use crate::plan::*;
use crate::resolve::{Resolver, Unresolved};
use ppgov_core::model::{Desired, Environment, EnvironmentTarget};
use ppgov_core::observed::{Observed, ObservedEnvironment};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct Lifecycle {
    pub changes: Vec<Change>,
    pub errors: Vec<PlanError>,
    /// The live environments the changes rely on (deleted ones), by id.
    pub relied_on: Vec<ObservedEnvironment>,
    /// The tenant the rest of the plan sees; `None` when the lifecycle changes nothing.
    pub tenant: Option<Observed>,
    /// Placeholder id -> address of the create.
    pub created: BTreeMap<String, String>,
    /// Expired environments (by document name): deleted or never created, so what refers to
    /// them is left out of the plan rather than reported as unresolvable.
    pub retired: BTreeSet<String>,
}

fn type_name(t: ppgov_core::model::EnvironmentType) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Why `live` cannot become `env` in place: attributes only a new environment can have.
fn replacement_reasons(env: &Environment, live: &ObservedEnvironment) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    if let Some(t) = env.environment_type
        && type_name(t) != live.environment_type
    {
        out.push(AttributeChange {
            path: "type".to_owned(),
            before: Some(json!(live.environment_type)),
            after: Some(json!(type_name(t))),
        });
    }
    if let Some(region) = &env.region
        && !region.eq_ignore_ascii_case(&live.region)
    {
        out.push(AttributeChange {
            path: "region".to_owned(),
            before: Some(json!(live.region)),
            after: Some(json!(region)),
        });
    }
    out
}

/// The environment a create makes, as the rest of the plan sees it.
fn to_create(name: &str, env: &Environment, project: &str) -> ObservedEnvironment {
    let address = Address::named(ResourceKind::Environment, name).to_string();
    ObservedEnvironment {
        id: created_environment_id(&address),
        display_name: env.display_name.clone(),
        environment_type: env.environment_type.map(type_name).unwrap_or_default(),
        region: env.region.clone().unwrap_or_default(),
        managed: env.managed.unwrap_or(false),
        group_id: None,
        has_dataverse: env.dataverse.is_some(),
        is_default: false,
        busy: false,
        owner: Some(project.to_owned()),
        delete_blocked: None,
        dataverse: env.dataverse.clone(),
    }
}

fn create_change(after: ObservedEnvironment, depends_on: Vec<String>) -> Change {
    let mut attributes = vec![
        AttributeChange {
            path: "type".to_owned(),
            before: None,
            after: Some(json!(after.environment_type)),
        },
        AttributeChange {
            path: "region".to_owned(),
            before: None,
            after: Some(json!(after.region)),
        },
    ];
    if after.managed {
        attributes.push(AttributeChange {
            path: "managed".to_owned(),
            before: None,
            after: Some(json!(true)),
        });
    }
    if let Some(dataverse) = &after.dataverse {
        attributes.push(AttributeChange {
            path: "dataverse".to_owned(),
            before: None,
            after: Some(json!(dataverse)),
        });
    }
    Change {
        address: created_environment_of(&after.id)
            .unwrap_or_default()
            .to_owned(),
        kind: ResourceKind::Environment,
        action: Action::Create,
        id: None,
        display_name: after.display_name.clone(),
        attributes,
        risk: None,
        impact: None,
        after: After::Environment(after),
        depends_on,
    }
}

fn delete_change(
    address: String,
    live: &ObservedEnvironment,
    attributes: Vec<AttributeChange>,
) -> Change {
    Change {
        address,
        kind: ResourceKind::Environment,
        action: Action::Delete,
        id: Some(live.id.clone()),
        display_name: live.display_name.clone(),
        attributes,
        risk: None,
        impact: None,
        after: After::Nothing,
        depends_on: Vec::new(),
    }
}

/// Why an expired environment is deleted: its last day and grace days, as they were declared.
fn expiry_attributes(env: &Environment) -> Vec<AttributeChange> {
    let mut out = vec![AttributeChange {
        path: crate::expiry::EXPIRES_ATTRIBUTE.to_owned(),
        before: env.expires.map(|d| json!(d.to_string())),
        after: None,
    }];
    if env.expiry_grace_days > 0 {
        out.push(AttributeChange {
            path: crate::expiry::GRACE_ATTRIBUTE.to_owned(),
            before: Some(json!(env.expiry_grace_days)),
            after: None,
        });
    }
    out
}

pub(crate) fn plan(desired: &Desired, observed: &Observed) -> Lifecycle {
    let project = desired.project.name.as_str();
    let resolver = Resolver::new(desired, observed);
    let mut out = Lifecycle {
        changes: Vec::new(),
        errors: Vec::new(),
        relied_on: Vec::new(),
        tenant: None,
        created: BTreeMap::new(),
        retired: BTreeSet::new(),
    };
    let mut removed: BTreeSet<String> = BTreeSet::new();
    let mut added: Vec<ObservedEnvironment> = Vec::new();
    let mut declared: BTreeSet<&str> = BTreeSet::new();
    let refuse_delete = |errors: &mut Vec<PlanError>,
                         resource: &str,
                         live: &ObservedEnvironment| {
        if let Some(reason) = &live.delete_blocked {
            errors.push(PlanError {
                resource: resource.to_owned(),
                pointer: String::new(),
                message: format!(
                    "environment \"{}\" ({}) must be deleted, but the platform forbids deleting it: {reason}",
                    live.display_name, live.id
                ),
            });
        }
    };
    for (name, env) in &desired.environments {
        let address = Address::named(ResourceKind::Environment, name.as_str()).to_string();
        let expired = crate::expiry::is_expired(env, observed);
        if expired {
            out.retired.insert(name.clone());
        }
        match resolver.environment(&EnvironmentTarget::Declared(name.clone())) {
            Ok(live) => {
                declared.insert(live.id.as_str());
                if !env.owned {
                    continue;
                }
                if expired {
                    refuse_delete(&mut out.errors, &address, live);
                    out.changes
                        .push(delete_change(address, live, expiry_attributes(env)));
                    out.relied_on.push(live.clone());
                    removed.insert(live.id.clone());
                    continue;
                }
                let reasons = replacement_reasons(env, live);
                if reasons.is_empty() {
                    continue;
                }
                // Replaced: the old one goes first (its display name is the new one's key).
                let delete_address = Address::named_keyed(
                    ResourceKind::Environment,
                    name.as_str(),
                    live.id.as_str(),
                )
                .to_string();
                refuse_delete(&mut out.errors, &address, live);
                out.changes
                    .push(delete_change(delete_address.clone(), live, reasons));
                out.relied_on.push(live.clone());
                removed.insert(live.id.clone());
                let after = to_create(name, env, project);
                out.created.insert(after.id.clone(), address);
                added.push(after.clone());
                out.changes.push(create_change(after, vec![delete_address]));
            }
            // Expired and gone (or never made): nothing to create.
            Err(_) if expired => {}
            Err(Unresolved::NotFound { .. }) if env.owned && env.meta.id.is_none() => {
                let after = to_create(name, env, project);
                out.created.insert(after.id.clone(), address);
                added.push(after.clone());
                out.changes.push(create_change(after, Vec::new()));
            }
            // Reported by the environments pass, as for adopted ones.
            Err(_) => {}
        }
    }
    // Decommission: what this project created and no document declares any more.
    for live in observed.environments.values() {
        if live.owner.as_deref() != Some(project) || declared.contains(live.id.as_str()) {
            continue;
        }
        let address = Address::keyed(
            ResourceKind::Environment,
            format!("\"{}\"", live.display_name),
        )
        .to_string();
        refuse_delete(&mut out.errors, &address, live);
        out.changes.push(delete_change(address, live, Vec::new()));
        out.relied_on.push(live.clone());
        removed.insert(live.id.clone());
    }
    if !removed.is_empty() || !added.is_empty() {
        let mut tenant = observed.clone();
        for id in &removed {
            tenant.environments.remove(id);
        }
        for env in added {
            // A new environment's RBAC scope is empty, not unread.
            if let Some(read) = &mut tenant.rbac_environment_scopes_read {
                read.insert(env.id.clone());
            }
            tenant.environments.insert(env.id.clone(), env);
        }
        out.tenant = Some(tenant);
    }
    out
}
