//! Files and output under hostile conditions, through the real binary: a full disk while
//! `apply --snapshot` saves the tenant, while `export` and `plan --out` write; permissions and
//! symlinks of the files ppgov replaces; a refused apply; a closed or full stdout.
//!
//! A full disk is a file-size limit on the child (`prlimit --fsize`, util-linux) with SIGXFSZ
//! ignored, so a write past the limit fails with EFBIG ("File too large") as a write to a
//! full disk fails with ENOSPC; `/dev/full` is a full stdout.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{ALLOW, SNAPSHOT, fresh_dir, ppgov_command, root, text};

fn scratch(name: &str) -> PathBuf {
    fresh_dir("persist", name)
}

fn ppgov(args: &[&str]) -> Output {
    ppgov_command(args, &[]).output().expect("ppgov runs")
}

/// `ppgov args` where no file may grow past `max_bytes`: a full disk for every file it writes.
fn ppgov_on_a_full_disk(max_bytes: u64, args: &[&str]) -> Output {
    let plain = ppgov_command(args, &[]);
    let mut cmd = Command::new("sh");
    // An ignored signal stays ignored across exec: the write fails with EFBIG instead.
    cmd.arg("-c")
        .arg(r#"trap "" XFSZ; exec prlimit --fsize="$0" -- "$@""#)
        .arg(max_bytes.to_string())
        .arg(plain.get_program())
        .args(plain.get_args());
    cmd.current_dir(root()).stdin(Stdio::null());
    for (k, v) in plain.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.output().expect("sh and prlimit (util-linux) run")
}

/// The sample snapshot, padded with 2 MB in `tenantInfo` (kept by every rewrite) so a 1 MB
/// file-size limit refuses any save of it but leaves room for the journal.
fn padded_snapshot(path: &Path) -> u64 {
    let mut tenant: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    tenant["tenantInfo"]["padding"] = "x".repeat(2_000_000).into();
    std::fs::write(path, serde_json::to_string_pretty(&tenant).unwrap()).unwrap();
    1_000_000
}

#[test]
fn a_full_disk_during_apply_fails_the_steps_and_never_claims_convergence() {
    let dir = scratch("apply-full");
    // Named `*.tmp`: the snapshot must not be its own temporary file.
    let snap = dir.join("tenant.tmp");
    let limit = padded_snapshot(&snap);
    let original = std::fs::read(&snap).unwrap();
    let journal = dir.join("journal.jsonl");
    let mut args = vec![
        "apply",
        "--snapshot",
        snap.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    args.extend(ALLOW);
    let out = ppgov_on_a_full_disk(limit, &args);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(!t.contains("Converged"), "{t}");
    assert!(t.contains("Not converged"), "{t}");
    assert!(
        t.contains("507") && t.contains("PersistFailed") && t.contains("File too large"),
        "the step names the failed save: {t}"
    );
    assert!(t.contains(snap.to_str().unwrap()), "and the file: {t}");
    assert_eq!(
        std::fs::read(&snap).unwrap(),
        original,
        "the snapshot is untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") && n != "tenant.tmp")
        .collect();
    assert!(leftovers.is_empty(), "no temporary files: {leftovers:?}");
    let end: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&journal)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(end["event"], "end");
    assert_eq!(end["converged"], false);
    assert_eq!(end["applied"], 0, "{end}");

    // With room on the disk, the same apply converges and the file holds it.
    let out = ppgov(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan = ppgov(&[
        "plan",
        "policies",
        "--snapshot",
        snap.to_str().unwrap(),
        "--detailed-exitcode",
    ]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn export_and_plan_out_keep_the_old_file_when_the_disk_is_full() {
    let dir = scratch("export-full");
    let exported = dir.join("export.json");
    let saved = dir.join("plan.json");
    for file in [&exported, &saved] {
        std::fs::write(file, "the previous good file\n").unwrap();
    }
    let export = ppgov_on_a_full_disk(
        4096,
        &[
            "export",
            "--snapshot",
            exported.to_str().unwrap(),
            "--from-snapshot",
            SNAPSHOT,
        ],
    );
    let t = text(&export);
    assert_eq!(export.status.code(), Some(1), "{t}");
    assert!(
        t.contains(exported.to_str().unwrap()) && t.contains("File too large"),
        "{t}"
    );
    let plan = ppgov_on_a_full_disk(
        4096,
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--out",
            saved.to_str().unwrap(),
        ],
    );
    let t = text(&plan);
    assert_eq!(plan.status.code(), Some(1), "{t}");
    assert!(
        t.contains(saved.to_str().unwrap()) && t.contains("File too large"),
        "{t}"
    );
    for file in [&exported, &saved] {
        assert_eq!(
            std::fs::read_to_string(file).unwrap(),
            "the previous good file\n",
            "{} untouched",
            file.display()
        );
    }
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left: {names:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn replaced_files_keep_their_mode_and_symlinks_stay_links() {
    let dir = scratch("mode-link");
    let real = dir.join("real-tenant.json");
    let link = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &real).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("real-tenant.json", &link).unwrap();
    let before = std::fs::read(&real).unwrap();

    let journal = dir.join("journal.jsonl");
    let mut args = vec![
        "apply",
        "--snapshot",
        link.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    args.extend(ALLOW);
    let out = ppgov(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let check = |what: &str| {
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{what}: the link is still a link"
        );
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{what}: the mode is kept");
    };
    check("apply");
    assert_ne!(
        std::fs::read(&real).unwrap(),
        before,
        "the target was written"
    );

    let out = ppgov(&[
        "export",
        "--snapshot",
        link.to_str().unwrap(),
        "--from-snapshot",
        SNAPSHOT,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    check("export");

    let plan = dir.join("plan.json");
    std::fs::write(&plan, "").unwrap();
    std::fs::set_permissions(&plan, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = ppgov(&[
        "plan",
        "policies",
        "--snapshot",
        SNAPSHOT,
        "--out",
        plan.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        std::fs::metadata(&plan).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_refused_apply_leaves_the_snapshot_byte_identical() {
    let dir = scratch("refused");
    let snap = dir.join("tenant.json");
    // Compact JSON in its own key order: any rewrite would show.
    let tenant: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    std::fs::write(&snap, serde_json::to_string(&tenant).unwrap()).unwrap();
    let before = std::fs::read(&snap).unwrap();
    let out = ppgov(&[
        "apply",
        "--snapshot",
        snap.to_str().unwrap(),
        "--auto-approve",
        "--journal",
        dir.join("j.jsonl").to_str().unwrap(),
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("nothing was applied"), "{t}");
    assert_eq!(std::fs::read(&snap).unwrap(), before, "byte-identical");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn export_keeps_the_maker_content_timestamp() {
    let dir = scratch("timestamp");
    let source = dir.join("source.json");
    let mut tenant: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    let stamp = "Thu, 24 Oct 2024 07:29:50 GMT";
    let rule_set = tenant["ruleSets"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap();
    let last_modified = rule_set["lastModified"].clone();
    assert!(last_modified.is_string());
    rule_set["parameters"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "type": "MakerOnboarding", "resourceType": "NotSpecified", "value": [
                {"id": "makerOnboardingUrl", "value": "https://contoso.example/welcome"},
                {"id": "makerOnboardingMarkdown", "value": "# Welcome"},
                {"id": "makerOnboardingTimestamp", "value": stamp}]
        }));
    std::fs::write(&source, serde_json::to_string_pretty(&tenant).unwrap()).unwrap();
    let exported = dir.join("exported.json");
    let out = ppgov(&[
        "export",
        "--snapshot",
        exported.to_str().unwrap(),
        "--from-snapshot",
        source.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    let rule_set = written["ruleSets"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(rule_set["lastModified"], last_modified);
    let maker = rule_set["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == "MakerOnboarding")
        .expect("maker content exported");
    let timestamp = maker["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "makerOnboardingTimestamp")
        .unwrap();
    assert_eq!(timestamp["value"], stamp);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    for args in [
        &["plan", "policies", "--snapshot", SNAPSHOT][..],
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--format",
            "json",
        ][..],
        &["validate", "policies", "--format", "json"][..],
        &["--help"][..],
    ] {
        // The reading end is closed before ppgov starts: its first write gets EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = ppgov_command(args, &[])
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: quiet, not {stderr}");
    }

    // `| head -c 100`: the reader stops after a while.
    let mut child = ppgov_command(&["plan", "policies", "--snapshot", SNAPSHOT], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn a_full_stdout_is_an_error_and_loses_nothing() {
    let dir = scratch("dev-full");
    let snap = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snap).unwrap();
    let journal = dir.join("journal.jsonl");
    let mut args = vec![
        "apply",
        "--snapshot",
        snap.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    args.extend(ALLOW);
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let out = ppgov_command(&args, &[]).stdout(full()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("cannot write to standard output: No space left on device"),
        "{stderr}"
    );
    // The apply itself went through, and the journal says so.
    let end: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&journal)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(end["event"], "end");
    assert_eq!(end["converged"], true);

    for args in [
        &["plan", "policies", "--snapshot", SNAPSHOT][..],
        &["validate", "policies"][..],
        &["--help"][..],
    ] {
        let out = ppgov_command(args, &[]).stdout(full()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `kill -9` while `apply --snapshot` saves the tenant, at several points of the run: the
/// snapshot is always a whole snapshot (the old one or a newer one), never a truncated file,
/// also when it is named `*.tmp`; a re-run converges.
#[test]
fn a_kill_during_persist_leaves_a_whole_snapshot() {
    let dir = scratch("kill-persist");
    let snap = dir.join("tenant.tmp");
    // Large, so each save takes a while and a kill is likely to land inside one.
    padded_snapshot(&snap);
    let journal = dir.join("journal.jsonl");
    let mut args = vec![
        "apply",
        "--snapshot",
        snap.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
        "--parallelism",
        "1",
    ];
    args.extend(ALLOW);
    let intents = || {
        std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(r#""event":"intent""#))
            .count()
    };
    for after_intents in [1, 3, 6, 10] {
        let seen = intents();
        let mut child = ppgov_command(&args, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while intents() < seen + after_intents && child.try_wait().unwrap().is_none() {
            assert!(std::time::Instant::now() < deadline, "no progress");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = child.kill();
        child.wait().unwrap();
        let text = std::fs::read_to_string(&snap).unwrap();
        ppgov_emulator::Tenant::from_json(&text).unwrap_or_else(|e| {
            panic!(
                "killed after {after_intents} intents: not a whole snapshot ({} bytes): {e}",
                text.len()
            )
        });
        // The lock of the killed run is stale; the next run takes it over.
    }
    let out = ppgov(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(dir);
}
