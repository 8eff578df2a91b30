//! Environments: the BAP environment <-> `ObservedEnvironment`, the create request, the
//! Managed Environment (governance) request and the ownership marker; read, create (with its
//! lifecycle operation), delete, list, Managed Environment on or off, and group membership
//! (an environment joins or leaves a group).

use super::{NamedObject, gone_is_fine};
use crate::Client;
use crate::convert;
use crate::error::{ClientError, ErrorKind};
use crate::http::Req;
use ppgov_core::observed::ObservedEnvironment;
use ppgov_tenant_api::environments as we;
use ppgov_tenant_api::paths;
use serde_json::Value;
use serde_json::json;

pub fn environment(e: &we::Environment) -> ObservedEnvironment {
    ObservedEnvironment {
        id: e.name.to_lowercase(),
        display_name: e.properties.display_name.clone(),
        environment_type: e.properties.environment_sku.clone(),
        region: e.location.clone(),
        managed: e.is_managed(),
        group_id: e.group_id().map(str::to_lowercase),
        has_dataverse: e.has_dataverse(),
        is_default: e.properties.is_default,
        busy: e
            .properties
            .states
            .as_ref()
            .and_then(|s| s.management.as_ref())
            .is_some_and(|m| m.id == "Running"),
        owner: e.properties.description.as_deref().and_then(owner_of),
        delete_blocked: we::disallowed_operation(e, "Delete"),
        dataverse: None,
    }
}

/// The marker ppgov writes into the description of an environment it creates, so that the
/// tenant itself says which project owns it: a lost journal or a fresh clone still knows.
pub(crate) const OWNER_MARKER: &str = "[ppgov-owner:";

pub(crate) fn owner_description(project: &str) -> String {
    format!("Created and owned by ppgov (project {project}). {OWNER_MARKER}{project}]")
}

/// The project named by the ownership marker in a description, if it holds one.
pub fn owner_of(description: &str) -> Option<String> {
    let start = description.find(OWNER_MARKER)? + OWNER_MARKER.len();
    let rest = &description[start..];
    rest.find(']').map(|end| rest[..end].to_owned())
}

/// The BAP create request of an environment ppgov creates (reference §5.1).
pub fn create_environment_request(o: &ObservedEnvironment) -> we::CreateEnvironmentRequest {
    we::CreateEnvironmentRequest {
        location: o.region.clone(),
        properties: we::CreateEnvironmentProperties {
            display_name: o.display_name.clone(),
            description: o.owner.as_deref().map(owner_description),
            environment_sku: o.environment_type.clone(),
            database_type: o.dataverse.as_ref().map(|_| "CommonDataService".to_owned()),
            linked_environment_metadata: o.dataverse.as_ref().map(|d| we::CreateDataverse {
                base_language: d.language,
                domain_name: d.domain.clone(),
                currency: we::Currency {
                    code: d.currency.clone(),
                },
                security_group_id: d.security_group.clone(),
            }),
        },
    }
}

/// The governed fields of an environment, as the BAP list shows them.
pub fn environment_to_wire(o: &ObservedEnvironment) -> we::Environment {
    we::Environment {
        id: format!(
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{}",
            o.id
        ),
        name: o.id.clone(),
        location: o.region.clone(),
        kind: "Microsoft.BusinessAppPlatform/scopes/environments".into(),
        properties: we::EnvironmentProperties {
            display_name: o.display_name.clone(),
            description: o.owner.as_deref().map(owner_description),
            environment_sku: o.environment_type.clone(),
            is_default: o.is_default,
            parent_environment_group: o.group_id.as_ref().map(|g| we::GroupRef { id: g.clone() }),
            governance_configuration: Some(we::GovernanceConfiguration {
                protection_level: protection_level(o.managed).into(),
                settings: None,
            }),
            linked_environment_metadata: o.has_dataverse.then(|| json!({})),
            states: Some(we::States {
                management: Some(we::State {
                    id: if o.busy { "Running" } else { "Ready" }.into(),
                }),
                runtime: None,
            }),
            other: o
                .delete_blocked
                .iter()
                .map(|reason| {
                    (
                        "lifecycleOperationsEnforcement".to_owned(),
                        json!({ "disallowedOperations": [
                            { "type": { "id": "Delete" }, "reason": { "message": reason } }
                        ] }),
                    )
                })
                .collect(),
            ..Default::default()
        },
    }
}

pub(crate) fn protection_level(managed: bool) -> &'static str {
    if managed {
        we::PROTECTION_MANAGED
    } else {
        we::PROTECTION_BASIC
    }
}

/// Body that turns Managed Environment on or off.
pub fn governance_request(managed: bool) -> we::GovernanceConfigurationRequest {
    we::GovernanceConfigurationRequest {
        protection_level: protection_level(managed).into(),
        settings: None,
    }
}

impl Client {
    pub async fn get_environment(&self, id: &str) -> Result<ObservedEnvironment, ClientError> {
        let resp = self
            .transport
            .send(&Req::get(paths::get_environment(id)))
            .await?;
        Ok(convert::environment(&resp.json::<we::Environment>()?))
    }

    /// Re-reads an environment until `done` holds and no operation is running on it (reads
    /// lag behind finished operations), until the LRO deadline.
    pub(crate) async fn converge(
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
}

impl Client {
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
}

#[cfg(test)]
mod tests;
