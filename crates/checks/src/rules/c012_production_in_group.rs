//! Production environments are in an environment group.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C012",
    name: "production-in-group",
    title: "production environment in no group",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::Environments,
    reads: Reads::Model,
    rationale: "Environment groups apply one set of rules to many environments. A production environment outside a group gets none of its business unit's rules.",
    example: "kind: Environment\nspec:\n  type: Production\n  # no group",
    fix: "Put the environment in a group (`group:` on the environment, or a group selector that matches it).",
    fix_yaml: Some("spec:\n  group: finance"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_environment(cx, out, |_, env| {
        (env.environment_type == Some(ppgov_core::model::EnvironmentType::Production)
            && env.group.is_none())
        .then(|| {
            (
                "",
                format!(
                    "production environment `{}` is in no environment group",
                    env.display_name
                ),
            )
        })
    });
}
