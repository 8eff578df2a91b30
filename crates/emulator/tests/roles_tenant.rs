//! BAP and RBAC role assignments, tenant settings and the connector catalog.

mod common;
use common::*;
use ppgov_tenant_api::roles::{ModifyRoleAssignmentsResponse, RbacCreateResponse, rbac_roles};
use serde_json::{Value, json};

#[tokio::test]
async fn bap_role_assignments_add_remove_and_dataverse_403() {
    let api = Api::seeded(seed(12, 0, 0, 0), 50).await;
    let t = api.state();
    let plain = t
        .environments
        .iter()
        .find(|(_, e)| !e.has_dataverse())
        .map(|(k, _)| k.clone())
        .unwrap();
    let dataverse = t
        .environments
        .iter()
        .find(|(_, e)| e.has_dataverse())
        .map(|(k, _)| k.clone())
        .unwrap();
    let list = format!("{ENVS}/{plain}/roleAssignments?{V_2021}");
    let before = api.get(&list).await;
    before.expect(200);
    let n = before.json["value"].as_array().unwrap().len();

    let modify = format!("{ENVS}/{plain}/modifyRoleAssignments?{V_2021}");
    let principal = "7d6c5b4a-0000-4000-8000-000000000001";
    let add = json!({"add": [
        {"properties": {"roleDefinition": {"id": format!("{ENVS}/{plain}/roleDefinitions/environmentmaker")},
                        "principal": {"id": principal, "type": "Group", "email": ""}}},
        {"properties": {"roleDefinition": {"id": "x/roleDefinitions/Owner"},
                        "principal": {"id": principal, "type": "Group"}}}
    ]});
    let a = api.post(&modify, add.clone()).await;
    a.expect(200);
    let answer: ModifyRoleAssignmentsResponse = serde_json::from_value(a.json.clone()).unwrap();
    assert_eq!(answer.add[0].http_status, "Created");
    let created = answer.add[0].role_assignment.clone().unwrap();
    assert_eq!(
        created.properties.role_definition.role_name(),
        "EnvironmentMaker"
    );
    assert_eq!(answer.add[1].http_status, "BadRequest");
    // Adding the same again is not a duplicate.
    let again = api.post(&modify, add).await;
    assert_eq!(again.json["add"][0]["httpStatus"], "OK");
    assert_eq!(
        api.get(&list).await.json["value"].as_array().unwrap().len(),
        n + 1
    );

    let remove = json!({"remove": [{"id": created.id}, {"id": "nope"}]});
    let r = api.post(&modify, remove).await;
    r.expect(200);
    assert_eq!(r.json["remove"][0]["httpStatus"], "OK");
    assert_eq!(r.json["remove"][1]["httpStatus"], "NotFound");
    assert_eq!(
        api.get(&list).await.json["value"].as_array().unwrap().len(),
        n
    );

    api.get(&format!("{ENVS}/{dataverse}/roleAssignments?{V_2021}"))
        .await
        .expect_error(403, "EnvironmentHasDataverse");
    api.post(
        &format!("{ENVS}/{dataverse}/modifyRoleAssignments?{V_2021}"),
        json!({"add": []}),
    )
    .await
    .expect_error(403, "EnvironmentHasDataverse");
}

