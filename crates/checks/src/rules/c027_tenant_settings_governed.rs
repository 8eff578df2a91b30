//! The repository governs tenant settings.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C027",
    name: "tenant-settings-governed",
    title: "tenant settings not governed",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::Process,
    reads: Reads::Repository,
    rationale: "Tenant settings (who may create environments, share with everyone, make as a guest) are changed by any Power Platform admin in the admin center. Declaring them puts them under review and drift detection.",
    example: "# no `kind: TenantSettings` document",
    fix: "Add a TenantSettings document with the settings the organisation decided (`ppgov import` writes the current ones).",
    fix_yaml: Some(
        "apiVersion: ppgov.dev/v1\nkind: TenantSettings\nmetadata:\n  name: tenant\nspec:\n  disableEnvironmentCreationByNonAdminUsers: true\n  powerPlatform:\n    powerApps:\n      disableShareWithEveryone: true",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    if cx.loaded.desired.tenant_settings.is_none() {
        out.push(raw(
            crate::Anchor::Repository {
                pointer: String::new(),
            },
            "the repository declares no tenant settings",
        ));
    }
}
