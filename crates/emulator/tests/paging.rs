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
