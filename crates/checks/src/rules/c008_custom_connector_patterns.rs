//! Tenant-wide policies classify custom connectors by URL pattern.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C008",
    name: "custom-connector-patterns",
    title: "custom connectors not constrained by URL patterns",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "Makers can create custom connectors to any API. A tenant-wide policy with custom connector URL patterns decides by host which ones may be used with business data, before anyone reviews them one by one.",
    example: "spec:\n  scope: {mode: all}\n  # no customConnectorPatterns",
    fix: "Add custom connector URL patterns to the tenant-wide policy: the approved hosts in `business`, `*` in `blocked`.",
    fix_yaml: Some(
        "spec:\n  customConnectorPatterns:\n    - {pattern: \"https://*.contoso.com\", group: business}\n    - {pattern: \"*\", group: blocked}",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_policy(cx, out, |_, p| {
        (p.is_tenant_wide() && p.custom_connector_patterns.is_empty()).then(|| {
            (
                "/spec",
                format!(
                    "tenant-wide policy `{}` has no custom connector URL patterns",
                    p.display_name
                ),
            )
        })
    });
}
