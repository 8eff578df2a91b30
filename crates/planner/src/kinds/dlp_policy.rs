//! `DlpPolicy` documents: tenant-level data policies created, updated (connector groups
//! compared by meaning, loosening named as a risk) and, under exclusive ownership, deleted.
//! Matching a document to a live policy is `Resolver::dlp_policy`'s.

use super::environment_group::Groups;
use super::group_membership::Memberships;
use super::{as_held, attr, json_diff, to_json};
use crate::builder::{PlanBuilder, Planned};
use crate::classification;
use crate::kind_rules::value_and_fingerprint;
use crate::plan::*;
use crate::plan_step::{Foundation, PlanStep};
use crate::resolve::DlpMatch;
use crate::risk::{Risk, RiskClass};
use crate::simulate::Simulation;
use ppgov_core::catalog::{self, Catalog};
use ppgov_core::model::*;
use ppgov_core::observed::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The after-value of a data policy change ([`After::DlpPolicy`]).
pub type AfterValue = Box<ObservedDlpPolicy>;

/// Plans the declared data policies; a policy scoped to a group covers the group's planned
/// members and runs after their membership changes.
pub(crate) fn plan(b: &mut PlanBuilder<'_>, groups: &Groups, memberships: &Memberships) {
    let mut matched = BTreeSet::new();
    for (name, policy) in &b.desired.dlp_policies {
        let resource = Address::named(ResourceKind::DlpPolicy, name.as_str()).to_string();
        let live_id: Option<String> = match b.resolver.dlp_policy(name, policy) {
            DlpMatch::New => None,
            DlpMatch::Live(id) => Some(id),
            DlpMatch::Refused {
                pointer,
                message,
                claimed,
            } => {
                b.error(resource, pointer, message);
                matched.extend(claimed);
                continue;
            }
        };
        // Scope: listed environments plus the (planned) members of listed groups.
        let mut env_ids = BTreeSet::new();
        for target in &policy.scope.environments {
            if let Some(env) = b.resolve_env(target, &resource, "/spec/scope/environments") {
                env_ids.insert(env.id.clone());
            }
        }
        let mut depends_on = Vec::new();
        for group in &policy.scope.environment_groups {
            env_ids.extend(groups.members.get(group).cloned().unwrap_or_default());
            depends_on.extend(memberships.of(group));
        }
        let after = ObservedDlpPolicy {
            id: live_id.clone().unwrap_or_default(),
            display_name: policy.display_name.clone(),
            scope_mode: Some(policy.scope.mode),
            environment_ids: env_ids,
            default_group: policy.default_group,
            classification: policy.classification.clone(),
            action_rules: policy.action_rules.clone(),
            endpoint_rules: policy.endpoint_rules.clone(),
            custom_connector_patterns: policy.custom_connector_patterns.clone(),
            etag: None,
            last_modified: None,
        };
        let planned = Planned {
            address: resource,
            kind: ResourceKind::DlpPolicy,
            id: None,
            display_name: policy.display_name.clone(),
            attributes: Vec::new(),
            after: After::Nothing,
            depends_on,
        };
        match live_id {
            None => create(b, planned, after),
            Some(id) => {
                matched.insert(id.clone());
                update(b, planned, after, id);
            }
        }
    }
    undeclared(b, &matched);
}

fn create(b: &mut PlanBuilder<'_>, planned: Planned, after: ObservedDlpPolicy) {
    let attributes = create_attributes(&after, b.catalog, &b.observed.environments);
    b.create(Planned {
        attributes,
        after: After::DlpPolicy(Box::new(after)),
        ..planned
    });
}

fn update(b: &mut PlanBuilder<'_>, planned: Planned, mut after: ObservedDlpPolicy, id: String) {
    let live = &b.observed.dlp_policies[&id];
    b.fingerprint(ResourceKind::DlpPolicy, &id, live);
    after.etag = live.etag.clone();
    after.last_modified = live.last_modified.clone();
    let (attributes, _) = update_attributes(live, &after, b.catalog, &b.observed.environments);
    if !attributes.is_empty() {
        b.update(Planned {
            id: Some(id),
            attributes,
            after: After::DlpPolicy(Box::new(after)),
            ..planned
        });
    }
}

