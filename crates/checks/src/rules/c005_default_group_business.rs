//! A policy's default group is not Business.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::ConnectorGroup;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C005",
    name: "default-group-business",
    title: "new connectors land in Business",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "Connectors not listed in a policy, and connectors Microsoft adds later, go to its default group. With `business` as default, a connector nobody reviewed can share data with SharePoint and Dataverse.",
    example: "spec:\n  connectors:\n    default: business",
    fix: "Make the default group `nonBusiness` or `blocked`, and list the approved connectors in `business`.",
    fix_yaml: Some("spec:\n  connectors:\n    default: nonBusiness"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_policy(cx, out, |_, p| {
        (p.default_group == ConnectorGroup::Business).then(|| {
            (
                "/spec/connectors/default",
                format!(
                    "policy `{}` puts unlisted and new connectors in Business",
                    p.display_name
                ),
            )
        })
    });
}
