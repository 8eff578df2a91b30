//! Reading the whole governed tenant in bulk: one listing per kind plus its pages, all
//! independent listings at once, so wall time is about the longest chain of page fetches.
//! The only per-object reads are the ones no list can replace: each DLP policy (list items
//! carry no connector groups) and the BAP role assignments of the environments asked for
//! (there is no tenant-wide list).

use crate::Client;
use crate::convert;
use crate::error::ClientError;
use crate::http::Req;
use futures::future::try_join_all;
use futures::{StreamExt, TryStreamExt};
use ppgov_core::observed::{Observed, ObservedRoleAssignment, ObservedScope};
use ppgov_tenant_api::{connectors as wc, dlp as wd, environments as we, groups as wg};
use ppgov_tenant_api::{paths, roles as wro, rules as wr, tenant as wt};

use std::collections::{BTreeMap, BTreeSet};

/// What [`Client::observe`] reads beyond the always-read kinds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObserveOptions {
    /// Environments (ids, any case) whose BAP environment role assignments to read.
    /// Environments with Dataverse are skipped (BAP refuses them); ids not in the tenant are
    /// ignored. Those read are listed in `Observed::role_assignments_read_for`.
    pub bap_role_environments: BTreeSet<String>,
    /// Read the live connector catalog (Power Apps list, unblockable and virtual lists).
    pub connectors: bool,
    /// Also read the BAP role assignments of every environment that is managed or in a group
    /// (without Dataverse), as their pages arrive: what `ppgov import` declares.
    pub bap_roles_of_managed_or_grouped: bool,
    /// Environments (ids, any case) whose own Power Platform RBAC scope to list; `None` (the
    /// default) lists every environment's. The tenant's and every group's scope are always
    /// listed. Ids not in the tenant are ignored; what was read is recorded in
    /// `Observed::rbac_environment_scopes_read`. Planning needs only the environments a
    /// repository assigns RBAC roles on (all of them under exclusive ownership).
    pub rbac_environment_scopes: Option<BTreeSet<String>>,
    /// Environments (ids, any case) whose inventory (apps, flows, custom connectors,
    /// connections) to read into `Observed::inventory`, alongside the other listings; `None`
    /// (the default) reads none. An id the tenant does not have fails the read, naming it
    /// (see [`Client::read_inventory`]).
    pub inventory: Option<BTreeSet<String>>,
}

impl Client {
    /// The whole governed state of the tenant, within `Limits::observe_deadline`.
    pub async fn observe(&self, options: &ObserveOptions) -> Result<Observed, ClientError> {
        self.within_observe_deadline("the tenant", self.observe_unbounded(options))
            .await
    }

    /// `read`, cut off at `Limits::observe_deadline` with an error naming `what` was read
    /// and the setting that bounds it.
    pub(crate) async fn within_observe_deadline<T>(
        &self,
        what: &str,
        read: impl std::future::Future<Output = Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        let deadline = self.transport.config.limits.observe_deadline;
        match tokio::time::timeout(deadline, read).await {
            Ok(result) => result,
            Err(_) => Err(ClientError::new(
                crate::ErrorKind::Timeout,
                format!(
                    "reading {what} took longer than {}s (observe_deadline, PPGOV_OBSERVE_DEADLINE)",
                    deadline.as_secs()
                ),
            )),
        }
    }

