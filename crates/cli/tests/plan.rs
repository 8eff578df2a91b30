//! `ppgov plan` and `ppgov show` through the real binary: against the bundled tenant
//! snapshot, and against an emulator reached over HTTP with credentials from the environment.

use std::path::PathBuf;
use std::process::Output;

mod common;
use common::{copy_dir, fresh_dir, ppgov_command, root};

fn ppgov(args: &[&str], envs: &[(&str, &str)]) -> Output {
    ppgov_command(args, envs).output().expect("ppgov runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SNAPSHOT: &str = "examples/tenant-snapshot.json";

/// An emulator serving `config`, in process on 127.0.0.1:0, and the runtime it runs on.
fn start_emulator(
    config: ppgov_emulator::Config,
) -> (tokio::runtime::Runtime, ppgov_emulator::RunningEmulator) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime
        .block_on(ppgov_emulator::Emulator::start(config))
        .unwrap();
    (runtime, emulator)
}

/// An emulator serving the bundled snapshot.
fn snapshot_emulator() -> (tokio::runtime::Runtime, ppgov_emulator::RunningEmulator) {
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    start_emulator(ppgov_emulator::Config {
        tenant: ppgov_emulator::Tenant::from_json(&snapshot).unwrap(),
        ..Default::default()
    })
}

#[test]
fn plans_the_sample_repository_against_the_bundled_snapshot() {
    let out = ppgov(&["plan", "policies", "--snapshot", SNAPSHOT], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    insta::assert_snapshot!("sample_plan_text", stdout(&out));

    let out = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--detailed-exitcode",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "changes present");

    let out = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--format",
            "markdown",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("sample_plan_markdown", stdout(&out));

    let out = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--format",
            "json",
        ],
        &[],
    );
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(plan["formatVersion"], 2);
    assert!(plan["fingerprints"].as_object().unwrap().len() > 10);
    assert!(
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["action"] == "delete")
    );
}

#[test]
fn the_same_inputs_give_byte_identical_plans() {
    let a = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--format",
            "json",
        ],
        &[],
    );
    let b = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn a_saved_plan_is_shown_as_planned_and_other_versions_are_refused() {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("plan-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("plan.json");
    let planned = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--out",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(planned.status.code(), Some(0), "{}", stderr(&planned));
    assert!(stdout(&planned).contains("Saved the plan to"));
    let shown = ppgov(&["show", file.to_str().unwrap()], &[]);
    assert_eq!(shown.status.code(), Some(0));
    assert!(
        stdout(&planned).starts_with(&stdout(&shown)),
        "show renders the saved plan exactly"
    );

    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"formatVersion\": 2", "\"formatVersion\": 99");
    std::fs::write(&file, text).unwrap();
    let refused = ppgov(&["show", file.to_str().unwrap()], &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("plan format version 99"),
        "{}",
        stderr(&refused)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn without_a_tenant_the_error_says_how_to_give_one() {
    let out = ppgov(&["plan", "policies"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("PPGOV_TOKEN") && err.contains("--snapshot"),
        "{err}"
    );
}

#[test]
fn targets_limit_the_plan_and_unknown_targets_are_errors() {
    let out = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--target",
            "DlpPolicy.production",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("DlpPolicy.production"));
    assert!(!text.contains("DlpPolicy.tenant-baseline"));
    assert!(text.contains("GroupMembership."), "dependencies are kept");
    let out = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--target",
            "DlpPolicy.nope",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("DlpPolicy.nope"));

    // A declared resource already in sync is known: no changes, exit 0, not a typo.
    let out = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--target",
            "Environment.fin-prod",
            "--detailed-exitcode",
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("No changes"), "{}", stdout(&out));
    // With changes: 2.
    let out = ppgov(
        &[
            "plan",
            "--policies",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--target",
            "Environment.fin-prod",
            "--target",
            "DlpPolicy.production",
            "--detailed-exitcode",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A typo: 1, with the declared address it probably meant.
    let out = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--target",
            "DlpPolicy.prodution",
            "--detailed-exitcode",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`DlpPolicy.prodution` (did you mean `DlpPolicy.production`?)"),
        "{}",
        stderr(&out)
    );
}

/// The Markdown comment stays within `--max-comment-chars`, saying what it cut and where the
/// full plan is.
#[test]
fn markdown_comments_stay_within_their_budget() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("md-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan_file = dir.join("plan.json");
    let p = plan_file.to_str().unwrap();
    let full = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--format",
            "markdown",
        ],
        &[],
    );
    let full = stdout(&full);
    assert!(
        !full.contains("shortened"),
        "the default budget fits the sample plan"
    );
    let out = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            SNAPSHOT,
            "--format",
            "markdown",
            "--out",
            p,
            "--max-comment-chars",
            "4000",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let short = stdout(&out);
    assert!(short.chars().count() <= 4000, "{}", short.chars().count());
    assert!(full.chars().count() > 4000);
    assert!(
        short.contains("This comment is shortened to stay under 4000 characters"),
        "{short}"
    );
    assert!(short.contains(&format!("`ppgov show {p}`")), "{short}");
    // Risky changes keep their place.
    assert!(short.contains("DlpPolicy.default-environment"), "{short}");
    // `show` renders the saved plan within a budget too.
    let out = ppgov(
        &[
            "show",
            p,
            "--format",
            "markdown",
            "--max-comment-chars",
            "4000",
        ],
        &[],
    );
    assert!(stdout(&out).chars().count() <= 4000);
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs the emulator in-process and plans against it over HTTP, as against a live tenant.
#[test]
fn plans_against_an_emulator_over_http_with_a_token_from_the_environment() {
    let (runtime, emulator) = snapshot_emulator();
    let base = emulator.base_url();
    let token = emulator.token().unwrap().to_owned();
    let live = ppgov(
        &["plan", "policies"],
        &[("PPGOV_BASE_URL", &base), ("PPGOV_TOKEN", &token)],
    );
    assert_eq!(
        live.status.code(),
        Some(0),
        "{}{}",
        stdout(&live),
        stderr(&live)
    );
    let offline = ppgov(&["plan", "policies", "--snapshot", SNAPSHOT], &[]);
    assert_eq!(
        stdout(&live),
        stdout(&offline),
        "the snapshot and the live emulator plan the same"
    );

    // A wrong token is a clear authentication error naming the request, never the token.
    let denied = ppgov(
        &["plan", "policies"],
        &[("PPGOV_BASE_URL", &base), ("PPGOV_TOKEN", "wrong-token")],
    );
    assert_eq!(denied.status.code(), Some(1));
    let err = stderr(&denied);
    assert!(
        err.contains("401") || err.to_lowercase().contains("unauthorized"),
        "{err}"
    );
    assert!(
        !err.contains("wrong-token"),
        "the token must not be printed: {err}"
    );
    runtime.block_on(emulator.shutdown());
}

