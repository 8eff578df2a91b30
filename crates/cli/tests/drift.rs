//! `ppgov drift` and `ppgov history` through the real binary: drift (changed outside ppgov)
//! told from pending (the repository changed) with who and when, `--repair safe`, a repair
//! killed mid-way, and the journal's edge cases.

use ppgov_emulator::{Config, Emulator, Faults, RunningEmulator, Tenant};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{ALLOW, SNAPSHOT, copy_dir, fresh_dir, http, ppgov_command, root, text};

fn emulator(rt: &tokio::runtime::Runtime, faults: Faults) -> RunningEmulator {
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    rt.block_on(Emulator::start(Config {
        tenant: Tenant::from_json(&snapshot).unwrap(),
        faults,
        ..Default::default()
    }))
    .unwrap()
}

fn against(args: &[&str], emu: &RunningEmulator, envs: &[(&str, &str)]) -> Command {
    let mut all = vec![
        ("PPGOV_BASE_URL", emu.base_url()),
        ("PPGOV_TOKEN", emu.token().unwrap().to_owned()),
    ];
    all.extend(envs.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ppgov_command(args, &all)
}

fn run(args: &[&str], emu: &RunningEmulator, envs: &[(&str, &str)]) -> Output {
    against(args, emu, envs).output().expect("ppgov runs")
}

/// A copy of the sample policies in a scratch directory (its journal goes beside it).
fn scratch_policies(name: &str) -> (PathBuf, PathBuf) {
    let dir = fresh_dir("drift", name);
    let policies = dir.join("policies");
    copy_dir(&root().join("policies"), &policies);
    (dir, policies)
}

/// Changes the emulator's tenant through its control API (`GET`/`PUT /_emulator/state`), as
/// an admin in the admin center would change the real one.
fn change_tenant(emu: &RunningEmulator, f: impl FnOnce(&mut Value)) {
    let (status, body) = http::request("GET", &format!("{}/_emulator/state", emu.base_url()), None);
    assert_eq!(status, 200, "{body}");
    let mut state: Value = serde_json::from_str(&body).unwrap();
    f(&mut state);
    let (status, body) = http::request(
        "PUT",
        &format!("{}/_emulator/state", emu.base_url()),
        Some(&state.to_string()),
    );
    assert_eq!(status, 204, "{body}");
}

fn group_named<'a>(state: &'a mut Value, name: &str) -> &'a mut Value {
    state["environmentGroups"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .find(|g| g["displayName"] == name)
        .unwrap_or_else(|| panic!("group {name}"))
}

fn environment_named<'a>(state: &'a mut Value, name: &str) -> &'a mut Value {
    state["environments"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .find(|e| e["properties"]["displayName"] == name)
        .unwrap_or_else(|| panic!("environment {name}"))
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {}", text(out)))
}

fn addresses(report: &Value, class: &str) -> Vec<String> {
    report[class]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["address"].as_str().unwrap().to_owned())
        .collect()
}

fn entry<'a>(report: &'a Value, class: &str, address: &str) -> &'a Value {
    report[class]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["address"] == address)
        .unwrap_or_else(|| panic!("{address} in {class}: {report:#}"))
}

