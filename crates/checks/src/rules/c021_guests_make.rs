//! Tenant setting `powerPlatform.powerApps.enableGuestsToMake` is `false`.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C021",
    name: "guests-make",
    title: "guests can make apps",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::SecurityAndRoles,
    reads: Reads::Model,
    rationale: "Guest makers build on the tenant's data with accounts the organisation does not manage.",
    example: "kind: TenantSettings\n# `powerPlatform.powerApps.enableGuestsToMake` not set to `false`",
    fix: "Set `powerPlatform.powerApps.enableGuestsToMake: false`.",
    fix_yaml: Some("spec:\n  powerPlatform:\n    powerApps:\n      enableGuestsToMake: false"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    setting(
        cx,
        out,
        "powerPlatform.powerApps.enableGuestsToMake",
        false,
        false,
    );
}
