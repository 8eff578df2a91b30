//! The custom connector catch-all pattern is not Business.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::PatternGroup;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C009",
    name: "custom-connector-catch-all-business",
    title: "any custom connector host is Business",
    severity: Severity::Warning,
    stage: Stage::Capable,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "The `*` pattern decides for every host not listed before it. In `business` it lets a custom connector to any API share data with business connectors, which defeats the patterns.",
    example: "spec:\n  customConnectorPatterns:\n    - {pattern: \"*\", group: business}",
    fix: "Put the catch-all `*` in `blocked` (or `nonBusiness`) and list the approved hosts before it.",
    fix_yaml: Some(
        "spec:\n  customConnectorPatterns:\n    - {pattern: \"https://*.contoso.com\", group: business}\n    - {pattern: \"*\", group: blocked}",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_policy(cx, out, |_, p| {
        (p.custom_catch_all() == Some(PatternGroup::Business)).then(|| {
            (
                "/spec/customConnectorPatterns",
                format!(
                    "policy `{}` puts custom connectors to any host in Business",
                    p.display_name
                ),
            )
        })
    });
}
