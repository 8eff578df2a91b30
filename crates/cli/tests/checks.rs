//! `ppgov check` and `ppgov assess` through the real binary: the sample repository and the
//! bundled tenant (snapshots of the text, Markdown and JSON reports; SARIF validated against
//! the official schema), `--fail-on` exit codes, the HTML page in a real headless Chromium,
//! and against an emulator on 127.0.0.1: a finding fixed through `apply` is gone from the
//! next `assess`, and an expired suppression is reported.

use serde_json::Value;
use std::path::Path;

mod common;
use common::browser::{Session, start_driver};
use common::{ALLOW, SNAPSHOT, copy_dir, fresh_dir, ppgov_command, root, text};

fn ppgov(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    ppgov_command(args, envs).output().unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The rule ids and addresses of a JSON report's findings.
fn findings(json: &str) -> Vec<(String, String)> {
    let report: Value = serde_json::from_str(json).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["ruleId"].as_str().unwrap().to_owned(),
                f["location"]["address"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn assert_valid_sarif(sarif: &str) {
    let document: Value = serde_json::from_str(sarif).unwrap();
    if let Some(validator) = ppgov_test_support::sarif::validator() {
        let errors = ppgov_test_support::sarif::errors(&validator, &document);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn check_on_the_sample_repository() {
    let out = ppgov(&["check", "policies"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    insta::assert_snapshot!("check_policies_text", stdout(&out));
    let md = ppgov(&["check", "policies", "--format", "markdown"], &[]);
    insta::assert_snapshot!("check_policies_markdown", stdout(&md));

    let sarif = ppgov(&["check", "policies", "--format", "sarif"], &[]);
    assert_eq!(sarif.status.code(), Some(0));
    let sarif = stdout(&sarif);
    assert_valid_sarif(&sarif);
    // Paths relative to the repository root, as code scanning wants them.
    let document: Value = serde_json::from_str(&sarif).unwrap();
    let uri = &document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert!(uri.as_str().unwrap().starts_with("policies/"), "{uri}");
    assert!(root().join(uri.as_str().unwrap()).is_file(), "{uri}");
}

#[test]
fn assess_against_the_bundled_tenant() {
    let args = ["assess", "policies", "--snapshot", SNAPSHOT];
    let out = ppgov(&args, &[]);
    // The bundled tenant has errors (apps shared with Everyone, an unmanaged production
    // environment): the default --fail-on error exits 1.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    insta::assert_snapshot!("assess_snapshot_text", stdout(&out));
    let json = ppgov(&[&args[..], &["--format", "json"]].concat(), &[]);
    insta::assert_snapshot!("assess_snapshot_json", stdout(&json));
    let found = findings(&stdout(&json));
    assert!(
        found
            .iter()
            .any(|(id, a)| id == "PPG-C019" && a.starts_with("TenantSettings["))
    );
    assert!(
        found
            .iter()
            .any(|(id, a)| id == "PPG-C013" && a == "EnvironmentGroup.sales")
    );
    let sarif = ppgov(&[&args[..], &["--format", "sarif"]].concat(), &[]);
    assert_valid_sarif(&stdout(&sarif));
}

#[test]
fn fail_on_sets_the_exit_code() {
    // The sample repository has warnings and info findings, no errors.
    for (level, code) in [("error", 0), ("warning", 1), ("info", 1), ("never", 0)] {
        let out = ppgov(&["check", "policies", "--fail-on", level], &[]);
        assert_eq!(
            out.status.code(),
            Some(code),
            "--fail-on {level}: {}",
            text(&out)
        );
    }
    let out = ppgov(
        &[
            "assess",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--fail-on",
            "never",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn policy_errors_stop_the_checks() {
    let out = ppgov(
        &["check", "tests/fixtures/validate/err/checks-unknown-id"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let printed = text(&out);
    assert!(printed.contains("PPG402"), "{printed}");
    assert!(printed.contains("fix them before checking"), "{printed}");
}

#[test]
fn html_report_renders_in_a_real_browser() {
    let dir = fresh_dir("checks", "html");
    let page = dir.join("assess.html");
    let out = ppgov(
        &[
            "assess",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--format",
            "json",
            "--fail-on",
            "never",
            "--html",
            page.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json = stdout(&out);
    let expected = findings(&json);
    let report: Value = serde_json::from_str(&json).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: no script, nothing loaded from elsewhere.
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"));

    let driver = start_driver();
    let session = Session::new(&driver);
    session.open(&page);
    let console = session.console();
    assert!(
        console.iter().all(|m| m["level"] != "SEVERE"),
        "console errors: {console:#?}"
    );
    assert_eq!(
        session.script("return document.title;"),
        "ppgov governance report"
    );
    let rows = session
        .script("return [...document.querySelectorAll('tr[data-rule]')].map(r => r.dataset.rule);");
    let shown: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let wanted: Vec<&str> = expected.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(shown, wanted);
    assert_eq!(
        session.script("return document.getElementById('count-error').textContent;"),
        report["counts"]["error"].to_string()
    );
    session.screenshot("checks-report-desktop.png");
    session.resize(390, 844);
    assert_eq!(
        session.script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;"
        ),
        true
    );
    session.screenshot("checks-report-phone.png");
}

/// An emulator serving the bundled tenant on 127.0.0.1, and the variables that reach it.
fn emulator(rt: &tokio::runtime::Runtime) -> ppgov_emulator::RunningEmulator {
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    rt.block_on(ppgov_emulator::Emulator::start(ppgov_emulator::Config {
        tenant: ppgov_emulator::Tenant::from_json(&snapshot).unwrap(),
        ..Default::default()
    }))
    .unwrap()
}

fn assess_json(dir: &Path, envs: &[(&str, &str)]) -> Vec<(String, String)> {
    let out = ppgov(
        &[
            "assess",
            dir.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        envs,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    findings(&stdout(&out))
}

#[test]
fn apply_fixes_a_finding_and_expired_suppressions_are_reported() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = emulator(&rt);
    let base = emu.base_url();
    let token = emu.token().unwrap().to_owned();
    let envs = [
        ("PPGOV_BASE_URL", base.as_str()),
        ("PPGOV_TOKEN", token.as_str()),
    ];
    let dir = fresh_dir("checks", "emulator");
    let policies = dir.join("policies");
    copy_dir(&root().join("policies"), &policies);

    // Sharing with Everyone is on in the tenant; the repository turns it off.
    let before = assess_json(&policies, &envs);
    let share = |f: &[(String, String)]| {
        f.iter()
            .filter(|(id, a)| id == "PPG-C019" && a.starts_with("TenantSettings["))
            .count()
    };
    assert_eq!(share(&before), 1, "{before:#?}");

    let journal = dir.join("journal.jsonl");
    let mut apply = vec![
        "apply",
        policies.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    apply.extend(ALLOW);
    let out = ppgov(&apply, &envs);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let after = assess_json(&policies, &envs);
    assert_eq!(share(&after), 0, "{after:#?}");
    assert!(
        after.len() < before.len(),
        "{} then {}",
        before.len(),
        after.len()
    );

    // Suppressions: one expired (reported, and its finding is back), one current (holds).
    let project = policies.join("ppgov.yaml");
    let mut text_of_project = std::fs::read_to_string(&project).unwrap();
    text_of_project.push_str(
        "  checks:\n    suppressions:\n      - check: PPG-C013\n        object: EnvironmentGroup.sales\n        reason: sales accepted the risk for the pilot\n        expires: 2020-01-31\n      - check: PPG-C014\n        object: EnvironmentGroup.it-coe\n        reason: the CoE runs the checker in its pipeline\n        expires: 2999-12-31\n",
    );
    std::fs::write(&project, text_of_project).unwrap();
    let out = ppgov(
        &["assess", policies.to_str().unwrap(), "--fail-on", "never"],
        &envs,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("warning PPG-C900 suppression expired")
            && printed.contains(
                "the suppression of PPG-C013 on `EnvironmentGroup.sales` expired on 2020-01-31"
            ),
        "{printed}"
    );
    assert!(printed.contains("EnvironmentGroup.sales"), "{printed}");
    assert!(
        printed.contains("suppressed PPG-C014 on EnvironmentGroup.it-coe until 2999-12-31"),
        "{printed}"
    );
    let after_suppression = assess_json(&policies, &envs);
    assert!(after_suppression.contains(&("PPG-C013".into(), "EnvironmentGroup.sales".into())));
    assert!(!after_suppression.contains(&("PPG-C014".into(), "EnvironmentGroup.it-coe".into())));
    rt.block_on(emu.shutdown());
}

#[test]
fn baseline_comparison_names_fixed_findings_and_level_changes() {
    let dir = fresh_dir("checks", "baseline");
    let policies = dir.join("policies");
    copy_dir(&root().join("policies"), &policies);
    let p = policies.to_str().unwrap();
    let out = ppgov(&["check", p, "--format", "json"], &[]);
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, &out.stdout).unwrap();

    // Sales gets sharing limits: PPG-C013, the only Capable finding in environments, is fixed.
    let group = policies.join("environment-groups/sales.yaml");
    let yaml = std::fs::read_to_string(&group).unwrap();
    let fixed = yaml.replace(
        "mode: noLimit",
        "mode: excludeSecurityGroups\n      maxUsers: 50",
    );
    assert_ne!(fixed, yaml);
    std::fs::write(&group, fixed).unwrap();
    let b = baseline.to_str().unwrap();
    let out = ppgov(&["check", p, "--baseline", b], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("since the baseline: 1 finding fixed, 0 new"),
        "{printed}"
    );
    let json = ppgov(&["check", p, "--baseline", b, "--format", "json"], &[]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        report["comparison"]["fixed"],
        serde_json::json!([{"ruleId": "PPG-C013", "address": "EnvironmentGroup.sales"}])
    );

    // A baseline that is not a report is an error that says so.
    let out = ppgov(&["check", p, "--baseline", "README.md"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("is not a JSON report"),
        "{}",
        text(&out)
    );
}
