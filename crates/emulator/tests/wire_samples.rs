//! The emulator's answers have the shapes of the recorded real responses in
//! `shared/wire-samples`: they parse into the same tenant-api types, and every field the
//! emulator writes exists in the recording with the same JSON type (no invented or misspelt
//! names). Where the emulator should be complete, the reverse holds too. Skips, saying so,
//! when the folder is absent, and fails instead under CI (`ppgov-test-support`).

mod common;
use common::*;
use ppgov_tenant_api::dlp::PolicyDocument;
use ppgov_tenant_api::environments::Environment;
use ppgov_tenant_api::roles::{BapRoleAssignment, ModifyRoleAssignmentsResponse};
use ppgov_tenant_api::rules::RuleSet;
use ppgov_tenant_api::{BapPage, Page};
use ppgov_test_support::{sample_json, wire_samples};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compares `ours` with `recorded`: every key of ours must be recorded (unless listed in
/// `extra`) with the same type; with `complete`, every recorded key must be ours too (unless
/// listed in `missing`). Arrays compare each of our items with the first recorded item.
struct Shape<'a> {
    extra: &'a [&'a str],
    complete: bool,
    missing: &'a [&'a str],
    problems: Vec<String>,
}

impl Shape<'_> {
    fn check(&mut self, recorded: &Value, ours: &Value, path: &str) {
        match (recorded, ours) {
            (Value::Object(r), Value::Object(o)) => {
                for (k, v) in o {
                    let here = format!("{path}/{k}");
                    match r.get(k) {
                        Some(rv) => self.check(rv, v, &here),
                        None if self.extra.contains(&k.as_str()) => {}
                        None => self.problems.push(format!("{here}: not in the recording")),
                    }
                }
                if self.complete {
                    for k in r.keys() {
                        if !o.contains_key(k) && !self.missing.contains(&k.as_str()) {
                            self.problems
                                .push(format!("{path}/{k}: recorded but not emitted"));
                        }
                    }
                }
            }
            (Value::Array(r), Value::Array(o)) => {
                if let Some(first) = r.first() {
                    for (i, item) in o.iter().enumerate() {
                        self.check(first, item, &format!("{path}/{i}"));
                    }
                }
            }
            (Value::Null, _) | (_, Value::Null) => {}
            (r, o) if kind(r) != kind(o) => self.problems.push(format!(
                "{path}: recorded {} but emitted {}",
                kind(r),
                kind(o)
            )),
            _ => {}
        }
    }
}

#[track_caller]
fn same_shape(
    file: &str,
    recorded: &Value,
    ours: &Value,
    extra: &[&str],
    complete: Option<&[&str]>,
) {
    let mut s = Shape {
        extra,
        complete: complete.is_some(),
        missing: complete.unwrap_or(&[]),
        problems: Vec::new(),
    };
    s.check(recorded, ours, "");
    assert!(
        s.problems.is_empty(),
        "{file}:\n  {}\nemitted: {ours:#}",
        s.problems.join("\n  ")
    );
}

#[track_caller]
fn parses<T: DeserializeOwned>(file: &str, v: &Value) -> T {
    serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("{file}: emulator answer does not parse: {e}"))
}

