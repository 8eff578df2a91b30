//! The tenant isolation policy through the real binary against an emulator over HTTP: created
//! where there was none (the `PUT` answers 202 and is polled), converged, turned off behind
//! the loosening gate, then removed under exclusive ownership (the platform has no delete:
//! removing writes it off and empty), converging each time; `ppgov export` carries it.

use std::path::Path;
use std::process::Output;

mod common;
use common::{ALLOW, copy_dir, fresh_dir, ppgov_command as command, root, text};

const FABRIKAM: &str = "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f";

fn policy(enabled: bool) -> String {
    format!(
        "apiVersion: ppgov.dev/v1
kind: TenantIsolationPolicy
metadata: {{name: tenant-isolation}}
spec:
  enabled: {enabled}
  allowedTenants:
    - {{tenantId: {FABRIKAM}, name: fabrikam.com, direction: both}}
    - {{tenantId: \"*\", direction: outbound}}
"
    )
}

fn converged(repo: &str, envs: &[(&str, &str)]) {
    let again = command(&["plan", repo, "--detailed-exitcode"], envs)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

fn apply(repo: &str, journal: &Path, envs: &[(&str, &str)], allow: &[&str]) -> Output {
    let mut args = vec!["apply", repo, "--journal", journal.to_str().unwrap()];
    args.extend(allow);
    command(&args, envs).output().unwrap()
}

#[test]
fn created_turned_off_and_removed_through_the_binary_converging_each_time() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = common::sample_emulator(&rt);
    assert!(
        emu.state().tenant_isolation_policy.is_none(),
        "the sample tenant has no policy"
    );
    let dir = fresh_dir("isolation", "lifecycle");
    let repo_dir = dir.join("policies");
    copy_dir(&root().join("policies"), &repo_dir);
    let file = repo_dir.join("tenant-isolation.yaml");
    std::fs::write(&file, policy(true)).unwrap();
    let repo = repo_dir.to_str().unwrap();
    let journal = dir.join("journal.jsonl");
    let (base, token) = (emu.base_url(), emu.token().unwrap().to_owned());
    let envs = [
        ("PPGOV_BASE_URL", base.as_str()),
        ("PPGOV_TOKEN", token.as_str()),
    ];

    // Created: the GET before it answered 404, the PUT 202, and its operation was polled.
    let plan = command(&["plan", repo], &envs).output().unwrap();
    let t = text(&plan);
    assert!(
        t.contains("+ TenantIsolationPolicy.tenant-isolation \"tenant isolation policy\""),
        "{t}"
    );
    emu.clear_requests();
    let out = apply(repo, &journal, &envs, &ALLOW);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let log = emu.requests();
    let route = "/providers/PowerPlatform.Governance/v1/tenants/{tenant}/tenantIsolationPolicy";
    assert_eq!(
        log.by_route.get(&format!("PUT {route}")),
        Some(&1),
        "{log:?}"
    );
    assert!(
        log.by_route
            .contains_key(&format!("GET {route}/operations/{{op}}")),
        "the 202 was polled: {:?}",
        log.by_route
    );
    let live = emu.state().tenant_isolation_policy.expect("written");
    assert!(!live.is_disabled);
    assert_eq!(live.allowed_tenants.len(), 2, "{live:?}");
    converged(repo, &envs);

    // Turned off: loosening, refused without consent, then written and converged.
    std::fs::write(&file, policy(false)).unwrap();
    let refused = apply(
        repo,
        &journal,
        &envs,
        &["--auto-approve", "--allow-destroy"],
    );
    let t = text(&refused);
    assert_ne!(refused.status.code(), Some(0), "{t}");
    assert!(
        t.contains("--allow-loosening") && t.contains("turns tenant isolation off"),
        "{t}"
    );
    assert!(
        !emu.state().tenant_isolation_policy.unwrap().is_disabled,
        "nothing written"
    );
    let out = apply(repo, &journal, &envs, &ALLOW);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(emu.state().tenant_isolation_policy.unwrap().is_disabled);
    converged(repo, &envs);

    // Exported with the rest of the tenant.
    let exported = dir.join("exported.json");
    let out = command(&["export", "--snapshot", exported.to_str().unwrap()], &envs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    assert_eq!(
        snapshot["tenantIsolationPolicy"]["allowedTenants"][1]["tenantId"], FABRIKAM,
        "{}",
        snapshot["tenantIsolationPolicy"]
    );

    // Undeclared under exclusive ownership: removed (off and empty), converged.
    std::fs::remove_file(&file).unwrap();
    let project = repo_dir.join("ppgov.yaml");
    let text_of_project = std::fs::read_to_string(&project).unwrap();
    std::fs::write(
        &project,
        text_of_project.replace(
            "    RoleAssignment: shared\n",
            "    RoleAssignment: shared\n    TenantIsolationPolicy: exclusive\n",
        ),
    )
    .unwrap();
    let plan = command(&["plan", repo], &envs).output().unwrap();
    let t = text(&plan);
    assert!(
        t.contains("- TenantIsolationPolicy[tenantIsolationPolicy]") && t.contains("1 to destroy"),
        "{t}"
    );
    let out = apply(repo, &journal, &envs, &ALLOW);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let live = emu
        .state()
        .tenant_isolation_policy
        .expect("still there: no delete");
    assert!(
        live.is_disabled && live.allowed_tenants.is_empty(),
        "{live:?}"
    );
    converged(repo, &envs);

    rt.block_on(emu.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}
