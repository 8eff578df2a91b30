//! `ppgov apply` through the real binary: against a snapshot file (written back after every
//! change) and against an emulator reached over HTTP.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{ppgov_command as command, root};

fn ppgov(args: &[&str], envs: &[(&str, &str)]) -> Output {
    command(args, envs).output().expect("ppgov runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The tenant a snapshot file holds, normalised (the emulator rewrites the file it serves).
fn tenant_of(path: &str) -> String {
    ppgov_emulator::Tenant::from_json(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .to_json()
}

const SNAPSHOT: &str = "examples/tenant-snapshot.json";
const ALLOW: [&str; 3] = ["--auto-approve", "--allow-destroy", "--allow-loosening"];

/// A scratch directory with a copy of the sample snapshot.
fn scratch(name: &str) -> (PathBuf, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("apply-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
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
            "--journal",
            j.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(dir);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
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
    assert!(t.contains(&format!("DlpPolicy:{id} (changed)")), "{t}");
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

/// Starts an emulator serving the sample snapshot, in-process.
fn emulator(rt: &tokio::runtime::Runtime) -> ppgov_emulator::RunningEmulator {
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    rt.block_on(ppgov_emulator::Emulator::start(ppgov_emulator::Config {
        tenant: ppgov_emulator::Tenant::from_json(&snapshot).unwrap(),
        ..Default::default()
    }))
    .unwrap()
}

#[test]
fn applies_to_a_live_tenant_over_http_and_converges() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = emulator(&rt);
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