#[tokio::test]
async fn dlp_answers_match_the_recordings() {
    let Some(dir) = wire_samples() else { return };
    let api = Api::seeded(seed(6, 1, 2, 0), 50).await;

    let list = api.get(DLP).await.json;
    let page: BapPage<PolicyDocument> = parses("dlp list", &list);
    assert_eq!(page.value.len(), 2);
    same_shape(
        "dlp/v2-list-policies.json",
        &sample_json(&dir, "dlp/v2-list-policies.json"),
        &list,
        &[],
        Some(&[]),
    );

    // The seeded policy with rules (every second one has them).
    let with_rules = &page.value[1].policy_definition;
    let name = with_rules.name.clone().unwrap();
    let mut got = api.get(&format!("{DLP}/{name}")).await.json;
    if got.get("connectorConfigurationsDefinition").is_none() {
        let other = page.value[0].policy_definition.name.clone().unwrap();
        got = api.get(&format!("{DLP}/{other}")).await.json;
    }
    let doc: PolicyDocument = parses("dlp get", &got);
    assert_eq!(
        doc.policy_definition
            .connector_groups
            .as_ref()
            .unwrap()
            .len(),
        3
    );
    same_shape(
        "dlp/v2-get-policy-with-rules.json",
        &sample_json(&dir, "dlp/v2-get-policy-with-rules.json"),
        &got,
        &[],
        Some(&[]),
    );

    // A bare policy as created by a client reads back like recording a.
    let created = api
        .post(
            DLP,
            json!({"policyDefinition": {"displayName": "a1", "defaultConnectorsClassification": "General",
                    "environmentType": "AllEnvironments", "environments": [],
                    "connectorGroups": [{"classification": "Confidential", "connectors": [
                        {"id": "/providers/Microsoft.PowerApps/apis/shared_office365users", "name": "Office 365 Users", "type": "Microsoft.PowerApps/apis"}]}]},
                   "customConnectorUrlPatternsDefinition": {"rules": null}}),
        )
        .await;
    created.expect(201);
    let name = created.json["policyDefinition"]["name"].as_str().unwrap();
    let got = api.get(&format!("{DLP}/{name}")).await.json;
    for file in ["dlp/v2-get-policy-a.json", "dlp/v2-get-policy-b.json"] {
        same_shape(
            file,
            &sample_json(&dir, file),
            &got,
            &[],
            Some(&["connectorConfigurationsDefinition"]),
        );
    }
}

#[tokio::test]
async fn environment_answers_match_the_recordings() {
    let Some(dir) = wire_samples() else { return };
    let api = Api::seeded(seed(12, 2, 0, 0), 50).await;
    let list = api.get(&format!("{ENVS}?{V_BAP}")).await.json;
    let page: BapPage<Environment> = parses("environment list", &list);
    assert_eq!(page.value.len(), 12);
    // Our environments hold a subset of what the service returns (no billing policy, ...).
    // `settings` (extended settings of managed environments) and `lastModifiedTime` are in the
    // reference's example (§5.1) but not in these recordings.
    let extra = ["settings", "lastModifiedTime"];
    let file = "environments/bap-list-environments.json";
    same_shape(file, &sample_json(&dir, file), &list, &extra, None);
    // The managed-environments recording has neither descriptions nor groups; the other has.
    let file = "environments/bap-list-managed-environments.json";
    let more = [
        "settings",
        "lastModifiedTime",
        "description",
        "parentEnvironmentGroup",
    ];
    same_shape(file, &sample_json(&dir, file), &list, &more, None);
    let one = &page.value[1].name;
    let got = api.get(&format!("{ENVS}/{one}?{V_BAP}")).await.json;
    let _: Environment = parses("environment get", &got);
    same_shape(
        "environments/bap-get-environment-a.json",
        &sample_json(&dir, "environments/bap-get-environment-a.json"),
        &got,
        &extra,
        None,
    );
}

