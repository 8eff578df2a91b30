//! One step: resolve references, check the object has not changed since the plan, write,
//! compare the read-back with the plan's after-value.

use crate::{Shared, TenantWrites};
use ppgov_core::model::{PatternGroup, UrlPattern};
use ppgov_core::observed::{ObservedDlpPolicy, ObservedGroup};
use ppgov_planner::plan::fingerprint;
use ppgov_planner::{Action, After, Change, Ref, ResourceKind};
use serde::Serialize;

mod tenant_isolation;

type StepResult = Result<(), String>;

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn resolve(r: &Ref, shared: &Shared) -> Result<String, String> {
    match r {
        Ref::Id(id) => Ok(id.clone()),
        Ref::CreatedBy(address) => lock(&shared.created)
            .get(address)
            .cloned()
            .ok_or_else(|| format!("{address} created nothing to refer to")),
    }
}

/// A live environment id, or the id of the environment a placeholder stands for
/// ([`ppgov_planner::plan::created_environment_id`]) once its create has run.
fn live_environment_id(id: &str, shared: &Shared) -> Result<String, String> {
    match ppgov_planner::plan::created_environment_of(id) {
        Some(address) => resolve(&Ref::CreatedBy(address.to_owned()), shared),
        None => Ok(id.to_owned()),
    }
}

/// A data policy with the environments created in this plan by their ids.
fn with_created_environments(
    p: &ObservedDlpPolicy,
    shared: &Shared,
) -> Result<ObservedDlpPolicy, String> {
    let mut p = p.clone();
    p.environment_ids = p
        .environment_ids
        .iter()
        .map(|id| live_environment_id(id, shared))
        .collect::<Result<_, _>>()?;
    Ok(p)
}

/// Whether the step still has to write. Fails when the live object is not the one expected
/// (the plan's fingerprint, or our own last read-back), naming the object and the fields in
/// which it now differs from the plan's result; an object that already is as the plan wants
/// it (a racing apply got there first) needs no write. No expectation recorded: write.
///
/// `differences` are the fields in which `live` differs from the plan's result; `None` for
/// deletes, where any change since the plan refuses the step.
fn check<T: Serialize>(
    c: &Change,
    key: &str,
    live: Option<&T>,
    differences: Option<&[&str]>,
    shared: &Shared,
) -> Result<Write, String> {
    let Some(expected) = lock(&shared.expected).get(key).cloned() else {
        return Ok(Write::Needed);
    };
    let who = format!("{} \"{}\" ({key})", c.address, c.display_name);
    match live {
        None => Err(format!(
            "conflict: {who} no longer exists; it changed since the plan was made: re-plan"
        )),
        Some(v) if fingerprint(v) == expected => Ok(Write::Needed),
        Some(v) if differences.is_some_and(<[&str]>::is_empty) => {
            record(key.to_owned(), v, shared);
            Ok(Write::AlreadyDone)
        }
        Some(_) => match differences {
            Some(fields) => Err(format!(
                "conflict: {who} changed since the plan was made; it now differs from the planned result in {}: re-plan (nothing was written)",
                fields.join(", ")
            )),
            None => Err(format!(
                "conflict: {who} changed since the plan was made: re-plan (nothing was deleted)"
            )),
        },
    }
}

/// What [`check`] found.
#[derive(PartialEq, Eq)]
enum Write {
    Needed,
    /// The object already is as the plan wants it.
    AlreadyDone,
}

fn record<T: Serialize>(key: String, value: &T, shared: &Shared) {
    lock(&shared.expected).insert(key, fingerprint(value));
}

/// A create refused because an object with its natural key appeared after the plan was made
/// (another apply, or someone in the admin center): writing would make a duplicate.
fn created_since(what: &str, name: &str, id: &str) -> String {
    format!(
        "conflict: a {what} named \"{name}\" ({id}) was created since the plan was made: re-plan (nothing was written)"
    )
}

/// A create that raced another apply's and lost: the duplicate it made was removed again.
fn raced(what: &str, name: &str, kept: &str, removed: &str) -> String {
    format!(
        "conflict: another apply created a {what} named \"{name}\" at the same time; the older one ({kept}) was kept and this run's ({removed}) removed: re-plan"
    )
}

