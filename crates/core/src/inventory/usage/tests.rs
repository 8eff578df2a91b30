use super::*;
use crate::inventory::CustomConnector;
use std::borrow::Cow;

fn item(kind: ItemKind, id: &str, env: &str, connectors: &[&str]) -> InventoryItem {
    InventoryItem {
        kind,
        id: id.into(),
        environment_id: env.into(),
        connectors: connectors
            .iter()
            .map(|c| (c.to_string(), ConnectorUse::default()))
            .collect(),
        ..Default::default()
    }
}

/// The profile each item of `env` is filed under, by item id.
fn profiles_of(
    index: &UsageIndex,
    inventory: &Inventory,
    env: &str,
) -> BTreeMap<String, ProfileId> {
    index
        .environment(env)
        .unwrap()
        .profiles
        .iter()
        .flat_map(|p| {
            p.members.iter().map(move |&m| {
                let item = inventory.environments[env].member(m).unwrap();
                (item.id.clone(), p.profile)
            })
        })
        .collect()
}

#[test]
fn identical_usage_shares_a_profile_across_kinds_and_environments() {
    let mut inventory = Inventory::default();
    inventory.insert(item(
        ItemKind::App,
        "a1",
        "e1",
        &["shared_sql", "shared_teams"],
    ));
    inventory.insert(item(
        ItemKind::Flow,
        "f1",
        "e1",
        &["shared_sql", "shared_teams"],
    ));
    inventory.insert(item(
        ItemKind::App,
        "a2",
        "e2",
        &["shared_sql", "shared_teams"],
    ));
    inventory.insert(item(ItemKind::App, "a3", "e2", &["shared_sql"]));
    // Another connection of the same connector: evaluated alike.
    let mut other_connection = item(ItemKind::Flow, "f2", "e2", &["shared_sql"]);
    let used = other_connection.connectors.get_mut("shared_sql").unwrap();
    used.connections.insert("shared-sql-of-someone-else".into());
    inventory.insert(other_connection);
    // Known operations: evaluated otherwise (action rules).
    let mut with_operations = item(ItemKind::Flow, "f3", "e2", &["shared_sql"]);
    with_operations
        .connectors
        .get_mut("shared_sql")
        .unwrap()
        .operations = Some(["ExecuteQuery".to_string()].into());
    inventory.insert(with_operations);
    inventory.index_usage();

    let index = inventory.usage();
    assert!(
        matches!(index, Cow::Borrowed(_)),
        "the built index is current"
    );
    assert_eq!(index.profile_count(), 3);
    let (e1, e2) = (
        profiles_of(&index, &inventory, "e1"),
        profiles_of(&index, &inventory, "e2"),
    );
    assert_eq!(e1["a1"], e1["f1"]);
    assert_eq!(e1["a1"], e2["a2"]);
    assert_eq!(e2["a3"], e2["f2"]);
    assert_ne!(e2["a3"], e2["a2"]);
    assert_ne!(e2["f3"], e2["a3"]);
    let shared = &index.environment("e1").unwrap().profiles[0];
    assert_eq!(
        shared.members,
        [
            Member {
                kind: ItemKind::App,
                position: 0
            },
            Member {
                kind: ItemKind::Flow,
                position: 0
            }
        ]
    );
    // The profile is what the evaluation reads: connection names left out.
    assert!(index.profile(e2["f2"])["shared_sql"].connections.is_empty());
}

#[test]
fn a_stale_index_is_detected_and_built_again() {
    let mut inventory = Inventory::default();
    inventory.insert(item(ItemKind::App, "a1", "e1", &["shared_sql"]));
    inventory.index_usage();
    // Inserted after indexing: the insert drops the index.
    inventory.insert(item(ItemKind::App, "a2", "e1", &["shared_twitter"]));
    let index = inventory.usage();
    assert!(matches!(index, Cow::Owned(_)));
    assert_eq!(profiles_of(&index, &inventory, "e1").len(), 2);

    // Edited through the public maps, past the inserting methods: the stamps tell.
    inventory.index_usage();
    let env = inventory.environments.get_mut("e1").unwrap();
    env.flows.insert(
        "f1".into(),
        item(ItemKind::Flow, "f1", "e1", &["shared_rss"]),
    );
    let index = inventory.usage();
    assert!(matches!(index, Cow::Owned(_)));
    assert_eq!(profiles_of(&index, &inventory, "e1").len(), 3);

    inventory.index_usage();
    inventory
        .environments
        .insert("e2".into(), EnvironmentInventory::default());
    let index = inventory.usage();
    assert!(matches!(index, Cow::Owned(_)));
    assert!(index.environment("e2").is_some());

    // An item changed in place keeps every count; the stamp tells.
    inventory.index_usage();
    assert!(matches!(inventory.usage(), Cow::Borrowed(_)));
    let env = inventory.environments.get_mut("e1").unwrap();
    env.apps.get_mut("a1").unwrap().connectors = item(ItemKind::App, "a1", "e1", &["x"]).connectors;
    let index = inventory.usage();
    assert!(matches!(index, Cow::Owned(_)));
    let x = profiles_of(&index, &inventory, "e1")["a1"];
    assert!(index.profile(x).contains_key("x"));

    // Replaced wholesale by an equal environment: a new map, a new stamp.
    inventory.index_usage();
    let copy: EnvironmentInventory =
        serde_json::from_value(serde_json::to_value(&inventory.environments["e1"]).unwrap())
            .unwrap();
    inventory.environments.insert("e1".into(), copy);
    assert!(matches!(inventory.usage(), Cow::Owned(_)));

    // A clone is the same items: its index still holds.
    inventory.index_usage();
    let clone = inventory.clone();
    assert!(matches!(clone.usage(), Cow::Borrowed(_)));
}

#[test]
fn a_custom_connector_of_the_environment_makes_a_profile_environment_dependent() {
    let mut inventory = Inventory::default();
    for env in ["e1", "e2"] {
        inventory.insert(item(
            ItemKind::App,
            "a",
            env,
            &["shared_lob-1a2b", "shared_sql"],
        ));
        inventory.insert(item(ItemKind::App, "b", env, &["shared_sql"]));
    }
    inventory.insert_custom_connector(CustomConnector {
        key: "shared_lob-1a2b".into(),
        environment_id: "e1".into(),
        host_url: Some("https://lob.contoso.com".into()),
        ..Default::default()
    });
    inventory.index_usage();
    let index = inventory.usage();
    let dependent = |env: &str| -> Vec<(ProfileId, bool)> {
        index
            .environment(env)
            .unwrap()
            .profiles
            .iter()
            .map(|p| (p.profile, p.environment_dependent))
            .collect()
    };
    // The same two profiles in both; the custom one depends on e1 only (e2 has no such
    // custom connector, so its host URL is unknown there whatever e1 says).
    assert_eq!(dependent("e1"), [(0, true), (1, false)]);
    assert_eq!(dependent("e2"), [(0, false), (1, false)]);
}

#[test]
fn the_index_is_built_on_reading_and_never_written() {
    let mut inventory = Inventory::default();
    inventory.insert(item(ItemKind::App, "a1", "e1", &["shared_sql"]));
    let unindexed = serde_json::to_string(&inventory).unwrap();
    inventory.index_usage();
    let json = serde_json::to_string(&inventory).unwrap();
    assert_eq!(json, unindexed);
    assert!(!json.contains("usage"), "{json}");
    let read: Inventory = serde_json::from_str(&json).unwrap();
    assert_eq!(read, inventory);
    assert!(
        matches!(read.usage(), Cow::Borrowed(_)),
        "indexed on reading"
    );
}
