//! Writing memberships: an environment joins or leaves a group (a removal carries its
//! membership as after-value). Fingerprinted, and serialised, as its environment.

use super::*;
use ppgov_core::observed::ObservedEnvironment;
use ppgov_planner::{Action, PlannedMembership};

/// The client calls this kind's steps make: part of [`TenantWrites`], whose every
/// implementation (the client here, test fakes) implements it. Each write returns the value
/// read back.
pub trait Writes {
    fn add_environment_to_group(
        &self,
        env: &str,
        group: &str,
    ) -> impl Future<Output = R<ObservedEnvironment>>;
    fn remove_environment_from_group(
        &self,
        env: &str,
        group: &str,
    ) -> impl Future<Output = R<ObservedEnvironment>>;
}

impl Writes for Client {
    async fn add_environment_to_group(&self, env: &str, group: &str) -> R<ObservedEnvironment> {
        Client::add_environment_to_group(self, env, group).await
    }
    async fn remove_environment_from_group(
        &self,
        env: &str,
        group: &str,
    ) -> R<ObservedEnvironment> {
        Client::remove_environment_from_group(self, env, group).await
    }
}

pub(crate) struct Steps;

impl KindSteps for Steps {
    async fn write<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
        let err = |e: ppgov_tenant_client::ClientError| e.to_string();
        let After::GroupMembership(PlannedMembership {
            group,
            environment_id,
        }) = &c.after
        else {
            return Err(format!("{}: not a membership", c.address));
        };
        let action = c.action;
        let gid = resolve(group, shared)?;
        let environment_id = &live_environment_id(environment_id, shared)?;
        let key = fingerprint_key(ResourceKind::Environment, environment_id);
        let live = optional(t.get_environment(environment_id).await).map_err(err)?;
        let in_group = |e: &ObservedEnvironment| {
            e.group_id
                .as_deref()
                .is_some_and(|g| g.eq_ignore_ascii_case(&gid))
        };
        let differences: Vec<&str> = match &live {
            Some(l) if in_group(l) != (action != Action::Delete) => vec!["group"],
            _ => Vec::new(),
        };
        if check(c, &key, live.as_ref(), Some(&differences), shared)? == Write::AlreadyDone {
            return Ok(());
        }
        let got = if action == Action::Delete {
            t.remove_environment_from_group(environment_id, &gid)
                .await
                .map_err(err)?
        } else {
            t.add_environment_to_group(environment_id, &gid)
                .await
                .map_err(err)?
        };
        record(key, &got, shared);
        let want = (action != Action::Delete).then(|| gid.to_lowercase());
        if got.group_id.as_deref().map(str::to_lowercase) != want {
            return Err(not_converged("the environment", &["group"]));
        }
        Ok(())
    }

    async fn delete<T: TenantWrites>(c: &Change, _: &str, _: &T, _: &Shared) -> StepResult {
        // A membership removal carries `After::GroupMembership`, so it never gets here.
        not_deleted(c)
    }

    fn differences(_: &After, _: &Observed) -> Vec<String> {
        Vec::new()
    }

    fn repository_changed(written: &After, wanted: &After) -> bool {
        let (After::GroupMembership(written), After::GroupMembership(wanted)) = (written, wanted)
        else {
            return true;
        };
        let (a, b) = (&written.group, &wanted.group);
        // A group created by ppgov is referred to by the address that created it, then by
        // its id: only a different address means the repository moved the environment.
        matches!((a, b), (Ref::CreatedBy(x), Ref::CreatedBy(y)) if x != y)
            || matches!((a, b), (Ref::Id(x), Ref::Id(y)) if x != y)
    }

    fn set_live_id(_: &mut After, _: String) {}

    fn edges(c: &Change) -> Edges<'_> {
        let After::GroupMembership(PlannedMembership {
            group,
            environment_id,
        }) = &c.after
        else {
            // A delete.
            return Edges {
                environment_written: c.id.as_deref(),
                created_refs: Vec::new(),
            };
        };
        Edges {
            environment_written: Some(environment_id.as_str()),
            created_refs: match group {
                Ref::CreatedBy(address) => vec![address.clone()],
                Ref::Id(_) => Vec::new(),
            },
        }
    }

    fn object_key(c: &Change) -> Option<FingerprintKey> {
        let After::GroupMembership(PlannedMembership { environment_id, .. }) = &c.after else {
            return own_object_key(c);
        };
        // A membership of an environment created in this plan has no live object yet.
        if ppgov_planner::plan::created_environment_of(environment_id).is_some() {
            return None;
        }
        Some(FingerprintKey::new(
            ResourceKind::Environment,
            environment_id.as_str(),
        ))
    }
}
