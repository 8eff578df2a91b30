//! The tenant isolation policy against the emulator: 404 before any policy (read as "none"),
//! `PUT` answered 202 and polled before the policy is read back, the allow-list validated, no
//! `DELETE`, another tenant's policy refused.

use ppgov_core::model::{Cloud, Directions, TenantIsolation};
use ppgov_emulator::{Config, Emulator, RunningEmulator};
use ppgov_tenant_client::{AuthConfig, Client, ClientConfig, Secret};
use ppgov_test_support::fast;
use std::collections::BTreeMap;

const PARTNER: &str = "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f";
const ROUTE: &str = "/providers/PowerPlatform.Governance/v1/tenants/{tenant}/tenantIsolationPolicy";

fn client(emu: &RunningEmulator) -> Client {
    let auth = AuthConfig::Static(Secret::new(emu.token().unwrap()));
    Client::new(fast(
        ClientConfig::new(Cloud::Public, auth).with_single_base_url(&emu.base_url()),
    ))
    .unwrap()
}

fn policy() -> TenantIsolation {
    TenantIsolation {
        enabled: true,
        allowed_tenants: BTreeMap::from([(
            PARTNER.to_owned(),
            Directions {
                inbound: true,
                outbound: false,
            },
        )]),
    }
}

#[tokio::test]
async fn none_until_written_then_written_through_a_polled_operation() {
    let emu = Emulator::start(Config::default()).await.unwrap();
    let c = client(&emu);
    assert_eq!(
        c.get_tenant_isolation().await.unwrap(),
        None,
        "404 is no policy"
    );
    let observed = c.observe(&Default::default()).await.unwrap();
    assert_eq!(observed.tenant_isolation, None);

    emu.clear_requests();
    let got = c.put_tenant_isolation(&policy()).await.unwrap();
    assert_eq!(got, policy());
    let log = emu.requests();
    let status_of = |method: &str, route: &str| {
        log.recent
            .iter()
            .filter(|r| r.method == method && r.route == route)
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };
    assert_eq!(status_of("PUT", ROUTE), vec![202]);
    assert_eq!(
        status_of("GET", &format!("{ROUTE}/operations/{{op}}")),
        vec![200]
    );
    assert_eq!(
        status_of("GET", ROUTE),
        vec![200],
        "read back after the operation"
    );

    let observed = c.observe(&Default::default()).await.unwrap();
    assert_eq!(observed.tenant_isolation, Some(policy()));

    // Removing is writing it off and empty; the policy stays, as on the service.
    let removed = c
        .put_tenant_isolation(&TenantIsolation::removed())
        .await
        .unwrap();
    assert_eq!(removed, TenantIsolation::removed());
    assert_eq!(
        c.get_tenant_isolation().await.unwrap(),
        Some(TenantIsolation::removed())
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_emulator_validates_like_the_service_and_has_no_delete() {
    let emu = Emulator::start(Config::default()).await.unwrap();
    let http = reqwest::Client::new();
    let url = |tenant: &str| {
        format!(
            "{}/providers/PowerPlatform.Governance/v1/tenants/{tenant}/tenantIsolationPolicy",
            emu.base_url()
        )
    };
    let own = emu.tenant_id();
    let auth = format!("Bearer {}", emu.token().unwrap());
    let put = |tenant: String, body: serde_json::Value| {
        http.put(url(&tenant))
            .header("authorization", &auth)
            .json(&body)
            .send()
    };
    let bad = put(
        own.clone(),
        serde_json::json!({"properties": {"tenantId": own, "isDisabled": false,
            "allowedTenants": [{"tenantId": "fabrikam.com", "direction": {"inbound": true, "outbound": false}}]}}),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BadRequest", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("fabrikam.com"),
        "{body}"
    );
    let twice = put(
        own.clone(),
        serde_json::json!({"properties": {"tenantId": own, "isDisabled": false, "allowedTenants": [
            {"tenantId": PARTNER, "direction": {"inbound": true, "outbound": false}},
            {"tenantId": PARTNER.to_uppercase(), "direction": {"inbound": false, "outbound": true}}]}}),
    )
    .await
    .unwrap();
    assert_eq!(twice.status(), 400);
    assert!(
        emu.state().tenant_isolation_policy.is_none(),
        "nothing stored"
    );

    let other = http
        .get(url("00000000-0000-0000-0000-0000000000ff"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
    let delete = http
        .delete(url(&own))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert!(
        delete.status() == 404 || delete.status() == 405,
        "no DELETE route: {}",
        delete.status()
    );
    let c = client(&emu);
    let e = c.get_tenant_isolation().await.unwrap();
    assert_eq!(e, None);
    emu.shutdown().await;
}