/// The acceptance scenario: apply the sample repository; change two objects in the tenant
/// (drift) and one YAML file (pending); `drift` names each with who and when, exit 3;
/// `--repair safe` repairs the non-risky drift only; after a person applies, no drift is left.
#[test]
fn drift_is_told_from_pending_with_who_and_when_and_safe_repair_fixes_only_the_safe_drift() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = emulator(&rt, Faults::default());
    let (dir, policies) = scratch_policies("acceptance");
    let p = policies.to_str().unwrap();
    let mut apply = vec!["apply", p];
    apply.extend(ALLOW);
    let applied = run(&apply, &emu, &[("PPGOV_ACTOR", "alice")]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    let journal = dir.join(".ppgov").join("journal.jsonl");
    assert!(
        journal.exists(),
        "apply journals beside the policy directory"
    );

    // Nothing changed since: no drift, nothing pending (only the unmanaged role assignment).
    let clean = run(&["drift", p, "--format", "json"], &emu, &[]);
    assert_eq!(clean.status.code(), Some(2), "{}", text(&clean));
    let report = json_of(&clean);
    assert_eq!(report["drift"], serde_json::json!([]));
    assert_eq!(report["pending"], serde_json::json!([]));
    assert_eq!(report["unmanaged"].as_array().unwrap().len(), 1);

    // Two changes in the admin center, one in the repository.
    change_tenant(&emu, |state| {
        group_named(state, "Finance")["description"] = "edited in the admin center".into();
        environment_named(state, "People Prod")["properties"]["governanceConfiguration"] =
            serde_json::json!({"protectionLevel": "Basic"});
    });
    let sales = policies.join("environment-groups/sales.yaml");
    let yaml = std::fs::read_to_string(&sales).unwrap();
    let edited = yaml.replacen("  description: ", "  description: Reviewed in Q4. ", 1);
    assert_ne!(yaml, edited);
    std::fs::write(&sales, edited).unwrap();

    let found = run(&["drift", p, "--format", "json"], &emu, &[]);
    assert_eq!(
        found.status.code(),
        Some(3),
        "drift found: {}",
        text(&found)
    );
    let report = json_of(&found);
    assert_eq!(
        addresses(&report, "drift"),
        ["Environment.hr-prod", "EnvironmentGroup.finance"]
    );
    assert_eq!(addresses(&report, "pending"), ["EnvironmentGroup.sales"]);
    let finance = entry(&report, "drift", "EnvironmentGroup.finance");
    assert_eq!(finance["lastWrite"]["actor"], "alice");
    assert_eq!(finance["fields"], serde_json::json!(["description"]));
    let written = finance["lastWrite"]["time"].as_str().unwrap();
    assert!(
        written.starts_with("20") && written.ends_with('Z'),
        "{written}"
    );
    let journalled = std::fs::read_to_string(&journal).unwrap();
    assert!(
        journalled.contains(&format!(r#""time":"{written}""#)),
        "the time is the journal's"
    );
    let hr = entry(&report, "drift", "Environment.hr-prod");
    assert_eq!(hr["lastWrite"]["actor"], "alice");
    assert!(hr["risk"].as_str().unwrap().contains("licensing"), "{hr}");
    let pending = entry(&report, "pending", "EnvironmentGroup.sales");
    assert!(
        pending["reason"]
            .as_str()
            .unwrap()
            .contains("repository changed"),
        "{pending}"
    );
    // --notify: one well-formed message per channel kind, naming the drifted objects and
    // who ppgov-wrote them; the webhook URLs are printed redacted.
    let hooks = common::webhook::start();
    let channels = ["slack", "teams", "webhook"].map(|c| hooks.target(c, "drift"));
    let notified = run(
        &[
            "drift",
            p,
            "--notify",
            &channels[0].0,
            "--notify",
            &channels[1].0,
            "--notify",
            &channels[2].0,
        ],
        &emu,
        &[],
    );
    assert_eq!(notified.status.code(), Some(3), "{}", text(&notified));
    assert!(
        !text(&notified).contains(common::webhook::HOOK_KEY),
        "webhook URLs are secrets: {}",
        text(&notified)
    );
    let messages: Vec<String> = channels
        .iter()
        .map(|(_, path)| {
            let got = hooks.receiver.received(path);
            assert_eq!(got.len(), 1, "one message at {path}");
            got[0].body.clone()
        })
        .collect();
    let body = |i: usize| -> Value { serde_json::from_str(&messages[i]).unwrap() };
    let slack = body(0);
    assert!(slack["text"].as_str().unwrap().contains("drift"), "{slack}");
    assert!(!slack["blocks"].as_array().unwrap().is_empty(), "{slack}");
    let teams = body(1);
    assert_eq!(teams["type"], "message", "{teams}");
    let card = &teams["attachments"][0];
    assert_eq!(
        card["contentType"], "application/vnd.microsoft.card.adaptive",
        "{teams}"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard", "{teams}");
    assert!(messages[1].contains("EnvironmentGroup.finance"), "{teams}");
    let webhook = body(2);
    assert_eq!(webhook["command"], "drift", "{webhook}");
    assert_eq!(webhook["outcome"], "drift", "{webhook}");
    assert_eq!(webhook["counts"]["drift"], 2, "{webhook}");
    assert_eq!(webhook["counts"]["pending"], 1, "{webhook}");
    let finance = webhook["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["address"] == "EnvironmentGroup.finance")
        .unwrap_or_else(|| panic!("no Finance entry in {webhook}"));
    assert!(
        finance["detail"].as_str().unwrap().contains("by alice"),
        "{finance}"
    );

    // The text report says the same, drift first.
    let shown = text(&run(&["drift", p], &emu, &[]));
    let drift_at = shown.find("Drift (changed outside ppgov)").unwrap();
    let pending_at = shown.find("Pending").unwrap();
    assert!(drift_at < pending_at, "{shown}");
    assert!(shown.contains("by alice at "), "{shown}");

    // Repair: the description goes back; the licensing change waits for a person; the
    // pending change is not applied.
    let repaired = run(
        &["drift", p, "--repair", "safe", "--format", "json"],
        &emu,
        &[("PPGOV_ACTOR", "nightly")],
    );
    assert_eq!(repaired.status.code(), Some(3), "{}", text(&repaired));
    let report = json_of(&repaired);
    let repair = &report["repair"];
    assert_eq!(repair["repaired"].as_array().unwrap().len(), 1, "{repair}");
    assert_eq!(repair["repaired"][0]["address"], "EnvironmentGroup.finance");
    assert_eq!(repair["repaired"][0]["outcome"], "applied");
    assert_eq!(repair["forAPerson"][0]["address"], "Environment.hr-prod");
    assert!(
        repair["forAPerson"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("risky:"),
        "{repair}"
    );
    assert_eq!(repair["converged"], true);
    let state = emu.state().to_json();
    assert!(!state.contains("edited in the admin center"), "repaired");
    assert!(
        !state.contains("Reviewed in Q4"),
        "pending never applied by drift"
    );

    let again = run(&["drift", p, "--format", "json"], &emu, &[]);
    assert_eq!(again.status.code(), Some(3));
    let report = json_of(&again);
    assert_eq!(addresses(&report, "drift"), ["Environment.hr-prod"]);
    assert_eq!(addresses(&report, "pending"), ["EnvironmentGroup.sales"]);

    // The repair is in the journal and in the history, by its actor.
    let history = run(
        &[
            "history",
            "--journal",
            journal.to_str().unwrap(),
            "--resource",
            "EnvironmentGroup.finance",
            "--format",
            "json",
        ],
        &emu,
        &[],
    );
    assert_eq!(history.status.code(), Some(0), "{}", text(&history));
    let entries = json_of(&history)["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(entries[0]["actor"], "alice");
    assert_eq!(entries[0]["command"], "apply");
    assert_eq!(entries[1]["actor"], "nightly");
    assert_eq!(entries[1]["command"], "drift --repair safe");
    assert_eq!(entries[1]["result"], "applied");
    assert_eq!(entries[1]["displayName"], "Finance");

    // A person applies the rest; no drift is left, nothing pending.
    let applied = run(&apply, &emu, &[("PPGOV_ACTOR", "carol")]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    let after = run(&["drift", p, "--format", "json"], &emu, &[]);
    assert_eq!(
        after.status.code(),
        Some(2),
        "unmanaged only: {}",
        text(&after)
    );
    let report = json_of(&after);
    assert_eq!(report["drift"], serde_json::json!([]));
    assert_eq!(report["pending"], serde_json::json!([]));
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

/// A repair killed with SIGKILL mid-way leaves whole journal lines, and a re-run converges.
#[test]
fn a_killed_repair_leaves_a_whole_journal_and_a_rerun_converges() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = emulator(&rt, Faults::default());
    let (dir, policies) = scratch_policies("killed");
    let p = policies.to_str().unwrap();
    let journal = dir.join(".ppgov").join("journal.jsonl");
    let mut apply = vec!["apply", p];
    apply.extend(ALLOW);
    assert_eq!(run(&apply, &emu, &[]).status.code(), Some(0));
    let groups = [
        "Finance",
        "HR",
        "IT and CoE",
        "Sales",
        "Supply Chain and Operations",
        "Developer sandboxes",
    ];
    change_tenant(&emu, |state| {
        for g in groups {
            group_named(state, g)["description"] = "edited by hand".into();
        }
    });
    emu.set_faults(Faults {
        latency_ms: 150,
        ..Default::default()
    })
    .unwrap();
    let lines_before = std::fs::read_to_string(&journal).unwrap().lines().count();
    let mut child = against(&["drift", p, "--repair", "safe"], &emu, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill -9 once the repair run has finished a step.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let ended = std::fs::read_to_string(&journal)
            .unwrap()
            .lines()
            .skip(lines_before)
            .filter(|l| l.contains(r#""event":"step""#))
            .count();
        if ended >= 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the repair journalled no step in time"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the repair finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let journalled = std::fs::read_to_string(&journal).unwrap();
    for line in journalled.lines() {
        serde_json::from_str::<Value>(line).expect("every journal line is whole JSON");
    }
    assert!(
        !journalled
            .lines()
            .skip(lines_before)
            .any(|l| l.contains(r#""event":"end""#)),
        "killed before its end"
    );
    emu.set_faults(Faults::default()).unwrap();
    let left = json_of(&run(&["drift", p, "--format", "json"], &emu, &[]));
    let left = left["drift"].as_array().unwrap().len();
    assert!(
        left < groups.len(),
        "some repaired before the kill: {left} left"
    );
    let rerun = run(&["drift", p, "--repair", "safe"], &emu, &[]);
    assert_eq!(rerun.status.code(), Some(2), "{}", text(&rerun));
    let clean = json_of(&run(&["drift", p, "--format", "json"], &emu, &[]));
    assert_eq!(clean["drift"], serde_json::json!([]));
    assert_eq!(clean["pending"], serde_json::json!([]));
    // The history shows the killed run's last step as interrupted or its outcomes.
    let history = run(
        &["history", "--journal", journal.to_str().unwrap()],
        &emu,
        &[],
    );
    assert_eq!(history.status.code(), Some(0));
    assert!(
        text(&history).contains("(drift --repair safe):"),
        "{}",
        text(&history)
    );
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

/// Edge cases on a snapshot file: no journal yet; writes of failed and killed runs are not
/// ppgov's last write; an object deleted outside ppgov; one ppgov deleted, recreated by hand.
#[test]
fn journal_edge_cases() {
    let dir = fresh_dir("drift", "edges");
    let snap = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snap).unwrap();
    let s = snap.to_str().unwrap();
    let journal = dir.join("journal.jsonl");
    let j = journal.to_str().unwrap();
    let drift = |extra: &[&str]| {
        let mut args = vec!["drift", "policies", "--snapshot", s, "--journal", j];
        args.extend(extra);
        ppgov_command(&args, &[]).output().unwrap()
    };

    // No journal: everything is pending, and the report says why.
    let none = drift(&[]);
    assert_eq!(none.status.code(), Some(2), "{}", text(&none));
    assert!(text(&none).contains("No journal yet"), "{}", text(&none));
    let report = json_of(&drift(&["--format", "json"]));
    assert_eq!(report["journal"]["found"], false);
    assert_eq!(report["drift"], serde_json::json!([]));
    assert_eq!(report["pending"].as_array().unwrap().len(), 45);

    let mut apply = vec!["apply", "policies", "--snapshot", s, "--journal", j];
    apply.extend(ALLOW);
    let applied = ppgov_command(&apply, &[("PPGOV_ACTOR", "alice")])
        .output()
        .unwrap();
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));

    // Edit the tenant file: Finance's description (drift); the production DLP policy deleted
    // (drift); the legacy policy ppgov deleted recreated under a new id (drift).
    let mut tenant: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    group_named(&mut tenant, "Finance")["description"] = "by hand".into();
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    let policies = tenant["dlpPolicies"].as_object_mut().unwrap();
    let production = policies
        .iter()
        .find(|(_, p)| p["policyDefinition"]["displayName"] == "Production business units")
        .map(|(id, _)| id.clone())
        .expect("the production policy");
    policies.remove(&production);
    let mut legacy = original["dlpPolicies"]["5a1e03cc-0000-4000-8000-0000000003cc"].clone();
    let new_id = "5a1e0fff-0000-4000-8000-000000000fff";
    legacy["policyDefinition"]["name"] = new_id.into();
    policies.insert(new_id.to_owned(), legacy);
    std::fs::write(&snap, tenant.to_string()).unwrap();

    // A failed run and a killed run that "wrote" the new description: not successful writes,
    // so ppgov's last write is still the first apply's.
    let mut lines = std::fs::read_to_string(&journal).unwrap();
    let finance_intent: Value = lines
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["event"] == "intent" && l["address"] == "EnvironmentGroup.finance")
        .unwrap();
    for (run, outcome) in [("failed-run", Some("failed")), ("killed-run", None)] {
        let mut intent = finance_intent.clone();
        intent["run"] = run.into();
        intent["after"]["description"] = "by hand".into();
        lines.push_str(&format!(
            "{}\n{}\n",
            serde_json::json!({"event": "start", "run": run, "who": "mallory", "time": "2030-01-01T00:00:00.000Z"}),
            intent
        ));
        if let Some(status) = outcome {
            lines.push_str(&format!(
                "{}\n",
                serde_json::json!({"event": "step", "run": run, "address": "EnvironmentGroup.finance", "status": status, "error": "HTTP 500", "time": "2030-01-01T00:00:01.000Z"})
            ));
        }
    }
    std::fs::write(&journal, lines).unwrap();

    let out = drift(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let report = json_of(&out);
    let finance = entry(&report, "drift", "EnvironmentGroup.finance");
    assert_eq!(
        finance["lastWrite"]["actor"], "alice",
        "not the failed or killed run's"
    );
    let production = entry(&report, "drift", "DlpPolicy.production");
    assert_eq!(production["action"], "create");
    assert!(
        production["reason"]
            .as_str()
            .unwrap()
            .starts_with("deleted outside ppgov"),
        "{production}"
    );
    let recreated = entry(&report, "drift", &format!("DlpPolicy[{new_id}]"));
    assert!(
        recreated["reason"]
            .as_str()
            .unwrap()
            .starts_with("recreated outside ppgov"),
        "{recreated}"
    );
    assert_eq!(recreated["lastWrite"]["action"], "delete");
    assert!(
        report["pending"].as_array().unwrap().is_empty(),
        "{report:#}"
    );

    // A damaged journal is an error naming the line, not a silent skip.
    std::fs::write(&journal, "{\"event\":\"start\"}\nnot json\n").unwrap();
    let damaged = drift(&[]);
    assert_eq!(damaged.status.code(), Some(1));
    assert!(text(&damaged).contains("line 2"), "{}", text(&damaged));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn history_filters_by_resource_and_time_and_refuses_bad_times() {
    let dir = fresh_dir("drift", "history");
    let journal = dir.join("journal.jsonl");
    let lines = [
        r#"{"event":"start","run":"r1","who":"alice","command":"apply","time":"2026-01-01T10:00:00.000Z"}"#,
        r#"{"event":"intent","run":"r1","address":"DlpPolicy.production","kind":"DlpPolicy","action":"create","displayName":"Production","time":"2026-01-01T10:00:01.000Z"}"#,
        r#"{"event":"step","run":"r1","address":"DlpPolicy.production","status":"applied","time":"2026-01-01T10:00:02.000Z"}"#,
        r#"{"event":"intent","run":"r1","address":"EnvironmentGroup.hr","kind":"EnvironmentGroup","action":"create","displayName":"HR","time":"2026-01-01T10:00:03.000Z"}"#,
        r#"{"event":"step","run":"r1","address":"EnvironmentGroup.hr","status":"failed","error":"POST /groups: HTTP 500","time":"2026-01-01T10:00:04.000Z"}"#,
        r#"{"event":"end","run":"r1","time":"2026-01-01T10:00:05.000Z"}"#,
        r#"{"event":"start","run":"r2","who":"bob","command":"drift --repair safe","time":"2026-02-01T10:00:00.000Z"}"#,
        r#"{"event":"intent","run":"r2","address":"DlpPolicy.production","kind":"DlpPolicy","action":"update","displayName":"Production","time":"2026-02-01T10:00:01.000Z"}"#,
    ];
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let j = journal.to_str().unwrap();
    let history = |extra: &[&str]| {
        let mut args = vec!["history", "--journal", j];
        args.extend(extra);
        ppgov_command(&args, &[]).output().unwrap()
    };
    let all = history(&[]);
    assert_eq!(all.status.code(), Some(0));
    insta::assert_snapshot!("history_text", String::from_utf8_lossy(&all.stdout));
    let only = json_of(&history(&[
        "--resource",
        "DlpPolicy",
        "--since",
        "2026-01-15",
        "--format",
        "json",
    ]));
    let entries = only["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"], "bob");
    assert_eq!(entries[0]["result"], "interrupted");
    let until = json_of(&history(&[
        "--until",
        "2026-01-01T11:00:03+01:00",
        "--format",
        "json",
    ]));
    assert_eq!(until["entries"].as_array().unwrap().len(), 1, "{until:#}");
    let bad = history(&["--since", "last week"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains("--since `last week` is not a time"),
        "{}",
        text(&bad)
    );
    let missing = ppgov_command(&["history", "--journal", "/nonexistent/j.jsonl"], &[])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing).contains("no journal at"),
        "{}",
        text(&missing)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `--repair safe` never applies a pending change: of one tenant-settings change it writes
/// back only the setting that drifted, and drift on an object the repository also changed
/// is left for a person.
#[test]
fn safe_repair_leaves_pending_changes_alone() {
    let (dir, policies) = scratch_policies("mixed");
    let p = policies.to_str().unwrap();
    let snap = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snap).unwrap();
    let s = snap.to_str().unwrap();
    let mut apply = vec!["apply", p, "--snapshot", s];
    apply.extend(ALLOW);
    let applied = ppgov_command(&apply, &[("PPGOV_ACTOR", "alice")])
        .output()
        .unwrap();
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));

    // In the tenant: a setting and Finance's description. In the repository: another setting
    // and Finance's description too.
    let mut tenant: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    tenant["tenantSettings"]["disableEnvironmentCreationByNonAdminUsers"] = false.into();
    group_named(&mut tenant, "Finance")["description"] = "edited in the admin center".into();
    std::fs::write(&snap, tenant.to_string()).unwrap();
    let settings = policies.join("tenant-settings.yaml");
    let yaml = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        yaml.replacen("disableAdminDigest: false", "disableAdminDigest: true", 1),
    )
    .unwrap();
    let finance = policies.join("environment-groups/finance.yaml");
    let yaml = std::fs::read_to_string(&finance).unwrap();
    std::fs::write(
        &finance,
        yaml.replacen("  description: ", "  description: Audited. ", 1),
    )
    .unwrap();

    let drift = |extra: &[&str]| {
        let mut args = vec!["drift", p, "--snapshot", s, "--format", "json"];
        args.extend(extra);
        ppgov_command(&args, &[]).output().unwrap()
    };
    let found = json_of(&drift(&[]));
    let settings_entry = entry(&found, "drift", "TenantSettings.tenant");
    assert_eq!(
        settings_entry["fields"],
        serde_json::json!(["disableEnvironmentCreationByNonAdminUsers"])
    );
    let finance_entry = entry(&found, "drift", "EnvironmentGroup.finance");
    assert_eq!(finance_entry["alsoPending"], true, "{finance_entry}");

    let repaired = drift(&["--repair", "safe"]);
    assert_eq!(repaired.status.code(), Some(3), "{}", text(&repaired));
    let report = json_of(&repaired);
    assert_eq!(
        report["repair"]["repaired"][0]["address"],
        "TenantSettings.tenant"
    );
    assert_eq!(report["repair"]["repaired"].as_array().unwrap().len(), 1);
    let held = &report["repair"]["forAPerson"][0];
    assert_eq!(held["address"], "EnvironmentGroup.finance");
    assert!(
        held["reason"]
            .as_str()
            .unwrap()
            .contains("repository also changed"),
        "{held}"
    );
    let tenant: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    let platform = &tenant["tenantSettings"]["powerPlatform"];
    assert_eq!(
        tenant["tenantSettings"]["disableEnvironmentCreationByNonAdminUsers"], true,
        "the drifted setting is written back"
    );
    assert_eq!(
        platform["governance"]["disableAdminDigest"], false,
        "the pending setting is not applied"
    );
    assert!(
        tenant.to_string().contains("edited in the admin center"),
        "held"
    );

    let after = json_of(&drift(&[]));
    assert_eq!(addresses(&after, "drift"), ["EnvironmentGroup.finance"]);
    let pending = entry(&after, "pending", "TenantSettings.tenant");
    assert_eq!(
        pending["fields"],
        serde_json::json!(["powerPlatform.governance.disableAdminDigest"])
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Drift whose repair would break apps or flows (a data policy loosened by hand, which apps
/// now rely on) is held for a person with the reason, never written back by `--repair safe`.
#[test]
fn a_repair_that_would_break_apps_is_left_for_a_person() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = emulator(&rt, Faults::default());
    let (dir, policies) = scratch_policies("breaking-repair");
    let p = policies.to_str().unwrap();
    let mut apply = vec!["apply", p];
    apply.extend(ALLOW);
    let applied = run(&apply, &emu, &[]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));

    // In the admin center, Dropbox becomes business in the two policies that cover the
    // default environment: "Team Lunch Poll" (Dropbox and SharePoint) complies again, and
    // writing either policy back would break it.
    change_tenant(&emu, |state| {
        for policy in state["dlpPolicies"].as_object_mut().unwrap().values_mut() {
            let name = policy["policyDefinition"]["displayName"].clone();
            if name != "Default environment - personal productivity" && name != "Tenant baseline" {
                continue;
            }
            for group in policy["policyDefinition"]["connectorGroups"]
                .as_array_mut()
                .unwrap()
            {
                let business = group["classification"] == "Confidential";
                let connectors = group["connectors"].as_array_mut().unwrap();
                connectors.retain(|c| c["name"] != "shared_dropbox");
                if business {
                    connectors.push(serde_json::json!({
                        "id": "/providers/Microsoft.PowerApps/apis/shared_dropbox",
                        "name": "shared_dropbox",
                        "type": "Microsoft.PowerApps/apis"
                    }));
                }
            }
        }
    });

    let repaired = run(
        &["drift", p, "--repair", "safe", "--format", "json"],
        &emu,
        &[],
    );
    assert_eq!(repaired.status.code(), Some(3), "{}", text(&repaired));
    let report = json_of(&repaired);
    let repair = &report["repair"];
    assert_eq!(repair["repaired"], serde_json::json!([]), "{repair}");
    let held: Vec<&str> = repair["forAPerson"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        held,
        ["DlpPolicy.default-environment", "DlpPolicy.tenant-baseline"],
        "{repair}"
    );
    for h in repair["forAPerson"].as_array().unwrap() {
        let reason = h["reason"].as_str().unwrap();
        assert!(
            reason.contains("e.g. app \"Team Lunch Poll\" in \"Northwind Traders (default)\""),
            "{repair}"
        );
    }
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}