#[tokio::test]
async fn rbac_create_list_delete_and_validation() {
    let api = Api::seeded(seed(4, 2, 0, 6), 50).await;
    let t = api.state();
    let tenant = t.tenant_id.clone();
    let group = t.environment_groups.keys().next().unwrap().clone();

    let defs = api
        .get(&format!("/authorization/roleDefinitions?{V_PP}"))
        .await;
    defs.expect(200);
    let ids: Vec<&str> = defs.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["roleDefinitionId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            rbac_roles::OWNER,
            rbac_roles::CONTRIBUTOR,
            rbac_roles::READER,
            rbac_roles::RBAC_ADMINISTRATOR
        ]
    );

    let path = format!("/authorization/roleAssignments?{V_PP}");
    let body = |scope: String| {
        json!({"principalObjectId": "5e4d3c2b-0000-4000-8000-000000000001", "principalType": "Group",
               "roleDefinitionId": rbac_roles::READER, "scope": scope})
    };
    let a = api
        .post(
            &path,
            body(format!("/tenants/{tenant}/environmentGroups/{group}")),
        )
        .await;
    a.expect(201);
    assert!(a.json["value"].is_array(), "value-wrapped: {}", a.text);
    let created = serde_json::from_value::<RbacCreateResponse>(a.json.clone())
        .unwrap()
        .into_assignment()
        .unwrap();
    assert!(created.created_on.is_some());
    api.post(
        &path,
        body(format!("/tenants/{tenant}/environmentGroups/{group}")),
    )
    .await
    .expect_error(409, "Conflict");

    // The tenant-level list holds tenant-scope assignments only: not the new group one.
    let list = api.get(&path).await;
    let tenant_scope = format!("/tenants/{tenant}");
    let listed = list.json["value"].as_array().unwrap();
    assert!(
        listed.iter().all(|v| v["scope"] == tenant_scope.as_str()),
        "{}",
        list.text
    );
    assert!(
        !listed
            .iter()
            .any(|v| v["roleAssignmentId"] == created.role_assignment_id.as_str())
    );
    assert!(list.json.get("@odata.nextLink").is_none());
    let scoped = api
        .get(&format!(
            "/authorization/environmentGroups/{group}/roleAssignments?{V_PP}"
        ))
        .await;
    assert!(
        scoped.json["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["roleAssignmentId"] == created.role_assignment_id.as_str())
    );

    api.post(
        &path,
        body(format!(
            "/tenants/{tenant}/environments/00000000-0000-0000-0000-000000000009"
        )),
    )
    .await
    .expect_error(400, "EnvironmentIdInvalid");
    api.post(
        &path,
        body(format!(
            "/tenants/{tenant}/environmentGroups/00000000-0000-0000-0000-000000000009"
        )),
    )
    .await
    .expect_error(400, "EnvironmentGroupIdInvalid");
    let mut wrong_role = body(format!("/tenants/{tenant}"));
    wrong_role["roleDefinitionId"] = json!("00000000-0000-0000-0000-000000000009");
    api.post(&path, wrong_role)
        .await
        .expect_error(400, "BadRequest");

    let id = created.role_assignment_id;
    api.delete(&format!("/authorization/roleAssignments/{id}?{V_PP}"))
        .await
        .expect(204);
    api.delete(&format!("/authorization/roleAssignments/{id}?{V_PP}"))
        .await
        .expect_error(404, "NotFound");
}

#[tokio::test]
async fn tenant_settings_deep_merge_and_zero_guid_targets() {
    let api = Api::empty().await;
    let info = api
        .get("/providers/Microsoft.BusinessAppPlatform/tenant?api-version=2021-04-01")
        .await;
    info.expect(200);
    assert_eq!(info.json["tenantId"], api.emu.tenant_id().as_str());

    let list = "/providers/Microsoft.BusinessAppPlatform/listTenantSettings?api-version=2023-06-01";
    let before = api.post_empty(list).await;
    before.expect(200);
    let gov = &before.json["powerPlatform"]["governance"];
    assert!(gov.get("environmentRoutingTargetSecurityGroupId").is_none());
    assert_eq!(gov["disableAdminDigest"], false);

    let update = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/updateTenantSettings?api-version=2023-06-01";
    let after = api
        .post(
            update,
            json!({
                "disableTrialEnvironmentCreationByNonAdminUsers": true,
                "powerPlatform": {"governance": {
                    "disableAdminDigest": true,
                    "environmentRoutingTargetEnvironmentGroupId": "4c9a2f71-8d3e-4b15-a6c0-2e7f9d1b3a58"
                }, "brandNewSection": {"x": 1}}
            }),
        )
        .await;
    after.expect(200);
    let gov = &after.json["powerPlatform"]["governance"];
    assert_eq!(gov["disableAdminDigest"], true);
    assert_eq!(
        gov["environmentRoutingTargetEnvironmentGroupId"],
        "4c9a2f71-8d3e-4b15-a6c0-2e7f9d1b3a58"
    );
    // Untouched settings survive, unknown ones round-trip.
    assert_eq!(
        gov["disableDeveloperEnvironmentCreationByNonAdminUsers"],
        false
    );
    assert_eq!(after.json["powerPlatform"]["brandNewSection"]["x"], 1);
    assert_eq!(after.json["walkMeOptOut"], false);
    assert_eq!(api.post_empty(list).await.json, after.json);

    api.post(update, json!({"walkMeOptOut": "yes"}))
        .await
        .expect_error(400, "BadRequest");
    api.post(update, json!([1]))
        .await
        .expect_error(400, "BadRequest");
}

