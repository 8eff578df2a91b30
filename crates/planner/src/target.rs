//! `--target`: limit a plan to some resources and what they depend on.

use crate::plan::Plan;
use std::collections::BTreeSet;

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
/// Returns the targets that matched nothing, so the caller can say so.
pub fn restrict(plan: &mut Plan, targets: &[String]) -> Vec<String> {
    let unmatched: Vec<String> = targets
        .iter()
        .filter(|t| !plan.changes.iter().any(|c| matches(&c.address, t)))
        .cloned()
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
            seal: None,
        };
        let unmatched = restrict(&mut plan, &["DlpPolicy.prod".into(), "Nope.x".into()]);
        assert_eq!(unmatched, vec!["Nope.x".to_owned()]);
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
