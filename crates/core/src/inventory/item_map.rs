//! [`ItemMap`]: an environment's apps or flows, by id, each also reachable by its place.

use super::InventoryItem;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::collections::btree_map;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Apps or flows by lower-cased id, iterated in id order (serialized as a JSON object, like a
/// map). Each item also has a *place*, fixed when it is inserted, that reaches it without a
/// search: the usage index lists items by place, and the DLP impact reaches the few it
/// reports that way (walking a map's nodes to a place, or searching ids that share their
/// first 24 characters, costs a cache miss per step on a tenant-sized inventory).
///
/// Every change (through any `&mut` method) gives the map a new [`ItemMap::stamp`], unique in
/// the process: an index built from the map can tell that it is stale, however the items
/// were changed.
#[derive(Clone)]
pub struct ItemMap {
    places: BTreeMap<String, u32>,
    items: Vec<InventoryItem>,
    stamp: u64,
}

/// The source of [`ItemMap::stamp`]s.
fn next_stamp() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Default for ItemMap {
    fn default() -> ItemMap {
        ItemMap {
            places: BTreeMap::new(),
            items: Vec::new(),
            stamp: next_stamp(),
        }
    }
}

impl ItemMap {
    pub fn new() -> ItemMap {
        ItemMap::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Files `item` under `id`; an item already there is replaced (keeping its place) and
    /// returned.
    pub fn insert(&mut self, id: String, item: InventoryItem) -> Option<InventoryItem> {
        self.stamp = next_stamp();
        match self.places.entry(id) {
            btree_map::Entry::Occupied(at) => {
                Some(std::mem::replace(&mut self.items[*at.get() as usize], item))
            }
            btree_map::Entry::Vacant(at) => {
                let place = u32::try_from(self.items.len()).expect("fewer than 2^32 items");
                at.insert(place);
                self.items.push(item);
                None
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<&InventoryItem> {
        self.places
            .get(id)
            .map(|&place| &self.items[place as usize])
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut InventoryItem> {
        self.stamp = next_stamp();
        let place = *self.places.get(id)?;
        Some(&mut self.items[place as usize])
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.places.contains_key(id)
    }

    /// The item at `place` (see [`ItemMap::places`]).
    pub fn at(&self, place: u32) -> Option<&InventoryItem> {
        self.items.get(place as usize)
    }

    /// Ids and items, in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &InventoryItem)> + '_ {
        self.places
            .iter()
            .map(|(id, &place)| (id, &self.items[place as usize]))
    }

    /// Each item's place and the item, in id order.
    pub fn places(&self) -> impl Iterator<Item = (u32, &InventoryItem)> + '_ {
        self.places
            .values()
            .map(|&place| (place, &self.items[place as usize]))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + '_ {
        self.places.keys()
    }

    /// The items, in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &InventoryItem> + '_ {
        self.places
            .values()
            .map(|&place| &self.items[place as usize])
    }

    /// The items, to change them, in the order they were inserted.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut InventoryItem> + '_ {
        self.stamp = next_stamp();
        self.items.iter_mut()
    }

    /// Changes with every change to the map; unique in the process (a map built again from
    /// the same items gets a new one; a clone keeps it, being the same items).
    pub fn stamp(&self) -> u64 {
        self.stamp
    }
}

impl std::ops::Index<&str> for ItemMap {
    type Output = InventoryItem;

    fn index(&self, id: &str) -> &InventoryItem {
        self.get(id)
            .unwrap_or_else(|| panic!("no item with id {id:?}"))
    }
}

impl PartialEq for ItemMap {
    /// The same ids with equal items; places and stamps aside.
    fn eq(&self, other: &ItemMap) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for ItemMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, InventoryItem)> for ItemMap {
    fn from_iter<I: IntoIterator<Item = (String, InventoryItem)>>(iter: I) -> ItemMap {
        let mut map = ItemMap::new();
        for (id, item) in iter {
            map.insert(id, item);
        }
        map
    }
}

impl Serialize for ItemMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for ItemMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ItemMap, D::Error> {
        let by_id = BTreeMap::<String, InventoryItem>::deserialize(deserializer)?;
        Ok(by_id.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::ItemKind;

    fn item(id: &str) -> InventoryItem {
        InventoryItem {
            kind: ItemKind::App,
            id: id.into(),
            display_name: id.to_uppercase(),
            ..InventoryItem::default()
        }
    }

    fn map(ids: &[&str]) -> ItemMap {
        ids.iter().map(|id| (id.to_string(), item(id))).collect()
    }

    #[test]
    fn iterates_in_id_order_and_reaches_items_by_place() {
        let map = map(&["c", "a", "b"]);
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        let places: Vec<(u32, &str)> = map.places().map(|(p, i)| (p, i.id.as_str())).collect();
        assert_eq!(places, [(1, "a"), (2, "b"), (0, "c")]);
        for (place, item) in map.places() {
            assert_eq!(map.at(place).map(|i| &i.id), Some(&item.id));
        }
        assert_eq!(map["b"].display_name, "B");
        assert!(map.get("d").is_none() && map.at(3).is_none());
    }

    #[test]
    fn a_replaced_item_keeps_its_place() {
        let mut map = map(&["a", "b"]);
        let mut changed = item("a");
        changed.display_name = "renamed".into();
        let old = map.insert("a".into(), changed);
        assert_eq!(old.map(|i| i.display_name), Some("A".to_string()));
        assert_eq!(map.len(), 2);
        assert_eq!(map.at(0).map(|i| i.display_name.as_str()), Some("renamed"));
    }

    #[test]
    fn serializes_as_a_map_in_id_order_and_reads_back_equal() {
        let map = map(&["b", "a"]);
        let as_btree: BTreeMap<String, InventoryItem> =
            map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let json = serde_json::to_string(&map).unwrap();
        assert_eq!(json, serde_json::to_string(&as_btree).unwrap());
        let back: ItemMap = serde_json::from_str(&json).unwrap();
        assert_eq!(back, map);
        // Places differ (insertion order), equality does not see them.
        assert_eq!(back.at(0).map(|i| i.id.as_str()), Some("a"));
        assert_eq!(map.at(0).map(|i| i.id.as_str()), Some("b"));
    }

    #[test]
    fn every_change_gives_a_new_stamp_and_a_clone_keeps_it() {
        let mut map = map(&["a"]);
        let mut stamps = vec![map.stamp()];
        map.insert("b".into(), item("b"));
        stamps.push(map.stamp());
        map.get_mut("a");
        stamps.push(map.stamp());
        map.values_mut().for_each(|_| {});
        stamps.push(map.stamp());
        stamps.push(ItemMap::new().stamp());
        let distinct: std::collections::BTreeSet<u64> = stamps.iter().copied().collect();
        assert_eq!(distinct.len(), stamps.len());
        assert_eq!(map.clone().stamp(), map.stamp());
        assert_eq!(map.clone(), map);
    }
}
