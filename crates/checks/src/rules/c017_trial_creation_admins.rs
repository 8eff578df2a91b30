//! Tenant setting `disableTrialEnvironmentCreationByNonAdminUsers` is `true`.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C017",
    name: "trial-creation-admins",
    title: "trial environment creation open to everyone",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::Environments,
    reads: Reads::Model,
    rationale: "Trial environments are created in large numbers and forgotten; limiting them to admins (with developer environments for makers) keeps the environment list governable.",
    example: "kind: TenantSettings\n# `disableTrialEnvironmentCreationByNonAdminUsers` not set to `true`",
    fix: "Set `disableTrialEnvironmentCreationByNonAdminUsers: true` in the TenantSettings document.",
    fix_yaml: Some("spec:\n  disableTrialEnvironmentCreationByNonAdminUsers: true"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    setting(
        cx,
        out,
        "disableTrialEnvironmentCreationByNonAdminUsers",
        true,
        false,
    );
}
