//! Writing role assignments: create (scopes created in the same plan by their ids), delete
//! (re-read on the assignment's own list).

use super::*;
use ppgov_core::observed::{ObservedRoleAssignment, ObservedScope};

/// The client calls this kind's steps make: part of [`TenantWrites`], whose every
/// implementation (the client here, test fakes) implements it. Each write returns the value
/// read back.
pub trait Writes {
    fn list_environment_role_assignments(
        &self,
        env: &str,
    ) -> impl Future<Output = R<Vec<ObservedRoleAssignment>>>;
    /// The RBAC assignments of one scope's own list (tenant, group or environment).
    fn list_rbac_role_assignments_at(
        &self,
        scope: &ObservedScope,
    ) -> impl Future<Output = R<Vec<ObservedRoleAssignment>>>;
    fn create_role_assignment(
        &self,
        a: &ObservedRoleAssignment,
    ) -> impl Future<Output = R<ObservedRoleAssignment>>;
    fn delete_role_assignment(&self, a: &ObservedRoleAssignment) -> impl Future<Output = R<()>>;
}

impl Writes for Client {
    async fn list_environment_role_assignments(&self, env: &str) -> R<Vec<ObservedRoleAssignment>> {
        Client::list_environment_role_assignments(self, env).await
    }
    async fn list_rbac_role_assignments_at(
        &self,
        scope: &ObservedScope,
    ) -> R<Vec<ObservedRoleAssignment>> {
        Client::list_rbac_role_assignments_at(self, scope).await
    }
    async fn create_role_assignment(
        &self,
        a: &ObservedRoleAssignment,
    ) -> R<ObservedRoleAssignment> {
        Client::create_role_assignment(self, a).await
    }
    async fn delete_role_assignment(&self, a: &ObservedRoleAssignment) -> R<()> {
        Client::delete_role_assignment(self, a).await
    }
}

pub(crate) struct Steps;

impl KindSteps for Steps {
    async fn write<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
        let err = |e: ppgov_tenant_client::ClientError| e.to_string();
        let After::RoleAssignment(after) = &c.after else {
            return Err(format!("{}: not a role assignment", c.address));
        };
        let a = after.clone().map_scope(|scope| {
            scope.resolve(
                |address| resolve(&Ref::CreatedBy(address.to_owned()), shared),
                |id| live_environment_id(id, shared),
            )
        })?;
        let got = t.create_role_assignment(&a).await.map_err(err)?;
        lock(&shared.created).insert(c.address.clone(), got.id.clone());
        let mut diff = Vec::new();
        if got.principal_id != a.principal_id {
            diff.push("principal");
        }
        if got.role != a.role {
            diff.push("role");
        }
        if got.scope != a.scope {
            diff.push("scope");
        }
        if !diff.is_empty() {
            return Err(not_converged("the assignment", &diff));
        }
        Ok(())
    }

    async fn delete<T: TenantWrites>(c: &Change, id: &str, t: &T, shared: &Shared) -> StepResult {
        let err = |e: ppgov_tenant_client::ClientError| e.to_string();
        let key = fingerprint_key(ResourceKind::RoleAssignment, id);
        // Re-read on the assignment's own list only: its environment's BAP list, or its
        // RBAC scope's (one request, not one per scope of the tenant).
        let list_of = match crate::gate::bap_environment(id) {
            Some(env) => RoleList::Bap(env),
            None => RoleList::Rbac(
                ppgov_planner::plan::scope_of_address(&c.address).ok_or_else(|| {
                    format!(
                        "{}: the address names no scope to re-read the assignment on",
                        c.address
                    )
                })?,
            ),
        };
        let list = role_list(t, &list_of).await.map_err(err)?;
        let Some(live) = list.into_iter().find(|a| a.id == id) else {
            // Already gone (a racing apply deleted it): what the plan wants.
            return Ok(());
        };
        check(c, &key, Some(&live), None, shared)?;
        t.delete_role_assignment(&live).await.map_err(err)?;
        let after = role_list(t, &list_of).await.map_err(err)?;
        if after.iter().any(|a| a.id == id) {
            return Err("did not converge: the assignment still exists".to_owned());
        }
        Ok(())
    }

    fn differences(_: &After, _: &Observed) -> Vec<String> {
        Vec::new()
    }

    fn repository_changed(written: &After, wanted: &After) -> bool {
        let (After::RoleAssignment(a), After::RoleAssignment(b)) = (written, wanted) else {
            return true;
        };
        serde_json::to_value(a).ok() != serde_json::to_value(b).ok()
    }

    fn set_live_id(_: &mut After, _: String) {}

    fn edges(c: &Change) -> Edges<'_> {
        let After::RoleAssignment(a) = &c.after else {
            return Edges::default();
        };
        Edges {
            environment_written: None,
            created_refs: ppgov_planner::plan::created_group_of(&a.scope)
                .map(str::to_owned)
                .into_iter()
                .collect(),
        }
    }

    fn object_key(c: &Change) -> Option<FingerprintKey> {
        own_object_key(c)
    }
}

/// The list a role assignment is read back from.
enum RoleList {
    /// An environment's BAP role assignments.
    Bap(String),
    /// One Power Platform RBAC scope's.
    Rbac(ppgov_core::observed::ObservedScope),
}

async fn role_list<T: TenantWrites>(
    t: &T,
    list: &RoleList,
) -> Result<Vec<ppgov_core::observed::ObservedRoleAssignment>, ppgov_tenant_client::ClientError> {
    match list {
        RoleList::Bap(env) => t.list_environment_role_assignments(env).await,
        RoleList::Rbac(scope) => t.list_rbac_role_assignments_at(scope).await,
    }
}
