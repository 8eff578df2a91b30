//! `ppgov apply` through the real binary under injected faults: throttling, server errors,
//! dropped connections and slow operations; a run killed mid-way; applies racing each other.
//! Every case must end converged (after a re-run where the first run could not finish) or with
//! an exact report, and never with a silently wrong tenant.

use ppgov_emulator::{Config, Emulator, Faults, RunningEmulator, Tenant};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{ALLOW, SNAPSHOT, fresh_dir, ppgov_command, root, text};

fn command(args: &[&str], emu: &RunningEmulator) -> Command {
    let token = emu.token().unwrap();
    ppgov_command(
        args,
        &[("PPGOV_BASE_URL", &emu.base_url()), ("PPGOV_TOKEN", token)],
    )
}

fn run(args: &[&str], emu: &RunningEmulator) -> Output {
    command(args, emu).output().expect("ppgov runs")
}

fn start(rt: &tokio::runtime::Runtime, faults: Faults) -> RunningEmulator {
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    rt.block_on(Emulator::start(Config {
        tenant: Tenant::from_json(&snapshot).unwrap(),
        faults,
        ..Default::default()
    }))
    .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    fresh_dir("faults", name)
}

fn apply_args(journal: &Path) -> Vec<String> {
    std::iter::once("apply")
        .chain(ALLOW)
        .chain(["--journal"])
        .map(str::to_owned)
        .chain([journal.to_str().unwrap().to_owned()])
        .collect()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// How many changes a plan against the emulator still has.
fn remaining(emu: &RunningEmulator) -> usize {
    let out = run(&["plan", "policies", "--format", "json"], emu);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    plan["changes"].as_array().unwrap().len()
}

#[test]
fn faults_end_converged_or_with_an_exact_report_and_a_rerun_converges() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = start(
        &rt,
        Faults {
            throttle_rate: 0.15,
            retry_after_seconds: 0,
            error_rate: 0.1,
            error_status: 503,
            drop_rate: 0.05,
            lro_ms: 100,
            seed: Some(7),
            ..Default::default()
        },
    );
    let dir = scratch("storm");
    let journal = dir.join("journal.jsonl");
    let first = run(&args(&apply_args(&journal)), &emu);
    let out = text(&first);
    match first.status.code() {
        Some(0) => assert!(out.contains("onverged"), "{out}"),
        Some(1) => {
            // An exact report: each failed step with the server's answer, dependents skipped.
            assert!(out.contains("failed"), "{out}");
            assert!(
                out.contains("GET ")
                    || out.contains("POST ")
                    || out.contains("PATCH ")
                    || out.contains("DELETE "),
                "failures name the request: {out}"
            );
        }
        other => panic!("unexpected exit {other:?}: {out}"),
    }
    let log = emu.requests();
    assert!(log.total > 0);
    emu.set_faults(Faults::default()).unwrap();
    let second = run(&args(&apply_args(&journal)), &emu);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    assert_eq!(remaining(&emu), 0, "converged after the re-run");
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_killed_apply_leaves_a_journal_and_a_rerun_converges() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = start(
        &rt,
        Faults {
            latency_ms: 120,
            ..Default::default()
        },
    );
    let before = remaining(&emu);
    assert!(before > 20);
    let dir = scratch("killed");
    let journal = dir.join("journal.jsonl");
    let mut child = command(&args(&apply_args(&journal)), &emu)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until a few steps have ended (their outcome journalled), then kill -9.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ended = std::fs::read_to_string(&journal)
            .map(|t| {
                t.lines()
                    .filter(|l| l.contains(r#""event":"step""#))
                    .count()
            })
            .unwrap_or(0);
        if ended >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "apply journalled no steps in time"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "apply finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let journalled = std::fs::read_to_string(&journal).unwrap();
    for line in journalled.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("every journal line is whole JSON");
    }
    emu.set_faults(Faults::default()).unwrap();
    let left = remaining(&emu);
    assert!(
        left < before,
        "the plan shows only what remains: {left} of {before}"
    );
    let rerun = run(&args(&apply_args(&journal)), &emu);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    assert_eq!(remaining(&emu), 0);
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

/// A run killed between a write and the end of its step (here: a write whose operation poll
/// never answers) has journalled that write's intent: every write that reached the tenant is
/// on record, with its object, before- and after-value.
#[test]
fn every_write_of_a_killed_apply_has_an_intent_in_the_journal() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = start(
        &rt,
        Faults {
            latency_ms: 60_000,
            routes: vec!["lifecycleOperations".to_owned()],
            ..Default::default()
        },
    );
    let dir = scratch("intent");
    let journal = dir.join("journal.jsonl");
    let mut child = command(&args(&apply_args(&journal)), &emu)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let written = |emu: &RunningEmulator| -> Vec<String> {
        emu.requests()
            .recent
            .iter()
            .filter(|r| {
                r.method == "POST"
                    && r.route.contains("governanceConfiguration")
                    && (200..300).contains(&r.status)
            })
            .filter_map(|r| {
                let path = r.uri.split('?').next()?;
                let env = path.strip_suffix("/governanceConfiguration")?;
                Some(env.rsplit('/').next()?.to_ascii_lowercase())
            })
            .collect()
    };
    // Wait until an environment was made managed (its step now waits on the operation).
    let deadline = Instant::now() + Duration::from_secs(60);
    while written(&emu).is_empty() {
        assert!(
            Instant::now() < deadline,
            "no write reached the tenant in time"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "apply finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every journal line is whole JSON"))
        .collect();
    assert_eq!(lines[0]["event"], "start");
    assert!(lines[0]["who"].is_string() && lines[0]["who"] != "unknown");
    for env in written(&emu) {
        let intent = lines
            .iter()
            .find(|l| {
                l["event"] == "intent"
                    && l["object"]
                        .as_str()
                        .is_some_and(|o| o.eq_ignore_ascii_case(&format!("Environment:{env}")))
            })
            .unwrap_or_else(|| {
                panic!("environment {env} was written without an intent: {lines:?}")
            });
        assert_eq!(intent["before"]["managed"], false, "{intent}");
        assert_eq!(intent["after"]["managed"], true, "{intent}");
        assert!(intent["fingerprint"].is_string(), "{intent}");
        assert!(intent["time"].is_string() && intent["run"] == lines[0]["run"]);
    }
    emu.set_faults(Faults::default()).unwrap();
    let rerun = run(&args(&apply_args(&journal)), &emu);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    assert_eq!(remaining(&emu), 0);
    // Not `shutdown`: the abandoned poll still sleeps in the emulator.
    drop(emu);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn racing_applies_never_leave_a_silently_wrong_tenant() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = start(
        &rt,
        Faults {
            latency_ms: 15,
            ..Default::default()
        },
    );
    let dir = scratch("race");
    let (ja, jb) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    let a = command(&args(&apply_args(&ja)), &emu)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let b = command(&args(&apply_args(&jb)), &emu)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        let t = text(out);
        match out.status.code() {
            Some(0) => {}
            // A loser must say why: a conflict with the other run, never a silent overwrite.
            Some(1) => assert!(
                t.contains("changed since the plan was made")
                    || t.contains("conflict")
                    || t.contains("409")
                    || t.contains("did not converge"),
                "{t}"
            ),
            other => panic!("unexpected exit {other:?}: {t}"),
        }
    }
    emu.set_faults(Faults::default()).unwrap();
    let settle = run(&args(&apply_args(&dir.join("c.jsonl"))), &emu);
    let t = text(&settle);
    assert_eq!(settle.status.code(), Some(0), "{t}");
    assert_eq!(remaining(&emu), 0);
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

/// Two real processes applying to one snapshot file at once: the lock lets one in; the other
/// is refused (or, if the first already finished, finds nothing to do). Never interleaved.
#[test]
fn two_applies_on_one_snapshot_do_not_interleave() {
    let dir = scratch("two-snapshot");
    let snap = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snap).unwrap();
    let spawn = |journal: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ppgov"));
        cmd.args(["apply", "--snapshot", snap.to_str().unwrap()])
            .args(ALLOW)
            .arg("--journal")
            .arg(dir.join(journal))
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env_remove("PPGOV_TOKEN")
            .env_remove("PPGOV_BASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.spawn().unwrap()
    };
    let (a, b) = (spawn("a.jsonl"), spawn("b.jsonl"));
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let applied = outs.iter().filter(|o| text(o).contains("applied")).count();
    for o in &outs {
        let t = text(o);
        match o.status.code() {
            Some(0) => {}
            Some(1) => assert!(
                t.to_lowercase().contains("lock"),
                "a refused run names the lock: {t}"
            ),
            other => panic!("unexpected exit {other:?}: {t}"),
        }
    }
    assert!(applied >= 1, "one of them applied");
    // Whatever the interleaving of starts, the file ends converged.
    let plan = Command::new(env!("CARGO_BIN_EXE_ppgov"))
        .args([
            "plan",
            "policies",
            "--snapshot",
            snap.to_str().unwrap(),
            "--detailed-exitcode",
        ])
        .current_dir(root())
        .env_remove("PPGOV_TOKEN")
        .env_remove("PPGOV_BASE_URL")
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let _ = std::fs::remove_dir_all(dir);
}

