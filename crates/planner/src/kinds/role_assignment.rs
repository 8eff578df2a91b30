//! `RoleAssignment` documents: Power Platform RBAC and environment (BAP) role assignments
//! created and, under exclusive ownership, deleted; a group scope expands to the group's
//! members for environment roles, or refers to the group, created in the same plan or live.

use super::environment_group::Groups;
use super::group_membership::Memberships;
use super::{attr, to_json};
use crate::builder::{PlanBuilder, Planned};
use crate::kind_rules::value_and_fingerprint;
use crate::plan::*;
use crate::plan_step::{Foundation, PlanStep};
use crate::risk::Risk;
use crate::simulate::Simulation;
use ppgov_core::model::*;
use ppgov_core::observed::*;
use serde_json::json;
use std::collections::BTreeMap;

/// The after-value of a role assignment change ([`After::RoleAssignment`]): its scope may
/// name a group created by the same plan.
pub type AfterValue = PlannedRoleAssignment;

/// Plans the declared role assignments.
pub(crate) fn plan(b: &mut PlanBuilder<'_>, groups: &Groups, memberships: &Memberships) {
    let mut wanted: BTreeMap<(String, Role, PlannedScope), (&RoleAssignment, Vec<String>)> =
        BTreeMap::new();
    for assignment in b.desired.role_assignments.values() {
        let resource =
            Address::named(ResourceKind::RoleAssignment, assignment.document.as_str()).to_string();
        let key = &assignment.key;
        let scopes: Vec<(PlannedScope, Vec<String>)> = match &key.scope {
            RoleScope::Tenant => vec![(PlannedScope::Tenant, Vec::new())],
            RoleScope::Environment(target) => {
                match b.resolve_env(target, &resource, "/spec/scope/environment") {
                    Some(env) if key.role.is_environment_role() && env.has_dataverse => {
                        b.error(resource.clone(), "/spec/role", format!(
                            "environment \"{}\" has Dataverse, where Environment Admin and Maker are Dataverse security roles that ppgov does not manage; the admin API refuses them",
                            env.display_name
                        ));
                        continue;
                    }
                    Some(env)
                        if !key.role.is_environment_role()
                            && !b.observed.rbac_environment_scope_read(&env.id) =>
                    {
                        // Unknown is not empty: planning a create here could duplicate
                        // an assignment that exists.
                        b.error(resource.clone(), "/spec/scope/environment", format!(
                            "the Power Platform RBAC assignments of environment \"{}\" ({}) were not read, so whether this assignment exists is unknown; read that environment's scope (ppgov does when it plans)",
                            env.display_name, env.id
                        ));
                        continue;
                    }
                    Some(env) => vec![(PlannedScope::Environment(env.id.clone()), Vec::new())],
                    None => continue,
                }
            }
            RoleScope::EnvironmentGroup(group) if key.role.is_environment_role() => {
                // Environment roles exist per environment: expand to the group's members.
                // Members with Dataverse manage these roles as security roles: reported,
                // not planned (the admin API refuses them).
                let deps: Vec<String> = memberships.of(group);
                let members: Vec<String> = groups
                    .members
                    .get(group)
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                let mut scopes = Vec::new();
                for env_id in members {
                    let env = &b.observed.environments[&env_id];
                    if env.has_dataverse {
                        b.note(ResourceKind::RoleAssignment, &env.id, &env.display_name, format!(
                                "skipped: {} for {} (from group `{group}`, `RoleAssignment.{}`) is not assigned in this environment: it has Dataverse, where that role is a Dataverse security role ppgov does not manage",
                                role_name(key.role),
                                assignment.principal_name.as_deref().unwrap_or(&key.principal_id),
                                assignment.document
                            ));
                    } else {
                        scopes.push((PlannedScope::Environment(env_id), deps.clone()));
                    }
                }
                scopes
            }
            RoleScope::EnvironmentGroup(group) => match groups.refs.get(group) {
                Some(group_ref) => {
                    // A group created by this plan: the assignment waits for its create.
                    let deps = match group_ref {
                        Ref::CreatedBy(address) => vec![address.clone()],
                        Ref::Id(_) => Vec::new(),
                    };
                    vec![(PlannedScope::EnvironmentGroup(group_ref.clone()), deps)]
                }
                None => continue,
            },
        };
        for (scope, deps) in scopes {
            wanted.insert(
                (key.principal_id.clone(), key.role, scope),
                (assignment, deps),
            );
        }
    }
    let mut live_keys: BTreeMap<(String, Role, ObservedScope), &ObservedRoleAssignment> =
        BTreeMap::new();
    for live in b.observed.role_assignments.values() {
        if live.in_unread_scope(b.observed) {
            // Its scope was not read as a whole: neither reported nor deleted.
            continue;
        }
        if let ObservedScope::Unknown(scope) = &live.scope {
            // A scope shape ppgov does not know: reported, never touched.
            let message = format!(
                "{} at a scope ppgov does not recognise (`{scope}`); left alone",
                live.role
                    .map_or_else(|| "a role ppgov does not model".to_owned(), role_name)
            );
            left_alone(b, live, message);
        } else if let Some(role) = live.role {
            live_keys.insert((live.principal_id.clone(), role, live.scope.clone()), live);
        } else {
            // A role ppgov has no name for (a custom RBAC role): reported, never touched.
            let message = format!(
                "a role ppgov does not model, at {}; left alone",
                scope_name(b, &live.scope)
            );
            left_alone(b, live, message);
        }
    }
    for ((principal, role, scope), (assignment, depends_on)) in &wanted {
        let live = scope
            .live()
            .and_then(|scope| live_keys.get(&(principal.clone(), *role, scope)));
        if let Some(live) = live {
            // Relied on: it exists, so nothing is created.
            b.fingerprint(ResourceKind::RoleAssignment, &live.id, *live);
            continue;
        }
        let after = ObservedRoleAssignment {
            id: String::new(),
            principal_id: principal.clone(),
            principal_type: Some(assignment.principal_type),
            principal_name: assignment.principal_name.clone(),
            role: Some(*role),
            scope: scope.clone(),
        };
        b.create(Planned {
            address: Address::named_keyed(
                ResourceKind::RoleAssignment,
                assignment.document.as_str(),
                format!("{}/{}/{}", principal, role_name(*role), scope.label()),
            )
            .to_string(),
            kind: ResourceKind::RoleAssignment,
            id: None,
            display_name: assignment
                .principal_name
                .clone()
                .unwrap_or_else(|| principal.clone()),
            attributes: vec![
                attr("role", None, Some(json!(role_name(*role)))),
                attr("scope", None, Some(json!(scope_value(b, scope)))),
            ],
            after: After::RoleAssignment(after),
            depends_on: depends_on.clone(),
        });
    }
    let exclusive = b.desired.project.ownership.role_assignment == OwnershipMode::Exclusive;
    if exclusive {
        if b.observed.rbac_environment_scopes_read.is_some() {
            b.error(
                format!("Project.{}", b.desired.project.name),
                "/spec/ownership/RoleAssignment",
                "RoleAssignment ownership is exclusive, but not every environment's Power Platform RBAC assignments were read, so undeclared ones could not all be found; read every environment's scope (ppgov does under exclusive ownership)",
            );
        }
        b.exclusive(ResourceKind::RoleAssignment);
    }
    for (key, live) in &live_keys {
        if wanted.contains_key(&(key.0.clone(), key.1, PlannedScope::from(key.2.clone()))) {
            continue;
        }
        b.fingerprint(ResourceKind::RoleAssignment, &live.id, *live);
        let name = live
            .principal_name
            .clone()
            .unwrap_or_else(|| live.principal_id.clone());
        if exclusive && live.principal_type.is_some() {
            b.delete(Planned {
                address: Address::keyed(
                    ResourceKind::RoleAssignment,
                    format!(
                        "{}/{}/{}",
                        live.principal_id,
                        role_name(key.1),
                        crate::plan::scope_label(&live.scope)
                    ),
                )
                .to_string(),
                kind: ResourceKind::RoleAssignment,
                id: Some(live.id.clone()),
                display_name: name.clone(),
                attributes: vec![
                    attr("principal", Some(json!(name)), None),
                    attr("role", Some(json!(role_name(key.1))), None),
                    attr(
                        "scope",
                        Some(json!(scope_value(
                            b,
                            &PlannedScope::from(live.scope.clone())
                        ))),
                        None,
                    ),
                ],
                after: After::Nothing,
                depends_on: Vec::new(),
            });
        } else {
            let why = if live.principal_type.is_none() {
                "is held by a principal ppgov does not manage, so it is left alone"
            } else {
                "is not declared here; ownership is shared, so it is left alone"
            };
            let message = format!(
                "{} at {} {why}",
                role_name(key.1),
                scope_name(b, &live.scope)
            );
            b.note(ResourceKind::RoleAssignment, &live.id, &name, message);
        }
    }
}

