//! `EnvironmentGroup` documents: groups created, updated (rules compared by meaning) and,
//! under exclusive ownership, deleted; and each group's members for the membership step.

use super::{as_held, attr, json_diff, to_json};
use crate::builder::{PlanBuilder, Planned};
use crate::kind_rules::value_and_fingerprint;
use crate::plan::*;
use crate::plan_step::{Foundation, PlanStep};
use crate::resolve::Unresolved;
use crate::risk::{Risk, RiskClass};
use crate::simulate::Simulation;
use ppgov_core::catalog::{self, Catalog};
use ppgov_core::model::*;
use ppgov_core::observed::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The after-value of a group change ([`After::EnvironmentGroup`]).
pub type AfterValue = Box<ObservedGroup>;

/// What the group step hands on to the later steps.
pub(crate) struct Groups {
    /// Desired group name -> live id or the address of its create.
    pub refs: BTreeMap<String, Ref>,
    /// Desired group name -> live ids of the environments it should contain.
    pub members: BTreeMap<String, BTreeSet<String>>,
}

/// Plans the declared groups; `declared` maps live environment ids to the `Environment`
/// documents that adopt them.
pub(crate) fn plan(b: &mut PlanBuilder<'_>, declared: &BTreeMap<String, String>) -> Groups {
    let mut groups = Groups {
        refs: BTreeMap::new(),
        members: BTreeMap::new(),
    };
    let mut matched: BTreeSet<String> = BTreeSet::new();
    // Declared environments by live id, for their labels.
    let mut labels_by_live_id: BTreeMap<String, &BTreeMap<String, String>> = BTreeMap::new();
    for (name, env) in &b.desired.environments {
        if let Ok(live) = b
            .resolver
            .environment(&EnvironmentTarget::Declared(name.clone()))
        {
            labels_by_live_id.insert(live.id.clone(), &env.meta.labels);
        }
    }
    let mut claimed_by: BTreeMap<String, String> = BTreeMap::new();
    for (name, group) in &b.desired.environment_groups {
        let resource = Address::named(ResourceKind::EnvironmentGroup, name.as_str()).to_string();
        let members = members_of(b, &resource, group, declared, &labels_by_live_id);
        for env in &members {
            if let Some(other) = claimed_by.insert(env.clone(), name.clone()) {
                let display = &b.observed.environments[env].display_name;
                b.error(resource.clone(), "/spec/members", format!(
                    "environment \"{display}\" would belong to both `{other}` and `{name}`; an environment is in at most one group"
                ));
            }
        }
        groups.members.insert(name.clone(), members);

        match b.resolver.group(name) {
            Err(e) => {
                // Claimed, though ambiguously: none of the candidates is unmanaged.
                if let Unresolved::Ambiguous { ids, .. } = &e {
                    matched.extend(ids.iter().cloned());
                }
                b.error(resource, "/spec/displayName", e.to_string());
            }
            Ok(None) => {
                groups
                    .refs
                    .insert(name.clone(), Ref::CreatedBy(resource.clone()));
                create(b, resource, group);
            }
            Ok(Some(id)) => {
                matched.insert(id.to_owned());
                groups.refs.insert(name.clone(), Ref::Id(id.to_owned()));
                update(b, resource, group, id);
            }
        }
    }
    undeclared(b, &matched);
    groups
}

/// A group's members: explicit references and selector matches over the live tenant.
fn members_of(
    b: &mut PlanBuilder<'_>,
    resource: &str,
    group: &EnvironmentGroup,
    declared: &BTreeMap<String, String>,
    labels_by_live_id: &BTreeMap<String, &BTreeMap<String, String>>,
) -> BTreeSet<String> {
    let mut members = BTreeSet::new();
    for target in &group.members {
        if let Some(env) = b.resolve_env(target, resource, "/spec/members/environments") {
            members.insert(env.id.clone());
        }
    }
    for selector in &group.selectors {
        let compiled = selector.compile();
        for env in b.observed.environments.values() {
            let input = SelectorInput {
                environment_type: serde_json::from_value(json!(env.environment_type)).ok(),
                region: Some(&env.region),
                display_name: &env.display_name,
                labels: labels_by_live_id.get(&env.id).copied(),
            };
            if !compiled.matches(input) {
                continue;
            }
            // Only managed environments can be in a group: a selector must not
            // override an `Environment` document that says otherwise.
            let declared_unmanaged = declared
                .get(&env.id)
                .and_then(|n| b.desired.environments.get(n))
                .filter(|d| d.managed == Some(false));
            if let Some(declared) = declared_unmanaged {
                b.error(resource.to_owned(), "/spec/members/selectors", format!(
                    "a selector matches environment \"{}\", which `Environment.{}` declares `managed: false`; only managed environments can be in a group",
                    env.display_name, declared.meta.name
                ));
                continue;
            }
            members.insert(env.id.clone());
        }
    }
    members
}

