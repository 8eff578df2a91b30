//! What a DLP change breaks, through the binary against the emulator serving the bundled
//! tenant (which carries apps and flows): the plan reads the inventory of exactly the
//! environments whose effective policies change, names the apps and flows that comply today
//! and would not after, and `apply` refuses such a change without `--allow-breaking`.

mod common;

use common::{ALLOW, copy_dir, fresh_dir, ppgov_command, root, text};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

const DEFAULT_ENVIRONMENT: &str = "5a1e0001-0000-4000-8000-000000000001";

/// Every consent but `--allow-breaking`.
fn allow_all_but_breaking() -> Vec<&'static str> {
    ALLOW
        .into_iter()
        .filter(|flag| *flag != "--allow-breaking")
        .collect()
}

fn ppgov(args: &[&str], envs: &[(&str, &str)]) -> Output {
    ppgov_command(args, envs).output().expect("ppgov runs")
}

/// The environments whose inventory routes (apps, custom connectors, connections, flows)
/// were requested since the log was cleared, lower-cased.
fn inventory_reads(emu: &ppgov_emulator::RunningEmulator) -> BTreeSet<String> {
    let log = emu.requests();
    assert_eq!(
        log.recent.len() as u64,
        log.total,
        "every request since the log was cleared is kept"
    );
    log.recent
        .iter()
        .filter(|r| {
            r.route.contains("/scopes/admin/environments/{env}/apps")
                || r.route.contains("/scopes/admin/environments/{env}/apis")
                || r.route
                    .contains("/scopes/admin/environments/{env}/connections")
                || r.route
                    .contains("/scopes/admin/environments/{env}/v2/flows")
                || r.route.contains("/scopes/admin/environments/{env}/flows/")
        })
        .map(|r| {
            let uri = r.uri.to_lowercase();
            let after = uri.split("/environments/").nth(1).unwrap();
            after.split(['/', '?']).next().unwrap().to_owned()
        })
        .collect()
}

/// Display names of what the plan's changes break, over every change.
fn broken(plan: &serde_json::Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for change in plan["changes"].as_array().unwrap() {
        for item in change["impact"]["breaks"].as_array().into_iter().flatten() {
            names.insert(item["displayName"].as_str().unwrap().to_owned());
        }
    }
    names
}

fn plan_json(repo: &Path, envs: &[(&str, &str)], extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["plan", repo.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let out = ppgov(&args, envs);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("a JSON plan")
}

#[test]
fn a_tightened_default_environment_policy_names_what_it_breaks_and_needs_allow_breaking() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = common::sample_emulator(&rt);
    let dir = fresh_dir("dlp-impact", "tighten");
    let repo = dir.join("policies");
    copy_dir(&root().join("policies"), &repo);
    let base = emu.base_url();
    let token = emu.token().unwrap().to_owned();
    let envs = [
        ("PPGOV_BASE_URL", base.as_str()),
        ("PPGOV_TOKEN", token.as_str()),
    ];
    let journal = dir.join("journal.jsonl");
    let journal = journal.to_str().unwrap();

    // The first adoption already breaks apps and flows the bundled tenant runs.
    let first = plan_json(&repo, &envs, &[]);
    assert_eq!(
        broken(&first),
        [
            "Nightly ledger export",
            "Post FX rates to Slack",
            "Quote Builder",
            "Save attachments to Dropbox",
            "Sync leads from Salesforce",
            "Team Lunch Poll",
        ]
        .map(String::from)
        .into(),
        "{first:#}"
    );
    let mut adopt = vec!["apply", repo.to_str().unwrap(), "--journal", journal];
    adopt.extend_from_slice(&allow_all_but_breaking());
    let refused = ppgov(&adopt, &envs);
    let t = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{t}");
    assert!(t.contains("--allow-breaking"), "{t}");
    adopt.push("--allow-breaking");
    let adopted = ppgov(&adopt, &envs);
    assert_eq!(adopted.status.code(), Some(0), "{}", text(&adopted));

    // Tighten the default environment's policy: SharePoint is no longer business, so it
    // falls to the policy's default group (blocked).
    let file = repo.join("dlp/default-environment.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, yaml.replace("      - sharepointonline\n", "")).unwrap();

    emu.clear_requests();
    let plan = plan_json(&repo, &envs, &[]);
    assert_eq!(
        inventory_reads(&emu),
        BTreeSet::from([DEFAULT_ENVIRONMENT.to_owned()]),
        "only the environment the changed policy covers is read"
    );
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan:#}");
    // Expense Receipts (Office 365 + SharePoint) complied; Team Lunch Poll (Dropbox +
    // SharePoint) already violated, so the change does not break it.
    assert_eq!(
        broken(&plan),
        BTreeSet::from(["Expense Receipts".to_owned()])
    );
    let human = ppgov(&["plan", repo.to_str().unwrap()], &envs);
    let human = text(&human);
    assert!(
        human.contains("breaks app \"Expense Receipts\" in \"Northwind Traders (default)\""),
        "{human}"
    );
    assert!(
        human
            .contains("Plan: 0 to add, 1 to change, 0 to destroy — breaks 1 app in 1 environment."),
        "{human}"
    );

    // `--inventory none` reads nothing and cannot say; `all` reads every environment.
    emu.clear_requests();
    let unknown = plan_json(&repo, &envs, &["--inventory", "none"]);
    assert!(inventory_reads(&emu).is_empty());
    assert!(broken(&unknown).is_empty(), "{unknown:#}");
    emu.clear_requests();
    plan_json(&repo, &envs, &["--inventory", "all"]);
    assert_eq!(
        inventory_reads(&emu).len(),
        emu.state().environments.len(),
        "every environment"
    );

    // Apply recomputes the risk from the inventory it reads: refused, nothing written.
    let mut apply = vec!["apply", repo.to_str().unwrap(), "--journal", journal];
    apply.extend_from_slice(&allow_all_but_breaking());
    let before = emu.state().to_json();
    let refused = ppgov(&apply, &envs);
    let t = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{t}");
    assert!(t.contains("--allow-breaking"), "{t}");
    assert!(t.contains("default-environment"), "names the document: {t}");
    assert_eq!(emu.state().to_json(), before, "nothing was written");

    apply.push("--allow-breaking");
    let applied = ppgov(&apply, &envs);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    let again = ppgov(
        &["plan", repo.to_str().unwrap(), "--detailed-exitcode"],
        &envs,
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));

    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}
