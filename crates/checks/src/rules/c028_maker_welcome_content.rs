//! Groups greet makers with welcome content.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C028",
    name: "maker-welcome-content",
    title: "no maker welcome content",
    severity: Severity::Info,
    stage: Stage::Capable,
    area: Area::Process,
    reads: Reads::Model,
    rationale: "Welcome content shown when makers open an environment tells them the rules and where to ask: the cheapest way to spread the governance process.",
    example: "spec:\n  rules: {}",
    fix: "Add maker welcome content to the group, with a link to the CoE's guidance.",
    fix_yaml: Some(
        "spec:\n  rules:\n    makerWelcomeContent:\n      markdown: \"Welcome! Read the maker guidelines before you build.\"\n      learnMoreUrl: https://contoso.sharepoint.com/sites/coe",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    group_rule(cx, out, "/spec/rules", |rules| {
        rules
            .maker_welcome_content
            .is_none()
            .then(|| "makers see no welcome content".to_owned())
    });
}
