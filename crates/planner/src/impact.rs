//! DLP impact: which environments' effective data policies a plan changes, and which apps and
//! flows there comply today and would violate after the whole plan (it breaks them) or
//! violate today and comply after (it fixes them).
//!
//! Both sides are evaluated with [`ppgov_core::dlp_eval`]: today's policies as observed, and
//! the policies after the plan (its `after` values, environment groups already lowered to
//! their member environments). Each policy is compiled once, and items are evaluated only in
//! the environments whose effective DLP differs, only against what differs there, unless an
//! item's result changes (then against everything else that applies, which decides whether the
//! item complies on both sides).
//!
//! Items are evaluated by usage profile ([`UsageIndex`]): all items of an environment that use
//! the same connectors alike fare alike, and a policy's verdict on a profile holds in every
//! environment unless the profile uses one of that environment's custom connectors. So each
//! (policy, profile) is evaluated once for the whole tenant, reasons are built once per
//! (policy, profile), and only the items of profiles that break or are fixed are visited.
//!
//! An item is attributed to the policy changes whose policy it violates on the side where it
//! violates (after, for a break; today, for a fix), and, when such a policy's coverage of the
//! environment changes, to the environment's group membership changes in the plan (an
//! environment moving between groups whose policies differ). Environments whose inventory was
//! not read are listed as unknown, never taken as empty. ppgov never creates environments, so
//! a plan brings no new environment under a policy other than through scope and membership.

use crate::classification;
use crate::plan::{Action, After, Change, Plan, ResourceKind};
use ppgov_core::catalog::Catalog;
use ppgov_core::dlp_eval::{self, CompiledPolicy};
use ppgov_core::inventory::{
    ConnectorKey, ConnectorUsage, EnvironmentInventory, InventoryItem, ItemKind, ProfileId,
    ProfileUse, UsageIndex, connector_key,
};
use ppgov_core::model::ScopeMode;
use ppgov_core::observed::{Observed, ObservedDlpPolicy};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// What one change does to the apps and flows of the environments it concerns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    /// Environments whose effective DLP the change alters and whose inventory was read.
    pub environments_read: usize,
    /// Comply today, violate after the plan: most shared first.
    pub breaks: Vec<ImpactedItem>,
    /// Violate today, comply after the plan: most shared first.
    pub fixes: Vec<ImpactedItem>,
    /// Environments the change concerns whose inventory was not read: impact unknown.
    pub unknown: Vec<EnvironmentRef>,
}

/// An environment, as a reviewer knows it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentRef {
    pub id: String,
    pub display_name: String,
}

/// An app or flow a change breaks or fixes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpactedItem {
    pub kind: ItemKind,
    pub id: String,
    pub display_name: String,
    /// Shared by every item reported in the environment.
    pub environment: Arc<EnvironmentRef>,
    /// The owner's display name, else e-mail, else object id.
    pub owner: Option<String>,
    pub last_modified: Option<String>,
    /// Users the item is shared with (its reach); `None` when unknown.
    pub shared_users: Option<u64>,
    /// Why it violates (after the plan for a break, today for a fix), as
    /// `{policy}: {reason}`, for the policies this change concerns. Shared by the items
    /// that use the same connectors alike.
    pub reasons: Arc<[String]>,
}

/// The whole plan's impact: distinct items and environments over every change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub broken_apps: usize,
    pub broken_flows: usize,
    /// Environments with at least one broken item.
    pub broken_in: usize,
    /// Environments some change concerns whose inventory was not read.
    pub unknown: usize,
}

impl Totals {
    /// Counts over `plan`'s impacts.
    pub fn of(plan: &Plan) -> Totals {
        let mut broken: BTreeSet<(&str, ItemKind, &str)> = BTreeSet::new();
        let mut unknown: BTreeSet<&str> = BTreeSet::new();
        for impact in plan.changes.iter().filter_map(|c| c.impact.as_ref()) {
            for item in &impact.breaks {
                broken.insert((&item.environment.id, item.kind, &item.id));
            }
            unknown.extend(impact.unknown.iter().map(|e| e.id.as_str()));
        }
        let count = |kind| broken.iter().filter(|(_, k, _)| *k == kind).count();
        Totals {
            broken_apps: count(ItemKind::App),
            broken_flows: count(ItemKind::Flow),
            broken_in: broken
                .iter()
                .map(|(e, _, _)| *e)
                .collect::<BTreeSet<_>>()
                .len(),
            unknown: unknown.len(),
        }
    }
}

