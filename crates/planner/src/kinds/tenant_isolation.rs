//! Planning the tenant isolation policy, a singleton with no delete: "removing" it writes it
//! turned off with an empty allow-list ([`TenantIsolation::removed`]).

use crate::builder::{PlanBuilder, Planned};
use crate::kind_rules::value_and_fingerprint;
use crate::plan::{Action, Address, After, AttributeChange, ResourceKind};
use crate::plan::{Change, KindRules, fingerprint};
use crate::plan_step::{Foundation, PlanStep};
use crate::risk::{Risk, RiskClass};
use crate::simulate::Simulation;
use ppgov_core::model::{Directions, OwnershipMode, TenantIsolation};
use ppgov_core::observed::Observed;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The after-value of the tenant isolation change ([`After::TenantIsolationPolicy`]): the
/// whole policy, as written (removing it writes it off and empty).
pub type AfterValue = TenantIsolation;

/// The id of the tenant's one policy, in fingerprint keys and changes.
pub const POLICY_ID: &str = "tenantIsolationPolicy";

const DISPLAY_NAME: &str = "tenant isolation policy";

/// Plans the change that makes the live policy the declared one (or removes it, under
/// exclusive ownership, when nothing declares it), if any, and fingerprints the live policy
/// the plan relies on (its absence included: a policy created since makes a create stale).
pub(crate) fn plan(b: &mut PlanBuilder<'_>) {
    let (desired, observed) = (b.desired, b.observed);
    let live = observed.tenant_isolation.as_ref();
    let (address, after, action) = match &desired.tenant_isolation {
        Some(declared) => {
            let action = if live.is_some() {
                Action::Update
            } else {
                Action::Create
            };
            let address = Address::named(ResourceKind::TenantIsolationPolicy, &declared.meta.name);
            (address, declared.policy.clone(), action)
        }
        None if desired.project.ownership.tenant_isolation_policy == OwnershipMode::Exclusive => {
            // Already off and empty is what removing writes: nothing to do.
            if live.is_none_or(|l| *l == TenantIsolation::removed()) {
                return;
            }
            let address = Address::keyed(ResourceKind::TenantIsolationPolicy, POLICY_ID);
            (address, TenantIsolation::removed(), Action::Delete)
        }
        None => return,
    };
    b.fingerprint(ResourceKind::TenantIsolationPolicy, POLICY_ID, &live);
    let attributes = attributes(live, &after);
    if attributes.is_empty() {
        return;
    }
    let planned = Planned {
        address: address.to_string(),
        kind: ResourceKind::TenantIsolationPolicy,
        id: live.map(|_| POLICY_ID.to_owned()),
        display_name: DISPLAY_NAME.to_owned(),
        attributes,
        after: After::TenantIsolationPolicy(after),
        depends_on: Vec::new(),
    };
    match action {
        Action::Create => b.create(planned),
        Action::Update => b.update(planned),
        Action::Delete => b.delete(planned),
    }
}

fn directions_json(d: &Directions) -> Value {
    json!({ "inbound": d.inbound, "outbound": d.outbound })
}

/// What changes from `live` (none: no policy) to `after`, attribute by attribute.
fn attributes(live: Option<&TenantIsolation>, after: &TenantIsolation) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    let before_enabled = live.map(|l| l.enabled);
    if before_enabled != Some(after.enabled) {
        out.push(AttributeChange {
            path: "enabled".to_owned(),
            before: before_enabled.map(Value::Bool),
            after: Some(Value::Bool(after.enabled)),
        });
    }
    let empty = BTreeMap::new();
    let before = live.map_or(&empty, |l| &l.allowed_tenants);
    let tenants: std::collections::BTreeSet<&String> =
        before.keys().chain(after.allowed_tenants.keys()).collect();
    for tenant in tenants {
        let (b, a) = (before.get(tenant), after.allowed_tenants.get(tenant));
        if b != a {
            out.push(AttributeChange {
                path: format!("allowedTenants.{tenant}"),
                before: b.map(directions_json),
                after: a.map(directions_json),
            });
        }
    }
    out
}

