//! Every live document kind (`Kind::is_live`) goes the whole way through the real binary
//! against an emulator over HTTP, so a kind added without its emulator route, its read in
//! `observe` or its document in `ppgov import` fails here, naming the kind and the stop:
//!
//! 1. `examples/` (one document of each kind) is planned against the sample tenant: each live
//!    kind must change something, or this test would prove nothing for it;
//! 2. applied: each kind's steps must succeed (the emulator serves its route);
//! 3. planned again: nothing of any kind left (`observe` reads each kind back);
//! 4. imported from the emulator: a document of each kind (`ppgov import` emits it), and the
//!    imported repository plans nothing either.

use ppgov_core::Kind;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

mod common;
use common::{ALLOW, fresh_dir, ppgov_command as command, root, text};

/// The tenant `examples/ppgov.yaml` names, and the sample tenant's (`examples/tenant-snapshot.json`).
const EXAMPLES_TENANT: &str = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
const SAMPLE_TENANT: &str = "3f6a9c2e-7b41-4d8a-9e15-c2b07d4f8a61";

/// The `kind` of every change of a plan written as JSON.
fn changed_kinds(plan_file: &Path) -> Vec<String> {
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(plan_file).unwrap()).unwrap();
    plan["changes"]
        .as_array()
        .expect("a plan's changes")
        .iter()
        .map(|c| c["kind"].as_str().expect("a change's kind").to_owned())
        .collect()
}

/// The kinds of the changes `ppgov plan` finds for `repo` against the emulator.
fn planned_kinds(repo: &Path, out: &Path, envs: &[(&str, &str)]) -> Vec<String> {
    let run = command(
        &[
            "plan",
            repo.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        envs,
    )
    .output()
    .unwrap();
    assert!(
        run.status.success(),
        "plan of {}: {}",
        repo.display(),
        text(&run)
    );
    changed_kinds(out)
}

/// The `kind:` of every YAML document under `dir`.
fn document_kinds(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for path in ppgov_test_support::yaml_files(dir) {
        let text = std::fs::read_to_string(&path).unwrap();
        out.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("kind: "))
                .map(|k| k.trim().to_owned()),
        );
    }
    out
}

/// The sample tenant with the environments `examples/` adopts by id or name.
fn examples_emulator(rt: &tokio::runtime::Runtime) -> ppgov_emulator::RunningEmulator {
    let mut snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(common::SNAPSHOT)).unwrap())
            .unwrap();
    let environments = snapshot["environments"]
        .as_object_mut()
        .expect("the snapshot's environments");
    let template = environments
        .values()
        .next()
        .expect("an environment")
        .clone();
    for (id, name) in [
        ("1f0e5a3c-2b7d-4c1e-9a8f-3d6b2e4c7a10", "Contoso Sales Prod"),
        (
            "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e",
            "Contoso Finance Prod",
        ),
        ("7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908", "Contoso HR Prod"),
    ] {
        let mut env = template.clone();
        env["id"] =
            format!("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{id}")
                .into();
        env["name"] = id.into();
        env["properties"]["displayName"] = name.into();
        env["properties"]["environmentSku"] = "Production".into();
        environments.insert(id.to_owned(), env);
    }
    rt.block_on(ppgov_emulator::Emulator::start(ppgov_emulator::Config {
        tenant: ppgov_emulator::Tenant::from_json(&snapshot.to_string()).unwrap(),
        ..Default::default()
    }))
    .unwrap()
}

#[test]
fn every_live_kind_is_served_read_back_and_imported_through_the_binary() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = examples_emulator(&rt);
    let (base, token) = (emu.base_url(), emu.token().unwrap().to_owned());
    let envs = [
        ("PPGOV_BASE_URL", base.as_str()),
        ("PPGOV_TOKEN", token.as_str()),
    ];
    let dir = fresh_dir("every-live-kind", "round-trip");
    // The examples' documents, without the CI recipes beside them.
    let examples = dir.join("examples");
    std::fs::create_dir_all(&examples).unwrap();
    for entry in std::fs::read_dir(root().join("examples"))
        .unwrap()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            // Declared for the sample tenant.
            let text = std::fs::read_to_string(&path)
                .unwrap()
                .replace(EXAMPLES_TENANT, SAMPLE_TENANT);
            std::fs::write(examples.join(entry.file_name()), text).unwrap();
        }
    }
    let live: Vec<&str> = Kind::ALL
        .into_iter()
        .filter(|k| k.is_live())
        .map(Kind::as_str)
        .collect();
    let mut missing: Vec<String> = Vec::new();

    // 1. Each live kind of the examples changes something in the sample tenant.
    let first = planned_kinds(&examples, &dir.join("first.json"), &envs);
    for kind in &live {
        if !first.iter().any(|k| k == kind) {
            missing.push(format!(
                "{kind}: examples/ changes nothing of it in the sample tenant \
                 (examples/tenant-snapshot.json), so this test cannot follow it"
            ));
        }
    }

    // 2. Applied: every step succeeds, so the emulator serves every kind's writes.
    let journal = dir.join("journal.jsonl");
    let mut args = vec![
        "apply",
        examples.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    args.extend(ALLOW);
    let applied = command(&args, &envs).output().unwrap();
    let report = text(&applied);
    if !applied.status.success() {
        for kind in &live {
            if report
                .lines()
                .any(|l| l.contains(&format!("{kind}.")) && l.contains("failed"))
            {
                missing.push(format!(
                    "{kind}: apply failed (does the emulator serve it? crates/emulator/src/routes/)"
                ));
            }
        }
        missing.push(format!("apply failed:\n{report}"));
    }

    // 3. Planned again: nothing left, so `observe` reads every kind back.
    let again = planned_kinds(&examples, &dir.join("again.json"), &envs);
    for kind in &live {
        let left = again.iter().filter(|k| k == kind).count();
        if left > 0 {
            missing.push(format!(
                "{kind}: {left} change(s) planned again after apply (does observe read it? \
                 crates/tenant-client/src/observe.rs)"
            ));
        }
    }

    // 4. Imported from the emulator: a document of each kind, and nothing to plan.
    let imported = dir.join("imported");
    let import = command(&["import", "--out", imported.to_str().unwrap()], &envs)
        .output()
        .unwrap();
    assert!(import.status.success(), "import: {}", text(&import));
    let documents = document_kinds(&imported);
    for kind in &live {
        if !documents.contains(*kind) {
            missing.push(format!(
                "{kind}: `ppgov import` wrote no document of it (crates/import/src/lib.rs)"
            ));
        }
    }
    let reimported = planned_kinds(&imported, &dir.join("imported.json"), &envs);
    for kind in &live {
        let left = reimported.iter().filter(|k| k == kind).count();
        if left > 0 {
            missing.push(format!(
                "{kind}: the imported repository plans {left} change(s) (import and observe disagree)"
            ));
        }
    }

    assert!(
        missing.is_empty(),
        "live kinds that do not make the round trip:\n{}",
        missing.join("\n")
    );
}
