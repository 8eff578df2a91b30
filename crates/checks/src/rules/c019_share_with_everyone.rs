//! Tenant setting `powerPlatform.powerApps.disableShareWithEveryone` is `true`.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C019",
    name: "share-with-everyone",
    title: "apps can be shared with Everyone",
    severity: Severity::Error,
    stage: Stage::Initial,
    area: Area::SecurityAndRoles,
    reads: Reads::Model,
    rationale: "Sharing an app with Everyone gives every user in the tenant access to it and to the data its connections reach.",
    example: "kind: TenantSettings\n# `powerPlatform.powerApps.disableShareWithEveryone` not set to `true`",
    fix: "Set `powerPlatform.powerApps.disableShareWithEveryone: true`.",
    fix_yaml: Some("spec:\n  powerPlatform:\n    powerApps:\n      disableShareWithEveryone: true"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    setting(
        cx,
        out,
        "powerPlatform.powerApps.disableShareWithEveryone",
        true,
        false,
    );
}
