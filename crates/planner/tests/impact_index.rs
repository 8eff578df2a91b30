//! The DLP impact reads the inventory through its usage index; an index that no longer
//! matches the inventory must never give a wrong answer.

use ppgov_core::SourceMap;
use ppgov_core::inventory::{ConnectorUse, Inventory, InventoryItem, ItemKind};
use ppgov_core::observed::Observed;

const DESIRED: &str = "apiVersion: ppgov.dev/v1
kind: Project
metadata: {name: index}
spec:
  ownership: {DlpPolicy: exclusive}
---
apiVersion: ppgov.dev/v1
kind: DlpPolicy
metadata: {name: sales}
spec:
  displayName: Sales
  scope:
    mode: only
    environments:
      - displayName: Sales Prod
  connectors:
    default: nonBusiness
    blocked: [twitter]
";

fn observed() -> Observed {
    serde_json::from_value(serde_json::json!({
        "environments": {
            "e1": {"id": "e1", "displayName": "Sales Prod", "environmentType": "Production",
                   "region": "europe", "managed": true}
        },
        "dlpPolicies": {"p1": {"id": "p1", "displayName": "Sales", "scopeMode": "only",
                               "environmentIds": ["e1"], "defaultGroup": "nonBusiness"}}
    }))
    .unwrap()
}

fn app(id: &str, connectors: &[&str]) -> InventoryItem {
    InventoryItem {
        kind: ItemKind::App,
        id: id.into(),
        display_name: id.into(),
        environment_id: "e1".into(),
        connectors: connectors
            .iter()
            .map(|c| (c.to_string(), ConnectorUse::default()))
            .collect(),
        ..Default::default()
    }
}

/// The ids of the items the plan breaks, over every change.
fn broken(observed: &Observed) -> Vec<String> {
    let mut sources = SourceMap::new();
    sources.add("desired.yaml".to_owned(), DESIRED.to_owned());
    let loaded = ppgov_core::load(sources);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let plan = ppgov_planner::plan(&loaded.desired, observed, &loaded.catalog);
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    ppgov_planner::impact::analyse(&plan, observed, &loaded.catalog)
        .into_iter()
        .flatten()
        .flat_map(|impact| impact.breaks)
        .map(|item| item.id)
        .collect()
}

#[test]
fn an_item_edited_in_place_after_indexing_is_judged_as_it_is_now() {
    let mut observed = observed();
    let mut inventory = Inventory::default();
    inventory.insert(app("tweets", &["shared_twitter", "shared_rss"]));
    inventory.insert(app("orders", &["shared_sql"]));
    inventory.index_usage();
    observed.inventory = inventory;
    assert_eq!(broken(&observed), ["tweets"]);

    // Past the inserting methods and keeping every count: the index still files "tweets"
    // under a usage the change breaks; reaching it tells the index is stale.
    let env = observed.inventory.environments.get_mut("e1").unwrap();
    env.apps.get_mut("tweets").unwrap().connectors = app("tweets", &["shared_rss"]).connectors;
    assert_eq!(broken(&observed), Vec::<String>::new());

    // Added past the inserting methods: the counts tell.
    let env = observed.inventory.environments.get_mut("e1").unwrap();
    env.apps
        .insert("posts".into(), app("posts", &["shared_twitter"]));
    assert_eq!(broken(&observed), ["posts"]);
}

#[test]
fn an_inventory_never_indexed_is_indexed_on_the_fly() {
    let mut observed = observed();
    observed
        .inventory
        .insert(app("tweets", &["shared_twitter"]));
    observed.inventory.insert(app("orders", &["shared_sql"]));
    assert_eq!(broken(&observed), ["tweets"]);
}
