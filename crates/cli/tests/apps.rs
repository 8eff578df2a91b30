//! `ppgov apps` through the real binary: the sample repository's app criticality against the
//! bundled tenant's inventory (text snapshot; JSON, CSV and Markdown shapes), against an
//! emulator seeded with apps (snapshot), `--fail-on` naming what is due as the inventory and
//! `--today` change, and the failures a user can cause (no AppCriticality, no inventory).

use ppgov_emulator::{Config, Emulator, RunningEmulator, SeedRequest};
use serde_json::{Value, json};

mod common;
use common::{SNAPSHOT, fresh_dir, http, ppgov_command, root, sample_emulator, text};

fn apps(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut all = vec!["apps"];
    all.extend_from_slice(args);
    ppgov_command(&all, envs).output().expect("ppgov runs")
}

fn apps_offline(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["policies", "--snapshot", SNAPSHOT, "--today", "2026-11-27"];
    args.extend_from_slice(extra);
    apps(&args, &[])
}

fn against(emu: &RunningEmulator, dir: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![dir];
    args.extend_from_slice(extra);
    apps(
        &args,
        &[
            ("PPGOV_BASE_URL", emu.base_url().as_str()),
            ("PPGOV_TOKEN", emu.token().unwrap()),
        ],
    )
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn the_sample_apps_are_listed_by_criticality_in_every_format() {
    let out = apps_offline(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let listing = stdout(&out);
    insta::assert_snapshot!("apps-text", listing);

    let out = apps_offline(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let levels: Vec<&str> = rows.iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert_eq!(
        levels,
        ["high", "high", "high", "medium"],
        "most critical first"
    );
    let quote = rows.iter().find(|r| r["app"] == "Quote Builder").unwrap();
    assert_eq!(quote["reviewedLevel"], "medium");
    assert_eq!(quote["due"], json!(["overdue", "rose"]));
    assert_eq!(quote["nextReview"], "2026-08-09");
    assert_eq!(quote["control"], "periodicReview");
    assert_eq!(quote["sharedUsers"], 410);
    assert_eq!(quote["deciding"], "broad-audience");

    let csv = stdout(&apps_offline(&["--format", "csv"]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("app,environment,level,process,due,last_review,next_review,why")
    );
    assert_eq!(lines.count(), 4);

    let markdown = stdout(&apps_offline(&["--format", "markdown"]));
    assert!(markdown.starts_with("### App criticality\n"), "{markdown}");
    assert!(markdown.contains("4 apps: 3 high, 1 medium, 0 low; 2 overdue, 2 unreviewed, 1 rose"));
    assert_eq!(markdown.lines().filter(|l| l.starts_with("| ")).count(), 5);
}

#[test]
fn fail_on_names_the_apps_due_and_follows_today() {
    let out = apps_offline(&["--fail-on", "unreviewed"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: 2 app(s) in a --fail-on state:")
            && stderr.contains("Expense Receipts (Northwind Traders (default), 5a1e03e9-0000-4000-8000-0000000003e9, high): unreviewed")
            && stderr.contains("Team Lunch Poll (Northwind Traders (default), 5a1e03ea-0000-4000-8000-0000000003ea, medium): unreviewed"),
        "{stderr}"
    );
    let rose = apps_offline(&["--fail-on", "rose"]);
    assert_eq!(rose.status.code(), Some(1), "{}", text(&rose));
    assert!(
        String::from_utf8_lossy(&rose.stderr).contains(
            "Quote Builder (Sales Prod EU, 5a1e03ec-0000-4000-8000-0000000003ec, high): rose"
        ),
        "{}",
        text(&rose)
    );
    // Invoice Approvals is due on 2026-10-31 (reviewed 2026-05-04, every 180 days).
    let run = |today: &str| {
        apps(
            &[
                "policies",
                "--snapshot",
                SNAPSHOT,
                "--today",
                today,
                "--fail-on",
                "overdue",
            ],
            &[],
        )
    };
    let on_time = run("2026-08-09");
    assert_eq!(on_time.status.code(), Some(0), "{}", text(&on_time));
    let late = run("2026-11-01");
    assert_eq!(late.status.code(), Some(1), "{}", text(&late));
    let stderr = String::from_utf8_lossy(&late.stderr);
    assert!(
        stderr.contains("Invoice Approvals (Finance Prod") && stderr.contains("Quote Builder"),
        "{stderr}"
    );
    let bad = run("2026-11-31");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--today `2026-11-31` is not a date"));
}

/// A maker shares a new app with 600 colleagues: against the live tenant (an emulator), the
/// weekly job names it as a high-criticality app nobody reviewed, until a review is recorded.
#[test]
fn a_new_widely_shared_app_fails_until_it_is_reviewed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = sample_emulator(&rt);
    let before = against(
        &emu,
        "policies",
        &["--today", "2026-11-27", "--format", "json"],
    );
    assert_eq!(before.status.code(), Some(0), "{}", text(&before));
    assert_eq!(
        serde_json::from_slice::<Value>(&before.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        4
    );

    let env = "5a1e0005-0000-4000-8000-000000000005"; // Finance Prod
    let app = json!({
        "name": "5a1e0999-0000-4000-8000-000000000999",
        "id": format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps/5a1e0999-0000-4000-8000-000000000999"),
        "properties": {
            "displayName": "Supplier Onboarding",
            "sharedUsersCount": 600,
            "environment": {"id": format!("/providers/Microsoft.PowerApps/environments/{env}"), "name": env},
            "connectionReferences": {
                "r1": {"id": "/providers/microsoft.powerapps/apis/shared_office365"}
            }
        }
    });
    let url = format!(
        "{}/_emulator/environments/{env}/apps/5a1e0999-0000-4000-8000-000000000999",
        emu.base_url()
    );
    let (status, body) = http::request("PUT", &url, Some(&app.to_string()));
    assert_eq!(status, 201, "{body}");

    let after = against(
        &emu,
        "policies",
        &["--today", "2026-11-27", "--fail-on", "unreviewed"],
    );
    assert_eq!(after.status.code(), Some(1), "{}", text(&after));
    let stderr = String::from_utf8_lossy(&after.stderr);
    assert!(
        stderr.contains("Supplier Onboarding (Finance Prod, 5a1e0999-0000-4000-8000-000000000999, high): unreviewed"),
        "{stderr}"
    );
    assert!(
        stdout(&after).contains("high: criterion `broad-audience`"),
        "{}",
        text(&after)
    );

    // The CoE reviews it (and the two others nobody had reviewed): the job passes.
    let dir = fresh_dir("apps", "reviewed");
    let policies = dir.join("policies");
    common::copy_dir(&root().join("policies"), &policies);
    let file = policies.join("app-criticality.yaml");
    let mut yaml = std::fs::read_to_string(&file).unwrap();
    for (app, level) in [
        ("{id: 5a1e0999-0000-4000-8000-000000000999}", "high"),
        ("{name: Expense Receipts, environment: default}", "high"),
        (
            "{name: team lunch poll, environment: Northwind Traders (default)}",
            "medium",
        ),
    ] {
        yaml.push_str(&format!(
            "    - app: {app}\n      date: \"2026-11-26\"\n      reviewer: coe@northwindtraders.com\n      outcome: approved\n      level: {level}\n"
        ));
    }
    std::fs::write(&file, yaml).unwrap();
    let reviewed = against(
        &emu,
        policies.to_str().unwrap(),
        &["--today", "2026-11-27", "--fail-on", "unreviewed"],
    );
    assert_eq!(reviewed.status.code(), Some(0), "{}", text(&reviewed));
    rt.block_on(emu.shutdown());
}

/// The apps of a seeded tenant (the emulator's `--seed-apps`), under a repository that
/// declares only an app criticality scale.
#[test]
fn a_seeded_inventory_is_placed_on_the_scale() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(Emulator::start(Config::default().seeded(SeedRequest {
            environments: 6,
            groups: 2,
            dlp_policies: 2,
            role_assignments: 0,
            seed: 11,
            tenant_id: None,
            apps: 10,
            flows: 4,
        })))
        .unwrap();
    let dir = fresh_dir("apps", "seeded");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("apps.yaml"),
        r#"apiVersion: ppgov.dev/v1
kind: AppCriticality
metadata: {name: apps}
spec:
  mode: highest
  levels:
    - {name: low, description: Low., process: {control: automated}}
    - {name: medium, description: Medium., process: {control: reviewBeforeGoLive}}
    - {name: high, description: High., process: {control: periodicReview, reviewEveryDays: 90}}
  criteria:
    - {name: department, level: medium, when: {sharedUsersAtLeast: 50}}
    - {name: broad, level: high, when: {sharedUsersAtLeast: 250}}
    - {name: custom, level: medium, when: {custom: true}}
    - {name: premium, level: medium, when: {premium: true}}
"#,
    )
    .unwrap();
    let out = against(&emu, dir.to_str().unwrap(), &["--today", "2026-11-27"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let listing = stdout(&out);
    assert!(listing.contains("\n10 apps: "), "{listing}");
    insta::assert_snapshot!("apps-seeded", listing);
    rt.block_on(emu.shutdown());
}

#[test]
fn without_a_scale_or_an_inventory_it_says_so() {
    let dir = fresh_dir("apps", "no-scale");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ppgov.yaml"),
        "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {name: p}\nspec: {}\n",
    )
    .unwrap();
    let out = apps(&[dir.to_str().unwrap(), "--snapshot", SNAPSHOT], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the repository has no AppCriticality"),
        "{}",
        text(&out)
    );

    // A snapshot exported without its inventory: no apps, and a note saying why.
    let mut snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    for key in ["apps", "flows", "customConnectors", "connections"] {
        snapshot.as_object_mut().unwrap().remove(key);
    }
    let bare = dir.join("bare.json");
    std::fs::write(&bare, snapshot.to_string()).unwrap();
    let out = apps(
        &[
            "policies",
            "--snapshot",
            bare.to_str().unwrap(),
            "--today",
            "2026-11-27",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("holds no inventory"),
        "{}",
        text(&out)
    );
    assert!(
        stdout(&out).contains("0 apps: 0 high, 0 medium, 0 low"),
        "{}",
        text(&out)
    );
}
