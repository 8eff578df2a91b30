//! Writing the tenant isolation policy: one `PUT` of the whole policy, for a create, an update
//! and a removal alike (removing writes it off and empty).

use super::*;
use ppgov_core::model::TenantIsolation;
use ppgov_planner::tenant_isolation::POLICY_ID;

/// The client calls this kind's steps make: part of [`TenantWrites`], whose every
/// implementation (the client here, test fakes) implements it. Each write returns the value
/// read back.
pub trait Writes {
    /// `None`: the tenant has no policy.
    fn get_tenant_isolation(&self) -> impl Future<Output = R<Option<TenantIsolation>>>;
    fn put_tenant_isolation(
        &self,
        policy: &TenantIsolation,
    ) -> impl Future<Output = R<TenantIsolation>>;
}

impl Writes for Client {
    async fn get_tenant_isolation(&self) -> R<Option<TenantIsolation>> {
        Client::get_tenant_isolation(self).await
    }
    async fn put_tenant_isolation(&self, policy: &TenantIsolation) -> R<TenantIsolation> {
        Client::put_tenant_isolation(self, policy).await
    }
}

pub(crate) struct Steps;

impl KindSteps for Steps {
    async fn write<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
        let After::TenantIsolationPolicy(after) = &c.after else {
            return Err(format!("{}: not a tenant isolation policy", c.address));
        };
        run(c, after, t, shared).await
    }

    async fn delete<T: TenantWrites>(c: &Change, _: &str, _: &T, _: &Shared) -> StepResult {
        // Its removal carries the policy it writes, so it never gets here.
        not_deleted(c)
    }

    fn differences(after: &After, observed: &Observed) -> Vec<String> {
        let After::TenantIsolationPolicy(a) = after else {
            return Vec::new();
        };
        owned(differences(a, observed.tenant_isolation.as_ref()))
    }

    fn repository_changed(written: &After, wanted: &After) -> bool {
        let (After::TenantIsolationPolicy(a), After::TenantIsolationPolicy(b)) = (written, wanted)
        else {
            return true;
        };
        a != b
    }

    fn set_live_id(_: &mut After, _: String) {}

    fn edges(_: &Change) -> Edges<'_> {
        Edges::default()
    }

    fn object_key(_: &Change) -> Option<FingerprintKey> {
        // A singleton, fingerprinted even before it exists.
        Some(FingerprintKey::new(
            ResourceKind::TenantIsolationPolicy,
            POLICY_ID,
        ))
    }
}

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

async fn run<T: TenantWrites>(
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
