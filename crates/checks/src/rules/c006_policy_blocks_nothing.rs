//! A policy blocks at least one connector.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::ConnectorGroup;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C006",
    name: "policy-blocks-nothing",
    title: "DLP policy blocks no connector",
    severity: Severity::Info,
    stage: Stage::Defined,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "A policy that only separates Business from Non-business still lets any single connector be used on its own. Mature policies block connectors that have no business use (consumer storage, social media).",
    example: "spec:\n  connectors:\n    default: nonBusiness\n    business: [sharepointonline]",
    fix: "Block connectors with no business use, or make `blocked` the default group.",
    fix_yaml: Some("spec:\n  connectors:\n    blocked: [dropbox, twitter]"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_policy(cx, out, |_, p| {
        let blocks = p.default_group == ConnectorGroup::Blocked
            || p.classification
                .values()
                .any(|g| *g == ConnectorGroup::Blocked);
        (!blocks).then(|| {
            (
                "/spec/connectors",
                format!("policy `{}` blocks no connector", p.display_name),
            )
        })
    });
}
