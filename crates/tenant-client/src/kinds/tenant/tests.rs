use super::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[test]
fn tenant_settings_update_is_sparse_and_nested() {
    let changed = BTreeMap::from([
        (
            "powerPlatform.powerApps.disableShareWithEveryone".to_owned(),
            json!(true),
        ),
        ("walkMeOptOut".to_owned(), json!(false)),
    ]);
    let body = tenant_settings_update(&changed);
    assert_eq!(
        Value::Object(body.clone()),
        json!({"powerPlatform": {"powerApps": {"disableShareWithEveryone": true}}, "walkMeOptOut": false})
    );
    assert_eq!(tenant_settings(&body), changed);
}
