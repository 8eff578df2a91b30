//! The complete example in docs/snapshot-format.md is a tenant snapshot ppgov reads as the
//! page says: planned against a repository that declares what the page describes (a share
//! limit, a virtual connector, a service principal at group scope, a managed environment in
//! a group), nothing changes; and the environment counts as having Dataverse.

mod common;
use common::{ppgov_command, root};
use std::path::PathBuf;

/// The page's ```json example, written to a file the binary can read.
fn documented_snapshot() -> PathBuf {
    let page = std::fs::read_to_string(root().join("docs/snapshot-format.md")).expect("readable");
    let start = page.find("```json\n").expect("the page has a JSON example") + "```json\n".len();
    let end = start + page[start..].find("```").expect("the example is closed");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("documented-snapshot.json");
    std::fs::write(&path, &page[start..end]).expect("writable");
    path
}

fn plan(policies: &str) -> (i32, String) {
    let snapshot = documented_snapshot();
    let output = ppgov_command(
        &[
            "plan",
            &format!("tests/fixtures/snapshot-format/{policies}"),
            "--snapshot",
            snapshot.to_str().expect("UTF-8 path"),
        ],
        &[],
    )
    .output()
    .expect("ppgov runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().expect("exited"), text)
}

#[test]
fn the_documented_snapshot_matches_what_the_page_says_it_holds() {
    let (code, out) = plan("matching");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn the_documented_snapshot_has_an_environment_with_dataverse() {
    let (code, out) = plan("environment-role-on-dataverse");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("environment \"Finance Prod\" has Dataverse"),
        "{out}"
    );
}
