//! `plan()`: desired vs observed, kind by kind.

use crate::classification;
use crate::plan::*;
use crate::resolve::{Resolver, Unresolved};
use ppgov_core::catalog::{self, Catalog};
use ppgov_core::model::*;
use ppgov_core::observed::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Plans the changes that make `observed` look like `desired`.
pub fn plan(desired: &Desired, observed: &Observed, catalog: &Catalog) -> Plan {
    let lifecycle = crate::lifecycle::plan(desired, observed);
    // The tenant with the environments to create in and those to delete out.
    let tenant = lifecycle.tenant.as_ref().unwrap_or(observed);
    let mut p = Planner {
        desired,
        observed: tenant,
        catalog,
        resolver: Resolver::new(desired, tenant),
        changes: Vec::new(),
        notes: Vec::new(),
        errors: Vec::new(),
        fingerprints: BTreeMap::new(),
        env_addresses: BTreeMap::new(),
        membership_addresses: BTreeMap::new(),
        group_refs: BTreeMap::new(),
        members: BTreeMap::new(),
        declared_envs: BTreeMap::new(),
        retired: lifecycle.retired.clone(),
    };
    for env in &lifecycle.relied_on {
        p.fingerprint(ResourceKind::Environment, &env.id, env);
    }
    p.changes.extend(lifecycle.changes);
    p.errors.extend(lifecycle.errors);
    p.env_addresses.extend(lifecycle.created);
    p.environments();
    p.groups();
    p.memberships();
    p.unmanage_after_leaving();
    p.dlp_policies();
    p.role_assignments();
    p.tenant_settings();
    depend_on_created_environments(&mut p.changes);
    let changes = crate::order::order(p.changes, &mut p.errors);
    p.notes.sort();
    p.errors.sort();
    let approvals = crate::approvals::required(desired, observed, catalog, &changes);
    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        changes,
        notes: p.notes,
        errors: p.errors,
        fingerprints: p.fingerprints,
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

struct Planner<'a> {
    desired: &'a Desired,
    observed: &'a Observed,
    catalog: &'a Catalog,
    resolver: Resolver<'a>,
    changes: Vec<Change>,
    notes: Vec<Note>,
    errors: Vec<PlanError>,
    fingerprints: BTreeMap<String, String>,
    /// Live environment id -> address of its `Environment` change, when there is one.
    env_addresses: BTreeMap<String, String>,
    /// Desired group name -> live id or the address of its create.
    group_refs: BTreeMap<String, Ref>,
    /// Desired group name -> live ids of the environments it should contain.
    members: BTreeMap<String, BTreeSet<String>>,
    /// Desired group name -> addresses of its membership changes (dependencies of what
    /// refers to the group's members). Indexed once so lookups stay linear.
    membership_addresses: BTreeMap<String, Vec<String>>,
    /// Live environment id -> the `Environment` document that adopts it.
    declared_envs: BTreeMap<String, String>,
    /// Expired environments' document names: references to them are left out.
    retired: BTreeSet<String>,
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("model values serialize")
}

fn attr(path: impl Into<String>, before: Option<Value>, after: Option<Value>) -> AttributeChange {
    AttributeChange {
        path: path.into(),
        before,
        after,
    }
}

fn type_name(t: EnvironmentType) -> String {
    to_json(&t).as_str().unwrap_or_default().to_owned()
}

