//! Groups turn usage insights on.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C025",
    name: "usage-insights",
    title: "usage insights off",
    severity: Severity::Info,
    stage: Stage::Capable,
    area: Area::Monitoring,
    reads: Reads::Model,
    rationale: "Usage insights send a weekly digest of the group's apps and flows, so environment owners see what runs in their environments.",
    example: "spec:\n  rules: {}",
    fix: "Enable usage insights on the group.",
    fix_yaml: Some("spec:\n  rules:\n    usageInsights:\n      enabled: true"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    group_rule(cx, out, "/spec/rules", |rules| {
        (!rules.usage_insights.as_ref().is_some_and(|u| u.enabled))
            .then(|| "usage insights are not enabled".to_owned())
    });
}