#[tokio::test]
async fn group_and_rule_set_answers_match_the_recordings() {
    let Some(dir) = wire_samples() else { return };
    let api = Api::seeded(seed(4, 3, 0, 0), 50).await;
    let created = api
        .post(
            &format!("/environmentmanagement/environmentGroups?{V_PP}"),
            json!({"displayName": "test_env_group", "description": "test env group"}),
        )
        .await;
    created.expect(200);
    let group = created.json["id"].as_str().unwrap().to_owned();
    let got = api
        .get(&format!(
            "/environmentmanagement/environmentGroups/{group}?{V_PP}"
        ))
        .await
        .json;
    // The recording is the BAP group; the Power Platform API adds the modification fields.
    same_shape(
        "environment-groups/bap-get-environment-group.json",
        &sample_json(&dir, "environment-groups/bap-get-environment-group.json"),
        &got,
        &["lastModifiedTime", "lastModifiedBy", "displayName"],
        Some(&[]),
    );

    let recorded_post = sample_json(&dir, "rule-sets/post-rule-set-response.json");
    let mut body = recorded_post.clone();
    for k in ["id", "lastModified", "environmentFilter"] {
        body.as_object_mut().unwrap().remove(k);
    }
    let posted = api
        .post(
            &format!("/governance/environmentGroups/{group}/ruleSets?{V_PP}"),
            body.clone(),
        )
        .await;
    posted.expect(201);
    let _: RuleSet = parses("rule set post", &posted.json);
    // This recording keeps only `parameters`; the other fields are in the PUT and GET ones.
    same_shape(
        "rule-sets/post-rule-set-response.json",
        &recorded_post,
        &posted.json,
        &["id", "lastModified", "environmentFilter"],
        Some(&[]),
    );
    assert_eq!(posted.json["parameters"], recorded_post["parameters"]);

    let id = posted.json["id"].as_str().unwrap();
    let recorded_put = sample_json(&dir, "rule-sets/put-rule-set-response.json");
    let put = api
        .put(
            &format!("/governance/ruleSets/{id}?{V_PP}"),
            json!({"parameters": recorded_put["parameters"]}),
        )
        .await;
    put.expect(200);
    same_shape(
        "rule-sets/put-rule-set-response.json",
        &recorded_put,
        &put.json,
        &[],
        Some(&[]),
    );

    let list = api
        .get(&format!(
            "/governance/environmentGroups/{group}/ruleSets?{V_PP}"
        ))
        .await
        .json;
    let _: Page<RuleSet> = parses("rule set list", &list);
    let file = "rule-sets/get-rule-sets-a.json";
    same_shape(file, &sample_json(&dir, file), &list, &[], Some(&[]));
    // Recording b has no `hasStagedChanges` (a has), and we echo what was written.
    let file = "rule-sets/get-rule-sets-b.json";
    same_shape(
        file,
        &sample_json(&dir, file),
        &list,
        &["hasStagedChanges"],
        Some(&[]),
    );
}

#[tokio::test]
async fn role_assignment_answers_match_the_recordings() {
    let Some(dir) = wire_samples() else { return };
    let api = Api::seeded(seed(8, 0, 0, 0), 50).await;
    let t = api.state();
    let env = t
        .environments
        .iter()
        .find(|(_, e)| !e.has_dataverse())
        .map(|(k, _)| k.clone())
        .unwrap();
    let modify = api
        .post(
            &format!("{ENVS}/{env}/modifyRoleAssignments?{V_2021}"),
            json!({"add": [{"properties": {
                "roleDefinition": {"id": format!("{ENVS}/{env}/roleDefinitions/EnvironmentAdmin")},
                "principal": {"id": "00000000-0000-0000-0000-000000000002", "type": "User"}}}]}),
        )
        .await;
    modify.expect(200);
    let _: ModifyRoleAssignmentsResponse = parses("modify", &modify.json);
    let mut ours = modify.json.clone();
    // The recording has no `remove` array (nothing was removed); ours is empty.
    assert_eq!(
        ours.as_object_mut().unwrap().remove("remove"),
        Some(json!([]))
    );
    same_shape(
        "role-assignments/bap-modify-role-assignments-response.json",
        &sample_json(
            &dir,
            "role-assignments/bap-modify-role-assignments-response.json",
        ),
        &ours,
        &[],
        Some(&["email", "displayName"]),
    );
    let list = api
        .get(&format!("{ENVS}/{env}/roleAssignments?{V_2021}"))
        .await
        .json;
    let _: BapPage<BapRoleAssignment> = parses("list", &list);
    same_shape(
        "role-assignments/bap-list-role-assignments.json",
        &sample_json(&dir, "role-assignments/bap-list-role-assignments.json"),
        &list,
        &[],
        Some(&["email", "displayName"]),
    );
}

