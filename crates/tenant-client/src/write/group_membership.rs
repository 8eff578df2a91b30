//! Group membership: an environment joins or leaves a group.

use crate::Client;
use crate::error::ClientError;
use crate::http::Req;
use ppgov_core::observed::ObservedEnvironment;
use ppgov_tenant_api::paths;

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
