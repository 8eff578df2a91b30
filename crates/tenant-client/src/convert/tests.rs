use super::*;
use serde_json::{Value, json};

#[test]
fn an_apps_consent_bypass_and_quarantine_reach_the_model() {
    let app = |properties: Value| -> ppgov_core::inventory::InventoryItem {
        let wire: ppgov_tenant_api::inventory::App = serde_json::from_value(json!({
            "name": "A1", "properties": properties,
            "id": "/providers/Microsoft.PowerApps/scopes/admin/environments/env-1/apps/A1"
        }))
        .unwrap();
        inventory::app(&wire).unwrap()
    };
    let plain = app(json!({"displayName": "x"}));
    assert_eq!((plain.bypass_consent, plain.quarantined), (None, None));
    let flagged = app(json!({"bypassConsent": true, "appQuarantineState": "Quarantined"}));
    assert_eq!(
        (flagged.bypass_consent, flagged.quarantined),
        (Some(true), Some(true))
    );
    let lifted = app(json!({"bypassConsent": false, "quarantineStatus": "Unquarantined"}));
    assert_eq!(
        (lifted.bypass_consent, lifted.quarantined),
        (Some(false), Some(false))
    );
}