/// Why writing `after` over `live` makes isolation less strict, if it does: turning it off,
/// or allowing a tenant or a direction while it is on. No live policy isolates nothing, so a
/// create never loosens.
pub fn loosened(live: Option<&TenantIsolation>, after: &TenantIsolation) -> Option<String> {
    let live = live?;
    if !live.enabled {
        return None;
    }
    if !after.enabled {
        return Some(
            "turns tenant isolation off: connections with every other tenant are allowed again"
                .to_owned(),
        );
    }
    let mut widened = Vec::new();
    for (tenant, a) in &after.allowed_tenants {
        let b = live
            .allowed_tenants
            .get(tenant)
            .copied()
            .unwrap_or_default();
        let who = if tenant == "*" {
            "every tenant".to_owned()
        } else {
            format!("tenant {tenant}")
        };
        if a.inbound && !b.inbound {
            widened.push(format!("inbound from {who}"));
        }
        if a.outbound && !b.outbound {
            widened.push(format!("outbound to {who}"));
        }
    }
    (!widened.is_empty()).then(|| {
        format!(
            "widens tenant isolation: allows connections {}",
            widened.join(", ")
        )
    })
}

/// Why removing the policy deserves a second look.
pub fn removal_risk(live: Option<&TenantIsolation>) -> String {
    match live {
        Some(l) if l.enabled => "removes the tenant isolation policy: isolation turns off and connections with every other tenant are allowed again".to_owned(),
        _ => "removes the tenant isolation policy's allow-list (isolation is already off)".to_owned(),
    }
}

/// What tenant isolation policy changes decide wherever kinds differ ([`KindRules`]): a
/// singleton, fingerprinted as [`POLICY_ID`] even when absent, removed by writing it off.
pub struct Rules;

impl PlanStep for Rules {
    fn plan(b: &mut PlanBuilder<'_>, _: &Foundation<'_>) {
        plan(b);
    }
}

impl KindRules for Rules {
    fn phase(&self, _: Action) -> u8 {
        // A singleton that refers to nothing: with the tenant settings.
        6
    }

    fn declared_by(&self) -> ResourceKind {
        ResourceKind::TenantIsolationPolicy
    }

    fn annotations<'a>(
        &self,
        desired: &'a ppgov_core::model::Desired,
        _: &str,
    ) -> Option<&'a BTreeMap<String, String>> {
        desired
            .tenant_isolation
            .as_ref()
            .map(|t| &t.meta.annotations)
    }

    fn approvals(
        &self,
        _: &Change,
        _: Option<&str>,
        _: &ppgov_core::model::Desired,
        _: &Observed,
        _: &ppgov_core::catalog::Catalog,
    ) -> Vec<(String, String)> {
        Vec::new()
    }

    fn deletion_risk(&self, _: &Change, observed: &Observed) -> String {
        removal_risk(observed.tenant_isolation.as_ref())
    }

    fn change_risk(
        &self,
        change: &Change,
        observed: &Observed,
        _: &ppgov_core::catalog::Catalog,
    ) -> Option<Risk> {
        let After::TenantIsolationPolicy(after) = &change.after else {
            return None;
        };
        loosened(observed.tenant_isolation.as_ref(), after)
            .map(|reason| Risk::new(RiskClass::Loosening, reason))
    }

    fn simulate(&self, change: &Change, sim: &mut Simulation) {
        // Its removal carries the policy it writes.
        if let After::TenantIsolationPolicy(policy) = &change.after {
            sim.state.tenant_isolation = Some(policy.clone());
        }
    }

    fn exclusively_governed(&self, _: &Observed) -> BTreeMap<String, String> {
        // A singleton, fingerprinted by its own change.
        BTreeMap::new()
    }

    fn observed_fingerprint(&self, observed: &Observed, _: &str) -> Option<String> {
        // Absent is a value too.
        Some(fingerprint(&observed.tenant_isolation.as_ref()))
    }

    fn observed_value(&self, observed: &Observed, _: &str) -> Option<(Value, String)> {
        value_and_fingerprint(&observed.tenant_isolation)
    }

    fn live_name(&self, _: &Observed, _: &str) -> Option<String> {
        None
    }

    fn created_environments_in<'a>(&self, _: &'a After) -> Vec<&'a str> {
        Vec::new()
    }

    fn declared_names(&self, desired: &ppgov_core::model::Desired) -> Vec<String> {
        desired
            .tenant_isolation
            .iter()
            .map(|p| p.meta.name.clone())
            .collect()
    }
}
