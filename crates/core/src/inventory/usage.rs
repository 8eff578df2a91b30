//! The usage index: the inventory's apps and flows grouped by the connectors they use.
//!
//! A DLP evaluation of an item reads only its connector usage (and its environment's custom
//! connectors), and the same few hundred usages repeat across a tenant's environments. So the
//! usages are interned tenant-wide as *profiles*, and each environment lists, per profile, the
//! items that use it: an analysis evaluates a profile once and reaches only the items of the
//! profiles whose answer matters. Built once an inventory is complete
//! ([`super::Inventory::index_usage`]), never serialized.

use super::{
    ConnectorUsage, ConnectorUse, EnvironmentInventory, Inventory, InventoryItem, ItemKind, ItemMap,
};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};

/// A usage profile's number in its [`UsageIndex`].
pub type ProfileId = u32;

#[derive(Clone, Default)]
pub struct UsageIndex {
    /// By [`ProfileId`]: the usage as the evaluation reads it (connection names left out).
    profiles: Vec<ConnectorUsage>,
    /// By lower-cased environment id, for every environment of the inventory.
    environments: BTreeMap<String, EnvironmentUsage>,
}

/// The profiles an environment's items use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvironmentUsage {
    /// In profile id order.
    pub profiles: Vec<ProfileUse>,
    /// What the index was built from, to tell when the inventory changed since.
    counts: Counts,
}

/// One profile in one environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileUse {
    pub profile: ProfileId,
    /// The profile uses one of the environment's custom connectors, whose host URL a policy
    /// may judge it by: its evaluation holds for this environment only. Otherwise it holds in
    /// every environment.
    pub environment_dependent: bool,
    /// The items that use exactly this profile, apps then flows, each in id order.
    pub members: Vec<Member>,
}

/// An item of an environment, by its place in the environment's apps or flows
/// ([`super::ItemMap::at`]): reached without a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub kind: ItemKind,
    pub position: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    /// [`super::ItemMap::stamp`]s: any change to the items gives a new one.
    apps: u64,
    flows: u64,
    custom_connectors: usize,
}

impl Counts {
    fn of(env: &EnvironmentInventory) -> Counts {
        Counts {
            apps: env.apps.stamp(),
            flows: env.flows.stamp(),
            custom_connectors: env.custom_connectors.len(),
        }
    }
}

/// A usage compared and hashed as the evaluation reads it: connection names aside (their
/// endpoints are already in `endpoints`), so items that differ only in whose connection they
/// use share a profile.
#[derive(Clone, Copy)]
struct Evaluated<'a>(&'a ConnectorUsage);

impl PartialEq for Evaluated<'_> {
    fn eq(&self, other: &Self) -> bool {
        same_usage(self.0, other.0)
    }
}

impl Eq for Evaluated<'_> {}

impl Hash for Evaluated<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.0.len());
        for (key, used) in self.0 {
            key.hash(state);
            used.custom.hash(state);
            used.operations.hash(state);
            used.endpoints.hash(state);
        }
    }
}

/// Whether two usages are evaluated alike: the same connectors, each used alike (connection
/// names aside).
pub(crate) fn same_usage(a: &ConnectorUsage, b: &ConnectorUsage) -> bool {
    let alike = |x: &ConnectorUse, y: &ConnectorUse| {
        x.custom == y.custom && x.operations == y.operations && x.endpoints == y.endpoints
    };
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((ka, ua), (kb, ub))| ka == kb && alike(ua, ub))
}

impl UsageIndex {
    /// Groups every item of `inventory` by profile. Profiles are numbered in the order they
    /// are first met (environments, then apps and flows, in id order): deterministic.
    pub fn build(inventory: &Inventory) -> UsageIndex {
        let mut profiles: Vec<ConnectorUsage> = Vec::new();
        let mut interned: HashMap<Evaluated<'_>, ProfileId> = HashMap::new();
        let mut environments = BTreeMap::new();
        for (env_id, env) in &inventory.environments {
            let mut members: BTreeMap<ProfileId, Vec<Member>> = BTreeMap::new();
            for (member, item) in
                positioned(env, ItemKind::App).chain(positioned(env, ItemKind::Flow))
            {
                let next = profiles.len() as ProfileId;
                let profile = *interned.entry(Evaluated(&item.connectors)).or_insert(next);
                if profile == next {
                    profiles.push(without_connections(&item.connectors));
                }
                members.entry(profile).or_default().push(member);
            }
            let profile_uses = members
                .into_iter()
                .map(|(profile, members)| ProfileUse {
                    profile,
                    environment_dependent: profiles[profile as usize]
                        .keys()
                        .any(|key| env.custom_connectors.contains_key(key)),
                    members,
                })
                .collect();
            environments.insert(
                env_id.clone(),
                EnvironmentUsage {
                    profiles: profile_uses,
                    counts: Counts::of(env),
                },
            );
        }
        UsageIndex {
            profiles,
            environments,
        }
    }

    /// The usage of profile `id`, as the evaluation reads it.
    pub fn profile(&self, id: ProfileId) -> &ConnectorUsage {
        &self.profiles[id as usize]
    }

    /// How many distinct usages the inventory holds.
    pub fn profile_count(&self) -> usize {
        self.profiles.len()
    }

    /// The profiles of one environment; `None` for an environment the inventory lacks.
    pub fn environment(&self, id: &str) -> Option<&EnvironmentUsage> {
        self.environments.get(id)
    }

    /// Whether the index still matches `inventory`: the same environments, whose apps and
    /// flows have not changed since it was built (their stamps) and with as many custom
    /// connectors each.
    pub fn is_current_for(&self, inventory: &Inventory) -> bool {
        self.environments.len() == inventory.environments.len()
            && self
                .environments
                .iter()
                .zip(&inventory.environments)
                .all(|((ia, usage), (ib, env))| ia == ib && usage.counts == Counts::of(env))
    }
}

impl fmt::Debug for UsageIndex {
    /// Derived data: its size says enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsageIndex")
            .field("profiles", &self.profiles.len())
            .field("environments", &self.environments.len())
            .finish()
    }
}

/// The apps or flows of `env` with their [`Member`]s.
fn positioned(
    env: &EnvironmentInventory,
    kind: ItemKind,
) -> impl Iterator<Item = (Member, &InventoryItem)> {
    env.items(kind)
        .places()
        .map(move |(position, item)| (Member { kind, position }, item))
}

fn without_connections(usage: &ConnectorUsage) -> ConnectorUsage {
    usage
        .iter()
        .map(|(key, used)| {
            let used = ConnectorUse {
                connections: Default::default(),
                ..used.clone()
            };
            (key.clone(), used)
        })
        .collect()
}

impl EnvironmentInventory {
    /// The item `member` stands for.
    pub fn member(&self, member: Member) -> Option<&InventoryItem> {
        self.items(member.kind).at(member.position)
    }

    /// The apps or the flows, by lower-cased id.
    pub fn items(&self, kind: ItemKind) -> &ItemMap {
        match kind {
            ItemKind::App => &self.apps,
            ItemKind::Flow => &self.flows,
        }
    }
}

#[cfg(test)]
mod tests;
