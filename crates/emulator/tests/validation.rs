//! Every validation the emulator reproduces, with its exact status and code.

mod common;
use common::*;
use serde_json::{Value, json};

fn connector(id: &str) -> Value {
    json!({"id": id, "name": id.rsplit('/').next().unwrap(), "type": "Microsoft.PowerApps/apis"})
}

fn api_id(name: &str) -> String {
    format!("/providers/Microsoft.PowerApps/apis/{name}")
}

fn policy(blocked: &[&str], patterns: Value, configs: Option<Value>) -> Value {
    let mut doc = json!({
        "policyDefinition": {
            "displayName": "Test policy",
            "defaultConnectorsClassification": "General",
            "environmentType": "AllEnvironments",
            "environments": [],
            "connectorGroups": [
                {"classification": "Blocked", "connectors": blocked.iter().map(|c| connector(&api_id(c))).collect::<Vec<_>>()},
                {"classification": "Confidential", "connectors": [connector(&api_id("shared_sharepointonline"))]}
            ],
            "createdBy": {"displayName": ""}
        },
        "customConnectorUrlPatternsDefinition": patterns
    });
    if let Some(c) = configs {
        doc["connectorConfigurationsDefinition"] = c;
    }
    doc
}

#[tokio::test]
async fn dlp_create_normalizes_and_reads_back() {
    let api = Api::empty().await;
    let created = api
        .post(
            DLP,
            policy(&["shared_twitter"], json!({"rules": null}), None),
        )
        .await;
    created.expect(201);
    let def = &created.json["policyDefinition"];
    let name = def["name"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(name).is_ok());
    let classes: Vec<&str> = def["connectorGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["classification"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["Confidential", "General", "Blocked"]);
    assert_eq!(
        created.json["customConnectorUrlPatternsDefinition"],
        json!({"rules": [{"order": 1, "customConnectorRuleClassification": "Ignore", "pattern": "*"}]})
    );
    assert_eq!(def["createdBy"]["displayName"], "Emulator Admin");
    let etag = def["etag"].as_str().unwrap().to_owned();

    let read = api.get(&format!("{DLP}/{name}")).await;
    read.expect(200);
    assert_eq!(read.json, created.json);

    // PATCH is a full replace with a new etag and modification time.
    let mut body = policy(&[], json!({"rules": []}), None);
    body["policyDefinition"]["displayName"] = json!("Renamed");
    let updated = api.patch(&format!("{DLP}/{name}"), body).await;
    updated.expect(200);
    let def = &updated.json["policyDefinition"];
    assert_eq!(def["displayName"], "Renamed");
    assert_ne!(def["etag"].as_str().unwrap(), etag);
    assert_eq!(def["connectorGroups"][2]["connectors"], json!([]));
    assert_eq!(
        def["createdTime"],
        created.json["policyDefinition"]["createdTime"]
    );

    // The list omits connector groups.
    let list = api.get(DLP).await;
    let item = &list.json["value"][0];
    assert!(item["policyDefinition"].get("connectorGroups").is_none());
    assert!(item.get("customConnectorUrlPatternsDefinition").is_none());

    api.delete(&format!("{DLP}/{name}")).await.expect(200);
    api.get(&format!("{DLP}/{name}"))
        .await
        .expect_error(404, "PolicyNotFound");
}

#[tokio::test]
async fn dlp_unblockable_connector_cannot_be_blocked() {
    let api = Api::empty().await;
    let a = api
        .post(DLP, policy(&["shared_teams"], json!({"rules": null}), None))
        .await;
    a.expect_error(400, "UnblockableConnectorBlocked");
    assert!(
        a.json["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("You cannot block the following trusted connectors")
    );
}

#[tokio::test]
async fn dlp_connector_references_must_resolve() {
    let api = Api::empty().await;
    for bad in [
        "shared_sql",
        "/providers/Microsoft.PowerApps/apis/",
        "/providers/Other/apis/shared_sql",
    ] {
        let mut body = policy(&[], json!({"rules": null}), None);
        body["policyDefinition"]["connectorGroups"][0]["connectors"] = json!([connector(bad)]);
        let a = api.post(DLP, body).await;
        a.expect_error(400, "DLPPolicyConnectorReferenceInvalid");
        assert_eq!(
            a.json["error"]["message"],
            "The data loss policy connector reference is invalid for the request."
        );
    }
    // Custom connectors (shared_ ids not in the catalog) and virtual ids are fine.
    let mut body = policy(&[], json!({"rules": null}), None);
    body["policyDefinition"]["connectorGroups"][0]["connectors"] = json!([
        connector("/providers/Microsoft.PowerApps/apis/shared_contoso-5fcustomapi-5f1234"),
        connector("Http")
    ]);
    api.post(DLP, body).await.expect(201);

    // A connector in two groups.
    let mut body = policy(&["shared_twitter"], json!({"rules": null}), None);
    body["policyDefinition"]["connectorGroups"][1]["connectors"] =
        json!([connector(&api_id("shared_twitter"))]);
    api.post(DLP, body).await.expect_error(400, "BadRequest");
}

#[tokio::test]
async fn strict_catalog_rejects_unknown_shared_ids() {
    let api = Api::start(ppgov_emulator::Config {
        strict_connectors: true,
        ..Default::default()
    })
    .await;
    let mut body = policy(&[], json!({"rules": null}), None);
    body["policyDefinition"]["connectorGroups"][0]["connectors"] = json!([connector(
        "/providers/Microsoft.PowerApps/apis/shared_sharepointonlin"
    )]);
    api.post(DLP, body)
        .await
        .expect_error(400, "DLPPolicyConnectorReferenceInvalid");
}

#[tokio::test]
async fn dlp_url_patterns_are_checked() {
    let api = Api::empty().await;
    let rule = |order: u32, class: &str, pattern: &str| json!({"order": order, "customConnectorRuleClassification": class, "pattern": pattern});
    let cases = [
        (
            vec![
                rule(1, "Blocked", "*"),
                rule(2, "General", "https://a.com/*"),
            ],
            "Url pattern rule provided is invalid. Order: 1, Action: Blocked, Pattern: *",
        ),
        (
            vec![
                rule(1, "Ignore", "https://a.com/*"),
                rule(2, "Blocked", "*"),
            ],
            "Url pattern rule provided is invalid. Order: 1, Action: Ignore, Pattern: https://a.com/*",
        ),
        (
            vec![
                rule(1, "General", "https://a.com/*"),
                rule(3, "Blocked", "*"),
            ],
            "Url pattern rule provided is invalid. Order: 3, Action: Blocked, Pattern: *",
        ),
    ];
    for (rules, message) in cases {
        let a = api
            .post(DLP, policy(&[], json!({"rules": rules}), None))
            .await;
        a.expect_error(400, "UrlPatternsInvalidRule");
        assert_eq!(a.json["error"]["message"], message);
    }
    let ok = vec![
        rule(2, "Ignore", "*"),
        rule(1, "Confidential", "https://*.contoso.com"),
    ];
    let a = api.post(DLP, policy(&[], json!({"rules": ok}), None)).await;
    a.expect(201);
    assert_eq!(
        a.json["customConnectorUrlPatternsDefinition"]["rules"][0]["pattern"],
        "https://*.contoso.com"
    );
}

#[tokio::test]
async fn dlp_endpoint_rules_are_checked_and_read_back_as_end_point() {
    let api = Api::empty().await;
    let sql = api_id("shared_sql");
    let configs = |rules: Value, connector: &str| json!({"endpointConfigurations": [{"connectorId": connector, "endpointRules": rules}]});
    let good = json!([
        {"order": 1, "behavior": "Allow", "endpoint": "contoso.database.windows.net,sales"},
        {"order": 2, "behavior": "Deny", "endPoint": "*"}
    ]);
    let a = api
        .post(
            DLP,
            policy(
                &[],
                json!({"rules": null}),
                Some(configs(good.clone(), &sql)),
            ),
        )
        .await;
    a.expect(201);
    let rules =
        &a.json["connectorConfigurationsDefinition"]["endpointConfigurations"][0]["endpointRules"];
    assert_eq!(rules[0]["endPoint"], "contoso.database.windows.net,sales");
    assert!(rules[0].get("endpoint").is_none());
    assert!(
        a.json["connectorConfigurationsDefinition"]
            .get("connectorActionConfigurations")
            .is_none()
    );

    for bad in [
        json!([{"order": 1, "behavior": "Deny", "endpoint": "*"}, {"order": 2, "behavior": "Allow", "endpoint": "x,y"}]),
        json!([{"order": 1, "behavior": "Allow", "endpoint": "x,y"}]),
        json!([{"order": 2, "behavior": "Allow", "endpoint": "x,y"}, {"order": 3, "behavior": "Deny", "endpoint": "*"}]),
        json!([{"order": 1, "behavior": "Block", "endpoint": "*"}]),
    ] {
        api.post(
            DLP,
            policy(&[], json!({"rules": null}), Some(configs(bad, &sql))),
        )
        .await
        .expect_error(400, "EndpointRulesInvalid");
    }
    // Endpoint filtering is for a few connectors only.
    api.post(
        DLP,
        policy(
            &[],
            json!({"rules": null}),
            Some(configs(good, &api_id("shared_twitter"))),
        ),
    )
    .await
    .expect_error(400, "EndpointRulesInvalid");
}

#[tokio::test]
async fn dlp_environment_scope_is_checked() {
    let api = Api::seeded(seed(3, 0, 0, 0), 50).await;
    let env = api.state().environments.keys().next().unwrap().clone();
    let mut body = policy(&[], json!({"rules": null}), None);
    body["policyDefinition"]["environmentType"] = json!("OnlyEnvironments");
    body["policyDefinition"]["environments"] = json!([{"id": format!("{ENVS}/{env}"), "name": env, "type": "Microsoft.BusinessAppPlatform/scopes/environments"}]);
    api.post(DLP, body.clone()).await.expect(201);
    body["policyDefinition"]["environments"][0]["name"] =
        json!("11111111-2222-3333-4444-555555555555");
    api.post(DLP, body.clone())
        .await
        .expect_error(400, "EnvironmentNotFound");
    body["policyDefinition"]["environmentType"] = json!("SingleEnvironment");
    api.post(DLP, body).await.expect_error(400, "BadRequest");
}

#[tokio::test]
async fn group_membership_rules() {
    let api = Api::seeded(seed(12, 2, 0, 0), 50).await;
    let unmanaged = api.unmanaged_env();
    let free = api.free_managed_env();
    let created = api
        .post(
            &format!("/environmentmanagement/environmentGroups?{V_PP}"),
            json!({"displayName": "New group", "description": "d"}),
        )
        .await;
    created.expect(200);
    let group = created.json["id"].as_str().unwrap().to_owned();

    let add = |env: &str| {
        format!("/environmentmanagement/environmentGroups/{group}/addEnvironment/{env}?{V_PP}")
    };
    let a = api.post_empty(&add(&unmanaged)).await;
    a.expect_error(400, "EnvironmentNotManaged");
    assert_eq!(
        a.header("content-type"),
        Some("application/problem+json; charset=utf-8")
    );
    assert_eq!(a.json["status"], 400);

    api.post_empty(&add(&free)).await.expect(202);
    assert_eq!(
        api.state().environments[&free].group_id(),
        Some(group.as_str())
    );
    // In another group already.
    let other = api
        .state()
        .environment_groups
        .keys()
        .find(|g| **g != group)
        .unwrap()
        .clone();
    api.post_empty(&format!(
        "/environmentmanagement/environmentGroups/{other}/addEnvironment/{free}?{V_PP}"
    ))
    .await
    .expect_error(409, "EnvironmentAlreadyInGroup");
    // Removing from a group it is not in.
    api.post_empty(&format!(
        "/environmentmanagement/environmentGroups/{other}/removeEnvironment/{free}?{V_PP}"
    ))
    .await
    .expect_error(400, "EnvironmentNotInGroup");

    // Delete blocked while members exist.
    let group_path = format!("/environmentmanagement/environmentGroups/{group}?{V_PP}");
    api.delete(&group_path)
        .await
        .expect_error(409, "EnvironmentsInEnvironmentGroup");
    api.post_empty(&format!(
        "/environmentmanagement/environmentGroups/{group}/removeEnvironment/{free}?{V_PP}"
    ))
    .await
    .expect(202);

    // ... and while a rule-based policy is assigned.
    let p = api
        .post(
            &format!("/governance/ruleBasedPolicies?{V_PP}"),
            json!({"name": "p", "ruleSets": []}),
        )
        .await;
    let pid = p.json["id"].as_str().unwrap().to_owned();
    let assign =
        format!("/governance/ruleBasedPolicies/{pid}/environmentGroups/{group}/assignments?{V_PP}");
    api.post(&assign, json!({})).await.expect(201);
    api.delete(&group_path)
        .await
        .expect_error(409, "PolicyAssignedToEnvironmentGroup");
    api.delete(&assign).await.expect(204);
    api.delete(&group_path).await.expect(204);
    api.get(&group_path).await.expect_error(404, "NotFound");

    // Turning Managed Environment off while in a group.
    let member = api.state().group_members(&other)[0].clone();
    api.post(
        &format!("/providers/Microsoft.BusinessAppPlatform/environments/{member}/governanceConfiguration?{V_2021}"),
        json!({"protectionLevel": "Basic"}),
    )
    .await
    .expect_error(409, "EnvironmentInEnvironmentGroup");

    api.post(
        &format!("/environmentmanagement/environmentGroups?{V_PP}"),
        json!({"displayName": " ", "description": ""}),
    )
    .await
    .expect_error(400, "BadRequest");
}

#[tokio::test]
async fn rule_sets_one_per_group_string_values_and_204() {
    let api = Api::seeded(seed(4, 3, 0, 0), 50).await;
    let t = api.state();
    let bare = t
        .environment_groups
        .keys()
        .find(|g| t.group_rule_set(g).is_none())
        .unwrap()
        .clone();
    let path = format!("/governance/environmentGroups/{bare}/ruleSets?{V_PP}");
    let a = api.get(&path).await;
    a.expect(204);
    assert!(a.text.is_empty());

    let body = json!({"parameters": [{"type": "Sharing", "resourceType": "App", "value": [{"id": "MaximumShareLimit", "value": "20"}]}]});
    let created = api.post(&path, body.clone()).await;
    created.expect(201);
    assert_eq!(
        created.json["environmentFilter"]["values"][0]["id"],
        bare.as_str()
    );
    api.post(&path, body).await.expect_error(409, "Conflict");

    let id = created.json["id"].as_str().unwrap();
    let number = json!({"parameters": [{"type": "Sharing", "resourceType": "App", "value": [{"id": "MaximumShareLimit", "value": 20}]}]});
    api.put(&format!("/governance/ruleSets/{id}?{V_PP}"), number)
        .await
        .expect_error(400, "BadRequest");
    let bad_type = json!({"parameters": [{"type": "Nope", "resourceType": "App", "value": []}]});
    api.put(&format!("/governance/ruleSets/{id}?{V_PP}"), bad_type)
        .await
        .expect_error(400, "BadRequest");
    api.put(
        &format!("/governance/ruleSets/00000000-0000-0000-0000-000000000009?{V_PP}"),
        json!({"parameters": []}),
    )
    .await
    .expect_error(404, "NotFound");
    api.get(&format!(
        "/governance/environmentGroups/00000000-0000-0000-0000-000000000009/ruleSets?{V_PP}"
    ))
    .await
    .expect_error(404, "NotFound");
}

#[tokio::test]
async fn rule_based_policies_merge_and_one_per_group() {
    let api = Api::seeded(seed(4, 2, 0, 0), 50).await;
    let t = api.state();
    let (assigned_key, existing) = t.rule_assignments.iter().next().unwrap();
    let group = existing.resource_id.clone().unwrap();
    assert!(assigned_key.ends_with(&group));
    let p = api
        .post(
            &format!("/governance/ruleBasedPolicies?{V_PP}"),
            json!({"name": "csp", "ruleSets": [
                {"id": "AdvancedConnectorPoliciesOnly", "version": "1.0", "inputs": {"EnableAdvancedConnectorPoliciesOnly": true}},
                {"id": "PowerAppsContentSecurityPolicy", "version": "1.0", "inputs": {"IsContentSecurityPolicyEnabled": false}}
            ]}),
        )
        .await;
    p.expect(201);
    let id = p.json["id"].as_str().unwrap().to_owned();
    assert_eq!(p.json["ruleSetCount"], 2);
    let merged = api
        .patch(
            &format!("/governance/ruleBasedPolicies/{id}?{V_PP}"),
            json!({"ruleSets": [
                {"id": "PowerAppsContentSecurityPolicy", "version": "1.0", "inputs": {"IsContentSecurityPolicyEnabled": true}},
                {"id": "MakerOnboardingContent", "version": "1.0", "inputs": {"makerOnboardingUrl": "https://x"}}
            ]}),
        )
        .await;
    merged.expect(200);
    assert_eq!(merged.json["name"], "csp");
    let sets = merged.json["ruleSets"].as_array().unwrap();
    assert_eq!(sets.len(), 3);
    assert_eq!(
        sets[0]["inputs"]["EnableAdvancedConnectorPoliciesOnly"],
        true
    );
    assert_eq!(sets[1]["inputs"]["IsContentSecurityPolicyEnabled"], true);
    let got = api
        .get(&format!("/governance/ruleBasedPolicies/{id}?{V_PP}"))
        .await;
    assert_eq!(got.json, merged.json);

    // The group already has a policy.
    api.post(
        &format!("/governance/ruleBasedPolicies/{id}/environmentGroups/{group}/assignments?{V_PP}"),
        json!({}),
    )
    .await
    .expect_error(409, "Conflict");
    // An assigned policy cannot be deleted.
    let assigned = existing.policy_id.clone();
    api.delete(&format!("/governance/ruleBasedPolicies/{assigned}?{V_PP}"))
        .await
        .expect_error(409, "Conflict");
    // PUT replaces.
    let replaced = api
        .put(
            &format!("/governance/ruleBasedPolicies/{id}?{V_PP}"),
            json!({"name": "csp2", "ruleSets": []}),
        )
        .await;
    replaced.expect(200);
    assert_eq!(replaced.json["ruleSetCount"], 0);
    api.delete(&format!("/governance/ruleBasedPolicies/{id}?{V_PP}"))
        .await
        .expect(204);
    api.get(&format!("/governance/ruleBasedPolicies/{id}?{V_PP}"))
        .await
        .expect_error(404, "PolicyNotFound");
}

#[tokio::test]
async fn api_versions() {
    let api = Api::empty().await;
    // Required on the Power Platform API and BAP ...
    api.get("/environmentmanagement/environmentGroups")
        .await
        .expect_error(400, "MissingApiVersionParameter");
    api.get("/environmentmanagement/environmentGroups?api-version=")
        .await
        .expect_error(400, "MissingApiVersionParameter");
    api.get("/governance/ruleSets?api-version=1999-01-01")
        .await
        .expect_error(400, "UnsupportedApiVersion");
    api.get("/governance/ruleSets?api-version=2021-10-01-preview")
        .await
        .expect(200);
    api.get(ENVS)
        .await
        .expect_error(400, "MissingApiVersionParameter");
    // ... ignored on PowerPlatform.Governance.
    api.get(DLP).await.expect(200);
    api.get(&format!("{DLP}?api-version=2016-11-01"))
        .await
        .expect(200);
    api.get("/providers/PowerPlatform.Governance/v1/connectors/metadata/unblockable")
        .await
        .expect(200);
}

#[tokio::test]
async fn error_shapes_per_family() {
    let api = Api::empty().await;
    let a = api
        .get(&format!(
            "{ENVS}/00000000-0000-0000-0000-000000000009?{V_BAP}"
        ))
        .await;
    a.expect_error(404, "EnvironmentNotFound");
    assert!(a.json["error"]["message"].is_string());
    let p = api
        .get(&format!(
            "/environmentmanagement/environmentGroups/00000000-0000-0000-0000-000000000009?{V_PP}"
        ))
        .await;
    p.expect(404);
    assert_eq!(p.json["title"], "NotFound");
    assert_eq!(p.json["status"], 404);
    assert!(p.json["detail"].is_string());
    let g = api
        .get("/governance/ruleBasedPolicies/nope?api-version=2024-10-01")
        .await;
    g.expect_error(404, "PolicyNotFound");
    let unknown = api.get("/no/such/route").await;
    unknown.expect_error(404, "NotFound");
}
