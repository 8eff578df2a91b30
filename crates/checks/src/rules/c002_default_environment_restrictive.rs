//! The default environment's policies are restrictive.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::ConnectorGroup;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C002",
    name: "default-environment-restrictive",
    title: "default environment under a restrictive DLP policy",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "The guidance treats the default environment as personal productivity space: a policy there should put only Microsoft 365 connectors in Business and keep new or unlisted connectors out (default group `blocked` or `nonBusiness`). A policy whose default group is `business` lets every new connector mix with business data.",
    example: "kind: DlpPolicy\nspec:\n  scope: {mode: only, environments: [default]}\n  connectors: {default: business}",
    fix: "Give a policy that covers the default environment a `blocked` (or `nonBusiness`) default group and list the Microsoft 365 connectors in `business`.",
    fix_yaml: Some(
        "spec:\n  connectors:\n    default: blocked\n    business: [office365, office365users, sharepointonline, onedriveforbusiness, teams]",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    for view in &cx.views {
        let Some(default) = view.default_environment() else {
            continue;
        };
        let covering: Vec<_> = view.policies_covering(&default).collect();
        if covering.is_empty()
            || covering
                .iter()
                .any(|p| p.default_group != ConnectorGroup::Business)
        {
            continue; // PPG-C001 reports a missing policy
        }
        for policy in covering {
            out.push(raw(
                policy.origin.at("/spec/connectors/default"),
                format!("policy `{}` covers the default environment with default group `business`, and no policy covering it is stricter", policy.display_name),
            ));
        }
    }
}