fn create(b: &mut PlanBuilder<'_>, resource: String, group: &EnvironmentGroup) {
    let after = ObservedGroup {
        id: String::new(),
        display_name: group.display_name.clone(),
        description: group.description.clone(),
        rules: normalize_rules(&group.rules, b.catalog),
        ..Default::default()
    };
    let attributes = create_attributes(&after);
    b.create(Planned {
        address: resource,
        kind: ResourceKind::EnvironmentGroup,
        id: None,
        display_name: group.display_name.clone(),
        attributes,
        after: After::EnvironmentGroup(Box::new(after)),
        depends_on: Vec::new(),
    });
}

fn update(b: &mut PlanBuilder<'_>, resource: String, group: &EnvironmentGroup, id: &str) {
    let live = &b.observed.environment_groups[id];
    b.fingerprint(ResourceKind::EnvironmentGroup, id, live);
    // Compared by meaning: connectors by canonical id, allow-lists unordered.
    let live = &ObservedGroup {
        rules: normalize_rules(&live.rules, b.catalog),
        ..live.clone()
    };
    let after = ObservedGroup {
        display_name: group.display_name.clone(),
        description: group.description.clone(),
        rules: merge_rules(&live.rules, &normalize_rules(&group.rules, b.catalog)),
        ..live.clone()
    };
    let attributes = update_attributes(live, &after);
    if !attributes.is_empty() {
        b.update(Planned {
            address: resource,
            kind: ResourceKind::EnvironmentGroup,
            id: Some(id.to_owned()),
            display_name: group.display_name.clone(),
            attributes,
            after: After::EnvironmentGroup(Box::new(after)),
            depends_on: Vec::new(),
        });
    }
}

/// Live groups no document matches: deleted under exclusive ownership, else noted.
fn undeclared(b: &mut PlanBuilder<'_>, matched: &BTreeSet<String>) {
    let exclusive = b.desired.project.ownership.environment_group == OwnershipMode::Exclusive;
    if exclusive {
        b.exclusive(ResourceKind::EnvironmentGroup);
    }
    for (id, live) in &b.observed.environment_groups {
        if matched.contains(id) {
            continue;
        }
        let members = b
            .observed
            .environments
            .values()
            .filter(|e| e.group_id.as_deref() == Some(id))
            .count();
        if exclusive {
            b.fingerprint(ResourceKind::EnvironmentGroup, id, live);
            let attributes = group_held(b.observed, id, live);
            b.delete_undeclared(
                ResourceKind::EnvironmentGroup,
                id,
                &live.display_name,
                attributes,
            );
        } else {
            b.note(ResourceKind::EnvironmentGroup, id, &live.display_name, format!(
                "not declared here ({members} environment(s)); ownership is shared, so it is left alone"
            ));
        }
    }
}

/// What a group about to be deleted holds: its description, rules and members.
fn group_held(observed: &Observed, id: &str, live: &ObservedGroup) -> Vec<AttributeChange> {
    let mut held = as_held(create_attributes(live));
    let mut members: Vec<&str> = observed
        .environments
        .values()
        .filter(|e| e.group_id.as_deref() == Some(id))
        .map(|e| e.display_name.as_str())
        .collect();
    members.sort_unstable();
    if !members.is_empty() {
        held.push(attr("members", Some(json!(members)), None));
    }
    held
}

/// The attributes a group is compared by, as JSON.
fn compared(group: &ObservedGroup) -> [(&'static str, Value); 3] {
    [
        ("displayName", json!(group.display_name)),
        ("description", json!(group.description)),
        ("rules", to_json(&group.rules)),
    ]
}

/// A new group's attributes; empty strings are not shown.
fn create_attributes(after: &ObservedGroup) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    for (path, value) in compared(after) {
        json_diff(path, None, Some(&value), &mut out);
    }
    out.retain(|c| c.after.as_ref().is_none_or(|v| v != &json!("")));
    out
}

/// What changes from `live` to `after`.
fn update_attributes(live: &ObservedGroup, after: &ObservedGroup) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    for ((path, before), (_, after)) in compared(live).into_iter().zip(compared(after)) {
        json_diff(path, Some(&before), Some(&after), &mut out);
    }
    out
}

