//! app violates a DLP policy (the platform's evaluation, modelled in `ppgov_core::dlp_eval`).
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::inventory::ItemKind;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C201",
    name: "app-dlp-violation",
    title: "app violates a DLP policy",
    severity: Severity::Error,
    stage: Stage::Defined,
    area: Area::DataPolicies,
    reads: Reads::Inventory,
    rationale: "An app that violates a policy in force fails at run time for its users, or was built before the policy and shows where the policy and the business disagree.",
    example: "# a tenant where a App uses a connector a policy of its environment blocks",
    fix: "Change the App to stop using the connectors the policy forbids, or change the policy (an exception for its environment) after review.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    dlp_violations(cx, out, ItemKind::App);
}
