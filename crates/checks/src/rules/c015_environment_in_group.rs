//! Every non-default environment is in a group.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C015",
    name: "environment-in-group",
    title: "environment in no group",
    severity: Severity::Info,
    stage: Stage::Defined,
    area: Area::Environments,
    reads: Reads::Model,
    rationale: "Grouping every environment (by business unit, or sandboxes and developer environments together) is how rules reach them at scale.",
    example: "kind: Environment\nspec:\n  type: Sandbox\n  # no group",
    fix: "Put the environment in a group, or add a group selector that matches it.",
    fix_yaml: Some("spec:\n  group: developer-sandboxes"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_environment(cx, out, |_, env| {
        let production =
            env.environment_type == Some(ppgov_core::model::EnvironmentType::Production);
        // Production environments have their own check (PPG-C012).
        (!env.is_default && !production && env.group.is_none()).then(|| {
            (
                "",
                format!(
                    "environment `{}` is in no environment group",
                    env.display_name
                ),
            )
        })
    });
}
