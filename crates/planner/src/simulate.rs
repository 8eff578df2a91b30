//! Applying a plan to an observed state in memory: what the tenant would look like after a
//! perfect apply. Used to check that plans converge (plan, apply, plan again: nothing left).

use crate::Action;
use crate::plan::{After, Plan, Ref, ResourceKind, created_environment_of};
use ppgov_core::observed::Observed;
use std::collections::BTreeMap;

/// Ids of objects created by the simulation are derived from the creating change's address,
/// so the result is deterministic.
pub fn apply_in_memory(observed: &Observed, plan: &Plan) -> Observed {
    let mut state = observed.clone();
    let mut created: BTreeMap<String, String> = BTreeMap::new();
    let resolve = |r: &Ref, created: &BTreeMap<String, String>| match r {
        Ref::Id(id) => id.clone(),
        Ref::CreatedBy(address) => created
            .get(address)
            .cloned()
            .unwrap_or_else(|| address.clone()),
    };
    // A placeholder id of an environment created earlier in the plan, as created.
    let env_id = |id: &str, created: &BTreeMap<String, String>| match created_environment_of(id) {
        Some(address) => created
            .get(address)
            .cloned()
            .unwrap_or_else(|| id.to_owned()),
        None => id.to_owned(),
    };
    for change in &plan.changes {
        let new_id = || format!("new:{}", change.address);
        match (&change.after, change.action) {
            (After::Environment(env), Action::Create) => {
                let id = new_id();
                created.insert(change.address.clone(), id.clone());
                let mut env = env.clone();
                env.id = id.clone();
                // Creation parameters are not read back.
                env.dataverse = None;
                state.environments.insert(id, env);
            }
            (After::Environment(env), _) => {
                // Membership is changed by membership changes only, whatever order they run in.
                let mut env = env.clone();
                if let Some(current) = state.environments.get(&env.id) {
                    env.group_id = current.group_id.clone();
                }
                state.environments.insert(env.id.clone(), env);
            }
            (After::EnvironmentGroup(group), Action::Create) => {
                let id = new_id();
                created.insert(change.address.clone(), id.clone());
                let mut group = (**group).clone();
                group.id = id.clone();
                state.environment_groups.insert(id, group);
            }
            (After::EnvironmentGroup(group), _) => {
                state
                    .environment_groups
                    .insert(group.id.clone(), (**group).clone());
            }
            (
                After::Membership {
                    group,
                    environment_id,
                },
                action,
            ) => {
                if let Some(env) = state
                    .environments
                    .get_mut(&env_id(environment_id, &created))
                {
                    env.group_id = match action {
                        Action::Delete => None,
                        _ => Some(resolve(group, &created)),
                    };
                }
            }
            (After::DlpPolicy(policy), Action::Create) => {
                let id = new_id();
                let mut policy = (**policy).clone();
                policy.id = id.clone();
                policy.environment_ids = policy
                    .environment_ids
                    .iter()
                    .map(|e| env_id(e, &created))
                    .collect();
                state.dlp_policies.insert(id, policy);
            }
            (After::DlpPolicy(policy), _) => {
                let mut policy = (**policy).clone();
                policy.environment_ids = policy
                    .environment_ids
                    .iter()
                    .map(|e| env_id(e, &created))
                    .collect();
                state.dlp_policies.insert(policy.id.clone(), policy);
            }
            (After::RoleAssignment(assignment), _) => {
                let Ok::<_, std::convert::Infallible>(mut assignment) =
                    assignment.clone().map_scope(|scope| {
                        scope.resolve(
                            |address| Ok(resolve(&Ref::CreatedBy(address.to_owned()), &created)),
                            |id| Ok(env_id(id, &created)),
                        )
                    });
                assignment.id = new_id();
                state
                    .role_assignments
                    .insert(assignment.id.clone(), assignment);
            }
            (After::TenantSettings(settings), _) => {
                state.tenant_settings.extend(settings.clone());
            }
            (After::TenantIsolationPolicy(policy), _) => {
                state.tenant_isolation = Some(policy.clone());
            }
            (After::Nothing, _) => {
                let id = change.id.clone().unwrap_or_default();
                match change.kind {
                    ResourceKind::EnvironmentGroup => {
                        state.environment_groups.remove(&id);
                        for env in state.environments.values_mut() {
                            if env.group_id.as_deref() == Some(id.as_str()) {
                                env.group_id = None;
                            }
                        }
                    }
                    ResourceKind::DlpPolicy => {
                        state.dlp_policies.remove(&id);
                    }
                    ResourceKind::RoleAssignment => {
                        state.role_assignments.remove(&id);
                    }
                    ResourceKind::Environment => {
                        state.environments.remove(&id);
                    }
                    // Never deleted with no after-value: tenant settings are not deleted, a
                    // membership removal carries `After::Membership`, and
                    // the isolation policy's removal carries the policy it writes.
                    ResourceKind::GroupMembership
                    | ResourceKind::TenantSettings
                    | ResourceKind::TenantIsolationPolicy => {}
                }
            }
        }
    }
    state
}
