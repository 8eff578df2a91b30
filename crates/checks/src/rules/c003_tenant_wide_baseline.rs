//! A tenant-wide DLP baseline exists.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C003",
    name: "tenant-wide-baseline",
    title: "tenant-wide DLP baseline",
    severity: Severity::Error,
    stage: Stage::Initial,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "A policy scoped to `all` (or `allExcept`) environments covers environments created tomorrow. Policies that list environments leave every new environment unprotected until someone remembers to add it.",
    example: "# every DlpPolicy has scope mode `only`",
    fix: "Add a baseline policy with scope `all` (or `allExcept` the environments with their own stricter policy).",
    fix_yaml: Some(
        "apiVersion: ppgov.dev/v1\nkind: DlpPolicy\nmetadata:\n  name: tenant-baseline\nspec:\n  displayName: Tenant baseline\n  scope:\n    mode: all\n  connectors:\n    default: blocked\n    business: [office365, sharepointonline, teams]",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    for view in &cx.views {
        if !view.policies.iter().any(|p| p.is_tenant_wide()) {
            out.push(raw(
                repository_anchor(view, ""),
                format!(
                    "{} has no DLP policy scoped to all environments",
                    view.noun()
                ),
            ));
        }
    }
}