    async fn observe_unbounded(&self, options: &ObserveOptions) -> Result<Observed, ClientError> {
        let t = &self.transport;
        // One budget for every per-object read (DLP policies, BAP role lists, group RBAC
        // scopes), below the transport's limit: the environment listing's next page (the
        // critical path) then never queues behind hundreds of them.
        let bulk_in_flight = t.config.max_concurrent_requests.saturating_sub(4).max(1);
        let bulk = tokio::sync::Semaphore::new(bulk_in_flight);
        let bulk = &bulk;
        let tenant = async {
            let info: wt::TenantInfo = t.send(&Req::get(paths::tenant())).await?.json()?;
            let id = info.tenant_id.to_lowercase();
            let _ = self.tenant_id.set(id.clone());
            // The policy's path names the tenant, so it is read once the id is known.
            let isolation = crate::kinds::tenant_isolation::read(t, &id).await?;
            Ok::<_, ClientError>((id, isolation))
        };
        let environments_and_roles = async {
            let wanted: BTreeSet<String> = options
                .bap_role_environments
                .iter()
                .map(|e| e.to_lowercase())
                .collect();
            let reads_roles = |e: &we::Environment| {
                !e.has_dataverse()
                    && (wanted.contains(&e.name.to_lowercase())
                        || (options.bap_roles_of_managed_or_grouped && {
                            let o = convert::environment(e);
                            o.managed || o.group_id.is_some()
                        }))
            };
            // Role reads start as each page of environments arrives, so they overlap the
            // rest of the listing instead of following it.
            let (to_read, queue) = futures::channel::mpsc::unbounded::<String>();
            let listing = async move {
                let envs = t
                    .list_unique_each_page(
                        paths::list_environments(),
                        |e: &we::Environment| Some(e.name.clone()),
                        |page: &[we::Environment]| {
                            for e in page.iter().filter(|e| reads_roles(e)) {
                                // The receiver lives until the listing ends.
                                let _ = to_read.unbounded_send(e.name.clone());
                            }
                        },
                    )
                    .await;
                drop(to_read);
                envs
            };
            let roles = queue
                .map(|name| async move {
                    // Held for the read (an `Err` only if closed, which it never is).
                    let _slot = bulk.acquire().await;
                    let list: Vec<wro::BapRoleAssignment> = t
                        .list_unique(
                            paths::environment_role_assignments(&name),
                            |a: &wro::BapRoleAssignment| Some(a.id.clone()),
                        )
                        .await?;
                    Ok::<_, ClientError>((name.to_lowercase(), list))
                })
                .buffer_unordered(bulk_in_flight)
                .try_collect::<Vec<_>>();
            let (envs, roles) = futures::try_join!(listing, roles)?;
            Ok::<_, ClientError>((envs, roles))
        };
        // Each group's RBAC scope is listed as soon as the groups are, overlapping the
        // environment listing (the critical path), within the bulk budget.
        let groups_and_rbac = async {
            let groups: Vec<wg::EnvironmentGroup> = t
                .list_unique(paths::environment_groups(), |g: &wg::EnvironmentGroup| {
                    g.id.clone()
                })
                .await?;
            let scopes = std::iter::once(ObservedScope::Tenant).chain(
                groups
                    .iter()
                    .filter_map(|g| g.id.clone())
                    .map(ObservedScope::EnvironmentGroup),
            );
            let rbac = self.rbac_scopes(scopes, Some(bulk)).await?;
            Ok::<_, ClientError>((groups, rbac))
        };
        let rule_sets = t.list_unique(paths::rule_sets(), |r: &wr::RuleSet| r.id.clone());
        let policies = t.list_unique(paths::rule_based_policies(), |p: &wr::RuleBasedPolicy| {
            p.id.clone()
        });
        let assignments = t.list::<wr::RuleAssignment>(paths::rule_based_policy_assignments());
        let dlp = async {
            let items: Vec<wd::PolicyDocument> = t
                .list_unique(paths::dlp_policies(), |d: &wd::PolicyDocument| {
                    d.policy_definition.name.clone()
                })
                .await?;
            try_join_all(items.iter().map(|item| async move {
                let _slot = bulk.acquire().await;
                let name = item.policy_definition.name.clone().unwrap_or_default();
                let resp = t.send(&Req::get(paths::dlp_policy(&name))).await?;
                let doc: wd::PolicyDocument = resp.json()?;
                convert::dlp_policy(&doc).map_err(|e| ClientError::invalid(&resp.label, e.0))
            }))
            .await
        };
        let settings = async {
            let resp = t
                .send(&Req::post(paths::list_tenant_settings()).reading())
                .await?;
            if resp.is_empty() {
                return Ok(wt::TenantSettings::new());
            }
            resp.json::<wt::TenantSettings>()
        };
        let connectors = async {
            if !options.connectors {
                return Ok(None);
            }
            let (list, unblockable, virtuals) = futures::try_join!(
                t.list_unique(paths::connectors(), |c: &wc::Connector| Some(
                    c.name.clone()
                )),
                async {
                    t.send(&Req::get(paths::unblockable_connectors()))
                        .await?
                        .json::<Vec<wc::UnblockableConnector>>()
                },
                async {
                    t.send(&Req::get(paths::virtual_connectors()))
                        .await?
                        .json::<Vec<wc::VirtualConnector>>()
                },
            )?;
            Ok::<_, ClientError>(Some(convert::connectors(&list, &unblockable, &virtuals)))
        };
        let inventory = async {
            match &options.inventory {
                Some(envs) => self.read_inventory_within(envs, Some(bulk)).await,
                None => Ok(Default::default()),
            }
        };

        let (
            (tenant_id, tenant_isolation),
            (envs, bap_roles),
            (groups, mut rbac),
            rule_sets,
            policies,
            assignments,
            dlp,
            settings,
            connectors,
            inventory,
        ) = futures::try_join!(
            tenant,
            environments_and_roles,
            groups_and_rbac,
            rule_sets,
            policies,
            assignments,
            dlp,
            settings,
            connectors,
            inventory,
        )?;
        // RBAC: the tenant-level list holds tenant-scope assignments only, so each scope is
        // listed on its own route (README, "RBAC scopes"); environments only as asked.
        let env_scopes: Vec<String> = match &options.rbac_environment_scopes {
            None => envs.iter().map(|e| e.name.clone()).collect(),
            Some(wanted) => {
                let wanted: BTreeSet<String> = wanted.iter().map(|e| e.to_lowercase()).collect();
                envs.iter()
                    .filter(|e| wanted.contains(&e.name.to_lowercase()))
                    .map(|e| e.name.clone())
                    .collect()
            }
        };
        rbac.extend(
            self.rbac_scopes(
                env_scopes.iter().cloned().map(ObservedScope::Environment),
                None,
            )
            .await?,
        );

        let environments = envs
            .iter()
            .map(convert::environment)
            .map(|o| (o.id.clone(), o))
            .collect();
        // Rule sets and policy assignments name their group; index them by group id.
        let rule_set_of: BTreeMap<String, &wr::RuleSet> = rule_sets
            .iter()
            .filter_map(|rs| rs.group_id().map(|g| (g.to_lowercase(), rs)))
            .collect();
        let policy_by_id: BTreeMap<String, &wr::RuleBasedPolicy> = policies
            .iter()
            .filter_map(|p| p.id.as_ref().map(|id| (id.to_lowercase(), p)))
            .collect();
        let policy_of: BTreeMap<String, &wr::RuleBasedPolicy> = assignments
            .iter()
            .filter(|a| a.resource_type.eq_ignore_ascii_case("EnvironmentGroup"))
            .filter_map(|a| {
                let group = a.resource_id.as_deref()?;
                policy_by_id
                    .get(&a.policy_id.to_lowercase())
                    .map(|p| (group.to_lowercase(), *p))
            })
            .collect();
        let environment_groups = groups
            .iter()
            .map(|g| {
                let id = g.id.clone().unwrap_or_default().to_lowercase();
                convert::group(
                    g,
                    rule_set_of.get(&id).copied(),
                    policy_of.get(&id).copied(),
                )
            })
            .map(|o| (o.id.clone(), o))
            .collect();
        let dlp_policies = dlp.into_iter().map(|p| (p.id.clone(), p)).collect();
        let mut role_assignments: BTreeMap<String, ObservedRoleAssignment> =
            rbac.into_iter().map(|o| (o.id.clone(), o)).collect();
        let mut role_assignments_read_for = BTreeSet::new();
        for (env, list) in bap_roles {
            for a in &list {
                let o = convert::bap_role_assignment(a, &env);
                role_assignments.insert(o.id.clone(), o);
            }
            role_assignments_read_for.insert(env);
        }
        // Every field named, so a new kind's field is a compile error here, not a kind
        // observe silently leaves empty.
        let observed = Observed {
            tenant_id: Some(tenant_id),
            environments,
            environment_groups,
            dlp_policies,
            role_assignments,
            tenant_settings: convert::tenant_settings(&settings),
            tenant_isolation,
            connectors,
            role_assignments_read_for,
            rbac_environment_scopes_read: options
                .rbac_environment_scopes
                .as_ref()
                .map(|_| env_scopes.iter().map(|e| e.to_lowercase()).collect()),
            inventory,
            // The caller's clock, not the tenant's state.
            observed_on: None,
        };
        Ok(observed)
    }
}