#[tokio::test]
async fn tenant_settings_and_connector_answers_match_the_recordings() {
    let Some(dir) = wire_samples() else { return };
    let api = Api::empty().await;
    let list = api
        .post_empty(
            "/providers/Microsoft.BusinessAppPlatform/listTenantSettings?api-version=2023-06-01",
        )
        .await
        .json;
    let recorded = sample_json(&dir, "tenant-settings/list-tenant-settings.json");
    same_shape(
        "tenant-settings/list-tenant-settings.json",
        &recorded,
        &list,
        &["environmentRoutingAllMakers"],
        Some(&[]),
    );
    let update = api
        .post(
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/updateTenantSettings?api-version=2023-06-01",
            json!({"walkMeOptOut": true}),
        )
        .await
        .json;
    same_shape(
        "tenant-settings/update-tenant-settings-response.json",
        &sample_json(&dir, "tenant-settings/update-tenant-settings-response.json"),
        &update,
        // This recording is abridged; the list recording has these.
        &[
            "environmentRoutingAllMakers",
            "disableCopilotWithBing",
            "applyAutoClaimToOnlyManagedEnvironments",
            "disableCopilotFeedback",
            "disableCopilotFeedbackMetadata",
        ],
        None,
    );

    let apis = api
        .get("/providers/Microsoft.PowerApps/apis?api-version=2019-05-01")
        .await
        .json;
    same_shape(
        "connectors/powerapps-list-apis.json",
        &sample_json(&dir, "connectors/powerapps-list-apis.json"),
        &apis,
        &["releaseTag"],
        None,
    );
    let unblockable = api
        .get("/providers/PowerPlatform.Governance/v1/connectors/metadata/unblockable")
        .await
        .json;
    same_shape(
        "connectors/governance-unblockable.json",
        &sample_json(&dir, "connectors/governance-unblockable.json"),
        &unblockable,
        &[],
        Some(&[]),
    );
    let virt = api
        .get("/providers/PowerPlatform.Governance/v1/connectors/metadata/virtual")
        .await
        .json;
    same_shape(
        "connectors/governance-virtual.json",
        &sample_json(&dir, "connectors/governance-virtual.json"),
        &virt,
        &[],
        Some(&["iconUri"]),
    );
}

