use super::*;
use ppgov_core::model::{AllowBlock, ConnectorGroup, PatternGroup, ScopeMode};
use ppgov_core::observed::ObservedDlpPolicy;
use ppgov_tenant_api::dlp as wd;
use serde_json::json;
use std::collections::BTreeMap;

fn dlp_doc() -> wd::PolicyDocument {
    serde_json::from_value(json!({
        "policyDefinition": {
            "name": "6b1d0c9e-5f3a-4e72-8c41-0a9d2b7e5f13",
            "displayName": "Prod guardrails",
            "defaultConnectorsClassification": "Blocked",
            "connectorGroups": [
                {"classification": "Confidential", "connectors": [
                    {"id": "/providers/Microsoft.PowerApps/apis/shared_sql", "name": "shared_sql", "type": "Microsoft.PowerApps/apis"}]},
                {"classification": "General", "connectors": null},
                {"classification": "Blocked", "connectors": [
                    {"id": "/providers/Microsoft.PowerApps/apis/shared_twitter", "name": "shared_twitter", "type": "Microsoft.PowerApps/apis"}]}
            ],
            "environmentType": "ExceptEnvironments",
            "environments": [{"id": "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/1F0E", "name": "1F0E", "type": "Microsoft.BusinessAppPlatform/scopes/environments"}],
            "createdBy": {"displayName": "Admin"},
            "createdTime": "2026-10-02T07:38:50Z",
            "lastModifiedTime": "2026-10-02T07:56:43Z",
            "etag": "e1",
            "isLegacySchemaVersion": false
        },
        "connectorConfigurationsDefinition": {
            "connectorActionConfigurations": [{"connectorId": "/providers/Microsoft.PowerApps/apis/shared_sql",
                "actionRules": [{"actionId": "DeleteItem_V2", "behavior": "Block"}],
                "defaultConnectorActionRuleBehavior": "Allow"}],
            "endpointConfigurations": [{"connectorId": "/providers/Microsoft.PowerApps/apis/shared_sql", "endpointRules": [
                {"order": 3, "behavior": "Deny", "endPoint": "*"},
                {"order": 1, "behavior": "Allow", "endPoint": "a.database.windows.net,sales"},
                {"order": 2, "behavior": "Deny", "endPoint": "b.database.windows.net,hr"}]}]
        },
        "customConnectorUrlPatternsDefinition": {"rules": [
            {"order": 2, "customConnectorRuleClassification": "Ignore", "pattern": "*"},
            {"order": 1, "customConnectorRuleClassification": "Confidential", "pattern": "https://*.contoso.com"}]}
    }))
    .unwrap()
}

#[test]
fn dlp_reads_groups_scope_and_sorts_rules_by_order() {
    let p = dlp_policy(&dlp_doc()).unwrap();
    assert_eq!(p.scope_mode, Some(ScopeMode::AllExcept));
    assert_eq!(p.environment_ids.iter().collect::<Vec<_>>(), ["1f0e"]);
    assert_eq!(p.default_group, ConnectorGroup::Blocked);
    assert_eq!(
        p.classification["/providers/Microsoft.PowerApps/apis/shared_sql"],
        ConnectorGroup::Business
    );
    assert_eq!(
        p.classification["/providers/Microsoft.PowerApps/apis/shared_twitter"],
        ConnectorGroup::Blocked
    );
    let ep: Vec<_> = p.endpoint_rules["/providers/Microsoft.PowerApps/apis/shared_sql"]
        .iter()
        .map(|r| r.endpoint.as_str())
        .collect();
    assert_eq!(
        ep,
        [
            "a.database.windows.net,sales",
            "b.database.windows.net,hr",
            "*"
        ]
    );
    assert_eq!(p.custom_connector_patterns[0].group, PatternGroup::Business);
    assert_eq!(p.custom_connector_patterns[1].group, PatternGroup::Ignore);
    assert_eq!(p.etag.as_deref(), Some("e1"));
    assert_eq!(p.last_modified.as_deref(), Some("2026-10-02T07:56:43Z"));
    let actions = &p.action_rules["/providers/Microsoft.PowerApps/apis/shared_sql"];
    assert_eq!(actions.default_behavior, AllowBlock::Allow);
    assert_eq!(actions.actions["DeleteItem_V2"], AllowBlock::Block);
}

#[test]
fn dlp_writes_the_documented_shape() {
    let p = dlp_policy(&dlp_doc()).unwrap();
    let doc = dlp_policy_to_wire(&p).unwrap();
    let v = serde_json::to_value(&doc).unwrap();
    let def = &v["policyDefinition"];
    let classes: Vec<_> = def["connectorGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["classification"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["Confidential", "General", "Blocked"]);
    assert_eq!(def["connectorGroups"][1]["connectors"], json!([]));
    for read_only in [
        "createdBy",
        "createdTime",
        "lastModifiedBy",
        "lastModifiedTime",
        "etag",
        "isLegacySchemaVersion",
    ] {
        assert!(def.get(read_only).is_none(), "{read_only} sent");
    }
    assert_eq!(def["environmentType"], "ExceptEnvironments");
    assert_eq!(def["environments"][0]["name"], "1f0e");
    let rules =
        &v["connectorConfigurationsDefinition"]["endpointConfigurations"][0]["endpointRules"];
    assert_eq!(
        rules[0],
        json!({"order": 1, "behavior": "Allow", "endpoint": "a.database.windows.net,sales"})
    );
    assert_eq!(
        rules[2],
        json!({"order": 3, "behavior": "Deny", "endpoint": "*"})
    );
    let pats = &v["customConnectorUrlPatternsDefinition"]["rules"];
    assert_eq!(
        pats[0],
        json!({"order": 1, "customConnectorRuleClassification": "Confidential", "pattern": "https://*.contoso.com"})
    );
    assert_eq!(pats[1]["order"], 2);
    // And back: the same model (etag and times are the server's).
    let again = dlp_policy(&doc).unwrap();
    assert_eq!(
        ObservedDlpPolicy {
            etag: p.etag.clone(),
            last_modified: p.last_modified.clone(),
            ..again
        },
        p
    );

    // No rules: no configurations object, an empty pattern list; create has no name.
    let bare = ObservedDlpPolicy {
        id: String::new(),
        action_rules: BTreeMap::new(),
        endpoint_rules: BTreeMap::new(),
        custom_connector_patterns: Vec::new(),
        scope_mode: Some(ScopeMode::All),
        ..p
    };
    let v = serde_json::to_value(dlp_policy_to_wire(&bare).unwrap()).unwrap();
    assert!(v.get("connectorConfigurationsDefinition").is_none());
    assert!(v["policyDefinition"].get("name").is_none());
    assert_eq!(v["policyDefinition"]["environments"], json!([]));
    assert_eq!(
        v["customConnectorUrlPatternsDefinition"],
        json!({"rules": []})
    );
}

#[test]
fn environment_level_policies_are_read_but_never_written() {
    let mut doc = dlp_doc();
    doc.policy_definition.environment_type = "SingleEnvironment".into();
    let p = dlp_policy(&doc).unwrap();
    assert_eq!(p.scope_mode, None);
    assert!(dlp_policy_to_wire(&p).is_err());
}
