//! Why a change deserves a second look, computed from its before-value (the observed object)
//! and its after-value, and, for DLP changes, from what they break in the inventory that was
//! read. The planner fills `Change::risk` with [`assess_plan`], and `apply` calls the same
//! function again on a saved plan, so a risk field (or an impact) removed from a plan file
//! cannot skip a gate.

use crate::impact::Impact;
use crate::kinds::dlp_policy::dlp_risks;
use crate::kinds::environment_group::{normalize_rules, rules_loosened};
use crate::plan::{Action, After, Change, Plan, Ref, ResourceKind};
use ppgov_core::catalog::Catalog;
use ppgov_core::inventory::ItemKind;
use ppgov_core::observed::Observed;
use std::collections::BTreeSet;

/// Which consent a risky change needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskClass {
    /// Deletes a live object (`--allow-destroy`).
    Destroy,
    /// Makes a control less strict (`--allow-loosening`).
    Loosening,
    /// Turns Managed Environments on for an environment, which changes what the tenant is
    /// licensed and billed for (`--allow-managed-environments`).
    ManagedEnvironment,
    /// Makes apps or flows that comply today violate a data policy (`--allow-breaking`).
    Breaking,
}

/// A risky change: its class and the reason, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Risk {
    pub class: RiskClass,
    pub reason: String,
}

impl Risk {
    fn new(class: RiskClass, reason: impl Into<String>) -> Risk {
        Risk {
            class,
            reason: reason.into(),
        }
    }
}

/// Every risk of every change of `plan`, in change order: [`assess`], and
/// [`RiskClass::Breaking`] for a change that breaks apps or flows of `observed.inventory`
/// (computed afresh by [`crate::impact::analyse`], never read from the plan).
pub fn assess_plan(plan: &Plan, observed: &Observed, catalog: &Catalog) -> Vec<Vec<Risk>> {
    let impacts = crate::impact::analyse(plan, observed, catalog);
    with_impacts(plan, &impacts, observed, catalog)
}

/// [`assess_plan`] given the plan's impacts.
pub(crate) fn with_impacts(
    plan: &Plan,
    impacts: &[Option<Impact>],
    observed: &Observed,
    catalog: &Catalog,
) -> Vec<Vec<Risk>> {
    plan.changes
        .iter()
        .zip(impacts)
        .map(|(change, impact)| {
            let mut risks: Vec<Risk> = assess(change, observed, catalog).into_iter().collect();
            risks.extend(impact.as_ref().and_then(breaking));
            risks
        })
        .collect()
}

/// The [`RiskClass::Breaking`] risk of a change with this impact, if it breaks anything.
fn breaking(impact: &Impact) -> Option<Risk> {
    let first = impact.breaks.first()?;
    let apps = impact
        .breaks
        .iter()
        .filter(|i| i.kind == ItemKind::App)
        .count();
    let flows = impact.breaks.len() - apps;
    let environments: BTreeSet<&str> = impact
        .breaks
        .iter()
        .map(|i| i.environment.id.as_str())
        .collect();
    Some(Risk::new(
        RiskClass::Breaking,
        format!(
            "breaks {} in {}, e.g. {} \"{}\" in \"{}\"",
            crate::render::apps_and_flows(apps, flows),
            crate::render::counted(environments.len(), "environment"),
            item_kind_name(first.kind),
            first.display_name,
            first.environment.display_name
        ),
    ))
}

/// `app` or `flow`.
pub fn item_kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::App => "app",
        ItemKind::Flow => "flow",
    }
}

