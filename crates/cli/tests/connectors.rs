//! `ppgov connectors` through the real binary: the sample repository's ratings offline (text
//! snapshot; JSON, CSV and Markdown shapes), review states against `--today`, and against an
//! emulator a custom connector that appears in the tenant (control API) fails
//! `--fail-on unrated`, named, until the repository rates it; likewise one that appears in an
//! environment's inventory (the admin custom connector listing), rated by the criteria from
//! the sign-in its listing tells.

use ppgov_emulator::{Config, Emulator, RunningEmulator, Tenant};
use serde_json::{Value, json};

mod common;
use common::{SNAPSHOT, copy_dir, fresh_dir, http, ppgov_command, root, text};

const CUSTOM_ID: &str = "/providers/Microsoft.PowerApps/apis/shared_northwind-5fwms-5f7c8d9e";

fn emulator(rt: &tokio::runtime::Runtime) -> RunningEmulator {
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    rt.block_on(Emulator::start(Config {
        tenant: Tenant::from_json(&snapshot).unwrap(),
        ..Default::default()
    }))
    .unwrap()
}

/// A maker publishes a custom connector in the default environment: the tenant's connector
/// list now holds it (`isCustomApi`, its sign-in, created after the last review).
fn add_custom_connector(emu: &RunningEmulator) {
    let url = format!("{}/_emulator/state", emu.base_url());
    let (status, body) = http::request("GET", &url, None);
    assert_eq!(status, 200, "{body}");
    let mut state: Value = serde_json::from_str(&body).unwrap();
    let bundled: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("data/connectors.json")).unwrap(),
    )
    .unwrap();
    let mut connectors = match &state["connectors"] {
        Value::Array(list) => list.clone(),
        _ => bundled["connectors"].as_array().unwrap().clone(),
    };
    connectors.push(json!({
        "name": "shared_northwind-5fwms-5f7c8d9e",
        "id": CUSTOM_ID,
        "displayName": "Northwind Warehouse (WMS)",
        "tier": "Premium",
        "publisher": "Northwind Traders",
        "apiProperties": {
            "isCustomApi": true,
            "createdTime": "2026-11-20T09:14:02.1234567Z",
            "changedTime": "2026-11-20T09:14:02.1234567Z",
            "connectionParameters": {
                "api_key": {"type": "securestring", "uiDefinition": {"displayName": "API Key"}}
            }
        }
    }));
    state["connectors"] = Value::Array(connectors);
    let (status, body) = http::request("PUT", &url, Some(&state.to_string()));
    assert_eq!(status, 204, "{body}");
}

fn connectors_against(emu: &RunningEmulator, dir: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["connectors", dir, "--today", "2026-11-27"];
    args.extend_from_slice(extra);
    ppgov_command(
        &args,
        &[
            ("PPGOV_BASE_URL", emu.base_url().as_str()),
            ("PPGOV_TOKEN", emu.token().unwrap()),
        ],
    )
    .output()
    .expect("ppgov runs")
}

#[test]
fn a_new_custom_connector_fails_unrated_until_it_is_rated() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = emulator(&rt);

    let before = connectors_against(&emu, "policies", &["--fail-on", "unrated"]);
    assert_eq!(before.status.code(), Some(0), "{}", text(&before));

    add_custom_connector(&emu);
    let after = connectors_against(
        &emu,
        "policies",
        &["--fail-on", "unrated", "--format", "json"],
    );
    assert_eq!(after.status.code(), Some(1), "{}", text(&after));
    let rows: Value = serde_json::from_slice(&after.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == CUSTOM_ID)
        .expect("the live custom connector is listed");
    let stderr = String::from_utf8_lossy(&after.stderr);
    assert!(
        stderr.contains("northwind-5fwms-5f7c8d9e (Northwind Warehouse (WMS)): unrated\n"),
        "{stderr}\n{row:#}"
    );
    assert_eq!(row["custom"], true);
    assert_eq!(row["level"], Value::Null);
    assert_eq!(row["review"], json!(["unrated", "new"]));
    assert_eq!(row["policies"]["tenant-baseline"], "nonBusiness");

    // The CoE reviews it: an override rates it, and the job passes again.
    let dir = fresh_dir("connectors", "rated");
    let policies = dir.join("policies");
    copy_dir(&root().join("policies"), &policies);
    let rating = policies.join("connector-rating.yaml");
    let mut yaml = std::fs::read_to_string(&rating).unwrap();
    yaml.push_str(&format!(
        "    - connector: {CUSTOM_ID}\n      level: high\n      reason: Warehouse API with a shared key.\n      reviewer: infosec@northwindtraders.com\n      reviewed: 2026-11-26\n      nextReview: 2027-05-26\n"
    ));
    std::fs::write(&rating, yaml).unwrap();
    let rated = connectors_against(
        &emu,
        policies.to_str().unwrap(),
        &["--fail-on", "unrated,new"],
    );
    assert_eq!(rated.status.code(), Some(0), "{}", text(&rated));
    rt.block_on(emu.shutdown());
}

/// The Sales Prod EU environment of the bundled snapshot.
const SALES_PROD: &str = "5a1e000b-0000-4000-8000-00000000000b";
const WMS_ID: &str = "/providers/Microsoft.PowerApps/apis/shared_wms-5fsales-5f0a1b2c";

