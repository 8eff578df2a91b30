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

use crate::plan::Plan;
use ppgov_core::catalog::Catalog;
use ppgov_core::dlp_eval;
use ppgov_core::inventory::{
    EnvironmentInventory, InventoryItem, ItemKind, ProfileUse, UsageIndex,
};
use ppgov_core::observed::{Observed, ObservedDlpPolicy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;

mod sides;
mod verdicts;

use sides::{CompiledSides, Covering, PolicyChange, PolicySides, Slot, membership_changes};
use verdicts::{TouchedSet, TouchedSets, Verdicts};

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
