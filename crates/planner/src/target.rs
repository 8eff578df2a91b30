//! `--target`: limit a plan to some resources and what they depend on.

use crate::plan::{Address, Plan, ResourceKind};
use ppgov_core::model::Desired;
use std::collections::BTreeSet;

/// A `--target` that names nothing declared, with the closest declared address, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    pub target: String,
    pub suggestion: Option<String>,
}

/// The address of every declared resource (memberships under their group's name), so a
/// target that names one is known even when it has nothing to change.
pub fn declared_addresses(desired: &Desired) -> BTreeSet<String> {
    ResourceKind::ALL
        .into_iter()
        .flat_map(|kind| {
            kind.rules()
                .declared_names(desired)
                .into_iter()
                .map(move |name| Address::named(kind, name).to_string())
        })
        .collect()
}

/// Whether `address` is `target` or inside it (`EnvironmentGroup.finance` matches
/// `EnvironmentGroup.finance` and `GroupMembership.finance[...]` does not; `DlpPolicy`
/// matches every DLP policy).
fn matches(address: &str, target: &str) -> bool {
    address == target
        || address
            .strip_prefix(target)
            .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
}

/// Keeps the changes matching any target, plus every change they transitively depend on.
/// Returns the targets that name neither a planned change nor a declared resource (a
/// declared resource that is in sync is a known target with nothing to do, not a typo).
pub fn restrict(
    plan: &mut Plan,
    targets: &[String],
    declared: &BTreeSet<String>,
) -> Vec<Unmatched> {
    let unmatched: Vec<Unmatched> = targets
        .iter()
        .filter(|t| {
            // A kind alone targets every resource of it.
            !ResourceKind::ALL
                .iter()
                .any(|k| crate::plan::kind_name(*k) == t.as_str())
                && !plan.changes.iter().any(|c| matches(&c.address, t))
                && !declared.iter().any(|d| matches(t, d) || matches(d, t))
        })
        .map(|t| Unmatched {
            target: t.clone(),
            suggestion: ppgov_core::suggest::closest(
                t,
                declared
                    .iter()
                    .filter(|d| !d.starts_with("GroupMembership.")),
            ),
        })
        .collect();
    let mut keep: BTreeSet<String> = plan
        .changes
        .iter()
        .filter(|c| targets.iter().any(|t| matches(&c.address, t)))
        .map(|c| c.address.clone())
        .collect();
    // Changes are in dependency order, so one backwards pass collects every dependency.
    for c in plan.changes.iter().rev() {
        if keep.contains(&c.address) {
            keep.extend(c.depends_on.iter().cloned());
        }
    }
    plan.changes.retain(|c| keep.contains(&c.address));
    plan.approvals.retain(|address, _| keep.contains(address));
    plan.notes.clear();
    unmatched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::*;

    fn change(address: &str, deps: &[&str]) -> Change {
        Change {
            address: address.into(),
            kind: ResourceKind::DlpPolicy,
            action: Action::Create,
            id: None,
            display_name: String::new(),
            attributes: Vec::new(),
            risk: None,
            impact: None,
            after: After::Nothing,
            depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    #[test]
    fn keeps_targets_and_their_dependencies() {
        let mut plan = Plan {
            format_version: FORMAT_VERSION,
            changes: vec![
                change("EnvironmentGroup.finance", &[]),
                change("EnvironmentGroup.financial", &[]),
                change(
                    "GroupMembership.finance[\"Prod\"]",
                    &["EnvironmentGroup.finance"],
                ),
                change("DlpPolicy.prod", &["GroupMembership.finance[\"Prod\"]"]),
                change("DlpPolicy.other", &[]),
            ],
            notes: Vec::new(),
            errors: Vec::new(),
            fingerprints: Default::default(),
            approvals: Default::default(),
            seal: None,
        };
        let declared: BTreeSet<String> = ["DlpPolicy.prod", "DlpPolicy.other", "DlpPolicy.in-sync"]
            .map(String::from)
            .into();
        let unmatched = restrict(
            &mut plan,
            &[
                "DlpPolicy.prod".into(),
                "DlpPolicy.in-sync".into(),
                "DlpPolicy.insync".into(),
                "Nope.x".into(),
            ],
            &declared,
        );
        assert_eq!(
            unmatched,
            vec![
                Unmatched {
                    target: "DlpPolicy.insync".into(),
                    suggestion: Some("DlpPolicy.in-sync".into())
                },
                Unmatched {
                    target: "Nope.x".into(),
                    suggestion: None
                }
            ]
        );
        let kept: Vec<&str> = plan.changes.iter().map(|c| c.address.as_str()).collect();
        assert_eq!(
            kept,
            [
                "EnvironmentGroup.finance",
                "GroupMembership.finance[\"Prod\"]",
                "DlpPolicy.prod"
            ]
        );
    }

    #[test]
    fn a_kind_selects_every_resource_of_it() {
        assert!(matches("DlpPolicy.prod", "DlpPolicy"));
        assert!(matches("DlpPolicy[abc]", "DlpPolicy"));
        assert!(!matches("DlpPolicyX.prod", "DlpPolicy"));
        assert!(!matches(
            "EnvironmentGroup.financial",
            "EnvironmentGroup.finance"
        ));
    }
}
