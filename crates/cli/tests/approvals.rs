//! Approvals through the real binary: a pull request that moves the SAP connector into
//! `business` in the production policy needs the SAP owner (the connector rating's override),
//! the policy's owner and the project's default approver; `ppgov approvals` fails, naming the
//! missing ones, until every one is given, and refuses a plan file edited to drop approvals.

use serde_json::Value;

mod common;
use common::{SNAPSHOT, copy_dir, fresh_dir, ppgov_command, root, text};

const SAP_OWNER: &str = "SAP platform owner <sap-owner@northwindtraders.com>";

#[test]
fn moving_sap_into_business_needs_the_sap_owner() {
    let dir = fresh_dir("approvals", "sap");
    let policies = dir.join("policies");
    copy_dir(&root().join("policies"), &policies);
    let production = policies.join("dlp/production.yaml");
    let yaml = std::fs::read_to_string(&production).unwrap();
    let yaml = yaml.replacen("    business:\n", "    business:\n      - saperp\n", 1);
    std::fs::write(&production, yaml).unwrap();

    let plan_file = dir.join("plan.json");
    let (policies_arg, plan_arg) = (
        policies.to_str().unwrap().to_owned(),
        plan_file.to_str().unwrap().to_owned(),
    );
    let plan = ppgov_command(
        &[
            "plan",
            &policies_arg,
            "--snapshot",
            SNAPSHOT,
            "--out",
            &plan_arg,
        ],
        &[],
    )
    .output()
    .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let shown = String::from_utf8_lossy(&plan.stdout);
    assert!(
        shown.contains(&format!(
            "approval: {SAP_OWNER} (rated connectors whose classification or rules change: `saperp` (critical))"
        )),
        "{shown}"
    );

    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    let production = saved["approvals"]["DlpPolicy.production"]
        .as_array()
        .expect("approvals of the production policy");
    let approvers: Vec<&str> = production
        .iter()
        .map(|a| a["approver"].as_str().unwrap())
        .collect();
    assert!(approvers.contains(&SAP_OWNER), "{approvers:?}");
    assert!(approvers.contains(&"Data Protection Officer <dpo@northwindtraders.com>"));

    // Every approver of the whole plan but the SAP owner: still missing one.
    let mut everyone: Vec<String> = saved["approvals"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|list| list.as_array().unwrap())
        .map(|a| a["approver"].as_str().unwrap().to_owned())
        .collect();
    everyone.sort();
    everyone.dedup();
    let others: Vec<String> = everyone
        .iter()
        .filter(|a| *a != SAP_OWNER)
        .cloned()
        .collect();
    let check = |approved: &str| {
        ppgov_command(&["approvals", &plan_arg, "--approved-by", approved], &[])
            .output()
            .unwrap()
    };
    let missing = check(&others.join(","));
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    let out = String::from_utf8_lossy(&missing.stdout);
    assert!(
        out.contains(&format!(
            "Missing 1 of {} required approval(s):",
            everyone.len()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("  - {SAP_OWNER}: DlpPolicy.production")),
        "{out}"
    );

    // The SAP owner approves (by e-mail address, as a review system names them).
    let all = check(&format!(
        "{},SAP-Owner@northwindtraders.com",
        others.join(",")
    ));
    assert_eq!(all.status.code(), Some(0), "{}", text(&all));

    // A plan file edited to drop the SAP owner is refused.
    let edited = std::fs::read_to_string(&plan_file)
        .unwrap()
        .replace(SAP_OWNER, "someone else");
    std::fs::write(&plan_file, edited).unwrap();
    let refused = check(&others.join(","));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("was modified after it was made"),
        "{}",
        text(&refused)
    );
}