/// Declared rules replace live ones; rules left out are not managed and stay as they are.
fn merge_rules(live: &GroupRules, desired: &GroupRules) -> GroupRules {
    GroupRules {
        sharing_controls: desired
            .sharing_controls
            .clone()
            .or_else(|| live.sharing_controls.clone()),
        usage_insights: desired
            .usage_insights
            .clone()
            .or_else(|| live.usage_insights.clone()),
        maker_welcome_content: desired
            .maker_welcome_content
            .clone()
            .or_else(|| live.maker_welcome_content.clone()),
        solution_checker: desired
            .solution_checker
            .clone()
            .or_else(|| live.solution_checker.clone()),
        backup_retention: desired
            .backup_retention
            .clone()
            .or_else(|| live.backup_retention.clone()),
        ai_generated_descriptions: desired
            .ai_generated_descriptions
            .clone()
            .or_else(|| live.ai_generated_descriptions.clone()),
        generative_ai: desired
            .generative_ai
            .clone()
            .or_else(|| live.generative_ai.clone()),
        advanced_connector_policies: desired
            .advanced_connector_policies
            .clone()
            .or_else(|| live.advanced_connector_policies.clone()),
        content_security_policy: match (
            &desired.content_security_policy,
            &live.content_security_policy,
        ) {
            // An app type left out is not managed: it keeps its live settings.
            (Some(d), Some(l)) => Some(ContentSecurityPolicy {
                model_driven_apps: d
                    .model_driven_apps
                    .clone()
                    .or_else(|| l.model_driven_apps.clone()),
                canvas_apps: d.canvas_apps.clone().or_else(|| l.canvas_apps.clone()),
                code_apps: d.code_apps.clone().or_else(|| l.code_apps.clone()),
                report_uri: d.report_uri.clone(),
            }),
            (d, l) => d.clone().or_else(|| l.clone()),
        },
    }
}

/// Rules in a canonical form, so that spelling and listing order are not changes:
/// allowed connectors by canonical id (as the catalog knows them), sorted, actions sorted.
pub(crate) fn normalize_rules(rules: &GroupRules, catalog: &Catalog) -> GroupRules {
    let mut rules = rules.clone();
    if let Some(acp) = &mut rules.advanced_connector_policies {
        for allowed in &mut acp.allowed_connectors {
            if let catalog::Resolved::Known(c) = catalog.resolve(&allowed.connector) {
                allowed.connector = c.id.clone();
            }
            if let Some(actions) = &mut allowed.actions {
                actions.sort();
                actions.dedup();
            }
        }
        acp.allowed_connectors
            .sort_by(|a, b| a.connector.cmp(&b.connector));
    }
    rules
}

/// How a group's rules get less strict, in words (empty when they do not). Rules left out
/// are not managed, so only rules present on both sides are compared.
pub(crate) fn rules_loosened(before: &GroupRules, after: &GroupRules) -> Vec<String> {
    use ppgov_core::model::{SharingMode, SolutionCheckerMode};
    let mut out = Vec::new();
    if let (Some(b), Some(a)) = (&before.sharing_controls, &after.sharing_controls) {
        if b.mode == SharingMode::ExcludeSecurityGroups && a.mode == SharingMode::NoLimit {
            out.push("sharing with security groups allowed again".to_owned());
        } else if a.mode == SharingMode::ExcludeSecurityGroups {
            let limit = |m: Option<u32>| m.unwrap_or(u32::MAX);
            if limit(a.max_users) > limit(b.max_users) {
                out.push("apps can be shared with more people".to_owned());
            }
        }
    }
    if let (Some(b), Some(a)) = (&before.solution_checker, &after.solution_checker) {
        let strength = |m: SolutionCheckerMode| match m {
            SolutionCheckerMode::None => 0,
            SolutionCheckerMode::Warn => 1,
            SolutionCheckerMode::Block => 2,
        };
        if strength(a.mode) < strength(b.mode) {
            out.push("solution checker enforcement weakened".to_owned());
        }
        if a.rule_overrides
            .iter()
            .any(|r| !b.rule_overrides.contains(r))
        {
            out.push("more solution checker rules exempted".to_owned());
        }
    }
    if let (Some(b), Some(a)) = (&before.backup_retention, &after.backup_retention)
        && a.days < b.days
    {
        out.push(format!(
            "backups kept {} days instead of {}",
            a.days, b.days
        ));
    }
    if let (Some(b), Some(a)) = (&before.generative_ai, &after.generative_ai) {
        if a.cross_geo_data_movement && !b.cross_geo_data_movement {
            out.push("data may move across geographies".to_owned());
        }
        if a.bing_search && !b.bing_search {
            out.push("Bing search allowed".to_owned());
        }
    }
    if let (Some(b), Some(a)) = (
        &before.advanced_connector_policies,
        &after.advanced_connector_policies,
    ) {
        let allowed = |p: &AdvancedConnectorPolicies| -> BTreeSet<String> {
            p.allowed_connectors
                .iter()
                .map(|c| c.connector.clone())
                .collect()
        };
        if !allowed(a).is_subset(&allowed(b)) {
            out.push("more connectors allowed".to_owned());
        }
        if b.enforce_only && !a.enforce_only {
            out.push("advanced connector policies no longer enforced alone".to_owned());
        }
    }
    if let (Some(b), Some(a)) = (
        &before.content_security_policy,
        &after.content_security_policy,
    ) {
        let enforced = |c: &Option<CspSettings>| c.as_ref().is_some_and(|c| c.enforce);
        if (enforced(&b.model_driven_apps) && !enforced(&a.model_driven_apps))
            || (enforced(&b.canvas_apps) && !enforced(&a.canvas_apps))
            || (enforced(&b.code_apps) && !enforced(&a.code_apps))
        {
            out.push("content security policy no longer enforced".to_owned());
        }
    }
    out
}