/// The environments whose effective DLP (the policies that apply, and their contents) differs
/// between `observed` and the tenant after `plan`: policies created, updated or deleted, scope
/// changes, environments moving between groups whose policies differ. Lower-cased ids. Needs
/// no inventory: this is what decides which environments' inventory to read. Environments the
/// plan creates are left out: nothing runs in them yet.
pub fn affected_environments(
    plan: &Plan,
    observed: &Observed,
    catalog: &Catalog,
) -> BTreeSet<String> {
    let sides = PolicySides::of(plan, observed);
    sides
        .differences(observed, catalog)
        .into_keys()
        .filter(|id| observed.environments.contains_key(*id))
        .map(str::to_owned)
        .collect()
}

/// The impact of each of `plan`'s changes, in change order, from `observed.inventory`:
/// `None` for changes that alter no environment's effective DLP, and for every change when no
/// inventory was read at all (then nothing is known, and the plan says nothing).
pub fn analyse(plan: &Plan, observed: &Observed, catalog: &Catalog) -> Vec<Option<Impact>> {
    if observed.inventory.is_empty() {
        return vec![None; plan.changes.len()];
    }
    // Current by construction: built again if the inventory changed since it was indexed.
    let index = observed.inventory.usage();
    analyse_with(plan, observed, catalog, &index)
}

fn analyse_with(
    plan: &Plan,
    observed: &Observed,
    catalog: &Catalog,
    index: &UsageIndex,
) -> Vec<Option<Impact>> {
    let mut impacts: Vec<Option<Impact>> = vec![None; plan.changes.len()];
    let sides = PolicySides::of(plan, observed);
    let differences = sides.differences(observed, catalog);
    if differences.is_empty() {
        return impacts;
    }
    let memberships = membership_changes(plan);
    let compiled = CompiledSides::new(observed, &sides);
    let unblockable = dlp_eval::unblockable(catalog);
    let covering = Covering::index(observed);
    let touched = TouchedSets::new(&sides, index);
    let mut verdicts = Verdicts::new(&compiled.policies, index, &unblockable, touched);
    let mut scratch = Scratch::default();
    // Per environment, cleared for each.
    let mut unchanged: Vec<Slot> = Vec::new();
    let mut changed: Vec<ChangedHere<'_, '_>> = Vec::new();
    for (env_id, differing) in differences {
        let environment = Arc::new(EnvironmentRef {
            id: env_id.to_owned(),
            display_name: observed
                .environments
                .get(env_id)
                .map_or_else(|| env_id.to_owned(), |e| e.display_name.clone()),
        });
        let moved = differing.iter().any(|d| d.coverage_changed);
        let env_memberships: &[usize] = match memberships.get(env_id) {
            Some(m) if moved => m,
            _ => &[],
        };
        let concerned = differing
            .iter()
            .map(|d| sides.changes[d.side].change)
            .chain(env_memberships.iter().copied());
        let Some(inventory) = observed.inventory.environments.get(env_id) else {
            for change in concerned {
                let impact = impacts[change].get_or_insert_with(Impact::default);
                impact.unknown.push(EnvironmentRef::clone(&environment));
            }
            continue;
        };
        for change in concerned {
            impacts[change]
                .get_or_insert_with(Impact::default)
                .environments_read += 1;
        }
        // What applies today and is not changed here: decides alone whether an item whose
        // result under the changed policies differs complies on both sides.
        unchanged.clear();
        unchanged.extend(
            covering
                .policies(env_id)
                .filter(|id| {
                    !differing
                        .iter()
                        .any(|d| sides.changes[d.side].live_id() == Some(id))
                })
                .filter_map(|id| compiled.before.get(id).copied()),
        );
        let covers = |p: Option<&ObservedDlpPolicy>| {
            p.is_some_and(|p| dlp_eval::coverage(p, env_id).is_some())
        };
        changed.clear();
        changed.extend(differing.iter().map(|d| {
            let change = &sides.changes[d.side];
            ChangedHere {
                change,
                coverage_changed: d.coverage_changed,
                touched: (!d.coverage_changed).then(|| verdicts.touched.of_side[d.side]),
                today: change
                    .live_id()
                    .filter(|_| covers(change.before))
                    .and_then(|id| compiled.before.get(id).copied()),
                after: compiled.after[d.side].filter(|_| covers(change.after)),
            }
        }));
        let evaluation = EnvironmentEvaluation {
            changed: &changed,
            unchanged: &unchanged,
            environment: &environment,
            memberships: env_memberships,
        };
        verdicts.enter_environment(&inventory.custom_connectors);
        let profiles = index
            .environment(env_id)
            .expect("a current usage index has every environment of its inventory");
        for profile in &profiles.profiles {
            evaluation.attribute(
                inventory,
                profile,
                &mut verdicts,
                &mut scratch,
                &mut impacts,
            );
        }
    }
    for impact in impacts.iter_mut().flatten() {
        impact.breaks.sort_by(most_shared_first);
        impact.fixes.sort_by(most_shared_first);
        impact.unknown.sort();
    }
    impacts
}

