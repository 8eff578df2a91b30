//! `ppgov apply` through the real binary: against a snapshot file (written back after every
//! change) and against an emulator reached over HTTP.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{ALLOW, SNAPSHOT, copy_dir, fresh_dir, ppgov_command as command, root, text};

fn ppgov(args: &[&str], envs: &[(&str, &str)]) -> Output {
    command(args, envs).output().expect("ppgov runs")
}

/// The tenant a snapshot file holds, normalised (the emulator rewrites the file it serves).
fn tenant_of(path: &str) -> String {
    ppgov_emulator::Tenant::from_json(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .to_json()
}

/// A scratch directory with a copy of the sample snapshot.
fn scratch(name: &str) -> (PathBuf, String) {
    let dir = fresh_dir("apply", name);
    let snap = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snap).unwrap();
    let s = snap.to_str().unwrap().to_owned();
    (dir, s)
}

fn apply_args<'a>(snap: &'a str, journal: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["apply", "--snapshot", snap, "--journal", journal];
    v.extend(ALLOW);
    v.extend(extra);
    v
}

#[test]
fn applies_the_sample_repository_to_a_snapshot_and_converges() {
    let (dir, snap) = scratch("happy");
    let journal = dir.join("journal.jsonl");
    let j = journal.to_str().unwrap();
    let out = ppgov(&apply_args(&snap, j, &[]), &[("PPGOV_ACTOR", "alice")]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("45 applied, 0 failed, 0 skipped"), "{t}");
    assert!(
        t.contains("[1/45] "),
        "plain progress lines off a terminal: {t}"
    );
    assert!(t.contains("Converged"), "{t}");
    assert!(
        !Path::new(&format!("{snap}.lock")).exists(),
        "lock released"
    );

    // Every kind was created, updated or deleted: the plan had all of them.
    let plan = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--format",
            "json",
        ],
        &[],
    );
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for c in plan["changes"].as_array().unwrap() {
        seen.insert((
            c["kind"].as_str().unwrap().to_owned(),
            c["action"].as_str().unwrap().to_owned(),
        ));
    }
    for (k, a) in [
        ("Environment", "update"),
        ("EnvironmentGroup", "create"),
        ("EnvironmentGroup", "update"),
        ("EnvironmentGroup", "delete"),
        ("GroupMembership", "create"),
        ("DlpPolicy", "create"),
        ("DlpPolicy", "update"),
        ("DlpPolicy", "delete"),
        ("RoleAssignment", "create"),
        ("TenantSettings", "update"),
    ] {
        assert!(
            seen.contains(&(k.to_owned(), a.to_owned())),
            "{k} {a} covered"
        );
    }

    // The snapshot file holds the result: a fresh plan is empty.
    let again = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            &snap,
            "--detailed-exitcode",
        ],
        &[],
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));

    // Applying again changes nothing.
    let noop = ppgov(&apply_args(&snap, j, &[]), &[]);
    assert_eq!(noop.status.code(), Some(0));
    assert!(text(&noop).contains("No changes"), "{}", text(&noop));

    // Journal: start, one line per step, end; who and the plan hash.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 92, "start + 45 intents and 45 outcomes + end");
    assert_eq!(lines[0]["event"], "start");
    assert_eq!(lines[0]["who"], "alice");
    assert_eq!(lines[0]["steps"], 45);
    assert!(lines[0]["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(lines[0]["whoFrom"], "env:PPGOV_ACTOR");
    assert_eq!(lines[91]["event"], "end");
    assert_eq!(lines[91]["converged"], true);
    assert_eq!(lines[0]["plan"], lines[91]["plan"]);
    // Each step's intent (object, before, after, fingerprint) precedes its outcome.
    for step in lines.iter().filter(|l| l["event"] == "step") {
        let address = &step["address"];
        let intent = lines
            .iter()
            .position(|l| l["event"] == "intent" && &l["address"] == address)
            .unwrap_or_else(|| panic!("no intent for {address}"));
        let outcome = lines.iter().position(|l| l == step).unwrap();
        assert!(intent < outcome, "{address}: intent after its outcome");
        let i = &lines[intent];
        assert!(i["after"].is_object(), "{i}");
        let creates_named_object = i["action"] == "create"
            && ["EnvironmentGroup", "DlpPolicy", "RoleAssignment"]
                .contains(&i["kind"].as_str().unwrap());
        assert_eq!(
            step["created"].is_string(),
            creates_named_object,
            "the outcome of a create names what it made: {step}"
        );
        if i["action"] != "create" {
            assert!(i["object"].is_string() && i["before"].is_object(), "{i}");
            assert_eq!(i["fingerprint"], i["plannedFingerprint"], "{i}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn risky_steps_are_refused_before_anything_is_written() {
    let (dir, snap) = scratch("risky");
    let before = tenant_of(&snap);
    let j = dir.join("j.jsonl");
    let out = ppgov(
        &[
            "apply",
            "--snapshot",
            &snap,
            "--auto-approve",
            "--journal",
            j.to_str().unwrap(),
        ],
        &[],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("Refusing to apply"), "{t}");
    assert!(
        t.contains("DlpPolicy.default-environment") && t.contains("--allow-loosening"),
        "{t}"
    );
    assert!(
        t.contains("EnvironmentGroup[5a1e0388") && t.contains("--allow-destroy"),
        "{t}"
    );
    assert!(
        t.contains(
            "Environment.hr-prod \"People Prod\": turns Managed Environments on: a licensing change"
        ) && t.contains("--allow-managed-environments"),
        "{t}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");
    assert!(!j.exists(), "nothing journaled");

    // --allow-destroy alone still refuses the loosening only.
    let out = ppgov(
        &[
            "apply",
            "--snapshot",
            &snap,
            "--auto-approve",
            "--allow-destroy",
            "--allow-managed-environments",
            "--allow-breaking",
            "--journal",
            j.to_str().unwrap(),
        ],
        &[],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        t.contains("DlpPolicy.default-environment") && !t.contains("EnvironmentGroup[5a1e0388"),
        "{t}"
    );

    // The annotation on the declared policy allows its loosening.
    let repo = dir.join("policies");
    copy_dir(&root().join("policies"), &repo);
    annotate(&repo, "default-environment", "ppgov.dev/allow-loosening");
    let out = ppgov(
        &[
            "apply",
            "--policies",
            repo.to_str().unwrap(),
            "--snapshot",
            &snap,
            "--auto-approve",
            "--allow-destroy",
            "--allow-managed-environments",
            "--allow-breaking",
            "--journal",
            j.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(dir);
}

/// Moving an environment between groups deletes its membership of the old group: the refusal
/// names the document whose annotation would allow it, and where it is.
#[test]
fn a_refused_move_between_groups_names_the_group_document_to_annotate() {
    let (dir, snap) = scratch("move");
    let repo = dir.join("policies");
    copy_dir(&root().join("policies"), &repo);
    let env_file = repo.join("environments/finance.yaml");
    let text_before = std::fs::read_to_string(&env_file).unwrap();
    let last = text_before.rfind("group: finance").unwrap();
    let mut moved = text_before.clone();
    moved.replace_range(last..last + "group: finance".len(), "group: hr");
    std::fs::write(&env_file, moved).unwrap();
    let j = dir.join("j.jsonl");
    let args = [
        "apply",
        "--policies",
        repo.to_str().unwrap(),
        "--snapshot",
        &snap,
        "--auto-approve",
        "--allow-loosening",
        "--allow-managed-environments",
        "--allow-breaking",
        "--journal",
        j.to_str().unwrap(),
    ];
    let before = tenant_of(&snap);
    let out = ppgov(&args, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let line = t
        .lines()
        .find(|l| l.contains("GroupMembership.finance["))
        .unwrap_or_else(|| panic!("the membership removal is refused: {t}"));
    assert!(
        line.contains("--allow-destroy")
            && line.contains("`ppgov.dev/allow-destroy: \"true\"` in `metadata.annotations` of EnvironmentGroup `finance` (")
            && line.contains("environment-groups/finance.yaml:"),
        "{line}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");

    // The annotation where the refusal said allows it.
    annotate(&repo, "finance", "ppgov.dev/allow-destroy");
    let mut args = args.to_vec();
    args.push("--allow-destroy");
    let out = ppgov(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(dir);
}

/// `ppgov apply DIR` takes the policy directory as `ppgov plan DIR` does; a plan file where a
/// directory is not expected, and a directory where a plan file is, are said to be so.
#[test]
fn apply_takes_the_policy_directory_like_plan() {
    let (dir, snap) = scratch("dirarg");
    let before = tenant_of(&snap);
    // Planned from the directory, then stopped for confirmation (no terminal).
    let out = ppgov(
        &[
            "apply",
            "policies",
            "--snapshot",
            &snap,
            "--allow-destroy",
            "--allow-loosening",
            "--allow-managed-environments",
            "--allow-breaking",
        ],
        &[],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("Plan: 34 to add") && t.contains("--auto-approve"),
        "{t}"
    );
    assert!(!t.contains("cannot read"), "{t}");
    assert_eq!(tenant_of(&snap), before);

    let missing = dir.join("missing.json");
    let out = ppgov(
        &["apply", missing.to_str().unwrap(), "--snapshot", &snap],
        &[],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("does not exist") && t.contains("ppgov plan --out FILE"),
        "{t}"
    );

    let out = ppgov(&["show", "policies"], &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("`policies` is a directory, not a plan file")
            && t.contains("ppgov apply policies"),
        "{t}"
    );

    let out = ppgov(
        &[
            "apply",
            "policies",
            "--policies",
            "examples",
            "--snapshot",
            &snap,
        ],
        &[],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("two policy directories"), "{t}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Adds `annotation: "true"` to the metadata of the document named `name`.
fn annotate(repo: &Path, name: &str, annotation: &str) {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(repo, &mut files);
    for f in files {
        let t = std::fs::read_to_string(&f).unwrap();
        let needle = format!("  name: {name}\n");
        if let Some(i) = t.find(&needle) {
            let mut t = t.clone();
            t.insert_str(
                i + needle.len(),
                &format!("  annotations:\n    {annotation}: \"true\"\n"),
            );
            std::fs::write(&f, t).unwrap();
            return;
        }
    }
    panic!("no document named {name}");
}

#[test]
fn a_saved_plan_is_refused_when_the_tenant_changed_since() {
    let (dir, snap) = scratch("stale");
    let plan_file = dir.join("plan.json");
    let p = plan_file.to_str().unwrap();
    let out = ppgov(&["plan", "policies", "--snapshot", &snap, "--out", p], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Someone renames the default-environment DLP policy in the tenant.
    let mut tenant: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    let (id, doc) = tenant["dlpPolicies"]
        .as_object_mut()
        .unwrap()
        .iter_mut()
        .find(|(_, d)| {
            d["policyDefinition"]["displayName"]
                .as_str()
                .unwrap()
                .starts_with("Default environment")
        })
        .unwrap();
    let id = id.clone();
    doc["policyDefinition"]["displayName"] = "Changed by someone".into();
    std::fs::write(&snap, serde_json::to_string_pretty(&tenant).unwrap()).unwrap();
    let before = tenant_of(&snap);
    let j = dir.join("j.jsonl");
    let mut args = vec![
        "apply",
        p,
        "--snapshot",
        &snap,
        "--journal",
        j.to_str().unwrap(),
    ];
    args.extend(ALLOW);
    let out = ppgov(&args, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("changed since the plan was made"), "{t}");
    // Named as a reviewer knows it, with the attribute that changed.
    assert!(
        t.contains("DlpPolicy.default-environment \"Default environment")
            && t.contains(&format!(
                "(DlpPolicy:{id}) (changed): now differs from the planned result in displayName"
            )),
        "{t}"
    );
    assert_eq!(
        t.matches("(changed)").count() + t.matches("(deleted)").count(),
        1,
        "exactly the changed object: {t}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");

    // A fresh saved plan applies and converges.
    let out = ppgov(&["plan", "policies", "--snapshot", &snap, "--out", p], &[]);
    assert_eq!(out.status.code(), Some(0));
    let out = ppgov(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn without_a_terminal_apply_needs_auto_approve() {
    let (dir, snap) = scratch("confirm");
    let before = tenant_of(&snap);
    let out = ppgov(
        &[
            "apply",
            "--snapshot",
            &snap,
            "--allow-destroy",
            "--allow-loosening",
            "--allow-managed-environments",
            "--allow-breaking",
        ],
        &[],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("--auto-approve") && t.contains("not a terminal"),
        "{t}"
    );
    assert_eq!(tenant_of(&snap), before);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_second_apply_on_a_locked_snapshot_is_refused_and_stale_locks_are_taken_over() {
    let (dir, snap) = scratch("lock");
    let lock = format!("{snap}.lock");
    // A live process holds it (this test).
    std::fs::write(
        &lock,
        format!("{} 2026-01-01T00:00:00.000Z\n", std::process::id()),
    )
    .unwrap();
    let j = dir.join("j.jsonl");
    let out = ppgov(&apply_args(&snap, j.to_str().unwrap(), &[]), &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("locked by another ppgov apply") && t.contains(&std::process::id().to_string()),
        "{t}"
    );
    // A dead process's lock is stale.
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    std::fs::write(&lock, format!("{dead} 2026-01-01T00:00:00.000Z\n")).unwrap();
    let out = ppgov(&apply_args(&snap, j.to_str().unwrap(), &[]), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!Path::new(&lock).exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn applies_to_a_live_tenant_over_http_and_converges() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = common::sample_emulator(&rt);
    let (dir, _) = scratch("live");
    let base = emu.base_url();
    let token = emu.token().unwrap().to_owned();
    let envs = [
        ("PPGOV_BASE_URL", base.as_str()),
        ("PPGOV_TOKEN", token.as_str()),
    ];
    let j = dir.join("j.jsonl");
    let mut args = vec![
        "apply",
        "--journal",
        j.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend(ALLOW);
    let out = ppgov(&args, &envs);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["converged"], true);
    assert_eq!(report["steps"].as_array().unwrap().len(), 45);
    let plan = ppgov(&["plan", "policies", "--detailed-exitcode"], &envs);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

/// Plans the sample repository against `snap` into `plan.json` in `dir`; the plan as JSON.
fn saved_plan(dir: &Path, snap: &str) -> (String, serde_json::Value) {
    let file = dir.join("plan.json");
    let p = file.to_str().unwrap().to_owned();
    let out = ppgov(&["plan", "policies", "--snapshot", snap, "--out", &p], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    (p, plan)
}

fn change_mut<'a>(plan: &'a mut serde_json::Value, address: &str) -> &'a mut serde_json::Value {
    plan["changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("{address} is planned"))
}

/// Applies the saved plan `p` with every gate open but loosening; refusals write nothing.
fn apply_saved(p: &str, snap: &str, dir: &Path, policies: &str) -> Output {
    let j = dir.join("j.jsonl");
    ppgov(
        &[
            "apply",
            p,
            "--policies",
            policies,
            "--snapshot",
            snap,
            "--journal",
            j.to_str().unwrap(),
            "--auto-approve",
            "--allow-destroy",
            "--allow-managed-environments",
            "--allow-breaking",
        ],
        &[],
    )
}

#[test]
fn a_saved_plan_modified_after_it_was_made_is_refused() {
    let (dir, snap) = scratch("tampered");
    let before = tenant_of(&snap);
    let (p, plan) = saved_plan(&dir, &snap);
    let loosening = "DlpPolicy.default-environment";

    // The risk removed: the body no longer matches.
    let mut edited = plan.clone();
    change_mut(&mut edited, loosening)["risk"] = serde_json::Value::Null;
    std::fs::write(&p, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let out = apply_saved(&p, &snap, &dir, "policies");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("was modified after it was made") && t.contains("body hash"),
        "{t}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");

    // A hand-edited after-value, likewise.
    let mut edited = plan.clone();
    change_mut(&mut edited, loosening)["after"]["displayName"] = "Edited by hand".into();
    std::fs::write(&p, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let out = apply_saved(&p, &snap, &dir, "policies");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("was modified after it was made"), "{t}");
    assert_eq!(tenant_of(&snap), before, "nothing written");

    // Sealed again by someone who knows how: the risk is computed again from the before- and
    // after-values, so the loosening is still refused.
    let mut forged: ppgov_planner::Plan = serde_json::from_value(plan.clone()).unwrap();
    let seal = forged.seal.clone().expect("a saved plan is sealed");
    for c in &mut forged.changes {
        c.risk = None;
    }
    forged.seal(seal.project, seal.policies);
    std::fs::write(&p, serde_json::to_string_pretty(&forged).unwrap()).unwrap();
    let out = apply_saved(&p, &snap, &dir, "policies");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("Refusing to apply")
            && t.contains(&format!("{loosening} \""))
            && t.contains("--allow-loosening"),
        "{t}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");

    // A plan of the previous format version is refused with the reason.
    let mut old = plan.clone();
    old["formatVersion"] = 1.into();
    std::fs::write(&p, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    let out = apply_saved(&p, &snap, &dir, "policies");
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("plan format version 1, but this ppgov reads version 2"),
        "{t}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_saved_plan_is_refused_with_other_policies() {
    let (dir, snap) = scratch("other-policies");
    let before = tenant_of(&snap);
    let (p, _) = saved_plan(&dir, &snap);

    // The same repository, one file edited since.
    let repo = dir.join("policies");
    copy_dir(&root().join("policies"), &repo);
    let file = repo.join("tenant-settings.yaml");
    let edited = std::fs::read_to_string(&file).unwrap() + "# edited after planning\n";
    std::fs::write(&file, edited).unwrap();
    let out = apply_saved(&p, &snap, &dir, repo.to_str().unwrap());
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("the policies changed since the plan") && t.contains("policies hash"),
        "{t}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");

    // Another repository.
    let project = repo.join("ppgov.yaml");
    let other = std::fs::read_to_string(&project)
        .unwrap()
        .replace("name: northwind-traders", "name: contoso");
    std::fs::write(&project, other).unwrap();
    let out = apply_saved(&p, &snap, &dir, repo.to_str().unwrap());
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("was made from another repository")
            && t.contains("project `northwind-traders`")
            && t.contains("is project `contoso`"),
        "{t}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");

    // The repository it was made from: applied.
    let mut args = vec!["apply", p.as_str(), "--snapshot", &snap];
    let j = dir.join("j.jsonl");
    args.extend(["--journal", j.to_str().unwrap()]);
    args.extend(ALLOW);
    let out = ppgov(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn turning_managed_environments_on_needs_its_own_consent() {
    let (dir, snap) = scratch("managed");
    let before = tenant_of(&snap);
    let j = dir.join("j.jsonl");
    let repo = dir.join("policies");
    copy_dir(&root().join("policies"), &repo);
    let args = [
        "apply",
        "--policies",
        repo.to_str().unwrap(),
        "--snapshot",
        &snap,
        "--journal",
        j.to_str().unwrap(),
        "--auto-approve",
        "--allow-destroy",
        "--allow-loosening",
        "--allow-breaking",
    ];
    let out = ppgov(&args, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    for env in ["dev-sales-quotes", "hr-prod", "hr-test", "scm-test"] {
        assert!(
            t.lines()
                .any(|l| l.contains(&format!("Environment.{env} \""))
                    && l.contains("turns Managed Environments on: a licensing change")),
            "{env}: {t}"
        );
    }
    assert!(
        t.contains("--allow-managed-environments")
            && t.contains("ppgov.dev/allow-managed-environments"),
        "{t}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");

    // The annotation on the groups whose members and selectors bring environments in, and on
    // a declared environment, allows exactly those.
    annotate(&repo, "hr", "ppgov.dev/allow-managed-environments");
    annotate(
        &repo,
        "developer-sandboxes",
        "ppgov.dev/allow-managed-environments",
    );
    let out = ppgov(&args, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("Environment.scm-test"), "{t}");
    assert_eq!(t.matches("turns Managed Environments on").count(), 1, "{t}");
    annotate(&repo, "scm-test", "ppgov.dev/allow-managed-environments");
    let out = ppgov(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(dir);
}

const DECLARED_TENANT: &str = "3f6a9c2e-7b41-4d8a-9e15-c2b07d4f8a61";
const OTHER_TENANT: &str = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";

/// Makes the snapshot at `snap` the tenant `id`.
fn set_tenant_id(snap: &str, id: &str) {
    let mut tenant: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(snap).unwrap()).unwrap();
    tenant["tenantId"] = id.into();
    std::fs::write(snap, serde_json::to_string_pretty(&tenant).unwrap()).unwrap();
}

#[test]
fn a_tenant_other_than_the_declared_one_is_refused() {
    let (dir, snap) = scratch("wrong-tenant");
    set_tenant_id(&snap, OTHER_TENANT);
    let before = tenant_of(&snap);
    let names_both = |t: &str, source: &str| {
        assert!(
            t.contains("wrong tenant")
                && t.contains(&format!("`spec.tenant.id`) names tenant {DECLARED_TENANT}"))
                && t.contains(&format!("{source} is tenant {OTHER_TENANT}")),
            "{t}"
        );
    };

    let out = ppgov(&["plan", "policies", "--snapshot", &snap], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    names_both(&text(&out), &format!("the snapshot `{snap}`"));

    let j = dir.join("j.jsonl");
    let out = ppgov(&apply_args(&snap, j.to_str().unwrap(), &[]), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    names_both(&text(&out), &format!("the snapshot `{snap}`"));
    assert_eq!(tenant_of(&snap), before, "nothing written");
    assert!(!j.exists(), "nothing journaled");

    // A live tenant, over HTTP: its id comes from the service.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(ppgov_emulator::Emulator::start(ppgov_emulator::Config {
            tenant: ppgov_emulator::Tenant::from_json(&std::fs::read_to_string(&snap).unwrap())
                .unwrap(),
            ..Default::default()
        }))
        .unwrap();
    let base = emu.base_url();
    let token = emu.token().unwrap().to_owned();
    let envs = [
        ("PPGOV_BASE_URL", base.as_str()),
        ("PPGOV_TOKEN", token.as_str()),
    ];
    let out = ppgov(&["plan", "policies"], &envs);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    names_both(
        &text(&out),
        &format!("the tenant the credentials reach at {base}"),
    );
    let mut args = vec!["apply", "--journal", j.to_str().unwrap()];
    args.extend(ALLOW);
    let out = ppgov(&args, &envs);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    names_both(
        &text(&out),
        &format!("the tenant the credentials reach at {base}"),
    );
    assert!(!j.exists(), "nothing journaled");
    rt.block_on(emu.shutdown());

    // A repository that names no tenant applies, and the journal records the tenant observed.
    let repo = dir.join("policies");
    copy_dir(&root().join("policies"), &repo);
    let project = repo.join("ppgov.yaml");
    let unnamed = std::fs::read_to_string(&project)
        .unwrap()
        .replace(&format!("    id: {DECLARED_TENANT}\n"), "");
    std::fs::write(&project, unnamed).unwrap();
    let mut args = vec!["apply", "--policies", repo.to_str().unwrap()];
    args.extend(
        apply_args(&snap, j.to_str().unwrap(), &[])
            .into_iter()
            .skip(1),
    );
    let out = ppgov(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let start: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&j).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(start["event"], "start");
    assert_eq!(start["tenant"], OTHER_TENANT);
    let _ = std::fs::remove_dir_all(dir);
}

/// Edits the snapshot file at `snap` as JSON.
fn edit_snapshot(snap: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut tenant: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(snap).unwrap()).unwrap();
    edit(&mut tenant);
    std::fs::write(snap, serde_json::to_string_pretty(&tenant).unwrap()).unwrap();
}

#[test]
fn the_stale_check_covers_exactly_what_the_plan_relies_on() {
    // A tenant setting the repository does not manage changes: the plan still holds.
    let (dir, snap) = scratch("stale-precise");
    let (p, _) = saved_plan(&dir, &snap);
    edit_snapshot(&snap, |t| {
        t["tenantSettings"]["disableNewsletterSendout"] = true.into();
    });
    let j = dir.join("j.jsonl");
    let mut args = vec![
        "apply",
        p.as_str(),
        "--snapshot",
        &snap,
        "--journal",
        j.to_str().unwrap(),
    ];
    args.extend(ALLOW);
    let out = ppgov(&args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(dir);

    // A managed setting changes, and a data policy nobody declared appears while data
    // policies are owned exclusively: both named, nothing applied.
    let (dir, snap) = scratch("stale-exclusive");
    let (p, _) = saved_plan(&dir, &snap);
    let added = "5a1e03ff-0000-4000-8000-0000000003ff";
    edit_snapshot(&snap, |t| {
        t["tenantSettings"]["disableEnvironmentCreationByNonAdminUsers"] = true.into();
        let policies = t["dlpPolicies"].as_object_mut().unwrap();
        let mut copy = policies.values().next().unwrap().clone();
        copy["policyDefinition"]["name"] = added.into();
        copy["policyDefinition"]["displayName"] = "Added by hand".into();
        policies.insert(added.to_owned(), copy);
    });
    let before = tenant_of(&snap);
    let j = dir.join("j.jsonl");
    let mut args = vec![
        "apply",
        p.as_str(),
        "--snapshot",
        &snap,
        "--journal",
        j.to_str().unwrap(),
    ];
    args.extend(ALLOW);
    let out = ppgov(&args, &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("changed since the plan was made"), "{t}");
    assert!(
        t.contains("TenantSettings:disableEnvironmentCreationByNonAdminUsers (changed)"),
        "{t}"
    );
    assert!(
        t.contains(&format!("DlpPolicy:{added})")) && t.contains("\"Added by hand\""),
        "{t}"
    );
    assert_eq!(
        t.lines().filter(|l| l.starts_with("  - ")).count(),
        2,
        "exactly those two: {t}"
    );
    assert_eq!(tenant_of(&snap), before, "nothing written");
    let _ = std::fs::remove_dir_all(dir);
}

/// Deleting an RBAC assignment re-reads the one scope it is at, before and after the delete,
/// not every scope of the tenant (10,000 environments would mean 20,000 requests per delete).
#[test]
fn an_rbac_delete_re_reads_only_its_own_scope() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = common::sample_emulator(&rt);
    let (stray_env, tenant_id) = emu.update_state(|t| {
        let env = t.environments.keys().nth(1).unwrap().clone();
        let id = "7c000001-0000-4000-8000-000000000001";
        t.rbac_role_assignments.insert(
            id.to_owned(),
            common::rbac_assignment(
                id,
                "7c0000d1-0000-4000-8000-0000000000d1",
                common::RBAC_READER,
                &format!("/tenants/{}/environments/{env}", t.tenant_id),
            ),
        );
        (env, t.tenant_id.clone())
    });
    let dir = fresh_dir("apply", "rbac-delete");
    std::fs::write(
        dir.join("ppgov.yaml"),
        format!(
            "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {{name: p}}\nspec:\n  tenant: {{id: {tenant_id}}}\n  ownership: {{DlpPolicy: shared, EnvironmentGroup: shared, RoleAssignment: exclusive}}\n"
        ),
    )
    .unwrap();
    let base = emu.base_url();
    let token = emu.token().unwrap().to_owned();
    let envs = [
        ("PPGOV_BASE_URL", base.as_str()),
        ("PPGOV_TOKEN", token.as_str()),
    ];
    let j = dir.join("j.jsonl");
    let mut args = vec![
        "apply",
        dir.to_str().unwrap(),
        "--journal",
        j.to_str().unwrap(),
    ];
    args.extend(ALLOW);
    emu.clear_requests();
    let out = ppgov(&args, &envs);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("7c0000d1-0000-4000-8000-0000000000d1"), "{t}");
    let log = emu.requests();
    assert!(
        log.total < ppgov_emulator::log::RECENT as u64,
        "every request is in the log"
    );
    let mut lists_per_env = std::collections::BTreeMap::<String, u64>::new();
    for r in &log.recent {
        if r.method == "GET" && r.route == "/authorization/environments/{env}/roleAssignments" {
            let env = r.uri.split('/').nth(3).unwrap().to_owned();
            *lists_per_env.entry(env).or_default() += 1;
        }
    }
    // Every environment's scope once per reading of the tenant; the stray's twice more.
    let observes = lists_per_env[emu
        .update_state(|t| t.environments.keys().next().unwrap().clone())
        .as_str()];
    for (env, n) in &lists_per_env {
        let expected = if *env == stray_env {
            observes + 2
        } else {
            observes
        };
        assert_eq!(
            *n, expected,
            "lists of environment {env}: {lists_per_env:?}"
        );
    }
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}
