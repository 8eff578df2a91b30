//! Why a change deserves a second look, computed from its before-value (the observed object)
//! and its after-value. The planner fills `Change::risk` with [`assess`], and `apply` calls
//! the same function again on a saved plan, so a risk field removed from a plan file cannot
//! skip a gate.

use crate::diff::{dlp_risks, normalize_rules, rules_loosened};
use crate::plan::{Action, After, Change, Ref, ResourceKind};
use ppgov_core::catalog::Catalog;
use ppgov_core::observed::Observed;

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
