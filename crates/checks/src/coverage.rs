//! How many DLP policies apply to each environment of a view, counted once when the view is
//! built, so that checks over every environment do not ask every policy about every
//! environment (10,000 environments × 500 policies is five million scope lookups).

use crate::view::{EnvironmentView, PolicyView};
use ppgov_core::model::ScopeMode;
use std::collections::HashMap;

/// Sets each environment's `covering_policies`: what [`PolicyView::covers`] would answer for
/// every policy, counted. A policy scoped to all environments covers each; one scoped to all
/// but those listed covers each it does not list; one scoped to those listed (or an
/// environment-level policy) covers each it lists. Environment keys are unique in a view.
pub(crate) fn count_covering(environments: &mut [EnvironmentView], policies: &[PolicyView]) {
    let tenant_wide = policies.iter().filter(|p| p.is_tenant_wide()).count();
    let mut counts = vec![tenant_wide; environments.len()];
    let position: HashMap<&str, usize> = environments
        .iter()
        .enumerate()
        .map(|(i, env)| (env.key.as_str(), i))
        .collect();
    for policy in policies {
        for key in &policy.environments {
            let Some(&i) = position.get(key.as_str()) else {
                continue; // lists an environment the view does not have
            };
            match policy.scope_mode {
                Some(ScopeMode::All) => {}
                Some(ScopeMode::AllExcept) => counts[i] -= 1,
                Some(ScopeMode::Only) | None => counts[i] += 1,
            }
        }
    }
    for (env, count) in environments.iter_mut().zip(counts) {
        env.covering_policies = count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::Origin;
    use ppgov_core::Kind;
    use ppgov_core::model::ConnectorGroup;

    fn environment(key: &str) -> EnvironmentView {
        EnvironmentView {
            key: key.into(),
            display_name: key.into(),
            environment_type: None,
            managed: None,
            group: None,
            is_default: false,
            origin: Origin::Live {
                kind: Kind::Environment,
                id: key.into(),
            },
            covering_policies: usize::MAX,
        }
    }

    fn policy(scope_mode: Option<ScopeMode>, listed: &[&str]) -> PolicyView {
        PolicyView {
            key: format!("{scope_mode:?} {listed:?}"),
            display_name: String::new(),
            scope_mode,
            environments: listed.iter().map(|k| k.to_string()).collect(),
            default_group: ConnectorGroup::Blocked,
            classification: Default::default(),
            endpoint_rules: Default::default(),
            custom_connector_patterns: Vec::new(),
            origin: Origin::Live {
                kind: Kind::DlpPolicy,
                id: String::new(),
            },
        }
    }

    /// Every scope mode, environments listed by none, one or several policies, and a listed
    /// key the view does not have: the counts are what asking each policy gives.
    #[test]
    fn counts_what_each_policy_answers() {
        let mut environments: Vec<EnvironmentView> =
            ["a", "b", "c", "d"].into_iter().map(environment).collect();
        let policy_sets = [
            vec![],
            vec![policy(Some(ScopeMode::Only), &["a", "b", "gone"])],
            vec![policy(None, &["c"]), policy(Some(ScopeMode::Only), &["c"])],
            vec![policy(Some(ScopeMode::AllExcept), &["a", "gone"])],
            vec![
                policy(Some(ScopeMode::AllExcept), &["a", "b"]),
                policy(Some(ScopeMode::AllExcept), &["a"]),
                policy(Some(ScopeMode::Only), &["a", "d"]),
            ],
            vec![
                policy(Some(ScopeMode::All), &["b"]),
                policy(Some(ScopeMode::AllExcept), &["a", "b", "c", "d"]),
            ],
        ];
        for policies in &policy_sets {
            count_covering(&mut environments, policies);
            for env in &environments {
                let asked = policies.iter().filter(|p| p.covers(&env.key)).count();
                assert_eq!(
                    env.covering_policies,
                    asked,
                    "{} under {:?}",
                    env.key,
                    policies.iter().map(|p| &p.key).collect::<Vec<_>>()
                );
            }
        }
    }
}
