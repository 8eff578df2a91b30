//! flow violates a DLP policy (the platform's evaluation, modelled in `ppgov_core::dlp_eval`).
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::inventory::ItemKind;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C202",
    name: "flow-dlp-violation",
    title: "flow violates a DLP policy",
    severity: Severity::Error,
    stage: Stage::Defined,
    area: Area::DataPolicies,
    reads: Reads::Inventory,
    rationale: "The service suspends a flow that violates a policy in force; a violating flow is an outage waiting for its next save.",
    example: "# a tenant where a Flow uses a connector a policy of its environment blocks",
    fix: "Change the Flow to stop using the connectors the policy forbids, or change the policy (an exception for its environment) after review.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    dlp_violations(cx, out, ItemKind::Flow);
}