/// The risk of `change` against `observed` (the tenant the change is applied to), `None` when
/// it is not risky. Every delete is a [`RiskClass::Destroy`].
pub fn assess(change: &Change, observed: &Observed, catalog: &Catalog) -> Option<Risk> {
    let live_id = change.id.as_deref();
    if change.action == Action::Delete {
        let reason = match change.kind {
            ResourceKind::EnvironmentGroup => {
                let members = observed
                    .environments
                    .values()
                    .filter(|e| e.group_id.is_some() && e.group_id.as_deref() == live_id)
                    .count();
                format!(
                    "deletes the group; its {members} environment(s) leave it and lose its rules"
                )
            }
            // `GroupMembership[{group id}]...` is a group this repository does not declare.
            ResourceKind::GroupMembership if !change.address.starts_with("GroupMembership.") => {
                let group = if let After::Membership {
                    group: Ref::Id(id), ..
                } = &change.after
                {
                    observed
                        .environment_groups
                        .get(id)
                        .map_or(id.as_str(), |g| g.display_name.as_str())
                } else {
                    "its group"
                };
                format!(
                    "moves the environment out of \"{group}\", which this repository does not manage"
                )
            }
            ResourceKind::GroupMembership => {
                "the environment leaves the group and its rules stop applying".to_owned()
            }
            ResourceKind::DlpPolicy => {
                "deleting a data policy lifts its restrictions from every environment it covers"
                    .to_owned()
            }
            ResourceKind::RoleAssignment => "revokes access".to_owned(),
            ResourceKind::Environment if change.attributes.is_empty() => {
                "deletes the environment and everything in it (apps, flows, data): ppgov created it and no document declares it any more".to_owned()
            }
            ResourceKind::Environment if crate::expiry::is_expiry_delete(change) => {
                crate::expiry::deletion_reason(change)
            }
            ResourceKind::Environment => {
                let why: Vec<String> = change
                    .attributes
                    .iter()
                    .map(|a| {
                        let show = |v: &Option<serde_json::Value>| {
                            v.as_ref().map_or_else(|| "none".to_owned(), |v| v.to_string())
                        };
                        format!("{} changes from {} to {}", a.path, show(&a.before), show(&a.after))
                    })
                    .collect();
                format!(
                    "replaces the environment: {}, which the platform cannot change in place; the old environment and everything in it (apps, flows, data) are deleted",
                    why.join(", ")
                )
            }
            ResourceKind::TenantSettings => "deletes a live object".to_owned(),
            ResourceKind::TenantIsolationPolicy => {
                crate::tenant_isolation::removal_risk(observed.tenant_isolation.as_ref())
            }
        };
        return Some(Risk::new(RiskClass::Destroy, reason));
    }
    match (&change.after, live_id) {
        (After::Environment(after), None) if after.managed => Some(Risk::new(
            RiskClass::ManagedEnvironment,
            "creates a Managed Environment: a licensing change (every user of the environment needs a premium license)",
        )),
        (After::Environment(after), Some(id)) => {
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
        (After::EnvironmentGroup(after), Some(id)) if change.action == Action::Update => {
            let before = observed.environment_groups.get(id)?;
            let loosened = rules_loosened(&normalize_rules(&before.rules, catalog), &after.rules);
            (!loosened.is_empty()).then(|| {
                Risk::new(
                    RiskClass::Loosening,
                    format!("loosens the group's rules: {}", loosened.join("; ")),
                )
            })
        }
        (After::DlpPolicy(after), Some(id)) if change.action == Action::Update => {
            let before = observed.dlp_policies.get(id)?;
            let risks = dlp_risks(before, after, catalog, &observed.environments);
            (!risks.is_empty()).then(|| Risk::new(RiskClass::Loosening, risks.join("; ")))
        }
        (After::TenantIsolationPolicy(after), _) => {
            crate::tenant_isolation::loosened(observed.tenant_isolation.as_ref(), after)
                .map(|reason| Risk::new(RiskClass::Loosening, reason))
        }
        // A create (no live object yet) loosens nothing; these kinds have no loosening rule.
        (After::Environment(_) | After::EnvironmentGroup(_) | After::DlpPolicy(_), _)
        | (
            After::Membership { .. }
            | After::RoleAssignment(_)
            | After::TenantSettings(_)
            | After::Nothing,
            _,
        ) => None,
    }
}
