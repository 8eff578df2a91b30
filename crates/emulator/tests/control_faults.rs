//! Control routes: seeding, state dump/load, persistence, faults and the request log.

mod common;
use common::*;
use ppgov_emulator::{Config, Emulator, Faults, RateLimit, RequestLog, Tenant};
use serde_json::json;
use std::time::{Duration, Instant};

async fn control(
    api: &Api,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Answer {
    let mut req = api.http.request(method, api.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    Api::answer(req.send().await.unwrap()).await
}

#[tokio::test]
async fn same_seed_gives_a_byte_identical_dump() {
    let api = Api::empty().await;
    let body = json!({"environments": 40, "groups": 5, "dlpPolicies": 6, "roleAssignments": 12, "seed": 42});
    let summary = control(
        &api,
        reqwest::Method::POST,
        "/_emulator/seed",
        Some(body.clone()),
    )
    .await;
    summary.expect(200);
    assert_eq!(summary.json["environments"], 40);
    assert_eq!(summary.json["dlpPolicies"], 6);
    assert_eq!(summary.json["rbacRoleAssignments"], 12);
    let managed = summary.json["managedEnvironments"].as_u64().unwrap();
    assert!(
        (10..=30).contains(&managed),
        "about half managed: {managed}"
    );
    let first = control(&api, reqwest::Method::GET, "/_emulator/state", None)
        .await
        .text;

    control(&api, reqwest::Method::POST, "/_emulator/seed", Some(body))
        .await
        .expect(200);
    let second = control(&api, reqwest::Method::GET, "/_emulator/state", None)
        .await
        .text;
    assert_eq!(first, second);
    assert!(first.contains("\"format\": \"ppgov-tenant-snapshot/1\""));

    // Another emulator, same seed through the library.
    let other = Emulator::start(Config::default().seeded(ppgov_emulator::SeedRequest {
        environments: 40,
        groups: 5,
        dlp_policies: 6,
        role_assignments: 12,
        seed: 42,
        tenant_id: None,
        apps: 0,
        flows: 0,
    }))
    .await
    .unwrap();
    assert_eq!(other.state().to_json(), first);

    let different = control(
        &api,
        reqwest::Method::POST,
        "/_emulator/seed",
        Some(json!({"environments": 40, "seed": 43})),
    )
    .await;
    different.expect(200);
    assert_ne!(
        control(&api, reqwest::Method::GET, "/_emulator/state", None)
            .await
            .text,
        first
    );

    // Groups have members; every group member is managed.
    let t = Tenant::from_json(&first).unwrap();
    for g in t.environment_groups.keys() {
        for m in t.group_members(g) {
            assert!(t.environments[&m].is_managed());
        }
    }
    assert!(
        t.environment_groups
            .keys()
            .any(|g| !t.group_members(g).is_empty())
    );
}

#[tokio::test]
async fn state_put_get_and_bad_snapshots() {
    let api = Api::seeded(seed(5, 1, 1, 1), 50).await;
    let dump = control(&api, reqwest::Method::GET, "/_emulator/state", None)
        .await
        .text;
    let mut tenant = Tenant::from_json(&dump).unwrap();
    tenant.environments.clear();
    let put = api
        .http
        .put(api.url("/_emulator/state"))
        .body(tenant.to_json())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    assert!(api.state().environments.is_empty());
    let bad = api
        .http
        .put(api.url("/_emulator/state"))
        .body(dump.replace("ppgov-tenant-snapshot/1", "ppgov-tenant-snapshot/9"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn state_file_persists_every_write_and_reloads() {
    let dir = std::env::temp_dir().join(format!("ppgov-emu-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tenant.json");
    let config = || Config {
        state_file: Some(file.clone()),
        ..Config::default().seeded(seed(4, 1, 0, 0))
    };
    let api = Api::start(config()).await;
    assert!(file.exists(), "written at start");
    let created = api
        .post(
            &format!("/environmentmanagement/environmentGroups?{V_PP}"),
            json!({"displayName": "Persisted", "description": ""}),
        )
        .await;
    created.expect(200);
    let on_disk = Tenant::from_json(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(on_disk, api.state());
    let id = created.json["id"].as_str().unwrap().to_owned();
    let Api { emu, .. } = api;
    emu.shutdown().await;

    // A new emulator with the same state file starts from it, not from its seed.
    let again = Api::start(config()).await;
    assert!(again.state().environment_groups.contains_key(&id));

    // POST /_emulator/persist writes a snapshot anywhere.
    let copy = dir.join("copy.json");
    control(
        &again,
        reqwest::Method::POST,
        "/_emulator/persist",
        Some(json!({"path": copy.to_str().unwrap()})),
    )
    .await
    .expect(204);
    assert_eq!(
        Tenant::from_json(&std::fs::read_to_string(&copy).unwrap()).unwrap(),
        again.state()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_failed_save_of_the_state_file_fails_the_request_and_undoes_its_change() {
    let dir = std::env::temp_dir().join(format!("ppgov-emu-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tenant.json");
    let api = Api::start(Config {
        state_file: Some(file.clone()),
        ..Config::default().seeded(seed(4, 1, 0, 0))
    })
    .await;
    let saved = std::fs::read_to_string(&file).unwrap();
    let groups = format!("/environmentmanagement/environmentGroups?{V_PP}");

    // A request that changes nothing leaves the file alone (byte-identical, same inode).
    let inode =
        |p: &std::path::Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let before = inode(&file);
    api.get(&groups).await.expect(200);
    api.post(&groups, json!({"description": "no name"})).await;
    assert_eq!(inode(&file), before, "not rewritten");

    // The directory is gone: the save fails, so the write fails, naming the file and the OS
    // error, and the tenant in memory is what it was.
    std::fs::remove_dir_all(&dir).unwrap();
    let state = api.state();
    let failed = api
        .post(&groups, json!({"displayName": "Lost", "description": ""}))
        .await;
    failed.expect_error(500, "PersistFailed");
    assert!(
        failed.text.contains(file.to_str().unwrap()) && failed.text.contains("No such file"),
        "{}",
        failed.text
    );
    assert_eq!(api.state(), state, "the change was undone");

    // Once the disk is back, the same write succeeds and is on disk.
    std::fs::create_dir_all(&dir).unwrap();
    api.post(&groups, json!({"displayName": "Kept", "description": ""}))
        .await
        .expect(200);
    let on_disk = Tenant::from_json(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(on_disk, api.state());
    assert_ne!(std::fs::read_to_string(&file).unwrap(), saved);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn throttling_sends_429_with_retry_after() {
    let api = Api::seeded(seed(3, 0, 0, 0), 50).await;
    let faults = json!({"throttleRate": 1.0, "retryAfterSeconds": 7, "routes": ["/environments"]});
    control(
        &api,
        reqwest::Method::POST,
        "/_emulator/faults",
        Some(faults),
    )
    .await
    .expect(200);
    let a = api.get(&format!("{ENVS}?{V_BAP}")).await;
    a.expect_error(429, "TooManyRequests");
    assert_eq!(a.header("retry-after"), Some("7"));
    // Other routes are not affected.
    api.get(DLP).await.expect(200);
    let p = api
        .get(&format!("/environmentmanagement/environmentGroups?{V_PP}"))
        .await;
    p.expect(200);

    control(&api, reqwest::Method::DELETE, "/_emulator/faults", None)
        .await
        .expect(204);
    api.get(&format!("{ENVS}?{V_BAP}")).await.expect(200);
}

#[tokio::test]
async fn token_bucket_rate_limit() {
    let api = Api::empty().await;
    api.emu
        .set_faults(Faults {
            rate_limit: Some(RateLimit {
                requests_per_second: 0.5,
                burst: 3,
            }),
            ..Faults::default()
        })
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let a = api.get(DLP).await;
        if a.status == 429 {
            // The exact time until the next token, in decimal seconds.
            let secs: f64 = a.header("retry-after").unwrap().parse().unwrap();
            assert!((0.001..=2.0).contains(&secs), "{secs}");
        }
        statuses.push(a.status);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn latency_errors_and_busy_injection() {
    let api = Api::seeded(seed(2, 0, 0, 0), 50).await;
    api.emu
        .set_faults(Faults {
            latency_ms: 150,
            ..Faults::default()
        })
        .unwrap();
    let t = Instant::now();
    api.get(DLP).await.expect(200);
    assert!(t.elapsed() >= Duration::from_millis(150));

    api.emu
        .set_faults(Faults {
            error_rate: 1.0,
            error_status: 500,
            ..Faults::default()
        })
        .unwrap();
    api.get(DLP).await.expect_error(500, "InternalServerError");
    api.emu
        .set_faults(Faults {
            error_rate: 1.0,
            ..Faults::default()
        })
        .unwrap();
    api.get(&format!("/environmentmanagement/environmentGroups?{V_PP}"))
        .await
        .expect_error(503, "ServiceUnavailable");

    api.emu
        .set_faults(Faults {
            busy_rate: 1.0,
            ..Faults::default()
        })
        .unwrap();
    // Like the service's lifecycle lock, the busy fault meets only the writes that start an
    // operation on an environment: not reads, tenant settings, groups, rule sets or RBAC.
    api.get(DLP).await.expect(200);
    let group = api
        .post(
            &format!("/environmentmanagement/environmentGroups?{V_PP}"),
            json!({"displayName": "x"}),
        )
        .await;
    assert!(group.status < 300, "{}", group.text);
    api.post(
        "/providers/Microsoft.BusinessAppPlatform/listTenantSettings?api-version=2023-06-01",
        json!({}),
    )
    .await
    .expect(200);
    let tenant = api.state().tenant_id;
    let reader = ppgov_tenant_api::roles::rbac_roles::READER;
    let rbac = api
        .post(
            &format!("/authorization/roleAssignments?{V_PP}"),
            json!({"principalObjectId": "5e4d3c2b-0000-4000-8000-000000000007", "principalType": "User",
                   "roleDefinitionId": reader, "scope": format!("/tenants/{tenant}")}),
        )
        .await;
    assert!(rbac.status < 300, "{}", rbac.text);
    let env = api.unmanaged_env();
    api.post(
        &format!("/providers/Microsoft.BusinessAppPlatform/environments/{env}/governanceConfiguration?{V_2021}"),
        json!({"protectionLevel": "Standard"}),
    )
    .await
    .expect_error(409, "OperationNotStartable");

    let bad = control(
        &api,
        reqwest::Method::POST,
        "/_emulator/faults",
        Some(json!({"dropRate": 2})),
    )
    .await;
    bad.expect(400);
    let unknown = control(
        &api,
        reqwest::Method::POST,
        "/_emulator/faults",
        Some(json!({"nope": 1})),
    )
    .await;
    unknown.expect(400);
}

#[tokio::test]
async fn seeded_random_faults_hit_a_share_of_requests() {
    let api = Api::empty().await;
    api.emu
        .set_faults(Faults {
            error_rate: 0.5,
            seed: Some(9),
            ..Faults::default()
        })
        .unwrap();
    let mut failures = 0;
    for _ in 0..40 {
        if api.get(DLP).await.status == 503 {
            failures += 1;
        }
    }
    assert!((8..=32).contains(&failures), "{failures} of 40");
}

#[tokio::test]
async fn dropped_connections_get_no_response() {
    let api = Api::empty().await;
    api.emu
        .set_faults(Faults {
            drop_rate: 1.0,
            ..Faults::default()
        })
        .unwrap();
    let err = api
        .http
        .get(api.url(DLP))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect_err("no response");
    assert!(!err.is_status(), "{err}");
    api.emu.set_faults(Faults::default()).unwrap();
    // The server is fine afterwards.
    api.get(DLP).await.expect(200);
    let log = api.emu.requests();
    assert_eq!(log.by_status.get(&0), Some(&1), "{log:?}");
}

#[tokio::test]
async fn request_log_counts_per_route_template() {
    let api = Api::seeded(seed(3, 0, 0, 0), 50).await;
    let env = api.state().environments.keys().next().unwrap().clone();
    for _ in 0..3 {
        api.get(&format!("{ENVS}/{env}?{V_BAP}")).await.expect(200);
    }
    api.get(&format!("{ENVS}?{V_BAP}")).await.expect(200);
    api.get("/nowhere").await.expect(404);
    control(&api, reqwest::Method::GET, "/_emulator/state", None).await;
    let log: RequestLog = serde_json::from_str(
        &control(&api, reqwest::Method::GET, "/_emulator/requests", None)
            .await
            .text,
    )
    .unwrap();
    assert_eq!(log.total, 5);
    assert_eq!(log.count("GET", &format!("{ENVS}/{{env}}")), 3);
    assert_eq!(log.count("GET", ENVS), 1);
    assert_eq!(log.count("GET", "<unmatched>"), 1);
    assert_eq!(log.by_status[&200], 4);
    assert_eq!(log.recent[0].uri, format!("{ENVS}/{env}?{V_BAP}"));

    control(&api, reqwest::Method::DELETE, "/_emulator/requests", None)
        .await
        .expect(204);
    assert_eq!(api.emu.requests().total, 0);
}

#[tokio::test]
async fn refuses_non_loopback_addresses() {
    let err = Emulator::start(Config {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..Config::default()
    })
    .await
    .err()
    .expect("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn apps_and_flows_are_added_and_removed_through_the_control_api() {
    let api = Api::empty().await;
    control(
        &api,
        reqwest::Method::POST,
        "/_emulator/seed",
        Some(json!({"environments": 3, "seed": 5, "apps": 4, "flows": 3})),
    )
    .await
    .expect(200);
    let state: serde_json::Value = serde_json::from_str(
        &control(&api, reqwest::Method::GET, "/_emulator/state", None)
            .await
            .text,
    )
    .unwrap();
    let env = state["environments"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let apps_path = format!(
        "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps?api-version=2023-06-01"
    );
    let before = api.get(&apps_path).await.json["value"]
        .as_array()
        .unwrap()
        .len();
    let app = json!({"name": "NEW-APP", "properties": {"displayName": "New", "environment": {"name": env}}});
    let path = format!(
        "/_emulator/environments/{}/apps/NEW-APP",
        env.to_uppercase()
    );
    control(&api, reqwest::Method::PUT, &path, Some(app.clone()))
        .await
        .expect(201);
    control(&api, reqwest::Method::PUT, &path, Some(app))
        .await
        .expect(200);
    let listed = api.get(&apps_path).await.json;
    assert_eq!(listed["value"].as_array().unwrap().len(), before + 1);
    control(&api, reqwest::Method::DELETE, &path.to_lowercase(), None)
        .await
        .expect(204);
    control(&api, reqwest::Method::DELETE, &path, None)
        .await
        .expect(404);
    assert_eq!(
        api.get(&apps_path).await.json["value"]
            .as_array()
            .unwrap()
            .len(),
        before
    );

    // A flow is served by the per-flow GET with its references, and the list without them.
    let flow = json!({"name": "F-1", "properties": {"environment": {"name": env},
        "connectionReferences": {"shared_sql": {"id": "/providers/Microsoft.PowerApps/apis/shared_sql"}}}});
    let flow_path = format!("/_emulator/environments/{env}/flows/F-1");
    control(&api, reqwest::Method::PUT, &flow_path, Some(flow))
        .await
        .expect(201);
    let got = api
        .get(&format!("/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/flows/f-1?api-version=2016-11-01"))
        .await;
    got.expect(200);
    assert!(got.json["properties"]["connectionReferences"]["shared_sql"].is_object());
    let list = api
        .get(&format!("/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows?api-version=2016-11-01"))
        .await;
    let listed = list.json["value"].as_array().unwrap();
    let new = listed.iter().find(|f| f["name"] == "F-1").unwrap();
    assert!(new["properties"].get("connectionReferences").is_none());
    control(&api, reqwest::Method::DELETE, &flow_path, None)
        .await
        .expect(204);

    // A custom connector is listed by the admin custom connector listing.
    let custom_list = format!(
        "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apis?api-version=2017-05-01"
    );
    let listed_custom = |json: &serde_json::Value| {
        json["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "shared_wms-5f01")
    };
    assert!(!listed_custom(&api.get(&custom_list).await.json));
    let custom_path = format!("/_emulator/environments/{env}/customConnectors/shared_wms-5f01");
    let custom = json!({"name": "shared_wms-5f01", "id": "/providers/Microsoft.PowerApps/apis/shared_wms-5f01",
        "properties": {"displayName": "WMS", "isCustomApi": true, "environment": {"name": env}}});
    control(&api, reqwest::Method::PUT, &custom_path, Some(custom))
        .await
        .expect(201);
    assert!(listed_custom(&api.get(&custom_list).await.json));
    control(&api, reqwest::Method::DELETE, &custom_path, None)
        .await
        .expect(204);
    assert!(!listed_custom(&api.get(&custom_list).await.json));

    control(
        &api,
        reqwest::Method::PUT,
        "/_emulator/environments/no-such-env/flows/x",
        Some(json!({"name": "x"})),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn a_seed_with_inventory_is_deterministic_and_counted() {
    let api = Api::empty().await;
    let body = json!({"environments": 12, "seed": 9, "apps": 30, "flows": 20});
    let summary = control(
        &api,
        reqwest::Method::POST,
        "/_emulator/seed",
        Some(body.clone()),
    )
    .await;
    summary.expect(200);
    assert_eq!(summary.json["apps"], 30);
    assert_eq!(summary.json["flows"], 20);
    assert!(summary.json["customConnectors"].as_u64().unwrap() >= 1);
    assert!(summary.json["connections"].as_u64().unwrap() >= 20);
    let first = control(&api, reqwest::Method::GET, "/_emulator/state", None)
        .await
        .text;
    control(&api, reqwest::Method::POST, "/_emulator/seed", Some(body))
        .await
        .expect(200);
    let second = control(&api, reqwest::Method::GET, "/_emulator/state", None)
        .await
        .text;
    assert_eq!(first, second);

    // Without inventory, the same tenant as a seed that never knew about it.
    let plain = json!({"environments": 12, "seed": 9});
    control(&api, reqwest::Method::POST, "/_emulator/seed", Some(plain))
        .await
        .expect(200);
    let without: serde_json::Value = serde_json::from_str(
        &control(&api, reqwest::Method::GET, "/_emulator/state", None)
            .await
            .text,
    )
    .unwrap();
    let mut with: serde_json::Value = serde_json::from_str(&first).unwrap();
    for key in [
        "apps",
        "flows",
        "customConnectors",
        "connections",
        "advisorRecommendations",
    ] {
        with.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(with, without);
}
