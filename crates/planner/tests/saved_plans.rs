//! Plans saved before addresses and fingerprint keys were typed still load, and every
//! address and key in them reads back through [`Address`] and [`FingerprintKey`] to the very
//! string the file holds. The saved plans are the committed `plan-json` snapshots of the
//! planner scenarios.

use ppgov_planner::plan::created_group_of;
use ppgov_planner::{Address, After, FingerprintKey, Plan};
use std::path::Path;

fn saved_plans() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut plans: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("scenarios folder")
        .flatten()
        .map(|e| e.path().join("plan-json.snap"))
        .filter(|p| p.is_file())
        .map(|p| {
            let snap = std::fs::read_to_string(&p).unwrap();
            // An insta snapshot: a `---` header, then the plan JSON.
            let json = snap
                .splitn(3, "---\n")
                .nth(2)
                .unwrap_or_else(|| panic!("{}: no snapshot header", p.display()));
            (p.display().to_string(), json.trim_end().to_owned())
        })
        .collect();
    plans.sort();
    assert!(plans.len() > 20, "found only {} saved plans", plans.len());
    plans
}

fn reads_back(what: &str, address: &str) {
    let typed: Address = address.parse().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(typed.to_string(), address, "{what}");
}

#[test]
fn saved_plans_load_and_write_back_byte_identical() {
    for (file, json) in saved_plans() {
        let plan: Plan = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_string_pretty(&plan).unwrap(), json, "{file}");
    }
}

#[test]
fn every_address_and_fingerprint_key_of_a_saved_plan_reads_back() {
    let mut created_group_refs = 0;
    for (file, json) in saved_plans() {
        let plan: Plan = serde_json::from_str(&json).unwrap();
        for change in &plan.changes {
            reads_back(&file, &change.address);
            let typed: Address = change.address.parse().unwrap();
            assert_eq!(typed.kind, change.kind, "{file}: {}", change.address);
            for dependency in &change.depends_on {
                reads_back(&file, dependency);
            }
            if let After::RoleAssignment(a) = &change.after
                && let Some(group) = created_group_of(&a.scope)
            {
                reads_back(&file, group);
                created_group_refs += 1;
            }
        }
        for key in plan.fingerprints.keys() {
            let typed: FingerprintKey = key.parse().unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(&typed.to_string(), key, "{file}");
        }
    }
    assert!(
        created_group_refs > 0,
        "no saved plan refers to a created group"
    );
}
