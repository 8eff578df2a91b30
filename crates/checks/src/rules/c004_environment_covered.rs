//! Every environment is covered by a DLP policy.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C004",
    name: "environment-covered",
    title: "environment covered by a DLP policy",
    severity: Severity::Error,
    stage: Stage::Repeatable,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "An environment no data policy applies to lets apps and flows combine any connectors, including HTTP and consumer services.",
    example: "kind: Environment\nmetadata: {name: sales-prod}\n# and no DlpPolicy lists it, its group, or all environments",
    fix: "Cover the environment: a tenant-wide policy, or list it (or its group) in a policy's scope.",
    fix_yaml: Some("spec:\n  scope:\n    mode: only\n    environments: [sales-prod]"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_environment(cx, out, |_, env| {
        (env.covering_policies == 0).then(|| {
            (
                "",
                format!("no DLP policy covers environment `{}`", env.display_name),
            )
        })
    });
}
