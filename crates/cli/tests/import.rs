//! `ppgov import` through the real binary: the bundled tenant and awkward ones round trip
//! (validate clean, plan empty), output is byte-identical, existing work is never
//! overwritten, and `--missing` adopts exactly what a repository does not declare.

mod common;

use common::{SNAPSHOT, fresh_dir, ppgov_command, root, text};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// 2026-11-27, so the header comments are the same on every run.
const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1795737600");

fn scratch(name: &str) -> PathBuf {
    fresh_dir("import", name)
}

fn run(args: &[&str]) -> Output {
    ppgov_command(args, &[EPOCH]).output().unwrap()
}

/// Every file under `dir` (relative path to bytes), schemas left out.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Imports `snapshot` into `out`, then checks the guarantee through the binary: no
/// diagnostics, and a plan against the same snapshot with no changes and nothing
/// "not managed here".
fn import_and_check(snapshot: &str, out: &Path, extra: &[&str]) -> Output {
    let out_s = out.to_str().unwrap();
    let mut args = vec!["import", "--out", out_s, "--snapshot", snapshot];
    args.extend(extra);
    let imported = run(&args);
    assert!(imported.status.success(), "{}", text(&imported));
    let validate = run(&["validate", out_s]);
    assert!(validate.status.success(), "{}", text(&validate));
    assert!(
        text(&validate).contains("0 errors, 0 warnings"),
        "{}",
        text(&validate)
    );
    let plan = run(&["plan", out_s, "--snapshot", snapshot, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(!text(&plan).contains("Not managed here"), "{}", text(&plan));
    imported
}

#[test]
fn the_bundled_tenant_imports_into_a_repository_that_plans_no_changes() {
    let dir = scratch("bundled");
    let out = dir.join("repo");
    let imported = import_and_check(SNAPSHOT, &out, &[]);
    let summary = String::from_utf8_lossy(&imported.stdout).replace(out.to_str().unwrap(), "OUT");
    insta::assert_snapshot!("import_bundled_summary", summary);
    // What users get, file by file.
    let all = files(&out);
    let shown: String = all
        .iter()
        .filter(|(p, _)| !p.starts_with("schemas/"))
        .map(|(p, b)| format!("=== {p}\n{}", String::from_utf8_lossy(b)))
        .collect();
    insta::assert_snapshot!("import_bundled_files", shown);
    assert!(all.contains_key("schemas/ppgov.schema.json"));
    // Every YAML file names the schema, relative to where it is.
    for (p, b) in &all {
        if p.ends_with(".yaml") {
            let up = "../".repeat(p.matches('/').count());
            let first = String::from_utf8_lossy(b)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            assert_eq!(
                first,
                format!("# yaml-language-server: $schema={up}schemas/ppgov.schema.json"),
                "{p}"
            );
        }
    }

    // Byte-identical on a second run.
    let again = dir.join("again");
    import_and_check(SNAPSHOT, &again, &[]);
    assert_eq!(files(&out), files(&again));

    // A non-empty directory is refused unless --force, and nothing is written.
    let before = files(&out);
    std::fs::write(out.join("dlp/legacy-allow-everything.yaml"), "# mine\n").unwrap();
    let refused = run(&[
        "import",
        "--out",
        out.to_str().unwrap(),
        "--snapshot",
        SNAPSHOT,
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("is not empty"),
        "{}",
        text(&refused)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("dlp/legacy-allow-everything.yaml")).unwrap(),
        "# mine\n"
    );
    let forced = run(&[
        "import",
        "--out",
        out.to_str().unwrap(),
        "--snapshot",
        SNAPSHOT,
        "--force",
    ]);
    assert!(forced.status.success(), "{}", text(&forced));
    assert_eq!(files(&out), before);
}

#[test]
fn missing_adds_only_what_the_repository_does_not_declare() {
    let dir = scratch("missing");
    let repo = dir.join("policies");
    std::fs::create_dir_all(&repo).unwrap();
    for (rel, bytes) in files(&root().join("policies")) {
        let p = repo.join(&rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let repo_s = repo.to_str().unwrap();
    let plan_before = run(&["plan", repo_s, "--snapshot", SNAPSHOT]);
    let before_text = text(&plan_before);
    assert!(
        before_text.contains("Not managed here (1)"),
        "{before_text}"
    );
    let before = files(&repo);

    let adopted = run(&[
        "import",
        "--missing",
        "--out",
        repo_s,
        "--snapshot",
        SNAPSHOT,
    ]);
    assert!(adopted.status.success(), "{}", text(&adopted));
    let after = files(&repo);
    for (p, b) in &before {
        assert_eq!(after.get(p), Some(b), "{p} was changed");
    }
    let added: Vec<&String> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    assert_eq!(added, ["roles/reader-tenant.yaml"], "{}", text(&adopted));
    let new_file = String::from_utf8_lossy(&after["roles/reader-tenant.yaml"]).into_owned();
    assert!(
        new_file.starts_with("# yaml-language-server: $schema=../../schemas/ppgov.schema.json"),
        "the repository's own schema reference, from one folder deeper:\n{new_file}"
    );

    let validate = run(&["validate", repo_s]);
    assert!(
        text(&validate).contains("0 errors, 0 warnings"),
        "{}",
        text(&validate)
    );
    let plan_after = text(&run(&["plan", repo_s, "--snapshot", SNAPSHOT]));
    assert!(!plan_after.contains("Not managed here"), "{plan_after}");
    // The planned changes are the same: only the report of undeclared objects went away.
    let changes = |plan: Output| {
        let v: Value = serde_json::from_slice(&plan.stdout).unwrap();
        v["changes"].clone()
    };
    let json_plan = |dir: &str| run(&["plan", dir, "--snapshot", SNAPSHOT, "--format", "json"]);
    let original = root().join("policies");
    assert_eq!(
        changes(json_plan(original.to_str().unwrap())),
        changes(json_plan(repo_s))
    );
    assert!(plan_after.contains(
        "Plan: 34 to add, 9 to change, 2 to destroy — breaks 2 apps and 4 flows in 3 environments."
    ));

    let again = run(&[
        "import",
        "--missing",
        "--out",
        repo_s,
        "--snapshot",
        SNAPSHOT,
    ]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("nothing to add"), "{}", text(&again));
    assert_eq!(files(&repo), after);
}

/// The bundled snapshot, made awkward: names of emoji, slashes and punctuation only, two
/// environments whose names differ only in case, a group with no members, a DLP policy that
/// lists every connector in one group, a custom connector.
fn awkward_snapshot(path: &Path) {
    let mut t: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    let names = [
        ("5a1e0009-0000-4000-8000-000000000009", "🚀🚀"),
        (
            "5a1e000a-0000-4000-8000-00000000000a",
            "CoE / Test: \"quoted\" #1",
        ),
        ("5a1e000e-0000-4000-8000-00000000000e", "!!!"),
        ("5a1e000f-0000-4000-8000-00000000000f", "Supply chain prod"),
        ("5a1e0011-0000-4000-8000-000000000011", "yes"),
    ];
    for (id, name) in names {
        t["environments"][id]["properties"]["displayName"] = json!(name);
    }
    t["environmentGroups"]["7e57e57e-0000-4000-8000-000000000001"] = json!({
        "id": "7e57e57e-0000-4000-8000-000000000001",
        "displayName": "Empty: nobody here",
        "description": "",
        "createdTime": "2025-04-01T09:00:00.0000000Z"
    });
    let catalog: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("data/connectors.json")).unwrap(),
    )
    .unwrap();
    let mut every: Vec<Value> = catalog["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["virtual"] == json!(false))
        .map(|c| json!({"id": c["id"], "name": c["name"], "type": "Microsoft.PowerApps/apis"}))
        .collect();
    every.push(json!({
        "id": "/providers/Microsoft.PowerApps/apis/shared_contoso-5forders-5f00ff",
        "name": "shared_contoso-5forders-5f00ff",
        "type": "Microsoft.PowerApps/apis"
    }));
    let template = t["dlpPolicies"]["5a1e03cc-0000-4000-8000-0000000003cc"].clone();
    let mut all_business = template;
    let id = "7e57e57e-0000-4000-8000-000000000002";
    all_business["policyDefinition"]["name"] = json!(id);
    all_business["policyDefinition"]["displayName"] = json!("Everything is business");
    all_business["policyDefinition"]["defaultConnectorsClassification"] = json!("General");
    all_business["policyDefinition"]["connectorGroups"] = json!([
        {"classification": "Confidential", "connectors": every},
        {"classification": "General", "connectors": []},
        {"classification": "Blocked", "connectors": []}
    ]);
    t["dlpPolicies"][id] = all_business;
    std::fs::write(path, serde_json::to_string_pretty(&t).unwrap()).unwrap();
}

#[test]
fn awkward_tenants_round_trip() {
    let dir = scratch("awkward");
    let snapshot = dir.join("tenant.json");
    awkward_snapshot(&snapshot);
    let snapshot = snapshot.to_str().unwrap();
    for (i, extra) in [
        vec![],
        vec!["--environments", "all"],
        vec!["--infer-selectors", "--environments", "all"],
    ]
    .into_iter()
    .enumerate()
    {
        let out = dir.join(format!("repo-{i}"));
        let imported = import_and_check(snapshot, &out, &extra);
        let all = files(&out);
        let body = |p: &str| String::from_utf8_lossy(&all[p]).into_owned();
        // Names are valid and distinct; the awkward display names survive quoted.
        assert!(
            all.contains_key("environment-groups/empty-nobody-here.yaml"),
            "{:?}",
            all.keys()
        );
        assert!(body("environment-groups/empty-nobody-here.yaml").contains("environments: []"));
        // Names of only emoji or punctuation fall back to the kind, told apart by their ids.
        assert!(
            body("environments/environment-5a1e0009.yaml").contains("displayName: \"🚀🚀\""),
            "{:?}",
            all.keys()
        );
        assert!(body("environments/environment-5a1e000e.yaml").contains("displayName: \"!!!\""));
        assert!(
            body("environments/coe-test-quoted-1.yaml")
                .contains(r#"displayName: "CoE / Test: \"quoted\" #1""#)
        );
        assert!(body("environments/yes.yaml").contains(r#"displayName: "yes""#));
        let project = body("ppgov.yaml");
        assert!(
            project
                .contains("id: /providers/Microsoft.PowerApps/apis/shared_contoso-5forders-5f00ff"),
            "{project}"
        );
        let policy = body("dlp/everything-is-business.yaml");
        assert!(policy.contains("    business:\n      - "), "{policy}");
        assert!(
            policy.contains("      - contoso-5forders-5f00ff\n"),
            "{policy}"
        );
        assert!(text(&imported).contains("DlpPolicy"));
    }
    // Two environments whose names differ only in case get distinct, id-suffixed names.
    let mut t: Value = serde_json::from_str(&std::fs::read_to_string(snapshot).unwrap()).unwrap();
    t["environments"]["5a1e000b-0000-4000-8000-00000000000b"]["properties"]["displayName"] =
        json!("Sales");
    t["environments"]["5a1e000c-0000-4000-8000-00000000000c"]["properties"]["displayName"] =
        json!("SALES");
    let cased = dir.join("cased.json");
    std::fs::write(&cased, serde_json::to_string(&t).unwrap()).unwrap();
    let out = dir.join("repo-cased");
    import_and_check(cased.to_str().unwrap(), &out, &[]);
    let all = files(&out);
    assert!(
        all.contains_key("environments/sales-5a1e000b.yaml"),
        "{:?}",
        all.keys()
    );
    assert!(
        all.contains_key("environments/sales-5a1e000c.yaml"),
        "{:?}",
        all.keys()
    );
}

#[test]
fn only_some_kinds_and_bad_arguments() {
    let dir = scratch("only");
    let out = dir.join("repo");
    let out_s = out.to_str().unwrap();
    let imported = run(&[
        "import",
        "--out",
        out_s,
        "--snapshot",
        SNAPSHOT,
        "--only",
        "DlpPolicy,TenantSettings",
    ]);
    assert!(imported.status.success(), "{}", text(&imported));
    let names: Vec<String> = files(&out)
        .into_keys()
        .filter(|p| !p.starts_with("schemas/"))
        .collect();
    assert_eq!(
        names,
        [
            "dlp/default-environment-personal-productivity.yaml",
            "dlp/legacy-allow-everything.yaml",
            "ppgov.yaml",
            "tenant.yaml"
        ]
    );
    // Environments are then named by id; the plan still changes nothing.
    let policy =
        String::from_utf8_lossy(&files(&out)["dlp/default-environment-personal-productivity.yaml"])
            .into_owned();
    assert!(
        policy.contains("- id: 5a1e0001-0000-4000-8000-000000000001"),
        "{policy}"
    );
    let plan = run(&["plan", out_s, "--snapshot", SNAPSHOT, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));

    let no_out = run(&["import", "--snapshot", SNAPSHOT]);
    assert_eq!(no_out.status.code(), Some(1));
    assert!(text(&no_out).contains("--out DIR"), "{}", text(&no_out));
    let file_out = run(&["import", "--out", "README.md", "--snapshot", SNAPSHOT]);
    assert_eq!(file_out.status.code(), Some(1));
    assert!(text(&file_out).contains("is a file"), "{}", text(&file_out));
    let no_tenant = run(&["import", "--out", dir.join("x").to_str().unwrap()]);
    assert_eq!(no_tenant.status.code(), Some(1));
    assert!(
        text(&no_tenant).contains("no tenant to read"),
        "{}",
        text(&no_tenant)
    );
    assert!(
        !dir.join("x").exists(),
        "nothing is written when the tenant cannot be read"
    );
}
