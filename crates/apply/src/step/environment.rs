//! Writing environments: create (the lifecycle's), Managed Environment on or off, delete.

use super::*;
use ppgov_core::observed::ObservedEnvironment;
use ppgov_planner::Action;

/// The client calls this kind's steps make: part of [`TenantWrites`], whose every
/// implementation (the client here, test fakes) implements it. Each write returns the value
/// read back.
pub trait Writes {
    fn get_environment(&self, id: &str) -> impl Future<Output = R<ObservedEnvironment>>;
    fn set_managed(&self, env: &str, managed: bool)
    -> impl Future<Output = R<ObservedEnvironment>>;
    /// Creates an environment (waiting out its lifecycle operation); the value read back.
    fn create_environment(
        &self,
        e: &ObservedEnvironment,
    ) -> impl Future<Output = R<ObservedEnvironment>>;
    fn delete_environment(&self, id: &str) -> impl Future<Output = R<()>>;
    /// Every environment's id, name and creation time, to keep creates from making duplicates.
    fn list_environment_names(&self) -> impl Future<Output = R<Vec<NamedObject>>>;
}

impl Writes for Client {
    async fn get_environment(&self, id: &str) -> R<ObservedEnvironment> {
        Client::get_environment(self, id).await
    }
    async fn set_managed(&self, env: &str, managed: bool) -> R<ObservedEnvironment> {
        Client::set_managed(self, env, managed).await
    }
    async fn create_environment(&self, e: &ObservedEnvironment) -> R<ObservedEnvironment> {
        Client::create_environment(self, e).await
    }
    async fn delete_environment(&self, id: &str) -> R<()> {
        Client::delete_environment(self, id).await
    }
    async fn list_environment_names(&self) -> R<Vec<NamedObject>> {
        Client::list_environment_names(self).await
    }
}

pub(crate) struct Steps;

impl KindSteps for Steps {
    async fn write<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
        let err = |e: ppgov_tenant_client::ClientError| e.to_string();
        let After::Environment(after) = &c.after else {
            return Err(format!("{}: not an environment", c.address));
        };
        if c.action == Action::Create {
            return create(c, after, t, shared).await;
        }
        let key = fingerprint_key(ResourceKind::Environment, &after.id);
        let live = optional(t.get_environment(&after.id).await).map_err(err)?;
        let differences = live
            .as_ref()
            .map(|l| environment_differences(after, l))
            .unwrap_or_default();
        if check(c, &key, live.as_ref(), Some(&differences), shared)? == Write::AlreadyDone {
            return Ok(());
        }
        let live = live.expect("checked");
        if live.display_name != after.display_name {
            return Err(format!(
                "cannot rename environment \"{}\" to \"{}\": ppgov has no write for an environment's display name; rename it in the admin center (nothing was written)",
                live.display_name, after.display_name
            ));
        }
        let got = if live.managed == after.managed {
            live
        } else {
            t.set_managed(&after.id, after.managed).await.map_err(err)?
        };
        record(key, &got, shared);
        if got.managed != after.managed {
            return Err(not_converged("the environment", &["managed"]));
        }
        Ok(())
    }

    async fn delete<T: TenantWrites>(c: &Change, id: &str, t: &T, shared: &Shared) -> StepResult {
        delete_live(
            c,
            id,
            "the environment",
            shared,
            || t.get_environment(id),
            || t.delete_environment(id),
        )
        .await
    }

    fn differences(after: &After, observed: &Observed) -> Vec<String> {
        let After::Environment(a) = after else {
            return Vec::new();
        };
        observed
            .environments
            .get(&a.id)
            .map(|l| owned(environment_differences(a, l)))
            .unwrap_or_default()
    }

    fn repository_changed(written: &After, wanted: &After) -> bool {
        let (After::Environment(a), After::Environment(b)) = (written, wanted) else {
            return true;
        };
        !environment_differences(a, b).is_empty()
    }

    fn set_live_id(_: &mut After, _: String) {}

    fn edges(c: &Change) -> Edges<'_> {
        let environment_written = if let After::Environment(e) = &c.after {
            Some(e.id.as_str())
        } else {
            // A delete.
            c.id.as_deref()
        };
        Edges {
            environment_written,
            created_refs: Vec::new(),
        }
    }

    fn object_key(c: &Change) -> Option<FingerprintKey> {
        let After::Environment(e) = &c.after else {
            return own_object_key(c);
        };
        // An environment created in this plan has no live object yet.
        if ppgov_planner::plan::created_environment_of(&e.id).is_some() {
            return None;
        }
        Some(FingerprintKey::new(
            ResourceKind::Environment,
            e.id.as_str(),
        ))
    }
}

async fn create<T: TenantWrites>(
    c: &Change,
    after: &ObservedEnvironment,
    t: &T,
    shared: &Shared,
) -> StepResult {
    let err = |e: ppgov_tenant_client::ClientError| e.to_string();
    // Creates have no fingerprint to check; the natural key is the display name.
    let names = t.list_environment_names().await.map_err(err)?;
    if let Some(o) = names.iter().find(|o| o.display_name == after.display_name) {
        return Err(created_since("environment", &after.display_name, &o.id));
    }
    let mut got = t.create_environment(after).await.map_err(err)?;
    lock(&shared.created).insert(c.address.clone(), got.id.clone());
    if after.managed && !got.managed {
        got = t.set_managed(&got.id, true).await.map_err(err)?;
    }
    record(
        fingerprint_key(ResourceKind::Environment, &got.id),
        &got,
        shared,
    );
    let mut diff = Vec::new();
    if got.display_name != after.display_name {
        diff.push("displayName");
    }
    if got.managed != after.managed {
        diff.push("managed");
    }
    if !got
        .environment_type
        .eq_ignore_ascii_case(&after.environment_type)
    {
        diff.push("type");
    }
    if !got.region.eq_ignore_ascii_case(&after.region) {
        diff.push("region");
    }
    if !diff.is_empty() {
        return Err(not_converged("the environment", &diff));
    }
    Ok(())
}

/// Fields of an environment the plan governs that differ.
pub(crate) fn environment_differences(
    after: &ObservedEnvironment,
    got: &ObservedEnvironment,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    if after.display_name != got.display_name {
        out.push("displayName");
    }
    if after.managed != got.managed {
        out.push("managed");
    }
    out
}
