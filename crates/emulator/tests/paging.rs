//! Every paged list pages: absolute continuation links, the query kept, every item once.

mod common;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn ids(items: &[Value], pointer: &str) -> BTreeSet<String> {
    items
        .iter()
        .map(|v| {
            v.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn environments_page_with_absolute_next_links() {
    let api = Api::seeded(seed(23, 3, 0, 0), 5).await;
    let first = api.get(&format!("{ENVS}?{V_BAP}")).await;
    first.expect(200);
    assert_eq!(first.json["value"].as_array().unwrap().len(), 5);
    let next = first.json["nextLink"].as_str().expect("nextLink");
    assert!(next.starts_with(&api.emu.base_url()), "{next}");
    assert!(
        next.contains("$skiptoken=5") && next.contains(V_BAP),
        "{next}"
    );
    assert!(first.json.get("@odata.nextLink").is_none());

    let (all, pages) = api.get_all(&format!("{ENVS}?{V_BAP}")).await;
    assert_eq!((all.len(), pages), (23, 5));
    assert_eq!(ids(&all, "/name").len(), 23);

    let (top, pages) = api.get_all(&format!("{ENVS}?{V_BAP}&$top=10")).await;
    assert_eq!((top.len(), pages), (23, 3));
}

#[tokio::test]
async fn environments_filter_by_group() {
    let api = Api::seeded(seed(30, 3, 0, 0), 2).await;
    let t = api.state();
    let group = t.environment_groups.keys().next().unwrap().clone();
    let members: BTreeSet<String> = t.group_members(&group).into_iter().collect();
    assert!(!members.is_empty());
    for filter in [
        format!("properties/parentEnvironmentGroup/id eq {group}"),
        format!("properties/parentEnvironmentGroup/id eq '{group}'"),
    ] {
        let path = format!(
            "{ENVS}?{V_BAP}&$filter={}",
            ppgov_tenant_api::paths::encode(&filter)
        );
        let (items, _) = api.get_all(&path).await;
        assert_eq!(ids(&items, "/name"), members, "{filter}");
    }
    api.get(&format!(
        "{ENVS}?{V_BAP}&$filter=properties/displayName%20eq%20x"
    ))
    .await
    .expect_error(400, "BadRequest");
}

#[tokio::test]
async fn groups_rule_sets_policies_assignments_and_dlp_page() {
    let api = Api::seeded(seed(20, 7, 7, 0), 3).await;
    let (groups, pages) = api
        .get_all(&format!("/environmentmanagement/environmentGroups?{V_PP}"))
        .await;
    assert_eq!((groups.len(), pages), (7, 3));
    let first = api
        .get(&format!("/environmentmanagement/environmentGroups?{V_PP}"))
        .await;
    assert!(
        first.json["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains(V_PP)
    );

    let expected_rule_sets = api.state().rule_sets.len();
    let (rule_sets, _) = api.get_all(&format!("/governance/ruleSets?{V_PP}")).await;
    assert_eq!(rule_sets.len(), expected_rule_sets);
    assert_eq!(ids(&rule_sets, "/id").len(), expected_rule_sets);

    // Four more rule-based policies, each assigned to a group: 5 policies, 5 assignments.
    let t = api.state();
    let free_groups: Vec<String> = t
        .environment_groups
        .keys()
        .filter(|g| {
            !t.rule_assignments
                .keys()
                .any(|k| k.ends_with(&g.to_ascii_lowercase()))
        })
        .take(4)
        .cloned()
        .collect();
    for (i, g) in free_groups.iter().enumerate() {
        let p = api
            .post(
                &format!("/governance/ruleBasedPolicies?{V_PP}"),
                json!({"name": format!("p{i}"), "ruleSets": []}),
            )
            .await;
        p.expect(201);
        let id = p.json["id"].as_str().unwrap();
        api.post(
            &format!("/governance/ruleBasedPolicies/{id}/environmentGroups/{g}/assignments?{V_PP}"),
            json!({}),
        )
        .await
        .expect(201);
    }
    let (policies, pages) = api
        .get_all(&format!("/governance/ruleBasedPolicies?{V_PP}"))
        .await;
    assert_eq!((policies.len(), pages), (5, 2));
    let (assignments, _) = api
        .get_all(&format!("/governance/ruleBasedPolicies/assignments?{V_PP}"))
        .await;
    assert_eq!(assignments.len(), 5);

    let (dlp, pages) = api.get_all(DLP).await;
    assert_eq!((dlp.len(), pages), (7, 3));
    assert_eq!(ids(&dlp, "/policyDefinition/name").len(), 7);
    let page = api.get(DLP).await;
    assert!(
        page.json["nextLink"]
            .as_str()
            .unwrap()
            .contains("$skiptoken=3")
    );
}

#[tokio::test]
async fn short_lists_have_no_next_link_and_bad_tokens_are_rejected() {
    let api = Api::seeded(seed(3, 1, 1, 0), 50).await;
    let a = api.get(&format!("{ENVS}?{V_BAP}")).await;
    a.expect(200);
    assert!(a.json.get("nextLink").is_none());
    api.get(&format!("{ENVS}?{V_BAP}&$skiptoken=abc"))
        .await
        .expect_error(400, "BadRequest");
    api.get(&format!(
        "/environmentmanagement/environmentGroups?{V_PP}&$top=0"
    ))
    .await
    .expect_error(400, "BadRequest");
}

/// An app as the Power Apps admin list returns one.
fn app_json(env: &str, i: usize) -> ppgov_tenant_api::inventory::App {
    serde_json::from_value(json!({
        "name": format!("00000000-0000-0000-0000-{i:012}"),
        "id": format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps/{i}"),
        "type": "Microsoft.PowerApps/scopes/admin/apps",
        "properties": {
            "displayName": format!("App {i}"),
            "sharedUsersCount": i,
            "environment": {"id": format!("/providers/Microsoft.PowerApps/environments/{env}"), "name": env},
            "connectionReferences": {
                "7d1b3f8e": {"id": "/providers/microsoft.powerapps/apis/shared_sql", "displayName": "SQL Server"}
            }
        }
    }))
    .unwrap()
}

#[tokio::test]
async fn apps_page_with_absolute_next_links_per_environment() {
    let api = Api::seeded(seed(3, 0, 0, 0), 2).await;
    let envs: Vec<String> = api.state().environments.keys().cloned().collect();
    api.emu.update_state(|t| {
        t.apps.insert(
            envs[0].clone(),
            (0..5)
                .map(|i| (format!("{i}"), app_json(&envs[0], i)))
                .collect(),
        );
        t.apps.insert(
            envs[1].clone(),
            [("9".to_owned(), app_json(&envs[1], 9))].into(),
        );
    });
    let apps =
        |env: &str| format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps");
    let first = api.get(&format!("{}?{V_BAP}", apps(&envs[0]))).await;
    first.expect(200);
    assert_eq!(first.json["value"].as_array().unwrap().len(), 2);
    let next = first.json["nextLink"].as_str().expect("nextLink");
    assert!(
        next.starts_with(&api.emu.base_url()) && next.contains("$skiptoken=2"),
        "{next}"
    );
    // Served as stored: the connection references stay a map keyed by GUID.
    assert!(first.json["value"][0]["properties"]["connectionReferences"]["7d1b3f8e"].is_object());

    let (all, pages) = api.get_all(&format!("{}?{V_BAP}", apps(&envs[0]))).await;
    assert_eq!((all.len(), pages), (5, 3));
    assert_eq!(ids(&all, "/name").len(), 5);
    // Each environment lists its own apps; one without apps lists none.
    let (other, _) = api.get_all(&format!("{}?{V_BAP}", apps(&envs[1]))).await;
    assert_eq!(
        ids(&other, "/properties/displayName"),
        BTreeSet::from(["App 9".to_owned()])
    );
    let (none, pages) = api.get_all(&format!("{}?{V_BAP}", apps(&envs[2]))).await;
    assert_eq!((none.len(), pages), (0, 1));

    api.get(&format!("{}?{V_BAP}", apps("no-such-env")))
        .await
        .expect_error(404, "EnvironmentNotFound");
    api.get(&apps(&envs[0])).await.expect(400);
}

fn flow_json(env: &str, i: usize) -> ppgov_tenant_api::inventory::Flow {
    serde_json::from_value(json!({
        "name": format!("f{i}"),
        "id": format!("/providers/Microsoft.ProcessSimple/environments/{env}/flows/f{i}"),
        "type": "Microsoft.ProcessSimple/environments/flows",
        "properties": {
            "displayName": format!("Flow {i}"),
            "state": "Started",
            "environment": {"name": env},
            "connectionReferences": {
                "shared_sql": {"id": "/providers/Microsoft.PowerApps/apis/shared_sql", "connectionName": "c1"}
            },
            "definitionSummary": {"triggers": [], "actions": [
                {"type": "OpenApiConnection", "swaggerOperationId": "GetItems_V2", "api": {"id": "/providers/Microsoft.PowerApps/apis/shared_sql"}}
            ]}
        }
    }))
    .unwrap()
}

#[tokio::test]
async fn flows_page_without_references_and_each_flow_has_them() {
    let api = Api::seeded(seed(2, 0, 0, 0), 2).await;
    let envs: Vec<String> = api.state().environments.keys().cloned().collect();
    api.emu.update_state(|t| {
        t.flows.insert(
            envs[0].clone(),
            (0..3)
                .map(|i| (format!("f{i}"), flow_json(&envs[0], i)))
                .collect(),
        );
    });
    let admin = format!(
        "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{}",
        envs[0]
    );
    let first = api
        .get(&format!("{admin}/v2/flows?api-version=2016-11-01"))
        .await;
    first.expect(200);
    assert!(
        first.json["nextLink"]
            .as_str()
            .unwrap()
            .contains("$skiptoken=2")
    );
    let (all, pages) = api
        .get_all(&format!("{admin}/v2/flows?api-version=2016-11-01"))
        .await;
    assert_eq!((all.len(), pages), (3, 2));
    // The admin list carries no connection references; the definition summary stays.
    assert!(
        all.iter()
            .all(|f| f["properties"].get("connectionReferences").is_none())
    );
    assert!(
        all.iter()
            .all(|f| f["properties"]["definitionSummary"]["actions"].is_array())
    );

    let one = api
        .get(&format!("{admin}/flows/F1?api-version=2016-11-01"))
        .await;
    one.expect(200);
    assert_eq!(
        one.json["properties"]["connectionReferences"]["shared_sql"]["connectionName"],
        "c1"
    );
    api.get(&format!("{admin}/flows/nope?api-version=2016-11-01"))
        .await
        .expect_error(404, "NotFound");
    let other = format!(
        "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{}",
        envs[1]
    );
    let (none, _) = api
        .get_all(&format!("{other}/v2/flows?api-version=2016-11-01"))
        .await;
    assert!(none.is_empty());
    api.get("/providers/Microsoft.ProcessSimple/scopes/admin/environments/nope/v2/flows?api-version=2016-11-01")
        .await
        .expect_error(404, "EnvironmentNotFound");
}
