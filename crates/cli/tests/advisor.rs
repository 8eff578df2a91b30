//! `ppgov assess --advisor` through the real binary: Power Platform Advisor's recommendations
//! (served by the in-process emulator from a snapshot that carries them) appear as findings
//! `ADVISOR:<scenario>` next to ppgov's own, in JSON, text, Markdown, HTML and SARIF (validated
//! against the schema), with the category's severity; they can be reconfigured and suppressed
//! in `ppgov.yaml`; without `--advisor` nothing is read.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

mod common;
use common::{SNAPSHOT, copy_dir, fresh_dir, ppgov_command, root, text};

const INVOICES: &str = "5a1e03eb-0000-4000-8000-0000000003eb";
const QUOTES: &str = "5a1e03ec-0000-4000-8000-0000000003ec";

/// The bundled tenant plus two Advisor recommendations about two of its apps.
fn snapshot_with_advisor(dir: &Path) -> PathBuf {
    let mut snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    let resource = |id: &str, name: &str, env: &str, env_name: &str, description: &str| {
        json!({"resourceId": id, "resourceName": name, "resourceType": "PowerApp",
               "resourceSubType": "Canvas", "resourceDescription": description,
               "resourceOwner": "Lidia Holloway", "environmentId": env,
               "environmentName": env_name, "resourceUsage": 3.0})
    };
    snapshot["advisorRecommendations"] = json!({
        "AppsSharedWithEveryone": {
            "scenarioName": "Apps shared with everyone",
            "lastRefreshedTimestamp": "2026-11-23T06:00:00.0000000Z",
            "resources": [resource(INVOICES, "Invoice Approvals", "5a1e0005-0000-4000-8000-000000000005", "Finance Prod", "Shared with Everyone")]
        },
        "UnusedApps": {
            "scenarioName": "Unused apps",
            "resources": [resource(QUOTES, "Quote Builder", "5a1e000b-0000-4000-8000-00000000000b", "Sales Prod EU", "Unused for 30 days")]
        }
    });
    let path = dir.join("tenant-with-advisor.json");
    std::fs::write(&path, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    path
}

fn assess(policies: &Path, snapshot: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "assess",
        policies.to_str().unwrap(),
        "--snapshot",
        snapshot.to_str().unwrap(),
    ];
    args.extend(extra);
    ppgov_command(&args, &[]).output().unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The Advisor findings of a JSON report: rule id, address, severity.
fn advisor_findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ruleId"].as_str().unwrap().starts_with("ADVISOR:"))
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap().to_owned(),
                f["location"]["address"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn advisor_recommendations_are_findings_in_every_format() {
    let dir = fresh_dir("advisor", "formats");
    let snapshot = snapshot_with_advisor(&dir);
    let policies = root().join("policies");

    let out = assess(
        &policies,
        &snapshot,
        &["--advisor", "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        advisor_findings(&report),
        [
            (
                "ADVISOR:AppsSharedWithEveryone".to_owned(),
                format!("PowerApp[{INVOICES}]"),
                "warning".to_owned()
            ),
            (
                "ADVISOR:UnusedApps".to_owned(),
                format!("PowerApp[{QUOTES}]"),
                "info".to_owned()
            ),
        ]
    );
    // Next to ppgov's own findings.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["ruleId"].as_str().unwrap().starts_with("PPG-C"))
    );
    let shared = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["ruleId"] == "ADVISOR:AppsSharedWithEveryone")
        .unwrap();
    assert_eq!(shared["title"], "Apps shared with everyone");
    assert_eq!(shared["location"]["id"], INVOICES);
    assert_eq!(
        shared["message"],
        "Power Platform Advisor, `Apps shared with everyone`: PowerApp `Invoice Approvals` in environment `Finance Prod` (owner Lidia Holloway): Shared with Everyone"
    );

    let without = assess(
        &policies,
        &snapshot,
        &["--format", "json", "--fail-on", "never"],
    );
    let without: Value = serde_json::from_str(&stdout(&without)).unwrap();
    assert!(advisor_findings(&without).is_empty());

    let html = dir.join("report.html");
    let out = assess(
        &policies,
        &snapshot,
        &[
            "--advisor",
            "--fail-on",
            "never",
            "--html",
            html.to_str().unwrap(),
        ],
    );
    let printed = stdout(&out);
    assert!(
        printed.contains("ADVISOR:UnusedApps") && printed.contains("Quote Builder"),
        "{printed}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("ADVISOR:AppsSharedWithEveryone")
            && page.contains("Apps shared with everyone")
    );
    let md = stdout(&assess(
        &policies,
        &snapshot,
        &["--advisor", "--fail-on", "never", "--format", "markdown"],
    ));
    assert!(
        md.contains("ADVISOR:UnusedApps") && md.contains("docs/checks.md#power-advisor"),
        "{md}"
    );

    let sarif = stdout(&assess(
        &policies,
        &snapshot,
        &["--advisor", "--fail-on", "never", "--format", "sarif"],
    ));
    let document: Value = serde_json::from_str(&sarif).unwrap();
    if let Some(validator) = ppgov_test_support::sarif::validator() {
        let errors = ppgov_test_support::sarif::errors(&validator, &document);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let run = &document["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"]
            .as_u64()
            .expect("every result has its rule") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    let advisor_rule = rules
        .iter()
        .find(|r| r["id"] == "ADVISOR:UnusedApps")
        .expect("a rule per scenario");
    assert_eq!(advisor_rule["shortDescription"]["text"], "Unused apps");
    assert_eq!(advisor_rule["defaultConfiguration"]["level"], "note");
}

#[test]
fn advisor_findings_are_configured_and_suppressed_like_checks() {
    let dir = fresh_dir("advisor", "suppressed");
    let snapshot = snapshot_with_advisor(&dir);
    let policies = dir.join("policies");
    copy_dir(&root().join("policies"), &policies);
    let project = policies.join("ppgov.yaml");
    let mut yaml = std::fs::read_to_string(&project).unwrap();
    yaml.push_str(&format!(
        "  checks:\n    rules:\n      ADVISOR:AppsSharedWithEveryone:\n        severity: error\n    suppressions:\n      - check: ADVISOR:UnusedApps\n        object: {QUOTES}\n        reason: retired at the end of the quarter\n        expires: 2999-12-31\n"
    ));
    std::fs::write(&project, yaml).unwrap();

    // The configuration is valid offline, where no scenario is known.
    let check = ppgov_command(
        &["check", policies.to_str().unwrap(), "--fail-on", "never"],
        &[],
    )
    .output()
    .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert!(!text(&check).contains("unknown check"), "{}", text(&check));

    let out = assess(&policies, &snapshot, &["--advisor", "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        advisor_findings(&report),
        [(
            "ADVISOR:AppsSharedWithEveryone".to_owned(),
            format!("PowerApp[{INVOICES}]"),
            "error".to_owned()
        )]
    );
    // An error-level finding fails the run (`--fail-on error`, the default).
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let suppressed = report["suppressed"].as_array().unwrap();
    assert!(
        suppressed
            .iter()
            .any(|s| s["finding"]["ruleId"] == "ADVISOR:UnusedApps"
                && s["reason"] == "retired at the end of the quarter"),
        "{suppressed:#?}"
    );
}
