//! Every write the engine plans, plus the single-object reads that verify them.
//!
//! Writes take model values (the plan stores complete after-values as `Observed*` structs)
//! and return the value read back from the service, so the caller sees what the tenant now
//! holds. Deletes treat 404 as done: a retried delete that already happened is not an error.

use crate::Client;
use crate::convert::{self, ConvertError};
use crate::error::{ClientError, ErrorKind};
use crate::http::{Req, Response};
use futures::future::try_join_all;
use ppgov_core::observed::{
    Observed, ObservedDlpPolicy, ObservedEnvironment, ObservedGroup, ObservedRoleAssignment,
    ObservedScope,
};
use ppgov_tenant_api::{dlp as wd, environments as we, groups as wg, paths};
use ppgov_tenant_api::{roles as wro, rules as wr, tenant as wt};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::SystemTime;

pub(crate) mod tenant_isolation;

/// A live object's identity as its listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedObject {
    pub id: String,
    pub display_name: String,
    /// ISO 8601 as the service writes it (fixed width, so it sorts as text).
    pub created: String,
}

fn cannot_write(e: ConvertError) -> ClientError {
    ClientError::config(format!("cannot write: {}", e.0))
}

/// `Ok(())` for a 404: the object is already gone.
fn gone_is_fine(r: Result<Response, ClientError>) -> Result<(), ClientError> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Per-item `httpStatus` of `modifyRoleAssignments`: `Created`, `OK`, `NoContent`, `200`, ...
fn item_succeeded(status: &str) -> bool {
    matches!(
        status.to_ascii_lowercase().as_str(),
        "ok" | "created" | "nocontent" | "accepted"
    ) || status.parse::<u16>().is_ok_and(|s| (200..300).contains(&s))
}

/// A rule-set parameter as compared: type, resource type, sorted values.
type NormalParam = (String, String, Vec<(String, String)>);

/// Parameters compared regardless of order and of `hasStagedChanges`.
fn same_rule_set(a: &wr::RuleSet, b: &wr::RuleSet) -> bool {
    let norm = |rs: &wr::RuleSet| {
        let mut v: Vec<NormalParam> = rs
            .parameters
            .iter()
            .map(|p| {
                let mut vals: Vec<(String, String)> = p
                    .value
                    .iter()
                    .map(|v| (v.id.clone(), v.value.clone()))
                    .collect();
                vals.sort();
                (p.kind.clone(), p.resource_type.clone(), vals)
            })
            .collect();
        v.sort();
        v
    };
    norm(a) == norm(b)
}

fn same_policy(a: &wr::RuleBasedPolicy, b: &wr::RuleBasedPolicy) -> bool {
    let norm = |p: &wr::RuleBasedPolicy| {
        let mut v: Vec<(String, String, String)> = p
            .rule_sets
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    r.version.clone(),
                    serde_json::to_string(&r.inputs).unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    };
    norm(a) == norm(b)
}

impl Client {
    // ---- environments --------------------------------------------------------------------

    pub async fn get_environment(&self, id: &str) -> Result<ObservedEnvironment, ClientError> {
        let resp = self
            .transport
            .send(&Req::get(paths::get_environment(id)))
            .await?;
        Ok(convert::environment(&resp.json::<we::Environment>()?))
    }

