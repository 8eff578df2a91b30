//! The DLP changes of a plan, both versions of each policy, and what differs where.

use crate::classification;
use crate::plan::{Action, After, Change, Plan, ResourceKind};
use ppgov_core::catalog::Catalog;
use ppgov_core::dlp_eval::{self, CompiledPolicy};
use ppgov_core::inventory::{ConnectorKey, ConnectorUsage, connector_key};
use ppgov_core::model::ScopeMode;
use ppgov_core::observed::{Observed, ObservedDlpPolicy};
use std::collections::{BTreeMap, BTreeSet};

/// The two versions of the one policy a DLP change touches.
pub(super) struct PolicyChange<'a> {
    /// Index into the plan's changes.
    pub(super) change: usize,
    pub(super) before: Option<&'a ObservedDlpPolicy>,
    pub(super) after: Option<&'a ObservedDlpPolicy>,
}

impl<'a> PolicyChange<'a> {
    /// The live policy's id; `None` for a create.
    pub(super) fn live_id(&self) -> Option<&'a str> {
        self.before.map(|p| p.id.as_str())
    }

    pub(super) fn name(&self) -> &'a str {
        self.after
            .or(self.before)
            .map_or("", |p| p.display_name.as_str())
    }
}

/// Every DLP change of a plan, with both versions of its policy.
pub(super) struct PolicySides<'a> {
    pub(super) changes: Vec<PolicyChange<'a>>,
}

impl PolicyChange<'_> {
    /// What the change touches where it applies on both sides.
    pub(super) fn touched(&self) -> Touched {
        match (self.before, self.after) {
            (Some(before), Some(after)) => Touched::between(before, after),
            _ => Touched::All,
        }
    }
}

/// One changed policy whose effect on one environment differs.
pub(super) struct Differing {
    /// Index into [`PolicySides::changes`].
    pub(super) side: usize,
    /// The policy applies on one side only.
    pub(super) coverage_changed: bool,
}

/// The connectors whose treatment two versions of a policy differ in: an item that uses none
/// of them fares the same under both.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Touched {
    /// The default group or the URL patterns changed: any connector may be treated otherwise.
    All,
    Some(BTreeSet<ConnectorKey>),
}

impl Touched {
    pub(super) fn between(before: &ObservedDlpPolicy, after: &ObservedDlpPolicy) -> Touched {
        if before.default_group != after.default_group
            || before.custom_connector_patterns != after.custom_connector_patterns
        {
            return Touched::All;
        }
        let mut touched = BTreeSet::new();
        // Keys compared as connector keys: ids that differ in case alone land on one key, and
        // a difference between them counts as touched, which only costs an evaluation.
        fn differing<V: PartialEq>(
            before: &BTreeMap<String, V>,
            after: &BTreeMap<String, V>,
            touched: &mut BTreeSet<ConnectorKey>,
        ) {
            fn by_key<V>(map: &BTreeMap<String, V>) -> BTreeMap<ConnectorKey, Vec<&V>> {
                let mut out: BTreeMap<ConnectorKey, Vec<&V>> = BTreeMap::new();
                for (id, value) in map {
                    out.entry(connector_key(id)).or_default().push(value);
                }
                out
            }
            let (before, after) = (by_key(before), by_key(after));
            for key in before.keys().chain(after.keys()) {
                if before.get(key) != after.get(key) {
                    touched.insert(key.clone());
                }
            }
        }
        differing(&before.classification, &after.classification, &mut touched);
        differing(&before.action_rules, &after.action_rules, &mut touched);
        differing(&before.endpoint_rules, &after.endpoint_rules, &mut touched);
        Touched::Some(touched)
    }

    pub(super) fn used_by(&self, usage: &ConnectorUsage) -> bool {
        match self {
            Touched::All => true,
            Touched::Some(keys) => usage.keys().any(|k| keys.contains(k)),
        }
    }
}

impl<'a> PolicySides<'a> {
    pub(super) fn of(plan: &'a Plan, observed: &'a Observed) -> PolicySides<'a> {
        let changes = plan
            .changes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == ResourceKind::DlpPolicy)
            .map(|(index, c): (usize, &'a Change)| {
                let before = c.id.as_deref().and_then(|id| observed.dlp_policies.get(id));
                // A delete has no after-value; a create or update carries the whole policy.
                let after = if let After::DlpPolicy(p) = &c.after
                    && c.action != Action::Delete
                {
                    Some(&**p)
                } else {
                    None
                };
                PolicyChange {
                    change: index,
                    before,
                    after,
                }
            })
            .collect();
        PolicySides { changes }
    }

    /// For each environment whose effective DLP differs, the changed policies that make it
    /// differ.
    pub(super) fn differences(
        &self,
        observed: &'a Observed,
        catalog: &Catalog,
    ) -> BTreeMap<&'a str, Vec<Differing>> {
        let mut out: BTreeMap<&'a str, Vec<Differing>> = BTreeMap::new();
        for (side, change) in self.changes.iter().enumerate() {
            let before = change
                .before
                .map(|p| covered(p, observed))
                .unwrap_or_default();
            let after = change
                .after
                .map(|p| covered(p, observed))
                .unwrap_or_default();
            let same_rules = match (change.before, change.after) {
                (Some(b), Some(a)) => same_rules(b, a, catalog),
                _ => false,
            };
            for env in before.union(&after) {
                let coverage_changed = before.contains(env) != after.contains(env);
                if same_rules && !coverage_changed {
                    continue;
                }
                out.entry(env).or_default().push(Differing {
                    side,
                    coverage_changed,
                });
            }
        }
        out
    }
}

