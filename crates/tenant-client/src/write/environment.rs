//! Environments: read, create (with its lifecycle operation), delete, list, Managed
//! Environment on or off.

use super::{NamedObject, gone_is_fine};
use crate::Client;
use crate::convert;
use crate::error::{ClientError, ErrorKind};
use crate::http::Req;
use ppgov_core::observed::ObservedEnvironment;
use ppgov_tenant_api::{environments as we, paths};
use serde_json::Value;

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
    pub(super) async fn converge(
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
