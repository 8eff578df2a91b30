//! Apps and flows use no deprecated connector.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C213",
    name: "deprecated-connector",
    title: "app or flow uses a deprecated connector",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::Process,
    reads: Reads::Inventory,
    rationale: "A deprecated connector stops working when it is retired: what uses it breaks on a date nobody chose. The catalog has no deprecation flag; ppgov counts a connector deprecated when its display name says so (`(deprecated)`), as the service names them.",
    example: "# an app using shared_dynamicscrmonline (Dynamics 365 (deprecated))",
    fix: "Move the app or flow to the connector's successor (the connector's documentation names it) before it is retired.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_catalog_connector_use(cx, out, |item, connector| {
        connector
            .display_name
            .to_lowercase()
            .contains("deprecated")
            .then(|| {
                format!(
                    "{} uses `{}`, a deprecated connector",
                    item_name(cx, item),
                    connector.display_name
                )
            })
    });
}
