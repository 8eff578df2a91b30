//! Canvas apps do not bypass the consent dialog.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C209",
    name: "app-bypass-consent",
    title: "canvas app bypasses the consent dialog",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::SecurityAndRoles,
    reads: Reads::Inventory,
    rationale: "An app with consent bypass on (`bypassConsent`) uses its connections without asking users to consent: users never see which data sources the app reaches on their behalf.",
    example: "# an app the service lists with properties.bypassConsent: true",
    fix: "Turn consent bypass off for the app (Set-AdminPowerAppApisToBypassConsent -ApiVersion ... / Clear-AdminPowerAppApisToBypassConsent), unless it is a reviewed first-party app.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_item(cx, out, |item| {
        (item.bypass_consent == Some(true))
            .then(|| format!("{} bypasses the consent dialog", item_name(cx, item)))
    });
}
