//! `ppgov inventory` through the binary: a seeded tenant from a snapshot file in the three
//! formats (insta snapshots), and a live emulator for `--environment`, which reads that
//! environment's inventory only.

mod common;

use common::{fresh_dir, ppgov_command, text};
use std::path::Path;

/// A small seeded tenant with apps, flows and custom connectors, some violating its policies.
fn seed() -> ppgov_emulator::SeedRequest {
    ppgov_emulator::SeedRequest {
        environments: 4,
        groups: 1,
        dlp_policies: 3,
        role_assignments: 2,
        seed: 1,
        tenant_id: None,
        apps: 6,
        flows: 4,
    }
}

fn inventory(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut all = vec!["inventory", "--policies", "no-repository-here"];
    all.extend_from_slice(args);
    let out = ppgov_command(&all, envs).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        text(&out),
    )
}

fn from_snapshot(file: &Path, format: &str) -> String {
    let (code, stdout, all) = inventory(
        &["--snapshot", file.to_str().unwrap(), "--format", format],
        &[],
    );
    assert_eq!(code, 0, "{all}");
    stdout
}

#[test]
fn a_seeded_snapshot_in_text_json_and_csv() {
    let dir = fresh_dir("inventory", "formats");
    let file = dir.join("seeded.json");
    std::fs::write(&file, ppgov_emulator::seed::generate(&seed()).to_json()).unwrap();

    let text = from_snapshot(&file, "text");
    insta::assert_snapshot!("inventory_seeded_text", text);
    assert!(
        text.contains("VIOLATES") && text.contains("  ok "),
        "{text}"
    );

    let json = from_snapshot(&file, "json");
    insta::assert_snapshot!("inventory_seeded_json", json);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["formatVersion"], 1);
    assert_eq!(doc["summary"]["apps"], 6);
    assert_eq!(doc["summary"]["flows"], 4);
    assert_eq!(doc["summary"]["environments"], 4);
    let violating = doc["summary"]["violating"].as_u64().unwrap();
    assert!((1..10).contains(&violating), "{violating}");
    assert_eq!(json, from_snapshot(&file, "json"), "deterministic");

    let csv = from_snapshot(&file, "csv");
    insta::assert_snapshot!("inventory_seeded_csv", csv);
    let rows: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert!(rows[0].starts_with("environmentId,environmentName,kind,id,"));
    let custom = doc["summary"]["customConnectors"].as_u64().unwrap() as usize;
    assert_eq!(rows.len(), 1 + 6 + 4 + custom);
    // Fields with commas are quoted (RFC 4180).
    assert!(csv.contains(",\"shared_"), "{csv}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn one_environment_by_name_reads_only_that_environment() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime
        .block_on(ppgov_emulator::Emulator::start(
            ppgov_emulator::Config::default().seeded(seed()),
        ))
        .unwrap();
    let state = emulator.state();
    let (default_id, _) = state
        .environments
        .iter()
        .find(|(_, e)| e.properties.is_default)
        .unwrap();
    let base = emulator.base_url();
    let token = emulator.token().unwrap().to_owned();
    let live = [
        ("PPGOV_BASE_URL", base.as_str()),
        ("PPGOV_TOKEN", token.as_str()),
    ];

    emulator.clear_requests();
    let (code, json, all) = inventory(
        &["--environment", "contoso (DEFAULT)", "--format", "json"],
        &live,
    );
    assert_eq!(code, 0, "{all}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let envs = doc["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 1);
    assert_eq!(envs[0]["id"], default_id.to_lowercase());
    // Inventory routes were requested for that environment only.
    let log = emulator.requests();
    let inventory_requests: Vec<_> = log
        .recent
        .iter()
        .filter(|r| r.route.contains("/scopes/admin/environments/{env}/"))
        .collect();
    assert!(inventory_requests.len() >= 4, "{:#?}", log.by_route);
    for r in inventory_requests {
        assert!(
            r.uri.to_lowercase().contains(&default_id.to_lowercase()),
            "{}",
            r.uri
        );
    }

    // The same environment by id gives the same report.
    let (_, by_id, _) = inventory(&["--environment", default_id, "--format", "json"], &live);
    assert_eq!(by_id, json);

    let (code, _, all) = inventory(&["--environment", "Nowhere"], &live);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("--environment `Nowhere`"), "{all}");
    runtime.block_on(emulator.shutdown());
}

/// The bundled tenant carries a small inventory; one flow already violates the live
/// default-environment policy (both its connectors are unlisted there, so blocked).
#[test]
fn the_bundled_tenant_has_an_inventory() {
    let (code, json, all) = inventory(&["--snapshot", common::SNAPSHOT, "--format", "json"], &[]);
    assert_eq!(code, 0, "{all}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["summary"]["apps"], 4);
    assert_eq!(doc["summary"]["flows"], 5);
    assert_eq!(doc["summary"]["customConnectors"], 1);
    assert_eq!(doc["summary"]["violating"], 1);
    assert!(json.contains("\"displayName\": \"Tweet new blog posts\""));
}
