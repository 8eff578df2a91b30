//! Environments ppgov owns, through the real binary against a snapshot served by the
//! emulator: created in a group with its roles, converged, then decommissioned behind the
//! destroy gate when its document goes.

use std::process::Output;

mod common;
use common::{ALLOW, SNAPSHOT, copy_dir, fresh_dir, ppgov_command as command, root, text};

fn ppgov(args: &[&str]) -> Output {
    command(args, &[]).output().expect("ppgov runs")
}

const HR_SANDBOX: &str = "\
apiVersion: ppgov.dev/v1
kind: Environment
metadata: {name: hr-sandbox}
spec:
  displayName: HR Sandbox
  lifecycle: owned
  type: Sandbox
  region: europe
  group: hr
---
apiVersion: ppgov.dev/v1
kind: RoleAssignment
metadata: {name: hr-sandbox-makers}
spec:
  role: environmentMaker
  scope: {environment: hr-sandbox}
  principals:
    - {type: group, id: 5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716, name: HR makers}
";

#[test]
fn an_owned_sandbox_is_created_in_its_group_with_its_roles_then_decommissioned_behind_the_gate() {
    let dir = fresh_dir("lifecycle", "sandbox");
    let repo = dir.join("policies");
    copy_dir(&root().join("policies"), &repo);
    let sandbox_file = repo.join("environments/hr-sandbox.yaml");
    std::fs::write(&sandbox_file, HR_SANDBOX).unwrap();
    let snap = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snap).unwrap();
    let (repo, snap) = (repo.to_str().unwrap(), snap.to_str().unwrap());
    let journal = dir.join("journal.jsonl");
    let journal = journal.to_str().unwrap();

    let plan = ppgov(&["plan", repo, "--snapshot", snap]);
    let t = text(&plan);
    assert_eq!(plan.status.code(), Some(0), "{t}");
    assert!(t.contains("+ Environment.hr-sandbox \"HR Sandbox\""), "{t}");
    assert!(t.contains("GroupMembership.hr[\"HR Sandbox\"]"), "{t}");
    assert!(
        t.contains("environmentMaker/environment:@Environment.hr-sandbox]"),
        "{t}"
    );

    let mut args = vec!["apply", repo, "--snapshot", snap, "--journal", journal];
    args.extend(ALLOW);
    let apply = ppgov(&args);
    let t = text(&apply);
    assert_eq!(apply.status.code(), Some(0), "{t}");
    assert!(t.contains("Converged"), "{t}");

    // The tenant now holds one such environment, in the group, marked as this project's.
    let tenant: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(snap).unwrap()).unwrap();
    let envs: Vec<&serde_json::Value> = tenant["environments"]
        .as_object()
        .unwrap()
        .values()
        .filter(|e| e["properties"]["displayName"] == "HR Sandbox")
        .collect();
    assert_eq!(envs.len(), 1, "{envs:?}");
    let env = envs[0];
    assert_eq!(env["properties"]["environmentSku"], "Sandbox");
    assert!(
        env["properties"]["description"]
            .as_str()
            .unwrap()
            .contains("[ppgov-owner:northwind-traders]"),
        "{env}"
    );
    assert!(
        env["properties"]["parentEnvironmentGroup"]["id"].is_string(),
        "{env}"
    );

    // Converged: the next plan is empty.
    let again = ppgov(&["plan", repo, "--snapshot", snap, "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));

    // The document goes: the plan deletes the environment ppgov created, as risky.
    std::fs::remove_file(&sandbox_file).unwrap();
    let plan = ppgov(&["plan", repo, "--snapshot", snap]);
    let t = text(&plan);
    assert!(t.contains("- Environment[\"HR Sandbox\"]"), "{t}");
    assert!(
        t.contains("ppgov created it and no document declares it"),
        "{t}"
    );
    assert!(t.contains("to destroy."), "{t}");

    // Without `--allow-destroy`, apply refuses and nothing is deleted.
    let refused = ppgov(&[
        "apply",
        repo,
        "--snapshot",
        snap,
        "--journal",
        journal,
        "--auto-approve",
        "--allow-loosening",
        "--allow-managed-environments",
    ]);
    let t = text(&refused);
    assert_ne!(refused.status.code(), Some(0), "{t}");
    assert!(t.contains("--allow-destroy"), "{t}");
    assert!(
        std::fs::read_to_string(snap)
            .unwrap()
            .contains("HR Sandbox"),
        "nothing deleted"
    );

    // With it, the environment goes and the next plan is empty.
    let apply = ppgov(&args);
    let t = text(&apply);
    assert_eq!(apply.status.code(), Some(0), "{t}");
    assert!(
        !std::fs::read_to_string(snap)
            .unwrap()
            .contains("HR Sandbox"),
        "deleted"
    );
    let again = ppgov(&["plan", repo, "--snapshot", snap, "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}