/// The sample repository plus an environment ppgov owns (a new sandbox in the HR group), in
/// a scratch directory: returns the repository's path.
fn repository_with_an_owned_sandbox(dir: &Path) -> String {
    let repo = dir.join("policies");
    common::copy_dir(&root().join("policies"), &repo);
    std::fs::write(
        repo.join("environments/hr-sandbox.yaml"),
        "apiVersion: ppgov.dev/v1\nkind: Environment\nmetadata: {name: hr-sandbox}\n\
         spec: {displayName: HR Sandbox, lifecycle: owned, type: Sandbox, region: europe, group: hr}\n",
    )
    .unwrap();
    repo.to_str().unwrap().to_owned()
}

fn sandboxes(emu: &RunningEmulator) -> usize {
    emu.state()
        .environments
        .values()
        .filter(|e| e.properties.display_name == "HR Sandbox")
        .count()
}

fn creates(emu: &RunningEmulator) -> Vec<u16> {
    emu.requests()
        .recent
        .iter()
        .filter(|r| {
            r.method == "POST" && r.route == "/providers/Microsoft.BusinessAppPlatform/environments"
        })
        .map(|r| r.status)
        .collect()
}

fn apply_repo_args(repo: &str, journal: &Path) -> Vec<String> {
    let mut v = apply_args(journal);
    v.insert(1, repo.to_owned());
    v
}