/// What the recordings send beyond the types: `"linkedEnvironmentMetadata": null` for an
/// environment without Dataverse, and `detailUrlType` in BAP errors (reference §9.6; the
/// recorded 409 and the UrlPatternsInvalidRule answer carry it), not in Power Platform API ones.
#[tokio::test]
async fn environments_and_bap_errors_carry_what_the_recordings_carry() {
    let Some(dir) = wire_samples() else { return };
    let recorded = sample_json(&dir, "environments/bap-list-environments.json");
    let recorded_nulls = recorded["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["properties"].get("linkedEnvironmentMetadata") == Some(&Value::Null))
        .count();
    assert!(recorded_nulls > 0, "the recording holds an explicit null");
    let api = Api::seeded(seed(12, 0, 0, 0), 50).await;
    let list = api.get(&format!("{ENVS}?{V_BAP}")).await.json;
    let mut without_dataverse = 0;
    for e in list["value"].as_array().unwrap() {
        let linked = e["properties"].get("linkedEnvironmentMetadata");
        assert!(linked.is_some(), "emitted without the key: {e:#}");
        if linked == Some(&Value::Null) {
            without_dataverse += 1;
        }
    }
    assert!(without_dataverse > 0);
    let page: BapPage<Environment> = parses("environment list", &list);
    assert_eq!(
        page.value.iter().filter(|e| !e.has_dataverse()).count(),
        without_dataverse
    );

    let missing = api
        .get(&format!(
            "{ENVS}/00000000-0000-0000-0000-0000000000ff?{V_BAP}"
        ))
        .await;
    missing.expect_error(404, "EnvironmentNotFound");
    assert_eq!(
        missing.json["error"]["detailUrlType"], "NotSpecified",
        "{}",
        missing.text
    );
    let dlp = api
        .get("/providers/PowerPlatform.Governance/v2/policies/nope")
        .await;
    assert_eq!(
        dlp.json["error"]["detailUrlType"], "NotSpecified",
        "{}",
        dlp.text
    );
    let rule_set = api
        .put(
            "/governance/ruleSets/nope?api-version=2021-10-01-preview",
            serde_json::json!({"parameters": []}),
        )
        .await;
    assert!(rule_set.status >= 400, "{}", rule_set.text);
    assert!(
        rule_set.json["error"].get("detailUrlType").is_none(),
        "{}",
        rule_set.text
    );
}

/// The recorded environment sits in a group with `protectionLevel: Basic`. Seeded as
/// recorded (through `PUT /_emulator/state`), the emulator serves it as it is and lets it be
/// made managed or leave its group.
#[tokio::test]
async fn a_recorded_basic_member_of_a_group_is_accepted_when_seeded() {
    let Some(dir) = wire_samples() else { return };
    let recorded = sample_json(&dir, "environments/bap-get-environment-a.json");
    let env: Environment = parses("environments/bap-get-environment-a.json", &recorded);
    assert!(!env.is_managed());
    let group = env
        .group_id()
        .expect("the recording is in a group")
        .to_owned();
    let api = Api::seeded(seed(2, 0, 0, 0), 50).await;
    let mut tenant: Value = serde_json::from_str(&api.state().to_json()).unwrap();
    tenant["environments"][&env.name] = recorded.clone();
    tenant["environmentGroups"][&group] =
        json!({"id": group, "displayName": "Recorded group", "description": ""});
    let put = api
        .http
        .put(api.url("/_emulator/state"))
        .body(tenant.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 204, "{}", put.text().await.unwrap());

    let got = api.get(&format!("{ENVS}/{}?{V_BAP}", env.name)).await;
    got.expect(200);
    let p = &got.json["properties"];
    assert_eq!(p["governanceConfiguration"]["protectionLevel"], "Basic");
    assert_eq!(p["parentEnvironmentGroup"]["id"], group.as_str());
    api.post(
        &format!(
            "/providers/Microsoft.BusinessAppPlatform/environments/{}/governanceConfiguration?{V_2021}",
            env.name
        ),
        json!({"protectionLevel": "Standard"}),
    )
    .await
    .expect(202);
    assert!(api.state().environments[&env.name].is_managed());
    api.post_empty(&format!(
        "/environmentmanagement/environmentGroups/{group}/removeEnvironment/{}?{V_PP}",
        env.name
    ))
    .await
    .expect(202);
    assert_eq!(api.state().environments[&env.name].group_id(), None);
}

/// The recorded apps, stored in a snapshot, are served back as recorded: the same apps with
/// every field (the wire type keeps unknown ones), one page without `nextLink`, and the
/// connection references a map.
#[tokio::test]
async fn apps_answer_matches_the_recording() {
    let Some(dir) = wire_samples() else { return };
    let file = "inventory/powerapps-admin-list-apps.json";
    let recorded = sample_json(&dir, file);
    let page: BapPage<ppgov_tenant_api::inventory::App> = parses(file, &recorded);
    let env = "00000000-0000-0000-0000-000000000001";
    let api = Api::seeded(seed(1, 0, 0, 0), 50).await;
    api.emu.update_state(|t| {
        let any = t.environments.values().next().unwrap().clone();
        t.environments.insert(env.to_owned(), any);
        t.apps.insert(
            env.to_owned(),
            page.value
                .iter()
                .map(|a| (a.name.clone(), a.clone()))
                .collect(),
        );
    });
    let ours = api
        .get(&format!(
            "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps?api-version=2023-06-01"
        ))
        .await
        .json;
    let served: BapPage<ppgov_tenant_api::inventory::App> = parses("apps list", &ours);
    assert_eq!(served, page);
    assert!(ours.get("nextLink").is_none());
    assert!(ours["value"][0]["properties"]["connectionReferences"].is_object());
}

/// The recorded flow list, stored in a snapshot, is served back as recorded.
#[tokio::test]
async fn flows_answer_matches_the_recording() {
    let Some(dir) = wire_samples() else { return };
    let file = "inventory/flows-admin-v2-list.json";
    let recorded = sample_json(&dir, file);
    let page: BapPage<ppgov_tenant_api::inventory::Flow> = parses(file, &recorded);
    let env = "Default-1e852b49-bf4b-4ba5-bcd4-a8c4706c8ed4";
    let api = Api::seeded(seed(1, 0, 0, 0), 50).await;
    api.emu.update_state(|t| {
        let any = t.environments.values().next().unwrap().clone();
        t.environments.insert(env.to_owned(), any);
        t.flows.insert(
            env.to_owned(),
            page.value
                .iter()
                .map(|f| (f.name.clone(), f.clone()))
                .collect(),
        );
    });
    let ours = api
        .get(&format!(
            "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows?api-version=2016-11-01"
        ))
        .await
        .json;
    let mut served: BapPage<ppgov_tenant_api::inventory::Flow> = parses("flows list", &ours);
    // Stored by name: compare in the recording's order.
    served
        .value
        .sort_by_key(|f| page.value.iter().position(|r| r.name == f.name));
    assert_eq!(served, page);
    same_shape(file, &recorded, &ours, &[], Some(&[]));
}
