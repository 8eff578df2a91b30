//! DLP policies: list, read, create, update, delete.

use super::{NamedObject, cannot_write, gone_is_fine};
use crate::Client;
use crate::convert;
use crate::error::ClientError;
use crate::http::{Req, Response};
use ppgov_core::observed::ObservedDlpPolicy;
use ppgov_tenant_api::{dlp as wd, paths};

impl Client {
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

    pub async fn get_dlp_policy(&self, id: &str) -> Result<ObservedDlpPolicy, ClientError> {
        let resp = self
            .transport
            .send(&Req::get(paths::dlp_policy(id)))
            .await?;
        self.dlp_from(&resp).await
    }

    /// The policy in a write's answer, or read back when the answer lacks the groups.
    pub(super) async fn dlp_from(&self, resp: &Response) -> Result<ObservedDlpPolicy, ClientError> {
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
}