/// Widest reach first (unknown last), then by environment, kind, name and id: deterministic.
fn most_shared_first(a: &ImpactedItem, b: &ImpactedItem) -> std::cmp::Ordering {
    let reach = |i: &ImpactedItem| std::cmp::Reverse(i.shared_users.map_or(0, |u| u + 1));
    (reach(a), &a.environment, a.kind, &a.display_name, &a.id).cmp(&(
        reach(b),
        &b.environment,
        b.kind,
        &b.display_name,
        &b.id,
    ))
}

/// The two versions of the one policy a DLP change touches.
struct PolicyChange<'a> {
    /// Index into the plan's changes.
    change: usize,
    before: Option<&'a ObservedDlpPolicy>,
    after: Option<&'a ObservedDlpPolicy>,
}

impl<'a> PolicyChange<'a> {
    /// The live policy's id; `None` for a create.
    fn live_id(&self) -> Option<&'a str> {
        self.before.map(|p| p.id.as_str())
    }

    fn name(&self) -> &'a str {
        self.after
            .or(self.before)
            .map_or("", |p| p.display_name.as_str())
    }
}

/// Every DLP change of a plan, with both versions of its policy.
struct PolicySides<'a> {
    changes: Vec<PolicyChange<'a>>,
}

impl PolicyChange<'_> {
    /// What the change touches where it applies on both sides.
    fn touched(&self) -> Touched {
        match (self.before, self.after) {
            (Some(before), Some(after)) => Touched::between(before, after),
            _ => Touched::All,
        }
    }
}

/// One changed policy whose effect on one environment differs.
struct Differing {
    /// Index into [`PolicySides::changes`].
    side: usize,
    /// The policy applies on one side only.
    coverage_changed: bool,
}

/// The connectors whose treatment two versions of a policy differ in: an item that uses none
/// of them fares the same under both.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Touched {
    /// The default group or the URL patterns changed: any connector may be treated otherwise.
    All,
    Some(BTreeSet<ConnectorKey>),
}

