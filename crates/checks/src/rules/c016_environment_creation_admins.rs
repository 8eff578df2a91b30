//! Tenant setting `disableEnvironmentCreationByNonAdminUsers` is `true`.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C016",
    name: "environment-creation-admins",
    title: "production and sandbox creation open to everyone",
    severity: Severity::Error,
    stage: Stage::Repeatable,
    area: Area::Environments,
    reads: Reads::Model,
    rationale: "Anyone can create production and sandbox environments unless it is limited to admins, and each one is a new place for data that no policy was written for.",
    example: "kind: TenantSettings\n# `disableEnvironmentCreationByNonAdminUsers` not set to `true`",
    fix: "Set `disableEnvironmentCreationByNonAdminUsers: true` in the TenantSettings document.",
    fix_yaml: Some("spec:\n  disableEnvironmentCreationByNonAdminUsers: true"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    setting(
        cx,
        out,
        "disableEnvironmentCreationByNonAdminUsers",
        true,
        false,
    );
}
