//! Flows are not suspended.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::inventory::ItemKind;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C203",
    name: "flow-suspended",
    title: "flow suspended by the service",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::Monitoring,
    reads: Reads::Inventory,
    rationale: "The service suspends flows that violate a data policy (or lose their licence); nobody is told but the owner, and the process the flow ran stops.",
    example: "# a flow with state Suspended",
    fix: "Find out why it was suspended (DLP evaluation, licence), fix the flow or the policy, and turn it back on.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_item(cx, out, |item| {
        (item.kind == ItemKind::Flow
            && item
                .state
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("Suspended")))
        .then(|| format!("{} is suspended", item_name(cx, item)))
    });
}