impl Touched {
    fn between(before: &ObservedDlpPolicy, after: &ObservedDlpPolicy) -> Touched {
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

    fn used_by(&self, usage: &ConnectorUsage) -> bool {
        match self {
            Touched::All => true,
            Touched::Some(keys) => usage.keys().any(|k| keys.contains(k)),
        }
    }
}

/// A distinct [`Touched`] in [`TouchedSets::sets`].
type TouchedSet = u32;

/// The changes' [`Touched`] connectors, each distinct set once (changes that make the same
/// edit to many policies share one), and whether each profile uses them, each found once.
struct TouchedSets {
    sets: Vec<Touched>,
    /// By [`PolicySides::changes`] index.
    of_side: Vec<TouchedSet>,
    /// By set, then profile.
    uses: Dense,
}

impl TouchedSets {
    fn new(sides: &PolicySides<'_>, index: &UsageIndex) -> TouchedSets {
        let mut sets: Vec<Touched> = Vec::new();
        let mut numbered: BTreeMap<Touched, TouchedSet> = BTreeMap::new();
        let of_side = sides
            .changes
            .iter()
            .map(|change| {
                *numbered
                    .entry(change.touched())
                    .or_insert_with_key(|touched| {
                        sets.push(touched.clone());
                        (sets.len() - 1) as TouchedSet
                    })
            })
            .collect();
        TouchedSets {
            uses: Dense::new(sets.len(), index.profile_count()),
            sets,
            of_side,
        }
    }

