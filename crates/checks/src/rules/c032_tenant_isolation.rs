//! Tenant isolation is on: declared enabled in the repository, or enabled in the tenant.
use crate::rules::*;
use crate::view::Origin;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};
use ppgov_core::Kind;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C032",
    name: "tenant-isolation",
    title: "tenant isolation is off",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::SecurityAndRoles,
    reads: Reads::Model,
    rationale: "Without tenant isolation, a maker's connection can sign in to any other Entra tenant, and a flow can move business data to an account outside the organization (or bring another tenant's data in) unnoticed by DLP policies, which classify connectors, not tenants. Isolation blocks cross-tenant connections except with the tenants it lists. The check holds when either side says isolation is on: the repository declares an enabled `TenantIsolationPolicy` (`apply` turns it on), or, with `assess`, the tenant has it enabled.",
    example: "# no TenantIsolationPolicy, or\nkind: TenantIsolationPolicy\nspec:\n  enabled: false",
    fix: "Declare a `TenantIsolationPolicy` with `enabled: true`, listing the partner tenants connections may still reach, and apply it.",
    fix_yaml: Some(
        "apiVersion: ppgov.dev/v1\nkind: TenantIsolationPolicy\nmetadata:\n  name: tenant-isolation\nspec:\n  enabled: true\n  allowedTenants:\n    - tenantId: 3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f\n      name: fabrikam.com\n      direction: outbound",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    let declared = cx.loaded.desired.tenant_isolation.as_ref();
    let live = cx.observed.and_then(|o| o.tenant_isolation.as_ref());
    if declared.is_some_and(|d| d.policy.enabled) || live.is_some_and(|t| t.enabled) {
        return;
    }
    for view in &cx.views {
        let (anchor, message) = match (view.side, declared, live) {
            (Side::Repository, Some(d), _) => (
                Origin::Document {
                    kind: Kind::TenantIsolationPolicy,
                    name: d.meta.name.clone(),
                }
                .at("/spec/enabled"),
                format!("TenantIsolationPolicy `{}` turns tenant isolation off", d.meta.name),
            ),
            (Side::Repository, None, _) => (
                repository_anchor(view, ""),
                "the repository declares no TenantIsolationPolicy: connections may sign in to any other tenant".to_owned(),
            ),
            (Side::Tenant, _, found) => (
                Origin::Live {
                    kind: Kind::TenantIsolationPolicy,
                    id: cx
                        .observed
                        .and_then(|o| o.tenant_id.clone())
                        .unwrap_or_else(|| "tenant".into()),
                }
                .at(""),
                match found {
                    Some(_) => "tenant isolation is turned off in the tenant".to_owned(),
                    None => "the tenant has no tenant isolation policy: connections may sign in to any other tenant".to_owned(),
                },
            ),
        };
        out.push(raw(anchor, message));
    }
}
