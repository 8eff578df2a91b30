//! Group membership: environments leaving and joining the declared groups (a joining member is
//! made managed first), and environments that stop being managed leaving their group first.

use super::attr;
use super::environment::{self, Environments};
use super::environment_group::Groups;
use crate::builder::{PlanBuilder, Planned};
use crate::plan::*;
use crate::plan_step::{Foundation, PlanStep};
use crate::risk::Risk;
use crate::simulate::Simulation;
use ppgov_core::observed::Observed;
use serde_json::json;
use std::collections::BTreeMap;

/// The after-value of a membership change ([`After::GroupMembership`]): the group an
/// environment joins, or the one it leaves.
pub type AfterValue = PlannedMembership;

/// An environment's membership of a group, which may be created by the same plan. Its plan
/// JSON fields keep their Rust names (`group`, `environment_id`), as saved plans hold them.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlannedMembership {
    pub group: Ref,
    pub environment_id: String,
}

/// What the membership step hands on: the addresses of each declared group's membership
/// changes, which whatever refers to the group's members depends on.
pub(crate) struct Memberships {
    by_group: BTreeMap<String, Vec<String>>,
}

impl Memberships {
    /// Addresses of the membership changes of desired group `group`.
    pub fn of(&self, group: &str) -> Vec<String> {
        self.by_group.get(group).cloned().unwrap_or_default()
    }
}

/// Plans the membership changes of the declared groups.
pub(crate) fn plan(
    b: &mut PlanBuilder<'_>,
    groups: &Groups,
    envs: &mut Environments,
) -> Memberships {
    let mut memberships = Memberships {
        by_group: BTreeMap::new(),
    };
    // Removals first, so adds can depend on them.
    let removals = removals(b, groups, &mut memberships);
    for (name, members) in &groups.members {
        let Some(group_ref) = groups.refs.get(name).cloned() else {
            continue;
        };
        let group_address =
            Address::named(ResourceKind::EnvironmentGroup, name.as_str()).to_string();
        for env_id in members {
            let env = &b.observed.environments[env_id];
            if let Ref::Id(gid) = &group_ref
                && env.group_id.as_deref() == Some(gid.as_str())
            {
                // Already a member. Recorded tenants hold members whose Managed
                // Environment is off (`protectionLevel: Basic`); the platform applies a
                // group's rules to managed members only, so a declared member is made
                // managed.
                environment::make_managed(b, envs, env_id);
                continue;
            }
            let mut depends_on = Vec::new();
            if matches!(group_ref, Ref::CreatedBy(_)) {
                depends_on.push(group_address.clone());
            }
            if let Some(r) = removals.get(env_id) {
                depends_on.push(r.clone());
            } else if let Some(current) = &env.group_id {
                // In a group nobody declared: it has to leave that group first.
                let current_name = b
                    .observed
                    .environment_groups
                    .get(current)
                    .map_or(current.as_str(), |g| g.display_name.as_str());
                let address = Address::keyed(
                    ResourceKind::GroupMembership,
                    format!("{current}][\"{}\"", env.display_name),
                )
                .to_string();
                b.delete(Planned {
                    address: address.clone(),
                    kind: ResourceKind::GroupMembership,
                    id: Some(env.id.clone()),
                    display_name: env.display_name.clone(),
                    attributes: vec![attr("group", Some(json!(current_name)), None)],
                    after: After::GroupMembership(PlannedMembership {
                        group: Ref::Id(current.clone()),
                        environment_id: env.id.clone(),
                    }),
                    depends_on: Vec::new(),
                });
                depends_on.push(address);
            }
            // Only managed environments can join a group.
            environment::make_managed(b, envs, env_id);
            if let Some(a) = envs.addresses.get(env_id) {
                depends_on.push(a.clone());
            }
            b.fingerprint(ResourceKind::Environment, env_id, env);
            let address = Address::named_keyed(
                ResourceKind::GroupMembership,
                name.as_str(),
                format!("\"{}\"", env.display_name),
            )
            .to_string();
            memberships
                .by_group
                .entry(name.clone())
                .or_default()
                .push(address.clone());
            let before = env
                .group_id
                .as_ref()
                .map(|g| json!(group_label(b, groups, g)));
            b.create(Planned {
                address,
                kind: ResourceKind::GroupMembership,
                id: Some(env.id.clone()),
                display_name: env.display_name.clone(),
                attributes: vec![attr("group", before, Some(json!(name)))],
                after: After::GroupMembership(PlannedMembership {
                    group: group_ref.clone(),
                    environment_id: env.id.clone(),
                }),
                depends_on,
            });
        }
    }
    memberships
}

/// Members of live declared groups that the documents no longer list leave; returns their
/// addresses by environment id.
fn removals(
    b: &mut PlanBuilder<'_>,
    groups: &Groups,
    memberships: &mut Memberships,
) -> BTreeMap<String, String> {
    let mut removals: BTreeMap<String, String> = BTreeMap::new();
    for (name, members) in &groups.members {
        let Some(Ref::Id(gid)) = groups.refs.get(name).cloned() else {
            continue;
        };
        for env in b.observed.environments.values() {
            if env.group_id.as_deref() == Some(gid.as_str()) && !members.contains(&env.id) {
                let address = Address::named_keyed(
                    ResourceKind::GroupMembership,
                    name.as_str(),
                    format!("\"{}\"", env.display_name),
                )
                .to_string();
                removals.insert(env.id.clone(), address.clone());
                memberships
                    .by_group
                    .entry(name.clone())
                    .or_default()
                    .push(address.clone());
                b.delete(Planned {
                    address,
                    kind: ResourceKind::GroupMembership,
                    id: Some(env.id.clone()),
                    display_name: env.display_name.clone(),
                    attributes: vec![attr("group", Some(json!(name)), None)],
                    after: After::GroupMembership(PlannedMembership {
                        group: Ref::Id(gid.clone()),
                        environment_id: env.id.clone(),
                    }),
                    depends_on: Vec::new(),
                });
            }
        }
    }
    removals
}