/// The environments `policy` applies to: of the tenant's environments for tenant-wide
/// policies, the listed ones otherwise.
pub(super) fn covered<'a>(
    policy: &'a ObservedDlpPolicy,
    observed: &'a Observed,
) -> BTreeSet<&'a str> {
    match policy.scope_mode {
        Some(ScopeMode::All) => observed.environments.keys().map(String::as_str).collect(),
        Some(ScopeMode::AllExcept) => observed
            .environments
            .keys()
            .filter(|id| !policy.environment_ids.contains(*id))
            .map(String::as_str)
            .collect(),
        Some(ScopeMode::Only) | None => policy.environment_ids.iter().map(String::as_str).collect(),
    }
}

/// Whether two versions of a policy judge every item alike (names and scope aside):
/// classification by meaning, action rules, endpoint rules and URL patterns.
pub(super) fn same_rules(
    before: &ObservedDlpPolicy,
    after: &ObservedDlpPolicy,
    catalog: &Catalog,
) -> bool {
    if before.default_group != after.default_group
        || before.action_rules != after.action_rules
        || before.endpoint_rules != after.endpoint_rules
        || before.custom_connector_patterns != after.custom_connector_patterns
    {
        return false;
    }
    // With the same default group, unlisted connectors land alike on both sides: only the
    // listed ones can differ.
    let group = |id: &str, p: &ObservedDlpPolicy| {
        classification::effective_group(id, p.default_group, &p.classification, catalog)
    };
    before
        .classification
        .keys()
        .chain(after.classification.keys())
        .all(|id| group(id, before) == group(id, after))
}

/// Membership changes by the environment they move.
pub(super) fn membership_changes(plan: &Plan) -> BTreeMap<&str, Vec<usize>> {
    let mut out: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, change) in plan.changes.iter().enumerate() {
        if let After::GroupMembership(membership) = &change.after {
            out.entry(membership.environment_id.as_str())
                .or_default()
                .push(index);
        }
    }
    out
}

/// A compiled policy's place in [`CompiledSides::policies`].
pub(super) type Slot = u32;

/// Every observed policy compiled once, and both versions of each changed one.
pub(super) struct CompiledSides<'a> {
    pub(super) policies: Vec<CompiledPolicy<'a>>,
    /// Observed policies by id.
    pub(super) before: BTreeMap<&'a str, Slot>,
    /// By [`PolicySides::changes`] index; `None` where the policy is deleted.
    pub(super) after: Vec<Option<Slot>>,
}

impl<'a> CompiledSides<'a> {
    pub(super) fn new(observed: &'a Observed, sides: &PolicySides<'a>) -> CompiledSides<'a> {
        let mut policies = Vec::new();
        let mut slot = |p: &'a ObservedDlpPolicy| {
            policies.push(CompiledPolicy::new(p));
            (policies.len() - 1) as Slot
        };
        let before = observed
            .dlp_policies
            .iter()
            .map(|(id, p)| (id.as_str(), slot(p)))
            .collect();
        let after = sides
            .changes
            .iter()
            .map(|c| c.after.map(&mut slot))
            .collect();
        CompiledSides {
            policies,
            before,
            after,
        }
    }
}

/// Which observed policies apply to an environment, without a scan of every policy per
/// environment.
pub(super) struct Covering<'a> {
    pub(super) tenant_wide: Vec<&'a ObservedDlpPolicy>,
    pub(super) listed: BTreeMap<&'a str, Vec<&'a str>>,
}

impl<'a> Covering<'a> {
    pub(super) fn index(observed: &'a Observed) -> Covering<'a> {
        let mut tenant_wide = Vec::new();
        let mut listed: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
        for p in observed.dlp_policies.values() {
            match p.scope_mode {
                Some(ScopeMode::All | ScopeMode::AllExcept) => tenant_wide.push(p),
                Some(ScopeMode::Only) | None => {
                    for env in &p.environment_ids {
                        listed.entry(env.as_str()).or_default().push(p.id.as_str());
                    }
                }
            }
        }
        Covering {
            tenant_wide,
            listed,
        }
    }

    /// The ids of the observed policies that apply to `env_id` today.
    pub(super) fn policies<'s>(&'s self, env_id: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.tenant_wide
            .iter()
            .filter(move |p| dlp_eval::coverage(p, env_id).is_some())
            .map(|p| p.id.as_str())
            .chain(self.listed.get(env_id).into_iter().flatten().copied())
    }
}
