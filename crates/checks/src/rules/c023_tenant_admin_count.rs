//! Few principals hold tenant-level admin roles.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use crate::view::ScopeView;
use ppgov_core::model::Role;
use std::collections::BTreeSet;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C023",
    name: "tenant-admin-count",
    title: "too many tenant-level admins",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::SecurityAndRoles,
    reads: Reads::Model,
    rationale: "Every tenant-level Owner or RBAC Administrator can change every environment and policy. Keep the number small (threshold, default 3, configurable with `spec.checks.rules.PPG-C023.threshold`).",
    example: "kind: RoleAssignment\nspec:\n  role: owner\n  scope: {tenant: true}\n  principals: [four or more principals]",
    fix: "Scope admin roles to environment groups or environments, or raise the threshold for a reason.",
    fix_yaml: Some("spec:\n  scope:\n    environmentGroup: finance"),
    threshold: Some(3),
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    let limit = cx.threshold.unwrap_or(3) as usize;
    for view in &cx.views {
        let admins: Vec<_> = view
            .roles
            .iter()
            .filter(|r| {
                r.scope == ScopeView::Tenant
                    && matches!(r.role, Some(Role::Owner | Role::RbacAdministrator))
            })
            .collect();
        let principals: BTreeSet<&str> = admins.iter().map(|r| r.principal_id.as_str()).collect();
        if principals.len() > limit {
            let first = admins.last().expect("more than the limit");
            out.push(raw(
                first.origin.at(first.pointer),
                format!(
                    "{} principals hold tenant-level admin roles in {} (at most {limit})",
                    principals.len(),
                    view.noun()
                ),
            ));
        }
    }
}
