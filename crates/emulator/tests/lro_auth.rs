//! Long-running operations, the busy lock, and auth.

mod common;
use common::*;
use ppgov_emulator::{Config, Faults};
use ppgov_tenant_api::lro::{LifecycleOperation, OperationResult};
use serde_json::json;
use std::time::Duration;

fn governance(env: &str) -> String {
    format!(
        "/providers/Microsoft.BusinessAppPlatform/environments/{env}/governanceConfiguration?{V_2021}"
    )
}

/// Waits (without polling the operation) until `done` holds for the tenant; bounded.
async fn eventually(api: &Api, what: &str, done: impl Fn(&ppgov_emulator::Tenant) -> bool) {
    for _ in 0..400 {
        if done(&api.state()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 20 s");
}

#[tokio::test]
async fn managed_environment_lro_runs_on_the_clock_and_locks_the_environment() {
    let api = Api::seeded(seed(8, 0, 0, 0), 50).await;
    // Long enough that this test's requests all fall inside it.
    api.emu
        .set_faults(Faults {
            lro_ms: 600_000,
            ..Faults::default()
        })
        .unwrap();
    let env = api.unmanaged_env();
    let start = api
        .post(&governance(&env), json!({"protectionLevel": "Standard"}))
        .await;
    start.expect(202);
    let location = start.header("location").expect("Location").to_owned();
    assert!(location.starts_with(&api.emu.base_url()), "{location}");
    assert!(location.contains("/lifecycleOperations/") && location.contains(V_2021));

    // While it runs: reads show the old level and a Running management state; writes get 409.
    let read = api.get(&format!("{ENVS}/{env}?{V_BAP}")).await;
    assert_eq!(
        read.json["properties"]["governanceConfiguration"]["protectionLevel"],
        "Basic"
    );
    assert_eq!(
        read.json["properties"]["states"]["management"]["id"],
        "Running"
    );
    api.post(&governance(&env), json!({"protectionLevel": "Basic"}))
        .await
        .expect_error(409, "OperationNotStartable");

    // Polling does not move it on: it runs for its time.
    for _ in 0..5 {
        let poll = api.get(&location).await;
        poll.expect(202);
        let op: LifecycleOperation = serde_json::from_value(poll.json.clone()).unwrap();
        assert_eq!(op.state.id, "Running");
    }

    // A short operation on another environment completes with nobody polling it.
    api.emu
        .set_faults(Faults {
            lro_ms: 200,
            ..Faults::default()
        })
        .unwrap();
    let busy_env = env;
    let env = api
        .state()
        .environments
        .iter()
        .find(|(k, e)| !e.is_managed() && **k != busy_env)
        .map(|(k, _)| k.clone())
        .expect("a second unmanaged environment");
    let start = api
        .post(&governance(&env), json!({"protectionLevel": "Standard"}))
        .await;
    start.expect(202);
    let location = start.header("location").expect("Location").to_owned();
    eventually(&api, "the operation's change", |t| {
        t.environments[&env].is_managed()
    })
    .await;
    let done = api.get(&location).await;
    done.expect(200);
    let op: LifecycleOperation = serde_json::from_value(done.json.clone()).unwrap();
    assert_eq!(op.state.id, "Succeeded");
    assert!(ppgov_tenant_api::lro::is_terminal(&op.state.id));

    let read = api.get(&format!("{ENVS}/{env}?{V_BAP}")).await;
    assert_eq!(
        read.json["properties"]["governanceConfiguration"]["protectionLevel"],
        "Standard"
    );
    assert_eq!(
        read.json["properties"]["states"]["management"]["id"],
        "Ready"
    );
    // Idle again.
    api.post(&governance(&env), json!({"protectionLevel": "Basic"}))
        .await
        .expect(202);
    api.post(&governance(&env), json!({"protectionLevel": "Everything"}))
        .await
        .expect_error(400, "BadRequest");
    api.get(
        "/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/nope?api-version=2021-04-01",
    )
    .await
    .expect_error(404, "NotFound");
}

#[tokio::test]
async fn default_lro_completes_at_once() {
    let api = Api::seeded(seed(8, 0, 0, 0), 50).await;
    let env = api.unmanaged_env();
    let start = api
        .post(&governance(&env), json!({"protectionLevel": "Standard", "settings": {"extendedSettings": {"limitSharingMode": "noLimit"}}}))
        .await;
    start.expect(202);
    let e = &api.state().environments[&env];
    assert!(e.is_managed());
    let poll = api.get(start.header("location").unwrap()).await;
    poll.expect(200);
    assert_eq!(poll.json["state"]["id"], "Succeeded");
}

#[tokio::test]
async fn group_membership_operation_is_polled_at_operation_location() {
    let api = Api::seeded(seed(10, 1, 0, 0), 50).await;
    api.emu
        .set_faults(Faults {
            lro_ms: 300,
            ..Faults::default()
        })
        .unwrap();
    let env = api.free_managed_env();
    let group = api
        .state()
        .environment_groups
        .keys()
        .next()
        .unwrap()
        .clone();
    let a = api
        .post_empty(&format!(
            "/environmentmanagement/environmentGroups/{group}/addEnvironment/{env}?{V_PP}"
        ))
        .await;
    a.expect(202);
    let op_url = a
        .header("operation-location")
        .expect("Operation-Location")
        .to_owned();
    assert!(op_url.contains("/environmentmanagement/environmentGroupOperations/"));
    assert_eq!(api.state().environments[&env].group_id(), None);
    // Busy meanwhile.
    api.post(&governance(&env), json!({"protectionLevel": "Standard"}))
        .await
        .expect_error(409, "OperationNotStartable");

    let first: OperationResult = serde_json::from_value(api.get(&op_url).await.json).unwrap();
    assert_eq!(first.status, "InProgress");
    let mut status = first.status;
    for _ in 0..400 {
        let poll: OperationResult = serde_json::from_value(api.get(&op_url).await.json).unwrap();
        status = poll.status;
        if status != "InProgress" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "Succeeded");
    assert_eq!(
        api.state().environments[&env].group_id(),
        Some(group.as_str())
    );
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401() {
    let api = Api::empty().await;
    let url = api.url(&format!("{ENVS}?{V_BAP}"));
    let r = Api::answer(api.http.get(&url).send().await.unwrap()).await;
    r.expect_error(401, "Unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let r = Api::answer(
        api.http
            .get(&url)
            .bearer_auth("forged")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(401);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
    // ProblemDetails on environmentmanagement routes.
    let r = Api::answer(
        api.http
            .get(api.url(&format!("/environmentmanagement/environmentGroups?{V_PP}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(401);
    assert_eq!(r.json["title"], "Unauthorized");
    // Control routes need none.
    let r = api
        .http
        .get(api.url("/_emulator/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn token(api: &Api, form: &[(&str, &str)]) -> Answer {
    Api::answer(
        api.http
            .post(api.url("/contoso.onmicrosoft.com/oauth2/v2.0/token"))
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn token_endpoint_issues_audience_bound_tokens() {
    let api = Api::start(Config {
        client_secret: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    let creds = |scope: &'static str, secret: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("client_secret", secret),
            ("scope", scope),
        ]
    };
    let bad = token(
        &api,
        &creds("https://service.powerapps.com/.default", "wrong"),
    )
    .await;
    bad.expect(401);
    assert_eq!(bad.json["error"], "invalid_client");
    let bad_scope = token(
        &api,
        &creds("https://service.powerapps.com/user.read", "s3cret"),
    )
    .await;
    assert_eq!(bad_scope.json["error"], "invalid_scope");

    let bap = token(
        &api,
        &creds("https://service.powerapps.com/.default", "s3cret"),
    )
    .await;
    bap.expect(200);
    assert_eq!(bap.json["token_type"], "Bearer");
    assert_eq!(bap.json["expires_in"], 3599);
    let bap_token = bap.json["access_token"].as_str().unwrap();

    let get = |path: String, t: String| {
        let http = api.http.clone();
        let url = api.url(&path);
        async move { Api::answer(http.get(url).bearer_auth(t).send().await.unwrap()).await }
    };
    get(format!("{ENVS}?{V_BAP}"), bap_token.into())
        .await
        .expect(200);
    get(DLP.into(), bap_token.into()).await.expect(200);
    // A BAP token is not good for the Power Platform API.
    get(format!("/governance/ruleSets?{V_PP}"), bap_token.into())
        .await
        .expect(401);

    // A federated credential (client assertion) for the Power Platform API.
    let pp = token(
        &api,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "c"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", "eyJhbGciOi.fake.jwt"),
            ("scope", "https://api.powerplatform.com/.default"),
        ],
    )
    .await;
    pp.expect(200);
    let pp_token = pp.json["access_token"].as_str().unwrap().to_owned();
    get(format!("/governance/ruleSets?{V_PP}"), pp_token.clone())
        .await
        .expect(200);

    // Expiry: every issued token stops working; a new one works.
    api.emu.expire_tokens();
    let r = get(format!("/governance/ruleSets?{V_PP}"), pp_token).await;
    r.expect(401);
    assert!(r.header("www-authenticate").unwrap().contains("expired"));
    let grant = token(&api, &[("grant_type", "password")]).await;
    assert_eq!(grant.json["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn short_lived_tokens_expire_by_themselves() {
    let api = Api::start(Config {
        token_ttl: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let t = token(
        &api,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "c"),
            ("client_secret", "anything"),
            ("scope", "https://service.powerapps.com/.default"),
        ],
    )
    .await;
    let tok = t.json["access_token"].as_str().unwrap().to_owned();
    let url = api.url(&format!("{ENVS}?{V_BAP}"));
    let ok = api.http.get(&url).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let expired = api.http.get(&url).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(expired.status(), 401);
}

/// An operation completes on the clock even when nobody makes another request: a client
/// killed mid-apply does not leave the environment busy, and the state file shows the change.
#[tokio::test]
async fn an_unpolled_operation_completes_and_is_persisted() {
    let dir = std::env::temp_dir().join(format!("ppgov-emu-lro-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tenant.json");
    let _ = std::fs::remove_file(&file);
    let api = Api::start(Config {
        state_file: Some(file.clone()),
        faults: Faults {
            lro_ms: 200,
            ..Faults::default()
        },
        ..Config::default().seeded(seed(8, 1, 0, 0))
    })
    .await;
    let env = api.free_managed_env();
    let group = api
        .state()
        .environment_groups
        .keys()
        .next()
        .unwrap()
        .clone();
    api.post_empty(&format!(
        "/environmentmanagement/environmentGroups/{group}/addEnvironment/{env}?{V_PP}"
    ))
    .await
    .expect(202);
    // No poll, no read: only the file is watched.
    let mut persisted = false;
    for _ in 0..400 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if let Ok(t) = ppgov_emulator::Tenant::from_json(&text)
            && t.environments[&env].group_id() == Some(group.as_str())
        {
            persisted = true;
            break;
        }
    }
    assert!(
        persisted,
        "the finished operation never reached the state file"
    );
    // And the environment takes writes again.
    api.post(&governance(&env), json!({"protectionLevel": "Standard"}))
        .await
        .expect(202);
    let _ = std::fs::remove_dir_all(&dir);
}
