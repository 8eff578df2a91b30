//! Environment groups: the group with its rules (read from its classic rule set and its
//! rule-based policy, `group_rule_sets` and `group_rule_policies`).

use super::{rules_from_policy, rules_from_rule_set};
use ppgov_core::observed::ObservedGroup;
use ppgov_tenant_api::groups as wg;
use ppgov_tenant_api::rules as wr;

/// A group with its classic rule set and its rule-based policy (either may be absent).
pub fn group(
    g: &wg::EnvironmentGroup,
    rule_set: Option<&wr::RuleSet>,
    policy: Option<&wr::RuleBasedPolicy>,
) -> ObservedGroup {
    let mut o = ObservedGroup {
        id: g.id.clone().unwrap_or_default().to_lowercase(),
        display_name: g.display_name.clone(),
        description: g.description.clone(),
        rule_set_id: rule_set.and_then(|r| r.id.clone()),
        rule_based_policy_id: policy.and_then(|p| p.id.clone()),
        ..Default::default()
    };
    if let Some(rs) = rule_set {
        rules_from_rule_set(rs, &mut o.rules, &mut o.unmodelled_rules);
    }
    if let Some(pol) = policy {
        rules_from_policy(pol, &mut o.rules, &mut o.unmodelled_policy_rules);
    }
    o
}

/// The writable fields of a group (create and PUT).
pub fn group_to_wire(o: &ObservedGroup) -> wg::EnvironmentGroup {
    wg::EnvironmentGroup {
        id: Some(o.id.clone()).filter(|id| !id.is_empty()),
        display_name: o.display_name.clone(),
        description: o.description.clone(),
        ..Default::default()
    }
}
