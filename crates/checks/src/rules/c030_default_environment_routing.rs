//! Tenant setting `powerPlatform.governance.enableDefaultEnvironmentRouting` is `true`.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C030",
    name: "default-environment-routing",
    title: "makers land in the default environment",
    severity: Severity::Info,
    stage: Stage::Capable,
    area: Area::Environments,
    reads: Reads::Model,
    rationale: "Environment routing sends new makers to a personal developer environment instead of the shared default environment.",
    example: "kind: TenantSettings\n# `powerPlatform.governance.enableDefaultEnvironmentRouting` not set to `true`",
    fix: "Set `powerPlatform.governance.enableDefaultEnvironmentRouting: true`.",
    fix_yaml: Some(
        "spec:\n  powerPlatform:\n    governance:\n      enableDefaultEnvironmentRouting: true",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    setting(
        cx,
        out,
        "powerPlatform.governance.enableDefaultEnvironmentRouting",
        true,
        false,
    );
}