#[test]
fn an_unreachable_tenant_is_a_clear_error() {
    // Port 9 (discard) on loopback: nothing listens there.
    let out = ppgov(
        &["plan", "policies"],
        &[
            ("PPGOV_BASE_URL", "http://127.0.0.1:9"),
            ("PPGOV_TOKEN", "t"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).is_empty());
}

#[test]
fn plan_problems_point_at_the_yaml_that_caused_them() {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("plan-err-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ppgov.yaml"),
        "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {name: p}\nspec: {}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("group.yaml"),
        "apiVersion: ppgov.dev/v1\nkind: EnvironmentGroup\nmetadata: {name: g}\nspec:\n  displayName: G\n  members:\n    environments:\n      - id: 0badc0de-0000-4000-8000-000000000000\n",
    )
    .unwrap();
    let out = ppgov(
        &["plan", dir.to_str().unwrap(), "--snapshot", SNAPSHOT],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("PPG500"), "{text}");
    assert!(
        text.contains("group.yaml:7:5") || text.contains("group.yaml:8:"),
        "{text}"
    );
    assert!(text.contains("No plan was made"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_exported_snapshot_plans_exactly_like_its_tenant() {
    let (runtime, emulator) = snapshot_emulator();
    let base = emulator.base_url();
    let token = emulator.token().unwrap().to_owned();
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("exported.json");
    let export = |extra: &[&str]| {
        let mut args = vec!["export", "--snapshot", file.to_str().unwrap()];
        args.extend(extra);
        let out = ppgov(&args, &[("PPGOV_BASE_URL", &base), ("PPGOV_TOKEN", &token)]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("19 environments"), "{}", stdout(&out));
        let plan = ppgov(
            &["plan", "policies", "--snapshot", file.to_str().unwrap()],
            &[],
        );
        (stdout(&plan), stderr(&plan))
    };
    let from_original = stdout(&ppgov(&["plan", "policies", "--snapshot", SNAPSHOT], &[]));
    let (with_inventory, note) = export(&["--inventory"]);
    assert_eq!(with_inventory, from_original);
    assert!(!note.contains("holds no inventory"), "{note}");
    // Exported without its inventory, the snapshot cannot say what DLP changes break: the
    // plan claims nothing about it ("breaks nothing" would be a guess) and says why.
    let (without, note) = export(&[]);
    assert!(
        !without.contains("impact:") && !without.contains("breaks"),
        "{without}"
    );
    assert!(
        note.contains("holds no inventory") && note.contains("ppgov export --inventory"),
        "{note}"
    );
    // Asked for every environment's inventory, it says so too.
    let all = ppgov(
        &[
            "plan",
            "policies",
            "--snapshot",
            file.to_str().unwrap(),
            "--inventory",
            "all",
        ],
        &[],
    );
    assert!(
        stderr(&all).contains("holds no inventory"),
        "{}",
        stderr(&all)
    );
    runtime.block_on(emulator.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

/// A synthetic tenant from the emulator's seeder: the repository adopts nothing in it, so
/// the plan creates what the repository declares and reports the seeded objects.
#[test]
fn plans_against_a_seeded_emulator() {
    let (runtime, emulator) = start_emulator(ppgov_emulator::Config::default().seeded(
        ppgov_emulator::SeedRequest {
            environments: 200,
            groups: 12,
            dlp_policies: 20,
            role_assignments: 50,
            seed: 11,
            tenant_id: None,
            apps: 0,
            flows: 0,
        },
    ));
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("seeded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("repo.yaml"),
        "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {name: p}\nspec: {}\n---\n\
         apiVersion: ppgov.dev/v1\nkind: EnvironmentGroup\nmetadata: {name: developers}\nspec:\n  displayName: Developer environments\n  members:\n    selectors:\n      - types: [Developer]\n  rules:\n    backupRetention: {days: 7}\n---\n\
         apiVersion: ppgov.dev/v1\nkind: DlpPolicy\nmetadata: {name: baseline}\nspec:\n  displayName: Repository baseline\n  scope: {mode: all}\n  connectors: {default: nonBusiness, blocked: [twitter, dropbox]}\n---\n\
         apiVersion: ppgov.dev/v1\nkind: TenantSettings\nmetadata: {name: tenant}\nspec:\n  disableTrialEnvironmentCreationByNonAdminUsers: true\n",
    )
    .unwrap();
    let base = emulator.base_url();
    let token = emulator.token().unwrap().to_owned();
    let out = ppgov(
        &["plan", dir.to_str().unwrap(), "--detailed-exitcode"],
        &[("PPGOV_BASE_URL", &base), ("PPGOV_TOKEN", &token)],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}{}", stderr(&out));
    assert!(text.contains("+ EnvironmentGroup.developers"), "{text}");
    assert!(text.contains("+ DlpPolicy.baseline"), "{text}");
    assert!(
        text.contains("GroupMembership.developers["),
        "selector members from the live tenant: {text}"
    );
    assert!(
        text.contains("Not managed here"),
        "seeded objects are reported under shared ownership: {text}"
    );
    runtime.block_on(emulator.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_base_url_can_come_from_ppgov_yaml() {
    let (runtime, emulator) = snapshot_emulator();
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("base-url-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ppgov.yaml"),
        format!(
            "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {{name: p}}\nspec:\n  tenant: {{baseUrl: \"{}\"}}\n",
            emulator.base_url()
        ),
    )
    .unwrap();
    let token = emulator.token().unwrap().to_owned();
    let out = ppgov(&["plan", dir.to_str().unwrap()], &[("PPGOV_TOKEN", &token)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("Not managed here"),
        "{}",
        stdout(&out)
    );
    runtime.block_on(emulator.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}

/// Recorded tenants hold RBAC scopes without the `/tenants/{t}` prefix, and a scope of a shape
/// ppgov does not know must not fail the read: the plan notes that assignment instead.
#[test]
fn rbac_scopes_as_the_service_spells_them_are_read_and_unknown_ones_noted() {
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    let mut tenant = ppgov_emulator::Tenant::from_json(&snapshot).unwrap();
    let env = tenant.environments.keys().next().unwrap().clone();
    for (id, scope) in [
        (
            "7a000001-0000-4000-8000-000000000001",
            format!("/environments/{env}"),
        ),
        (
            "7a000002-0000-4000-8000-000000000002",
            "/billingPolicies/b1".to_owned(),
        ),
    ] {
        tenant.rbac_role_assignments.insert(
            id.to_owned(),
            common::rbac_assignment(
                id,
                "7a0000ff-0000-4000-8000-0000000000ff",
                common::RBAC_READER,
                &scope,
            ),
        );
    }
    let (runtime, emulator) = start_emulator(ppgov_emulator::Config {
        tenant,
        ..Default::default()
    });
    // The repository assigns an RBAC role on that environment, so its scope is read.
    let repo = fresh_dir("rbac-short-scope", "repo");
    copy_dir(&root().join("policies"), &repo);
    std::fs::write(
        repo.join("roles/rbac-reader.yaml"),
        format!(
            "apiVersion: ppgov.dev/v1\nkind: RoleAssignment\nmetadata: {{name: env-reader}}\nspec:\n  role: reader\n  scope: {{environment: {{id: {env}}}}}\n  principals:\n    - {{type: user, id: 7a0000ee-0000-4000-8000-0000000000ee}}\n"
        ),
    )
    .unwrap();
    let base = emulator.base_url();
    let token = emulator.token().unwrap().to_owned();
    let out = ppgov(
        &["plan", repo.to_str().unwrap()],
        &[("PPGOV_BASE_URL", &base), ("PPGOV_TOKEN", &token)],
    );
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("7a000002-0000-4000-8000-000000000002")
            && text.contains("scope ppgov does not recognise (`/billingPolicies/b1`)"),
        "{text}"
    );
    // The short form is read as the environment scope it names.
    assert!(
        text.lines()
            .any(|l| l.contains("7a0000ff-0000-4000-8000-0000000000ff")
                && l.contains("at environment \"")
                && !l.contains("does not recognise")),
        "{text}"
    );
    runtime.block_on(emulator.shutdown());
    let _ = std::fs::remove_dir_all(repo);
}

/// The route each environment's own RBAC scope is listed on.
const RBAC_ENVIRONMENT_ROUTE: &str = "/authorization/environments/{env}/roleAssignments";

/// Environments' own RBAC scopes are listed only where the repository assigns RBAC roles
/// under shared ownership (one environment: one list), and every one under exclusive
/// ownership (which must find strays). What was listed is known, not treated as empty: a
/// declared assignment that exists is not planned again, and one in a scope not listed is
/// neither reported nor deleted.
#[test]
fn rbac_environment_scopes_are_listed_where_the_repository_needs_them() {
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    let mut tenant = ppgov_emulator::Tenant::from_json(&snapshot).unwrap();
    let environments = tenant.environments.len() as u64;
    let mut envs = tenant.environments.keys().cloned();
    let (assigned, other) = (envs.next().unwrap(), envs.next().unwrap());
    let declared = "7b0000d1-0000-4000-8000-0000000000d1";
    let stray = "7b0000d2-0000-4000-8000-0000000000d2";
    for (id, principal, env) in [
        ("7b000001-0000-4000-8000-000000000001", declared, &assigned),
        ("7b000002-0000-4000-8000-000000000002", stray, &other),
    ] {
        let scope = format!("/tenants/{}/environments/{env}", tenant.tenant_id);
        tenant.rbac_role_assignments.insert(
            id.to_owned(),
            common::rbac_assignment(id, principal, common::RBAC_READER, &scope),
        );
    }
    let (runtime, emulator) = start_emulator(ppgov_emulator::Config {
        tenant,
        ..Default::default()
    });
    let base = emulator.base_url();
    let token = emulator.token().unwrap().to_owned();
    let dir = fresh_dir("rbac-scopes", "repo");
    let plan_with = |ownership: &str| {
        std::fs::write(
            dir.join("repo.yaml"),
            format!(
                "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {{name: p}}\nspec:\n  ownership: {{RoleAssignment: {ownership}}}\n---\n\
                 apiVersion: ppgov.dev/v1\nkind: RoleAssignment\nmetadata: {{name: env-reader}}\nspec:\n  role: reader\n  scope: {{environment: {{id: {assigned}}}}}\n  principals:\n    - {{type: user, id: {declared}}}\n"
            ),
        )
        .unwrap();
        emulator.clear_requests();
        let out = ppgov(
            &["plan", dir.to_str().unwrap(), "--detailed-exitcode"],
            &[("PPGOV_BASE_URL", &base), ("PPGOV_TOKEN", &token)],
        );
        (out, emulator.requests())
    };

    let (out, log) = plan_with("shared");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(log.count("GET", RBAC_ENVIRONMENT_ROUTE), 1, "{text}");
    let listed: Vec<&str> = log
        .recent
        .iter()
        .filter(|r| r.route == RBAC_ENVIRONMENT_ROUTE)
        .map(|r| r.uri.as_str())
        .collect();
    assert!(
        listed.len() == 1 && listed[0].contains(&assigned),
        "only the assigned environment's scope: {listed:?}"
    );
    // The declared assignment exists, so nothing is planned; the stray is not known here.
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains(stray), "{text}");

    let (out, log) = plan_with("exclusive");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        log.count("GET", RBAC_ENVIRONMENT_ROUTE),
        environments,
        "{text}"
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("- RoleAssignment[") && l.contains(stray)),
        "the stray is found and deleted under exclusive ownership: {text}"
    );
    assert!(!text.contains("+ RoleAssignment"), "{text}");
    runtime.block_on(emulator.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}
