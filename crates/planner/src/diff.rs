//! `plan()`: desired vs observed, kind by kind. Each step (one module per kind in
//! `crate::kinds`) adds its changes through the [`PlanBuilder`]. The foundation steps return
//! what the later steps need, so their order is the order of their data; every other kind's
//! step then runs from the list of kinds ([`crate::plan_step`]).

use crate::builder::{Built, PlanBuilder};
use crate::kinds::{environment, environment_group, group_membership};
use crate::plan::*;
use crate::plan_step::{Foundation, plan_every_kind};
use crate::resolve::Resolver;
use ppgov_core::catalog::Catalog;
use ppgov_core::model::*;
use ppgov_core::observed::*;
use std::collections::BTreeSet;

/// Plans the changes that make `observed` look like `desired`.
pub fn plan(desired: &Desired, observed: &Observed, catalog: &Catalog) -> Plan {
    let lifecycle = crate::lifecycle::plan(desired, observed);
    // The tenant with the environments to create in and those to delete out.
    let tenant = lifecycle.tenant.as_ref().unwrap_or(observed);
    let mut b = PlanBuilder::new(desired, tenant, catalog);
    b.retired = lifecycle.retired.clone();
    for env in &lifecycle.relied_on {
        b.fingerprint(ResourceKind::Environment, &env.id, env);
    }
    b.extend(lifecycle.changes, lifecycle.errors);
    let mut environments = environment::plan(&mut b, lifecycle.created);
    let groups = environment_group::plan(&mut b, &environments.declared);
    let memberships = group_membership::plan(&mut b, &groups, &mut environments);
    group_membership::unmanage_after_leaving(&mut b);
    let foundation = Foundation {
        groups: &groups,
        memberships: &memberships,
    };
    plan_every_kind(&mut b, &foundation);
    let Built {
        mut changes,
        mut notes,
        mut errors,
        fingerprints,
    } = b.build();
    depend_on_created_environments(&mut changes);
    let changes = crate::order::order(changes, &mut errors);
    notes.sort();
    errors.sort();
    let approvals = crate::approvals::required(desired, observed, catalog, &changes);
    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        changes,
        notes,
        errors,
        fingerprints,
        approvals,
        seal: None,
    };
    // One function says what is risky, here and again when a saved plan is applied.
    let impacts = crate::impact::analyse(&plan, observed, catalog);
    let risks = crate::risk::with_impacts(&plan, &impacts, observed, catalog);
    for ((change, impact), risks) in plan.changes.iter_mut().zip(impacts).zip(risks) {
        change.impact = impact;
        change.risk = (!risks.is_empty()).then(|| {
            risks
                .into_iter()
                .map(|r| r.reason)
                .collect::<Vec<_>>()
                .join("; ")
        });
    }
    plan
}

/// The environments whose own Power Platform RBAC scope a plan of `desired` must have read:
/// those it assigns RBAC roles on (by id, name or display name). Environment Admin/Maker are
/// BAP roles, read separately. Unresolvable references are left to `plan` to report.
pub fn rbac_environment_scopes(desired: &Desired, observed: &Observed) -> BTreeSet<String> {
    let resolver = Resolver::new(desired, observed);
    desired
        .role_assignments
        .values()
        .filter(|a| !a.key.role.is_environment_role())
        .filter_map(|a| match &a.key.scope {
            RoleScope::Environment(target) => resolver.environment(target).ok(),
            _ => None,
        })
        .map(|env| env.id.clone())
        .collect()
}

/// A change that refers to an environment created in the same plan runs after its create.
fn depend_on_created_environments(changes: &mut [Change]) {
    for change in changes {
        let creates: Vec<String> = created_environments_in(&change.after)
            .into_iter()
            .map(str::to_owned)
            .collect();
        for address in creates {
            if address != change.address && !change.depends_on.contains(&address) {
                change.depends_on.push(address);
            }
        }
    }
}