/// Live policies no document matches: tenant-level ones deleted under exclusive ownership,
/// the others noted.
fn undeclared(b: &mut PlanBuilder<'_>, matched: &BTreeSet<String>) {
    let exclusive = b.desired.project.ownership.dlp_policy == OwnershipMode::Exclusive;
    if exclusive {
        b.exclusive(ResourceKind::DlpPolicy);
    }
    for (id, live) in &b.observed.dlp_policies {
        if matched.contains(id) {
            continue;
        }
        if exclusive && live.scope_mode.is_some() {
            b.fingerprint(ResourceKind::DlpPolicy, id, live);
            // What the policy held, so a reviewer sees what is lifted.
            let attributes = as_held(create_attributes(live, b.catalog, &b.observed.environments));
            b.delete_undeclared(ResourceKind::DlpPolicy, id, &live.display_name, attributes);
        } else {
            let why = if live.scope_mode.is_none() {
                "an environment-level policy, which tenant-level governance leaves alone"
            } else {
                "not declared here; ownership is shared, so it is left alone"
            };
            b.note(ResourceKind::DlpPolicy, id, &live.display_name, why);
        }
    }
}

/// The reasons an update of DLP policy `live` to `after` loosens it (empty when it does not).
pub(crate) fn dlp_risks(
    live: &ObservedDlpPolicy,
    after: &ObservedDlpPolicy,
    catalog: &Catalog,
    environments: &BTreeMap<String, ObservedEnvironment>,
) -> Vec<String> {
    update_attributes(live, after, catalog, environments).1
}

/// Environments by display name, which is what a reviewer recognises.
fn env_names(
    ids: &BTreeSet<String>,
    environments: &BTreeMap<String, ObservedEnvironment>,
) -> Vec<String> {
    let mut v: Vec<String> = ids
        .iter()
        .map(|id| {
            environments
                .get(id)
                .map_or_else(|| id.clone(), |e| e.display_name.clone())
        })
        .collect();
    v.sort();
    v
}

/// Rules keyed by the connector names users write, not `/providers/...` ids.
fn by_short(m: Value, catalog: &Catalog) -> Value {
    match m {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (short(&k, catalog), v))
                .collect(),
        ),
        other => other,
    }
}

/// What a new policy holds, attribute by attribute (empty maps and lists left out).
fn create_attributes(
    after: &ObservedDlpPolicy,
    catalog: &Catalog,
    environments: &BTreeMap<String, ObservedEnvironment>,
) -> Vec<AttributeChange> {
    let mut out = vec![
        attr("displayName", None, Some(json!(after.display_name))),
        attr("scope.mode", None, Some(to_json(&after.scope_mode))),
    ];
    if !after.environment_ids.is_empty() {
        out.push(attr(
            "scope.environments",
            None,
            Some(json!(env_names(&after.environment_ids, environments))),
        ));
    }
    out.push(attr(
        "connectors.default",
        None,
        Some(to_json(&after.default_group)),
    ));
    for (id, group) in &after.classification {
        out.push(attr(
            format!("connectors.{}", short(id, catalog)),
            None,
            Some(to_json(group)),
        ));
    }
    json_diff(
        "actionRules",
        None,
        Some(&by_short(to_json(&after.action_rules), catalog)),
        &mut out,
    );
    json_diff(
        "endpointRules",
        None,
        Some(&by_short(to_json(&after.endpoint_rules), catalog)),
        &mut out,
    );
    out.push(attr(
        "customConnectorPatterns",
        None,
        Some(to_json(&after.custom_connector_patterns)),
    ));
    out.retain(|c| {
        !c.after
            .as_ref()
            .is_some_and(|v| v == &json!({}) || v == &json!([]))
    });
    out
}

