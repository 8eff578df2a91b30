//! The HTTP connector is blocked or constrained by endpoint rules.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::ConnectorGroup;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C007",
    name: "http-endpoint-rules",
    title: "HTTP connector without endpoint rules",
    severity: Severity::Warning,
    stage: Stage::Capable,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "The HTTP connector reaches any URL: allowed without endpoint filtering, it can send business data anywhere. Endpoint rules allow the hosts the business needs and deny the rest.",
    example: "spec:\n  connectors:\n    business: [http]\n  # no endpointRules for http",
    fix: "Block the HTTP connector, or add endpoint rules for it that end in a deny `*`.",
    fix_yaml: Some(
        "spec:\n  endpointRules:\n    - connector: http\n      rules:\n        - {endpoint: \"https://api.contoso.com/*\", behavior: allow}\n        - {endpoint: \"*\", behavior: deny}",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_policy(cx, out, |_, p| {
        let group = p.group_of("http");
        (group != ConnectorGroup::Blocked && !p.endpoint_rules.contains("http")).then(|| {
            (
                "/spec/connectors",
                format!(
                    "policy `{}` allows the HTTP connector without endpoint rules",
                    p.display_name
                ),
            )
        })
    });
}