/// A maker in Sales Prod EU publishes a custom connector signed in with an API key: only the
/// environment's custom connector listing (the inventory) holds it.
fn publish_custom_connector_in_sales(emu: &RunningEmulator) {
    let url = format!(
        "{}/_emulator/environments/{SALES_PROD}/customConnectors/shared_wms-5fsales-5f0a1b2c",
        emu.base_url()
    );
    let body = json!({
        "name": "shared_wms-5fsales-5f0a1b2c",
        "id": WMS_ID,
        "type": "Microsoft.PowerApps/apis",
        "properties": {
            "displayName": "Sales WMS",
            "isCustomApi": true,
            "tier": "Premium",
            "createdTime": "2026-11-21T08:00:00Z",
            "changedTime": "2026-11-21T08:00:00Z",
            "environment": {"id": format!("/providers/Microsoft.PowerApps/environments/{SALES_PROD}"), "name": SALES_PROD},
            "connectionParameters": {
                "api_key": {"type": "securestring", "uiDefinition": {"displayName": "API Key"}}
            },
            "swagger": {"swagger": "2.0", "host": "wms.sales.example.net", "schemes": ["https"]}
        }
    });
    let (status, text) = http::request("PUT", &url, Some(&body.to_string()));
    assert_eq!(status, 201, "{text}");
}

#[test]
fn a_custom_connector_in_an_environment_inventory_is_rated_or_named() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = emulator(&rt);
    publish_custom_connector_in_sales(&emu);

    let out = connectors_against(
        &emu,
        "policies",
        &["--fail-on", "unrated", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 connector(s) in a --fail-on state")
            && stderr.contains("wms-5fsales-5f0a1b2c (Sales WMS): unrated\n"),
        "{stderr}"
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == WMS_ID)
        .expect("the inventory's custom connector is listed");
    assert_eq!(row["custom"], true);
    assert_eq!(row["level"], Value::Null);
    assert_eq!(row["environments"], json!(["Sales Prod EU"]));
    assert_eq!(row["review"], json!(["unrated", "new"]));
    // The sample's own custom connector (in the inventory too) keeps its override.
    let orders = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["connector"] == "northwind-5forders-5f1a2b3c4d5e6f7a8b")
        .unwrap();
    assert_eq!(orders["level"], "medium");
    assert_eq!(orders["environments"], json!(["Sales Prod EU"]));

    // A criterion over the sign-in the listing tells rates it: the job passes.
    let dir = fresh_dir("connectors", "criteria");
    let policies = dir.join("policies");
    copy_dir(&root().join("policies"), &policies);
    let rating = policies.join("connector-rating.yaml");
    let yaml = std::fs::read_to_string(&rating).unwrap().replace(
        "  criteria:\n",
        "  criteria:\n    - name: custom-api-key\n      level: high\n      when:\n        custom: true\n        authTypes: [apiKey]\n",
    );
    std::fs::write(&rating, yaml).unwrap();
    let rated = connectors_against(
        &emu,
        policies.to_str().unwrap(),
        &["--fail-on", "unrated", "--format", "json"],
    );
    assert_eq!(rated.status.code(), Some(0), "{}", text(&rated));
    let rows: Value = serde_json::from_slice(&rated.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == WMS_ID)
        .unwrap();
    assert_eq!(row["level"], "high");
    assert_eq!(row["why"], "high: criterion `custom-api-key`");
    rt.block_on(emu.shutdown());
}

#[test]
fn review_states_follow_today() {
    let run = |today: &str, fail_on: &str| {
        ppgov_command(
            &[
                "connectors",
                "policies",
                "--today",
                today,
                "--fail-on",
                fail_on,
            ],
            &[],
        )
        .output()
        .expect("ppgov runs")
    };
    // SQL Server's override is due on 2027-02-03.
    let due = run("2027-02-03", "overdue");
    assert_eq!(due.status.code(), Some(0), "{}", text(&due));
    let overdue = run("2027-02-04", "overdue");
    assert_eq!(overdue.status.code(), Some(1), "{}", text(&overdue));
    assert!(
        String::from_utf8_lossy(&overdue.stderr).contains("sql (SQL Server): overdue"),
        "{}",
        text(&overdue)
    );
    let bad = run("2027-02-30", "overdue");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--today `2027-02-30` is not a date"));
}

#[test]
fn formats_list_every_connector() {
    let run = |format: &str| {
        let out = ppgov_command(
            &[
                "connectors",
                "policies",
                "--today",
                "2026-11-27",
                "--format",
                format,
            ],
            &[],
        )
        .output()
        .expect("ppgov runs");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let listing = run("text");
    insta::assert_snapshot!("connectors-text", listing);
    let connectors = listing.lines().count() - 3; // header, blank line, summary

    let rows: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), connectors);
    let sap = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["connector"] == "saperp")
        .unwrap();
    assert_eq!(sap["level"], "critical");
    assert_eq!(sap["by"], "override");
    assert!(sap["approvers"].as_array().unwrap().contains(&json!(
        "SAP platform owner <sap-owner@northwindtraders.com>"
    )));

    let csv = run("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("connector,level,review,policies,next_review,why")
    );
    assert_eq!(lines.count(), connectors);

    let markdown = run("markdown");
    assert!(markdown.contains("| connector | level | review | policies | next review | why |"));
    assert_eq!(
        markdown.lines().filter(|l| l.starts_with("| ")).count(),
        connectors + 1
    );
}
