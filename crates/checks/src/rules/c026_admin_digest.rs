//! Tenant setting `powerPlatform.governance.disableAdminDigest` is `false`.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C026",
    name: "admin-digest",
    title: "weekly admin digest turned off",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::Monitoring,
    reads: Reads::Model,
    rationale: "The weekly digest tells admins about unused apps and flows, new makers and capacity: the first monitoring the guidance asks for.",
    example: "kind: TenantSettings\n# `powerPlatform.governance.disableAdminDigest` not set to `false`",
    fix: "Set `powerPlatform.governance.disableAdminDigest: false`.",
    fix_yaml: Some("spec:\n  powerPlatform:\n    governance:\n      disableAdminDigest: false"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    setting(
        cx,
        out,
        "powerPlatform.governance.disableAdminDigest",
        false,
        false,
    );
}