impl<'a> Planner<'a> {
    fn error(&mut self, resource: String, pointer: &str, message: impl Into<String>) {
        self.errors.push(PlanError {
            resource,
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    /// Fingerprints the live object `kind:id` once: every caller passes the observed object
    /// of that id, so a second call would compute the same value again.
    fn fingerprint<T: serde::Serialize>(&mut self, kind: ResourceKind, id: &str, value: &T) {
        if created_environment_of(id).is_some() {
            // Created by this plan: nothing live to compare with.
            return;
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = self
            .fingerprints
            .entry(FingerprintKey::new(kind, id).to_string())
        {
            slot.insert(fingerprint(value));
        }
    }

    /// Records that `kind` is owned exclusively, and fingerprints every live object of the kind
    /// that ownership governs: the plan relies on there being no others.
    fn exclusive(&mut self, kind: ResourceKind) {
        let governed = exclusively_governed(kind, self.observed);
        self.fingerprints.insert(
            exclusive_key(kind),
            fingerprint(&governed.keys().collect::<Vec<_>>()),
        );
        for id in governed.keys() {
            let key = FingerprintKey::new(kind, id.as_str()).to_string();
            if self.fingerprints.contains_key(&key) {
                continue;
            }
            let value = match kind {
                ResourceKind::EnvironmentGroup => {
                    fingerprint(&self.observed.environment_groups[id])
                }
                ResourceKind::DlpPolicy => fingerprint(&self.observed.dlp_policies[id]),
                ResourceKind::RoleAssignment => fingerprint(&self.observed.role_assignments[id]),
                // Exclusive ownership governs no object of these kinds (the map is empty).
                ResourceKind::Environment
                | ResourceKind::GroupMembership
                | ResourceKind::TenantSettings => continue,
            };
            self.fingerprints.insert(key, value);
        }
    }

    fn resolve_env(
        &mut self,
        target: &EnvironmentTarget,
        resource: &str,
        pointer: &str,
    ) -> Option<&'a ObservedEnvironment> {
        match self.resolver.environment(target) {
            Ok(env) => {
                self.fingerprint(ResourceKind::Environment, &env.id.clone(), env);
                Some(env)
            }
            Err(_) if matches!(target, EnvironmentTarget::Declared(name) if self.retired.contains(name)) => {
                None
            }
            Err(e) => {
                self.error(resource.to_owned(), pointer, e.to_string());
                None
            }
        }
    }

    // ---- environments ----------------------------------------------------------------

    fn environments(&mut self) {
        for (name, env) in &self.desired.environments {
            let resource = Address::named(ResourceKind::Environment, name.as_str()).to_string();
            let pointer = if env.meta.id.is_some() {
                "/metadata/id"
            } else {
                "/spec/displayName"
            };
            let Some(live) = self.resolve_env(
                &EnvironmentTarget::Declared(name.clone()),
                &resource,
                pointer,
            ) else {
                continue;
            };
            self.declared_envs.insert(live.id.clone(), name.clone());
            if created_environment_of(&live.id).is_some() {
                // Created by this plan, as declared: the create carries every attribute.
                continue;
            }
            if let Some(t) = env.environment_type
                && type_name(t) != live.environment_type
            {
                self.error(resource.clone(), "/spec/type", format!(
                    "environment \"{}\" is {} in the tenant, not {}; ppgov cannot change an environment's type",
                    live.display_name, live.environment_type, type_name(t)
                ));
            }
            if let Some(region) = &env.region
                && !region.eq_ignore_ascii_case(&live.region)
            {
                self.error(resource.clone(), "/spec/region", format!(
                    "environment \"{}\" is in {} in the tenant, not {region}; ppgov cannot move environments",
                    live.display_name, live.region
                ));
            }
            let mut attributes = Vec::new();
            let mut after = live.clone();
            if env.display_name != live.display_name {
                // Matched by pinned id: the display name is governed too.
                attributes.push(attr(
                    "displayName",
                    Some(json!(live.display_name)),
                    Some(json!(env.display_name)),
                ));
                after.display_name = env.display_name.clone();
            }
            if let Some(managed) = env.managed
                && managed != live.managed
            {
                attributes.push(attr(
                    "managed",
                    Some(json!(live.managed)),
                    Some(json!(managed)),
                ));
                after.managed = managed;
            }
            if !attributes.is_empty() {
                self.env_addresses.insert(live.id.clone(), resource.clone());
                self.changes.push(Change {
                    address: resource,
                    kind: ResourceKind::Environment,
                    action: Action::Update,
                    id: Some(live.id.clone()),
                    display_name: live.display_name.clone(),
                    attributes,
                    risk: None,
                    impact: None,
                    after: After::Environment(after),
                    depends_on: Vec::new(),
                });
            }
        }
    }

    // ---- groups ------------------------------------------------------------------------

    fn groups(&mut self) {
        let mut matched: BTreeSet<String> = BTreeSet::new();
        // Declared environments by live id, for their labels.
        let mut labels_by_live_id: BTreeMap<String, &BTreeMap<String, String>> = BTreeMap::new();
        for (name, env) in &self.desired.environments {
            if let Ok(live) = self
                .resolver
                .environment(&EnvironmentTarget::Declared(name.clone()))
            {
                labels_by_live_id.insert(live.id.clone(), &env.meta.labels);
            }
        }
        let mut claimed_by: BTreeMap<String, String> = BTreeMap::new();
        for (name, group) in &self.desired.environment_groups {
            let resource =
                Address::named(ResourceKind::EnvironmentGroup, name.as_str()).to_string();
            // Members: explicit references and selector matches over the live tenant.
            let mut members = BTreeSet::new();
            for target in &group.members {
                if let Some(env) = self.resolve_env(target, &resource, "/spec/members/environments")
                {
                    members.insert(env.id.clone());
                }
            }
            for selector in &group.selectors {
                let compiled = selector.compile();
                for env in self.observed.environments.values() {
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
                    let declared_unmanaged = self
                        .declared_envs
                        .get(&env.id)
                        .and_then(|n| self.desired.environments.get(n))
                        .filter(|d| d.managed == Some(false));
                    if let Some(declared) = declared_unmanaged {
                        self.error(resource.clone(), "/spec/members/selectors", format!(
                            "a selector matches environment \"{}\", which `Environment.{}` declares `managed: false`; only managed environments can be in a group",
                            env.display_name, declared.meta.name
                        ));
                        continue;
                    }
                    members.insert(env.id.clone());
                }
            }
            for env in &members {
                if let Some(other) = claimed_by.insert(env.clone(), name.clone()) {
                    let display = &self.observed.environments[env].display_name;
                    self.error(resource.clone(), "/spec/members", format!(
                        "environment \"{display}\" would belong to both `{other}` and `{name}`; an environment is in at most one group"
                    ));
                }
            }
            self.members.insert(name.clone(), members);

            match self.resolver.group(name) {
                Err(e) => {
                    // Claimed, though ambiguously: none of the candidates is unmanaged.
                    if let Unresolved::Ambiguous { ids, .. } = &e {
                        matched.extend(ids.iter().cloned());
                    }
                    self.error(resource, "/spec/displayName", e.to_string());
                }
                Ok(None) => {
                    let after = ObservedGroup {
                        id: String::new(),
                        display_name: group.display_name.clone(),
                        description: group.description.clone(),
                        rules: normalize_rules(&group.rules, self.catalog),
                        ..Default::default()
                    };
                    let attributes = group_attributes(&ObservedGroup::default(), &after, true);
                    self.group_refs
                        .insert(name.clone(), Ref::CreatedBy(resource.clone()));
                    self.changes.push(Change {
                        address: resource,
                        kind: ResourceKind::EnvironmentGroup,
                        action: Action::Create,
                        id: None,
                        display_name: group.display_name.clone(),
                        attributes,
                        risk: None,
                        impact: None,
                        after: After::EnvironmentGroup(Box::new(after)),
                        depends_on: Vec::new(),
                    });
                }
                Ok(Some(id)) => {
                    matched.insert(id.to_owned());
                    self.group_refs.insert(name.clone(), Ref::Id(id.to_owned()));
                    let live = &self.observed.environment_groups[id];
                    self.fingerprint(ResourceKind::EnvironmentGroup, id, live);
                    // Compared by meaning: connectors by canonical id, allow-lists unordered.
                    let live = &ObservedGroup {
                        rules: normalize_rules(&live.rules, self.catalog),
                        ..live.clone()
                    };
                    let after = ObservedGroup {
                        display_name: group.display_name.clone(),
                        description: group.description.clone(),
                        rules: merge_rules(
                            &live.rules,
                            &normalize_rules(&group.rules, self.catalog),
                        ),
                        ..live.clone()
                    };
                    let attributes = group_attributes(live, &after, false);
                    if !attributes.is_empty() {
                        self.changes.push(Change {
                            address: resource,
                            kind: ResourceKind::EnvironmentGroup,
                            action: Action::Update,
                            id: Some(id.to_owned()),
                            display_name: group.display_name.clone(),
                            attributes,
                            risk: None,
                            impact: None,
                            after: After::EnvironmentGroup(Box::new(after)),
                            depends_on: Vec::new(),
                        });
                    }
                }
            }
        }
        let exclusive =
            self.desired.project.ownership.environment_group == OwnershipMode::Exclusive;
        if exclusive {
            self.exclusive(ResourceKind::EnvironmentGroup);
        }
        for (id, live) in &self.observed.environment_groups {
            if matched.contains(id) {
                continue;
            }
            let members = self
                .observed
                .environments
                .values()
                .filter(|e| e.group_id.as_deref() == Some(id))
                .count();
            if exclusive {
                self.fingerprint(ResourceKind::EnvironmentGroup, id, live);
                self.changes.push(Change {
                    address: Address::keyed(ResourceKind::EnvironmentGroup, id.as_str())
                        .to_string(),
                    kind: ResourceKind::EnvironmentGroup,
                    action: Action::Delete,
                    id: Some(id.clone()),
                    display_name: live.display_name.clone(),
                    attributes: self.group_held(id, live),
                    risk: None,
                    impact: None,
                    after: After::Nothing,
                    depends_on: Vec::new(),
                });
            } else {
                self.notes.push(Note {
                    kind: ResourceKind::EnvironmentGroup,
                    id: id.clone(),
                    display_name: live.display_name.clone(),
                    message: format!("not declared here ({members} environment(s)); ownership is shared, so it is left alone"),
                });
            }
        }
    }

    // ---- membership ---------------------------------------------------------------------

    fn memberships(&mut self) {
        let groups: Vec<(String, BTreeSet<String>)> = self
            .members
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut removals: BTreeMap<String, String> = BTreeMap::new();
        // Removals first, so adds can depend on them.
        for (name, members) in &groups {
            let Some(Ref::Id(gid)) = self.group_refs.get(name).cloned() else {
                continue;
            };
            for env in self.observed.environments.values() {
                if env.group_id.as_deref() == Some(gid.as_str()) && !members.contains(&env.id) {
                    let address = Address::named_keyed(
                        ResourceKind::GroupMembership,
                        name.as_str(),
                        format!("\"{}\"", env.display_name),
                    )
                    .to_string();
                    removals.insert(env.id.clone(), address.clone());
                    self.changes.push(Change {
                        address,
                        kind: ResourceKind::GroupMembership,
                        action: Action::Delete,
                        id: Some(env.id.clone()),
                        display_name: env.display_name.clone(),
                        attributes: vec![attr("group", Some(json!(name)), None)],
                        risk: None,
                        impact: None,
                        after: After::Membership {
                            group: Ref::Id(gid.clone()),
                            environment_id: env.id.clone(),
                        },
                        depends_on: Vec::new(),
                    });
                }
            }
        }
        for (name, members) in &groups {
            let Some(group_ref) = self.group_refs.get(name).cloned() else {
                continue;
            };
            let group_address =
                Address::named(ResourceKind::EnvironmentGroup, name.as_str()).to_string();
            for env_id in members {
                let env = &self.observed.environments[env_id];
                if let Ref::Id(gid) = &group_ref
                    && env.group_id.as_deref() == Some(gid.as_str())
                {
                    // Already a member. Recorded tenants hold members whose Managed
                    // Environment is off (`protectionLevel: Basic`); the platform applies a
                    // group's rules to managed members only, so a declared member is made
                    // managed.
                    self.make_managed(env_id);
                    continue;
                }
                let mut depends_on = Vec::new();
                if matches!(group_ref, Ref::CreatedBy(_)) {
                    depends_on.push(group_address.clone());
                }
                if let Some(r) = removals.get(env_id) {
                    depends_on.push(r.clone());
                } else if let Some(current) = &env.group_id {
                    // In a group nobody declared: it has to leave that group first.
                    let current_name = self
                        .observed
                        .environment_groups
                        .get(current)
                        .map_or(current.as_str(), |g| g.display_name.as_str());
                    let address = Address::keyed(
                        ResourceKind::GroupMembership,
                        format!("{current}][\"{}\"", env.display_name),
                    )
                    .to_string();
                    self.changes.push(Change {
                        address: address.clone(),
                        kind: ResourceKind::GroupMembership,
                        action: Action::Delete,
                        id: Some(env.id.clone()),
                        display_name: env.display_name.clone(),
                        attributes: vec![attr("group", Some(json!(current_name)), None)],
                        risk: None,
                        impact: None,
                        after: After::Membership {
                            group: Ref::Id(current.clone()),
                            environment_id: env.id.clone(),
                        },
                        depends_on: Vec::new(),
                    });
                    depends_on.push(address);
                }
                // Only managed environments can join a group.
                self.make_managed(env_id);
                if let Some(a) = self.env_addresses.get(env_id) {
                    depends_on.push(a.clone());
                }
                self.fingerprint(ResourceKind::Environment, env_id, env);
                self.changes.push(Change {
                    address: Address::named_keyed(
                        ResourceKind::GroupMembership,
                        name.as_str(),
                        format!("\"{}\"", env.display_name),
                    )
                    .to_string(),
                    kind: ResourceKind::GroupMembership,
                    action: Action::Create,
                    id: Some(env.id.clone()),
                    display_name: env.display_name.clone(),
                    attributes: vec![attr(
                        "group",
                        env.group_id.as_ref().map(|g| json!(self.group_label(g))),
                        Some(json!(name)),
                    )],
                    risk: None,
                    impact: None,
                    after: After::Membership {
                        group: group_ref.clone(),
                        environment_id: env.id.clone(),
                    },
                    depends_on,
                });
            }
        }
    }

    /// Plans turning Managed Environment on for `env_id` unless it is on or already planned
    /// (group members must be managed).
    fn make_managed(&mut self, env_id: &str) {
        let env = &self.observed.environments[env_id];
        if created_environment_of(env_id).is_some() {
            // Created by this plan: it is created managed.
            if let Some(create) = self.changes.iter_mut().find(|c| {
                c.action == Action::Create
                    && matches!(&c.after, After::Environment(e) if e.id == env_id)
            }) && let After::Environment(after) = &mut create.after
                && !after.managed
            {
                after.managed = true;
                create
                    .attributes
                    .push(attr("managed", None, Some(json!(true))));
            }
            return;
        }
        let becomes_managed = self.env_addresses.contains_key(env_id)
            && self.changes.iter().rev().any(|c| {
                c.kind == ResourceKind::Environment
                    && c.id.as_deref() == Some(env_id)
                    && matches!(&c.after, After::Environment(e) if e.managed)
            });
        if env.managed || becomes_managed {
            return;
        }
        let address = self.env_addresses.get(env_id).cloned().unwrap_or_else(|| {
            match self.declared_envs.get(env_id) {
                Some(declared) => {
                    Address::named(ResourceKind::Environment, declared.as_str()).to_string()
                }
                None => Address::keyed(
                    ResourceKind::Environment,
                    format!("\"{}\"", env.display_name),
                )
                .to_string(),
            }
        });
        let mut after = env.clone();
        after.managed = true;
        let change = Change {
            address: address.clone(),
            kind: ResourceKind::Environment,
            action: Action::Update,
            id: Some(env.id.clone()),
            display_name: env.display_name.clone(),
            attributes: vec![attr("managed", Some(json!(false)), Some(json!(true)))],
            risk: None,
            impact: None,
            after: After::Environment(after),
            depends_on: Vec::new(),
        };
        self.env_addresses.insert(env_id.to_owned(), address);
        self.changes.push(change);
    }

    /// How a live group is shown: its declared name when a document matches it, else its
    /// live display name.
    fn group_label(&self, id: &str) -> String {
        self.group_refs
            .iter()
            .find(|(_, r)| matches!(r, Ref::Id(g) if g == id))
            .map(|(name, _)| name.clone())
            .or_else(|| {
                self.observed
                    .environment_groups
                    .get(id)
                    .map(|g| g.display_name.clone())
            })
            .unwrap_or_else(|| id.to_owned())
    }

    /// Addresses of the membership changes of desired group `group`.
    fn membership_deps(&mut self, group: &str) -> Vec<String> {
        if self.membership_addresses.is_empty() {
            for c in &self.changes {
                if c.kind == ResourceKind::GroupMembership
                    && let Ok(Address {
                        kind: ResourceKind::GroupMembership,
                        name: Some(name),
                        key: Some(_),
                    }) = c.address.parse()
                {
                    self.membership_addresses
                        .entry(name)
                        .or_default()
                        .push(c.address.clone());
                }
            }
            // Marks the index as built even when there are no memberships.
            self.membership_addresses.entry(String::new()).or_default();
        }
        self.membership_addresses
            .get(group)
            .cloned()
            .unwrap_or_default()
    }

    /// An environment that stops being managed must first leave its group (only managed
    /// environments can be in one): by a membership removal or the group's deletion.
    fn unmanage_after_leaving(&mut self) {
        let leaving: Vec<(String, String)> = self
            .changes
            .iter()
            .filter(|c| c.action == Action::Delete)
            .filter_map(|c| match c.kind {
                ResourceKind::GroupMembership => Some((c.id.clone()?, c.address.clone())),
                ResourceKind::Environment
                | ResourceKind::EnvironmentGroup
                | ResourceKind::DlpPolicy
                | ResourceKind::RoleAssignment
                | ResourceKind::TenantSettings => None,
            })
            .chain(
                self.changes
                    .iter()
                    .filter(|c| {
                        c.action == Action::Delete && c.kind == ResourceKind::EnvironmentGroup
                    })
                    .flat_map(|c| {
                        let gid = c.id.clone().unwrap_or_default();
                        self.observed
                            .environments
                            .values()
                            .filter(move |e| e.group_id.as_deref() == Some(gid.as_str()))
                            .map(|e| (e.id.clone(), c.address.clone()))
                    }),
            )
            .collect();
        for change in &mut self.changes {
            if let After::Environment(env) = &change.after
                && !env.managed
            {
                for (env_id, address) in &leaving {
                    if *env_id == env.id && !change.depends_on.contains(address) {
                        change.depends_on.push(address.clone());
                    }
                }
            }
        }
    }

    // ---- DLP policies --------------------------------------------------------------------

    fn dlp_policies(&mut self) {
        let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        // Environment-level policies are never adopted, even when a name matches.
        for (id, p) in &self.observed.dlp_policies {
            if p.scope_mode.is_some() {
                by_name.entry(p.display_name.as_str()).or_default().push(id);
            }
        }
        let mut matched = BTreeSet::new();
        for (name, policy) in &self.desired.dlp_policies {
            let resource = Address::named(ResourceKind::DlpPolicy, name.as_str()).to_string();
            let live_id: Option<String> = match &policy.meta.id {
                Some(id)
                    if self
                        .observed
                        .dlp_policies
                        .get(id)
                        .is_some_and(|p| p.scope_mode.is_none()) =>
                {
                    self.error(
                        resource,
                        "/metadata/id",
                        format!(
                            "data policy `{name}` is pinned to id {id}, an environment-level policy, which tenant-level governance does not manage"
                        ),
                    );
                    // Claimed: not reported as unmanaged as well.
                    matched.insert(id.clone());
                    continue;
                }
                Some(id) if self.observed.dlp_policies.contains_key(id) => Some(id.clone()),
                Some(id) => {
                    self.error(
                        resource,
                        "/metadata/id",
                        Unresolved::PinnedIdMissing {
                            what: format!("data policy `{name}`"),
                            id: id.clone(),
                        }
                        .to_string(),
                    );
                    continue;
                }
                None => match match (
                    by_name.get(policy.display_name.as_str()).map(Vec::as_slice),
                    crate::resolve::renamed_from(&policy.meta),
                ) {
                    (None | Some([]), Some(old)) => by_name.get(old).map(Vec::as_slice),
                    (found, _) => found,
                } {
                    None | Some([]) => None,
                    Some([id]) => Some((*id).to_owned()),
                    Some(ids) => {
                        self.error(resource, "/spec/displayName", format!(
                            "{} live data policies are named \"{}\" ({}); pin one with `metadata.id`",
                            ids.len(), policy.display_name, ids.join(", ")
                        ));
                        // Claimed, though ambiguously: none of them is unmanaged.
                        matched.extend(ids.iter().map(|id| (*id).to_owned()));
                        continue;
                    }
                },
            };
            // Scope: listed environments plus the (planned) members of listed groups.
            let mut env_ids = BTreeSet::new();
            for target in &policy.scope.environments {
                if let Some(env) = self.resolve_env(target, &resource, "/spec/scope/environments") {
                    env_ids.insert(env.id.clone());
                }
            }
            let mut depends_on = Vec::new();
            for group in &policy.scope.environment_groups {
                env_ids.extend(self.members.get(group).cloned().unwrap_or_default());
                depends_on.extend(self.membership_deps(group));
            }
            let mut after = ObservedDlpPolicy {
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
            match live_id {
                None => {
                    let attributes =
                        dlp_attributes(None, &after, self.catalog, &self.observed.environments).0;
                    self.changes.push(Change {
                        address: resource,
                        kind: ResourceKind::DlpPolicy,
                        action: Action::Create,
                        id: None,
                        display_name: policy.display_name.clone(),
                        attributes,
                        risk: None,
                        impact: None,
                        after: After::DlpPolicy(Box::new(after)),
                        depends_on,
                    });
                }
                Some(id) => {
                    matched.insert(id.clone());
                    let live = &self.observed.dlp_policies[&id];
                    self.fingerprint(ResourceKind::DlpPolicy, &id, live);
                    after.etag = live.etag.clone();
                    after.last_modified = live.last_modified.clone();
                    let (attributes, _) = dlp_attributes(
                        Some(live),
                        &after,
                        self.catalog,
                        &self.observed.environments,
                    );
                    if !attributes.is_empty() {
                        self.changes.push(Change {
                            address: resource,
                            kind: ResourceKind::DlpPolicy,
                            action: Action::Update,
                            id: Some(id),
                            display_name: policy.display_name.clone(),
                            attributes,
                            risk: None,
                            impact: None,
                            after: After::DlpPolicy(Box::new(after)),
                            depends_on,
                        });
                    }
                }
            }
        }
        let exclusive = self.desired.project.ownership.dlp_policy == OwnershipMode::Exclusive;
        if exclusive {
            self.exclusive(ResourceKind::DlpPolicy);
        }
        for (id, live) in &self.observed.dlp_policies {
            if matched.contains(id) {
                continue;
            }
            if exclusive && live.scope_mode.is_some() {
                self.fingerprint(ResourceKind::DlpPolicy, id, live);
                self.changes.push(Change {
                    address: Address::keyed(ResourceKind::DlpPolicy, id.as_str()).to_string(),
                    kind: ResourceKind::DlpPolicy,
                    action: Action::Delete,
                    id: Some(id.clone()),
                    display_name: live.display_name.clone(),
                    // What the policy held, so a reviewer sees what is lifted.
                    attributes: as_held(
                        dlp_attributes(None, live, self.catalog, &self.observed.environments).0,
                    ),
                    risk: None,
                    impact: None,
                    after: After::Nothing,
                    depends_on: Vec::new(),
                });
            } else {
                let why = if live.scope_mode.is_none() {
                    "an environment-level policy, which tenant-level governance leaves alone"
                } else {
                    "not declared here; ownership is shared, so it is left alone"
                };
                self.notes.push(Note {
                    kind: ResourceKind::DlpPolicy,
                    id: id.clone(),
                    display_name: live.display_name.clone(),
                    message: why.to_owned(),
                });
            }
        }
    }

    // ---- role assignments ------------------------------------------------------------------

    fn role_assignments(&mut self) {
        let mut wanted: BTreeMap<(String, Role, ObservedScope), (&RoleAssignment, Vec<String>)> =
            BTreeMap::new();
        for assignment in self.desired.role_assignments.values() {
            let resource =
                Address::named(ResourceKind::RoleAssignment, assignment.document.as_str())
                    .to_string();
            let key = &assignment.key;
            let scopes: Vec<(ObservedScope, Vec<String>)> = match &key.scope {
                RoleScope::Tenant => vec![(ObservedScope::Tenant, Vec::new())],
                RoleScope::Environment(target) => {
                    match self.resolve_env(target, &resource, "/spec/scope/environment") {
                        Some(env) if key.role.is_environment_role() && env.has_dataverse => {
                            self.error(resource.clone(), "/spec/role", format!(
                                "environment \"{}\" has Dataverse, where Environment Admin and Maker are Dataverse security roles that ppgov does not manage; the admin API refuses them",
                                env.display_name
                            ));
                            continue;
                        }
                        Some(env)
                            if !key.role.is_environment_role()
                                && !self.observed.rbac_environment_scope_read(&env.id) =>
                        {
                            // Unknown is not empty: planning a create here could duplicate
                            // an assignment that exists.
                            self.error(resource.clone(), "/spec/scope/environment", format!(
                                "the Power Platform RBAC assignments of environment \"{}\" ({}) were not read, so whether this assignment exists is unknown; read that environment's scope (ppgov does when it plans)",
                                env.display_name, env.id
                            ));
                            continue;
                        }
                        Some(env) => vec![(ObservedScope::Environment(env.id.clone()), Vec::new())],
                        None => continue,
                    }
                }
                RoleScope::EnvironmentGroup(group) if key.role.is_environment_role() => {
                    // Environment roles exist per environment: expand to the group's members.
                    // Members with Dataverse manage these roles as security roles: reported,
                    // not planned (the admin API refuses them).
                    let deps: Vec<String> = self.membership_deps(group);
                    let members: Vec<String> = self
                        .members
                        .get(group)
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect();
                    let mut scopes = Vec::new();
                    for env_id in members {
                        let env = &self.observed.environments[&env_id];
                        if env.has_dataverse {
                            self.notes.push(Note {
                                kind: ResourceKind::RoleAssignment,
                                id: env.id.clone(),
                                display_name: env.display_name.clone(),
                                message: format!(
                                    "skipped: {} for {} (from group `{group}`, `RoleAssignment.{}`) is not assigned in this environment: it has Dataverse, where that role is a Dataverse security role ppgov does not manage",
                                    role_name(key.role),
                                    assignment.principal_name.as_deref().unwrap_or(&key.principal_id),
                                    assignment.document
                                ),
                            });
                        } else {
                            scopes.push((ObservedScope::Environment(env_id), deps.clone()));
                        }
                    }
                    scopes
                }
                RoleScope::EnvironmentGroup(group) => match self.group_refs.get(group) {
                    Some(Ref::Id(id)) => {
                        vec![(ObservedScope::EnvironmentGroup(id.clone()), Vec::new())]
                    }
                    Some(Ref::CreatedBy(address)) => {
                        vec![(created_group_scope(address), vec![address.clone()])]
                    }
                    None => continue,
                },
            };
            for (scope, deps) in scopes {
                wanted.insert(
                    (key.principal_id.clone(), key.role, scope),
                    (assignment, deps),
                );
            }
        }
        let mut live_keys: BTreeMap<(String, Role, ObservedScope), &ObservedRoleAssignment> =
            BTreeMap::new();
        for live in self.observed.role_assignments.values() {
            if live.in_unread_scope(self.observed) {
                // Its scope was not read as a whole: neither reported nor deleted.
                continue;
            }
            if let ObservedScope::Unknown(scope) = &live.scope {
                // A scope shape ppgov does not know: reported, never touched.
                self.notes.push(Note {
                    kind: ResourceKind::RoleAssignment,
                    id: live.id.clone(),
                    display_name: live
                        .principal_name
                        .clone()
                        .unwrap_or_else(|| live.principal_id.clone()),
                    message: format!(
                        "{} at a scope ppgov does not recognise (`{scope}`); left alone",
                        live.role
                            .map_or_else(|| "a role ppgov does not model".to_owned(), role_name)
                    ),
                });
            } else if let Some(role) = live.role {
                live_keys.insert((live.principal_id.clone(), role, live.scope.clone()), live);
            } else {
                // A role ppgov has no name for (a custom RBAC role): reported, never touched.
                self.notes.push(Note {
                    kind: ResourceKind::RoleAssignment,
                    id: live.id.clone(),
                    display_name: live
                        .principal_name
                        .clone()
                        .unwrap_or_else(|| live.principal_id.clone()),
                    message: format!(
                        "a role ppgov does not model, at {}; left alone",
                        self.scope_name(&live.scope)
                    ),
                });
            }
        }
        for ((principal, role, scope), (assignment, depends_on)) in &wanted {
            if let Some(live) = live_keys.get(&(principal.clone(), *role, scope.clone())) {
                // Relied on: it exists, so nothing is created.
                self.fingerprint(ResourceKind::RoleAssignment, &live.id, *live);
                continue;
            }
            let after = ObservedRoleAssignment {
                id: String::new(),
                principal_id: principal.clone(),
                principal_type: Some(assignment.principal_type),
                principal_name: assignment.principal_name.clone(),
                role: Some(*role),
                scope: scope.clone(),
            };
            self.changes.push(Change {
                address: Address::named_keyed(
                    ResourceKind::RoleAssignment,
                    assignment.document.as_str(),
                    format!(
                        "{}/{}/{}",
                        principal,
                        role_name(*role),
                        crate::plan::scope_label(scope)
                    ),
                )
                .to_string(),
                kind: ResourceKind::RoleAssignment,
                action: Action::Create,
                id: None,
                display_name: assignment
                    .principal_name
                    .clone()
                    .unwrap_or_else(|| principal.clone()),
                attributes: vec![
                    attr("role", None, Some(json!(role_name(*role)))),
                    attr("scope", None, Some(json!(self.scope_value(scope)))),
                ],
                risk: None,
                impact: None,
                after: After::RoleAssignment(after),
                depends_on: depends_on.clone(),
            });
        }
        let exclusive = self.desired.project.ownership.role_assignment == OwnershipMode::Exclusive;
        if exclusive {
            if self.observed.rbac_environment_scopes_read.is_some() {
                self.error(
                    format!("Project.{}", self.desired.project.name),
                    "/spec/ownership/RoleAssignment",
                    "RoleAssignment ownership is exclusive, but not every environment's Power Platform RBAC assignments were read, so undeclared ones could not all be found; read every environment's scope (ppgov does under exclusive ownership)",
                );
            }
            self.exclusive(ResourceKind::RoleAssignment);
        }
        for (key, live) in &live_keys {
            if wanted.contains_key(key) {
                continue;
            }
            self.fingerprint(ResourceKind::RoleAssignment, &live.id, *live);
            let name = live
                .principal_name
                .clone()
                .unwrap_or_else(|| live.principal_id.clone());
            if exclusive && live.principal_type.is_some() {
                self.changes.push(Change {
                    address: Address::keyed(
                        ResourceKind::RoleAssignment,
                        format!(
                            "{}/{}/{}",
                            live.principal_id,
                            role_name(key.1),
                            crate::plan::scope_label(&live.scope)
                        ),
                    )
                    .to_string(),
                    kind: ResourceKind::RoleAssignment,
                    action: Action::Delete,
                    id: Some(live.id.clone()),
                    display_name: name.clone(),
                    attributes: vec![
                        attr("principal", Some(json!(name)), None),
                        attr("role", Some(json!(role_name(key.1))), None),
                        attr("scope", Some(json!(self.scope_value(&live.scope))), None),
                    ],
                    risk: None,
                    impact: None,
                    after: After::Nothing,
                    depends_on: Vec::new(),
                });
            } else {
                let why = if live.principal_type.is_none() {
                    "is held by a principal ppgov does not manage, so it is left alone"
                } else {
                    "is not declared here; ownership is shared, so it is left alone"
                };
                self.notes.push(Note {
                    kind: ResourceKind::RoleAssignment,
                    id: live.id.clone(),
                    display_name: name,
                    message: format!(
                        "{} at {} {why}",
                        role_name(key.1),
                        self.scope_name(&live.scope)
                    ),
                });
            }
        }
    }

    /// A role assignment's scope as an attribute value: `group: Finance`,
    /// `environment: Finance Prod` or `tenant`.
    fn scope_value(&self, scope: &ObservedScope) -> String {
        let (kind, name, note) = self.scope_parts(scope);
        match kind {
            "tenant" => kind.to_owned(),
            _ => format!("{kind}: {name}{note}"),
        }
    }

    /// A role assignment's scope in a sentence: `group "Finance"`.
    fn scope_name(&self, scope: &ObservedScope) -> String {
        let (kind, name, note) = self.scope_parts(scope);
        match kind {
            "tenant" => kind.to_owned(),
            _ => format!("{kind} \"{name}\"{note}"),
        }
    }

    /// A scope as a reviewer knows it: kind, the group's or environment's name (an id when it
    /// is not in the tenant), and a remark. Addresses keep ids, which are stable.
    fn scope_parts(&self, scope: &ObservedScope) -> (&'static str, String, &'static str) {
        match scope {
            ObservedScope::Tenant => ("tenant", String::new(), ""),
            ObservedScope::EnvironmentGroup(id) => match id.strip_prefix("@EnvironmentGroup.") {
                Some(declared) => (
                    "group",
                    self.desired
                        .environment_groups
                        .get(declared)
                        .map_or(declared, |g| g.display_name.as_str())
                        .to_owned(),
                    " (created by this plan)",
                ),
                None => (
                    "group",
                    self.observed
                        .environment_groups
                        .get(id)
                        .map_or(id.as_str(), |g| g.display_name.as_str())
                        .to_owned(),
                    "",
                ),
            },
            ObservedScope::Environment(id) => (
                "environment",
                self.observed
                    .environments
                    .get(id)
                    .map_or(id.as_str(), |e| e.display_name.as_str())
                    .to_owned(),
                "",
            ),
            ObservedScope::Unknown(scope) => ("scope", scope.clone(), " (not understood by ppgov)"),
        }
    }

    /// What a group about to be deleted holds: its description, rules and members.
    fn group_held(&self, id: &str, live: &ObservedGroup) -> Vec<AttributeChange> {
        let mut held = as_held(group_attributes(&ObservedGroup::default(), live, true));
        let mut members: Vec<&str> = self
            .observed
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

    // ---- tenant settings -----------------------------------------------------------------------

    fn tenant_settings(&mut self) {
        let Some(settings) = &self.desired.tenant_settings else {
            return;
        };
        let declared = flatten_settings(&to_json(&settings.settings));
        let mut attributes = Vec::new();
        let mut changed = BTreeMap::new();
        for (path, value) in declared {
            let live = self.observed.tenant_settings.get(&path);
            // Only the settings this repository manages: the others may change freely.
            self.fingerprint(ResourceKind::TenantSettings, &path, &live);
            if live != Some(&value) {
                attributes.push(attr(path.clone(), live.cloned(), Some(value.clone())));
                changed.insert(path, value);
            }
        }
        if !attributes.is_empty() {
            self.changes.push(Change {
                address: Address::named(ResourceKind::TenantSettings, settings.meta.name.as_str())
                    .to_string(),
                kind: ResourceKind::TenantSettings,
                action: Action::Update,
                id: None,
                display_name: "tenant settings".to_owned(),
                attributes,
                risk: None,
                impact: None,
                after: After::TenantSettings(changed),
                depends_on: Vec::new(),
            });
        }
    }
}

pub(crate) fn role_name(role: Role) -> String {
    to_json(&role).as_str().unwrap_or_default().to_owned()
}

/// A create's attributes turned into what a deleted object held (before-values only); the
/// display name is in the change's heading already.
fn as_held(attributes: Vec<AttributeChange>) -> Vec<AttributeChange> {
    attributes
        .into_iter()
        .filter(|a| a.path != "displayName")
        .map(|a| AttributeChange {
            path: a.path,
            before: a.after,
            after: None,
        })
        .collect()
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

/// Leaf-level differences of two JSON values, as dotted paths.
fn json_diff(
    prefix: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<AttributeChange>,
) {
    let empty = Value::Object(Default::default());
    // An object appearing or disappearing is shown field by field, like a changed one.
    let (before, after) = match (before, after) {
        (None | Some(Value::Null), Some(a @ Value::Object(_))) => (Some(&empty), Some(a)),
        (Some(b @ Value::Object(_)), None | Some(Value::Null)) => (Some(b), Some(&empty)),
        other => other,
    };
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for k in keys {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                json_diff(&path, b.get(k), a.get(k), out);
            }
        }
        (b, a) => {
            let b = b.filter(|v| !v.is_null());
            let a = a.filter(|v| !v.is_null());
            if b != a {
                out.push(attr(prefix, b.cloned(), a.cloned()));
            }
        }
    }
}

fn group_attributes(
    live: &ObservedGroup,
    after: &ObservedGroup,
    creating: bool,
) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    let before = |v: Value| if creating { None } else { Some(v) };
    json_diff(
        "displayName",
        before(json!(live.display_name)).as_ref(),
        Some(&json!(after.display_name)),
        &mut out,
    );
    json_diff(
        "description",
        before(json!(live.description)).as_ref(),
        Some(&json!(after.description)),
        &mut out,
    );
    json_diff(
        "rules",
        before(to_json(&live.rules)).as_ref(),
        Some(&to_json(&after.rules)),
        &mut out,
    );
    out.retain(|c| !(creating && c.after.as_ref().is_some_and(|v| v == &json!(""))));
    out
}

/// The reasons an update of DLP policy `live` to `after` loosens it (empty when it does not).
pub(crate) fn dlp_risks(
    live: &ObservedDlpPolicy,
    after: &ObservedDlpPolicy,
    catalog: &Catalog,
    environments: &BTreeMap<String, ObservedEnvironment>,
) -> Vec<String> {
    dlp_attributes(Some(live), after, catalog, environments).1
}

/// The attribute changes of a DLP policy, and the reasons it loosens, if it does.
fn dlp_attributes(
    live: Option<&ObservedDlpPolicy>,
    after: &ObservedDlpPolicy,
    catalog: &Catalog,
    environments: &BTreeMap<String, ObservedEnvironment>,
) -> (Vec<AttributeChange>, Vec<String>) {
    // Environments by display name, which is what a reviewer recognises.
    let names = |ids: &BTreeSet<String>| -> Vec<String> {
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
    };
    let mut out = Vec::new();
    let mut risks = Vec::new();
    let empty = ObservedDlpPolicy {
        id: String::new(),
        display_name: String::new(),
        scope_mode: None,
        environment_ids: BTreeSet::new(),
        default_group: after.default_group,
        classification: BTreeMap::new(),
        action_rules: BTreeMap::new(),
        endpoint_rules: BTreeMap::new(),
        custom_connector_patterns: Vec::new(),
        etag: None,
        last_modified: None,
    };
    let creating = live.is_none();
    let live = live.unwrap_or(&empty);
    let opt = |v: Value| if creating { None } else { Some(v) };
    if creating || live.display_name != after.display_name {
        out.push(attr(
            "displayName",
            opt(json!(live.display_name)),
            Some(json!(after.display_name)),
        ));
    }
    if creating || live.scope_mode != after.scope_mode {
        out.push(attr(
            "scope.mode",
            opt(to_json(&live.scope_mode)),
            Some(to_json(&after.scope_mode)),
        ));
        if !creating
            && after.scope_mode == Some(ScopeMode::Only)
            && live.scope_mode != Some(ScopeMode::Only)
        {
            risks.push("environments created later are no longer covered".to_owned());
        }
    }
    let removed: Vec<&String> = live
        .environment_ids
        .difference(&after.environment_ids)
        .collect();
    let added: Vec<&String> = after
        .environment_ids
        .difference(&live.environment_ids)
        .collect();
    if !removed.is_empty() || !added.is_empty() {
        out.push(attr(
            "scope.environments",
            opt(json!(names(&live.environment_ids))),
            Some(json!(names(&after.environment_ids))),
        ));
    }
    if !creating {
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
            let lost = names(&lost);
            let shown: Vec<&str> = lost.iter().take(5).map(String::as_str).collect();
            let more = if lost.len() > 5 {
                format!(" and {} more", lost.len() - 5)
            } else {
                String::new()
            };
            risks.push(format!(
                "the policy's scope shrinks: it stops covering {}{more}",
                shown.join(", ")
            ));
        }
    }
    if creating || live.default_group != after.default_group {
        out.push(attr(
            "connectors.default",
            opt(to_json(&live.default_group)),
            Some(to_json(&after.default_group)),
        ));
    }
    if !creating {
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
            let shown: Vec<&str> = loosened.iter().take(5).map(String::as_str).collect();
            let more = if loosened.len() > 5 {
                format!(" and {} more", loosened.len() - 5)
            } else {
                String::new()
            };
            risks.push(format!(
                "loosens the classification of {}{more}",
                shown.join(", ")
            ));
        }
    } else {
        for (id, group) in &after.classification {
            out.push(attr(
                format!("connectors.{}", short(id, catalog)),
                None,
                Some(to_json(group)),
            ));
        }
    }
    // Keyed by the connector names users write, not `/providers/...` ids.
    let by_short = |m: Value| -> Value {
        match m {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .map(|(k, v)| (short(&k, catalog), v))
                    .collect(),
            ),
            other => other,
        }
    };
    json_diff(
        "actionRules",
        opt(by_short(to_json(&live.action_rules))).as_ref(),
        Some(&by_short(to_json(&after.action_rules))),
        &mut out,
    );
    json_diff(
        "endpointRules",
        opt(by_short(to_json(&live.endpoint_rules))).as_ref(),
        Some(&by_short(to_json(&after.endpoint_rules))),
        &mut out,
    );
    if !creating {
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
    }
    if creating
        || patterns_meaning(&live.custom_connector_patterns)
            != patterns_meaning(&after.custom_connector_patterns)
    {
        out.push(attr(
            "customConnectorPatterns",
            opt(to_json(&live.custom_connector_patterns)),
            Some(to_json(&after.custom_connector_patterns)),
        ));
    }
    out.retain(|c| {
        !(creating
            && c.after
                .as_ref()
                .is_some_and(|v| v == &json!({}) || v == &json!([])))
    });
    (out, risks)
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
