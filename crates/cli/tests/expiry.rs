//! Environment expiry through the real binary against a snapshot served by the emulator, the
//! date pinned with `PPGOV_TODAY`: warnings with the line to edit ahead of the last day, the
//! deletion once it (and the grace days) passed, behind the destroy gate, from a saved plan.

mod common;
use common::{ALLOW, SNAPSHOT, ppgov_on, scratch_repository, text};

const HACKATHON: &str = "\
apiVersion: ppgov.dev/v1
kind: Environment
metadata: {name: hackathon}
spec:
  displayName: Hackathon 2027
  lifecycle: owned
  type: Sandbox
  region: europe
  # The event's last day; two grace days for the clean-up.
  expires: 2027-03-31
  expiryGraceDays: 2
";

fn in_tenant(snap: &str, display_name: &str) -> usize {
    let tenant: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(snap).unwrap()).unwrap();
    tenant["environments"]
        .as_object()
        .unwrap()
        .values()
        .filter(|e| e["properties"]["displayName"] == display_name)
        .count()
}

#[test]
fn an_expiring_environment_is_warned_about_then_deleted_behind_the_gate_and_not_recreated() {
    let (dir, repo, snap) = scratch_repository("expiry", "hackathon");
    std::fs::write(repo.join("environments/hackathon.yaml"), HACKATHON).unwrap();
    let (repo, snap) = (repo.to_str().unwrap(), snap.to_str().unwrap());
    let journal = dir.join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    let mut apply = vec!["apply", repo, "--snapshot", snap, "--journal", journal];
    apply.extend(ALLOW);

    // Long before its last day: created, and nobody is warned.
    let created = ppgov_on("2027-01-10", &apply);
    let t = text(&created);
    assert_eq!(created.status.code(), Some(0), "{t}");
    assert!(!t.contains("warning: environment `hackathon`"), "{t}");
    assert_eq!(in_tenant(snap, "Hackathon 2027"), 1);

    // Within 30 days of it: plan, drift and assess warn with the line to edit; nothing changes.
    let at = "environments/hackathon.yaml:10:12";
    let warning = "warning: environment `hackathon` (\"Hackathon 2027\") expires in 11 days (its last day is 2027-03-31); from 2027-04-03 the plan deletes it";
    let plan = ppgov_on(
        "2027-03-20",
        &["plan", repo, "--snapshot", snap, "--detailed-exitcode"],
    );
    let t = text(&plan);
    assert_eq!(plan.status.code(), Some(0), "{t}");
    assert!(t.contains(warning), "{t}");
    assert!(t.contains(at), "{t}");
    let drift = ppgov_on(
        "2027-03-20",
        &["drift", repo, "--snapshot", snap, "--journal", journal],
    );
    assert!(text(&drift).contains(warning), "{}", text(&drift));
    let assess = ppgov_on(
        "2027-03-20",
        &["assess", repo, "--snapshot", snap, "--fail-on", "never"],
    );
    assert!(text(&assess).contains(warning), "{}", text(&assess));
    // Machine formats stay parseable: the warning goes to standard error.
    let json = ppgov_on(
        "2027-03-20",
        &["plan", repo, "--snapshot", snap, "--format", "json"],
    );
    serde_json::from_slice::<serde_json::Value>(&json.stdout).expect("stdout is the plan");
    assert!(String::from_utf8_lossy(&json.stderr).contains(warning));

    // In its grace period: kept, with the day it goes.
    let grace = ppgov_on("2027-04-01", &["plan", repo, "--snapshot", snap]);
    let t = text(&grace);
    assert!(t.contains("expired (its last day was 2027-03-31); kept for its grace period, the plan deletes it from 2027-04-03, in 2 days"), "{t}");
    assert!(t.contains("No changes."), "{t}");

    // Past it: a saved plan deletes it, saying why.
    let planfile = dir.join("expired.plan.json");
    let planfile = planfile.to_str().unwrap();
    let plan = ppgov_on(
        "2027-04-03",
        &["plan", repo, "--snapshot", snap, "--out", planfile],
    );
    let t = text(&plan);
    assert_eq!(plan.status.code(), Some(0), "{t}");
    assert!(
        t.contains("- Environment.hackathon \"Hackathon 2027\""),
        "{t}"
    );
    assert!(
        t.contains("it expired after 2027-03-31 (`spec.expires`, its last day) and its 2-day grace period has ended"),
        "{t}"
    );
    // The same inputs make the same plan, byte for byte.
    let again = dir.join("again.plan.json");
    let again = again.to_str().unwrap();
    ppgov_on(
        "2027-04-03",
        &["plan", repo, "--snapshot", snap, "--out", again],
    );
    assert_eq!(
        std::fs::read(planfile).unwrap(),
        std::fs::read(again).unwrap()
    );

    // Without --allow-destroy the saved plan is refused and nothing is deleted.
    let apply_saved = |extra: &[&str]| {
        let mut args = vec![
            "apply",
            planfile,
            "--policies",
            repo,
            "--snapshot",
            snap,
            "--journal",
            journal,
            "--auto-approve",
        ];
        args.extend(extra);
        ppgov_on("2027-04-04", &args)
    };
    let refused = apply_saved(&[]);
    let t = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{t}");
    assert!(t.contains("Environment.hackathon"), "{t}");
    assert!(t.contains("--allow-destroy"), "{t}");
    assert_eq!(in_tenant(snap, "Hackathon 2027"), 1);

    // With it, the saved plan (a day later: still expired) deletes it, and it stays deleted.
    let applied = apply_saved(&["--allow-destroy"]);
    let t = text(&applied);
    assert_eq!(applied.status.code(), Some(0), "{t}");
    assert_eq!(in_tenant(snap, "Hackathon 2027"), 0);
    let after = ppgov_on(
        "2027-04-05",
        &["plan", repo, "--snapshot", snap, "--detailed-exitcode"],
    );
    assert_eq!(after.status.code(), Some(0), "{}", text(&after));
}

#[test]
fn a_malformed_pinned_date_is_an_error_not_ignored() {
    let out = ppgov_on("2027-13-01", &["plan", "policies", "--snapshot", SNAPSHOT]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("PPGOV_TODAY is `2027-13-01`, which is not a date (YYYY-MM-DD)"),
        "{t}"
    );
}