    /// Re-reads an environment until `done` holds and no operation is running on it (reads
    /// lag behind finished operations), until the LRO deadline.
    async fn converge(
        &self,
        id: &str,
        what: &str,
        done: impl Fn(&ObservedEnvironment) -> bool,
    ) -> Result<ObservedEnvironment, ClientError> {
        let lro = &self.config().lro;
        let deadline = tokio::time::Instant::now() + lro.deadline;
        // Like operation polls: soon at first, then doubling up to the poll interval.
        let mut interval = crate::http::FIRST_POLL.min(lro.poll_interval);
        loop {
            let e = self.get_environment(id).await?;
            if done(&e) && !e.busy {
                return Ok(e);
            }
            if tokio::time::Instant::now() + interval > deadline {
                return Err(ClientError::new(
                    ErrorKind::Timeout,
                    format!(
                        "environment {id}: {what} not visible after {}s",
                        lro.deadline.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(lro.poll_interval);
        }
    }

    /// Creates an environment (waiting out its lifecycle operation and a busy tenant, never
    /// retrying the create itself: a retry could make a second one), then re-reads it until
    /// it is ready and its Dataverse, if asked for, shows.
    pub async fn create_environment(
        &self,
        o: &ObservedEnvironment,
    ) -> Result<ObservedEnvironment, ClientError> {
        let req = Req::post(paths::create_environment())
            .json(convert::create_environment_request(o))
            .wait_busy();
        let resp = self.transport.send_lro(&req).await?;
        // A 201 names the environment; a 202's operation links to it.
        let body: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
        let id = body
            .get("name")
            .and_then(Value::as_str)
            .or_else(|| {
                body.pointer("/links/environment/path")
                    .and_then(Value::as_str)
                    .and_then(|p| p.rsplit('/').next())
            })
            .map(str::to_owned);
        let id = match id {
            Some(id) => id,
            None => self
                .list_environment_names()
                .await?
                .into_iter()
                .find(|e| e.display_name == o.display_name)
                .map(|e| e.id)
                .ok_or_else(|| {
                    ClientError::new(
                        ErrorKind::OperationFailed,
                        format!(
                            "the environment \"{}\" was created but does not appear in the environment list",
                            o.display_name
                        ),
                    )
                })?,
        };
        let want_dataverse = o.dataverse.is_some();
        self.converge(&id, "the new environment", |e| {
            !want_dataverse || e.has_dataverse
        })
        .await
    }

    /// Deletes an environment and waits for its lifecycle operation; 404 means gone already.
    pub async fn delete_environment(&self, id: &str) -> Result<(), ClientError> {
        let req = Req::delete(paths::delete_environment(id))
            .json(serde_json::json!({ "code": "7", "message": "Deleted by ppgov" }))
            .idempotent()
            .wait_busy();
        gone_is_fine(self.transport.send_lro(&req).await)
    }

    /// Every environment's id, display name and creation time (one listing): what a create
    /// checks its natural key against.
    pub async fn list_environment_names(&self) -> Result<Vec<NamedObject>, ClientError> {
        let envs: Vec<we::Environment> = self.transport.list(paths::list_environments()).await?;
        Ok(envs
            .into_iter()
            .map(|e| NamedObject {
                id: e.name.to_lowercase(),
                display_name: e.properties.display_name.clone(),
                created: e
                    .properties
                    .other
                    .get("createdTime")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect())
    }

    /// Turns Managed Environment on or off and waits until the environment shows it.
    pub async fn set_managed(
        &self,
        env: &str,
        managed: bool,
    ) -> Result<ObservedEnvironment, ClientError> {
        let req = Req::post(paths::governance_configuration(env))
            .json(convert::governance_request(managed))
            .idempotent()
            .wait_busy();
        self.transport.send_lro(&req).await?;
        self.converge(env, "the managed setting", |e| e.managed == managed)
            .await
    }

    /// Adds an environment to a group, making it managed first if it is not (only managed
    /// environments can join a group).
    pub async fn add_environment_to_group(
        &self,
        env: &str,
        group: &str,
    ) -> Result<ObservedEnvironment, ClientError> {
        let current = self.get_environment(env).await?;
        let group_lc = group.to_lowercase();
        if current.group_id.as_deref() == Some(group_lc.as_str()) {
            return Ok(current);
        }
        if !current.managed {
            self.set_managed(env, true).await?;
        }
        let req = Req::post(paths::add_environment_to_group(group, env)).wait_busy();
        self.transport.send_lro(&req).await?;
        self.converge(env, "the group membership", |e| {
            e.group_id.as_deref() == Some(group_lc.as_str())
        })
        .await
    }

    /// Removes an environment from a group (it stays managed).
    pub async fn remove_environment_from_group(
        &self,
        env: &str,
        group: &str,
    ) -> Result<ObservedEnvironment, ClientError> {
        let req = Req::post(paths::remove_environment_from_group(group, env)).wait_busy();
        self.transport.send_lro(&req).await?;
        self.converge(env, "the group removal", |e| e.group_id.is_none())
            .await
    }

    // ---- environment groups ----------------------------------------------------------------

    /// A group with its rules (classic rule set and rule-based policy).
    pub async fn get_group(&self, id: &str) -> Result<ObservedGroup, ClientError> {
        let t = &self.transport;
        let resp = t.send(&Req::get(paths::environment_group(id))).await?;
        if resp.is_empty() {
            return Err(ClientError::from_status(&resp.label, 404, ""));
        }
        let group: wg::EnvironmentGroup = resp.json()?;
        let (rule_sets, assignments) = futures::try_join!(
            t.list::<wr::RuleSet>(paths::group_rule_sets(id)),
            t.list::<wr::RuleAssignment>(paths::rule_based_policy_assignments()),
        )?;
        let policy = match group_assignment(&assignments, id) {
            Some(a) => Some(
                t.send(&Req::get(paths::rule_based_policy(&a.policy_id)))
                    .await?
                    .json::<wr::RuleBasedPolicy>()?,
            ),
            None => None,
        };
        Ok(convert::group(&group, rule_sets.first(), policy.as_ref()))
    }

    /// Creates a group and its rules; returns it as read back.
    pub async fn create_group(&self, g: &ObservedGroup) -> Result<ObservedGroup, ClientError> {
        let t = &self.transport;
        let body = wg::EnvironmentGroup {
            id: None,
            ..convert::group_to_wire(g)
        };
        let resp = t
            .send(&Req::post(paths::environment_groups()).json(&body))
            .await?;
        let id = if resp.is_empty() {
            // 204 is documented: find the new group by its display name.
            let all: Vec<wg::EnvironmentGroup> = t.list(paths::environment_groups()).await?;
            let mut found = all
                .into_iter()
                .filter(|x| x.display_name == g.display_name)
                .filter_map(|x| x.id);
            match (found.next(), found.next()) {
                (Some(id), None) => id,
                _ => {
                    return Err(ClientError::invalid(
                        &resp.label,
                        "the create answered no body and the new group cannot be told apart by \
                         its display name",
                    ));
                }
            }
        } else {
            resp.json::<wg::EnvironmentGroup>()?
                .id
                .ok_or_else(|| ClientError::invalid(&resp.label, "the created group has no id"))?
        };
        self.reconcile_rules(&id, g).await?;
        self.get_group(&id).await
    }

    /// Updates a group's name, description and rules to `g` (matched by `g.id`).
    pub async fn update_group(&self, g: &ObservedGroup) -> Result<ObservedGroup, ClientError> {
        let current = self
            .transport
            .send(&Req::get(paths::environment_group(&g.id)))
            .await?;
        let current: wg::EnvironmentGroup = current.json()?;
        if current.display_name != g.display_name || current.description != g.description {
            self.transport
                .send(&Req::put(paths::environment_group(&g.id)).json(convert::group_to_wire(g)))
                .await?;
        }
        self.reconcile_rules(&g.id, g).await?;
        self.get_group(&g.id).await
    }

    /// The group's classic rule set as the service sends it (with the values ppgov does not
    /// model, such as `makerOnboardingTimestamp`), if it has one.
    pub async fn get_group_rule_set(
        &self,
        group: &str,
    ) -> Result<Option<wr::RuleSet>, ClientError> {
        let sets = self
            .transport
            .list::<wr::RuleSet>(paths::group_rule_sets(group))
            .await?;
        Ok(sets.into_iter().next())
    }

    /// The classic rule sets of `observed`'s groups as the service sends them, by group id
    /// (read concurrently): what [`convert::tenant_snapshot`] keeps of them.
    pub async fn group_rule_sets(
        &self,
        observed: &Observed,
    ) -> Result<BTreeMap<String, wr::RuleSet>, ClientError> {
        let reads = observed
            .environment_groups
            .values()
            .filter(|g| g.rule_set_id.is_some())
            .map(|g| async move { Ok((g.id.clone(), self.get_group_rule_set(&g.id).await?)) });
        let read: Vec<(String, Option<wr::RuleSet>)> = try_join_all(reads).await?;
        Ok(read
            .into_iter()
            .filter_map(|(group, set)| Some((group, set?)))
            .collect())
    }

    /// Brings the group's classic rule set and rule-based policy to what `g` says.
    async fn reconcile_rules(&self, group: &str, g: &ObservedGroup) -> Result<(), ClientError> {
        let t = &self.transport;
        let (rule_sets, assignments) = futures::try_join!(
            t.list::<wr::RuleSet>(paths::group_rule_sets(group)),
            t.list::<wr::RuleAssignment>(paths::rule_based_policy_assignments()),
        )?;

        // Classic rule set.
        let current = rule_sets.first();
        let now = httpdate::fmt_http_date(SystemTime::now());
        let desired =
            convert::rule_set_to_wire(group, &g.rules, &g.unmodelled_rules, current, &now);
        match (
            desired,
            current.and_then(|c| c.id.clone().map(|id| (c, id))),
        ) {
            (Some(d), None) => {
                t.send(&Req::post(paths::group_rule_sets(group)).json(&d))
                    .await?;
            }
            (Some(d), Some((c, id))) => {
                if !same_rule_set(&d, c) {
                    t.send(&Req::put(paths::rule_set(&id)).json(&d)).await?;
                }
            }
            (None, Some((_, id))) => {
                gone_is_fine(t.send(&Req::delete(paths::rule_set(&id))).await)?;
            }
            (None, None) => {}
        }

        // Rule-based policy (one per group).
        let assigned = group_assignment(&assignments, group).map(|a| a.policy_id.clone());
        let current_policy = match &assigned {
            Some(pid) => Some(
                t.send(&Req::get(paths::rule_based_policy(pid)))
                    .await?
                    .json::<wr::RuleBasedPolicy>()?,
            ),
            None => None,
        };
        let name = current_policy
            .as_ref()
            .map(|p| p.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("ppgov: {}", g.display_name));
        let desired = convert::policy_to_wire(&name, &g.rules, &g.unmodelled_policy_rules);
        let shared = |pid: &str| {
            assignments.iter().any(|a| {
                // An assignment that names no resource is assigned elsewhere: shared too.
                a.policy_id.eq_ignore_ascii_case(pid)
                    && !a
                        .resource_id
                        .as_deref()
                        .is_some_and(|r| r.eq_ignore_ascii_case(group))
            })
        };
        match (desired, assigned) {
            (Some(d), None) => self.create_and_assign_policy(group, &d).await?,
            (Some(d), Some(pid)) if shared(&pid) => {
                // Changing a policy other groups use would change them too: give this
                // group its own.
                self.unassign_policy(&pid, group).await?;
                let own = wr::RuleBasedPolicy {
                    name: format!("ppgov: {}", g.display_name),
                    ..d
                };
                self.create_and_assign_policy(group, &own).await?;
            }
            (Some(d), Some(pid)) => {
                if !current_policy.as_ref().is_some_and(|c| same_policy(&d, c)) {
                    t.send(&Req::put(paths::rule_based_policy(&pid)).json(&d))
                        .await?;
                }
            }
            (None, Some(pid)) => {
                self.unassign_policy(&pid, group).await?;
                if !shared(&pid) {
                    gone_is_fine(t.send(&Req::delete(paths::rule_based_policy(&pid))).await)?;
                }
            }
            (None, None) => {}
        }
        Ok(())
    }

    async fn create_and_assign_policy(
        &self,
        group: &str,
        policy: &wr::RuleBasedPolicy,
    ) -> Result<(), ClientError> {
        let t = &self.transport;
        let resp = t
            .send(&Req::post(paths::rule_based_policies()).json(policy))
            .await?;
        let created: wr::RuleBasedPolicy = resp.json()?;
        let pid = created
            .id
            .ok_or_else(|| ClientError::invalid(&resp.label, "the created policy has no id"))?;
        t.send(
            &Req::post(paths::assign_rule_based_policy_to_group(&pid, group))
                .json(serde_json::json!({})),
        )
        .await?;
        Ok(())
    }

    async fn unassign_policy(&self, policy: &str, group: &str) -> Result<(), ClientError> {
        gone_is_fine(
            self.transport
                .send(&Req::delete(paths::assign_rule_based_policy_to_group(
                    policy, group,
                )))
                .await,
        )
    }

    /// Deletes a group: first removes every member, its rule set and its policy assignment
    /// (the platform refuses to delete a group that still has any of them).
    pub async fn delete_group(&self, id: &str) -> Result<(), ClientError> {
        let t = &self.transport;
        let id_lc = id.to_lowercase();
        let filter = format!("properties/parentEnvironmentGroup/id eq {id}");
        let envs: Vec<we::Environment> = t
            .list(paths::list_environments().with("$filter", filter))
            .await?;
        let members: Vec<String> = envs
            .iter()
            .filter(|e| e.group_id().map(str::to_lowercase).as_deref() == Some(id_lc.as_str()))
            .map(|e| e.name.clone())
            .collect();
        try_join_all(
            members
                .iter()
                .map(|env| self.remove_environment_from_group(env, id)),
        )
        .await?;
        let emptied = ObservedGroup {
            id: id.to_owned(),
            ..Default::default()
        };
        self.reconcile_rules(id, &emptied).await?;
        gone_is_fine(t.send(&Req::delete(paths::environment_group(id))).await)
    }

    /// Every environment group's id, display name and creation time (one listing): what a
    /// create checks its natural key against.
    pub async fn list_group_names(&self) -> Result<Vec<NamedObject>, ClientError> {
        let groups: Vec<wg::EnvironmentGroup> =
            self.transport.list(paths::environment_groups()).await?;
        Ok(groups
            .into_iter()
            .map(|g| NamedObject {
                id: g.id.unwrap_or_default(),
                display_name: g.display_name,
                created: g.created_time.unwrap_or_default(),
            })
            .collect())
    }

    /// Every DLP policy's id, display name and creation time (one listing), likewise.
    pub async fn list_dlp_policy_names(&self) -> Result<Vec<NamedObject>, ClientError> {
        let docs: Vec<wd::PolicyDocument> = self.transport.list(paths::dlp_policies()).await?;
        Ok(docs
            .into_iter()
            .map(|d| {
                let p = d.policy_definition;
                NamedObject {
                    id: p.name.unwrap_or_default(),
                    display_name: p.display_name,
                    created: p.created_time.unwrap_or_default(),
                }
            })
            .collect())
    }

    // ---- DLP policies ------------------------------------------------------------------------

    pub async fn get_dlp_policy(&self, id: &str) -> Result<ObservedDlpPolicy, ClientError> {
        let resp = self
            .transport
            .send(&Req::get(paths::dlp_policy(id)))
            .await?;
        self.dlp_from(&resp).await
    }

    /// The policy in a write's answer, or read back when the answer lacks the groups.
    async fn dlp_from(&self, resp: &Response) -> Result<ObservedDlpPolicy, ClientError> {
        let doc: wd::PolicyDocument = resp.json()?;
        if doc.policy_definition.connector_groups.is_none() {
            let name = doc.policy_definition.name.clone().unwrap_or_default();
            let again = self
                .transport
                .send(&Req::get(paths::dlp_policy(&name)))
                .await?;
            let doc: wd::PolicyDocument = again.json()?;
            return convert::dlp_policy(&doc).map_err(|e| ClientError::invalid(&again.label, e.0));
        }
        convert::dlp_policy(&doc).map_err(|e| ClientError::invalid(&resp.label, e.0))
    }

    /// Creates a policy (its `id` is ignored); returns it with the id the service gave it.
    pub async fn create_dlp_policy(
        &self,
        p: &ObservedDlpPolicy,
    ) -> Result<ObservedDlpPolicy, ClientError> {
        let doc = convert::dlp_policy_to_wire(&ObservedDlpPolicy {
            id: String::new(),
            ..p.clone()
        })
        .map_err(cannot_write)?;
        let resp = self
            .transport
            .send(&Req::post(paths::dlp_policies()).json(&doc))
            .await?;
        self.dlp_from(&resp).await
    }

    /// Replaces the whole policy `p.id` with `p` (PATCH of the full document).
    pub async fn update_dlp_policy(
        &self,
        p: &ObservedDlpPolicy,
    ) -> Result<ObservedDlpPolicy, ClientError> {
        let doc = convert::dlp_policy_to_wire(p).map_err(cannot_write)?;
        let resp = self
            .transport
            .send(&Req::patch(paths::dlp_policy(&p.id)).json(&doc))
            .await?;
        if resp.is_empty() {
            return self.get_dlp_policy(&p.id).await;
        }
        self.dlp_from(&resp).await
    }

    pub async fn delete_dlp_policy(&self, id: &str) -> Result<(), ClientError> {
        gone_is_fine(
            self.transport
                .send(&Req::delete(paths::dlp_policy(id)))
                .await,
        )
    }

    // ---- role assignments -------------------------------------------------------------------------

    /// The BAP environment role assignments of one environment.
    pub async fn list_environment_role_assignments(
        &self,
        env: &str,
    ) -> Result<Vec<ObservedRoleAssignment>, ClientError> {
        let list: Vec<wro::BapRoleAssignment> = self
            .transport
            .list_unique(
                paths::environment_role_assignments(env),
                |a: &wro::BapRoleAssignment| Some(a.id.clone()),
            )
            .await?;
        Ok(list
            .iter()
            .map(|a| convert::bap_role_assignment(a, env))
            .collect())
    }

    /// Every Power Platform RBAC assignment of the tenant, at every scope ppgov governs: the
    /// tenant-level list holds only tenant-scope assignments, so each group's and each
    /// environment's list is read too (concurrently, bounded by the request limit).
    pub async fn list_rbac_role_assignments(
        &self,
    ) -> Result<Vec<ObservedRoleAssignment>, ClientError> {
        let t = &self.transport;
        let (groups, envs) = futures::try_join!(
            t.list::<wg::EnvironmentGroup>(paths::environment_groups()),
            t.list::<we::Environment>(paths::list_environments()),
        )?;
        let scopes = std::iter::once(ObservedScope::Tenant)
            .chain(
                groups
                    .into_iter()
                    .filter_map(|g| g.id)
                    .map(ObservedScope::EnvironmentGroup),
            )
            .chain(envs.into_iter().map(|e| ObservedScope::Environment(e.name)));
        let mut by_id = BTreeMap::new();
        for a in self.rbac_scopes(scopes, None).await? {
            by_id.insert(a.id.clone(), a);
        }
        Ok(by_id.into_values().collect())
    }

    /// The RBAC assignments one scope's list answers (tenant, group or environment).
    pub async fn list_rbac_role_assignments_at(
        &self,
        scope: &ObservedScope,
    ) -> Result<Vec<ObservedRoleAssignment>, ClientError> {
        let endpoint = match scope {
            ObservedScope::Tenant => paths::rbac_role_assignments(),
            ObservedScope::EnvironmentGroup(g) => paths::rbac_group_role_assignments(g),
            ObservedScope::Environment(e) => paths::rbac_environment_role_assignments(e),
            ObservedScope::Unknown(s) => {
                return Err(ClientError::config(format!(
                    "cannot list role assignments at the unknown scope `{s}`"
                )));
            }
        };
        let label = format!("GET powerplatform {}", endpoint.path);
        let list: Vec<wro::RbacRoleAssignment> = self
            .transport
            .list_unique(endpoint, |a: &wro::RbacRoleAssignment| {
                Some(a.role_assignment_id.clone()).filter(|id| !id.is_empty())
            })
            .await?;
        list.iter()
            .map(|a| {
                convert::rbac_role_assignment(a).map_err(|e| ClientError::invalid(&label, e.0))
            })
            .collect()
    }

    /// Creates an assignment (its `id` is ignored): environment roles through BAP
    /// `modifyRoleAssignments`, the others through Power Platform RBAC.
    pub async fn create_role_assignment(
        &self,
        a: &ObservedRoleAssignment,
    ) -> Result<ObservedRoleAssignment, ClientError> {
        let tenant = self.tenant_id().await?;
        let t = &self.transport;
        let Some(role) = a.role else {
            return Err(ClientError::config(
                "cannot create an assignment of an unknown role",
            ));
        };
        if role.is_environment_role() {
            let ObservedScope::Environment(env) = &a.scope else {
                return Err(ClientError::config(
                    "environment roles are assigned on one environment",
                ));
            };
            let body = wro::ModifyRoleAssignments {
                add: vec![convert::bap_role_assignment_request(a, &tenant).map_err(cannot_write)?],
                remove: Vec::new(),
            };
            let resp = t
                .send(&Req::post(paths::modify_environment_role_assignments(env)).json(&body))
                .await?;
            let answer: wro::ModifyRoleAssignmentsResponse = resp.json()?;
            let item = answer.add.into_iter().next().ok_or_else(|| {
                ClientError::invalid(&resp.label, "the answer has no result for the added item")
            })?;
            if !item_succeeded(&item.http_status) {
                return Err(item_error(&resp.label, &item));
            }
            if let Some(created) = &item.role_assignment {
                return Ok(convert::bap_role_assignment(created, env));
            }
            // No echo: find it.
            return self
                .list_environment_role_assignments(env)
                .await?
                .into_iter()
                .find(|x| x.principal_id == a.principal_id && x.role == a.role)
                .ok_or_else(|| {
                    ClientError::invalid(&resp.label, "the new assignment is not listed")
                });
        }
        let body = convert::rbac_role_assignment_request(a, &tenant).map_err(cannot_write)?;
        // Group and environment assignments are created on their scope's route, as
        // Microsoft's PowerShell module does.
        let route = match &a.scope {
            ObservedScope::Tenant => paths::rbac_role_assignments(),
            ObservedScope::EnvironmentGroup(g) => paths::rbac_group_role_assignments(g),
            ObservedScope::Environment(e) => paths::rbac_environment_role_assignments(e),
            ObservedScope::Unknown(s) => {
                return Err(ClientError::config(format!(
                    "cannot create a role assignment at the unknown scope `{s}`"
                )));
            }
        };
        let resp = t.send(&Req::post(route).json(&body)).await?;
        if !resp.is_empty()
            && let Some(created) = resp.json::<wro::RbacCreateResponse>()?.into_assignment()
        {
            return convert::rbac_role_assignment(&created)
                .map_err(|e| ClientError::invalid(&resp.label, e.0));
        }
        let scope = a.scope.clone();
        self.list_rbac_role_assignments_at(&scope)
            .await?
            .into_iter()
            .find(|x| x.principal_id == a.principal_id && x.role == a.role && x.scope == scope)
            .ok_or_else(|| ClientError::invalid(&resp.label, "the new assignment is not listed"))
    }

    /// Deletes an assignment by its id (BAP ids are `.../roleAssignments/{id}` paths).
    pub async fn delete_role_assignment(
        &self,
        a: &ObservedRoleAssignment,
    ) -> Result<(), ClientError> {
        let t = &self.transport;
        if !a.is_bap() {
            let route = match &a.scope {
                ObservedScope::EnvironmentGroup(g) => paths::rbac_group_role_assignment(g, &a.id),
                ObservedScope::Environment(e) => paths::rbac_environment_role_assignment(e, &a.id),
                ObservedScope::Tenant | ObservedScope::Unknown(_) => {
                    paths::rbac_role_assignment(&a.id)
                }
            };
            return gone_is_fine(t.send(&Req::delete(route)).await);
        }
        let ObservedScope::Environment(env) = &a.scope else {
            return Err(ClientError::config(
                "environment role assignments belong to one environment",
            ));
        };
        let body = wro::ModifyRoleAssignments {
            add: Vec::new(),
            remove: vec![wro::RemoveRoleAssignment { id: a.id.clone() }],
        };
        let resp = t
            .send(
                &Req::post(paths::modify_environment_role_assignments(env))
                    .json(&body)
                    .idempotent(),
            )
            .await?;
        if resp.is_empty() {
            return Ok(());
        }
        let answer: wro::ModifyRoleAssignmentsResponse = resp.json()?;
        match answer.remove.first() {
            Some(item)
                if !item_succeeded(&item.http_status)
                    && !item.http_status.eq_ignore_ascii_case("NotFound") =>
            {
                Err(item_error(&resp.label, item))
            }
            _ => Ok(()),
        }
    }

    // ---- tenant settings ----------------------------------------------------------------------------

    /// Every tenant setting, flattened to dotted paths.
    pub async fn get_tenant_settings(&self) -> Result<BTreeMap<String, Value>, ClientError> {
        let resp = self
            .transport
            .send(&Req::post(paths::list_tenant_settings()).reading())
            .await?;
        Ok(convert::tenant_settings(
            &resp.json::<wt::TenantSettings>()?,
        ))
    }

    /// Writes the changed settings (flattened paths) as one sparse update; returns every
    /// setting as read back.
    pub async fn update_tenant_settings(
        &self,
        changed: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ClientError> {
        let body = convert::tenant_settings_update(changed);
        let resp = self
            .transport
            .send(
                &Req::post(paths::update_tenant_settings())
                    .json(&body)
                    .idempotent(),
            )
            .await?;
        if resp.is_empty() {
            return self.get_tenant_settings().await;
        }
        Ok(convert::tenant_settings(
            &resp.json::<wt::TenantSettings>()?,
        ))
    }
}

fn group_assignment<'a>(
    assignments: &'a [wr::RuleAssignment],
    group: &str,
) -> Option<&'a wr::RuleAssignment> {
    assignments.iter().find(|a| {
        a.resource_type.eq_ignore_ascii_case("EnvironmentGroup")
            && a.resource_id
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(group))
    })
}

fn item_error(label: &str, item: &wro::ModifyResult) -> ClientError {
    let detail = item.error.clone().unwrap_or_default();
    ClientError {
        kind: ErrorKind::Rejected,
        request: Some(label.to_owned()),
        status: None,
        code: Some(detail.code).filter(|c| !c.is_empty()),
        message: if detail.message.is_empty() {
            format!("the item failed with {}", item.http_status)
        } else {
            detail.message
        },
        hint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modify_item_statuses() {
        for ok in ["Created", "OK", "NoContent", "200", "204"] {
            assert!(item_succeeded(ok), "{ok}");
        }
        for bad in ["BadRequest", "Forbidden", "500", ""] {
            assert!(!item_succeeded(bad), "{bad}");
        }
    }
}
