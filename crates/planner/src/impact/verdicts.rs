//! What a policy says of a usage profile, and whether a profile uses what a change touches,
//! each found once.

use super::sides::{PolicySides, Slot, Touched};
use ppgov_core::dlp_eval::CompiledPolicy;
use ppgov_core::inventory::{
    ConnectorKey, ConnectorUsage, CustomConnector, ProfileId, ProfileUse, UsageIndex,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// A distinct [`Touched`] in [`TouchedSets::sets`].
pub(super) type TouchedSet = u32;

/// The changes' [`Touched`] connectors, each distinct set once (changes that make the same
/// edit to many policies share one), and whether each profile uses them, each found once.
pub(super) struct TouchedSets {
    pub(super) sets: Vec<Touched>,
    /// By [`PolicySides::changes`] index.
    pub(super) of_side: Vec<TouchedSet>,
    /// By set, then profile.
    pub(super) uses: Dense,
}

impl TouchedSets {
    pub(super) fn new(sides: &PolicySides<'_>, index: &UsageIndex) -> TouchedSets {
        let mut numbered: BTreeMap<Touched, TouchedSet> = BTreeMap::new();
        let of_side = sides
            .changes
            .iter()
            .map(|change| {
                let next = numbered.len() as TouchedSet;
                *numbered.entry(change.touched()).or_insert(next)
            })
            .collect();
        let mut sets: Vec<(TouchedSet, Touched)> =
            numbered.into_iter().map(|(set, at)| (at, set)).collect();
        sets.sort_unstable_by_key(|(at, _)| *at);
        let sets: Vec<Touched> = sets.into_iter().map(|(_, set)| set).collect();
        TouchedSets {
            uses: Dense::new(sets.len(), index.profile_count()),
            sets,
            of_side,
        }
    }

    /// Whether the profile (whose usage is `usage`) uses a connector of `set`.
    pub(super) fn used_by(
        &mut self,
        set: TouchedSet,
        profile: &ProfileUse,
        usage: &ConnectorUsage,
    ) -> bool {
        let sets = &self.sets;
        self.uses
            .get_or_insert_with(set, profile.profile, || sets[set as usize].used_by(usage))
    }
}

/// Whether a policy lets a usage profile through, and why not, each found once: for the
/// whole tenant where the profile uses none of the environment's custom connectors (the
/// verdict is then the same everywhere), for the environment at hand where it does.
pub(super) struct Verdicts<'c, 'a> {
    pub(super) policies: &'c [CompiledPolicy<'a>],
    pub(super) index: &'c UsageIndex,
    pub(super) unblockable: &'c BTreeSet<ConnectorKey>,
    /// The custom connectors of the environment at hand.
    pub(super) customs: &'c BTreeMap<ConnectorKey, CustomConnector>,
    /// By slot, then profile.
    pub(super) everywhere: Dense,
    pub(super) here: Memo<bool>,
    pub(super) reasons_everywhere: Memo<Arc<[String]>>,
    pub(super) reasons_here: Memo<Arc<[String]>>,
    /// Whether profiles use what the changes touch.
    pub(super) touched: TouchedSets,
}

/// Booleans by row (a compiled policy's slot, a touched set), then profile, each found once:
/// a dense table (rows times profiles is a few hundred thousand at most, and it is read for
/// nearly every profile of every environment, where a hash map's lookups cost a tenth of the
/// analysis).
pub(super) struct Dense {
    pub(super) profiles: usize,
    pub(super) cells: Vec<Option<bool>>,
}

impl Dense {
    pub(super) fn new(rows: usize, profiles: usize) -> Dense {
        Dense {
            profiles,
            cells: vec![None; rows * profiles],
        }
    }

    pub(super) fn get_or_insert_with(
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
pub(super) type Memo<T> = HashMap<u64, T, BuildHasherDefault<PackedKeyHasher>>;

impl<'c, 'a> Verdicts<'c, 'a> {
    pub(super) fn new(
        policies: &'c [CompiledPolicy<'a>],
        index: &'c UsageIndex,
        unblockable: &'c BTreeSet<ConnectorKey>,
        touched: TouchedSets,
    ) -> Self {
        static NONE: BTreeMap<ConnectorKey, CustomConnector> = BTreeMap::new();
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
    pub(super) fn enter_environment(
        &mut self,
        customs: &'c BTreeMap<ConnectorKey, CustomConnector>,
    ) {
        self.customs = customs;
        self.here.clear();
        self.reasons_here.clear();
    }

    pub(super) fn key(slot: Slot, profile: &ProfileUse) -> u64 {
        (u64::from(slot) << 32) | u64::from(profile.profile)
    }

    pub(super) fn complies(&mut self, slot: Slot, profile: &ProfileUse) -> bool {
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
    pub(super) fn reasons(
        &mut self,
        slot: Slot,
        profile: &ProfileUse,
        name: &str,
    ) -> &Arc<[String]> {
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
pub(super) struct PackedKeyHasher(u64);

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