impl Client {
    /// Lists the RBAC assignments of the `ids` environments' own scopes into `observed` and
    /// records them in `rbac_environment_scopes_read`: the second step after an
    /// [`Client::observe`] that listed only some environment scopes, once which ones matter is
    /// known from what it read. Ids not in `observed`, and scopes already read, are skipped.
    pub async fn observe_rbac_environment_scopes(
        &self,
        ids: &BTreeSet<String>,
        observed: &mut Observed,
    ) -> Result<(), ClientError> {
        let unread: Vec<String> = ids
            .iter()
            .map(|id| id.to_lowercase())
            .filter(|id| {
                observed.environments.contains_key(id) && !observed.rbac_environment_scope_read(id)
            })
            .collect();
        let scopes = unread.iter().cloned().map(ObservedScope::Environment);
        let found = self.rbac_scopes(scopes, None).await?;
        for a in found {
            observed.role_assignments.insert(a.id.clone(), a);
        }
        if let Some(read) = &mut observed.rbac_environment_scopes_read {
            read.extend(unread);
        }
        Ok(())
    }

    /// The RBAC assignments of `scopes`, listed concurrently: as many at a time as the
    /// transport allows, or as `budget` has permits.
    pub(crate) async fn rbac_scopes(
        &self,
        scopes: impl Iterator<Item = ObservedScope>,
        budget: Option<&tokio::sync::Semaphore>,
    ) -> Result<Vec<ObservedRoleAssignment>, ClientError> {
        let in_flight = self.transport.config.max_concurrent_requests;
        let lists: Vec<Vec<ObservedRoleAssignment>> = futures::stream::iter(scopes)
            .map(|s| async move {
                let _slot = match budget {
                    Some(budget) => Some(budget.acquire().await),
                    None => None,
                };
                self.list_rbac_role_assignments_at(&s).await
            })
            .buffer_unordered(in_flight)
            .try_collect()
            .await?;
        Ok(lists.into_iter().flatten().collect())
    }

    /// Reads the BAP environment role assignments of the `ids` environments into `observed`,
    /// concurrently (within the client's limit), and records them in
    /// `role_assignments_read_for`. Ids not in `observed` and environments with Dataverse
    /// (BAP refuses them) are skipped. For a second step after [`Client::observe`], when
    /// which environments matter is known only from what it read.
    pub async fn observe_environment_roles(
        &self,
        ids: &BTreeSet<String>,
        observed: &mut Observed,
    ) -> Result<(), ClientError> {
        let readable = ids.iter().filter(|id| {
            observed
                .environments
                .get(*id)
                .is_some_and(|e| !e.has_dataverse)
        });
        let reads = readable.map(|id| async move {
            self.list_environment_role_assignments(id)
                .await
                .map(|list| (id.clone(), list))
        });
        for (id, list) in try_join_all(reads).await? {
            observed.role_assignments_read_for.insert(id);
            for a in list {
                observed.role_assignments.insert(a.id.clone(), a);
            }
        }
        Ok(())
    }
}
