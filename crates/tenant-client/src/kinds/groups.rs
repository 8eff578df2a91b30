//! Environment groups: the group with its rules (read from its classic rule set and its
//! rule-based policy, converted in `rules`); reads and writes of the group and its rules,
//! reconciled with what the group should hold.

use super::{NamedObject, gone_is_fine};
use crate::Client;
use crate::convert;
use crate::convert::{rules_from_policy, rules_from_rule_set};
use crate::error::ClientError;
use crate::http::Req;
use futures::future::try_join_all;
use ppgov_core::observed::{Observed, ObservedGroup};
use ppgov_tenant_api::groups as wg;
use ppgov_tenant_api::rules as wr;
use ppgov_tenant_api::{environments as we, paths};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// A group with its classic rule set and its rule-based policy (either may be absent).
pub fn group(
    g: &wg::EnvironmentGroup,
    rule_set: Option<&wr::RuleSet>,
    policy: Option<&wr::RuleBasedPolicy>,
) -> ObservedGroup {
    let mut o = ObservedGroup {
        id: g.id.clone().unwrap_or_default().to_lowercase(),
        display_name: g.display_name.clone(),
        description: g.description.clone(),
        rule_set_id: rule_set.and_then(|r| r.id.clone()),
        rule_based_policy_id: policy.and_then(|p| p.id.clone()),
        ..Default::default()
    };
    if let Some(rs) = rule_set {
        rules_from_rule_set(rs, &mut o.rules, &mut o.unmodelled_rules);
    }
    if let Some(pol) = policy {
        rules_from_policy(pol, &mut o.rules, &mut o.unmodelled_policy_rules);
    }
    o
}

/// The writable fields of a group (create and PUT).
pub fn group_to_wire(o: &ObservedGroup) -> wg::EnvironmentGroup {
    wg::EnvironmentGroup {
        id: Some(o.id.clone()).filter(|id| !id.is_empty()),
        display_name: o.display_name.clone(),
        description: o.description.clone(),
        ..Default::default()
    }
}

impl Client {
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
    pub(crate) async fn reconcile_rules(
        &self,
        group: &str,
        g: &ObservedGroup,
    ) -> Result<(), ClientError> {
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

    pub(crate) async fn create_and_assign_policy(
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

    pub(crate) async fn unassign_policy(
        &self,
        policy: &str,
        group: &str,
    ) -> Result<(), ClientError> {
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
}

/// A rule-set parameter as compared: type, resource type, sorted values.
type NormalParam = (String, String, Vec<(String, String)>);

/// Parameters compared regardless of order and of `hasStagedChanges`.
pub(crate) fn same_rule_set(a: &wr::RuleSet, b: &wr::RuleSet) -> bool {
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

pub(crate) fn same_policy(a: &wr::RuleBasedPolicy, b: &wr::RuleBasedPolicy) -> bool {
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

pub(crate) fn group_assignment<'a>(
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