#[tokio::test]
async fn connector_catalog() {
    let api = Api::empty().await;
    let apis = api
        .get("/providers/Microsoft.PowerApps/apis?api-version=2019-05-01&$filter=environment%20eq%20%27~Default%27&hideDlpExemptApis=true&showAllDlpEnforceableApis=true&showApisWithToS=true")
        .await;
    apis.expect(200);
    let list = apis.json["value"].as_array().unwrap();
    assert_eq!(list.len(), 435 - 18);
    assert!(list.iter().any(|c| c["name"] == "shared_sharepointonline"
        && c["properties"]["displayName"] == "SharePoint"));
    let unblockable = api
        .get("/providers/PowerPlatform.Governance/v1/connectors/metadata/unblockable")
        .await;
    assert_eq!(unblockable.json.as_array().unwrap().len(), 24);
    let virt = api
        .get("/providers/PowerPlatform.Governance/v1/connectors/metadata/virtual")
        .await;
    let virt: &Vec<Value> = virt.json.as_array().unwrap();
    assert_eq!(virt.len(), 18);
    assert!(
        virt.iter()
            .any(|v| v["id"] == "Http" && v["metadata"]["virtualConnector"] == true)
    );
}

/// Seeded tenants hold nested scopes in both spellings (with and without `/tenants/{t}`), as
/// recorded tenants do; each assignment is listed on exactly its own scope's route.
#[tokio::test]
async fn rbac_scopes_are_listed_on_their_own_routes_in_both_spellings() {
    let api = Api::seeded(seed(30, 4, 0, 40), 50).await;
    let t = api.state();
    let scopes: Vec<&str> = t
        .rbac_role_assignments
        .values()
        .map(|a| a.scope.as_str())
        .collect();
    for prefix in ["/environments/", "/environmentGroups/"] {
        assert!(
            scopes.iter().any(|s| s.starts_with(prefix)),
            "no short {prefix} scope seeded: {scopes:?}"
        );
    }
    assert!(
        scopes
            .iter()
            .any(|s| s.contains("/environmentGroups/") && s.starts_with("/tenants/"))
    );
    let mut routes = vec![format!("/authorization/roleAssignments?{V_PP}")];
    routes.extend(
        t.environment_groups
            .keys()
            .map(|g| format!("/authorization/environmentGroups/{g}/roleAssignments?{V_PP}")),
    );
    routes.extend(
        t.environments
            .keys()
            .map(|e| format!("/authorization/environments/{e}/roleAssignments?{V_PP}")),
    );
    let mut seen = std::collections::BTreeMap::new();
    for route in &routes {
        let list = api.get(route).await;
        list.expect(200);
        for v in list.json["value"].as_array().unwrap() {
            let id = v["roleAssignmentId"].as_str().unwrap().to_owned();
            assert!(
                seen.insert(id.clone(), route.clone()).is_none(),
                "{id} listed twice"
            );
        }
    }
    let all: Vec<&String> = t.rbac_role_assignments.keys().collect();
    assert_eq!(seen.keys().collect::<Vec<_>>(), all);
    for (id, route) in &seen {
        let scope = &t.rbac_role_assignments[id].scope;
        let tail = scope.rsplit('/').next().unwrap();
        if scope.contains("/environments/") || scope.contains("/environmentGroups/") {
            assert!(route.contains(tail), "{id} at {scope} listed on {route}");
        } else {
            assert!(route.starts_with("/authorization/roleAssignments"), "{id}");
        }
    }
}
