//! What the tests that drive the real `ppgov` binary share.

// Each test binary includes this module and uses part of it.
#![allow(dead_code)]

pub mod browser;
pub mod http;
pub mod webhook;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The bundled tenant, relative to the workspace root.
pub const SNAPSHOT: &str = "examples/tenant-snapshot.json";

/// `--auto-approve` and every flag that allows a risky step: one list, so that a new gate
/// reaches every test that means to apply everything.
pub const ALLOW: [&str; 5] = [
    "--auto-approve",
    "--allow-destroy",
    "--allow-loosening",
    "--allow-managed-environments",
    "--allow-breaking",
];

/// Standard output then standard error, as one text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An empty directory for one test (`{prefix}-{name}-{pid}` under cargo's test tmpdir).
pub fn fresh_dir(prefix: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The workspace root, where `policies/` and `examples/` are.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `ppgov args` run from the workspace root, with plain fixed-width output, no stdin, and none
/// of the caller's ppgov configuration: only `envs` reaches it, so a developer's exported
/// token or snapshot cannot change what a test sees.
pub fn ppgov_command(args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ppgov"));
    cmd.args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .stdin(Stdio::null());
    for var in [
        "PPGOV_TOKEN",
        "PPGOV_CLIENT_ID",
        "PPGOV_CLIENT_SECRET",
        "PPGOV_BASE_URL",
        "PPGOV_SNAPSHOT",
        "PPGOV_TENANT_ID",
        "PPGOV_ACTOR",
        "AZURE_FEDERATED_TOKEN_FILE",
        "PPGOV_AUTHORITY",
        "PPGOV_READ_TIMEOUT",
        "PPGOV_THROTTLE_BUDGET",
        "PPGOV_RETRY_AFTER_CAP",
        "PPGOV_LRO_DEADLINE",
        "PPGOV_OBSERVE_DEADLINE",
        "PPGOV_MAX_PAGES",
        "PPGOV_MAX_RESPONSE_BYTES",
        // Pins today's date for environment expiry (crates/cli/src/clock.rs): tests that
        // depend on the date set it explicitly.
        "PPGOV_TODAY",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// `ppgov` with today's date pinned (`PPGOV_TODAY`, crates/cli/src/clock.rs).
pub fn ppgov_on(today: &str, args: &[&str]) -> Output {
    ppgov_command(args, &[("PPGOV_TODAY", today)])
        .output()
        .expect("ppgov runs")
}

/// A scratch copy of the sample repository and of the bundled tenant snapshot (which `apply`
/// then changes): the scratch directory, its `policies` and its `tenant.json`.
pub fn scratch_repository(prefix: &str, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = fresh_dir(prefix, name);
    let repo = dir.join("policies");
    copy_dir(&root().join("policies"), &repo);
    let snap = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snap).unwrap();
    (dir, repo, snap)
}

/// Copies the directory tree `from` to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
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

/// The Power Platform RBAC role definition id of Reader.
pub const RBAC_READER: &str = "c886ad2e-27f7-4874-8381-5849b8d8a090";

/// A Power Platform RBAC assignment as the service lists it (its JSON, read into the emulator's
/// wire type: the CLI's tests, like the CLI, do not name wire types).
pub fn rbac_assignment<T: serde::de::DeserializeOwned>(
    id: &str,
    principal: &str,
    role_definition: &str,
    scope: &str,
) -> T {
    serde_json::from_value(serde_json::json!({
        "roleAssignmentId": id,
        "principalObjectId": principal,
        "roleDefinitionId": role_definition,
        "scope": scope,
        "principalType": "User",
    }))
    .expect("an RBAC role assignment")
}

/// An emulator serving the bundled sample tenant (`SNAPSHOT`), in-process on 127.0.0.1.
pub fn sample_emulator(rt: &tokio::runtime::Runtime) -> ppgov_emulator::RunningEmulator {
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    rt.block_on(ppgov_emulator::Emulator::start(ppgov_emulator::Config {
        tenant: ppgov_emulator::Tenant::from_json(&snapshot).unwrap(),
        ..Default::default()
    }))
    .unwrap()
}
