//! Issue 16's acceptance through the real binary against a snapshot served by the emulator:
//! a request for a new sandbox in a group becomes a repository change; `apply` creates it, adds
//! it to its group and assigns its roles; the next plan is empty; an `expires` in the past plans
//! its deletion, refused without `--allow-destroy`. A connector request edits the one policy
//! that covers only its target; bad requests leave the repository byte for byte untouched.

use std::path::Path;
use std::process::Output;

mod common;
use common::{ALLOW, ppgov_on, scratch_repository, text};

/// Every file under `dir` (path and bytes), to compare a tree before and after.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// `ppgov request WORDS... --policies REPO --snapshot SNAP` on the tests' day.
fn request(words: &[&str], repo: &str, snap: &str) -> Output {
    let mut args = vec!["request"];
    args.extend(words);
    args.extend(["--policies", repo, "--snapshot", snap]);
    ppgov_on(TODAY, &args)
}

const TODAY: &str = "2027-01-15";

const OWNER: &str = "group:5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716:SG-HR-Sandbox-Admins";

#[test]
fn a_requested_sandbox_is_created_converges_then_expires_behind_the_gate() {
    let (dir, repo_dir, snap) = scratch_repository("requests", "sandbox");
    let (repo, snap) = (repo_dir.to_str().unwrap(), snap.to_str().unwrap());
    let journal = dir.join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    let mut apply = vec!["apply", repo, "--snapshot", snap, "--journal", journal];
    apply.extend(ALLOW);
    let today = TODAY;
    let first = ppgov_on(today, &apply);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));

    // Bad requests fail with a clear error and change nothing.
    let before = tree(&repo_dir);
    for (words, expected) in [
        (
            "environment hr-sandbox --type sandbox --region mars --group hr",
            "the tenant has no environment in region `mars`",
        ),
        (
            "environment hr-prod --type sandbox --region europe",
            "an environment named `hr-prod` is already declared in `environments/hr.yaml`",
        ),
        (
            "environment hr-sandbox --type sandbox --region europe --display-name People~Prod",
            "environment `hr-prod` already has the display name \"People Prod\"",
        ),
        (
            "environment campaigns --type sandbox --region europe --display-name Marketing~Campaigns",
            "the tenant already has an environment named \"Marketing Campaigns\"",
        ),
        (
            "environment hr-sandbox --type sandbox --region europe --expires 2027-02-30",
            "the requested change would not validate (1 error",
        ),
        (
            "environment hr-sandbox --type sandbox --region europe --group hrr",
            "no environment group `hrr` is declared (did you mean `hr`?)",
        ),
        (
            "connector sharepointonlin --for default",
            "no connector `sharepointonlin` in the catalog; did you mean `sharepointonline`",
        ),
        (
            "connector sql --for developer-sandboxes",
            "by data policies that also cover other environments: `tenant-baseline`",
        ),
        (
            "connector office365 --for default",
            "is already business in every data policy that covers `default`",
        ),
    ] {
        // `~` stands for a space inside one argument.
        let words: Vec<String> = words.split(' ').map(|w| w.replace('~', " ")).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let out = request(&words, repo, snap);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(1), "{words:?}: {t}");
        assert!(t.contains(expected), "{words:?}: {t}");
        assert!(t.contains("othing was changed"), "{words:?}: {t}");
        assert!(
            tree(&repo_dir) == before,
            "{words:?} changed the repository"
        );
    }

    // The request becomes a new file beside the other environments.
    let request = request(
        &[
            "environment",
            "hr-sandbox",
            "--type",
            "sandbox",
            "--region",
            "europe",
            "--group",
            "hr",
            "--owner",
            OWNER,
            "--display-name",
            "HR Sandbox",
        ],
        repo,
        snap,
    );
    let t = text(&request);
    assert_eq!(request.status.code(), Some(0), "{t}");
    assert!(t.contains("+ Environment.hr-sandbox \"HR Sandbox\""), "{t}");
    assert!(t.contains("GroupMembership.hr[\"HR Sandbox\"]"), "{t}");
    assert!(t.contains("Approvals this change needs:"), "{t}");
    let after = tree(&repo_dir);
    let added: Vec<&String> = after
        .iter()
        .filter(|f| !before.contains(f))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(added, ["environments/hr-sandbox.yaml"]);
    let file = repo_dir.join("environments/hr-sandbox.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    for line in [
        "  name: hr-sandbox\n",
        "  lifecycle: owned\n",
        "  type: Sandbox\n",
        "  region: europe\n",
        "  group: hr\n",
        "  role: environmentAdmin\n",
        "    environment: hr-sandbox\n",
        "      id: 5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716\n",
    ] {
        assert!(yaml.contains(line), "{line}: {yaml}");
    }

    // Applied: created in its group with its admins; the next plan is empty.
    let applied = ppgov_on(today, &apply);
    let t = text(&applied);
    assert_eq!(applied.status.code(), Some(0), "{t}");
    let tenant: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(snap).unwrap()).unwrap();
    let env = tenant["environments"]
        .as_object()
        .unwrap()
        .values()
        .find(|e| e["properties"]["displayName"] == "HR Sandbox")
        .expect("created");
    assert!(
        env["properties"]["parentEnvironmentGroup"]["id"].is_string(),
        "{env}"
    );
    assert!(
        t.contains("RoleAssignment.hr-sandbox-admins"),
        "the admins are assigned: {t}"
    );
    let again = ppgov_on(
        today,
        &["plan", repo, "--snapshot", snap, "--detailed-exitcode"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));

    // Its owners set `expires` in the past: the plan deletes it, apply needs --allow-destroy.
    std::fs::write(
        &file,
        yaml.replacen("  group: hr\n", "  group: hr\n  expires: 2027-01-10\n", 1),
    )
    .unwrap();
    let plan = ppgov_on(today, &["plan", repo, "--snapshot", snap]);
    let t = text(&plan);
    assert!(t.contains("- Environment.hr-sandbox \"HR Sandbox\""), "{t}");
    assert!(t.contains("it expired after 2027-01-10"), "{t}");
    let refused = ppgov_on(
        today,
        &[
            "apply",
            repo,
            "--snapshot",
            snap,
            "--journal",
            journal,
            "--auto-approve",
        ],
    );
    let t = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{t}");
    assert!(t.contains("--allow-destroy"), "{t}");
    assert!(
        std::fs::read_to_string(snap)
            .unwrap()
            .contains("HR Sandbox")
    );
    let destroyed = ppgov_on(today, &apply);
    assert_eq!(destroyed.status.code(), Some(0), "{}", text(&destroyed));
    assert!(
        !std::fs::read_to_string(snap)
            .unwrap()
            .contains("HR Sandbox")
    );
}

#[test]
fn a_connector_request_adds_one_line_to_the_policy_that_covers_only_its_target() {
    let (_dir, repo_dir, snap) = scratch_repository("requests", "connector");
    let (repo, snap) = (repo_dir.to_str().unwrap(), snap.to_str().unwrap());
    let policy = repo_dir.join("dlp/default-environment.yaml");
    let before = std::fs::read_to_string(&policy).unwrap();

    let words = ["connector", "commondataserviceforapps", "--for", "default"];
    let out = request(&words, repo, snap);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("changed "), "{t}");
    assert!(t.contains("DlpPolicy.default-environment"), "{t}");
    let after = std::fs::read_to_string(&policy).unwrap();
    // Exactly one line added, after the last business entry; comments and the rest kept.
    let expected = before.replacen(
        "      - powerbi\n",
        "      - powerbi\n      - commondataserviceforapps\n",
        1,
    );
    assert_eq!(after, expected);
}
