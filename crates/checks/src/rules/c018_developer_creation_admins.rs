//! Tenant setting `powerPlatform.governance.disableDeveloperEnvironmentCreationByNonAdminUsers` is `true`.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C018",
    name: "developer-creation-admins",
    title: "developer environment creation open to everyone",
    severity: Severity::Info,
    stage: Stage::Capable,
    area: Area::Environments,
    reads: Reads::Model,
    rationale: "Developer environments are personal; mature tenants route makers to governed developer environments or create them on request.",
    example: "kind: TenantSettings\n# `powerPlatform.governance.disableDeveloperEnvironmentCreationByNonAdminUsers` not set to `true`",
    fix: "Set `powerPlatform.governance.disableDeveloperEnvironmentCreationByNonAdminUsers: true`.",
    fix_yaml: Some(
        "spec:\n  powerPlatform:\n    governance:\n      disableDeveloperEnvironmentCreationByNonAdminUsers: true",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    setting(
        cx,
        out,
        "powerPlatform.governance.disableDeveloperEnvironmentCreationByNonAdminUsers",
        true,
        false,
    );
}
