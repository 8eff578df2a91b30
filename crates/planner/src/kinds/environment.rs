//! `Environment` documents: display name and Managed Environment of adopted environments
//! (ppgov-owned environments are created and deleted by `crate::lifecycle`), and the
//! Managed Environment a group member needs.

use super::{attr, type_name};
use crate::builder::{PlanBuilder, Planned};
use crate::plan::*;
use ppgov_core::model::EnvironmentTarget;
use serde_json::json;
use std::collections::BTreeMap;

/// What the environment step hands on to the later steps.
pub(crate) struct Environments {
    /// Live environment id -> address of its `Environment` change, when there is one.
    pub addresses: BTreeMap<String, String>,
    /// Live environment id -> the `Environment` document that adopts it.
    pub declared: BTreeMap<String, String>,
}

/// Plans the declared environments; `created` maps the placeholder id of each environment
/// the lifecycle creates to the address of its create.
pub(crate) fn plan(b: &mut PlanBuilder<'_>, created: BTreeMap<String, String>) -> Environments {
    let mut envs = Environments {
        addresses: created,
        declared: BTreeMap::new(),
    };
    for (name, env) in &b.desired.environments {
        let resource = Address::named(ResourceKind::Environment, name.as_str()).to_string();
        let pointer = if env.meta.id.is_some() {
            "/metadata/id"
        } else {
            "/spec/displayName"
        };
        let Some(live) = b.resolve_env(
            &EnvironmentTarget::Declared(name.clone()),
            &resource,
            pointer,
        ) else {
            continue;
        };
        envs.declared.insert(live.id.clone(), name.clone());
        if created_environment_of(&live.id).is_some() {
            // Created by this plan, as declared: the create carries every attribute.
            continue;
        }
        if let Some(t) = env.environment_type
            && type_name(t) != live.environment_type
        {
            b.error(resource.clone(), "/spec/type", format!(
                "environment \"{}\" is {} in the tenant, not {}; ppgov cannot change an environment's type",
                live.display_name, live.environment_type, type_name(t)
            ));
        }
        if let Some(region) = &env.region
            && !region.eq_ignore_ascii_case(&live.region)
        {
            b.error(resource.clone(), "/spec/region", format!(
                "environment \"{}\" is in {} in the tenant, not {region}; ppgov cannot move environments",
                live.display_name, live.region
            ));
        }
        let mut attributes = Vec::new();
        let mut after = live.clone();
        if env.display_name != live.display_name {
            // Matched by pinned id: the display name is governed too.
            attributes.push(attr(
                "displayName",
                Some(json!(live.display_name)),
                Some(json!(env.display_name)),
            ));
            after.display_name = env.display_name.clone();
        }
        if let Some(managed) = env.managed
            && managed != live.managed
        {
            attributes.push(attr(
                "managed",
                Some(json!(live.managed)),
                Some(json!(managed)),
            ));
            after.managed = managed;
        }
        if !attributes.is_empty() {
            envs.addresses.insert(live.id.clone(), resource.clone());
            b.update(Planned {
                address: resource,
                kind: ResourceKind::Environment,
                id: Some(live.id.clone()),
                display_name: live.display_name.clone(),
                attributes,
                after: After::Environment(after),
                depends_on: Vec::new(),
            });
        }
    }
    envs
}

/// Plans turning Managed Environment on for `env_id` unless it is on or already planned
/// (group members must be managed).
pub(crate) fn make_managed(b: &mut PlanBuilder<'_>, envs: &mut Environments, env_id: &str) {
    let env = &b.observed.environments[env_id];
    if created_environment_of(env_id).is_some() {
        // Created by this plan: it is created managed.
        if let Some(create) = b.changes_mut().iter_mut().find(|c| {
            c.action == Action::Create
                && matches!(&c.after, After::Environment(e) if e.id == env_id)
        }) && let After::Environment(after) = &mut create.after
            && !after.managed
        {
            after.managed = true;
            create
                .attributes
                .push(attr("managed", None, Some(json!(true))));
        }
        return;
    }
    let becomes_managed = envs.addresses.contains_key(env_id)
        && b.changes().iter().rev().any(|c| {
            c.kind == ResourceKind::Environment
                && c.id.as_deref() == Some(env_id)
                && matches!(&c.after, After::Environment(e) if e.managed)
        });
    if env.managed || becomes_managed {
        return;
    }
    let address =
        envs.addresses
            .get(env_id)
            .cloned()
            .unwrap_or_else(|| match envs.declared.get(env_id) {
                Some(declared) => {
                    Address::named(ResourceKind::Environment, declared.as_str()).to_string()
                }
                None => Address::keyed(
                    ResourceKind::Environment,
                    format!("\"{}\"", env.display_name),
                )
                .to_string(),
            });
    let mut after = env.clone();
    after.managed = true;
    envs.addresses.insert(env_id.to_owned(), address.clone());
    b.update(Planned {
        address,
        kind: ResourceKind::Environment,
        id: Some(env.id.clone()),
        display_name: env.display_name.clone(),
        attributes: vec![attr("managed", Some(json!(false)), Some(json!(true)))],
        after: After::Environment(after),
        depends_on: Vec::new(),
    });
}
