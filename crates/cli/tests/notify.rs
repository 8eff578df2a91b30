//! `--notify` through the real binary: a webhook receiver on 127.0.0.1 (axum) checks the shape
//! of each channel's message (Teams: an Adaptive Card message; Slack: `text` plus `blocks`;
//! the generic webhook: schema `ppgov.notification/v1`), that no secret ppgov holds reaches a
//! payload or stderr, that 503 and 429 (with `Retry-After`) are retried, that other 4xx are
//! not, and that a receiver that always fails is given up on within the bounds.

mod common;

use common::webhook::{HOOK_KEY, start};
use common::{ALLOW, SNAPSHOT, copy_dir, fresh_dir, ppgov_command, root, text};
use ppgov_emulator::{Config, Emulator, Faults, Tenant};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Set as PPGOV_CLIENT_SECRET and PPGOV_TOKEN, and written into the project's name and a
/// policy's display name so that they would reach the payloads if they were not masked.
const CANARY_SECRET: &str = "canary-notify-secret-5d4c3b2a";
const CANARY_TOKEN: &str = "canary-notify-token-9e8f7a6b";
/// `ppgov args` with the canaries set, and no CI variables but the GitHub ones given.
fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = ppgov_command(
        args,
        &[
            ("PPGOV_CLIENT_SECRET", CANARY_SECRET),
            ("PPGOV_TOKEN", CANARY_TOKEN),
        ],
    );
    for var in [
        "PPGOV_NOTIFY_LINK",
        "PPGOV_NOTIFY_DEADLINE",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_RUN_ID",
        "SYSTEM_COLLECTIONURI",
        "SYSTEM_TEAMPROJECT",
        "BUILD_BUILDID",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("ppgov runs")
}

/// The sample policies with the canaries in the project name and a data policy's display name.
fn policies_with_canaries(name: &str) -> PathBuf {
    let dir = fresh_dir("notify", name).join("policies");
    copy_dir(&root().join("policies"), &dir);
    let file = dir.join("dlp/default-environment.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    let old = "displayName: Default environment - personal productivity";
    assert!(yaml.contains(old), "the sample policy changed: {yaml}");
    let yaml = yaml.replace(
        old,
        &format!("displayName: Default {CANARY_SECRET} {CANARY_TOKEN}"),
    );
    std::fs::write(&file, yaml).unwrap();
    let project = dir.join("ppgov.yaml");
    let yaml = std::fs::read_to_string(&project).unwrap();
    assert!(yaml.contains("name: northwind-traders"), "{yaml}");
    let yaml = yaml.replace("name: northwind-traders", &format!("name: {CANARY_SECRET}"));
    std::fs::write(&project, yaml).unwrap();
    dir
}

fn assert_no_secret(what: &str, s: &str) {
    for secret in [CANARY_SECRET, CANARY_TOKEN, HOOK_KEY] {
        assert!(!s.contains(secret), "{what} holds `{secret}`:\n{s}");
    }
}

fn string<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
}