/// No database capacity: the create ends with the platform's own message, is sent once (a
/// retry cannot help), and what depends on the environment is skipped.
#[test]
fn an_environment_create_without_capacity_fails_once_with_the_platforms_message() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = start(
        &rt,
        Faults {
            capacity_rate: 1.0,
            ..Default::default()
        },
    );
    let dir = scratch("capacity");
    let repo = repository_with_an_owned_sandbox(&dir);
    let out = run(
        &args(&apply_repo_args(&repo, &dir.join("journal.jsonl"))),
        &emu,
    );
    let t = text(&out);
    assert_ne!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("needs at least 1 GB of database capacity"),
        "the platform's message: {t}"
    );
    assert!(t.contains("InsufficientCapacity_StorageDriven"), "{t}");
    assert_eq!(creates(&emu), vec![409], "sent once, never retried");
    assert_eq!(sandboxes(&emu), 0);
    assert!(t.contains("GroupMembership.hr[\"HR Sandbox\"]"), "{t}");
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

/// A tenant busy with another lifecycle operation refuses the create with 409
/// `OperationNotStartable`: the client waits it out, and the sandbox is created once.
#[test]
fn an_environment_create_refused_as_busy_is_waited_out() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = start(&rt, Faults::default());
    let dir = scratch("create-busy");
    let journal = dir.join("journal.jsonl");
    // The sample first, so that the create is the first write the busy faults meet.
    let first = run(&args(&apply_args(&journal)), &emu);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let repo = repository_with_an_owned_sandbox(&dir);
    emu.set_faults(Faults {
        busy_rate: 0.5,
        seed: Some(2),
        ..Default::default()
    })
    .unwrap();
    let out = run(&args(&apply_repo_args(&repo, &journal)), &emu);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let statuses = creates(&emu);
    assert!(statuses.contains(&409), "busy at least once: {statuses:?}");
    assert_eq!(statuses.last(), Some(&202), "{statuses:?}");
    assert_eq!(sandboxes(&emu), 1);
    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

/// Killed (SIGKILL) while polling the creation's lifecycle operation, then run again: the
/// environment is found by its name and not created twice.
#[test]
fn a_kill_while_polling_a_creation_then_a_rerun_leaves_exactly_one_environment() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = start(
        &rt,
        Faults {
            // Every poll hangs: the create's step is stuck polling when it is killed.
            latency_ms: 60_000,
            routes: vec!["lifecycleOperations".to_owned()],
            ..Default::default()
        },
    );
    let dir = scratch("create-killed");
    let repo = repository_with_an_owned_sandbox(&dir);
    let journal = dir.join("journal.jsonl");
    let mut child = command(&args(&apply_repo_args(&repo, &journal)), &emu)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !creates(&emu).contains(&202) {
        assert!(
            Instant::now() < deadline,
            "the create never reached the tenant"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "apply finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    assert_eq!(sandboxes(&emu), 1);
    emu.set_faults(Faults::default()).unwrap();
    let rerun = run(&args(&apply_repo_args(&repo, &journal)), &emu);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    assert_eq!(sandboxes(&emu), 1, "exactly one environment of that name");
    assert_eq!(creates(&emu), vec![202], "created once");
    let plan = run(&["plan", &repo, "--detailed-exitcode"], &emu);
    assert_eq!(plan.status.code(), Some(0), "converged: {}", text(&plan));
    // Not `shutdown`: the abandoned poll still sleeps in the emulator.
    drop(emu);
    let _ = std::fs::remove_dir_all(dir);
}
