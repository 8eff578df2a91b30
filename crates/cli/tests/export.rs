//! `ppgov export` through the binary: the snapshot it writes for the bundled tenant is pinned
//! byte for byte, and exporting that export changes nothing.

mod common;

use common::{fresh_dir, ppgov_command, root, text};

const BUNDLED: &str = "examples/tenant-snapshot.json";

fn export(from: &str, to: &std::path::Path) -> String {
    let out = ppgov_command(
        &[
            "export",
            "--snapshot",
            to.to_str().unwrap(),
            "--from-snapshot",
            from,
        ],
        &[],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    std::fs::read_to_string(to).unwrap()
}

#[test]
fn the_bundled_tenant_exports_to_the_pinned_snapshot() {
    let dir = fresh_dir("export", "bundled");
    let exported = export(BUNDLED, &dir.join("exported.json"));
    // The connector catalog comes last and holds the bundled catalog's connectors (in the
    // order the tenant lists them): pin the governed state byte for byte and the catalog by
    // its ids.
    let (governed, catalog) = exported
        .split_once(",\n  \"connectors\": [")
        .expect("the export ends with the tenant's connector catalog");
    insta::assert_snapshot!("export_bundled_governed_state", governed);
    let catalog: Vec<serde_json::Value> =
        serde_json::from_str(&format!("[{}", catalog.trim_end().trim_end_matches('}'))).unwrap();
    let bundled: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("data/connectors.json")).unwrap(),
    )
    .unwrap();
    let ids = |list: &[serde_json::Value]| -> Vec<String> {
        let mut ids: Vec<String> = list
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(&catalog),
        ids(bundled["connectors"].as_array().unwrap())
    );

    // A snapshot is the export's fixed point.
    let again = export(
        dir.join("exported.json").to_str().unwrap(),
        &dir.join("again.json"),
    );
    assert_eq!(again, exported);
    let _ = std::fs::remove_dir_all(dir);
}

/// Wire types reach the CLI only through the client (`convert`) and the emulator that serves
/// snapshots: the CLI itself does not depend on the wire contract.
#[test]
fn the_cli_does_not_depend_on_the_wire_contract() {
    let manifest =
        std::fs::read_to_string(root().join("crates/cli/Cargo.toml")).expect("the CLI manifest");
    assert!(
        !manifest.contains("ppgov-tenant-api"),
        "crates/cli/Cargo.toml lists ppgov-tenant-api: convert in ppgov-tenant-client instead"
    );
}

fn export_with(from: &std::path::Path, to: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec![
        "export",
        "--snapshot",
        to.to_str().unwrap(),
        "--from-snapshot",
        from.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = ppgov_command(&args, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    text(&out)
}

/// The inventory goes into the snapshot only with `--inventory`, and an export with it is
/// its own fixed point: apps, flows, custom connectors and connections read back alike.
#[test]
fn export_writes_the_inventory_when_asked() {
    let dir = fresh_dir("export", "inventory");
    let seeded = ppgov_emulator::seed::generate(&ppgov_emulator::SeedRequest {
        environments: 9,
        groups: 2,
        dlp_policies: 3,
        role_assignments: 3,
        seed: 4,
        tenant_id: None,
        apps: 25,
        flows: 15,
    });
    let source = dir.join("seeded.json");
    std::fs::write(&source, seeded.to_json()).unwrap();
    let count = |v: &serde_json::Value, key: &str| -> usize {
        v[key].as_object().map_or(0, |envs| {
            envs.values().map(|m| m.as_object().unwrap().len()).sum()
        })
    };

    let plain = dir.join("plain.json");
    export_with(&source, &plain, &[]);
    let plain: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plain).unwrap()).unwrap();
    for key in ["apps", "flows", "customConnectors", "connections"] {
        assert_eq!(count(&plain, key), 0, "{key} without --inventory");
    }

    let first = dir.join("first.json");
    let said = export_with(&source, &first, &["--inventory"]);
    assert!(said.contains("25 apps, 15 flows"), "{said}");
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    let seeded: serde_json::Value = serde_json::from_str(&seeded.to_json()).unwrap();
    for key in ["apps", "flows", "customConnectors", "connections"] {
        assert_eq!(count(&exported, key), count(&seeded, key), "{key}");
        assert!(count(&exported, key) > 0, "{key}");
    }
    let second = dir.join("second.json");
    export_with(&first, &second, &["--inventory"]);
    assert_eq!(
        std::fs::read_to_string(&second).unwrap(),
        std::fs::read_to_string(&first).unwrap()
    );
    let _ = std::fs::remove_dir_all(dir);
}
