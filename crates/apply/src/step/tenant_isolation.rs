//! Writing the tenant isolation policy: one `PUT` of the whole policy, for a create, an update
//! and a removal alike (removing writes it off and empty).

use super::{StepResult, Write, check, fingerprint_key, not_converged, record};
use crate::{Shared, TenantWrites};
use ppgov_core::model::TenantIsolation;
use ppgov_planner::tenant_isolation::POLICY_ID;
use ppgov_planner::{Change, ResourceKind};

/// The fields in which the live policy (`None`: there is none) differs from `after`.
pub(crate) fn differences(
    after: &TenantIsolation,
    live: Option<&TenantIsolation>,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    if live.map(|l| l.enabled) != Some(after.enabled) {
        out.push("enabled");
    }
    if live.map(|l| &l.allowed_tenants) != Some(&after.allowed_tenants) {
        out.push("allowedTenants");
    }
    out
}

pub(super) async fn run<T: TenantWrites>(
    c: &Change,
    after: &TenantIsolation,
    t: &T,
    shared: &Shared,
) -> StepResult {
    let err = |e: ppgov_tenant_client::ClientError| e.to_string();
    // The plan fingerprinted the policy as it was, absent included: one created or changed
    // since refuses the step.
    let key = fingerprint_key(ResourceKind::TenantIsolationPolicy, POLICY_ID);
    let live = t.get_tenant_isolation().await.map_err(err)?;
    let live_differences = differences(after, live.as_ref());
    if check(c, &key, Some(&live), Some(&live_differences), shared)? == Write::AlreadyDone {
        return Ok(());
    }
    let got = t.put_tenant_isolation(after).await.map_err(err)?;
    record(key, &Some(&got), shared);
    let diff = differences(after, Some(&got));
    if !diff.is_empty() {
        return Err(not_converged("the tenant isolation policy", &diff));
    }
    Ok(())
}