    /// Whether the profile (whose usage is `usage`) uses a connector of `set`.
    fn used_by(&mut self, set: TouchedSet, profile: &ProfileUse, usage: &ConnectorUsage) -> bool {
        let sets = &self.sets;
        self.uses
            .get_or_insert_with(set, profile.profile, || sets[set as usize].used_by(usage))
    }
}

impl<'a> PolicySides<'a> {
    fn of(plan: &'a Plan, observed: &'a Observed) -> PolicySides<'a> {
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
    fn differences(
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
fn covered<'a>(policy: &'a ObservedDlpPolicy, observed: &'a Observed) -> BTreeSet<&'a str> {
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
fn same_rules(before: &ObservedDlpPolicy, after: &ObservedDlpPolicy, catalog: &Catalog) -> bool {
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
fn membership_changes(plan: &Plan) -> BTreeMap<&str, Vec<usize>> {
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
type Slot = u32;

/// Every observed policy compiled once, and both versions of each changed one.
struct CompiledSides<'a> {
    policies: Vec<CompiledPolicy<'a>>,
    /// Observed policies by id.
    before: BTreeMap<&'a str, Slot>,
    /// By [`PolicySides::changes`] index; `None` where the policy is deleted.
    after: Vec<Option<Slot>>,
}

impl<'a> CompiledSides<'a> {
    fn new(observed: &'a Observed, sides: &PolicySides<'a>) -> CompiledSides<'a> {
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

/// Whether a policy lets a usage profile through, and why not, each found once: for the
/// whole tenant where the profile uses none of the environment's custom connectors (the
/// verdict is then the same everywhere), for the environment at hand where it does.
struct Verdicts<'c, 'a> {
    policies: &'c [CompiledPolicy<'a>],
    index: &'c UsageIndex,
    unblockable: &'c BTreeSet<ConnectorKey>,
    /// The custom connectors of the environment at hand.
    customs: &'c BTreeMap<ConnectorKey, ppgov_core::inventory::CustomConnector>,
    /// By slot, then profile.
    everywhere: Dense,
    here: Memo<bool>,
    reasons_everywhere: Memo<Arc<[String]>>,
    reasons_here: Memo<Arc<[String]>>,
    /// Whether profiles use what the changes touch.
    touched: TouchedSets,
}

/// Booleans by row (a compiled policy's slot, a touched set), then profile, each found once:
/// a dense table (rows times profiles is a few hundred thousand at most, and it is read for
/// nearly every profile of every environment, where a hash map's lookups cost a tenth of the
/// analysis).
struct Dense {
    profiles: usize,
    cells: Vec<Option<bool>>,
}

impl Dense {
    fn new(rows: usize, profiles: usize) -> Dense {
        Dense {
            profiles,
            cells: vec![None; rows * profiles],
        }
    }

    fn get_or_insert_with(
        &mut self,
        row: u32,
        profile: ProfileId,
        f: impl FnOnce() -> bool,
    ) -> bool {
        let cell = &mut self.cells[row as usize * self.profiles + profile as usize];
        *cell.get_or_insert_with(f)
    }
}

/// By [`Verdicts::key`].
type Memo<T> = HashMap<u64, T, BuildHasherDefault<PackedKeyHasher>>;

impl<'c, 'a> Verdicts<'c, 'a> {
    fn new(
        policies: &'c [CompiledPolicy<'a>],
        index: &'c UsageIndex,
        unblockable: &'c BTreeSet<ConnectorKey>,
        touched: TouchedSets,
    ) -> Self {
        static NONE: BTreeMap<ConnectorKey, ppgov_core::inventory::CustomConnector> =
            BTreeMap::new();
        Verdicts {
            policies,
            index,
            unblockable,
            customs: &NONE,
            everywhere: Dense::new(policies.len(), index.profile_count()),
            here: Memo::default(),
            reasons_everywhere: Memo::default(),
            reasons_here: Memo::default(),
            touched,
        }
    }

    /// Environment-dependent verdicts from now on are about the environment with these
    /// custom connectors.
    fn enter_environment(
        &mut self,
        customs: &'c BTreeMap<ConnectorKey, ppgov_core::inventory::CustomConnector>,
    ) {
        self.customs = customs;
        self.here.clear();
        self.reasons_here.clear();
    }

    fn key(slot: Slot, profile: &ProfileUse) -> u64 {
        (u64::from(slot) << 32) | u64::from(profile.profile)
    }

    fn complies(&mut self, slot: Slot, profile: &ProfileUse) -> bool {
        let evaluate = || {
            self.policies[slot as usize].complies(
                self.index.profile(profile.profile),
                self.customs,
                self.unblockable,
            )
        };
        if profile.environment_dependent {
            return *self
                .here
                .entry(Self::key(slot, profile))
                .or_insert_with(evaluate);
        }
        self.everywhere
            .get_or_insert_with(slot, profile.profile, evaluate)
    }

    /// How the profile violates the policy at `slot`, as `{name}: {reason}` (a slot is one
    /// side of one change, so one name).
    fn reasons(&mut self, slot: Slot, profile: &ProfileUse, name: &str) -> &Arc<[String]> {
        let memo = if profile.environment_dependent {
            &mut self.reasons_here
        } else {
            &mut self.reasons_everywhere
        };
        memo.entry(Self::key(slot, profile)).or_insert_with(|| {
            self.policies[slot as usize]
                .violations(
                    self.index.profile(profile.profile),
                    self.customs,
                    self.unblockable,
                )
                .iter()
                .map(|r| format!("{name}: {r}"))
                .collect()
        })
    }
}

/// Hashes the memo keys, small integers packed into one `u64`: one mixing step (SipHash,
/// the default, would cost more than the lookups it serves). The finish mixes high bits into
/// low ones, which choose the bucket.
#[derive(Default)]
struct PackedKeyHasher(u64);

impl Hasher for PackedKeyHasher {
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8)) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Which observed policies apply to an environment, without a scan of every policy per
/// environment.
struct Covering<'a> {
    tenant_wide: Vec<&'a ObservedDlpPolicy>,
    listed: BTreeMap<&'a str, Vec<&'a str>>,
}

impl<'a> Covering<'a> {
    fn index(observed: &'a Observed) -> Covering<'a> {
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
    fn policies<'s>(&'s self, env_id: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.tenant_wide
            .iter()
            .filter(move |p| dlp_eval::coverage(p, env_id).is_some())
            .map(|p| p.id.as_str())
            .chain(self.listed.get(env_id).into_iter().flatten().copied())
    }
}

/// A changed policy whose effect on one environment differs, compiled on each side where it
/// applies to the environment.
struct ChangedHere<'e, 'a> {
    change: &'e PolicyChange<'a>,
    coverage_changed: bool,
    /// What differs, where the policy applies on both sides.
    touched: Option<TouchedSet>,
    today: Option<Slot>,
    after: Option<Slot>,
}

/// Evaluating the items of one environment.
struct EnvironmentEvaluation<'e, 'a> {
    changed: &'e [ChangedHere<'e, 'a>],
    unchanged: &'e [Slot],
    environment: &'e Arc<EnvironmentRef>,
    /// The environment's group membership changes, when its policies' coverage changes.
    memberships: &'e [usize],
}

/// Buffers [`EnvironmentEvaluation::attribute`] reuses from one profile to the next.
#[derive(Default)]
struct Scratch {
    /// Indexes into [`EnvironmentEvaluation::changed`] with the slot violated, today and after.
    today: Vec<(usize, Slot)>,
    after: Vec<(usize, Slot)>,
    /// Changed policies the profile fares the same under on both sides.
    alike: Vec<Slot>,
}

impl EnvironmentEvaluation<'_, '_> {
    /// Files the items of `profile` under the changes that break or fix them, if any do.
    fn attribute(
        &self,
        inventory: &EnvironmentInventory,
        profile: &ProfileUse,
        verdicts: &mut Verdicts<'_, '_>,
        scratch: &mut Scratch,
        impacts: &mut [Option<Impact>],
    ) {
        let usage = verdicts.index.profile(profile.profile);
        let Scratch {
            today,
            after,
            alike,
        } = scratch;
        today.clear();
        after.clear();
        alike.clear();
        for (at, changed) in self.changed.iter().enumerate() {
            // Uses nothing the change touches: as good as unchanged for this profile.
            if changed
                .touched
                .is_some_and(|set| !verdicts.touched.used_by(set, profile, usage))
            {
                alike.extend(changed.today);
                continue;
            }
            if let Some(slot) = changed.today.filter(|&s| !verdicts.complies(s, profile)) {
                today.push((at, slot));
            }
            if let Some(slot) = changed.after.filter(|&s| !verdicts.complies(s, profile)) {
                after.push((at, slot));
            }
        }
        let (causes, breaks) = match (today.is_empty(), after.is_empty()) {
            (true, false) => (&*after, true),
            (false, true) => (&*today, false),
            // The same result under the changed policies on both sides: neither.
            _ => return,
        };
        if !self
            .unchanged
            .iter()
            .chain(alike.iter())
            .all(|&slot| verdicts.complies(slot, profile))
        {
            return; // violates, on both sides, a policy the plan leaves as it is here
        }
        let mut filed: Vec<(usize, Arc<[String]>)> = Vec::with_capacity(causes.len());
        let mut membership_reasons = Vec::new();
        for &(at, slot) in causes {
            let changed = &self.changed[at];
            let reasons = verdicts.reasons(slot, profile, changed.change.name());
            if changed.coverage_changed {
                membership_reasons.extend_from_slice(reasons);
            }
            filed.push((changed.change.change, Arc::clone(reasons)));
        }
        if !membership_reasons.is_empty() {
            let membership_reasons: Arc<[String]> = membership_reasons.into();
            filed.extend(
                self.memberships
                    .iter()
                    .map(|&change| (change, Arc::clone(&membership_reasons))),
            );
        }
        for &member in &profile.members {
            let item = inventory
                .member(member)
                .expect("a current usage index lists the items of its inventory");
            let found = Found {
                item,
                environment: self.environment,
                breaks,
            };
            for (change, reasons) in &filed {
                found.record(impacts, *change, Arc::clone(reasons));
            }
        }
    }
}

/// An item a plan breaks or fixes.
struct Found<'e> {
    item: &'e InventoryItem,
    environment: &'e Arc<EnvironmentRef>,
    breaks: bool,
}

impl Found<'_> {
    /// Files the item under the change at `change`, with its reasons.
    fn record(&self, impacts: &mut [Option<Impact>], change: usize, reasons: Arc<[String]>) {
        let item = self.item;
        let impact = impacts[change].get_or_insert_with(Impact::default);
        let owner = item.owner.as_ref().and_then(|o| {
            o.display_name
                .clone()
                .or_else(|| o.email.clone())
                .or_else(|| o.id.clone())
        });
        let entry = ImpactedItem {
            kind: item.kind,
            id: item.id.clone(),
            display_name: item.display_name.clone(),
            environment: Arc::clone(self.environment),
            owner,
            last_modified: item.last_modified.clone(),
            shared_users: item.shared_users,
            reasons,
        };
        if self.breaks {
            impact.breaks.push(entry);
        } else {
            impact.fixes.push(entry);
        }
    }
}