/// What environment group changes decide wherever kinds differ ([`KindRules`]).
pub struct Rules;

impl PlanStep for Rules {
    fn plan(_: &mut PlanBuilder<'_>, _: &Foundation<'_>) {
        // Part of the foundation, planned first by `crate::diff::plan`.
    }
}

impl KindRules for Rules {
    fn phase(&self, action: Action) -> u8 {
        match action {
            Action::Create | Action::Update => 1,
            Action::Delete => 9,
        }
    }

    fn declared_by(&self) -> ResourceKind {
        ResourceKind::EnvironmentGroup
    }

    fn annotations<'a>(
        &self,
        desired: &'a Desired,
        name: &str,
    ) -> Option<&'a BTreeMap<String, String>> {
        desired
            .environment_groups
            .get(name)
            .map(|g| &g.meta.annotations)
    }

    fn approvals(
        &self,
        _: &Change,
        name: Option<&str>,
        desired: &Desired,
        _: &Observed,
        _: &Catalog,
    ) -> Vec<(String, String)> {
        crate::approvals::group_owners(name, desired)
    }

    fn deletion_risk(&self, change: &Change, observed: &Observed) -> String {
        let live_id = change.id.as_deref();
        let members = observed
            .environments
            .values()
            .filter(|e| e.group_id.is_some() && e.group_id.as_deref() == live_id)
            .count();
        format!("deletes the group; its {members} environment(s) leave it and lose its rules")
    }

    fn change_risk(&self, change: &Change, observed: &Observed, catalog: &Catalog) -> Option<Risk> {
        let (After::EnvironmentGroup(after), Some(id)) = (&change.after, change.id.as_deref())
        else {
            return None;
        };
        if change.action != Action::Update {
            return None;
        }
        let before = observed.environment_groups.get(id)?;
        let loosened = rules_loosened(&normalize_rules(&before.rules, catalog), &after.rules);
        (!loosened.is_empty()).then(|| {
            Risk::new(
                RiskClass::Loosening,
                format!("loosens the group's rules: {}", loosened.join("; ")),
            )
        })
    }

    fn simulate(&self, change: &Change, sim: &mut Simulation) {
        let After::EnvironmentGroup(group) = &change.after else {
            let id = change.id.clone().unwrap_or_default();
            sim.state.environment_groups.remove(&id);
            for env in sim.state.environments.values_mut() {
                if env.group_id.as_deref() == Some(id.as_str()) {
                    env.group_id = None;
                }
            }
            return;
        };
        let mut group = (**group).clone();
        if change.action == Action::Create {
            group.id = sim.create(change);
        }
        sim.state.environment_groups.insert(group.id.clone(), group);
    }

    fn exclusively_governed(&self, observed: &Observed) -> BTreeMap<String, String> {
        observed
            .environment_groups
            .iter()
            .map(|(id, g)| (id.clone(), g.display_name.clone()))
            .collect()
    }

    fn observed_fingerprint(&self, observed: &Observed, id: &str) -> Option<String> {
        observed.environment_groups.get(id).map(fingerprint)
    }

    fn observed_value(&self, observed: &Observed, id: &str) -> Option<(Value, String)> {
        value_and_fingerprint(observed.environment_groups.get(id)?)
    }

    fn live_name(&self, observed: &Observed, id: &str) -> Option<String> {
        observed
            .environment_groups
            .get(id)
            .map(|g| g.display_name.clone())
    }

    fn created_environments_in<'a>(&self, _: &'a After) -> Vec<&'a str> {
        Vec::new()
    }

    fn declared_names(&self, desired: &Desired) -> Vec<String> {
        desired.environment_groups.keys().cloned().collect()
    }
}