/// The attribute changes of an update of DLP policy `live` to `after`, and the reasons it
/// loosens, if it does.
fn update_attributes(
    live: &ObservedDlpPolicy,
    after: &ObservedDlpPolicy,
    catalog: &Catalog,
    environments: &BTreeMap<String, ObservedEnvironment>,
) -> (Vec<AttributeChange>, Vec<String>) {
    let names = |ids: &BTreeSet<String>| env_names(ids, environments);
    let mut out = Vec::new();
    let mut risks = Vec::new();
    if live.display_name != after.display_name {
        out.push(attr(
            "displayName",
            Some(json!(live.display_name)),
            Some(json!(after.display_name)),
        ));
    }
    if live.scope_mode != after.scope_mode {
        out.push(attr(
            "scope.mode",
            Some(to_json(&live.scope_mode)),
            Some(to_json(&after.scope_mode)),
        ));
        if after.scope_mode == Some(ScopeMode::Only) && live.scope_mode != Some(ScopeMode::Only) {
            risks.push("environments created later are no longer covered".to_owned());
        }
    }
    if live.environment_ids != after.environment_ids {
        out.push(attr(
            "scope.environments",
            Some(json!(names(&live.environment_ids))),
            Some(json!(names(&after.environment_ids))),
        ));
    }
    // Every environment the policy covers today and would not cover after the change.
    let covered = |p: &ObservedDlpPolicy, id: &String| match p.scope_mode {
        Some(ScopeMode::All) => true,
        Some(ScopeMode::AllExcept) => !p.environment_ids.contains(id),
        Some(ScopeMode::Only) | None => p.environment_ids.contains(id),
    };
    // With the mode unchanged the answer is a set difference; only a changed mode needs
    // the whole tenant (this runs per policy, and tenants have thousands of environments).
    let lost: BTreeSet<String> = match (live.scope_mode, after.scope_mode) {
        (a, b) if a == b && live.environment_ids == after.environment_ids => BTreeSet::new(),
        (Some(ScopeMode::All), Some(ScopeMode::All)) => BTreeSet::new(),
        (Some(ScopeMode::Only), Some(ScopeMode::Only)) => live
            .environment_ids
            .difference(&after.environment_ids)
            .cloned()
            .collect(),
        (Some(ScopeMode::AllExcept), Some(ScopeMode::AllExcept)) => after
            .environment_ids
            .difference(&live.environment_ids)
            .cloned()
            .collect(),
        _ => environments
            .keys()
            .chain(&live.environment_ids)
            .chain(&after.environment_ids)
            .filter(|id| covered(live, id) && !covered(after, id))
            .cloned()
            .collect(),
    };
    if !lost.is_empty() {
        risks.push(format!(
            "the policy's scope shrinks: it stops covering {}",
            first_five(&names(&lost))
        ));
    }
    if live.default_group != after.default_group {
        out.push(attr(
            "connectors.default",
            Some(to_json(&live.default_group)),
            Some(to_json(&after.default_group)),
        ));
    }
    let reclassified = classification::diff(
        live.default_group,
        &live.classification,
        after.default_group,
        &after.classification,
        catalog,
    );
    let loosened: Vec<String> = reclassified
        .iter()
        .filter(|r| r.loosens())
        .map(|r| short(&r.connector, catalog))
        .collect();
    // A changed default reclassifies hundreds of connectors: the default line says it,
    // and only the connectors listed as exceptions are shown one by one.
    let default_changed = live.default_group != after.default_group;
    for r in &reclassified {
        if !default_changed || after.classification.contains_key(&r.connector) {
            out.push(attr(
                format!("connectors.{}", short(&r.connector, catalog)),
                Some(to_json(&r.before)),
                Some(to_json(&r.after)),
            ));
        }
    }
    if !loosened.is_empty() {
        risks.push(format!(
            "loosens the classification of {}",
            first_five(&loosened)
        ));
    }
    json_diff(
        "actionRules",
        Some(&by_short(to_json(&live.action_rules), catalog)),
        Some(&by_short(to_json(&after.action_rules), catalog)),
        &mut out,
    );
    json_diff(
        "endpointRules",
        Some(&by_short(to_json(&live.endpoint_rules), catalog)),
        Some(&by_short(to_json(&after.endpoint_rules), catalog)),
        &mut out,
    );
    let unblocked: Vec<String> = live
        .action_rules
        .keys()
        .chain(after.action_rules.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|c| actions_loosen(live.action_rules.get(*c), after.action_rules.get(*c)))
        .map(|c| short(c, catalog))
        .collect();
    if !unblocked.is_empty() {
        risks.push(format!(
            "allows connector actions it blocked ({})",
            unblocked.join(", ")
        ));
    }
    let opened: Vec<String> = live
        .endpoint_rules
        .keys()
        .chain(after.endpoint_rules.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|c| {
            endpoints_may_loosen(
                live.endpoint_rules.get(*c).map_or(&[][..], Vec::as_slice),
                after.endpoint_rules.get(*c).map_or(&[][..], Vec::as_slice),
            )
        })
        .map(|c| short(c, catalog))
        .collect();
    if !opened.is_empty() {
        risks.push(format!(
            "endpoint filtering may allow more ({})",
            opened.join(", ")
        ));
    }
    if patterns_meaning(&live.custom_connector_patterns)
        != patterns_meaning(&after.custom_connector_patterns)
    {
        out.push(attr(
            "customConnectorPatterns",
            Some(to_json(&live.custom_connector_patterns)),
            Some(to_json(&after.custom_connector_patterns)),
        ));
    }
    (out, risks)
}

