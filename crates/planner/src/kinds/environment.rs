//! `Environment` documents: display name and Managed Environment of adopted environments
//! (ppgov-owned environments are created and deleted by `crate::lifecycle`), and the
//! Managed Environment a group member needs.

use super::{attr, type_name};
use crate::builder::{PlanBuilder, Planned};
use crate::kind_rules::value_and_fingerprint;
use crate::plan::*;
use crate::plan_step::{Foundation, PlanStep};
use crate::risk::{Risk, RiskClass};
use crate::simulate::Simulation;
use ppgov_core::model::EnvironmentTarget;
use serde_json::json;
use std::collections::BTreeMap;

/// The after-value of an environment change ([`After::Environment`]).
pub type AfterValue = ppgov_core::observed::ObservedEnvironment;

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

/// What environment changes decide wherever kinds differ ([`KindRules`]).
pub struct Rules;

impl PlanStep for Rules {
    fn plan(_: &mut PlanBuilder<'_>, _: &Foundation<'_>) {
        // Part of the foundation, planned first by `crate::diff::plan`.
    }
}

impl KindRules for Rules {
    fn phase(&self, action: Action) -> u8 {
        match action {
            Action::Create | Action::Update => 0,
            // An environment goes last, after what refers to it.
            Action::Delete => 10,
        }
    }

    fn declared_by(&self) -> ResourceKind {
        ResourceKind::Environment
    }

    fn annotations<'a>(
        &self,
        desired: &'a ppgov_core::model::Desired,
        name: &str,
    ) -> Option<&'a BTreeMap<String, String>> {
        desired.environments.get(name).map(|e| &e.meta.annotations)
    }

    fn approvals(
        &self,
        _: &Change,
        _: Option<&str>,
        _: &ppgov_core::model::Desired,
        _: &ppgov_core::observed::Observed,
        _: &ppgov_core::catalog::Catalog,
    ) -> Vec<(String, String)> {
        Vec::new()
    }

    fn deletion_risk(&self, change: &Change, _: &ppgov_core::observed::Observed) -> String {
        if change.attributes.is_empty() {
            return "deletes the environment and everything in it (apps, flows, data): ppgov created it and no document declares it any more".to_owned();
        }
        if crate::expiry::is_expiry_delete(change) {
            return crate::expiry::deletion_reason(change);
        }
        let why: Vec<String> = change
            .attributes
            .iter()
            .map(|a| {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref()
                        .map_or_else(|| "none".to_owned(), |v| v.to_string())
                };
                format!(
                    "{} changes from {} to {}",
                    a.path,
                    show(&a.before),
                    show(&a.after)
                )
            })
            .collect();
        format!(
            "replaces the environment: {}, which the platform cannot change in place; the old environment and everything in it (apps, flows, data) are deleted",
            why.join(", ")
        )
    }

    fn change_risk(
        &self,
        change: &Change,
        observed: &ppgov_core::observed::Observed,
        _: &ppgov_core::catalog::Catalog,
    ) -> Option<Risk> {
        let After::Environment(after) = &change.after else {
            return None;
        };
        let Some(id) = change.id.as_deref() else {
            return after.managed.then(|| Risk::new(
                RiskClass::ManagedEnvironment,
                "creates a Managed Environment: a licensing change (every user of the environment needs a premium license)",
            ));
        };
        let before = observed.environments.get(id)?;
        if before.managed && !after.managed {
            Some(Risk::new(
                RiskClass::Loosening,
                "turning Managed Environment off drops the group rules that protect it",
            ))
        } else if !before.managed && after.managed {
            Some(Risk::new(
                RiskClass::ManagedEnvironment,
                "turns Managed Environments on: a licensing change (every user of the environment needs a premium license)",
            ))
        } else {
            None
        }
    }

    fn simulate(&self, change: &Change, sim: &mut Simulation) {
        let After::Environment(env) = &change.after else {
            let id = change.id.clone().unwrap_or_default();
            sim.state.environments.remove(&id);
            return;
        };
        let mut env = env.clone();
        if change.action == Action::Create {
            let id = sim.create(change);
            env.id = id.clone();
            // Creation parameters are not read back.
            env.dataverse = None;
            sim.state.environments.insert(id, env);
        } else {
            // Membership is changed by membership changes only, whatever order they run in.
            if let Some(current) = sim.state.environments.get(&env.id) {
                env.group_id = current.group_id.clone();
            }
            sim.state.environments.insert(env.id.clone(), env);
        }
    }

    fn exclusively_governed(&self, _: &ppgov_core::observed::Observed) -> BTreeMap<String, String> {
        // Exclusive ownership deletes no environment.
        BTreeMap::new()
    }

    fn observed_fingerprint(
        &self,
        observed: &ppgov_core::observed::Observed,
        id: &str,
    ) -> Option<String> {
        observed.environments.get(id).map(fingerprint)
    }

    fn observed_value(
        &self,
        observed: &ppgov_core::observed::Observed,
        id: &str,
    ) -> Option<(serde_json::Value, String)> {
        value_and_fingerprint(observed.environments.get(id)?)
    }

    fn live_name(&self, observed: &ppgov_core::observed::Observed, id: &str) -> Option<String> {
        observed
            .environments
            .get(id)
            .map(|e| e.display_name.clone())
    }

    fn created_environments_in<'a>(&self, _: &'a After) -> Vec<&'a str> {
        Vec::new()
    }

    fn declared_names(&self, desired: &ppgov_core::model::Desired) -> Vec<String> {
        desired.environments.keys().cloned().collect()
    }
}
