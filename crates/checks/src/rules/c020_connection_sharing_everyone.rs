//! Tenant setting `powerPlatform.powerApps.disableConnectionSharingWithEveryone` is `true`.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C020",
    name: "connection-sharing-everyone",
    title: "connections can be shared with Everyone",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::SecurityAndRoles,
    reads: Reads::Model,
    rationale: "A connection shared with Everyone lets any user act with its owner's credentials.",
    example: "kind: TenantSettings\n# `powerPlatform.powerApps.disableConnectionSharingWithEveryone` not set to `true`",
    fix: "Set `powerPlatform.powerApps.disableConnectionSharingWithEveryone: true`.",
    fix_yaml: Some(
        "spec:\n  powerPlatform:\n    powerApps:\n      disableConnectionSharingWithEveryone: true",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    setting(
        cx,
        out,
        "powerPlatform.powerApps.disableConnectionSharingWithEveryone",
        true,
        false,
    );
}