/// A role assignment's scope as an attribute value: `group: Finance`,
/// `environment: Finance Prod` or `tenant`.
fn scope_value(b: &PlanBuilder<'_>, scope: &PlannedScope) -> String {
    let (kind, name, note) = scope_parts(b, scope);
    match kind {
        "tenant" => kind.to_owned(),
        _ => format!("{kind}: {name}{note}"),
    }
}

/// A role assignment's scope in a sentence: `group "Finance"`.
fn scope_name(b: &PlanBuilder<'_>, scope: &ObservedScope) -> String {
    let scope = &PlannedScope::from(scope.clone());
    let (kind, name, note) = scope_parts(b, scope);
    match kind {
        "tenant" => kind.to_owned(),
        _ => format!("{kind} \"{name}\"{note}"),
    }
}

/// A scope as a reviewer knows it: kind, the group's or environment's name (an id when it
/// is not in the tenant), and a remark. Addresses keep ids, which are stable.
fn scope_parts(b: &PlanBuilder<'_>, scope: &PlannedScope) -> (&'static str, String, &'static str) {
    match scope {
        PlannedScope::Tenant => ("tenant", String::new(), ""),
        PlannedScope::EnvironmentGroup(Ref::CreatedBy(address)) => {
            let declared = address
                .parse::<Address>()
                .ok()
                .and_then(|a| a.name)
                .unwrap_or_else(|| address.clone());
            (
                "group",
                b.desired
                    .environment_groups
                    .get(&declared)
                    .map_or(declared.as_str(), |g| g.display_name.as_str())
                    .to_owned(),
                " (created by this plan)",
            )
        }
        PlannedScope::EnvironmentGroup(Ref::Id(id)) => (
            "group",
            b.observed
                .environment_groups
                .get(id)
                .map_or(id.as_str(), |g| g.display_name.as_str())
                .to_owned(),
            "",
        ),
        PlannedScope::Environment(id) => (
            "environment",
            b.observed
                .environments
                .get(id)
                .map_or(id.as_str(), |e| e.display_name.as_str())
                .to_owned(),
            "",
        ),
        PlannedScope::Unknown(scope) => ("scope", scope.clone(), " (not understood by ppgov)"),
    }
}

