//! Generative AI does not move data across geographies.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C024",
    name: "cross-geo-generative-ai",
    title: "generative AI may move data across geographies",
    severity: Severity::Info,
    stage: Stage::Capable,
    area: Area::SecurityAndRoles,
    reads: Reads::Model,
    rationale: "Cross-geo data movement sends prompts and data to Azure OpenAI outside the environment's geography; data residency commitments may forbid it.",
    example: "spec:\n  rules:\n    generativeAi: {crossGeoDataMovement: true, bingSearch: false}",
    fix: "Turn cross-geo data movement off in the group, unless the data residency review allows it.",
    fix_yaml: Some(
        "spec:\n  rules:\n    generativeAi:\n      crossGeoDataMovement: false\n      bingSearch: false",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    group_rule(cx, out, "/spec/rules/generativeAi", |rules| {
        rules
            .generative_ai
            .as_ref()
            .is_some_and(|g| g.cross_geo_data_movement)
            .then(|| "generative AI may move data across geographies".to_owned())
    });
}