/// The first five of `items`, and how many more there are.
fn first_five(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    let more = if items.len() > 5 {
        format!(" and {} more", items.len() - 5)
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// Whether some action a connector's rules blocked becomes allowed. No rules allow everything.
fn actions_loosen(before: Option<&ActionRules>, after: Option<&ActionRules>) -> bool {
    let behavior = |rules: Option<&ActionRules>, action: Option<&String>| match rules {
        None => AllowBlock::Allow,
        Some(r) => action
            .and_then(|a| r.actions.get(a))
            .copied()
            .unwrap_or(r.default_behavior),
    };
    let actions: BTreeSet<Option<&String>> = before
        .into_iter()
        .chain(after)
        .flat_map(|r| r.actions.keys().map(Some))
        .chain([None])
        .collect();
    actions.into_iter().any(|a| {
        behavior(before, a) == AllowBlock::Block && behavior(after, a) == AllowBlock::Allow
    })
}

/// Whether endpoint rules may let through an endpoint they stopped before: rules removed, an
/// allow rule added, a deny rule dropped, or the same rules reordered (the first match
/// decides, so a reordering can change the outcome). Conservative on purpose.
fn endpoints_may_loosen(before: &[EndpointRule], after: &[EndpointRule]) -> bool {
    if before == after || before.is_empty() {
        return false;
    }
    if after.is_empty() {
        return true;
    }
    let allow_added = after
        .iter()
        .any(|r| r.behavior == AllowDeny::Allow && !before.contains(r));
    let deny_dropped = before
        .iter()
        .any(|r| r.behavior == AllowDeny::Deny && !after.contains(r));
    let same_rules = before.len() == after.len() && before.iter().all(|r| after.contains(r));
    allow_added || deny_dropped || same_rules
}

fn short(id: &str, catalog: &Catalog) -> String {
    catalog.get(id).map_or_else(
        || id.rsplit('/').next().unwrap_or(id).to_owned(),
        |c| catalog::short_name(c).to_owned(),
    )
}

/// Custom connector patterns by meaning: the platform's default for a policy, a single `*`
/// rule with `ignore`, means the same as no patterns at all.
fn patterns_meaning(patterns: &[UrlPattern]) -> &[UrlPattern] {
    match patterns {
        [only] if only.pattern == "*" && only.group == PatternGroup::Ignore => &[],
        other => other,
    }
}

/// What data policy changes decide wherever kinds differ ([`KindRules`]).
pub struct Rules;

impl PlanStep for Rules {
    fn plan(b: &mut PlanBuilder<'_>, foundation: &Foundation<'_>) {
        plan(b, foundation.groups, foundation.memberships);
    }
}

impl KindRules for Rules {
    fn phase(&self, action: Action) -> u8 {
        match action {
            Action::Create | Action::Update => 4,
            Action::Delete => 8,
        }
    }

    fn declared_by(&self) -> ResourceKind {
        ResourceKind::DlpPolicy
    }

    fn annotations<'a>(
        &self,
        desired: &'a Desired,
        name: &str,
    ) -> Option<&'a BTreeMap<String, String>> {
        desired.dlp_policies.get(name).map(|p| &p.meta.annotations)
    }

    fn approvals(
        &self,
        change: &Change,
        name: Option<&str>,
        desired: &Desired,
        observed: &Observed,
        catalog: &Catalog,
    ) -> Vec<(String, String)> {
        crate::approvals::dlp_policy(change, name, desired, observed, catalog)
    }

    fn deletion_risk(&self, _: &Change, _: &Observed) -> String {
        "deleting a data policy lifts its restrictions from every environment it covers".to_owned()
    }

    fn change_risk(&self, change: &Change, observed: &Observed, catalog: &Catalog) -> Option<Risk> {
        let (After::DlpPolicy(after), Some(id)) = (&change.after, change.id.as_deref()) else {
            return None;
        };
        if change.action != Action::Update {
            return None;
        }
        let before = observed.dlp_policies.get(id)?;
        let risks = dlp_risks(before, after, catalog, &observed.environments);
        (!risks.is_empty()).then(|| Risk::new(RiskClass::Loosening, risks.join("; ")))
    }

    fn simulate(&self, change: &Change, sim: &mut Simulation) {
        let After::DlpPolicy(policy) = &change.after else {
            let id = change.id.clone().unwrap_or_default();
            sim.state.dlp_policies.remove(&id);
            return;
        };
        let mut policy = (**policy).clone();
        if change.action == Action::Create {
            policy.id = sim.new_id(change);
        }
        policy.environment_ids = policy
            .environment_ids
            .iter()
            .map(|e| sim.environment_id(e))
            .collect();
        sim.state.dlp_policies.insert(policy.id.clone(), policy);
    }

    fn exclusively_governed(&self, observed: &Observed) -> BTreeMap<String, String> {
        // Tenant-level policies only.
        observed
            .dlp_policies
            .iter()
            .filter(|(_, p)| p.scope_mode.is_some())
            .map(|(id, p)| (id.clone(), p.display_name.clone()))
            .collect()
    }

    fn observed_fingerprint(&self, observed: &Observed, id: &str) -> Option<String> {
        observed.dlp_policies.get(id).map(fingerprint)
    }

    fn observed_value(&self, observed: &Observed, id: &str) -> Option<(Value, String)> {
        value_and_fingerprint(observed.dlp_policies.get(id)?)
    }

    fn live_name(&self, observed: &Observed, id: &str) -> Option<String> {
        observed
            .dlp_policies
            .get(id)
            .map(|p| p.display_name.clone())
    }

    fn created_environments_in<'a>(&self, after: &'a After) -> Vec<&'a str> {
        let After::DlpPolicy(p) = after else {
            return Vec::new();
        };
        p.environment_ids
            .iter()
            .filter_map(|id| created_environment_of(id))
            .collect()
    }

    fn declared_names(&self, desired: &Desired) -> Vec<String> {
        desired.dlp_policies.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(default: AllowBlock, actions: &[(&str, AllowBlock)]) -> ActionRules {
        ActionRules {
            default_behavior: default,
            actions: actions.iter().map(|(a, b)| ((*a).to_owned(), *b)).collect(),
        }
    }

    fn ep(endpoint: &str, behavior: AllowDeny) -> EndpointRule {
        EndpointRule {
            endpoint: endpoint.to_owned(),
            behavior,
        }
    }

    #[test]
    fn action_rules_loosen_when_a_blocked_action_becomes_allowed() {
        use AllowBlock::*;
        let strict = rules(Allow, &[("Delete", Block)]);
        assert!(actions_loosen(Some(&strict), None), "rules removed");
        assert!(actions_loosen(Some(&strict), Some(&rules(Allow, &[]))));
        assert!(!actions_loosen(None, Some(&strict)), "tightening");
        assert!(actions_loosen(
            Some(&rules(Block, &[])),
            Some(&rules(Allow, &[("Delete", Block)]))
        ));
        assert!(!actions_loosen(
            Some(&rules(Block, &[])),
            Some(&rules(Block, &[("Delete", Block)]))
        ));
    }

    #[test]
    fn endpoint_rules_may_loosen_unless_only_denies_are_added_or_allows_dropped() {
        use AllowDeny::*;
        let before = [ep("a", Deny), ep("b", Allow), ep("*", Deny)];
        assert!(endpoints_may_loosen(&before, &[]));
        assert!(endpoints_may_loosen(
            &before,
            &[ep("a", Deny), ep("*", Allow)]
        ));
        assert!(endpoints_may_loosen(
            &before,
            &[ep("b", Allow), ep("a", Deny), ep("*", Deny)]
        ));
        assert!(!endpoints_may_loosen(
            &before,
            &[ep("a", Deny), ep("*", Deny)]
        ));
        assert!(!endpoints_may_loosen(
            &before,
            &[ep("c", Deny), ep("a", Deny), ep("b", Allow), ep("*", Deny)]
        ));
        assert!(!endpoints_may_loosen(&[], &before), "new filtering");
    }
}