/// Notes live assignment `live`, which ppgov leaves alone, with the reason.
fn left_alone(b: &mut PlanBuilder<'_>, live: &ObservedRoleAssignment, message: String) {
    let principal = live.principal_name.as_ref().unwrap_or(&live.principal_id);
    b.note(ResourceKind::RoleAssignment, &live.id, principal, message);
}

pub(crate) fn role_name(role: Role) -> String {
    to_json(&role).as_str().unwrap_or_default().to_owned()
}

/// What role assignment changes decide wherever kinds differ ([`KindRules`]).
pub struct Rules;

impl PlanStep for Rules {
    fn plan(b: &mut PlanBuilder<'_>, foundation: &Foundation<'_>) {
        plan(b, foundation.groups, foundation.memberships);
    }
}

impl KindRules for Rules {
    fn phase(&self, action: Action) -> u8 {
        match action {
            Action::Create | Action::Update => 5,
            Action::Delete => 7,
        }
    }

    fn declared_by(&self) -> ResourceKind {
        ResourceKind::RoleAssignment
    }

    fn annotations<'a>(
        &self,
        _: &'a Desired,
        _: &str,
    ) -> Option<&'a std::collections::BTreeMap<String, String>> {
        // Desired role assignments are keyed by principal, role and scope, not by name.
        None
    }

    fn approvals(
        &self,
        _: &Change,
        _: Option<&str>,
        _: &Desired,
        _: &Observed,
        _: &ppgov_core::catalog::Catalog,
    ) -> Vec<(String, String)> {
        Vec::new()
    }

    fn deletion_risk(&self, _: &Change, _: &Observed) -> String {
        "revokes access".to_owned()
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
        let After::RoleAssignment(assignment) = &change.after else {
            let id = change.id.clone().unwrap_or_default();
            sim.state.role_assignments.remove(&id);
            return;
        };
        let Ok::<_, std::convert::Infallible>(mut assignment) =
            assignment.clone().map_scope(|scope| {
                scope.resolve(
                    |address| Ok(sim.resolve(&Ref::CreatedBy(address.to_owned()))),
                    |id| Ok(sim.environment_id(id)),
                )
            });
        assignment.id = sim.new_id(change);
        sim.state
            .role_assignments
            .insert(assignment.id.clone(), assignment);
    }

    fn exclusively_governed(
        &self,
        observed: &Observed,
    ) -> std::collections::BTreeMap<String, String> {
        // Of a role and a principal type ppgov models.
        observed
            .role_assignments
            .iter()
            .filter(|(_, a)| {
                a.role.is_some() && a.principal_type.is_some() && !a.in_unread_scope(observed)
            })
            .map(|(id, a)| {
                let name = a.principal_name.as_ref().unwrap_or(&a.principal_id);
                (id.clone(), name.clone())
            })
            .collect()
    }

    fn observed_fingerprint(&self, observed: &Observed, id: &str) -> Option<String> {
        observed.role_assignments.get(id).map(fingerprint)
    }

    fn observed_value(&self, observed: &Observed, id: &str) -> Option<(serde_json::Value, String)> {
        value_and_fingerprint(observed.role_assignments.get(id)?)
    }

    fn live_name(&self, observed: &Observed, id: &str) -> Option<String> {
        observed.role_assignments.get(id).map(|a| {
            a.principal_name
                .clone()
                .unwrap_or_else(|| a.principal_id.clone())
        })
    }

    fn created_environments_in<'a>(&self, after: &'a After) -> Vec<&'a str> {
        let After::RoleAssignment(a) = after else {
            return Vec::new();
        };
        match &a.scope {
            PlannedScope::Environment(id) => created_environment_of(id).into_iter().collect(),
            PlannedScope::Tenant | PlannedScope::EnvironmentGroup(_) | PlannedScope::Unknown(_) => {
                Vec::new()
            }
        }
    }

    fn declared_names(&self, desired: &Desired) -> Vec<String> {
        desired
            .role_assignments
            .values()
            .map(|a| a.document.clone())
            .collect()
    }
}
