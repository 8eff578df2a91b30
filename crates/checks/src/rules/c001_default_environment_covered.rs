//! The default environment is covered by a DLP policy.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C001",
    name: "default-environment-covered",
    title: "default environment covered by a DLP policy",
    severity: Severity::Error,
    stage: Stage::Initial,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "Every licensed user can make apps and flows in the default environment, and cannot be removed from its Environment Maker role. Without a data policy there, any connector can be combined with any other: the first control the guidance asks for.",
    example: "# no DlpPolicy covers the default environment\nkind: DlpPolicy\nmetadata: {name: prod}\nspec:\n  scope: {mode: only, environments: [finance-prod]}",
    fix: "Add a DLP policy that covers the default environment (scope `all`, or `only` with the default environment), or widen the scope of an existing one.",
    fix_yaml: Some(
        "apiVersion: ppgov.dev/v1\nkind: DlpPolicy\nmetadata:\n  name: default-environment\nspec:\n  displayName: Default environment\n  scope:\n    mode: only\n    environments: [default]\n  connectors:\n    default: blocked\n    business: [office365, sharepointonline, teams]",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    for view in &cx.views {
        let Some(default) = view.default_environment() else {
            continue;
        };
        if view.policies_covering(&default).next().is_none() {
            let anchor = match view.environments.iter().find(|e| e.key == default) {
                Some(env) => env.origin.at(""),
                None => repository_anchor(view, ""),
            };
            out.push(raw(
                anchor,
                format!(
                    "no DLP policy in {} covers the default environment",
                    view.noun()
                ),
            ));
        }
    }
}
