//! The service's own DLP evaluation of an app is compliant.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C204",
    name: "app-service-noncompliant",
    title: "app flagged by the service's DLP evaluation",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::DataPolicies,
    reads: Reads::Inventory,
    rationale: "The platform evaluates every app against the policies of its day; an app it found non-compliant is blocked at run time until it is fixed.",
    example: "# an app whose executionRestrictions report violations",
    fix: "Open the app, remove the connectors the policy forbids, and republish.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_item(cx, out, |item| {
        let evaluation = item.service_evaluation.as_ref()?;
        (!evaluation.is_compliant()).then(|| {
            format!(
                "the service's DLP evaluation of {} is `{}` with {} violation(s)",
                item_name(cx, item),
                evaluation.status,
                evaluation.violation_count
            )
        })
    });
}
