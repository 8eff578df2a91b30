//! Production environments are Managed Environments.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C011",
    name: "production-managed",
    title: "production environment not managed",
    severity: Severity::Error,
    stage: Stage::Defined,
    area: Area::Environments,
    reads: Reads::Model,
    rationale: "Managed Environments bring sharing limits, solution checker enforcement, usage insights and data policy views. The guidance makes every production environment managed.",
    example: "kind: Environment\nspec:\n  type: Production\n  managed: false",
    fix: "Set `managed: true` on the environment.",
    fix_yaml: Some("spec:\n  managed: true"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_environment(cx, out, |_, env| {
        (env.environment_type == Some(ppgov_core::model::EnvironmentType::Production)
            && env.managed != Some(true))
        .then(|| {
            (
                "/spec/managed",
                format!(
                    "production environment `{}` is not a Managed Environment",
                    env.display_name
                ),
            )
        })
    });
}
