//! No app is quarantined.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C211",
    name: "app-quarantined",
    title: "app is quarantined",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::DataPolicies,
    reads: Reads::Inventory,
    rationale: "An admin quarantines an app that breaks a policy: only its owners can open it until the cause is fixed and the quarantine lifted, so a quarantined app is an open incident. The recorded app list has no quarantine field: ppgov reads `appQuarantineState` or `quarantineStatus` (`Quarantined`) when the service sends one.",
    example: "# an app the service lists with properties.appQuarantineState: Quarantined",
    fix: "Fix what the app was quarantined for (usually a DLP violation) and lift the quarantine, or retire the app.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_item(cx, out, |item| {
        (item.quarantined == Some(true)).then(|| format!("{} is quarantined", item_name(cx, item)))
    });
}
