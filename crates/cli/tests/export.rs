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
