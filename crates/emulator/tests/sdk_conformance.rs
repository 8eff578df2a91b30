//! Microsoft's Python SDK (`powerplatform-management`) against the emulator: runs
//! `tests/conformance/sdk_conformance.py` with the Python at `$PPGOV_SDK_PYTHON` (a venv with
//! `tests/conformance/requirements.txt`; `.ci/run` makes one). Skips, saying so, when unset.

mod common;
use common::*;
use std::path::PathBuf;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsoft_python_sdk_conforms() {
    let Some(python) = std::env::var_os("PPGOV_SDK_PYTHON").filter(|p| !p.is_empty()) else {
        eprintln!(
            "skipped: PPGOV_SDK_PYTHON is not set (a Python with tests/conformance/requirements.txt installed; .ci/run sets it)"
        );
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("tests/conformance/sdk_conformance.py");
    assert!(script.is_file(), "{} is missing", script.display());

    // A small tenant whose group pages are shorter than its group count, so the SDK follows
    // @odata.nextLink, and a managed environment outside any group for the SDK to add; with
    // apps, so Advisor has recommendations whose resources page too.
    let api = Api::seeded(
        ppgov_emulator::seed::SeedRequest {
            apps: 150,
            ..seed(10, 4, 2, 3)
        },
        3,
    )
    .await;
    assert!(!api.state().advisor_recommendations.is_empty());
    let env = api.free_managed_env();
    let tenant = api.emu.tenant_id();
    let args = [
        "--base-url".to_owned(),
        api.emu.base_url(),
        "--token".to_owned(),
        api.token.clone(),
        "--environment-id".to_owned(),
        env.clone(),
        "--tenant-id".to_owned(),
        tenant,
        "--timeout".to_owned(),
        "20".to_owned(),
        "-v".to_owned(),
    ];
    let before = api.state();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args(args)
            .current_dir(root)
            .output()
    })
    .await
    .unwrap()
    .expect("the SDK's Python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "sdk_conformance.py failed ({})",
        output.status
    );
    assert!(stdout.contains("19 passed, 0 failed"), "{stdout}");
    // Parsing warnings mean unknown fields in answers the SDK models have no room for.
    assert!(!stderr.contains("UserWarning"), "{stderr}");

    // The SDK went through the routes we expect, and cleaned up after itself.
    let log = api.emu.requests();
    let groups = "/environmentmanagement/environmentGroups";
    assert!(log.count("GET", groups) >= 4, "{:?}", log.by_route);
    assert_eq!(log.count("POST", groups), 1);
    assert_eq!(
        log.count(
            "POST",
            &format!("{groups}/{{group}}/addEnvironment/{{env}}")
        ),
        1
    );
    assert_eq!(
        log.count("POST", "/governance/environmentGroups/{group}/ruleSets"),
        1
    );
    assert_eq!(log.count("PUT", "/governance/ruleSets/{id}"), 1);
    assert_eq!(log.count("POST", "/authorization/roleAssignments"), 1);
    assert_eq!(
        log.count("GET", "/analytics/advisorRecommendations/scenarios"),
        1
    );
    assert!(
        log.count(
            "GET",
            "/analytics/advisorRecommendations/{scenario}/resources"
        ) >= 2,
        "{:?}",
        log.by_route
    );
    assert_eq!(
        log.count("DELETE", "/authorization/roleAssignments/{id}"),
        1
    );
    assert!(
        log.recent
            .iter()
            .all(|r| r.uri.contains("api-version=2024-10-01"))
    );
    let after = api.state();
    assert_eq!(after.environment_groups, before.environment_groups);
    assert_eq!(after.rule_sets, before.rule_sets);
    assert_eq!(after.rbac_role_assignments, before.rbac_role_assignments);
    assert_eq!(after.environments[&env].group_id(), None);
}