/// The Adaptive Card message a Workflows webhook takes.
fn check_teams(body: &Value) {
    assert_eq!(body["type"], "message", "{body}");
    let attachments = body["attachments"].as_array().expect("attachments");
    assert_eq!(attachments.len(), 1, "{body}");
    assert_eq!(
        attachments[0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachments[0]["content"];
    assert_eq!(card["type"], "AdaptiveCard", "{card}");
    let version = string(&card["version"], "version");
    assert!(version.starts_with("1."), "{version}");
    let elements = card["body"].as_array().expect("a card body");
    assert!(!elements.is_empty());
    for e in elements {
        match string(&e["type"], "element type") {
            "TextBlock" => assert!(!string(&e["text"], "text").is_empty(), "{e}"),
            "FactSet" => {
                for f in e["facts"].as_array().expect("facts") {
                    string(&f["title"], "fact title");
                    string(&f["value"], "fact value");
                }
            }
            other => panic!("unexpected card element {other}: {e}"),
        }
    }
    if let Some(actions) = card.get("actions") {
        for a in actions.as_array().expect("actions") {
            assert_eq!(a["type"], "Action.OpenUrl", "{a}");
            string(&a["url"], "action url");
        }
    }
}

/// An incoming-webhook message: a fallback `text` and Block Kit blocks within Slack's limits.
fn check_slack(body: &Value) {
    assert!(!string(&body["text"], "text").is_empty());
    let blocks = body["blocks"].as_array().expect("blocks");
    assert!(!blocks.is_empty() && blocks.len() <= 50, "{body}");
    let text_object = |t: &Value, max: usize| {
        let kind = string(&t["type"], "text type");
        assert!(kind == "mrkdwn" || kind == "plain_text", "{t}");
        let s = string(&t["text"], "text");
        assert!(!s.is_empty() && s.chars().count() <= max, "{t}");
    };
    for b in blocks {
        match string(&b["type"], "block type") {
            "header" => {
                assert_eq!(b["text"]["type"], "plain_text");
                text_object(&b["text"], 150);
            }
            "section" => {
                let fields = b.get("fields").and_then(Value::as_array);
                assert!(b.get("text").is_some() || fields.is_some(), "{b}");
                if let Some(t) = b.get("text") {
                    text_object(t, 3000);
                }
                if let Some(fields) = fields {
                    assert!(fields.len() <= 10);
                    fields.iter().for_each(|f| text_object(f, 2000));
                }
            }
            "context" => {
                let elements = b["elements"].as_array().expect("elements");
                assert!(!elements.is_empty() && elements.len() <= 10);
                elements.iter().for_each(|e| text_object(e, 3000));
            }
            other => panic!("unexpected block {other}: {b}"),
        }
    }
}

fn plan_json(policies: &Path) -> Value {
    let out = run(
        &[
            "plan",
            policies.to_str().unwrap(),
            "--snapshot",
            SNAPSHOT,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_plan_with_changes_sends_one_well_formed_message_per_channel_and_no_secret() {
    let h = start();
    let policies = policies_with_canaries("channels");
    let (teams, teams_path) = h.target("teams", "teams");
    let (slack, slack_path) = h.target("slack", "slack");
    let (webhook, webhook_path) = h.target("webhook", "webhook");
    let dir = policies.to_str().unwrap();
    let out = run(
        &[
            "plan",
            dir,
            "--snapshot",
            SNAPSHOT,
            "--detailed-exitcode",
            "--notify",
            &teams,
            "--notify",
            &slack,
            "--notify",
            &webhook,
        ],
        &[
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "contoso/governance"),
            ("GITHUB_RUN_ID", "4242"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_no_secret("stderr", &stderr);
    for prefix in ["teams", "slack", "webhook"] {
        let shown = format!("Notified {prefix}+{}/*** (changes; 1 attempt)", h.base);
        assert!(stderr.contains(&shown), "{shown} in:\n{stderr}");
    }

    let plan = plan_json(&policies);
    let changes = plan["changes"].as_array().unwrap();
    let count = |action: &str| changes.iter().filter(|c| c["action"] == action).count();

    let mut masked = 0;
    for path in [&teams_path, &slack_path, &webhook_path] {
        let got = h.receiver.received(path);
        assert_eq!(got.len(), 1, "one message to {path}");
        assert_eq!(got[0].content_type, "application/json");
        assert_no_secret(path, &got[0].body);
        masked += usize::from(got[0].body.contains("***"));
    }
    // A canary is the project's name, which every message names: it was there, masked.
    assert_eq!(masked, 3, "every message names the masked project");

    let body = |path: &str| -> Value {
        serde_json::from_str(&h.receiver.received(path)[0].body).expect("JSON")
    };
    let teams = body(&teams_path);
    check_teams(&teams);
    let card = teams["attachments"][0]["content"].to_string();
    assert!(card.contains("https://github.com/contoso/governance/actions/runs/4242"));
    check_slack(&body(&slack_path));

    let generic = body(&webhook_path);
    assert_eq!(generic["schema"], "ppgov.notification/v1");
    assert_eq!(generic["command"], "plan");
    assert_eq!(generic["outcome"], "changes");
    assert_eq!(generic["counts"]["create"], count("create"));
    assert_eq!(generic["counts"]["update"], count("update"));
    assert_eq!(generic["counts"]["delete"], count("delete"));
    let entries = generic["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 10.min(changes.len()));
    assert_eq!(
        generic["entriesOmitted"],
        changes.len() - entries.len(),
        "{generic}"
    );
    // Risky changes first (in the plan, the deletes come last).
    let risky_total = changes.iter().filter(|c| !c["risk"].is_null()).count();
    let risky: Vec<bool> = entries
        .iter()
        .map(|e| e["detail"].as_str().unwrap().contains("(risky: "))
        .collect();
    assert!(
        risky_total > 4,
        "the sample plan has risky deletes at its end"
    );
    assert_eq!(
        risky.iter().filter(|r| **r).count(),
        risky_total.min(entries.len())
    );
    assert!(risky.windows(2).all(|w| w[0] || !w[1]), "{generic}");
    assert_eq!(
        generic["link"],
        "https://github.com/contoso/governance/actions/runs/4242"
    );
    // docs/ci.md documents exactly these fields.
    let page = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let start = page
        .find("```json\n{\n  \"schema\": \"ppgov.notification/v1\"")
        .expect("docs/ci.md shows the generic payload")
        + "```json\n".len();
    let end = start + page[start..].find("```").unwrap();
    let documented: Value = serde_json::from_str(&page[start..end]).expect("valid JSON");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&documented), keys(&generic));
    assert_eq!(keys(&documented["entries"][0]), keys(&entries[0]));
}

#[test]
fn a_failed_plan_notifies_the_failure_with_the_masked_error() {
    let h = start();
    let (webhook, path) = h.target("webhook", "failed-plan");
    let missing = fresh_dir("notify", "failed")
        .join(format!("{CANARY_TOKEN}.json"))
        .to_str()
        .unwrap()
        .to_owned();
    let out = run(
        &[
            "plan",
            "policies",
            "--snapshot",
            &missing,
            "--notify",
            &webhook,
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr.contains("error: cannot read snapshot"), "{stderr}");
    assert_no_secret("stderr", &stderr);
    let got = h.receiver.received(&path);
    assert_eq!(got.len(), 1);
    assert_no_secret("the payload", &got[0].body);
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["outcome"], "failure");
    assert_eq!(body["command"], "plan");
    let error = string(&body["error"], "error");
    assert!(error.starts_with("cannot read snapshot"), "{error}");
    assert!(error.contains("***"), "{error}");
}

#[test]
fn a_refused_apply_notifies_the_failure_with_the_refused_steps() {
    let h = start();
    let (teams, teams_path) = h.target("teams", "refused-teams");
    let (webhook, webhook_path) = h.target("webhook", "refused");
    let dir = fresh_dir("notify", "refused");
    let snapshot = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snapshot).unwrap();
    let journal = dir.join("journal.jsonl");
    let out = run(
        &[
            "apply",
            "policies",
            "--snapshot",
            snapshot.to_str().unwrap(),
            "--auto-approve",
            "--journal",
            journal.to_str().unwrap(),
            "--notify",
            &teams,
            "--notify",
            &webhook,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("Refusing to apply"), "{}", text(&out));
    check_teams(&serde_json::from_str(&h.receiver.received(&teams_path)[0].body).unwrap());
    let got = h.receiver.received(&webhook_path);
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["command"], "apply");
    assert_eq!(body["outcome"], "failure");
    assert_eq!(body["project"], "northwind-traders", "{body}");
    let addresses: Vec<&str> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["address"].as_str().unwrap())
        .collect();
    assert!(
        addresses.contains(&"DlpPolicy.default-environment"),
        "{addresses:?}"
    );
}

#[test]
fn an_apply_with_a_failed_step_notifies_the_step_and_the_counts() {
    let h = start();
    let (slack, slack_path) = h.target("slack", "apply-failed");
    let (webhook, webhook_path) = h.target("webhook", "apply-failed");
    // Every tenant-settings write fails (after the client's retries); the rest applies.
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    let emu =
        h.rt.block_on(Emulator::start(Config {
            tenant: Tenant::from_json(&snapshot).unwrap(),
            faults: Faults {
                error_rate: 1.0,
                error_status: 503,
                routes: vec!["updateTenantSettings".to_owned()],
                ..Default::default()
            },
            ..Default::default()
        }))
        .unwrap();
    let journal = fresh_dir("notify", "apply-failed").join("journal.jsonl");
    let mut args = vec!["apply", "policies"];
    args.extend(ALLOW);
    let journal = journal.to_str().unwrap().to_owned();
    args.extend([
        "--journal",
        &journal,
        "--notify",
        &slack,
        "--notify",
        &webhook,
    ]);
    let base = emu.base_url();
    let mut cmd = ppgov_command(
        &args,
        &[
            ("PPGOV_BASE_URL", base.as_str()),
            ("PPGOV_TOKEN", emu.token().unwrap()),
        ],
    );
    let out = cmd.env_remove("PPGOV_NOTIFY_DEADLINE").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("FAILED"), "{}", text(&out));
    check_slack(&serde_json::from_str(&h.receiver.received(&slack_path)[0].body).unwrap());
    let got = h.receiver.received(&webhook_path);
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["command"], "apply");
    assert_eq!(body["outcome"], "failure", "{body}");
    assert_eq!(body["counts"]["failed"], 1, "{body}");
    let applied = body["counts"]["applied"].as_u64().unwrap();
    assert!(applied > 0, "{body}");
    let entries = body["entries"].as_array().unwrap();
    let failed = entries
        .iter()
        .find(|e| e["detail"].as_str().unwrap().starts_with("FAILED"))
        .unwrap_or_else(|| panic!("no failed step in {body}"));
    assert!(
        failed["address"]
            .as_str()
            .unwrap()
            .starts_with("TenantSettings"),
        "{failed}"
    );
    h.rt.block_on(emu.shutdown());
}

#[test]
fn a_converged_apply_and_a_plan_without_changes_send_nothing() {
    let h = start();
    let (webhook, path) = h.target("webhook", "quiet");
    let dir = fresh_dir("notify", "quiet");
    let snapshot = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snapshot).unwrap();
    let snapshot = snapshot.to_str().unwrap().to_owned();
    let journal = dir.join("journal.jsonl").to_str().unwrap().to_owned();
    let mut args = vec!["apply", "policies", "--snapshot", &snapshot];
    args.extend(ALLOW);
    args.extend(["--journal", &journal, "--notify", &webhook]);
    let out = run(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run(
        &[
            "plan",
            "policies",
            "--snapshot",
            &snapshot,
            "--detailed-exitcode",
            "--notify",
            &webhook,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("Notified"), "{}", text(&out));
    assert_eq!(h.receiver.received(&path).len(), 0, "nothing to report");
}

#[test]
fn a_503_and_a_429_with_retry_after_are_retried_and_the_message_arrives_once_intact() {
    let h = start();
    let (flaky, flaky_path) = h.target("slack", "flaky");
    let (throttled, throttled_path) = h.target("teams", "throttled");
    h.receiver.script(&flaky_path, &[(503, None)]);
    h.receiver.script(&throttled_path, &[(429, Some("1"))]);
    let out = run(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--notify",
            &flaky,
            "--notify",
            &throttled,
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for (path, prefix) in [(&flaky_path, "slack"), (&throttled_path, "teams")] {
        let got = h.receiver.received(path);
        assert_eq!(got.len(), 2, "{path}: a failure, then the message");
        assert_eq!(got[0].body, got[1].body, "the same message is sent again");
        let shown = format!("Notified {prefix}+{}/*** (changes; 2 attempts)", h.base);
        assert!(stderr.contains(&shown), "{shown} in:\n{stderr}");
    }
    let got = h.receiver.received(&throttled_path);
    assert!(
        got[1].at.duration_since(got[0].at).as_secs_f64() >= 0.9,
        "the retry waited for Retry-After: 1"
    );
}

#[test]
fn a_rejected_message_is_not_retried_and_the_exit_status_says_so() {
    let h = start();
    let (webhook, path) = h.target("webhook", "rejected");
    h.receiver.script(&path, &[(400, None)]);
    let out = run(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--detailed-exitcode",
            "--notify",
            &webhook,
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(h.receiver.received(&path).len(), 1, "a 400 is not retried");
    let shown = format!(
        "error: the notification to webhook+{}/*** was not delivered: HTTP 400 Bad Request: rejected: bad payload at ***",
        h.base
    );
    assert!(stderr.contains(&shown), "{shown} in:\n{stderr}");
    assert!(
        stderr.contains("without that its exit status would be 2"),
        "{stderr}"
    );
    assert_no_secret("stderr", &stderr);
}

#[test]
fn a_receiver_that_always_fails_is_given_up_on_within_the_bounds() {
    let h = start();
    let (down, down_path) = h.target("slack", "down");
    let (throttling, throttling_path) = h.target("webhook", "throttling");
    // A Retry-After past the deadline ends the attempts at once.
    h.receiver
        .script(&throttling_path, &[(429, Some("30")), (429, Some("30"))]);
    // Nothing listens on the port of a listener that was bound and dropped.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!(
        "teams+http://{}/closed/{HOOK_KEY}",
        closed.local_addr().unwrap()
    );
    drop(closed);
    let out = run(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--notify",
            &down,
            "--notify",
            &throttling,
            "--notify",
            &closed_url,
        ],
        &[("PPGOV_NOTIFY_DEADLINE", "5")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        h.receiver.received(&down_path).len(),
        4,
        "bounded attempts on a 503 that never ends"
    );
    assert!(
        stderr.contains("HTTP 503 Service Unavailable: down (gave up after 4 attempts)"),
        "{stderr}"
    );
    assert_eq!(h.receiver.received(&throttling_path).len(), 1);
    assert!(
        stderr.contains("HTTP 429 Too Many Requests: busy (gave up after 1 attempt: the next would start past the 5s bound, PPGOV_NOTIFY_DEADLINE)"),
        "{stderr}"
    );
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(
        stderr.contains("3 of 3 notifications failed; without that its exit status would be 0"),
        "{stderr}"
    );
    assert_no_secret("stderr", &stderr);
}

#[test]
fn a_bad_target_is_refused_before_anything_runs_without_echoing_the_url() {
    let dir = fresh_dir("notify", "bad-target");
    let journal = dir.join("journal.jsonl");
    for (target, says) in [
        (
            format!("https://hooks.example.com/{HOOK_KEY}"),
            "cannot tell the channel from the host `hooks.example.com`; prefix the URL with teams+, slack+ or webhook+",
        ),
        (
            format!("slack+http://hooks.example.com/{HOOK_KEY}"),
            "only https is allowed",
        ),
        (
            format!("pager+https://hooks.example.com/{HOOK_KEY}"),
            "unknown channel `pager`",
        ),
    ] {
        let out = run(
            &[
                "apply",
                "policies",
                "--snapshot",
                SNAPSHOT,
                "--auto-approve",
                "--journal",
                journal.to_str().unwrap(),
                "--notify",
                &target,
            ],
            &[],
        );
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(all.contains(says), "{says} in:\n{all}");
        assert_no_secret("the output", &all);
        assert!(!journal.exists(), "nothing ran");
    }
}