/// How a live group is shown: its declared name when a document matches it, else its
/// live display name.
fn group_label(b: &PlanBuilder<'_>, groups: &Groups, id: &str) -> String {
    groups
        .refs
        .iter()
        .find(|(_, r)| matches!(r, Ref::Id(g) if g == id))
        .map(|(name, _)| name.clone())
        .or_else(|| {
            b.observed
                .environment_groups
                .get(id)
                .map(|g| g.display_name.clone())
        })
        .unwrap_or_else(|| id.to_owned())
}

/// An environment that stops being managed must first leave its group (only managed
/// environments can be in one): by a membership removal or the group's deletion.
pub(crate) fn unmanage_after_leaving(b: &mut PlanBuilder<'_>) {
    let leaving: Vec<(String, String)> = b
        .changes()
        .iter()
        .filter(|c| c.action == Action::Delete)
        .filter(|c| c.kind == ResourceKind::GroupMembership)
        .filter_map(|c| Some((c.id.clone()?, c.address.clone())))
        .chain(
            b.changes()
                .iter()
                .filter(|c| c.action == Action::Delete && c.kind == ResourceKind::EnvironmentGroup)
                .flat_map(|c| {
                    let gid = c.id.clone().unwrap_or_default();
                    b.observed
                        .environments
                        .values()
                        .filter(move |e| e.group_id.as_deref() == Some(gid.as_str()))
                        .map(|e| (e.id.clone(), c.address.clone()))
                }),
        )
        .collect();
    for change in b.changes_mut() {
        if let After::Environment(env) = &change.after
            && !env.managed
        {
            for (env_id, address) in &leaving {
                if *env_id == env.id && !change.depends_on.contains(address) {
                    change.depends_on.push(address.clone());
                }
            }
        }
    }
}

/// What membership changes decide wherever kinds differ ([`KindRules`]): a membership is
/// declared by its group's document, and fingerprinted as its environment.
pub struct Rules;

impl PlanStep for Rules {
    fn plan(_: &mut PlanBuilder<'_>, _: &Foundation<'_>) {
        // Part of the foundation, planned first by `crate::diff::plan`.
    }
}

impl KindRules for Rules {
    fn phase(&self, action: Action) -> u8 {
        match action {
            Action::Delete => 2,
            Action::Create => 3,
            // Not planned (a membership is added or removed).
            Action::Update => 11,
        }
    }

    fn declared_by(&self) -> ResourceKind {
        ResourceKind::EnvironmentGroup
    }

    fn annotations<'a>(
        &self,
        desired: &'a ppgov_core::model::Desired,
        name: &str,
    ) -> Option<&'a BTreeMap<String, String>> {
        ResourceKind::EnvironmentGroup
            .rules()
            .annotations(desired, name)
    }

    fn approvals(
        &self,
        _: &Change,
        name: Option<&str>,
        desired: &ppgov_core::model::Desired,
        _: &Observed,
        _: &ppgov_core::catalog::Catalog,
    ) -> Vec<(String, String)> {
        crate::approvals::group_owners(name, desired)
    }

    fn deletion_risk(&self, change: &Change, observed: &Observed) -> String {
        // `GroupMembership[{group id}]...` is a group this repository does not declare.
        if change.address.starts_with("GroupMembership.") {
            return "the environment leaves the group and its rules stop applying".to_owned();
        }
        let group = if let After::GroupMembership(PlannedMembership {
            group: Ref::Id(id), ..
        }) = &change.after
        {
            observed
                .environment_groups
                .get(id)
                .map_or(id.as_str(), |g| g.display_name.as_str())
        } else {
            "its group"
        };
        format!("moves the environment out of \"{group}\", which this repository does not manage")
    }

    fn change_risk(
        &self,
        _: &Change,
        _: &Observed,
        _: &ppgov_core::catalog::Catalog,
    ) -> Option<Risk> {
        None
    }

    fn simulate(&self, change: &Change, sim: &mut Simulation) {
        // A removal carries its membership too.
        let After::GroupMembership(PlannedMembership {
            group,
            environment_id,
        }) = &change.after
        else {
            return;
        };
        let group = (change.action != Action::Delete).then(|| sim.resolve(group));
        let environment_id = sim.environment_id(environment_id);
        if let Some(env) = sim.state.environments.get_mut(&environment_id) {
            env.group_id = group;
        }
    }

    fn exclusively_governed(&self, _: &Observed) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    fn observed_fingerprint(&self, _: &Observed, _: &str) -> Option<String> {
        // Fingerprinted as its environment (`Environment:{id}`).
        None
    }

    fn observed_value(&self, _: &Observed, _: &str) -> Option<(serde_json::Value, String)> {
        None
    }

    fn live_name(&self, _: &Observed, _: &str) -> Option<String> {
        None
    }

    fn created_environments_in<'a>(&self, after: &'a After) -> Vec<&'a str> {
        let After::GroupMembership(PlannedMembership { environment_id, .. }) = after else {
            return Vec::new();
        };
        created_environment_of(environment_id).into_iter().collect()
    }

    fn declared_names(&self, desired: &ppgov_core::model::Desired) -> Vec<String> {
        desired.environment_groups.keys().cloned().collect()
    }
}
