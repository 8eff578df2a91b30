//! Power Platform Advisor routes: recommendations, scenario names and affected resources of a
//! seeded tenant (managed environments only), paged with `$skipToken`, 404 for an unknown
//! scenario, api-version required, 429 under fault injection.

mod common;
use common::*;
use ppgov_emulator::faults::Faults;
use ppgov_emulator::seed::SeedRequest;
use serde_json::Value;
use std::collections::BTreeSet;

const ADVISOR: &str = "/analytics/advisorRecommendations";

fn with_apps() -> SeedRequest {
    SeedRequest {
        apps: 60,
        flows: 10,
        ..seed(12, 2, 2, 2)
    }
}

#[tokio::test]
async fn seeded_recommendations_list_their_resources_in_managed_environments() {
    let api = Api::seeded(with_apps(), 4).await;
    let t = api.state();
    assert!(
        !t.advisor_recommendations.is_empty(),
        "the seed has Advisor data"
    );

    let scenarios = api.get(&format!("{ADVISOR}/scenarios?{V_PP}")).await;
    scenarios.expect(200);
    let names: BTreeSet<(String, String)> = scenarios
        .json
        .as_array()
        .expect("a bare array")
        .iter()
        .map(|s| {
            (
                s["scenario"].as_str().unwrap().to_owned(),
                s["scenarioName"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(names.len(), t.advisor_recommendations.len());

    let (recommendations, _) = api.get_all(&format!("{ADVISOR}?{V_PP}")).await;
    assert_eq!(recommendations.len(), names.len());
    for r in &recommendations {
        let scenario = r["scenario"].as_str().unwrap();
        assert!(names.iter().any(|(s, _)| s == scenario), "{scenario}");
        let count = r["details"]["resourceCount"].as_u64().unwrap();
        assert!(r["details"]["lastRefreshedTimestamp"].is_string());

        let first = api
            .get(&format!("{ADVISOR}/{scenario}/resources?{V_PP}"))
            .await;
        first.expect(200);
        if count > 4 {
            let next = first.json["nextLink"].as_str().expect("nextLink");
            assert!(
                next.contains("$skipToken=4") && next.contains(V_PP),
                "{next}"
            );
        }
        let (resources, _) = api
            .get_all(&format!("{ADVISOR}/{scenario}/resources?{V_PP}"))
            .await;
        assert_eq!(resources.len() as u64, count, "{scenario}");
        for resource in &resources {
            let env = resource["environmentId"].as_str().unwrap();
            let id = resource["resourceId"].as_str().unwrap();
            assert!(t.environments[env].is_managed(), "{env} is managed");
            assert!(t.apps[env].contains_key(id), "{id} is an app of {env}");
            assert_eq!(resource["resourceType"], Value::from("PowerApp"));
        }
    }
}

#[tokio::test]
async fn a_tenant_without_apps_has_no_recommendations() {
    let api = Api::seeded(seed(6, 1, 1, 1), 50).await;
    let a = api.get(&format!("{ADVISOR}?{V_PP}")).await;
    a.expect(200);
    assert_eq!(a.json["value"], Value::Array(vec![]));
    let s = api.get(&format!("{ADVISOR}/scenarios?{V_PP}")).await;
    assert_eq!(s.json, Value::Array(vec![]));
}

#[tokio::test]
async fn unknown_scenario_missing_api_version_and_bad_skip_token() {
    let api = Api::seeded(with_apps(), 50).await;
    api.get(&format!("{ADVISOR}/NoSuchScenario/resources?{V_PP}"))
        .await
        .expect(404);
    api.get(ADVISOR).await.expect(400);
    api.get(&format!("{ADVISOR}?{V_PP}&$skipToken=abc"))
        .await
        .expect(400);
}

#[tokio::test]
async fn advisor_routes_throttle_under_fault_injection() {
    let api = Api::seeded(with_apps(), 50).await;
    api.emu
        .set_faults(Faults {
            throttle_rate: 1.0,
            retry_after_seconds: 3,
            routes: vec!["advisorRecommendations".into()],
            ..Faults::default()
        })
        .unwrap();
    let a = api.get(&format!("{ADVISOR}?{V_PP}")).await;
    a.expect(429);
    assert_eq!(a.header("retry-after"), Some("3"));
    // Other routes are not throttled.
    api.get(&format!("{ENVS}?{V_BAP}")).await.expect(200);
}
