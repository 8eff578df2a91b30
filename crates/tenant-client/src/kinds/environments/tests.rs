use super::*;
use crate::convert::*;
use ppgov_core::observed::ObservedEnvironment;
use ppgov_tenant_api::environments as we;
use serde_json::json;

#[test]
fn environments_both_ways() {
    let e: we::Environment = serde_json::from_value(json!({
        "id": "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/ABC",
        "name": "ABC", "location": "europe",
        "properties": {
            "displayName": "Finance Prod", "environmentSku": "Production", "isDefault": false,
            "parentEnvironmentGroup": {"id": "G1"},
            "governanceConfiguration": {"protectionLevel": "Standard"},
            "linkedEnvironmentMetadata": {"instanceUrl": "https://x"},
            "states": {"management": {"id": "Running"}}
        }
    }))
    .unwrap();
    let o = environment(&e);
    assert_eq!(
        o,
        ObservedEnvironment {
            id: "abc".into(),
            display_name: "Finance Prod".into(),
            environment_type: "Production".into(),
            region: "europe".into(),
            managed: true,
            group_id: Some("g1".into()),
            has_dataverse: true,
            is_default: false,
            busy: true,
            ..Default::default()
        }
    );
    assert_eq!(environment(&environment_to_wire(&o)), o);
    let mut zero = e.clone();
    zero.properties.parent_environment_group = Some(we::GroupRef {
        id: ZERO_GUID.into(),
    });
    zero.properties.governance_configuration = None;
    let o = environment(&zero);
    assert_eq!((o.group_id, o.managed), (None, false));
    assert_eq!(
        serde_json::to_value(governance_request(true)).unwrap(),
        json!({"protectionLevel": "Standard"})
    );
    assert_eq!(
        serde_json::to_value(governance_request(false)).unwrap(),
        json!({"protectionLevel": "Basic"})
    );
}

#[test]
fn an_environment_ppgov_created_says_so_in_its_description_and_keeps_its_delete_lock() {
    let created = ObservedEnvironment {
        id: "abc".into(),
        display_name: "HR Sandbox".into(),
        environment_type: "Sandbox".into(),
        region: "europe".into(),
        owner: Some("contoso-governance".into()),
        ..Default::default()
    };
    let request = create_environment_request(&created);
    let description = request.properties.description.clone().unwrap();
    assert_eq!(
        owner_of(&description).as_deref(),
        Some("contoso-governance")
    );
    assert_eq!(request.properties.environment_sku, "Sandbox");
    assert_eq!(request.location, "europe");
    assert_eq!(request.properties.database_type, None);
    // The recorded shape of `lifecycleOperationsEnforcement` (TF fixtures, reference §5.3).
    let locked: we::Environment = serde_json::from_value(json!({
        "name": "abc",
        "location": "europe",
        "properties": {
            "displayName": "HR Sandbox",
            "description": description,
            "environmentSku": "Sandbox",
            "lifecycleOperationsEnforcement": {
                "allowedOperations": [{"type": {"id": "Backup"}}],
                "disallowedOperations": [{"type": {"id": "Delete"}, "reason": {"message": "Locked by policy.", "type": "GovernanceConfig"}}]
            }
        }
    }))
    .unwrap();
    let o = environment(&locked);
    assert_eq!(o.owner.as_deref(), Some("contoso-governance"));
    assert_eq!(o.delete_blocked.as_deref(), Some("Locked by policy."));
    assert_eq!(environment(&environment_to_wire(&o)), o);
    assert_eq!(owner_of("made by hand"), None);
}