/// Another object named `name` created before `mine` (by creation time, then id), if any.
fn older_twin(
    objects: &[ppgov_tenant_client::NamedObject],
    mine: &str,
    name: &str,
) -> Option<String> {
    let me = objects.iter().find(|o| o.id == mine)?;
    objects
        .iter()
        .filter(|o| o.id != mine && o.display_name == name)
        .find(|o| (&o.created, &o.id) < (&me.created, &me.id))
        .map(|o| o.id.clone())
}

fn not_converged(what: &str, fields: &[&str]) -> String {
    format!(
        "did not converge: {what} read back differs from the plan in {}",
        fields.join(", ")
    )
}

/// The fields in which the observed object differs from a plan's after-value (empty when it
/// matches, or the plan holds no after-value to compare).
pub(crate) fn differences_from(
    after: &After,
    observed: &ppgov_core::observed::Observed,
) -> Vec<String> {
    let owned = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
    match after {
        After::Environment(a) => observed
            .environments
            .get(&a.id)
            .map(|l| owned(environment_differences(a, l)))
            .unwrap_or_default(),
        After::EnvironmentGroup(a) => observed
            .environment_groups
            .get(&a.id)
            .map(|l| owned(group_differences(a, l)))
            .unwrap_or_default(),
        After::DlpPolicy(a) => observed
            .dlp_policies
            .get(&a.id)
            .map(|l| owned(dlp_differences(a, l)))
            .unwrap_or_default(),
        After::TenantSettings(changed) => changed
            .iter()
            .filter(|(k, v)| observed.tenant_settings.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .collect(),
        After::TenantIsolationPolicy(a) => owned(tenant_isolation::differences(
            a,
            observed.tenant_isolation.as_ref(),
        )),
        After::Membership { .. } | After::RoleAssignment(_) | After::Nothing => Vec::new(),
    }
}

/// Fields of an environment the plan governs that differ.
pub(crate) fn environment_differences(
    after: &ppgov_core::observed::ObservedEnvironment,
    got: &ppgov_core::observed::ObservedEnvironment,
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

/// Fields of a group the plan governs that differ.
pub(crate) fn group_differences(after: &ObservedGroup, got: &ObservedGroup) -> Vec<&'static str> {
    let mut out = Vec::new();
    if after.display_name != got.display_name {
        out.push("displayName");
    }
    if after.description != got.description {
        out.push("description");
    }
    if after.rules != got.rules {
        out.push("rules");
    }
    out
}

/// As the planner compares them: a lone `*` rule with `ignore` (the platform's default) means
/// the same as no patterns.
fn patterns_meaning(patterns: &[UrlPattern]) -> &[UrlPattern] {
    match patterns {
        [only] if only.pattern == "*" && only.group == PatternGroup::Ignore => &[],
        other => other,
    }
}

pub(crate) fn dlp_differences(
    after: &ObservedDlpPolicy,
    got: &ObservedDlpPolicy,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    if after.display_name != got.display_name {
        out.push("displayName");
    }
    if after.scope_mode != got.scope_mode {
        out.push("scope");
    }
    if after.environment_ids != got.environment_ids {
        out.push("environments");
    }
    if after.default_group != got.default_group {
        out.push("defaultGroup");
    }
    if after.classification != got.classification {
        out.push("connectors");
    }
    if after.action_rules != got.action_rules {
        out.push("actionRules");
    }
    if after.endpoint_rules != got.endpoint_rules {
        out.push("endpointRules");
    }
    if patterns_meaning(&after.custom_connector_patterns)
        != patterns_meaning(&got.custom_connector_patterns)
    {
        out.push("customConnectorPatterns");
    }
    out
}

pub(crate) async fn run<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
    let err = |e: ppgov_tenant_client::ClientError| e.to_string();
    match (&c.after, c.action) {
        (After::Environment(after), Action::Create) => {
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
        (After::Environment(after), _) => {
            let key = fingerprint_key(ResourceKind::Environment, &after.id);
            let live = t.get_environment(&after.id).await;
            let live = match live {
                Ok(v) => Some(v),
                Err(e) if e.kind == ppgov_tenant_client::ErrorKind::NotFound => None,
                Err(e) => return Err(err(e)),
            };
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
        (
            After::Membership {
                group,
                environment_id,
            },
            action,
        ) => {
            let gid = resolve(group, shared)?;
            let environment_id = &live_environment_id(environment_id, shared)?;
            let key = fingerprint_key(ResourceKind::Environment, environment_id);
            let live = match t.get_environment(environment_id).await {
                Ok(v) => Some(v),
                Err(e) if e.kind == ppgov_tenant_client::ErrorKind::NotFound => None,
                Err(e) => return Err(err(e)),
            };
            let in_group = |e: &ppgov_core::observed::ObservedEnvironment| {
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
        (After::EnvironmentGroup(after), Action::Create) => {
            // Creates have no fingerprint to check; their natural key is the display name.
            let names = t.list_group_names().await.map_err(err)?;
            if let Some(o) = names.iter().find(|o| o.display_name == after.display_name) {
                return Err(created_since("group", &after.display_name, &o.id));
            }
            let got = t.create_group(after).await.map_err(err)?;
            // Two applies can pass that check at once. The earliest-created object wins: one
            // that finds an older twin removes its own, so exactly one survives.
            let names = t.list_group_names().await.map_err(err)?;
            if let Some(older) = older_twin(&names, &got.id, &after.display_name) {
                t.delete_group(&got.id).await.map_err(err)?;
                return Err(raced("group", &after.display_name, &older, &got.id));
            }
            lock(&shared.created).insert(c.address.clone(), got.id.clone());
            record(
                fingerprint_key(ResourceKind::EnvironmentGroup, &got.id),
                &got,
                shared,
            );
            let diff = group_differences(after, &got);
            if !diff.is_empty() {
                return Err(not_converged("the group", &diff));
            }
            Ok(())
        }
        (After::EnvironmentGroup(after), _) => {
            let key = fingerprint_key(ResourceKind::EnvironmentGroup, &after.id);
            let live = optional(t.get_group(&after.id).await).map_err(err)?;
            let differences = live
                .as_ref()
                .map(|l| group_differences(after, l))
                .unwrap_or_default();
            if check(c, &key, live.as_ref(), Some(&differences), shared)? == Write::AlreadyDone {
                return Ok(());
            }
            let got = t.update_group(after).await.map_err(err)?;
            record(key, &got, shared);
            let diff = group_differences(after, &got);
            if !diff.is_empty() {
                return Err(not_converged("the group", &diff));
            }
            Ok(())
        }
        (After::DlpPolicy(after), Action::Create) => {
            let names = t.list_dlp_policy_names().await.map_err(err)?;
            if let Some(o) = names.iter().find(|o| o.display_name == after.display_name) {
                return Err(created_since("data policy", &after.display_name, &o.id));
            }
            let after = &with_created_environments(after, shared)?;
            let got = t.create_dlp_policy(after).await.map_err(err)?;
            let names = t.list_dlp_policy_names().await.map_err(err)?;
            if let Some(older) = older_twin(&names, &got.id, &after.display_name) {
                t.delete_dlp_policy(&got.id).await.map_err(err)?;
                return Err(raced("data policy", &after.display_name, &older, &got.id));
            }
            lock(&shared.created).insert(c.address.clone(), got.id.clone());
            record(
                fingerprint_key(ResourceKind::DlpPolicy, &got.id),
                &got,
                shared,
            );
            let diff = dlp_differences(after, &got);
            if !diff.is_empty() {
                return Err(not_converged("the policy", &diff));
            }
            Ok(())
        }
        (After::DlpPolicy(after), _) => {
            let after = &with_created_environments(after, shared)?;
            let key = fingerprint_key(ResourceKind::DlpPolicy, &after.id);
            let live = optional(t.get_dlp_policy(&after.id).await).map_err(err)?;
            let differences = live
                .as_ref()
                .map(|l| dlp_differences(after, l))
                .unwrap_or_default();
            if check(c, &key, live.as_ref(), Some(&differences), shared)? == Write::AlreadyDone {
                return Ok(());
            }
            let got = t.update_dlp_policy(after).await.map_err(err)?;
            record(key, &got, shared);
            let diff = dlp_differences(after, &got);
            if !diff.is_empty() {
                return Err(not_converged("the policy", &diff));
            }
            Ok(())
        }
        (After::RoleAssignment(after), _) => {
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
        (After::TenantSettings(changed), _) => {
            // Fingerprinted per managed setting (`TenantSettings:{path}`): the others may
            // change freely.
            let managed: Vec<(String, String)> = lock(&shared.expected)
                .keys()
                .filter_map(|k| {
                    let key: ppgov_planner::FingerprintKey = k.parse().ok()?;
                    (key.kind == ResourceKind::TenantSettings).then(|| (k.clone(), key.id))
                })
                .collect();
            let live = t.get_tenant_settings().await.map_err(err)?;
            let differences: Vec<&str> = changed
                .iter()
                .filter(|(k, v)| live.get(*k) != Some(v))
                .map(|(k, _)| k.as_str())
                .collect();
            for (key, path) in &managed {
                check(c, key, Some(&live.get(path)), Some(&differences), shared)?;
            }
            if differences.is_empty() {
                // A racing apply already wrote every planned value.
                return Ok(());
            }
            let got = t.update_tenant_settings(changed).await.map_err(err)?;
            for (key, path) in managed {
                record(key, &got.get(&path), shared);
            }
            let diff: Vec<&str> = changed
                .iter()
                .filter(|(k, v)| got.get(*k) != Some(v))
                .map(|(k, _)| k.as_str())
                .collect();
            if !diff.is_empty() {
                return Err(not_converged("the tenant settings", &diff));
            }
            Ok(())
        }
        (After::TenantIsolationPolicy(after), _) => {
            tenant_isolation::run(c, after, t, shared).await
        }
        (After::Nothing, _) => delete(c, t, shared).await,
    }
}

fn optional<V>(
    r: Result<V, ppgov_tenant_client::ClientError>,
) -> Result<Option<V>, ppgov_tenant_client::ClientError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == ppgov_tenant_client::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

async fn delete<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
    let err = |e: ppgov_tenant_client::ClientError| e.to_string();
    let Some(id) = c.id.as_deref() else {
        return Err(format!("{}: a delete without an object id", c.address));
    };
    match c.kind {
        ResourceKind::EnvironmentGroup => {
            let key = fingerprint_key(ResourceKind::EnvironmentGroup, id);
            let Some(live) = optional(t.get_group(id).await).map_err(err)? else {
                // Already gone (a racing apply deleted it): what the plan wants.
                return Ok(());
            };
            check(c, &key, Some(&live), None, shared)?;
            t.delete_group(id).await.map_err(err)?;
            match optional(t.get_group(id).await).map_err(err)? {
                None => Ok(()),
                Some(_) => Err("did not converge: the group still exists".to_owned()),
            }
        }
        ResourceKind::DlpPolicy => {
            let key = fingerprint_key(ResourceKind::DlpPolicy, id);
            let Some(live) = optional(t.get_dlp_policy(id).await).map_err(err)? else {
                // Already gone (a racing apply deleted it): what the plan wants.
                return Ok(());
            };
            check(c, &key, Some(&live), None, shared)?;
            t.delete_dlp_policy(id).await.map_err(err)?;
            match optional(t.get_dlp_policy(id).await).map_err(err)? {
                None => Ok(()),
                Some(_) => Err("did not converge: the policy still exists".to_owned()),
            }
        }
        ResourceKind::RoleAssignment => {
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
        ResourceKind::Environment => {
            let key = fingerprint_key(ResourceKind::Environment, id);
            let Some(live) = optional(t.get_environment(id).await).map_err(err)? else {
                // Already gone (a racing apply deleted it): what the plan wants.
                return Ok(());
            };
            check(c, &key, Some(&live), None, shared)?;
            t.delete_environment(id).await.map_err(err)?;
            match optional(t.get_environment(id).await).map_err(err)? {
                None => Ok(()),
                Some(_) => Err("did not converge: the environment still exists".to_owned()),
            }
        }
        // A membership removal carries `After::Membership`, so it never gets here.
        // The isolation policy's removal carries the policy it writes, so it never gets here.
        other @ (ResourceKind::GroupMembership
        | ResourceKind::TenantSettings
        | ResourceKind::TenantIsolationPolicy) => Err(format!(
            "{}: ppgov does not delete {other:?} objects",
            c.address
        )),
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

/// The [`Plan::fingerprints`](ppgov_planner::Plan::fingerprints) key of a live object.
fn fingerprint_key(kind: ResourceKind, id: &str) -> String {
    ppgov_planner::FingerprintKey::new(kind, id).to_string()
}
